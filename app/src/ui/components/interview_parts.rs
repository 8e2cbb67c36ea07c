use super::InterviewEditor;
use crate::doc::Command;
use crate::domain::{InterviewId, InterviewText, Meeting, PersonId, Stage};
use crate::ui::state::use_network;
use leptos::prelude::*;
use leptos_router::components::A;

/// A text area bound to one text of the interview, kept as the user types.
#[component]
pub fn TextBox(
    label: &'static str,
    rows: u32,
    editor: InterviewEditor,
    text: InterviewText,
) -> impl IntoView {
    let shown = text.clone();
    view! {
        <label class="text-box">
            <span>{label}</span>
            <textarea rows=rows prop:value=move || editor.interview.with(|i| shown.get(i).unwrap_or_default().to_owned())
                on:input=move |ev| editor.type_text(text.clone(), event_target_value(&ev))></textarea>
        </label>
    }
}

/// Where a meeting is: the kind of venue, then its video link (as a link) or place.
pub fn meeting_place(m: &Meeting) -> impl IntoView {
    let link = m.link().map(str::to_owned);
    view! {
        {m.venue.label()}
        {match (link, m.place.is_empty()) {
            (Some(link), _) => view! { ": " <a href=link.clone() rel="noopener noreferrer" target="_blank">{link.clone()}</a> }.into_any(),
            (None, false) => view! { ": " <bdi>{m.place.clone()}</bdi> }.into_any(),
            (None, true) => ().into_any(),
        }}
    }
}

/// The path of an interview, with where it is now.
#[component]
pub fn StageProgress(stage: Memo<Stage>) -> impl IntoView {
    view! {
        <ol class="stages" aria-label="Stage">
            {move || {
                let now = stage.get();
                let reached = Stage::PATH.iter().position(|s| *s == now);
                let mut steps: Vec<(&'static str, &'static str)> = Stage::PATH
                    .iter()
                    .enumerate()
                    .map(|(n, s)| {
                        let state = match reached {
                            Some(r) if n < r => "done",
                            Some(r) if n == r => "current",
                            _ => "todo",
                        };
                        (s.label(), state)
                    })
                    .collect();
                if reached.is_none() {
                    // Declined or no reply: off the path, after the request.
                    steps.truncate(2);
                    steps[1].1 = "done";
                    steps.push((now.label(), "current"));
                }
                steps
                    .into_iter()
                    .map(|(label, state)| view! {
                        <li class=state aria-current=(state == "current").then_some("step")>{label}</li>
                    })
                    .collect_view()
            }}
        </ol>
    }
}

/// A button that copies text to the clipboard and says so.
pub fn copy_button(
    label: &'static str,
    text: impl Fn() -> String + Send + Sync + Clone + 'static,
) -> impl IntoView {
    let copied = RwSignal::new(None::<bool>);
    let copy = move |_| {
        let text = text();
        #[cfg(feature = "hydrate")]
        leptos::task::spawn_local(async move {
            copied.set(Some(crate::browser::copy_to_clipboard(&text).await));
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = text;
    };
    view! {
        <button type="button" on:click=copy>{label}</button>
        <span class="muted" role="status">{move || match copied.get() {
            Some(true) => "Copied.",
            Some(false) => "Couldn't copy: select the text and copy it yourself.",
            None => "",
        }}</span>
    }
}

/// The people someone suggested in an interview: listed, and added as new people referred by
/// them.
#[component]
pub fn Referrals(editor: InterviewEditor) -> impl IntoView {
    let state = use_network();
    let names = Memo::new(move |_| {
        let ids = editor.interview.with(|i| i.referrals.clone());
        ids.iter()
            .filter_map(|id| {
                let person = state.person(id).flatten()?;
                Some((id.clone(), person.name, person.organisation))
            })
            .collect::<Vec<_>>()
    });
    let name = RwSignal::new(String::new());
    let organisation = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let person_name = name.get_untracked().trim().to_owned();
        if person_name.is_empty() {
            error.set(Some("Type their name first.".into()));
            return;
        }
        let added = state.edit_with_undo(
            Command::AddReferral {
                interview: editor.id.get_untracked(),
                id: PersonId::random(),
                name: person_name.clone(),
                organisation: organisation.get_untracked(),
                plan: InterviewId::random(),
            },
            format!("Added {person_name}: asking them is in What's next"),
        );
        match added {
            Ok(_) => {
                name.set(String::new());
                organisation.set(String::new());
                error.set(None);
            }
            Err(e) => error.set(Some(format!("Not added: {e}"))),
        }
    };
    view! {
        <section aria-labelledby="referrals">
            <h2 id="referrals">"People they suggested"</h2>
            <p class="hint">"Ask “Whom else should I talk to?” Each name becomes a person in your network, referred by this contact."</p>
            <ul class="referrals" aria-label="People they suggested">
                {move || names.get().into_iter().map(|(id, name, org)| {
                    let remove = {
                        let (id, name) = (id.clone(), name.clone());
                        move |_| {
                            let _ = state.edit_with_undo(
                                Command::RemoveReferral { interview: editor.id.get_untracked(), person: id.clone() },
                                format!("Removed {name}"),
                            );
                        }
                    };
                    let label = format!("Remove {name}");
                    view! {
                        <li class="row">
                            <span class="grow">
                                <A href=format!("/people/{id}")><bdi>{name}</bdi></A>
                                {(!org.is_empty()).then(|| view! { <span class="muted">" · " <bdi>{org}</bdi></span> })}
                            </span>
                            <button type="button" class="quiet" aria-label=label on:click=remove>"Remove"</button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form class="stack" on:submit=add>
                <label for="referral-name">"Name"</label>
                <input id="referral-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <label for="referral-org">"Organisation (optional)"</label>
                <input id="referral-org" prop:value=move || organisation.get() on:input=move |ev| organisation.set(event_target_value(&ev))/>
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <div class="actions"><button type="submit">"Add contact"</button></div>
            </form>
        </section>
    }
}
