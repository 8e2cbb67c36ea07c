//! What a page and the worker holding its network say to each other (`host`), as data that
//! crosses `postMessage` as JSON. Document-free: the page needs none of Automerge to speak it.
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
    /// The first message: the page's tab, and every key of the app's it has stored.
    Open {
        tab: String,
        stored: Vec<(String, String)>,
    },
    /// A key was stored (`None`: removed) by another tab, or a command kept by this page.
    Stored { key: String, value: Option<String> },
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
    /// The latest edit was saved (or kept in memory only, storage being full).
    Saved(bool),
    Problems(Vec<Problem>),
    /// A kept command ran: the way to take it back, when it has one.
    Ran {
        key: String,
        undo: Option<Command>,
    },
    Answer {
        id: u64,
        answer: Answer,
    },
}

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
}

impl OverviewChange {
    pub fn is_empty(&self) -> bool {
        *self == OverviewChange::default()
    }
}
