//! The network as the pages see it: one context, provided by the app shell, holding the page's
//! side of the network ([`Tab`]: the overview, the answers, the page's storage) and the link to
//! the worker that holds the network itself (`browser::worker`), with the reactive part: a
//! version every read of the overview subscribes to, another for answers.
//!
//! On the server and until hydration finishes there is no network (`ready` is false) and pages
//! render their loading state, so the server's HTML and the first client render agree. After
//! hydration the page draws the cached overview and starts the worker.

use crate::doc::list_cache::ListReader;
use crate::doc::store::KeyValue;
use crate::doc::typing::Target;
use crate::doc::Command;
use crate::domain::clock::FollowUpSettings;
use crate::domain::{Field, FieldId, PersonRow};
pub use crate::replica::tab_lock;
#[cfg(feature = "hydrate")]
use crate::tab::News;
use crate::tab::Tab;
pub use crate::tab::{Notice, Outlines, Report, SaveState};
use crate::ui::platform::mark;
pub use crate::ui::platform::{now, zone};
use crate::view::{Answer, Query};
use crate::wire::{Reply, Request, ToWorker};
use leptos::prelude::*;
use std::collections::HashMap;

type Replied = Box<dyn FnOnce(Reply)>;

#[derive(Clone, Copy)]
pub struct NetworkState {
    tab: StoredValue<Option<Tab<Box<dyn KeyValue>>>, LocalStorage>,
    #[cfg(feature = "hydrate")]
    link: StoredValue<Option<crate::browser::worker::Link>, LocalStorage>,
    /// Bumped whenever the overview changes (and every answer may have).
    version: RwSignal<u64>,
    /// Bumped whenever an answer arrives.
    answered: RwSignal<u64>,
    pub ready: RwSignal<bool>,
    /// What the screens show beside the network (problems, saving, the notice, sync).
    pub report: RwSignal<Report>,
    /// Requests sent, by id, with what to do with the reply.
    requests: StoredValue<HashMap<u64, Replied>, LocalStorage>,
}

pub fn provide_network_state() -> NetworkState {
    let state = NetworkState {
        tab: StoredValue::new_local(None),
        #[cfg(feature = "hydrate")]
        link: StoredValue::new_local(None),
        version: RwSignal::new(0),
        answered: RwSignal::new(0),
        ready: RwSignal::new(false),
        report: RwSignal::new(Report::default()),
        requests: StoredValue::new_local(HashMap::new()),
    };
    provide_context(state);
    state
}

pub fn use_network() -> NetworkState {
    expect_context::<NetworkState>()
}

impl NetworkState {
    /// Takes over this page's storage and starts the worker that holds the network.
    #[cfg(feature = "hydrate")]
    pub fn start(&self, tab: Tab<Box<dyn KeyValue>>) {
        self.tab.set_value(Some(tab));
        self.with_tab(|_| ()); // (shows its report)
        self.version.update(|v| *v += 1);
        let state = *self;
        let link = crate::browser::worker::Link::start(
            move || {
                state
                    .with_tab(Tab::open)
                    .and_then(Result::ok)
                    .unwrap_or_default()
            },
            move |message| state.receive(message),
        );
        self.link.set_value(Some(link));
    }

    /// Draws the cached overview's first part at once, the rest a few parts per task.
    pub fn show_cached(self, reader: ListReader) {
        self.with_tab(|tab| tab.show_cached(reader));
        self.redraw();
    }

    /// Redraws the overview, reading the rest of one being read a few parts per task.
    fn redraw(self) {
        self.version.update(|v| *v += 1);
        #[cfg(feature = "hydrate")]
        if self.with_tab(|tab| tab.is_reading()) == Some(true) {
            self.read_cached();
        }
    }

    #[cfg(feature = "hydrate")]
    fn read_cached(self) {
        use crate::ui::platform::later;
        later(
            move || match self.with_tab(|tab| tab.read_cached(now() + 12, now)) {
                Some(true) => self.read_cached(),
                // The screens redraw in a task of their own ("what's next" reads everything).
                _ => later(move || self.version.update(|v| *v += 1)),
            },
        );
    }

    /// Works on the tab, showing its report when that changed.
    pub(crate) fn with_tab<T>(
        &self,
        f: impl FnOnce(&mut Tab<Box<dyn KeyValue>>) -> T,
    ) -> Option<T> {
        let (out, report) = self
            .tab
            .try_update_value(|tab| tab.as_mut().map(|tab| (f(tab), tab.new_report())))
            .flatten()?;
        if let Some(report) = report {
            self.report.set(report);
        }
        Some(out)
    }

    /// Works on the tab, sending the worker what it gives.
    pub(crate) fn tell(&self, f: impl FnOnce(&mut Tab<Box<dyn KeyValue>>) -> Option<ToWorker>) {
        if let Some(message) = self.with_tab(f).flatten() {
            self.send(message);
        }
    }

    /// Sends the worker a message (nothing on the server).
    pub(crate) fn send(&self, message: ToWorker) {
        #[cfg(feature = "hydrate")]
        self.link.with_value(|link| {
            if let Some(link) = link {
                link.send(message);
            }
        });
        #[cfg(not(feature = "hydrate"))]
        let _ = message;
    }

    /// A message from the worker.
    #[cfg(feature = "hydrate")]
    fn receive(&self, message: crate::wire::FromWorker) {
        let Some((news, reply)) = self.with_tab(|tab| tab.receive(message)) else {
            return;
        };
        for reply in reply {
            self.send(reply);
        }
        let Some(news) = news else { return };
        match news {
            News::Opened(_) => {
                self.ready.set(true);
                mark("colloquy:network-open");
            }
            News::Changed => self.redraw(),
            News::Answered => self.answered.update(|v| *v += 1),
            // The first real use: ask the browser to keep this site's storage for good.
            News::Saved { first: true } => crate::browser::request_persistent_storage(),
            News::Done { id, reply } => {
                if let Some(then) = self.requests.try_update_value(|r| r.remove(&id)).flatten() {
                    then(reply);
                }
            }
            News::Mark(name) => mark(&name),
            News::Saved { .. } | News::Ran { .. } | News::Sync | News::Problems => {}
        }
    }

    /// Reads the people list (cached until the network is open), re-running when it changes.
    pub fn rows_with<T>(&self, f: impl FnOnce(&[PersonRow]) -> T) -> Option<T> {
        self.read(|tab| f(tab.rows()))
    }

    /// How many people there are (the list may be only partly read yet).
    pub fn people_count(&self) -> Option<usize> {
        self.read(Tab::people_count)
    }

    fn read<T>(&self, f: impl FnOnce(&Tab<Box<dyn KeyValue>>) -> T) -> Option<T> {
        self.version.track();
        self.tab.try_with_value(|tab| tab.as_ref().map(f)).flatten()
    }

    /// Asks the worker (`ui/view.rs`), re-running on changes: the last answer heard, if any.
    pub(super) fn ask_view(&self, query: Query) -> Option<Answer> {
        self.version.track();
        self.answered.track();
        let (answer, ask) = self.with_tab(|tab| tab.answer(&query))?;
        if let Some(ask) = ask {
            self.send(ask);
        }
        answer
    }

    /// Every interview in outline, re-running when the network changes.
    pub fn outlines(&self) -> Option<Outlines> {
        self.read(Tab::outlines).flatten()
    }

    /// The fields and the follow-up settings, re-running when the network changes.
    pub fn fields_and_follow_up(&self) -> Option<(Vec<(FieldId, Field)>, FollowUpSettings)> {
        self.read(Tab::fields_and_follow_up).flatten()
    }

    /// Makes one change to the network: kept in this device's storage at once, made by the
    /// worker as soon as it has the network. An error means it could not be kept.
    pub fn edit(&self, command: Command) -> Result<(), String> {
        self.keep(command).map(|_| ())
    }

    /// Makes a change as [`NetworkState::edit`] does, and offers to take it back: a short
    /// notice says `done` ("Deleted Ana Lima") with an Undo button once it is made.
    pub fn edit_with_undo(&self, command: Command, done: String) -> Result<(), String> {
        let key = self.keep(command)?;
        self.with_tab(|tab| tab.offer_undo(key, done));
        Ok(())
    }

    fn keep(&self, command: Command) -> Result<String, String> {
        let kept = self
            .with_tab(|tab| tab.edit(&command, now()))
            .ok_or("this device's storage can't be used")?;
        let (key, message) = kept.map_err(|e| e.to_string())?;
        mark("colloquy:edit:kept");
        self.send(message);
        Ok(key)
    }

    /// Takes back the change the notice offers to undo.
    pub fn undo(&self) {
        self.tell(|tab| tab.undo(now()));
    }

    /// Types into a text: shown and stored at once, committed by the worker when typing pauses.
    pub fn type_text(&self, target: Target, text: String) {
        if let Some(message) = self.with_tab(|tab| tab.type_text(target, text, now())) {
            self.answered.update(|v| *v += 1);
            self.send(message);
        }
    }

    /// Commits the typing in progress now (the page is being left).
    pub fn flush_typing(&self) {
        self.tell(|tab| Some(tab.leave(now())));
    }

    /// Takes in a key another tab stored.
    pub fn external_change(&self, key: String) {
        self.tell(|tab| tab.stored_elsewhere(key).ok());
    }

    /// Sends work on the whole network (again to a new worker until done); `then` gets the reply.
    pub fn request(&self, request: Request, then: impl FnOnce(Reply) + 'static) {
        let Some((id, message)) = self.with_tab(|tab| tab.request(request)) else {
            return;
        };
        self.requests.update_value(|r| {
            r.insert(id, Box::new(then));
        });
        self.send(message);
    }
}
