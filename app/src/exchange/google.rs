//! Google Contacts CSV, in both header sets Google has used.
//!
//! The current export has "First Name", "Middle Name", "Last Name", "Organization Name",
//! "Organization Title", "Labels" and numbered groups ("E-mail 1 - Label", "E-mail 1 - Value",
//! "Phone 2 - Value", "Address 1 - City", "Website 1 - Value", …). The legacy one has "Name",
//! "Given Name", "Family Name", "Group Membership", "E-mail 1 - Type" and numbered
//! organisations ("Organization 1 - Name"). One cell may hold several values separated by
//! " ::: ", and a label starting with "* " marks the primary value (or, among labels, one of
//! Google's own system groups such as "* myContacts").
//!
//! A few plain column names other spreadsheets use ("Email", "Phone", "Company", "Job Title",
//! "LinkedIn") are read too, so a simple hand-made list of names imports as well.

use super::csv_text::rows;
use super::linkedin::{add_web_address, unclosed_quote, unclosed_quote_error, Columns};
use super::{join_name, Contact, ImportError};
use crate::domain::sorting::sort_by_key;
use crate::domain::{Detail, DetailKind};

/// Columns that hold (part of) a person's name; a file with none of them isn't a contacts list.
const NAME_COLUMNS: [&str; 5] = [
    "Name",
    "First Name",
    "Given Name",
    "Last Name",
    "Family Name",
];

/// Single email columns of other tools.
const EMAIL_COLUMNS: [&str; 4] = ["E-mail Address", "Email Address", "Email", "E-mail"];
/// Single phone columns of other tools.
const PHONE_COLUMNS: [&str; 5] = [
    "Phone",
    "Mobile Phone",
    "Primary Phone",
    "Business Phone",
    "Home Phone",
];

/// Whether the file's header row has a Google Contacts name column ("Name", "First Name", …).
pub fn looks_like(text: &str) -> bool {
    let Some(line) = text
        .split('\n')
        .map(|line| line.trim_start_matches('\u{feff}').trim_end_matches('\r'))
        .find(|line| !line.trim().is_empty())
    else {
        return false;
    };
    match rows(line).ok().and_then(|rows| rows.into_iter().next()) {
        Some(header) => Columns::new(&header.cells).has_any(&NAME_COLUMNS),
        None => false,
    }
}

/// Reads a Google Contacts CSV export.
pub fn read(text: &str) -> Result<Vec<Contact>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if let Some(line) = unclosed_quote(text) {
        return Err(unclosed_quote_error(line));
    }
    let mut records = rows(text).map_err(unclosed_quote_error)?.into_iter();
    let columns = Columns::new(&records.next().map(|row| row.cells).unwrap_or_default());
    if !columns.has_any(&NAME_COLUMNS) {
        return Err(ImportError::whole(
            "This CSV file has no \"Name\" or \"First Name\" column, so it isn't a Google Contacts export.",
        ));
    }
    let groups = numbered_groups(&columns);
    let mut contacts = Vec::new();
    for record in records {
        if let Some(contact) = row(&columns, groups, &record.cells, record.line) {
            contacts.push(contact);
        }
    }
    Ok(contacts)
}

/// The highest number of any numbered column ("E-mail 3 - Value" → 3).
fn numbered_groups(columns: &Columns) -> usize {
    columns
        .names()
        .filter_map(|name| {
            let (group, _) = name.split_once(" - ")?;
            let (_, number) = group.rsplit_once(' ')?;
            number.trim().parse::<usize>().ok()
        })
        .max()
        .unwrap_or(0)
        // A damaged header must not make every row walk a billion empty groups.
        .min(1_000)
}

/// One row as a contact; `None` for a row with no name, email or phone.
fn row(columns: &Columns, groups: usize, record: &[String], line: usize) -> Option<Contact> {
    let get = |name: &str| columns.get(record, name);
    let first = |names: &[&str]| columns.first(record, names);

    let mut personal = first(&["Name"]).to_owned();
    if personal.is_empty() {
        personal = join_name([
            get("Name Prefix"),
            first(&["First Name", "Given Name"]),
            first(&["Middle Name", "Additional Name"]),
            first(&["Last Name", "Family Name"]),
            get("Name Suffix"),
        ]);
    }
    if personal.is_empty() {
        personal = first(&["Nickname", "File As"]).to_owned();
    }

    let mut emails = Ranked::default();
    let mut phones = Ranked::default();
    for n in 1..=groups {
        let label = |kind: &str| {
            first(&[
                &format!("{kind} {n} - Label"),
                &format!("{kind} {n} - Type"),
            ])
        };
        emails.add(label("E-mail"), get(&format!("E-mail {n} - Value")));
        phones.add(label("Phone"), get(&format!("Phone {n} - Value")));
    }
    for column in EMAIL_COLUMNS {
        emails.add("", get(column));
    }
    for column in PHONE_COLUMNS {
        phones.add("", get(column));
    }
    let emails = emails.into_values();
    let phones = phones.into_values();
    if personal.is_empty() && emails.is_empty() && phones.is_empty() {
        return None;
    }

    let mut organisations: Vec<String> = Vec::new();
    let mut roles: Vec<String> = Vec::new();
    let numbered =
        |attr: &'static str| (1..=groups).map(move |n| format!("Organization {n} - {attr}"));
    let org_columns = ["Organization Name".to_owned()]
        .into_iter()
        .chain(numbered("Name"))
        .chain(["Company", "Organisation", "Organization"].map(String::from));
    for column in org_columns {
        push_new(&mut organisations, split(get(&column)));
    }
    let role_columns = ["Organization Title".to_owned()]
        .into_iter()
        .chain(numbered("Title"))
        .chain(["Job Title", "Role", "Position"].map(String::from));
    for column in role_columns {
        push_new(&mut roles, split(get(&column)));
    }

    let name = if personal.is_empty() {
        organisations
            .first()
            .or(emails.first())
            .or(phones.first())
            .cloned()
            .unwrap_or_default()
    } else {
        personal
    };

    let mut contact = Contact {
        line,
        name,
        emails,
        phones,
        location: location(columns, groups, record),
        notes: get("Notes").replace("\r\n", "\n"),
        ..Contact::default()
    };
    let nickname = get("Nickname");
    if !nickname.is_empty() && !nickname.eq_ignore_ascii_case(&contact.name) {
        contact.also.push(Detail {
            kind: DetailKind::Name,
            value: nickname.to_owned(),
        });
    }
    let mut organisations = organisations.into_iter();
    contact.organisation = organisations.next().unwrap_or_default();
    contact.also.extend(organisations.map(|value| Detail {
        kind: DetailKind::Organisation,
        value,
    }));
    let mut roles = roles.into_iter();
    contact.role = roles.next().unwrap_or_default();
    contact.also.extend(roles.map(|value| Detail {
        kind: DetailKind::Role,
        value,
    }));
    for n in 1..=groups {
        for url in split(get(&format!("Website {n} - Value"))) {
            add_web_address(&mut contact, url);
        }
    }
    for column in ["LinkedIn", "Website", "Web Page"] {
        for url in split(get(column)) {
            add_web_address(&mut contact, url);
        }
    }
    for label in split(first(&["Labels", "Group Membership"])) {
        let system = label.starts_with("* ");
        if !system && !contact.tags.iter().any(|t| t.eq_ignore_ascii_case(label)) {
            contact.tags.push(label.to_owned());
        }
    }
    Some(contact)
}

/// "City, Region, Country" of the first address that has any, else the first line of the first
/// formatted address, else the legacy free "Location" column.
fn location(columns: &Columns, groups: usize, record: &[String]) -> String {
    let get = |name: String| columns.get(record, &name);
    let first_value = |cell: &str| split(cell).next().unwrap_or("").to_owned();
    for n in 1..=groups {
        let place = join_list([
            first_value(get(format!("Address {n} - City"))),
            first_value(get(format!("Address {n} - Region"))),
            first_value(get(format!("Address {n} - Country"))),
        ]);
        if !place.is_empty() {
            return place;
        }
    }
    for n in 1..=groups {
        let formatted = first_value(get(format!("Address {n} - Formatted")));
        if let Some(line) = formatted.lines().map(str::trim).find(|l| !l.is_empty()) {
            return line.to_owned();
        }
    }
    first_value(columns.get(record, "Location"))
}

fn join_list(parts: [String; 3]) -> String {
    parts
        .iter()
        .map(|p| p.trim())
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The values of a cell that holds several separated by " ::: ".
fn split(cell: &str) -> impl Iterator<Item = &str> {
    cell.split(":::").map(str::trim).filter(|v| !v.is_empty())
}

fn push_new<'a>(list: &mut Vec<String>, values: impl Iterator<Item = &'a str>) {
    for value in values {
        if !list.iter().any(|seen| seen.eq_ignore_ascii_case(value)) {
            list.push(value.to_owned());
        }
    }
}

/// Values in file order, the ones whose label marks them primary ("* Work") first.
#[derive(Default)]
struct Ranked {
    values: Vec<(bool, String)>,
}

impl Ranked {
    fn add(&mut self, label: &str, cell: &str) {
        let primary = label.starts_with('*');
        for value in split(cell) {
            if !self
                .values
                .iter()
                .any(|(_, seen)| seen.eq_ignore_ascii_case(value))
            {
                self.values.push((primary, value.to_owned()));
            }
        }
    }

    fn into_values(mut self) -> Vec<String> {
        sort_by_key(&mut self.values, |(primary, _)| !primary);
        self.values.into_iter().map(|(_, value)| value).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CURRENT: &str = include_str!("samples/google_contacts.csv");
    const LEGACY: &str = include_str!("samples/google_contacts_legacy.csv");

    fn names(contacts: &[Contact]) -> Vec<&str> {
        contacts.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn recognises_both_header_sets_and_nothing_else() {
        assert!(looks_like(CURRENT));
        assert!(looks_like(LEGACY));
        assert!(looks_like(&format!(
            "\u{feff}\r\n{}",
            CURRENT.replace('\n', "\r\n")
        )));
        assert!(!looks_like("Date,Amount,Payee\n2024-01-02,12.00,Cafe\n"));
        assert!(!looks_like(""));
        assert!(!looks_like("BEGIN:VCARD\nFN:Jane\nEND:VCARD\n"));
    }

    #[test]
    fn reads_the_current_export() {
        let contacts = read(CURRENT).unwrap();
        // The empty row and the row with only notes are skipped.
        assert_eq!(
            names(&contacts),
            [
                "Dr. Danielle R. Okoye",
                "Tomasz Wiśniewski",
                "Acme Plumbing",
                "Kenji Watanabe"
            ]
        );
        let dani = &contacts[0];
        // "* Home" marks the primary address, so it comes first.
        assert_eq!(
            dani.emails,
            ["dani.okoye@example.com", "danielle.okoye@example.org"]
        );
        assert_eq!(
            dani.phones,
            ["+1 312-555-0147", "+1 312-555-0100", "+1 312-555-0101"]
        );
        assert_eq!(dani.organisation, "Riverside Children's Hospital");
        assert_eq!(dani.role, "Pediatric Nurse Practitioner");
        assert_eq!(dani.location, "Chicago, IL, US");
        assert_eq!(
            dani.notes,
            "Met at the APNA conference in Chicago.\nHappy to talk about NP programs; prefers mornings."
        );
        assert_eq!(dani.tags, ["Nursing"]);
        assert_eq!(
            dani.linkedin,
            "https://www.linkedin.com/in/danielle-okoye-np"
        );
        assert_eq!(dani.websites, ["https://daninurses.example.com"]);
        assert_eq!(dani.line, 2);
        assert_eq!(
            dani.also,
            [Detail {
                kind: DetailKind::Name,
                value: "Dani".into()
            }]
        );
        assert!(dani.key.is_none() && dani.acquaintance.is_none());

        let tomasz = &contacts[1];
        assert_eq!(
            tomasz.emails,
            ["tomasz@fabrikam.example", "t.wisniewski@example.pl"]
        );
        assert_eq!(tomasz.organisation, "Fabrikam, Inc.");
        assert_eq!(tomasz.tags, ["Data", "Referrals"]);
        // No city, region or country: the formatted address's first line.
        assert_eq!(tomasz.location, "ul. Marszałkowska 10");
        assert_eq!(tomasz.line, 6);

        let acme = &contacts[2];
        assert_eq!(acme.phones, ["+44 20 7946 0958"]);
        assert_eq!(acme.organisation, "Acme Plumbing");
        assert_eq!(acme.line, 10);

        let kenji = &contacts[3];
        assert_eq!(kenji.role, "Director, \"Play\" Research");
        assert_eq!(kenji.location, "Osaka, Japan");
        assert_eq!(kenji.linkedin, "https://linkedin.com/in/kenji-watanabe");
        assert_eq!(kenji.tags, ["Mentors"]);
        assert_eq!(kenji.line, 12);
    }

    #[test]
    fn reads_the_legacy_export() {
        let contacts = read(LEGACY).unwrap();
        assert_eq!(names(&contacts), ["Rosa Delgado", "Ahmed Haddad"]);
        let rosa = &contacts[0];
        assert_eq!(
            rosa.emails,
            ["rosa.delgado@example.net", "rdelgado@city.example.gov"]
        );
        assert_eq!(rosa.phones, ["(505) 555-0132"]);
        assert_eq!(rosa.organisation, "City of Albuquerque");
        assert_eq!(rosa.role, "Senior Planner");
        assert_eq!(rosa.tags, ["Friends", "Urban planning"]);
        assert_eq!(rosa.location, "1200 Central Ave SW");
        assert_eq!(rosa.websites, ["https://rosadelgado.example.net"]);
        assert_eq!(rosa.linkedin, "https://www.linkedin.com/in/rosadelgado");
        assert_eq!(
            rosa.notes,
            "Former manager at the food bank.\nKnows everyone in city planning."
        );
        let ahmed = &contacts[1];
        assert_eq!(ahmed.location, "Amman");
        assert_eq!(ahmed.organisation, "Zain");
        assert_eq!(ahmed.role, "Network Architect");
        assert!(ahmed.tags.is_empty());
        assert_eq!(ahmed.line, 5);
    }

    #[test]
    fn crlf_and_a_byte_order_mark_read_the_same() {
        let windows = format!("\u{feff}{}", CURRENT.replace('\n', "\r\n"));
        let contacts = read(&windows).unwrap();
        assert_eq!(contacts[0].name, "Dr. Danielle R. Okoye");
        // Notes lose the CR of their line breaks; every line number stays right.
        assert_eq!(contacts, read(CURRENT).unwrap());
    }

    #[test]
    fn headers_match_whatever_their_case_and_spacing() {
        let text = " first name ,LAST NAME, e-mail 1 - value ,Labels\nAda,Lovelace,ada@example.com,Maths ::: * starred\n";
        let contacts = read(text).unwrap();
        assert_eq!(contacts[0].name, "Ada Lovelace");
        assert_eq!(contacts[0].emails, ["ada@example.com"]);
        assert_eq!(contacts[0].tags, ["Maths"]);
    }

    #[test]
    fn a_nameless_contact_is_named_by_email_or_phone() {
        let text = "Name,E-mail 1 - Value,Phone 1 - Value\n,someone@example.com,\n,,+1 555 0100\n";
        let contacts = read(text).unwrap();
        assert_eq!(names(&contacts), ["someone@example.com", "+1 555 0100"]);
        assert_eq!(contacts[1].phones, ["+1 555 0100"]);
    }

    #[test]
    fn a_simple_spreadsheet_list_is_read_too() {
        let text = "Name,Email,Company,Job Title,LinkedIn\nBo Li,bo@example.com,Initech,Analyst,https://www.linkedin.com/in/boli\n";
        let contact = &read(text).unwrap()[0];
        assert_eq!(contact.emails, ["bo@example.com"]);
        assert_eq!(contact.organisation, "Initech");
        assert_eq!(contact.role, "Analyst");
        assert_eq!(contact.linkedin, "https://www.linkedin.com/in/boli");
    }

    #[test]
    fn extra_organisations_are_kept_as_details() {
        let text = "Name,Organization 1 - Name,Organization 1 - Title,Organization 2 - Name,Organization 2 - Title\nCy Young,Acme,Engineer,Globex ::: Acme,Advisor\n";
        let contact = &read(text).unwrap()[0];
        assert_eq!(contact.organisation, "Acme");
        assert_eq!(contact.role, "Engineer");
        assert_eq!(
            contact.also,
            [
                Detail {
                    kind: DetailKind::Organisation,
                    value: "Globex".into()
                },
                Detail {
                    kind: DetailKind::Role,
                    value: "Advisor".into()
                }
            ]
        );
    }

    #[test]
    fn a_quote_never_closed_names_its_line() {
        let text = CURRENT.replace(
            "\"Director, \"\"Play\"\" Research\"",
            "\"Director, Play Research",
        );
        let error = read(&text).unwrap_err();
        assert_eq!(error.line, Some(12));
        assert!(error.to_string().starts_with("Line 12: "), "{error}");
        let text = CURRENT.replace("\"Met at the APNA", "\"Met at the \"APNA");
        assert_eq!(read(&text).unwrap_err().line, Some(2));
    }

    #[test]
    fn a_file_without_a_name_column_is_refused() {
        let error = read("Date,Amount\n2024-01-01,3\n").unwrap_err();
        assert_eq!(error.line, None);
        assert!(error.message.contains("Name"), "{error}");
    }

    #[test]
    fn read_file_recognises_both_exports_as_google() {
        for sample in [CURRENT, LEGACY] {
            let parsed = crate::exchange::read_file("contacts.csv", sample.as_bytes()).unwrap();
            assert_eq!(parsed.format, crate::exchange::Format::Google);
            assert_eq!(parsed.contacts, read(sample).unwrap());
        }
    }
}
