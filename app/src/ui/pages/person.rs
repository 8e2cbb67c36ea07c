use super::Opening;
use crate::doc::Command;
use crate::domain::{referred_by, Acquaintance, FieldId, Interview, InterviewId, PersonId, Stage};
use crate::ui::components::DeleteSection;
use crate::ui::state::{now, use_network};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// One person: contact details, how the user knows them, who referred them and whom they
/// referred.
#[component]
pub fn PersonPage() -> impl IntoView {
    let state = use_network();
    let params = use_params_map();
    let id = move || PersonId::from(params.read().get("id").unwrap_or_default());
    let person = move || state.person(&id());

    view! {
        {move || match person() {
            None => view! { <Opening/> }.into_any(),
            Some(None) => view! {
                <h1>"Not in your network"</h1>
                <p>"No one with this address is in your network on this device. "
                    <A href="/people">"Back to your people"</A>
                </p>
            }.into_any(),
            Some(Some(person)) => {
                let id = id();
                let referrer = person.referred_by.clone().map(|rid| {
                    let name = state.person(&rid).flatten().map(|p| p.name);
                    (rid, name)
                });
                let referrals = state
                    .rows_with(|rows| {
                        referred_by(rows, &id)
                            .into_iter()
                            .map(|row| (row.id.clone(), row.name.clone()))
                            .collect::<Vec<_>>()
                    })
                    .unwrap_or_default();
                let role_line = person.role_line();
                let mailto = person.mailto_href();
                let tel = person.tel_href();
                let linkedin = person.linkedin_href().map(str::to_owned);
                view! {
                    <article class="person">
                        <div class="page-head">
                            <h1><bdi>{person.name.clone()}</bdi></h1>
                            <A href=format!("/people/{id}/edit") attr:class="button">"Edit"</A>
                        </div>
                        <Show when={let line = role_line.clone(); move || !line.is_empty()}>
                            <p class="lead"><bdi>{role_line.clone()}</bdi></p>
                        </Show>
                        <Show when={let l = person.location.clone(); move || !l.is_empty()}>
                            <p class="muted"><bdi>{person.location.clone()}</bdi></p>
                        </Show>
                        <dl class="facts">
                            <ContactFact term="Email" text=person.email.clone() href=mailto/>
                            <ContactFact term="Phone" text=person.phone.clone() href=tel/>
                            <ContactFact term="LinkedIn" text=person.linkedin.clone() href=linkedin external=true/>
                            <dt>"How you know them"</dt>
                            <dd>
                                {match (person.acquaintance, referrer) {
                                    (Acquaintance::Referred, Some((rid, Some(name)))) => view! {
                                        "Referred by " <A href=format!("/people/{rid}")><bdi>{name}</bdi></A>
                                    }.into_any(),
                                    (Acquaintance::Referred, _) if !person.how_we_know.is_empty() => view! {
                                        "Referred"
                                    }.into_any(),
                                    (Acquaintance::Referred, _) => view! {
                                        "Referred by someone no longer in your network"
                                    }.into_any(),
                                    (Acquaintance::AlreadyKnow, _) => view! { "Already know" }.into_any(),
                                }}
                                {(!person.how_we_know.is_empty()).then(|| view! {
                                    " — " <bdi>{person.how_we_know.clone()}</bdi>
                                })}
                            </dd>
                            {(!person.fields.is_empty()).then(|| view! {
                                <dt>"Fields"</dt>
                                <dd><Chips items=person.fields.clone()/></dd>
                            })}
                            {(!person.tags.is_empty()).then(|| view! {
                                <dt>"Tags"</dt>
                                <dd><Chips items=person.tags.clone()/></dd>
                            })}
                            {(!person.also.is_empty()).then(|| view! {
                                <dt>"Other details"</dt>
                                <dd>
                                    <ul class="also" aria-label="Other details">
                                        {person.also.iter().map(|d| view! {
                                            <li>{d.kind.label()} ": " <bdi>{d.value.clone()}</bdi></li>
                                        }).collect_view()}
                                    </ul>
                                </dd>
                            })}
                        </dl>
                        <PersonInterviews id=id.clone()/>
                        <section aria-labelledby="notes-heading">
                            <h2 id="notes-heading">"Notes"</h2>
                            {if person.notes.is_empty() {
                                view! { <p class="muted">"No notes yet."</p> }.into_any()
                            } else {
                                view! { <p class="notes" dir="auto">{person.notes.clone()}</p> }.into_any()
                            }}
                        </section>
                        <section aria-labelledby="referrals-heading">
                            <h2 id="referrals-heading">"People they referred"</h2>
                            {if referrals.is_empty() {
                                view! { <p class="muted">"No one yet."</p> }.into_any()
                            } else {
                                view! {
                                    <ul class="referrals">
                                        {referrals.into_iter().map(|(rid, name)| view! {
                                            <li><A href=format!("/people/{rid}")><bdi>{name}</bdi></A></li>
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                            <A href=format!("/people/new?referred_by={id}") attr:class="button">
                                "Add someone they referred"
                            </A>
                        </section>
                        <DeletePerson id=id.clone() name=person.name.clone()/>
                    </article>
                }.into_any()
            }
        }}
    }
}

/// A contact detail, linked when its address is safe to link to; nothing when empty.
#[component]
fn ContactFact(
    term: &'static str,
    text: String,
    href: Option<String>,
    #[prop(optional)] external: bool,
) -> impl IntoView {
    (!text.is_empty()).then(|| {
        let value = match href {
            Some(href) if external => view! {
                <a href=href rel="noopener noreferrer" target="_blank"><bdi>{text}</bdi></a>
            }
            .into_any(),
            Some(href) => view! { <a href=href><bdi>{text}</bdi></a> }.into_any(),
            None => view! { <bdi>{text}</bdi> }.into_any(),
        };
        view! {
            <dt>{term}</dt>
            <dd>{value}</dd>
        }
    })
}

#[component]
fn Chips(items: Vec<String>) -> impl IntoView {
    view! {
        <ul class="chips">
            {items.into_iter().map(|item| view! { <li><bdi>{item}</bdi></li> }).collect_view()}
        </ul>
    }
}

/// The person's interviews, and starting a new one about one of the user's fields.
#[component]
fn PersonInterviews(id: PersonId) -> impl IntoView {
    let state = use_network();
    let navigate = leptos_router::hooks::use_navigate();
    let person = id.clone();
    let data = move || {
        let person = person.clone();
        let outlines = state.outlines()?;
        let (fields, _) = state.fields_and_follow_up()?;
        {
            let interviews: Vec<(InterviewId, String, Stage)> = outlines
                .iter()
                .filter(|(_, i)| i.person == person)
                .map(|(iid, i)| {
                    let field = fields
                        .iter()
                        .find(|(fid, _)| *fid == i.field)
                        .map(|(_, f)| f.name.clone())
                        .unwrap_or_default();
                    (iid.clone(), field, i.stage())
                })
                .collect();
            Some((fields, interviews))
        }
    };
    let chosen = RwSignal::new(None::<FieldId>);
    let error = RwSignal::new(None::<String>);
    let plan = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let fields = untrack(|| state.fields_and_follow_up())
            .map(|(fields, _)| fields)
            .unwrap_or_default();
        let Some(field) = chosen
            .get_untracked()
            .or_else(|| fields.first().map(|(f, _)| f.clone()))
        else {
            error.set(Some("Add a field first.".into()));
            return;
        };
        let interview_id = InterviewId::random();
        let interview = Interview::new(id.clone(), field, now());
        match state.edit(Command::PutInterview {
            id: interview_id.clone(),
            interview,
        }) {
            Ok(_) => navigate(&format!("/interviews/{interview_id}"), Default::default()),
            Err(e) => error.set(Some(format!("Not started: {e}"))),
        }
    };
    view! {
        <section aria-labelledby="interviews-heading">
            <h2 id="interviews-heading">"Interviews"</h2>
            {move || data().map(|(fields, interviews)| {
                let no_fields = fields.is_empty();
                view! {
                    {(!interviews.is_empty()).then(|| view! {
                        <ul class="referrals" aria-label="Interviews">
                            {interviews.into_iter().map(|(iid, field, stage)| view! {
                                <li><A href=format!("/interviews/{iid}")><bdi>{field}</bdi></A> " · " {stage.label()}</li>
                            }).collect_view()}
                        </ul>
                    })}
                    {if no_fields {
                        view! { <p class="muted">"To plan an interview, first " <A href="/fields">"add the field you're researching"</A> "."</p> }.into_any()
                    } else {
                        view! {
                            <form class="inline-form" on:submit=plan.clone()>
                                <label for="plan-field">"About"</label>
                                <select id="plan-field" on:change=move |ev| chosen.set(Some(FieldId::from(event_target_value(&ev))))>
                                    {fields.into_iter().map(|(fid, f)| view! { <option value=fid.to_string()>{f.name}</option> }).collect_view()}
                                </select>
                                <button type="submit" class="primary">"Plan an interview"</button>
                            </form>
                        }.into_any()
                    }}
                    {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                }
            })}
        </section>
    }
}

/// Deleting the person, once the user has read what goes with them; undone from the notice.
#[component]
fn DeletePerson(id: PersonId, name: String) -> impl IntoView {
    let state = use_network();
    let consequences = {
        let id = id.clone();
        move || {
            let interviews = state
                .outlines()
                .map_or(0, |o| o.iter().filter(|(_, i)| i.person == id).count());
            let referred = state
                .rows_with(|rows| referred_by(rows, &id).len())
                .unwrap_or(0);
            let mut lines = Vec::new();
            match interviews {
                0 => {}
                1 => lines.push("Your interview with them is deleted too.".to_owned()),
                n => lines.push(format!("Your {n} interviews with them are deleted too.")),
            }
            match referred {
                0 => {}
                1 => lines
                    .push("The person they referred stays, no longer linked to them.".to_owned()),
                n => lines.push(format!(
                    "The {n} people they referred stay, no longer linked to them."
                )),
            }
            lines.join(" ")
        }
    };
    view! {
        <DeleteSection
            button="Delete this person…"
            name
            consequences=Signal::derive(consequences)
            command=Command::DeletePerson { id }
            then="/people".to_owned()
        />
    }
}
