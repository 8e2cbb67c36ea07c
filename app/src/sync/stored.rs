//! Sync's own state on the device, over [`KeyValue`] like the network beside it: the pairing
//! secret, the client's [`Persisted`] state, the heads pushed so far, the invite code a relay
//! asked for, and whether the recovery phrase was saved.
//!
//! The keys and their formats are those devices already hold: the state is JSON
//! (`{"cursor", "snapshot_covers", "outbox": [[id, sealed]], "epoch"}`, bytes in base64), the
//! pushed heads are hex joined by commas.

use super::client::{Pending, Persisted};
use crate::crypto::RootSecret;
use crate::doc::store::{KeyValue, KvError};
use automerge::ChangeHash;
use base64::Engine as _;

pub const SECRET_KEY: &str = "colloquy/sync/secret";
pub const STATE_KEY: &str = "colloquy/sync/state";
pub const PUSHED_KEY: &str = "colloquy/sync/pushed";
/// Set once the user has said the recovery phrase is saved.
pub const PHRASE_SAVED_KEY: &str = "colloquy/sync/phrase-saved";
/// The invite code a relay that starts networks by invite asked for, until it has.
pub const INVITE_KEY: &str = "colloquy/sync/invite";

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

/// Sync's keys in a key-value store.
pub struct SyncStore<K> {
    kv: K,
}

impl<K: KeyValue> SyncStore<K> {
    pub fn new(kv: K) -> SyncStore<K> {
        SyncStore { kv }
    }

    /// The secret of the network this device syncs, when sync is on (an unreadable one counts
    /// as none: the user pairs again, and nothing of the network is touched).
    pub fn secret(&self) -> Option<RootSecret> {
        RootSecret::from_fragment(&self.kv.get(SECRET_KEY).ok()??).ok()
    }

    /// Turns sync on with `secret`. A `fresh` start (a new network, or joining one) forgets
    /// the state of any earlier one, so this device pushes everything it has.
    pub fn start(&mut self, secret: &RootSecret, fresh: bool) -> Result<(), KvError> {
        self.kv.set(SECRET_KEY, &secret.to_fragment())?;
        if fresh {
            self.kv.remove(STATE_KEY)?;
            self.kv.remove(PUSHED_KEY)?;
        }
        Ok(())
    }

    /// Sync off: the secret and sync's state go, the network stays.
    pub fn forget(&mut self) -> Result<(), KvError> {
        for key in [SECRET_KEY, STATE_KEY, PUSHED_KEY, PHRASE_SAVED_KEY] {
            self.kv.remove(key)?;
        }
        Ok(())
    }

    /// The client's state; the default (everything pushed again, caught up from the start)
    /// when there is none or it is unreadable, which loses nothing.
    pub fn state(&self) -> Persisted {
        let Some(text) = self.kv.get(STATE_KEY).ok().flatten() else {
            return Persisted::default();
        };
        let Ok(value) = serde_json::from_str::<serde_json::Value>(&text) else {
            return Persisted::default();
        };
        let outbox = value["outbox"]
            .as_array()
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| {
                        let id = B64.decode(item[0].as_str()?).ok()?;
                        let sealed = B64.decode(item[1].as_str()?).ok()?;
                        Some(Pending {
                            blob_id: id.try_into().ok()?,
                            sealed,
                        })
                    })
                    .collect()
            })
            .unwrap_or_default();
        Persisted {
            cursor: value["cursor"].as_u64().unwrap_or(0),
            snapshot_covers: value["snapshot_covers"].as_u64().unwrap_or(0),
            outbox,
            epoch: value["epoch"]
                .as_str()
                .and_then(|e| B64.decode(e).ok())
                .and_then(|e| e.try_into().ok()),
        }
    }

    pub fn save_state(&mut self, state: &Persisted) -> Result<(), KvError> {
        let outbox: Vec<(String, String)> = state
            .outbox
            .iter()
            .map(|p| (B64.encode(p.blob_id), B64.encode(&p.sealed)))
            .collect();
        let json = serde_json::json!({
            "cursor": state.cursor,
            "snapshot_covers": state.snapshot_covers,
            "outbox": outbox,
            "epoch": state.epoch.map(|e| B64.encode(e)),
        });
        self.kv.set(STATE_KEY, &json.to_string())
    }

    /// The heads of the network pushed so far (none: push everything).
    pub fn pushed(&self) -> Vec<ChangeHash> {
        self.kv
            .get(PUSHED_KEY)
            .ok()
            .flatten()
            .map(|text| text.split(',').filter_map(|h| h.parse().ok()).collect())
            .unwrap_or_default()
    }

    pub fn save_pushed(&mut self, heads: &[ChangeHash]) -> Result<(), KvError> {
        let text = heads
            .iter()
            .map(|h| h.to_string())
            .collect::<Vec<_>>()
            .join(",");
        self.kv.set(PUSHED_KEY, &text)
    }

    /// The invite code to give the relay, until the network is there.
    pub fn invite(&self) -> Option<String> {
        self.kv.get(INVITE_KEY).ok().flatten()
    }

    pub fn set_invite(&mut self, code: Option<&str>) -> Result<(), KvError> {
        match code {
            Some(code) => self.kv.set(INVITE_KEY, code.trim()),
            None => self.kv.remove(INVITE_KEY),
        }
    }

    pub fn phrase_saved(&self) -> bool {
        self.kv.get(PHRASE_SAVED_KEY).ok().flatten().is_some()
    }

    pub fn set_phrase_saved(&mut self, saved: bool) -> Result<(), KvError> {
        if saved {
            self.kv.set(PHRASE_SAVED_KEY, "1")
        } else {
            self.kv.remove(PHRASE_SAVED_KEY)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::store::MemoryKv;

    fn store() -> (MemoryKv, SyncStore<MemoryKv>) {
        let kv = MemoryKv::default();
        (kv.clone(), SyncStore::new(kv))
    }

    #[test]
    fn the_client_state_reads_back_whole() {
        let (_, mut store) = store();
        assert_eq!(store.state(), Persisted::default());
        let state = Persisted {
            cursor: u64::MAX,
            outbox: vec![
                Pending {
                    blob_id: [7; 16],
                    sealed: vec![0, 255, 1, 2],
                },
                Pending {
                    blob_id: [9; 16],
                    sealed: Vec::new(),
                },
            ],
            snapshot_covers: 41,
            epoch: Some([3; 16]),
        };
        store.save_state(&state).unwrap();
        assert_eq!(store.state(), state);
    }

    #[test]
    fn state_devices_already_hold_is_read() {
        // As the sync driver wrote it before this module did.
        let (kv, store) = store();
        kv.clone()
            .set(
                STATE_KEY,
                r#"{"cursor":12,"snapshot_covers":10,"outbox":[["BwcHBwcHBwcHBwcHBwcHBw==","AP8BAg=="]],"epoch":null}"#,
            )
            .unwrap();
        let state = store.state();
        assert_eq!(state.cursor, 12);
        assert_eq!(state.snapshot_covers, 10);
        assert_eq!(
            state.outbox,
            [Pending {
                blob_id: [7; 16],
                sealed: vec![0, 255, 1, 2]
            }]
        );
        assert_eq!(state.epoch, None);
    }

    #[test]
    fn unreadable_state_starts_over_rather_than_failing() {
        let (kv, store) = store();
        kv.clone().set(STATE_KEY, "{not json").unwrap();
        assert_eq!(store.state(), Persisted::default());
        kv.clone().set(PUSHED_KEY, "zz,,12").unwrap();
        assert_eq!(store.pushed(), Vec::<ChangeHash>::new());
        kv.clone().set(SECRET_KEY, "not a secret").unwrap();
        assert!(store.secret().is_none());
    }

    #[test]
    fn a_fresh_start_forgets_the_old_state_and_turning_off_forgets_the_secret() {
        let (kv, mut store) = store();
        let secret = RootSecret::generate();
        store.start(&secret, true).unwrap();
        store
            .save_state(&Persisted {
                cursor: 5,
                ..Persisted::default()
            })
            .unwrap();
        let heads = vec![ChangeHash([1; 32]), ChangeHash([2; 32])];
        store.save_pushed(&heads).unwrap();
        store.set_phrase_saved(true).unwrap();
        // Resumed: all of it is there.
        store.start(&secret, false).unwrap();
        assert_eq!(store.state().cursor, 5);
        assert_eq!(store.pushed(), heads);
        assert_eq!(
            store.secret().map(|s| s.to_fragment()),
            Some(secret.to_fragment())
        );
        assert!(store.phrase_saved());
        // Joining another network starts its state afresh.
        let other = RootSecret::generate();
        store.start(&other, true).unwrap();
        assert_eq!(store.state(), Persisted::default());
        assert!(store.pushed().is_empty());
        store.forget().unwrap();
        assert!(store.secret().is_none());
        assert!(!store.phrase_saved());
        assert!(kv.keys().unwrap().is_empty());
    }

    #[test]
    fn an_invite_code_is_kept_trimmed_until_cleared() {
        let (_, mut store) = store();
        assert_eq!(store.invite(), None);
        store.set_invite(Some("  ABCD-1234 \n")).unwrap();
        assert_eq!(store.invite().as_deref(), Some("ABCD-1234"));
        store.set_invite(None).unwrap();
        assert_eq!(store.invite(), None);
    }
}
