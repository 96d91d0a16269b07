//! Working days and deadlines (rules arts. 9, 10, 11, 17, 18). The calendar is data: the
//! State Council's yearly holiday notices as `data/cn-calendar.tsv` (2004–2026: days off, and
//! the weekends declared working days, 调休), which an operator replaces or extends with a file
//! of the same form. A year the calendar does not cover counts Monday–Friday, with a warning.
//!
//! "Within N working days after X" is the N-th working day after X's day (X's own day not
//! counted); days are China days (UTC+8).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use super::{china_day, Registry, RegistryError, State, StatusReason, StatusSubject};
use crate::model::Date;

/// The shipped calendar.
const BUILTIN: &str = include_str!("../../data/cn-calendar.tsv");
/// Most working days a deadline counts.
const MAX_WORKING_DAYS: u32 = 1000;

/// A working-day calendar: listed days off and adjusted working days per covered year.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Calendar {
    days: BTreeMap<i32, bool>,
    years: BTreeSet<u16>,
}

/// A year the calendar does not cover: Monday–Friday was assumed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CalendarWarning {
    /// The year.
    pub year: u16,
}

impl std::fmt::Display for CalendarWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "year {} is not in the working-day calendar: Monday to Friday assumed (give --calendar FILE with that year's holidays)",
            self.year
        )
    }
}

impl Calendar {
    /// The shipped calendar (a unit test guarantees it parses; were it broken, this would be
    /// empty, and every year would fall back to Monday–Friday with a warning).
    pub fn builtin() -> &'static Calendar {
        static CAL: OnceLock<Calendar> = OnceLock::new();
        CAL.get_or_init(|| Calendar::parse(BUILTIN).unwrap_or_default())
    }

    /// Parses calendar text: `YYYY-MM-DD<TAB>off|work[<TAB>name]` a line, `#` comments and
    /// blank lines skipped. Every year that appears counts as covered.
    pub fn parse(text: &str) -> Result<Calendar, crate::Error> {
        let mut cal = Calendar::default();
        for (i, line) in text.lines().enumerate() {
            let n = i.saturating_add(1);
            let err =
                |rule: String| -> crate::Error { RegistryError::Calendar { line: n, rule }.into() };
            let line = line.trim_end_matches('\r');
            if line.trim().is_empty() || line.starts_with('#') {
                continue;
            }
            let mut cols = line.split('\t');
            let (Some(date), Some(kind)) = (cols.next(), cols.next()) else {
                return Err(err("expected DATE<TAB>off|work".into()));
            };
            let date = Date::parse(date.trim()).map_err(|e| err(e.rule()))?;
            let working = match kind.trim() {
                "off" => false,
                "work" => true,
                other => return Err(err(format!("{other:?}, expected off or work"))),
            };
            if cal.days.insert(date.days_since_epoch(), working).is_some() {
                return Err(err(format!("{date} appears twice")));
            }
            cal.years.insert(date.year());
        }
        Ok(cal)
    }

    /// This calendar with `other`'s years replacing (or adding to) its own.
    pub fn extended_with(&self, other: &Calendar) -> Calendar {
        let mut out = self.clone();
        out.days.retain(|&d, _| {
            Date::from_days(d).map_or(true, |date| !other.years.contains(&date.year()))
        });
        out.days.extend(other.days.iter().map(|(&d, &w)| (d, w)));
        out.years.extend(other.years.iter().copied());
        out
    }

    /// The years covered.
    pub fn years(&self) -> impl Iterator<Item = u16> + '_ {
        self.years.iter().copied()
    }

    /// Whether `date` is a working day, and a warning when its year is not covered.
    pub fn is_working_day(&self, date: Date) -> (bool, Option<CalendarWarning>) {
        let days = date.days_since_epoch();
        // 1970-01-01 was a Thursday: (days + 3) mod 7 is 0 for Monday … 6 for Sunday.
        let weekday = (i64::from(days) + 3).rem_euclid(7);
        let weekend = weekday >= 5;
        if !self.years.contains(&date.year()) {
            return (!weekend, Some(CalendarWarning { year: date.year() }));
        }
        (self.days.get(&days).copied().unwrap_or(!weekend), None)
    }

    /// The `n`-th working day after `start` (`start` itself for 0), with a warning for every
    /// uncovered year it passed through.
    pub fn add_working_days(
        &self,
        start: Date,
        n: u32,
    ) -> Result<(Date, Vec<CalendarWarning>), crate::Error> {
        if n > MAX_WORKING_DAYS {
            return Err(RegistryError::request(
                "working days",
                format!("{n}, at most {MAX_WORKING_DAYS}"),
            ));
        }
        let mut warnings = Vec::new();
        let mut day = start;
        let mut counted = 0u32;
        while counted < n {
            day = Date::from_days(day.days_since_epoch().saturating_add(1))?;
            let (working, warning) = self.is_working_day(day);
            if let Some(w) = warning {
                if !warnings.contains(&w) {
                    warnings.push(w);
                }
            }
            if working {
                counted = counted.saturating_add(1);
            }
        }
        Ok((day, warnings))
    }
}

/// A step of the rules with a working-day limit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Step {
    /// Art. 9: the examination body submits the data within 25 working days of the results.
    Submit,
    /// Art. 10: the centre issues within 20 working days of receiving the data.
    Issue,
    /// Art. 11: the issuing office starts handing out within 10 working days of signing for
    /// the paper certificates.
    StartHandout,
    /// Art. 17: the deciding body notifies an invalidity decision within 10 working days.
    NotifyInvalidity,
    /// Art. 18: the examination body processes invalidity data within 15 working days.
    ProcessInvalidity,
    /// Art. 18: the centre updates verification and revokes within 5 working days of receipt.
    Revoke,
}

impl Step {
    /// The limit in working days.
    pub const fn working_days(self) -> u32 {
        match self {
            Step::Submit => 25,
            Step::Issue => 20,
            Step::StartHandout | Step::NotifyInvalidity => 10,
            Step::ProcessInvalidity => 15,
            Step::Revoke => 5,
        }
    }

    /// The article.
    pub const fn article(self) -> u8 {
        match self {
            Step::Submit => 9,
            Step::Issue => 10,
            Step::StartHandout => 11,
            Step::NotifyInvalidity => 17,
            Step::ProcessInvalidity | Step::Revoke => 18,
        }
    }

    /// A short name.
    pub const fn name(self) -> &'static str {
        match self {
            Step::Submit => "submit",
            Step::Issue => "issue",
            Step::StartHandout => "start_handout",
            Step::NotifyInvalidity => "notify_invalidity",
            Step::ProcessInvalidity => "process_invalidity",
            Step::Revoke => "revoke",
        }
    }
}

/// A deadline: a step, when its clock started, when it is due.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// The step.
    pub step: Step,
    /// The day the clock started.
    pub start: Date,
    /// The last day allowed.
    pub due: Date,
}

impl Calendar {
    /// The deadline of `step` started on `start`.
    pub fn deadline(
        &self,
        step: Step,
        start: Date,
    ) -> Result<(Deadline, Vec<CalendarWarning>), crate::Error> {
        let (due, warnings) = self.add_working_days(start, step.working_days())?;
        Ok((Deadline { step, start, due }, warnings))
    }
}

/// One item of the deadline report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlineItem {
    /// The deadline.
    pub deadline: Deadline,
    /// What it is about (`body/batch`, an identifier).
    pub subject: String,
    /// When the step was done, if it was.
    pub done: Option<Date>,
    /// Items still open (e.g. records not issued).
    pub open: u64,
    /// Done late, or still open past the due day.
    pub overdue: bool,
}

impl DeadlineItem {
    /// The JSON view.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "step": self.deadline.step.name(),
            "article": self.deadline.step.article(),
            "working_days": self.deadline.step.working_days(),
            "subject": self.subject,
            "start": self.deadline.start.to_string(),
            "due": self.deadline.due.to_string(),
            "done": self.done.map(|d| d.to_string()),
            "open": self.open,
            "overdue": self.overdue,
        })
    }
}

/// Every deadline the registry can compute, as of a day.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DeadlineReport {
    /// The day the report is for.
    pub today: Option<Date>,
    /// The items.
    pub items: Vec<DeadlineItem>,
    /// Years assumed Monday–Friday.
    pub warnings: Vec<CalendarWarning>,
}

impl DeadlineReport {
    /// Items overdue.
    pub fn overdue(&self) -> impl Iterator<Item = &DeadlineItem> {
        self.items.iter().filter(|i| i.overdue)
    }
}

fn merge(into: &mut Vec<CalendarWarning>, from: Vec<CalendarWarning>) {
    for w in from {
        if !into.contains(&w) {
            into.push(w);
        }
    }
}

impl Registry {
    /// The deadlines of every batch (art. 9 submission when the results date is known, art. 10
    /// issuance) and every invalidation (arts. 17–18), as of `today`.
    pub fn deadlines(
        &mut self,
        calendar: &Calendar,
        today: Date,
    ) -> Result<DeadlineReport, crate::Error> {
        let batches = self.read(|tx| tx.batch_counts())?;
        let mut report = DeadlineReport {
            today: Some(today),
            ..DeadlineReport::default()
        };
        for b in &batches {
            let s = &b.submission;
            let subject = format!("{}/{}", s.body, s.batch);
            let received = Date::from_days(china_day(s.received_at))?;
            if let Some(published) = s.results_published {
                let (d, w) = calendar.deadline(Step::Submit, Date::from_days(published)?)?;
                merge(&mut report.warnings, w);
                report.items.push(DeadlineItem {
                    deadline: d,
                    subject: subject.clone(),
                    done: Some(received),
                    open: 0,
                    overdue: received > d.due,
                });
            }
            let (d, w) = calendar.deadline(Step::Issue, received)?;
            merge(&mut report.warnings, w);
            let open = b.accepted.saturating_sub(b.issued);
            let last = b.issued_by_day.iter().map(|(day, _)| *day).max();
            let late_issue = b
                .issued_by_day
                .iter()
                .any(|(day, _)| *day > d.due.days_since_epoch());
            let done = if open == 0 {
                last.map(Date::from_days).transpose()?
            } else {
                None
            };
            report.items.push(DeadlineItem {
                deadline: d,
                subject,
                done,
                open,
                overdue: late_issue || (open > 0 && today > d.due),
            });
        }
        let head = self.status_head()?;
        let mut invalidations = Vec::new();
        self.status_changes(0, head.seq, |c| {
            if let (StatusSubject::Index(i), State::Revoked, Some(d)) =
                (c.subject, c.state, c.decision.as_ref())
            {
                // One item per decision: the versions it revoked share its reference and time.
                let seen = invalidations
                    .iter()
                    .any(|(_, r, at, _): &(u64, String, i64, Date)| {
                        *r == d.reference && *at == c.at
                    });
                if (c.reason == StatusReason::Invalidated || c.reason == StatusReason::Withdrawn)
                    && !seen
                {
                    invalidations.push((i, d.reference.clone(), c.at, d.date));
                }
            }
        })?;
        for (index, _, at, decided) in invalidations {
            let revoked_day = china_day(at);
            let identifier = self
                .read(|tx| tx.certificate_at(index))?
                .map_or_else(|| format!("status index {index}"), |c| c.identifier);
            let revoked = Date::from_days(revoked_day)?;
            let (d, w) = calendar.deadline(Step::ProcessInvalidity, decided)?;
            merge(&mut report.warnings, w);
            report.items.push(DeadlineItem {
                deadline: d,
                subject: identifier,
                done: Some(revoked),
                open: 0,
                overdue: revoked > d.due,
            });
        }
        Ok(report)
    }
}
