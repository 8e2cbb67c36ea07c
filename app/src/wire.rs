//! What a page and the worker holding its network say to each other (`host`), as data that
//! crosses `postMessage` as JSON (in UTF-8 bytes, handed over). Document-free: the page needs
//! none of Automerge to speak it.
//!
//! The page owns localStorage (workers have none): it sends the worker every stored key once,
//! then each key another tab writes and each command it keeps (`doc::journal`, durable before
//! the worker hears of it). The worker keeps a mirror of the keys, runs everything on its
//! replica, and sends back, in numbered batches, the writes for the page to make, in order.
//! A write the page can't make (storage is full) stops the page: it reports the batch and the
//! write, drops the batches after it, and waits for the batch that [`Writes::resumes`] it.

use crate::doc::store::Problem;
use crate::doc::typing::Target;
use crate::doc::Command;
use crate::domain::clock::FollowUpSettings;
use crate::domain::{Field, FieldId, Interview, InterviewId, PersonId, PersonRow};
use crate::exchange::merge::Summary;
use crate::exchange::Format;
use crate::sync::Status;
use crate::view::{Answer, Query};
use serde::{Deserialize, Serialize};

/// One write for the page to make to its storage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Write {
    Set(String, String),
    Remove(String),
}

impl Write {
    pub fn key(&self) -> &str {
        match self {
            Write::Set(key, _) | Write::Remove(key) => key,
        }
    }
}

/// What the page tells the worker.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum ToWorker {
    /// The first message: the page's tab, every key of the app's it has stored, and the heads
    /// of the cached overview (`doc::list_cache`) it has drawn, if that is what it shows.
    Open {
        tab: String,
        stored: Vec<(String, String)>,
        drawn: Option<Vec<automerge::ChangeHash>>,
    },
    /// A key was stored (`None`: removed) by another tab, or a command kept by this page.
    Stored { key: String, value: Option<String> },
    /// A command the page could not keep (its storage is full): made in memory only.
    Unkept { key: String, command: Box<Command> },
    /// The page made every write of the batch.
    Written { batch: u64 },
    /// The page couldn't make the `at`th write of the batch (storage is full); it made none
    /// after it.
    Failed { batch: u64, at: usize },
    /// Typing into a text (see `Replica::type_text`).
    Type { target: Target, text: String },
    /// The page is being left: commit the typing now.
    FlushTyping,
    /// Recover typing left by tabs that died; `live` names the Web Locks held now.
    RecoverTyping { live: Option<Vec<String>> },
    /// A screen's question, answered with the same `id`.
    Ask { id: u64, query: Query },
    /// Work on the whole network, answered with the same `id` ([`FromWorker::Done`]).
    Request { id: u64, request: Request },
    /// What the user or the browser asks of sync.
    Sync(SyncRequest),
}

/// Work on the whole network that answers something.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Request {
    /// Merge a network saved elsewhere (a downloaded copy) into this one.
    Import(Vec<u8>),
    /// The whole network as a saved Automerge document.
    Export,
    /// Read a file of contacts (its name and text) and match them against the network as it is
    /// now, for the preview (`Command::ImportFile` writes it).
    PlanImport { name: String, text: String },
    /// Unreadable data kept aside, as JSON `{key: value}`.
    Aside,
    /// Delete the unreadable data kept aside.
    DiscardAside,
}

/// What a [`Request`] gave.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Reply {
    /// How many people the network has after an import, or why it failed.
    Imported(Result<usize, String>),
    Exported(Vec<u8>),
    /// The preview of the plan made, or why the file can't be read.
    Planned(Result<(Format, Summary), String>),
    Aside(String),
    /// Whether anything was kept aside to delete.
    Discarded(bool),
}

/// What the user or the browser asks of sync (see `replica/sync.rs`).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum SyncRequest {
    /// Start syncing the network of this pairing secret (its URL fragment); `fresh` when it
    /// was just made or typed in.
    Start {
        secret: String,
        fresh: bool,
        online: bool,
    },
    /// Resume the sync this device was set up for, if any.
    Resume {
        online: bool,
    },
    Invite(String),
    Delete,
    /// Stop syncing and forget the secret.
    Forget,
    Online(bool),
}

/// What the worker tells the page.
// (Sizes don't matter: one is made per message.)
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum FromWorker {
    Writes(Writes),
    /// The network is open: its problems (stored data unreadable, storage unusable).
    Opened {
        problems: Vec<Problem>,
    },
    /// What changed of the overview the screens draw; every other read may have changed too.
    Changed(OverviewChange),
    /// The whole overview, replacing what the page drew, in the cache's stored form
    /// (`doc::list_cache::pack`): sent instead of a change of more than [`PACK_AT`] people and
    /// interviews, so the page reads it a part per task rather than all in one.
    Overview(String),
    /// The latest edit was saved (or kept in memory only, storage being full).
    Saved(bool),
    Problems(Vec<Problem>),
    /// A kept command ran: how many people it wrote and the way to take it back, or why it
    /// could not run.
    Ran {
        key: String,
        outcome: Result<(usize, Option<Command>), String>,
    },
    Answer {
        id: u64,
        answer: Answer,
    },
    Done {
        id: u64,
        reply: Reply,
    },
    /// Sync's status (`None` once off); `deleted` when it stopped because the relay's copy
    /// was deleted.
    Sync {
        status: Option<Status>,
        deleted: bool,
    },
    /// An instant of interest, for the tests and benchmarks (`colloquy:edit:saved`, …).
    Mark(String),
}

/// See [`FromWorker::Overview`]: 10,000 people and 5,000 interviews as one change take 7 MB
/// of JSON and 120 ms of the page's thread to read.
pub const PACK_AT: usize = 1000;

/// Writes for the page to make, in order.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Writes {
    pub batch: u64,
    /// After a failed batch: the page drops every batch until the one naming it here.
    pub resumes: Option<u64>,
    pub writes: Vec<Write>,
}

/// The part of the overview that changed.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OverviewChange {
    /// People whose rows are gone, and rows new or changed.
    pub rows_removed: Vec<PersonId>,
    pub rows: Vec<PersonRow>,
    pub outlines_removed: Vec<InterviewId>,
    pub outlines: Vec<(InterviewId, Interview)>,
    /// The fields and follow-up settings, when they changed.
    pub fields: Option<(Vec<(FieldId, Field)>, FollowUpSettings)>,
    /// The whole overview, replacing what the page drew (the first change of a worker that
    /// doesn't know what the page shows); else a change to what it drew.
    pub whole: bool,
}

impl OverviewChange {
    pub fn is_empty(&self) -> bool {
        *self == OverviewChange::default()
    }
}
