//! An informational interview, from the first idea of asking someone to the reflection
//! afterwards, and the rules of moving through it.
//!
//! The stage is not stored: it follows from the dates that are (sent, scheduled, held, thanked,
//! reflected, declined). Two devices that each record a later step then merge into the right
//! stage, where a stored stage would keep whichever write came last.

use super::clock::{add_business_days, thank_you_due, FollowUpSettings, LocalZone, MINUTE_MS};
use super::sorting::{sort_by, sort_by_key};
use super::{Category, FieldId, InterviewId, PersonId};
use autosurgeon::{Hydrate, Reconcile};
use serde::{Deserialize, Serialize};

/// Shortest and longest meeting the app accepts, in minutes.
pub const MEETING_MINUTES: std::ops::RangeInclusive<u32> = 5..=240;

/// The length to ask for: "20–30 minutes" gets a yes more often than an hour.
pub const DEFAULT_MEETING_MINUTES: u32 = 30;

/// Where an interview is in the process.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stage {
    Idea,
    Requested,
    Scheduled,
    Held,
    Thanked,
    Reflected,
    Declined,
    NoReply,
}

impl Stage {
    /// The stages of an interview that goes ahead, in order.
    pub const PATH: [Stage; 6] = [
        Stage::Idea,
        Stage::Requested,
        Stage::Scheduled,
        Stage::Held,
        Stage::Thanked,
        Stage::Reflected,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Stage::Idea => "Idea",
            Stage::Requested => "Requested",
            Stage::Scheduled => "Scheduled",
            Stage::Held => "Held",
            Stage::Thanked => "Thanked",
            Stage::Reflected => "Reflected",
            Stage::Declined => "Declined",
            Stage::NoReply => "No reply",
        }
    }
}

/// How a request was (or will be) made.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Reconcile, Hydrate, Serialize, Deserialize,
)]
pub enum Channel {
    #[default]
    Email,
    LinkedIn,
    Phone,
    InPerson,
}

impl Channel {
    pub const ALL: [Channel; 4] = [
        Channel::Email,
        Channel::LinkedIn,
        Channel::Phone,
        Channel::InPerson,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Channel::Email => "Email",
            Channel::LinkedIn => "LinkedIn message",
            Channel::Phone => "Phone call",
            Channel::InPerson => "In person",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::LinkedIn => "linkedin",
            Channel::Phone => "phone",
            Channel::InPerson => "in-person",
        }
    }

    pub fn from_key(key: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|&c| c.key() == key)
    }
}

/// Where the meeting takes place.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Reconcile, Hydrate, Serialize, Deserialize,
)]
pub enum Venue {
    /// At their workplace: the best way to see the work.
    #[default]
    Worksite,
    Phone,
    Video,
    /// A coffee shop or another public place.
    PublicPlace,
}

impl Venue {
    pub const ALL: [Venue; 4] = [
        Venue::Worksite,
        Venue::Phone,
        Venue::Video,
        Venue::PublicPlace,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Venue::Worksite => "Their workplace",
            Venue::Phone => "Phone call",
            Venue::Video => "Video call",
            Venue::PublicPlace => "Coffee shop or other public place",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Venue::Worksite => "worksite",
            Venue::Phone => "phone",
            Venue::Video => "video",
            Venue::PublicPlace => "public",
        }
    }

    pub fn from_key(key: &str) -> Option<Venue> {
        Venue::ALL.into_iter().find(|&v| v.key() == key)
    }

    /// What the place field holds for this venue.
    pub fn place_label(self) -> &'static str {
        match self {
            Venue::Worksite => "Address",
            Venue::Phone => "Phone number",
            Venue::Video => "Video link",
            Venue::PublicPlace => "Place and address",
        }
    }
}

/// The request for a meeting and what became of it.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(default)]
pub struct Request {
    #[autosurgeon(missing = "Default::default")]
    pub channel: Channel,
    /// The drafted message; empty until the user drafts one.
    #[autosurgeon(missing = "Default::default")]
    pub text: String,
    #[autosurgeon(missing = "Default::default")]
    pub enclose_resume: bool,
    #[autosurgeon(missing = "Default::default")]
    pub sent_at: Option<i64>,
    /// When the user tried a second contact at the same organisation.
    #[autosurgeon(missing = "Default::default")]
    pub second_contact_at: Option<i64>,
    /// When the user followed up with this contact.
    #[autosurgeon(missing = "Default::default")]
    pub followed_up_at: Option<i64>,
    #[autosurgeon(missing = "Default::default")]
    pub declined_at: Option<i64>,
    #[autosurgeon(missing = "Default::default")]
    pub no_reply_at: Option<i64>,
}

#[derive(Clone, Debug, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
pub struct Meeting {
    /// When it starts; `None` until it is scheduled.
    #[autosurgeon(missing = "Default::default")]
    pub at: Option<i64>,
    #[autosurgeon(missing = "default_minutes")]
    pub minutes: u32,
    #[autosurgeon(missing = "Default::default")]
    pub venue: Venue,
    /// The address, phone number or video link.
    #[autosurgeon(missing = "Default::default")]
    pub place: String,
    /// When the user started the meeting timer on the day-of screen.
    #[autosurgeon(missing = "Default::default")]
    pub timer_started_at: Option<i64>,
    /// When the timer was paused, while it is.
    #[autosurgeon(missing = "Default::default")]
    pub timer_paused_at: Option<i64>,
    /// How long the timer spent paused before (ms).
    #[autosurgeon(missing = "Default::default")]
    pub timer_paused_ms: i64,
}

fn default_minutes() -> u32 {
    DEFAULT_MEETING_MINUTES
}

impl Default for Meeting {
    fn default() -> Meeting {
        Meeting {
            at: None,
            minutes: DEFAULT_MEETING_MINUTES,
            venue: Venue::default(),
            place: String::new(),
            timer_started_at: None,
            timer_paused_at: None,
            timer_paused_ms: 0,
        }
    }
}

impl Meeting {
    /// When the agreed time is up.
    pub fn ends_at(&self) -> Option<i64> {
        self.at.map(|at| at + i64::from(self.minutes) * MINUTE_MS)
    }

    /// The meeting timer at `now`: time gone and what to show.
    pub fn timer(&self, now: i64) -> Option<Timer> {
        let started = self.timer_started_at?;
        let now = self.timer_paused_at.map_or(now, |paused| paused.min(now));
        let elapsed = (now - started - self.timer_paused_ms).max(0);
        let agreed = i64::from(self.minutes) * MINUTE_MS;
        // Warn when a sixth of the time is left (5 minutes of 30), at least one minute.
        let warn_at = agreed - (agreed / 6).max(MINUTE_MS);
        let phase = if elapsed >= agreed {
            TimerPhase::Over
        } else if elapsed >= warn_at {
            TimerPhase::NearEnd
        } else {
            TimerPhase::Running
        };
        Some(Timer {
            elapsed,
            agreed,
            phase,
            paused: self.timer_paused_at.is_some(),
        })
    }

    /// Stops the timer's clock until [`Meeting::resume_timer`] (a break, a phone call).
    pub fn pause_timer(&mut self, now: i64) {
        if self.timer_started_at.is_some() && self.timer_paused_at.is_none() {
            self.timer_paused_at = Some(now);
        }
    }

    pub fn resume_timer(&mut self, now: i64) {
        if let Some(paused) = self.timer_paused_at.take() {
            self.timer_paused_ms += (now - paused).max(0);
        }
    }

    /// The place as a link, when it is a web address (a video call).
    pub fn link(&self) -> Option<&str> {
        super::person::safe_web_url(&self.place)
    }
}

/// The meeting timer's reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timer {
    pub elapsed: i64,
    pub agreed: i64,
    pub phase: TimerPhase,
    pub paused: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimerPhase {
    Running,
    /// Time to ask for referrals and wrap up.
    NearEnd,
    /// The agreed time is up: offer to end.
    Over,
}

impl Timer {
    /// "12:05 of 30:00".
    pub fn label(&self) -> String {
        let clock = |ms: i64| format!("{:02}:{:02}", ms / MINUTE_MS, (ms % MINUTE_MS) / 1000);
        format!("{} of {}", clock(self.elapsed), clock(self.agreed))
    }
}

/// A question the user plans to ask, and what they heard.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(default)]
pub struct PlannedQuestion {
    #[key]
    pub id: String,
    pub text: String,
    #[autosurgeon(missing = "Default::default")]
    pub category: Category,
    #[autosurgeon(missing = "Default::default")]
    pub asked: bool,
    #[autosurgeon(missing = "Default::default")]
    pub answer: String,
}

/// Preparation for one meeting (research on the organisation is shared, on the organisation).
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(default)]
pub struct Prep {
    /// What the user wants from this meeting.
    #[autosurgeon(missing = "Default::default", with = "crate::doc::text")]
    pub objectives: String,
    #[autosurgeon(missing = "Default::default")]
    pub questions: Vec<PlannedQuestion>,
}

#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(default)]
pub struct ThankYou {
    #[autosurgeon(missing = "Default::default")]
    pub text: String,
    #[autosurgeon(missing = "Default::default")]
    pub sent_at: Option<i64>,
    /// When the user told whoever suggested this person how the meeting went.
    #[autosurgeon(missing = "Default::default")]
    pub referrer_told_at: Option<i64>,
}

/// The user's reflection after a meeting: the questions a career centre asks.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(default)]
pub struct Reflection {
    #[autosurgeon(missing = "Default::default", with = "crate::doc::text")]
    pub liked: String,
    #[autosurgeon(missing = "Default::default", with = "crate::doc::text")]
    pub concerns: String,
    #[autosurgeon(missing = "Default::default", with = "crate::doc::text")]
    pub advantages: String,
    #[autosurgeon(missing = "Default::default", with = "crate::doc::text")]
    pub clarifies: String,
    #[autosurgeon(missing = "Default::default", with = "crate::doc::text")]
    pub other_paths: String,
    #[autosurgeon(missing = "Default::default", with = "crate::doc::text")]
    pub next_steps: String,
    #[autosurgeon(missing = "Default::default", with = "crate::doc::text")]
    pub talk_to_next: String,
    #[autosurgeon(missing = "Default::default")]
    pub written_at: Option<i64>,
}

impl Reflection {
    /// Each question of the reflection with its answer.
    pub fn answers(&self) -> [(&'static str, &str); 7] {
        [
            (
                "What did you like? What positive impressions did you get?",
                &self.liked,
            ),
            ("What new concerns came up?", &self.concerns),
            ("What new advantages did you learn of?", &self.advantages),
            ("How does this clarify your objectives?", &self.clarifies),
            (
                "Another occupation or organisation to learn about?",
                &self.other_paths,
            ),
            ("Next steps", &self.next_steps),
            ("Whom else to talk to?", &self.talk_to_next),
        ]
    }

    pub fn is_empty(&self) -> bool {
        self.answers().iter().all(|(_, a)| a.trim().is_empty())
    }
}

/// One informational interview with one person about one field.
#[derive(Clone, Debug, Default, PartialEq, Reconcile, Hydrate, Serialize, Deserialize)]
#[serde(default)]
pub struct Interview {
    pub person: PersonId,
    pub field: FieldId,
    #[autosurgeon(missing = "Default::default")]
    pub created_at: i64,
    #[autosurgeon(missing = "Default::default")]
    pub request: Request,
    #[autosurgeon(missing = "Default::default")]
    pub meeting: Meeting,
    #[autosurgeon(missing = "Default::default")]
    pub prep: Prep,
    #[autosurgeon(missing = "Default::default")]
    pub held_at: Option<i64>,
    /// What was discussed.
    #[autosurgeon(missing = "Default::default", with = "crate::doc::text")]
    pub notes: String,
    #[autosurgeon(missing = "Default::default")]
    pub thank_you: ThankYou,
    #[autosurgeon(missing = "Default::default")]
    pub reflection: Reflection,
    /// People they suggested talking to, added to the network.
    #[autosurgeon(missing = "Default::default")]
    pub referrals: Vec<PersonId>,
}

/// One of the texts of an interview that the user types into, by name: typing is kept under
/// this name until it is committed, and replayed by it after a crash.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum InterviewText {
    Request,
    Objectives,
    /// The answer to one planned question, by the question's id.
    Answer(String),
    Notes,
    ThankYou,
    Liked,
    Concerns,
    Advantages,
    Clarifies,
    OtherPaths,
    NextSteps,
    TalkToNext,
}

impl InterviewText {
    const NAMED: [(&'static str, InterviewText); 11] = [
        ("request", InterviewText::Request),
        ("objectives", InterviewText::Objectives),
        ("notes", InterviewText::Notes),
        ("thank-you", InterviewText::ThankYou),
        ("liked", InterviewText::Liked),
        ("concerns", InterviewText::Concerns),
        ("advantages", InterviewText::Advantages),
        ("clarifies", InterviewText::Clarifies),
        ("other-paths", InterviewText::OtherPaths),
        ("next-steps", InterviewText::NextSteps),
        ("talk-to-next", InterviewText::TalkToNext),
    ];

    /// The name it is kept under.
    pub fn key(&self) -> String {
        match self {
            InterviewText::Answer(id) => format!("answer:{id}"),
            text => Self::NAMED
                .iter()
                .find(|(_, t)| t == text)
                .map(|(k, _)| (*k).to_owned())
                .unwrap_or_default(),
        }
    }

    pub fn from_key(key: &str) -> Option<InterviewText> {
        if let Some(id) = key.strip_prefix("answer:") {
            return Some(InterviewText::Answer(id.to_owned()));
        }
        Self::NAMED
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, t)| t.clone())
    }

    /// The text in `interview`; `None` for the answer to a question it doesn't have.
    pub fn get<'a>(&self, interview: &'a Interview) -> Option<&'a str> {
        Some(match self {
            InterviewText::Request => &interview.request.text,
            InterviewText::Objectives => &interview.prep.objectives,
            InterviewText::Answer(id) => {
                &interview
                    .prep
                    .questions
                    .iter()
                    .find(|q| q.id == *id)?
                    .answer
            }
            InterviewText::Notes => &interview.notes,
            InterviewText::ThankYou => &interview.thank_you.text,
            InterviewText::Liked => &interview.reflection.liked,
            InterviewText::Concerns => &interview.reflection.concerns,
            InterviewText::Advantages => &interview.reflection.advantages,
            InterviewText::Clarifies => &interview.reflection.clarifies,
            InterviewText::OtherPaths => &interview.reflection.other_paths,
            InterviewText::NextSteps => &interview.reflection.next_steps,
            InterviewText::TalkToNext => &interview.reflection.talk_to_next,
        })
    }

    /// Replaces the text in `interview`; false (and nothing changed) for the answer to a
    /// question it doesn't have.
    pub fn set(&self, interview: &mut Interview, text: String) -> bool {
        let slot = match self {
            InterviewText::Request => &mut interview.request.text,
            InterviewText::Objectives => &mut interview.prep.objectives,
            InterviewText::Answer(id) => {
                match interview.prep.questions.iter_mut().find(|q| q.id == *id) {
                    Some(q) => &mut q.answer,
                    None => return false,
                }
            }
            InterviewText::Notes => &mut interview.notes,
            InterviewText::ThankYou => &mut interview.thank_you.text,
            InterviewText::Liked => &mut interview.reflection.liked,
            InterviewText::Concerns => &mut interview.reflection.concerns,
            InterviewText::Advantages => &mut interview.reflection.advantages,
            InterviewText::Clarifies => &mut interview.reflection.clarifies,
            InterviewText::OtherPaths => &mut interview.reflection.other_paths,
            InterviewText::NextSteps => &mut interview.reflection.next_steps,
            InterviewText::TalkToNext => &mut interview.reflection.talk_to_next,
        };
        *slot = text;
        true
    }
}

/// A step the interview's stage doesn't allow.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StageError {
    #[error("The request has already been sent.")]
    AlreadySent,
    #[error("Write the request before marking it sent.")]
    EmptyRequest,
    #[error("Send the request first.")]
    NotRequested,
    #[error("This interview has already been held.")]
    AlreadyHeld,
    #[error("They declined; start a new interview to ask again.")]
    Declined,
    #[error("Schedule the meeting first.")]
    NotScheduled,
    #[error("The meeting hasn't been held yet.")]
    NotHeld,
    #[error("The thank-you has already been sent.")]
    AlreadyThanked,
    #[error("A meeting lasts between {} and {} minutes.", MEETING_MINUTES.start(), MEETING_MINUTES.end())]
    BadLength,
    #[error("Pick a date and time for the meeting.")]
    NoTime,
    #[error("They already replied: the meeting is scheduled.")]
    AlreadyReplied,
    #[error("The meeting's time hasn't come yet.")]
    BeforeMeeting,
}

impl Interview {
    pub fn new(person: PersonId, field: FieldId, now: i64) -> Interview {
        Interview {
            person,
            field,
            created_at: now,
            ..Interview::default()
        }
    }

    pub fn stage(&self) -> Stage {
        if self.reflection.written_at.is_some() {
            Stage::Reflected
        } else if self.thank_you.sent_at.is_some() {
            Stage::Thanked
        } else if self.held_at.is_some() {
            Stage::Held
        } else if self.meeting.at.is_some() {
            Stage::Scheduled
        } else if self.request.declined_at.is_some() {
            Stage::Declined
        } else if self.request.no_reply_at.is_some() {
            Stage::NoReply
        } else if self.request.sent_at.is_some() {
            Stage::Requested
        } else {
            Stage::Idea
        }
    }

    /// The date each stage on the path was reached, if it was.
    pub fn stage_dates(&self) -> [(Stage, Option<i64>); 6] {
        [
            (Stage::Idea, Some(self.created_at)),
            (Stage::Requested, self.request.sent_at),
            (Stage::Scheduled, self.meeting.at),
            (Stage::Held, self.held_at),
            (Stage::Thanked, self.thank_you.sent_at),
            (Stage::Reflected, self.reflection.written_at),
        ]
    }

    /// Marks the request sent: the follow-up clocks start now.
    pub fn send_request(&mut self, now: i64) -> Result<(), StageError> {
        match self.stage() {
            Stage::Idea | Stage::NoReply => {}
            Stage::Declined => return Err(StageError::Declined),
            Stage::Requested => return Err(StageError::AlreadySent),
            _ => return Err(StageError::AlreadyReplied),
        }
        if self.request.text.trim().is_empty() && self.request.channel != Channel::InPerson {
            return Err(StageError::EmptyRequest);
        }
        self.request.sent_at = Some(now);
        self.request.no_reply_at = None;
        self.request.second_contact_at = None;
        self.request.followed_up_at = None;
        Ok(())
    }

    fn awaiting_reply(&self) -> Result<(), StageError> {
        match self.stage() {
            Stage::Requested | Stage::NoReply => Ok(()),
            Stage::Idea => Err(StageError::NotRequested),
            Stage::Declined => Err(StageError::Declined),
            _ => Err(StageError::AlreadyReplied),
        }
    }

    pub fn mark_second_contact_tried(&mut self, now: i64) -> Result<(), StageError> {
        self.awaiting_reply()?;
        self.request.second_contact_at = Some(now);
        Ok(())
    }

    pub fn mark_followed_up(&mut self, now: i64) -> Result<(), StageError> {
        self.awaiting_reply()?;
        self.request.followed_up_at = Some(now);
        Ok(())
    }

    pub fn mark_declined(&mut self, now: i64) -> Result<(), StageError> {
        self.awaiting_reply()?;
        self.request.declined_at = Some(now);
        Ok(())
    }

    pub fn mark_no_reply(&mut self, now: i64) -> Result<(), StageError> {
        self.awaiting_reply()?;
        self.request.no_reply_at = Some(now);
        Ok(())
    }

    /// Sets (or moves) the meeting. Allowed before the meeting is held, also without a written
    /// request (asked in person or by phone).
    pub fn schedule(&mut self, meeting: Meeting) -> Result<(), StageError> {
        match self.stage() {
            Stage::Idea | Stage::Requested | Stage::NoReply | Stage::Scheduled => {}
            Stage::Declined => return Err(StageError::Declined),
            _ => return Err(StageError::AlreadyHeld),
        }
        if meeting.at.is_none() {
            return Err(StageError::NoTime);
        }
        if !MEETING_MINUTES.contains(&meeting.minutes) {
            return Err(StageError::BadLength);
        }
        self.meeting = meeting;
        self.request.no_reply_at = None;
        Ok(())
    }

    /// The meeting took place and ended at `now`. Before the meeting's time it is refused
    /// ([`StageError::BeforeMeeting`]): the user is asked whether it happened now instead
    /// ([`Interview::mark_held_now`]), so no date says it was held before it began.
    pub fn mark_held(&mut self, now: i64) -> Result<(), StageError> {
        match self.stage() {
            Stage::Scheduled => {}
            Stage::Held | Stage::Thanked | Stage::Reflected => return Err(StageError::AlreadyHeld),
            _ => return Err(StageError::NotScheduled),
        }
        if self.meeting.at.is_some_and(|at| now < at) {
            return Err(StageError::BeforeMeeting);
        }
        self.held_at = Some(now);
        Ok(())
    }

    /// The meeting happened earlier than planned and has just ended: it is moved to end at
    /// `now`, and marked held.
    pub fn mark_held_now(&mut self, now: i64) -> Result<(), StageError> {
        if self.meeting.at.is_none() {
            return Err(StageError::NotScheduled);
        }
        let started = now - i64::from(self.meeting.minutes) * MINUTE_MS;
        self.meeting.at = Some(self.meeting.at.map_or(started, |at| at.min(started)));
        self.mark_held(now)
    }

    /// When the meeting took place: the time it was set for (moved when it happened early),
    /// or, for one held without a time, when it was marked held. Every screen and export
    /// dates a held meeting by this.
    pub fn met_at(&self) -> Option<i64> {
        let held = self.held_at?;
        Some(self.meeting.at.map_or(held, |at| at.min(held)))
    }

    pub fn mark_thanked(&mut self, now: i64) -> Result<(), StageError> {
        if self.held_at.is_none() {
            return Err(StageError::NotHeld);
        }
        if self.thank_you.sent_at.is_some() {
            return Err(StageError::AlreadyThanked);
        }
        self.thank_you.sent_at = Some(now);
        Ok(())
    }

    /// Records that whoever suggested this person has been told how the meeting went.
    pub fn mark_referrer_told(&mut self, now: i64) -> Result<(), StageError> {
        if self.held_at.is_none() {
            return Err(StageError::NotHeld);
        }
        self.thank_you.referrer_told_at.get_or_insert(now);
        Ok(())
    }

    /// Records the reflection as written (its answers are edited in place).
    pub fn mark_reflected(&mut self, now: i64) -> Result<(), StageError> {
        if self.held_at.is_none() {
            return Err(StageError::NotHeld);
        }
        self.reflection.written_at = Some(now);
        Ok(())
    }

    /// When the thank-you is due: 24 hours after the meeting ended.
    /// A day after the meeting ended, as marked (a meeting can't be marked over before its
    /// time: [`Interview::mark_held`]).
    pub fn thank_you_due(&self) -> Option<i64> {
        self.held_at.map(thank_you_due)
    }

    /// The thank-you is due and not sent, and its day has passed.
    pub fn thank_you_overdue(&self, now: i64) -> bool {
        self.thank_you.sent_at.is_none() && self.thank_you_due().is_some_and(|due| now > due)
    }

    /// When to try a second contact and when to follow up, if the request is unanswered.
    pub fn follow_up_dates(
        &self,
        settings: FollowUpSettings,
        zone: LocalZone,
    ) -> Option<(i64, i64)> {
        if !matches!(self.stage(), Stage::Requested) {
            return None;
        }
        let sent = self.request.sent_at?;
        Some((
            add_business_days(sent, settings.second_contact_after_days, zone),
            add_business_days(sent, settings.follow_up_after_days, zone),
        ))
    }

    /// Adds a person they suggested (once).
    pub fn add_referral(&mut self, person: PersonId) {
        if !self.referrals.contains(&person) {
            self.referrals.push(person);
        }
    }
}

/// Something the user should do next, for the home screen.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NextStep {
    pub interview: InterviewId,
    /// Whom the interview is with.
    pub person: PersonId,
    pub kind: NextKind,
    /// When it is (or was) due; the list is sorted by it.
    pub at: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NextKind {
    /// Write and send the request.
    SendRequest,
    /// Sent; waiting for a reply, nothing due yet.
    AwaitingReply,
    /// No reply after 3 business days: try someone else at the organisation.
    TrySecondContact,
    /// No reply after 7 business days: follow up with them.
    FollowUp,
    /// A meeting coming up (or under way).
    MeetingComing,
    /// The meeting time has passed but it isn't marked held.
    ConfirmHeld,
    ThankYouDue,
    ThankYouOverdue,
    /// Met someone another person suggested: tell that person how it went.
    TellReferrer,
    WriteReflection,
}

impl NextKind {
    /// The group on the home screen.
    pub fn group(self) -> &'static str {
        match self {
            NextKind::SendRequest => "Requests to send",
            NextKind::AwaitingReply => "Awaiting a reply",
            NextKind::TrySecondContact | NextKind::FollowUp => "Follow-ups due",
            NextKind::MeetingComing | NextKind::ConfirmHeld => "Meetings",
            NextKind::ThankYouDue | NextKind::ThankYouOverdue | NextKind::TellReferrer => {
                "Thank-yous due"
            }
            NextKind::WriteReflection => "Reflections to write",
        }
    }

    pub fn is_urgent(self) -> bool {
        matches!(
            self,
            NextKind::ThankYouOverdue | NextKind::TrySecondContact | NextKind::FollowUp
        )
    }
}

/// Everything that needs the user, most pressing first (overdue, then by date). `referred`
/// tells whether someone suggested a person, so that person hears how the meeting went.
pub fn next_steps(
    interviews: &[(InterviewId, Interview)],
    now: i64,
    zone: LocalZone,
    settings: FollowUpSettings,
    referred: impl Fn(&PersonId) -> bool,
) -> Vec<NextStep> {
    let mut steps = Vec::new();
    for (id, interview) in interviews {
        let mut push = |kind, at| {
            steps.push(NextStep {
                interview: id.clone(),
                person: interview.person.clone(),
                kind,
                at,
            })
        };
        match interview.stage() {
            Stage::Idea => push(NextKind::SendRequest, interview.created_at),
            Stage::Requested => {
                let sent = interview.request.sent_at.unwrap_or_default();
                let (second, follow) = interview
                    .follow_up_dates(settings, zone)
                    .unwrap_or((sent, sent));
                if now >= follow && interview.request.followed_up_at.is_none() {
                    push(NextKind::FollowUp, follow);
                } else if now >= second
                    && interview.request.second_contact_at.is_none()
                    && interview.request.followed_up_at.is_none()
                {
                    push(NextKind::TrySecondContact, second);
                } else {
                    push(NextKind::AwaitingReply, sent);
                }
            }
            Stage::Scheduled => {
                let at = interview.meeting.at.unwrap_or_default();
                let ends = interview.meeting.ends_at().unwrap_or_default();
                if now > ends {
                    push(NextKind::ConfirmHeld, at);
                } else {
                    push(NextKind::MeetingComing, at);
                }
            }
            Stage::Held | Stage::Thanked | Stage::Reflected => {
                if interview.thank_you.sent_at.is_none() {
                    let kind = if interview.thank_you_overdue(now) {
                        NextKind::ThankYouOverdue
                    } else {
                        NextKind::ThankYouDue
                    };
                    push(kind, interview.thank_you_due().unwrap_or_default());
                }
                if interview.thank_you.referrer_told_at.is_none() && referred(&interview.person) {
                    push(
                        NextKind::TellReferrer,
                        interview.met_at().unwrap_or_default(),
                    );
                }
                if interview.reflection.written_at.is_none() {
                    push(
                        NextKind::WriteReflection,
                        interview.held_at.unwrap_or_default(),
                    );
                }
            }
            Stage::Declined | Stage::NoReply => {}
        }
    }
    sort_by_key(&mut steps, |step| (!step.kind.is_urgent(), step.at));
    steps
}

/// Fewer different people than this in a field, and the user hears too few views.
pub const BREADTH_ENOUGH: usize = 3;

/// How many different people the user has interviewed (met) about `field`.
pub fn people_heard<'a>(
    interviews: impl IntoIterator<Item = &'a Interview>,
    field: &FieldId,
) -> usize {
    let mut people: Vec<&PersonId> = interviews
        .into_iter()
        .filter(|i| &i.field == field && i.held_at.is_some())
        .map(|i| &i.person)
        .collect();
    sort_by(&mut people, |a, b| a.cmp(b));
    people.dedup();
    people.len()
}

#[cfg(test)]
mod tests;
