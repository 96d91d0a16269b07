//! `certseal serve` (feature `server`): the HTTP face over the verifier, the QR scanner and
//! the registry — axum on tokio. This module owns the configuration, the router, the
//! problem-details errors, the metrics, the rate limit and the verification page; it holds
//! no SQL, CBOR or cryptography (handlers call one library function each and map the
//! result), and nothing below it knows it exists. The library stays synchronous: CPU-bound
//! and registry work runs on tokio's blocking pool; the registry connection is one, behind
//! a mutex (SQLite writes are serial anyway).
//!
//! The HTTP contract is `specs/http.md` and `specs/openapi.yaml`.

mod config;
mod limit;
mod metrics;
mod page;
mod problem;
mod requests;
mod routes;
mod shared;
mod status;

use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

pub use self::config::{
    DatabaseConfig, LogLevel, Role, ServerConfig, TlsMode, TokenConfig, MAX_CONFIG_BYTES,
};
pub use self::problem::{Problem, ProblemReason};
pub use self::requests::{
    fuzz_requests, parse_objection, parse_reissue, parse_revoke, parse_verify, VerifyRequest,
};
pub use self::routes::router;

use self::config::Token;
use self::limit::RateLimiter;
use self::metrics::Metrics;
use crate::crypto::TokenDigest;
use crate::qr::scan::ScanLimits;
use crate::registry::{redacted, Registry};
use crate::trust::{KeyDir, RootCert, TrustList, TrustStore};
use crate::verify::Verifier;

/// The OpenAPI description the server serves at `/openapi.yaml`.
pub const OPENAPI: &str = include_str!("../../specs/openapi.yaml");

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// A configuration value broke a rule.
    #[error("config {field}: {rule}")]
    Config {
        /// The key (`tokens[2].sha256`, `max_batch`, …).
        field: String,
        /// The rule.
        rule: String,
    },
    /// The address could not be bound or served.
    #[error("{addr}: {message}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// What the system said.
        message: String,
    },
    /// Opening the registry, keys or trust list failed.
    #[error("{what}: {source}")]
    Open {
        /// What was being opened.
        what: String,
        /// Why it failed.
        source: Box<crate::Error>,
    },
}

/// A signed document as served (the trust list, a status snapshot, delta or token status
/// list): its bytes, strong ETag and next update, with the response header values made once
/// when the document is published, so that a request (a 304 above all) formats nothing.
pub(crate) struct SignedDoc {
    pub(crate) bytes: axum::body::Bytes,
    pub(crate) etag: String,
    pub(crate) next_update: i64,
    /// `etag` as a header value.
    pub(crate) etag_header: axum::http::HeaderValue,
    /// `Cache-Control: public, max-age=S` for the wall-clock second it was made in (S: the
    /// seconds from then to `next_update`); made again when a request comes in a later
    /// second, so a poll re-formats it at most once a second.
    cache_control: std::sync::RwLock<(i64, axum::http::HeaderValue)>,
}

impl SignedDoc {
    pub(crate) fn new(bytes: Vec<u8>, next_update: i64) -> SignedDoc {
        let digest = crate::crypto::sha256(&bytes);
        let etag = format!(
            "\"{}\"",
            crate::codec::hex::encode(digest.get(..16).unwrap_or(&digest))
        );
        SignedDoc {
            // Hex between quotes: always a valid header value.
            etag_header: axum::http::HeaderValue::from_str(&etag)
                .unwrap_or_else(|_| axum::http::HeaderValue::from_static("\"\"")),
            etag,
            bytes: bytes.into(),
            next_update,
            cache_control: std::sync::RwLock::new((
                i64::MIN,
                axum::http::HeaderValue::from_static("no-cache"),
            )),
        }
    }

    /// The `Cache-Control` value at `now` (Unix seconds): `public, max-age=S`, S the seconds
    /// to `next_update` (0 once past it).
    pub(crate) fn cache_control(&self, now: i64) -> axum::http::HeaderValue {
        if let Ok(c) = self.cache_control.read() {
            if c.0 == now {
                return c.1.clone();
            }
        }
        let max_age = self.next_update.saturating_sub(now).max(0);
        let value = axum::http::HeaderValue::from_maybe_shared(axum::body::Bytes::from(format!(
            "public, max-age={max_age}"
        )))
        .unwrap_or_else(|_| axum::http::HeaderValue::from_static("no-cache"));
        if let Ok(mut c) = self.cache_control.write() {
            *c = (now, value.clone());
        }
        value
    }
}

/// The signed status documents last made, by the log sequence they cover: made again when
/// the log has moved on (looked at no more than once a second) or past half their validity,
/// so a poll that matches costs neither a signature nor a copy.
#[derive(Default)]
pub(crate) struct StatusCache {
    pub(crate) checked: Option<std::time::Instant>,
    pub(crate) seq: u64,
    pub(crate) snapshot: Option<Arc<SignedDoc>>,
    pub(crate) token_list: Option<Arc<SignedDoc>>,
    pub(crate) deltas: std::collections::BTreeMap<u64, Arc<SignedDoc>>,
}

/// Everything a request may need: built once by [`Service::open`], shared by the router.
pub struct Service {
    pub(crate) config: ServerConfig,
    pub(crate) tokens: Vec<Token>,
    pub(crate) digests: Vec<TokenDigest>,
    /// The verifier; its status list is replaced when the server signs a new snapshot
    /// (`status::refresh`), so the lock is written about once a second at most.
    pub(crate) verifier: RwLock<Verifier>,
    /// The key directory's trust (its status signer included): what the server's own
    /// snapshots are checked against before they are put in force.
    pub(crate) status_trust: Option<TrustStore>,
    pub(crate) scan_limits: ScanLimits,
    pub(crate) registry: Mutex<Registry>,
    pub(crate) keys: Option<KeyDir>,
    pub(crate) trust_list: Option<SignedDoc>,
    pub(crate) metrics: Metrics,
    pub(crate) status: Mutex<StatusCache>,
    pub(crate) limiter: RateLimiter,
    pub(crate) started: std::time::Instant,
}

fn open_err(what: impl Into<String>) -> impl FnOnce(crate::Error) -> ServerError {
    let what = what.into();
    move |e| ServerError::Open {
        what,
        source: Box::new(e),
    }
}

fn read(path: &PathBuf) -> Result<Vec<u8>, ServerError> {
    std::fs::read(path).map_err(|e| ServerError::Open {
        what: path.display().to_string(),
        source: Box::new(crate::Error::io(path, e)),
    })
}

impl Service {
    /// Opens the registry, the key directory and the trust list `config` names. The
    /// verifier trusts the trust list's signers when one is configured, else the key
    /// directory's.
    pub fn open(config: ServerConfig) -> Result<Service, ServerError> {
        config.check()?;
        let tokens = config.parsed_tokens()?;
        let digests = tokens.iter().map(|t| t.digest).collect();
        let keys = if config.keys.is_dir() {
            Some(KeyDir::open(&config.keys).map_err(open_err(config.keys.display().to_string()))?)
        } else {
            None
        };
        let (store, trust_list) = match &config.trust_list {
            Some(path) => {
                let bytes = read(path)?;
                let root = match (&config.root, &keys) {
                    (Some(r), _) => RootCert::from_pem_or_der(&read(r)?)
                        .map_err(open_err(r.display().to_string()))?,
                    (None, Some(k)) => k.root().clone(),
                    (None, None) => {
                        return Err(ServerError::Config {
                            field: "root".into(),
                            rule: "a trust list needs `root` or a key directory".into(),
                        })
                    }
                };
                let list = TrustList::verify(&bytes, &root)
                    .map_err(open_err(path.display().to_string()))?;
                (list.store, Some(SignedDoc::new(bytes, list.next_update)))
            }
            None => match &keys {
                Some(k) => (
                    k.trust_store()
                        .map_err(|e| open_err(config.keys.display().to_string())(e.into()))?,
                    None,
                ),
                None => {
                    return Err(ServerError::Config {
                        field: "keys".into(),
                        rule: format!(
                            "{} is not a key directory and no trust_list is set: nothing to trust",
                            config.keys.display()
                        ),
                    })
                }
            },
        };
        let registry = Registry::open_url_with(&config.db, &config.database.settings())
            .map_err(open_err(redacted(&config.db)))?;
        let status_trust = match &keys {
            Some(k) if k.status_signer().is_some() => Some(
                k.trust_store()
                    .map_err(|e| open_err(config.keys.display().to_string())(e.into()))?,
            ),
            _ => None,
        };
        let service = Service {
            verifier: RwLock::new(Verifier::new(store)),
            status_trust,
            scan_limits: ScanLimits {
                max_bytes: config.max_image_bytes,
                max_pixels: config.max_image_pixels,
                ..ScanLimits::default()
            },
            registry: Mutex::new(registry),
            keys,
            trust_list,
            metrics: Metrics::default(),
            status: Mutex::new(StatusCache::default()),
            limiter: RateLimiter::new(config.rate_per_second, config.rate_burst),
            started: std::time::Instant::now(),
            tokens,
            digests,
            config,
        };
        // The state in force from the first request on (a snapshot signed now).
        status::refresh(&service);
        Ok(service)
    }

    /// The configuration in force.
    pub fn config(&self) -> &ServerConfig {
        &self.config
    }
}

/// Serves `service` on `listener` until `shutdown` completes, then finishes the requests in
/// flight (graceful shutdown) and returns.
pub async fn run(
    listener: tokio::net::TcpListener,
    service: Arc<Service>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::serve::ListenerExt;
    let current = tokio::spawn(status::keep_current(service.clone()));
    let app = router(service);
    // TCP_NODELAY on every connection: a response is one small write, and Nagle's algorithm
    // against the client's delayed ACK would hold a reply back by up to 40 ms.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set on an accepted connection");
        }
    });
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    current.abort();
    served
}

/// Resolves on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
}

/// `certseal serve`: opens the service, binds, calls `on_listening` with the bound address,
/// serves until SIGTERM or Ctrl-C, and returns once the requests in flight are answered.
pub fn serve(
    config: ServerConfig,
    on_listening: impl FnOnce(SocketAddr),
) -> Result<(), ServerError> {
    let addr = config.listen;
    let level = match config.log_level {
        LogLevel::Off => tracing_subscriber::filter::LevelFilter::OFF,
        LogLevel::Error => tracing_subscriber::filter::LevelFilter::ERROR,
        LogLevel::Warn => tracing_subscriber::filter::LevelFilter::WARN,
        LogLevel::Info => tracing_subscriber::filter::LevelFilter::INFO,
        LogLevel::Debug => tracing_subscriber::filter::LevelFilter::DEBUG,
        LogLevel::Trace => tracing_subscriber::filter::LevelFilter::TRACE,
    };
    let service = Arc::new(Service::open(config)?);
    let _ = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .try_init();
    let listen_err = |e: std::io::Error| ServerError::Listen {
        addr,
        message: e.to_string(),
    };
    // One worker a core (tokio's default, made explicit): a single verification runs on a
    // worker, a batch on the blocking pool and rayon's pool (sized to the cores too). Named,
    // so `top -H` and `/proc/<pid>/task/*/comm` tell the server's threads apart.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(std::thread::available_parallelism().map_or(1, |n| n.get()))
        .thread_name("certseal-serve")
        .enable_all()
        .build()
        .map_err(listen_err)?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(listen_err)?;
        let bound = listener.local_addr().map_err(listen_err)?;
        on_listening(bound);
        tracing::info!(%bound, "listening");
        run(listener, service, shutdown_signal())
            .await
            .map_err(listen_err)?;
        tracing::info!("stopped: requests in flight answered");
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::SignedDoc;

    #[test]
    fn cache_control_counts_down_to_next_update() {
        let doc = SignedDoc::new(b"signed bytes".to_vec(), 1_000);
        assert_eq!(doc.cache_control(900), "public, max-age=100");
        // The same second again: the value made for it.
        assert_eq!(doc.cache_control(900), "public, max-age=100");
        assert_eq!(doc.cache_control(901), "public, max-age=99");
        assert_eq!(doc.cache_control(1_000), "public, max-age=0");
        assert_eq!(doc.cache_control(5_000), "public, max-age=0");
        assert_eq!(doc.etag_header, doc.etag.as_str());
        assert_eq!(doc.etag.len(), 34);
    }
}
