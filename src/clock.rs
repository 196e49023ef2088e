//! Clock: the times sohoa writes into records, events and logs (RFC 3339,
//! UTC), and the times people type on the command line.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The current UTC time in RFC 3339, as every record and event carries it.
pub fn now_rfc3339() -> String {
    OffsetDateTime::now_utc()
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// The time `days` days from now (UTC): until when an object written now
/// is retained under S3 Object Lock (`--object-lock-days`).
pub fn days_from_now(days: u32) -> OffsetDateTime {
    OffsetDateTime::now_utc() + time::Duration::days(i64::from(days))
}

/// Today's date (UTC): the latest a case code or a birth date may carry.
pub fn today() -> time::Date {
    OffsetDateTime::now_utc().date()
}

/// The offset of the days people type: Vietnam's time, UTC+07:00 all year
/// (no daylight saving), so "2026-11-28" is the day as the desk lived it.
pub const VIETNAM: time::UtcOffset = time::macros::offset!(+7);

/// The day it is in Vietnam at `t`, as people type it (`2026-11-28`):
/// what [`parse_since`] reads back as that day's midnight there.
pub fn vietnam_day(t: OffsetDateTime) -> String {
    let d = t.to_offset(VIETNAM).date();
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// Parse a "from when" given by a person: RFC 3339
/// (`2026-11-28T07:00:00Z`) or a day (`2026-11-28`, from its midnight in
/// Vietnam, UTC+07:00).
pub fn parse_since(s: &str) -> Result<OffsetDateTime, String> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(s, &fmt)
        .map(|d| d.midnight().assume_offset(VIETNAM))
        .map_err(|_| format!("'{s}' is neither an RFC 3339 time nor a YYYY-MM-DD day"))
}

/// Parse a "until when" given by a person: RFC 3339 (that instant) or a
/// day (`2026-11-28`: the whole day, up to the next midnight in Vietnam).
/// The bound is exclusive.
pub fn parse_until(s: &str) -> Result<OffsetDateTime, String> {
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Ok(t);
    }
    parse_since(s).map(|t| t + time::Duration::DAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_takes_a_time_or_a_day() {
        assert_eq!(
            parse_since("2026-11-28").unwrap(),
            time::macros::datetime!(2026-11-27 17:00 UTC)
        );
        assert_eq!(
            parse_until("2026-11-28").unwrap(),
            time::macros::datetime!(2026-11-28 17:00 UTC)
        );
        assert_eq!(
            parse_since("2026-11-28T07:30:00+07:00").unwrap(),
            time::macros::datetime!(2026-11-28 0:30 UTC)
        );
        assert!(parse_since("yesterday").is_err());
    }

    #[test]
    fn vietnam_s_day_begins_at_17_00_utc() {
        let evening = time::macros::datetime!(2026-11-28 16:59:59 UTC);
        assert_eq!(vietnam_day(evening), "2026-11-28");
        let later = time::macros::datetime!(2026-11-28 17:00 UTC);
        assert_eq!(vietnam_day(later), "2026-11-29");
        // Read back, the day starts at or before the time it was made from.
        for t in [evening, later, OffsetDateTime::now_utc()] {
            let since = parse_since(&vietnam_day(t)).unwrap();
            assert!(since <= t && t - since < time::Duration::DAY, "{t}");
        }
    }
}
