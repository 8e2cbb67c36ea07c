//! Pieces shared by several pages.

mod app_status;
mod delete;
mod icons;
mod interview_editor;
mod interview_parts;
mod link;
mod person_picker;
mod problems;
mod undo;

pub use app_status::AppStatus;
pub use delete::DeleteSection;
pub use icons::{Icon, IconSvg};
pub use interview_editor::{Found, InterviewEditor};
pub use interview_parts::{copy_button, meeting_place, Referrals, StageProgress, TextBox};
pub use link::Link;
pub use person_picker::PersonPicker;
pub use problems::{Problems, SaveStatus};
pub use undo::UndoNotice;
