//! `GET /v1/status/snapshot`, `/v1/status/delta?since=N`, `/v1/status/token-status-list`:
//! the registry's signed status documents (`Registry::status_snapshot`, `status_delta`,
//! `status_token_list`, signed by the key directory's status signer), kept in
//! [`StatusCache`](super::StatusCache) and served with a strong ETag, `If-None-Match` → 304
//! and `Cache-Control` up to `next_update`. This file owns when a document is made again;
//! making and signing one is the registry's.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Query, State};
use axum::response::Response;
use serde::Deserialize;

use crate::registry::StatusPublisher;
use crate::status::StatusList;
use crate::time::Clock;

use super::problem::{Problem, ProblemReason};
use super::shared::{blocking, lock, signed, IfNoneMatch, Shared};
use super::{Service, SignedDoc, StatusCache};

/// How long the log's head is taken as known without asking the registry again.
const HEAD_TTL: Duration = Duration::from_secs(1);
/// Most deltas kept (one per `since`).
const MAX_DELTAS: usize = 64;

#[derive(Clone, Copy)]
enum Kind {
    Snapshot,
    Delta(u64),
    TokenList,
}

fn slot(cache: &mut StatusCache, kind: Kind) -> Option<&mut Option<Arc<SignedDoc>>> {
    match kind {
        Kind::Snapshot => Some(&mut cache.snapshot),
        Kind::TokenList => Some(&mut cache.token_list),
        Kind::Delta(_) => None,
    }
}

fn get_cached(
    cache: &mut StatusCache,
    kind: Kind,
    now: i64,
    margin: i64,
) -> Option<Arc<SignedDoc>> {
    let doc = match kind {
        Kind::Delta(since) => cache.deltas.get(&since).cloned(),
        _ => slot(cache, kind).and_then(|s| s.clone()),
    }?;
    (now < doc.next_update.saturating_sub(margin)).then_some(doc)
}

/// The document of `kind`: cached when the log has not moved and it is less than half its
/// validity old, else made and signed.
async fn document(svc: Shared, kind: Kind) -> Result<Arc<SignedDoc>, Problem> {
    let margin = i64::from(svc.config.status_valid_for / 2);
    let now = crate::time::SystemClock.now();
    {
        let mut cache = svc
            .status
            .lock()
            .map_err(|_| Problem::new(ProblemReason::Internal, "status cache lock"))?;
        let fresh = cache.checked.is_some_and(|t| t.elapsed() < HEAD_TTL);
        if fresh {
            if let Some(doc) = get_cached(&mut cache, kind, now, margin) {
                return Ok(doc);
            }
        }
    }
    blocking(move || make(&svc, kind)).await
}

/// [`document`] past its fast path, on the blocking pool: asks the registry for the log's
/// head, reuses the cached document when the head has not moved, else signs a new one. A
/// new snapshot is put in force on the verifier ([`put_in_force`]).
fn make(svc: &Service, kind: Kind) -> Result<Arc<SignedDoc>, Problem> {
    let margin = i64::from(svc.config.status_valid_for / 2);
    let now = crate::time::SystemClock.now();
    let mut cache = svc
        .status
        .lock()
        .map_err(|_| Problem::new(ProblemReason::Internal, "status cache lock"))?;
    let mut reg = lock(svc)?;
    let head = reg.status_head().map_err(Problem::from)?.seq;
    if head != cache.seq || cache.checked.is_none() {
        *cache = StatusCache {
            seq: head,
            ..StatusCache::default()
        };
    }
    cache.checked = Some(Instant::now());
    if let Kind::Delta(since) = kind {
        if since > head {
            return Err(Problem::field(
                "since",
                format!("got {since}, expected at most the log's head {head}"),
            ));
        }
    }
    if let Some(doc) = get_cached(&mut cache, kind, now, margin) {
        return Ok(doc);
    }
    let keys = svc.keys.as_ref().ok_or_else(|| {
        Problem::new(
            ProblemReason::NotConfigured,
            "no key directory: nothing signs status documents",
        )
    })?;
    let by = StatusPublisher::from_key_dir(keys, now, i64::from(svc.config.status_valid_for))
        .map_err(|e| Problem::new(ProblemReason::NotConfigured, e.to_string()))?;
    let made = match kind {
        Kind::Snapshot => reg.status_snapshot(&by),
        Kind::Delta(since) => reg.status_delta(since, &by),
        Kind::TokenList => reg.status_token_list(
            &by,
            &svc.config.status_uri,
            u64::from(svc.config.status_valid_for),
        ),
    }
    .map_err(Problem::from)?;
    drop(reg);
    let doc = Arc::new(SignedDoc::new(made.bytes, by.next_update));
    match kind {
        Kind::Delta(since) => {
            if cache.deltas.len() >= MAX_DELTAS {
                cache.deltas.clear();
            }
            cache.deltas.insert(since, doc.clone());
        }
        Kind::Snapshot => {
            put_in_force(svc, &doc);
            cache.snapshot = Some(doc.clone());
        }
        Kind::TokenList => cache.token_list = Some(doc.clone()),
    }
    Ok(doc)
}

/// Loads a snapshot the server just signed and puts it in force on the verifier, so
/// `POST /v1/verify` answers with the state the server publishes. Checked against the key
/// directory's trust (its status signer), not the verifier's: a served trust list need not
/// name the status signer. A snapshot that does not load leaves the state in force as it was
/// and is logged (it cannot happen unless the key directory is broken).
fn put_in_force(svc: &Service, doc: &SignedDoc) {
    let Some(trust) = &svc.status_trust else {
        return;
    };
    match StatusList::load(&doc.bytes, trust) {
        Ok(list) => match svc.verifier.write() {
            Ok(mut v) => v.set_status(Some(list)),
            Err(_) => tracing::error!("verifier lock poisoned: status not updated"),
        },
        Err(e) => tracing::error!(error = %e, "signed status snapshot did not load"),
    }
}

/// Brings the verifier's status up to the registry's log now (after a mutating call, and
/// every second from [`keep_current`]): signs a snapshot when the log moved or the one in
/// force is past half its validity. Without a status signer there is nothing to do.
pub(crate) fn refresh(svc: &Service) {
    if svc.status_trust.is_none()
        || svc
            .keys
            .as_ref()
            .is_none_or(|k| k.status_signer().is_none())
    {
        return;
    }
    if let Err(p) = make(svc, Kind::Snapshot) {
        tracing::warn!(problem = %p.detail, "status snapshot not refreshed");
    }
}

/// Every [`HEAD_TTL`], [`refresh`] on the blocking pool: changes made by another process on
/// the same registry (the CLI, a second server on PostgreSQL) reach the verifier within
/// about a second. Runs until aborted.
pub(crate) async fn keep_current(svc: Shared) {
    let mut tick = tokio::time::interval(HEAD_TTL);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let s = svc.clone();
        let _ = tokio::task::spawn_blocking(move || refresh(&s)).await;
    }
}

/// Forgets the log's head, so the next request looks again (after a mutating call).
pub(crate) fn invalidate(svc: &super::Service) {
    if let Ok(mut c) = svc.status.lock() {
        c.checked = None;
    }
}

/// `GET /v1/status/snapshot`
pub(crate) async fn snapshot(
    State(svc): State<Shared>,
    headers: IfNoneMatch,
) -> Result<Response, Problem> {
    let doc = document(svc, Kind::Snapshot).await?;
    Ok(signed(&doc, &headers, "application/cose"))
}

/// `?since=N`
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Since {
    since: u64,
}

/// `GET /v1/status/delta?since=N`
pub(crate) async fn delta(
    State(svc): State<Shared>,
    headers: IfNoneMatch,
    q: Result<Query<Since>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let Query(q) = q.map_err(|e| Problem::field("since", e.body_text()))?;
    let doc = document(svc, Kind::Delta(q.since)).await?;
    Ok(signed(&doc, &headers, "application/cose"))
}

/// `GET /v1/status/token-status-list`
pub(crate) async fn token_list(
    State(svc): State<Shared>,
    headers: IfNoneMatch,
) -> Result<Response, Problem> {
    let doc = document(svc, Kind::TokenList).await?;
    Ok(signed(&doc, &headers, "application/statuslist+cwt"))
}
