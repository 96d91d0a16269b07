//! What the handler modules share: the state type, the blocking pool, the registry lock and
//! signed-document responses (ETag, 304, Cache-Control). Kept apart from `routes` so that
//! `routes`, `page` and `status` import it without importing each other.

use std::sync::Arc;

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
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

/// A signed document with a strong ETag: 304 when `If-None-Match` matches, else the bytes;
/// `Cache-Control: max-age` until the next update.
pub(crate) fn signed(doc: &SignedDoc, headers: &HeaderMap, content_type: &'static str) -> Response {
    let now = crate::time::SystemClock.now();
    let max_age = doc.next_update.saturating_sub(now).max(0);
    let cache = format!("public, max-age={max_age}");
    let matches = headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
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
    if let Ok(v) = HeaderValue::from_str(&doc.etag) {
        h.insert(header::ETAG, v);
    }
    if let Ok(v) = HeaderValue::from_str(&cache) {
        h.insert(header::CACHE_CONTROL, v);
    }
    res
}
