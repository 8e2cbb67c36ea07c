use super::interview::{interview_route, names};
use crate::domain::{Interview, InterviewText, Stage, TimerPhase, Venue};
use crate::ui::components::{meeting_place, InterviewEditor, Referrals, TextBox};
use crate::ui::state::{now, zone};
use leptos::prelude::*;
use leptos_router::components::A;

/// `/interviews/:id/meet`: the day-of screen, phone first, everything saved on the device.
#[component]
pub fn MeetPage() -> impl IntoView {
    interview_route(|editor| view! { <DayOf editor/> }.into_any())
}

#[component]
fn DayOf(editor: InterviewEditor) -> impl IntoView {
    let zone = zone();
    let names = names(editor);
    let meeting = editor.memo(|i| i.meeting.clone());
    let stage = editor.memo(Interview::stage);
    let name = move || names.get().map(|n| n.person).unwrap_or_default();
    let tick = RwSignal::new(now());
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || tick.set(now()),
            std::time::Duration::from_millis(500),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    // The clock stops with the meeting.
    let held_at = editor.memo(|i| i.held_at);
    let timer = move || {
        let now = tick.get();
        let until = held_at.get().map_or(now, |held| held.min(now));
        meeting.with(|m| m.timer(until))
    };
    // "The meeting is over" before its time: ask whether it happened now.
    let early = RwSignal::new(false);
    let over = move |_| {
        let mut probe = editor.interview.get_untracked();
        match probe.mark_held(now()) {
            Err(crate::domain::StageError::BeforeMeeting) => early.set(true),
            _ => {
                editor.step(|i, now| i.mark_held(now));
            }
        }
    };
    let questions = editor.memo(|i| i.prep.questions.clone());
    view! {
        <article class="day-of">
            <p class="crumbs"><A href=move || format!("/interviews/{}", editor.id.get())>"Back to the interview"</A></p>
            <h1>"Meeting with " <bdi>{name}</bdi></h1>
            <p class="lead">{move || meeting.get().at.map(|at| zone.format(at)).unwrap_or_else(|| "No time set".into())}
                " · " {move || meeting.get().minutes} " minutes"</p>
            <p>{move || meeting_place(&meeting.get())}</p>
            <ul class="reminders" aria-label="Reminders">
                <li>{move || if matches!(meeting.get().venue, Venue::Phone | Venue::Video) {
                    "Be ready a few minutes early, somewhere quiet, with your questions open."
                } else {
                    "Arrive 10 minutes early."
                }}</li>
                <li>"Thank them for their time first."</li>
                <li>"You asked for the meeting: lead the conversation."</li>
                <li>{move || format!("Keep to the {} minutes you asked for.", meeting.get().minutes)}</li>
                <li>"Before you finish, ask whom else you should talk to."</li>
            </ul>

            <section aria-labelledby="timer" class="timer">
                <h2 id="timer">"Timer"</h2>
                {move || match timer() {
                    None => view! {
                        <button type="button" class="primary" on:click=move |_| {
                            let start = now();
                            editor.change(|i| i.meeting.timer_started_at = Some(start));
                            tick.set(start);
                        }>"Start the timer"</button>
                    }.into_any(),
                    Some(t) => {
                        let (class, message) = match t.phase {
                            TimerPhase::Running => ("running", ""),
                            TimerPhase::NearEnd => ("near-end", "Nearly time: ask whom else to talk to, and wrap up."),
                            TimerPhase::Over => ("over", "Time's up: offer to end, or ask if they have a few more minutes."),
                        };
                        let held = held_at.get().is_some();
                        view! {
                            <div class="timer-row">
                                <p class=format!("clock {class}") role="timer" aria-live="off">{t.label()}</p>
                                {(!held).then(|| {
                                    let paused = t.paused;
                                    view! {
                                        <button type="button" on:click=move |_| {
                                            let at = now();
                                            editor.change(|i| if paused { i.meeting.resume_timer(at) } else { i.meeting.pause_timer(at) });
                                            tick.set(at);
                                        }>{if paused { "Resume" } else { "Pause" }}</button>
                                    }
                                })}
                            </div>
                            <p class="timer-message" role="status">{if t.paused { "Paused." } else { message }}</p>
                        }.into_any()
                    }
                }}
            </section>

            <section aria-labelledby="questions">
                <h2 id="questions">"Questions"</h2>
                <Show when=move || questions.with(Vec::is_empty)>
                    <p class="muted">"No questions prepared. " <A href=move || format!("/interviews/{}", editor.id.get())>"Add some"</A></p>
                </Show>
                <ol class="ask-list">
                    <For each=move || questions.get() key=|q| q.id.clone() let:q>
                        <AskItem editor id=q.id.clone() text=q.text.clone()/>
                    </For>
                </ol>
            </section>

            <section aria-labelledby="notes">
                <h2 id="notes">"Notes"</h2>
                <TextBox label="What you discussed" rows=8 editor text=InterviewText::Notes/>
            </section>

            <Referrals editor/>

            <div class="actions">
                {move || match stage.get() {
                    Stage::Scheduled if early.get() => view! {
                        <div class="confirm" role="group" aria-label="Did it happen now?">
                            <p><strong>{move || format!(
                                "It isn't {} yet. Did the meeting happen just now?",
                                meeting.get().at.map(|at| zone.format(at)).unwrap_or_default()
                            )}</strong></p>
                            <p>"Its time moves to end now, and the thank-you is due a day from now."</p>
                            <div class="actions">
                                <button type="button" class="primary" on:click=move |_| {
                                    early.set(false);
                                    editor.step(|i, now| i.mark_held_now(now));
                                }>"Yes, it just ended"</button>
                                <button type="button" on:click=move |_| early.set(false)>"No, not yet"</button>
                            </div>
                        </div>
                    }.into_any(),
                    Stage::Scheduled => view! {
                        <button type="button" class="primary" on:click=over>"The meeting is over"</button>
                    }.into_any(),
                    Stage::Held | Stage::Thanked | Stage::Reflected => view! {
                        <p class="done">"Meeting held. " <A href=move || format!("/interviews/{}#thank-you", editor.id.get())>"Write the thank-you"</A></p>
                    }.into_any(),
                    _ => ().into_any(),
                }}
            </div>
        </article>
    }
}

/// One question on the day: ticked when asked, with a short answer.
#[component]
fn AskItem(editor: InterviewEditor, id: String, text: String) -> impl IntoView {
    let asked = {
        let id = id.clone();
        editor.memo(move |i| i.prep.questions.iter().any(|q| q.id == id && q.asked))
    };
    let answer = {
        let id = id.clone();
        editor.memo(move |i| {
            i.prep
                .questions
                .iter()
                .find(|q| q.id == id)
                .map(|q| q.answer.clone())
                .unwrap_or_default()
        })
    };
    let set_asked = {
        let id = id.clone();
        move |ev| {
            let on = event_target_checked(&ev);
            editor.change(|i| {
                if let Some(q) = i.prep.questions.iter_mut().find(|q| q.id == id) {
                    q.asked = on;
                }
            })
        }
    };
    let set_answer =
        move |ev| editor.type_text(InterviewText::Answer(id.clone()), event_target_value(&ev));
    view! {
        <li class:asked=move || asked.get()>
            <label class="inline">
                <input type="checkbox" prop:checked=move || asked.get() on:change=set_asked/>
                <bdi>{text.clone()}</bdi>
            </label>
            <textarea class="answer" rows="2" aria-label=format!("Answer: {text}") placeholder="What they said"
                prop:value=move || answer.get() on:input=set_answer></textarea>
        </li>
    }
}
