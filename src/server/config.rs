//! The server's configuration: a TOML file, then `CERTSEAL_*` environment overrides, then
//! command-line flags (the CLI applies those). This file owns the format, its bounds and its
//! defaults; it reads no other file and opens nothing.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::crypto::TokenDigest;

use super::ServerError;

/// Largest configuration file read, in bytes.
pub const MAX_CONFIG_BYTES: usize = 256 * 1024;
/// Most tokens a configuration may define.
pub const MAX_TOKENS: usize = 1024;

/// What a bearer token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum Role {
    /// An examination body: `POST /v1/submissions`.
    Submitter,
    /// The issuing authority: `POST /v1/issue`, `POST /v1/certificates/{id}/reissue`.
    Issuer,
    /// The registrar: `POST /v1/certificates/{id}/revoke`, objections.
    Revoker,
}

impl Role {
    /// The name used in the configuration and in problem details.
    pub fn name(self) -> &'static str {
        match self {
            Role::Submitter => "submitter",
            Role::Issuer => "issuer",
            Role::Revoker => "revoker",
        }
    }
}

/// One bearer token: a name for the audit log, its roles, and the SHA-256 of the secret
/// (never the secret itself).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TokenConfig {
    /// Recorded as the actor of every mutating call made with this token.
    pub name: String,
    /// What the token may do.
    pub roles: Vec<Role>,
    /// `sha256:` and 64 hexadecimal digits (`certseal serve --hash-token` prints it).
    pub sha256: String,
}

/// The server's configuration (`certseal serve --print-config` prints the effective one).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Address to listen on; port 0 picks a free one (printed at start).
    pub listen: SocketAddr,
    /// The registry: a SQLite file (created when missing), `sqlite:FILE`, or
    /// `postgres://…` / `postgresql://…` (feature `postgres`); `DATABASE_URL` or
    /// `CERTSEAL_DB` in the environment override it.
    pub db: String,
    /// The key directory: the verifier's trust (unless `trust_list` is set) and the active
    /// signer for issuance.
    pub keys: PathBuf,
    /// A signed trust list: served at `/v1/trust-list`, and the verifier's trust when set.
    pub trust_list: Option<PathBuf>,
    /// The root the trust list is checked against [default: the key directory's root].
    pub root: Option<PathBuf>,
    /// Largest request body in bytes (JSON, submissions).
    pub max_body_bytes: usize,
    /// Most QR strings in one `POST /v1/verify`.
    pub max_batch: usize,
    /// Largest image in bytes for `POST /v1/verify/image`.
    pub max_image_bytes: usize,
    /// Largest image in pixels.
    pub max_image_pixels: u64,
    /// Public requests per second a client (IP address) may make on average; 0 = no limit.
    pub rate_per_second: u32,
    /// Public requests a client may make in a burst.
    pub rate_burst: u32,
    /// Seconds from signing a status document to its `next_update` (and the
    /// `Cache-Control: max-age` it is served with at most).
    pub status_valid_for: u32,
    /// The `uri` a Token Status List names itself by (its `sub`).
    pub status_uri: String,
    /// The most detailed request log written to stderr (`CERTSEAL_LOG` overrides it). At
    /// `info` every answered request is a line (a 304 only at `debug`); `warn` keeps the
    /// start-up line and the failures, for servers under heavy polling.
    pub log_level: LogLevel,
    /// The bearer tokens.
    pub tokens: Vec<TokenConfig>,
    /// How the registry's database is connected to (`[database]`).
    pub database: DatabaseConfig,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            db: "certseal-registry.db".into(),
            keys: PathBuf::from("certseal-keys"),
            trust_list: None,
            root: None,
            max_body_bytes: 2 * 1024 * 1024,
            max_batch: 1000,
            max_image_bytes: 8 * 1024 * 1024,
            max_image_pixels: 40_000_000,
            rate_per_second: 100,
            rate_burst: 200,
            status_valid_for: 3600,
            status_uri: "https://certseal.invalid/v1/status/token-status-list".into(),
            log_level: LogLevel::Info,
            tokens: Vec::new(),
            database: DatabaseConfig::default(),
        }
    }
}

/// How much the server logs (`log_level`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum LogLevel {
    /// Nothing.
    Off,
    /// Failures the server cannot answer around (a store that fails, a signer that is gone).
    Error,
    /// And refused starts, shutdown, slow refreshes.
    Warn,
    /// And one line a request (the default).
    Info,
    /// And one line a 304.
    Debug,
    /// Everything.
    Trace,
}

impl LogLevel {
    /// The level from its name (`off`, `error`, `warn`, `info`, `debug`, `trace`).
    pub fn from_name(name: &str) -> Option<LogLevel> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "off" => LogLevel::Off,
            "error" => LogLevel::Error,
            "warn" => LogLevel::Warn,
            "info" => LogLevel::Info,
            "debug" => LogLevel::Debug,
            "trace" => LogLevel::Trace,
            _ => return None,
        })
    }
}

/// TLS to the database server (libpq's `sslmode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum TlsMode {
    /// Plain TCP.
    Disable,
    /// TLS when the server offers it.
    Prefer,
    /// TLS or no connection; the server certificate is always verified.
    Require,
}

/// The `[database]` section: the registry's location and how a PostgreSQL registry is
/// connected to. `url` is the same setting as the top-level `db` (it wins when both are
/// given); `DATABASE_URL`, then `CERTSEAL_DB`, then `--db` override it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DatabaseConfig {
    /// `postgres://user:password@host:port/db?…`, `sqlite:FILE` or a file.
    pub url: Option<String>,
    /// Connections the pool keeps at most (1..=256).
    pub pool_size: u32,
    /// Seconds opening a connection may take before the server is reported unreachable
    /// (1..=600).
    pub connect_timeout_secs: u32,
    /// TLS mode; unset leaves it to the URL's `sslmode` (a different `sslmode` there is
    /// refused at start).
    pub tls: Option<TlsMode>,
    /// PEM file the server's certificate is verified against (else the system's roots).
    pub tls_root_cert: Option<PathBuf>,
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig {
            url: None,
            pool_size: 4,
            connect_timeout_secs: 10,
            tls: None,
            tls_root_cert: None,
        }
    }
}

impl DatabaseConfig {
    /// The registry's connection settings.
    pub fn settings(&self) -> crate::registry::ConnectSettings {
        crate::registry::ConnectSettings {
            pool_size: self.pool_size,
            connect_timeout: std::time::Duration::from_secs(u64::from(self.connect_timeout_secs)),
            tls: self.tls.map(|t| {
                match t {
                    TlsMode::Disable => "disable",
                    TlsMode::Prefer => "prefer",
                    TlsMode::Require => "require",
                }
                .to_owned()
            }),
            root_cert: self.tls_root_cert.clone(),
        }
    }

    /// Checks the bounds.
    fn check(&self) -> Result<(), ServerError> {
        if !(1..=256).contains(&self.pool_size) {
            return Err(bad(
                "database.pool_size",
                format!("got {}, expected 1..=256", self.pool_size),
            ));
        }
        if !(1..=600).contains(&self.connect_timeout_secs) {
            return Err(bad(
                "database.connect_timeout_secs",
                format!("got {}, expected 1..=600", self.connect_timeout_secs),
            ));
        }
        if self.url.as_deref() == Some("") {
            return Err(bad("database.url", "got an empty URL, expected a location"));
        }
        Ok(())
    }
}

/// A configured token, parsed.
#[derive(Clone, Debug)]
pub(crate) struct Token {
    pub(crate) name: String,
    pub(crate) roles: Vec<Role>,
    pub(crate) digest: TokenDigest,
}

fn bad(field: impl Into<String>, rule: impl Into<String>) -> ServerError {
    ServerError::Config {
        field: field.into(),
        rule: rule.into(),
    }
}

impl ServerConfig {
    /// Parses a TOML configuration (unknown keys refused) and checks it.
    pub fn from_toml(text: &str) -> Result<ServerConfig, ServerError> {
        if text.len() > MAX_CONFIG_BYTES {
            return Err(bad(
                "config",
                format!(
                    "got {} bytes, expected at most {MAX_CONFIG_BYTES}",
                    text.len()
                ),
            ));
        }
        let mut cfg: ServerConfig = toml::from_str(text).map_err(|e| bad("config", e.message()))?;
        if let Some(url) = cfg.database.url.take() {
            cfg.db = url;
        }
        cfg.check()?;
        Ok(cfg)
    }

    /// The configuration as TOML.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Applies `CERTSEAL_LISTEN`, `DATABASE_URL` then `CERTSEAL_DB` (the more specific wins),
    /// `CERTSEAL_KEYS`, `CERTSEAL_TRUST_LIST`, `CERTSEAL_ROOT`, `CERTSEAL_LOG` when set in
    /// `env`.
    pub fn apply_env(&mut self, env: impl Fn(&str) -> Option<String>) -> Result<(), ServerError> {
        if let Some(v) = env("CERTSEAL_LISTEN") {
            self.listen = v.parse().map_err(|_| {
                bad(
                    "CERTSEAL_LISTEN",
                    format!("got {v:?}, expected an address such as 127.0.0.1:8080"),
                )
            })?;
        }
        if let Some(v) = env("DATABASE_URL").filter(|v| !v.is_empty()) {
            self.db = v;
        }
        if let Some(v) = env("CERTSEAL_DB").filter(|v| !v.is_empty()) {
            self.db = v;
        }
        if let Some(v) = env("CERTSEAL_KEYS") {
            self.keys = v.into();
        }
        if let Some(v) = env("CERTSEAL_TRUST_LIST") {
            self.trust_list = Some(v.into());
        }
        if let Some(v) = env("CERTSEAL_ROOT") {
            self.root = Some(v.into());
        }
        if let Some(v) = env("CERTSEAL_LOG").filter(|v| !v.is_empty()) {
            self.log_level = LogLevel::from_name(&v).ok_or_else(|| {
                bad(
                    "CERTSEAL_LOG",
                    format!("got {v:?}, expected off, error, warn, info, debug or trace"),
                )
            })?;
        }
        self.check()
    }

    /// Checks the bounds and parses the token digests.
    pub fn check(&self) -> Result<(), ServerError> {
        let within = |field: &str, v: u64, lo: u64, hi: u64| {
            if v < lo || v > hi {
                Err(bad(field, format!("got {v}, expected {lo}..={hi}")))
            } else {
                Ok(())
            }
        };
        within("max_body_bytes", self.max_body_bytes as u64, 1024, 64 << 20)?;
        within("max_batch", self.max_batch as u64, 1, 100_000)?;
        within(
            "max_image_bytes",
            self.max_image_bytes as u64,
            1024,
            64 << 20,
        )?;
        within("max_image_pixels", self.max_image_pixels, 1, 200_000_000)?;
        within("rate_burst", u64::from(self.rate_burst), 0, 1_000_000)?;
        within(
            "status_valid_for",
            u64::from(self.status_valid_for),
            60,
            31 * 86_400,
        )?;
        if self.status_uri.is_empty() || self.status_uri.len() > 2048 {
            return Err(bad(
                "status_uri",
                format!("got {} bytes, expected 1..=2048", self.status_uri.len()),
            ));
        }
        if self.tokens.len() > MAX_TOKENS {
            return Err(bad(
                "tokens",
                format!("got {}, expected at most {MAX_TOKENS}", self.tokens.len()),
            ));
        }
        self.database.check()?;
        self.parsed_tokens().map(|_| ())
    }

    pub(crate) fn parsed_tokens(&self) -> Result<Vec<Token>, ServerError> {
        let mut out: Vec<Token> = Vec::with_capacity(self.tokens.len());
        for (i, t) in self.tokens.iter().enumerate() {
            let field = |f: &str| format!("tokens[{i}].{f}");
            let n = t.name.chars().count();
            if n == 0 || n > 64 || t.name.chars().any(char::is_control) {
                return Err(bad(
                    field("name"),
                    format!("got {n} characters, expected 1..=64 without control characters"),
                ));
            }
            if out.iter().any(|o| o.name == t.name) {
                return Err(bad(field("name"), format!("{:?} is defined twice", t.name)));
            }
            if t.roles.is_empty() {
                return Err(bad(field("roles"), "got none, expected at least one role"));
            }
            let digest = TokenDigest::from_hex(&t.sha256)
                .map_err(|e| bad(field("sha256"), e.to_string()))?;
            if out.iter().any(|o| o.digest == digest) {
                return Err(bad(field("sha256"), "the same digest is defined twice"));
            }
            out.push(Token {
                name: t.name.clone(),
                roles: t.roles.clone(),
                digest,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_config_with_tokens() {
        let digest = TokenDigest::of(b"t").to_hex();
        let cfg = ServerConfig::from_toml(&format!(
            "listen = \"127.0.0.1:0\"\nmax_batch = 10\n[[tokens]]\nname = \"exam\"\nroles = [\"submitter\"]\nsha256 = \"{digest}\"\n"
        ))
        .unwrap();
        assert_eq!(cfg.max_batch, 10);
        assert_eq!(cfg.parsed_tokens().unwrap()[0].roles, [Role::Submitter]);
        assert_eq!(ServerConfig::from_toml(&cfg.to_toml()).unwrap(), cfg);
    }

    #[test]
    fn rejects_unknown_key_and_bad_digest() {
        let e = ServerConfig::from_toml("lisen = \"x\"").unwrap_err();
        assert!(e.to_string().contains("lisen"), "{e}");
        let e = ServerConfig::from_toml(
            "[[tokens]]\nname = \"a\"\nroles = [\"issuer\"]\nsha256 = \"sha256:00\"\n",
        )
        .unwrap_err();
        assert!(e.to_string().contains("tokens[0].sha256"), "{e}");
        let e = ServerConfig::from_toml("max_batch = 0").unwrap_err();
        assert!(e.to_string().contains("max_batch"), "{e}");
    }

    #[test]
    fn env_overrides_the_file() {
        let mut cfg = ServerConfig::default();
        cfg.apply_env(|k| (k == "CERTSEAL_DB").then(|| "other.db".to_string()))
            .unwrap();
        assert_eq!(cfg.db, "other.db");
        assert!(cfg
            .apply_env(|k| (k == "CERTSEAL_LISTEN").then(|| "nowhere".to_string()))
            .is_err());
    }

    #[test]
    fn log_level_from_the_file_and_certseal_log() {
        let cfg = ServerConfig::from_toml("log_level = \"warn\"").unwrap();
        assert_eq!(cfg.log_level, LogLevel::Warn);
        assert_eq!(ServerConfig::from_toml(&cfg.to_toml()).unwrap(), cfg);
        assert_eq!(ServerConfig::default().log_level, LogLevel::Info);
        let e = ServerConfig::from_toml("log_level = \"loud\"").unwrap_err();
        assert!(e.to_string().contains("loud"), "{e}");
        let mut over = cfg.clone();
        over.apply_env(|k| (k == "CERTSEAL_LOG").then(|| "Debug".to_string()))
            .unwrap();
        assert_eq!(over.log_level, LogLevel::Debug);
        let e = over
            .apply_env(|k| (k == "CERTSEAL_LOG").then(|| "verbose".to_string()))
            .unwrap_err();
        assert!(e.to_string().contains("CERTSEAL_LOG"), "{e}");
        assert_eq!(
            over.log_level,
            LogLevel::Debug,
            "a refused value changes nothing"
        );
    }

    #[test]
    fn reads_the_database_section_and_database_url_overrides_it() {
        let cfg = ServerConfig::from_toml(
            "db = \"other.db\"\n[database]\nurl = \"postgres://u:pw@db:5432/reg\"\n\
             pool_size = 16\nconnect_timeout_secs = 3\ntls = \"require\"\n\
             tls_root_cert = \"/etc/ca.pem\"\n",
        )
        .unwrap();
        assert_eq!(
            cfg.db, "postgres://u:pw@db:5432/reg",
            "[database] url wins over db"
        );
        let s = cfg.database.settings();
        assert_eq!(s.pool_size, 16);
        assert_eq!(s.connect_timeout, std::time::Duration::from_secs(3));
        assert_eq!(s.tls.as_deref(), Some("require"));
        assert_eq!(s.root_cert, Some(PathBuf::from("/etc/ca.pem")));
        let mut over = cfg.clone();
        over.apply_env(|k| (k == "DATABASE_URL").then(|| "postgres://x@h/d".to_string()))
            .unwrap();
        assert_eq!(over.db, "postgres://x@h/d");
        assert_eq!(over.database.pool_size, 16, "the other settings stay");
        assert_eq!(ServerConfig::from_toml(&cfg.to_toml()).unwrap(), cfg);
        for (text, field) in [
            ("[database]\npool_size = 0", "database.pool_size"),
            (
                "[database]\nconnect_timeout_secs = 601",
                "database.connect_timeout_secs",
            ),
            ("[database]\ntls = \"verify-full\"", "config"),
            ("[database]\npassword = \"x\"", "config"),
        ] {
            let e = ServerConfig::from_toml(text).unwrap_err();
            assert!(e.to_string().contains(field), "{text}: {e}");
        }
    }

    #[test]
    fn database_url_sets_db_and_certseal_db_wins_over_it() {
        let url = "postgres://certseal@127.0.0.1:5432/certseal";
        let mut cfg = ServerConfig::default();
        cfg.apply_env(|k| (k == "DATABASE_URL").then(|| url.to_string()))
            .unwrap();
        assert_eq!(cfg.db, url);
        let mut cfg = ServerConfig::default();
        cfg.apply_env(|k| match k {
            "DATABASE_URL" => Some(url.to_string()),
            "CERTSEAL_DB" => Some("sqlite:local.db".to_string()),
            _ => None,
        })
        .unwrap();
        assert_eq!(cfg.db, "sqlite:local.db");
        let mut cfg = ServerConfig::default();
        cfg.apply_env(|k| (k == "DATABASE_URL").then(String::new))
            .unwrap();
        assert_eq!(
            cfg.db, "certseal-registry.db",
            "an empty DATABASE_URL is unset"
        );
    }
}
