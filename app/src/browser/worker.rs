//! A second instance of the app's own wasm in a dedicated worker (`/doc_worker.js`), for work
//! that would hold the page's thread for seconds: for now, verifying a compaction's snapshot,
//! which means loading the whole network.

use js_sys::{Array, Object, Promise, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

/// How long a verification may take before the page gives up on the worker (a 10,000-person
/// network loads in about three seconds on a laptop; phones are slower).
const PATIENCE_MS: i32 = 60_000;

/// Called by `/doc_worker.js` inside the worker: the heads of a stored snapshot (base64 text).
#[wasm_bindgen]
pub fn worker_snapshot_heads(text: &str) -> Result<Array, JsValue> {
    crate::doc::store::snapshot_heads(text)
        .map(|heads| heads.into_iter().map(JsValue::from).collect())
        .map_err(|why| JsValue::from_str(&why))
}

/// Loads a stored snapshot in a worker and gives what [`crate::doc::store::snapshot_heads`]
/// would. The outer `Err` says the worker couldn't do it (none could be started, it failed to
/// load the app, it took too long): then the caller does the work itself.
pub async fn snapshot_heads(text: String) -> Result<Result<Vec<String>, String>, String> {
    let worker = start()?;
    let answer = ask(&worker, &text).await;
    worker.terminate();
    let answer = answer?;
    let field = |name: &str| Reflect::get(&answer, &JsValue::from_str(name)).ok();
    if let Some(heads) = field("heads").filter(|v| v.is_object()) {
        let heads: Array = heads.unchecked_into();
        return Ok(Ok(heads.iter().filter_map(|h| h.as_string()).collect()));
    }
    if let Some(why) = field("error").and_then(|v| v.as_string()) {
        return Ok(Err(why));
    }
    Err(field("unavailable")
        .and_then(|v| v.as_string())
        .unwrap_or_else(|| "the worker answered something else".into()))
}

fn start() -> Result<web_sys::Worker, String> {
    let options = web_sys::WorkerOptions::new();
    options.set_type(web_sys::WorkerType::Module);
    web_sys::Worker::new_with_options("/doc_worker.js", &options).map_err(|e| format!("{e:?}"))
}

/// Sends the job with what the worker needs to run the app's wasm (the script's address, as
/// the page preloads it, and the already compiled module) and waits for its one answer.
async fn ask(worker: &web_sys::Worker, text: &str) -> Result<JsValue, String> {
    let script = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| {
            d.query_selector("link[rel=modulepreload][href^='/pkg/']")
                .ok()?
        })
        .and_then(|link| link.get_attribute("href"))
        .ok_or("the page names no app script")?;
    let message = Object::new();
    let set = |name: &str, value: &JsValue| Reflect::set(&message, &JsValue::from_str(name), value);
    set("js", &JsValue::from_str(&script))
        .and_then(|_| set("module", &wasm_bindgen::module()))
        .and_then(|_| set("text", &JsValue::from_str(text)))
        .map_err(|e| format!("{e:?}"))?;
    let answer = Promise::new(&mut |resolve, reject| {
        let on_message = Closure::once_into_js(move |event: web_sys::MessageEvent| {
            let _ = resolve.call1(&JsValue::NULL, &event.data());
        });
        worker.set_onmessage(Some(on_message.unchecked_ref()));
        let failed = reject.clone();
        // A script that fails to load gives a plain `Event`, an exception an `ErrorEvent`.
        let on_error = Closure::once_into_js(move |event: web_sys::Event| {
            let why = event
                .dyn_ref::<web_sys::ErrorEvent>()
                .map_or_else(|| "the worker could not start".to_owned(), |e| e.message());
            let _ = failed.call1(&JsValue::NULL, &JsValue::from_str(&why));
        });
        worker.set_onerror(Some(on_error.unchecked_ref()));
        let too_long = Closure::once_into_js(move || {
            let _ = reject.call1(
                &JsValue::NULL,
                &JsValue::from_str("the worker took too long"),
            );
        });
        if let Some(window) = web_sys::window() {
            let _ = window.set_timeout_with_callback_and_timeout_and_arguments_0(
                too_long.unchecked_ref(),
                PATIENCE_MS,
            );
        }
    });
    worker
        .post_message(&message)
        .map_err(|e| format!("{e:?}"))?;
    JsFuture::from(answer)
        .await
        .map_err(|e| e.as_string().unwrap_or_else(|| format!("{e:?}")))
}

thread_local! {
    /// The network this worker holds for its page (see [`worker_host`]).
    static HOST: std::cell::RefCell<Option<crate::host::Host>> =
        const { std::cell::RefCell::new(None) };
}

/// Called by `/doc_worker.js`: from now on this worker holds its page's network. Each message
/// from the page is a [`crate::wire::ToWorker`] as JSON; each answer a
/// [`crate::wire::FromWorker`].
#[wasm_bindgen]
pub fn worker_host() -> Result<(), JsValue> {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().dyn_into()?;
    HOST.set(Some(crate::host::Host::new(Default::default())));
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|event: web_sys::MessageEvent| {
            let text = event.data().as_string().unwrap_or_default();
            let out = match serde_json::from_str::<crate::wire::ToWorker>(&text) {
                Ok(message) => HOST
                    .with_borrow_mut(|host| host.as_mut().map(|h| h.handle(message, super::now()))),
                // (Page and worker run the same build: only a bug gets here.)
                Err(e) => Some(crate::host::Output {
                    to_page: vec![crate::wire::FromWorker::Problems(vec![
                        crate::doc::store::Problem::Unavailable(format!(
                            "a message to the worker: {e}"
                        )),
                    ])],
                    ..Default::default()
                }),
            };
            if let Some(out) = out {
                perform(&scope_of(), out);
            }
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // It lives as long as the worker.
    on_message.forget();
    Ok(())
}

fn scope_of() -> web_sys::DedicatedWorkerGlobalScope {
    js_sys::global().unchecked_into()
}

/// Sends the page its messages and sets the timers asked for.
fn perform(scope: &web_sys::DedicatedWorkerGlobalScope, out: crate::host::Output) {
    for message in out.to_page {
        if let Ok(text) = serde_json::to_string(&message) {
            let _ = scope.post_message(&JsValue::from_str(&text));
        }
    }
    for timer in out.timers {
        let fire = Closure::once_into_js(move || {
            let out =
                HOST.with_borrow_mut(|host| host.as_mut().map(|h| h.timer(timer, super::now())));
            if let Some(out) = out {
                perform(&scope_of(), out);
            }
        });
        let _ = scope.set_timeout_with_callback_and_timeout_and_arguments_0(
            fire.unchecked_ref(),
            timer.after().clamp(0, i64::from(i32::MAX)) as i32,
        );
    }
}
