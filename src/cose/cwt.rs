//! CWT claims (RFC 8392 §3): a CBOR map with integer keys for the registered claims.

use crate::codec::cbor::{self, Mode, Value};
use crate::codec::Limits;

use super::CoseError;

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
    pub fn parse(payload: &'a [u8], mode: Mode, limits: &Limits) -> Result<Self, crate::Error> {
        let all = cbor::decode(payload, mode, limits)
            .map_err(|e| CoseError::Claims(format!("not a CBOR item: {e}")))?;
        if !matches!(all, Value::Map(_)) {
            return Err(CoseError::Claims("claims must be a map".into()).into());
        }
        let text = |key: i64, name: &str| -> Result<Option<String>, crate::Error> {
            match all.map_get_int(key) {
                None => Ok(None),
                Some(Value::Text(t)) => Ok(Some(t.to_string())),
                Some(_) => Err(CoseError::Claims(format!("{name} must be text")).into()),
            }
        };
        let date = |key: i64, name: &str| -> Result<Option<i64>, crate::Error> {
            match all.map_get_int(key) {
                None => Ok(None),
                Some(Value::Integer(n)) => i64::try_from(*n)
                    .map(Some)
                    .map_err(|_| CoseError::Claims(format!("{name} out of range")).into()),
                Some(Value::Float(f)) if f.is_finite() && f.abs() < 1e18 => {
                    Ok(Some(f.floor() as i64))
                }
                Some(_) => Err(CoseError::Claims(format!("{name} must be a NumericDate")).into()),
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
