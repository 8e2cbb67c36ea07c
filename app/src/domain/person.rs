use super::PersonId;
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

/// Longest value, in characters, of any one field of a person (notes included).
///
/// Generous on purpose: a name pasted from somewhere odd must still be kept whole, but a single
/// field must not be able to fill the browser's storage.
pub const MAX_FIELD_CHARS: usize = 100_000;

/// Most entries in a person's list of fields of interest or of tags.
pub const MAX_LIST_ITEMS: usize = 100;

/// How the user came to know a person.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize,
)]
pub enum Acquaintance {
    /// Someone the user already knows: the natural first people to ask.
    #[default]
    AlreadyKnow,
    /// Someone another person suggested talking to.
    Referred,
}

impl Acquaintance {
    pub fn label(self) -> &'static str {
        match self {
            Acquaintance::AlreadyKnow => "Already know",
            Acquaintance::Referred => "Referred",
        }
    }
}

/// A person in the user's network, as stored in the document.
///
/// Short fields are plain strings; `notes` is Automerge text so concurrent edits on two devices
/// merge character by character.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(default)]
pub struct Person {
    pub name: String,
    #[autosurgeon(missing = "Default::default")]
    pub email: String,
    #[autosurgeon(missing = "Default::default")]
    pub phone: String,
    #[autosurgeon(missing = "Default::default")]
    pub linkedin: String,
    #[autosurgeon(missing = "Default::default")]
    pub organisation: String,
    #[autosurgeon(missing = "Default::default")]
    pub role: String,
    #[autosurgeon(missing = "Default::default")]
    pub location: String,
    #[autosurgeon(missing = "Default::default")]
    pub fields: Vec<String>,
    #[autosurgeon(missing = "Default::default")]
    pub acquaintance: Acquaintance,
    /// Free words on how the user knows them ("college roommate", "met at a meetup").
    #[autosurgeon(missing = "Default::default")]
    pub how_we_know: String,
    #[autosurgeon(missing = "Default::default")]
    pub referred_by: Option<PersonId>,
    #[autosurgeon(missing = "Default::default")]
    pub tags: Vec<String>,
    #[autosurgeon(missing = "Default::default", with = "crate::doc::text")]
    pub notes: String,
    #[autosurgeon(missing = "Default::default")]
    pub created_at: i64,
    #[autosurgeon(missing = "Default::default")]
    pub updated_at: i64,
    /// Other values for this person's details: extra addresses and numbers from an imported
    /// card, or values an import brought that differ from the ones kept above. Kept so that a
    /// merge never drops anything.
    #[autosurgeon(missing = "Default::default")]
    pub also: Vec<Detail>,
}

/// Which detail of a person an extra value belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Reconcile, Hydrate, Serialize, Deserialize)]
pub enum DetailKind {
    Name,
    Email,
    Phone,
    LinkedIn,
    Website,
    Organisation,
    Role,
    Location,
    HowWeKnow,
    Referrer,
}

impl DetailKind {
    pub fn label(self) -> &'static str {
        match self {
            DetailKind::Name => "Also known as",
            DetailKind::Email => "Email",
            DetailKind::Phone => "Phone",
            DetailKind::LinkedIn => "LinkedIn",
            DetailKind::Website => "Website",
            DetailKind::Organisation => "Organisation",
            DetailKind::Role => "Role",
            DetailKind::Location => "Location",
            DetailKind::HowWeKnow => "How you know them",
            DetailKind::Referrer => "Referred by",
        }
    }
}

/// One extra value of a person's detail.
#[derive(Clone, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Detail {
    pub kind: DetailKind,
    pub value: String,
}

impl Person {
    /// "Role at Organisation", or whichever of the two is known.
    pub fn role_line(&self) -> String {
        role_line(&self.role, &self.organisation)
    }

    /// The LinkedIn address, only when it is a web address that is safe to link to.
    pub fn linkedin_href(&self) -> Option<&str> {
        safe_web_url(&self.linkedin)
    }

    /// The email address as a `mailto:` link, when it looks like an address.
    /// The email as a `mailto:` link, only for a plain address: nothing in it (an imported
    /// `a@b.org?subject=…`) can add headers or recipients.
    pub fn mailto_href(&self) -> Option<String> {
        let email = self.email.trim();
        super::draft::plain_address(email).then(|| format!("mailto:{email}"))
    }

    /// The phone number as a `tel:` link: digits and a leading `+` only.
    pub fn tel_href(&self) -> Option<String> {
        let digits: String = self
            .phone
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        (digits.chars().filter(char::is_ascii_digit).count() >= 3).then(|| format!("tel:{digits}"))
    }
}

/// "Role at Organisation", or whichever of the two is given.
pub fn role_line(role: &str, organisation: &str) -> String {
    match (role.trim(), organisation.trim()) {
        ("", "") => String::new(),
        (role, "") => role.to_owned(),
        ("", org) => org.to_owned(),
        (role, org) => format!("{role} at {org}"),
    }
}

/// What the person form edits: every field as the user typed it.
///
/// Lists (fields of interest, tags) are typed comma-separated.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PersonDraft {
    pub name: String,
    pub email: String,
    pub phone: String,
    pub linkedin: String,
    pub organisation: String,
    pub role: String,
    pub location: String,
    pub fields: String,
    pub acquaintance: Acquaintance,
    pub how_we_know: String,
    pub referred_by: Option<PersonId>,
    pub tags: String,
    pub notes: String,
}

impl PersonDraft {
    /// A new person from what another app shared (the manifest's share target: a page's
    /// `title`, some `text`, a `url`). A LinkedIn profile ("Ana Lima - Nurse - St Mary's |
    /// LinkedIn") gives the name, the headline as a note, and the profile's address; any other
    /// address and the text go to the notes. Nothing is checked here: the form shows what is
    /// wrong before anything is saved.
    pub fn shared(title: &str, text: &str, url: &str) -> PersonDraft {
        let mut notes: Vec<String> = Vec::new();
        // Apps that share a page put its address in `url` or, often, at the end of `text`.
        let (address, text) = match safe_web_url(url) {
            Some(url) => (Some(url.to_owned()), text.trim().to_owned()),
            None => {
                let mut words: Vec<&str> = text.split_whitespace().collect();
                match words.iter().position(|w| safe_web_url(w).is_some()) {
                    Some(at) => {
                        let address = words.remove(at).to_owned();
                        (Some(address), words.join(" "))
                    }
                    None => (None, text.trim().to_owned()),
                }
            }
        };
        let title = title.trim();
        let title = title.strip_suffix("| LinkedIn").unwrap_or(title).trim();
        let (name, headline) = match title.split_once(" - ") {
            Some((name, headline)) => (name.trim(), headline.trim()),
            None => (title, ""),
        };
        let name = if safe_web_url(name).is_some() {
            ""
        } else {
            name
        };
        if !headline.is_empty() {
            notes.push(headline.to_owned());
        }
        if !text.is_empty() {
            notes.push(text);
        }
        let mut linkedin = String::new();
        if let Some(address) = address {
            if is_linkedin(&address) {
                linkedin = address;
            } else {
                notes.push(address);
            }
        }
        PersonDraft {
            name: name.to_owned(),
            linkedin,
            notes: notes.join("\n"),
            ..PersonDraft::default()
        }
    }
}

/// Whether `url` (a safe web address) is on LinkedIn.
fn is_linkedin(url: &str) -> bool {
    web_host(url).is_some_and(|host| host == "linkedin.com" || host.ends_with(".linkedin.com"))
}

/// The host of an http(s) address, lower-cased; `None` for anything else.
fn web_host(url: &str) -> Option<String> {
    let lower = url.trim().to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or_else(|| lower.strip_prefix("http://"))?;
    let host = rest.split(['/', '?', '#']).next()?;
    (!host.is_empty()).then(|| host.to_owned())
}

/// Why a draft can't be saved, one entry per offending field.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PersonError {
    #[error("A name is needed.")]
    NameMissing,
    #[error("{field} is longer than {MAX_FIELD_CHARS} characters.")]
    TooLong { field: &'static str },
    #[error("{field} has more than {MAX_LIST_ITEMS} entries.")]
    TooMany { field: &'static str },
    #[error("That email address doesn't look right: it needs one @ and no spaces.")]
    BadEmail,
    #[error("The LinkedIn address must start with https:// (or http://).")]
    BadLinkedIn,
    #[error("Pick who referred them, or mark them as someone you already know.")]
    ReferrerMissing,
    #[error("The person who referred them is no longer in your network.")]
    ReferrerUnknown,
    #[error("Someone can't have referred themselves, directly or through others.")]
    ReferralLoop,
}

impl PersonError {
    /// The form field the error belongs to, by its draft field name.
    pub fn field(&self) -> &'static str {
        match self {
            PersonError::NameMissing => "name",
            PersonError::TooLong { field } | PersonError::TooMany { field } => field,
            PersonError::BadEmail => "email",
            PersonError::BadLinkedIn => "linkedin",
            PersonError::ReferrerMissing
            | PersonError::ReferrerUnknown
            | PersonError::ReferralLoop => "referred_by",
        }
    }
}

impl PersonDraft {
    /// The draft for editing an existing person.
    pub fn from_person(person: &Person) -> PersonDraft {
        PersonDraft {
            name: person.name.clone(),
            email: person.email.clone(),
            phone: person.phone.clone(),
            linkedin: person.linkedin.clone(),
            organisation: person.organisation.clone(),
            role: person.role.clone(),
            location: person.location.clone(),
            fields: person.fields.join(", "),
            acquaintance: person.acquaintance,
            how_we_know: person.how_we_know.clone(),
            referred_by: person.referred_by.clone(),
            tags: person.tags.join(", "),
            notes: person.notes.clone(),
        }
    }

    /// This draft's edits, replayed onto `theirs`: every field the user changed since `base` (the
    /// draft the form started from) takes this draft's value; every other field takes `theirs`,
    /// the person as stored now. A form left open while another tab or device edits the same
    /// person then overwrites only what the user actually changed.
    pub fn rebase(&self, base: &PersonDraft, theirs: &PersonDraft) -> PersonDraft {
        fn pick<T: Clone + PartialEq>(mine: &T, base: &T, theirs: &T) -> T {
            if mine != base {
                mine.clone()
            } else {
                theirs.clone()
            }
        }
        let referral = |d: &PersonDraft| (d.acquaintance, d.referred_by.clone());
        let (acquaintance, referred_by) = pick(&referral(self), &referral(base), &referral(theirs));
        PersonDraft {
            name: pick(&self.name, &base.name, &theirs.name),
            email: pick(&self.email, &base.email, &theirs.email),
            phone: pick(&self.phone, &base.phone, &theirs.phone),
            linkedin: pick(&self.linkedin, &base.linkedin, &theirs.linkedin),
            organisation: pick(&self.organisation, &base.organisation, &theirs.organisation),
            role: pick(&self.role, &base.role, &theirs.role),
            location: pick(&self.location, &base.location, &theirs.location),
            fields: pick(&self.fields, &base.fields, &theirs.fields),
            acquaintance,
            how_we_know: pick(&self.how_we_know, &base.how_we_know, &theirs.how_we_know),
            referred_by,
            tags: pick(&self.tags, &base.tags, &theirs.tags),
            notes: pick(&self.notes, &base.notes, &theirs.notes),
        }
    }

    /// Checks the draft and turns it into the person to store.
    ///
    /// `referrer_of` answers, for any id, who referred that person (`None` when nobody did or the
    /// id is unknown) and `exists` whether an id is in the network; together they let the check
    /// refuse referral loops. `this` is the id of the person being edited (or about to be added).
    /// `previous` carries `created_at` over from the stored person.
    pub fn validate(
        &self,
        this: &PersonId,
        previous: Option<&Person>,
        now: i64,
        exists: impl Fn(&PersonId) -> bool,
        referrer_of: impl Fn(&PersonId) -> Option<PersonId>,
    ) -> Result<Person, Vec<PersonError>> {
        let mut errors = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            errors.push(PersonError::NameMissing);
        }
        for (field, value) in [
            ("name", &self.name),
            ("email", &self.email),
            ("phone", &self.phone),
            ("linkedin", &self.linkedin),
            ("organisation", &self.organisation),
            ("role", &self.role),
            ("location", &self.location),
            ("fields", &self.fields),
            ("how_we_know", &self.how_we_know),
            ("tags", &self.tags),
            ("notes", &self.notes),
        ] {
            if value.chars().count() > MAX_FIELD_CHARS {
                errors.push(PersonError::TooLong { field });
            }
        }
        let email = self.email.trim();
        if !email.is_empty() && !looks_like_email(email) {
            errors.push(PersonError::BadEmail);
        }
        let linkedin = self.linkedin.trim();
        if !linkedin.is_empty() && safe_web_url(linkedin).is_none() {
            errors.push(PersonError::BadLinkedIn);
        }
        let fields = split_list(&self.fields);
        let tags = split_list(&self.tags);
        for (field, list) in [("fields", &fields), ("tags", &tags)] {
            if list.len() > MAX_LIST_ITEMS {
                errors.push(PersonError::TooMany { field });
            }
        }
        let referred_by = match (self.acquaintance, &self.referred_by) {
            (Acquaintance::AlreadyKnow, _) => None,
            (Acquaintance::Referred, None) => {
                errors.push(PersonError::ReferrerMissing);
                None
            }
            (Acquaintance::Referred, Some(referrer)) => {
                if !exists(referrer) && referrer != this {
                    errors.push(PersonError::ReferrerUnknown);
                } else if referral_chain_reaches(referrer, this, &referrer_of) {
                    errors.push(PersonError::ReferralLoop);
                }
                Some(referrer.clone())
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Person {
            name: name.to_owned(),
            email: email.to_owned(),
            phone: self.phone.trim().to_owned(),
            linkedin: linkedin.to_owned(),
            organisation: self.organisation.trim().to_owned(),
            role: self.role.trim().to_owned(),
            location: self.location.trim().to_owned(),
            fields,
            acquaintance: self.acquaintance,
            how_we_know: self.how_we_know.trim().to_owned(),
            referred_by,
            tags,
            notes: self.notes.clone(),
            created_at: previous.map_or(now, |p| p.created_at),
            updated_at: now,
            also: previous.map(|p| p.also.clone()).unwrap_or_default(),
        })
    }
}

/// Whether following "referred by" links up from `start` ever arrives at `target`.
pub fn referral_chain_reaches(
    start: &PersonId,
    target: &PersonId,
    referrer_of: &impl Fn(&PersonId) -> Option<PersonId>,
) -> bool {
    let mut seen = std::collections::HashSet::new();
    let mut current = Some(start.clone());
    while let Some(id) = current {
        if &id == target {
            return true;
        }
        if !seen.insert(id.clone()) {
            // A loop that doesn't pass through `target`: stored data from elsewhere. Stop.
            return false;
        }
        current = referrer_of(&id);
    }
    false
}

/// Splits a comma-separated list, trimming entries, dropping empty ones and repeats.
fn split_list(text: &str) -> Vec<String> {
    let mut items: Vec<String> = Vec::new();
    for item in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        if !items.iter().any(|seen| seen.eq_ignore_ascii_case(item)) {
            items.push(item.to_owned());
        }
    }
    items
}

pub(crate) fn looks_like_email(text: &str) -> bool {
    let text = text.trim();
    let mut parts = text.split('@');
    match (parts.next(), parts.next(), parts.next()) {
        (Some(local), Some(domain), None) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !text.chars().any(|c| c.is_whitespace() || c.is_control())
        }
        _ => false,
    }
}

/// `url` when it is an http(s) address with a host; anything else (`javascript:`, `data:`,
/// relative paths) is never rendered as a link.
pub(crate) fn safe_web_url(url: &str) -> Option<&str> {
    let url = url.trim();
    let host_ok = web_host(url).is_some();
    let clean = !url.chars().any(|c| c.is_whitespace() || c.is_control());
    (host_ok && clean).then_some(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_shared_linkedin_profile_gives_name_headline_and_address() {
        let draft = PersonDraft::shared(
            "Ana Lima - Night nurse - St Mary's | LinkedIn",
            "",
            "https://www.linkedin.com/in/ana-lima",
        );
        assert_eq!(draft.name, "Ana Lima");
        assert_eq!(draft.linkedin, "https://www.linkedin.com/in/ana-lima");
        assert_eq!(draft.notes, "Night nurse - St Mary's");
        let person = draft
            .validate(&PersonId::from("p"), None, 0, |_| false, |_| None)
            .expect("a shared profile is a person that can be saved");
        assert_eq!(
            person.linkedin_href(),
            Some("https://www.linkedin.com/in/ana-lima")
        );
    }

    #[test]
    fn an_address_at_the_end_of_shared_text_is_taken_out_of_the_notes() {
        let draft = PersonDraft::shared(
            "",
            "Met her at the careers fair https://example.org/team/ben",
            "",
        );
        assert_eq!(draft.name, "");
        assert_eq!(draft.linkedin, "");
        assert_eq!(
            draft.notes,
            "Met her at the careers fair\nhttps://example.org/team/ben"
        );
        let draft = PersonDraft::shared("Ben Ode", "see www.linkedin.com/in/x", "");
        assert_eq!(draft.linkedin, "", "not a web address without its scheme");
        assert_eq!(draft.notes, "see www.linkedin.com/in/x");
    }

    #[test]
    fn unsafe_or_foreign_addresses_are_never_taken_as_a_profile() {
        for url in [
            "javascript:alert(1)",
            "https://linkedin.com.evil.example/in/x",
            "https://evil.example/?https://linkedin.com",
        ] {
            let draft = PersonDraft::shared("Ana", "", url);
            assert_eq!(draft.linkedin, "", "{url}");
        }
        assert_eq!(
            PersonDraft::shared("https://example.org", "", "").name,
            "",
            "an address is not a name"
        );
    }
    use std::collections::HashMap;

    fn draft(name: &str) -> PersonDraft {
        PersonDraft {
            name: name.into(),
            ..PersonDraft::default()
        }
    }

    /// Validates `draft` as person `this` in a network given as (id, referred by) pairs.
    fn check(
        draft: &PersonDraft,
        this: &str,
        network: &[(&str, Option<&str>)],
    ) -> Result<Person, Vec<PersonError>> {
        let links: HashMap<PersonId, Option<PersonId>> = network
            .iter()
            .map(|(id, by)| (PersonId::from(*id), by.map(PersonId::from)))
            .collect();
        draft.validate(
            &PersonId::from(this),
            None,
            1_000,
            |id| links.contains_key(id),
            |id| links.get(id).cloned().flatten(),
        )
    }

    #[test]
    fn a_name_is_all_that_is_needed() {
        let person = check(&draft("  Ada Lovelace "), "a", &[]).unwrap();
        assert_eq!(person.name, "Ada Lovelace");
        assert_eq!(person.created_at, 1_000);
        assert_eq!(person.acquaintance, Acquaintance::AlreadyKnow);
    }

    #[test]
    fn blank_name_is_refused() {
        assert_eq!(
            check(&draft(" \t"), "a", &[]),
            Err(vec![PersonError::NameMissing])
        );
    }

    #[test]
    fn lists_are_split_trimmed_and_deduplicated() {
        let d = PersonDraft {
            fields: " speech systems, , UX research,speech SYSTEMS ".into(),
            tags: "alumni".into(),
            ..draft("Ada")
        };
        let person = check(&d, "a", &[]).unwrap();
        assert_eq!(person.fields, vec!["speech systems", "UX research"]);
        assert_eq!(person.tags, vec!["alumni"]);
    }

    #[test]
    fn email_and_linkedin_are_checked() {
        for bad in [
            "ada",
            "ada@",
            "a b@example.com",
            "ada@example",
            "@example.com",
        ] {
            let d = PersonDraft {
                email: bad.into(),
                ..draft("Ada")
            };
            assert_eq!(
                check(&d, "a", &[]),
                Err(vec![PersonError::BadEmail]),
                "{bad}"
            );
        }
        for bad in [
            "javascript:alert(1)",
            "linkedin.com/in/ada",
            "https://",
            "data:text/html,x",
        ] {
            let d = PersonDraft {
                linkedin: bad.into(),
                ..draft("Ada")
            };
            assert_eq!(
                check(&d, "a", &[]),
                Err(vec![PersonError::BadLinkedIn]),
                "{bad}"
            );
        }
        let good = PersonDraft {
            email: "ada@example.org".into(),
            linkedin: "https://www.linkedin.com/in/ada".into(),
            ..draft("Ada")
        };
        let person = check(&good, "a", &[]).unwrap();
        assert_eq!(
            person.linkedin_href(),
            Some("https://www.linkedin.com/in/ada")
        );
        assert_eq!(
            person.mailto_href().as_deref(),
            Some("mailto:ada@example.org")
        );
        // An address that would add headers or recipients is shown, not linked.
        for hostile in [
            "ada@example.org?subject=Urgent",
            "ada@example.org?body=click",
            "ada@example.org%0Abcc:x",
            "ada@example.org#x",
        ] {
            let imported = Person {
                email: hostile.into(),
                ..person.clone()
            };
            assert_eq!(imported.mailto_href(), None, "{hostile}");
        }
    }

    #[test]
    fn hostile_text_is_kept_verbatim() {
        let name = format!("<script>alert(1)</script>\u{202e}{}😀", "x".repeat(10_000));
        let person = check(&draft(&name), "a", &[]).unwrap();
        assert_eq!(person.name, name);
    }

    #[test]
    fn overlong_fields_are_refused() {
        let d = draft(&"x".repeat(MAX_FIELD_CHARS + 1));
        assert_eq!(
            check(&d, "a", &[]),
            Err(vec![PersonError::TooLong { field: "name" }])
        );
    }

    #[test]
    fn referred_needs_a_known_referrer() {
        let referred = |by: Option<&str>| PersonDraft {
            acquaintance: Acquaintance::Referred,
            referred_by: by.map(PersonId::from),
            ..draft("Grace")
        };
        assert_eq!(
            check(&referred(None), "g", &[]),
            Err(vec![PersonError::ReferrerMissing])
        );
        assert_eq!(
            check(&referred(Some("nobody")), "g", &[("a", None)]),
            Err(vec![PersonError::ReferrerUnknown])
        );
        let person = check(&referred(Some("a")), "g", &[("a", None)]).unwrap();
        assert_eq!(person.referred_by, Some(PersonId::from("a")));
    }

    #[test]
    fn referral_loops_are_refused() {
        let referred_by = |by: &str| PersonDraft {
            acquaintance: Acquaintance::Referred,
            referred_by: Some(PersonId::from(by)),
            ..draft("A")
        };
        // Self-referral.
        assert_eq!(
            check(&referred_by("a"), "a", &[("a", None)]),
            Err(vec![PersonError::ReferralLoop])
        );
        // a would be referred by c, but c was referred by b, who was referred by a.
        let network = [("a", None), ("b", Some("a")), ("c", Some("b"))];
        assert_eq!(
            check(&referred_by("c"), "a", &network),
            Err(vec![PersonError::ReferralLoop])
        );
        // A loop elsewhere in stored data doesn't hang the check.
        let looped = [("a", None), ("x", Some("y")), ("y", Some("x"))];
        assert!(check(&referred_by("x"), "a", &looped).is_ok());
    }

    #[test]
    fn already_known_drops_a_stale_referrer() {
        let d = PersonDraft {
            acquaintance: Acquaintance::AlreadyKnow,
            referred_by: Some(PersonId::from("b")),
            ..draft("A")
        };
        assert_eq!(check(&d, "a", &[("b", None)]).unwrap().referred_by, None);
    }

    #[test]
    fn draft_round_trips_a_person() {
        let d = PersonDraft {
            email: "ada@example.org".into(),
            fields: "speech, audio".into(),
            tags: "alumni".into(),
            notes: "Line one\nLine two".into(),
            ..draft("Ada")
        };
        let person = check(&d, "a", &[]).unwrap();
        assert_eq!(PersonDraft::from_person(&person), d);
    }

    #[test]
    fn rebase_keeps_concurrent_edits_to_other_fields() {
        let base = PersonDraft {
            role: "Engineer".into(),
            notes: "old".into(),
            ..draft("Ada")
        };
        let mine = PersonDraft {
            notes: "mine".into(),
            ..base.clone()
        };
        let theirs = PersonDraft {
            role: "Director".into(),
            acquaintance: Acquaintance::Referred,
            referred_by: Some(PersonId::from("b")),
            ..base.clone()
        };
        let merged = mine.rebase(&base, &theirs);
        assert_eq!(merged.role, "Director");
        assert_eq!(merged.notes, "mine");
        assert_eq!(merged.referred_by, Some(PersonId::from("b")));
        assert_eq!(merged.acquaintance, Acquaintance::Referred);
        // With nothing changed elsewhere, rebasing is the identity.
        assert_eq!(mine.rebase(&base, &base), mine);
    }

    #[test]
    fn phone_links_keep_digits_only() {
        let person = Person {
            phone: "+1 (555) 010-9999 ext\"><script>".into(),
            ..Person::default()
        };
        assert_eq!(person.tel_href().as_deref(), Some("tel:+15550109999"));
        assert_eq!(Person::default().tel_href(), None);
    }
}
