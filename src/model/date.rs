//! Calendar dates and year-months, limited to the years 1900..=2199 that certificates use.
//! Conversions to and from day counts use the proleptic Gregorian calendar of `crate::time`.

use std::fmt;
use std::str::FromStr;

use super::{decimal, ModelError};
use crate::codec::json::digits;

/// First year a [`Date`] or [`YearMonth`] may have.
const MIN_YEAR: u16 = 1900;
/// Last year a [`Date`] or [`YearMonth`] may have.
const MAX_YEAR: u16 = 2199;
/// Days from 1970-01-01 to 1900-01-01.
const MIN_DAYS: i32 = -25_567;
/// Days from 1970-01-01 to 2199-12-31.
const MAX_DAYS: i32 = 84_005;
const SECONDS_PER_DAY: i64 = 86_400;

/// A calendar date in 1900-01-01..=2199-12-31. A value that exists is a real date.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date {
    year: u16,
    month: u8,
    day: u8,
}

/// Days in `month` of `year` (0 for a month outside 1..=12).
fn days_in_month(year: u16, month: u8) -> u8 {
    crate::time::days_in_month(i32::from(year), month)
}

const MONTH_NAMES: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

fn check_year(year: u16) -> Result<(), ModelError> {
    if (MIN_YEAR..=MAX_YEAR).contains(&year) {
        Ok(())
    } else {
        Err(ModelError::date(format!(
            "year {year} is outside {MIN_YEAR}..={MAX_YEAR}"
        )))
    }
}

fn check_month(month: u8) -> Result<(), ModelError> {
    if (1..=12).contains(&month) {
        Ok(())
    } else {
        Err(ModelError::date(format!("month {month} is outside 1..=12")))
    }
}

impl Date {
    /// The date `year`-`month`-`day`, if it is a real date in 1900..=2199.
    pub fn new(year: u16, month: u8, day: u8) -> Result<Self, ModelError> {
        check_year(year)?;
        check_month(month)?;
        let last = days_in_month(year, month);
        if day == 0 || day > last {
            let name = usize::from(month)
                .checked_sub(1)
                .and_then(|i| MONTH_NAMES.get(i))
                .copied()
                .unwrap_or("month");
            return Err(ModelError::date(format!(
                "day {day} is not in {name} {year}, which has {last} days"
            )));
        }
        Ok(Date { year, month, day })
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        let malformed = || ModelError::date(format!("{s:?} is not of the form YYYY-MM-DD"));
        let (y, rest) = s.split_once('-').ok_or_else(malformed)?;
        let (m, d) = rest.split_once('-').ok_or_else(malformed)?;
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(malformed());
        }
        let year = decimal(y).and_then(|v| u16::try_from(v).ok());
        let month = decimal(m).and_then(|v| u8::try_from(v).ok());
        let day = decimal(d).and_then(|v| u8::try_from(v).ok());
        match (year, month, day) {
            (Some(year), Some(month), Some(day)) => Date::new(year, month, day),
            _ => Err(malformed()),
        }
    }

    /// The date `days` days after 1970-01-01 (negative: before).
    pub fn from_days(days: i32) -> Result<Self, ModelError> {
        if !(MIN_DAYS..=MAX_DAYS).contains(&days) {
            return Err(ModelError::date(format!(
                "day number {days} is outside {MIN_DAYS}..={MAX_DAYS} (1900-01-01..=2199-12-31)"
            )));
        }
        let convert = || ModelError::date(format!("day number {days} did not convert"));
        let (year, month, day) =
            crate::time::civil_from_days(i64::from(days)).ok_or_else(convert)?;
        Date::new(u16::try_from(year).map_err(|_| convert())?, month, day)
    }

    /// Days since 1970-01-01 (negative before it).
    pub fn days_since_epoch(&self) -> i32 {
        // A `Date` is a real date in 1900..=2199 (checked when it was made), which the
        // calendar always converts and which fits an i32: the fallback is never taken.
        crate::time::days_from_civil(i32::from(self.year), self.month, self.day)
            .and_then(|d| i32::try_from(d).ok())
            .unwrap_or(MIN_DAYS)
    }

    /// The UTC date of the Unix time `secs`.
    pub fn from_unix(secs: i64) -> Result<Self, ModelError> {
        let days = i32::try_from(secs.div_euclid(SECONDS_PER_DAY))
            .map_err(|_| ModelError::date(format!("unix time {secs} is outside 1900..=2199")))?;
        Date::from_days(days)
    }

    /// The Unix time of 00:00:00 UTC on this date.
    pub fn to_unix_midnight(&self) -> i64 {
        i64::from(self.days_since_epoch()) * SECONDS_PER_DAY
    }

    /// The year (1900..=2199).
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month (1..=12).
    pub fn month(&self) -> u8 {
        self.month
    }

    /// The day of the month (1..=31).
    pub fn day(&self) -> u8 {
        self.day
    }

    /// The year-month this date falls in.
    pub fn year_month(&self) -> YearMonth {
        YearMonth {
            year: self.year,
            month: self.month,
        }
    }
}

impl Date {
    /// `YYYY-MM-DD`, written without `core::fmt` (the stored JSON serialises two dates a
    /// certificate; this is the same text as `Display`).
    pub(crate) fn ascii(&self) -> [u8; 10] {
        let mut out = *b"0000-00-00";
        let (y, rest) = out.split_at_mut(4);
        digits(y, self.year.into());
        if let Some(m) = rest.get_mut(1..3) {
            digits(m, self.month.into());
        }
        if let Some(d) = rest.get_mut(4..6) {
            digits(d, self.day.into());
        }
        out
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.ascii()).unwrap_or_default())
    }
}

impl serde::Serialize for Date {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(std::str::from_utf8(&self.ascii()).unwrap_or_default())
    }
}

impl FromStr for Date {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse(s)
    }
}

/// A year and month in 1900-01..=2199-12 (a holder's birth is printed to the month).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    year: u16,
    month: u8,
}

impl YearMonth {
    /// The year-month `year`-`month`, if the year is in 1900..=2199 and the month in 1..=12.
    pub fn new(year: u16, month: u8) -> Result<Self, ModelError> {
        check_year(year)?;
        check_month(month)?;
        Ok(YearMonth { year, month })
    }

    /// Parses `YYYY-MM`.
    pub fn parse(s: &str) -> Result<Self, ModelError> {
        let malformed = || ModelError::date(format!("{s:?} is not of the form YYYY-MM"));
        let (y, m) = s.split_once('-').ok_or_else(malformed)?;
        if y.len() != 4 || m.len() != 2 {
            return Err(malformed());
        }
        let year = decimal(y).and_then(|v| u16::try_from(v).ok());
        let month = decimal(m).and_then(|v| u8::try_from(v).ok());
        match (year, month) {
            (Some(year), Some(month)) => YearMonth::new(year, month),
            _ => Err(malformed()),
        }
    }

    /// Months since 1900-01 (0..=3599), a compact form for the wire.
    pub fn months_since_1900(&self) -> u16 {
        (self.year - MIN_YEAR) * 12 + u16::from(self.month) - 1
    }

    /// The year-month `months` months after 1900-01.
    pub fn from_months_since_1900(months: u16) -> Result<Self, ModelError> {
        let year = (months / 12)
            .checked_add(MIN_YEAR)
            .filter(|y| *y <= MAX_YEAR)
            .ok_or_else(|| {
                ModelError::date(format!(
                    "month number {months} is past 2199-12 (at most 3599)"
                ))
            })?;
        let month = u8::try_from(months % 12 + 1)
            .map_err(|_| ModelError::date(format!("month number {months} did not convert")))?;
        YearMonth::new(year, month)
    }

    /// The year (1900..=2199).
    pub fn year(&self) -> u16 {
        self.year
    }

    /// The month (1..=12).
    pub fn month(&self) -> u8 {
        self.month
    }
}

impl YearMonth {
    /// `YYYY-MM`, written without `core::fmt` (the same text as `Display`).
    pub(crate) fn ascii(&self) -> [u8; 7] {
        let mut out = *b"0000-00";
        let (y, rest) = out.split_at_mut(4);
        digits(y, self.year.into());
        if let Some(m) = rest.get_mut(1..3) {
            digits(m, self.month.into());
        }
        out
    }
}

impl fmt::Display for YearMonth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(std::str::from_utf8(&self.ascii()).unwrap_or_default())
    }
}

impl serde::Serialize for YearMonth {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(std::str::from_utf8(&self.ascii()).unwrap_or_default())
    }
}

impl FromStr for YearMonth {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        YearMonth::parse(s)
    }
}

/// Serialises and deserialises a type as its `Display` / `FromStr` string form.
macro_rules! serde_as_string {
    ($ty:ty, $what:literal) => {
        impl ::serde::Serialize for $ty {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.collect_str(self)
            }
        }

        serde_as_string!(deserialize $ty, $what);
    };
    (deserialize $ty:ty, $what:literal) => {
        impl<'de> ::serde::Deserialize<'de> for $ty {
            fn deserialize<D: ::serde::Deserializer<'de>>(
                deserializer: D,
            ) -> Result<Self, D::Error> {
                struct Visitor;
                impl serde::de::Visitor<'_> for Visitor {
                    type Value = $ty;
                    fn expecting(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                        f.write_str($what)
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        v.parse()
                            .map_err(|e: $crate::model::ModelError| E::custom(e.rule()))
                    }
                }
                deserializer.deserialize_str(Visitor)
            }
        }
    };
}
pub(crate) use serde_as_string;

serde_as_string!(deserialize Date, "a date YYYY-MM-DD");
serde_as_string!(deserialize YearMonth, "a year-month YYYY-MM");
