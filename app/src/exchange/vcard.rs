//! vCard files (`.vcf`): reading any number of cards in vCard 2.1, 3.0 or 4.0, and writing the
//! network as vCard 4.0.
//!
//! The file is split into cards here, by its physical lines, so every error and every contact
//! can name its line; each card is then parsed by the `vcard-rs` crate, which unfolds lines,
//! joins quoted-printable soft line breaks and resolves escapes. Quoted-printable octets and
//! Latin-1 / Windows-1252 charsets are decoded here (the crate's `encoding` feature, with its
//! charset tables, is left out to keep the wasm small).

use super::json::{acquaintance_from_key, acquaintance_key, kind_from_key, kind_key};
use super::lines::{escape_list, escape_text, fold};
use super::linkedin::{add_linkedin_address, add_web_address, is_linkedin_url};
use super::{join_name, split_name, windows_1252, Contact, ImportError};
use crate::domain::sorting::sort_by_key;
use crate::domain::{Detail, DetailKind, Person, PersonId};
use ::vcard::tree::cst::VcardCst;
use ::vcard::tree::line::VcardLine;
use std::collections::HashMap;

/// The `TYPE` of the `RELATED` line that names who referred a person.
const REFERRED_BY_TYPE: &str = "x-referred-by";
/// The `TYPE` of the `URL` lines that hold LinkedIn profiles.
const LINKEDIN_TYPE: &str = "x-linkedin";

// ---- Reading ----

/// Reads every card of a vCard file.
pub fn read(text: &str) -> Result<Vec<Contact>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let cards = split_cards(text)?;
    if cards.is_empty() {
        return Err(ImportError::whole(
            "This file has no BEGIN:VCARD line, so it holds no cards.",
        ));
    }
    cards.into_iter().map(read_card).collect()
}

/// One card's text and the file line its BEGIN:VCARD is on.
struct CardText<'t> {
    line: usize,
    text: &'t str,
}

/// Splits the file into cards by scanning its physical lines for BEGIN:VCARD and END:VCARD,
/// checking on the way that every property line has a colon (so the error can name the line).
fn split_cards(text: &str) -> Result<Vec<CardText<'_>>, ImportError> {
    struct Open {
        line: usize,
        byte: usize,
        /// BEGIN lines nested inside the card (a vCard 2.1 AGENT).
        depth: usize,
        /// The previous physical line ended a quoted-printable line with a soft break.
        soft_break: bool,
    }
    let mut cards = Vec::new();
    let mut open: Option<Open> = None;
    let mut byte = 0;
    for (index, physical) in text.split_inclusive('\n').enumerate() {
        let number = index + 1;
        let start = byte;
        byte += physical.len();
        let content = physical.trim_end_matches(['\n', '\r']);
        let Some(card) = open.as_mut() else {
            // Between cards only blank lines (and an old DOS end-of-file mark) may stand.
            if content
                .trim_matches(|c: char| c.is_whitespace() || c == '\u{1a}')
                .is_empty()
            {
                continue;
            }
            if property_name(content).is_some_and(|n| n.eq_ignore_ascii_case("BEGIN"))
                && value_of(content).trim().eq_ignore_ascii_case("VCARD")
            {
                open = Some(Open {
                    line: number,
                    byte: start,
                    depth: 0,
                    soft_break: false,
                });
                continue;
            }
            return Err(ImportError::at(
                number,
                format!(
                    "\"{}\" stands outside any card: a card starts with BEGIN:VCARD.",
                    shorten(content)
                ),
            ));
        };
        if card.soft_break {
            card.soft_break = content.ends_with('=');
            continue;
        }
        if content.is_empty() || content.starts_with([' ', '\t']) {
            // A blank line, or the continuation of a folded line.
            continue;
        }
        let Some(name) = property_name(content) else {
            return Err(ImportError::at(
                number,
                format!(
                    "\"{}\" has no colon, so it isn't a vCard line (NAME:value).",
                    shorten(content)
                ),
            ));
        };
        let bare = name.rsplit('.').next().unwrap_or(name);
        if bare.eq_ignore_ascii_case("BEGIN") {
            card.depth += 1;
        } else if bare.eq_ignore_ascii_case("END") {
            if card.depth == 0 {
                cards.push(CardText {
                    line: card.line,
                    text: &text[card.byte..byte],
                });
                open = None;
                continue;
            }
            card.depth -= 1;
        }
        card.soft_break = content.ends_with('=') && is_quoted_printable_head(content);
    }
    if let Some(card) = open {
        return Err(ImportError::at(
            card.line,
            "This card has no END:VCARD line: the file may be cut short.",
        ));
    }
    Ok(cards)
}

/// The name (with any group) of a content line, or `None` when it has no colon.
fn property_name(content: &str) -> Option<&str> {
    let head = &content[..content.find(':')?];
    Some(head.split(';').next().unwrap_or(head).trim())
}

fn value_of(content: &str) -> &str {
    content.split_once(':').map_or("", |(_, value)| value)
}

fn is_quoted_printable_head(content: &str) -> bool {
    let head = content.split_once(':').map_or(content, |(head, _)| head);
    head.split(';').any(|token| {
        let token = token.trim();
        token.eq_ignore_ascii_case("QUOTED-PRINTABLE")
            || token.eq_ignore_ascii_case("ENCODING=QUOTED-PRINTABLE")
    })
}

/// A line shown in a message: at most 60 characters.
fn shorten(text: &str) -> String {
    let mut chars = text.chars();
    let short: String = chars.by_ref().take(60).collect();
    if chars.next().is_some() {
        format!("{short}…")
    } else {
        short
    }
}

/// What a line's parameters say, in every version's spelling (`TYPE=work,pref`, `type=WORK`,
/// the bare 2.1 `WORK;PREF;QUOTED-PRINTABLE`, `PREF=1`).
#[derive(Default)]
struct Params {
    /// Lower-cased `TYPE` values (and 2.1 bare types, and service types).
    types: Vec<String>,
    /// 1 is the most preferred; `u8::MAX` when unsaid.
    pref: u8,
    quoted_printable: bool,
    /// The charset names Latin-1 or Windows-1252.
    latin: bool,
    label: String,
    user: String,
}

impl Params {
    fn of(line: &VcardLine<'_>) -> Params {
        let mut params = Params {
            pref: u8::MAX,
            ..Params::default()
        };
        for param in &line.params {
            let name = param.name.get().trim().to_ascii_uppercase();
            // Each value unquoted, then split on the commas a quoted value may hold
            // (`TYPE="work,pref"`); LABEL keeps its commas.
            let raw: Vec<String> = param.values.iter().map(|v| unquote(v.get())).collect();
            let values: Vec<String> = raw
                .iter()
                .flat_map(|v| v.split(','))
                .map(|v| v.trim().to_owned())
                .collect();
            if param.values.is_empty() {
                match name.as_str() {
                    "QUOTED-PRINTABLE" => params.quoted_printable = true,
                    "PREF" => params.pref = 1,
                    "BASE64" | "B" | "8BIT" | "7BIT" => {}
                    _ => params.types.push(name.to_ascii_lowercase()),
                }
                continue;
            }
            match name.as_str() {
                "TYPE" | "SERVICE-TYPE" | "X-SERVICE-TYPE" => {
                    for value in values {
                        let value = value.to_ascii_lowercase();
                        if value == "pref" {
                            params.pref = 1;
                        } else {
                            params.types.push(value);
                        }
                    }
                }
                "PREF" => {
                    params.pref = values
                        .first()
                        .and_then(|v| v.parse().ok())
                        .unwrap_or(1)
                        .clamp(1, u8::MAX - 1);
                }
                "ENCODING" => {
                    params.quoted_printable = values
                        .iter()
                        .any(|v| v.eq_ignore_ascii_case("QUOTED-PRINTABLE"));
                }
                "CHARSET" => {
                    params.latin = values.first().is_some_and(|v| {
                        let v = v.to_ascii_lowercase();
                        v.contains("8859") || v.contains("1252") || v.contains("latin")
                    });
                }
                "LABEL" => params.label = raw.join(",").replace("\\n", "\n"),
                "X-USER" | "USERNAME" => params.user = values.join(","),
                _ => {}
            }
        }
        params
    }

    fn has_type(&self, wanted: &str) -> bool {
        self.types.iter().any(|t| t.contains(wanted))
    }
}

/// A parameter value without the double quotes around it (3.0 and 4.0 quote values holding
/// `,`, `;` or `:`); the 4.0 caret escapes (RFC 6868) resolved.
fn unquote(value: &str) -> String {
    let value = value.trim();
    let inner = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .unwrap_or(value);
    inner
        .replace("^n", "\n")
        .replace("^'", "\"")
        .replace("^^", "^")
}

/// A line's value, decoded: escapes resolved by the crate, then quoted-printable octets and the
/// charset here.
struct Value<'l, 'a> {
    line: &'l VcardLine<'a>,
    params: &'l Params,
}

impl Value<'_, '_> {
    /// The whole value as one text (`;` and `,` kept).
    fn text(&self) -> String {
        self.finish(&self.line.value.decode())
    }

    /// The `,`-separated items of the value.
    fn list(&self) -> Vec<String> {
        self.line
            .value
            .decode_list()
            .iter()
            .map(|item| self.finish(item))
            .collect()
    }

    /// The `i`th `;`-separated component (N, ADR, ORG).
    fn component(&self, i: usize) -> String {
        self.finish(&self.line.value.decode_component(i))
    }

    fn finish(&self, text: &str) -> String {
        let text = if self.params.quoted_printable {
            let bytes = decode_quoted_printable(text);
            if self.params.latin {
                bytes.iter().map(|&b| windows_1252(b)).collect()
            } else {
                match String::from_utf8(bytes) {
                    Ok(text) => text,
                    Err(error) => error
                        .into_bytes()
                        .iter()
                        .map(|&b| windows_1252(b))
                        .collect(),
                }
            }
        } else {
            text.to_owned()
        };
        if text.contains('\r') {
            text.replace("\r\n", "\n").replace('\r', "\n")
        } else {
            text
        }
    }
}

/// Quoted-printable `=XX` octets as bytes (the soft line breaks are already joined); an `=`
/// not followed by two hex digits is kept as it stands.
fn decode_quoted_printable(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' {
            let high = bytes.get(i + 1).and_then(|&b| char::from(b).to_digit(16));
            let low = bytes.get(i + 2).and_then(|&b| char::from(b).to_digit(16));
            if let (Some(high), Some(low)) = (high, low) {
                // Two hex digits make one byte.
                out.push(u8::try_from(high * 16 + low).unwrap_or(b'?'));
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    out
}

/// A UID (or a reference to one) as a key: `urn:uuid:` and dashes dropped, lower-cased, when
/// what remains is 32 hex digits (a Colloquy id or any UUID); otherwise the value as it is.
fn normalise_uid(value: &str) -> Option<String> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    let rest = value
        .get(..9)
        .filter(|p| p.eq_ignore_ascii_case("urn:uuid:"))
        .map_or(value, |_| &value[9..]);
    let hex: String = rest.chars().filter(|&c| c != '-').collect();
    if hex.len() == 32 && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        Some(hex.to_ascii_lowercase())
    } else {
        Some(value.to_owned())
    }
}

fn read_card(card: CardText<'_>) -> Result<Contact, ImportError> {
    let cst = VcardCst::parse(card.text).map_err(|error| {
        ImportError::at(
            card.line,
            format!("This card can't be read ({}).", shorten(&error.to_string())),
        )
    })?;

    // Apple's `itemN.X-ABLabel` names the other lines of group `itemN`.
    let mut labels: HashMap<String, String> = HashMap::new();
    for line in &cst.props {
        if line.bare_name().eq_ignore_ascii_case("X-ABLABEL") {
            if let Some(group) = line.group() {
                let params = Params::of(line);
                let label = Value {
                    line,
                    params: &params,
                }
                .text();
                labels.insert(group.to_ascii_lowercase(), label);
            }
        }
    }

    // Google's system groups ("myContacts", "starred") are no tags, except in our own files.
    let ours = cst.props.iter().any(|line| {
        line.bare_name().eq_ignore_ascii_case("PRODID") && line.value.decode().contains("Colloquy")
    });

    let mut contact = Contact {
        line: card.line,
        ..Contact::default()
    };
    let mut full_name = String::new();
    let mut structured_name = String::new();
    let mut emails: Vec<(u8, String)> = Vec::new();
    let mut phones: Vec<(u8, String)> = Vec::new();
    let mut places: Vec<(u8, String)> = Vec::new();
    let mut linkedins: Vec<(u8, String)> = Vec::new();
    let mut websites: Vec<String> = Vec::new();
    let mut titles: Vec<String> = Vec::new();
    let mut roles: Vec<String> = Vec::new();
    let mut notes: Vec<String> = Vec::new();
    let mut depth = 0usize;

    for line in &cst.props {
        let name = line.bare_name().to_ascii_uppercase();
        // Skip a nested card (a 2.1 AGENT) whole.
        match name.as_str() {
            "BEGIN" => {
                depth += 1;
                continue;
            }
            "END" => {
                depth = depth.saturating_sub(1);
                continue;
            }
            _ if depth > 0 => continue,
            _ => {}
        }
        let params = Params::of(line);
        let value = Value {
            line,
            params: &params,
        };
        let label = line
            .group()
            .and_then(|group| labels.get(&group.to_ascii_lowercase()))
            .map(|label| label.to_lowercase())
            .unwrap_or_default();
        match name.as_str() {
            "FN" => full_name = value.text().trim().to_owned(),
            "N" => {
                let part = |i| value.component(i);
                structured_name = join_name([
                    part(3).as_str(),
                    part(1).as_str(),
                    part(2).as_str(),
                    part(0).as_str(),
                    part(4).as_str(),
                ]);
            }
            "NICKNAME" => {
                for nickname in value.list() {
                    push_detail(&mut contact.also, DetailKind::Name, &nickname);
                }
            }
            "EMAIL" => {
                let email = value.text();
                let email = strip_scheme(email.trim(), "mailto:");
                if !email.is_empty() {
                    emails.push((params.pref, email.to_owned()));
                }
            }
            "TEL" => {
                let phone = value.text();
                let phone = strip_scheme(phone.trim(), "tel:");
                if !phone.is_empty() {
                    phones.push((params.pref, phone.to_owned()));
                }
            }
            "URL" => {
                let url = value.text().trim().to_owned();
                if params.has_type("linkedin")
                    || label.contains("linkedin")
                    || is_linkedin_url(&url)
                {
                    linkedins.push((params.pref, url));
                } else if !url.is_empty() {
                    websites.push(url);
                }
            }
            "X-SOCIALPROFILE" | "SOCIALPROFILE" => {
                let url = value.text().trim().to_owned();
                let is_web = url.to_ascii_lowercase().starts_with("http");
                if params.has_type("linkedin") || is_linkedin_url(&url) {
                    if is_web || is_linkedin_url(&url) {
                        linkedins.push((params.pref, url));
                    } else if !params.user.is_empty() {
                        linkedins.push((
                            params.pref,
                            format!("https://www.linkedin.com/in/{}", params.user.trim()),
                        ));
                    }
                } else if is_web {
                    websites.push(url);
                }
            }
            "ORG" => {
                let organisation = value.component(0).trim().to_owned();
                if contact.organisation.is_empty() {
                    contact.organisation = organisation;
                } else {
                    push_detail(&mut contact.also, DetailKind::Organisation, &organisation);
                }
            }
            "TITLE" => titles.push(value.text().trim().to_owned()),
            "ROLE" => roles.push(value.text().trim().to_owned()),
            "ADR" => {
                let place = [value.component(3), value.component(4), value.component(6)]
                    .iter()
                    .map(|p| p.trim())
                    .filter(|p| !p.is_empty())
                    .collect::<Vec<_>>()
                    .join(", ");
                let place = if place.is_empty() {
                    params
                        .label
                        .lines()
                        .map(str::trim)
                        .find(|l| !l.is_empty())
                        .unwrap_or("")
                        .to_owned()
                } else {
                    place
                };
                if !place.is_empty() {
                    places.push((params.pref, place));
                }
            }
            "NOTE" => {
                let note = value.text();
                if !note.trim().is_empty() {
                    notes.push(note);
                }
            }
            "CATEGORIES" => {
                for tag in value.list() {
                    let tag = tag.trim();
                    let system = !ours
                        && (tag.starts_with("* ")
                            || tag.eq_ignore_ascii_case("myContacts")
                            || tag.eq_ignore_ascii_case("starred"));
                    if !tag.is_empty()
                        && !system
                        && !contact.tags.iter().any(|t| t.eq_ignore_ascii_case(tag))
                    {
                        contact.tags.push(tag.to_owned());
                    }
                }
            }
            "UID" => contact.key = normalise_uid(&value.text()),
            "RELATED" if params.has_type(REFERRED_BY_TYPE) => {
                contact.referred_by = normalise_uid(&value.text());
            }
            "X-COLLOQUY-REFERRED-BY" => contact.referred_by = normalise_uid(&value.text()),
            "X-COLLOQUY-FIELDS" => {
                for field in value.list() {
                    let field = field.trim();
                    if !field.is_empty() {
                        contact.fields.push(field.to_owned());
                    }
                }
            }
            "X-COLLOQUY-HOW-WE-KNOW" => contact.how_we_know = value.text().trim().to_owned(),
            "X-COLLOQUY-ACQUAINTANCE" => {
                contact.acquaintance = acquaintance_from_key(value.text().trim());
            }
            "X-COLLOQUY-ALSO" => {
                let kind = params.types.iter().find_map(|t| kind_from_key(t));
                if let Some(kind) = kind {
                    push_detail(&mut contact.also, kind, &value.text());
                }
            }
            _ => {}
        }
    }

    contact.emails = by_preference(emails);
    contact.phones = by_preference(phones);
    for url in by_preference(linkedins) {
        add_linkedin_address(&mut contact, &url);
    }
    for url in websites {
        add_web_address(&mut contact, &url);
    }
    contact.location = by_preference(places).into_iter().next().unwrap_or_default();
    contact.role = titles
        .into_iter()
        .chain(roles)
        .find(|r| !r.is_empty())
        .unwrap_or_default();
    contact.notes = notes.join("\n\n");
    contact.name = if !full_name.is_empty() {
        full_name
    } else if !structured_name.is_empty() {
        structured_name
    } else if let Some(email) = contact.emails.first() {
        email.clone()
    } else {
        return Err(ImportError::at(
            card.line,
            "This card has no name (FN or N) and no email address.",
        ));
    };
    Ok(contact)
}

fn strip_scheme<'v>(value: &'v str, scheme: &str) -> &'v str {
    value
        .get(..scheme.len())
        .filter(|p| p.eq_ignore_ascii_case(scheme))
        .map_or(value, |_| &value[scheme.len()..])
        .trim()
}

/// Values with the most preferred first (stable otherwise), repeats dropped.
fn by_preference(mut values: Vec<(u8, String)>) -> Vec<String> {
    sort_by_key(&mut values, |(pref, _)| *pref);
    let mut out: Vec<String> = Vec::new();
    for (_, value) in values {
        if !value.is_empty() && !out.iter().any(|seen| seen.eq_ignore_ascii_case(&value)) {
            out.push(value);
        }
    }
    out
}

fn push_detail(also: &mut Vec<Detail>, kind: DetailKind, value: &str) {
    let value = value.trim();
    if !value.is_empty() && !also.iter().any(|d| d.kind == kind && d.value == value) {
        also.push(Detail {
            kind,
            value: value.to_owned(),
        });
    }
}

// ---- Writing ----

/// The people as a vCard 4.0 file (CRLF line ends, lines folded at 75 octets), one card each.
///
/// Everything Colloquy keeps is written, in standard properties where there is one (so other
/// address books show it) and `X-COLLOQUY-*` ones otherwise, so reading the file back loses
/// nothing. Who referred whom is a `RELATED;TYPE=x-referred-by` line naming the referrer's UID.
pub fn write(people: &[(PersonId, Person)]) -> String {
    let mut out = String::new();
    for (id, person) in people {
        write_card(&mut out, id, person);
    }
    out
}

fn write_card(out: &mut String, id: &PersonId, person: &Person) {
    let mut put = |line: String| out.push_str(&fold(&line));
    put("BEGIN:VCARD".into());
    put("VERSION:4.0".into());
    put("PRODID:-//Colloquy//Colloquy//EN".into());
    put(format!("UID{}", reference(id.as_str())));
    put(format!("FN:{}", escape_text(&person.name)));
    let (given, family) = split_name(&person.name);
    put(format!(
        "N:{};{};;;",
        escape_text(&family),
        escape_text(&given)
    ));
    let also = |kind: DetailKind| {
        person
            .also
            .iter()
            .filter(move |d| d.kind == kind)
            .map(|d| d.value.as_str())
    };
    let mut preferred = true;
    for email in std::iter::once(person.email.as_str())
        .chain(also(DetailKind::Email))
        .filter(|v| !v.trim().is_empty())
    {
        let pref = if std::mem::take(&mut preferred) {
            ";PREF=1"
        } else {
            ""
        };
        put(format!("EMAIL{pref}:{}", escape_text(email)));
    }
    let mut preferred = true;
    for phone in std::iter::once(person.phone.as_str())
        .chain(also(DetailKind::Phone))
        .filter(|v| !v.trim().is_empty())
    {
        let pref = if std::mem::take(&mut preferred) {
            ";PREF=1"
        } else {
            ""
        };
        put(format!("TEL{pref}:{}", escape_text(phone)));
    }
    for url in std::iter::once(person.linkedin.as_str())
        .chain(also(DetailKind::LinkedIn))
        .filter(|v| !v.trim().is_empty())
    {
        put(format!("URL;TYPE={LINKEDIN_TYPE}:{}", escape_text(url)));
    }
    for url in also(DetailKind::Website) {
        put(format!("URL:{}", escape_text(url)));
    }
    for nickname in also(DetailKind::Name) {
        put(format!("NICKNAME:{}", escape_text(nickname)));
    }
    if !person.organisation.is_empty() {
        put(format!("ORG:{}", escape_text(&person.organisation)));
    }
    if !person.role.is_empty() {
        put(format!("TITLE:{}", escape_text(&person.role)));
    }
    if !person.location.is_empty() {
        // The whole location as the locality: address books show it as the city line.
        put(format!("ADR:;;;{};;;", escape_text(&person.location)));
    }
    if !person.tags.is_empty() {
        put(format!("CATEGORIES:{}", escape_list(&person.tags)));
    }
    if !person.notes.is_empty() {
        put(format!("NOTE:{}", escape_text(&person.notes)));
    }
    if let Some(referrer) = &person.referred_by {
        put(format!(
            "RELATED;TYPE={REFERRED_BY_TYPE}{}",
            reference(referrer.as_str())
        ));
    }
    put(format!(
        "X-COLLOQUY-ACQUAINTANCE:{}",
        acquaintance_key(person.acquaintance)
    ));
    if !person.how_we_know.is_empty() {
        put(format!(
            "X-COLLOQUY-HOW-WE-KNOW:{}",
            escape_text(&person.how_we_know)
        ));
    }
    if !person.fields.is_empty() {
        put(format!("X-COLLOQUY-FIELDS:{}", escape_list(&person.fields)));
    }
    for detail in &person.also {
        if matches!(
            detail.kind,
            DetailKind::Organisation
                | DetailKind::Role
                | DetailKind::Location
                | DetailKind::HowWeKnow
                | DetailKind::Referrer
        ) {
            put(format!(
                "X-COLLOQUY-ALSO;TYPE={}:{}",
                kind_key(detail.kind),
                escape_text(&detail.value)
            ));
        }
    }
    if person.updated_at > 0 {
        put(format!(
            "REV:{}",
            crate::domain::clock::utc_stamp(person.updated_at)
        ));
    }
    put("END:VCARD".into());
}

/// The `:value` (with any parameter before it) naming a person: `:urn:uuid:…` for an id of
/// 32 hex digits, else the id as text.
fn reference(id: &str) -> String {
    match uuid_form(id) {
        Some(uuid) => format!(":urn:uuid:{uuid}"),
        None => format!(";VALUE=text:{}", escape_text(id)),
    }
}

/// `0123…` (32 hex digits) as `01234567-89ab-cdef-0123-456789abcdef`.
fn uuid_form(id: &str) -> Option<String> {
    if id.len() != 32 || !id.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let id = id.to_ascii_lowercase();
    Some(format!(
        "{}-{}-{}-{}-{}",
        &id[..8],
        &id[8..12],
        &id[12..16],
        &id[16..20],
        &id[20..]
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Acquaintance;

    const APPLE: &str = include_str!("samples/apple_contacts.vcf");
    const ANDROID: &str = include_str!("samples/android_contacts.vcf");
    const FASTMAIL: &str = include_str!("samples/fastmail_contacts.vcf");

    fn names(contacts: &[Contact]) -> Vec<&str> {
        contacts.iter().map(|c| c.name.as_str()).collect()
    }

    #[test]
    fn reads_an_apple_export_with_groups_labels_and_folds() {
        let contacts = read(APPLE).unwrap();
        assert_eq!(
            names(&contacts),
            [
                "Ingrid Maria Lindqvist",
                "Thandiwe Nkosi",
                "hello@bluebird.example"
            ]
        );
        let ingrid = &contacts[0];
        assert_eq!(ingrid.line, 1);
        // `type=pref` puts the work address first.
        assert_eq!(
            ingrid.emails,
            [
                "ingrid.lindqvist@volvocars.example",
                "ingrid.m.l@example.se"
            ]
        );
        assert_eq!(ingrid.phones, ["+46 70 123 45 67"]);
        assert_eq!(ingrid.organisation, "Volvo Cars");
        assert_eq!(ingrid.role, "Human Factors Lead");
        // The ADR line is folded just before its country.
        assert_eq!(ingrid.location, "Göteborg, Sweden");
        assert_eq!(
            ingrid.linkedin,
            "https://www.linkedin.com/in/ingrid-lindqvist"
        );
        assert_eq!(
            ingrid.websites,
            ["https://ingrid.example.se", "https://twitter.com/ingridl"]
        );
        assert_eq!(
            ingrid.notes,
            "Met at the HFES Europe meeting, Gothenburg 2023.\nAsk about the driver-monitoring study; she offered an intro to the UX team."
        );
        assert_eq!(ingrid.tags, ["Mentors", "Automotive"]);
        assert_eq!(
            ingrid.key.as_deref(),
            Some("4f0c9e2a6b1d4c839a571e2d3c4b5a69")
        );
        assert_eq!(ingrid.referred_by, None);

        let thandiwe = &contacts[1];
        assert_eq!(thandiwe.line, 24);
        assert_eq!(thandiwe.emails, ["thandiwe.nkosi@example.co.za"]);
        // The URL labelled LinkedIn counts as the profile though it isn't on linkedin.com; the
        // social profile (folded mid-address) is a second one.
        assert_eq!(thandiwe.linkedin, "https://lnkd.in/thandiwe");
        assert_eq!(
            thandiwe.also,
            [Detail {
                kind: DetailKind::LinkedIn,
                value: "http://www.linkedin.com/in/thandiwe-nkosi".into()
            }]
        );
        assert_eq!(thandiwe.organisation, "Standard Bank");
        assert!(thandiwe.websites.is_empty());

        let company = &contacts[2];
        assert_eq!(company.line, 43);
        assert_eq!(company.organisation, "Bluebird Recruiting");
        assert_eq!(company.emails, ["hello@bluebird.example"]);
    }

    #[test]
    fn reads_vcard_2_1_quoted_printable_and_latin_1() {
        let contacts = read(ANDROID).unwrap();
        assert_eq!(
            names(&contacts),
            [
                "Jürgen Müller",
                "Amélie Lefèvre",
                "Dr. José Cañete",
                "info@example.org"
            ]
        );
        let juergen = &contacts[0];
        assert_eq!(juergen.phones, ["+49 151 23456789", "+49 30 1234567"]);
        assert_eq!(juergen.emails, ["juergen.mueller@example.de"]);
        assert_eq!(juergen.organisation, "Deutsche Bahn AG");
        assert_eq!(juergen.role, "Projektleiter");
        assert_eq!(juergen.location, "Berlin, Deutschland");
        // A soft line break joined, an encoded CRLF turned into one line break.
        assert_eq!(
            juergen.notes,
            "Kennengelernt auf der re:publica 2019.\nFragt nach Bahnprojekten in Skandinavien; sehr hilfsbereit."
        );
        let amelie = &contacts[1];
        assert_eq!(amelie.line, 14);
        // No charset given and not UTF-8: read as Windows-1252 (=96 is an en dash, =80 €).
        assert_eq!(amelie.notes, "Café – rendez-vous à Lyon, budget 20 €");
        assert_eq!(contacts[2].phones, ["+34 612 345 678"]);
        assert_eq!(contacts[2].line, 21);
        assert_eq!(contacts[3].line, 26);
    }

    #[test]
    fn reads_vcard_4_with_references_between_cards() {
        let contacts = read(FASTMAIL).unwrap();
        assert_eq!(names(&contacts), ["Nadia Haddad", "Luca Bianchi"]);
        let (nadia, luca) = (&contacts[0], &contacts[1]);
        assert_eq!(luca.line, 18);
        assert_eq!(
            nadia.key.as_deref(),
            Some("0b6ea7d35a9b4a7e9f643c2d1e0f9a8b")
        );
        // The referral names Luca's UID in capitals; both normalise to the same key.
        assert_eq!(nadia.referred_by, luca.key);
        assert_eq!(nadia.phones, ["+33-6-12-34-56-78"]);
        assert_eq!(nadia.linkedin, "https://www.linkedin.com/in/nadia-haddad");
        assert_eq!(nadia.websites, ["https://haddad-design.example"]);
        assert_eq!(nadia.location, "Paris, Île-de-France, France");
        assert_eq!(nadia.tags, ["design", "referrals, warm"]);
        assert_eq!(
            nadia.notes,
            "Runs a small studio; hires juniors each spring."
        );
        assert_eq!(nadia.acquaintance, None);

        assert_eq!(
            luca.emails,
            ["l.bianchi@politecnico.example", "luca@example.it"]
        );
        assert_eq!(luca.location, "Via Roma 5, Torino");
        assert_eq!(luca.how_we_know, "Old flatmate from Turin");
        assert_eq!(luca.acquaintance, Some(Acquaintance::AlreadyKnow));
        assert_eq!(luca.fields, ["Industrial design", "Teaching"]);
        assert_eq!(
            luca.also,
            [Detail {
                kind: DetailKind::Name,
                value: "Luke".into()
            }]
        );
    }

    #[test]
    fn line_endings_do_not_change_what_is_read() {
        let crlf = read(&APPLE.replace('\n', "\r\n")).unwrap();
        assert_eq!(crlf, read(APPLE).unwrap());
        let lf = read(&ANDROID.replace("\r\n", "\n")).unwrap();
        assert_eq!(lf, read(ANDROID).unwrap());
    }

    #[test]
    fn an_unterminated_card_names_its_first_line() {
        let text = FASTMAIL.trim_end().trim_end_matches("END:VCARD");
        let error = read(text).unwrap_err();
        assert_eq!(error.line, Some(18));
        assert!(error.message.contains("END:VCARD"), "{error}");
    }

    #[test]
    fn a_line_without_a_colon_names_its_line() {
        let text = APPLE.replace("TITLE:Quantitative Analyst", "Quantitative Analyst");
        let error = read(&text).unwrap_err();
        assert_eq!(error.line, Some(30));
        assert!(error.message.contains("Quantitative Analyst"), "{error}");
        // Continuation lines of folds and soft breaks are not lines of their own.
        assert!(read(APPLE).is_ok() && read(ANDROID).is_ok());
    }

    #[test]
    fn text_outside_a_card_or_no_card_at_all_is_refused() {
        let error = read(&format!("{FASTMAIL}\nhello\n")).unwrap_err();
        assert_eq!(error.line, Some(31));
        let error = read("Name,Email\nAda,ada@example.com\n").unwrap_err();
        assert_eq!(error.line, Some(1));
        let error = read("\n\n").unwrap_err();
        assert_eq!(error.line, None);
    }

    #[test]
    fn a_card_without_name_or_email_names_its_line() {
        let text =
            format!("{FASTMAIL}BEGIN:VCARD\nVERSION:3.0\nN:;;;;\nTEL:+1 555 0100\nEND:VCARD\n");
        let error = read(&text).unwrap_err();
        assert_eq!(error.line, Some(30));
        assert!(error.message.contains("no name"), "{error}");
    }

    #[test]
    fn uids_normalise_only_when_they_are_uuids() {
        assert_eq!(
            normalise_uid("urn:uuid:4F0C9E2A-6B1D-4C83-9A57-1E2D3C4B5A69").as_deref(),
            Some("4f0c9e2a6b1d4c839a571e2d3c4b5a69")
        );
        assert_eq!(
            normalise_uid("0123456789abcdef0123456789abcdef").as_deref(),
            Some("0123456789abcdef0123456789abcdef")
        );
        assert_eq!(
            normalise_uid("urn:uuid:not-a-uuid").as_deref(),
            Some("urn:uuid:not-a-uuid")
        );
        assert_eq!(
            normalise_uid("12345@google.com").as_deref(),
            Some("12345@google.com")
        );
        assert_eq!(normalise_uid("  "), None);
    }

    #[test]
    fn quoted_printable_keeps_what_is_not_an_octet() {
        assert_eq!(
            decode_quoted_printable("a=3Db=C3=A9=ZZ="),
            b"a=b\xC3\xA9=ZZ="
        );
    }

    fn person(name: &str) -> Person {
        Person {
            name: name.into(),
            ..Person::default()
        }
    }

    /// `0101…01` for 1: 32 hex digits, like every id Colloquy makes.
    fn id(n: u8) -> PersonId {
        PersonId::from(format!("{n:02x}").repeat(16))
    }

    /// Three people: Ada (hostile values everywhere), Bo referred by Ada, Cy referred by Bo.
    fn network() -> Vec<(PersonId, Person)> {
        let long_note: String = "Lorem ipsum, dolor; sit\\amet 🎉\n"
            .chars()
            .cycle()
            .take(1_000)
            .collect();
        let ada = Person {
            name: "Ada <script>alert(1)</script> \u{200f}לאבלייס\u{200e} 🎉".into(),
            email: "ada+test@example.com".into(),
            phone: "+44 20 7946 0000".into(),
            linkedin: "https://www.linkedin.com/in/ada,lovelace;x".into(),
            organisation: "Analytical Engines, Ltd.; R&D".into(),
            role: "Lead \"Programmer\" \\ Poet".into(),
            location: "London, UK".into(),
            fields: vec!["Computing, early".into(), "Poetry; science".into()],
            acquaintance: Acquaintance::AlreadyKnow,
            how_we_know: "Met at Babbage's salon,\nthen letters".into(),
            tags: vec!["mentor".into(), "a,b".into(), "x;y".into()],
            notes: long_note,
            updated_at: 1_772_700_000_000,
            also: vec![
                Detail {
                    kind: DetailKind::Email,
                    value: "countess@example.org".into(),
                },
                Detail {
                    kind: DetailKind::Phone,
                    value: "+44 20 7946 0001".into(),
                },
                Detail {
                    kind: DetailKind::Website,
                    value: "https://ada.example.com/?a=1,2".into(),
                },
                Detail {
                    kind: DetailKind::LinkedIn,
                    value: "https://uk.linkedin.com/in/ada-l".into(),
                },
                Detail {
                    kind: DetailKind::Name,
                    value: "Augusta".into(),
                },
                Detail {
                    kind: DetailKind::Organisation,
                    value: "Royal Society".into(),
                },
                Detail {
                    kind: DetailKind::HowWeKnow,
                    value: "Through Mary Somerville".into(),
                },
            ],
            ..Person::default()
        };
        let bo = Person {
            email: "bo@example.com".into(),
            acquaintance: Acquaintance::Referred,
            referred_by: Some(id(1)),
            ..person("Bo Li")
        };
        let cy = Person {
            acquaintance: Acquaintance::Referred,
            referred_by: Some(id(2)),
            ..person("Cy")
        };
        vec![(id(1), ada), (id(2), bo), (id(3), cy)]
    }

    #[test]
    fn writes_vcard_4_with_crlf_and_folded_lines() {
        let file = write(&network());
        assert!(file.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\n"));
        assert!(!file.replace("\r\n", "").contains('\n'));
        for line in file.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = file.replace("\r\n ", "");
        assert!(unfolded.contains("\r\nUID:urn:uuid:01010101-0101-0101-0101-010101010101\r\n"));
        assert!(unfolded.contains(
            "\r\nRELATED;TYPE=x-referred-by:urn:uuid:02020202-0202-0202-0202-020202020202\r\n"
        ));
        assert!(unfolded.contains("\r\nN:Li;Bo;;;\r\n"));
        assert!(unfolded.contains("\r\nCATEGORIES:mentor,a\\,b,x\\;y\r\n"));
        assert!(unfolded.contains("\r\nREV:20260305T084000Z\r\n"));
        assert_eq!(file.matches("BEGIN:VCARD").count(), 3);
        assert_eq!(file.matches("END:VCARD\r\n").count(), 3);
    }

    #[test]
    fn a_round_trip_keeps_every_value_and_referral() {
        let people = network();
        let contacts = read(&write(&people)).unwrap();
        assert_eq!(contacts.len(), 3);
        for ((id, person), contact) in people.iter().zip(&contacts) {
            assert_eq!(contact.key.as_deref(), Some(id.as_str()));
            assert_eq!(contact.name, person.name);
            let also = |kind| {
                person
                    .also
                    .iter()
                    .filter(move |d| d.kind == kind)
                    .map(|d| d.value.clone())
            };
            let emails: Vec<String> = std::iter::once(person.email.clone())
                .filter(|e| !e.is_empty())
                .chain(also(DetailKind::Email))
                .collect();
            assert_eq!(contact.emails, emails);
            let phones: Vec<String> = std::iter::once(person.phone.clone())
                .filter(|e| !e.is_empty())
                .chain(also(DetailKind::Phone))
                .collect();
            assert_eq!(contact.phones, phones);
            assert_eq!(contact.linkedin, person.linkedin);
            assert_eq!(
                contact.websites,
                also(DetailKind::Website).collect::<Vec<_>>()
            );
            assert_eq!(contact.organisation, person.organisation);
            assert_eq!(contact.role, person.role);
            assert_eq!(contact.location, person.location);
            assert_eq!(contact.fields, person.fields);
            assert_eq!(contact.tags, person.tags);
            assert_eq!(contact.how_we_know, person.how_we_know);
            assert_eq!(contact.notes, person.notes);
            assert_eq!(contact.acquaintance, Some(person.acquaintance));
            assert_eq!(
                contact.referred_by.as_deref(),
                person.referred_by.as_ref().map(PersonId::as_str)
            );
            let mut also: Vec<Detail> = person
                .also
                .iter()
                .filter(|d| {
                    !matches!(
                        d.kind,
                        DetailKind::Email | DetailKind::Phone | DetailKind::Website
                    )
                })
                .cloned()
                .collect();
            let mut got = contact.also.clone();
            also.sort_by_key(|d| kind_key(d.kind));
            got.sort_by_key(|d| kind_key(d.kind));
            assert_eq!(got, also);
        }
        // The referral chain resolves through the keys: Cy → Bo → Ada.
        let key_of = |name: &str| {
            contacts
                .iter()
                .find(|c| c.name == name)
                .unwrap()
                .key
                .clone()
        };
        assert_eq!(contacts[2].referred_by, key_of("Bo Li"));
        assert_eq!(contacts[1].referred_by, key_of(&people[0].1.name));
        assert_eq!(
            contacts[1].line,
            write(&people[..1]).matches("\r\n").count() + 1
        );
    }

    #[test]
    fn ids_that_are_not_hex_still_round_trip() {
        let people = vec![
            (PersonId::from("person-1, old"), person("Old Id")),
            (
                PersonId::from("p2"),
                Person {
                    acquaintance: Acquaintance::Referred,
                    referred_by: Some(PersonId::from("person-1, old")),
                    ..person("Referred")
                },
            ),
        ];
        let contacts = read(&write(&people)).unwrap();
        assert_eq!(contacts[0].key.as_deref(), Some("person-1, old"));
        assert_eq!(contacts[1].referred_by.as_deref(), Some("person-1, old"));
    }

    #[test]
    fn a_carriage_return_in_notes_is_written_as_a_line_break() {
        let people = vec![(
            id(9),
            Person {
                notes: "one\r\ntwo\rthree".into(),
                ..person("Dee")
            },
        )];
        assert_eq!(read(&write(&people)).unwrap()[0].notes, "one\ntwo\nthree");
    }

    #[test]
    fn read_file_recognises_vcards_and_our_own_output() {
        for sample in [APPLE, ANDROID, FASTMAIL] {
            let parsed = crate::exchange::read_file("contacts.vcf", sample.as_bytes()).unwrap();
            assert_eq!(parsed.format, crate::exchange::Format::VCard);
            assert_eq!(parsed.contacts, read(sample).unwrap());
        }
        let ours = write(&network());
        let parsed = crate::exchange::read_file("colloquy.vcf", ours.as_bytes()).unwrap();
        assert_eq!(parsed.contacts.len(), 3);
    }

    #[test]
    fn google_system_groups_are_not_tags_but_our_own_tags_are_kept() {
        let google =
            "BEGIN:VCARD\nVERSION:3.0\nFN:Eve\nCATEGORIES:myContacts,starred,Friends\nEND:VCARD\n";
        assert_eq!(read(google).unwrap()[0].tags, ["Friends"]);
        let people = vec![(
            id(4),
            Person {
                tags: vec!["starred".into(), "* odd".into()],
                ..person("Eve")
            },
        )];
        assert_eq!(read(&write(&people)).unwrap()[0].tags, ["starred", "* odd"]);
    }
}
