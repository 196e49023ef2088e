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

/// Today's date (UTC): the latest a case code or a birth date may carry.
pub fn today() -> time::Date {
    OffsetDateTime::now_utc().date()
}

/// The offset of the days people type: Vietnam's time, UTC+07:00 all year
/// (no daylight saving), so "2026-11-28" is the day as the desk lived it.
pub const VIETNAM: time::UtcOffset = time::macros::offset!(+7);

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
}
