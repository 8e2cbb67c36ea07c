use crate::doc::typing::Target;
use crate::doc::Command;
use crate::domain::{Interview, InterviewId, InterviewText, StageError};
use crate::ui::state::{now, use_network, NetworkState};
use leptos::prelude::*;

/// Whether the interview a page shows is open yet, and whether it exists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Found {
    Loading,
    Missing,
    Yes,
}

/// One interview being looked at and edited.
///
/// The page edits a local copy (`interview`) and writes each edit through to the network at
/// once; the copy is refreshed when the network changes underneath (another tab, a merge). Pages
/// build their inputs once and bind them to this copy, so a save never rebuilds the input the
/// user is typing in.
#[derive(Clone, Copy)]
pub struct InterviewEditor {
    pub id: Memo<InterviewId>,
    pub interview: RwSignal<Interview>,
    pub found: Memo<Found>,
    /// Why the last step was refused or not saved.
    pub error: RwSignal<Option<String>>,
    state: NetworkState,
}

impl InterviewEditor {
    pub fn new(id: Memo<InterviewId>) -> InterviewEditor {
        let state = use_network();
        let interview = RwSignal::new(Interview::default());
        let stored = Memo::new(move |_| {
            let id = id.get();
            // With the text being typed, not yet committed, as the user sees it.
            state.interview(&id)
        });
        // The page is built once the copy holds the stored interview, so parts that start from
        // it (the meeting form) start from what is stored, not from a blank interview.
        let copied = RwSignal::new(false);
        Effect::new(move |_| {
            if let Some(Some(stored)) = stored.get() {
                if interview.with_untracked(|current| current != &stored) {
                    interview.set(stored);
                }
                if !copied.get_untracked() {
                    copied.set(true);
                }
            }
        });
        let found = Memo::new(move |_| match stored.get() {
            None => Found::Loading,
            Some(None) => Found::Missing,
            Some(Some(_)) if copied.get() => Found::Yes,
            Some(Some(_)) => Found::Loading,
        });
        InterviewEditor {
            id,
            interview,
            found,
            error: RwSignal::new(None),
            state,
        }
    }

    /// A derived value that only notifies when it changes.
    pub fn memo<T: PartialEq + Clone + Send + Sync + 'static>(
        &self,
        f: impl Fn(&Interview) -> T + Send + Sync + 'static,
    ) -> Memo<T> {
        let interview = self.interview;
        Memo::new(move |_| interview.with(&f))
    }

    /// Edits the interview and saves the edit.
    pub fn change(&self, f: impl FnOnce(&mut Interview)) {
        let from = self.interview.get_untracked();
        self.interview.update(f);
        self.write(from, None);
    }

    /// Edits the interview and saves the edit, with a notice that offers to undo it.
    pub fn change_with_undo(&self, done: &str, f: impl FnOnce(&mut Interview)) {
        let from = self.interview.get_untracked();
        self.interview.update(f);
        self.write(from, Some(done.to_owned()));
    }

    /// Types into one of the interview's texts: kept at once, committed when typing pauses
    /// (see `NetworkState::type_text`).
    pub fn type_text(&self, text: InterviewText, value: String) {
        let set = self
            .interview
            .try_update(|i| text.set(i, value.clone()))
            .unwrap_or(false);
        if !set {
            return;
        }
        let target = Target::Interview(self.id.get_untracked(), text);
        self.state.type_text(target, value);
        self.error.set(None);
    }

    /// Takes a step of the process (send, schedule, hold, thank, reflect); a step the stage
    /// doesn't allow is refused with its reason and changes nothing. A step taken can be taken
    /// back from the notice that follows it.
    pub fn step(&self, f: impl FnOnce(&mut Interview, i64) -> Result<(), StageError>) -> bool {
        let from = self.interview.get_untracked();
        let mut next = from.clone();
        match f(&mut next, now()) {
            Ok(()) => {
                let done = format!("Now: {}", next.stage().label());
                self.interview.set(next);
                self.write(from, Some(done))
            }
            Err(e) => {
                self.error.set(Some(e.to_string()));
                false
            }
        }
    }

    /// Writes through what changed in the copy since it was `from` (only that: the copy may
    /// be a moment behind what is stored); with `done`, the notice offers to undo it.
    fn write(&self, from: Interview, done: Option<String>) -> bool {
        let id = self.id.get_untracked();
        let to = self.interview.get_untracked();
        let command = Command::ChangeInterview { id, from, to };
        let saved = match done {
            Some(done) => self.state.edit_with_undo(command, done),
            None => self.state.edit(command),
        };
        match saved {
            Ok(_) => {
                self.error.set(None);
                true
            }
            Err(e) => {
                self.error.set(Some(format!("Not saved: {e}")));
                false
            }
        }
    }
}
