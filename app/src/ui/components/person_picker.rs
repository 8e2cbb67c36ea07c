use crate::domain::{search_people, PersonId};
use crate::ui::state::use_network;
use leptos::prelude::*;

/// Picks one person of the network by typing part of their name.
///
/// Scales to thousands of people: it lists only the first few matches.
#[component]
pub fn PersonPicker(
    /// The picked person.
    selected: RwSignal<Option<PersonId>>,
    /// Someone who can't be picked (the person being edited).
    #[prop(optional)]
    exclude: Option<PersonId>,
    /// The label of the text box.
    label: &'static str,
    /// The id of the text box.
    id: &'static str,
) -> impl IntoView {
    const SHOWN: usize = 8;
    let state = use_network();
    let exclude = StoredValue::new(exclude);
    let query = RwSignal::new(String::new());
    let selected_name = move || {
        let id = selected.get()?;
        state.row(&id).map(|row| {
            row.map_or_else(
                || "someone no longer in your network".to_owned(),
                |row| row.name,
            )
        })
    };
    let matches = move || {
        let query = query.get();
        if query.trim().is_empty() {
            return Vec::new();
        }
        state
            .rows_with(|rows| {
                search_people(rows, &query)
                    .into_iter()
                    .filter(|row| exclude.with_value(|e| e.as_ref() != Some(&row.id)))
                    .take(SHOWN)
                    .map(|row| (row.id.clone(), row.name.clone(), row.organisation.clone()))
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default()
    };
    view! {
        <div class="picker">
            <Show when=move || selected.get().is_some()>
                <p class="picked">
                    "Referred by " <strong><bdi>{selected_name}</bdi></strong> " "
                    <button type="button" class="quiet" on:click=move |_| selected.set(None)>"Change"</button>
                </p>
            </Show>
            <Show when=move || selected.get().is_none()>
                <label for=id>{label}</label>
                <input
                    id=id
                    type="search"
                    autocomplete="off"
                    placeholder="Type a name"
                    prop:value=move || query.get()
                    on:input=move |ev| query.set(event_target_value(&ev))
                />
                <ul class="picker-options" aria-label="Matching people">
                    <For
                        each=matches
                        key=|(id, _, _)| id.clone()
                        children=move |(id, name, organisation)| {
                            view! {
                                <li>
                                    <button
                                        type="button"
                                        on:click=move |_| {
                                            selected.set(Some(id.clone()));
                                            query.set(String::new());
                                        }
                                    >
                                        <bdi>{name}</bdi>
                                        <span class="muted"> " " <bdi>{organisation}</bdi></span>
                                    </button>
                                </li>
                            }
                        }
                    />
                </ul>
            </Show>
        </div>
    }
}
