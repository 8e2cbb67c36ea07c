//! Running the commands kept while the network was opening (`doc::journal`).

use super::{Effects, Replica};
use crate::doc::journal::{self, JOURNAL};
use crate::doc::store::{KeyValue, Problem};
use crate::doc::Command;

/// What running a kept command gave: how many people it wrote and the way to take it back, or
/// why it could not run.
pub type Kept = Result<(usize, Option<Command>), String>;

/// Where an entry that can't be run is kept aside, under its own name.
const SET_ASIDE: &str = "colloquy/unreadable/journal/";

impl Replica {
    /// Runs the commands kept for later, in the order they were made, removing each once its
    /// change is saved. One that can't be read or run is kept aside and shown.
    pub fn run_journal(&mut self, now: i64) -> Effects {
        let mut effects = Effects::default();
        let Ok(kept) = journal::kept(self.store.kv_mut()) else {
            return effects;
        };
        for (key, command) in kept {
            effects.merge(self.run_kept(&key, command, now).0);
        }
        effects
    }

    /// Runs one kept command and removes its entry once its change is saved; kept in memory
    /// only (storage is full), the entry stays until it is. One that can't be read or run is
    /// kept aside and shown. Gives how many people it wrote and the way to take it back, or
    /// why it could not run.
    pub fn run_kept(
        &mut self,
        key: &str,
        command: Result<Command, String>,
        now: i64,
    ) -> (Effects, Kept) {
        let mut effects = Effects::default();
        let outcome =
            command.and_then(|command| self.run(&command, now).map_err(|e| e.to_string()));
        let kept = match outcome {
            Ok((ran, done)) => {
                let saved = done.saved != Some(false);
                effects.merge(done);
                let kept = Ok((ran.people.len(), ran.undo));
                if !saved {
                    return (effects, kept);
                }
                kept
            }
            Err(why) => {
                self.set_aside(key, why.clone(), &mut effects);
                Err(why)
            }
        };
        let _ = self.store.kv_mut().remove(key);
        (effects, kept)
    }

    fn set_aside(&mut self, key: &str, why: String, effects: &mut Effects) {
        let Ok(Some(text)) = self.store.kv_mut().get(key) else {
            return;
        };
        let aside = format!("{SET_ASIDE}{}", &key[JOURNAL.len()..]);
        if self.store.keep_aside(&aside, &text).is_ok() {
            effects.problems.push(Problem::Unreadable {
                keys: vec![aside],
                detail: format!("a change made while your network was opening: {why}"),
            });
        }
    }
}
