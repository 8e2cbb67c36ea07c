//! The Leptos app: the HTML shell, the router, one file per page under `pages/`, shared pieces
//! under `components/`, and the network context in `state`.

mod components;
mod pages;
pub mod platform;
pub mod reminders;
pub mod state;
pub mod sync;
mod view;

use components::{AppStatus, Icon, IconSvg, Link, Problems, SaveStatus, UndoNotice};
use leptos::prelude::*;
use leptos_meta::HashedStylesheet;
use leptos_router::components::{Route, Router, Routes};
use leptos_router::path;
use state::provide_network_state;

/// The colour of the app's bar, its manifest and its icons.
pub const THEME_COLOUR: &str = "#1f4e5f";

/// What pages may load: only this origin, wasm compiled in the page, no inline styles, no
/// frames. Server-rendered pages add a per-response nonce for the one inline script that starts
/// hydration.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self' \
    'wasm-unsafe-eval'; style-src 'self'; img-src 'self' data: blob:; connect-src 'self'; \
    manifest-src 'self'; worker-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// Where the shell's first script puts a pairing link's `k=…` fragment (sessionStorage).
pub const PAIRING_KEY: &str = "colloquy/pairing";

/// The shell's first script: a pairing link's secret leaves the address bar and the history
/// before anything else on the page runs (or could read, log or share the address).
const TAKE_PAIRING_KEY: &str = "if(location.hash.startsWith(\"#k=\")){\
sessionStorage.setItem(\"colloquy/pairing\",location.hash.slice(1));\
history.replaceState(null,\"\",location.pathname+location.search)}";

/// Has the browser load this site's localStorage while the app's code loads: the first use of
/// it, whatever it is, loads all of it at once (some 20 ms for a network of 10,000 people),
/// which would otherwise come between the app starting and the first screen. Once the page is
/// parsed, so as not to hold up the parsing that starts the app's code loading.
const LOAD_STORAGE: &str = "addEventListener(\"DOMContentLoaded\",function(){\
try{localStorage.length}catch(e){}})";

/// The HTML document the server renders around the app.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    set_content_security_policy();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <script nonce=leptos::nonce::use_nonce() inner_html=TAKE_PAIRING_KEY></script>
                // Drawn edge to edge on phones with a notch; the bars keep clear of it and of
                // the home indicator with the safe-area insets (style/main.css).
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options=options.clone()/>
                <script nonce=leptos::nonce::use_nonce() inner_html=LOAD_STORAGE></script>
                <HashedStylesheet options id="leptos"/>
                <link rel="manifest" href="/manifest.webmanifest"/>
                <link rel="icon" href="/favicon.svg" type="image/svg+xml"/>
                <link rel="apple-touch-icon" href="/icons/icon-192.png"/>
                // iOS reads these, not the manifest, when the app is added to the home screen.
                <meta name="mobile-web-app-capable" content="yes"/>
                <meta name="apple-mobile-web-app-capable" content="yes"/>
                <meta name="apple-mobile-web-app-title" content="Colloquy"/>
                <meta name="apple-mobile-web-app-status-bar-style" content="default"/>
                // Written here rather than by components: the same on every page, and nothing
                // for the page to hydrate.
                <meta name="description" content="Plan, hold and learn from informational interviews."/>
                <meta name="theme-color" content=THEME_COLOUR/>
                <title>"Colloquy"</title>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Gives this response a nonce for its inline script and the policy that allows it.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    leptos::nonce::provide_nonce();
    let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) else {
        return;
    };
    let policy = CONTENT_SECURITY_POLICY.replacen(
        "script-src 'self'",
        &format!("script-src 'self' 'nonce-{nonce}'"),
        1,
    );
    if let Ok(value) = http::HeaderValue::from_str(&policy) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    let state = provide_network_state();
    let sync = sync::provide_sync_state(state);
    reminders::provide_reminders(state);
    provide_wide();

    #[cfg(feature = "hydrate")]
    Effect::new(move |_| open_local_network(state, sync));
    #[cfg(not(feature = "hydrate"))]
    let _ = (state, sync);

    view! {
        <Router>
            <header class="top">
                <Link href="/" class="brand">"Colloquy"</Link>
                <SaveStatus/>
                // A bar at the bottom of a phone's screen, in the header on a laptop.
                <nav aria-label="Main" class="tabs">
                    <Link href="/" exact=true><IconSvg icon=Icon::Next/><span>"Next"</span></Link>
                    <Link href="/people"><IconSvg icon=Icon::People/><span>"People"</span></Link>
                    <Link href="/fields"><IconSvg icon=Icon::Fields/><span>"Fields"</span></Link>
                    <Link href="/record"><IconSvg icon=Icon::Record/><span>"Record"</span></Link>
                    <Link href="/settings"><IconSvg icon=Icon::Settings/><span>"Settings"</span></Link>
                </nav>
            </header>
            <AppStatus/>
            <Problems/>
            <main data-network=move || if state.ready.get() { "ready" } else { "loading" }>
                <Routes fallback=|| view! { <pages::NotFound/> }>
                    <Route path=path!("/") view=pages::HomePage/>
                    <Route path=path!("/people") view=pages::PeoplePage/>
                    <Route path=path!("/people/new") view=|| view! { <pages::WithPeople><pages::NewPersonPage/></pages::WithPeople> }/>
                    <Route path=path!("/import") view=pages::ImportPage/>
                    <Route path=path!("/pair") view=pages::PairPage/>
                    <Route path=path!("/people/:id") view=|| view! { <pages::WithPeople><pages::PersonPage/></pages::WithPeople> }/>
                    <Route path=path!("/people/:id/edit") view=|| view! { <pages::WithPeople><pages::EditPersonPage/></pages::WithPeople> }/>
                    <Route path=path!("/fields") view=pages::FieldsPage/>
                    <Route path=path!("/fields/:id") view=pages::FieldPage/>
                    <Route path=path!("/interviews/:id") view=pages::InterviewPage/>
                    <Route path=path!("/interviews/:id/meet") view=pages::MeetPage/>
                    <Route path=path!("/record") view=pages::RecordPage/>
                    <Route path=path!("/settings") view=pages::SettingsPage/>
                </Routes>
            </main>
            <UndoNotice/>
        </Router>
    }
}

/// Whether the window is wide enough for a list and a page side by side.
#[derive(Clone, Copy)]
struct Wide(RwSignal<bool>);

/// Learns the window's width once hydrated, and follows it as it changes. The server, and the
/// first paint, draw the narrow layout.
fn provide_wide() {
    let wide = RwSignal::new(false);
    provide_context(Wide(wide));
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        // Width from which lists and pages sit side by side, in CSS pixels (64rem).
        const WIDE_FROM: f64 = 1024.0;
        let measure = move || {
            let width = window()
                .inner_width()
                .ok()
                .and_then(|w| w.as_f64())
                .unwrap_or(0.0);
            wide.set(width >= WIDE_FROM);
        };
        measure();
        let listener = window_event_listener(leptos::ev::resize, move |_| measure());
        on_cleanup(move || listener.remove());
    });
}

/// Whether lists and pages sit side by side (see [`provide_wide`]).
pub fn use_wide() -> Signal<bool> {
    use_context::<Wide>().map_or(Signal::stored(false), |Wide(w)| w.into())
}

/// Opens this browser's stored network and keeps it in step with other tabs.
///
/// The cached overview goes on screen first; the worker that holds the network opens it
/// meanwhile (loading is proportional to the document's history and can take a while).
#[cfg(feature = "hydrate")]
fn open_local_network(state: state::NetworkState, sync: sync::SyncState) {
    use crate::doc::list_cache::ListReader;
    use crate::doc::store::{KeyValue, MemoryKv, PREFIX};

    crate::browser::mark("colloquy:storage-read");
    let tab_name = crate::domain::new_id()[..12].to_owned();
    let (kv, unusable): (Box<dyn KeyValue>, _) = match crate::browser::LocalStorageKv::open() {
        Ok(kv) => (Box::new(kv), None),
        // Storage can't be used at all: run from memory and say so.
        Err(e) => (Box::new(MemoryKv::default()), Some(e)),
    };
    let cached = ListReader::open(&kv);
    let mut tab = crate::tab::Tab::new(&tab_name, kv);
    if let Some(e) = unusable {
        tab.report_mut().problems.push(match e {
            crate::doc::store::KvError::Full => crate::doc::store::Problem::Full,
            crate::doc::store::KvError::Unavailable(why) => {
                crate::doc::store::Problem::Unavailable(why)
            }
        });
    }
    state.start(tab);
    if let Some(list) = cached {
        state.show_cached(list);
    }
    // What another tab stores goes to the worker (it waits there until the network is open).
    window_event_listener(leptos::ev::storage, move |event| {
        let Some(key) = event.key() else { return };
        if key.starts_with(PREFIX) {
            state.external_change(key);
        }
    });
    // Typing is committed when the page is left; typing left by tabs that died first is
    // recovered (each live tab holds a lock, so its typing is left alone). After the first
    // screen: this tab has typed nothing yet.
    window_event_listener(leptos::ev::pagehide, move |_| state.flush_typing());
    crate::ui::platform::later(move || {
        crate::browser::hold_lock(&state::tab_lock(&tab_name));
        leptos::task::spawn_local(async move {
            let live = crate::browser::held_locks().await;
            // One tab at a time (tabs reopened together after a crash would each recover it).
            crate::browser::with_lock_if_free("colloquy-recover-typing", move || {
                // Typing that tabs left when they died (see `Replica::recover_typing`).
                state.send(crate::wire::ToWorker::RecoverTyping { live })
            });
        });
    });
    sync.resume();
}
