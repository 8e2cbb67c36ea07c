//! Matching imported contacts against the network, and merging without losing anything.
//!
//! [`plan`] pairs every contact with the person it most likely is (same email, same LinkedIn
//! address, or same name and organisation), in the network or earlier in the same file, and
//! proposes what to do: add, merge, or nothing when a merge would add nothing (so importing the
//! same file twice adds nothing). The user can change each choice; [`Plan::people`] then gives
//! the people to write, which the caller stores as one change.

use std::collections::{HashMap, HashSet};

use super::Contact;
use crate::domain::{new_id, Acquaintance, Detail, DetailKind, Person, PersonId};
use std::borrow::Cow;

/// What identifies a person well enough to recognise them in another file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Identity {
    pub name: String,
    pub organisation: String,
    pub emails: Vec<String>,
    pub linkedin: String,
}

impl Identity {
    pub fn of(person: &Person) -> Identity {
        Identity {
            name: person.name.clone(),
            organisation: person.organisation.clone(),
            emails: std::iter::once(&person.email)
                .chain(
                    person
                        .also
                        .iter()
                        .filter(|d| d.kind == DetailKind::Email)
                        .map(|d| &d.value),
                )
                .filter(|e| !e.trim().is_empty())
                .cloned()
                .collect(),
            linkedin: person.linkedin.clone(),
        }
    }
}

/// Why a contact was taken for someone already known.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Reason {
    Email(String),
    LinkedIn,
    NameAndOrganisation,
}

impl Reason {
    pub fn describe(&self) -> String {
        match self {
            Reason::Email(email) => format!("same email ({email})"),
            Reason::LinkedIn => "same LinkedIn profile".to_owned(),
            Reason::NameAndOrganisation => "same name and organisation".to_owned(),
        }
    }
}

/// Whom a contact matched.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Target {
    /// Someone already in the network.
    Existing(PersonId),
    /// A contact earlier in the same file (by its index in the plan).
    Earlier(usize),
}

/// What to do with one contact.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Choice {
    /// Add as a new person (contacts that matched no one).
    Add,
    /// Merge into the person it matched; nothing of either is dropped.
    Merge,
    /// Add as a new person even though it matched someone.
    KeepBoth,
    /// Leave it out.
    Skip,
}

/// One contact of the file and what will happen to it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Entry {
    pub contact: Contact,
    /// The id the contact gets if it is added.
    pub id: PersonId,
    pub matched: Option<(Target, Reason)>,
    /// The name of whom it matched, for the preview.
    pub matched_name: String,
    /// What a merge would add to the matched person ("email", "notes", …); empty when the
    /// person already has everything the contact holds.
    pub adds: Vec<Cow<'static, str>>,
    pub choice: Choice,
}

impl Entry {
    /// A match whose merge would change nothing: the contact is already in the network.
    pub fn already_here(&self) -> bool {
        self.matched.is_some() && self.adds.is_empty()
    }
}

/// An import, ready to preview and apply.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Plan {
    pub entries: Vec<Entry>,
}

/// How many contacts each choice applies to.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Counts {
    pub added: usize,
    pub merged: usize,
    pub skipped: usize,
    pub already_here: usize,
}

impl Counts {
    /// Counts these entries in too.
    pub fn of<'a>(mut self, entries: impl IntoIterator<Item = &'a Entry>) -> Counts {
        for entry in entries {
            match entry.choice {
                Choice::Add | Choice::KeepBoth => self.added += 1,
                Choice::Merge if entry.adds.is_empty() => self.already_here += 1,
                Choice::Merge => self.merged += 1,
                Choice::Skip if entry.already_here() => self.already_here += 1,
                Choice::Skip => self.skipped += 1,
            }
        }
        self
    }
}

/// How many new people a preview names (the rest are counted).
pub const PREVIEW_NAMED: usize = 50;

/// What the preview of a plan shows, without the whole of it (thousands of contacts): the
/// possible duplicates to decide on, and the first new people.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Summary {
    pub contacts: usize,
    /// The counts of every entry but the decisions.
    pub settled: Counts,
    /// Possible duplicates that need a decision (a merge that would add something), by their
    /// index in the plan.
    pub decisions: Vec<(usize, Entry)>,
    /// The first new people: name, and role at organisation.
    pub new_named: Vec<(String, String)>,
    pub new_total: usize,
}

impl Summary {
    pub fn counts(&self) -> Counts {
        self.settled.of(self.decisions.iter().map(|(_, e)| e))
    }

    /// The choices made for the decisions, for [`Plan::choose`].
    pub fn choices(&self) -> Vec<(usize, Choice)> {
        self.decisions.iter().map(|(i, e)| (*i, e.choice)).collect()
    }
}

impl Plan {
    pub fn counts(&self) -> Counts {
        Counts::default().of(&self.entries)
    }

    /// The preview of this plan, naming the first `named` new people.
    pub fn summary(&self, named: usize) -> Summary {
        let decides = |e: &Entry| e.matched.is_some() && !e.already_here();
        let new = self.entries.iter().filter(|e| e.matched.is_none());
        Summary {
            contacts: self.entries.len(),
            settled: Counts::default().of(self.entries.iter().filter(|e| !decides(e))),
            decisions: (self.entries.iter().enumerate())
                .filter(|(_, e)| decides(e))
                .map(|(i, e)| (i, e.clone()))
                .collect(),
            new_named: (new.clone().take(named))
                .map(|e| {
                    let c = &e.contact;
                    (
                        c.name.clone(),
                        crate::domain::role_line(&c.role, &c.organisation),
                    )
                })
                .collect(),
            new_total: new.count(),
        }
    }

    /// Takes the choices made in the preview: for possible duplicates only (a merge, both or
    /// neither); others are ignored.
    pub fn choose(&mut self, choices: &[(usize, Choice)]) {
        for &(index, choice) in choices {
            if let Some(entry) = self.entries.get_mut(index) {
                if entry.matched.is_some() && choice != Choice::Add {
                    entry.choice = choice;
                }
            }
        }
    }

    /// Whether applying the plan would change the network at all.
    pub fn changes_anything(&self) -> bool {
        let counts = self.counts();
        counts.added + counts.merged > 0
    }

    /// The people to write, new and changed, with referral links inside the file resolved.
    ///
    /// `existing` reads a person already in the network; `referrer_of` answers who referred
    /// someone in the network, to refuse links that would make a loop (such a link is kept as
    /// a "referred by" detail instead, so it is not lost).
    pub fn people(
        &self,
        now: i64,
        existing: impl Fn(&PersonId) -> Option<Person>,
        referrer_of: impl Fn(&PersonId) -> Option<PersonId>,
    ) -> Vec<(PersonId, Person)> {
        let mut result: HashMap<PersonId, Person> = HashMap::new();
        let mut order: Vec<PersonId> = Vec::new();
        let mut ordered: HashSet<PersonId> = HashSet::new();
        // Where each entry's contact ended up, to resolve referrals.
        let mut landed: Vec<Option<PersonId>> = Vec::with_capacity(self.entries.len());
        for (index, entry) in self.entries.iter().enumerate() {
            let target = self.resolved_target(index, &landed);
            let id = match (entry.choice, target) {
                (Choice::Skip, target) => {
                    landed.push(target);
                    continue;
                }
                (Choice::Merge, Some(target)) => {
                    let base = match result.get(&target) {
                        Some(person) => person.clone(),
                        None => match existing(&target) {
                            Some(person) => person,
                            None => person_from(&entry.contact, now),
                        },
                    };
                    let merged = merge(&base, &entry.contact, now);
                    if merged == base && !result.contains_key(&target) {
                        landed.push(Some(target));
                        continue;
                    }
                    result.insert(target.clone(), merged);
                    target
                }
                _ => {
                    result.insert(entry.id.clone(), person_from(&entry.contact, now));
                    entry.id.clone()
                }
            };
            if ordered.insert(id.clone()) {
                order.push(id.clone());
            }
            landed.push(Some(id));
        }

        // Referrals named inside the file, by the file's own keys.
        let by_key: HashMap<&str, usize> = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(i, e)| e.contact.key.as_deref().map(|k| (k, i)))
            .collect();
        for (index, entry) in self.entries.iter().enumerate() {
            let (Some(person_id), Some(referrer_key)) =
                (&landed[index], entry.contact.referred_by.as_deref())
            else {
                continue;
            };
            let Some(referrer) = by_key.get(referrer_key).and_then(|&i| landed[i].clone()) else {
                continue;
            };
            if !result.contains_key(person_id) || &referrer == person_id {
                continue;
            }
            let referrer_name = result
                .get(&referrer)
                .map(|p| p.name.clone())
                .or_else(|| existing(&referrer).map(|p| p.name))
                .unwrap_or_default();
            let current = result[person_id].referred_by.clone();
            let loops = {
                let lookup = |id: &PersonId| -> Option<PersonId> {
                    match result.get(id) {
                        Some(p) => p.referred_by.clone(),
                        None => referrer_of(id),
                    }
                };
                crate::domain::referral_chain_reaches(&referrer, person_id, &lookup)
            };
            let person = result.get_mut(person_id).expect("checked above");
            match current {
                Some(ref already) if already == &referrer => {}
                None if !loops => {
                    person.referred_by = Some(referrer);
                    person.acquaintance = Acquaintance::Referred;
                }
                _ => add_detail(person, DetailKind::Referrer, &referrer_name),
            }
        }
        order
            .into_iter()
            .filter_map(|id| result.remove(&id).map(|p| (id, p)))
            .collect()
    }

    /// The person entry `index` merges into, following earlier entries of the same file.
    fn resolved_target(&self, index: usize, landed: &[Option<PersonId>]) -> Option<PersonId> {
        match &self.entries[index].matched {
            None => None,
            Some((Target::Existing(id), _)) => Some(id.clone()),
            Some((Target::Earlier(earlier), _)) => landed.get(*earlier).cloned().flatten(),
        }
    }
}

/// Matches every contact and proposes a choice for each.
///
/// `known` identifies everyone in the network; `existing` reads a matched person in full (to
/// tell what a merge would add). A contact keeps the id its file gave it when that is a
/// Colloquy id not yet in use, so a network exported and imported elsewhere keeps its ids.
pub fn plan(
    known: &[(PersonId, Identity)],
    contacts: Vec<Contact>,
    existing: impl Fn(&PersonId) -> Option<Person>,
) -> Plan {
    let mut index = Index::default();
    for (id, identity) in known {
        index.insert(identity, Target::Existing(id.clone()));
    }
    let taken: HashSet<&str> = known.iter().map(|(id, _)| id.as_str()).collect();
    let mut used: HashSet<String> = HashSet::new();
    // The person each match would be merged into so far, to tell what a merge adds.
    let mut working: HashMap<TargetKey, Person> = HashMap::new();
    let mut entries: Vec<Entry> = Vec::with_capacity(contacts.len());
    for contact in contacts {
        let id = match contact.key.as_deref() {
            Some(key) if is_id(key) && !taken.contains(key) && !used.contains(key) => {
                PersonId::from(key)
            }
            _ => PersonId::from(new_id()),
        };
        used.insert(id.as_str().to_owned());
        let matched = index.find(&contact);
        let (adds, matched_name, choice) = match &matched {
            None => (Vec::new(), String::new(), Choice::Add),
            Some((target, _)) => {
                let key = TargetKey::of(target, &entries);
                let before = match working.get(&key) {
                    Some(p) => Some(p.clone()),
                    None => match &key {
                        TargetKey::Existing(id) => existing(id),
                        TargetKey::New(i) => Some(person_from(&entries[*i].contact, 0)),
                    },
                };
                match before {
                    Some(before) => {
                        let after = merge(&before, &contact, before.updated_at);
                        let adds = differences(&before, &after);
                        let name = before.name.clone();
                        working.insert(key, after);
                        let choice = if adds.is_empty() {
                            Choice::Skip
                        } else {
                            Choice::Merge
                        };
                        (adds, name, choice)
                    }
                    None => (Vec::new(), String::new(), Choice::Add),
                }
            }
        };
        let matched = if choice == Choice::Add && matched.is_some() && matched_name.is_empty() {
            None
        } else {
            matched
        };
        // Later contacts may match this one by details the person matched didn't have.
        let target = match &matched {
            Some((target, _)) => target.clone(),
            None => Target::Earlier(entries.len()),
        };
        index.insert(&identity_of(&contact), target);
        entries.push(Entry {
            contact,
            id,
            matched,
            matched_name,
            adds,
            choice,
        });
    }
    Plan { entries }
}

/// The root of a chain of earlier-entry matches: a person in the network or a new entry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum TargetKey {
    Existing(PersonId),
    New(usize),
}

impl TargetKey {
    fn of(target: &Target, entries: &[Entry]) -> TargetKey {
        match target {
            Target::Existing(id) => TargetKey::Existing(id.clone()),
            Target::Earlier(i) => match &entries[*i].matched {
                Some((earlier, _)) => TargetKey::of(earlier, entries),
                None => TargetKey::New(*i),
            },
        }
    }
}

/// Lookup tables from normalised email, LinkedIn address and name + organisation.
#[derive(Default)]
struct Index {
    email: HashMap<String, Target>,
    linkedin: HashMap<String, Target>,
    name_org: HashMap<(String, String), Target>,
}

impl Index {
    fn insert(&mut self, identity: &Identity, target: Target) {
        for email in &identity.emails {
            let email = normal_email(email);
            if !email.is_empty() {
                self.email.entry(email).or_insert_with(|| target.clone());
            }
        }
        let linkedin = normal_url(&identity.linkedin);
        if !linkedin.is_empty() {
            self.linkedin
                .entry(linkedin)
                .or_insert_with(|| target.clone());
        }
        let name = normal_words(&identity.name);
        if !name.is_empty() {
            self.name_org
                .entry((name, normal_words(&identity.organisation)))
                .or_insert(target);
        }
    }

    fn find(&self, contact: &Contact) -> Option<(Target, Reason)> {
        for email in &contact.emails {
            if let Some(target) = self.email.get(&normal_email(email)) {
                return Some((target.clone(), Reason::Email(email.trim().to_owned())));
            }
        }
        let linkedin = normal_url(&contact.linkedin);
        if let Some(target) = (!linkedin.is_empty())
            .then(|| self.linkedin.get(&linkedin))
            .flatten()
        {
            return Some((target.clone(), Reason::LinkedIn));
        }
        let key = (
            normal_words(&contact.name),
            normal_words(&contact.organisation),
        );
        self.name_org
            .get(&key)
            .map(|target| (target.clone(), Reason::NameAndOrganisation))
    }
}

fn identity_of(contact: &Contact) -> Identity {
    Identity {
        name: contact.name.clone(),
        organisation: contact.organisation.clone(),
        emails: contact.emails.clone(),
        linkedin: contact.linkedin.clone(),
    }
}

/// A new person from a contact (referral links are resolved by [`Plan::people`]).
pub fn person_from(contact: &Contact, now: i64) -> Person {
    merge(
        &Person {
            created_at: now,
            updated_at: now,
            ..Person::default()
        },
        contact,
        now,
    )
}

/// `person` with everything `contact` adds: empty details filled, differing values kept as
/// extra details, lists joined, notes appended. Nothing of either side is dropped.
pub fn merge(person: &Person, contact: &Contact, now: i64) -> Person {
    let mut out = person.clone();
    fill(
        &mut out.name,
        &mut out.also,
        DetailKind::Name,
        &contact.name,
        same_words,
    );
    for email in &contact.emails {
        fill(
            &mut out.email,
            &mut out.also,
            DetailKind::Email,
            email,
            same_email,
        );
    }
    for phone in &contact.phones {
        fill(
            &mut out.phone,
            &mut out.also,
            DetailKind::Phone,
            phone,
            same_phone,
        );
    }
    fill(
        &mut out.linkedin,
        &mut out.also,
        DetailKind::LinkedIn,
        &contact.linkedin,
        same_url,
    );
    for site in &contact.websites {
        let site = site.trim();
        if !site.is_empty()
            && !same_url(&out.linkedin, site)
            && !out.also.iter().any(|d| {
                matches!(d.kind, DetailKind::Website | DetailKind::LinkedIn)
                    && same_url(&d.value, site)
            })
        {
            out.also.push(Detail {
                kind: DetailKind::Website,
                value: site.to_owned(),
            });
        }
    }
    fill(
        &mut out.organisation,
        &mut out.also,
        DetailKind::Organisation,
        &contact.organisation,
        same_words,
    );
    fill(
        &mut out.role,
        &mut out.also,
        DetailKind::Role,
        &contact.role,
        same_words,
    );
    fill(
        &mut out.location,
        &mut out.also,
        DetailKind::Location,
        &contact.location,
        same_words,
    );
    fill(
        &mut out.how_we_know,
        &mut out.also,
        DetailKind::HowWeKnow,
        &contact.how_we_know,
        same_words,
    );
    for detail in &contact.also {
        match detail.kind {
            DetailKind::Email => fill(
                &mut out.email,
                &mut out.also,
                DetailKind::Email,
                &detail.value,
                same_email,
            ),
            DetailKind::Phone => fill(
                &mut out.phone,
                &mut out.also,
                DetailKind::Phone,
                &detail.value,
                same_phone,
            ),
            DetailKind::LinkedIn => fill(
                &mut out.linkedin,
                &mut out.also,
                DetailKind::LinkedIn,
                &detail.value,
                same_url,
            ),
            DetailKind::Website => {
                if !same_url(&out.linkedin, &detail.value) {
                    add_detail_with(&mut out.also, DetailKind::Website, &detail.value, same_url);
                }
            }
            kind => add_detail_with(&mut out.also, kind, &detail.value, same_words),
        }
    }
    join_list(&mut out.fields, &contact.fields);
    join_list(&mut out.tags, &contact.tags);
    let notes = contact.notes.trim();
    if !notes.is_empty() && !out.notes.contains(notes) {
        if out.notes.trim().is_empty() {
            out.notes = notes.to_owned();
        } else {
            out.notes = format!("{}\n\n{notes}", out.notes.trim_end());
        }
    }
    if let Some(acquaintance) = contact.acquaintance {
        if out.referred_by.is_none() && contact.referred_by.is_none() {
            out.acquaintance = acquaintance;
        }
    }
    if out != *person {
        out.updated_at = now;
    }
    out
}

/// Puts `value` in `slot` if that is empty; otherwise keeps it as an extra detail unless it
/// is already there.
fn fill(
    slot: &mut String,
    also: &mut Vec<Detail>,
    kind: DetailKind,
    value: &str,
    same: fn(&str, &str) -> bool,
) {
    let value = value.trim();
    if value.is_empty() || same(slot, value) {
        return;
    }
    if slot.trim().is_empty() {
        *slot = value.to_owned();
    } else {
        add_detail_with(also, kind, value, same);
    }
}

fn add_detail(person: &mut Person, kind: DetailKind, value: &str) {
    add_detail_with(&mut person.also, kind, value, same_words);
}

fn add_detail_with(
    also: &mut Vec<Detail>,
    kind: DetailKind,
    value: &str,
    same: fn(&str, &str) -> bool,
) {
    let value = value.trim();
    if value.is_empty() || also.iter().any(|d| d.kind == kind && same(&d.value, value)) {
        return;
    }
    also.push(Detail {
        kind,
        value: value.to_owned(),
    });
}

fn join_list(list: &mut Vec<String>, more: &[String]) {
    for item in more {
        let item = item.trim();
        if !item.is_empty() && !list.iter().any(|i| same_words(i, item)) {
            list.push(item.to_owned());
        }
    }
}

/// Which parts of a person differ, by label, for the preview.
fn differences(before: &Person, after: &Person) -> Vec<Cow<'static, str>> {
    let mut adds = Vec::new();
    let mut check = |changed: bool, label: &'static str| {
        if changed {
            adds.push(label.into());
        }
    };
    check(before.name != after.name, "name");
    check(before.email != after.email, "email");
    check(before.phone != after.phone, "phone");
    check(before.linkedin != after.linkedin, "LinkedIn");
    check(before.organisation != after.organisation, "organisation");
    check(before.role != after.role, "role");
    check(before.location != after.location, "location");
    check(before.how_we_know != after.how_we_know, "how you know them");
    check(before.fields != after.fields, "fields");
    check(before.tags != after.tags, "tags");
    check(before.notes != after.notes, "notes");
    check(before.also != after.also, "other details");
    adds
}

fn is_id(key: &str) -> bool {
    key.len() == 32 && key.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn normal_email(email: &str) -> String {
    email.trim().to_lowercase()
}

/// A web address reduced to what identifies the page: no scheme, `www.` or country
/// subdomain of LinkedIn, query, fragment or trailing slash; lower case.
fn normal_url(url: &str) -> String {
    let url = url.trim().to_lowercase();
    let url = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(&url);
    let url = url.split(['?', '#']).next().unwrap_or_default();
    let url = url.trim_end_matches('/');
    let (host, path) = url.split_once('/').unwrap_or((url, ""));
    let host = host.strip_prefix("www.").unwrap_or(host);
    let host = match host.split_once('.') {
        Some((country, "linkedin.com")) if country.len() == 2 => "linkedin.com",
        _ => host,
    };
    if path.is_empty() {
        host.to_owned()
    } else {
        format!("{host}/{path}")
    }
}

fn normal_words(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

fn same_words(a: &str, b: &str) -> bool {
    normal_words(a) == normal_words(b)
}

fn same_email(a: &str, b: &str) -> bool {
    normal_email(a) == normal_email(b)
}

fn same_url(a: &str, b: &str) -> bool {
    normal_url(a) == normal_url(b)
}

/// Phone numbers are the same when their digits are (ignoring a leading 00 or + prefix form).
fn same_phone(a: &str, b: &str) -> bool {
    let digits = |s: &str| -> String { s.chars().filter(char::is_ascii_digit).collect() };
    let (a, b) = (digits(a), digits(b));
    if a.is_empty() || b.is_empty() {
        return a == b;
    }
    a == b || a.strip_prefix("00") == Some(b.as_str()) || b.strip_prefix("00") == Some(a.as_str())
}

#[cfg(test)]
mod tests;
