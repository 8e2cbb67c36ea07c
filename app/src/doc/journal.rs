//! Commands made before the network is open (at thousands of people that takes seconds): each
//! is kept in storage at once under [`JOURNAL`], and run in the order made once a tab has the
//! network open, then removed.
//!
//! A tab may crash between saving a command's change and removing its entry, and two tabs
//! opening at once may both run an entry: running a command a second time writes nothing new,
//! since commands put records as they are given.

use super::store::{KeyValue, KvError};
use super::Command;

/// Where the commands are kept, one key each.
pub const JOURNAL: &str = "colloquy/journal/";

/// The key of a command made at `at` (ms), the `n`th this tab made then: keys sort in the order
/// commands were made.
pub fn key(at: i64, tab: &str, n: u32) -> String {
    format!("{JOURNAL}{:015}-{n:04}-{tab}", at.max(0))
}

/// Keeps `command` for later under `key`.
pub fn keep(kv: &mut impl KeyValue, key: &str, command: &Command) -> Result<(), KvError> {
    let text = serde_json::to_string(command)
        .map_err(|e| KvError::Unavailable(format!("the change can't be kept: {e}")))?;
    kv.set(key, &text)
}

/// Commands kept for later: each key with its command, or why it can't be read.
pub type Kept = Vec<(String, Result<Command, String>)>;

/// The commands kept, in the order they were made.
pub fn kept(kv: &impl KeyValue) -> Result<Kept, KvError> {
    let mut keys: Vec<String> = kv
        .keys()?
        .into_iter()
        .filter(|k| k.starts_with(JOURNAL))
        .collect();
    keys.sort();
    let mut out = Vec::with_capacity(keys.len());
    for key in keys {
        // Gone meanwhile: another tab ran it.
        let Some(text) = kv.get(&key)? else { continue };
        let command = serde_json::from_str(&text).map_err(|e| e.to_string());
        out.push((key, command));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::store::MemoryKv;
    use crate::domain::{Interview, InterviewId, Person, PersonId};

    #[test]
    fn commands_come_back_in_the_order_made() {
        let mut kv = MemoryKv::default();
        let ada = Command::PutPerson {
            id: PersonId::from("p1"),
            person: Person {
                name: "Ada «Lovelace»\n".into(),
                ..Person::default()
            },
        };
        let delete = Command::DeleteInterview {
            id: InterviewId::from("i1"),
        };
        let put = Command::PutInterview {
            id: InterviewId::from("i2"),
            interview: Interview {
                notes: "notes".into(),
                ..Interview::default()
            },
        };
        // Made in this order: at 5 ms the tab's tenth command, then its eleventh, then at 40.
        keep(&mut kv, &key(40, "tab-a", 0), &put).unwrap();
        keep(&mut kv, &key(5, "tab-a", 10), &delete).unwrap();
        keep(&mut kv, &key(5, "tab-a", 9), &ada).unwrap();
        let back: Vec<String> = kept(&kv)
            .unwrap()
            .into_iter()
            .map(|(_, c)| format!("{:?}", c.unwrap()))
            .collect();
        assert_eq!(back, [ada, delete, put].map(|c| format!("{c:?}")));
    }

    #[test]
    fn an_entry_kept_before_a_record_gained_a_field_still_reads() {
        let mut kv = MemoryKv::default();
        let older = r#"{"PutPerson":{"id":"p1","person":{"name":"Ada"}}}"#;
        kv.set(&key(1, "t", 0), older).unwrap();
        let kept = kept(&kv).unwrap();
        let Ok(Command::PutPerson { id, person }) = &kept[0].1 else {
            panic!("{:?}", kept[0].1);
        };
        assert_eq!((id.as_str(), person.name.as_str()), ("p1", "Ada"));
        assert_eq!(person.email, "");
    }

    #[test]
    fn an_entry_that_is_not_a_command_says_why() {
        let mut kv = MemoryKv::default();
        kv.set(&key(1, "t", 0), "{\"PutPerson\":").unwrap();
        let kept = kept(&kv).unwrap();
        assert_eq!(kept.len(), 1);
        assert!(kept[0].1.is_err());
    }
}
