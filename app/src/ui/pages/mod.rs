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

/// Leaves the performance mark `name` once a screen's data is first drawn, for the benchmarks:
/// called as the view showing it is made, it marks once that view is in the document (the task
/// spawned runs after the build in progress), once per page.
fn mark_drawn(name: &'static str) {
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        thread_local! {
            static MARKED: std::cell::RefCell<Vec<&'static str>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        let first = MARKED.with_borrow_mut(|marked| {
            let first = !marked.contains(&name);
            if first {
                marked.push(name);
            }
            first
        });
        if first {
            crate::browser::mark(name);
        }
    });
    #[cfg(not(feature = "hydrate"))]
    let _ = name;
}

/// How many people, as the screens write it: "1 person", "10,000 people".
fn counted_people(n: usize) -> String {
    format!("{} {}", grouped(n), people(n))
}

fn people(n: usize) -> &'static str {
    if n == 1 {
        "person"
    } else {
        "people"
    }
}

/// A count as the screens write it, its thousands grouped: "10,000 people".
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{counted_people, grouped};

    #[test]
    fn counts_have_their_thousands_grouped() {
        for (n, written) in [
            (0, "0"),
            (7, "7"),
            (999, "999"),
            (1_000, "1,000"),
            (10_000, "10,000"),
            (123_456, "123,456"),
            (1_234_567, "1,234,567"),
        ] {
            assert_eq!(grouped(n), written);
        }
        assert_eq!(counted_people(1), "1 person");
        assert_eq!(counted_people(5_000), "5,000 people");
    }
}
