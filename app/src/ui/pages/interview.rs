use super::Opening;
use crate::doc::typing::Target;
use crate::doc::Command;
use crate::domain::clock::relative;
use crate::domain::{
    check_request, closed_question, first_name, linkedin_note, mailto_href, order_by_objective,
    phone_script, referrer_note, request_draft, request_subject, thank_you_draft, Category,
    Channel, DraftCheck, Interview, InterviewId, InterviewText, Meeting, PlannedQuestion,
    RequestContext, Stage, ThankYouContext, Venue, LINKEDIN_NOTE_LIMIT, SEED_QUESTIONS,
    THANK_YOU_BLANK,
};
use crate::ui::components::{
    copy_button, meeting_place, DeleteSection, Found, InterviewEditor, Referrals, StageProgress,
    TextBox,
};
use crate::ui::state::{now, use_network, zone};
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

/// `/interviews/:id`: one interview through its stages.
#[component]
pub fn InterviewPage() -> impl IntoView {
    interview_route(|editor| view! { <InterviewView editor/> }.into_any())
}

/// A page about the interview named by the route's `:id`: loading, not found, or `body`.
pub fn interview_route(body: fn(InterviewEditor) -> AnyView) -> impl IntoView {
    let params = use_params_map();
    let id = Memo::new(move |_| InterviewId::from(params.read().get("id").unwrap_or_default()));
    let editor = InterviewEditor::new(id);
    move || match editor.found.get() {
        Found::Loading => view! { <Opening/> }.into_any(),
        Found::Missing => view! { <Missing/> }.into_any(),
        Found::Yes => body(editor),
    }
}

#[component]
fn Missing() -> impl IntoView {
    view! {
        <h1>"Interview not found"</h1>
        <p>"This interview isn't in your network on this device. " <A href="/">"See what's next"</A></p>
    }
}

/// Names shown around an interview: the person, their organisation, the field.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Names {
    pub person: String,
    pub organisation: String,
    pub field: String,
    pub context: RequestContext,
    pub person_email: String,
    /// Whoever suggested the person: their id and email.
    pub referrer: Option<(crate::domain::PersonId, String)>,
}

pub fn names(editor: InterviewEditor) -> Memo<Option<Names>> {
    let state = use_network();
    Memo::new(move |_| {
        let (person_id, field_id, resume) = editor
            .interview
            .with(|i| (i.person.clone(), i.field.clone(), i.request.enclose_resume));
        let person = state.person(&person_id)?.unwrap_or_default();
        let referrer = match &person.referred_by {
            Some(r) => state.person(r)?.map(|p| (r.clone(), p)),
            None => None,
        };
        let referrer_name = referrer.as_ref().map(|(_, p)| p.name.clone());
        let field = state.field(&field_id)?.map(|f| f.name).unwrap_or_default();
        let profile = state.settings()?.profile;
        Some(Names {
            person: person.name.clone(),
            organisation: person.organisation.clone(),
            field: field.clone(),
            person_email: person.email.clone(),
            referrer: referrer.map(|(id, p)| (id, p.email)),
            context: RequestContext {
                contact_name: person.name,
                referrer_name,
                how_we_know: person.how_we_know,
                field,
                your_name: profile.name,
                your_email: profile.email,
                your_phone: profile.phone,
                enclose_resume: resume,
            },
        })
    })
}

#[component]
fn InterviewView(editor: InterviewEditor) -> impl IntoView {
    let names = names(editor);
    let stage = editor.memo(Interview::stage);
    let person_id = editor.memo(|i| i.person.clone());
    let is = move |stages: &'static [Stage]| move || stages.contains(&stage.get());
    let name = move || names.get().map(|n| n.person).unwrap_or_default();
    let field = move || names.get().map(|n| n.field).unwrap_or_default();
    view! {
        <article class="interview">
            <p class="crumbs">
                <A href=move || format!("/people/{}", person_id.get())><bdi>{name}</bdi></A>
                " · " <bdi>{field}</bdi>
            </p>
            <h1>"Interview with " <bdi>{name}</bdi></h1>
            <StageProgress stage/>
            {move || editor.error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            <Show when=is(&[Stage::Idea, Stage::NoReply])>
                <Composer editor names/>
            </Show>
            <Show when=is(&[Stage::Requested, Stage::NoReply, Stage::Declined])>
                <Awaiting editor names/>
            </Show>
            <Show when=is(&[Stage::Idea, Stage::Requested, Stage::NoReply, Stage::Scheduled])>
                <Schedule editor/>
            </Show>
            <Show when=is(&[Stage::Scheduled])>
                <section aria-labelledby="day-of">
                    <h2 id="day-of">"On the day"</h2>
                    <p>"The day-of screen has your questions, a timer and space for notes; it works without a connection."</p>
                    <div class="actions">
                        <A href=move || format!("/interviews/{}/meet", editor.id.get()) attr:class="button primary">"Open the day-of screen"</A>
                    </div>
                    <crate::ui::reminders::RemindersOffer/>
                </section>
            </Show>
            <Show when=is(&[Stage::Idea, Stage::Requested, Stage::NoReply, Stage::Scheduled])>
                <Prepare editor names/>
            </Show>
            <Show when=is(&[Stage::Held, Stage::Thanked, Stage::Reflected])>
                <ThankYouSection editor names/>
                <TellReferrer editor names/>
                <ReflectionSection editor/>
                <section aria-labelledby="discussed">
                    <h2 id="discussed">"What you discussed"</h2>
                    <TextBox label="Notes" rows=6 editor text=InterviewText::Notes/>
                </section>
                <Answers editor/>
            </Show>
            <Show when=is(&[Stage::Scheduled, Stage::Held, Stage::Thanked, Stage::Reflected])>
                <Referrals editor/>
            </Show>
            {move || names.get().map(|n| view! {
                <DeleteSection
                    button="Delete this interview…"
                    name=format!("the interview with {}", n.person)
                    consequences=Signal::derive(|| "Everything written in it goes; the person stays in your network.".to_owned())
                    command=Command::DeleteInterview { id: editor.id.get_untracked() }
                    then=format!("/people/{}", person_id.get_untracked())
                />
            })}
        </article>
    }
}

/// The outreach request: template, checks as you type, the ways to send it.
#[component]
fn Composer(editor: InterviewEditor, names: Memo<Option<Names>>) -> impl IntoView {
    let state = use_network();
    let template = Memo::new(move |_| {
        state
            .settings()
            .map(|s| s.templates.request_or_default().to_owned())
            .unwrap_or_default()
    });
    let channel = editor.memo(|i| i.request.channel);
    // Each way of asking has its own draft: a letter, a short LinkedIn note, what to say.
    let drafted = move || {
        names
            .get()
            .map(|n| match channel.get() {
                Channel::Email => request_draft(&template.get(), &n.context),
                Channel::LinkedIn => linkedin_note(&n.context),
                Channel::Phone | Channel::InPerson => phone_script(&n.context),
            })
            .unwrap_or_default()
    };
    // An untouched request shows the filled template; typing makes it the user's own.
    let text = Memo::new(move |_| {
        let own = editor.interview.with(|i| i.request.text.clone());
        if own.is_empty() {
            drafted()
        } else {
            own
        }
    });
    // A note on LinkedIn is answered on LinkedIn and counted in characters, not words; what is
    // said aloud is not checked at all.
    let checks = Memo::new(move |_| {
        let channel = channel.get();
        names
            .get()
            .map(|n| check_request(&text.get(), &n.context))
            .unwrap_or_default()
            .into_iter()
            .filter(|c| match channel {
                Channel::Email => true,
                Channel::LinkedIn => {
                    !matches!(c, DraftCheck::TooLong { .. } | DraftCheck::MissingContact)
                }
                Channel::Phone | Channel::InPerson => false,
            })
            .collect::<Vec<_>>()
    });
    let chars = move || text.with(|t| t.chars().count());
    let count_class = move || {
        if chars() > LINKEDIN_NOTE_LIMIT {
            "count over"
        } else {
            "count"
        }
    };
    let profile_incomplete = move || {
        names.get().is_some_and(|n| {
            n.context.your_name.is_empty()
                || (n.context.your_email.is_empty() && n.context.your_phone.is_empty())
        })
    };
    let subject = move || {
        names
            .get()
            .map(|n| request_subject(&n.context))
            .unwrap_or_default()
    };
    let mailto = move || {
        let n = names.get().unwrap_or_default();
        mailto_href(&n.person_email, &request_subject(&n.context), &text.get())
    };
    let send = move |_| {
        let text = text.get_untracked();
        editor.step(move |i, now| {
            i.request.text = text;
            i.send_request(now)
        });
    };
    view! {
        <section aria-labelledby="request">
            <h2 id="request">"Ask for a meeting"</h2>
            <Show when=profile_incomplete>
                <p class="notice">"Add your name and your email or phone in " <A href="/settings">"Settings"</A> " so the request is signed and they can reply."</p>
            </Show>
            <label for="channel">"How you'll ask"</label>
            <select id="channel" on:change=move |ev| {
                if let Some(c) = Channel::from_key(&event_target_value(&ev)) {
                    editor.change(|i| i.request.channel = c);
                }
            }>
                {Channel::ALL.into_iter().map(|c| view! {
                    <option value=c.key() selected=move || channel.get() == c>{c.label()}</option>
                }).collect_view()}
            </select>
            <label class="inline">
                <input type="checkbox" prop:checked=move || editor.interview.with(|i| i.request.enclose_resume)
                    on:change=move |ev| { let on = event_target_checked(&ev); editor.change(|i| i.request.enclose_resume = on) }/>
                "Mention an enclosed résumé"
            </label>
            <Show when=move || channel.get() == Channel::Email>
                <p class="muted">"Subject: " <bdi>{subject}</bdi></p>
            </Show>
            <label for="request-text">{move || match channel.get() {
                Channel::Email => "Message",
                Channel::LinkedIn => "Note with your invitation to connect",
                Channel::Phone => "What to say on the call",
                Channel::InPerson => "What to say when you see them",
            }}</label>
            <textarea id="request-text" rows=move || if channel.get() == Channel::Email { "12" } else { "6" } prop:value=move || text.get()
                on:input=move |ev| editor.type_text(InterviewText::Request, event_target_value(&ev))></textarea>
            <Show when=move || channel.get() == Channel::LinkedIn>
                <p class=count_class aria-live="polite">
                    {move || {
                        let n = chars();
                        if n > LINKEDIN_NOTE_LIMIT {
                            format!("{n} of {LINKEDIN_NOTE_LIMIT} characters: LinkedIn cuts a note at {LINKEDIN_NOTE_LIMIT}; shorten it.")
                        } else {
                            format!("{n} of {LINKEDIN_NOTE_LIMIT} characters")
                        }
                    }}
                </p>
            </Show>
            <div class="actions">
                <Show when=move || editor.interview.with(|i| !i.request.text.is_empty())>
                    <button type="button" class="quiet" on:click=move |_| {
                        editor.change_with_undo("Back to the drafted message", |i| i.request.text.clear())
                    }>"Start again from the draft"</button>
                </Show>
            </div>
            <div class="checks" aria-live="polite">
                {move || {
                    let checks = checks.get();
                    if checks.is_empty() {
                        view! { <p class="check-ok">"✓ Short, says how you got their name, asks for 20–30 minutes, no job request, and gives your contact details."</p> }.into_any()
                    } else {
                        view! {
                            <ul aria-label="Checks" class="check-list">
                                {checks.into_iter().map(|c| {
                                    let settings = matches!(c, DraftCheck::MissingContact);
                                    view! {
                                        <li>{c.message()}
                                            {settings.then(|| view! { " " <A href="/settings#you">"Add them in Settings"</A> })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any()
                    }
                }}
            </div>
            <h3>"Send it"</h3>
            {move || match channel.get() {
                Channel::Email => view! {
                    <div class="actions">
                        <a class="button" href=mailto>"Open in your email app"</a>
                        {copy_button("Copy message", move || text.get_untracked())}
                    </div>
                }.into_any(),
                Channel::LinkedIn => view! {
                    <div class="actions">{copy_button("Copy for LinkedIn", move || text.get_untracked())}</div>
                }.into_any(),
                Channel::Phone | Channel::InPerson => view! {
                    <div class="actions">{copy_button("Copy what to say", move || text.get_untracked())}</div>
                }.into_any(),
            }}
            <div class="actions">
                <button type="button" class="primary" on:click=send>"Mark as sent"</button>
            </div>
        </section>
    }
}

/// A sent request waiting for a reply, with the 3B7 follow-up clocks.
#[component]
fn Awaiting(editor: InterviewEditor, names: Memo<Option<Names>>) -> impl IntoView {
    let state = use_network();
    let zone = zone();
    let settings = Memo::new(move |_| {
        state
            .fields_and_follow_up()
            .map(|(_, follow_up)| follow_up)
            .unwrap_or_default()
    });
    let stage = editor.memo(Interview::stage);
    let sent = editor.memo(|i| (i.request.sent_at, i.request.channel));
    let dates = Memo::new(move |_| {
        editor
            .interview
            .with(|i| i.follow_up_dates(settings.get(), zone))
    });
    let org = move || names.get().map(|n| n.organisation).unwrap_or_default();
    let clock_line = move |at: i64, done: Option<i64>, what: &'static str| {
        let now = now();
        match done {
            Some(d) => format!("{what}: done {}", zone.format_date(d)),
            None if now >= at => format!("{what}: due since {}", zone.format(at)),
            None => format!("{what}: {} ({})", zone.format(at), relative(at, now, zone)),
        }
    };
    view! {
        <section aria-labelledby="awaiting">
            <h2 id="awaiting">{move || match stage.get() {
                Stage::Declined => "They declined",
                Stage::NoReply => "No reply",
                _ => "Waiting for a reply",
            }}</h2>
            <p>{move || match sent.get() {
                (Some(at), channel) => format!("Sent {} ({}).", zone.format(at), channel.label()),
                (None, _) => String::new(),
            }}</p>
            <Show when=move || stage.get() == Stage::Requested>
                <ul class="clocks">
                    {move || dates.get().map(|(second, follow)| {
                        let (tried, followed) = editor.interview.with(|i| (i.request.second_contact_at, i.request.followed_up_at));
                        let org = org();
                        let now_ms = now();
                        let second_due = tried.is_none() && now_ms >= second;
                        let follow_due = followed.is_none() && now_ms >= follow;
                        let second_what = if org.is_empty() { "Try a second contact at the organisation" } else { "Try a second contact at their organisation" };
                        view! {
                            <li class:due=second_due>{clock_line(second, tried, second_what)}</li>
                            <li class:due=follow_due>{clock_line(follow, followed, "Follow up with them")}</li>
                        }
                    })}
                </ul>
                <div class="actions">
                    <button type="button" on:click=move |_| { editor.step(|i, now| i.mark_second_contact_tried(now)); }>"Tried a second contact"</button>
                    <button type="button" on:click=move |_| { editor.step(|i, now| i.mark_followed_up(now)); }>"Followed up"</button>
                    <button type="button" on:click=move |_| { editor.step(|i, now| i.mark_declined(now)); }>"They declined"</button>
                    <button type="button" on:click=move |_| { editor.step(|i, now| i.mark_no_reply(now)); }>"No reply; stop waiting"</button>
                </div>
            </Show>
        </section>
    }
}

/// When and where; saving it moves the interview to "scheduled".
#[component]
fn Schedule(editor: InterviewEditor) -> impl IntoView {
    let zone = zone();
    let current = editor.interview.get_untracked().meeting;
    let when = RwSignal::new(current.at.map(|at| zone.to_input(at)).unwrap_or_default());
    let minutes = RwSignal::new(current.minutes.to_string());
    let venue = RwSignal::new(current.venue);
    let place = RwSignal::new(current.place.clone());
    let scheduled = editor.memo(|i| i.meeting.at);
    let stage = editor.memo(Interview::stage);
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let meeting = Meeting {
            at: zone.from_input(&when.get_untracked()),
            minutes: minutes.get_untracked().trim().parse().unwrap_or(0),
            venue: venue.get_untracked(),
            place: place.get_untracked().trim().to_owned(),
            ..editor.interview.get_untracked().meeting
        };
        editor.step(move |i, _| i.schedule(meeting));
    };
    view! {
        <section aria-labelledby="schedule">
            <h2 id="schedule">{move || if scheduled.get().is_some() { "The meeting" } else { "Schedule the meeting" }}</h2>
            {move || scheduled.get().map(|at| {
                let m = editor.interview.with(|i| i.meeting.clone());
                view! {
                    <p class="lead">{zone.format(at)} " · " {m.minutes} " minutes"</p>
                    <p>{meeting_place(&m)}</p>
                    <div class="actions">
                        <button type="button" on:click=move |_| add_to_calendar(editor)>"Add to calendar"</button>
                    </div>
                }
            })}
            <details prop:open=move || scheduled.get().is_none() && stage.get() != Stage::Idea>
                <summary>{move || match (scheduled.get().is_some(), stage.get()) {
                    (true, _) => "Change the time or place",
                    (false, Stage::Idea) => "Already agreed in person? Set the time and place",
                    (false, _) => "They said yes: set the time and place",
                }}</summary>
                <form class="stack" on:submit=save>
                    <label for="meeting-at">"Date and time"</label>
                    <input id="meeting-at" type="datetime-local" required prop:value=move || when.get()
                        on:input=move |ev| when.set(event_target_value(&ev))/>
                    <label for="meeting-minutes">"Length (minutes)"</label>
                    <input id="meeting-minutes" type="number" inputmode="numeric" min="5" max="240" prop:value=move || minutes.get()
                        on:input=move |ev| minutes.set(event_target_value(&ev))/>
                    <label for="venue">"Where"</label>
                    <select id="venue" on:change=move |ev| if let Some(v) = Venue::from_key(&event_target_value(&ev)) { venue.set(v) }>
                        {Venue::ALL.into_iter().map(|v| view! {
                            <option value=v.key() selected=move || venue.get() == v>{v.label()}</option>
                        }).collect_view()}
                    </select>
                    <label for="place">{move || venue.get().place_label()}</label>
                    <input id="place" prop:value=move || place.get() on:input=move |ev| place.set(event_target_value(&ev))/>
                    <div class="actions"><button type="submit" class="primary">"Save the meeting"</button></div>
                </form>
            </details>
        </section>
    }
}

/// Downloads the meeting (with a reminder to leave) and the thank-you to-do as an .ics file.
fn add_to_calendar(editor: InterviewEditor) {
    let state = use_network();
    let id = editor.id.get_untracked();
    let interview = editor.interview.get_untracked();
    let Some(items) = untrack(|| {
        let people: Vec<_> = state
            .person(&interview.person)?
            .map(|p| (interview.person.clone(), p))
            .into_iter()
            .collect();
        let fields: Vec<_> = state
            .field(&interview.field)?
            .map(|f| (interview.field.clone(), f))
            .into_iter()
            .collect();
        Some(crate::exchange::ics::items_for(
            &[(id.clone(), interview.clone())],
            &people,
            &fields,
        ))
    }) else {
        return;
    };
    let ics = crate::exchange::ics::calendar(&items, crate::ui::state::now());
    #[cfg(feature = "hydrate")]
    if let Err(e) =
        crate::browser::download("colloquy-meeting.ics", "text/calendar", ics.as_bytes())
    {
        editor.error.set(Some(format!("Couldn't download: {e}")));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ics;
}

/// Research on the organisation, objectives, and the questions to ask.
#[component]
fn Prepare(editor: InterviewEditor, names: Memo<Option<Names>>) -> impl IntoView {
    let state = use_network();
    let organisation = move || names.get().map(|n| n.organisation).unwrap_or_default();
    let objective = Memo::new(move |_| {
        let field = editor.interview.with(|i| i.field.clone());
        state
            .field(&field)
            .flatten()
            .map(|f| f.objective)
            .unwrap_or_default()
    });
    let research = Memo::new(move |_| {
        let org = organisation();
        state.research(&org).unwrap_or_default()
    });
    let bank = Memo::new(move |_| {
        let mut bank: Vec<(String, Category, String)> = SEED_QUESTIONS
            .iter()
            .map(|q| (q.id.to_owned(), q.category, q.text.to_owned()))
            .collect();
        if let Some(settings) = state.settings() {
            bank.extend(
                settings
                    .own_questions
                    .into_iter()
                    .map(|(id, q)| (id, q.category, q.text)),
            );
        }
        order_by_objective(&mut bank, objective.get(), |(_, c, _)| *c);
        bank
    });
    let planned = editor.memo(|i| i.prep.questions.clone());
    let own_text = RwSignal::new(String::new());
    let own_category = RwSignal::new(Category::Advice);
    let add = move |id: String, text: String, category: Category| {
        editor.change(|i| {
            if !i.prep.questions.iter().any(|q| q.id == id) {
                i.prep.questions.push(PlannedQuestion {
                    id,
                    text,
                    category,
                    ..PlannedQuestion::default()
                });
            }
        });
    };
    let add_own = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = own_text.get_untracked().trim().to_owned();
        if !text.is_empty() {
            add(crate::domain::new_id(), text, own_category.get_untracked());
            own_text.set(String::new());
        }
    };
    let own_warning = move || own_text.with(|t| closed_question(t).map(|s| s.suggestion));
    view! {
        <section aria-labelledby="prepare">
            <h2 id="prepare">"Prepare"</h2>
            <Show when=move || !organisation().is_empty()>
                <label for="research">"Research on " <bdi>{organisation}</bdi></label>
                <span class="hint">"Shared by every interview there: what they do, recent news, their website."</span>
                <textarea id="research" rows="4" prop:value=move || research.get()
                    on:input=move |ev| {
                        state.type_text(Target::Research(organisation()), event_target_value(&ev));
                    }></textarea>
            </Show>
            <TextBox label="Your objectives for this meeting" rows=3 editor text=InterviewText::Objectives/>
            <h3>"Questions to ask"</h3>
            <p class="hint">{move || format!("Ordered for your objective: {}.", objective.get().label())}</p>
            <ol class="planned" aria-label="Questions to ask">
                <For each=move || planned.get() key=|q| (q.id.clone(), q.text.clone()) let:q>
                    <PlannedItem editor question=q/>
                </For>
            </ol>
            <form class="stack" on:submit=add_own>
                <label for="own-question">"Your own question"</label>
                <input id="own-question" prop:value=move || own_text.get() on:input=move |ev| own_text.set(event_target_value(&ev))/>
                {move || own_warning().map(|suggestion| view! {
                    <p class="warning" role="status">
                        "This can be answered with yes or no. Try: “" <bdi>{suggestion.clone()}</bdi> "”"
                        <button type="button" class="quiet" on:click=move |_| own_text.set(suggestion.clone())>"Use this wording"</button>
                    </p>
                })}
                <label for="own-category">"Category"</label>
                <select id="own-category" on:change=move |ev| if let Some(c) = Category::from_key(&event_target_value(&ev)) { own_category.set(c) }>
                    {Category::ALL.into_iter().map(|c| view! { <option value=c.key() selected=move || own_category.get() == c>{c.label()}</option> }).collect_view()}
                </select>
                <div class="actions"><button type="submit">"Add question"</button></div>
            </form>
            <details class="bank">
                <summary>{move || format!("Pick from the question bank ({})", bank.with(Vec::len))}</summary>
                <ul>
                    {move || bank.get().into_iter().map(|(id, category, text)| {
                        let taken = { let id = id.clone(); move || planned.with(|p| p.iter().any(|q| q.id == id)) };
                        let (add_id, add_text) = (id.clone(), text.clone());
                        view! {
                            <li>
                                <div><span class="tag">{category.label()}</span><bdi>{text.clone()}</bdi></div>
                                <button type="button" disabled=taken aria-label=format!("Add: {text}")
                                    on:click=move |_| add(add_id.clone(), add_text.clone(), category)>"Add"</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </details>
        </section>
    }
}

#[component]
fn PlannedItem(editor: InterviewEditor, question: PlannedQuestion) -> impl IntoView {
    let id = question.id.clone();
    let suggestion = closed_question(&question.text).map(|s| s.suggestion);
    let remove = {
        let id = id.clone();
        move |_| editor.change(|i| i.prep.questions.retain(|q| q.id != id))
    };
    view! {
        <li>
            <bdi>{question.text.clone()}</bdi>
            {suggestion.map(|suggestion| {
                let id = id.clone();
                let better = suggestion.clone();
                view! {
                    <p class="warning">"Closed question: it invites a yes or no. Try: “" <bdi>{suggestion}</bdi> "”"
                        <button type="button" class="quiet" on:click=move |_| {
                            let better = better.clone();
                            editor.change(|i| {
                                if let Some(q) = i.prep.questions.iter_mut().find(|q| q.id == id) {
                                    q.text = better;
                                }
                            })
                        }>"Use this wording"</button>
                    </p>
                }
            })}
            <button type="button" class="quiet small" aria-label=format!("Remove: {}", question.text) on:click=remove>"Remove"</button>
        </li>
    }
}

/// The thank-you: due a day after the meeting, drafted from the notes.
#[component]
fn ThankYouSection(editor: InterviewEditor, names: Memo<Option<Names>>) -> impl IntoView {
    let state = use_network();
    let zone = zone();
    let due = editor.memo(Interview::thank_you_due);
    let sent = editor.memo(|i| i.thank_you.sent_at);
    let tick = RwSignal::new(now());
    let template = Memo::new(move |_| {
        state
            .settings()
            .map(|s| s.templates.thank_you_or_default().to_owned())
            .unwrap_or_default()
    });
    let referral_names = Memo::new(move |_| {
        let ids = editor.interview.with(|i| i.referrals.clone());
        ids.iter()
            .filter_map(|id| state.person(id).flatten().map(|p| p.name))
            .collect::<Vec<_>>()
    });
    let text = Memo::new(move |_| {
        let own = editor.interview.with(|i| i.thank_you.text.clone());
        if !own.is_empty() {
            return own;
        }
        let n = names.get().unwrap_or_default();
        let context = ThankYouContext {
            contact_name: n.person,
            field: n.field,
            detail: String::new(),
            referral_names: referral_names.get(),
            your_name: n.context.your_name,
        };
        thank_you_draft(&template.get(), &context)
    });
    let mailto = move || {
        let n = names.get().unwrap_or_default();
        mailto_href(&n.person_email, "Thank you", &text.get())
    };
    let status = move || {
        tick.track();
        match (sent.get(), due.get()) {
            (Some(at), _) => view! { <p class="done">"Thank-you sent " {zone.format(at)} "."</p> }.into_any(),
            (None, Some(due)) if now() > due => view! {
                <p class="overdue" role="alert">"Overdue: the thank-you was due " {zone.format(due)} " (" {relative(due, now(), zone)} "). Send it now."</p>
            }.into_any(),
            (None, Some(due)) => view! {
                <p class="due">"Thank-you due by " {zone.format(due)} " (" {relative(due, now(), zone)} ")."</p>
            }.into_any(),
            (None, None) => ().into_any(),
        }
    };
    view! {
        <section aria-labelledby="thank-you">
            <h2 id="thank-you">"Thank-you"</h2>
            {status}
            <Show when=move || sent.get().is_none()>
                <label for="thank-you-text">"Your note"</label>
                <textarea id="thank-you-text" rows="8" prop:value=move || text.get()
                    on:input=move |ev| editor.type_text(InterviewText::ThankYou, event_target_value(&ev))></textarea>
                <Show when=move || text.with(|t| t.contains(THANK_YOU_BLANK))>
                    <p class="warning">"Replace " <q>{THANK_YOU_BLANK}</q> " with one thing you learned from them, in your own words."</p>
                </Show>
                <div class="actions">
                    <a class="button" href=mailto>"Open in your email app"</a>
                    {copy_button("Copy note", move || text.get_untracked())}
                    <button type="button" class="primary" on:click=move |_| {
                        let text = text.get_untracked();
                        editor.step(move |i, now| { i.thank_you.text = text; i.mark_thanked(now) });
                        tick.set(now());
                    }>"Mark thank-you sent"</button>
                </div>
            </Show>
        </section>
    }
}

/// After meeting someone another person suggested: a note telling that person how it went.
#[component]
fn TellReferrer(editor: InterviewEditor, names: Memo<Option<Names>>) -> impl IntoView {
    let zone = zone();
    let told = editor.memo(|i| i.thank_you.referrer_told_at);
    let referrer = move || {
        names
            .get()
            .and_then(|n| Some((n.context.referrer_name.clone()?, n)))
    };
    view! {
        {move || referrer().map(|(referrer, n)| {
            let note = referrer_note(&referrer, &n.person, &n.context.your_name);
            let (copy, email) = (note.clone(), n.referrer.map(|(_, email)| email).unwrap_or_default());
            let mailto = mailto_href(&email, &format!("Thank you for introducing me to {}", n.person), &note);
            let heading = format!("Tell {} how it went", first_name(&referrer));
            view! {
                <section aria-labelledby="tell-referrer-title" id="tell-referrer">
                    <h2 id="tell-referrer-title">{heading}</h2>
                    {move || match told.get() {
                        Some(at) => view! { <p class="done">"Told " {first_name(&referrer).to_owned()} " " {zone.format(at)} "."</p> }.into_any(),
                        None => {
                            let (note, copy, mailto) = (note.clone(), copy.clone(), mailto.clone());
                            view! {
                                <p class="hint">"They made the introduction: a few lines on how it went keeps them glad they did."</p>
                                <p class="notes">{note}</p>
                                <div class="actions">
                                    <a class="button" href=mailto>"Open in your email app"</a>
                                    {copy_button("Copy note", move || copy.clone())}
                                    <button type="button" class="primary" on:click=move |_| {
                                        editor.change_with_undo("Marked as told", |i| {
                                            let _ = i.mark_referrer_told(now());
                                        });
                                    }>"Mark as told"</button>
                                </div>
                            }.into_any()
                        }
                    }}
                </section>
            }
        })}
    }
}

/// The reflection form: the questions a careful career centre asks after each meeting.
#[component]
fn ReflectionSection(editor: InterviewEditor) -> impl IntoView {
    let zone = zone();
    let written = editor.memo(|i| i.reflection.written_at);
    view! {
        <section aria-labelledby="reflection">
            <h2 id="reflection">"Reflect"</h2>
            <p class="hint">"Write it while it's fresh. Everything saves as you type."</p>
            <TextBox label="What did you like? What positive impressions did you get?" rows=3 editor text=InterviewText::Liked/>
            <TextBox label="What new concerns came up?" rows=3 editor text=InterviewText::Concerns/>
            <TextBox label="What new advantages did you learn of?" rows=3 editor text=InterviewText::Advantages/>
            <TextBox label="How does this clarify your objectives?" rows=3 editor text=InterviewText::Clarifies/>
            <TextBox label="Another occupation or organisation to learn about?" rows=2 editor text=InterviewText::OtherPaths/>
            <TextBox label="Next steps" rows=2 editor text=InterviewText::NextSteps/>
            <TextBox label="Whom else to talk to?" rows=2 editor text=InterviewText::TalkToNext/>
            <div class="actions">
                {move || match written.get() {
                    Some(at) => view! { <p class="done">"Reflection written " {zone.format(at)} "."</p> }.into_any(),
                    None => view! {
                        <button type="button" class="primary" on:click=move |_| { editor.step(|i, now| i.mark_reflected(now)); }>"Done reflecting"</button>
                    }.into_any(),
                }}
            </div>
        </section>
    }
}

/// Questions asked in the meeting, with the answers noted.
#[component]
fn Answers(editor: InterviewEditor) -> impl IntoView {
    let asked = editor.memo(|i| {
        i.prep
            .questions
            .iter()
            .filter(|q| q.asked || !q.answer.is_empty())
            .map(|q| (q.text.clone(), q.answer.clone()))
            .collect::<Vec<_>>()
    });
    view! {
        <Show when=move || !asked.with(Vec::is_empty)>
            <h3>"Questions asked"</h3>
            <dl class="answers">
                {move || asked.get().into_iter().map(|(q, a)| view! { <dt><bdi>{q}</bdi></dt><dd><bdi>{a}</bdi></dd> }).collect_view()}
            </dl>
        </Show>
    }
}
