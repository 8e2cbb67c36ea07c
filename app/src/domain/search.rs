use super::sorting::sort_by;
use super::{Person, PersonId};
use std::collections::HashSet;

/// What the people list shows of one person, with its search text prepared once.
#[derive(Clone, Debug, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PersonRow {
    pub id: PersonId,
    pub name: String,
    pub organisation: String,
    pub role: String,
    pub location: String,
    pub referred_by: Option<PersonId>,
    /// Other searchable text, one item per line: email, how we know them, fields, tags.
    pub extra: String,
    haystack: String,
    sort_key: String,
}

/// The people list by id, for looking up names without reading person records.
pub fn rows_by_id(rows: &[PersonRow]) -> std::collections::HashMap<&PersonId, &PersonRow> {
    rows.iter().map(|row| (&row.id, row)).collect()
}

impl PersonRow {
    pub fn new(id: PersonId, person: &Person) -> PersonRow {
        let extra = [&person.email, &person.how_we_know]
            .into_iter()
            .chain(&person.fields)
            .chain(&person.tags)
            .filter(|s| !s.is_empty())
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join("\n");
        PersonRow::from_parts(
            id,
            person.name.clone(),
            person.organisation.clone(),
            person.role.clone(),
            person.location.clone(),
            person.referred_by.clone(),
            extra,
        )
    }

    /// A row from its shown parts (as kept in the list cache).
    pub fn from_parts(
        id: PersonId,
        name: String,
        organisation: String,
        role: String,
        location: String,
        referred_by: Option<PersonId>,
        extra: String,
    ) -> PersonRow {
        // One allocation for the search text, and the sort key is its first line: a large
        // network's rows are all made at once when it opens.
        let parts = [&name, &organisation, &role, &location, &extra];
        let mut haystack = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
        let mut name_end = 0;
        for (n, part) in parts.into_iter().enumerate() {
            if n > 0 {
                haystack.push('\n');
            }
            push_lowercase(&mut haystack, part);
            if n == 0 {
                name_end = haystack.len();
            }
        }
        PersonRow {
            sort_key: haystack[..name_end].to_owned(),
            id,
            name,
            organisation,
            role,
            location,
            referred_by,
            extra,
            haystack,
        }
    }

    fn matches(&self, terms: &[String]) -> bool {
        terms
            .iter()
            .all(|term| self.haystack.contains(term.as_str()))
    }
}

/// Appends `text` in lower case (as `str::to_lowercase`), without a copy of its own when it is
/// ASCII.
fn push_lowercase(out: &mut String, text: &str) {
    if text.is_ascii() {
        let start = out.len();
        out.push_str(text);
        out[start..].make_ascii_lowercase();
    } else {
        out.push_str(&text.to_lowercase());
    }
}

/// Sorts rows the way the list shows them: by name, ignoring case, then by id for stability.
pub fn sort_rows(rows: &mut [PersonRow]) {
    sort_by(rows, |a, b| {
        a.sort_key.cmp(&b.sort_key).then_with(|| a.id.cmp(&b.id))
    });
}

/// Drops the rows of the people in `changed` and adds `replacements` (the rows of those of
/// them still in the network), keeping the list's order: what the list needs after an edit,
/// without reading everyone again.
pub fn replace_rows<'a>(
    rows: &mut Vec<PersonRow>,
    changed: impl IntoIterator<Item = &'a PersonId>,
    replacements: Vec<PersonRow>,
) {
    let changed: HashSet<&PersonId> = changed.into_iter().collect();
    if changed.is_empty() && replacements.is_empty() {
        return;
    }
    rows.retain(|row| !changed.contains(&row.id));
    rows.extend(replacements);
    sort_rows(rows);
}

/// The rows matching every whitespace-separated term of `query` (case-insensitive, anywhere in
/// name, organisation, role, location, email, how we know them, fields or tags), in the order
/// given.
pub fn search_people<'a>(rows: &'a [PersonRow], query: &str) -> Vec<&'a PersonRow> {
    let terms: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    rows.iter().filter(|row| row.matches(&terms)).collect()
}

/// The rows of the people `referrer` referred, in the order given.
pub fn referred_by<'a>(rows: &'a [PersonRow], referrer: &PersonId) -> Vec<&'a PersonRow> {
    rows.iter()
        .filter(|row| row.referred_by.as_ref() == Some(referrer))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn search_text_is_every_part_in_lower_case_and_sorting_its_name(
            parts in proptest::array::uniform5("(?s).{0,12}|[A-Za-z İΣẞ]{0,12}"),
        ) {
            let [name, organisation, role, location, extra] = parts.clone();
            let row = PersonRow::from_parts(
                PersonId::from("p1"),
                name.clone(),
                organisation,
                role,
                location,
                None,
                extra,
            );
            prop_assert_eq!(&row.haystack, &parts.map(|p| p.to_lowercase()).join("\n"));
            prop_assert_eq!(&row.sort_key, &name.to_lowercase());
        }
    }

    fn row(id: &str, name: &str, organisation: &str, tags: &[&str]) -> PersonRow {
        let person = Person {
            name: name.into(),
            organisation: organisation.into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            ..Person::default()
        };
        PersonRow::new(PersonId::from(id), &person)
    }

    fn names(found: Vec<&PersonRow>) -> Vec<&str> {
        found.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn every_term_must_match_somewhere() {
        let rows = [
            row("1", "Ada Lovelace", "Analytical Engines", &["mentor"]),
            row("2", "Grace Hopper", "Navy", &["compilers"]),
            row("3", "Ada Yonath", "Weizmann", &[]),
        ];
        assert_eq!(
            names(search_people(&rows, "ada")),
            ["Ada Lovelace", "Ada Yonath"]
        );
        assert_eq!(names(search_people(&rows, "ADA engines")), ["Ada Lovelace"]);
        assert_eq!(names(search_people(&rows, "compilers")), ["Grace Hopper"]);
        assert_eq!(search_people(&rows, "ada navy").len(), 0);
        assert_eq!(search_people(&rows, "  ").len(), 3);
    }

    #[test]
    fn referrals_are_found_from_the_referrer() {
        let referred = |id: &str, name: &str, by: &str| {
            let person = Person {
                name: name.into(),
                referred_by: Some(PersonId::from(by)),
                ..Person::default()
            };
            PersonRow::new(PersonId::from(id), &person)
        };
        let rows = [
            row("a", "Ada", "", &[]),
            referred("b", "Bo", "a"),
            referred("c", "Cy", "b"),
            referred("d", "Di", "a"),
        ];
        assert_eq!(
            names(referred_by(&rows, &PersonId::from("a"))),
            ["Bo", "Di"]
        );
        assert_eq!(names(referred_by(&rows, &PersonId::from("b"))), ["Cy"]);
        assert!(referred_by(&rows, &PersonId::from("d")).is_empty());
    }

    #[test]
    fn sorting_ignores_case_and_is_stable() {
        let mut rows = vec![
            row("2", "bob", "", &[]),
            row("1", "Bob", "", &[]),
            row("3", "alice", "", &[]),
        ];
        sort_rows(&mut rows);
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["3", "1", "2"]);
    }
}
