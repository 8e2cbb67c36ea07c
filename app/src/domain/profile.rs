use super::clock::FollowUpSettings;
use super::Category;
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

/// The user: what requests and thank-yous are signed with, and their settings.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(default)]
pub struct Profile {
    #[autosurgeon(missing = "Default::default")]
    pub name: String,
    #[autosurgeon(missing = "Default::default")]
    pub email: String,
    #[autosurgeon(missing = "Default::default")]
    pub phone: String,
    #[autosurgeon(missing = "Default::default")]
    pub follow_up: FollowUpSettings,
}

/// The user's own wording of the request and thank-you; empty means the built-in one.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(default)]
pub struct Templates {
    #[autosurgeon(missing = "Default::default")]
    pub request: String,
    #[autosurgeon(missing = "Default::default")]
    pub thank_you: String,
}

impl Templates {
    pub fn request_or_default(&self) -> &str {
        non_empty_or(&self.request, super::DEFAULT_REQUEST_TEMPLATE)
    }

    pub fn thank_you_or_default(&self) -> &str {
        non_empty_or(&self.thank_you, super::DEFAULT_THANK_YOU_TEMPLATE)
    }
}

fn non_empty_or<'a>(text: &'a str, default: &'a str) -> &'a str {
    if text.trim().is_empty() {
        default
    } else {
        text
    }
}

/// An organisation, with the user's research on it (shared by every interview there).
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(default)]
pub struct Organisation {
    pub name: String,
    #[autosurgeon(missing = "Default::default", with = "crate::doc::text")]
    pub research: String,
}

/// The key of an organisation in the document: its name, folded, so that two devices adding
/// research on "Acme Corp" and "acme  corp" write to the same record.
pub fn organisation_key(name: &str) -> String {
    name.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// A question the user added to their bank.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(default)]
pub struct OwnQuestion {
    pub text: String,
    #[autosurgeon(missing = "Default::default")]
    pub category: Category,
    #[autosurgeon(missing = "Default::default")]
    pub created_at: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn organisation_keys_fold_case_and_spaces() {
        assert_eq!(organisation_key("  Acme   Corp "), "acme corp");
        assert_eq!(organisation_key("ACME Corp"), organisation_key("acme corp"));
        assert_ne!(organisation_key("Acme"), organisation_key("Acme Corp"));
    }

    #[test]
    fn empty_templates_fall_back_to_the_built_in_ones() {
        let mut t = Templates::default();
        assert_eq!(
            t.request_or_default(),
            crate::domain::DEFAULT_REQUEST_TEMPLATE
        );
        t.request = "Hi {contact}".into();
        assert_eq!(t.request_or_default(), "Hi {contact}");
        t.thank_you = "   ".into();
        assert_eq!(
            t.thank_you_or_default(),
            crate::domain::DEFAULT_THANK_YOU_TEMPLATE
        );
    }
}
