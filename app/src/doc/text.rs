//! Maps a Rust `String` onto Automerge `Text`, for long free text (notes, research, reflection).
//!
//! Use with `#[autosurgeon(with = "crate::doc::text")]`. Saving diffs the new string against the
//! stored text and writes only the spliced characters, so two devices editing the same note merge
//! by character instead of one overwriting the other.

use automerge::ObjId;
use autosurgeon::{Hydrate, HydrateError, Prop, ReadDoc, Reconciler};

// Not inlined: a record with several texts would otherwise carry a copy for each.
#[inline(never)]
pub fn hydrate<D: ReadDoc>(doc: &D, obj: &ObjId, prop: Prop<'_>) -> Result<String, HydrateError> {
    match autosurgeon::Text::hydrate(doc, obj, prop.clone()) {
        Ok(text) => Ok(text.as_str().to_owned()),
        // Written as a plain string by an older version or an import: still readable.
        Err(_) => String::hydrate(doc, obj, prop),
    }
}

#[inline(never)]
pub fn reconcile<R: Reconciler>(value: &str, mut reconciler: R) -> Result<(), R::Error> {
    use autosurgeon::reconcile::TextReconciler;
    reconciler.text()?.update(value)
}

#[cfg(test)]
mod tests {
    use crate::doc::Network;
    use crate::domain::{Person, PersonId};

    /// Text from a small generator over a large alphabet: two such texts share little.
    fn text(seed: u32, chars: usize) -> String {
        let mut x = seed.wrapping_mul(2_654_435_761).max(1);
        (0..chars)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                char::from_u32(0x4E00 + x % 2_000).unwrap_or('x')
            })
            .collect()
    }

    fn save_notes(net: &mut Network, id: &PersonId, notes: String) {
        let person = Person {
            name: "Long Notes".into(),
            notes,
            ..Person::default()
        };
        net.put_person(id, &person, 1).unwrap();
        assert_eq!(net.person(id).unwrap().unwrap().notes, person.notes);
    }

    /// A long note replaced by a different one is stored exactly, without the diff behind it
    /// searching for an edit script that isn't there (see vendor/README.md).
    #[test]
    fn a_long_note_replaced_whole_is_stored_exactly() {
        let mut net = Network::new();
        let id = PersonId::from("p");
        save_notes(&mut net, &id, text(1, 50_000));
        save_notes(&mut net, &id, text(2, 40_000));
        // Many scattered edits at once, more than the diff searches for: still exact.
        let scattered: String = text(2, 40_000)
            .chars()
            .enumerate()
            .map(|(i, c)| if i % 37 == 0 { '·' } else { c })
            .collect();
        save_notes(&mut net, &id, scattered.clone());
        // And a small edit in the middle of a long note is still written as a small change.
        let mut edited = scattered;
        edited.insert_str(edited.char_indices().nth(20_000).unwrap().0, "typed here");
        let heads = net.heads();
        let before = net.save().len();
        save_notes(&mut net, &id, edited);
        assert_eq!(net.changes_after(&heads), 1);
        assert!(net.save().len() - before < 200);
    }
}
