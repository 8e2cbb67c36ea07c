//! What the screens show beside the network: the problems, whether the last edit is saved,
//! the notice of the last change with its undo, and sync as this device has it. Kept by the
//! page's side from what the worker says and what the user asks, with no I/O but storage.

use super::Tab;
use crate::crypto::RootSecret;
use crate::doc::store::{KeyValue, Problem};
use crate::doc::Command;
use crate::sync::stored::{SyncStore, PHRASE_SAVED_KEY};
use crate::sync::{Status, DELETED};
use crate::wire::{SyncRequest, ToWorker};

/// Whether the latest edit is in this device's storage.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SaveState {
    /// Nothing edited since the page opened.
    #[default]
    Idle,
    Saved,
    /// Kept in memory only (see the problems).
    NotSaved,
}

/// A short notice after a change: what was done, and its undo when it has one.
#[derive(Clone, Debug)]
pub struct Notice {
    pub text: String,
    pub undo: Option<Command>,
}

/// What the screens show beside the network.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// The worker's problems, with a full store while writes fail.
    pub problems: Vec<Problem>,
    pub save: SaveState,
    /// What the last change did, with the way to take it back ("Deleted Ana Lima · Undo").
    pub notice: Option<Notice>,
    /// Sync's status; `None` while sync is off on this device.
    pub sync: Option<Status>,
    /// The pairing secret (its URL fragment), while sync is on.
    pub secret: Option<String>,
    /// Whether the user has said they saved the recovery phrase.
    pub phrase_saved: bool,
    /// Why sync stopped on its own, when it did (the relay's copy was deleted).
    pub sync_ended: Option<&'static str>,
}

impl<K: KeyValue> Tab<K> {
    pub fn report(&self) -> &Report {
        &self.report
    }

    /// The report, to change: the screens are told of it (see [`Tab::new_report`]).
    pub fn report_mut(&mut self) -> &mut Report {
        self.reported = false;
        &mut self.report
    }

    /// The report, when it changed since it was last taken.
    pub fn new_report(&mut self) -> Option<Report> {
        (!std::mem::replace(&mut self.reported, true)).then(|| self.report.clone())
    }

    /// Takes back the change the notice offers to undo: the undo, kept as any edit is, for
    /// the worker; the notice says whether it could be.
    pub fn undo(&mut self, now: i64) -> Option<ToWorker> {
        let undo = self.report_mut().notice.take()?.undo?;
        let (text, message) = match self.edit(&undo, now) {
            Ok((_, message)) => ("Undone".to_owned(), Some(message)),
            Err(e) => (format!("Could not undo: {e}"), None),
        };
        self.report_mut().notice = Some(Notice { text, undo: None });
        message
    }

    pub fn dismiss_notice(&mut self) {
        self.report_mut().notice = None;
    }

    /// The sync this device was set up for, if any: shown, and resumed by the worker.
    pub fn resume_sync(&mut self, online: bool) -> Option<ToWorker> {
        let secret = self.stored_secret()?;
        let phrase_saved = SyncStore::new(&mut self.storage).phrase_saved();
        let report = self.report_mut();
        report.secret = Some(secret.to_fragment());
        report.phrase_saved = phrase_saved;
        Some(ToWorker::Sync(SyncRequest::Resume { online }))
    }

    /// A fresh sync of the network of `secret` (a new one, or one joined).
    pub fn start_sync(&mut self, secret: &RootSecret, online: bool) -> ToWorker {
        let phrase_saved = SyncStore::new(&mut self.storage).phrase_saved();
        let report = self.report_mut();
        report.sync_ended = None;
        report.secret = Some(secret.to_fragment());
        report.phrase_saved = phrase_saved;
        ToWorker::Sync(SyncRequest::Start {
            secret: secret.to_fragment(),
            fresh: true,
            online,
        })
    }

    /// Records whether the recovery phrase is kept somewhere safe; the worker hears of the key.
    pub fn mark_phrase_saved(&mut self, saved: bool) -> Option<ToWorker> {
        self.report_mut().phrase_saved = saved;
        SyncStore::new(&mut self.storage)
            .set_phrase_saved(saved)
            .ok()?;
        self.stored_elsewhere(PHRASE_SAVED_KEY.to_owned()).ok()
    }

    /// Sync off on this device: the worker forgets the secret, and the screens at once.
    pub fn stop_sync(&mut self) -> ToWorker {
        let report = self.report_mut();
        report.secret = None;
        report.sync = None;
        ToWorker::Sync(SyncRequest::Forget)
    }

    /// The pairing secret this device has stored (it may not be resumed yet).
    pub fn stored_secret(&mut self) -> Option<RootSecret> {
        SyncStore::new(&mut self.storage).secret()
    }

    /// Sync's status from the worker; `deleted` when it stopped because the relay's copy was
    /// deleted.
    pub(super) fn show_sync(&mut self, status: Option<Status>, deleted: bool) {
        let report = self.report_mut();
        if deleted {
            report.secret = None;
            report.sync_ended = Some(DELETED);
        }
        report.sync = status;
    }
}
