//! The HTTP server (specs/http.md): the router through `tower::ServiceExt::oneshot`, then the
//! `certseal serve` binary on 127.0.0.1:0 over a real registry file, a real key directory and
//! a signed trust list, with payloads the registry issued.
#![cfg(all(feature = "server", feature = "cli"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use certseal::crypto::{Algorithm, TokenDigest};
use certseal::model::Date;
use certseal::registry::{
    Encoding, IssueOptions, Lookup, Registry, SubmissionFormat, SubmissionMeta,
};
use certseal::server::{router, Role, ServerConfig, Service, TokenConfig};
use certseal::trust::{sign_trust_list, InitOptions, KeyDir, SignerCert};
use certseal::verify::Verifier;
use http_body_util::BodyExt;
use tower::ServiceExt;

const DAY: i64 = 86_400;
const BATCH: &str = "资格代码,级别,姓名,性别,出生年月,证件类型,证件号码,管理号,批准日期
9,2,李秀英,女,1990-11,111,310104199011234529,0902202300087214,2023-12-20
9,1,王建国,男,1985-03,111,110101198503076510,0101202400001538,2024-01-15
";
const NEXT: &str = "资格代码,级别,专业,姓名,性别,出生年月,证件类型,证件号码,管理号,批准日期
8,2,4,张伟明,男,1988-06,111,440305198806143016,0802202300051177,2024-01-10
";
const SUBMIT_TOKEN: &str = "submit-token-0123456789";
const ISSUE_TOKEN: &str = "issue-token-0123456789";
const REVOKE_TOKEN: &str = "revoke-token-0123456789";

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// A key directory, a registry with one issued certificate, a signed trust list.
struct Fixture {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    keys: KeyDir,
    qr: String,
    identifier: String,
}

fn fixture() -> Fixture {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().to_path_buf();
    let now = now();
    let keys = KeyDir::init(
        &dir.join("keys"),
        InitOptions {
            alg: Algorithm::EdDsa,
            authority_name: "人力资源社会保障部人事考试中心".into(),
            authority_uscc: "12100000400010398P".into(),
            signers: 1,
            now: now - DAY,
            signer_validity_days: 365,
            force: false,
        },
    )
    .unwrap();
    let certs: Vec<SignerCert> = keys.signers().iter().map(|s| s.cert().clone()).collect();
    let list = sign_trust_list(
        keys.root(),
        keys.root_key().unwrap(),
        &certs,
        now,
        now + 7 * DAY,
    )
    .unwrap();
    std::fs::write(dir.join("trust-list.cbor"), list).unwrap();
    let mut reg = Registry::open(&dir.join("registry.db"))
        .unwrap()
        .with_actor("fixture");
    let rep = reg
        .submit(BATCH.as_bytes(), &meta("协会", "1"), now)
        .unwrap();
    assert_eq!((rep.accepted, rep.rejected), (1, 1), "one bad check digit");
    reg.issue_pending(&keys, &IssueOptions::at(now), &mut |_, _| {})
        .unwrap();
    let mut issued = Vec::new();
    reg.each_certificate(|c| {
        issued.push((c.identifier.clone(), c.qr.clone()));
        Ok(())
    })
    .unwrap();
    let (identifier, qr) = issued.pop().unwrap();
    Fixture {
        _dir: tmp,
        dir,
        keys,
        qr,
        identifier,
    }
}

fn meta(body: &str, batch: &str) -> SubmissionMeta {
    SubmissionMeta {
        body: body.into(),
        batch: batch.into(),
        exam: None,
        results_published: Some(Date::parse("2024-01-02").unwrap()),
        format: SubmissionFormat::Csv,
        encoding: Encoding::Utf8,
    }
}

fn token(name: &str, roles: &[Role], secret: &str) -> TokenConfig {
    TokenConfig {
        name: name.into(),
        roles: roles.to_vec(),
        sha256: TokenDigest::of(secret.as_bytes()).to_hex(),
    }
}

fn config(f: &Fixture) -> ServerConfig {
    ServerConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        db: f.dir.join("registry.db").display().to_string(),
        keys: f.dir.join("keys"),
        trust_list: Some(f.dir.join("trust-list.cbor")),
        max_body_bytes: 256 * 1024,
        rate_per_second: 0,
        tokens: vec![
            token("考试中心", &[Role::Submitter], SUBMIT_TOKEN),
            token("issuing-office", &[Role::Issuer], ISSUE_TOKEN),
            token("registrar", &[Role::Revoker], REVOKE_TOKEN),
        ],
        ..ServerConfig::default()
    }
}

fn app(f: &Fixture, cfg: ServerConfig) -> axum::Router {
    let _ = f;
    router(Arc::new(Service::open(cfg).unwrap()))
}

struct Reply {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn header(&self, h: header::HeaderName) -> String {
        self.headers
            .get(h)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default()
    }
}

fn block<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

async fn call(app: &axum::Router, req: Request<Body>) -> Reply {
    let res = app.clone().oneshot(req).await.unwrap();
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.unwrap().to_bytes().to_vec();
    Reply {
        status,
        headers,
        body,
    }
}

fn post_json(uri: &str, v: serde_json::Value) -> Request<Body> {
    Request::post(uri)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(v.to_string()))
        .unwrap()
}

fn get(uri: &str) -> Request<Body> {
    Request::get(uri).body(Body::empty()).unwrap()
}

fn with_token(mut req: Request<Body>, token: &str) -> Request<Body> {
    req.headers_mut().insert(
        header::AUTHORIZATION,
        format!("Bearer {token}").parse().unwrap(),
    );
    req
}

/// The payload with one base45 character of its signature changed.
fn tampered(qr: &str) -> String {
    let mut chars: Vec<char> = qr.chars().collect();
    let i = chars.len() - 3;
    chars[i] = if chars[i] == '0' { '1' } else { '0' };
    chars.into_iter().collect()
}

fn problem(r: &Reply, status: StatusCode, reason: &str) -> serde_json::Value {
    assert_eq!(r.status, status, "{}", r.text());
    assert_eq!(r.header(header::CONTENT_TYPE), "application/problem+json");
    let p = r.json();
    assert_eq!(p["reason"], reason, "{p}");
    assert_eq!(p["status"], status.as_u16());
    assert!(p["type"].as_str().unwrap().ends_with(reason));
    p
}

#[test]
fn verify_answers_as_verify_json_does() {
    let f = fixture();
    let app = app(&f, config(&f));
    block(async {
        // The server verifies under the status snapshot it publishes.
        let snap = call(&app, get("/v1/status/snapshot")).await;
        assert_eq!(snap.status, StatusCode::OK);
        let trust = f.keys.trust_store().unwrap();
        let list = certseal::status::StatusList::load(&snap.body, &trust).unwrap();
        let verifier = Verifier::new(trust).with_status(list);
        let verdict = verifier.verify(&f.qr);
        let expected = verdict.to_json();
        assert_eq!(expected["freshness"]["covered"], true, "{expected}");
        let r = call(
            &app,
            post_json("/v1/verify", serde_json::json!({"qr": f.qr})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json(), expected);
        assert_eq!(r.json()["status"], "valid");
        // Written by hand, byte for byte what serde_json writes for the verdict.
        assert_eq!(
            String::from_utf8_lossy(&r.body),
            serde_json::to_string(&verdict).unwrap()
        );

        let bad = tampered(&f.qr);
        let r = call(
            &app,
            post_json("/v1/verify", serde_json::json!({"qr": bad})),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.json()["status"], "invalid");
        assert_eq!(
            String::from_utf8_lossy(&r.body),
            serde_json::to_string(&verifier.verify(&bad)).unwrap()
        );

        let r = call(
            &app,
            post_json(
                "/v1/verify",
                serde_json::json!({"qrs": [f.qr, bad, "CS1:nonsense"]}),
            ),
        )
        .await;
        let v = r.json();
        assert_eq!(
            (v["valid"].as_u64(), v["invalid"].as_u64()),
            (Some(1), Some(2))
        );
        assert_eq!(v["verdicts"][0], expected);
        assert_eq!(v["verdicts"][1]["status"], "invalid");
        let all = verifier.verify_batch(&[f.qr.clone(), bad.clone(), "CS1:nonsense".to_owned()]);
        let want = serde_json::json!({
            "invalid": 2,
            "valid": 1,
            "verdicts": all.iter().map(|v| v.to_json()).collect::<Vec<_>>(),
        });
        assert_eq!(String::from_utf8_lossy(&r.body), want.to_string());
    });
}

#[test]
fn rejects_oversized_batch_body_and_unknown_field() {
    let f = fixture();
    let app = app(&f, config(&f));
    block(async {
        let many: Vec<&str> = vec!["CS1:X"; 1001];
        let r = call(
            &app,
            post_json("/v1/verify", serde_json::json!({"qrs": many})),
        )
        .await;
        let p = problem(&r, StatusCode::PAYLOAD_TOO_LARGE, "batch_too_large");
        assert_eq!(p["field"], "qrs");

        let big = "A".repeat(300 * 1024);
        let r = call(
            &app,
            post_json("/v1/verify", serde_json::json!({"qr": big})),
        )
        .await;
        problem(&r, StatusCode::PAYLOAD_TOO_LARGE, "body_too_large");

        let r = call(
            &app,
            post_json("/v1/verify", serde_json::json!({"qr": "x", "qrz": 1})),
        )
        .await;
        let p = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request");
        assert_eq!(p["field"], "qrz");

        let r = call(&app, get("/v1/nothing")).await;
        problem(&r, StatusCode::NOT_FOUND, "not_found");
    });
}

#[test]
fn lookup_shows_no_more_than_the_public_site() {
    let f = fixture();
    let app = app(&f, config(&f));
    block(async {
        let r = call(&app, get(&format!("/v1/certificates/{}", f.identifier))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let v = r.json();
        assert_eq!(v["identifier"], f.identifier.as_str());
        assert_eq!(v["state"], "valid");
        assert_eq!(v["holder_name"], "李秀英");
        let id = v["id_number"].as_str().unwrap();
        assert!(id.ends_with("4529") && !id.contains("310104"), "{id}");
        let text = r.text();
        for private in [
            "310104199011234529",
            "status_index",
            "kid",
            "objections",
            "gaps",
        ] {
            assert!(!text.contains(private), "{private} in {text}");
        }

        let r = call(
            &app,
            get("/v1/certificates?management_number=0902202300087214&name=%E6%9D%8E%E7%A7%80%E8%8B%B1"),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["identifier"], f.identifier.as_str());

        let r = call(
            &app,
            get("/v1/certificates?management_number=0902202300087214&name=x"),
        )
        .await;
        problem(&r, StatusCode::NOT_FOUND, "not_found");
        let r = call(&app, get("/v1/certificates?management_number=1")).await;
        let p = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request");
        assert_eq!(p["field"], "name");
    });
}

#[test]
fn trust_list_has_strong_etag_and_304() {
    let f = fixture();
    let app = app(&f, config(&f));
    let bytes = std::fs::read(f.dir.join("trust-list.cbor")).unwrap();
    block(async {
        let r = call(&app, get("/v1/trust-list")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.body, bytes);
        let etag = r.header(header::ETAG);
        assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{etag}");
        let cache = r.header(header::CACHE_CONTROL);
        let age: i64 = cache.rsplit('=').next().unwrap().parse().unwrap();
        assert!(age > 6 * DAY && age <= 7 * DAY, "{cache}");

        let mut req = get("/v1/trust-list");
        req.headers_mut()
            .insert(header::IF_NONE_MATCH, etag.parse().unwrap());
        let r = call(&app, req).await;
        assert_eq!(r.status, StatusCode::NOT_MODIFIED);
        assert!(r.body.is_empty());
        assert_eq!(r.header(header::ETAG), etag);

        let mut req = get("/v1/trust-list");
        req.headers_mut()
            .insert(header::IF_NONE_MATCH, "\"other\"".parse().unwrap());
        assert_eq!(call(&app, req).await.status, StatusCode::OK);
    });
}

#[test]
fn status_documents_have_etags_and_move_with_the_log() {
    let f = fixture();
    let app = app(&f, config(&f));
    block(async {
        let r = call(&app, get("/v1/status/snapshot")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert!(!r.body.is_empty());
        let etag = r.header(header::ETAG);
        let cache = r.header(header::CACHE_CONTROL);
        let age: i64 = cache.rsplit('=').next().unwrap().parse().unwrap();
        assert!(age > 3000 && age <= 3600, "{cache}");
        let mut req = get("/v1/status/snapshot");
        req.headers_mut()
            .insert(header::IF_NONE_MATCH, etag.parse().unwrap());
        let r = call(&app, req).await;
        assert_eq!(r.status, StatusCode::NOT_MODIFIED);
        assert!(r.body.is_empty());

        let r = call(&app, get("/v1/status/token-status-list")).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let r = call(&app, get("/v1/status/delta?since=0")).await;
        let p = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request");
        assert_eq!(p["field"], "since", "no change after sequence 0 yet");
        let r = call(&app, get("/v1/status/delta?since=999")).await;
        let p = problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request");
        assert_eq!(p["field"], "since");
        let r = call(&app, get("/v1/status/delta?since=x")).await;
        problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_request");

        let revoke = serde_json::json!({
            "reason": "withdrawn", "decision_body": "人社部", "decision": "人社函〔2026〕2号", "decision_date": "2026-11-02"
        });
        let r = call(
            &app,
            with_token(
                post_json(&format!("/v1/certificates/{}/revoke", f.identifier), revoke),
                REVOKE_TOKEN,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let mut req = get("/v1/status/snapshot");
        req.headers_mut()
            .insert(header::IF_NONE_MATCH, etag.parse().unwrap());
        let r = call(&app, req).await;
        assert_eq!(
            r.status,
            StatusCode::OK,
            "a revocation makes a new snapshot"
        );
        assert_ne!(r.header(header::ETAG), etag);
    });
}

#[test]
fn health_readiness_and_metrics() {
    let f = fixture();
    let app = app(&f, config(&f));
    block(async {
        assert_eq!(call(&app, get("/healthz")).await.status, StatusCode::OK);
        assert_eq!(call(&app, get("/readyz")).await.status, StatusCode::OK);
        let bad = tampered(&f.qr);
        call(
            &app,
            post_json("/v1/verify", serde_json::json!({"qrs": [f.qr, bad]})),
        )
        .await;
        let r = call(&app, get("/metrics")).await;
        let m = r.text();
        assert!(
            m.contains("certseal_http_requests_total{route=\"/v1/verify\",method=\"POST\",status=\"200\"} 1"),
            "{m}"
        );
        assert!(
            m.contains("certseal_verdicts_total{reason=\"valid\"} 1"),
            "{m}"
        );
        assert!(m.contains("certseal_http_request_duration_seconds_count{route=\"/v1/verify\"} 1"));
        assert!(m.contains("certseal_trust_list_seconds_to_next_update"));
    });
}

#[test]
fn verifies_a_photo_and_refuses_garbage() {
    let f = fixture();
    let app = app(&f, config(&f));
    let png = certseal::qr::render::render_png(&f.qr, &certseal::qr::render::QrOptions::default())
        .unwrap();
    block(async {
        let r = call(
            &app,
            Request::post("/v1/verify/image")
                .header(header::CONTENT_TYPE, "image/png")
                .body(Body::from(png))
                .unwrap(),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let v = r.json();
        assert_eq!(v["codes"][0]["text"], f.qr.as_str());
        assert_eq!(v["codes"][0]["verdict"]["status"], "valid");

        let r = call(
            &app,
            Request::post("/v1/verify/image")
                .body(Body::from(vec![0x89u8, b'P', b'N', b'G', 0, 1, 2]))
                .unwrap(),
        )
        .await;
        problem(&r, StatusCode::UNPROCESSABLE_ENTITY, "invalid_image");
    });
}

#[test]
fn roles_guard_the_registry_and_the_audit_log_names_the_token() {
    let f = fixture();
    let app = app(&f, config(&f));
    block(async {
        let submit = |token: Option<&str>| {
            let req = Request::post("/v1/submissions?body=%E5%8D%8F%E4%BC%9A&batch=2&format=csv")
                .header(header::CONTENT_TYPE, "text/csv")
                .body(Body::from(NEXT))
                .unwrap();
            match token {
                Some(t) => with_token(req, t),
                None => req,
            }
        };
        let r = call(&app, submit(None)).await;
        problem(&r, StatusCode::UNAUTHORIZED, "unauthenticated");
        assert_eq!(r.header(header::WWW_AUTHENTICATE), "Bearer");
        let r = call(&app, submit(Some("not-a-token"))).await;
        problem(&r, StatusCode::UNAUTHORIZED, "unauthenticated");
        let r = call(&app, submit(Some(ISSUE_TOKEN))).await;
        let p = problem(&r, StatusCode::FORBIDDEN, "forbidden");
        assert_eq!(p["role"], "submitter");

        let r = call(&app, submit(Some(SUBMIT_TOKEN))).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["accepted"], 1, "{}", r.text());
        let r = call(&app, submit(Some(SUBMIT_TOKEN))).await;
        assert_eq!(r.json()["accepted"], 0, "resubmission is idempotent");

        let r = call(
            &app,
            with_token(
                Request::post("/v1/issue").body(Body::empty()).unwrap(),
                ISSUE_TOKEN,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["issued"], 1);

        let r = call(
            &app,
            with_token(
                post_json(
                    &format!("/v1/certificates/{}/reissue", f.identifier),
                    serde_json::json!({"kind": "replacement"}),
                ),
                ISSUE_TOKEN,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let new_id = r.json()["identifier"].as_str().unwrap().to_owned();
        let r = call(
            &app,
            post_json("/v1/verify", serde_json::json!({"qr": r.json()["qr"]})),
        )
        .await;
        assert_eq!(r.json()["status"], "valid");

        let revoke = serde_json::json!({
            "decision_body": "人社部", "decision": "人社函〔2026〕1号", "decision_date": "2026-11-01"
        });
        let r = call(
            &app,
            with_token(
                post_json(&format!("/v1/certificates/{new_id}/revoke"), revoke.clone()),
                ISSUE_TOKEN,
            ),
        )
        .await;
        problem(&r, StatusCode::FORBIDDEN, "forbidden");
        let r = call(
            &app,
            with_token(
                post_json(&format!("/v1/certificates/{new_id}/revoke"), revoke.clone()),
                REVOKE_TOKEN,
            ),
        )
        .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let r = call(
            &app,
            with_token(
                post_json(&format!("/v1/certificates/{new_id}/revoke"), revoke),
                REVOKE_TOKEN,
            ),
        )
        .await;
        problem(&r, StatusCode::CONFLICT, "conflict");
        let r = call(&app, get(&format!("/v1/certificates/{new_id}"))).await;
        assert_eq!(r.json()["state"], "revoked");

        let r = call(
            &app,
            with_token(
                post_json(
                    "/v1/certificates/nope/reissue",
                    serde_json::json!({"kind": "replacement"}),
                ),
                ISSUE_TOKEN,
            ),
        )
        .await;
        problem(&r, StatusCode::NOT_FOUND, "not_found");
    });
    let mut reg = Registry::open(&f.dir.join("registry.db")).unwrap();
    let actors: Vec<(String, String)> = reg
        .audit_entries()
        .unwrap()
        .into_iter()
        .map(|e| (e.actor, e.operation))
        .collect();
    for (actor, op) in [
        ("考试中心", "submit"),
        ("issuing-office", "reissue.replacement"),
        ("registrar", "revoke"),
    ] {
        assert!(
            actors.iter().any(|(a, o)| a == actor && o.starts_with(op)),
            "{actor} {op} not in {actors:?}"
        );
    }
    assert!(!reg
        .lookup(&Lookup::Identifier(f.identifier.clone()))
        .unwrap()
        .is_empty());
}

#[test]
fn rate_limit_answers_429_with_retry_after() {
    let f = fixture();
    let cfg = ServerConfig {
        rate_per_second: 1,
        rate_burst: 2,
        ..config(&f)
    };
    let app = app(&f, cfg);
    block(async {
        assert_eq!(
            call(&app, get("/v1/trust-list")).await.status,
            StatusCode::OK
        );
        assert_eq!(
            call(&app, get("/v1/trust-list")).await.status,
            StatusCode::OK
        );
        let r = call(&app, get("/v1/trust-list")).await;
        problem(&r, StatusCode::TOO_MANY_REQUESTS, "rate_limited");
        assert_eq!(r.header(header::RETRY_AFTER), "1");
        assert_eq!(
            call(&app, get("/healthz")).await.status,
            StatusCode::OK,
            "health is not limited"
        );
    });
}

/// The `paths:` of specs/openapi.yaml with their methods.
fn openapi_operations() -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut path = None;
    for line in certseal::server::OPENAPI.lines() {
        if let Some(p) = line.strip_prefix("  /") {
            path = Some(format!("/{}", p.trim_end_matches(':')));
        } else if !line.starts_with("  ") && !line.is_empty() {
            path = None;
        } else if let (Some(p), Some(m)) = (&path, line.strip_prefix("    ")) {
            let m = m.trim_end_matches(':');
            if ["get", "post", "put", "delete", "patch"].contains(&m) {
                out.push((m.to_uppercase(), p.clone()));
            }
        }
    }
    out
}

#[test]
fn openapi_describes_exactly_the_routes() {
    let f = fixture();
    let app = app(&f, config(&f));
    let ops = openapi_operations();
    let routes_src = include_str!("../src/server/routes.rs");
    let routed: std::collections::BTreeSet<&str> = routes_src
        .split(".route(")
        .skip(1)
        .filter_map(|s| s.trim_start().strip_prefix('"')?.split('"').next())
        .collect();
    let described: std::collections::BTreeSet<&str> = ops.iter().map(|(_, p)| p.as_str()).collect();
    assert_eq!(
        routed, described,
        "routes in the router vs paths in specs/openapi.yaml"
    );
    block(async {
        let r = call(&app, get("/openapi.yaml")).await;
        assert_eq!(
            r.text(),
            std::fs::read_to_string("specs/openapi.yaml").unwrap()
        );
        for (method, path) in &ops {
            let uri = path.replace("{identifier}", "x");
            let req = Request::builder()
                .method(method.as_str())
                .uri(&uri)
                .body(Body::empty())
                .unwrap();
            let r = call(&app, req).await;
            assert_ne!(r.status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}");
            assert!(!r.text().contains("no such route"), "{method} {path}");
        }
    });
}

/// The binary on 127.0.0.1:0: its address from stdout.
struct Server {
    child: std::process::Child,
    base: String,
}

fn spawn(dir: &Path, cfg: &ServerConfig) -> Server {
    std::fs::write(dir.join("server.toml"), cfg.to_toml()).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_certseal"))
        .args(["serve", "--config"])
        .arg(dir.join("server.toml"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("{line:?}"));
    Server {
        child,
        base: format!("http://{addr}"),
    }
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into()
}

fn sigterm(child: &mut std::process::Child) -> std::process::ExitStatus {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(ok.success());
    child.wait().unwrap()
}

#[test]
fn binary_serves_on_loopback_and_stops_on_sigterm_keeping_submissions() {
    let f = fixture();
    let cfg = config(&f);
    let mut server = spawn(&f.dir, &cfg);
    let agent = agent();
    let base = &server.base;

    let mut r = agent
        .post(&format!("{base}/v1/verify"))
        .send_json(serde_json::json!({"qrs": [f.qr, tampered(&f.qr)]}))
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: serde_json::Value = r.body_mut().read_json().unwrap();
    assert_eq!(v["valid"], 1);

    let mut r = agent.get(&format!("{base}/v1/trust-list")).call().unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let etag = r
        .headers()
        .get("etag")
        .unwrap()
        .to_str()
        .unwrap()
        .to_owned();
    let _ = r.body_mut().read_to_vec().unwrap();
    let r = agent
        .get(&format!("{base}/v1/trust-list"))
        .header("If-None-Match", &etag)
        .call()
        .unwrap();
    assert_eq!(r.status().as_u16(), 304);

    let mut r = agent
        .post(&format!(
            "{base}/v1/submissions?body=x&batch=late&format=csv"
        ))
        .header("Authorization", &format!("Bearer {SUBMIT_TOKEN}"))
        .send(NEXT)
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        200,
        "{}",
        r.body_mut().read_to_string().unwrap()
    );

    let status = sigterm(&mut server.child);
    assert!(status.success(), "{status:?}");
    let mut log = String::new();
    std::io::Read::read_to_string(server.child.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(log.contains("route=/v1/verify"), "{log}");
    assert!(log.contains("stopped"), "{log}");
    // The trust list's 200 is logged; its matching poll (a 304) is `debug`, below the default.
    assert!(
        log.contains("route=/v1/trust-list") && log.contains("status=200"),
        "{log}"
    );
    assert!(!log.contains("status=304"), "{log}");
    for secret in [
        "李秀英",
        "张伟明",
        "440305198806143016",
        SUBMIT_TOKEN,
        f.identifier.as_str(),
    ] {
        assert!(!log.contains(secret), "the log holds {secret}: {log}");
    }
    let mut reg = Registry::open(&f.dir.join("registry.db")).unwrap();
    let entries = reg.audit_entries().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e.actor == "考试中心" && e.operation.starts_with("submit")),
        "{entries:?}"
    );
    let again = reg
        .submit(NEXT.as_bytes(), &meta("x", "late"), now())
        .unwrap();
    assert_eq!(
        (again.accepted, again.unchanged),
        (0, 1),
        "the submission accepted before SIGTERM is stored"
    );
}

#[test]
fn binary_at_log_level_warn_writes_no_request_lines() {
    let f = fixture();
    let cfg = ServerConfig {
        log_level: certseal::server::LogLevel::Warn,
        ..config(&f)
    };
    let mut server = spawn(&f.dir, &cfg);
    let mut r = agent()
        .post(&format!("{}/v1/verify", server.base))
        .send_json(serde_json::json!({ "qr": f.qr }))
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let v: serde_json::Value = r.body_mut().read_json().unwrap();
    assert_eq!(v["status"], "valid", "{v}");
    let status = sigterm(&mut server.child);
    assert!(status.success(), "{status:?}");
    let mut log = String::new();
    std::io::Read::read_to_string(server.child.stderr.as_mut().unwrap(), &mut log).unwrap();
    assert!(!log.contains("route="), "{log}");
}

#[test]
fn print_config_shows_the_effective_configuration() {
    let f = fixture();
    let cfg = config(&f);
    std::fs::write(f.dir.join("server.toml"), cfg.to_toml()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_certseal"))
        .args([
            "serve",
            "--print-config",
            "--listen",
            "127.0.0.1:9999",
            "--config",
        ])
        .arg(f.dir.join("server.toml"))
        .env("CERTSEAL_DB", "/tmp/elsewhere.db")
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed = ServerConfig::from_toml(std::str::from_utf8(&out.stdout).unwrap()).unwrap();
    assert_eq!(printed.listen.port(), 9999);
    assert_eq!(printed.db, "/tmp/elsewhere.db");
    assert_eq!(printed.tokens, cfg.tokens);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(SUBMIT_TOKEN));
}

#[test]
fn print_config_leaves_out_the_database_password() {
    let f = fixture();
    let out = Command::new(env!("CARGO_BIN_EXE_certseal"))
        .args(["serve", "--print-config", "--db"])
        .arg("postgres://issuer:s3cret-pw@db.example:5432/certseal")
        .arg("--keys")
        .arg(f.dir.join("keys"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(!text.contains("s3cret-pw"), "{text}");
    let printed = ServerConfig::from_toml(&text).unwrap();
    assert_eq!(printed.db, "postgres://issuer@db.example:5432/certseal");
}

/// Issue 13: the `[database]` section's URL and `DATABASE_URL` are printed without their
/// password, in the userinfo and in the `password=` query parameter libpq also reads.
#[test]
fn print_config_leaves_out_a_query_password_and_shows_the_database_section() {
    let f = fixture();
    let conf = f.dir.join("db.toml");
    std::fs::write(
        &conf,
        "[database]\nurl = \"postgres://issuer@db.example/certseal?password=q-s3cret&sslmode=require\"\npool_size = 12\n",
    )
    .unwrap();
    let run = |env: Option<&str>| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_certseal"));
        c.args(["serve", "--print-config", "--config"])
            .arg(&conf)
            .arg("--keys")
            .arg(f.dir.join("keys"))
            .env_remove("CERTSEAL_DB")
            .env_remove("DATABASE_URL");
        if let Some(url) = env {
            c.env("DATABASE_URL", url);
        }
        let out = c.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let text = run(None);
    assert!(!text.contains("q-s3cret"), "{text}");
    let printed = ServerConfig::from_toml(&text).unwrap();
    assert_eq!(
        printed.db,
        "postgres://issuer@db.example/certseal?password=redacted&sslmode=require"
    );
    assert_eq!(printed.database.pool_size, 12);
    let text = run(Some(
        "postgres://other:env-s3cret@db2/reg?password=env-q-s3cret",
    ));
    assert!(!text.contains("s3cret"), "{text}");
    let printed = ServerConfig::from_toml(&text).unwrap();
    assert_eq!(printed.db, "postgres://other@db2/reg?password=redacted");
}

/// Issue 11: the verifier behind `POST /v1/verify` carries the status the server publishes,
/// and a revocation through the API shows in the very next verification (single and batch),
/// with the same JSON as `certseal verify --json`.
#[test]
fn binary_verify_applies_revocation_made_through_the_api() {
    let f = fixture();
    let cfg = config(&f);
    let mut server = spawn(&f.dir, &cfg);
    let agent = agent();
    let base = &server.base;
    let verify_one = |agent: &ureq::Agent| -> serde_json::Value {
        let mut r = agent
            .post(&format!("{base}/v1/verify"))
            .send_json(serde_json::json!({"qr": f.qr}))
            .unwrap();
        assert_eq!(r.status().as_u16(), 200);
        r.body_mut().read_json().unwrap()
    };

    let v = verify_one(&agent);
    assert_eq!(v["status"], "valid", "{v}");
    assert_eq!(
        v["freshness"]["covered"], true,
        "the server's snapshot covers the issued certificate: {v}"
    );
    let seq_before = v["freshness"]["sequence"].as_u64().unwrap();

    let mut r = agent
        .post(&format!("{base}/v1/certificates/{}/revoke", f.identifier))
        .header("Authorization", &format!("Bearer {REVOKE_TOKEN}"))
        .send_json(serde_json::json!({
            "reason": "withdrawn", "decision_body": "人社部", "decision": "人社函〔2026〕2号", "decision_date": "2026-11-02"
        }))
        .unwrap();
    assert_eq!(
        r.status().as_u16(),
        200,
        "{}",
        r.body_mut().read_to_string().unwrap()
    );

    let v = verify_one(&agent);
    assert_eq!(v["status"], "invalid", "{v}");
    assert_eq!(v["stage"], "status", "{v}");
    assert_eq!(v["reason"], "revoked", "{v}");

    let mut r = agent
        .post(&format!("{base}/v1/verify"))
        .send_json(serde_json::json!({"qrs": [f.qr, f.qr]}))
        .unwrap();
    let b: serde_json::Value = r.body_mut().read_json().unwrap();
    assert_eq!(
        (b["valid"].as_u64(), b["invalid"].as_u64()),
        (Some(0), Some(2)),
        "{b}"
    );
    assert_eq!(b["verdicts"][1]["reason"], "revoked", "{b}");
    assert!(
        b["verdicts"][0]["freshness"].is_null()
            || b["verdicts"][0]["freshness"]["sequence"].as_u64() > Some(seq_before)
    );

    // The same verdict as `certseal verify --json` over the server's published snapshot.
    let mut r = agent
        .get(&format!("{base}/v1/status/snapshot"))
        .call()
        .unwrap();
    std::fs::write(
        f.dir.join("snapshot.cbor"),
        r.body_mut().read_to_vec().unwrap(),
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_certseal"))
        .args(["verify", "--json", "--keys"])
        .arg(f.keys.dir())
        .arg("--status")
        .arg(f.dir.join("snapshot.cbor"))
        .arg(&f.qr)
        .output()
        .unwrap();
    let cli: serde_json::Value = serde_json::from_slice(
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .next()
            .unwrap_or("")
            .as_bytes(),
    )
    .unwrap_or(serde_json::Value::Null);
    let http = verify_one(&agent);
    for key in ["status", "stage", "reason", "detail", "alg", "kid"] {
        assert_eq!(
            cli[key],
            http[key],
            "{key}: cli {cli} http {http} stderr {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    let status = sigterm(&mut server.child);
    assert!(status.success(), "{status:?}");
}

/// `serve --db` takes what every registry command takes; built without the feature
/// `postgres`, a PostgreSQL URL is refused naming the feature, and its password is not shown.
#[cfg(not(feature = "postgres"))]
#[test]
fn serve_db_postgres_url_without_the_feature_names_it() {
    let f = fixture();
    let mut cfg = config(&f);
    cfg.db = "postgres://certseal:hunter2secret@127.0.0.1:1/certseal".into();
    std::fs::write(f.dir.join("pg.toml"), cfg.to_toml()).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_certseal"))
        .args(["serve", "--config"])
        .arg(f.dir.join("pg.toml"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("feature postgres"), "{err}");
    assert!(
        err.contains("postgres://certseal@127.0.0.1:1/certseal"),
        "{err}"
    );
    assert!(!err.contains("hunter2secret"), "{err}");
}
