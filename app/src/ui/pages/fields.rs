use super::Opening;
use crate::doc::Command;
use crate::domain::sorting::sort_by_key;
use crate::domain::{people_heard, Field, FieldId, Objective, BREADTH_ENOUGH};
use crate::ui::components::DeleteSection;
use crate::ui::state::{use_network, zone};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// `/fields`: the fields the user researches, each with its objective and how many people they
/// have heard from.
#[component]
pub fn FieldsPage() -> impl IntoView {
    let state = use_network();
    let fields = move || {
        let interviews = state.outlines()?;
        let (fields, _) = state.fields_and_follow_up()?;
        Some(
            fields
                .into_iter()
                .map(|(id, f)| {
                    let heard = people_heard(interviews.iter().map(|(_, i)| i), &id);
                    (id, f, heard)
                })
                .collect::<Vec<_>>(),
        )
    };
    let name = RwSignal::new(String::new());
    let objective = RwSignal::new(Objective::General);
    let error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let field_name = name.get_untracked().trim().to_owned();
        if field_name.is_empty() {
            error.set(Some(
                "Name the field, for example “speech systems technology”.".into(),
            ));
            return;
        }
        let field = Field {
            name: field_name,
            objective: objective.get_untracked(),
            created_at: crate::ui::state::now(),
        };
        match state.edit(Command::PutField {
            id: FieldId::random(),
            field,
        }) {
            Ok(_) => {
                name.set(String::new());
                error.set(None);
            }
            Err(e) => error.set(Some(format!("Not added: {e}"))),
        }
    };
    view! {
        <h1>"Fields"</h1>
        <p class="muted">"The fields you're exploring, and what you want to learn about each."</p>
        {move || match fields() {
            None => view! { <Opening/> }.into_any(),
            Some(fields) if fields.is_empty() => view! { <p class="empty">"No fields yet. Add the first one below."</p> }.into_any(),
            Some(fields) => view! {
                <ul class="people" aria-label="Fields">
                    {fields.into_iter().map(|(id, f, heard)| view! {
                        <li><A href=format!("/fields/{id}")>
                            <span class="name"><bdi>{f.name}</bdi></span>
                            <span class="detail">{f.objective.label()} " · " {heard} {if heard == 1 { " person heard" } else { " people heard" }}</span>
                        </A></li>
                    }).collect_view()}
                </ul>
            }.into_any(),
        }}
        <form class="stack" on:submit=add>
            <h2>"Add a field"</h2>
            <label for="field-name">"Field"</label>
            <input id="field-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) placeholder="e.g. speech systems technology"/>
            <ObjectivePicker current=objective on_pick=Callback::new(move |o| objective.set(o))/>
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <div class="actions"><button type="submit" class="primary">"Add field"</button></div>
        </form>
    }
}

#[component]
fn ObjectivePicker(
    #[prop(into)] current: Signal<Objective>,
    on_pick: Callback<Objective>,
) -> impl IntoView {
    view! {
        <fieldset class="acquaintance">
            <legend>"Your objective"</legend>
            <span class="hint">"From general career research to advice on a specific job search."</span>
            {Objective::ALL.into_iter().map(|o| view! {
                <label class="inline">
                    <input type="radio" name="objective" value=o.key() prop:checked=move || current.get() == o
                        on:change=move |_| on_pick.run(o)/>
                    {o.label()}
                </label>
            }).collect_view()}
        </fieldset>
    }
}

/// `/fields/:id`: one field, how many voices the user has heard, and what each said side by
/// side.
#[component]
pub fn FieldPage() -> impl IntoView {
    let state = use_network();
    let zone = zone();
    let params = use_params_map();
    let id = move || FieldId::from(params.read().get("id").unwrap_or_default());
    let page = move || {
        let id = id();
        let interviews = state.outlines()?;
        let Some(field) = state.field(&id)? else {
            return Some(None);
        };
        let heard = people_heard(interviews.iter().map(|(_, i)| i), &id);
        let mut held = Vec::new();
        for (iid, _) in interviews
            .iter()
            .filter(|(_, i)| i.field == id && i.held_at.is_some())
        {
            if let Some(i) = state.interview(iid)? {
                let person = state.person(&i.person)?.unwrap_or_default();
                held.push((iid.clone(), i, person));
            }
        }
        sort_by_key(&mut held, |(_, i, _)| i.met_at());
        Some(Some((field, heard, held)))
    };
    view! {
        {move || match page() {
            None => view! { <Opening/> }.into_any(),
            Some(None) => view! { <h1>"Field not found"</h1><p><A href="/fields">"Back to your fields"</A></p> }.into_any(),
            Some(Some((field, heard, held))) => {
                let fid = id();
                let pick = Callback::new(move |objective: Objective| {
                    let _ = state.edit(Command::SetObjective {
                        field: fid.clone(),
                        objective,
                    });
                });
                let current = field.objective;
                view! {
                    <h1><bdi>{field.name.clone()}</bdi></h1>
                    <ObjectivePicker current=Signal::derive(move || current) on_pick=pick/>
                    <p class="lead">"You've heard from " {heard} {if heard == 1 { " person" } else { " people" }} " in this field."</p>
                    {(heard < BREADTH_ENOUGH).then(|| view! {
                        <p class="notice nudge-box" role="note">
                            "Talk to at least " {BREADTH_ENOUGH} " people before drawing conclusions: one or two views can be unusual. "
                            "Ask each person whom else you should talk to."
                        </p>
                    })}
                    <h2>"What each said"</h2>
                    {if held.is_empty() {
                        view! { <p class="muted">"No interviews held in this field yet."</p> }.into_any()
                    } else {
                        view! {
                            <div class="compare">
                                {held.into_iter().map(|(iid, i, person)| { let role = person.role_line(); view! {
                                    <article class="voice">
                                        <h3><A href=format!("/interviews/{iid}")><bdi>{person.name.clone()}</bdi></A></h3>
                                        <p class="muted"><bdi>{role}</bdi> " · " {i.met_at().map(|at| zone.format_date(at))}</p>
                                        {(!i.notes.trim().is_empty()).then(|| view! { <h4>"Discussed"</h4><p class="notes"><bdi>{i.notes.clone()}</bdi></p> })}
                                        <dl>
                                            {i.reflection.answers().into_iter().filter(|(_, a)| !a.trim().is_empty()).map(|(q, a)| view! {
                                                <dt>{q}</dt><dd><bdi>{a.to_owned()}</bdi></dd>
                                            }).collect_view()}
                                        </dl>
                                    </article>
                                }}).collect_view()}
                            </div>
                        }.into_any()
                    }}
                    <DeleteSection
                        button="Delete this field…"
                        name=field.name.clone()
                        consequences=Signal::derive(|| "Its interviews stay, in no field.".to_owned())
                        command=Command::DeleteField { id: id() }
                        then="/fields".to_owned()
                    />
                }.into_any()
            }
        }}
    }
}
