//! The clocks of the process: a thank-you is due 24 hours after the meeting; an unanswered
//! request calls for trying a second contact after 3 business days and a follow-up after 7.
//!
//! Times are UTC milliseconds. Business days are counted in the user's local time zone, given as
//! minutes east of UTC (the browser's offset at the moment), so "Friday afternoon" is the user's
//! Friday afternoon wherever the relay or the other device is.

use autosurgeon::{Hydrate, Reconcile};
use chrono::{
    DateTime, Datelike, Duration, FixedOffset, Month, NaiveDate, TimeZone, Timelike, Weekday,
};

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
        let at = self.at(ms);
        format!("{}, {:02}:{:02}", weekday_date(&at), at.hour(), at.minute())
    }

    /// "Tue 3 Mar 2026" in this zone.
    pub fn format_date(self, ms: i64) -> String {
        weekday_date(&self.at(ms))
    }

    /// "2026-03-03" in this zone, for files and sorting.
    pub fn iso_date(self, ms: i64) -> String {
        iso_date(&self.at(ms))
    }

    /// The value of an `<input type="datetime-local">` ("2026-03-03T14:05").
    pub fn to_input(self, ms: i64) -> String {
        let at = self.at(ms);
        format!("{}T{:02}:{:02}", iso_date(&at), at.hour(), at.minute())
    }

    /// Reads an `<input type="datetime-local">` value ("2026-03-03T14:05", seconds optional) as
    /// a time in this zone.
    pub fn from_input(self, value: &str) -> Option<i64> {
        let (date, time) = value.trim().split_once('T')?;
        let date = numbers::<3>(date, '-')?;
        let time = numbers::<2>(time, ':')
            .map(|[h, m]| [h, m, 0])
            .or_else(|| numbers::<3>(time, ':'))?;
        let naive = NaiveDate::from_ymd_opt(i32::try_from(date[0]).ok()?, date[1], date[2])?
            .and_hms_opt(time[0], time[1], time[2])?;
        let local = self.offset().from_local_datetime(&naive).single()?;
        Some(local.timestamp_millis())
    }
}

// Dates are written out by hand rather than through chrono's format strings, whose interpreter
// is a sizeable part of the browser build for the handful of fixed formats used here.

const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// "3 Mar 2026".
pub fn day_month_year(date: &impl Datelike) -> String {
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

/// "2026-03-03".
fn iso_date(date: &impl Datelike) -> String {
    format!("{:04}-{:02}-{:02}", date.year(), date.month(), date.day())
}

/// "Tue 3 Mar 2026".
fn weekday_date(date: &impl Datelike) -> String {
    let weekday = WEEKDAYS[date.weekday().num_days_from_monday() as usize];
    format!("{weekday} {}", day_month_year(date))
}

/// Reads "12 Mar 2024" or "12 March 2024" (any case).
pub fn parse_day_month_year(text: &str) -> Option<NaiveDate> {
    let mut parts = text.split_whitespace();
    let (day, month, year) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let month = (1..=12u8).find(|&m| {
        let full = Month::try_from(m).map_or("", |m| m.name());
        month.eq_ignore_ascii_case(MONTHS[usize::from(m) - 1]) || month.eq_ignore_ascii_case(full)
    })?;
    NaiveDate::from_ymd_opt(number(year)?.try_into().ok()?, month.into(), number(day)?)
}

/// A UTC moment as an iCalendar (and vCard) UTC date-time: `20260305T140000Z`.
pub fn utc_stamp(ms: i64) -> String {
    let at = DateTime::from_timestamp_millis(ms).unwrap_or_default();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    )
}

/// A run of ASCII digits.
fn number(text: &str) -> Option<u32> {
    if text.is_empty() || text.len() > 9 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// Exactly `N` numbers separated by `separator`.
fn numbers<const N: usize>(text: &str, separator: char) -> Option<[u32; N]> {
    let mut found = [0; N];
    let mut parts = text.split(separator);
    for slot in &mut found {
        *slot = number(parts.next()?)?;
    }
    parts.next().is_none().then_some(found)
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

/// A human "in 3 hours" / "2 days ago" for a moment relative to now. Days are calendar days in
/// the user's zone: from Monday 09:00, Thursday 08:00 is "in 3 days", not the 2 that 71 hours
/// make.
pub fn relative(at: i64, now: i64, zone: LocalZone) -> String {
    let delta = at - now;
    let size = delta.abs();
    let day = |ms: i64| (ms + i64::from(zone.minutes_east) * MINUTE_MS).div_euclid(DAY_MS);
    let days = (day(at) - day(now)).abs();
    let amount = if days >= 2 {
        plural(days, "day")
    } else if size < HOUR_MS {
        plural((size / MINUTE_MS).max(1), "minute")
    } else {
        plural(size / HOUR_MS, "hour")
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
    fn input_values_take_seconds_and_refuse_anything_else() {
        let ms = at(SYDNEY, "2026-11-26T09:15");
        assert_eq!(SYDNEY.from_input(" 2026-11-26T09:15:00 "), Some(ms));
        assert_eq!(SYDNEY.from_input("2026-11-26T09:15:30"), Some(ms + 30_000));
        for bad in [
            "2026-11-26",
            "2026-11-26T",
            "2026-11-26T9",
            "2026-11-26T09:15:00:00",
            "2026-13-01T09:15",
            "2026-02-30T09:15",
            "2026-11-26T24:00",
            "2026-11-26T09:60",
            "2026-11-26 09:15",
            "+2026-11-26T09:15",
            "2026-11-26T-9:15",
            "２０２６-11-26T09:15",
        ] {
            assert_eq!(SYDNEY.from_input(bad), None, "{bad:?}");
        }
    }

    proptest::proptest! {
        /// Every written form reads as chrono's format strings would write it.
        #[test]
        fn dates_are_written_as_chronos_formats_write_them(
            ms in -2_000_000_000_000i64..8_000_000_000_000,
            minutes_east in -720i32..=840,
        ) {
            let zone = LocalZone { minutes_east };
            let local = zone.at(ms);
            proptest::prop_assert_eq!(zone.format(ms), local.format("%a %-d %b %Y, %H:%M").to_string());
            proptest::prop_assert_eq!(zone.format_date(ms), local.format("%a %-d %b %Y").to_string());
            proptest::prop_assert_eq!(zone.iso_date(ms), local.format("%Y-%m-%d").to_string());
            proptest::prop_assert_eq!(zone.to_input(ms), local.format("%Y-%m-%dT%H:%M").to_string());
            let utc = DateTime::from_timestamp_millis(ms).unwrap();
            proptest::prop_assert_eq!(utc_stamp(ms), utc.format("%Y%m%dT%H%M%SZ").to_string());
            let minute = ms - ms.rem_euclid(MINUTE_MS);
            proptest::prop_assert_eq!(zone.from_input(&zone.to_input(ms)), Some(minute));
            let date = local.date_naive();
            proptest::prop_assert_eq!(parse_day_month_year(&day_month_year(&date)), Some(date));
        }
    }

    #[test]
    fn day_month_year_reads_short_and_long_month_names() {
        let date = NaiveDate::from_ymd_opt(2024, 3, 12).unwrap();
        for text in [
            "12 Mar 2024",
            "12 march 2024",
            " 12  MAR 2024 ",
            "12 March 2024",
        ] {
            assert_eq!(parse_day_month_year(text), Some(date), "{text:?}");
        }
        for bad in [
            "12 Mars 2024",
            "12 Ma 2024",
            "32 Mar 2024",
            "12 Mar",
            "12 Mar 2024 x",
            "Mar 12 2024",
            "-1 Mar 2024",
        ] {
            assert_eq!(parse_day_month_year(bad), None, "{bad:?}");
        }
        assert_eq!(day_month_year(&date), "12 Mar 2024");
    }

    #[test]
    fn relative_times_read_naturally() {
        let utc = LocalZone::UTC;
        assert_eq!(relative(3 * HOUR_MS, 0, utc), "in 3 hours");
        assert_eq!(relative(0, 3 * DAY_MS, utc), "3 days ago");
        assert_eq!(relative(30_000, 0, utc), "in 1 minute");
        // Calendar days in the user's zone, not spans of 24 hours.
        let new_york = LocalZone {
            minutes_east: -5 * 60,
        };
        let monday_9am = at(new_york, "2026-03-02T09:00");
        let thursday_8am = at(new_york, "2026-03-05T08:00");
        assert_eq!(relative(thursday_8am, monday_9am, new_york), "in 3 days");
        assert_eq!(relative(monday_9am, thursday_8am, new_york), "3 days ago");
        let tuesday_8am = at(new_york, "2026-03-03T08:00");
        assert_eq!(relative(tuesday_8am, monday_9am, new_york), "in 23 hours");
    }
}
