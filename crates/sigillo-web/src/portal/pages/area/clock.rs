//! Italian clock time for the pages: Central European Time, UTC+1, and summer time, UTC+2, from
//! 01:00 UTC on the last Sunday of March to 01:00 UTC on the last Sunday of October (the EU rule
//! in force since 1996). Stored instants are UTC; citizens read the time on their wall clock.

use time::macros::format_description;
use time::{Date, Duration, Month, OffsetDateTime, Time, UtcOffset};

/// The instant as seen in Italy.
pub fn italian(at: OffsetDateTime) -> OffsetDateTime {
    let utc = at.to_offset(UtcOffset::UTC);
    let summer = match (change_day(utc.year(), Month::March), change_day(utc.year(), Month::October)) {
        (Some(start), Some(end)) => utc >= start && utc < end,
        _ => false,
    };
    let offset = if summer { UtcOffset::from_hms(2, 0, 0) } else { UtcOffset::from_hms(1, 0, 0) };
    utc.to_offset(offset.unwrap_or(UtcOffset::UTC))
}

/// `23/11/2026 11:00`, Italian time.
pub fn date_time(at: OffsetDateTime) -> String {
    italian(at).format(format_description!("[day]/[month]/[year] [hour]:[minute]")).unwrap_or_default()
}

/// 01:00 UTC on the last Sunday of `month` (March and October both have 31 days).
fn change_day(year: i32, month: Month) -> Option<OffsetDateTime> {
    let last = Date::from_calendar_date(year, month, 31).ok()?;
    let sunday = last - Duration::days(i64::from(last.weekday().number_days_from_sunday()));
    Some(sunday.with_time(Time::from_hms(1, 0, 0).ok()?).assume_utc())
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn winter_is_one_hour_ahead() {
        assert_eq!(date_time(datetime!(2026-01-15 10:30 UTC)), "15/01/2026 11:30");
        assert_eq!(date_time(datetime!(2026-12-31 23:30 UTC)), "01/01/2027 00:30");
    }

    #[test]
    fn summer_time_starts_on_the_last_sunday_of_march() {
        // 29 March 2026 is the last Sunday of March.
        assert_eq!(date_time(datetime!(2026-03-29 00:59 UTC)), "29/03/2026 01:59");
        assert_eq!(date_time(datetime!(2026-03-29 01:00 UTC)), "29/03/2026 03:00");
        assert_eq!(date_time(datetime!(2026-07-01 12:00 UTC)), "01/07/2026 14:00");
    }

    #[test]
    fn summer_time_ends_on_the_last_sunday_of_october() {
        // 25 October 2026 is the last Sunday of October.
        assert_eq!(date_time(datetime!(2026-10-25 00:59 UTC)), "25/10/2026 02:59");
        assert_eq!(date_time(datetime!(2026-10-25 01:00 UTC)), "25/10/2026 02:00");
        // 31 October 2027 is itself a Sunday.
        assert_eq!(date_time(datetime!(2027-10-31 00:30 UTC)), "31/10/2027 02:30");
        assert_eq!(date_time(datetime!(2027-10-31 01:30 UTC)), "31/10/2027 02:30");
    }

    #[test]
    fn any_offset_is_read_as_the_same_instant() {
        assert_eq!(date_time(datetime!(2026-06-30 23:30 -02:00)), "01/07/2026 03:30");
    }
}
