use super::Opening;
use crate::domain::clock::LocalZone;
use crate::domain::sorting::sort_by;
use crate::domain::{record_csv, record_markdown, rows_by_id, InterviewId, PersonRow, RecordEntry};
use crate::ui::state::{use_network, zone, Outlines};
use leptos::prelude::*;
use leptos_router::components::A;

/// The held interviews in the record's order (by date, then person), read in outline: what the
/// page needs to show only some of them whole.
fn held_in_order(rows: &[PersonRow], outlines: &Outlines) -> Vec<InterviewId> {
    let people = rows_by_id(rows);
    let mut held: Vec<(i64, String, InterviewId)> = outlines
        .iter()
        .filter_map(|(id, i)| {
            let date = i.met_at()?;
            let name = people
                .get(&i.person)
                .map_or("", |p| p.name.as_str())
                .to_owned();
            Some((date, name, id.clone()))
        })
        .collect();
    sort_by(&mut held, |a, b| (a.0, &a.1).cmp(&(b.0, &b.1)));
    held.into_iter().map(|(_, _, id)| id).collect()
}

/// Entries the page shows at first, and how many more each "Show more" adds: a long record is
/// read whole only when it is printed or downloaded.
const PAGE: usize = 50;

/// `/record`: the log of people interviewed, dates, what was discussed and whom they suggested;
/// printable and downloadable.
#[component]
pub fn RecordPage() -> impl IntoView {
    let state = use_network();
    let zone = zone();
    let shown = RwSignal::new(PAGE);
    let entries = move || {
        let limit = shown.get();
        let outlines = state.outlines()?;
        let order = state.rows_with(|rows| held_in_order(rows, &outlines))?;
        let total = order.len();
        let entries = order
            .iter()
            .take(limit)
            .map(|id| state.record_entry(id))
            .collect::<Option<Vec<_>>>()?;
        Some((entries.into_iter().flatten().collect::<Vec<_>>(), total))
    };
    let message = RwSignal::new(None::<String>);
    let download = move |kind: &'static str| {
        state.once(
            move || state.record(),
            move |entries| {
                let (name, mime, body) = export(kind, &entries, zone);
                #[cfg(feature = "hydrate")]
                if let Err(e) = crate::browser::download(name, mime, body.as_bytes()) {
                    message.set(Some(format!("Couldn't download: {e}")));
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = (name, mime, body);
            },
        )
    };
    let calendar = move || {
        let items = crate::exchange::ics::items_for(
            // Whole interviews: outlines leave out the place and the venue.
            &state.interviews()?,
            &state.people()?,
            &state.fields_and_follow_up()?.0,
        );
        Some(crate::exchange::ics::calendar(
            &items,
            crate::ui::state::now(),
        ))
    };
    let download_calendar = move || {
        state.once(calendar, move |ics| {
            #[cfg(feature = "hydrate")]
            if let Err(e) =
                crate::browser::download("colloquy-meetings.ics", "text/calendar", ics.as_bytes())
            {
                message.set(Some(format!("Couldn't download: {e}")));
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = ics;
        })
    };
    view! {
        <div class="page-head">
            <h1>"Your record"</h1>
        </div>
        <p class="muted no-print">"Everyone you've interviewed, when, what you discussed and whom they suggested next."</p>
        <div class="actions no-print">
            <button type="button" on:click=move |_| {
                // The whole record, then print once it is on the page.
                shown.set(usize::MAX);
                #[cfg(feature = "hydrate")]
                request_animation_frame(crate::browser::print);
            }>"Print"</button>
            <button type="button" on:click=move |_| download("md")>"Download Markdown"</button>
            <button type="button" on:click=move |_| download("csv")>"Download CSV"</button>
            <button type="button" on:click=move |_| download_calendar()>"Download calendar (.ics)"</button>
        </div>
        {move || message.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        {move || match entries() {
            None => view! { <Opening/> }.into_any(),
            Some((entries, _)) if entries.is_empty() => view! { <p class="empty">"No interviews held yet. They appear here once a meeting is marked over."</p> }.into_any(),
            Some((entries, total)) => {
                let more = total - entries.len();
                view! {
                <ol class="record" aria-label="Interviews held">
                    {entries.into_iter().map(|e| view! {
                        <li>
                            <h2><time>{zone.format_date(e.date)}</time> " — " <A href=format!("/interviews/{}", e.interview)><bdi>{e.person.clone()}</bdi></A></h2>
                            <p class="muted"><bdi>{crate::domain::role_line(&e.role, &e.organisation)}</bdi> " · " <bdi>{e.field.clone()}</bdi></p>
                            {(!e.notes.trim().is_empty()).then(|| view! { <p class="notes"><bdi>{e.notes.clone()}</bdi></p> })}
                            <p>"Additional contacts: "
                                {if e.referrals.is_empty() { "none".to_owned() } else { e.referrals.join(", ") }}
                            </p>
                        </li>
                    }).collect_view()}
                </ol>
                {(more > 0).then(|| view! {
                    <p class="no-print">{format!("Showing {} of {}. ", super::grouped(total - more), super::grouped(total))}
                        <button type="button" class="quiet" on:click=move |_| shown.update(|n| *n = n.saturating_add(PAGE))>
                            {format!("Show {} more", more.min(PAGE))}
                        </button>
                    </p>
                })}
            }.into_any()
            }
        }}
    }
}

fn export(
    kind: &str,
    entries: &[RecordEntry],
    zone: LocalZone,
) -> (&'static str, &'static str, String) {
    match kind {
        "csv" => ("colloquy-record.csv", "text/csv", record_csv(entries, zone)),
        _ => (
            "colloquy-record.md",
            "text/markdown",
            record_markdown(entries, zone),
        ),
    }
}
