//! The router and its handlers. Each handler extracts, calls one library function and maps
//! the result; the middleware counts, logs (route template, method, status, latency — never
//! a path, query, body or token) and rate-limits public requests.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{ConnectInfo, DefaultBodyLimit, MatchedPath, Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::qr::verified::scan_and_verify;
use crate::registry::{IssueOptions, Lookup, ReissueRequest};
use crate::time::Clock;
use crate::verify::ReportCache;

use super::config::Role;
use super::page;
use super::problem::{Problem, ProblemReason};
use super::requests::{self, LookupQuery, SubmissionQuery, VerifyRequest};
use super::shared::{blocking, lock, signed, verifier, IfNoneMatch, Shared};
use super::Service;

/// The router over `service`: every route of `specs/http.md`.
pub fn router(service: Arc<Service>) -> Router {
    let body_limit = service.config.max_body_bytes;
    let image_limit = service.config.max_image_bytes;
    let page_limit = image_limit.saturating_add(64 * 1024);
    // The body limit sits on the routes that read a body (a layer over the whole router
    // would add an extension to every request, the GETs' included).
    Router::new()
        .route(
            "/",
            get(page::index)
                .post(page::submit)
                .layer(DefaultBodyLimit::max(page_limit)),
        )
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/openapi.yaml", get(openapi))
        .route(
            "/v1/verify",
            post(verify).layer(DefaultBodyLimit::max(body_limit)),
        )
        .route(
            "/v1/verify/image",
            post(verify_image).layer(DefaultBodyLimit::max(image_limit)),
        )
        .route("/v1/certificates", get(lookup))
        .route("/v1/certificates/{identifier}", get(certificate))
        .route(
            "/v1/certificates/{identifier}/reissue",
            post(reissue).layer(DefaultBodyLimit::max(body_limit)),
        )
        .route(
            "/v1/certificates/{identifier}/revoke",
            post(revoke).layer(DefaultBodyLimit::max(body_limit)),
        )
        .route(
            "/v1/certificates/{identifier}/objections",
            post(objection).layer(DefaultBodyLimit::max(body_limit)),
        )
        .route("/v1/trust-list", get(trust_list))
        .route("/v1/status/snapshot", get(super::status::snapshot))
        .route("/v1/status/delta", get(super::status::delta))
        .route(
            "/v1/status/token-status-list",
            get(super::status::token_list),
        )
        .route(
            "/v1/submissions",
            post(submit).layer(DefaultBodyLimit::max(body_limit)),
        )
        .route(
            "/v1/issue",
            post(issue).layer(DefaultBodyLimit::max(body_limit)),
        )
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(service.clone(), observe))
        .with_state(service)
}

/// Counts, logs and rate-limits one request. Its cost is paid by every request, a 304 above
/// all: the counters are pre-registered atomics ([`Metrics`](super::metrics::Metrics)), the
/// client address is looked at only when a rate limit is configured, and the log event is
/// `debug` for a 304 (a matching poll, the bulk of a busy server's traffic) and `info`
/// otherwise, so the default level formats nothing for a poll.
async fn observe(State(svc): State<Shared>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    // The template (an `Arc<str>` inside: a clone is no allocation).
    let matched = req.extensions().get::<MatchedPath>().cloned();
    let route = matched.as_ref().map_or("unmatched", MatchedPath::as_str);
    let method = req.method().clone();
    if svc.limiter.enabled()
        && !req.headers().contains_key(header::AUTHORIZATION)
        && !matches!(route, "/healthz" | "/readyz" | "/metrics")
    {
        let client = req
            .extensions()
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::from([0, 0, 0, 0]), |c| c.0.ip());
        if let Err(wait) = svc.limiter.check(client, start) {
            let mut p = Problem::new(
                ProblemReason::RateLimited,
                format!(
                    "over {} requests a second; retry in {wait} s",
                    svc.config.rate_per_second
                ),
            );
            p.retry_after = Some(wait);
            let res = p.into_response();
            let status = res.status().as_u16();
            svc.metrics.request(
                route,
                method.as_str(),
                status,
                start.elapsed().as_secs_f64(),
            );
            tracing::info!(method = %method, route = %route, status, "request");
            return res;
        }
    }
    let res = next.run(req).await;
    let secs = start.elapsed().as_secs_f64();
    let status = res.status().as_u16();
    svc.metrics.request(route, method.as_str(), status, secs);
    let micros = (secs * 1e6) as u64;
    if status == 304 {
        tracing::debug!(method = %method, route = %route, status, micros, "request");
    } else {
        tracing::info!(method = %method, route = %route, status, micros, "request");
    }
    res
}

async fn not_found() -> Problem {
    Problem::new(ProblemReason::NotFound, "no such route")
}

async fn healthz() -> &'static str {
    "ok\n"
}

async fn readyz(State(svc): State<Shared>) -> Result<&'static str, Problem> {
    blocking(move || {
        let mut reg = lock(&svc)?;
        reg.status_head().map_err(Problem::from)?;
        Ok("ready\n")
    })
    .await
}

async fn metrics(State(svc): State<Shared>) -> Response {
    let now = crate::time::SystemClock.now();
    let mut gauges = vec![(
        "certseal_uptime_seconds",
        "Seconds since the server started.",
        svc.started.elapsed().as_secs_f64(),
    )];
    if let Some(t) = &svc.trust_list {
        gauges.push((
            "certseal_trust_list_seconds_to_next_update",
            "Seconds until the served trust list's next update (negative: overdue).",
            (t.next_update - now) as f64,
        ));
    }
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        svc.metrics.render(&gauges),
    )
        .into_response()
}

async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/yaml")], super::OPENAPI).into_response()
}

fn body(b: Result<Bytes, BytesRejection>) -> Result<Bytes, Problem> {
    b.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            Problem::new(ProblemReason::BodyTooLarge, e.body_text())
        } else {
            Problem::field("body", e.body_text())
        }
    })
}

fn json(v: serde_json::Value) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], v.to_string()).into_response()
}

/// A JSON response whose body `write` appends to an empty buffer.
fn json_bytes(write: impl FnOnce(&mut Vec<u8>)) -> Response {
    let mut body = Vec::with_capacity(2048);
    write(&mut body);
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `POST /v1/verify`. One string is verified on the runtime's worker: about 60–90 µs of
/// Ed25519 on this machine, less than handing it to the blocking pool and back costs in
/// wake-ups on two cores, and within tokio's budget between awaits. A batch (up to
/// `max_batch` strings, milliseconds) goes to the blocking pool and rayon, so the workers
/// keep serving. Verdicts are written straight into the body by
/// [`Verdict::write_json`](crate::verify::Verdict) (the bytes `serde_json` would write, no
/// serializer), a batch's certificate identifiers and repeating JSON from one cache.
async fn verify(
    State(svc): State<Shared>,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let b = body(b)?;
    match requests::parse_verify(&b, svc.config.max_batch)? {
        VerifyRequest::One(qr) => {
            let v = verifier(&svc)?.verify(&qr);
            svc.metrics
                .verdict(v.result.as_ref().err().map(|r| r.code()));
            Ok(json_bytes(|out| {
                v.write_json(&mut ReportCache::default(), out)
            }))
        }
        VerifyRequest::Batch(qrs) => {
            let svc2 = svc.clone();
            let verdicts = blocking(move || Ok(verifier(&svc2)?.verify_batch(&qrs))).await?;
            let valid = verdicts.iter().filter(|v| v.is_valid()).count();
            for v in &verdicts {
                svc.metrics
                    .verdict(v.result.as_ref().err().map(|r| r.code()));
            }
            // Members in the order `serde_json::json!` sorts them.
            Ok(json_bytes(|out| {
                out.extend_from_slice(b"{\"invalid\":");
                out.extend_from_slice(verdicts.len().saturating_sub(valid).to_string().as_bytes());
                out.extend_from_slice(b",\"valid\":");
                out.extend_from_slice(valid.to_string().as_bytes());
                out.extend_from_slice(b",\"verdicts\":[");
                let mut cache = ReportCache::default();
                for (i, v) in verdicts.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    v.write_json(&mut cache, out);
                }
                out.extend_from_slice(b"]}");
            }))
        }
    }
}

async fn verify_image(
    State(svc): State<Shared>,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let b = body(b)?;
    let svc2 = svc.clone();
    let record =
        blocking(move || Ok(scan_and_verify(&b, &svc2.scan_limits, &*verifier(&svc2)?))).await?;
    if let Some(e) = &record.error {
        if record.codes.is_empty() && !matches!(e, crate::qr::verified::ScanError::NoCode) {
            return Err(Problem {
                field: Some("body".into()),
                ..Problem::new(ProblemReason::InvalidImage, e.to_string())
            });
        }
    }
    for c in &record.codes {
        if let Some(v) = c.verdict.verdict() {
            svc.metrics
                .verdict(v.result.as_ref().err().map(|r| r.code()));
        }
    }
    Ok(json(record.to_json()))
}

async fn lookup_one(svc: Shared, q: Lookup) -> Result<Response, Problem> {
    let found = blocking(move || lock(&svc)?.lookup(&q).map_err(Problem::from)).await?;
    match found.as_slice() {
        [] => Err(Problem::new(
            ProblemReason::NotFound,
            "no certificate matches",
        )),
        [one] => Ok(json(one.public_json())),
        many => Ok(json(serde_json::Value::Array(
            many.iter().map(|r| r.public_json()).collect(),
        ))),
    }
}

async fn certificate(
    State(svc): State<Shared>,
    Path(identifier): Path<String>,
) -> Result<Response, Problem> {
    if identifier.len() > 64 {
        return Err(Problem::field(
            "identifier",
            format!("got {} bytes, expected at most 64", identifier.len()),
        ));
    }
    lookup_one(svc, Lookup::Identifier(identifier)).await
}

async fn lookup(
    State(svc): State<Shared>,
    q: Result<Query<LookupQuery>, axum::extract::rejection::QueryRejection>,
) -> Result<Response, Problem> {
    let Query(q) = q.map_err(|e| Problem::field("query", e.body_text()))?;
    let (number, name) = requests::parse_lookup(q)?;
    lookup_one(svc, Lookup::ManagementNumber { number, name }).await
}

async fn trust_list(State(svc): State<Shared>, headers: IfNoneMatch) -> Result<Response, Problem> {
    let doc = svc.trust_list.as_ref().ok_or_else(|| {
        Problem::new(
            ProblemReason::NotConfigured,
            "no trust_list in the configuration",
        )
    })?;
    Ok(signed(doc, &headers, "application/cose"))
}

/// The name of the token presented in `headers` when it holds `role`.
fn authorize(svc: &Service, headers: &HeaderMap, role: Role) -> Result<String, Problem> {
    let presented = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            Problem::new(
                ProblemReason::Unauthenticated,
                "missing Authorization: Bearer token",
            )
        })?;
    let i = crate::crypto::find_token(&svc.digests, presented.as_bytes())
        .ok_or_else(|| Problem::new(ProblemReason::Unauthenticated, "unknown token"))?;
    let token = svc
        .tokens
        .get(i)
        .ok_or_else(|| Problem::new(ProblemReason::Internal, "token table"))?;
    if !token.roles.contains(&role) {
        return Err(Problem {
            role: Some(role.name()),
            ..Problem::new(
                ProblemReason::Forbidden,
                format!("token {:?} lacks the role {}", token.name, role.name()),
            )
        });
    }
    Ok(token.name.clone())
}

/// Runs `f` on the registry, acting as `actor`, with the key directory.
async fn with_registry<T: Send + 'static>(
    svc: Shared,
    actor: String,
    f: impl FnOnce(
            &mut crate::registry::Registry,
            Option<&crate::trust::KeyDir>,
        ) -> Result<T, crate::Error>
        + Send
        + 'static,
) -> Result<T, Problem> {
    blocking(move || {
        let out = {
            let mut reg = lock(&svc)?;
            reg.set_actor(actor);
            f(&mut reg, svc.keys.as_ref()).map_err(Problem::from)
        };
        super::status::invalidate(&svc);
        if out.is_ok() {
            // A revocation, reissue or issue shows in the very next verification.
            super::status::refresh(&svc);
        }
        out
    })
    .await
}

fn need_keys(keys: Option<&crate::trust::KeyDir>) -> Result<&crate::trust::KeyDir, crate::Error> {
    keys.ok_or_else(|| {
        crate::registry::RegistryError::request(
            "keys",
            "this server has no key directory to sign with",
        )
    })
}

async fn submit(
    State(svc): State<Shared>,
    headers: HeaderMap,
    q: Result<Query<SubmissionQuery>, axum::extract::rejection::QueryRejection>,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let actor = authorize(&svc, &headers, Role::Submitter)?;
    let Query(q) = q.map_err(|e| Problem::field("query", e.body_text()))?;
    let meta = requests::parse_submission(q)?;
    let b = body(b)?;
    let now = crate::time::SystemClock.now();
    let report = with_registry(svc, actor, move |reg, _| reg.submit(&b[..], &meta, now)).await?;
    Ok(json(report.to_json()))
}

async fn issue(State(svc): State<Shared>, headers: HeaderMap) -> Result<Response, Problem> {
    let actor = authorize(&svc, &headers, Role::Issuer)?;
    let now = crate::time::SystemClock.now();
    let rep = with_registry(svc, actor, move |reg, keys| {
        reg.issue_pending(need_keys(keys)?, &IssueOptions::at(now), &mut |_, _| {})
    })
    .await?;
    Ok(json(serde_json::json!({
        "issued": rep.issued,
        "resumed": rep.resumed,
        "chunks": rep.chunks,
        "first_status_index": rep.indices.map(|i| i.0),
        "last_status_index": rep.indices.map(|i| i.1),
        "kid": crate::codec::hex::encode(&rep.kid),
    })))
}

async fn reissue(
    State(svc): State<Shared>,
    headers: HeaderMap,
    Path(identifier): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let actor = authorize(&svc, &headers, Role::Issuer)?;
    let kind = requests::parse_reissue(&body(b)?)?;
    let now = crate::time::SystemClock.now();
    let r = with_registry(svc, actor, move |reg, keys| {
        reg.reissue(need_keys(keys)?, &ReissueRequest { identifier, kind }, now)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        json(serde_json::json!({
            "identifier": r.identifier,
            "predecessor": r.predecessor,
            "version": r.version,
            "qr": r.qr,
        })),
    )
        .into_response())
}

async fn revoke(
    State(svc): State<Shared>,
    headers: HeaderMap,
    Path(identifier): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let actor = authorize(&svc, &headers, Role::Revoker)?;
    let inv = requests::parse_revoke(&body(b)?)?;
    let now = crate::time::SystemClock.now();
    let id = identifier.clone();
    let seqs = with_registry(svc, actor, move |reg, _| reg.invalidate(&id, &inv, now)).await?;
    Ok(json(
        serde_json::json!({"identifier": identifier, "status_seqs": seqs}),
    ))
}

async fn objection(
    State(svc): State<Shared>,
    headers: HeaderMap,
    Path(identifier): Path<String>,
    b: Result<Bytes, BytesRejection>,
) -> Result<Response, Problem> {
    let actor = authorize(&svc, &headers, Role::Revoker)?;
    let (filed_by, text) = requests::parse_objection(&body(b)?)?;
    let now = crate::time::SystemClock.now();
    let id = identifier.clone();
    let objection = with_registry(svc, actor, move |reg, _| {
        reg.file_objection(&id, &filed_by, &text, now)
    })
    .await?;
    Ok((
        StatusCode::CREATED,
        json(serde_json::json!({"identifier": identifier, "objection": objection})),
    )
        .into_response())
}
