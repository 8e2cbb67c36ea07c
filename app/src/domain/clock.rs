//! The clocks of the process: a thank-you is due 24 hours after the meeting; an unanswered
//! request calls for trying a second contact after 3 business days and a follow-up after 7.
//!
//! Times are UTC milliseconds. Business days are counted in the user's local time zone, with its
//! rules (daylight saving included), so "Friday afternoon" is the user's Friday afternoon
//! wherever the relay or the other device is, in summer as in winter.

use autosurgeon::{Hydrate, Reconcile};
use chrono::{
    DateTime, Datelike, Duration, FixedOffset, Month, NaiveDate, NaiveDateTime, Timelike, Weekday,
};
use serde::{Deserialize, Serialize};

pub const MINUTE_MS: i64 = 60_000;
pub const HOUR_MS: i64 = 60 * MINUTE_MS;
pub const DAY_MS: i64 = 24 * HOUR_MS;

/// How soon a thank-you should follow the meeting.
pub const THANK_YOU_WITHIN_MS: i64 = DAY_MS;

/// When to nudge about an unanswered request, in business days after it was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Reconcile, Hydrate, Serialize, Deserialize)]
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

/// A time zone's rules: the offset from UTC in force at each instant, and, where the platform
/// has one, its way of writing an instant for the user's locale.
///
/// The browser answers through `Date` and `Intl` (`browser::BrowserZone`), so no time-zone
/// database ships in the wasm; native tests answer from a real database.
pub trait ZoneRules {
    /// Minutes east of UTC in force at the UTC instant `utc_ms`.
    fn offset_minutes(&self, utc_ms: i64) -> i32;

    /// The instant written for the user (a date alone with `date_only`); `None` to use the
    /// built-in "Tue 3 Mar 2026, 14:05".
    fn format(&self, _utc_ms: i64, _date_only: bool) -> Option<String> {
        None
    }
}

/// The user's time zone: a fixed offset (minutes east of UTC), or a zone's rules.
///
/// A wall-clock time means that time in the zone *on that date*: a meeting entered in winter for
/// a summer day keeps its hour. A time the clocks skip (spring forward) is read as if they had
/// not yet moved, so it lands as much later as the jump; a time they repeat (fall back) is its
/// first occurrence. Browsers read `new Date(y, m, d, h, min)` the same way.
#[derive(Clone, Copy)]
pub enum LocalZone {
    Fixed(i32),
    Rules(&'static (dyn ZoneRules + Sync)),
}

impl Default for LocalZone {
    fn default() -> LocalZone {
        LocalZone::UTC
    }
}

impl std::fmt::Debug for LocalZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LocalZone::Fixed(minutes) => write!(f, "LocalZone::Fixed({minutes})"),
            LocalZone::Rules(_) => f.write_str("LocalZone::Rules"),
        }
    }
}

impl LocalZone {
    pub const UTC: LocalZone = LocalZone::Fixed(0);

    /// Minutes east of UTC at `utc_ms`.
    pub fn offset_minutes(self, utc_ms: i64) -> i32 {
        let minutes = match self {
            LocalZone::Fixed(minutes) => minutes,
            LocalZone::Rules(rules) => rules.offset_minutes(utc_ms),
        };
        // Real offsets lie within ±14 hours; clamp anything stranger rather than fail.
        minutes.clamp(-18 * 60 + 1, 18 * 60 - 1)
    }

    fn at(self, ms: i64) -> DateTime<FixedOffset> {
        let utc = DateTime::from_timestamp_millis(ms).unwrap_or_default();
        let offset = FixedOffset::east_opt(self.offset_minutes(ms) * 60)
            .unwrap_or_else(|| FixedOffset::east_opt(0).unwrap());
        utc.with_timezone(&offset)
    }

    /// The wall-clock time in this zone at `ms`.
    pub fn local(self, ms: i64) -> NaiveDateTime {
        self.at(ms).naive_local()
    }

    /// The UTC instant of a wall-clock time in this zone (see [`LocalZone`] for the skipped
    /// and repeated hours).
    pub fn from_local(self, local: NaiveDateTime) -> i64 {
        // The wall-clock time read as if it were UTC, then the offsets in force two days
        // either side: a time fits an offset when the instant it gives has that offset.
        let wall = local.and_utc().timestamp_millis();
        let offset_ms = |utc: i64| i64::from(self.offset_minutes(utc)) * MINUTE_MS;
        let before = offset_ms(wall - 2 * DAY_MS);
        let after = offset_ms(wall + 2 * DAY_MS);
        let fits = |offset: i64| (offset_ms(wall - offset) == offset).then_some(wall - offset);
        match (fits(before), fits(after)) {
            (Some(first), Some(second)) => first.min(second),
            (Some(only), None) | (None, Some(only)) => only,
            (None, None) => wall - before,
        }
    }

    /// Whether the zone's calendar has `date` at all (Samoa skipped 30 December 2011).
    fn has_day(self, date: NaiveDate) -> bool {
        let noon = date.and_hms_opt(12, 0, 0).unwrap_or_default();
        self.at(self.from_local(noon)).date_naive() == date
    }

    /// "Tue 3 Mar 2026, 14:05" in this zone, or as the platform writes it for the user.
    pub fn format(self, ms: i64) -> String {
        if let Some(text) = self.platform_format(ms, false) {
            return text;
        }
        let at = self.at(ms);
        format!("{}, {:02}:{:02}", weekday_date(&at), at.hour(), at.minute())
    }

    /// "Tue 3 Mar 2026" in this zone, or as the platform writes it for the user.
    pub fn format_date(self, ms: i64) -> String {
        self.platform_format(ms, true)
            .unwrap_or_else(|| weekday_date(&self.at(ms)))
    }

    fn platform_format(self, ms: i64, date_only: bool) -> Option<String> {
        match self {
            LocalZone::Fixed(_) => None,
            LocalZone::Rules(rules) => rules.format(ms, date_only),
        }
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
    /// a wall-clock time in this zone on that date.
    pub fn from_input(self, value: &str) -> Option<i64> {
        let (date, time) = value.trim().split_once('T')?;
        let date = numbers::<3>(date, '-')?;
        let time = numbers::<2>(time, ':')
            .map(|[h, m]| [h, m, 0])
            .or_else(|| numbers::<3>(time, ':'))?;
        let naive = NaiveDate::from_ymd_opt(i32::try_from(date[0]).ok()?, date[1], date[2])?
            .and_hms_opt(time[0], time[1], time[2])?;
        Some(self.from_local(naive))
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
    let local = zone.at(start).naive_local();
    let mut date = local.date();
    let mut left = days;
    while left > 0 {
        date += Duration::days(1);
        if !is_weekend(date.weekday()) && zone.has_day(date) {
            left -= 1;
        }
    }
    // The same wall-clock time on that day, whatever the offset is by then.
    zone.from_local(date.and_time(local.time()))
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
    let day = |ms: i64| (ms + i64::from(zone.offset_minutes(ms)) * MINUTE_MS).div_euclid(DAY_MS);
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

    const SYDNEY: LocalZone = LocalZone::Fixed(600);
    const NEW_YORK: LocalZone = LocalZone::Fixed(-300);
    const KIRITIMATI: LocalZone = LocalZone::Fixed(840);

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
            let zone = LocalZone::Fixed(minutes_east);
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
        let new_york = LocalZone::Fixed(-5 * 60);
        let monday_9am = at(new_york, "2026-03-02T09:00");
        let thursday_8am = at(new_york, "2026-03-05T08:00");
        assert_eq!(relative(thursday_8am, monday_9am, new_york), "in 3 days");
        assert_eq!(relative(monday_9am, thursday_8am, new_york), "3 days ago");
        let tuesday_8am = at(new_york, "2026-03-03T08:00");
        assert_eq!(relative(tuesday_8am, monday_9am, new_york), "in 23 hours");
    }

    /// Real zone rules, from the tz database, for the browser-independent arithmetic.
    impl ZoneRules for chrono_tz::Tz {
        fn offset_minutes(&self, utc_ms: i64) -> i32 {
            use chrono::{Offset, TimeZone};
            let utc = DateTime::from_timestamp_millis(utc_ms).unwrap().naive_utc();
            self.offset_from_utc_datetime(&utc).fix().local_minus_utc() / 60
        }
    }

    const LOS_ANGELES: LocalZone = LocalZone::Rules(&chrono_tz::America::Los_Angeles);
    const LONDON: LocalZone = LocalZone::Rules(&chrono_tz::Europe::London);
    const LORD_HOWE: LocalZone = LocalZone::Rules(&chrono_tz::Australia::Lord_Howe);
    const KATHMANDU: LocalZone = LocalZone::Rules(&chrono_tz::Asia::Kathmandu);
    const APIA: LocalZone = LocalZone::Rules(&chrono_tz::Pacific::Apia);

    /// The UTC time of an instant, as "2026-07-15T21:00".
    fn utc(ms: i64) -> String {
        LocalZone::UTC.to_input(ms)
    }

    #[test]
    fn a_time_entered_in_one_season_for_another_keeps_its_wall_clock_time() {
        // A 14:00 meeting in July, entered in January: 14:00 daylight time, 21:00 UTC.
        let july = at(LOS_ANGELES, "2026-07-15T14:00");
        assert_eq!(utc(july), "2026-07-15T21:00");
        assert_eq!(LOS_ANGELES.to_input(july), "2026-07-15T14:00");
        let january = at(LOS_ANGELES, "2026-01-15T14:00");
        assert_eq!(utc(january), "2026-01-15T22:00");
        for (zone, summer, winter) in [
            (LONDON, "2026-07-15T13:00", "2026-01-15T14:00"),
            (LORD_HOWE, "2026-07-15T03:30", "2026-01-15T03:00"),
            (KATHMANDU, "2026-07-15T08:15", "2026-01-15T08:15"),
        ] {
            assert_eq!(utc(at(zone, "2026-07-15T14:00")), summer, "{zone:?}");
            assert_eq!(utc(at(zone, "2026-01-15T14:00")), winter, "{zone:?}");
        }
    }

    #[test]
    fn every_wall_clock_time_agrees_with_the_tz_database() {
        use chrono::{LocalResult, TimeZone};
        let zones = [
            chrono_tz::America::Los_Angeles,
            chrono_tz::Europe::London,
            chrono_tz::Australia::Lord_Howe,
            chrono_tz::Asia::Kathmandu,
            chrono_tz::Pacific::Apia,
        ];
        for tz in zones {
            let zone = LocalZone::Rules(Box::leak(Box::new(tz)));
            // Every quarter of an hour from 2011 (Apia's skipped day) to 2027.
            let mut local = NaiveDate::from_ymd_opt(2011, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap();
            let end = NaiveDate::from_ymd_opt(2027, 1, 1)
                .unwrap()
                .and_hms_opt(0, 0, 0)
                .unwrap();
            let (mut skipped, mut repeated) = (0, 0);
            while local < end {
                let ms = zone.from_local(local);
                match tz.from_local_datetime(&local) {
                    LocalResult::Single(t) => assert_eq!(ms, t.timestamp_millis(), "{tz} {local}"),
                    // Repeated: the first of the two.
                    LocalResult::Ambiguous(first, _) => {
                        repeated += 1;
                        assert_eq!(ms, first.timestamp_millis(), "{tz} {local}");
                    }
                    // Skipped: read with the offset before the change, so as much later as
                    // the clocks jumped.
                    LocalResult::None => {
                        skipped += 1;
                        let before = i64::from(zone.offset_minutes(ms - 3 * DAY_MS)) * MINUTE_MS;
                        assert_eq!(
                            ms,
                            local.and_utc().timestamp_millis() - before,
                            "{tz} {local}"
                        );
                        assert!(zone.to_input(ms) > zone.to_input(ms - 1), "{tz} {local}");
                    }
                }
                local += Duration::minutes(15);
            }
            let fixed = tz == chrono_tz::Asia::Kathmandu;
            assert_eq!((skipped > 0, repeated > 0), (!fixed, !fixed), "{tz}");
        }
    }

    #[test]
    fn skipped_and_repeated_times_have_one_answer() {
        // Spring forward at 02:00: 02:30 doesn't exist, and reads as 03:30.
        let skipped = at(LOS_ANGELES, "2026-03-08T02:30");
        assert_eq!(LOS_ANGELES.to_input(skipped), "2026-03-08T03:30");
        assert_eq!(utc(skipped), "2026-03-08T10:30");
        // Fall back at 02:00: 01:30 happens twice; the first, in daylight time.
        assert_eq!(utc(at(LOS_ANGELES, "2026-11-01T01:30")), "2026-11-01T08:30");
        assert_eq!(
            LONDON.to_input(at(LONDON, "2026-03-29T01:30")),
            "2026-03-29T02:30"
        );
        assert_eq!(utc(at(LONDON, "2026-10-25T01:30")), "2026-10-25T00:30");
        // Lord Howe moves by half an hour: 02:15 is skipped into 02:45, 01:45 repeats.
        assert_eq!(
            LORD_HOWE.to_input(at(LORD_HOWE, "2026-10-04T02:15")),
            "2026-10-04T02:45"
        );
        assert_eq!(utc(at(LORD_HOWE, "2026-04-05T01:45")), "2026-04-04T14:45");
        // Kathmandu, 5:45 ahead all year.
        assert_eq!(utc(at(KATHMANDU, "2026-06-01T09:00")), "2026-06-01T03:15");
        // Samoa skipped Friday 30 December 2011 altogether: noon that day is noon the next.
        let gone = at(APIA, "2011-12-30T12:00");
        assert_eq!(APIA.to_input(gone), "2011-12-31T12:00");
        assert_eq!(
            APIA.to_input(at(APIA, "2011-12-29T23:59")),
            "2011-12-29T23:59"
        );
        assert_eq!(
            at(APIA, "2011-12-31T00:00") - at(APIA, "2011-12-29T23:59"),
            MINUTE_MS
        );
    }

    #[test]
    fn business_days_keep_the_hour_across_a_daylight_saving_change() {
        // Sent Thursday 10:00 in Los Angeles; the clocks go forward on Sunday 8 March.
        let sent = at(LOS_ANGELES, "2026-03-05T10:00");
        let second = add_business_days(sent, 3, LOS_ANGELES);
        let follow = add_business_days(sent, 7, LOS_ANGELES);
        assert_eq!(LOS_ANGELES.to_input(second), "2026-03-10T10:00");
        assert_eq!(LOS_ANGELES.to_input(follow), "2026-03-16T10:00");
        assert_eq!(second - sent, 5 * DAY_MS - HOUR_MS);
        assert_eq!(business_days_between(sent, second - 1, LOS_ANGELES), 2);
        assert_eq!(business_days_between(sent, second, LOS_ANGELES), 3);
        // In London the clocks go back on Sunday 25 October.
        let sent = at(LONDON, "2026-10-22T09:00");
        let second = add_business_days(sent, 3, LONDON);
        assert_eq!(LONDON.to_input(second), "2026-10-27T09:00");
        assert_eq!(second - sent, 5 * DAY_MS + HOUR_MS);
        // Lord Howe's half hour, the other way round in the southern spring.
        let sent = at(LORD_HOWE, "2026-10-01T16:00");
        assert_eq!(
            LORD_HOWE.to_input(add_business_days(sent, 3, LORD_HOWE)),
            "2026-10-06T16:00"
        );
        // Across Samoa's missing Friday: Thursday 29 December 2011 plus one business day is
        // Monday 2 January, as that Friday never happened.
        let thursday = at(APIA, "2011-12-29T10:00");
        assert_eq!(
            APIA.to_input(add_business_days(thursday, 1, APIA)),
            "2012-01-02T10:00"
        );
    }

    #[test]
    fn relative_days_are_calendar_days_across_a_change() {
        let saturday = at(LOS_ANGELES, "2026-03-07T09:00");
        let tuesday = at(LOS_ANGELES, "2026-03-10T08:30");
        assert_eq!(relative(tuesday, saturday, LOS_ANGELES), "in 3 days");
        assert_eq!(LOS_ANGELES.format(tuesday), "Tue 10 Mar 2026, 08:30");
    }
}
