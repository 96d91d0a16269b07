//! The certificate model (rules art. 7): types, validation, identifiers and the qualification
//! catalogue. Nothing here knows about wire formats or keys.
//!
//! - [`Date`], [`YearMonth`]: calendar values in 1900..=2199, serialised as `YYYY-MM-DD` /
//!   `YYYY-MM`.
//! - [`ResidentId`] (GB 11643), [`Uscc`] (GB 32100), [`ElicenceId`] (GB/T 36904): parsed codes
//!   whose check characters have been verified; [`classify`] tells them apart.
//! - [`Catalogue`]: the qualification catalogue shipped in `data/catalogue.tsv`.
//! - [`Certificate`]: a validated certificate; [`parse_json`] / [`parse_csv`] turn the batches
//!   that examination bodies submit into certificates, naming record, field and rule for every
//!   refusal.
//! - [`TextField`]: what each free-text field (holder name, management number, scope, change
//!   records, catalogue names) may hold, and the look-alikes record input normalises.
//!
//! The rules of every field are written down in `specs/records.md`.

mod catalogue;
mod certificate;
mod date;
mod identifier;
mod idnumber;
mod record;
mod text;
mod uscc;

#[cfg(test)]
mod tests;

pub use catalogue::{Catalogue, Level, Qualification, Specialty};
pub(crate) use certificate::masked_but_last4;
pub use certificate::{
    Certificate, ChangeRecord, Holder, IdDocType, IssueKind, Lifecycle, Management,
    QualificationRef, Remarks, Sex,
};
pub use date::{Date, YearMonth};
pub use identifier::{
    classify, Classification, ElicenceId, IdentifierKind, IdentifierStem, StemmedId,
};
pub use idnumber::ResidentId;
pub(crate) use idnumber::ID_MASK;
pub use record::{
    parse_csv, parse_json, record_fields, Batch, RecordError, MAX_INPUT_BYTES, MAX_RECORDS,
};
pub use text::TextField;
pub use uscc::Uscc;

#[cfg(feature = "sqlite")]
pub(crate) use record::{certificate_from_csv, from_element, Element};

/// Errors of the model layer. Each names the rule that was broken and carries the values
/// involved; [`ModelError::rule`] gives the rule text alone.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A date or year-month was malformed or outside 1900..=2199.
    #[error("date: {rule}")]
    Date {
        /// The broken rule, with the values involved.
        rule: String,
    },
    /// A resident ID number broke a rule of GB 11643.
    #[error("resident id number: {rule}")]
    ResidentId {
        /// The broken rule, with the values involved.
        rule: String,
    },
    /// A unified social credit code broke a rule of GB 32100.
    #[error("unified social credit code: {rule}")]
    Uscc {
        /// The broken rule, with the values involved.
        rule: String,
    },
    /// An e-licence identifier broke a rule of GB/T 36904.
    #[error("e-licence identifier: {part}: {rule}")]
    Identifier {
        /// The part of the identifier at fault (`prefix`, `type`, `issuer`, `serial`,
        /// `version`, `check`, `structure`).
        part: &'static str,
        /// The broken rule, with the values involved.
        rule: String,
    },
    /// A line of a qualification catalogue was malformed.
    #[error("catalogue line {line}: {rule}")]
    Catalogue {
        /// 1-based line number.
        line: usize,
        /// The broken rule, with the values involved.
        rule: String,
    },
    /// A certificate field broke a validation rule.
    #[error("{field}: {rule}")]
    Field {
        /// Dotted field name, e.g. `holder.id_number`.
        field: &'static str,
        /// The broken rule, with the values involved.
        rule: String,
    },
    /// A whole input file was unusable (not JSON, bad CSV header, too large, too many records).
    #[error("{format} input: {rule}")]
    Input {
        /// `json` or `csv`.
        format: &'static str,
        /// What was wrong, with the values involved.
        rule: String,
    },
}

impl ModelError {
    /// The broken rule without the prefix naming the kind of value, e.g.
    /// `check digit is 5, expected X`. Identifier errors keep their part name.
    pub fn rule(&self) -> String {
        match self {
            ModelError::Date { rule }
            | ModelError::ResidentId { rule }
            | ModelError::Uscc { rule }
            | ModelError::Field { rule, .. }
            | ModelError::Input { rule, .. } => rule.clone(),
            ModelError::Identifier { part, rule } => format!("{part}: {rule}"),
            ModelError::Catalogue { line, rule } => format!("line {line}: {rule}"),
        }
    }

    #[cold]
    pub(crate) fn date(rule: impl Into<String>) -> Self {
        ModelError::Date { rule: rule.into() }
    }

    #[cold]
    pub(crate) fn field(field: &'static str, rule: impl Into<String>) -> Self {
        ModelError::Field {
            field,
            rule: rule.into(),
        }
    }

    #[cold]
    pub(crate) fn input(format: &'static str, rule: impl Into<String>) -> Self {
        ModelError::Input {
            format,
            rule: rule.into(),
        }
    }
}

/// Parses `s` as an unsigned decimal made only of ASCII digits (no sign, no spaces).
fn decimal(s: &str) -> Option<u32> {
    if s.is_empty() || s.len() > 9 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}
