//! Conversions between X.509 times ([`ASN1Time`]) and Unix seconds, and the RFC 3339 form used
//! in error messages.

use x509_parser::time::ASN1Time;

use super::TrustError;

/// Seconds in a day.
pub(crate) const DAY: i64 = 86_400;

/// The Unix time (seconds since 1970-01-01T00:00:00Z) of an X.509 time.
pub fn asn1_to_unix(t: &ASN1Time) -> i64 {
    t.timestamp()
}

/// The X.509 time of a Unix time (UTCTime before 2050, GeneralizedTime from 2050 on, as RFC 5280
/// asks). Fails for instants the calendar library cannot represent (beyond year ±9999).
pub fn unix_to_asn1(secs: i64) -> Result<ASN1Time, TrustError> {
    ASN1Time::from_timestamp(secs).map_err(|_| TrustError::TimeOutOfRange { secs })
}

/// `secs` as RFC 3339 UTC (`2025-06-30T00:00:00Z`); instants beyond year 9999 print as
/// `@<secs>`.
pub fn format_unix(secs: i64) -> String {
    const MAX: i64 = 253_402_300_799; // 9999-12-31T23:59:59Z
    const MIN: i64 = -62_167_219_200; // 0000-01-01T00:00:00Z
    if (MIN..=MAX).contains(&secs) {
        crate::time::rfc3339(secs)
    } else {
        format!("@{secs}")
    }
}

/// The calendar year (UTC) of a Unix time, if representable.
pub(crate) fn year_of(secs: i64) -> Option<i32> {
    ASN1Time::from_timestamp(secs)
        .ok()
        .map(|t| t.to_datetime().year())
}
