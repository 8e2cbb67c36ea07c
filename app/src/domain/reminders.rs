//! The reminders a device shows, even with the app closed: the process's moments, each at its
//! time. The page works them out whenever interviews change and hands them to the service
//! worker, which shows the ones that have come due.

use super::clock::{FollowUpSettings, LocalZone, HOUR_MS};
use super::{Interview, InterviewId, PersonId, Stage};
use chrono::Duration;

/// The kinds of reminder, each of which the user can turn off.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReminderKind {
    /// An hour before a meeting: leave early, find a seat.
    Meeting,
    /// The thank-you, a few hours after the meeting, and again when it is overdue.
    ThankYou,
    /// No reply: a second contact after 3 business days, a follow-up after 7.
    FollowUp,
    /// The reflection, on the morning after the meeting, if it isn't written.
    Reflection,
}

impl ReminderKind {
    pub const ALL: [ReminderKind; 4] = [
        ReminderKind::Meeting,
        ReminderKind::ThankYou,
        ReminderKind::FollowUp,
        ReminderKind::Reflection,
    ];

    /// A stable name, for storage and for notification tags.
    pub fn key(self) -> &'static str {
        match self {
            ReminderKind::Meeting => "meeting",
            ReminderKind::ThankYou => "thank-you",
            ReminderKind::FollowUp => "follow-up",
            ReminderKind::Reflection => "reflection",
        }
    }

    pub fn from_key(key: &str) -> Option<ReminderKind> {
        ReminderKind::ALL.into_iter().find(|k| k.key() == key)
    }

    /// What the setting that turns it off says.
    pub fn label(self) -> &'static str {
        match self {
            ReminderKind::Meeting => "An hour before each meeting",
            ReminderKind::ThankYou => "Thank-yous due and overdue",
            ReminderKind::FollowUp => "Second contacts and follow-ups due",
            ReminderKind::Reflection => "Reflections not yet written",
        }
    }
}

/// How long before a meeting its reminder comes.
pub const MEETING_REMINDER_BEFORE_MS: i64 = HOUR_MS;
/// How long after a meeting ends the thank-you reminder comes (it is due within a day).
pub const THANK_YOU_REMINDER_AFTER_MS: i64 = 3 * HOUR_MS;
/// The hour of the morning after a meeting when an unwritten reflection is recalled.
pub const REFLECTION_HOUR: u32 = 9;

/// One reminder: what to show, and when.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reminder {
    /// Unique per interview and moment: a reminder shown once is never shown again under it.
    pub tag: String,
    pub kind: ReminderKind,
    /// When it comes due (UTC milliseconds).
    pub at: i64,
    pub interview: InterviewId,
    pub title: String,
    pub body: String,
}

impl Reminder {
    /// The page a tap on it opens.
    pub fn url(&self) -> String {
        match self.kind {
            ReminderKind::Meeting => format!("/interviews/{}/meet", self.interview),
            _ => format!("/interviews/{}", self.interview),
        }
    }
}

/// Every reminder the interviews call for, of the kinds not turned `off`, in time order;
/// `name` gives a person's name. What has been done (a thank-you sent, a reply recorded) has
/// no reminder.
pub fn reminders(
    interviews: &[(InterviewId, Interview)],
    name: impl Fn(&PersonId) -> String,
    follow_up: FollowUpSettings,
    zone: LocalZone,
    off: &[ReminderKind],
) -> Vec<Reminder> {
    let mut out = Vec::new();
    for (id, interview) in interviews {
        let who = name(&interview.person);
        let mut push = |kind: ReminderKind, moment: &str, at: i64, title: String, body: &str| {
            if !off.contains(&kind) {
                out.push(Reminder {
                    tag: format!("{id}/{moment}"),
                    kind,
                    at,
                    interview: id.clone(),
                    title,
                    body: body.to_owned(),
                });
            }
        };
        match interview.stage() {
            Stage::Requested => {
                if let Some((second, follow)) = interview.follow_up_dates(follow_up, zone) {
                    let request = &interview.request;
                    if request.second_contact_at.is_none() && request.followed_up_at.is_none() {
                        push(
                            ReminderKind::FollowUp,
                            "second-contact",
                            second,
                            format!("No reply from {who} yet"),
                            "Try a second contact at their organisation.",
                        );
                    }
                    if request.followed_up_at.is_none() {
                        push(
                            ReminderKind::FollowUp,
                            "follow-up",
                            follow,
                            format!("Follow up with {who}"),
                            "A week without a reply: a short, friendly follow-up.",
                        );
                    }
                }
            }
            Stage::Scheduled => {
                if let Some(at) = interview.meeting.at {
                    push(
                        ReminderKind::Meeting,
                        &format!("meeting-{at}"),
                        at - MEETING_REMINDER_BEFORE_MS,
                        format!("Meeting with {who} at {}", zone.format(at)),
                        "Leave early and find a seat: your questions are on the day-of screen.",
                    );
                }
            }
            Stage::Held | Stage::Thanked | Stage::Reflected => {
                let (Some(met), Some(ended), Some(due)) = (
                    interview.met_at(),
                    interview.held_at,
                    interview.thank_you_due(),
                ) else {
                    continue;
                };
                if interview.thank_you.sent_at.is_none() {
                    push(
                        ReminderKind::ThankYou,
                        "thank-you",
                        ended + THANK_YOU_REMINDER_AFTER_MS,
                        format!("Thank {who}"),
                        "A thank-you within a day: your note is drafted.",
                    );
                    push(
                        ReminderKind::ThankYou,
                        "thank-you-overdue",
                        due,
                        format!("The thank-you to {who} is overdue"),
                        "It was due a day after the meeting. A late note beats none.",
                    );
                }
                if interview.reflection.written_at.is_none() {
                    push(
                        ReminderKind::Reflection,
                        "reflection",
                        next_morning(met, zone),
                        format!("Reflect on the meeting with {who}"),
                        "What you liked, what concerns you, whom to talk to next.",
                    );
                }
            }
            Stage::Idea | Stage::Declined | Stage::NoReply => {}
        }
    }
    super::sorting::sort_by_key(&mut out, |r| r.at);
    out
}

/// [`REFLECTION_HOUR`] on the day after `at`, in `zone`.
fn next_morning(at: i64, zone: LocalZone) -> i64 {
    let day = zone.local(at).date() + Duration::days(1);
    zone.from_local(day.and_hms_opt(REFLECTION_HOUR, 0, 0).unwrap_or_default())
}

/// The reminders as the service worker reads them: a JSON array of `{tag, at, title, body,
/// url}`.
pub fn reminders_json(reminders: &[Reminder]) -> String {
    let items: Vec<serde_json::Value> = reminders
        .iter()
        .map(|r| {
            serde_json::json!({
                "tag": r.tag,
                "at": r.at,
                "title": r.title,
                "body": r.body,
                "url": r.url(),
            })
        })
        .collect();
    serde_json::Value::Array(items).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{FieldId, Meeting};

    const NEW_YORK: LocalZone = LocalZone::Fixed(-300);

    fn at(text: &str) -> i64 {
        NEW_YORK.from_input(text).unwrap()
    }

    fn sent(when: &str) -> Interview {
        let mut i = Interview::new(PersonId::from("ada"), FieldId::from("f"), 0);
        i.request.text = "Hello".into();
        i.send_request(at(when)).unwrap();
        i
    }

    fn all(interview: &Interview, off: &[ReminderKind]) -> Vec<(String, String, String)> {
        reminders(
            &[(InterviewId::from("i"), interview.clone())],
            |_| "Ada Lovelace".to_owned(),
            FollowUpSettings::default(),
            NEW_YORK,
            off,
        )
        .into_iter()
        .map(|r| (r.tag, NEW_YORK.to_input(r.at), r.title))
        .collect()
    }

    #[test]
    fn an_unanswered_request_is_chased_after_three_and_seven_business_days() {
        let mut i = sent("2026-03-05T10:00");
        assert_eq!(
            all(&i, &[]),
            [
                (
                    "i/second-contact".into(),
                    "2026-03-10T10:00".into(),
                    "No reply from Ada Lovelace yet".into()
                ),
                (
                    "i/follow-up".into(),
                    "2026-03-16T10:00".into(),
                    "Follow up with Ada Lovelace".into()
                ),
            ]
        );
        i.mark_second_contact_tried(at("2026-03-10T11:00")).unwrap();
        assert_eq!(all(&i, &[]).len(), 1);
        assert!(all(&i, &[ReminderKind::FollowUp]).is_empty());
    }

    #[test]
    fn a_meeting_is_recalled_an_hour_before_then_the_thank_you_and_the_reflection() {
        let mut i = sent("2026-03-02T10:00");
        i.schedule(Meeting {
            at: Some(at("2026-03-05T14:00")),
            minutes: 30,
            ..Meeting::default()
        })
        .unwrap();
        let before = all(&i, &[]);
        assert_eq!(before.len(), 1);
        assert_eq!(before[0].1, "2026-03-05T13:00");
        assert!(
            before[0].2.starts_with("Meeting with Ada Lovelace at "),
            "{before:?}"
        );
        // A meeting moved is a new moment: its reminder has a new tag.
        let mut moved = i.clone();
        moved.meeting.at = Some(at("2026-03-06T14:00"));
        assert_ne!(all(&moved, &[])[0].0, before[0].0);

        i.mark_held(at("2026-03-05T14:40")).unwrap();
        let after: Vec<(String, String)> =
            all(&i, &[]).into_iter().map(|(t, a, _)| (t, a)).collect();
        assert_eq!(
            after,
            [
                ("i/thank-you".to_owned(), "2026-03-05T17:40".to_owned()),
                ("i/reflection".to_owned(), "2026-03-06T09:00".to_owned()),
                (
                    "i/thank-you-overdue".to_owned(),
                    "2026-03-06T14:40".to_owned()
                ),
            ]
        );
        i.mark_thanked(at("2026-03-05T18:00")).unwrap();
        i.mark_reflected(at("2026-03-05T18:10")).unwrap();
        assert!(all(&i, &[]).is_empty());
    }

    #[test]
    fn kinds_turned_off_are_left_out_and_the_json_carries_the_page_to_open() {
        let mut i = sent("2026-03-02T10:00");
        i.schedule(Meeting {
            at: Some(at("2026-03-05T14:00")),
            ..Meeting::default()
        })
        .unwrap();
        assert!(all(&i, &[ReminderKind::Meeting]).is_empty());
        let list = reminders(
            &[(InterviewId::from("i\"d"), i)],
            |_| "Ada \"The Countess\"".to_owned(),
            FollowUpSettings::default(),
            NEW_YORK,
            &[],
        );
        let json: serde_json::Value = serde_json::from_str(&reminders_json(&list)).unwrap();
        assert_eq!(json[0]["url"], "/interviews/i\"d/meet");
        assert_eq!(json[0]["at"], at("2026-03-05T13:00"));
        assert!(json[0]["title"]
            .as_str()
            .unwrap()
            .contains("Ada \"The Countess\""));
        for kind in ReminderKind::ALL {
            assert_eq!(ReminderKind::from_key(kind.key()), Some(kind));
        }
    }
}
