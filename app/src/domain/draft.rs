use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

/// Most words a request should have before [`check_request`] calls it too long.
pub const REQUEST_WORD_LIMIT: usize = 200;

/// The built-in request for an informational interview.
///
/// Placeholders: `{contact}` (their first name), `{referral}` (how the user got their name),
/// `{field}`, `{venues}` (where the conversation could happen), `{resume}` (a line about an
/// enclosed résumé, or nothing), `{your_name}`, `{your_email}` and `{your_phone}`.
pub const DEFAULT_REQUEST_TEMPLATE: &str = "Hello {contact},

{referral} I'm researching {field} and would be grateful for your advice and insight. I'm not asking for a job or internship; I'd simply like to learn from your experience.

Could you spare 20–30 minutes for a conversation in the next few weeks? {venues}

{resume}

Thank you for considering it. I look forward to hearing from you.

Best wishes,
{your_name}
{your_email}
{your_phone}
";

/// The built-in thank-you, to send within a day of the conversation.
///
/// Placeholders: `{contact}` (their first name), `{field}`, `{detail}` (a sentence on something
/// they said, or nothing), `{referrals}` (a sentence on following up the people they suggested,
/// or nothing) and `{your_name}`.
pub const DEFAULT_THANK_YOU_TEMPLATE: &str = "Hello {contact},

Thank you for taking the time to talk with me about {field}. I learned a great deal, and your advice has given me a much clearer picture. {detail}

{referrals}

I'll let you know how things go.

Best wishes,
{your_name}
";

/// What a request is filled from: who it goes to, how the user got their name, and the user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestContext {
    /// The contact's full name.
    pub contact_name: String,
    /// The full name of whoever suggested the contact, if someone did.
    pub referrer_name: Option<String>,
    /// How the user knows the contact, or knows the referrer, in free words: "the rowing club",
    /// "met at a meetup", "college roommate".
    pub how_we_know: String,
    /// The field the user is researching, such as "speech systems technology".
    pub field: String,
    pub your_name: String,
    pub your_email: String,
    pub your_phone: String,
    pub enclose_resume: bool,
}

/// What a thank-you is filled from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ThankYouContext {
    /// The contact's full name.
    pub contact_name: String,
    pub field: String,
    /// Something they said, as the user would put it; empty leaves a blank to fill in.
    pub detail: String,
    /// The people they suggested the user talk to next.
    pub referral_names: Vec<String>,
    pub your_name: String,
}

/// Something to fix in a request, found while the user types.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DraftCheck {
    /// The request has more than `limit` words.
    TooLong { words: usize, limit: usize },
    /// The request does not say how the user got the contact's name.
    NoNameSource,
    /// The request does not ask for a specific, short amount of time.
    NoTimeRequest,
    /// The request reads as asking for a job; `word` is the first such word, in lower case.
    AsksForJob { word: String },
    /// Neither the user's email nor their phone number is in the request.
    MissingContact,
}

impl DraftCheck {
    /// Friendly advice on what to change, for showing beside the draft.
    pub fn message(&self) -> String {
        match self {
            DraftCheck::TooLong { words, limit } => format!(
                "At {words} words this is long; keep it under {limit} so it gets read and \
                 answered."
            ),
            DraftCheck::NoNameSource => {
                "Say how you got their name (who suggested them, or how you know each other)."
                    .to_owned()
            }
            DraftCheck::NoTimeRequest => {
                "Ask for a specific, short amount of time, such as 20–30 minutes.".to_owned()
            }
            DraftCheck::AsksForJob { word } => format!(
                "It reads as asking for {}. Say you are looking for advice and insight, not a job.",
                job_phrase(word)
            ),
            DraftCheck::MissingContact => "Give your email or phone so they can reply.".to_owned(),
        }
    }
}

/// The first name in a full name: "Ada Lovelace" gives "Ada", "Dr Grace Hopper" gives "Grace".
///
/// A title before a single other word is kept with it ("Dr Hopper"), as that is how to address
/// the person. Empty for a blank name.
pub fn first_name(full: &str) -> &str {
    const TITLES: &[&str] = &[
        "dr",
        "mr",
        "mrs",
        "ms",
        "mx",
        "miss",
        "prof",
        "professor",
        "sir",
        "dame",
        "rev",
    ];
    let full = full.trim();
    let words: Vec<&str> = full.split_whitespace().collect();
    let is_title =
        |word: &str| TITLES.contains(&word.trim_end_matches('.').to_lowercase().as_str());
    match words.as_slice() {
        [] => "",
        [title, _] if is_title(title) => full,
        [title, first, _, ..] if is_title(title) => first.trim_end_matches(','),
        [first, ..] => first.trim_end_matches(','),
    }
}

/// Fills `{name}` placeholders in `template` from `values` and tidies the result.
///
/// Unknown placeholders are left as they are; `{{` is a literal `{` (and, as in `format!`, `}}`
/// is a literal `}`). A line holding nothing but placeholders that all come out empty is dropped,
/// a space after an empty placeholder is dropped, spaces at line ends are trimmed, runs of blank
/// lines become one, and blank lines at the start and end go. Line endings become `\n`.
pub fn fill_template(template: &str, values: &[(&str, &str)]) -> String {
    let template = template.replace("\r\n", "\n").replace('\r', "\n");
    let mut filled = String::new();
    for line in template.split('\n') {
        if let Some(line) = fill_line(line, values) {
            filled.push_str(&line);
            filled.push('\n');
        }
    }
    let mut tidy: Vec<&str> = Vec::new();
    for line in filled.lines().map(str::trim_end) {
        if line.is_empty() && tidy.last().is_none_or(|last| last.is_empty()) {
            continue;
        }
        tidy.push(line);
    }
    while tidy.last().is_some_and(|last| last.is_empty()) {
        tidy.pop();
    }
    tidy.join("\n")
}

/// The request, from `template` (such as [`DEFAULT_REQUEST_TEMPLATE`]) and what is known.
pub fn request_draft(template: &str, ctx: &RequestContext) -> String {
    let resume = if ctx.enclose_resume { RESUME_LINE } else { "" };
    let referral = referral_sentence(ctx);
    fill_template(
        template,
        &[
            ("contact", greeting_name(&ctx.contact_name)),
            ("referral", &referral),
            ("field", &field_or_default(&ctx.field)),
            ("venues", VENUES),
            ("resume", resume),
            ("your_name", ctx.your_name.trim()),
            ("your_email", ctx.your_email.trim()),
            ("your_phone", ctx.your_phone.trim()),
        ],
    )
}

/// A short subject line for the request: "Twenty minutes of advice on speech systems
/// technology?".
pub fn request_subject(ctx: &RequestContext) -> String {
    match ctx.field.trim() {
        "" => "Twenty minutes of your advice?".to_owned(),
        _ => format!(
            "Twenty minutes of advice on {}?",
            field_or_default(&ctx.field)
        ),
    }
}

/// Most characters LinkedIn takes in a note sent with an invitation to connect.
pub const LINKEDIN_NOTE_LIMIT: usize = 300;

/// The request as a LinkedIn note: who you are, how you got their name, the field, twenty
/// minutes and not a job, in at most [`LINKEDIN_NOTE_LIMIT`] characters (a long field or name is
/// shortened before anything else goes).
pub fn linkedin_note(ctx: &RequestContext) -> String {
    let hello = match first_name(&ctx.contact_name) {
        "" => "Hello,".to_owned(),
        name => format!("Hello {name},"),
    };
    let source = match referrer(ctx) {
        Some(referrer) => format!("{referrer} suggested I reach out."),
        None => acquaintance_sentence(&ctx.how_we_know).unwrap_or_default(),
    };
    let sign = first_name(&ctx.your_name).to_owned();
    let note = |field: &str, source: &str| {
        let ask = format!(
            "I'm researching {field} and would value 20 minutes of your advice (not a job \
             request). Would you be open to a short call?"
        );
        [hello.as_str(), source, ask.as_str(), sign.as_str()]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let field = field_or_default(&ctx.field);
    let full = note(&field, &source);
    if full.chars().count() <= LINKEDIN_NOTE_LIMIT {
        return full;
    }
    // The field, cut to what room is left.
    let room = LINKEDIN_NOTE_LIMIT.saturating_sub(note("", &source).chars().count());
    if room >= 12 {
        return note(&shorten(&field, room), &source);
    }
    shorten(&note("your field", &source), LINKEDIN_NOTE_LIMIT)
}

/// `text` cut at a word boundary, with "…", to at most `limit` characters.
fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(limit.saturating_sub(1)).collect();
    if let Some(space) = cut.rfind(char::is_whitespace).filter(|&at| at > 0) {
        cut.truncate(space);
    }
    format!("{}…", cut.trim_end_matches(|c: char| !c.is_alphanumeric()))
}

/// What to say when asking on the phone or in person, one sentence a line.
pub fn phone_script(ctx: &RequestContext) -> String {
    let contact = first_name(&ctx.contact_name);
    let mut lines = Vec::new();
    lines.push(match (contact, ctx.your_name.trim()) {
        ("", "") => "Hello.".to_owned(),
        ("", you) => format!("Hello, my name is {you}."),
        (contact, "") => format!("Hello {contact}."),
        (contact, you) => format!("Hello {contact}, my name is {you}."),
    });
    match referrer(ctx) {
        Some(_) => lines.push(referral_sentence(ctx)),
        None => lines.extend(acquaintance_sentence(&ctx.how_we_know)),
    }
    lines.push(format!(
        "I'm researching {} and would value your advice and insight.",
        field_or_default(&ctx.field)
    ));
    lines.push("I'm not asking for a job; I'd just like to learn from your experience.".to_owned());
    lines.push("Could you spare 20–30 minutes to talk, in person or by phone?".to_owned());
    lines.push("When would suit you best?".to_owned());
    lines.join("\n")
}

/// What the thank-you leaves for the user to write: what they learned, in their own words.
pub const THANK_YOU_BLANK: &str = "[what you learned from them]";

/// The thank-you, from `template` (such as [`DEFAULT_THANK_YOU_TEMPLATE`]) and the conversation.
pub fn thank_you_draft(template: &str, ctx: &ThankYouContext) -> String {
    let detail = match ctx.detail.trim() {
        // A clear blank for the user to fill, rather than their notes about the person.
        "" => format!("One thing I'll take away from our conversation: {THANK_YOU_BLANK}."),
        detail if detail.ends_with(['.', '!', '?', '…']) => {
            format!("One thing I'll take away from our conversation: {detail}")
        }
        detail => format!("One thing I'll take away from our conversation: {detail}."),
    };
    let names: Vec<&str> = ctx
        .referral_names
        .iter()
        .map(|n| n.trim())
        .filter(|n| !n.is_empty())
        .collect();
    let referrals = match names.as_slice() {
        [] => String::new(),
        [only] => format!("I'll be in touch with {only} as you suggested."),
        [others @ .., last] => format!(
            "I'll be in touch with {} and {last} as you suggested.",
            others.join(", ")
        ),
    };
    fill_template(
        template,
        &[
            ("contact", greeting_name(&ctx.contact_name)),
            ("field", &field_or_default(&ctx.field)),
            ("detail", &detail),
            ("referrals", &referrals),
            ("your_name", ctx.your_name.trim()),
        ],
    )
}

/// What the note to a referrer leaves for the user to write: how the meeting went.
pub const REFERRER_BLANK: &str = "[how it went, in a sentence or two]";

/// A short note telling `referrer` how the meeting with the person they suggested went.
pub fn referrer_note(referrer: &str, contact: &str, your_name: &str) -> String {
    let contact = match contact.trim() {
        "" => "them".to_owned(),
        name => name.to_owned(),
    };
    let sign_off = match your_name.trim() {
        "" => "Best wishes".to_owned(),
        you => format!("Best wishes,\n{you}"),
    };
    format!(
        "Hello {},\n\nThank you for putting me in touch with {contact}. We've now talked, and it \
         helped: {REFERRER_BLANK}.\n\nI'm grateful you made the introduction.\n\n{sign_off}",
        greeting_name(referrer)
    )
}

/// What to fix in a request `text` written for `ctx`; empty when it is fine.
///
/// At most one check of each kind, in the order of [`DraftCheck`]'s variants.
pub fn check_request(text: &str, ctx: &RequestContext) -> Vec<DraftCheck> {
    let mut checks = Vec::new();
    let words = text
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphanumeric))
        .count();
    if words > REQUEST_WORD_LIMIT {
        checks.push(DraftCheck::TooLong {
            words,
            limit: REQUEST_WORD_LIMIT,
        });
    }
    let flat = flatten(text);
    if !names_source(&flat, ctx) {
        checks.push(DraftCheck::NoNameSource);
    }
    if !asks_for_time(text) {
        checks.push(DraftCheck::NoTimeRequest);
    }
    if let Some(word) = job_request(text, &ctx.field) {
        checks.push(DraftCheck::AsksForJob { word });
    }
    if !gives_contact(text, &flat, ctx) {
        checks.push(DraftCheck::MissingContact);
    }
    checks
}

/// A `mailto:` link that opens a new email to `to` with `subject` and `body`.
///
/// The address is used only when it looks like one (one `@`, a dot in the domain, and only
/// letters, digits and `.`, `_`, `+`, `-`, `'`), so nothing typed into it can add recipients or
/// fields; otherwise the link has no address. Subject and body are percent-encoded, spaces as
/// `%20` and line breaks as `%0D%0A`.
pub fn mailto_href(to: &str, subject: &str, body: &str) -> String {
    let to = to.trim();
    let address = if plain_address(to) { to } else { "" };
    let body = body
        .replace("\r\n", "\n")
        .replace('\r', "\n")
        .replace('\n', "\r\n");
    format!(
        "mailto:{address}?subject={}&body={}",
        utf8_percent_encode(subject, MAILTO_QUERY),
        utf8_percent_encode(&body, MAILTO_QUERY)
    )
}

/// Everything but the unreserved characters of RFC 3986, so `&`, `#`, `=`, `+`, `%`, spaces and
/// line breaks are all encoded.
const MAILTO_QUERY: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

const RESUME_LINE: &str =
    "I've enclosed my résumé for background, though I'm not asking about openings.";

const VENUES: &str = "I'd be glad to come to your workplace, talk by phone or Zoom, or meet at \
                      a coffee shop near you, whichever suits you best.";

fn greeting_name(full: &str) -> &str {
    match first_name(full) {
        "" => "there",
        name => name,
    }
}

/// The field as it reads mid-sentence: a name written in sentence case ("Urban transit
/// planning") loses its first capital; one written otherwise ("NASA missions", "Urban
/// Planning", "Python") is kept as the user wrote it.
fn field_or_default(field: &str) -> std::borrow::Cow<'_, str> {
    let field = field.trim();
    if field.is_empty() {
        return "your field".into();
    }
    let mut words = field.split_whitespace();
    let first = words.next().unwrap_or_default();
    let second = words.next();
    let mut letters = first.chars();
    let sentence_case = letters.next().is_some_and(char::is_uppercase)
        && letters.all(|c| !c.is_uppercase())
        && second.is_some_and(|w| w.chars().next().is_some_and(char::is_lowercase));
    if !sentence_case {
        return field.into();
    }
    let mut chars = field.chars();
    let initial = chars.next().map(|c| c.to_lowercase().collect::<String>());
    format!("{}{}", initial.unwrap_or_default(), chars.as_str()).into()
}

fn referrer(ctx: &RequestContext) -> Option<&str> {
    ctx.referrer_name
        .as_deref()
        .map(str::trim)
        .filter(|r| !r.is_empty())
}

/// How the user got the contact's name, as one or two sentences.
fn referral_sentence(ctx: &RequestContext) -> String {
    let Some(referrer) = referrer(ctx) else {
        return acquaintance_sentence(&ctx.how_we_know).unwrap_or_default();
    };
    let mut sentence = format!("{referrer} suggested I get in touch with you.");
    let how = ctx.how_we_know.to_lowercase();
    let says_referral = ["referred", "suggested", "recommended", "introduced"]
        .iter()
        .any(|w| how.contains(w))
        || contains_word(&how, &first_name(referrer).to_lowercase());
    if !says_referral {
        if let Some(how) = acquaintance_sentence(&ctx.how_we_know) {
            sentence.push(' ');
            sentence.push_str(&how);
        }
    }
    sentence
}

/// A sentence from free words on how the user and someone know each other: "the rowing club"
/// gives "We know each other from the rowing club.", "met at a meetup" gives "We met at a
/// meetup.". `None` when there are no words.
fn acquaintance_sentence(how_we_know: &str) -> Option<String> {
    const SENTENCE_STARTS: &[&str] = &[
        "i", "i'm", "i've", "i'd", "we", "we're", "we've", "we'd", "you", "you're", "you've",
        "she", "she's", "he", "he's", "they", "they're",
    ];
    const VERBS: &[&str] = &[
        "met",
        "worked",
        "studied",
        "played",
        "volunteered",
        "went",
        "served",
        "trained",
        "grew",
        "sang",
        "lived",
        "shared",
        "took",
        "were",
        "rowed",
        "ran",
        "sat",
        "taught",
        "know",
        "used",
        "both",
        "once",
    ];
    const PREPOSITIONS: &[&str] = &[
        "from", "through", "via", "at", "in", "on", "since", "thanks", "by",
    ];
    const PASSIVES: &[&str] = &["referred", "recommended", "suggested", "introduced"];
    const PEERS: &[&str] = &[
        "roommate",
        "flatmate",
        "housemate",
        "classmate",
        "colleague",
        "coworker",
        "co-worker",
        "teammate",
        "friend",
        "neighbour",
        "neighbor",
        "cousin",
        "peer",
        "schoolmate",
        "crewmate",
    ];
    const SENIORS: &[&str] = &[
        "manager",
        "boss",
        "mentor",
        "tutor",
        "teacher",
        "professor",
        "lecturer",
        "supervisor",
        "coach",
        "advisor",
        "adviser",
        "instructor",
    ];
    let how = how_we_know
        .trim()
        .trim_end_matches(['.', '!', ';', ','])
        .trim();
    let first = how.split_whitespace().next()?;
    let first = first.to_lowercase().replace('’', "'");
    let last = how.split_whitespace().last()?.to_lowercase();
    let singular = last.strip_suffix('s').unwrap_or(&last);
    let role = how
        .strip_prefix("my ")
        .or_else(|| how.strip_prefix("My "))
        .or_else(|| how.strip_prefix("a "))
        .or_else(|| how.strip_prefix("an "))
        .unwrap_or(how);
    let sentence = if SENTENCE_STARTS.contains(&first.as_str()) {
        capitalise(how)
    } else if VERBS.contains(&first.as_str()) {
        format!("We {how}")
    } else if PREPOSITIONS.contains(&first.as_str()) {
        format!("We know each other {how}")
    } else if PASSIVES.contains(&first.as_str()) {
        format!("I was {how}")
    } else if PEERS.contains(&last.as_str()) || PEERS.contains(&singular) {
        if last.ends_with('s') {
            format!("We were {role}")
        } else {
            format!("We were {role}s")
        }
    } else if SENIORS.contains(&last.as_str()) || SENIORS.contains(&singular) {
        format!("You were my {role}")
    } else {
        format!("We know each other from {how}")
    };
    Some(format!("{sentence}."))
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Fills one template line; `None` when it held only placeholders and they all came out empty.
fn fill_line(line: &str, values: &[(&str, &str)]) -> Option<String> {
    let mut out = String::new();
    let mut has_placeholder = false;
    let mut has_text = false;
    let mut skip_space = false;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        if skip_space {
            skip_space = false;
            if c == ' ' {
                rest = &rest[1..];
                continue;
            }
        }
        if let Some(after) = rest.strip_prefix("{{").or_else(|| rest.strip_prefix("}}")) {
            out.push(c);
            has_text = true;
            rest = after;
            continue;
        }
        if let Some((name, after)) = placeholder(rest) {
            if let Some((_, value)) = values.iter().find(|(key, _)| *key == name) {
                has_placeholder = true;
                if value.trim().is_empty() {
                    skip_space = out.is_empty() || out.ends_with(char::is_whitespace);
                } else {
                    out.push_str(value);
                }
                rest = after;
                continue;
            }
        }
        out.push(c);
        has_text |= !c.is_whitespace();
        rest = &rest[c.len_utf8()..];
    }
    (!has_placeholder || has_text || !out.trim().is_empty()).then_some(out)
}

/// The name of a `{name}` placeholder at the start of `text`, and what follows it.
fn placeholder(text: &str) -> Option<(&str, &str)> {
    let inner = text.strip_prefix('{')?;
    let end = inner.find('}')?;
    let name = &inner[..end];
    let is_name = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    is_name.then(|| (name, &inner[end + 1..]))
}

/// Lower case with typographic apostrophes made plain and each run of whitespace one space.
fn flatten(text: &str) -> String {
    text.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
        .replace(['’', '‘'], "'")
}

/// Whether `phrase` occurs in `text` starting at a word boundary (and, for whole words, ending at
/// one). Both are lower case.
fn contains_phrase(text: &str, phrase: &str, whole_word: bool) -> bool {
    if phrase.is_empty() {
        return false;
    }
    text.match_indices(phrase).any(|(at, _)| {
        let starts = !text[..at]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric);
        let ends = !whole_word
            || !text[at + phrase.len()..]
                .chars()
                .next()
                .is_some_and(char::is_alphanumeric);
        starts && ends
    })
}

fn contains_word(text: &str, word: &str) -> bool {
    contains_phrase(text, word, true)
}

/// Whether the request says how the user got the contact's name.
fn names_source(flat: &str, ctx: &RequestContext) -> bool {
    if let Some(referrer) = referrer(ctx) {
        return contains_word(flat, &first_name(referrer).to_lowercase());
    }
    const PHRASES: &[&str] = &[
        "we met",
        "know each other",
        "we've met",
        "suggested",
        "referred",
        "recommended",
        "gave me your name",
        "passed on your name",
        "your name from",
    ];
    if PHRASES.iter().any(|p| contains_phrase(flat, p, false)) {
        return true;
    }
    const MINOR_WORDS: &[&str] = &[
        "from", "through", "with", "each", "other", "know", "knew", "known", "were", "when",
        "that", "this", "they", "them", "their", "your", "have", "been", "mine", "ours", "some",
        "just", "also", "used", "where", "while", "during", "about", "after", "before",
    ];
    let how = flatten(&ctx.how_we_know);
    how.split(|c: char| !c.is_alphanumeric() && c != '-' && c != '\'')
        .filter(|w| w.chars().count() >= 4 && !MINOR_WORDS.contains(w))
        .any(|w| contains_phrase(flat, w, false))
}

/// Whether the text asks for a number of minutes ("20–30 minutes", "twenty minutes", "15 mins")
/// or half an hour.
fn asks_for_time(text: &str) -> bool {
    const NUMBER_WORDS: &[&str] = &[
        "five", "ten", "fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "quarter",
    ];
    const UNITS: &[&str] = &["min", "mins", "minute", "minutes"];
    let lower = text.to_lowercase();
    let tokens: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    tokens.iter().enumerate().any(|(i, token)| {
        let digits = token.chars().take_while(char::is_ascii_digit).count();
        if digits > 0 && UNITS.contains(&&token[digits..]) {
            return true;
        }
        let is_number = (digits > 0 && digits == token.len()) || NUMBER_WORDS.contains(token);
        let near = || tokens.iter().skip(i + 1).take(3);
        (is_number && near().any(|t| UNITS.contains(t)))
            || (*token == "half" && near().take(2).any(|t| *t == "hour"))
    })
}

/// The first word that asks for a job, unless negated ("not a job"), and unless it is part of
/// the field's name.
fn job_request(text: &str, field: &str) -> Option<String> {
    const JOB_WORDS: &[&str] = &[
        "job",
        "jobs",
        "internship",
        "internships",
        "position",
        "positions",
        "opening",
        "openings",
        "vacancy",
        "vacancies",
        "hire",
        "hiring",
        "employment",
    ];
    const WINDOW: usize = 6;
    let field = flatten(field);
    let field_words: Vec<&str> = field.split(|c: char| !c.is_alphanumeric()).collect();
    let flat = flatten(text);
    for sentence in flat.split(['.', '!', '?', ';']) {
        let words: Vec<&str> = sentence
            .split(|c: char| !c.is_alphanumeric() && c != '\'')
            .map(|w| w.trim_matches('\''))
            .filter(|w| !w.is_empty())
            .collect();
        let mut last_negated_at: Option<usize> = None;
        for (i, word) in words.iter().enumerate() {
            let found = if JOB_WORDS.contains(word) {
                (*word).to_owned()
            } else if words[i..].starts_with(&["work", "for", "you"]) {
                "work for you".to_owned()
            } else {
                continue;
            };
            if field_words.contains(word) {
                continue;
            }
            let window = &words[i.saturating_sub(WINDOW)..i];
            let negated = window.iter().any(|w| {
                matches!(*w, "not" | "no" | "never" | "nor" | "cannot") || w.ends_with("n't")
            }) || window
                .windows(2)
                .any(|pair| matches!(pair, ["rather", "than"] | ["instead", "of"]))
                || last_negated_at.is_some_and(|at| i - at <= WINDOW);
            if !negated {
                return Some(found);
            }
            last_negated_at = Some(i);
        }
    }
    None
}

/// Whether the request holds the user's email or phone number.
fn gives_contact(text: &str, flat: &str, ctx: &RequestContext) -> bool {
    let email = ctx.your_email.trim().to_lowercase();
    if !email.is_empty() && flat.contains(&email) {
        return true;
    }
    let phone: String = ctx
        .your_phone
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if phone.len() < 3 {
        return false;
    }
    phone_numbers(text).iter().any(|number| {
        number == &phone
            || (number.len() >= 8
                && phone.len() >= 8
                && number[number.len() - 8..] == phone[phone.len() - 8..])
    })
}

/// The digits of each phone-number-like run in `text`: digits with spaces, `+`, `-`, `.` and
/// brackets between them.
fn phone_numbers(text: &str) -> Vec<String> {
    let mut numbers = Vec::new();
    let mut current = String::new();
    let mut separators = String::new();
    for c in text.chars() {
        if c.is_ascii_digit() {
            current.push(c);
            separators.clear();
        } else if matches!(c, ' ' | '+' | '-' | '.' | '(' | ')' | '\u{a0}') && separators.len() < 3
        {
            separators.push(c);
        } else if !current.is_empty() {
            numbers.push(std::mem::take(&mut current));
            separators.clear();
        } else {
            separators.clear();
        }
    }
    if !current.is_empty() {
        numbers.push(current);
    }
    numbers
}

/// "a job", "an opening" and so on, for [`DraftCheck::message`].
fn job_phrase(word: &str) -> &'static str {
    match word {
        "internship" | "internships" => "an internship",
        "position" | "positions" => "a position",
        "opening" | "openings" => "an opening",
        "vacancy" | "vacancies" => "a vacancy",
        "employment" => "employment",
        _ => "a job",
    }
}

/// Whether `address` is a plain email address that is safe to put in a `mailto:` link as is.
pub(crate) fn plain_address(address: &str) -> bool {
    let mut parts = address.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '+' | '-' | '\'');
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && local.chars().all(allowed)
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full_context() -> RequestContext {
        RequestContext {
            contact_name: "Priya Raman".into(),
            referrer_name: Some("Maria Lopez".into()),
            how_we_know: "the rowing club".into(),
            field: "speech systems technology".into(),
            your_name: "Sam Okafor".into(),
            your_email: "sam@example.org".into(),
            your_phone: "+44 7700 900123".into(),
            enclose_resume: true,
        }
    }

    fn word_count(text: &str) -> usize {
        text.split_whitespace()
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .count()
    }

    #[test]
    fn a_referrer_hears_whom_they_introduced_with_a_blank_for_how_it_went() {
        let note = referrer_note("Raj Patel", "Grace Kim", "Sam Okafor");
        assert!(note.starts_with("Hello Raj,\n"), "{note}");
        assert!(
            note.contains("putting me in touch with Grace Kim."),
            "{note}"
        );
        assert!(note.contains(REFERRER_BLANK), "{note}");
        assert!(note.ends_with("Best wishes,\nSam Okafor"), "{note}");
        let unsigned = referrer_note("", " ", "");
        assert!(unsigned.starts_with("Hello there,"), "{unsigned}");
        assert!(unsigned.contains("in touch with them."), "{unsigned}");
        assert!(unsigned.ends_with("Best wishes"), "{unsigned}");
    }

    #[test]
    fn first_names_skip_titles_and_spaces() {
        assert_eq!(first_name("Ada Lovelace"), "Ada");
        assert_eq!(first_name("  Grace   Brewster Hopper "), "Grace");
        assert_eq!(first_name("Dr. Grace Hopper"), "Grace");
        assert_eq!(first_name("Dr Hopper"), "Dr Hopper");
        assert_eq!(first_name("Prince"), "Prince");
        assert_eq!(first_name("   "), "");
    }

    #[test]
    fn templates_fill_known_placeholders_and_keep_the_rest() {
        let filled = fill_template(
            "Hi {name}, {{literal}} {unknown} {name}{ not} {}",
            &[("name", "Ada")],
        );
        assert_eq!(filled, "Hi Ada, {literal} {unknown} Ada{ not} {}");
        assert_eq!(fill_template("{{name}}", &[("name", "Ada")]), "{name}");
        assert_eq!(fill_template("{a}{b}", &[("a", "1"), ("b", "2")]), "12");
        assert_eq!(fill_template("Café {x} ☕", &[("x", "é")]), "Café é ☕");
    }

    #[test]
    fn empty_placeholders_leave_no_gaps() {
        let template =
            "Hello {name},\r\n\r\n{line}\r\n\r\n{first} Then more.   \n\n\n\nBye\n{a}\n{b}\n";
        let filled = fill_template(
            template,
            &[
                ("name", "Ada"),
                ("line", ""),
                ("first", ""),
                ("a", "A"),
                ("b", " "),
            ],
        );
        assert_eq!(filled, "Hello Ada,\n\nThen more.\n\nBye\nA");
        assert!(!filled.contains("\n\n\n"));
        assert!(filled.lines().all(|l| l == l.trim_end()));
    }

    #[test]
    fn the_default_request_reads_well() {
        let draft = request_draft(DEFAULT_REQUEST_TEMPLATE, &full_context());
        let expected = "Hello Priya,

Maria Lopez suggested I get in touch with you. We know each other from the rowing club. I'm researching speech systems technology and would be grateful for your advice and insight. I'm not asking for a job or internship; I'd simply like to learn from your experience.

Could you spare 20–30 minutes for a conversation in the next few weeks? I'd be glad to come to your workplace, talk by phone or Zoom, or meet at a coffee shop near you, whichever suits you best.

I've enclosed my résumé for background, though I'm not asking about openings.

Thank you for considering it. I look forward to hearing from you.

Best wishes,
Sam Okafor
sam@example.org
+44 7700 900123";
        assert_eq!(draft, expected);
        assert!(word_count(&draft) < 150, "{} words", word_count(&draft));
        assert_eq!(check_request(&draft, &full_context()), []);
    }

    #[test]
    fn the_default_request_without_optional_parts_has_no_blank_runs() {
        let ctx = RequestContext {
            contact_name: "Priya Raman".into(),
            field: "nursing".into(),
            how_we_know: "met at a nursing meetup".into(),
            your_name: "Sam".into(),
            your_email: "sam@example.org".into(),
            ..RequestContext::default()
        };
        let draft = request_draft(DEFAULT_REQUEST_TEMPLATE, &ctx);
        assert!(
            draft
                .starts_with("Hello Priya,\n\nWe met at a nursing meetup. I'm researching nursing"),
            "{draft}"
        );
        assert!(!draft.contains("\n\n\n"), "{draft}");
        assert!(!draft.contains("résumé"));
        assert!(
            draft.ends_with("Best wishes,\nSam\nsam@example.org"),
            "{draft}"
        );
        assert_eq!(check_request(&draft, &ctx), []);
    }

    #[test]
    fn how_we_know_becomes_a_sentence() {
        let sentence = |how: &str| acquaintance_sentence(how);
        assert_eq!(
            sentence("the rowing club").as_deref(),
            Some("We know each other from the rowing club.")
        );
        assert_eq!(
            sentence("met at a meetup").as_deref(),
            Some("We met at a meetup.")
        );
        assert_eq!(
            sentence("through work.").as_deref(),
            Some("We know each other through work.")
        );
        assert_eq!(
            sentence("college roommate").as_deref(),
            Some("We were college roommates.")
        );
        assert_eq!(
            sentence("my former manager").as_deref(),
            Some("You were my former manager.")
        );
        assert_eq!(
            sentence("she taught my evening class").as_deref(),
            Some("She taught my evening class.")
        );
        assert_eq!(
            sentence("referred by Ben").as_deref(),
            Some("I was referred by Ben.")
        );
        assert_eq!(sentence("  "), None);
    }

    #[test]
    fn the_referral_names_the_referrer_and_skips_a_repeat() {
        let mut ctx = full_context();
        assert_eq!(
            referral_sentence(&ctx),
            "Maria Lopez suggested I get in touch with you. We know each other from the rowing club."
        );
        ctx.how_we_know = "Maria's colleague".into();
        assert_eq!(
            referral_sentence(&ctx),
            "Maria Lopez suggested I get in touch with you."
        );
        ctx.how_we_know.clear();
        assert_eq!(
            referral_sentence(&ctx),
            "Maria Lopez suggested I get in touch with you."
        );
        ctx.referrer_name = Some("  ".into());
        // Nothing known: nothing invented (the check asks the user to say how).
        assert_eq!(referral_sentence(&ctx), "");
        ctx.how_we_know = "the rowing club".into();
        assert_eq!(
            referral_sentence(&ctx),
            "We know each other from the rowing club."
        );
    }

    #[test]
    fn subject_and_phone_script_name_the_field() {
        let ctx = full_context();
        assert_eq!(
            request_subject(&ctx),
            "Twenty minutes of advice on speech systems technology?"
        );
        assert_eq!(
            request_subject(&RequestContext::default()),
            "Twenty minutes of your advice?"
        );
        let script = phone_script(&ctx);
        assert_eq!(
            script,
            "Hello Priya, my name is Sam Okafor.
Maria Lopez suggested I get in touch with you. We know each other from the rowing club.
I'm researching speech systems technology and would value your advice and insight.
I'm not asking for a job; I'd just like to learn from your experience.
Could you spare 20–30 minutes to talk, in person or by phone?
When would suit you best?"
        );
        let bare = phone_script(&RequestContext::default());
        assert!(
            bare.starts_with("Hello.\nI'm researching your field"),
            "{bare}"
        );
    }

    #[test]
    fn the_thank_you_mentions_the_detail_and_the_referrals() {
        let ctx = ThankYouContext {
            contact_name: "Priya Raman".into(),
            field: "speech systems technology".into(),
            detail: "Start in a QA role to learn the pipeline".into(),
            referral_names: vec!["Ana Silva".into(), " ".into(), "Ben Ode".into()],
            your_name: "Sam Okafor".into(),
        };
        let note = thank_you_draft(DEFAULT_THANK_YOU_TEMPLATE, &ctx);
        assert_eq!(
            note,
            "Hello Priya,

Thank you for taking the time to talk with me about speech systems technology. I learned a great deal, and your advice has given me a much clearer picture. One thing I'll take away from our conversation: Start in a QA role to learn the pipeline.

I'll be in touch with Ana Silva and Ben Ode as you suggested.

I'll let you know how things go.

Best wishes,
Sam Okafor"
        );
        let few = |names: &[&str]| ThankYouContext {
            referral_names: names.iter().map(|n| n.to_string()).collect(),
            detail: "Is a PhD worth it?".into(),
            ..ctx.clone()
        };
        let one = thank_you_draft("{referrals}|{detail}", &few(&["Ana"]));
        assert_eq!(one, "I'll be in touch with Ana as you suggested.|One thing I'll take away from our conversation: Is a PhD worth it?");
        let three = thank_you_draft("{referrals}", &few(&["Ana", "Ben", "Chloé"]));
        assert_eq!(
            three,
            "I'll be in touch with Ana, Ben and Chloé as you suggested."
        );
        let bare = thank_you_draft(
            DEFAULT_THANK_YOU_TEMPLATE,
            &ThankYouContext {
                contact_name: "Priya".into(),
                field: "nursing".into(),
                ..ThankYouContext::default()
            },
        );
        assert!(!bare.contains("\n\n\n"), "{bare}");
        assert!(bare.contains("].\n\nI'll let you know"), "{bare}");
        assert!(bare.contains(&format!(
            "take away from our conversation: {THANK_YOU_BLANK}."
        )));
    }

    #[test]
    fn too_long_fires_over_the_limit_only() {
        let ctx = full_context();
        let base = request_draft(DEFAULT_REQUEST_TEMPLATE, &ctx);
        let padding = "more ".repeat(REQUEST_WORD_LIMIT);
        let long = format!("{base}\n{padding}");
        let words = word_count(&long);
        assert_eq!(
            check_request(&long, &ctx),
            [DraftCheck::TooLong {
                words,
                limit: REQUEST_WORD_LIMIT
            }]
        );
        let exactly = "word ".repeat(REQUEST_WORD_LIMIT);
        assert!(!check_request(&exactly, &ctx)
            .iter()
            .any(|c| matches!(c, DraftCheck::TooLong { .. })));
        let over = "word ".repeat(REQUEST_WORD_LIMIT + 1);
        assert!(check_request(&over, &ctx).contains(&DraftCheck::TooLong {
            words: 201,
            limit: 200
        }));
    }

    #[test]
    fn the_name_source_must_be_given() {
        let with_referrer = full_context();
        let fine = "Maria suggested you. 20 minutes? sam@example.org";
        assert_eq!(check_request(fine, &with_referrer), []);
        let missing = "We know each other. 20 minutes? sam@example.org";
        assert_eq!(
            check_request(missing, &with_referrer),
            [DraftCheck::NoNameSource]
        );
        assert_eq!(
            check_request("MARIA said. 20 minutes? sam@example.org", &with_referrer),
            []
        );
        assert_eq!(
            check_request("Mariana said. 20 minutes? sam@example.org", &with_referrer),
            [DraftCheck::NoNameSource]
        );

        let without = RequestContext {
            referrer_name: None,
            how_we_know: "college roommate".into(),
            ..full_context()
        };
        let contact = " 20 minutes? sam@example.org";
        for source in [
            "We met last year.",
            "We know   each other.",
            "We’ve met.",
            "Ben gave me your name.",
            "I got your name from Ben.",
            "My old roommate!",
            "Ben recommended you.",
        ] {
            assert_eq!(
                check_request(&format!("{source}{contact}"), &without),
                [],
                "{source}"
            );
        }
        assert_eq!(
            check_request(&format!("Hi.{contact}"), &without),
            [DraftCheck::NoNameSource]
        );
    }

    #[test]
    fn a_short_time_must_be_asked_for() {
        let ctx = full_context();
        let ask = |time: &str| {
            check_request(
                &format!("Maria suggested you. {time} sam@example.org"),
                &ctx,
            )
        };
        for time in [
            "Could you spare 20–30 minutes?",
            "Could you spare 20-30 min?",
            "Could you spare 20 to 30 minutes?",
            "Could you spare twenty minutes?",
            "A 15-minute call?",
            "Fifteen mins?",
            "Just 30min?",
            "Half an hour?",
            "A half-hour chat?",
        ] {
            assert_eq!(ask(time), [], "{time}");
        }
        for time in [
            "Could we talk?",
            "Could you spare some time?",
            "An hour?",
            "At 20 past 3?",
            "A few minutes?",
        ] {
            assert_eq!(ask(time), [DraftCheck::NoTimeRequest], "{time}");
        }
    }

    #[test]
    fn asking_for_a_job_is_caught_unless_negated() {
        let ctx = full_context();
        let check = |text: &str| {
            check_request(
                &format!("Maria suggested you. 20 minutes? sam@example.org {text}"),
                &ctx,
            )
        };
        let fires = |text: &str, word: &str| {
            assert_eq!(
                check(text),
                [DraftCheck::AsksForJob { word: word.into() }],
                "{text}"
            );
        };
        fires("Do you have any openings for an intern?", "openings");
        fires("I'd love a job at your company.", "job");
        fires("Are you hiring?", "hiring");
        fires("I hope to work for you one day.", "work for you");
        fires("I'm not sure. But I want a position.", "position");
        fires(
            "No pressure at all, but I am looking around for my next job.",
            "job",
        );
        for fine in [
            "I'm not asking for a job or internship.",
            "I'm not looking for a job, an internship or a position.",
            "This isn't about a job.",
            "I want advice rather than a job.",
            "Advice instead of employment.",
            "I am never asking for vacancies.",
            "I'll ask about your work for your team.",
        ] {
            assert_eq!(check(fine), [], "{fine}");
        }
        let field_ctx = RequestContext {
            field: "job coaching".into(),
            ..full_context()
        };
        let text = "Maria suggested you. I'm researching job coaching. 20 minutes? sam@example.org";
        assert_eq!(check_request(text, &field_ctx), []);
    }

    #[test]
    fn the_users_email_or_phone_must_appear() {
        let ctx = full_context();
        let body = "Maria suggested you. 20 minutes?";
        assert_eq!(check_request(body, &ctx), [DraftCheck::MissingContact]);
        assert_eq!(check_request(&format!("{body} SAM@example.org"), &ctx), []);
        assert_eq!(
            check_request(&format!("{body} Call +44 7700 900123."), &ctx),
            []
        );
        assert_eq!(
            check_request(&format!("{body} Call 07700-900-123."), &ctx),
            []
        );
        assert_eq!(
            check_request(&format!("{body} Call (+44) 7700.900123"), &ctx),
            []
        );
        assert_eq!(
            check_request(&format!("{body} Call 7700 900124"), &ctx),
            [DraftCheck::MissingContact]
        );
        let nothing = RequestContext {
            your_email: String::new(),
            your_phone: " ".into(),
            ..full_context()
        };
        assert_eq!(
            check_request(&format!("{body} sam@example.org"), &nothing),
            [DraftCheck::MissingContact]
        );
        let phone_only = RequestContext {
            your_email: String::new(),
            your_phone: "555 0100".into(),
            ..full_context()
        };
        assert_eq!(check_request(&format!("{body} 555-0100"), &phone_only), []);
        assert_eq!(
            check_request(&format!("{body} 5550 1000"), &phone_only),
            [DraftCheck::MissingContact]
        );
    }

    #[test]
    fn check_messages_are_specific() {
        let too_long = DraftCheck::TooLong {
            words: 240,
            limit: 200,
        };
        assert_eq!(
            too_long.message(),
            "At 240 words this is long; keep it under 200 so it gets read and answered."
        );
        let job = DraftCheck::AsksForJob {
            word: "openings".into(),
        };
        assert_eq!(
            job.message(),
            "It reads as asking for an opening. Say you are looking for advice and insight, not a job."
        );
        assert!(DraftCheck::AsksForJob {
            word: "hiring".into()
        }
        .message()
        .contains("for a job."));
        for check in [
            DraftCheck::NoNameSource,
            DraftCheck::NoTimeRequest,
            DraftCheck::MissingContact,
        ] {
            assert!(check.message().ends_with('.'), "{check:?}");
        }
    }

    #[test]
    fn mailto_links_encode_everything_and_drop_odd_addresses() {
        assert_eq!(
            mailto_href(" ada@example.org ", "Twenty minutes?", "Hi Ada,\n\nA & B #1 = 100%+"),
            "mailto:ada@example.org?subject=Twenty%20minutes%3F&body=Hi%20Ada%2C%0D%0A%0D%0AA%20%26%20B%20%231%20%3D%20100%25%2B"
        );
        assert_eq!(
            mailto_href("a@b.c", "", "x\r\ny"),
            "mailto:a@b.c?subject=&body=x%0D%0Ay"
        );
        for hostile in [
            "a@b.c?cc=evil@x.y",
            "a@b.c&bcc=evil@x.y",
            "a@b.c,evil@x.y",
            "a b@c.d",
            "a@b.c#x",
            "a@b.c%0Abcc",
            "<a@b.c>",
            "not an address",
            "a@b",
            "",
        ] {
            let href = mailto_href(hostile, "s", "b");
            assert_eq!(href, "mailto:?subject=s&body=b", "{hostile}");
        }
        let href = mailto_href("a@b.c", "?&=#", "résumé\u{0}");
        assert_eq!(
            href,
            "mailto:a@b.c?subject=%3F%26%3D%23&body=r%C3%A9sum%C3%A9%00"
        );
    }

    #[test]
    fn a_linkedin_note_names_the_referrer_and_keeps_within_the_limit() {
        let ctx = RequestContext {
            contact_name: "Grace Kim".into(),
            referrer_name: Some("Raj Patel".into()),
            field: "urban transit planning".into(),
            your_name: "Sam Rivera".into(),
            your_email: "sam@example.org".into(),
            ..RequestContext::default()
        };
        let note = linkedin_note(&ctx);
        assert_eq!(
            note,
            "Hello Grace, Raj Patel suggested I reach out. I'm researching urban transit \
             planning and would value 20 minutes of your advice (not a job request). Would you \
             be open to a short call? Sam"
        );
        assert!(check_request(&note, &ctx)
            .iter()
            .all(|c| !matches!(c, DraftCheck::NoNameSource | DraftCheck::AsksForJob { .. })));
    }

    proptest::proptest! {
        #[test]
        fn a_linkedin_note_never_passes_the_limit(
            contact in ".{0,80}",
            referrer in proptest::option::of(".{0,80}"),
            how in ".{0,120}",
            field in ".{0,400}",
            you in ".{0,80}",
        ) {
            let ctx = RequestContext {
                contact_name: contact,
                referrer_name: referrer,
                how_we_know: how,
                field,
                your_name: you,
                ..RequestContext::default()
            };
            let note = linkedin_note(&ctx);
            proptest::prop_assert!(note.chars().count() <= LINKEDIN_NOTE_LIMIT, "{} chars: {}", note.chars().count(), note);
            proptest::prop_assert!(note.contains("20 minutes") || note.ends_with('…'));
        }
    }

    #[test]
    fn a_field_reads_naturally_mid_sentence() {
        for (written, read) in [
            ("Urban transit planning", "urban transit planning"),
            ("Speech systems technology", "speech systems technology"),
            ("NASA missions", "NASA missions"),
            ("Urban Planning", "Urban Planning"),
            ("Python", "Python"),
            ("", "your field"),
            ("  Écoles publiques  ", "écoles publiques"),
        ] {
            assert_eq!(field_or_default(written), read, "{written:?}");
        }
    }
}
