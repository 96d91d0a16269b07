//! Time, in one place: the injectable [`Clock`] that verification and issuance read, CWT
//! NumericDates (seconds since the Unix epoch) to and from RFC 3339 text, and day numbers to
//! and from calendar dates.
//!
//! The calendar arithmetic is the `time` crate's (already in the tree through x509-parser and
//! rcgen), reached through the three functions here, so the model, the verifier, the views and
//! the SM2 certificate writer share one proleptic Gregorian calendar. The RFC 3339 reader is
//! hand-written because it accepts a little more than RFC 3339 on purpose (a bare date means
//! midnight UTC, fractional seconds are ignored) and pulls in no parsing feature.

mod clock;

pub use self::clock::{Clock, FixedClock, SystemClock};

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// The Julian day number of 1970-01-01.
const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;

/// The first and last instants [`rfc3339`] writes as dates (0000-01-01T00:00:00Z and
/// 9999-12-31T23:59:59Z); others print as `@<secs>`.
const RFC3339_RANGE: std::ops::RangeInclusive<i64> = -62_167_219_200..=253_402_300_799;

/// The date (year, month 1..=12, day 1..=31) of a day number since 1970-01-01, or `None`
/// beyond the years −9999..=9999.
pub fn civil_from_days(days: i64) -> Option<(i32, u8, u8)> {
    let julian = i32::try_from(days.checked_add(UNIX_EPOCH_JULIAN_DAY)?).ok()?;
    let date = ::time::Date::from_julian_day(julian).ok()?;
    Some((date.year(), u8::from(date.month()), date.day()))
}

/// Days since 1970-01-01 of a proleptic Gregorian date, or `None` when it is not a real date
/// (month outside 1..=12, day past the month's end, year beyond −9999..=9999).
pub fn days_from_civil(year: i32, month: u8, day: u8) -> Option<i64> {
    let month = ::time::Month::try_from(month).ok()?;
    let date = ::time::Date::from_calendar_date(year, month, day).ok()?;
    Some(i64::from(date.to_julian_day()) - UNIX_EPOCH_JULIAN_DAY)
}

/// Days in `month` (1..=12) of `year`; 0 for a month outside 1..=12.
pub fn days_in_month(year: i32, month: u8) -> u8 {
    ::time::Month::try_from(month).map_or(0, |m| m.length(year))
}

/// Formats seconds since the epoch as RFC 3339 UTC (`2026-11-26T00:00:00Z`). Instants outside
/// the years 0000..=9999 print as `@<secs>`, so any `i64` a payload carries can be shown.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(DAY);
    let rem = secs.rem_euclid(DAY);
    match civil_from_days(days) {
        Some((y, m, d)) if RFC3339_RANGE.contains(&secs) => format!(
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            rem / 3600,
            rem / 60 % 60,
            rem % 60
        ),
        _ => format!("@{secs}"),
    }
}

/// Parses RFC 3339 (`2026-11-26T08:00:00Z`, `…+08:00`, fractional seconds ignored; a bare
/// date means midnight UTC) into seconds since the epoch.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let part = b.get(range)?;
        if part.iter().all(u8::is_ascii_digit) {
            std::str::from_utf8(part).ok()?.parse().ok()
        } else {
            None
        }
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    if b.get(4) != Some(&b'-') || b.get(7) != Some(&b'-') {
        return None;
    }
    let days = days_from_civil(
        i32::try_from(year).ok()?,
        u8::try_from(month).ok()?,
        u8::try_from(day).ok()?,
    )?;
    let date = days.checked_mul(DAY)?;
    if b.len() == 10 {
        return Some(date);
    }
    if !matches!(b.get(10), Some(b'T' | b't' | b' '))
        || b.get(13) != Some(&b':')
        || b.get(16) != Some(&b':')
    {
        return None;
    }
    let (h, mi, s) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if h > 23 || mi > 59 || s > 60 {
        return None;
    }
    let mut i = 19;
    if b.get(i) == Some(&b'.') {
        i += 1;
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    let offset = match b.get(i)? {
        b'Z' | b'z' if b.len() == i + 1 => 0,
        sign @ (b'+' | b'-') if b.len() == i + 6 && b.get(i + 3) == Some(&b':') => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 23 || om > 59 {
                return None;
            }
            let o = oh * 3600 + om * 60;
            if *sign == b'+' {
                o
            } else {
                -o
            }
        }
        _ => return None,
    };
    Some(date + h * 3600 + mi * 60 + s - offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_795_651_200), "2026-11-26T00:00:00Z");
        assert_eq!(parse_rfc3339("2026-11-26T00:00:00Z"), Some(1_795_651_200));
        assert_eq!(
            parse_rfc3339("2026-11-26T08:00:00+08:00"),
            Some(1_795_651_200)
        );
        assert_eq!(
            parse_rfc3339("2026-11-26T00:00:00.123Z"),
            Some(1_795_651_200)
        );
        assert_eq!(parse_rfc3339("2026-11-26"), Some(1_795_651_200));
        assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(-1));
    }

    #[test]
    fn rejects_impossible_dates() {
        assert_eq!(parse_rfc3339("2026-02-29T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-11-26T24:00:00Z"), None);
        assert_eq!(parse_rfc3339("2026-11-26T00:00:00"), None);
        assert_eq!(parse_rfc3339("二〇二六"), None);
    }

    #[test]
    fn civil_round_trips() {
        for d in [-800_000i64, -1, 0, 1, 20_000, 60_000, 2_000_000] {
            let (y, m, dd) = civil_from_days(d).unwrap();
            assert_eq!(days_from_civil(y, m, dd), Some(d));
        }
        assert_eq!(civil_from_days(0), Some((1970, 1, 1)));
        assert_eq!(civil_from_days(20_783), Some((2026, 11, 26)));
        assert_eq!(days_from_civil(2024, 2, 29), Some(19_782));
        assert_eq!(days_from_civil(2026, 2, 29), None);
        assert_eq!(civil_from_days(i64::MAX), None);
    }

    #[test]
    fn prints_instants_beyond_year_9999_as_seconds() {
        assert_eq!(rfc3339(253_402_300_799), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339(253_402_300_800), "@253402300800");
        assert_eq!(rfc3339(-62_167_219_201), "@-62167219201");
        assert_eq!(rfc3339(i64::MIN), format!("@{}", i64::MIN));
    }
}
