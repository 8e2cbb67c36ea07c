//! The network held by a dedicated worker running the app's own wasm (`/doc_worker.js`), and
//! the page's link to it. Where no worker can be had, the same host runs on the page's own
//! thread behind the same link (the page then waits while the network opens).

use crate::host::{Host, Output, SocketEvent};
use crate::replica::{SyncEffect, Timer};
use crate::wire::{FromWorker, ToWorker};
use js_sys::{Object, Reflect};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// `setTimeout` of whichever global this runs in (a window or a worker).
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout_any(callback: &JsValue, ms: i32) -> i32;
}

/// Where a message for the page goes: posted from a worker, or handed over on the page.
type Deliver = Rc<dyn Fn(FromWorker)>;

thread_local! {
    /// The network this thread holds (in the worker, or on the page without one).
    static HOST: RefCell<Option<Held>> = const { RefCell::new(None) };
}

struct Held {
    host: Host,
    deliver: Deliver,
    socket: Option<super::socket::Socket>,
    /// Waiting on the browser's database: nothing goes to the host meanwhile.
    busy: bool,
    /// What came for the host, in order, while it was busy.
    queue: VecDeque<Event>,
}

/// What the host is handed, one at a time.
enum Event {
    Message(ToWorker),
    Timer(Timer),
    Socket(SocketEvent),
}

/// Called by `/doc_worker.js`: from now on this worker holds its page's network. Each message
/// from the page is a [`ToWorker`] as JSON bytes ([`encode`]); each answer a [`FromWorker`].
#[wasm_bindgen]
pub fn worker_host() -> Result<(), JsValue> {
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().dyn_into()?;
    let deliver: Deliver = Rc::new(move |message: FromWorker| {
        if let Some((bytes, transfer)) = encode(&message) {
            let _ = scope.post_message_with_transfer(&bytes, &transfer);
        }
    });
    hold("worker", deliver);
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(|event: web_sys::MessageEvent| {
            match decode::<ToWorker>(&event.data()) {
                Ok(message) => handle(message),
                // (Page and worker run the same build: only a bug gets here.)
                Err(e) => {
                    with_held(|held| {
                        (held.deliver)(FromWorker::Problems(vec![
                            crate::doc::store::Problem::Unavailable(format!(
                                "a message to the worker: {e}"
                            )),
                        ]))
                    });
                }
            }
        });
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    // It lives as long as the worker.
    on_message.forget();
    Ok(())
}

fn hold(place: &'static str, deliver: Deliver) {
    HOST.set(Some(Held {
        host: Host::new(Default::default(), place),
        deliver,
        socket: None,
        busy: false,
        queue: VecDeque::new(),
    }));
}

fn with_held<T>(f: impl FnOnce(&mut Held) -> T) -> Option<T> {
    HOST.with_borrow_mut(|held| held.as_mut().map(f))
}

fn handle(message: ToWorker) {
    dispatch(Event::Message(message));
}

fn dispatch(event: Event) {
    with_held(|held| held.queue.push_back(event));
    pump();
}

/// Hands the host what came for it, in order, until it waits on the database.
fn pump() {
    loop {
        let next = with_held(|held| {
            if held.busy {
                return None;
            }
            held.queue.pop_front()
        });
        let Some(Some(event)) = next else { return };
        if matches!(&event, Event::Message(message) if Host::needs_database(message)) {
            // What the database holds first (the snapshot `head` names may be there).
            with_held(|held| held.busy = true);
            wasm_bindgen_futures::spawn_local(async move {
                let read = super::database::read_all().await;
                with_held(|held| {
                    held.host.database(read);
                    held.busy = false;
                });
                run(event);
                pump();
            });
            return;
        }
        run(event);
    }
}

fn run(event: Event) {
    let now = super::now();
    let out = with_held(|held| match event {
        Event::Message(message) => held.host.handle(message, now),
        Event::Timer(timer) => held.host.timer(timer, now),
        Event::Socket(event) => held.host.socket(event, now),
    });
    if let Some(out) = out {
        perform(out);
    }
}

/// Sends the page its messages, sets the timers, does what sync asks of the socket and makes
/// the database's writes (the host holds what follows them until they are made).
fn perform(out: Output) {
    let Output {
        to_page,
        timers,
        sync,
        database,
    } = out;
    let deliver = with_held(|held| held.deliver.clone());
    if let Some(deliver) = deliver {
        for message in to_page {
            deliver(message);
        }
    }
    // (First: what a socket reports at once must wait for the database too.)
    if !database.is_empty() {
        with_held(|held| held.busy = true);
        wasm_bindgen_futures::spawn_local(async move {
            let refused = super::database::write(&database).await.is_err();
            let out = with_held(|held| {
                held.busy = false;
                held.host.database_done(refused)
            });
            if let Some(out) = out {
                perform(out);
            }
            pump();
        });
    }
    for timer in timers {
        let fire = Closure::once_into_js(move || dispatch(Event::Timer(timer)));
        set_timeout_any(&fire, timer.after().clamp(0, i64::from(i32::MAX)) as i32);
    }
    for effect in sync {
        socket(effect);
    }
}

fn socket(effect: SyncEffect) {
    let event = |event: SocketEvent| dispatch(Event::Socket(event));
    match effect {
        SyncEffect::Connect { invite } => {
            let opened = super::socket::Socket::open(
                invite.as_deref(),
                move || event(SocketEvent::Opened),
                move |frame| event(SocketEvent::Received(frame)),
                move || event(SocketEvent::Closed),
            );
            match opened {
                Ok(socket) => {
                    with_held(|held| {
                        if let Some(old) = held.socket.replace(socket) {
                            old.close();
                        }
                    });
                }
                Err(_) => event(SocketEvent::Closed),
            }
        }
        SyncEffect::Send(frame) => {
            with_held(|held| {
                if let Some(socket) = &held.socket {
                    socket.send(&frame);
                }
            });
        }
        SyncEffect::Close => {
            with_held(|held| {
                if let Some(socket) = held.socket.take() {
                    socket.close();
                }
            });
        }
        // (The host tells the page these itself.)
        SyncEffect::Status(_) | SyncEffect::Deleted => {}
    }
}

/// How many times a page starts a worker again after one dies before it holds the network
/// itself.
const RESTARTS: u32 = 3;

/// The page's link to whoever holds its network.
#[derive(Clone)]
pub struct Link {
    inner: Rc<RefCell<Inner>>,
}

struct Inner {
    worker: Option<web_sys::Worker>,
    /// The worker has the app running and can take messages.
    ready: bool,
    /// The host runs on this page.
    here: bool,
    /// Messages waiting for the worker to be ready.
    queue: Vec<ToWorker>,
    restarts: u32,
    /// Counts the workers started, so news of an old one's end is told from the current's.
    spawned: u32,
    /// The page is going: a worker ending now is not restarted.
    ended: bool,
    receive: Rc<dyn Fn(FromWorker)>,
    /// The first messages for a new holder ([`crate::tab::Tab::open`], and what the last
    /// holder may have dropped).
    open: Rc<dyn Fn() -> Vec<ToWorker>>,
    _closures: Vec<JsValue>,
}

impl Link {
    /// Starts a worker holding the network (in the next task): `open` gives its first
    /// messages, `receive` takes each of its messages.
    pub fn start(
        open: impl Fn() -> Vec<ToWorker> + 'static,
        receive: impl Fn(FromWorker) + 'static,
    ) -> Link {
        let link = Link {
            inner: Rc::new(RefCell::new(Inner {
                worker: None,
                ready: false,
                here: false,
                queue: Vec::new(),
                restarts: 0,
                spawned: 0,
                ended: false,
                receive: Rc::new(receive),
                open: Rc::new(open),
                _closures: Vec::new(),
            })),
        };
        // In a task of its own: starting a worker and handing it the compiled app takes a few
        // milliseconds the first screen, drawn in this task, shouldn't wait for. What is sent
        // meanwhile waits in the queue.
        let first = link.clone();
        let spawn = Closure::once_into_js(move || {
            if !first.inner.borrow().ended {
                first.spawn();
            }
        });
        set_timeout_any(&spawn, 0);
        link
    }

    /// Sends a message; it waits while a worker is starting.
    pub fn send(&self, message: ToWorker) {
        let mut inner = self.inner.borrow_mut();
        if inner.here {
            drop(inner);
            // After the caller is done (it may be mid-update of what the answer touches).
            let run = Closure::once_into_js(move || handle(message));
            set_timeout_any(&run, 0);
            return;
        }
        match (&inner.worker, inner.ready) {
            (Some(worker), true) => post(worker, &message),
            _ => inner.queue.push(message),
        }
    }

    fn spawn(&self) {
        let options = web_sys::WorkerOptions::new();
        options.set_type(web_sys::WorkerType::Module);
        let worker = match web_sys::Worker::new_with_options("/doc_worker.js", &options) {
            Ok(worker) => worker,
            Err(_) => return self.hold_here(),
        };
        let Some(script) = app_script() else {
            worker.terminate();
            return self.hold_here();
        };
        let generation = {
            let mut inner = self.inner.borrow_mut();
            inner.spawned += 1;
            inner.spawned
        };
        // The worker holds this lock while it lives: the page hears of its end however it
        // came (a crash, or closed from inside, which raises no error).
        let lock = format!("colloquy-worker-{}", crate::domain::new_id());
        let link = self.clone();
        let watched = lock.clone();
        let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(
            move |event: web_sys::MessageEvent| {
                let data = event.data();
                if data.is_instance_of::<js_sys::Uint8Array>() {
                    if let Ok(message) = decode::<FromWorker>(&data) {
                        let receive = link.inner.borrow().receive.clone();
                        receive(message);
                    }
                    return;
                }
                if Reflect::get(&data, &"ready".into()).is_ok_and(|v| v.is_truthy()) {
                    link.ready();
                    let watch = link.clone();
                    super::when_lock_free(&watched, move || watch.ended(generation));
                } else {
                    // The app couldn't start in the worker.
                    link.died(false);
                }
            },
        );
        let link = self.clone();
        let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |_event: web_sys::Event| {
            link.died(true);
        });
        worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
        let init = Object::new();
        let set = |name: &str, value: &JsValue| Reflect::set(&init, &name.into(), value);
        let _ = set("js", &JsValue::from_str(&script))
            .and_then(|_| set("module", &wasm_bindgen::module()))
            .and_then(|_| set("host", &JsValue::TRUE))
            .and_then(|_| set("lock", &JsValue::from_str(&lock)));
        let _ = worker.post_message(&init);
        let mut inner = self.inner.borrow_mut();
        inner.worker = Some(worker);
        inner.ready = false;
        inner._closures = vec![on_message.into_js_value(), on_error.into_js_value()];
    }

    /// The worker runs the app: it gets the first message, then what waited.
    fn ready(&self) {
        let open = self.inner.borrow().open.clone();
        let first = open();
        let mut inner = self.inner.borrow_mut();
        inner.ready = true;
        let queue = std::mem::take(&mut inner.queue);
        if let Some(worker) = &inner.worker {
            for message in first.into_iter().chain(queue) {
                post(worker, &message);
            }
        }
    }

    /// Worker number `generation` has ended: unless the page is going, or it is an old one,
    /// start another.
    fn ended(&self, generation: u32) {
        let current = {
            let inner = self.inner.borrow();
            !inner.ended && inner.spawned == generation && inner.worker.is_some()
        };
        if current {
            self.died(true);
        }
    }

    /// The worker died (or never ran the app): start another, or hold the network here.
    fn died(&self, ran: bool) {
        let restart = {
            let mut inner = self.inner.borrow_mut();
            if let Some(worker) = inner.worker.take() {
                worker.terminate();
            }
            inner.ready = false;
            inner.restarts += 1;
            ran && inner.restarts <= RESTARTS
        };
        if restart {
            self.spawn();
        } else {
            self.hold_here();
        }
    }

    fn hold_here(&self) {
        let (receive, open, queue) = {
            let mut inner = self.inner.borrow_mut();
            inner.here = true;
            (
                inner.receive.clone(),
                inner.open.clone(),
                std::mem::take(&mut inner.queue),
            )
        };
        hold("page", Rc::new(move |message| receive(message)));
        for message in open().into_iter().chain(queue) {
            self.send(message);
        }
    }

    /// Ends the worker with the page.
    pub fn terminate(&self) {
        let mut inner = self.inner.borrow_mut();
        inner.ended = true;
        if let Some(worker) = inner.worker.take() {
            worker.terminate();
        }
    }
}

fn post(worker: &web_sys::Worker, message: &ToWorker) {
    if let Some((bytes, transfer)) = encode(message) {
        let _ = worker.post_message_with_transfer(&bytes, &transfer);
    }
}

/// A message as JSON in UTF-8 bytes, with the list that hands their buffer over rather than
/// copying it. (As a string, each large value stored, 1.2 million characters for the document
/// at 10,000 people, took ~13 ms of the page's thread to copy into the wasm.)
fn encode(message: &impl serde::Serialize) -> Option<(js_sys::Uint8Array, js_sys::Array)> {
    let json = serde_json::to_vec(message).ok()?;
    let bytes = js_sys::Uint8Array::from(json.as_slice());
    Some((bytes.clone(), js_sys::Array::of1(&bytes.buffer())))
}

/// A message [`encode`]d on the other side.
fn decode<T: serde::de::DeserializeOwned>(data: &JsValue) -> Result<T, String> {
    let bytes = data
        .dyn_ref::<js_sys::Uint8Array>()
        .ok_or("not the app's message")?;
    // (Read as text: the app reads its other JSON so, and a second reader of every message
    // type would add ~9 KB to the wasm.)
    let text = String::from_utf8(bytes.to_vec()).map_err(|e| e.to_string())?;
    serde_json::from_str(&text).map_err(|e| e.to_string())
}

/// The app's script, as the page preloads it, for the worker to import.
fn app_script() -> Option<String> {
    web_sys::window()?
        .document()?
        .query_selector("link[rel=modulepreload][href^='/pkg/']")
        .ok()??
        .get_attribute("href")
}
