//! CWT claims (RFC 8392 §3): a CBOR map with integer keys for the registered claims.

use crate::codec::cbor::{self, Mode, Value};
use crate::codec::Limits;

use super::{value_type_name, CwtError};

/// The registered claims of a CWT, plus the whole claims map for display.
#[derive(Debug, Clone, PartialEq)]
pub struct Claims<'a> {
    /// `iss` (1).
    pub iss: Option<String>,
    /// `sub` (2).
    pub sub: Option<String>,
    /// `exp` (4), seconds since the epoch.
    pub exp: Option<i64>,
    /// `nbf` (5).
    pub nbf: Option<i64>,
    /// `iat` (6).
    pub iat: Option<i64>,
    /// The whole claims map.
    pub all: Value<'a>,
}

impl<'a> Claims<'a> {
    /// Parses a CWT claims set. Registered claims of the wrong type are refused.
    pub fn parse(payload: &'a [u8], mode: Mode, limits: &Limits) -> Result<Self, CwtError> {
        let all = cbor::decode(payload, mode, limits)?;
        if !matches!(all, Value::Map(_)) {
            return Err(CwtError::WrongType {
                claim: "claims",
                expected: "a map",
                got: value_type_name(&all),
            });
        }
        let text = |key: i64, claim: &'static str| -> Result<Option<String>, CwtError> {
            match all.map_get_int(key) {
                None => Ok(None),
                Some(Value::Text(t)) => Ok(Some(t.to_string())),
                Some(other) => Err(CwtError::WrongType {
                    claim,
                    expected: "text",
                    got: value_type_name(other),
                }),
            }
        };
        let date = |key: i64, claim: &'static str| -> Result<Option<i64>, CwtError> {
            match all.map_get_int(key) {
                None => Ok(None),
                Some(Value::Integer(n)) => i64::try_from(*n)
                    .map(Some)
                    .map_err(|_| CwtError::OutOfRange { claim, value: *n }),
                Some(Value::Float(f)) if f.is_finite() && f.abs() < 1e18 => {
                    Ok(Some(f.floor() as i64))
                }
                Some(other) => Err(CwtError::WrongType {
                    claim,
                    expected: "a NumericDate",
                    got: value_type_name(other),
                }),
            }
        };
        Ok(Claims {
            iss: text(1, "iss")?,
            sub: text(2, "sub")?,
            exp: date(4, "exp")?,
            nbf: date(5, "nbf")?,
            iat: date(6, "iat")?,
            all,
        })
    }

    /// The claims as JSON, with registered claim names instead of their numbers.
    pub fn to_json(&self) -> serde_json::Value {
        let mut out = serde_json::Map::new();
        if let Value::Map(pairs) = &self.all {
            for (k, v) in pairs {
                let name = match k.as_i64() {
                    Some(1) => "iss".to_string(),
                    Some(2) => "sub".to_string(),
                    Some(3) => "aud".to_string(),
                    Some(4) => "exp".to_string(),
                    Some(5) => "nbf".to_string(),
                    Some(6) => "iat".to_string(),
                    Some(7) => "cti".to_string(),
                    Some(n) => n.to_string(),
                    None => match k {
                        Value::Text(t) => t.to_string(),
                        other => other.to_json().to_string(),
                    },
                };
                out.insert(name, v.to_json());
            }
        }
        serde_json::Value::Object(out)
    }
}
