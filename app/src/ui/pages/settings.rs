use super::Opening;
use crate::doc::Command;
use crate::domain::clock::FollowUpSettings;
use crate::domain::sorting::sort_by_cached_key;
use crate::domain::{
    Category, OwnQuestion, Profile, Templates, DEFAULT_REQUEST_TEMPLATE, DEFAULT_THANK_YOU_TEMPLATE,
};
use crate::ui::state::use_network;
use crate::ui::view::first_answer;
#[cfg(feature = "hydrate")]
use crate::wire::{Reply, Request};
use leptos::prelude::*;

/// `/settings`: who the user is (for signing requests), the follow-up clocks, the templates and
/// their own questions.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let state = use_network();
    let stored = first_answer(move || state.settings().map(|s| (s.profile, s.templates)));
    view! {
        <h1>"Settings"</h1>
        // A long page: its parts, one tap away.
        <nav class="toc" aria-label="Settings sections">
            <a href="#you">"You"</a>
            <a href="#clocks">"Follow-up clocks"</a>
            <a href="#templates">"Templates"</a>
            <a href="#own-questions">"Your questions"</a>
            <a href="#reminders">"Reminders"</a>
            <a href="#sync-heading">"Sync"</a>
            <a href="#your-people">"Your people"</a>
            <a href="#your-data">"Your data"</a>
        </nav>
        {move || {
            // Built once from what is stored: edits elsewhere must not wipe what is being typed.
            match stored.get() {
                Some((profile, templates)) if state.ready.get() => {
                    view! { <SettingsForm profile templates/> }.into_any()
                }
                _ => view! { <Opening/> }.into_any(),
            }
        }}
        <OwnQuestions/>
        <crate::ui::reminders::RemindersSettings/>
        <super::SyncSection/>
        <YourPeople/>
        <YourData/>
    }
}

/// The people, in formats other tools read, and the way in for contacts from elsewhere.
#[component]
fn YourPeople() -> impl IntoView {
    let state = use_network();
    let message = RwSignal::new(None::<String>);
    let export = move |format: PeopleFormat| {
        state.once(
            move || state.people(),
            move |mut people| {
                sort_by_cached_key(&mut people, |(_, p)| p.name.to_lowercase());
                let (name, mime, text) = match format {
                    PeopleFormat::VCard => (
                        "colloquy-people.vcf",
                        "text/vcard",
                        crate::exchange::vcard::write(&people),
                    ),
                    PeopleFormat::Csv => (
                        "colloquy-people.csv",
                        "text/csv",
                        crate::exchange::table::people_csv(&people),
                    ),
                    PeopleFormat::Json => (
                        "colloquy-people.json",
                        "application/json",
                        crate::exchange::json::write(&people),
                    ),
                };
                #[cfg(feature = "hydrate")]
                if let Err(e) = crate::browser::download(name, mime, text.as_bytes()) {
                    message.set(Some(format!("Couldn't download: {e}")));
                }
                #[cfg(not(feature = "hydrate"))]
                let _ = (name, mime, text);
            },
        )
    };
    view! {
        <section aria-labelledby="your-people" class="stack">
            <h2 id="your-people">"Your people"</h2>
            <p class="hint">
                "Bring in contacts from LinkedIn, Google or your phone, or take your people to "
                "another app: vCard for address books, CSV for spreadsheets, JSON for another Colloquy."
            </p>
            <div class="actions">
                <leptos_router::components::A href="/import" attr:class="button">"Import contacts"</leptos_router::components::A>
                <button type="button" on:click=move |_| export(PeopleFormat::VCard)>"Export as vCard"</button>
                <button type="button" on:click=move |_| export(PeopleFormat::Csv)>"Export as CSV"</button>
                <button type="button" on:click=move |_| export(PeopleFormat::Json)>"Export as JSON"</button>
            </div>
            {move || message.get().map(|m| view! { <p role="alert" class="form-error">{m}</p> })}
        </section>
    }
}

#[derive(Clone, Copy)]
enum PeopleFormat {
    VCard,
    Csv,
    Json,
}

/// Storage use, and the whole network as a file: to keep, or to bring back.
#[component]
fn YourData() -> impl IntoView {
    let state = use_network();
    let usage = RwSignal::new(None::<String>);
    let message = RwSignal::new(None::<(bool, String)>);
    // How to install, where the browser has no prompt of its own to offer.
    let install = RwSignal::new(None::<&'static str>);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let device = crate::browser::device();
        if !device.installed {
            install.set(Some(if device.ios {
                "To install Colloquy on this iPhone or iPad, open it in Safari, tap Share, then Add to Home Screen."
            } else {
                "To install Colloquy, use your browser's menu: Install app, or Add to Home screen."
            }));
        }
        leptos::task::spawn_local(async move {
            if let Some(u) = crate::browser::storage_use().await {
                let kept = if u.persisted {
                    "The browser keeps it for good."
                } else if device.ios && !device.installed {
                    "Safari clears it if you don't open Colloquy for seven days, unless Colloquy is on your Home Screen: add it there, and keep a copy."
                } else {
                    "The browser may clear it if the device runs short of space: keep a copy."
                };
                usage.set(Some(format!(
                    "This site uses {} of the {} the browser allows. {kept}",
                    size(u.usage as u64),
                    size(u.quota as u64)
                )));
            }
        });
    });
    let stored = move || {
        state
            .stored_chars()
            .map(|chars| format!("Your network takes {} in this browser.", size(chars as u64)))
    };
    let export = move |_| {
        #[cfg(feature = "hydrate")]
        state.request(Request::Export, move |reply| {
            let Reply::Exported(bytes) = reply else {
                return;
            };
            if let Err(e) = crate::browser::download(
                "colloquy-network.automerge",
                "application/octet-stream",
                &bytes,
            ) {
                message.set(Some((false, format!("Couldn't download: {e}"))));
            }
        });
    };
    let import = move |ev: leptos::ev::Event| {
        #[cfg(feature = "hydrate")]
        {
            let input: web_sys::HtmlInputElement = event_target(&ev);
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            input.set_value("");
            let show = move |outcome: Result<usize, String>| {
                message.set(Some(match outcome {
                    Ok(people) => (
                        true,
                        format!(
                            "Imported. Your network now has {people} people; nothing was removed."
                        ),
                    ),
                    Err(e) => (false, e),
                }));
            };
            leptos::task::spawn_local(async move {
                match crate::browser::read_file(file).await {
                    Ok(bytes) => state.request(Request::Import(bytes), move |reply| {
                        let Reply::Imported(outcome) = reply else { return };
                        show(outcome.map_err(|e| {
                            format!("That file isn't a Colloquy network, or it is damaged; nothing was changed. ({e})")
                        }))
                    }),
                    Err(e) => show(Err(format!("Couldn't read the file: {e}"))),
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = ev;
    };
    view! {
        <section aria-labelledby="your-data" class="stack">
            <h2 id="your-data">"Your data"</h2>
            <p>{stored}</p>
            <p class="muted">{move || usage.get()}</p>
            {move || install.get().map(|how| view! { <p class="hint">{how}</p> })}
            <p class="hint">"Download a copy to keep it safe, or to move it to another browser. Importing a copy merges it into what is here."</p>
            <div class="actions">
                <button type="button" on:click=export>"Download a copy of your network"</button>
            </div>
            <label for="import-file">"Import a copy"</label>
            <input id="import-file" type="file" accept=".automerge,application/octet-stream" on:change=import/>
            {move || message.get().map(|(ok, m)| view! {
                <p role="status" class=if ok { "done" } else { "form-error" }>{m}</p>
            })}
        </section>
    }
}

/// "1.2 MB", in whole numbers: formatting floats would pull the standard library's float
/// printing (several KB) into the app.
fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["bytes", "KB", "MB", "GB", "TB"];
    let mut unit = 0;
    let mut scale = 1u64;
    while bytes >= scale * 1000 && unit < UNITS.len() - 1 {
        scale *= 1000;
        unit += 1;
    }
    if unit == 0 {
        return format!("{bytes} {}", UNITS[0]);
    }
    let tenths = (u128::from(bytes) * 10 + u128::from(scale) / 2) / u128::from(scale);
    format!("{}.{} {}", tenths / 10, tenths % 10, UNITS[unit])
}

#[cfg(test)]
mod tests {
    use super::size;

    #[test]
    fn sizes_read_as_people_say_them() {
        assert_eq!(size(0), "0 bytes");
        assert_eq!(size(999), "999 bytes");
        assert_eq!(size(1000), "1.0 KB");
        assert_eq!(size(1_234_567), "1.2 MB");
        assert_eq!(size(1_250_000), "1.3 MB");
        assert_eq!(size(999_949), "999.9 KB");
        assert_eq!(size(10_000_000_000), "10.0 GB");
        assert_eq!(size(u64::MAX), "18446744.1 TB");
    }
}

#[component]
fn SettingsForm(profile: Profile, templates: Templates) -> impl IntoView {
    let state = use_network();
    let name = RwSignal::new(profile.name);
    let email = RwSignal::new(profile.email);
    let phone = RwSignal::new(profile.phone);
    let second = RwSignal::new(profile.follow_up.second_contact_after_days.to_string());
    let follow = RwSignal::new(profile.follow_up.follow_up_after_days.to_string());
    let request = RwSignal::new(templates.request_or_default().to_owned());
    let thank_you = RwSignal::new(templates.thank_you_or_default().to_owned());
    let message = RwSignal::new(None::<(bool, String)>);
    // Kept as the user goes: each field is saved when it is left (a `change` event, which
    // comes before a tap elsewhere navigates away), and on "Save settings" or Enter.
    let save_now = move || {
        let days = |s: RwSignal<String>| {
            s.get_untracked()
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|d| (1..=30).contains(d))
        };
        let (Some(second_days), Some(follow_days)) = (days(second), days(follow)) else {
            message.set(Some((
                false,
                "Follow-up days must be whole numbers from 1 to 30.".into(),
            )));
            return;
        };
        let profile = Profile {
            name: name.get_untracked().trim().to_owned(),
            email: email.get_untracked().trim().to_owned(),
            phone: phone.get_untracked().trim().to_owned(),
            follow_up: FollowUpSettings {
                second_contact_after_days: second_days,
                follow_up_after_days: follow_days,
            },
        };
        // The built-in wording is stored as "empty", so later improvements to it reach the user.
        let own = |text: String, default: &str| {
            if text.trim() == default.trim() {
                String::new()
            } else {
                text
            }
        };
        let templates = Templates {
            request: own(request.get_untracked(), DEFAULT_REQUEST_TEMPLATE),
            thank_you: own(thank_you.get_untracked(), DEFAULT_THANK_YOU_TEMPLATE),
        };
        let saved = state.edit(Command::PutSettings { profile, templates });
        message.set(Some(match saved {
            Ok(_) => (true, "Saved.".into()),
            Err(e) => (false, format!("Not saved: {e}")),
        }));
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save_now();
    };
    let text = |label: &'static str,
                id: &'static str,
                kind: &'static str,
                value: RwSignal<String>| {
        view! {
            <label for=id>{label}</label>
            <input id=id type=kind prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))/>
        }
    };
    view! {
        <form class="stack" on:submit=save on:change=move |_| save_now()>
            <h2 id="you">"You"</h2>
            <p class="hint">"Used to sign your requests and thank-yous, so people can reply."</p>
            {text("Your name", "profile-name", "text", name)}
            {text("Your email", "profile-email", "email", email)}
            {text("Your phone", "profile-phone", "tel", phone)}
            <h2 id="clocks">"Follow-up clocks"</h2>
            <p class="hint">"With no reply, try a second contact at the organisation after a few business days, then follow up with the first (the “3B7” routine)."</p>
            {text("Try a second contact after (business days)", "second-days", "number", second)}
            {text("Follow up after (business days)", "follow-days", "number", follow)}
            <h2 id="templates">"Templates"</h2>
            <p class="hint">"Placeholders in braces are filled in: {contact}, {referral}, {field}, {venues}, {resume}, {your_name}, {your_email}, {your_phone}; for thank-yous {detail} and {referrals}."</p>
            <label for="request-template">"Request"</label>
            <textarea id="request-template" rows="12" prop:value=move || request.get() on:input=move |ev| request.set(event_target_value(&ev))></textarea>
            <button type="button" class="quiet" on:click=move |_| { request.set(DEFAULT_REQUEST_TEMPLATE.to_owned()); save_now(); }>"Restore the built-in request"</button>
            <label for="thank-you-template">"Thank-you"</label>
            <textarea id="thank-you-template" rows="8" prop:value=move || thank_you.get() on:input=move |ev| thank_you.set(event_target_value(&ev))></textarea>
            <button type="button" class="quiet" on:click=move |_| { thank_you.set(DEFAULT_THANK_YOU_TEMPLATE.to_owned()); save_now(); }>"Restore the built-in thank-you"</button>
            <p role="status" class=move || match message.get() { Some((false, _)) => "form-error", _ => "done" }>
                {move || message.get().map(|(_, m)| m)}
            </p>
            <div class="actions"><button type="submit" class="primary">"Save settings"</button></div>
        </form>
    }
}

/// The user's own questions, added to the built-in bank.
#[component]
fn OwnQuestions() -> impl IntoView {
    let state = use_network();
    let questions = move || {
        state
            .settings()
            .map(|s| s.own_questions)
            .unwrap_or_default()
    };
    let text = RwSignal::new(String::new());
    let category = RwSignal::new(Category::Advice);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let question = OwnQuestion {
            text: text.get_untracked().trim().to_owned(),
            category: category.get_untracked(),
            created_at: crate::ui::state::now(),
        };
        if question.text.is_empty() {
            return;
        }
        if state
            .edit(Command::PutQuestion {
                id: crate::domain::new_id(),
                question,
            })
            .is_ok()
        {
            text.set(String::new());
        }
    };
    view! {
        <form class="stack" on:submit=add>
            <h2 id="own-questions">"Your questions"</h2>
            <p class="hint">"Added to the question bank offered when you prepare."</p>
            <ul>
                {move || questions().into_iter().map(|(_, q)| view! { <li><span class="tag">{q.category.label()}</span> <bdi>{q.text}</bdi></li> }).collect_view()}
            </ul>
            <label for="bank-question">"New question"</label>
            <input id="bank-question" prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))/>
            {move || text.with(|t| crate::domain::closed_question(t).map(|s| s.suggestion)).map(|s| view! {
                <p class="warning">"Closed question. Try: “" <bdi>{s}</bdi> "”"</p>
            })}
            <label for="bank-category">"Category"</label>
            <select id="bank-category" on:change=move |ev| if let Some(c) = Category::from_key(&event_target_value(&ev)) { category.set(c) }>
                {Category::ALL.into_iter().map(|c| view! { <option value=c.key() selected=move || category.get() == c>{c.label()}</option> }).collect_view()}
            </select>
            <div class="actions"><button type="submit">"Add to the bank"</button></div>
        </form>
    }
}
