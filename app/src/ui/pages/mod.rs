//! One file per route.

mod fields;
mod home;
mod import;
mod interview;
mod meet;
mod not_found;
mod pair;
mod people;
mod person;
mod person_form;
mod record;
mod settings;

pub use fields::{FieldPage, FieldsPage};
pub use home::HomePage;
pub use import::ImportPage;
pub use interview::InterviewPage;
pub use meet::MeetPage;
pub use not_found::NotFound;
pub use pair::{PairPage, SyncSection};
pub use people::PeoplePage;
pub use person::PersonPage;
pub use person_form::{EditPersonPage, NewPersonPage};
pub use record::RecordPage;
pub use settings::SettingsPage;

use leptos::prelude::*;

/// Shown while the network is read from this device's storage (and on the server, which never
/// has it).
#[component]
fn Opening() -> impl IntoView {
    view! { <p class="muted" aria-busy="true">"Opening your network…"</p> }
}
