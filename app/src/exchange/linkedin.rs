//! LinkedIn's connections export (`Connections.csv`).
//!
//! The file starts with a "Notes:" preamble of a few lines (a quoted paragraph about missing
//! email addresses, then a blank line) before the header row, so the header is found by its
//! content. Columns: First Name, Last Name, URL (missing in older exports), Email Address
//! (usually empty), Company, Position, Connected On ("12 Mar 2024").
//!
//! This module also holds what the Google Contacts reader shares with it: finding columns by
//! name, spotting a quoted field that is never closed, and sorting web addresses into the
//! LinkedIn profile and other sites.

use super::csv_text::rows;
use super::{join_name, Contact, ImportError};
use crate::domain::clock::{day_month_year, parse_day_month_year};
use crate::domain::{Detail, DetailKind};
use std::collections::HashMap;

/// How far into the file the header row may be (LinkedIn's preamble is three or four lines).
const MAX_PREAMBLE_LINES: usize = 30;

/// The 0-based index of the header row (the physical line holding the "First Name",
/// "Last Name" and "Connected On" columns), if the file has one near its start.
pub fn header_line(text: &str) -> Option<usize> {
    text.split('\n')
        .take(MAX_PREAMBLE_LINES)
        .position(is_header)
}

fn is_header(line: &str) -> bool {
    let line = line.trim_start_matches('\u{feff}').trim_end_matches('\r');
    if !line.to_ascii_lowercase().contains("connected on") {
        return false;
    }
    let Some(record) = rows(line).ok().and_then(|rows| rows.into_iter().next()) else {
        return false;
    };
    let columns = Columns::new(&record.cells);
    ["First Name", "Last Name", "Connected On"]
        .iter()
        .all(|name| columns.find(name).is_some())
}

/// Reads a LinkedIn connections export.
pub fn read(text: &str) -> Result<Vec<Contact>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let header = header_line(text).ok_or_else(|| {
        ImportError::whole(
            "This file has no LinkedIn header row (\"First Name,Last Name,…,Connected On\").",
        )
    })?;
    let start: usize = text.split_inclusive('\n').take(header).map(str::len).sum();
    let body = &text[start..];
    // Lines of `body` are numbered from 1; the file's line is `header` more.
    if let Some(line) = unclosed_quote(body) {
        return Err(unclosed_quote_error(header + line));
    }
    let mut records = rows(body)
        .map_err(|line| unclosed_quote_error(header + line))?
        .into_iter();
    let Some(head) = records.next() else {
        return Ok(Vec::new());
    };
    let columns = Columns::new(&head.cells);
    let mut contacts = Vec::new();
    for row in records {
        let line = header + row.line;
        let record = &row.cells[..];
        if is_blank(record) {
            continue;
        }
        let first = columns.get(record, "First Name");
        let last = columns.get(record, "Last Name");
        let name = join_name([first, last]);
        if name.is_empty() {
            return Err(ImportError::at(
                line,
                "This connection has no first or last name.",
            ));
        }
        let connected = columns.get(record, "Connected On");
        let how_we_know = if connected.is_empty() {
            "Connected on LinkedIn".to_owned()
        } else {
            let date = parse_day_month_year(connected).ok_or_else(|| {
                ImportError::at(
                    line,
                    format!("\"Connected On\" is \"{connected}\", not a date like 12 Mar 2024"),
                )
            })?;
            format!("Connected on LinkedIn on {}", day_month_year(&date))
        };
        let mut contact = Contact {
            line,
            name,
            organisation: columns.get(record, "Company").to_owned(),
            role: columns.get(record, "Position").to_owned(),
            how_we_know,
            ..Contact::default()
        };
        let email = columns.get(record, "Email Address");
        if !email.is_empty() {
            contact.emails.push(email.to_owned());
        }
        add_web_address(&mut contact, columns.get(record, "URL"));
        contacts.push(contact);
    }
    Ok(contacts)
}

// ---- Shared with the Google Contacts reader ----

/// The columns of a CSV file by header name, matched case-insensitively on trimmed names.
pub(crate) struct Columns {
    index: HashMap<String, usize>,
}

impl Columns {
    pub(crate) fn new(header: &[String]) -> Columns {
        let mut index = HashMap::new();
        for (i, name) in header.iter().enumerate() {
            let key = name.trim_start_matches('\u{feff}').trim().to_lowercase();
            // A repeated name keeps its first column.
            index.entry(key).or_insert(i);
        }
        Columns { index }
    }

    /// The column of `name`, if the header has it.
    pub(crate) fn find(&self, name: &str) -> Option<usize> {
        self.index.get(&name.trim().to_lowercase()).copied()
    }

    /// Whether the header has any of `names`.
    pub(crate) fn has_any(&self, names: &[&str]) -> bool {
        names.iter().any(|name| self.find(name).is_some())
    }

    /// The trimmed cell of column `name` in `record`; empty when the column or the cell is
    /// missing (rows may be short).
    pub(crate) fn get<'r>(&self, record: &'r [String], name: &str) -> &'r str {
        self.find(name)
            .and_then(|i| record.get(i))
            .map_or("", |cell| cell.trim())
    }

    /// The first non-empty cell among the columns `names`.
    pub(crate) fn first<'r>(&self, record: &'r [String], names: &[&str]) -> &'r str {
        names
            .iter()
            .map(|name| self.get(record, name))
            .find(|value| !value.is_empty())
            .unwrap_or("")
    }

    /// Every header name, lower-cased.
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.index.keys().map(String::as_str)
    }
}

/// Whether every cell of a row is empty or spaces.
pub(crate) fn is_blank(record: &[String]) -> bool {
    record.iter().all(|cell| cell.trim().is_empty())
}

/// The line (from 1) where a quoted field opens that the text never closes properly, if one
/// does.
///
/// A reader would quietly take everything up to the next quote (or the end of the file) into
/// such a field, so this walks the text the way it does: a quote opens a quoted field only at
/// the start of a field, `""` inside one is a literal quote, and a quote inside an unquoted
/// field is text. A closing quote must be followed by a comma or the end of the line (spaces
/// aside): anything else means the quote that opened the field was never closed and a later
/// one was taken for its end.
pub(crate) fn unclosed_quote(text: &str) -> Option<usize> {
    #[derive(Clone, Copy)]
    enum State {
        FieldStart,
        Unquoted,
        Quoted { from: usize },
        QuoteInQuoted { from: usize },
        AfterQuoted { from: usize },
    }
    let mut state = State::FieldStart;
    let mut line = 1;
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        state = match (state, c) {
            (State::FieldStart, '"') => State::Quoted { from: line },
            (
                State::FieldStart
                | State::Unquoted
                | State::QuoteInQuoted { .. }
                | State::AfterQuoted { .. },
                ',' | '\n' | '\r',
            ) => State::FieldStart,
            (State::FieldStart | State::Unquoted, _) => State::Unquoted,
            (State::Quoted { from }, '"') => State::QuoteInQuoted { from },
            (State::Quoted { from }, _) => State::Quoted { from },
            // `""` inside a quoted field: a literal quote, still inside.
            (State::QuoteInQuoted { from }, '"') => State::Quoted { from },
            (State::QuoteInQuoted { from } | State::AfterQuoted { from }, ' ' | '\t') => {
                State::AfterQuoted { from }
            }
            (State::QuoteInQuoted { from } | State::AfterQuoted { from }, _) => return Some(from),
        };
    }
    match state {
        State::Quoted { from } => Some(from),
        _ => None,
    }
}

pub(crate) fn unclosed_quote_error(line: usize) -> ImportError {
    ImportError::at(
        line,
        "A quoted value starts here and is never closed: a closing \" is missing (or a stray \" \
         follows it).",
    )
}

/// Whether a web address is a LinkedIn profile.
pub(crate) fn is_linkedin_url(url: &str) -> bool {
    url.to_lowercase().contains("linkedin.com/")
}

/// Files a web address: a LinkedIn profile goes to [`add_linkedin_address`], anything else
/// to the websites (repeats dropped).
pub(crate) fn add_web_address(contact: &mut Contact, url: &str) {
    let url = url.trim();
    if url.is_empty() {
        return;
    }
    if is_linkedin_url(url) {
        add_linkedin_address(contact, url);
    } else if !contact.websites.iter().any(|seen| same_url(seen, url)) {
        contact.websites.push(url.to_owned());
    }
}

/// Files a LinkedIn address (given `https://` when it has no scheme): the first becomes
/// `linkedin`, a further different one an extra LinkedIn detail.
pub(crate) fn add_linkedin_address(contact: &mut Contact, url: &str) {
    let url = url.trim();
    if url.is_empty() {
        return;
    }
    let lower = url.to_ascii_lowercase();
    let url = if lower.starts_with("https://") || lower.starts_with("http://") {
        url.to_owned()
    } else {
        format!("https://{}", url.trim_start_matches('/'))
    };
    if contact.linkedin.is_empty() {
        contact.linkedin = url;
    } else if !same_url(&contact.linkedin, &url)
        && !contact
            .also
            .iter()
            .any(|d| d.kind == DetailKind::LinkedIn && same_url(&d.value, &url))
    {
        contact.also.push(Detail {
            kind: DetailKind::LinkedIn,
            value: url,
        });
    }
}

fn same_url(a: &str, b: &str) -> bool {
    a.trim_end_matches('/')
        .eq_ignore_ascii_case(b.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("samples/linkedin_connections.csv");
    const OLD: &str = include_str!("samples/linkedin_connections_old.csv");

    fn names(contacts: &[Contact]) -> Vec<&str> {
        contacts.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn the_header_is_found_after_the_notes_preamble() {
        assert_eq!(header_line(SAMPLE), Some(3));
        assert_eq!(header_line(OLD), Some(0));
        assert_eq!(header_line(&format!("\u{feff}{OLD}")), Some(0));
    }

    #[test]
    fn other_csv_files_have_no_linkedin_header() {
        let google =
            "First Name,Middle Name,Last Name,E-mail 1 - Value\nAda,,Lovelace,ada@example.com\n";
        assert_eq!(header_line(google), None);
        assert_eq!(header_line(""), None);
        // Prose mentioning the columns is not a header: every column must be a cell.
        let prose = "Notes:\n\"First Name, Last Name and Connected On are below\"\n\nName,Email\n";
        assert_eq!(header_line(prose), None);
    }

    #[test]
    fn reads_every_connection_with_its_columns() {
        let contacts = read(SAMPLE).unwrap();
        assert_eq!(
            names(&contacts),
            [
                "Priya Raman",
                "Marcus O'Neill",
                "José Núñez García",
                "Wei Zhang 张伟",
                "Aoife Ní Bhriain",
                "Samuel Okafor, PMP",
                "Lena",
            ]
        );
        let priya = &contacts[0];
        assert_eq!(
            priya.linkedin,
            "https://www.linkedin.com/in/priya-raman-4b1a2c"
        );
        assert!(priya.emails.is_empty());
        assert_eq!(priya.organisation, "Northwind Health");
        assert_eq!(priya.role, "Senior UX Researcher");
        assert_eq!(priya.how_we_know, "Connected on LinkedIn on 12 Mar 2024");
        assert!(priya.websites.is_empty() && priya.key.is_none() && priya.acquaintance.is_none());

        let marcus = &contacts[1];
        assert_eq!(marcus.emails, ["marcus.oneill@example.com"]);
        assert_eq!(marcus.organisation, "Fabrikam, Inc.");
        // LinkedIn writes "03 Jan 2023"; the day loses its leading zero.
        assert_eq!(marcus.how_we_know, "Connected on LinkedIn on 3 Jan 2023");

        assert_eq!(contacts[2].role, "Clinical Data Manager \"Oncology\"");
        assert_eq!(
            contacts[3].role,
            "Engineering Manager\nPlatform & Infrastructure"
        );
        assert_eq!(contacts[4].organisation, "");
    }

    #[test]
    fn each_contact_knows_its_file_line() {
        let contacts = read(SAMPLE).unwrap();
        let lines: Vec<usize> = contacts.iter().map(|c| c.line).collect();
        // The header is line 4; Wei's position spans lines 8 and 9.
        assert_eq!(lines, [5, 6, 7, 8, 10, 11, 12]);
        for contact in &contacts {
            let line = SAMPLE.lines().nth(contact.line - 1).unwrap();
            let first = contact.name.split(' ').next().unwrap();
            assert!(line.starts_with(first), "line {}: {line}", contact.line);
        }
    }

    #[test]
    fn crlf_and_a_byte_order_mark_read_the_same() {
        let windows = format!("\u{feff}{}", SAMPLE.replace('\n', "\r\n"));
        let mut contacts = read(&windows).unwrap();
        // A line break inside a quoted cell stays CRLF; the rest is identical.
        assert_eq!(
            contacts[3].role,
            "Engineering Manager\r\nPlatform & Infrastructure"
        );
        contacts[3].role = contacts[3].role.replace("\r\n", "\n");
        assert_eq!(contacts, read(SAMPLE).unwrap());
        assert!(contacts
            .iter()
            .all(|c| !c.how_we_know.contains('\r') && !c.role.ends_with('\r')));
    }

    #[test]
    fn an_older_export_without_the_url_column() {
        let contacts = read(OLD).unwrap();
        assert_eq!(names(&contacts), ["Grace Hopper", "Alan Turing"]);
        assert_eq!(contacts[0].emails, ["grace@example.org"]);
        assert_eq!(contacts[0].linkedin, "");
        assert_eq!(contacts[0].role, "Rear Admiral");
        assert_eq!(contacts[1].organisation, "University of Manchester");
        assert_eq!(
            contacts[1].how_we_know,
            "Connected on LinkedIn on 23 Jun 2015"
        );
        assert_eq!(contacts[1].line, 3);
    }

    #[test]
    fn a_bad_date_names_its_line() {
        let text = OLD.replace("23 Jun 2015", "32 Foo 2024");
        let error = read(&text).unwrap_err();
        assert_eq!(error.line, Some(3));
        assert_eq!(
            error.to_string(),
            "Line 3: \"Connected On\" is \"32 Foo 2024\", not a date like 12 Mar 2024"
        );
        let text = SAMPLE.replace("15 Jun 2018", "2018-06-15");
        assert_eq!(read(&text).unwrap_err().line, Some(12));
    }

    #[test]
    fn a_missing_date_is_only_less_specific() {
        let text = OLD.replace("23 Jun 2015", "");
        assert_eq!(read(&text).unwrap()[1].how_we_know, "Connected on LinkedIn");
    }

    #[test]
    fn a_row_without_a_name_names_its_line() {
        let text = SAMPLE.replace("Lena,,", ",,");
        let error = read(&text).unwrap_err();
        assert_eq!(error.line, Some(12));
        assert!(error.message.contains("no first or last name"), "{error}");
    }

    #[test]
    fn blank_rows_are_skipped() {
        let text = OLD.replace("\nAlan", "\n\n,,,,,\n  , ,,,,\nAlan");
        let contacts = read(&text).unwrap();
        assert_eq!(names(&contacts), ["Grace Hopper", "Alan Turing"]);
        assert_eq!(contacts[1].line, 6);
    }

    #[test]
    fn a_quote_never_closed_names_the_line_it_opens_on() {
        let text = SAMPLE.replace("\"Fabrikam, Inc.\"", "\"Fabrikam, Inc.");
        let error = read(&text).unwrap_err();
        assert_eq!(error.line, Some(6));
        assert!(error.message.contains("never closed"), "{error}");
        // A quote inside an unquoted cell is only text.
        let text = OLD.replace("Rear Admiral", "Rear Admiral (5\" tall)");
        assert_eq!(read(&text).unwrap()[0].role, "Rear Admiral (5\" tall)");
    }

    #[test]
    fn a_file_without_the_header_is_refused_whole() {
        let error = read("Name,Email\nAda,ada@example.com\n").unwrap_err();
        assert_eq!(error.line, None);
    }

    #[test]
    fn web_addresses_are_sorted_into_linkedin_and_websites() {
        let mut contact = Contact::default();
        add_web_address(&mut contact, " www.linkedin.com/in/ada ");
        add_web_address(&mut contact, "https://ada.example.com/");
        add_web_address(&mut contact, "https://ada.example.com");
        add_web_address(&mut contact, "https://www.linkedin.com/in/ada/");
        add_web_address(&mut contact, "https://uk.linkedin.com/in/ada-lovelace");
        add_web_address(&mut contact, "");
        assert_eq!(contact.linkedin, "https://www.linkedin.com/in/ada");
        assert_eq!(contact.websites, ["https://ada.example.com/"]);
        assert_eq!(
            contact.also,
            [Detail {
                kind: DetailKind::LinkedIn,
                value: "https://uk.linkedin.com/in/ada-lovelace".into()
            }]
        );
    }

    #[test]
    fn the_quote_scanner_follows_csv_rules() {
        assert_eq!(unclosed_quote("a,b\n\"c\"\"d\",e\n"), None);
        assert_eq!(unclosed_quote("a,b\nc,\"d\ne\nf"), Some(2));
        assert_eq!(unclosed_quote("a,b\"x\"\n"), None);
        assert_eq!(unclosed_quote("a,\"b\"  ,c\n"), None);
        assert_eq!(unclosed_quote("a\n\"b\"x,c\n"), Some(2));
        assert_eq!(unclosed_quote("\"a\nb\",\"c"), Some(2));
    }

    #[test]
    fn read_file_recognises_the_export_even_in_windows_1252() {
        let parsed = crate::exchange::read_file("Connections.csv", SAMPLE.as_bytes()).unwrap();
        assert_eq!(parsed.format, crate::exchange::Format::LinkedIn);
        assert_eq!(parsed.contacts, read(SAMPLE).unwrap());
        // A spreadsheet program saved it as Windows-1252: "José" is 4A 6F 73 E9.
        let latin: Vec<u8> = OLD
            .replace("Grace", "José")
            .chars()
            .map(|c| u8::try_from(u32::from(c)).unwrap())
            .collect();
        let parsed = crate::exchange::read_file("Connections.csv", &latin).unwrap();
        assert_eq!(parsed.contacts[0].name, "José Hopper");
    }
}
