//! Pieces shared by several pages.

mod person_picker;
mod problems;

pub use person_picker::PersonPicker;
pub use problems::{Problems, SaveStatus};
