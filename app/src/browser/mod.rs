//! The only module that touches web APIs: localStorage through gloo-storage, the clock,
//! performance marks, file downloads.

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

impl KeyValue for LocalStorageKv {
    fn get(&self, key: &str) -> Result<Option<String>, KvError> {
        self.storage.get_item(key).map_err(classify)
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

/// The user's time zone as it is now (minutes east of UTC).
pub fn zone() -> crate::domain::clock::LocalZone {
    let minutes_west = js_sys::Date::new_0().get_timezone_offset();
    crate::domain::clock::LocalZone {
        minutes_east: -(minutes_west as i32),
    }
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

/// Registers the service worker that keeps the app usable offline (`public/sw.js`).
pub fn register_service_worker() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let container = window.navigator().service_worker();
    let registered = wasm_bindgen_futures::JsFuture::from(container.register("/sw.js"));
    wasm_bindgen_futures::spawn_local(async move {
        // A browser that refuses (private mode, no HTTPS) still runs the app online.
        let _ = registered.await;
    });
}
