//! Colloquy's own people file: every person with every detail, in JSON.
//!
//! ```json
//! {
//!   "colloquy": "people",
//!   "version": 1,
//!   "people": [
//!     { "id": "…", "name": "…", "email": "…", "phone": "…", "linkedin": "…",
//!       "organisation": "…", "role": "…", "location": "…", "fields": ["…"],
//!       "acquaintance": "already_know" | "referred", "how_we_know": "…",
//!       "referred_by": "<id>" | null, "tags": ["…"], "notes": "…",
//!       "also": [{ "kind": "email", "value": "…" }] }
//!   ]
//! }
//! ```
//!
//! Reading also accepts a bare array of person objects, and any field left out or `null`.

use super::{Contact, ImportError};
use crate::domain::{Acquaintance, Detail, DetailKind, Person, PersonId};
use serde::Serialize;

/// The marker of a people file.
const MARKER: &str = "people";
/// The newest format version this build reads (and the one it writes).
pub const VERSION: u64 = 1;

// ---- Names shared with the vCard writer ----

pub(crate) fn acquaintance_key(acquaintance: Acquaintance) -> &'static str {
    match acquaintance {
        Acquaintance::AlreadyKnow => "already_know",
        Acquaintance::Referred => "referred",
    }
}

pub(crate) fn acquaintance_from_key(key: &str) -> Option<Acquaintance> {
    [Acquaintance::AlreadyKnow, Acquaintance::Referred]
        .into_iter()
        .find(|&a| acquaintance_key(a).eq_ignore_ascii_case(key.trim()))
}

const KINDS: [DetailKind; 10] = [
    DetailKind::Name,
    DetailKind::Email,
    DetailKind::Phone,
    DetailKind::LinkedIn,
    DetailKind::Website,
    DetailKind::Organisation,
    DetailKind::Role,
    DetailKind::Location,
    DetailKind::HowWeKnow,
    DetailKind::Referrer,
];

pub(crate) fn kind_key(kind: DetailKind) -> &'static str {
    match kind {
        DetailKind::Name => "name",
        DetailKind::Email => "email",
        DetailKind::Phone => "phone",
        DetailKind::LinkedIn => "linkedin",
        DetailKind::Website => "website",
        DetailKind::Organisation => "organisation",
        DetailKind::Role => "role",
        DetailKind::Location => "location",
        DetailKind::HowWeKnow => "how_we_know",
        DetailKind::Referrer => "referrer",
    }
}

pub(crate) fn kind_from_key(key: &str) -> Option<DetailKind> {
    KINDS
        .into_iter()
        .find(|&k| kind_key(k).eq_ignore_ascii_case(key.trim()))
}

// ---- Writing ----

#[derive(Serialize)]
struct FileOut<'a> {
    colloquy: &'static str,
    version: u64,
    people: Vec<PersonOut<'a>>,
}

#[derive(Serialize)]
struct PersonOut<'a> {
    id: &'a str,
    name: &'a str,
    email: &'a str,
    phone: &'a str,
    linkedin: &'a str,
    organisation: &'a str,
    role: &'a str,
    location: &'a str,
    fields: &'a [String],
    acquaintance: &'static str,
    how_we_know: &'a str,
    referred_by: Option<&'a str>,
    tags: &'a [String],
    notes: &'a str,
    also: Vec<DetailOut<'a>>,
}

#[derive(Serialize)]
struct DetailOut<'a> {
    kind: &'static str,
    value: &'a str,
}

/// The people as Colloquy's JSON people file (pretty-printed, ending with a line break).
pub fn write(people: &[(PersonId, Person)]) -> String {
    let file = FileOut {
        colloquy: MARKER,
        version: VERSION,
        people: people
            .iter()
            .map(|(id, p)| PersonOut {
                id: id.as_str(),
                name: &p.name,
                email: &p.email,
                phone: &p.phone,
                linkedin: &p.linkedin,
                organisation: &p.organisation,
                role: &p.role,
                location: &p.location,
                fields: &p.fields,
                acquaintance: acquaintance_key(p.acquaintance),
                how_we_know: &p.how_we_know,
                referred_by: p.referred_by.as_ref().map(PersonId::as_str),
                tags: &p.tags,
                notes: &p.notes,
                also: p
                    .also
                    .iter()
                    .map(|d| DetailOut {
                        kind: kind_key(d.kind),
                        value: &d.value,
                    })
                    .collect(),
            })
            .collect(),
    };
    // Strings, slices and numbers always serialise.
    let mut text = serde_json::to_string_pretty(&file).expect("JSON of plain values");
    text.push('\n');
    text
}

// ---- Reading ----

// Read as a `serde_json::Value` and walked by hand rather than through derived
// deserialisers: the browser build already has the `Value` parser, and derived visitors for
// four types cost more of the download than this walk.

/// A person object as read, before it is checked.
#[derive(Default)]
struct PersonIn {
    id: Option<String>,
    name: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    linkedin: Option<String>,
    organisation: Option<String>,
    role: Option<String>,
    location: Option<String>,
    fields: Option<Vec<String>>,
    acquaintance: Option<String>,
    how_we_know: Option<String>,
    referred_by: Option<String>,
    tags: Option<Vec<String>>,
    notes: Option<String>,
    also: Option<Vec<DetailIn>>,
}

struct DetailIn {
    kind: String,
    value: Option<String>,
}

/// The marker and version, checked before people are read, so a newer file is refused before
/// its people are read with rules that may no longer fit them.
struct Header<'v> {
    colloquy: Option<&'v serde_json::Value>,
    version: Option<&'v serde_json::Value>,
}

/// Reads a Colloquy people file (or a bare array of person objects).
pub fn read(text: &str) -> Result<Vec<Contact>, ImportError> {
    use serde_json::Value;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let value: Value = serde_json::from_str(text).map_err(|error| json_error(&error))?;
    let (array, people) = match &value {
        Value::Array(people) => (true, people),
        Value::Object(file) => {
            check_header(&Header {
                colloquy: file.get("colloquy"),
                version: file.get("version"),
            })?;
            match file.get("people") {
                Some(Value::Array(people)) => (false, people),
                Some(Value::Null) | None => return Err(ImportError::whole(
                    "This JSON file has no \"people\" list, so it isn't a Colloquy people file.",
                )),
                Some(other) => {
                    return Err(ImportError::whole(format!(
                        "This file's \"people\" is {}, not a list of people.",
                        kind_of(other)
                    )))
                }
            }
        }
        other => {
            return Err(ImportError::whole(format!(
                "This JSON file holds {}, not a Colloquy people file.",
                kind_of(other)
            )))
        }
    };
    let lines = element_lines(text, array);
    people
        .iter()
        .enumerate()
        .map(|(i, person)| {
            let line = lines.get(i).copied().unwrap_or(1);
            contact(person_in(person, line)?, line)
        })
        .collect()
}

/// What a JSON value is, for an error message.
fn kind_of(value: &serde_json::Value) -> &'static str {
    use serde_json::Value;
    match value {
        Value::Null => "null",
        Value::Bool(_) => "true or false",
        Value::Number(_) => "a number",
        Value::String(_) => "text",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// A person object's fields, each checked for its type; unknown fields are ignored.
fn person_in(value: &serde_json::Value, line: usize) -> Result<PersonIn, ImportError> {
    use serde_json::Value;
    let Value::Object(object) = value else {
        return Err(ImportError::at(
            line,
            format!(
                "Each person is an object in braces, not {}.",
                kind_of(value)
            ),
        ));
    };
    let wrong = |key: &str, expected: &str, found: &Value| {
        ImportError::at(
            line,
            format!("\"{key}\" should be {expected}, not {}.", kind_of(found)),
        )
    };
    let text = |key: &str| -> Result<Option<String>, ImportError> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => Ok(Some(text.clone())),
            Some(other) => Err(wrong(key, "text", other)),
        }
    };
    let texts = |key: &str| -> Result<Option<Vec<String>>, ImportError> {
        match object.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| match item {
                    Value::String(text) => Ok(text.clone()),
                    other => Err(wrong(key, "a list of text", other)),
                })
                .collect::<Result<Vec<_>, _>>()
                .map(Some),
            Some(other) => Err(wrong(key, "a list of text", other)),
        }
    };
    let also = match object.get("also") {
        None | Some(Value::Null) => None,
        Some(Value::Array(items)) => Some(
            items
                .iter()
                .map(|item| {
                    let kind = item.get("kind");
                    match (item, kind, item.get("value")) {
                        (Value::Object(_), Some(Value::String(kind)), None | Some(Value::Null)) => {
                            Ok(DetailIn { kind: kind.clone(), value: None })
                        }
                        (Value::Object(_), Some(Value::String(kind)), Some(Value::String(v))) => {
                            Ok(DetailIn { kind: kind.clone(), value: Some(v.clone()) })
                        }
                        _ => Err(ImportError::at(
                            line,
                            "Each detail in \"also\" is an object with a \"kind\" and a \"value\", both text.",
                        )),
                    }
                })
                .collect::<Result<Vec<_>, _>>()?,
        ),
        Some(other) => return Err(wrong("also", "a list of details", other)),
    };
    Ok(PersonIn {
        id: text("id")?,
        name: text("name")?,
        email: text("email")?,
        phone: text("phone")?,
        linkedin: text("linkedin")?,
        organisation: text("organisation")?,
        role: text("role")?,
        location: text("location")?,
        fields: texts("fields")?,
        acquaintance: text("acquaintance")?,
        how_we_know: text("how_we_know")?,
        referred_by: text("referred_by")?,
        tags: texts("tags")?,
        notes: text("notes")?,
        also,
    })
}

fn check_header(header: &Header) -> Result<(), ImportError> {
    match header.colloquy {
        None | Some(serde_json::Value::Null) => {}
        Some(serde_json::Value::String(marker)) if marker == MARKER => {}
        Some(serde_json::Value::String(marker)) => {
            return Err(ImportError::whole(format!(
                "This is a Colloquy \"{marker}\" file, not a people file: choose the file Colloquy \
                 saved under \"Export people\"."
            )))
        }
        Some(other) => {
            return Err(ImportError::whole(format!(
                "This JSON file's \"colloquy\" marker is {other}, not \"people\", so it isn't a \
                 Colloquy people file."
            )))
        }
    }
    match header.version {
        None | Some(serde_json::Value::Null) => Ok(()),
        Some(serde_json::Value::Number(n)) => match n.as_u64() {
            Some(version) if version <= VERSION => Ok(()),
            Some(version) => Err(ImportError::whole(format!(
                "This people file is format version {version}, from a newer Colloquy; this one \
                 reads up to version {VERSION}. Update Colloquy (reload the page) and import it again."
            ))),
            None => Err(ImportError::whole(format!(
                "This people file's version is {n}, which isn't a version number."
            ))),
        },
        Some(other) => Err(ImportError::whole(format!(
            "This people file's version is {other}, which isn't a version number."
        ))),
    }
}

/// A serde_json error as an import error naming its line.
fn json_error(error: &serde_json::Error) -> ImportError {
    let full = error.to_string();
    // serde_json appends " at line L column C"; the line goes into the error instead.
    let message = full
        .rsplit_once(" at line ")
        .map_or(full.as_str(), |(message, _)| message);
    let message = match error.classify() {
        serde_json::error::Category::Syntax => format!("This isn't valid JSON: {message}."),
        serde_json::error::Category::Eof => {
            "The JSON ends too soon: the file may be cut short.".to_owned()
        }
        serde_json::error::Category::Data => format!("Unexpected value: {message}."),
        serde_json::error::Category::Io => format!("The file can't be read: {message}."),
    };
    if error.line() == 0 {
        ImportError::whole(message)
    } else {
        ImportError::at(error.line(), message)
    }
}

fn contact(person: PersonIn, line: usize) -> Result<Contact, ImportError> {
    let clean = |value: Option<String>| value.map(|v| v.trim().to_owned()).unwrap_or_default();
    let name = clean(person.name);
    if name.is_empty() {
        return Err(ImportError::at(line, "This person has no name."));
    }
    let acquaintance = match person.acquaintance.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(key) => Some(acquaintance_from_key(key).ok_or_else(|| {
            ImportError::at(
                line,
                format!("\"acquaintance\" is \"{key}\", not \"already_know\" or \"referred\"."),
            )
        })?),
    };
    let mut contact = Contact {
        line,
        key: Some(clean(person.id)).filter(|id| !id.is_empty()),
        name,
        linkedin: clean(person.linkedin),
        organisation: clean(person.organisation),
        role: clean(person.role),
        location: clean(person.location),
        fields: list(person.fields),
        tags: list(person.tags),
        how_we_know: clean(person.how_we_know),
        notes: person.notes.unwrap_or_default(),
        referred_by: Some(clean(person.referred_by)).filter(|id| !id.is_empty()),
        acquaintance,
        ..Contact::default()
    };
    let email = clean(person.email);
    if !email.is_empty() {
        contact.emails.push(email);
    }
    let phone = clean(person.phone);
    if !phone.is_empty() {
        contact.phones.push(phone);
    }
    for detail in person.also.unwrap_or_default() {
        let kind = kind_from_key(&detail.kind).ok_or_else(|| {
            ImportError::at(
                line,
                format!(
                    "\"also\" has a detail of kind \"{}\", which Colloquy doesn't know.",
                    detail.kind
                ),
            )
        })?;
        let value = clean(detail.value);
        if value.is_empty() {
            continue;
        }
        match kind {
            DetailKind::Email => contact.emails.push(value),
            DetailKind::Phone => contact.phones.push(value),
            DetailKind::Website => contact.websites.push(value),
            kind => contact.also.push(Detail { kind, value }),
        }
    }
    Ok(contact)
}

fn list(items: Option<Vec<String>>) -> Vec<String> {
    items
        .unwrap_or_default()
        .into_iter()
        .map(|item| item.trim().to_owned())
        .filter(|item| !item.is_empty())
        .collect()
}

/// The line (from 1) where each object of the people list opens: the elements of the
/// top-level array, or of the root object's "people" array. The text is valid JSON (it has
/// been parsed), so a scan of strings and brackets is enough.
fn element_lines(text: &str, top_level_array: bool) -> Vec<usize> {
    let mut lines = Vec::new();
    let mut line = 1;
    let mut stack: Vec<u8> = Vec::new();
    let mut in_string = false;
    let mut escaped = false;
    let mut string = String::new();
    let mut key: Option<String> = None;
    let mut last_string: Option<String> = None;
    // The stack depth inside the people array, once it is open.
    let mut people_depth = if top_level_array { Some(1) } else { None };
    for c in text.chars() {
        if c == '\n' {
            line += 1;
        }
        if in_string {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
                last_string = Some(std::mem::take(&mut string));
            } else if stack.len() == 1 {
                string.push(c);
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            ':' if stack.len() == 1 => key = last_string.take(),
            ',' if stack.len() == 1 => key = None,
            '{' | '[' => {
                if c == '{' && people_depth == Some(stack.len()) {
                    lines.push(line);
                }
                let byte = if c == '{' { b'{' } else { b'[' };
                stack.push(byte);
                if c == '['
                    && stack.len() == 2
                    && !top_level_array
                    && people_depth.is_none()
                    && key.as_deref() == Some(MARKER)
                {
                    people_depth = Some(2);
                }
            }
            '}' | ']' => {
                stack.pop();
            }
            _ => {}
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("samples/people.json");

    fn people() -> Vec<(PersonId, Person)> {
        let ada = Person {
            name: "Ada \"Countess\" Lovelace <script>".into(),
            email: "ada@example.com".into(),
            phone: "+44 20 7946 0000".into(),
            linkedin: "https://www.linkedin.com/in/ada".into(),
            organisation: "Analytical Engines".into(),
            role: "Programmer".into(),
            location: "London".into(),
            fields: vec!["Computing".into()],
            how_we_know: "Salon\nletters".into(),
            tags: vec!["mentor".into(), "🎉".into()],
            notes: "Line one\nLine two, \\ \u{202e}".into(),
            created_at: 5,
            updated_at: 6,
            also: vec![
                Detail {
                    kind: DetailKind::Email,
                    value: "countess@example.org".into(),
                },
                Detail {
                    kind: DetailKind::Website,
                    value: "https://ada.example.com".into(),
                },
                Detail {
                    kind: DetailKind::Role,
                    value: "Poet".into(),
                },
                Detail {
                    kind: DetailKind::HowWeKnow,
                    value: "Through Mary".into(),
                },
            ],
            ..Person::default()
        };
        let bo = Person {
            name: "Bo Li".into(),
            acquaintance: Acquaintance::Referred,
            referred_by: Some(PersonId::from("a".repeat(32))),
            also: vec![Detail {
                kind: DetailKind::Phone,
                value: "+1 555 0100".into(),
            }],
            ..Person::default()
        };
        vec![
            (PersonId::from("a".repeat(32)), ada),
            (PersonId::from("b".repeat(32)), bo),
        ]
    }

    #[test]
    fn writes_the_documented_shape() {
        let text = write(&people());
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["colloquy"], "people");
        assert_eq!(value["version"], 1);
        let ada = &value["people"][0];
        assert_eq!(ada["id"], "a".repeat(32));
        assert_eq!(ada["name"], "Ada \"Countess\" Lovelace <script>");
        assert_eq!(ada["acquaintance"], "already_know");
        assert_eq!(ada["referred_by"], serde_json::Value::Null);
        assert_eq!(ada["fields"][0], "Computing");
        assert_eq!(ada["also"][0]["kind"], "email");
        assert_eq!(ada["also"][3]["kind"], "how_we_know");
        let bo = &value["people"][1];
        assert_eq!(bo["acquaintance"], "referred");
        assert_eq!(bo["referred_by"], "a".repeat(32));
        assert!(text.ends_with("}\n"));
        assert!(text.contains("\n  \"people\": ["), "pretty-printed: {text}");
    }

    #[test]
    fn a_round_trip_keeps_every_value() {
        let people = people();
        let contacts = read(&write(&people)).unwrap();
        let (ada, bo) = (&contacts[0], &contacts[1]);
        assert_eq!(ada.key.as_deref(), Some(people[0].0.as_str()));
        assert_eq!(ada.name, people[0].1.name);
        assert_eq!(ada.emails, ["ada@example.com", "countess@example.org"]);
        assert_eq!(ada.phones, ["+44 20 7946 0000"]);
        assert_eq!(ada.websites, ["https://ada.example.com"]);
        assert_eq!(ada.linkedin, "https://www.linkedin.com/in/ada");
        assert_eq!(ada.organisation, "Analytical Engines");
        assert_eq!(ada.role, "Programmer");
        assert_eq!(ada.location, "London");
        assert_eq!(ada.fields, ["Computing"]);
        assert_eq!(ada.tags, ["mentor", "🎉"]);
        assert_eq!(ada.how_we_know, "Salon\nletters");
        assert_eq!(ada.notes, people[0].1.notes);
        assert_eq!(ada.acquaintance, Some(Acquaintance::AlreadyKnow));
        assert_eq!(
            ada.also,
            [
                Detail {
                    kind: DetailKind::Role,
                    value: "Poet".into()
                },
                Detail {
                    kind: DetailKind::HowWeKnow,
                    value: "Through Mary".into()
                }
            ]
        );
        assert_eq!(bo.referred_by, ada.key);
        assert_eq!(bo.acquaintance, Some(Acquaintance::Referred));
        assert_eq!(bo.phones, ["+1 555 0100"]);
        assert!(bo.emails.is_empty());
        // Each person's line is where its object opens.
        let text = write(&people);
        for contact in &contacts {
            let opening = text.lines().nth(contact.line - 1).unwrap();
            assert_eq!(opening.trim(), "{", "line {}", contact.line);
            let next = text.lines().nth(contact.line).unwrap();
            assert!(next.contains(contact.key.as_deref().unwrap()), "{next}");
        }
    }

    #[test]
    fn reads_a_hand_edited_file() {
        let contacts = read(SAMPLE).unwrap();
        assert_eq!(contacts.len(), 3);
        assert_eq!(contacts[0].name, "Farah Siddiqui");
        assert_eq!(contacts[0].line, 5);
        assert_eq!(
            contacts[0].key.as_deref(),
            Some("3f2a9c7e1b4d4e6f8a0b1c2d3e4f5a6b")
        );
        assert_eq!(
            contacts[0].emails,
            ["farah@example.com", "f.siddiqui@uni.example"]
        );
        assert_eq!(contacts[0].fields, ["Public health", "Epidemiology"]);
        // Missing and null fields read as empty.
        assert_eq!(contacts[1].name, "Gus Ortega");
        assert_eq!(contacts[1].line, 25);
        assert_eq!(contacts[1].organisation, "");
        assert_eq!(contacts[1].acquaintance, None);
        assert_eq!(
            contacts[1].referred_by.as_deref(),
            Some("3f2a9c7e1b4d4e6f8a0b1c2d3e4f5a6b")
        );
        assert_eq!(contacts[2].line, 31);
        assert_eq!(
            contacts[2].also,
            [Detail {
                kind: DetailKind::Name,
                value: "Hana".into()
            }]
        );
    }

    #[test]
    fn a_bare_array_of_people_is_read() {
        let text = "[\n  {\"name\": \"Ida\", \"email\": \"ida@example.com\"},\n\n  {\"name\": \"Jo\", \"id\": \"j1\", \"referred_by\": \"i1\"}\n]";
        let contacts = read(text).unwrap();
        assert_eq!(contacts.len(), 2);
        assert_eq!(contacts[0].line, 2);
        assert_eq!(contacts[0].emails, ["ida@example.com"]);
        assert_eq!(contacts[1].line, 4);
        assert_eq!(contacts[1].key.as_deref(), Some("j1"));
        assert_eq!(contacts[1].referred_by.as_deref(), Some("i1"));
    }

    #[test]
    fn a_syntax_error_names_its_line() {
        let text = SAMPLE.replacen("\"Public health\",", "\"Public health\",,", 1);
        let error = read(&text).unwrap_err();
        assert_eq!(error.line, Some(13));
        assert!(
            error.message.starts_with("This isn't valid JSON"),
            "{error}"
        );
        assert!(!error.message.contains("at line"), "{error}");
        let error = read(&SAMPLE[..SAMPLE.len() / 2]).unwrap_err();
        assert!(error.message.contains("cut short"), "{error}");
    }

    #[test]
    fn a_wrong_value_names_its_line() {
        // A value of the wrong type names the person's line and the field.
        let text = SAMPLE.replacen("\"tags\": [", "\"tags\": 7, \"x\": [", 1);
        let error = read(&text).unwrap_err();
        assert_eq!(error.line, Some(5));
        assert_eq!(
            error.message,
            "\"tags\" should be a list of text, not a number."
        );
        let text = SAMPLE.replacen("\"Epidemiology\"", "false", 1);
        assert!(read(&text)
            .unwrap_err()
            .message
            .contains("a list of text, not true or false"));
        let text = SAMPLE.replacen(
            "{\"kind\": \"name\", \"value\": \"Hana\"}",
            "{\"kind\": 3}",
            1,
        );
        assert_eq!(read(&text).unwrap_err().line, Some(31));
        assert!(read("[7]").unwrap_err().message.contains("not a number"));
        assert!(read("\"people\"")
            .unwrap_err()
            .message
            .contains("holds text"));
        assert!(read("{\"people\": {}}")
            .unwrap_err()
            .message
            .contains("not a list of people"));
        let text = SAMPLE.replacen("\"already_know\"", "\"old friend\"", 1);
        let error = read(&text).unwrap_err();
        assert_eq!(error.line, Some(5));
        assert!(error.message.contains("old friend"), "{error}");
        let text = SAMPLE.replacen("\"kind\": \"name\"", "\"kind\": \"nickname\"", 1);
        assert_eq!(read(&text).unwrap_err().line, Some(31));
    }

    #[test]
    fn a_person_without_a_name_names_its_line() {
        let text = SAMPLE.replacen("\"Gus Ortega\"", "\"  \"", 1);
        let error = read(&text).unwrap_err();
        assert_eq!(error.line, Some(25));
        assert_eq!(error.message, "This person has no name.");
    }

    #[test]
    fn other_files_and_newer_versions_are_refused_whole() {
        let error = read(&SAMPLE.replacen("\"people\",", "\"record\",", 1)).unwrap_err();
        assert_eq!(error.line, None);
        assert!(error.message.contains("\"record\""), "{error}");
        let error = read(&SAMPLE.replacen("\"version\": 1", "\"version\": 2", 1)).unwrap_err();
        assert_eq!(error.line, None);
        assert!(error.message.contains("version 2"), "{error}");
        assert!(error.message.contains("newer"), "{error}");
        let error = read("{\"colloquy\": 3, \"people\": []}").unwrap_err();
        assert_eq!(error.line, None);
        let error = read("{\"contacts\": []}").unwrap_err();
        assert!(error.message.contains("no \"people\" list"), "{error}");
        // An older (lower) version is read.
        assert!(read("{\"colloquy\": \"people\", \"version\": 0, \"people\": []}").is_ok());
    }

    #[test]
    fn element_lines_skip_strings_that_look_like_structure() {
        let text = "{\"notes\": \"{ [ \\\" people\",\n \"people\": [\n {\"name\": \"{\"},\n {\"also\": [{\"kind\": \"name\"}]}\n ]}";
        assert_eq!(element_lines(text, false), [3, 4]);
    }

    #[test]
    fn read_file_recognises_the_people_file() {
        let parsed = crate::exchange::read_file("people.json", SAMPLE.as_bytes()).unwrap();
        assert_eq!(parsed.format, crate::exchange::Format::Json);
        assert_eq!(parsed.contacts, read(SAMPLE).unwrap());
        let ours = write(&people());
        let parsed = crate::exchange::read_file("x.json", ours.as_bytes()).unwrap();
        assert_eq!(parsed.contacts.len(), 2);
    }
}
