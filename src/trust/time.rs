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

/// `secs` as RFC 3339 UTC (`2025-06-30T00:00:00Z`); out-of-range values print as `@<secs>`.
pub fn format_unix(secs: i64) -> String {
    match ASN1Time::from_timestamp(secs) {
        Ok(t) => {
            let dt = t.to_datetime();
            format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
                dt.year(),
                u8::from(dt.month()),
                dt.day(),
                dt.hour(),
                dt.minute(),
                dt.second()
            )
        }
        Err(_) => format!("@{secs}"),
    }
}

/// The calendar year (UTC) of a Unix time, if representable.
pub(crate) fn year_of(secs: i64) -> Option<i32> {
    ASN1Time::from_timestamp(secs)
        .ok()
        .map(|t| t.to_datetime().year())
}
