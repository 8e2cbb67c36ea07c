//! The only module that touches web APIs: localStorage through gloo-storage, the clock,
//! performance marks, file downloads.

pub mod database;
pub mod socket;
pub mod worker;

use crate::doc::store::{KeyValue, KvError};
use wasm_bindgen::JsCast;

/// The browser's localStorage as a [`KeyValue`] store.
pub struct LocalStorageKv {
    storage: web_sys::Storage,
}

impl LocalStorageKv {
    /// The origin's localStorage, or why it can't be used (private mode, blocked by settings).
    pub fn open() -> Result<LocalStorageKv, KvError> {
        let window = web_sys::window().ok_or_else(|| KvError::Unavailable("no window".into()))?;
        match window.local_storage() {
            // gloo-storage reaches the same object; going through it keeps one way in.
            Ok(Some(_)) => Ok(LocalStorageKv {
                storage: <gloo_storage::LocalStorage as gloo_storage::Storage>::raw(),
            }),
            Ok(None) => Err(KvError::Unavailable("localStorage is missing".into())),
            Err(e) => Err(KvError::Unavailable(describe(&e))),
        }
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// The same `Storage`, declared here for a `getItem` that answers with the JavaScript
    /// string itself, not yet copied into the app.
    #[wasm_bindgen(js_name = Storage)]
    type StorageStrings;
    #[wasm_bindgen(method, catch, js_name = getItem)]
    fn get_item_string(
        this: &StorageStrings,
        key: &str,
    ) -> Result<Option<js_sys::JsString>, wasm_bindgen::JsValue>;
}

impl KeyValue for LocalStorageKv {
    fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        self.storage.get_item(key).map_err(classify)
    }

    /// Copies only the value's first `len` characters (each at least a byte) into the app.
    fn get_start(&self, key: &str, len: usize) -> Result<Option<String>, KvError> {
        let strings: &StorageStrings = self.storage.unchecked_ref();
        let value = strings.get_item_string(key).map_err(classify)?;
        let len = u32::try_from(len).unwrap_or(u32::MAX);
        Ok(value.map(|value| {
            if value.length() > len {
                value.slice(0, len).into()
            } else {
                value.into()
            }
        }))
    }

    fn set(&mut self, key: &str, value: &str) -> Result<(), KvError> {
        self.storage.set_item(key, value).map_err(classify)
    }

    fn remove(&mut self, key: &str) -> Result<(), KvError> {
        self.storage.remove_item(key).map_err(classify)
    }

    fn keys(&self) -> Result<Vec<String>, KvError> {
        let length = self.storage.length().map_err(classify)?;
        let mut keys = Vec::with_capacity(length as usize);
        for i in 0..length {
            if let Some(key) = self.storage.key(i).map_err(classify)? {
                keys.push(key);
            }
        }
        Ok(keys)
    }
}

fn classify(error: wasm_bindgen::JsValue) -> KvError {
    match error.dyn_ref::<web_sys::DomException>() {
        Some(e) if e.name() == "QuotaExceededError" => KvError::Full,
        _ => KvError::Unavailable(describe(&error)),
    }
}

fn describe(error: &wasm_bindgen::JsValue) -> String {
    match error.dyn_ref::<web_sys::DomException>() {
        Some(e) => format!("{}: {}", e.name(), e.message()),
        None => format!("{error:?}"),
    }
}

/// Milliseconds since the Unix epoch, UTC.
pub fn now() -> i64 {
    js_sys::Date::now() as i64
}

/// Records a named instant on the page's performance timeline (read by the benchmarks).
pub fn mark(name: &str) {
    if let Some(performance) = web_sys::window().and_then(|w| w.performance()) {
        let _ = performance.mark(name);
    }
}

/// Offers `bytes` to the user as a file download.
pub fn download(file_name: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options)
        .map_err(|e| describe(&e))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| describe(&e))?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|e| describe(&e))?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(file_name);
    anchor.click();
    let _ = web_sys::Url::revoke_object_url(&url);
    Ok(())
}

/// The user's time zone, with its rules, as the browser knows them.
pub fn zone() -> crate::domain::clock::LocalZone {
    static ZONE: BrowserZone = BrowserZone;
    crate::domain::clock::LocalZone::Rules(&ZONE)
}

/// The browser's time zone: offsets from `Date` (which applies the zone's rules at each
/// instant), dates written by `Intl.DateTimeFormat` in the user's locale (12- or 24-hour clock,
/// order of day and month).
struct BrowserZone;

impl crate::domain::clock::ZoneRules for BrowserZone {
    fn offset_minutes(&self, utc_ms: i64) -> i32 {
        // Zones change offset only on a quarter hour of UTC, so each quarter hour is asked of
        // the browser once (a small direct-mapped cache): "what's next" counts business days
        // for every waiting request.
        const QUARTER_HOUR_MS: i64 = 15 * 60_000;
        const SLOTS: usize = 256;
        thread_local! {
            static KNOWN: std::cell::RefCell<[(i64, i32); SLOTS]> =
                const { std::cell::RefCell::new([(i64::MIN, 0); SLOTS]) };
        }
        let quarter = utc_ms.div_euclid(QUARTER_HOUR_MS);
        KNOWN.with_borrow_mut(|known| {
            let slot = &mut known[quarter.rem_euclid(SLOTS as i64) as usize];
            if slot.0 != quarter {
                let date = js_sys::Date::new(&((quarter * QUARTER_HOUR_MS) as f64).into());
                *slot = (quarter, -(date.get_timezone_offset() as i32));
            }
            slot.1
        })
    }

    fn format(&self, utc_ms: i64, date_only: bool) -> Option<String> {
        thread_local! {
            static FORMATS: [js_sys::Function; 2] = [false, true].map(date_formatter);
        }
        let date = js_sys::Date::new(&(utc_ms as f64).into());
        FORMATS
            .with(|formats| {
                formats[usize::from(date_only)].call1(&wasm_bindgen::JsValue::NULL, &date)
            })
            .ok()?
            .as_string()
    }
}

/// The `format` function of an `Intl.DateTimeFormat` for the user's locale: "Wed 2 Dec 2026,
/// 14:00" in en-GB, "Wed, Dec 2, 2026, 2:00 PM" in en-US; the date alone with `date_only`.
fn date_formatter(date_only: bool) -> js_sys::Function {
    let options = js_sys::Object::new();
    let set = |key: &str, value: &str| {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    };
    set("weekday", "short");
    set("day", "numeric");
    set("month", "short");
    set("year", "numeric");
    if !date_only {
        set("hour", "numeric");
        set("minute", "2-digit");
    }
    js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &options).format()
}

/// Puts `text` on the clipboard; resolves to whether the browser allowed it.
pub async fn copy_to_clipboard(text: &str) -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    let promise = window.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// Opens the browser's print dialog.
pub fn print() {
    if let Some(window) = web_sys::window() {
        let _ = window.print();
    }
}

thread_local! {
    static REGISTRATION: std::cell::RefCell<Option<web_sys::ServiceWorkerRegistration>> =
        const { std::cell::RefCell::new(None) };
}

/// Registers the service worker that keeps the app usable offline (served at `/sw.js`), and
/// calls `on_update` when a new version has installed behind the one running this page.
pub fn register_service_worker(on_update: impl Fn() + Clone + 'static) {
    use wasm_bindgen::closure::Closure;
    let Some(window) = web_sys::window() else {
        return;
    };
    // A browser without service workers (some private modes, no HTTPS), or one that refuses
    // this one, still runs the app online.
    let navigator = window.navigator();
    if !js_sys::Reflect::get(&navigator, &"serviceWorker".into()).is_ok_and(|c| c.is_object()) {
        return;
    }
    let container = navigator.service_worker();
    // Once a new version takes over (from "Update" in any tab), every page of the old one
    // reloads into it: an old page may not read what the new version stores. (A page no worker
    // controlled yet is only being claimed by the first one.)
    if container.controller().is_some() {
        let reload = Closure::<dyn FnMut()>::new(|| {
            if let Some(window) = web_sys::window() {
                let _ = window.location().reload();
            }
        });
        container.set_oncontrollerchange(Some(reload.as_ref().unchecked_ref()));
        reload.forget();
    }
    let registered = wasm_bindgen_futures::JsFuture::from(container.register("/sw.js"));
    wasm_bindgen_futures::spawn_local(async move {
        let Some(registration) = registered
            .await
            .ok()
            .and_then(|r| r.dyn_into::<web_sys::ServiceWorkerRegistration>().ok())
        else {
            return;
        };
        // A page opened before any worker controlled it has nothing to update from.
        let controlled = || {
            web_sys::window().is_some_and(|w| w.navigator().service_worker().controller().is_some())
        };
        if registration.waiting().is_some() && controlled() {
            on_update();
        }
        let watched = registration.clone();
        let on_found = Closure::<dyn FnMut()>::new(move || {
            let Some(installing) = watched.installing() else {
                return;
            };
            let worker = installing.clone();
            let on_update = on_update.clone();
            let on_state = Closure::<dyn FnMut()>::new(move || {
                if worker.state() == web_sys::ServiceWorkerState::Installed && controlled() {
                    on_update();
                }
            });
            installing.set_onstatechange(Some(on_state.as_ref().unchecked_ref()));
            on_state.forget();
        });
        registration.set_onupdatefound(Some(on_found.as_ref().unchecked_ref()));
        on_found.forget();
        REGISTRATION.with(|r| *r.borrow_mut() = Some(registration));
    });
}

/// Asks the server whether a new version of the app is out (the browser compares `/sw.js`).
pub fn check_for_update() {
    REGISTRATION.with(|r| {
        if let Some(registration) = r.borrow().as_ref() {
            if let Ok(promise) = registration.update() {
                wasm_bindgen_futures::spawn_local(async move {
                    // Offline or the server is down: try again later.
                    let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
                });
            }
        }
    });
}

/// Lets the waiting new version take over, then reloads into it. Every edit is already saved
/// (each keystroke is a stored change), so nothing typed is lost.
pub fn apply_update() {
    use wasm_bindgen::closure::Closure;
    let Some(window) = web_sys::window() else {
        return;
    };
    let waiting = REGISTRATION.with(|r| r.borrow().as_ref().and_then(|r| r.waiting()));
    let Some(waiting) = waiting else {
        let _ = window.location().reload();
        return;
    };
    let reload = Closure::<dyn FnMut()>::new(move || {
        if let Some(window) = web_sys::window() {
            let _ = window.location().reload();
        }
    });
    window
        .navigator()
        .service_worker()
        .set_oncontrollerchange(Some(reload.as_ref().unchecked_ref()));
    reload.forget();
    let _ = waiting.post_message(&wasm_bindgen::JsValue::from_str("skip-waiting"));
}

/// The origin's Web Locks (`navigator.locks`), where the browser has them.
fn web_locks() -> Option<js_sys::Object> {
    let navigator = web_sys::window()?.navigator();
    let locks = js_sys::Reflect::get(&navigator, &"locks".into()).ok()?;
    (!locks.is_undefined()).then(|| locks.unchecked_into())
}

/// Holds the Web Lock `name` for as long as this page lives, so other tabs can tell it is alive.
pub fn hold_lock(name: &str) {
    let Some(locks) = web_locks() else {
        return;
    };
    let Ok(request) = js_sys::Reflect::get(&locks, &"request".into()) else {
        return;
    };
    let request: js_sys::Function = request.unchecked_into();
    // The lock is held until the promise its callback returns settles: never.
    let forever =
        wasm_bindgen::closure::Closure::once_into_js(|| js_sys::Promise::new(&mut |_, _| {}));
    let _ = request.call2(&locks, &name.into(), &forever);
}

/// Runs `f` holding the Web Lock `name`, unless another tab holds it (then not at all), or at
/// once where there are no Web Locks.
pub fn with_lock_if_free(name: &str, f: impl FnOnce() + 'static) {
    let Some(locks) = web_locks() else {
        return f();
    };
    let Ok(request) = js_sys::Reflect::get(&locks, &"request".into()) else {
        return f();
    };
    let request: js_sys::Function = request.unchecked_into();
    let options = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&options, &"ifAvailable".into(), &true.into());
    // The callback gets the lock, or null when another tab holds it.
    let run = wasm_bindgen::closure::Closure::once_into_js(move |lock: wasm_bindgen::JsValue| {
        if !lock.is_null() {
            f();
        }
    });
    let _ = request.call3(&locks, &name.into(), &options, &run);
}

/// Runs `f` once the Web Lock `name` is free (whoever holds it has ended); never where there
/// are no Web Locks.
pub fn when_lock_free(name: &str, f: impl FnOnce() + 'static) {
    let Some(locks) = web_locks() else { return };
    let Ok(request) = js_sys::Reflect::get(&locks, &"request".into()) else {
        return;
    };
    let request: js_sys::Function = request.unchecked_into();
    // Granted once the holder is gone; released again as soon as `f` returns.
    let run = wasm_bindgen::closure::Closure::once_into_js(move |_: wasm_bindgen::JsValue| f());
    let _ = request.call2(&locks, &name.into(), &run);
}

/// The names of the Web Locks held in this origin now; `None` where there are no Web Locks.
pub async fn held_locks() -> Option<Vec<String>> {
    let locks = web_locks()?;
    let query: js_sys::Function = js_sys::Reflect::get(&locks, &"query".into())
        .ok()?
        .dyn_into()
        .ok()?;
    let promise: js_sys::Promise = query.call0(&locks).ok()?.dyn_into().ok()?;
    let snapshot = wasm_bindgen_futures::JsFuture::from(promise).await.ok()?;
    let held = js_sys::Reflect::get(&snapshot, &"held".into()).ok()?;
    Some(
        js_sys::Array::from(&held)
            .iter()
            .filter_map(|lock| {
                js_sys::Reflect::get(&lock, &"name".into())
                    .ok()?
                    .as_string()
            })
            .collect(),
    )
}

/// Asks the browser not to clear this site's storage when space runs short.
pub fn request_persistent_storage() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let Ok(storage) = js_sys::Reflect::get(&window.navigator(), &"storage".into()) else {
        return;
    };
    if storage.is_undefined() {
        return;
    }
    let storage: web_sys::StorageManager = storage.unchecked_into();
    if let Ok(promise) = storage.persist() {
        wasm_bindgen_futures::spawn_local(async move {
            let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
        });
    }
}

/// How much this site stores, of how much the browser allows, and whether it is kept for good.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StorageUse {
    pub usage: f64,
    pub quota: f64,
    pub persisted: bool,
}

pub async fn storage_use() -> Option<StorageUse> {
    use wasm_bindgen_futures::JsFuture;
    let window = web_sys::window()?;
    let storage = js_sys::Reflect::get(&window.navigator(), &"storage".into()).ok()?;
    if storage.is_undefined() {
        return None;
    }
    let storage: web_sys::StorageManager = storage.unchecked_into();
    let estimate: web_sys::StorageEstimate = JsFuture::from(storage.estimate().ok()?)
        .await
        .ok()?
        .unchecked_into();
    let persisted = match storage.persisted() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false),
        Err(_) => false,
    };
    Some(StorageUse {
        usage: estimate.get_usage().unwrap_or(0.0),
        quota: estimate.get_quota().unwrap_or(0.0),
        persisted,
    })
}

/// How the app runs on this device, for the advice on installing it and on keeping its data.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Device {
    /// Opened from the home screen (or as an installed app), not in a browser tab.
    pub installed: bool,
    /// An iPhone or iPad: no install prompt, and Safari clears the data of sites not used for
    /// seven days unless they are on the Home Screen.
    pub ios: bool,
}

pub fn device() -> Device {
    let Some(window) = web_sys::window() else {
        return Device::default();
    };
    let navigator = window.navigator();
    let standalone = window
        .match_media("(display-mode: standalone)")
        .ok()
        .flatten()
        .is_some_and(|m| m.matches());
    // Safari's own flag for a page opened from the Home Screen.
    let home_screen = js_sys::Reflect::get(&navigator, &"standalone".into())
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    let agent = navigator.user_agent().unwrap_or_default();
    // iPadOS presents itself as a Mac, one with a touch screen.
    let ios = agent.contains("iPhone")
        || agent.contains("iPad")
        || (agent.contains("Macintosh") && navigator.max_touch_points() > 1);
    Device {
        installed: standalone || home_screen,
        ios,
    }
}

/// Whether the browser believes it is online.
pub fn is_online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// The bytes of a file the user picked.
pub async fn read_file(file: web_sys::File) -> Result<Vec<u8>, String> {
    let buffer = wasm_bindgen_futures::JsFuture::from(file.array_buffer())
        .await
        .map_err(|e| describe(&e))?;
    Ok(js_sys::Uint8Array::new(&buffer).to_vec())
}

/// The page's origin (`https://host:port`).
pub fn origin() -> String {
    web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default()
}

/// Whether the address has a fragment.
pub fn has_fragment() -> bool {
    web_sys::window()
        .and_then(|w| w.location().hash().ok())
        .is_some_and(|hash| hash.len() > 1)
}

/// The page's fragment without its `#` (or what the shell's first script moved out of it); the
/// fragment is then removed from the address bar and the history, so a pairing secret doesn't
/// linger there.
pub fn take_fragment() -> String {
    let Some(window) = web_sys::window() else {
        return String::new();
    };
    // Moved out of the address bar by the shell's first script.
    if let Some(storage) = window.session_storage().ok().flatten() {
        let stashed = storage.get_item(crate::ui::PAIRING_KEY).ok().flatten();
        let _ = storage.remove_item(crate::ui::PAIRING_KEY);
        if let Some(fragment) = stashed {
            return fragment;
        }
    }
    let hash = window.location().hash().unwrap_or_default();
    if !hash.is_empty() {
        if let Ok(history) = window.history() {
            let path = window.location().pathname().unwrap_or_default();
            let _ = history.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
        }
    }
    hash.trim_start_matches('#').to_owned()
}

/// Whether this browser may show notifications: "granted", "denied", "default" (not asked
/// yet), or "unsupported".
pub fn notification_permission() -> String {
    js_sys::Reflect::get(&js_sys::global(), &"Notification".into())
        .ok()
        .filter(|n| n.is_function())
        .and_then(|n| js_sys::Reflect::get(&n, &"permission".into()).ok())
        .and_then(|p| p.as_string())
        .unwrap_or_else(|| "unsupported".to_owned())
}

/// Asks the user to allow notifications (only from a tap); resolves to the answer, as
/// [`notification_permission`] gives it.
pub async fn request_notification_permission() -> String {
    let asked = (|| {
        let notification = js_sys::Reflect::get(&js_sys::global(), &"Notification".into()).ok()?;
        let request: js_sys::Function =
            js_sys::Reflect::get(&notification, &"requestPermission".into())
                .ok()?
                .dyn_into()
                .ok()?;
        request
            .call0(&notification)
            .ok()?
            .dyn_into::<js_sys::Promise>()
            .ok()
    })();
    if let Some(promise) = asked {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
    notification_permission()
}

/// The service worker's registration once a worker is active; never, where none can be.
async fn ready_registration() -> Option<web_sys::ServiceWorkerRegistration> {
    let navigator = web_sys::window()?.navigator();
    if !js_sys::Reflect::get(&navigator, &"serviceWorker".into()).is_ok_and(|c| c.is_object()) {
        return None;
    }
    let ready = navigator.service_worker().ready().ok()?;
    wasm_bindgen_futures::JsFuture::from(ready)
        .await
        .ok()?
        .dyn_into()
        .ok()
}

/// Hands the service worker the reminders to show (JSON, `domain::reminders_json`), or, with
/// `None`, asks it to show those that have come due. Posted at once to the worker controlling
/// the page (so it goes even as the page is being closed), else once a worker is ready.
pub fn send_reminders(schedule: Option<String>) {
    let message: wasm_bindgen::JsValue = match schedule {
        Some(json) => {
            let message = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&message, &"reminders".into(), &json.into());
            message.into()
        }
        None => "check-reminders".into(),
    };
    let controller = web_sys::window()
        .map(|w| w.navigator())
        .filter(|n| js_sys::Reflect::get(n, &"serviceWorker".into()).is_ok_and(|c| c.is_object()))
        .and_then(|n| n.service_worker().controller());
    if let Some(worker) = controller {
        let _ = worker.post_message(&message);
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        if let Some(worker) = ready_registration().await.and_then(|r| r.active()) {
            let _ = worker.post_message(&message);
        }
    });
}

/// Asks the browser to wake the service worker now and then to check reminders with the app
/// closed (Periodic Background Sync: an installed app in Chromium; elsewhere nothing happens,
/// and reminders are checked whenever the app opens).
pub async fn register_periodic_reminders() {
    let Some(registration) = ready_registration().await else {
        return;
    };
    let registered = (|| {
        let manager = js_sys::Reflect::get(&registration, &"periodicSync".into()).ok()?;
        let register: js_sys::Function = js_sys::Reflect::get(&manager, &"register".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let options = js_sys::Object::new();
        js_sys::Reflect::set(&options, &"minInterval".into(), &(15.0 * 60_000.0).into()).ok()?;
        register
            .call2(&manager, &"reminders".into(), &options)
            .ok()?
            .dyn_into::<js_sys::Promise>()
            .ok()
    })();
    if let Some(promise) = registered {
        // Refused where the app isn't installed: opening the app still checks.
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    }
}
