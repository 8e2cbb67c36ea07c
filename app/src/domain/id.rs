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

/// Declares a string id type: the key of a record in one of the document's maps, stored as a
/// plain string wherever it is referred to (a derived impl would nest it in a map).
macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(
            Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        #[serde(transparent)]
        pub struct $name(String);

        impl Reconcile for $name {
            type Key<'a> = autosurgeon::reconcile::NoKey;
            fn reconcile<R: Reconciler>(&self, mut reconciler: R) -> Result<(), R::Error> {
                reconciler.str(&self.0)
            }
        }

        impl Hydrate for $name {
            fn hydrate_string(s: &str) -> Result<$name, HydrateError> {
                Ok($name(s.to_owned()))
            }
        }

        impl $name {
            pub fn random() -> $name {
                $name(new_id())
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> $name {
                $name(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> $name {
                $name(id.to_owned())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

string_id!(
    /// The id of a person: the key of their entry in the document's `people` map.
    PersonId
);
string_id!(
    /// The id of an interview: the key of its entry in the document's `interviews` map.
    InterviewId
);
string_id!(
    /// The id of a field of interest: the key of its entry in the document's `fields` map.
    FieldId
);

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
