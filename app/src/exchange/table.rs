//! The people as a spreadsheet (CSV): one row per person, lists joined with "; ".
//!
//! Written with the csv crate, so commas, quotes and line breaks inside a cell are quoted, and
//! guarded against formula injection: a cell starting with `=`, `+`, `-`, `@`, a tab or a
//! carriage return is prefixed with `'`, so a spreadsheet shows it as text instead of running
//! it.

use crate::domain::{Person, PersonId};
use std::collections::HashMap;

/// The header row.
pub const HEADER: [&str; 13] = [
    "Name",
    "Email",
    "Phone",
    "LinkedIn",
    "Organisation",
    "Role",
    "Location",
    "Fields",
    "How you know them",
    "Referred by",
    "Tags",
    "Notes",
    "Other details",
];

/// The people as CSV, with [`HEADER`] first. "Referred by" holds the referrer's name (empty
/// when the referrer isn't among `people`); "Other details" the extra values, each as
/// "Label: value".
pub fn people_csv(people: &[(PersonId, Person)]) -> String {
    let names: HashMap<&PersonId, &str> = people
        .iter()
        .map(|(id, person)| (id, person.name.as_str()))
        .collect();
    let rows = people.iter().map(|(_, person)| {
        let referrer = person
            .referred_by
            .as_ref()
            .and_then(|id| names.get(id).copied())
            .unwrap_or("");
        let other = person
            .also
            .iter()
            .map(|detail| format!("{}: {}", detail.kind.label(), detail.value))
            .collect::<Vec<_>>()
            .join("; ");
        [
            person.name.as_str(),
            &person.email,
            &person.phone,
            &person.linkedin,
            &person.organisation,
            &person.role,
            &person.location,
            &person.fields.join("; "),
            &person.how_we_know,
            referrer,
            &person.tags.join("; "),
            &person.notes,
            &other,
        ]
        .map(guard_formula)
    });
    let header = HEADER.map(str::to_owned);
    super::csv_text::write(std::iter::once(header).chain(rows))
}

/// A cell a spreadsheet would run as a formula, made text with a leading `'`.
fn guard_formula(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Acquaintance, Detail, DetailKind};

    fn read_back(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let header = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|r| r.unwrap().iter().map(str::to_owned).collect())
            .collect();
        (header, rows)
    }

    fn people() -> Vec<(PersonId, Person)> {
        let ada = Person {
            name: "Ada Lovelace".into(),
            email: "ada@example.com".into(),
            phone: "+44 20 7946 0000".into(),
            linkedin: "https://www.linkedin.com/in/ada".into(),
            organisation: "Engines, \"Analytical\" Ltd".into(),
            role: "Programmer".into(),
            location: "London, UK".into(),
            fields: vec!["Computing".into(), "Poetry".into()],
            how_we_know: "Salon".into(),
            tags: vec!["mentor".into(), "warm".into()],
            notes: "Line one\nLine two, with \"quotes\"".into(),
            also: vec![
                Detail {
                    kind: DetailKind::Email,
                    value: "countess@example.org".into(),
                },
                Detail {
                    kind: DetailKind::Role,
                    value: "Poet".into(),
                },
            ],
            ..Person::default()
        };
        let bo = Person {
            name: "=HYPERLINK(\"https://evil.example\",\"click\")".into(),
            email: "@bo".into(),
            phone: "-1".into(),
            role: "\tTabbed".into(),
            location: "\rReturn".into(),
            notes: "+SUM(A1:A9)".into(),
            acquaintance: Acquaintance::Referred,
            referred_by: Some(PersonId::from("ada")),
            ..Person::default()
        };
        let cy = Person {
            name: "Cy".into(),
            acquaintance: Acquaintance::Referred,
            referred_by: Some(PersonId::from("gone")),
            ..Person::default()
        };
        vec![
            (PersonId::from("ada"), ada),
            (PersonId::from("bo"), bo),
            (PersonId::from("cy"), cy),
        ]
    }

    #[test]
    fn writes_a_header_and_one_row_per_person() {
        let (header, rows) = read_back(&people_csv(&people()));
        assert_eq!(header, HEADER);
        assert_eq!(rows.len(), 3);
        let ada = &rows[0];
        assert_eq!(ada[0], "Ada Lovelace");
        assert_eq!(ada[1], "ada@example.com");
        // A phone number starting with + is guarded like any formula.
        assert_eq!(ada[2], "'+44 20 7946 0000");
        assert_eq!(ada[3], "https://www.linkedin.com/in/ada");
        assert_eq!(ada[4], "Engines, \"Analytical\" Ltd");
        assert_eq!(ada[6], "London, UK");
        assert_eq!(ada[7], "Computing; Poetry");
        assert_eq!(ada[8], "Salon");
        assert_eq!(ada[9], "");
        assert_eq!(ada[10], "mentor; warm");
        assert_eq!(ada[11], "Line one\nLine two, with \"quotes\"");
        assert_eq!(ada[12], "Email: countess@example.org; Role: Poet");
    }

    #[test]
    fn the_referrer_is_named_when_known() {
        let (_, rows) = read_back(&people_csv(&people()));
        assert_eq!(rows[1][9], "Ada Lovelace");
        assert_eq!(rows[2][9], "");
    }

    #[test]
    fn cells_that_look_like_formulas_are_guarded() {
        let (_, rows) = read_back(&people_csv(&people()));
        let bo = &rows[1];
        assert_eq!(bo[0], "'=HYPERLINK(\"https://evil.example\",\"click\")");
        assert_eq!(bo[1], "'@bo");
        assert_eq!(bo[2], "'-1");
        assert_eq!(bo[5], "'\tTabbed");
        assert_eq!(bo[6], "'\rReturn");
        assert_eq!(bo[11], "'+SUM(A1:A9)");
        // Every cell of every row either is plain or starts with the guard.
        for row in &rows {
            for cell in row {
                assert!(
                    !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
                    "{cell:?}"
                );
            }
        }
    }

    #[test]
    fn no_people_is_just_the_header() {
        let text = people_csv(&[]);
        assert_eq!(text.lines().count(), 1);
        assert_eq!(read_back(&text).0, HEADER);
    }
}
