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
