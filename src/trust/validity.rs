//! Conversions between X.509 validity times ([`ASN1Time`]) and Unix seconds. Text forms and
//! calendar arithmetic are `crate::time`'s.

use x509_parser::time::ASN1Time;

use super::TrustError;

/// The Unix time (seconds since 1970-01-01T00:00:00Z) of an X.509 time.
pub fn asn1_to_unix(t: &ASN1Time) -> i64 {
    t.timestamp()
}

/// The X.509 time of a Unix time (UTCTime before 2050, GeneralizedTime from 2050 on, as RFC 5280
/// asks). Fails for instants the calendar library cannot represent (beyond year ±9999).
pub fn unix_to_asn1(secs: i64) -> Result<ASN1Time, TrustError> {
    ASN1Time::from_timestamp(secs).map_err(|_| TrustError::TimeOutOfRange { secs })
}

/// The calendar year (UTC) of a Unix time, if representable.
pub(crate) fn year_of(secs: i64) -> Option<i32> {
    ASN1Time::from_timestamp(secs)
        .ok()
        .map(|t| t.to_datetime().year())
}
