use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

/// What the user wants from conversations in a field, on the continuum from general career
/// research to advice on a specific job search.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Reconcile, Hydrate, Serialize, Deserialize,
)]
pub enum Objective {
    /// Learning what the field is and whether it suits them.
    #[default]
    General,
    /// Learning about particular occupations, organisations and paths into them.
    Focused,
    /// Advice on landing a specific kind of job.
    Specific,
}

impl Objective {
    pub const ALL: [Objective; 3] = [Objective::General, Objective::Focused, Objective::Specific];

    pub fn label(self) -> &'static str {
        match self {
            Objective::General => "General career research",
            Objective::Focused => "Occupations and organisations",
            Objective::Specific => "Specific job research advice",
        }
    }

    /// A stable name for forms and files.
    pub fn key(self) -> &'static str {
        match self {
            Objective::General => "general",
            Objective::Focused => "focused",
            Objective::Specific => "specific",
        }
    }

    pub fn from_key(key: &str) -> Option<Objective> {
        Objective::ALL.into_iter().find(|&o| o.key() == key)
    }
}

/// A field of interest the user researches, such as "speech systems technology".
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(default)]
pub struct Field {
    pub name: String,
    #[autosurgeon(missing = "Default::default")]
    pub objective: Objective,
    #[autosurgeon(missing = "Default::default")]
    pub created_at: i64,
}
