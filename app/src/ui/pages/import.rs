//! Bringing contacts in from LinkedIn, Google, a phone's address book or another Colloquy:
//! choose a file, see what it would change, decide about each possible duplicate, import.

use crate::doc::Command;
use crate::exchange::merge::{Choice, Entry, Summary, PREVIEW_NAMED as NAMED};
use crate::exchange::Format;
use crate::ui::state::use_network;
#[cfg(feature = "hydrate")]
use crate::wire::{Reply, Request};
use leptos::prelude::*;
use leptos_router::components::A;

#[derive(Clone, Debug, PartialEq)]
enum Status {
    Idle,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    Reading,
    /// Writing this many people.
    Importing(usize),
    Failed(String),
    Done(String),
}

#[component]
pub fn ImportPage() -> impl IntoView {
    let state = use_network();
    // The preview of the plan the worker made.
    let plan: RwSignal<Option<(Format, String, Summary)>> = RwSignal::new(None);
    // The file's text, kept as the import itself once the user says so.
    let text = StoredValue::new(String::new());
    let status = RwSignal::new(Status::Idle);

    let choose = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            let input: web_sys::HtmlInputElement = event_target(&ev);
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            input.set_value("");
            plan.set(None);
            status.set(Status::Reading);
            let name = file.name();
            leptos::task::spawn_local(async move {
                let bytes = match crate::browser::read_file(file).await {
                    Ok(bytes) => bytes,
                    Err(e) => {
                        status.set(Status::Failed(format!("Couldn't read the file: {e}")));
                        return;
                    }
                };
                let file_text = match crate::exchange::decode_text(&bytes) {
                    Ok(text) => text,
                    Err(e) => return status.set(failed(&name, &e.to_string())),
                };
                // Read and matched by the worker (once the network is open).
                text.set_value(file_text.clone());
                let request = Request::PlanImport {
                    name: name.clone(),
                    text: file_text,
                };
                state.request(request, move |reply| match reply {
                    Reply::Planned(Err(e)) => status.set(failed(&name, &e)),
                    Reply::Planned(Ok((_, summary))) if summary.contacts == 0 => status.set(
                        Status::Failed(format!("{name} holds no contacts. Nothing was imported.")),
                    ),
                    Reply::Planned(Ok((format, summary))) => {
                        status.set(Status::Idle);
                        plan.set(Some((format, name, summary)));
                    }
                    _ => {}
                });
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };

    let busy = Signal::derive(move || matches!(status.get(), Status::Importing(_)));
    let apply = move || {
        let Some((name, counts, choices)) = plan.with_untracked(|p| {
            p.as_ref()
                .map(|(_, name, p)| (name.clone(), p.counts(), p.choices()))
        }) else {
            return status.set(Status::Idle);
        };
        // Kept in storage at once like any edit, as the file and the choices: leaving the
        // page loses nothing, and the worker writes it as one change.
        match state.edit(Command::ImportFile {
            name,
            text: text.get_value(),
            choices,
        }) {
            Ok(()) => {
                plan.set(None);
                status.set(Status::Done(summary_after(
                    counts.added,
                    counts.merged,
                    counts.already_here + counts.skipped,
                )));
            }
            Err(e) => status.set(Status::Failed(format!(
                "The import failed and nothing was changed: {e}"
            ))),
        }
    };
    let import = move |_| {
        if busy.get_untracked() {
            return;
        }
        let Some(counts) = plan.with_untracked(|p| p.as_ref().map(|(_, _, p)| p.counts())) else {
            return;
        };
        status.set(Status::Importing(counts.added + counts.merged));
        apply();
    };

    view! {
        <h1>"Import contacts"</h1>
        <p>
            "Start with the people you already know. Bring them in from a LinkedIn export "
            "(Connections.csv), Google Contacts (Google CSV), your phone or Apple Contacts "
            "(a .vcf file), or a Colloquy people file. You'll see what changes before anything is saved."
        </p>
        <details class="hint">
            <summary>"Where do I find these files?"</summary>
            <ul>
                <li>"LinkedIn: Settings → Data privacy → Get a copy of your data → Connections. The download holds Connections.csv."</li>
                <li>"Google Contacts: Export → Google CSV."</li>
                <li>"iPhone or Mac: Contacts → select all → Export vCard. Android: Contacts → Export to .vcf."</li>
            </ul>
        </details>
        <label for="contacts-file">"Choose a file"</label>
        <input
            id="contacts-file"
            type="file"
            accept=".csv,.vcf,.vcard,.json,text/csv,text/vcard,application/json"
            on:change=choose
        />
        {move || match status.get() {
            Status::Idle => ().into_any(),
            Status::Reading => view! { <p class="muted" aria-busy="true">"Reading the file…"</p> }.into_any(),
            Status::Importing(n) => view! {
                <p class="muted" role="status" aria-busy="true">{format!("Importing {}…", super::counted_people(n))}</p>
            }.into_any(),
            Status::Failed(message) => view! { <p class="form-error" role="alert">{message}</p> }.into_any(),
            Status::Done(message) => view! {
                <p class="done" role="status">{message}</p>
                <p><A href="/people">"See your people"</A></p>
            }.into_any(),
        }}
        {move || plan.with(|p| p.is_some()).then(|| view! { <Preview plan import busy/> })}
    }
}

/// What the import would do, with a choice for every possible duplicate.
#[component]
fn Preview(
    plan: RwSignal<Option<(Format, String, Summary)>>,
    import: impl Fn(leptos::ev::MouseEvent) + 'static,
    /// Whether the import is under way.
    busy: Signal<bool>,
) -> impl IntoView {
    let counts = move || plan.with(|p| p.as_ref().map(|(_, _, p)| p.counts()).unwrap_or_default());
    let heading = move || {
        plan.with(|p| {
            p.as_ref()
                .map(|(format, name, plan)| {
                    format!(
                        "{name}: {} with {} contact{}",
                        article(format.label()),
                        super::grouped(plan.contacts),
                        if plan.contacts == 1 { "" } else { "s" }
                    )
                })
                .unwrap_or_default()
        })
    };
    let summary = move || {
        let c = counts();
        summary_before(c.added, c.merged, c.already_here, c.skipped)
    };
    // Possible duplicates that need a decision (a merge that would add something).
    let decisions = move || {
        plan.with(|p| p.as_ref().map(|(_, _, plan)| plan.decisions.clone()))
            .unwrap_or_default()
    };
    let new_people = move || {
        plan.with(|p| {
            p.as_ref()
                .map(|(_, _, plan)| (plan.new_named.clone(), plan.new_total))
        })
        .unwrap_or_default()
    };
    let choose = move |index: usize, choice: Choice| {
        plan.update(|p| {
            let decisions = p.as_mut().map(|(_, _, plan)| plan.decisions.iter_mut());
            for (_, entry) in decisions.into_iter().flatten().filter(|(i, _)| *i == index) {
                entry.choice = choice;
            }
        })
    };
    let cancel = move |_| plan.set(None);
    let button = move || {
        let c = counts();
        match (c.added, c.merged) {
            (0, 0) => "Nothing to import".to_owned(),
            (added, 0) => format!("Import {}", super::counted_people(added)),
            (0, merged) => format!("Merge {}", super::counted_people(merged)),
            (added, merged) => format!(
                "Import {} and merge {}",
                super::grouped(added),
                super::grouped(merged)
            ),
        }
    };
    let nothing = move || {
        let c = counts();
        c.added + c.merged == 0
    };

    view! {
        <section class="stack import-preview" aria-labelledby="preview-heading">
            <h2 id="preview-heading"><bdi>{heading}</bdi></h2>
            <p role="status">{summary}</p>
            {move || {
                let decisions = decisions();
                (!decisions.is_empty()).then(|| view! {
                    <h3>"Possible duplicates"</h3>
                    <p class="hint">"Merging keeps everything: details that differ are kept beside the ones you have."</p>
                    <ul class="matches">
                        {decisions.into_iter().map(|(index, entry)| view! {
                            <Match index entry choose/>
                        }).collect_view()}
                    </ul>
                })
            }}
            {move || {
                let (named, total) = new_people();
                (total > 0).then(|| view! {
                    <h3>"New people"</h3>
                    <ul class="people new-people">
                        {named.into_iter().map(|(name, detail)| view! {
                            <li>
                                <span class="name"><bdi>{name}</bdi></span>
                                <span class="detail"><bdi>{detail}</bdi></span>
                            </li>
                        }).collect_view()}
                    </ul>
                    {(total > NAMED).then(|| view! {
                        <p class="muted">{format!("…and {} more.", super::grouped(total - NAMED))}</p>
                    })}
                })
            }}
            <div class="actions">
                <button type="button" class="primary" on:click=import disabled=move || nothing() || busy.get()>{button}</button>
                <button type="button" on:click=cancel disabled=busy>"Cancel"</button>
            </div>
        </section>
    }
}

#[component]
fn Match(
    index: usize,
    entry: Entry,
    choose: impl Fn(usize, Choice) + Copy + 'static,
) -> impl IntoView {
    let reason = entry
        .matched
        .as_ref()
        .map(|(_, reason)| reason.describe())
        .unwrap_or_default();
    let adds = entry.adds.join(", ");
    let name = entry.contact.name.clone();
    let label = format!("What to do with {name}");
    let current = match entry.choice {
        Choice::Merge | Choice::Add => "merge",
        Choice::KeepBoth => "both",
        Choice::Skip => "skip",
    };
    view! {
        <li>
            <p>
                <strong><bdi>{name}</bdi></strong>
                " looks like "
                <strong><bdi>{entry.matched_name.clone()}</bdi></strong>
                {format!(" ({reason}). Merging adds: {adds}.")}
            </p>
            <select
                aria-label=label
                on:change=move |ev| {
                    let choice = match event_target_value(&ev).as_str() {
                        "both" => Choice::KeepBoth,
                        "skip" => Choice::Skip,
                        _ => Choice::Merge,
                    };
                    choose(index, choice);
                }
            >
                <option value="merge" selected=current == "merge">"Merge into the one you have"</option>
                <option value="both" selected=current == "both">"Keep both"</option>
                <option value="skip" selected=current == "skip">"Skip"</option>
            </select>
        </li>
    }
}

/// Why the file named `name` can't be imported.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn failed(name: &str, why: &str) -> Status {
    Status::Failed(format!(
        "{name} can't be imported. {why} Nothing was imported."
    ))
}

fn article(label: &str) -> String {
    let a = if label.starts_with(['A', 'E', 'I', 'O', 'U']) {
        "an"
    } else {
        "a"
    };
    format!("{a} {label}")
}

/// "3 new people, 1 to merge, 2 already in your network."
fn summary_before(added: usize, merged: usize, already: usize, skipped: usize) -> String {
    let mut parts = Vec::new();
    if added > 0 {
        parts.push(format!(
            "{} new {}",
            super::grouped(added),
            super::people(added)
        ));
    }
    if merged > 0 {
        parts.push(format!("{} to merge", super::grouped(merged)));
    }
    if already > 0 {
        parts.push(format!(
            "{} already in your network",
            super::grouped(already)
        ));
    }
    if skipped > 0 {
        parts.push(format!("{} skipped", super::grouped(skipped)));
    }
    if added + merged == 0 {
        parts.push("nothing new to import".into());
    }
    format!("{}.", capitalise(&parts.join(", ")))
}

fn summary_after(added: usize, merged: usize, left: usize) -> String {
    let mut parts = Vec::new();
    if added > 0 {
        parts.push(format!("added {}", super::counted_people(added)));
    }
    if merged > 0 {
        parts.push(format!("merged {}", super::grouped(merged)));
    }
    if left > 0 {
        parts.push(format!("left {} unchanged", super::grouped(left)));
    }
    if parts.is_empty() {
        return "Nothing new to import.".into();
    }
    format!("Imported: {}.", parts.join(", "))
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
