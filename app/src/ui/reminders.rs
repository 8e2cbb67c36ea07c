//! Reminders on this device: whether the browser may notify, which kinds are on, and the
//! schedule handed to the service worker whenever interviews change (see
//! `server/src/service_worker.js`, which shows them, with the app closed too).

use crate::domain::ReminderKind;
use crate::ui::state::NetworkState;
use leptos::prelude::*;

/// The kinds turned off on this device, comma-separated keys.
pub const OFF_KEY: &str = "colloquy/reminders-off";

#[derive(Clone, Copy)]
pub struct RemindersState {
    /// "granted", "denied", "default" (not asked), "unsupported", or "" until the page is
    /// hydrated and has asked the browser.
    pub permission: RwSignal<String>,
    /// Kinds turned off on this device.
    pub off: RwSignal<Vec<ReminderKind>>,
}

impl RemindersState {
    pub fn on(&self) -> bool {
        self.permission.with(|p| p == "granted")
    }

    /// Asks the browser to let the app notify (from a tap), then hands over the schedule.
    pub fn turn_on(&self) {
        #[cfg(feature = "hydrate")]
        {
            let permission = self.permission;
            leptos::task::spawn_local(async move {
                let answer = crate::browser::request_notification_permission().await;
                permission.set(answer);
                crate::browser::register_periodic_reminders().await;
            });
        }
    }

    /// Turns one kind on or off on this device.
    pub fn set_kind(&self, kind: ReminderKind, on: bool) {
        self.off.update(|off| {
            off.retain(|k| *k != kind);
            if !on {
                off.push(kind);
            }
        });
        #[cfg(feature = "hydrate")]
        if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
            let keys: Vec<&str> = self
                .off
                .with_untracked(|off| off.iter().map(|k| k.key()).collect());
            let _ = storage.set_item(OFF_KEY, &keys.join(","));
        }
    }
}

/// Provides the reminders' state; once hydrated, keeps the service worker's schedule current
/// and asks it to check what is due on opening and on every return to the tab.
pub fn provide_reminders(state: NetworkState) -> RemindersState {
    let reminders = RemindersState {
        permission: RwSignal::new(String::new()),
        off: RwSignal::new(Vec::new()),
    };
    provide_context(reminders);
    #[cfg(feature = "hydrate")]
    watch(state, reminders);
    #[cfg(not(feature = "hydrate"))]
    let _ = state;
    reminders
}

pub fn use_reminders() -> RemindersState {
    expect_context::<RemindersState>()
}

#[cfg(feature = "hydrate")]
fn watch(state: NetworkState, reminders: RemindersState) {
    // After the first screen, which doesn't need it.
    crate::ui::platform::later(move || {
        reminders
            .permission
            .set(crate::browser::notification_permission());
        let stored = web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(OFF_KEY).ok().flatten())
            .unwrap_or_default();
        reminders.off.set(
            stored
                .split(',')
                .filter_map(ReminderKind::from_key)
                .collect(),
        );
        crate::browser::send_reminders(None);
    });
    // The schedule, worked out again when interviews, names or settings change, once the
    // changes pause: it is the worker's, never urgent, and stays out of the edit's own task.
    // A page being hidden or closed hands over what is pending at once.
    let pending = StoredValue::new(false);
    let flush = move || {
        if pending.get_value() {
            pending.set_value(false);
            if let Some(json) = schedule(state, reminders) {
                crate::browser::send_reminders(Some(json));
            }
        }
    };
    let generation = StoredValue::new(0_u64);
    Effect::new(move |_| {
        if !reminders.on() {
            return;
        }
        // What the schedule depends on, tracked.
        let _ = (
            state.outlines().map(|o| o.len()),
            state.fields_and_follow_up().map(|(_, f)| f),
            state.rows_with(<[_]>::len),
            reminders.off.get(),
        );
        pending.set_value(true);
        generation.update_value(|g| *g += 1);
        let current = generation.get_value();
        set_timeout(
            move || {
                if generation.get_value() == current {
                    flush();
                }
            },
            std::time::Duration::from_millis(300),
        );
    });
    Effect::new(move |_| {
        let visible = window_event_listener(leptos::ev::visibilitychange, move |_| {
            if document().visibility_state() == web_sys::VisibilityState::Visible {
                crate::browser::send_reminders(None);
            } else {
                flush();
            }
        });
        let hidden = window_event_listener(leptos::ev::pagehide, move |_| flush());
        on_cleanup(move || {
            visible.remove();
            hidden.remove();
        });
    });
}

/// The reminders of the network as it is now, as the service worker reads them.
#[cfg(feature = "hydrate")]
fn schedule(state: NetworkState, reminders: RemindersState) -> Option<String> {
    let interviews = state.outlines()?;
    let (_, follow_up) = state.fields_and_follow_up()?;
    let off = reminders.off.get_untracked();
    state.rows_with(|rows| {
        let names = crate::domain::rows_by_id(rows);
        let name = |id: &crate::domain::PersonId| {
            names
                .get(id)
                .map_or_else(|| "someone".to_owned(), |row| row.name.clone())
        };
        let due =
            crate::domain::reminders(&interviews, name, follow_up, crate::ui::state::zone(), &off);
        crate::domain::reminders_json(&due)
    })
}

/// The offer to turn reminders on, made where it makes sense: a meeting has just been set.
#[component]
pub fn RemindersOffer() -> impl IntoView {
    let reminders = use_reminders();
    let dismissed = RwSignal::new(false);
    view! {
        <Show when=move || reminders.permission.with(|p| p == "default") && !dismissed.get()>
            <aside class="offer" aria-labelledby="offer-reminders">
                <h3 id="offer-reminders">"Get reminders on this device?"</h3>
                <p>"An hour before the meeting, when the thank-you is due, and when a request needs a follow-up — even with Colloquy closed."</p>
                <div class="actions">
                    <button type="button" class="primary" on:click=move |_| reminders.turn_on()>"Turn on reminders"</button>
                    <button type="button" class="quiet" on:click=move |_| dismissed.set(true)>"Not now"</button>
                </div>
            </aside>
        </Show>
        <Show when=move || reminders.on()>
            <p class="done">"Reminders are on for this device."</p>
        </Show>
    }
}

/// Settings: whether reminders are on, and which kinds.
#[component]
pub fn RemindersSettings() -> impl IntoView {
    let reminders = use_reminders();
    let status = move || {
        reminders.permission.with(|p| match p.as_str() {
            "granted" => "On for this device.",
            "denied" => "Blocked: this browser won't let Colloquy notify you. Allow notifications for this site in the browser's settings.",
            "unsupported" => "This browser can't show notifications. Colloquy still lists what's due on its home screen.",
            _ => "Off. Colloquy can remind you of meetings, thank-yous and follow-ups, even when it's closed.",
        })
    };
    view! {
        <section aria-labelledby="reminders">
            <h2 id="reminders">"Reminders"</h2>
            <p>{status}</p>
            <Show when=move || reminders.permission.with(|p| p == "default")>
                <div class="actions">
                    <button type="button" class="primary" on:click=move |_| reminders.turn_on()>"Turn on reminders"</button>
                </div>
            </Show>
            <fieldset class="choices" disabled=move || !reminders.on()>
                <legend>"Remind me of"</legend>
                {ReminderKind::ALL.into_iter().map(|kind| view! {
                    <label class="inline">
                        <input type="checkbox"
                            prop:checked=move || reminders.off.with(|off| !off.contains(&kind))
                            on:change=move |ev| reminders.set_kind(kind, event_target_checked(&ev))/>
                        {kind.label()}
                    </label>
                }).collect_view()}
            </fieldset>
        </section>
    }
}
