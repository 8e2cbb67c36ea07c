use super::*;
use crate::domain::clock::{DAY_MS, HOUR_MS};

const NEW_YORK: LocalZone = LocalZone::Fixed(-300);

fn at(text: &str) -> i64 {
    NEW_YORK.from_input(text).expect("a valid time")
}

fn interview() -> Interview {
    Interview::new(
        PersonId::from("ada"),
        FieldId::from("speech"),
        at("2026-03-02T09:00"),
    )
}

fn meeting(when: &str) -> Meeting {
    Meeting {
        at: Some(at(when)),
        minutes: 30,
        venue: Venue::PublicPlace,
        place: "Blue Bottle, 5th Ave".into(),
        ..Meeting::default()
    }
}

fn requested(sent: &str) -> Interview {
    let mut i = interview();
    i.request.text = "Dear Ada, …".into();
    i.send_request(at(sent)).unwrap();
    i
}

#[test]
fn an_interview_moves_along_its_path() {
    let mut i = interview();
    assert_eq!(i.stage(), Stage::Idea);
    i.request.text = "Hello".into();
    i.send_request(at("2026-03-02T10:00")).unwrap();
    assert_eq!(i.stage(), Stage::Requested);
    i.schedule(meeting("2026-03-10T08:00")).unwrap();
    assert_eq!(i.stage(), Stage::Scheduled);
    i.mark_held(at("2026-03-10T08:35")).unwrap();
    assert_eq!(i.stage(), Stage::Held);
    i.mark_thanked(at("2026-03-10T20:00")).unwrap();
    assert_eq!(i.stage(), Stage::Thanked);
    i.mark_reflected(at("2026-03-11T09:00")).unwrap();
    assert_eq!(i.stage(), Stage::Reflected);
    let reached: Vec<Stage> = i
        .stage_dates()
        .iter()
        .filter(|(_, d)| d.is_some())
        .map(|(s, _)| *s)
        .collect();
    assert_eq!(reached, Stage::PATH);
}

#[test]
fn steps_out_of_order_are_refused() {
    let mut i = interview();
    assert_eq!(
        i.mark_held(at("2026-03-02T10:00")),
        Err(StageError::NotScheduled)
    );
    assert_eq!(
        i.mark_thanked(at("2026-03-02T10:00")),
        Err(StageError::NotHeld)
    );
    assert_eq!(
        i.mark_reflected(at("2026-03-02T10:00")),
        Err(StageError::NotHeld)
    );
    assert_eq!(
        i.mark_declined(at("2026-03-02T10:00")),
        Err(StageError::NotRequested)
    );
    assert_eq!(
        i.send_request(at("2026-03-02T10:00")),
        Err(StageError::EmptyRequest)
    );

    let mut i = requested("2026-03-02T10:00");
    assert_eq!(
        i.send_request(at("2026-03-02T11:00")),
        Err(StageError::AlreadySent)
    );
    i.mark_declined(at("2026-03-03T10:00")).unwrap();
    assert_eq!(i.stage(), Stage::Declined);
    assert_eq!(
        i.schedule(meeting("2026-03-10T08:00")),
        Err(StageError::Declined)
    );
    assert_eq!(
        i.send_request(at("2026-03-04T10:00")),
        Err(StageError::Declined)
    );

    let mut i = requested("2026-03-02T10:00");
    i.schedule(meeting("2026-03-10T08:00")).unwrap();
    assert_eq!(
        i.send_request(at("2026-03-04T10:00")),
        Err(StageError::AlreadyReplied)
    );
    assert_eq!(
        i.mark_declined(at("2026-03-04T10:00")),
        Err(StageError::AlreadyReplied)
    );
    i.mark_held(at("2026-03-10T08:30")).unwrap();
    assert_eq!(
        i.mark_held(at("2026-03-10T08:31")),
        Err(StageError::AlreadyHeld)
    );
    assert_eq!(
        i.schedule(meeting("2026-03-12T08:00")),
        Err(StageError::AlreadyHeld)
    );
    i.mark_thanked(at("2026-03-10T12:00")).unwrap();
    assert_eq!(
        i.mark_thanked(at("2026-03-10T13:00")),
        Err(StageError::AlreadyThanked)
    );
}

#[test]
fn a_meeting_needs_a_time_and_a_sensible_length() {
    let mut i = interview();
    let mut m = meeting("2026-03-10T08:00");
    m.at = None;
    assert_eq!(i.schedule(m), Err(StageError::NoTime));
    let mut m = meeting("2026-03-10T08:00");
    m.minutes = 0;
    assert_eq!(i.schedule(m.clone()), Err(StageError::BadLength));
    m.minutes = 600;
    assert_eq!(i.schedule(m), Err(StageError::BadLength));
    // Asked in person: scheduling straight from an idea is fine.
    i.schedule(meeting("2026-03-10T08:00")).unwrap();
    // And it can be moved.
    i.schedule(meeting("2026-03-11T08:00")).unwrap();
    assert_eq!(i.meeting.at, Some(at("2026-03-11T08:00")));
}

#[test]
fn a_late_reply_after_no_reply_can_still_be_scheduled() {
    let mut i = requested("2026-03-02T10:00");
    i.mark_no_reply(at("2026-03-20T10:00")).unwrap();
    assert_eq!(i.stage(), Stage::NoReply);
    i.schedule(meeting("2026-03-25T08:00")).unwrap();
    assert_eq!(i.stage(), Stage::Scheduled);
}

#[test]
fn a_meeting_marked_over_before_its_time_is_refused_or_moved_to_now() {
    let mut i = requested("2026-03-02T10:00");
    i.schedule(meeting("2026-03-25T08:00")).unwrap();
    let early = at("2026-03-19T08:30");
    assert_eq!(i.mark_held(early), Err(StageError::BeforeMeeting));
    assert_eq!(i.stage(), Stage::Scheduled);
    i.mark_held_now(early).unwrap();
    assert_eq!(i.stage(), Stage::Held);
    // One date everywhere: it began its length before now, ended now, and the thank-you is
    // due a day after.
    assert_eq!(i.met_at(), i.meeting.at);
    assert_eq!(i.meeting.ends_at(), Some(early));
    assert_eq!(i.thank_you_due(), Some(early + DAY_MS));
}

#[test]
fn thank_you_is_due_a_day_after_the_meeting_and_then_overdue() {
    let mut i = requested("2026-03-02T10:00");
    i.schedule(meeting("2026-03-05T23:00")).unwrap();
    i.mark_held(at("2026-03-05T23:40")).unwrap();
    let due = i.thank_you_due().unwrap();
    assert_eq!(NEW_YORK.to_input(due), "2026-03-06T23:40");
    assert!(!i.thank_you_overdue(due));
    assert!(i.thank_you_overdue(due + 1));
    i.mark_thanked(due + HOUR_MS).unwrap();
    assert!(!i.thank_you_overdue(due + DAY_MS));
}

#[test]
fn follow_ups_come_after_three_and_seven_business_days() {
    // Sent on a Thursday.
    let i = requested("2026-03-05T16:00");
    let settings = FollowUpSettings::default();
    let (second, follow) = i.follow_up_dates(settings, NEW_YORK).unwrap();
    assert_eq!(NEW_YORK.to_input(second), "2026-03-10T16:00");
    assert_eq!(NEW_YORK.to_input(follow), "2026-03-16T16:00");

    let list = |i: &Interview, now: &str| {
        next_steps(
            &[(InterviewId::from("x"), i.clone())],
            at(now),
            NEW_YORK,
            settings,
            |_| false,
        )
        .into_iter()
        .map(|s| s.kind)
        .collect::<Vec<_>>()
    };
    assert_eq!(list(&i, "2026-03-09T09:00"), [NextKind::AwaitingReply]);
    assert_eq!(list(&i, "2026-03-10T16:00"), [NextKind::TrySecondContact]);
    let mut tried = i.clone();
    tried
        .mark_second_contact_tried(at("2026-03-10T17:00"))
        .unwrap();
    assert_eq!(list(&tried, "2026-03-12T09:00"), [NextKind::AwaitingReply]);
    assert_eq!(list(&tried, "2026-03-16T16:00"), [NextKind::FollowUp]);
    let mut followed = tried.clone();
    followed.mark_followed_up(at("2026-03-16T17:00")).unwrap();
    assert_eq!(
        list(&followed, "2026-03-20T09:00"),
        [NextKind::AwaitingReply]
    );

    // Settings live in the document: a user who prefers 2 and 5 gets those.
    let quick = FollowUpSettings {
        second_contact_after_days: 2,
        follow_up_after_days: 5,
    };
    let (second, follow) = i.follow_up_dates(quick, NEW_YORK).unwrap();
    assert_eq!(NEW_YORK.to_input(second), "2026-03-09T16:00");
    assert_eq!(NEW_YORK.to_input(follow), "2026-03-12T16:00");
}

#[test]
fn next_steps_cover_each_stage_and_put_urgent_ones_first() {
    let settings = FollowUpSettings::default();
    let idea = interview();
    let waiting = requested("2026-03-20T10:00");
    let mut coming = requested("2026-03-02T10:00");
    coming.schedule(meeting("2026-03-25T08:00")).unwrap();
    let mut held = coming.clone();
    held.mark_held_now(at("2026-03-19T08:30")).unwrap();
    let steps = next_steps(
        &[
            (InterviewId::from("idea"), idea),
            (InterviewId::from("waiting"), waiting),
            (InterviewId::from("coming"), coming),
            (InterviewId::from("held"), held),
        ],
        at("2026-03-21T09:00"),
        NEW_YORK,
        settings,
        |_| false,
    );
    let kinds: Vec<(&str, NextKind)> = steps
        .iter()
        .map(|s| (s.interview.as_str(), s.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("held", NextKind::ThankYouOverdue),
            ("idea", NextKind::SendRequest),
            ("held", NextKind::WriteReflection),
            ("waiting", NextKind::AwaitingReply),
            ("coming", NextKind::MeetingComing),
        ]
    );
}

#[test]
fn a_passed_meeting_asks_to_be_confirmed() {
    let mut i = requested("2026-03-02T10:00");
    i.schedule(meeting("2026-03-05T08:00")).unwrap();
    let steps = next_steps(
        &[(InterviewId::from("x"), i)],
        at("2026-03-05T09:00"),
        NEW_YORK,
        FollowUpSettings::default(),
        |_| false,
    );
    assert_eq!(steps[0].kind, NextKind::ConfirmHeld);
}

#[test]
fn after_meeting_someone_suggested_the_referrer_is_told_once() {
    let mut i = requested("2026-03-02T10:00");
    i.person = PersonId::from("grace");
    i.schedule(meeting("2026-03-05T08:00")).unwrap();
    let steps = |i: &Interview, referred: bool| -> Vec<NextKind> {
        next_steps(
            &[(InterviewId::from("x"), i.clone())],
            at("2026-03-05T10:00"),
            NEW_YORK,
            FollowUpSettings::default(),
            |p| referred && p == &PersonId::from("grace"),
        )
        .into_iter()
        .map(|s| s.kind)
        .collect()
    };
    // Not before the meeting has happened, and never for someone nobody suggested.
    assert!(!steps(&i, true).contains(&NextKind::TellReferrer));
    assert_eq!(
        i.mark_referrer_told(at("2026-03-05T09:00")),
        Err(StageError::NotHeld)
    );
    i.mark_held(at("2026-03-05T08:30")).unwrap();
    assert!(steps(&i, true).contains(&NextKind::TellReferrer));
    assert!(!steps(&i, false).contains(&NextKind::TellReferrer));
    i.mark_referrer_told(at("2026-03-05T09:40")).unwrap();
    assert!(!steps(&i, true).contains(&NextKind::TellReferrer));
    // Telling again keeps the first date.
    i.mark_referrer_told(at("2026-03-06T09:40")).unwrap();
    assert_eq!(i.thank_you.referrer_told_at, Some(at("2026-03-05T09:40")));
}

#[test]
fn breadth_counts_different_people_met_per_field() {
    let field = FieldId::from("speech");
    let other = FieldId::from("audio");
    let met = |person: &str, field: &FieldId| {
        let mut i = Interview::new(PersonId::from(person), field.clone(), 0);
        i.schedule(meeting("2026-03-05T08:00")).unwrap();
        i.mark_held(at("2026-03-05T08:30")).unwrap();
        i
    };
    let not_met = Interview::new(PersonId::from("cy"), field.clone(), 0);
    let all = [
        met("ada", &field),
        met("ada", &field),
        met("bo", &field),
        met("di", &other),
        not_met,
    ];
    assert_eq!(people_heard(&all, &field), 2);
    assert_eq!(people_heard(&all, &other), 1);
    assert_eq!(people_heard(&all, &FieldId::from("none")), 0);
    assert!(people_heard(&all, &field) < BREADTH_ENOUGH);
}

#[test]
fn referrals_are_added_once() {
    let mut i = interview();
    i.add_referral(PersonId::from("bo"));
    i.add_referral(PersonId::from("bo"));
    i.add_referral(PersonId::from("cy"));
    assert_eq!(i.referrals, [PersonId::from("bo"), PersonId::from("cy")]);
}

#[test]
fn video_links_are_only_web_addresses() {
    let mut m = meeting("2026-03-05T08:00");
    m.place = "https://zoom.us/j/123".into();
    assert_eq!(m.link(), Some("https://zoom.us/j/123"));
    m.place = "javascript:alert(1)".into();
    assert_eq!(m.link(), None);
}

#[test]
fn the_timer_warns_near_the_end_and_when_time_is_up() {
    let mut m = meeting("2026-03-05T08:00");
    assert_eq!(m.timer(0), None);
    let start = at("2026-03-05T08:02");
    m.timer_started_at = Some(start);
    let reading = |m: &Meeting, minutes: i64, seconds: i64| {
        m.timer(start + minutes * MINUTE_MS + seconds * 1000)
            .unwrap()
    };
    assert_eq!(reading(&m, 12, 5).phase, TimerPhase::Running);
    assert_eq!(reading(&m, 12, 5).label(), "12:05 of 30:00");
    assert_eq!(reading(&m, 24, 59).phase, TimerPhase::Running);
    assert_eq!(reading(&m, 25, 0).phase, TimerPhase::NearEnd);
    assert_eq!(reading(&m, 30, 0).phase, TimerPhase::Over);
    m.minutes = 5;
    assert_eq!(reading(&m, 3, 59).phase, TimerPhase::Running);
    assert_eq!(reading(&m, 4, 0).phase, TimerPhase::NearEnd);
}

#[test]
fn a_paused_timer_stands_still_and_resumes_where_it_stopped() {
    let mut m = meeting("2026-03-05T08:00");
    let start = at("2026-03-05T08:00");
    m.timer_started_at = Some(start);
    let minute = |n: i64| start + n * MINUTE_MS;
    m.pause_timer(minute(10));
    assert!(m.timer(minute(15)).unwrap().paused);
    assert_eq!(m.timer(minute(15)).unwrap().label(), "10:00 of 30:00");
    // Pausing twice changes nothing; resuming counts on from where it stood.
    m.pause_timer(minute(12));
    m.resume_timer(minute(15));
    assert_eq!(m.timer(minute(16)).unwrap().label(), "11:00 of 30:00");
    assert!(!m.timer(minute(16)).unwrap().paused);
    m.pause_timer(minute(20));
    m.resume_timer(minute(21));
    assert_eq!(m.timer(minute(21)).unwrap().label(), "15:00 of 30:00");
}

#[test]
fn every_typed_text_has_a_name_and_its_own_place() {
    let mut i = interview();
    i.prep.questions.push(PlannedQuestion {
        id: "q1".into(),
        text: "How did you start?".into(),
        ..PlannedQuestion::default()
    });
    let mut texts: Vec<InterviewText> = InterviewText::NAMED
        .iter()
        .map(|(_, t)| t.clone())
        .collect();
    texts.push(InterviewText::Answer("q1".into()));
    for (n, text) in texts.iter().enumerate() {
        assert_eq!(InterviewText::from_key(&text.key()).as_ref(), Some(text));
        assert!(text.set(&mut i, format!("text {n}")));
    }
    // Each name wrote its own text: reading them back gives each its own value.
    for (n, text) in texts.iter().enumerate() {
        assert_eq!(text.get(&i), Some(format!("text {n}").as_str()), "{text:?}");
    }
    assert_eq!(
        i.notes,
        format!(
            "text {}",
            texts
                .iter()
                .position(|t| *t == InterviewText::Notes)
                .unwrap()
        )
    );
    assert_eq!(
        i.prep.questions[0].answer,
        format!("text {}", texts.len() - 1)
    );

    // An answer to a question the interview lacks changes nothing.
    let before = i.clone();
    let missing = InterviewText::Answer("nope".into());
    assert!(!missing.set(&mut i, "lost?".into()));
    assert_eq!(missing.get(&i), None);
    assert_eq!(i, before);
    assert_eq!(InterviewText::from_key("no such text"), None);
}
