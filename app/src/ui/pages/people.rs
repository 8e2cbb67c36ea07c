use super::Opening;
use crate::domain::{search_people, PersonRow};
use crate::ui::components::Link;
use crate::ui::state::use_network;
use leptos::prelude::*;

/// How many rows the list shows before "Show more" (and how many more each time): several
/// screens' worth, and few enough to draw within a task (a hundred took ~30 ms of a phone's).
const PAGE: usize = 50;
/// Rows drawn with the list's first screen, more than a screen holds: the rest of the first page
/// follows in the next task, so the list appears sooner on a new page.
const FIRST: usize = 20;

/// `/people`: the people list with search.
#[component]
pub fn PeoplePage() -> impl IntoView {
    view! {
        <div class="page-head">
            <h1>"People"</h1>
            <div class="actions">
                <Link href="/import" class="button">"Import"</Link>
                <Link href="/people/new" class="button primary">"Add person"</Link>
            </div>
        </div>
        <PeopleList/>
    }
}

/// A person's pages on a wide screen: the people list beside them, so the next person is one
/// click away. On a phone (and until hydration, which learns the width) the page alone.
#[component]
pub fn WithPeople(children: Children) -> impl IntoView {
    let wide = crate::ui::use_wide();
    view! {
        <div class="split" class:wide=wide>
            {move || wide.get().then(|| view! {
                <aside class="side-list" aria-label="Your people">
                    <div class="side-head">
                        <h2>"People"</h2>
                        <Link href="/people/new" class="button small">"Add person"</Link>
                    </div>
                    <PeopleList/>
                </aside>
            })}
            <div class="detail">{children()}</div>
        </div>
    }
}

/// The search and the list of people matching it.
#[component]
fn PeopleList() -> impl IntoView {
    let state = use_network();
    let query = RwSignal::new(String::new());
    let limit = RwSignal::new(FIRST);
    let found = Memo::new(move |_| {
        let query = query.get();
        let limit = limit.get();
        let total = state.people_count()?;
        state.rows_with(|rows| {
            let all = search_people(rows, &query);
            let shown: Vec<PersonRow> = all.iter().take(limit).map(|row| (*row).clone()).collect();
            // While the list is read, everyone read so far matching means everyone does.
            let matching = if all.len() == rows.len() {
                total
            } else {
                all.len()
            };
            (matching, total, shown)
        })
    });

    view! {
        <input
            class="search"
            type="search"
            aria-label="Search people"
            placeholder="Search by name, organisation, field, tag…"
            prop:value=move || query.get()
            on:input=move |ev| {
                query.set(event_target_value(&ev));
                limit.set(PAGE);
            }
        />
        {move || match found.get() {
            None => view! { <Opening/> }.into_any(),
            Some((_, 0, _)) => {
                super::mark_drawn("colloquy:people-listed");
                view! { <Empty/> }.into_any()
            }
            Some((matching, total, shown)) => {
                super::mark_drawn("colloquy:people-listed");
                #[cfg(feature = "hydrate")]
                if limit.get_untracked() == FIRST {
                    crate::ui::platform::later(move || limit.update(|l| *l = (*l).max(PAGE)));
                }
                let more = matching > shown.len();
                let (all, some) = (super::grouped(total), super::grouped(matching));
                let summary = if matching == total {
                    super::counted_people(total)
                } else {
                    match matching {
                        1 => format!("1 of {all} people matches"),
                        _ => format!("{some} of {all} people match"),
                    }
                };
                view! {
                    <p class="muted" aria-live="polite">{summary}</p>
                    <ul class="people" aria-label="People">
                        {shown.into_iter().map(|row| view! { <PersonItem row/> }).collect_view()}
                    </ul>
                    <Show when=move || more>
                        <button type="button" on:click=move |_| limit.update(|l| *l += PAGE)>
                            "Show more"
                        </button>
                    </Show>
                }
                    .into_any()
            }
        }}
    }
}

#[component]
fn PersonItem(row: PersonRow) -> impl IntoView {
    let href = format!("/people/{}", row.id);
    let detail = [
        row.role.as_str(),
        row.organisation.as_str(),
        row.location.as_str(),
    ]
    .into_iter()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" · ");
    view! {
        <li>
            <Link href=href>
                <span class="name"><bdi>{row.name}</bdi></span>
                <span class="detail"><bdi>{detail}</bdi></span>
            </Link>
        </li>
    }
}

#[component]
fn Empty() -> impl IntoView {
    view! {
        <section class="empty">
            <p>
                "Start with the people you already know: friends, family, classmates, colleagues. "
                "Each conversation will lead you to others."
            </p>
            <div class="actions">
                <Link href="/people/new" class="button primary">"Add your first person"</Link>
                <Link href="/import" class="button">"Import from LinkedIn, Google or your phone"</Link>
            </div>
        </section>
    }
}
