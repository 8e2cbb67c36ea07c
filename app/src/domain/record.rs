//! The record the user keeps: people interviewed, when, what was discussed and whom they
//! suggested next, in date order; as Markdown (to read and print) and CSV (for spreadsheets).

use super::clock::LocalZone;
use super::sorting::sort_by;
use super::{InterviewId, Reflection};

/// One held interview, with names resolved.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RecordEntry {
    pub interview: InterviewId,
    /// When the meeting took place.
    pub date: i64,
    pub person: String,
    pub role: String,
    pub organisation: String,
    pub field: String,
    pub notes: String,
    /// Questions asked, with the short answer noted.
    pub answers: Vec<(String, String)>,
    /// The names of the people they suggested.
    pub referrals: Vec<String>,
    pub thanked_at: Option<i64>,
    pub reflection: Reflection,
}

/// Sorts entries oldest first (ties by name, so the order is stable everywhere).
pub fn sort_record(entries: &mut [RecordEntry]) {
    sort_by(entries, |a, b| {
        a.date.cmp(&b.date).then_with(|| a.person.cmp(&b.person))
    });
}

pub fn record_markdown(entries: &[RecordEntry], zone: LocalZone) -> String {
    let mut out = String::from("# Informational interviews\n");
    if entries.is_empty() {
        out.push_str("\nNo interviews held yet.\n");
    }
    for entry in entries {
        out.push_str(&format!(
            "\n## {} — {}\n\n",
            zone.iso_date(entry.date),
            one_line(&entry.person)
        ));
        let mut facts = Vec::new();
        let role = super::role_line(&entry.role, &entry.organisation);
        if !role.is_empty() {
            facts.push(one_line(&role));
        }
        if !entry.field.is_empty() {
            facts.push(format!("Field: {}", one_line(&entry.field)));
        }
        facts.push(match entry.thanked_at {
            Some(at) => format!("Thanked {}", zone.iso_date(at)),
            None => "Not thanked yet".into(),
        });
        for fact in facts {
            out.push_str(&format!("- {fact}\n"));
        }
        if !entry.notes.trim().is_empty() {
            out.push_str(&format!(
                "\n### What we discussed\n\n{}\n",
                block(entry.notes.trim())
            ));
        }
        if !entry.answers.is_empty() {
            out.push_str("\n### Questions\n\n");
            for (question, answer) in &entry.answers {
                out.push_str(&format!(
                    "- **{}** {}\n",
                    one_line(question),
                    one_line(answer)
                ));
            }
        }
        if !entry.reflection.is_empty() {
            out.push_str("\n### Reflection\n\n");
            for (question, answer) in entry.reflection.answers() {
                if !answer.trim().is_empty() {
                    out.push_str(&format!("- **{question}** {}\n", one_line(answer)));
                }
            }
        }
        out.push_str("\n### Additional contacts\n\n");
        if entry.referrals.is_empty() {
            out.push_str("None yet.\n");
        }
        for name in &entry.referrals {
            out.push_str(&format!("- {}\n", one_line(name)));
        }
    }
    out
}

pub fn record_csv(entries: &[RecordEntry], zone: LocalZone) -> String {
    let header = [
        "date",
        "person",
        "role",
        "organisation",
        "field",
        "discussed",
        "additional contacts",
        "thanked",
        "next steps",
    ]
    .map(str::to_owned);
    let rows = entries.iter().map(|entry| {
        [
            zone.iso_date(entry.date),
            guard_formula(&entry.person),
            guard_formula(&entry.role),
            guard_formula(&entry.organisation),
            guard_formula(&entry.field),
            guard_formula(&entry.notes),
            guard_formula(&entry.referrals.join("; ")),
            entry
                .thanked_at
                .map(|at| zone.iso_date(at))
                .unwrap_or_default(),
            guard_formula(&entry.reflection.next_steps),
        ]
    });
    crate::exchange::csv_text::write(std::iter::once(header).chain(rows))
}

/// Text for one line of Markdown: whitespace runs (line breaks among them, which would end a
/// list item) become one space, and whatever Markdown would read as markup is escaped.
fn one_line(text: &str) -> String {
    escape(&text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// Text kept as typed, line by line, with nothing in it read as Markdown: no HTML, links,
/// emphasis or code, and no line taken for a heading, quote or list item.
fn block(text: &str) -> String {
    text.lines()
        .map(|line| {
            let line = escape(line.trim_end());
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            let digits = trimmed.chars().take_while(char::is_ascii_digit).count();
            let numbered = digits > 0 && trimmed[digits..].starts_with(['.', ')']);
            if numbered {
                format!("{indent}{}\\{}", &trimmed[..digits], &trimmed[digits..])
            } else if trimmed.starts_with(['#', '-', '+', '=']) {
                format!("{indent}\\{trimmed}")
            } else {
                line
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Backslashes before the characters Markdown reads as inline markup.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(
            c,
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '~' | '!' | '&'
        ) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Spreadsheets run cells starting with `=`, `+`, `-` or `@` as formulas: a name typed as
/// `=HYPERLINK(…)` must stay text.
fn guard_formula(text: &str) -> String {
    if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(person: &str, date: i64) -> RecordEntry {
        RecordEntry {
            interview: InterviewId::from(person),
            date,
            person: person.into(),
            role: "Engineer".into(),
            organisation: "Acme".into(),
            field: "Speech systems".into(),
            notes: "Talked about ASR,\nand \"quoted\" things".into(),
            answers: vec![("How did you start?".into(), "By accident".into())],
            referrals: vec!["Bo Li".into(), "Cy Young".into()],
            thanked_at: Some(date + 3_600_000),
            reflection: Reflection {
                next_steps: "Call Bo".into(),
                ..Reflection::default()
            },
        }
    }

    #[test]
    fn entries_sort_by_date() {
        let mut entries = vec![entry("b", 2), entry("a", 1), entry("c", 1)];
        sort_record(&mut entries);
        let names: Vec<&str> = entries.iter().map(|e| e.person.as_str()).collect();
        assert_eq!(names, ["a", "c", "b"]);
    }

    #[test]
    fn markdown_lists_people_dates_notes_and_contacts() {
        let md = record_markdown(&[entry("Ada Lovelace", 1_772_700_000_000)], LocalZone::UTC);
        assert!(md.contains("## 2026-03-05 — Ada Lovelace"), "{md}");
        assert!(md.contains("- Engineer at Acme"));
        assert!(md.contains("Talked about ASR,"));
        assert!(md.contains("- Bo Li\n- Cy Young"));
        assert!(md.contains("**Next steps** Call Bo"));
        assert!(md.contains("**How did you start?** By accident"));
    }

    #[test]
    fn imported_text_is_never_read_as_markup() {
        let mut hostile = entry("<img src=x onerror=alert(1)>", 1_772_700_000_000);
        hostile.organisation = "[Acme](javascript:alert(1))".into();
        hostile.notes = "# Not a heading\n> not a quote\n1. not a list\n*loud* `code`".into();
        let md = record_markdown(&[hostile], LocalZone::UTC);
        assert!(md.contains("\\<img src=x onerror=alert(1)\\>"), "{md}");
        assert!(md.contains("\\[Acme\\](javascript:alert(1))"), "{md}");
        assert!(
            md.contains(
                "\\# Not a heading\n\\> not a quote\n1\\. not a list\n\\*loud\\* \\`code\\`"
            ),
            "{md}"
        );
        assert!(!md.replace("\\<", "").contains('<'), "{md}");
    }

    #[test]
    fn an_empty_record_says_so() {
        assert!(record_markdown(&[], LocalZone::UTC).contains("No interviews held yet."));
    }

    #[test]
    fn csv_quotes_and_guards_cells() {
        let mut hostile = entry("=HYPERLINK(\"x\")", 1_772_700_000_000);
        hostile.notes = "line one\nline, two".into();
        let csv = record_csv(&[hostile], LocalZone::UTC);
        let mut reader = csv::Reader::from_reader(csv.as_bytes());
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(&rows[0][0], "2026-03-05");
        assert_eq!(&rows[0][1], "'=HYPERLINK(\"x\")");
        assert_eq!(&rows[0][5], "line one\nline, two");
        assert_eq!(&rows[0][6], "Bo Li; Cy Young");
        assert_eq!(&rows[0][8], "Call Bo");
    }
}
