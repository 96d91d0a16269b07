//! Problem details (RFC 9457): every error the server returns is an
//! `application/problem+json` object with `type`, `title`, `status`, `detail`, a typed
//! `reason` (a stable machine name) and, when one field is to blame, `field`. This file owns
//! that shape and the mapping of library errors onto statuses; it decides nothing else.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::registry::RegistryError;

/// Why a request failed, as the `reason` member names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemReason {
    /// The body or a parameter broke a rule (`field` says which).
    InvalidRequest,
    /// The body was larger than the configured limit.
    BodyTooLarge,
    /// A batch held more strings than allowed.
    BatchTooLarge,
    /// The image could not be read or was over a size or pixel limit.
    InvalidImage,
    /// No `Authorization: Bearer` token, or an unknown one.
    Unauthenticated,
    /// The token lacks the role the endpoint needs.
    Forbidden,
    /// Nothing found.
    NotFound,
    /// The registry refused the operation in the certificate's current state.
    Conflict,
    /// Too many requests from this client.
    RateLimited,
    /// The endpoint needs something this server was not configured with.
    NotConfigured,
    /// The registry or another backend failed.
    Unavailable,
    /// Something inside the server failed.
    Internal,
}

impl ProblemReason {
    /// The stable name (`invalid_request`, …).
    pub fn name(self) -> &'static str {
        match self {
            ProblemReason::InvalidRequest => "invalid_request",
            ProblemReason::BodyTooLarge => "body_too_large",
            ProblemReason::BatchTooLarge => "batch_too_large",
            ProblemReason::InvalidImage => "invalid_image",
            ProblemReason::Unauthenticated => "unauthenticated",
            ProblemReason::Forbidden => "forbidden",
            ProblemReason::NotFound => "not_found",
            ProblemReason::Conflict => "conflict",
            ProblemReason::RateLimited => "rate_limited",
            ProblemReason::NotConfigured => "not_configured",
            ProblemReason::Unavailable => "unavailable",
            ProblemReason::Internal => "internal",
        }
    }

    fn status(self) -> StatusCode {
        match self {
            ProblemReason::InvalidRequest => StatusCode::UNPROCESSABLE_ENTITY,
            ProblemReason::BodyTooLarge | ProblemReason::BatchTooLarge => {
                StatusCode::PAYLOAD_TOO_LARGE
            }
            ProblemReason::InvalidImage => StatusCode::UNPROCESSABLE_ENTITY,
            ProblemReason::Unauthenticated => StatusCode::UNAUTHORIZED,
            ProblemReason::Forbidden => StatusCode::FORBIDDEN,
            ProblemReason::NotFound => StatusCode::NOT_FOUND,
            ProblemReason::Conflict => StatusCode::CONFLICT,
            ProblemReason::RateLimited => StatusCode::TOO_MANY_REQUESTS,
            ProblemReason::NotConfigured => StatusCode::NOT_FOUND,
            ProblemReason::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            ProblemReason::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn title(self) -> &'static str {
        match self {
            ProblemReason::InvalidRequest => "the request broke a rule",
            ProblemReason::BodyTooLarge => "the request body is too large",
            ProblemReason::BatchTooLarge => "the batch holds too many strings",
            ProblemReason::InvalidImage => "the image was refused",
            ProblemReason::Unauthenticated => "a valid bearer token is required",
            ProblemReason::Forbidden => "the token lacks the role this needs",
            ProblemReason::NotFound => "nothing found",
            ProblemReason::Conflict => "refused in the certificate's current state",
            ProblemReason::RateLimited => "too many requests",
            ProblemReason::NotConfigured => "not configured on this server",
            ProblemReason::Unavailable => "a backend is unavailable",
            ProblemReason::Internal => "internal error",
        }
    }
}

/// An RFC 9457 problem.
#[derive(Clone, Debug)]
pub struct Problem {
    /// The typed reason.
    pub reason: ProblemReason,
    /// What happened, in words (no personal data, no token).
    pub detail: String,
    /// The field or parameter to blame.
    pub field: Option<String>,
    /// Seconds to wait (429).
    pub retry_after: Option<u64>,
    /// A role the token lacked (403) or the endpoint needs.
    pub role: Option<&'static str>,
}

impl Problem {
    /// A problem of `reason` saying `detail`.
    pub fn new(reason: ProblemReason, detail: impl Into<String>) -> Problem {
        Problem {
            reason,
            detail: detail.into(),
            field: None,
            retry_after: None,
            role: None,
        }
    }

    /// An invalid request blaming `field`.
    pub fn field(field: impl Into<String>, rule: impl Into<String>) -> Problem {
        let field = field.into();
        Problem {
            detail: format!("{field}: {}", rule.into()),
            field: Some(field),
            ..Problem::new(ProblemReason::InvalidRequest, "")
        }
    }

    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        self.reason.status()
    }

    /// The JSON body.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = serde_json::json!({
            "type": format!("urn:certseal:problem:{}", self.reason.name()),
            "title": self.reason.title(),
            "status": self.status().as_u16(),
            "detail": self.detail,
            "reason": self.reason.name(),
        });
        if let Some(map) = v.as_object_mut() {
            if let Some(f) = &self.field {
                map.insert("field".into(), f.clone().into());
            }
            if let Some(r) = self.role {
                map.insert("role".into(), r.into());
            }
        }
        v
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let mut res = (self.status(), self.to_json().to_string()).into_response();
        let h = res.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if self.reason == ProblemReason::Unauthenticated {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        if let Some(s) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        res
    }
}

impl From<crate::Error> for Problem {
    fn from(e: crate::Error) -> Problem {
        let detail = e.to_string();
        let reason = match &e {
            crate::Error::Registry(r) => match r {
                RegistryError::UnknownCertificate { .. }
                | RegistryError::UnknownObjection { .. } => ProblemReason::NotFound,
                RegistryError::Request { field, rule } => {
                    return Problem::field(*field, rule.clone())
                }
                RegistryError::Submission { .. } => ProblemReason::InvalidRequest,
                RegistryError::Backend { .. } | RegistryError::SchemaTooNew { .. } => {
                    ProblemReason::Unavailable
                }
                RegistryError::Inconsistent { .. } => ProblemReason::Internal,
                _ => ProblemReason::Conflict,
            },
            crate::Error::Model(_) | crate::Error::Codec(_) => ProblemReason::InvalidRequest,
            crate::Error::Qr(_) => ProblemReason::InvalidImage,
            crate::Error::Trust(_) => ProblemReason::Conflict,
            _ => ProblemReason::Internal,
        };
        Problem::new(reason, detail)
    }
}
