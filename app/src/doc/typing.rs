//! Text being typed, kept beside the document until the typing pauses.
//!
//! Each keystroke in a note would otherwise be an Automerge change of its own, and every change
//! stays in the history that each opening of the network rebuilds: a long-used network would
//! open slower with every character ever typed. So a burst of typing is kept as [`Typing`], the
//! whole text as it now reads, written to storage at every keystroke (durable at once), and
//! committed as one change when the typing pauses or anything else touches the network.
//!
//! A tab that dies in the middle of a burst leaves its [`Typing`] in storage; the next opening
//! recovers it with [`Typing::recover`], merged with whatever was written to the same text since
//! (by character, as two devices' edits merge), so neither is lost.

use super::fields::{put_field, take_field};
use super::{DocError, Network};
use crate::domain::{InterviewId, InterviewText};
use automerge::transaction::Transactable;
use automerge::{ActorId, AutoCommit, ObjType, ReadDoc, ROOT};

/// Which text is being typed into.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Target {
    Interview(InterviewId, InterviewText),
    /// An organisation's research notes, by the organisation's name.
    Research(String),
}

/// A burst of typing into one text, not yet committed to the document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Typing {
    pub target: Target,
    /// The text as the document held it when the burst began.
    pub base: String,
    /// The text as it now reads.
    pub text: String,
    /// When it was last typed into (ms).
    pub at: i64,
}

/// The stored form: six fields (`doc::fields`: kind, id, text name, time, base, text) after
/// this tag. It is written on every keystroke.
const VERSION: &str = "typing1";

impl Typing {
    /// Starts a burst of typing into `target`, which holds `base` now.
    pub fn begin(target: Target, network: &Network) -> Result<Typing, DocError> {
        let base = current(&target, network)?.unwrap_or_default();
        Ok(Typing {
            target,
            text: base.clone(),
            base,
            at: 0,
        })
    }

    pub fn encode(&self) -> String {
        let (kind, id, name) = match &self.target {
            Target::Interview(id, text) => ("interview", id.as_str(), text.key()),
            Target::Research(org) => ("research", org.as_str(), String::new()),
        };
        let mut out = String::with_capacity(self.base.len() + self.text.len() + 64);
        out.push_str(VERSION);
        for field in [
            kind,
            id,
            &name,
            &self.at.to_string(),
            &self.base,
            &self.text,
        ] {
            put_field(&mut out, field);
        }
        out
    }

    pub fn decode(stored: &str) -> Result<Typing, String> {
        let unreadable = || "unreadable typing".to_owned();
        let mut rest = stored.strip_prefix(VERSION).ok_or_else(unreadable)?;
        let mut fields = [""; 6];
        for field in &mut fields {
            *field = take_field(&mut rest).ok_or_else(unreadable)?;
        }
        if !rest.is_empty() {
            return Err(unreadable());
        }
        let [kind, id, name, at, base, text] = fields;
        let target = match kind {
            "interview" => Target::Interview(
                InterviewId::from(id.to_owned()),
                InterviewText::from_key(name).ok_or_else(unreadable)?,
            ),
            "research" => Target::Research(id.to_owned()),
            _ => return Err("typing into an unknown kind of text".into()),
        };
        Ok(Typing {
            target,
            base: base.to_owned(),
            text: text.to_owned(),
            at: at.parse().map_err(|_| unreadable())?,
        })
    }

    /// Writes the typed text into the network as one change (none if nothing changed).
    pub fn commit(&self, network: &mut Network, now: i64) -> Result<(), DocError> {
        put(&self.target, self.text.clone(), network, now)
    }

    /// Commits typing a tab left behind when it died: when the text has been changed since the
    /// burst began (by another tab or device), both edits are kept, merged by character.
    pub fn recover(&self, network: &mut Network, now: i64) -> Result<(), DocError> {
        match self.recovered(network)? {
            Some(text) => put(&self.target, text, network, now),
            None => Ok(()),
        }
    }

    /// What the text reads once this typing is recovered into `network` (see
    /// [`Typing::recover`]); `None` when the text is gone, and there is nowhere to put it.
    pub fn recovered(&self, network: &Network) -> Result<Option<String>, DocError> {
        let Some(now_reads) = current(&self.target, network)? else {
            return Ok(None);
        };
        if now_reads == self.text || now_reads == self.base {
            return Ok(Some(self.text.clone()));
        }
        merge_texts(&self.base, &now_reads, &self.text).map(Some)
    }
}

/// What `target` holds in the network now; `None` when it doesn't exist.
fn current(target: &Target, network: &Network) -> Result<Option<String>, DocError> {
    Ok(match target {
        Target::Interview(id, text) => network
            .interview(id)?
            .and_then(|i| text.get(&i).map(str::to_owned)),
        Target::Research(org) => Some(network.organisation(org).research),
    })
}

fn put(target: &Target, value: String, network: &mut Network, now: i64) -> Result<(), DocError> {
    match target {
        Target::Interview(id, text) => {
            let Some(mut interview) = network.interview(id)? else {
                return Ok(());
            };
            if text.get(&interview) == Some(value.as_str()) || !text.set(&mut interview, value) {
                return Ok(());
            }
            network.put_interview(id, &interview, now)
        }
        Target::Research(name) => {
            let mut org = network.organisation(name);
            if org.research == value {
                return Ok(());
            }
            org.research = value;
            network.put_organisation(&org, now)
        }
    }
}

/// Merges two edits of `base` by character, as Automerge merges two devices' edits of a text.
pub fn merge_texts(base: &str, ours: &str, theirs: &str) -> Result<String, DocError> {
    let mut doc = AutoCommit::new();
    let text = doc.put_object(ROOT, "text", ObjType::Text)?;
    doc.splice_text(&text, 0, 0, base)?;
    // (A copy through save and load rather than `fork`: the app already has that code.)
    let mut other = AutoCommit::load(&doc.save())?;
    other.set_actor(ActorId::random());
    doc.update_text(&text, ours)?;
    other.update_text(&text, theirs)?;
    doc.merge(&mut other)?;
    Ok(doc.text(&text)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{FieldId, Interview, PersonId, PlannedQuestion};

    fn network_with_interview() -> (Network, InterviewId) {
        let mut network = Network::new();
        let id = InterviewId::from("i1");
        let mut interview = Interview::new(PersonId::from("p1"), FieldId::from("f1"), 1);
        interview.notes = "Met at the café.".into();
        interview.prep.questions.push(PlannedQuestion {
            id: "q1".into(),
            text: "How did you start?".into(),
            ..PlannedQuestion::default()
        });
        network.put_interview(&id, &interview, 1).unwrap();
        (network, id)
    }

    fn notes(network: &Network, id: &InterviewId) -> String {
        network.interview(id).unwrap().unwrap().notes
    }

    #[test]
    fn a_burst_of_typing_is_one_change() {
        let (mut network, id) = network_with_interview();
        let heads = network.heads();
        let mut typing = Typing::begin(
            Target::Interview(id.clone(), InterviewText::Notes),
            &network,
        )
        .unwrap();
        assert_eq!(typing.base, "Met at the café.");
        for c in " They liked the team.".chars() {
            typing.text.push(c);
        }
        typing.commit(&mut network, 2).unwrap();
        assert_eq!(
            notes(&network, &id),
            "Met at the café. They liked the team."
        );
        assert_eq!(network.changes_after(&heads), 1);
        // Committing the same text again makes no change.
        typing.commit(&mut network, 3).unwrap();
        assert_eq!(network.changes_after(&heads), 1);
    }

    #[test]
    fn stored_typing_reads_back_whole() {
        let cases = [
            Typing {
                target: Target::Interview(InterviewId::from("i1"), InterviewText::Notes),
                base: "line one\nline \"two\"".into(),
                text: "line one\nline \"two\"\n<script>alert(1)</script> \u{202e}🙂".into(),
                at: 1_764_000_000_000,
            },
            Typing {
                target: Target::Interview(
                    InterviewId::from("i2"),
                    InterviewText::Answer("seed-advice-1".into()),
                ),
                base: String::new(),
                text: "Learn statistics 3:abc 10:".into(),
                at: 5,
            },
            Typing {
                target: Target::Research("Acme / \"Speech\"\nLabs".into()),
                base: "a".into(),
                text: "ab".into(),
                at: 6,
            },
        ];
        for typing in cases {
            assert_eq!(Typing::decode(&typing.encode()), Ok(typing));
        }
        for bad in [
            "",
            "typing1",
            "not typing",
            "[\"interview\",\"i1\",\"notes\",1,\"\",\"\"]",
            "typing19:interview2:i112:no such text1:10:0:",
            "typing19:interview2:i15:notes1:10:3:ab",
            "typing19:interview2:i15:notes1:x0:0:",
            "typing19:interview2:i15:notes1:10:0:extra",
        ] {
            assert!(Typing::decode(bad).is_err(), "{bad:?}");
        }
        let good = "typing19:interview2:i15:notes1:10:0:";
        assert!(Typing::decode(good).is_ok());
        assert!(Typing::decode("typing14:poem1:x0:1:10:0:")
            .unwrap_err()
            .contains("unknown kind"));
    }

    #[test]
    fn recovered_typing_keeps_edits_made_since() {
        let (mut network, id) = network_with_interview();
        let target = Target::Interview(id.clone(), InterviewText::Notes);
        let mut typing = Typing::begin(target.clone(), &network).unwrap();
        typing.text = "Met at the café. Ask about the night shift.".into();

        // Nothing changed since: the typing is simply committed.
        let mut same = Network::load(&network.save()).unwrap();
        typing.recover(&mut same, 2).unwrap();
        assert_eq!(
            notes(&same, &id),
            "Met at the café. Ask about the night shift."
        );

        // Another tab changed the beginning meanwhile: both edits are kept.
        let mut interview = network.interview(&id).unwrap().unwrap();
        interview.notes = "Met Ada at the café.".into();
        network.put_interview(&id, &interview, 3).unwrap();
        typing.recover(&mut network, 4).unwrap();
        assert_eq!(
            notes(&network, &id),
            "Met Ada at the café. Ask about the night shift."
        );

        // Typing already in the document (recovered once before) is not written again.
        let heads = same.heads();
        typing.recover(&mut same, 5).unwrap();
        assert_eq!(same.heads(), heads);
    }

    #[test]
    fn typing_into_research_and_answers() {
        let (mut network, id) = network_with_interview();
        let mut research = Typing::begin(Target::Research("Acme".into()), &network).unwrap();
        research.text = "Makes speech recognisers.".into();
        research.commit(&mut network, 2).unwrap();
        assert_eq!(
            network.organisation("Acme").research,
            "Makes speech recognisers."
        );

        let answer = Target::Interview(id.clone(), InterviewText::Answer("q1".into()));
        let mut typing = Typing::begin(answer, &network).unwrap();
        typing.text = "Through a friend".into();
        typing.commit(&mut network, 3).unwrap();
        assert_eq!(
            network.interview(&id).unwrap().unwrap().prep.questions[0].answer,
            "Through a friend"
        );

        // Typing into an interview that was deleted or a question that was removed goes nowhere
        // and breaks nothing.
        let gone = Target::Interview(InterviewId::from("gone"), InterviewText::Notes);
        let typing = Typing {
            target: gone,
            base: String::new(),
            text: "x".into(),
            at: 4,
        };
        let heads = network.heads();
        typing.recover(&mut network, 4).unwrap();
        typing.commit(&mut network, 4).unwrap();
        assert_eq!(network.heads(), heads);
    }

    #[test]
    fn texts_merge_by_character() {
        assert_eq!(
            merge_texts("the cat", "the black cat", "the cat sat").unwrap(),
            "the black cat sat"
        );
        assert_eq!(merge_texts("", "", "new").unwrap(), "new");
        assert_eq!(merge_texts("same", "same", "same").unwrap(), "same");
    }
}
