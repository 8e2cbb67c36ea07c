use super::Opening;
use crate::domain::clock::relative;
use crate::domain::{next_steps, people_heard, rows_by_id, NextKind, BREADTH_ENOUGH};
use crate::ui::components::Link;
use crate::ui::state::{now, use_network, zone};
use crate::ui::sync::use_sync;
use leptos::prelude::*;

/// One line of "what's next".
#[derive(Clone, Debug, PartialEq)]
struct Line {
    href: String,
    text: String,
    /// When, after its label ("Sent", "Due"): formatted only if the line is shown (each one
    /// asks the browser for the local time, and there can be thousands).
    when: Option<(&'static str, i64)>,
    group: &'static str,
    urgent: bool,
}

/// Lines each group of "what's next" shows until the user asks for all of them.
const SHOWN: usize = 10;

/// `/`: what needs doing next, and whether each field has heard enough voices.
#[component]
pub fn HomePage() -> impl IntoView {
    let state = use_network();
    let sync = use_sync();
    let phrase_unsaved = move || sync.status().is_some() && !sync.phrase_saved();
    let zone = zone();
    // Groups the user asked to see whole (the rest show their first `SHOWN` lines).
    let expanded = RwSignal::new(Vec::<&'static str>::new());
    // From the cached overview until the document has loaded.
    let overview = Memo::new(move |_| {
        let interviews = state.outlines()?;
        let (fields, settings) = state.fields_and_follow_up()?;
        state.rows_with(|rows| {
            let now = now();
            // Names and organisations from the people list: no record is read for them.
            let people = rows_by_id(rows);
            let referred = |id: &crate::domain::PersonId| {
                people.get(id).and_then(|p| p.referred_by.as_ref()).is_some_and(|r| people.contains_key(r))
            };
            // Only the lines shown are written out (there can be thousands): each group's
            // first `SHOWN`, or all of one the user opened; the rest are counted.
            let open = expanded.get();
            let mut totals: Vec<(&'static str, usize)> = Vec::new();
            let mut shows = |group: &'static str| {
                let at = totals.iter().position(|(g, _)| *g == group).unwrap_or_else(|| {
                    totals.push((group, 0));
                    totals.len() - 1
                });
                totals[at].1 += 1;
                totals[at].1 <= SHOWN || open.contains(&group)
            };
            let lines: Vec<Line> = next_steps(&interviews, now, zone, settings, referred)
                .into_iter()
                .filter(|step| shows(step.kind.group()))
                .map(|step| {
                    let person = people.get(&step.person);
                    let referrer = person
                        .and_then(|p| p.referred_by.as_ref())
                        .and_then(|r| people.get(r))
                        .map(|r| r.name.as_str());
                    let name = person.map_or("someone no longer in your network", |p| p.name.as_str());
                    let org = person.map_or("", |p| p.organisation.as_str());
                    let at = |label| Some((label, step.at));
                    let (text, when) = match step.kind {
                        NextKind::SendRequest => (ask_line(name, referrer), None),
                        NextKind::TellReferrer => (
                            format!("Tell {} how it went with {name}", referrer.unwrap_or("whoever suggested them")),
                            at("Met"),
                        ),
                        NextKind::AwaitingReply => (format!("Waiting for {name} to reply"), at("Sent")),
                        NextKind::TrySecondContact => (
                            if org.is_empty() { format!("No reply from {name}: try a second contact at their organisation") }
                            else { format!("No reply from {name}: try a second contact at {org}") },
                            at("Since"),
                        ),
                        NextKind::FollowUp => (format!("Follow up with {name}"), at("Since")),
                        NextKind::MeetingComing => (format!("Meet {name}"), at("")),
                        NextKind::ConfirmHeld => (format!("Did the meeting with {name} happen?"), at("Was")),
                        NextKind::ThankYouDue => (format!("Thank {name}"), at("Due")),
                        NextKind::ThankYouOverdue => (format!("Thank-you to {name} is overdue"), at("Was due")),
                        NextKind::WriteReflection => (format!("Reflect on the meeting with {name}"), None),
                    };
                    let href = match step.kind {
                        NextKind::MeetingComing => format!("/interviews/{}/meet", step.interview),
                        NextKind::TellReferrer => format!("/interviews/{}#tell-referrer", step.interview),
                        _ => format!("/interviews/{}", step.interview),
                    };
                    Line { href, text, when, group: step.kind.group(), urgent: step.kind.is_urgent() }
                })
                .collect();
            // Names collected without an interview to ask for (added on a person's page, or
            // before referrals came with one): asking them is next too.
            let mut lines = lines;
            let asked: std::collections::HashSet<&crate::domain::PersonId> =
                interviews.iter().map(|(_, i)| &i.person).collect();
            for row in rows {
                let Some(by) = row.referred_by.as_ref().and_then(|r| people.get(r)) else {
                    continue;
                };
                if !asked.contains(&row.id) && shows(NextKind::SendRequest.group()) {
                    lines.push(Line {
                        href: format!("/people/{}", row.id),
                        text: ask_line(&row.name, Some(&by.name)),
                        when: None,
                        group: NextKind::SendRequest.group(),
                        urgent: false,
                    });
                }
            }
            let breadth: Vec<(String, String, usize)> = fields
                .iter()
                .map(|(id, f)| (id.to_string(), f.name.clone(), people_heard(interviews.iter().map(|(_, i)| i), id)))
                .collect();
            (lines, totals, breadth, fields.is_empty(), rows.is_empty(), interviews.is_empty())
        })
    });
    // Who the user is, so the first request is signed: step one until it is given.
    let unsigned = Memo::new(move |_| {
        state.settings().map(|s| {
            let you = s.profile;
            you.name.trim().is_empty()
                || (you.email.trim().is_empty() && you.phone.trim().is_empty())
        })
    });
    view! {
        <h1>"What's next"</h1>
        <Show when=phrase_unsaved>
            <section aria-label="Keep your network safe">
                <ul class="next">
                    <li class="urgent">
                        <Link href="/settings#recovery-phrase">"Save your recovery phrase"</Link>
                        <span class="detail">"It brings your network back if you lose your devices."</span>
                    </li>
                </ul>
            </section>
        </Show>
        {move || match overview.get() {
            None => view! { <Opening/> }.into_any(),
            Some((lines, totals, breadth, no_fields, no_people, no_interviews)) => {
                super::mark_drawn("colloquy:home-shown");
                let now = now();
                let when = move |label: &str, at| format!("{label} {} ({})", zone.format(at), relative(at, now, zone)).trim_start().to_owned();
                let groups = ["Thank-yous due", "Follow-ups due", "Meetings", "Reflections to write", "Requests to send", "Awaiting a reply"];
                view! {
                    {(no_fields || no_people || no_interviews || unsigned.get() == Some(true)).then(|| view! {
                        <section class="empty start" aria-labelledby="start">
                            <h2 id="start">"Getting started"</h2>
                            <ol>
                                <li class:done=move || unsigned.get() == Some(false)><Link href="/settings#you">"Say who you are"</Link>": your name, and an email or phone, to sign your requests."</li>
                                <li class:done=!no_fields><Link href="/fields">"Name the field you're researching"</Link>" and what you want from it."</li>
                                <li class:done=!no_people><Link href="/people/new">"Add people you already know"</Link>": friends, family, former colleagues, teachers."</li>
                                <li class:done=!no_interviews>"Open someone's page and plan an interview with them."</li>
                            </ol>
                        </section>
                    })}
                    {groups.into_iter().map(|group| {
                        let items: Vec<Line> = lines.iter().filter(|l| l.group == group).cloned().collect();
                        let total = totals.iter().find(|(g, _)| *g == group).map_or(0, |(_, n)| *n);
                        let hidden = total - items.len();
                        (!items.is_empty()).then(|| view! {
                            <section aria-label=group>
                                <h2>{group}</h2>
                                <ul class="next">
                                    {items.into_iter().map(|l| view! {
                                        <li class:urgent=l.urgent>
                                            <Link href=l.href><bdi>{l.text}</bdi></Link>
                                            {l.when.map(|(label, at)| view! { <span class="detail">{when(label, at)}</span> })}
                                        </li>
                                    }).collect_view()}
                                </ul>
                                {(hidden > 0).then(|| view! {
                                    <button type="button" class="quiet" on:click=move |_| expanded.update(|e| e.push(group))>
                                        {format!("Show all {} ({} more)", super::grouped(total), super::grouped(hidden))}
                                    </button>
                                })}
                            </section>
                        })
                    }).collect_view()}
                    {(lines.is_empty() && !no_interviews).then(|| view! { <p class="muted">"Nothing due. Time to find someone new to talk to?"</p> })}
                    {(!breadth.is_empty()).then(|| view! {
                        <section aria-labelledby="breadth">
                            <h2 id="breadth">"Voices heard"</h2>
                            <ul class="breadth">
                                {breadth.into_iter().map(|(id, name, heard)| view! {
                                    <li>
                                        <Link href=format!("/fields/{id}")><bdi>{name}</bdi></Link>
                                        ": " {heard} {if heard == 1 { " person" } else { " people" }}
                                        {(heard > 0 && heard < BREADTH_ENOUGH).then(|| view! {
                                            <span class="nudge">" — talk to at least " {BREADTH_ENOUGH} ": one or two views can mislead."</span>
                                        })}
                                    </li>
                                }).collect_view()}
                            </ul>
                        </section>
                    })}
                }.into_any()
            }
        }}
    }
}

/// "Ask Grace Kim for a meeting", naming who suggested them when someone did.
fn ask_line(name: &str, suggested_by: Option<&str>) -> String {
    match suggested_by {
        Some(by) => format!("Ask {name} for a meeting — suggested by {by}"),
        None => format!("Ask {name} for a meeting"),
    }
}
