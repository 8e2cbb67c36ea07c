//! The clocks of the process: a thank-you is due 24 hours after the meeting; an unanswered
//! request calls for trying a second contact after 3 business days and a follow-up after 7.
//!
//! Times are UTC milliseconds. Business days are counted in the user's local time zone, given as
//! minutes east of UTC (the browser's offset at the moment), so "Friday afternoon" is the user's
//! Friday afternoon wherever the relay or the other device is.

use autosurgeon::{Hydrate, Reconcile};
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDateTime, TimeZone, Weekday};

pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// How soon a thank-you should follow the meeting.
pub const THANK_YOU_WITHIN_MS: i64 = DAY_MS;

/// When to nudge about an unanswered request, in business days after it was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Reconcile, Hydrate)]
pub struct FollowUpSettings {
    /// Try a second contact at the same organisation (the "3" of 3B7).
    pub second_contact_after_days: u32,
    /// Follow up with the first contact (the "7" of 3B7).
    pub follow_up_after_days: u32,
}

impl Default for FollowUpSettings {
    fn default() -> FollowUpSettings {
        FollowUpSettings {
            second_contact_after_days: 3,
            follow_up_after_days: 7,
        }
    }
}

/// The user's local time zone as a fixed offset (minutes east of UTC, as `-Date.getTimezoneOffset()`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LocalZone {
    pub minutes_east: i32,
}

impl LocalZone {
    pub const UTC: LocalZone = LocalZone { minutes_east: 0 };

    fn offset(self) -> FixedOffset {
        // Real offsets lie within ±14 hours; clamp anything stranger rather than fail.
        let seconds = self.minutes_east.clamp(-18 * 60 + 1, 18 * 60 - 1) * 60;
        FixedOffset::east_opt(seconds).unwrap_or_else(|| FixedOffset::east_opt(0).unwrap())
    }

    fn at(self, ms: i64) -> DateTime<FixedOffset> {
        let utc = DateTime::from_timestamp_millis(ms).unwrap_or_default();
        utc.with_timezone(&self.offset())
    }

    /// "Tue 3 Mar 2026, 14:05" in this zone.
    pub fn format(self, ms: i64) -> String {
        self.at(ms).format("%a %-d %b %Y, %H:%M").to_string()
    }

    /// "Tue 3 Mar 2026" in this zone.
    pub fn format_date(self, ms: i64) -> String {
        self.at(ms).format("%a %-d %b %Y").to_string()
    }

    /// "2026-03-03" in this zone, for files and sorting.
    pub fn iso_date(self, ms: i64) -> String {
        self.at(ms).format("%Y-%m-%d").to_string()
    }

    /// The value of an `<input type="datetime-local">` ("2026-03-03T14:05").
    pub fn to_input(self, ms: i64) -> String {
        self.at(ms).format("%Y-%m-%dT%H:%M").to_string()
    }

    /// Reads an `<input type="datetime-local">` value as a time in this zone.
    pub fn from_input(self, value: &str) -> Option<i64> {
        let value = value.trim();
        let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
            .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
            .ok()?;
        let local = self.offset().from_local_datetime(&naive).single()?;
        Some(local.timestamp_millis())
    }
}

/// When the thank-you for a meeting that ended at `meeting_end` is due.
pub fn thank_you_due(meeting_end: i64) -> i64 {
    meeting_end + THANK_YOU_WITHIN_MS
}

/// `start` moved forward by `days` business days (Monday to Friday in `zone`), keeping the time
/// of day. A start on a weekend counts from the next Monday morning's equivalent: Saturday
/// 10:00 + 1 business day is Monday 10:00... plus one, Tuesday 10:00.
pub fn add_business_days(start: i64, days: u32, zone: LocalZone) -> i64 {
    let mut at = zone.at(start);
    let mut left = days;
    while left > 0 {
        at += Duration::days(1);
        if !is_weekend(at.weekday()) {
            left -= 1;
        }
    }
    at.timestamp_millis()
}

/// Whole business days from `start` to `now` in `zone` (0 when `now` is before `start`).
pub fn business_days_between(start: i64, now: i64, zone: LocalZone) -> u32 {
    let mut days = 0;
    while add_business_days(start, days + 1, zone) <= now {
        days += 1;
        if days > 10_000 {
            break;
        }
    }
    days
}

fn is_weekend(day: Weekday) -> bool {
    matches!(day, Weekday::Sat | Weekday::Sun)
}

/// A human "in 3 hours" / "2 days ago" for a moment relative to now.
pub fn relative(at: i64, now: i64) -> String {
    let delta = at - now;
    let size = delta.abs();
    let amount = if size < HOUR_MS {
        plural((size / MINUTE_MS).max(1), "minute")
    } else if size < 2 * DAY_MS {
        plural(size / HOUR_MS, "hour")
    } else {
        plural(size / DAY_MS, "day")
    };
    if delta >= 0 {
        format!("in {amount}")
    } else {
        format!("{amount} ago")
    }
}

fn plural(n: i64, unit: &str) -> String {
    if n == 1 {
        format!("1 {unit}")
    } else {
        format!("{n} {unit}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// UTC milliseconds of a wall-clock time in a zone.
    fn at(zone: LocalZone, text: &str) -> i64 {
        zone.from_input(text).expect("a valid time")
    }

    const SYDNEY: LocalZone = LocalZone { minutes_east: 600 };
    const NEW_YORK: LocalZone = LocalZone { minutes_east: -300 };
    const KIRITIMATI: LocalZone = LocalZone { minutes_east: 840 };

    #[test]
    fn thank_you_is_due_a_day_after_the_meeting_across_midnight() {
        let end = at(NEW_YORK, "2026-03-05T23:30");
        let due = thank_you_due(end);
        assert_eq!(NEW_YORK.to_input(due), "2026-03-06T23:30");
        // The same moment, seen from Sydney, is on the 7th.
        assert_eq!(SYDNEY.to_input(due), "2026-03-07T14:30");
        assert_eq!(due - end, 24 * HOUR_MS);
    }

    #[test]
    fn thank_you_due_crosses_a_month_and_year_end() {
        let end = at(LocalZone::UTC, "2026-12-31T18:00");
        assert_eq!(
            LocalZone::UTC.to_input(thank_you_due(end)),
            "2027-01-01T18:00"
        );
    }

    #[test]
    fn business_days_skip_the_weekend() {
        // Thursday 5 March 2026, 16:00 in New York.
        let thursday = at(NEW_YORK, "2026-03-05T16:00");
        assert_eq!(
            NEW_YORK.to_input(add_business_days(thursday, 1, NEW_YORK)),
            "2026-03-06T16:00"
        );
        assert_eq!(
            NEW_YORK.to_input(add_business_days(thursday, 3, NEW_YORK)),
            "2026-03-10T16:00"
        );
        assert_eq!(
            NEW_YORK.to_input(add_business_days(thursday, 7, NEW_YORK)),
            "2026-03-16T16:00"
        );
        let friday = at(NEW_YORK, "2026-03-06T09:00");
        assert_eq!(
            NEW_YORK.to_input(add_business_days(friday, 3, NEW_YORK)),
            "2026-03-11T09:00"
        );
    }

    #[test]
    fn a_request_sent_on_the_weekend_counts_from_monday() {
        let saturday = at(SYDNEY, "2026-03-07T10:00");
        assert_eq!(
            SYDNEY.to_input(add_business_days(saturday, 1, SYDNEY)),
            "2026-03-09T10:00"
        );
        assert_eq!(
            SYDNEY.to_input(add_business_days(saturday, 3, SYDNEY)),
            "2026-03-11T10:00"
        );
    }

    #[test]
    fn business_days_follow_the_users_zone_not_utc() {
        // Friday 20:00 in New York is already Saturday 01:00 in UTC: for the user it is Friday,
        // so one business day later is Monday, not Tuesday.
        let friday_evening = at(NEW_YORK, "2026-03-06T20:00");
        assert_eq!(
            NEW_YORK.to_input(add_business_days(friday_evening, 1, NEW_YORK)),
            "2026-03-09T20:00"
        );
        // Seen from UTC the same instant is Saturday, and one business day is Monday 01:00 UTC:
        // Sunday evening in New York.
        assert_eq!(
            LocalZone::UTC.to_input(add_business_days(friday_evening, 1, LocalZone::UTC)),
            "2026-03-09T01:00"
        );
        // Monday 08:00 at UTC+14 is still Sunday in UTC.
        let monday = at(KIRITIMATI, "2026-03-09T08:00");
        assert_eq!(
            KIRITIMATI.to_input(add_business_days(monday, 3, KIRITIMATI)),
            "2026-03-12T08:00"
        );
    }

    #[test]
    fn business_days_between_counts_whole_days() {
        let thursday = at(NEW_YORK, "2026-03-05T16:00");
        assert_eq!(business_days_between(thursday, thursday, NEW_YORK), 0);
        assert_eq!(
            business_days_between(thursday, at(NEW_YORK, "2026-03-09T15:59"), NEW_YORK),
            1
        );
        assert_eq!(
            business_days_between(thursday, at(NEW_YORK, "2026-03-10T16:00"), NEW_YORK),
            3
        );
        assert_eq!(
            business_days_between(thursday, thursday - DAY_MS, NEW_YORK),
            0
        );
    }

    #[test]
    fn input_values_round_trip_in_a_zone() {
        let ms = at(SYDNEY, "2026-11-26T09:15");
        assert_eq!(SYDNEY.to_input(ms), "2026-11-26T09:15");
        assert_eq!(LocalZone::UTC.to_input(ms), "2026-11-25T23:15");
        assert_eq!(SYDNEY.from_input("not a date"), None);
    }

    #[test]
    fn relative_times_read_naturally() {
        assert_eq!(relative(3 * HOUR_MS, 0), "in 3 hours");
        assert_eq!(relative(0, 3 * DAY_MS), "3 days ago");
        assert_eq!(relative(30_000, 0), "in 1 minute");
    }
}
