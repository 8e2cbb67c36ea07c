use super::sorting::sort_by_key;
use super::Objective;
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

/// A topic of informational interview questions, in the order a career centre would teach them.
#[derive(
    Clone,
    Copy,
    Debug,
    Default,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Reconcile,
    Hydrate,
    Serialize,
    Deserialize,
)]
pub enum Category {
    /// How the person came to the field and their current role.
    #[default]
    Background,
    /// What the work is like from day to day.
    TypicalDay,
    /// What the work asks of people and how they prepare for it.
    SkillsTraining,
    /// What is good and what is hard about the work.
    RewardsChallenges,
    /// Where the field is heading.
    FieldFuture,
    /// How people get into the field.
    EntryPaths,
    /// What the person would suggest the user do.
    Advice,
    /// Whom else the user could talk to.
    Referrals,
}

impl Category {
    pub const ALL: [Category; 8] = [
        Category::Background,
        Category::TypicalDay,
        Category::SkillsTraining,
        Category::RewardsChallenges,
        Category::FieldFuture,
        Category::EntryPaths,
        Category::Advice,
        Category::Referrals,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Category::Background => "Background",
            Category::TypicalDay => "A typical day",
            Category::SkillsTraining => "Skills and training",
            Category::RewardsChallenges => "Rewards and challenges",
            Category::FieldFuture => "The field's future",
            Category::EntryPaths => "Ways in",
            Category::Advice => "Advice",
            Category::Referrals => "Referrals",
        }
    }

    /// A stable name for forms, files and seed question ids.
    pub fn key(self) -> &'static str {
        match self {
            Category::Background => "background",
            Category::TypicalDay => "typical-day",
            Category::SkillsTraining => "skills-training",
            Category::RewardsChallenges => "rewards-challenges",
            Category::FieldFuture => "field-future",
            Category::EntryPaths => "entry-paths",
            Category::Advice => "advice",
            Category::Referrals => "referrals",
        }
    }

    pub fn from_key(key: &str) -> Option<Category> {
        Category::ALL.into_iter().find(|&c| c.key() == key)
    }
}

/// A question the app offers before the user has written any of their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SeedQuestion {
    /// A name that never changes, so a question the user picked can be recognised later.
    pub id: &'static str,
    pub category: Category,
    pub text: &'static str,
}

/// The question bank: open questions, several for each category, in category order.
pub const SEED_QUESTIONS: &[SeedQuestion] = &[
    seed(
        "seed-background-1",
        Category::Background,
        "How did you get started in this field?",
    ),
    seed(
        "seed-background-2",
        Category::Background,
        "What drew you to this kind of work?",
    ),
    seed(
        "seed-background-3",
        Category::Background,
        "What path led you to your current role?",
    ),
    seed(
        "seed-background-4",
        Category::Background,
        "What did you study, and how has it shaped the work you do now?",
    ),
    seed(
        "seed-background-5",
        Category::Background,
        "Which earlier jobs or experiences best prepared you for this one?",
    ),
    seed(
        "seed-typical-day-1",
        Category::TypicalDay,
        "What does a typical week look like for you?",
    ),
    seed(
        "seed-typical-day-2",
        Category::TypicalDay,
        "What takes up most of your time on an ordinary day?",
    ),
    seed(
        "seed-typical-day-3",
        Category::TypicalDay,
        "What kinds of problems or decisions do you deal with most often?",
    ),
    seed(
        "seed-typical-day-4",
        Category::TypicalDay,
        "Whom do you work with most closely, inside and outside your organisation?",
    ),
    seed(
        "seed-typical-day-5",
        Category::TypicalDay,
        "How much say do you have over your hours, your workload and where you work?",
    ),
    seed(
        "seed-skills-training-1",
        Category::SkillsTraining,
        "What skills are most important to succeed here?",
    ),
    seed(
        "seed-skills-training-2",
        Category::SkillsTraining,
        "What education, training or qualifications does this work call for?",
    ),
    seed(
        "seed-skills-training-3",
        Category::SkillsTraining,
        "Which skills did you learn on the job rather than in school?",
    ),
    seed(
        "seed-skills-training-4",
        Category::SkillsTraining,
        "How do people in this field keep their knowledge up to date?",
    ),
    seed(
        "seed-skills-training-5",
        Category::SkillsTraining,
        "What personal qualities help people do well in this work?",
    ),
    seed(
        "seed-rewards-challenges-1",
        Category::RewardsChallenges,
        "What do you find most rewarding about your work?",
    ),
    seed(
        "seed-rewards-challenges-2",
        Category::RewardsChallenges,
        "What are the hardest parts of your job?",
    ),
    seed(
        "seed-rewards-challenges-3",
        Category::RewardsChallenges,
        "What surprised you most when you started in this field?",
    ),
    seed(
        "seed-rewards-challenges-4",
        Category::RewardsChallenges,
        "If you could change one thing about your work, what would it be?",
    ),
    seed(
        "seed-rewards-challenges-5",
        Category::RewardsChallenges,
        "How does this work fit with the rest of your life?",
    ),
    seed(
        "seed-field-future-1",
        Category::FieldFuture,
        "How do you see this field changing in the next five years?",
    ),
    seed(
        "seed-field-future-2",
        Category::FieldFuture,
        "Which trends or technologies are reshaping the work?",
    ),
    seed(
        "seed-field-future-3",
        Category::FieldFuture,
        "Where do you see the most growth or demand in this field?",
    ),
    seed(
        "seed-field-future-4",
        Category::FieldFuture,
        "What problems is the field working hardest to solve right now?",
    ),
    seed(
        "seed-entry-paths-1",
        Category::EntryPaths,
        "How do most people get their first role in this field?",
    ),
    seed(
        "seed-entry-paths-2",
        Category::EntryPaths,
        "What entry-level roles or titles should I look into?",
    ),
    seed(
        "seed-entry-paths-3",
        Category::EntryPaths,
        "What kinds of organisations take on people with a background like mine?",
    ),
    seed(
        "seed-entry-paths-4",
        Category::EntryPaths,
        "What experience would help someone like me stand out?",
    ),
    seed(
        "seed-entry-paths-5",
        Category::EntryPaths,
        "How are vacancies in this field usually filled?",
    ),
    seed(
        "seed-advice-1",
        Category::Advice,
        "What would you do differently if you were starting out today?",
    ),
    seed(
        "seed-advice-2",
        Category::Advice,
        "What advice would you give someone considering this field?",
    ),
    seed(
        "seed-advice-3",
        Category::Advice,
        "What do you wish someone had told you when you started?",
    ),
    seed(
        "seed-advice-4",
        Category::Advice,
        "Given my background, what would you suggest as my next step?",
    ),
    seed(
        "seed-advice-5",
        Category::Advice,
        "Which professional associations, events or publications would you recommend?",
    ),
    seed(
        "seed-referrals-1",
        Category::Referrals,
        "Whom else would you suggest I talk to?",
    ),
    seed(
        "seed-referrals-2",
        Category::Referrals,
        "Who else would have a different view of this field that I should hear?",
    ),
    seed(
        "seed-referrals-3",
        Category::Referrals,
        "When I contact the people you suggest, how would you like me to mention you?",
    ),
    seed(
        "seed-referrals-4",
        Category::Referrals,
        "Where else could I meet people who work in this field?",
    ),
];

/// Where a category's questions go for an objective: lower comes first, referrals always last.
///
/// General research starts with what the work is and how it feels; specific job advice starts
/// with the ways in, the skills and the advice; the focused objective sits between the two.
pub fn category_rank(category: Category, objective: Objective) -> u8 {
    let order = category_order(objective);
    let position = order
        .iter()
        .position(|c| *c == category)
        .unwrap_or(order.len());
    position as u8
}

/// Sorts `items` by the rank of their category for `objective`, keeping the order within each
/// category.
pub fn order_by_objective<T>(
    items: &mut [T],
    objective: Objective,
    category: impl Fn(&T) -> Category,
) {
    sort_by_key(items, |item| category_rank(category(item), objective));
}

/// What makes a question closed, and an open way to ask it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenSuggestion {
    /// The opening word that invites a yes or no, as typed ("Do", "Isn't").
    pub opening: String,
    /// The question reworded to invite a fuller answer: capitalised, with one trailing "?".
    pub suggestion: String,
}

/// Whether `text` is a closed question, one that can be answered with a plain yes or no, and if
/// so an open rewording of it.
///
/// A question is closed when its first word (ignoring case, surrounding whitespace, opening
/// quotes and a filler such as "so" or "and") is an auxiliary or modal verb: "do", "is", "can",
/// "would", "haven't" and so on; "Do you think …" and "Would you say …" are closed too. Questions
/// starting with "what", "how", "tell me" and the like, statements and empty text are not.
///
/// The rewording follows rules for the common patterns ("Do you like X?" becomes "What do you
/// like about X?", "Is it hard to X?" becomes "What makes it hard to X?") and otherwise falls back
/// to "To what extent …", which turns any yes-or-no question into an open one.
pub fn closed_question(text: &str) -> Option<OpenSuggestion> {
    let words = question_words(text);
    let (opening, rest) = words.split_first()?;
    let auxiliary = positive_auxiliary(&normalise_word(opening))?;
    let lower: Vec<String> = rest.iter().map(|w| normalise_word(w)).collect();
    let lower: Vec<&str> = lower.iter().map(String::as_str).collect();
    let question = Question {
        auxiliary,
        rest,
        lower: &lower,
    };
    let suggestion = question
        .open_rewrite()
        .unwrap_or_else(|| question.to_what_extent());
    Some(OpenSuggestion {
        opening: opening
            .trim_matches(|c: char| !c.is_alphanumeric())
            .to_owned(),
        suggestion: finish_question(&suggestion),
    })
}

const fn seed(id: &'static str, category: Category, text: &'static str) -> SeedQuestion {
    SeedQuestion { id, category, text }
}

fn category_order(objective: Objective) -> [Category; 8] {
    use Category::*;
    match objective {
        Objective::General => [
            Background,
            TypicalDay,
            RewardsChallenges,
            FieldFuture,
            SkillsTraining,
            EntryPaths,
            Advice,
            Referrals,
        ],
        Objective::Focused => [
            TypicalDay,
            SkillsTraining,
            EntryPaths,
            Background,
            RewardsChallenges,
            FieldFuture,
            Advice,
            Referrals,
        ],
        Objective::Specific => [
            EntryPaths,
            SkillsTraining,
            Advice,
            TypicalDay,
            FieldFuture,
            RewardsChallenges,
            Background,
            Referrals,
        ],
    }
}

/// The words of a question, without opening quotes, a leading filler word or trailing
/// punctuation.
fn question_words(text: &str) -> Vec<&str> {
    const QUOTES: &[char] = &['"', '\'', '“', '”', '‘', '’', '«', '»', '`'];
    let quoted = text.trim_start().starts_with(QUOTES);
    let text = text.trim_start_matches(|c: char| c.is_whitespace() || QUOTES.contains(&c));
    let text = text.trim_end_matches(|c: char| {
        c.is_whitespace()
            || matches!(c, '?' | '!' | '.' | '…' | '"' | '”' | '»')
            || (quoted && matches!(c, '\'' | '’'))
    });
    let mut words: Vec<&str> = text.split_whitespace().collect();
    for _ in 0..2 {
        let is_filler = words.first().is_some_and(|w| {
            matches!(
                normalise_word(w).as_str(),
                "and" | "so" | "but" | "also" | "well" | "ok" | "okay" | "then" | "now"
            )
        });
        if is_filler && words.len() > 1 {
            words.remove(0);
        }
    }
    words
}

/// A word in lower case with typographic apostrophes made plain and trailing commas dropped.
fn normalise_word(word: &str) -> String {
    word.trim_end_matches([',', ';', ':'])
        .to_lowercase()
        .replace(['’', '‘'], "'")
}

/// The positive auxiliary a closed question opens with ("isn't" gives "is"), if it opens with
/// one.
fn positive_auxiliary(word: &str) -> Option<&'static str> {
    let word = word.trim_end_matches(|c: char| !c.is_alphanumeric() && c != '\'');
    let auxiliary = match word {
        "do" | "don't" | "dont" => "do",
        "does" | "doesn't" | "doesnt" => "does",
        "did" | "didn't" | "didnt" => "did",
        "is" | "isn't" | "isnt" => "is",
        "are" | "aren't" | "arent" => "are",
        "was" | "wasn't" | "wasnt" => "was",
        "were" | "weren't" | "werent" => "were",
        "am" => "am",
        "can" | "can't" | "cant" | "cannot" => "can",
        "could" | "couldn't" | "couldnt" => "could",
        "will" | "won't" => "will",
        "would" | "wouldn't" | "wouldnt" => "would",
        "should" | "shouldn't" | "shouldnt" => "should",
        "shall" => "shall",
        "may" => "may",
        "might" => "might",
        "have" | "haven't" | "havent" => "have",
        "has" | "hasn't" | "hasnt" => "has",
        "had" | "hadn't" | "hadnt" => "had",
        _ => return None,
    };
    Some(auxiliary)
}

/// A closed question taken apart: its positive auxiliary and the words after it.
struct Question<'a> {
    auxiliary: &'static str,
    /// The words after the auxiliary, as typed.
    rest: &'a [&'a str],
    /// The same words, normalised by [`normalise_word`].
    lower: &'a [&'a str],
}

impl Question<'_> {
    /// The words from `start` on, as typed, joined by spaces.
    fn tail(&self, start: usize) -> String {
        self.rest.get(start..).unwrap_or_default().join(" ")
    }

    /// An open rewording by the first rule that fits the question's pattern.
    fn open_rewrite(&self) -> Option<String> {
        self.opinion()
            .or_else(|| self.do_you())
            .or_else(|| self.have_you())
            .or_else(|| self.is_it())
            .or_else(|| self.is_there())
            .or_else(|| self.are_you())
            .or_else(|| self.modal_you())
            .or_else(|| self.first_person())
    }

    /// "Do you think X?", "Would you say X?", "Is it true that X?" and "Should I X?" become
    /// "What are your thoughts on whether X?".
    fn opinion(&self) -> Option<String> {
        let skip = match (self.auxiliary, self.lower) {
            (
                "do" | "does" | "did",
                ["you", "think" | "feel" | "believe" | "reckon" | "expect" | "suppose" | "agree", ..],
            )
            | ("would", ["you", "say" | "agree", ..]) => 2,
            ("is" | "was", ["it", "true", "that", ..]) => 3,
            ("is" | "was", ["it", "the", "case", "that", ..]) => 4,
            ("should", ["i" | "we", _, ..]) => {
                return Some(format!(
                    "What are your thoughts on whether {} should {}",
                    self.rest[0],
                    self.tail(1)
                ));
            }
            _ => return None,
        };
        let start = if self.lower.get(skip) == Some(&"that") {
            skip + 1
        } else {
            skip
        };
        let clause_start = self.rest.get(start)?;
        let starts_clause = SUBJECT_STARTS.contains(&self.lower[start])
            || clause_start.starts_with(|c: char| c.is_uppercase());
        (starts_clause && self.rest.len() > start + 1)
            .then(|| format!("What are your thoughts on whether {}", self.tail(start)))
    }

    /// Rules for "Do you …" and "Did you …".
    fn do_you(&self) -> Option<String> {
        let auxiliary = self.auxiliary;
        if !matches!(auxiliary, "do" | "did") || self.lower.first() != Some(&"you") {
            return None;
        }
        let (verb_at, ever) = match self.lower.get(1) {
            Some(&"ever" | &"always" | &"really") => (2, self.lower[1] != "really"),
            _ => (1, false),
        };
        let verb = *self.lower.get(verb_at)?;
        let after = verb_at + 1;
        match (verb, &self.lower[after..]) {
            ("like" | "enjoy" | "love" | "hate" | "dislike" | "miss" | "regret", [_, ..]) => Some(
                format!("What {auxiliary} you {verb} about {}", self.tail(after)),
            ),
            ("find", ["it", ..]) => {
                let makes = if auxiliary == "did" { "made" } else { "makes" };
                self.it_adjective_to(after + 1, makes)
            }
            ("find", [object @ .., last])
                if !object.is_empty() && is_adjective(last, true, false) =>
            {
                let object = self.rest[after..self.rest.len() - 1].join(" ");
                Some(format!(
                    "What {auxiliary} you find {} about {object}",
                    self.rest.last()?
                ))
            }
            ("have", ["any" | "some", ..]) => {
                self.what_noun_phrase(after + 1, &format!("{auxiliary} you have"))
            }
            ("know", ["anyone" | "anybody" | "someone" | "somebody", ..]) => {
                let (who, clause) = self.with_else("Who", after + 1);
                let clause_words = &self.rest[clause..];
                wh_clause(&who, clause_words, &self.lower[clause..])
                    .or_else(|| Some(format!("{who} do you know {}", self.tail(clause))))
            }
            ("know", ["if" | "whether", _, ..]) => Some(format!(
                "What do you know about whether {}",
                self.tail(after + 1)
            )),
            ("know", [wh, _, ..]) if WH_WORDS.contains(wh) => {
                Some(format!("What do you know about {}", self.tail(after)))
            }
            (_, _) if auxiliary == "did" && (ever || is_plain_verb(verb)) => {
                Some(format!("How did you come to {}", self.tail(verb_at)))
            }
            _ => None,
        }
    }

    /// Rules for "Have you …": experience, things had and things thought about.
    fn have_you(&self) -> Option<String> {
        if self.auxiliary != "have" || self.lower.first() != Some(&"you") {
            return None;
        }
        match self.lower {
            ["you", verb @ ("got" | "had"), "any" | "some", ..] => {
                self.what_noun_phrase(3, &format!("have you {verb}"))
            }
            ["you", "ever", "considered", _, ..] | ["you", "considered", _, ..] => {
                let start = self.lower.iter().position(|w| *w == "considered")? + 1;
                Some(format!("What are your thoughts on {}", self.tail(start)))
            }
            ["you", "ever", "thought", "about" | "of", _, ..]
            | ["you", "thought", "about" | "of", _, ..] => {
                let start = self.lower.iter().position(|w| *w == "thought")? + 2;
                Some(format!("What are your thoughts on {}", self.tail(start)))
            }
            ["you", "ever", participle, ..] | ["you", participle, ..] if *participle != "been" => {
                let at = self.lower.iter().position(|w| w == participle)?;
                let gerund = gerund_of_participle(participle)?;
                let object = self.tail(at + 1);
                Some(format!(
                    "What experience have you had with {gerund} {object}"
                ))
            }
            _ => None,
        }
    }

    /// "Is it hard to X?" becomes "What makes it hard to X?"; "Is it stressful?" becomes "What
    /// makes it stressful?".
    fn is_it(&self) -> Option<String> {
        match (self.auxiliary, self.lower) {
            ("is", ["it", ..]) => self.it_adjective_to(1, "makes"),
            ("was", ["it", ..]) => self.it_adjective_to(1, "made"),
            _ => None,
        }
    }

    /// Rules for "Is there …" and "Are there …".
    fn is_there(&self) -> Option<String> {
        let auxiliary = self.auxiliary;
        let plural = match auxiliary {
            "is" | "was" => false,
            "are" | "were" => true,
            _ => return None,
        };
        if self.lower.first() != Some(&"there") {
            return None;
        }
        let after_there = &self.lower[1..];
        let (quantity, start) = match after_there {
            ["a", "lot" | "lots", "of", ..] => ("many", 4),
            ["lots" | "plenty", "of", ..] => ("many", 3),
            ["many" | "much" | "enough", ..] => ("many", 2),
            ["any" | "some", ..] => ("any", 2),
            ["a" | "an", ..] => ("a", 2),
            ["anything" | "something", ..] => {
                let (what, clause) = self.with_else("What", 2);
                return wh_clause(&what, &self.rest[clause..], &self.lower[clause..]).or_else(
                    || {
                        (clause == self.rest.len() && what.ends_with("else"))
                            .then(|| "What else would you like to add".to_owned())
                    },
                );
            }
            ["anyone" | "anybody" | "someone" | "somebody", ..] => {
                let (who, clause) = self.with_else("Who", 2);
                return wh_clause(&who, &self.rest[clause..], &self.lower[clause..]).or_else(
                    || {
                        (clause == self.rest.len())
                            .then(|| format!("{who} would you suggest I talk to"))
                    },
                );
            }
            [_, ..] => ("", 1),
            [] => return None,
        };
        let end = noun_phrase_end(self.lower, start);
        if end == start {
            return None;
        }
        let noun_phrase = self.rest[start..end].join(" ");
        let after = self.tail(end);
        if let Some(clause) = wh_clause(
            &format!("What {noun_phrase}"),
            &self.rest[end..],
            &self.lower[end..],
        ) {
            return Some(clause);
        }
        let wording = match (quantity, plural) {
            ("a", _) => format!("What can you tell me about the {noun_phrase} {after}"),
            ("many", true) => format!("How many {noun_phrase} {auxiliary} there {after}"),
            ("many" | "any", false) => format!("How much {noun_phrase} {auxiliary} there {after}"),
            (_, true) => format!("What {noun_phrase} {auxiliary} there {after}"),
            (_, false) => return None,
        };
        Some(wording)
    }

    /// "Are you satisfied with X?" becomes "How satisfied are you with X?".
    fn are_you(&self) -> Option<String> {
        match (self.auxiliary, self.lower) {
            ("are" | "were", ["you", adjective, ..]) if is_adjective(adjective, false, true) => {
                Some(format!(
                    "How {} {} you {}",
                    self.rest[1],
                    self.auxiliary,
                    self.tail(2)
                ))
            }
            _ => None,
        }
    }

    /// Requests such as "Can you tell me …", "Could you recommend any …" and "Would you
    /// introduce me …".
    fn modal_you(&self) -> Option<String> {
        let modal = self.auxiliary;
        if !matches!(modal, "can" | "could" | "would" | "will")
            || self.lower.first() != Some(&"you")
        {
            return None;
        }
        let at = if self.lower.get(1) == Some(&"please") {
            2
        } else {
            1
        };
        let words = &self.lower[at..];
        match words {
            ["tell" | "let", "me", "about", _, ..] => {
                Some(format!("What can you tell me about {}", self.tail(at + 3)))
            }
            ["tell" | "let", "me", "know", "if" | "whether", _, ..]
            | ["tell", "me", "if" | "whether", _, ..] => {
                let start = self
                    .lower
                    .iter()
                    .position(|w| matches!(*w, "if" | "whether"))?
                    + 1;
                Some(format!(
                    "What can you tell me about whether {}",
                    self.tail(start)
                ))
            }
            ["tell" | "let", "me", "know", _, ..] => {
                Some(format!("What can you tell me about {}", self.tail(at + 3)))
            }
            ["tell", "me", _, ..] => {
                Some(format!("What can you tell me about {}", self.tail(at + 2)))
            }
            ["walk" | "take", "me", "through", _, ..] | ["talk", "me", "through", _, ..] => {
                Some(format!("What can you tell me about {}", self.tail(at + 3)))
            }
            ["talk", "about", _, ..] => {
                Some(format!("What can you tell me about {}", self.tail(at + 2)))
            }
            [verb @ ("explain" | "describe"), _, ..] => {
                Some(format!("How would you {verb} {}", self.tail(at + 1)))
            }
            ["share", "any" | "some", ..] => self.what_noun_phrase(at + 2, "can you share"),
            ["share", _, ..] => Some(format!("What can you tell me about {}", self.tail(at + 1))),
            [verb @ ("recommend" | "suggest"), "any" | "some", ..] => {
                let end = noun_phrase_end(self.lower, at + 2);
                (end > at + 2).then(|| {
                    format!(
                        "Which {} would you {verb} {}",
                        self.rest[at + 2..end].join(" "),
                        self.tail(end)
                    )
                })
            }
            [verb @ ("recommend" | "suggest"), "anyone" | "anybody" | "someone" | "somebody", ..] =>
            {
                let (who, clause) = self.with_else("Who", at + 2);
                Some(format!("{who} would you {verb} {}", self.tail(clause)))
            }
            ["give", "me", "any" | "some", ..] => {
                self.what_noun_phrase(at + 3, "would you give me")
            }
            [verb, _, ..] if REQUEST_VERBS.contains(verb) => Some(format!(
                "How would you feel about {} {}",
                gerund(verb),
                self.tail(at + 1)
            )),
            _ => None,
        }
    }

    /// Asking permission: "May I use your name?" becomes "How would you feel about me using
    /// your name?".
    fn first_person(&self) -> Option<String> {
        match (self.auxiliary, self.lower) {
            ("may" | "might", ["i", verb, ..]) => Some(self.feel_about_me(verb)),
            ("shall", ["i", verb, ..]) => Some(self.feel_about_me(verb)),
            ("can" | "could", ["i", verb, ..]) if PERMISSION_VERBS.contains(verb) => {
                Some(self.feel_about_me(verb))
            }
            _ => None,
        }
    }

    fn feel_about_me(&self, verb: &str) -> String {
        format!(
            "How would you feel about me {} {}",
            gerund(verb),
            self.tail(2)
        )
    }

    /// The fallback for any closed question: "To what extent" before the question itself.
    fn to_what_extent(&self) -> String {
        let mut words = self.rest.to_vec();
        let lower = self.lower;
        if words.len() > 2 && lower.last() == Some(&"much") {
            words.pop();
        } else if words.len() > 3 && lower.ends_with(&["a", "lot"]) {
            words.truncate(words.len() - 2);
        }
        format!("To what extent {} {}", self.auxiliary, words.join(" "))
    }

    /// After "it" at `start`: an adjective of one or two words, then "to …", "for …" or nothing,
    /// as "What makes it ADJ to …".
    fn it_adjective_to(&self, start: usize, makes: &str) -> Option<String> {
        let words = self.lower.get(start..)?;
        let to = words
            .iter()
            .take(3)
            .position(|w| matches!(*w, "to" | "for"));
        let adjective_end = to.unwrap_or(words.len());
        if !(1..=2).contains(&adjective_end) || !is_adjective(words[adjective_end - 1], true, true)
        {
            return None;
        }
        if words
            .first()
            .is_some_and(|w| matches!(*w, "a" | "an" | "the" | "worth" | "true"))
        {
            return None;
        }
        let adjective = self.rest[start..start + adjective_end].join(" ");
        let after = self.tail(start + adjective_end);
        let how_often = [
            "common", "usual", "normal", "typical", "unusual", "rare", "possible",
        ];
        if how_often.contains(&words[adjective_end - 1]) && to.is_some() {
            let verb = if makes == "made" { "was" } else { "is" };
            // "How possible is it" is stilted; "feasible" asks the same.
            let adjective = adjective.replace("possible", "feasible");
            return Some(format!("How {adjective} {verb} it {after}"));
        }
        Some(format!("What {makes} it {adjective} {after}"))
    }

    /// "What NOUN PHRASE {verb_phrase} …" for "Do you have any NOUN PHRASE …" and the like.
    fn what_noun_phrase(&self, start: usize, verb_phrase: &str) -> Option<String> {
        let end = noun_phrase_end(self.lower, start);
        (end > start).then(|| {
            format!(
                "What {} {verb_phrase} {}",
                self.rest[start..end].join(" "),
                self.tail(end)
            )
        })
    }

    /// `wh` followed by " else" when the word at `at` is "else", and where the rest begins.
    fn with_else(&self, wh: &str, at: usize) -> (String, usize) {
        if self.lower.get(at) == Some(&"else") {
            (format!("{wh} else"), at + 1)
        } else {
            (wh.to_owned(), at)
        }
    }
}

/// Words that open a clause ("the field will grow"), used to tell "Do you think the field will
/// grow?" from "Do you think about leaving?".
const SUBJECT_STARTS: &[&str] = &[
    "the",
    "a",
    "an",
    "this",
    "that",
    "these",
    "those",
    "it",
    "it's",
    "there",
    "there's",
    "i",
    "i'm",
    "i'd",
    "i'll",
    "you",
    "you're",
    "we",
    "they",
    "he",
    "she",
    "people",
    "most",
    "many",
    "some",
    "any",
    "every",
    "everyone",
    "anyone",
    "someone",
    "your",
    "my",
    "our",
    "their",
    "his",
    "her",
    "its",
    "more",
    "fewer",
    "ai",
    "employers",
    "companies",
    "organisations",
    "organizations",
];

const WH_WORDS: &[&str] = &[
    "what", "how", "why", "where", "when", "who", "whom", "which",
];

/// Verbs of requests the person may grant, rewritten as "How would you feel about …ing".
const REQUEST_VERBS: &[&str] = &[
    "introduce",
    "connect",
    "put",
    "send",
    "forward",
    "pass",
    "help",
    "review",
    "look",
    "read",
    "meet",
    "spare",
    "recommend",
    "suggest",
    "mentor",
    "share",
    "show",
];

/// Verbs after "Can I" that ask permission rather than ability.
const PERMISSION_VERBS: &[&str] = &[
    "ask", "use", "mention", "contact", "call", "email", "e-mail", "phone", "text", "send",
    "follow", "come", "visit", "bring", "record", "quote", "share", "reach", "drop", "write",
    "keep", "shadow", "join", "take",
];

const PRONOUNS: &[&str] = &["i", "you", "we", "they", "he", "she"];

const MODALS: &[&str] = &[
    "should", "could", "would", "can", "might", "must", "will", "may", "shall", "ought",
];

/// Turns a relative clause after "anything", "anyone" or a noun into a question: "I should
/// know" after "What else" gives "What else should I know".
fn wh_clause(wh: &str, words: &[&str], lower: &[&str]) -> Option<String> {
    let contracted = |word: &str| -> Option<(&'static str, &'static str)> {
        match word {
            "you'd" => Some(("would", "you")),
            "i'd" => Some(("would", "I")),
            "we'd" => Some(("would", "we")),
            "they'd" => Some(("would", "they")),
            "you'll" => Some(("will", "you")),
            "i'll" => Some(("will", "I")),
            "we'll" => Some(("will", "we")),
            _ => None,
        }
    };
    match lower {
        ["that" | "which" | "who", pronoun, modal, _, ..]
            if PRONOUNS.contains(pronoun) && MODALS.contains(modal) =>
        {
            Some(format!(
                "{wh} {} {} {}",
                lower[2],
                words[1],
                words[3..].join(" ")
            ))
        }
        ["that" | "which" | "who", _, ..] => {
            wh_clause(wh, &words[1..], &lower[1..]).or_else(|| {
                let subject = lower[1];
                (!PRONOUNS.contains(&subject) && contracted(subject).is_none())
                    .then(|| format!("{wh} {}", words[1..].join(" ")))
            })
        }
        [pronoun, modal, _, ..] if PRONOUNS.contains(pronoun) && MODALS.contains(modal) => Some(
            format!("{wh} {} {} {}", lower[1], words[0], words[2..].join(" ")),
        ),
        [word, _, ..] if contracted(word).is_some() => {
            let (modal, pronoun) = contracted(word)?;
            Some(format!("{wh} {modal} {pronoun} {}", words[1..].join(" ")))
        }
        ["i" | "you" | "we" | "they", verb, ..] if is_plain_verb(verb) => {
            Some(format!("{wh} do {} {}", words[0], words[1..].join(" ")))
        }
        _ => None,
    }
}

/// Where a noun phrase starting at `start` ends: at a preposition, pronoun or relative word.
fn noun_phrase_end(lower: &[&str], start: usize) -> usize {
    const BREAKS: &[&str] = &[
        "in", "on", "at", "for", "to", "with", "about", "from", "into", "within", "near", "around",
        "across", "outside", "inside", "during", "after", "before", "like", "than", "as", "that",
        "who", "which", "where", "when", "whom", "i", "you", "we", "they", "he", "she", "it",
        "i'd", "you'd", "we'd", "they'd", "i'll", "you'll", "i'm", "you're", "here", "there", "if",
        "or",
    ];
    lower
        .iter()
        .enumerate()
        .skip(start)
        .find(|(_, w)| BREAKS.contains(w))
        .map_or(lower.len(), |(i, _)| i)
}

/// Whether a word is probably an adjective, from a list and from its ending.
fn is_adjective(word: &str, allow_ing: bool, allow_ed: bool) -> bool {
    const ADJECTIVES: &[&str] = &[
        "hard",
        "easy",
        "difficult",
        "tough",
        "fun",
        "important",
        "necessary",
        "common",
        "usual",
        "normal",
        "typical",
        "unusual",
        "rare",
        "possible",
        "realistic",
        "likely",
        "good",
        "bad",
        "great",
        "tiring",
        "worthwhile",
        "safe",
        "risky",
        "competitive",
        "expensive",
        "cheap",
        "hard-won",
        "lonely",
        "happy",
        "sad",
        "busy",
        "new",
        "old",
        "young",
        "late",
        "early",
        "hectic",
        "calm",
        "quiet",
        "slow",
        "fast",
        "tricky",
        "intense",
        "secure",
        "stable",
        "open",
        "closed",
        "friendly",
        "political",
        "social",
        "technical",
        "creative",
        "varied",
        "flexible",
        "predictable",
        "stressful",
        "demanding",
        "rewarding",
        "satisfying",
        "fulfilling",
        "challenging",
        "interesting",
        "boring",
        "exciting",
        "frustrating",
        "meaningful",
        "tedious",
        "repetitive",
        "isolating",
        "draining",
        "motivating",
        "valuable",
        "helpful",
        "useful",
        "enjoyable",
        "well-paid",
        "badly-paid",
        "paid",
        "respected",
        "valued",
        "content",
        "glad",
        "sure",
        "certain",
        "aware",
        "able",
        "ready",
        "free",
        "comfortable",
        "confident",
        "optimistic",
        "pessimistic",
        "worried",
        "excited",
        "involved",
        "interested",
    ];
    if ADJECTIVES.contains(&word) {
        return true;
    }
    let suffixes: &[&str] = &[
        "ful", "ous", "ive", "ble", "ic", "ical", "less", "ary", "ent", "ant",
    ];
    word.len() > 4
        && (suffixes.iter().any(|s| word.ends_with(s))
            || (allow_ing && word.ends_with("ing"))
            || (allow_ed && word.ends_with("ed")))
}

/// Whether a word after "you" is probably a plain verb rather than an adverb or another part of
/// speech.
fn is_plain_verb(word: &str) -> bool {
    const NOT_VERBS: &[&str] = &[
        "ever", "always", "really", "still", "also", "just", "not", "never", "often", "usually",
        "the", "a", "an", "any", "some", "that", "this", "to", "in", "on", "at", "for", "about",
    ];
    const IRREGULAR_PAST: &[&str] = &[
        "knew",
        "went",
        "thought",
        "felt",
        "found",
        "made",
        "took",
        "got",
        "had",
        "did",
        "said",
        "saw",
        "became",
        "began",
        "came",
        "left",
        "learnt",
        "met",
        "ran",
        "wrote",
        "chose",
        "heard",
        "kept",
        "told",
        "gave",
        "brought",
        "bought",
        "taught",
        "lost",
        "won",
        "spent",
        "sent",
        "built",
        "held",
        "led",
        "meant",
        "understood",
        "was",
        "were",
    ];
    !NOT_VERBS.contains(&word)
        && !IRREGULAR_PAST.contains(&word)
        && word.chars().all(|c| c.is_alphabetic() || c == '-')
        && !word.ends_with("ed")
        && !word.ends_with("ing")
        && !word.ends_with("ly")
}

/// The "-ing" form of a verb's base form: "use" gives "using", "plan" gives "planning".
fn gerund(verb: &str) -> String {
    const VOWELS: &[char] = &['a', 'e', 'i', 'o', 'u'];
    match verb {
        "be" => return "being".to_owned(),
        "see" => return "seeing".to_owned(),
        _ => {}
    }
    if let Some(stem) = verb.strip_suffix("ie") {
        return format!("{stem}ying");
    }
    if verb.len() > 2
        && verb.ends_with('e')
        && !verb.ends_with("ee")
        && !verb.ends_with("ye")
        && !verb.ends_with("oe")
    {
        return format!("{}ing", &verb[..verb.len() - 1]);
    }
    let chars: Vec<char> = verb.chars().collect();
    let vowel_groups = chars
        .iter()
        .enumerate()
        .filter(|(i, c)| VOWELS.contains(c) && (*i == 0 || !VOWELS.contains(&chars[i - 1])))
        .count();
    let ends_consonant_vowel_consonant = chars.len() >= 3
        && !VOWELS.contains(&chars[chars.len() - 3])
        && VOWELS.contains(&chars[chars.len() - 2])
        && !VOWELS.contains(&chars[chars.len() - 1])
        && !matches!(chars[chars.len() - 1], 'w' | 'x' | 'y');
    if vowel_groups == 1 && ends_consonant_vowel_consonant {
        let last = chars[chars.len() - 1];
        return format!("{verb}{last}ing");
    }
    format!("{verb}ing")
}

/// The "-ing" form of a past participle: "worked" gives "working", "taught" gives "teaching".
fn gerund_of_participle(participle: &str) -> Option<String> {
    const IRREGULAR: &[(&str, &str)] = &[
        ("had", "have"),
        ("done", "do"),
        ("made", "make"),
        ("taken", "take"),
        ("seen", "see"),
        ("gone", "go"),
        ("given", "give"),
        ("felt", "feel"),
        ("found", "find"),
        ("left", "leave"),
        ("run", "run"),
        ("held", "hold"),
        ("led", "lead"),
        ("taught", "teach"),
        ("met", "meet"),
        ("sent", "send"),
        ("spent", "spend"),
        ("built", "build"),
        ("written", "write"),
        ("spoken", "speak"),
        ("chosen", "choose"),
        ("got", "get"),
        ("gotten", "get"),
        ("become", "become"),
        ("known", "know"),
        ("lost", "lose"),
        ("won", "win"),
        ("sold", "sell"),
        ("told", "tell"),
        ("brought", "bring"),
        ("bought", "buy"),
        ("paid", "pay"),
        ("said", "say"),
        ("kept", "keep"),
        ("heard", "hear"),
        ("begun", "begin"),
        ("learnt", "learn"),
        ("used", "use"),
        ("fed", "feed"),
        ("hired", "hire"),
        ("fired", "fire"),
    ];
    if let Some((_, base)) = IRREGULAR.iter().find(|(p, _)| *p == participle) {
        return Some(gerund(base));
    }
    if !participle.chars().all(|c| c.is_ascii_lowercase()) || participle.len() < 5 {
        return None;
    }
    if let Some(stem) = participle.strip_suffix("ied") {
        return Some(format!("{stem}ying"));
    }
    if let Some(stem) = participle.strip_suffix("eed") {
        return Some(format!("{stem}eeing"));
    }
    participle
        .strip_suffix("ed")
        .map(|stem| format!("{stem}ing"))
}

/// Tidies a rewording: single spaces, a capital first letter and one trailing "?".
fn finish_question(text: &str) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let text = text.trim_end_matches(['?', '!', '.', ',', ';', ':', ' ']);
    let mut chars = text.chars();
    let mut finished: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    };
    finished.push('?');
    finished
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn category_keys_round_trip_and_are_unique() {
        let keys: HashSet<&str> = Category::ALL.into_iter().map(|c| c.key()).collect();
        assert_eq!(keys.len(), Category::ALL.len());
        for category in Category::ALL {
            assert_eq!(Category::from_key(category.key()), Some(category));
            assert!(!category.label().is_empty());
        }
        assert_eq!(Category::from_key("Background"), None);
        assert_eq!(Category::from_key(""), None);
        assert_eq!(Category::default(), Category::Background);
        assert_eq!(Category::TypicalDay.label(), "A typical day");
    }

    #[test]
    fn seed_questions_are_open_unique_and_cover_every_category() {
        assert!(
            SEED_QUESTIONS.len() >= 34,
            "only {} seeds",
            SEED_QUESTIONS.len()
        );
        let ids: HashSet<&str> = SEED_QUESTIONS.iter().map(|q| q.id).collect();
        assert_eq!(ids.len(), SEED_QUESTIONS.len(), "seed ids must be unique");
        let texts: HashSet<&str> = SEED_QUESTIONS.iter().map(|q| q.text).collect();
        assert_eq!(
            texts.len(),
            SEED_QUESTIONS.len(),
            "seed texts must be unique"
        );
        for category in Category::ALL {
            let count = SEED_QUESTIONS
                .iter()
                .filter(|q| q.category == category)
                .count();
            assert!(count >= 3, "{category:?} has {count} seeds");
        }
        for question in SEED_QUESTIONS {
            let prefix = format!("seed-{}-", question.category.key());
            let number = question.id.strip_prefix(&prefix);
            assert!(
                number.is_some_and(|n| n.parse::<u32>().is_ok()),
                "{} does not match its category",
                question.id
            );
            assert!(question.text.ends_with('?'), "{}", question.text);
            assert_eq!(closed_question(question.text), None, "{}", question.text);
        }
        assert!(SEED_QUESTIONS
            .iter()
            .any(|q| q.category == Category::Referrals && q.text.contains("suggest I talk to")));
    }

    #[test]
    fn seed_questions_are_listed_in_category_order() {
        let categories: Vec<Category> = SEED_QUESTIONS.iter().map(|q| q.category).collect();
        let mut sorted = categories.clone();
        sorted.sort();
        assert_eq!(categories, sorted);
    }

    #[test]
    fn every_objective_ranks_each_category_once_with_referrals_last() {
        for objective in Objective::ALL {
            let ranks: HashSet<u8> = Category::ALL
                .iter()
                .map(|c| category_rank(*c, objective))
                .collect();
            assert_eq!(ranks.len(), 8, "{objective:?}");
            assert!(ranks.iter().all(|r| *r < 8));
            assert_eq!(
                category_rank(Category::Referrals, objective),
                7,
                "{objective:?}"
            );
        }
    }

    #[test]
    fn general_research_starts_with_the_work_and_specific_advice_with_the_ways_in() {
        let first_four = |objective| {
            let mut categories = Category::ALL;
            order_by_objective(&mut categories, objective, |c| *c);
            let mut first: Vec<Category> = categories[..4].to_vec();
            first.sort();
            (first, categories)
        };
        let (general, _) = first_four(Objective::General);
        use Category::*;
        assert_eq!(
            general,
            [Background, TypicalDay, RewardsChallenges, FieldFuture]
        );
        let (_, specific) = first_four(Objective::Specific);
        assert_eq!(specific[..3], [EntryPaths, SkillsTraining, Advice]);
        let focused = |c| category_rank(c, Objective::Focused);
        let general_rank = |c| category_rank(c, Objective::General);
        let specific_rank = |c| category_rank(c, Objective::Specific);
        assert!(general_rank(EntryPaths) > focused(EntryPaths));
        assert!(focused(EntryPaths) > specific_rank(EntryPaths));
    }

    #[test]
    fn ordering_by_objective_is_stable_within_a_category() {
        let mut questions = vec![
            ("a", Category::Advice),
            ("b", Category::Background),
            ("c", Category::Referrals),
            ("d", Category::Advice),
            ("e", Category::EntryPaths),
            ("f", Category::Background),
        ];
        order_by_objective(&mut questions, Objective::Specific, |q| q.1);
        let names: Vec<&str> = questions.iter().map(|q| q.0).collect();
        assert_eq!(names, ["e", "a", "d", "b", "f", "c"]);
        order_by_objective(&mut questions, Objective::General, |q| q.1);
        let names: Vec<&str> = questions.iter().map(|q| q.0).collect();
        assert_eq!(names, ["b", "f", "e", "a", "d", "c"]);
    }

    /// Real questions people write, with whether each is closed.
    const VERDICTS: &[(&str, bool)] = &[
        ("Do you like your job?", true),
        ("Do you enjoy working with clients?", true),
        ("Is it hard to get into this field?", true),
        ("Are there many jobs in this area?", true),
        ("Can you tell me about your typical day?", true),
        (
            "Could you walk me through how you got your first role?",
            true,
        ),
        ("Did you always want to be a nurse?", true),
        ("Have you ever worked abroad?", true),
        ("Do you think the field will grow?", true),
        ("Would you say the hours are long?", true),
        ("Does your company offer training?", true),
        ("Was it difficult to change careers?", true),
        ("Were you nervous at your first interview?", true),
        ("Will AI replace translators?", true),
        ("Should I get a master's degree?", true),
        ("Have you got any tips for someone starting out?", true),
        ("Has the field changed much?", true),
        ("Had you planned to work in policy?", true),
        ("May I use your name when I contact them?", true),
        ("Might there be other routes in?", true),
        ("Shall I send you my CV?", true),
        ("Am I too old to switch careers?", true),
        ("Isn't the pay quite low?", true),
        ("Aren't most roles in London?", true),
        ("Don't you get tired of the travel?", true),
        ("Doesn't the job require a lot of travel?", true),
        ("Didn't you study law first?", true),
        ("Can't you work from home?", true),
        ("Won't automation change things?", true),
        ("Wouldn't a PhD help?", true),
        ("Couldn't I start as a volunteer?", true),
        ("Haven't you worked in Berlin?", true),
        ("Hasn't the market slowed?", true),
        ("  “Do you have any advice for me?”  ", true),
        ("So, do you like it here?", true),
        ("do you find the work rewarding", true),
        ("Is there anything else I should know?", true),
        ("Are you satisfied with your career?", true),
        ("Do you know anyone else I should talk to?", true),
        ("How did you get started in this field?", false),
        ("What does a typical week look like for you?", false),
        ("Why did you leave teaching?", false),
        ("Where do most graduates start?", false),
        ("When did you know this was right for you?", false),
        ("Who else should I talk to?", false),
        ("Which skills matter most?", false),
        ("Tell me about your first year.", false),
        ("Describe a project you are proud of.", false),
        ("Walk me through a typical day.", false),
        ("In what ways has the field changed?", false),
        ("I'd love to hear about your path.", false),
        ("Doing this job well takes patience.", false),
        ("Issues of ethics come up often?", false),
        ("", false),
        ("   ", false),
        ("?", false),
        ("Dogs or cats?", false),
    ];

    #[test]
    fn closed_questions_are_told_from_open_ones() {
        for (question, closed) in VERDICTS {
            assert_eq!(
                closed_question(question).is_some(),
                *closed,
                "{question:?} should be {}",
                if *closed { "closed" } else { "open" }
            );
        }
    }

    #[test]
    fn every_suggestion_is_open_and_tidy() {
        for (question, _) in VERDICTS {
            let Some(found) = closed_question(question) else {
                continue;
            };
            let suggestion = &found.suggestion;
            assert_eq!(
                closed_question(suggestion),
                None,
                "{question:?} → {suggestion:?}"
            );
            assert!(
                suggestion.ends_with('?') && !suggestion.ends_with("??"),
                "{suggestion:?}"
            );
            assert_eq!(suggestion.matches('?').count(), 1, "{suggestion:?}");
            assert!(suggestion.starts_with(char::is_uppercase), "{suggestion:?}");
            assert!(!suggestion.contains("  "), "{suggestion:?}");
        }
    }

    #[test]
    fn the_opening_word_is_reported_as_typed() {
        let found = closed_question("  “Isn’t it stressful?”").unwrap();
        assert_eq!(found.opening, "Isn’t");
        assert_eq!(closed_question("Do you like it?").unwrap().opening, "Do");
    }

    fn suggest(question: &str) -> String {
        closed_question(question)
            .unwrap_or_else(|| panic!("{question:?} should be closed"))
            .suggestion
    }

    #[test]
    fn common_patterns_get_natural_rewordings() {
        let cases = [
            ("Do you like your job?", "What do you like about your job?"),
            (
                "Do you enjoy working with clients?",
                "What do you enjoy about working with clients?",
            ),
            (
                "Is it hard to get into this field?",
                "What makes it hard to get into this field?",
            ),
            (
                "Was it difficult to change careers?",
                "What made it difficult to change careers?",
            ),
            ("Isn't it stressful?", "What makes it stressful?"),
            (
                "Is it common to move abroad?",
                "How common is it to move abroad?",
            ),
            (
                "Are there many jobs in this area?",
                "How many jobs are there in this area?",
            ),
            (
                "Are there any downsides to this work?",
                "What downsides are there to this work?",
            ),
            ("Is there a lot of travel?", "How much travel is there?"),
            (
                "Is there a dress code in your office?",
                "What can you tell me about the dress code in your office?",
            ),
            (
                "Is there anything else I should know?",
                "What else should I know?",
            ),
            ("Is there anything you'd change?", "What would you change?"),
            (
                "Is there anything you wish you had known?",
                "What do you wish you had known?",
            ),
            (
                "Was there a moment you knew this was right?",
                "What can you tell me about the moment you knew this was right?",
            ),
            (
                "Are there any professional associations I should join?",
                "What professional associations should I join?",
            ),
            (
                "Could you give me some advice about networking?",
                "What advice would you give me about networking?",
            ),
            ("Can you share any tips?", "What tips can you share?"),
            (
                "Is there any room for growth?",
                "How much room is there for growth?",
            ),
            (
                "Shall I send you my CV?",
                "How would you feel about me sending you my CV?",
            ),
            (
                "Is it possible to switch into this field later?",
                "How feasible is it to switch into this field later?",
            ),
            (
                "Is there anything else?",
                "What else would you like to add?",
            ),
            (
                "Is there anyone else I should talk to?",
                "Who else should I talk to?",
            ),
            (
                "Are there any books you'd recommend?",
                "What books would you recommend?",
            ),
            (
                "Can you tell me about your typical day?",
                "What can you tell me about your typical day?",
            ),
            (
                "Could you tell me how you got started?",
                "What can you tell me about how you got started?",
            ),
            (
                "Could you walk me through a typical day?",
                "What can you tell me about a typical day?",
            ),
            (
                "Could you describe your team?",
                "How would you describe your team?",
            ),
            (
                "Can you recommend any books on design?",
                "Which books would you recommend on design?",
            ),
            (
                "Could you introduce me to your manager?",
                "How would you feel about introducing me to your manager?",
            ),
            (
                "Did you always want to be a nurse?",
                "How did you come to want to be a nurse?",
            ),
            (
                "Did you study engineering?",
                "How did you come to study engineering?",
            ),
            (
                "Have you ever worked abroad?",
                "What experience have you had with working abroad?",
            ),
            (
                "Have you ever studied part time?",
                "What experience have you had with studying part time?",
            ),
            (
                "Have you ever considered teaching?",
                "What are your thoughts on teaching?",
            ),
            ("Have you had any mentors?", "What mentors have you had?"),
            (
                "Have you got any tips for someone starting out?",
                "What tips have you got for someone starting out?",
            ),
            (
                "Do you have any advice for someone like me?",
                "What advice do you have for someone like me?",
            ),
            (
                "Do you think the field will grow?",
                "What are your thoughts on whether the field will grow?",
            ),
            (
                "Would you say that the hours are long?",
                "What are your thoughts on whether the hours are long?",
            ),
            (
                "Should I get a master's degree?",
                "What are your thoughts on whether I should get a master's degree?",
            ),
            (
                "Do you find the work rewarding?",
                "What do you find rewarding about the work?",
            ),
            (
                "Do you find it hard to switch off?",
                "What makes it hard to switch off?",
            ),
            (
                "Are you satisfied with your career?",
                "How satisfied are you with your career?",
            ),
            (
                "Do you know anyone else I should talk to?",
                "Who else should I talk to?",
            ),
            (
                "Do you know anyone at Google?",
                "Who do you know at Google?",
            ),
            (
                "May I use your name when I contact them?",
                "How would you feel about me using your name when I contact them?",
            ),
            (
                "Does your company offer training?",
                "To what extent does your company offer training?",
            ),
            (
                "Has the field changed much?",
                "To what extent has the field changed?",
            ),
            (
                "Will AI replace translators?",
                "To what extent will AI replace translators?",
            ),
            (
                "Doesn't the job require travel?",
                "To what extent does the job require travel?",
            ),
            (
                "So, do you like it here?",
                "What do you like about it here?",
            ),
            ("do you like your team", "What do you like about your team?"),
            (
                "“Do you like your team?”",
                "What do you like about your team?",
            ),
        ];
        for (question, expected) in cases {
            assert_eq!(suggest(question), expected, "for {question:?}");
        }
    }

    #[test]
    fn words_ending_a_rule_early_fall_back_to_to_what_extent() {
        assert_eq!(
            suggest("Do you think about leaving?"),
            "To what extent do you think about leaving?"
        );
        assert_eq!(
            suggest("Do you feel valued at work?"),
            "To what extent do you feel valued at work?"
        );
        assert_eq!(
            suggest("Is it worth getting a master's?"),
            "To what extent is it worth getting a master's?"
        );
        assert_eq!(
            suggest("Can you work from home?"),
            "To what extent can you work from home?"
        );
    }

    #[test]
    fn gerunds_follow_english_spelling() {
        let cases = [
            ("use", "using"),
            ("plan", "planning"),
            ("visit", "visiting"),
            ("see", "seeing"),
            ("lie", "lying"),
            ("show", "showing"),
            ("introduce", "introducing"),
            ("get", "getting"),
            ("read", "reading"),
        ];
        for (verb, expected) in cases {
            assert_eq!(gerund(verb), expected);
        }
        let participles = [
            ("worked", Some("working")),
            ("moved", Some("moving")),
            ("stopped", Some("stopping")),
            ("applied", Some("applying")),
            ("agreed", Some("agreeing")),
            ("taught", Some("teaching")),
            ("been", None),
            ("abroad", None),
        ];
        for (participle, expected) in participles {
            assert_eq!(
                gerund_of_participle(participle).as_deref(),
                expected,
                "{participle}"
            );
        }
    }
}
