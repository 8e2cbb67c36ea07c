//! The people list kept beside the document, so a large network's list is on screen before the
//! document has loaded.
//!
//! Stored under `colloquy/list` as base64 of deflated JSON, tagged with the document heads it was
//! built from. It is only ever a cache: a list whose heads differ from the loaded document's is
//! rebuilt from the document, and a list that can't be read is ignored.

use super::store::{KeyValue, KvError};
use crate::domain::{PersonId, PersonRow};
use automerge::ChangeHash;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::io::{Read, Write};

pub const LIST_KEY: &str = "colloquy/list";
const FORMAT: u32 = 1;

/// The cached list and the document heads it shows.
#[derive(Clone, Debug, PartialEq)]
pub struct CachedList {
    pub heads: Vec<ChangeHash>,
    pub rows: Vec<PersonRow>,
}

#[derive(Serialize, Deserialize)]
struct Stored {
    format: u32,
    heads: Vec<String>,
    /// id, name, organisation, role, location, referred by ("" for nobody), extra.
    rows: Vec<(String, String, String, String, String, String, String)>,
}

/// Reads the cached list, if there is a readable one.
pub fn read_list(kv: &impl KeyValue) -> Option<CachedList> {
    let text = kv.get(LIST_KEY).ok()??;
    let deflated = base64::engine::general_purpose::STANDARD
        .decode(text)
        .ok()?;
    let mut json = Vec::new();
    flate2::read::DeflateDecoder::new(&deflated[..])
        .read_to_end(&mut json)
        .ok()?;
    let stored: Stored = serde_json::from_slice(&json).ok()?;
    if stored.format != FORMAT {
        return None;
    }
    let heads = stored
        .heads
        .iter()
        .map(|h| h.parse().ok())
        .collect::<Option<Vec<ChangeHash>>>()?;
    let rows = stored
        .rows
        .into_iter()
        .map(
            |(id, name, organisation, role, location, referred_by, extra)| {
                let referred_by = (!referred_by.is_empty()).then(|| PersonId::from(referred_by));
                PersonRow::from_parts(
                    id.into(),
                    name,
                    organisation,
                    role,
                    location,
                    referred_by,
                    extra,
                )
            },
        )
        .collect();
    Some(CachedList { heads, rows })
}

/// Replaces the cached list.
pub fn write_list(
    kv: &mut impl KeyValue,
    heads: &[ChangeHash],
    rows: &[PersonRow],
) -> Result<(), KvError> {
    let stored = Stored {
        format: FORMAT,
        heads: heads.iter().map(ToString::to_string).collect(),
        rows: rows
            .iter()
            .map(|r| {
                (
                    r.id.to_string(),
                    r.name.clone(),
                    r.organisation.clone(),
                    r.role.clone(),
                    r.location.clone(),
                    r.referred_by
                        .as_ref()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                    r.extra.clone(),
                )
            })
            .collect(),
    };
    let json = serde_json::to_vec(&stored).expect("strings serialise");
    let mut encoder = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(&json).expect("writing to memory");
    let deflated = encoder.finish().expect("writing to memory");
    kv.set(
        LIST_KEY,
        &base64::engine::general_purpose::STANDARD.encode(deflated),
    )
}

/// Drops the cached list (to make room when storage is full).
pub fn forget_list(kv: &mut impl KeyValue) {
    let _ = kv.remove(LIST_KEY);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::store::MemoryKv;
    use crate::doc::Network;
    use crate::domain::Person;

    #[test]
    fn a_list_round_trips_with_its_heads() {
        let mut net = Network::new();
        for (id, name, by) in [("a", "Ada", None), ("b", "Bo 🎉 <b>", Some("a"))] {
            let person = Person {
                name: name.into(),
                email: format!("{id}@example.org"),
                tags: vec!["t1".into(), "t2".into()],
                referred_by: by.map(PersonId::from),
                ..Person::default()
            };
            net.put_person(&id.into(), &person, 1).unwrap();
        }
        let mut kv = MemoryKv::default();
        assert_eq!(read_list(&kv), None);
        let rows = net.rows();
        write_list(&mut kv, &net.heads(), &rows).unwrap();
        let cached = read_list(&kv).unwrap();
        assert_eq!(cached.heads, net.heads());
        assert_eq!(cached.rows, rows);
    }

    #[test]
    fn an_unreadable_list_is_ignored() {
        let mut kv = MemoryKv::default();
        for junk in ["", "!!!", "aGVsbG8=", "eJzLSM3JyVcozy/KSQEAGgQEXQ=="] {
            kv.set(LIST_KEY, junk).unwrap();
            assert_eq!(read_list(&kv), None, "{junk}");
        }
        forget_list(&mut kv);
        assert_eq!(kv.get(LIST_KEY).unwrap(), None);
    }
}
