use autosurgeon::{Hydrate, HydrateError, Reconcile, Reconciler};
use std::fmt;

/// A fresh random id: 16 bytes from the platform's secure generator, as 32 lowercase hex digits.
///
/// Random ids (not counters) let two devices add records at once without colliding.
pub fn new_id() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the platform has no random number generator");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The id of a person: the key of their entry in the document's `people` map.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PersonId(String);

/// Stored as a plain string (a derived impl would nest it in a map).
impl Reconcile for PersonId {
    type Key<'a> = autosurgeon::reconcile::NoKey;
    fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
        reconciler.str(&self.0)
    }
}

impl Hydrate for PersonId {
    fn hydrate_string(s: &str) -> Result<PersonId, HydrateError> {
        Ok(PersonId(s.to_owned()))
    }
}

impl PersonId {
    pub fn random() -> PersonId {
        PersonId(new_id())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<String> for PersonId {
    fn from(id: String) -> PersonId {
        PersonId(id)
    }
}

impl From<&str> for PersonId {
    fn from(id: &str) -> PersonId {
        PersonId(id.to_owned())
    }
}

impl AsRef<str> for PersonId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PersonId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_distinct_hex() {
        let a = new_id();
        let b = new_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 32);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}
