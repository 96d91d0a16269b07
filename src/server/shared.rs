//! What the handler modules share: the state type, the blocking pool, the registry lock and
//! signed-document responses (ETag, 304, Cache-Control). Kept apart from `routes` so that
//! `routes`, `page` and `status` import it without importing each other.

use std::sync::Arc;

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

use crate::time::Clock;

use super::problem::{Problem, ProblemReason};
use super::{Service, SignedDoc};

/// The router's state.
pub(crate) type Shared = Arc<Service>;

/// Runs `f` on the blocking pool.
pub(crate) async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, Problem> + Send + 'static,
) -> Result<T, Problem> {
    tokio::task::spawn_blocking(f)
        .await
        .unwrap_or_else(|e| Err(Problem::new(ProblemReason::Internal, e.to_string())))
}

/// The registry, locked; a poisoned lock is `unavailable`.
pub(crate) fn lock(
    svc: &Service,
) -> Result<std::sync::MutexGuard<'_, crate::registry::Registry>, Problem> {
    svc.registry
        .lock()
        .map_err(|_| Problem::new(ProblemReason::Unavailable, "the registry lock is poisoned"))
}

/// The verifier, read-locked; a poisoned lock is `internal`.
pub(crate) fn verifier(
    svc: &Service,
) -> Result<std::sync::RwLockReadGuard<'_, crate::verify::Verifier>, Problem> {
    svc.verifier
        .read()
        .map_err(|_| Problem::new(ProblemReason::Internal, "the verifier lock is poisoned"))
}

/// The request's `If-None-Match` values (every line of it), and nothing else of its headers:
/// the signed-document routes' extractor (axum's `HeaderMap` extractor copies the whole map).
/// The usual single line is held without a heap allocation.
pub(crate) struct IfNoneMatch {
    first: Option<HeaderValue>,
    rest: Vec<HeaderValue>,
}

impl IfNoneMatch {
    fn values(&self) -> impl Iterator<Item = &HeaderValue> {
        self.first.iter().chain(&self.rest)
    }
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for IfNoneMatch {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        _: &S,
    ) -> Result<IfNoneMatch, Self::Rejection> {
        let mut all = parts.headers.get_all(header::IF_NONE_MATCH).iter();
        Ok(IfNoneMatch {
            first: all.next().cloned(),
            rest: all.cloned().collect(),
        })
    }
}

/// A signed document with a strong ETag: 304 when `If-None-Match` matches, else the bytes;
/// `Cache-Control: max-age` until the next update. Both header values are the document's
/// own (made once, not per request), and the body is a reference-counted `Bytes`: a 304
/// costs a clock read, the header comparison and two reference counts.
pub(crate) fn signed(
    doc: &SignedDoc,
    if_none_match: &IfNoneMatch,
    content_type: &'static str,
) -> Response {
    let now = crate::time::SystemClock.now();
    let matches = if_none_match
        .values()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| {
            let t = t.trim();
            t == "*" || t == doc.etag
        });
    let mut res = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        let mut r = doc.bytes.clone().into_response();
        r.headers_mut()
            .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r
    };
    let h = res.headers_mut();
    h.insert(header::ETAG, doc.etag_header.clone());
    h.insert(header::CACHE_CONTROL, doc.cache_control(now));
    res
}
