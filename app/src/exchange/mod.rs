//! Bringing people in from other tools and taking the network and the record out again.
//!
//! Pure, like `domain` and `doc`: bytes in, typed values out (and back). Every reader turns a
//! file into [`Contact`]s, the one shape the import preview and the merge rules work on, or
//! fails with an [`ImportError`] that names the line and the problem. Nothing here touches the
//! document: [`merge`] plans an import and the caller applies the plan as one change.

pub mod csv_text;
pub mod google;
pub mod ics;
pub mod json;
pub mod lines;
pub mod linkedin;
pub mod merge;
pub mod table;
pub mod vcard;

use crate::domain::{Acquaintance, Detail};

/// One person as another tool exported them, before it is matched against the network.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Contact {
    /// The line of the file where this contact starts (1-based), for messages.
    pub line: usize,
    /// The file's own id for this person (a JSON id, a vCard UID), used to resolve referrals
    /// inside the same file and, for ids Colloquy wrote, to keep the person's id.
    pub key: Option<String>,
    pub name: String,
    /// Every email address, the preferred one first.
    pub emails: Vec<String>,
    /// Every phone number, the preferred one first.
    pub phones: Vec<String>,
    pub linkedin: String,
    /// Other web addresses (personal sites, other profiles).
    pub websites: Vec<String>,
    pub organisation: String,
    pub role: String,
    pub location: String,
    pub fields: Vec<String>,
    pub tags: Vec<String>,
    pub how_we_know: String,
    pub notes: String,
    /// The `key` of the contact in the same file who referred this one.
    pub referred_by: Option<String>,
    /// Set only when the file says so (Colloquy's own exports do).
    pub acquaintance: Option<Acquaintance>,
    /// Extra values the file holds beyond the fields above (a second LinkedIn address, another
    /// name, Colloquy's own "also" entries of kinds other than email, phone and website).
    pub also: Vec<Detail>,
}

/// The formats Colloquy reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Format {
    LinkedIn,
    Google,
    VCard,
    /// Colloquy's own people export.
    Json,
}

impl Format {
    pub fn label(self) -> &'static str {
        match self {
            Format::LinkedIn => "LinkedIn connections export",
            Format::Google => "Google Contacts export",
            Format::VCard => "vCard file",
            Format::Json => "Colloquy people file",
        }
    }
}

/// Why a file could not be read. Nothing is imported from a file that fails.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.describe())]
pub struct ImportError {
    /// The 1-based line the problem is on, when there is one.
    pub line: Option<usize>,
    pub message: String,
}

impl ImportError {
    pub fn at(line: usize, message: impl Into<String>) -> ImportError {
        ImportError {
            line: Some(line),
            message: message.into(),
        }
    }

    pub fn whole(message: impl Into<String>) -> ImportError {
        ImportError {
            line: None,
            message: message.into(),
        }
    }

    fn describe(&self) -> String {
        match self.line {
            Some(line) => format!("Line {line}: {}", self.message),
            None => self.message.clone(),
        }
    }
}

/// A file read into contacts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parsed {
    pub format: Format,
    pub contacts: Vec<Contact>,
}

/// Reads a file of any supported format, recognised by its content (the name only breaks ties).
pub fn read_file(name: &str, bytes: &[u8]) -> Result<Parsed, ImportError> {
    read_text(name, &decode_text(bytes)?)
}

/// Reads a file's text (see [`decode_text`]) as [`read_file`] does.
pub fn read_text(name: &str, text: &str) -> Result<Parsed, ImportError> {
    let format = detect(name, text)?;
    let contacts = match format {
        Format::LinkedIn => linkedin::read(text)?,
        Format::Google => google::read(text)?,
        Format::VCard => vcard::read(text)?,
        Format::Json => json::read(text)?,
    };
    Ok(Parsed { format, contacts })
}

/// The file as text: UTF-8 (a byte-order mark is dropped), or failing that Windows-1252, which
/// is what spreadsheet programs save "CSV" as on many machines.
pub fn decode_text(bytes: &[u8]) -> Result<String, ImportError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Err(ImportError::whole(
            "This file is saved as UTF-16. Save it as UTF-8 (or CSV UTF-8) and import it again.",
        ));
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(_) if bytes.contains(&0) => Err(ImportError::whole(
            "This doesn't look like a text file. Choose a .csv, .vcf or .json file.",
        )),
        Err(_) => Ok(bytes.iter().map(|&b| windows_1252(b)).collect()),
    }
}

/// One byte of Windows-1252 as a character (Latin-1 with typographic marks in 0x80–0x9F).
fn windows_1252(byte: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8d}', 'Ž',
        '\u{8f}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9d}',
        'ž', 'Ÿ',
    ];
    match byte {
        0x80..=0x9F => HIGH[usize::from(byte - 0x80)],
        _ => char::from(byte),
    }
}

/// Which reader a file needs.
fn detect(name: &str, text: &str) -> Result<Format, ImportError> {
    let start = text.trim_start();
    if start.starts_with('{') || start.starts_with('[') {
        return Ok(Format::Json);
    }
    if start
        .get(..11)
        .is_some_and(|s| s.eq_ignore_ascii_case("BEGIN:VCARD"))
    {
        return Ok(Format::VCard);
    }
    if linkedin::header_line(text).is_some() {
        return Ok(Format::LinkedIn);
    }
    if google::looks_like(text) {
        return Ok(Format::Google);
    }
    let name = name.to_ascii_lowercase();
    Err(ImportError::whole(
        if name.ends_with(".vcf") || name.ends_with(".vcard") {
            "This file has no BEGIN:VCARD line, so it isn't a vCard file.".to_owned()
        } else if name.ends_with(".csv") {
            "This CSV file isn't a LinkedIn or Google Contacts export: its header row has neither \
         LinkedIn's \"First Name, Last Name, … Connected On\" nor Google's \"Name\" or \"First Name\" columns."
            .to_owned()
        } else {
            "Colloquy reads LinkedIn's Connections.csv, Google Contacts CSV, vCard (.vcf) files and its own JSON export; this file is none of those.".to_owned()
        },
    ))
}

/// Splits "Jane Q. Doe" into given and family names for formats that want them apart.
pub fn split_name(name: &str) -> (String, String) {
    let name = name.trim();
    match name.rsplit_once(' ') {
        Some((given, family)) => (given.trim().to_owned(), family.to_owned()),
        None => (name.to_owned(), String::new()),
    }
}

/// Joins name parts, skipping the empty ones.
pub fn join_name<'a>(parts: impl IntoIterator<Item = &'a str>) -> String {
    parts
        .into_iter()
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
