//! Scheduled interviews as an iCalendar file (RFC 5545), for the user's own calendar: each
//! meeting an event with a reminder 30 minutes before, and each thank-you a to-do due a day
//! after the meeting.
//!
//! Written by hand (the `icalendar` crate reads the output back in tests only: it needs a
//! clock and random ids, which a pure module and wasm can't give it). Times are UTC.

use super::lines::{escape_text, fold};
use crate::domain::clock::{thank_you_due, utc_stamp, MINUTE_MS};
use crate::domain::sorting::sort_by;
use crate::domain::{
    role_line, Field, FieldId, Interview, InterviewId, Meeting, Person, PersonId, Venue,
};
use std::collections::HashMap;

/// One scheduled interview, with what the calendar shows of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CalendarItem {
    pub interview: InterviewId,
    /// The person's name.
    pub person: String,
    pub organisation: String,
    /// The field of interest's name.
    pub field: String,
    /// When the meeting starts (UTC milliseconds).
    pub starts_at: i64,
    pub minutes: u32,
    pub venue: Venue,
    /// The address, phone number or video link.
    pub place: String,
    /// When the thank-you is due; `None` for no to-do.
    pub thank_you_due: Option<i64>,
    /// When the thank-you was sent, if it was.
    pub thank_you_sent: Option<i64>,
}

impl CalendarItem {
    fn ends_at(&self) -> i64 {
        self.starts_at + i64::from(self.minutes) * MINUTE_MS
    }

    /// The video link, when the meeting is a video call and its place is a safe web address.
    fn video_link(&self) -> Option<String> {
        if self.venue != Venue::Video {
            return None;
        }
        let meeting = Meeting {
            place: self.place.clone(),
            venue: self.venue,
            ..Meeting::default()
        };
        meeting.link().map(str::to_owned)
    }
}

/// The calendar items of every interview with a meeting time, earliest first.
///
/// The thank-you is due 24 hours after the meeting ended ([`Interview::thank_you_due`]); for a
/// meeting not yet marked held, 24 hours after its planned end, so the to-do is in the calendar
/// from the start.
pub fn items_for(
    interviews: &[(InterviewId, Interview)],
    people: &[(PersonId, Person)],
    fields: &[(FieldId, Field)],
) -> Vec<CalendarItem> {
    let people: HashMap<&PersonId, &Person> = people.iter().map(|(id, p)| (id, p)).collect();
    let fields: HashMap<&FieldId, &Field> = fields.iter().map(|(id, f)| (id, f)).collect();
    let mut items: Vec<CalendarItem> = interviews
        .iter()
        .filter_map(|(id, interview)| {
            let starts_at = interview.meeting.at?;
            let person = people.get(&interview.person);
            Some(CalendarItem {
                interview: id.clone(),
                person: person.map(|p| p.name.clone()).unwrap_or_default(),
                organisation: person.map(|p| p.organisation.clone()).unwrap_or_default(),
                field: fields
                    .get(&interview.field)
                    .map(|f| f.name.clone())
                    .unwrap_or_default(),
                starts_at,
                minutes: interview.meeting.minutes,
                venue: interview.meeting.venue,
                place: interview.meeting.place.clone(),
                thank_you_due: interview
                    .thank_you_due()
                    .or_else(|| interview.meeting.ends_at().map(thank_you_due)),
                thank_you_sent: interview.thank_you.sent_at,
            })
        })
        .collect();
    sort_by(&mut items, |a, b| {
        (a.starts_at, a.interview.as_str()).cmp(&(b.starts_at, b.interview.as_str()))
    });
    items
}

/// The items as an iCalendar file (CRLF, lines folded at 75 octets). `stamp` is when the file
/// is made (UTC milliseconds), written as every component's DTSTAMP.
pub fn calendar(items: &[CalendarItem], stamp: i64) -> String {
    let mut out = String::new();
    let mut put = |line: &str| out.push_str(&fold(line));
    put("BEGIN:VCALENDAR");
    put("VERSION:2.0");
    put("PRODID:-//Colloquy//Colloquy//EN");
    put("CALSCALE:GREGORIAN");
    put("METHOD:PUBLISH");
    put("X-WR-CALNAME:Informational interviews");
    let stamp = utc_stamp(stamp);
    for item in items {
        let who = if item.person.trim().is_empty() {
            "your contact"
        } else {
            item.person.as_str()
        };
        let event_uid = format!("{}-meeting@colloquy", item.interview);
        put("BEGIN:VEVENT");
        put(&format!("UID:{}", escape_text(&event_uid)));
        put(&format!("DTSTAMP:{stamp}"));
        put(&format!("DTSTART:{}", utc_stamp(item.starts_at)));
        put(&format!("DTEND:{}", utc_stamp(item.ends_at())));
        put(&format!(
            "SUMMARY:{}",
            escape_text(&format!("Informational interview with {who}"))
        ));
        if !item.place.trim().is_empty() {
            put(&format!("LOCATION:{}", escape_text(item.place.trim())));
        }
        let link = item.video_link();
        if let Some(link) = &link {
            // A URI value: not text-escaped (it has no spaces or control characters).
            put(&format!("URL:{link}"));
        }
        put(&format!(
            "DESCRIPTION:{}",
            escape_text(&description(item, who, link.as_deref()))
        ));
        put("BEGIN:VALARM");
        put("ACTION:DISPLAY");
        put("TRIGGER:-PT30M");
        let alarm = match item.venue {
            Venue::Worksite | Venue::PublicPlace => {
                format!("Time to leave for your informational interview with {who}")
            }
            Venue::Phone | Venue::Video => {
                format!("Your informational interview with {who} starts in 30 minutes")
            }
        };
        put(&format!("DESCRIPTION:{}", escape_text(&alarm)));
        put("END:VALARM");
        put("END:VEVENT");

        if let Some(due) = item.thank_you_due {
            put("BEGIN:VTODO");
            put(&format!(
                "UID:{}",
                escape_text(&format!("{}-thank-you@colloquy", item.interview))
            ));
            put(&format!("DTSTAMP:{stamp}"));
            put(&format!("SUMMARY:{}", escape_text(&format!("Thank {who}"))));
            let about = if item.field.trim().is_empty() {
                String::new()
            } else {
                format!(" about {}", item.field.trim())
            };
            put(&format!(
                "DESCRIPTION:{}",
                escape_text(&format!(
                    "Send {who} a thank-you for the informational interview{about} within a \
                     day. Mention something specific you learned, and any referral they gave."
                ))
            ));
            put(&format!("DUE:{}", utc_stamp(due)));
            put(&format!("RELATED-TO:{}", escape_text(&event_uid)));
            match item.thank_you_sent {
                Some(sent) => {
                    put("STATUS:COMPLETED");
                    put(&format!("COMPLETED:{}", utc_stamp(sent)));
                    put("PERCENT-COMPLETE:100");
                }
                None => put("STATUS:NEEDS-ACTION"),
            }
            put("END:VTODO");
        }
    }
    put("END:VCALENDAR");
    out
}

/// The event's description: who and what, where, and the reminders for the day.
fn description(item: &CalendarItem, who: &str, link: Option<&str>) -> String {
    let mut text = format!("Informational interview with {who}");
    let at = role_line("", &item.organisation);
    if !at.is_empty() {
        text.push_str(&format!(" ({at})"));
    }
    if !item.field.trim().is_empty() {
        text.push_str(&format!(" about {}", item.field.trim()));
    }
    text.push_str(".\n");
    let place = item.place.trim();
    match (item.venue, link) {
        (Venue::Video, Some(link)) => text.push_str(&format!("Video link: {link}\n")),
        (_, _) if place.is_empty() => {}
        (Venue::Phone, _) => text.push_str(&format!("Phone: {place}\n")),
        (_, _) => text.push_str(&format!("Where: {place}\n")),
    }
    text.push_str(&format!(
        "You asked for {} minutes: keep to them.\n\nReminders:\n",
        item.minutes
    ));
    text.push_str(match item.venue {
        Venue::Worksite | Venue::PublicPlace => "- Arrive 10 minutes early.\n",
        Venue::Video => "- Join a few minutes early and check your sound and camera.\n",
        Venue::Phone => "- Be somewhere quiet a few minutes early, ready for the call.\n",
    });
    text.push_str("- Thank them first, for making time for you.\n");
    text.push_str(
        "- You asked for this meeting, so you lead the conversation: bring your questions.\n",
    );
    text.push_str("- Near the end, ask whom else you should talk to.");
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::clock::{DAY_MS, HOUR_MS};
    use icalendar::parser::{read_calendar, unfold, Component, Property};

    /// 2026-03-05 14:00 UTC.
    const MARCH_5_2PM: i64 = 1_772_719_200_000;

    fn item(id: &str, venue: Venue, place: &str) -> CalendarItem {
        CalendarItem {
            interview: InterviewId::from(id),
            person: "Priya Raman".into(),
            organisation: "Northwind Health".into(),
            field: "UX research".into(),
            starts_at: MARCH_5_2PM,
            minutes: 30,
            venue,
            place: place.into(),
            thank_you_due: None,
            thank_you_sent: None,
        }
    }

    fn prop(component: &Component<'_>, name: &str) -> String {
        component
            .find_prop(name)
            .unwrap_or_else(|| panic!("no {name}"))
            .val
            .as_str()
            .to_owned()
    }

    /// A parsed component, detached from the text it was read from.
    fn own(component: Component<'_>) -> Component<'static> {
        Component {
            name: component.name.into_owned(),
            properties: component
                .properties
                .into_iter()
                .map(|p| Property {
                    name: p.name.into_owned(),
                    val: p.val.into_owned(),
                    params: Vec::new(),
                })
                .collect(),
            components: component.components.into_iter().map(own).collect(),
        }
    }

    /// The file's events and to-dos, read back by the `icalendar` crate.
    fn parse(text: &str) -> (Vec<Component<'static>>, Vec<Component<'static>>) {
        let unfolded = unfold(text);
        let calendar = read_calendar(&unfolded).unwrap();
        let mut events = Vec::new();
        let mut todos = Vec::new();
        for component in calendar.components.into_iter().map(own) {
            match component.name.as_str() {
                "VEVENT" => events.push(component),
                "VTODO" => todos.push(component),
                other => panic!("unexpected {other}"),
            }
        }
        (events, todos)
    }

    #[test]
    fn the_calendar_has_its_header_and_crlf_lines() {
        let text = calendar(&[item("i1", Venue::Worksite, "1 Main St")], 0);
        assert!(text.starts_with(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Colloquy//Colloquy//EN\r\nCALSCALE:GREGORIAN\r\nMETHOD:PUBLISH\r\n"
        ));
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'));
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = unfold(&text);
        let calendar = read_calendar(&unfolded).unwrap();
        let version = calendar
            .properties
            .iter()
            .find(|p| p.name == "VERSION")
            .unwrap();
        assert_eq!(version.val.as_str(), "2.0");
    }

    #[test]
    fn an_event_has_its_times_summary_place_and_alarm() {
        let stamp = MARCH_5_2PM - 3 * DAY_MS;
        let text = calendar(
            &[item("i1", Venue::Worksite, "225 E Chicago Ave, Floor 3")],
            stamp,
        );
        let (events, todos) = parse(&text);
        assert_eq!(events.len(), 1);
        assert!(todos.is_empty());
        let event = &events[0];
        assert_eq!(prop(event, "UID"), "i1-meeting@colloquy");
        assert_eq!(prop(event, "DTSTAMP"), "20260302T140000Z");
        assert_eq!(prop(event, "DTSTART"), "20260305T140000Z");
        assert_eq!(prop(event, "DTEND"), "20260305T143000Z");
        assert_eq!(
            prop(event, "SUMMARY"),
            "Informational interview with Priya Raman"
        );
        assert_eq!(prop(event, "LOCATION"), "225 E Chicago Ave, Floor 3");
        assert!(event.find_prop("URL").is_none());
        let description = prop(event, "DESCRIPTION");
        assert!(description.starts_with(
            "Informational interview with Priya Raman (Northwind Health) about UX research.\nWhere: 225 E Chicago Ave, Floor 3\n"
        ), "{description}");
        assert!(description.contains("Arrive 10 minutes early"));
        assert!(description.contains("Thank them first"));
        assert!(description.contains("you lead the conversation"));
        assert!(description.contains("30 minutes"));
        let alarm = &event.components[0];
        assert_eq!(alarm.name.as_str(), "VALARM");
        assert_eq!(prop(alarm, "ACTION"), "DISPLAY");
        assert_eq!(prop(alarm, "TRIGGER"), "-PT30M");
        assert_eq!(
            prop(alarm, "DESCRIPTION"),
            "Time to leave for your informational interview with Priya Raman"
        );
    }

    #[test]
    fn a_video_call_links_its_address() {
        let link = "https://meet.example.com/abc-defg-hij?pwd=a1,b2;c3&x=1";
        let mut video = item("v1", Venue::Video, link);
        video.minutes = 45;
        let (events, _) = parse(&calendar(&[video], 0));
        let event = &events[0];
        assert_eq!(prop(event, "URL"), link);
        assert_eq!(prop(event, "LOCATION"), link);
        assert_eq!(prop(event, "DTEND"), "20260305T144500Z");
        let description = prop(event, "DESCRIPTION");
        assert!(
            description.contains(&format!("Video link: {link}\n")),
            "{description}"
        );
        assert!(description.contains("check your sound and camera"));
        assert_eq!(
            prop(&event.components[0], "DESCRIPTION"),
            "Your informational interview with Priya Raman starts in 30 minutes"
        );
    }

    #[test]
    fn only_a_safe_web_address_of_a_video_call_becomes_a_url() {
        let unsafe_link = item("v2", Venue::Video, "javascript:alert(1)");
        let phone = item("p1", Venue::Phone, "https://looks-like-a-link.example");
        let (events, _) = parse(&calendar(&[unsafe_link, phone], 0));
        assert!(events[0].find_prop("URL").is_none());
        assert_eq!(prop(&events[0], "LOCATION"), "javascript:alert(1)");
        assert!(events[1].find_prop("URL").is_none());
        assert!(
            prop(&events[1], "DESCRIPTION").contains("Phone: https://looks-like-a-link.example")
        );
    }

    #[test]
    fn hostile_names_and_places_survive_escaping() {
        let person = "Zoë \"<script>alert(1)</script>\", O'Brien; \\ Jr.\r\nEND:VEVENT\nBEGIN:VTODO\nSUMMARY:injected \u{200f}עברית 🎉";
        let place = "Café Ñ, 12 Rue; Paris\nBack room \\ 🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉🎉";
        let mut hostile = item("h1", Venue::PublicPlace, place);
        hostile.person = person.into();
        hostile.thank_you_due = Some(MARCH_5_2PM + DAY_MS);
        let text = calendar(&[hostile], 0);
        for line in text.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
            assert!(!line.starts_with("SUMMARY:injected"));
        }
        // The line breaks in the name are escaped, so it starts no component of its own.
        let (events, todos) = parse(&text);
        assert_eq!((events.len(), todos.len()), (1, 1));
        let person = person.replace("\r\n", "\n");
        assert_eq!(
            prop(&events[0], "SUMMARY"),
            format!("Informational interview with {person}")
        );
        assert_eq!(prop(&events[0], "LOCATION"), place);
        assert_eq!(prop(&todos[0], "SUMMARY"), format!("Thank {person}"));
    }

    #[test]
    fn a_thank_you_is_a_to_do_due_a_day_later() {
        let mut pending = item("t1", Venue::Worksite, "");
        pending.thank_you_due = Some(MARCH_5_2PM + 30 * MINUTE_MS + DAY_MS);
        let mut sent = item("t2", Venue::Phone, "+1 312 555 0100");
        sent.thank_you_due = Some(MARCH_5_2PM + DAY_MS);
        sent.thank_you_sent = Some(MARCH_5_2PM + 5 * HOUR_MS);
        let (events, todos) = parse(&calendar(&[pending, sent], 0));
        assert_eq!(events.len(), 2);
        assert!(events[0].find_prop("LOCATION").is_none());
        assert_eq!(todos.len(), 2);
        assert_eq!(prop(&todos[0], "UID"), "t1-thank-you@colloquy");
        assert_eq!(prop(&todos[0], "SUMMARY"), "Thank Priya Raman");
        assert_eq!(prop(&todos[0], "DUE"), "20260306T143000Z");
        assert_eq!(prop(&todos[0], "STATUS"), "NEEDS-ACTION");
        assert_eq!(prop(&todos[0], "RELATED-TO"), "t1-meeting@colloquy");
        assert!(todos[0].find_prop("COMPLETED").is_none());
        assert!(prop(&todos[0], "DESCRIPTION").contains("about UX research"));
        assert_eq!(prop(&todos[1], "DUE"), "20260306T140000Z");
        assert_eq!(prop(&todos[1], "STATUS"), "COMPLETED");
        assert_eq!(prop(&todos[1], "COMPLETED"), "20260305T190000Z");
    }

    #[test]
    fn items_come_from_scheduled_interviews_with_names() {
        let people = vec![(
            PersonId::from("p1"),
            Person {
                name: "Wei Zhang".into(),
                organisation: "Tailspin Toys".into(),
                ..Person::default()
            },
        )];
        let fields = vec![(
            FieldId::from("f1"),
            Field {
                name: "Toy design".into(),
                ..Field::default()
            },
        )];
        let idea = Interview::new(PersonId::from("p1"), FieldId::from("f1"), 0);
        let mut later = idea.clone();
        later.meeting = Meeting {
            at: Some(MARCH_5_2PM + DAY_MS),
            minutes: 20,
            venue: Venue::Video,
            place: "https://meet.example.com/x".into(),
            ..Meeting::default()
        };
        let mut held = idea.clone();
        held.meeting = Meeting {
            at: Some(MARCH_5_2PM),
            ..Meeting::default()
        };
        held.held_at = Some(MARCH_5_2PM + 40 * MINUTE_MS);
        held.thank_you.sent_at = Some(MARCH_5_2PM + 2 * HOUR_MS);
        let mut stranger = later.clone();
        stranger.person = PersonId::from("unknown");
        stranger.meeting.at = Some(MARCH_5_2PM + 2 * DAY_MS);
        let interviews = vec![
            (InterviewId::from("later"), later),
            (InterviewId::from("idea"), idea),
            (InterviewId::from("held"), held),
            (InterviewId::from("stranger"), stranger),
        ];
        let items = items_for(&interviews, &people, &fields);
        let ids: Vec<&str> = items.iter().map(|i| i.interview.as_str()).collect();
        assert_eq!(ids, ["held", "later", "stranger"]);
        let held = &items[0];
        assert_eq!(held.person, "Wei Zhang");
        assert_eq!(held.organisation, "Tailspin Toys");
        assert_eq!(held.field, "Toy design");
        // Due a day after it was marked held, not after its planned end.
        assert_eq!(
            held.thank_you_due,
            Some(MARCH_5_2PM + 40 * MINUTE_MS + DAY_MS)
        );
        assert_eq!(held.thank_you_sent, Some(MARCH_5_2PM + 2 * HOUR_MS));
        let later = &items[1];
        assert_eq!(later.minutes, 20);
        assert_eq!(later.venue, Venue::Video);
        // Not held yet: due a day after the planned end.
        assert_eq!(
            later.thank_you_due,
            Some(MARCH_5_2PM + DAY_MS + 20 * MINUTE_MS + DAY_MS)
        );
        assert_eq!(later.thank_you_sent, None);
        assert_eq!(items[2].person, "");
        // An unknown person is still a meeting, with a neutral summary.
        let (events, _) = parse(&calendar(&items, 0));
        assert_eq!(
            prop(&events[2], "SUMMARY"),
            "Informational interview with your contact"
        );
    }
}
