use super::Opening;
use crate::doc::Command;
use crate::domain::{rows_by_id, Acquaintance, PersonDraft, PersonError, PersonId};
use crate::ui::components::PersonPicker;
use crate::ui::state::{now, use_network};
use crate::ui::view::first_answer;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};

/// `/people/new`, optionally `?referred_by=<id>` to record who suggested them, or
/// `?name=…&text=…&url=…` from another app's share sheet (the manifest's share target).
#[component]
pub fn NewPersonPage() -> impl IntoView {
    let state = use_network();
    let query = use_query_map();
    // From the cached overview on: a person added while the network opens is kept and added
    // once it is open. (A memo, so later changes to the network don't rebuild the form.)
    let listed = Memo::new(move |_| state.rows_with(|_| ()).is_some());
    view! {
        <h1>"Add a person"</h1>
        {move || {
            if !listed.get() {
                return view! { <Opening/> }.into_any();
            }
            let referrer = query
                .read_untracked()
                .get("referred_by")
                .map(PersonId::from)
                .filter(|id| untrack(|| state.row(id)).flatten().is_some());
            // Shared from another app (the manifest's share target) or from a link.
            let shared = ["name", "text", "url"].map(|key| query.read_untracked().get(key));
            let base = if shared.iter().any(Option::is_some) {
                let [name, text, url] = shared.map(Option::unwrap_or_default);
                PersonDraft::shared(&name, &text, &url)
            } else {
                PersonDraft::default()
            };
            let draft = PersonDraft {
                acquaintance: if referrer.is_some() {
                    Acquaintance::Referred
                } else {
                    Acquaintance::AlreadyKnow
                },
                referred_by: referrer,
                ..base
            };
            view! { <PersonForm id=PersonId::random() initial=draft cancel_href="/people".to_owned()/> }
                .into_any()
        }}
    }
}

/// `/people/:id/edit`.
#[component]
pub fn EditPersonPage() -> impl IntoView {
    let state = use_network();
    let params = use_params_map();
    view! {
        <h1>"Edit"</h1>
        {move || {
            // Built once from what is stored, not on every change to it: an edit arriving from
            // another tab must not wipe what the user is typing (saving rebases onto it).
            let id = PersonId::from(params.read().get("id").unwrap_or_default());
            if !state.ready.get() {
                return view! { <Opening/> }.into_any();
            }
            let read = id.clone();
            match first_answer(move || state.person(&read)).get() {
                None => view! { <Opening/> }.into_any(),
                Some(None) => view! { <p>"No one with this address is in your network. " <A href="/people">"Back to your people"</A></p> }.into_any(),
                Some(Some(person)) => {
                    let cancel = format!("/people/{id}");
                    view! { <PersonForm id initial=PersonDraft::from_person(&person) cancel_href=cancel/> }.into_any()
                }
            }
        }}
    }
}

/// The person form: every field, checks shown on save, saved to this device.
#[component]
fn PersonForm(id: PersonId, initial: PersonDraft, cancel_href: String) -> impl IntoView {
    let state = use_network();
    let navigate = use_navigate();
    let referred_by = RwSignal::new(initial.referred_by.clone());
    let base = StoredValue::new(initial.clone());
    let draft = RwSignal::new(initial);
    let errors = RwSignal::new(Vec::<PersonError>::new());
    let failure = RwSignal::new(None::<String>);
    let this = id.clone();

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut d = draft.get_untracked();
        d.referred_by = referred_by.get_untracked();
        let checked = untrack(|| {
            // (Nothing is stored yet under a new person's id while the network opens.)
            let previous = state.person(&this).flatten();
            if let Some(stored) = &previous {
                d = base.with_value(|base| d.rebase(base, &PersonDraft::from_person(stored)));
            }
            state.rows_with(|rows| {
                let rows = rows_by_id(rows);
                d.validate(
                    &this,
                    previous.as_ref(),
                    now(),
                    |p| rows.contains_key(p),
                    |p| rows.get(p).and_then(|row| row.referred_by.clone()),
                )
            })
        });
        match checked {
            None => failure.set(Some(
                "Your network is still opening; try again in a moment.".into(),
            )),
            Some(Err(found)) => errors.set(found),
            Some(Ok(person)) => match state.edit(Command::PutPerson {
                id: this.clone(),
                person,
            }) {
                Ok(_) => navigate(&format!("/people/{this}"), Default::default()),
                Err(e) => failure.set(Some(format!("Not saved: {e}"))),
            },
        }
    };

    let referred = move || draft.with(|d| d.acquaintance == Acquaintance::Referred);
    let set_acquaintance = move |a: Acquaintance| draft.update(|d| d.acquaintance = a);
    let referrer_error = move || {
        errors.with(|e| {
            e.iter()
                .find(|e| e.field() == "referred_by")
                .map(ToString::to_string)
        })
    };

    view! {
        <form class="person-form" on:submit=on_submit novalidate>
            <Show when=move || !errors.with(Vec::is_empty)>
                <p class="form-error" role="alert">"Please fix the marked fields."</p>
            </Show>
            <Field label="Name" name="name" draft errors get=|d| d.name.clone() set=|d, v| d.name = v autocomplete="name"/>
            <Field label="Organisation" name="organisation" draft errors get=|d| d.organisation.clone() set=|d, v| d.organisation = v autocomplete="organization"/>
            <Field label="Role" name="role" draft errors get=|d| d.role.clone() set=|d, v| d.role = v autocomplete="organization-title"/>
            <Field label="Location" name="location" draft errors get=|d| d.location.clone() set=|d, v| d.location = v autocomplete="off"/>
            <Field label="Email" name="email" kind="email" draft errors get=|d| d.email.clone() set=|d, v| d.email = v autocomplete="email"/>
            <Field label="Phone" name="phone" kind="tel" draft errors get=|d| d.phone.clone() set=|d, v| d.phone = v autocomplete="tel"/>
            <Field label="LinkedIn URL" name="linkedin" kind="url" draft errors get=|d| d.linkedin.clone() set=|d, v| d.linkedin = v autocomplete="url"/>
            <Field label="Fields of interest" name="fields" hint="Separate with commas" draft errors get=|d| d.fields.clone() set=|d, v| d.fields = v autocomplete="off"/>

            <fieldset class="acquaintance">
                <legend>"How you know them"</legend>
                <label class="inline">
                    <input type="radio" name="acquaintance" prop:checked=move || !referred()
                        on:change=move |_| set_acquaintance(Acquaintance::AlreadyKnow)/>
                    "I already know them"
                </label>
                <label class="inline">
                    <input type="radio" name="acquaintance" prop:checked=referred
                        on:change=move |_| set_acquaintance(Acquaintance::Referred)/>
                    "Someone referred me"
                </label>
                <Show when=referred>
                    <PersonPicker selected=referred_by exclude=id.clone() label="Who referred you?" id="referred-by"/>
                    {move || referrer_error().map(|e| view! { <p class="field-error">{e}</p> })}
                </Show>
            </fieldset>
            <Field label="How you know each other" name="how_we_know" hint="e.g. college roommate, met at a meetup" draft errors get=|d| d.how_we_know.clone() set=|d, v| d.how_we_know = v autocomplete="off"/>
            <Field label="Tags" name="tags" hint="Separate with commas" draft errors get=|d| d.tags.clone() set=|d, v| d.tags = v autocomplete="off"/>

            <label for="notes">"Notes"</label>
            <textarea id="notes" rows="6" dir="auto"
                prop:value=move || draft.with(|d| d.notes.clone())
                on:input=move |ev| draft.update(|d| d.notes = event_target_value(&ev))
            ></textarea>
            {move || errors.with(|e| e.iter().find(|e| e.field() == "notes").map(|e| view! { <p class="field-error">{e.to_string()}</p> }))}

            {move || failure.get().map(|f| view! { <p class="form-error" role="alert">{f}</p> })}
            <div class="actions">
                <button type="submit" class="primary">"Save"</button>
                <A href=cancel_href attr:class="button quiet">"Cancel"</A>
            </div>
        </form>
    }
}

/// One labelled text input of the person form, with its error.
#[component]
fn Field(
    label: &'static str,
    name: &'static str,
    draft: RwSignal<PersonDraft>,
    errors: RwSignal<Vec<PersonError>>,
    get: fn(&PersonDraft) -> String,
    set: fn(&mut PersonDraft, String),
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional)] hint: Option<&'static str>,
    autocomplete: &'static str,
) -> impl IntoView {
    let error = move || {
        errors.with(|e| {
            e.iter()
                .find(|e| e.field() == name)
                .map(ToString::to_string)
        })
    };
    let error_id = format!("{name}-error");
    view! {
        <label for=name>{label}</label>
        {hint.map(|h| view! { <span class="hint">{h}</span> })}
        <input
            id=name
            type=kind
            dir="auto"
            autocomplete=autocomplete
            aria-invalid=move || if error().is_some() { "true" } else { "false" }
            aria-describedby=error_id.clone()
            prop:value=move || draft.with(get)
            on:input=move |ev| draft.update(|d| set(d, event_target_value(&ev)))
        />
        <p class="field-error" id=error_id>{error}</p>
    }
    .into_any()
}
