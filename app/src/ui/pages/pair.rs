//! Sync between devices: the settings section that turns it on (recovery phrase, pairing link
//! and QR code), and `/pair`, where a second device joins by the link.

use crate::crypto::RootSecret;
use crate::sync::Status;
use crate::ui::components::copy_button;
use crate::ui::sync::use_sync;
use leptos::prelude::*;
use leptos_router::components::A;

/// Sync in settings: turned on in one tap, the pairing link and its code first; the recovery
/// phrase offered with why; deleting the server's copy set apart and confirmed.
#[component]
pub fn SyncSection() -> impl IntoView {
    let sync = use_sync();
    let error = RwSignal::new(None::<String>);
    let restore = RwSignal::new(String::new());
    let turn_on = move |_| {
        error.set(None);
        sync.turn_on();
    };
    let join = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        match RootSecret::from_phrase(&restore.get_untracked()) {
            Ok(secret) => {
                sync.join(secret);
                // Typed in, so it is kept somewhere already.
                sync.mark_phrase_saved(true);
                restore.set(String::new());
                error.set(None);
            }
            Err(e) => error.set(Some(format!("That phrase can't be used: {e}."))),
        }
    };
    // Which form shows depends only on whether sync is on: a status change (connecting, up to
    // date) must not rebuild the form someone is typing in.
    let on = Memo::new(move |_| sync.status().is_some());
    // The pairing code holds the network's secret: shown only when asked for.
    let pairing = RwSignal::new(false);
    // Refused by the sync server (it wants an invite code): nothing to pair or recover yet.
    let closed = Memo::new(move |_| matches!(sync.status(), Some(Status::Closed(_))));
    view! {
        <section aria-labelledby="sync-heading" class="stack">
            <h2 id="sync-heading">"Sync between devices"</h2>
            {move || if on.get() {
                view! {
                    <p role="status" class="sync-status">
                        {move || sync.status().map(|status| status.describe())}
                    </p>
                    {move || if closed.get() {
                        view! {
                            <InviteForm/>
                            <div class="actions">
                                <button type="button" on:click=move |_| sync.turn_off()>"Don't sync for now"</button>
                            </div>
                        }.into_any()
                    } else {
                        view! { <SyncOn pairing/> }.into_any()
                    }}
                }.into_any()
            } else {
                view! {
                    {move || sync.ended().map(|why| view! { <p role="status" class="sync-ended">{why}</p> })}
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
                }.into_any()
            }}
            {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
        </section>
    }
}

/// Sync when the sync server has the network: its fingerprint, pairing, the recovery phrase and
/// the danger zone.
#[component]
fn SyncOn(pairing: RwSignal<bool>) -> impl IntoView {
    let sync = use_sync();
    let link = move || {
        #[cfg(feature = "hydrate")]
        let origin = crate::browser::origin();
        #[cfg(not(feature = "hydrate"))]
        let origin = String::new();
        sync.secret().map(|k| format!("{origin}/pair#k={k}"))
    };
    view! {
        {move || sync.fingerprint().map(|words| view! {
            <p class="fingerprint">"This network's fingerprint: "<strong>{words}</strong></p>
            <p class="hint">"Every device that syncs it shows the same four words."</p>
        })}
        {move || if pairing.get() {
            link().map(|link| {
                let copied = link.clone();
                view! {
                    <div class="pairing" role="group" aria-label="Pair another device">
                        <p>"Scan this code with your other device, or open the link on it. Anyone with the link can read your network: use it only on your own devices, and don't send it to anyone."</p>
                        <QrCode text=link.clone()/>
                        <p class="pair-link"><code>{link}</code></p>
                        <div class="actions">
                            {copy_button("Copy the pairing link", move || copied.clone())}
                            <button type="button" on:click=move |_| pairing.set(false)>"Hide the pairing code"</button>
                        </div>
                    </div>
                }
            }).into_any()
        } else {
            view! {
                <div class="actions">
                    <button type="button" class="primary" on:click=move |_| pairing.set(true)>"Pair another device"</button>
                </div>
            }.into_any()
        }}
        <RecoveryPhrase/>
        <DangerZone/>
    }
}

/// The invite code a sync server that starts networks by invite asks for.
#[component]
fn InviteForm() -> impl IntoView {
    let sync = use_sync();
    let code = RwSignal::new(String::new());
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = code.get_untracked();
        if !typed.trim().is_empty() {
            sync.use_invite(&typed);
        }
    };
    view! {
        <form class="stack invite" on:submit=submit>
            <label for="invite-code">"Invite code"</label>
            <input id="invite-code" type="text" autocomplete="off" autocapitalize="none" spellcheck="false"
                placeholder="abcd-efgh-jkmn-pqrs"
                prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev))/>
            <p class="hint">"Whoever runs your sync server can make one with "<code>"server invite"</code>"."</p>
            <div class="actions"><button type="submit" class="primary">"Sync with this code"</button></div>
        </form>
    }
}

/// The 24 words that bring the network back if every device is lost: shown on request.
#[component]
fn RecoveryPhrase() -> impl IntoView {
    let sync = use_sync();
    let shown = RwSignal::new(None::<String>);
    view! {
        <h3 id="recovery-phrase">"Recovery phrase"</h3>
        <p class="hint">
            "If you lose every device, these 24 words bring your network back. Keep them where only "
            "you can find them: a password manager, or on paper."
        </p>
        {move || match shown.get() {
            Some(words) => view! {
                <ol class="phrase" aria-label="Recovery phrase">
                    {words.split(' ').map(|w| view! { <li>{w.to_owned()}</li> }).collect_view()}
                </ol>
                <div class="actions">
                    <button type="button" class="primary" on:click=move |_| {
                        sync.mark_phrase_saved(true);
                        shown.set(None);
                    }>"I've saved it"</button>
                    <button type="button" on:click=move |_| shown.set(None)>"Hide it"</button>
                </div>
            }.into_any(),
            None => view! {
                <p class:done=move || sync.phrase_saved()>
                    {move || if sync.phrase_saved() { "Saved." } else { "Not saved yet." }}
                </p>
                <div class="actions">
                    <button type="button" on:click=move |_| shown.set(sync.phrase())>"Show the recovery phrase"</button>
                </div>
            }.into_any(),
        }}
    }
}

/// Turning sync off here, and deleting the server's copy: set apart, and asked twice.
#[component]
fn DangerZone() -> impl IntoView {
    let sync = use_sync();
    let asking = RwSignal::new(false);
    view! {
        <div class="danger-zone">
            <h3>"Stop syncing"</h3>
            <div class="actions">
                <button type="button" on:click=move |_| sync.turn_off()>"Turn off sync on this device"</button>
            </div>
            {move || if asking.get() {
                view! {
                    <div class="confirm" role="group" aria-label="Confirm deleting the server's copy">
                        <p><strong>"Delete your network from the sync server?"</strong></p>
                        <p>"Every device keeps its own copy, but they stop syncing with each other. This can't be undone."</p>
                        <div class="actions">
                            <button type="button" class="destructive" on:click=move |_| {
                                asking.set(false);
                                sync.delete_remote();
                            }>"Delete the server's copy"</button>
                            <button type="button" on:click=move |_| asking.set(false)>"Cancel"</button>
                        </div>
                    </div>
                }.into_any()
            } else {
                view! {
                    <div class="actions">
                        <button type="button" class="destructive-outline" on:click=move |_| asking.set(true)>
                            "Delete my data from the sync server…"
                        </button>
                    </div>
                }.into_any()
            }}
        </div>
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
/// which browsers never send to a server; the shell's first script has already moved it out of
/// the address bar. A device that syncs another network is asked before it switches.
#[component]
pub fn PairPage() -> impl IntoView {
    let sync = use_sync();
    let secret = RwSignal::new(None::<Result<String, String>>);
    // The network this device syncs now, if any.
    let current = RwSignal::new(None::<String>);
    let joined = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    {
        let read = move || {
            current.set(sync.stored_fragment());
            joined.set(false);
            let fragment = crate::browser::take_fragment();
            let key = fragment.strip_prefix("k=").unwrap_or(&fragment).to_owned();
            secret.set(Some(
                RootSecret::from_fragment(&key)
                    .map(|_| key)
                    .map_err(|e| e.to_string()),
            ));
        };
        Effect::new(move |_| read());
        // Another link opened over this page changes only the fragment: read it afresh, so
        // the page never offers the network of the link before.
        let listener = window_event_listener(leptos::ev::hashchange, move |_| {
            if crate::browser::has_fragment() {
                read();
            }
        });
        on_cleanup(move || listener.remove());
    }
    let join = move |_| {
        if let Some(Ok(key)) = secret.get_untracked() {
            if let Ok(root) = RootSecret::from_fragment(&key) {
                sync.join(root);
                joined.set(true);
            }
        }
    };
    let words = |key: &str| {
        RootSecret::from_fragment(key)
            .map(|s| s.keys().doc_id.fingerprint())
            .unwrap_or_default()
    };
    view! {
        <h1>"Pair this device"</h1>
        {move || match (secret.get(), joined.get()) {
            (None, _) => view! { <p class="muted">"Reading the pairing link…"</p> }.into_any(),
            (Some(Err(e)), _) => view! {
                <p class="form-error" role="alert">{format!("This pairing link can't be used: {e}. Copy it again from the other device's settings, or type your recovery phrase in Settings.")}</p>
            }.into_any(),
            (Some(Ok(key)), false) => {
                let theirs = words(&key);
                let check = view! {
                    <p class="fingerprint">"This link's network: "<strong>{theirs.clone()}</strong></p>
                    <p class="hint">"Your other device shows the same four words in Settings. Only open pairing links you made yourself: whoever made this one can read everything you add to their network."</p>
                };
                match current.get() {
                    Some(mine) if mine == key => view! {
                        {check}
                        <p role="status">"This device already syncs this network."</p>
                        <p><A href="/people">"See your people"</A></p>
                    }.into_any(),
                    Some(mine) => view! {
                        {check}
                        <div class="confirm" role="group" aria-label="This device syncs another network">
                            <p><strong>"This device already syncs another network: "{words(&mine)}"."</strong></p>
                            <p>"Switching stops syncing that one here. Everything on this device is merged into the link's network and sent to its other devices."</p>
                            <div class="actions">
                                <button type="button" class="destructive" on:click=join>"Switch to this network"</button>
                                <A href="/settings" attr:class="button">"Keep the current one"</A>
                            </div>
                        </div>
                    }.into_any(),
                    None => view! {
                        {check}
                        <p>"Join the synced network? What is already on this device is merged into it; nothing here is lost."</p>
                        <div class="actions"><button type="button" class="primary" on:click=join>"Join"</button></div>
                    }.into_any(),
                }
            }
            (Some(Ok(_)), true) => view! {
                <p role="status" class="sync-status">{move || sync.status().map(|s| s.describe()).unwrap_or_default()}</p>
                <p><A href="/people">"See your people"</A></p>
            }.into_any(),
        }}
    }
}
