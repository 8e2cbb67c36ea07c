//! Stable sorting that compiles the standard library's sort once for the whole app.
//!
//! Every `slice::sort_by` with its own element type and comparator is a separate copy of the
//! sort in the wasm (2–8 KB each). These sort a list of positions through a comparator behind
//! a reference, always the same instantiation, and then move the items into that order.

use std::cmp::Ordering;

/// Sorts `items` by `compare`, keeping equal items in their order (like `slice::sort_by`).
pub fn sort_by<T>(items: &mut [T], compare: impl Fn(&T, &T) -> Ordering) {
    if items.len() < 2 {
        return;
    }
    let order = sorted_positions(items.len(), &|a, b| compare(&items[a], &items[b]));
    reorder(items, order);
}

/// Sorts `items` by a key computed at each comparison (like `slice::sort_by_key`).
pub fn sort_by_key<T, K: Ord>(items: &mut [T], key: impl Fn(&T) -> K) {
    sort_by(items, |a, b| key(a).cmp(&key(b)));
}

/// Sorts `items` by a key computed once per item (like `slice::sort_by_cached_key`).
pub fn sort_by_cached_key<T, K: Ord>(items: &mut [T], key: impl FnMut(&T) -> K) {
    if items.len() < 2 {
        return;
    }
    let keys: Vec<K> = items.iter().map(key).collect();
    let order = sorted_positions(items.len(), &|a, b| keys[a].cmp(&keys[b]));
    reorder(items, order);
}

/// The positions `0..len` in the order `compare` puts them, ties in position order.
#[inline(never)]
fn sorted_positions(len: usize, compare: &dyn Fn(usize, usize) -> Ordering) -> Vec<usize> {
    let mut order: Vec<usize> = (0..len).collect();
    order.sort_by(|&a, &b| compare(a, b));
    order
}

/// Moves `items[order[i]]` to position `i`, in place.
fn reorder<T>(items: &mut [T], order: Vec<usize>) {
    // Where each item goes, then swap each into place (every swap settles one item).
    let mut destination = vec![0; order.len()];
    for (to, &from) in order.iter().enumerate() {
        destination[from] = to;
    }
    for i in 0..items.len() {
        while destination[i] != i {
            let to = destination[i];
            items.swap(i, to);
            destination.swap(i, to);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn sorts_like_the_standard_library(items in prop::collection::vec((0u8..6, any::<u16>()), 0..60)) {
            // Keys repeat often, so stability shows: the second value records the input order.
            let mut expected = items.clone();
            expected.sort_by_key(|(key, _)| *key);
            let mut ours = items.clone();
            sort_by_key(&mut ours, |(key, _)| *key);
            prop_assert_eq!(&ours, &expected);

            let mut cached = items.clone();
            sort_by_cached_key(&mut cached, |(key, _)| *key);
            prop_assert_eq!(&cached, &expected);

            let mut both = items.clone();
            both.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let mut ours = items;
            sort_by(&mut ours, |a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            prop_assert_eq!(ours, both);
        }
    }

    #[test]
    fn owned_items_are_moved_not_copied() {
        let mut names: Vec<String> = ["Pat", "ann", "Zoë", "bo"].map(String::from).into();
        sort_by_cached_key(&mut names, |n| n.to_lowercase());
        assert_eq!(names, ["ann", "bo", "Pat", "Zoë"]);
    }
}
