//! Sync between devices: the settings section that turns it on (recovery phrase, pairing link
//! and QR code), and `/pair`, where a second device joins by the link.

use crate::crypto::RootSecret;
use crate::ui::components::copy_button;
use crate::ui::sync::{describe, use_sync};
use leptos::prelude::*;
use leptos_router::components::A;

/// Which word of the phrase the user is asked to type back.
const CHECK_WORD: usize = 7;

#[component]
pub fn SyncSection() -> impl IntoView {
    let sync = use_sync();
    // The phrase, shown once after turning sync on, until the user confirms it.
    let phrase = RwSignal::new(None::<String>);
    let check = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let restore = RwSignal::new(String::new());
    let turn_on = move |_| {
        error.set(None);
        phrase.set(Some(sync.turn_on()));
    };
    let confirm = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = check.get_untracked().trim().to_lowercase();
        let expected = phrase
            .get_untracked()
            .and_then(|p| p.split(' ').nth(CHECK_WORD - 1).map(str::to_owned));
        if expected.as_deref() == Some(typed.as_str()) {
            phrase.set(None);
            error.set(None);
        } else {
            error.set(Some(format!(
                "That isn't word {CHECK_WORD}. Check what you wrote down: without the phrase, a lost device can't be restored."
            )));
        }
    };
    let join = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match RootSecret::from_phrase(&restore.get_untracked()) {
            Ok(secret) => {
                sync.join(secret);
                restore.set(String::new());
                error.set(None);
            }
            Err(e) => error.set(Some(format!("That phrase can't be used: {e}."))),
        }
    };
    let link = move || {
        #[cfg(feature = "hydrate")]
        let origin = crate::browser::origin();
        #[cfg(not(feature = "hydrate"))]
        let origin = String::new();
        sync.secret.get().map(|k| format!("{origin}/pair#k={k}"))
    };
    // Which form shows depends only on whether sync is on: a status change (connecting, up to
    // date) must not rebuild the form someone is typing in.
    let on = Memo::new(move |_| sync.status.with(Option::is_some));
    view! {
        <section aria-labelledby="sync-heading" class="stack">
            <h2 id="sync-heading">"Sync between devices"</h2>
            {move || match (on.get(), phrase.get()) {
                (false, _) => view! {
                    <p class="hint">
                        "Keep your network on your phone and your laptop. The sync server only ever "
                        "holds it encrypted with a key that stays on your devices."
                    </p>
                    <div class="actions"><button type="button" class="primary" on:click=turn_on>"Turn on sync"</button></div>
                    <form class="stack" on:submit=join>
                        <label for="restore-phrase">"Already syncing? Type your 24-word recovery phrase"</label>
                        <textarea id="restore-phrase" rows="3" autocomplete="off" spellcheck="false"
                            prop:value=move || restore.get() on:input=move |ev| restore.set(event_target_value(&ev))/>
                        <div class="actions"><button type="submit">"Join with the phrase"</button></div>
                    </form>
                }.into_any(),
                (true, Some(words)) => view! {
                    <p>"Write down these 24 words, in order, and keep them safe. They are the only way to get your synced network back if you lose your devices. They are shown once."</p>
                    <ol class="phrase" aria-label="Recovery phrase">
                        {words.split(' ').map(|w| view! { <li>{w.to_owned()}</li> }).collect_view()}
                    </ol>
                    <form class="stack" on:submit=confirm>
                        <label for="phrase-check">{format!("Word {CHECK_WORD} of your phrase")}</label>
                        <input id="phrase-check" autocomplete="off" spellcheck="false"
                            prop:value=move || check.get() on:input=move |ev| check.set(event_target_value(&ev))/>
                        <div class="actions"><button type="submit" class="primary">"I wrote it down"</button></div>
                    </form>
                }.into_any(),
                (true, None) => view! {
                    <p role="status" class="sync-status">
                        {move || sync.status.get().map(|status| describe(&status))}
                    </p>
                    {move || link().map(|link| {
                        let copied = link.clone();
                        view! {
                            <p>"To add another device, open this link on it, or scan the code. Anyone with the link can read your network: share it only with yourself."</p>
                            <p class="pair-link"><code>{link.clone()}</code></p>
                            <div class="actions">{copy_button("Copy the pairing link", move || copied.clone())}</div>
                            <QrCode text=link/>
                        }
                    })}
                    <div class="actions">
                        <button type="button" on:click=move |_| sync.delete_remote()>"Delete my data from the sync server"</button>
                        <button type="button" on:click=move |_| sync.turn_off()>"Turn off sync on this device"</button>
                    </div>
                }.into_any(),
            }}
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </section>
    }
}

/// A QR code drawn as one SVG path (no image library, no inline style).
#[component]
fn QrCode(text: String) -> impl IntoView {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        return ().into_any();
    };
    let width = code.width();
    let colors = code.to_colors();
    let mut path = String::new();
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            path.push_str(&format!("M{} {}h1v1h-1z", i % width + 4, i / width + 4));
        }
    }
    let size = width + 8;
    view! {
        <svg class="qr" role="img" aria-label="Pairing QR code" viewBox=format!("0 0 {size} {size}")
            xmlns="http://www.w3.org/2000/svg" shape-rendering="crispEdges">
            <rect width=size.to_string() height=size.to_string() fill="#fff"/>
            <path d=path fill="#000"/>
        </svg>
    }
    .into_any()
}

/// `/pair#k=…`: joins this device to a synced network. The key is read from the fragment,
/// which browsers never send to a server, and then removed from the address bar.
#[component]
pub fn PairPage() -> impl IntoView {
    let sync = use_sync();
    let secret = RwSignal::new(None::<Result<String, String>>);
    let joined = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        let fragment = crate::browser::take_fragment();
        let key = fragment.strip_prefix("k=").unwrap_or(&fragment).to_owned();
        secret.set(Some(
            RootSecret::from_fragment(&key)
                .map(|_| key)
                .map_err(|e| e.to_string()),
        ));
    });
    let join = move |_| {
        if let Some(Ok(key)) = secret.get_untracked() {
            if let Ok(root) = RootSecret::from_fragment(&key) {
                sync.join(root);
                joined.set(true);
            }
        }
    };
    view! {
        <h1>"Pair this device"</h1>
        {move || match (secret.get(), joined.get()) {
            (None, _) => view! { <p class="muted">"Reading the pairing link…"</p> }.into_any(),
            (Some(Err(e)), _) => view! {
                <p class="form-error" role="alert">{format!("This pairing link can't be used: {e}. Copy it again from the other device's settings, or type your recovery phrase in Settings.")}</p>
            }.into_any(),
            (Some(Ok(_)), false) => view! {
                <p>"Join the synced network? What is already on this device is merged into it; nothing here is lost."</p>
                <div class="actions"><button type="button" class="primary" on:click=join>"Join"</button></div>
            }.into_any(),
            (Some(Ok(_)), true) => view! {
                <p role="status" class="sync-status">{move || sync.status.get().map(|s| describe(&s)).unwrap_or_default()}</p>
                <p><A href="/people">"See your people"</A></p>
            }.into_any(),
        }}
    }
}
