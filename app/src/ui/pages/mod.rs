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
pub use people::{PeoplePage, WithPeople};
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

/// Leaves the performance mark `name` the first time `shown` holds: when a screen's data is
/// first on screen, for the benchmarks.
fn mark_first_shown(name: &'static str, shown: impl Fn() -> bool + Send + Sync + 'static) {
    Effect::new(move |marked: Option<bool>| {
        if marked == Some(true) {
            return true;
        }
        let shown = shown();
        #[cfg(feature = "hydrate")]
        if shown {
            crate::browser::mark(name);
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = name;
        shown
    });
}
