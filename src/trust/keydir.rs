//! The key directory that `certseal keys init` makes: a root key and certificate, and one or
//! more document-signer keys and certificates whose windows overlap so keys roll over without a
//! gap.
//!
//! Layout (N counts from 1):
//!
//! ```text
//! root.key.pem        PKCS#8 (P-256, Ed25519 or SM2), mode 0600
//! root.cert.pem
//! signer-N.key.pem    PKCS#8, mode 0600
//! signer-N.cert.pem
//! status.key.pem      the status signer (status-signing usage only), mode 0600
//! status.cert.pem
//! ```
//!
//! The status signer signs status snapshots, deltas and Token Status List exports
//! (`specs/status.md`); its certificate lists only the status-signing purpose, so it can sign
//! no certificate, and no document signer can sign a status document. A directory made before
//! status signing existed has none until [`KeyDir::add_status_signer`].

use std::fmt;
use std::path::{Path, PathBuf};

use ring::rand::{SecureRandom, SystemRandom};

use super::cert::{check_chain, RootCert, SignerCert, SignerUsage};
use super::issue::{check_uscc, RootParams, SignerParams};
use super::store::{TrustStore, TrustedSigner};
use super::validity::year_of;
use super::TrustError;
use crate::crypto::{self, Algorithm, Signer};
use crate::time::DAY;

/// Most signers `KeyDir::init` makes.
pub const MAX_INIT_SIGNERS: usize = 16;
/// Root lifetime from `now`: 20 years (extended if the last signer ends later).
const ROOT_LIFETIME: i64 = 20 * 365 * DAY;
/// Certificates start one day before `now`, to absorb clock skew.
const BACKDATE: i64 = DAY;

/// Options for [`KeyDir::init`].
///
/// Windows: with `V = signer_validity_days` days, signer N (from 1) is valid from
/// `now − 1 day + (N−1)·step` for `V` days, where `step = V − V/5`: consecutive signers overlap
/// by a fifth of their life (73 days for a year). The root is valid from `now − 1 day` for 20
/// years, or until the last signer's end if that is later.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitOptions {
    /// Algorithm of every key made (root and signers).
    pub alg: Algorithm,
    /// The issuing authority's name (certificate subject O; Chinese allowed).
    pub authority_name: String,
    /// The issuing authority's unified social credit code (GB 32100; checked).
    pub authority_uscc: String,
    /// How many signers to make, 1..=16 (2 gives an overlapping rollover pair).
    pub signers: usize,
    /// The current time (Unix seconds).
    pub now: i64,
    /// Validity of each signer certificate, in days (at least 1).
    pub signer_validity_days: u32,
    /// Overwrite existing keys. Without it, `init` refuses if any file it would write exists.
    pub force: bool,
}

/// A signer key (a document signer, or the status signer) with its certificate, already checked
/// against the directory's root.
pub struct SignerKey {
    index: usize,
    cert: SignerCert,
    trusted: TrustedSigner,
    key: Box<dyn Signer>,
}

impl fmt::Debug for SignerKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SignerKey")
            .field("index", &self.index)
            .field("cert", &self.cert)
            .finish_non_exhaustive()
    }
}

impl SignerKey {
    /// The N of `signer-N.*` (from 1); 0 for the status signer.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The signer's certificate.
    pub fn cert(&self) -> &SignerCert {
        &self.cert
    }

    /// The signer as a verifier sees it.
    pub fn trusted(&self) -> &TrustedSigner {
        &self.trusted
    }

    /// The `kid` to put in signed payloads.
    pub fn kid(&self) -> [u8; 8] {
        self.cert.kid()
    }

    /// Fails with [`TrustError::SignerNotValidNow`] unless `now` lies in the certificate window.
    pub fn check_valid_at(&self, now: i64) -> Result<(), TrustError> {
        if self.cert.is_valid_at(now) {
            Ok(())
        } else {
            Err(TrustError::SignerNotValidNow {
                subject: self.cert.subject().to_owned(),
                not_before: self.cert.not_before(),
                not_after: self.cert.not_after(),
                now,
            })
        }
    }

    /// The private key, only if `now` lies in the certificate window: a key outside its window
    /// does not sign.
    pub fn signer_at(&self, now: i64) -> Result<&dyn Signer, TrustError> {
        self.check_valid_at(now)?;
        Ok(self.key.as_ref())
    }

    /// Signs `message` (COSE signature form) if `now` lies in the certificate window.
    pub fn sign_at(&self, now: i64, message: &[u8]) -> Result<Vec<u8>, crate::Error> {
        Ok(self.signer_at(now)?.sign(message)?)
    }
}

/// An open key directory: a root certificate (and its key, if present) and the signers.
pub struct KeyDir {
    dir: PathBuf,
    root: RootCert,
    root_key: Option<Box<dyn Signer>>,
    signers: Vec<SignerKey>,
    status: Option<SignerKey>,
}

impl fmt::Debug for KeyDir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyDir")
            .field("dir", &self.dir)
            .field("root", &self.root)
            .field("root_key", &self.root_key.is_some())
            .field("signers", &self.signers)
            .field("status", &self.status)
            .finish()
    }
}

fn root_key_path(dir: &Path) -> PathBuf {
    dir.join("root.key.pem")
}
fn root_cert_path(dir: &Path) -> PathBuf {
    dir.join("root.cert.pem")
}
fn signer_key_path(dir: &Path, n: usize) -> PathBuf {
    dir.join(format!("signer-{n}.key.pem"))
}
fn signer_cert_path(dir: &Path, n: usize) -> PathBuf {
    dir.join(format!("signer-{n}.cert.pem"))
}

fn status_key_path(dir: &Path) -> PathBuf {
    dir.join("status.key.pem")
}
fn status_cert_path(dir: &Path) -> PathBuf {
    dir.join("status.cert.pem")
}

fn bad(field: &'static str, reason: impl Into<String>) -> TrustError {
    TrustError::BadParameter {
        field,
        reason: reason.into(),
    }
}

fn random_serial(rng: &SystemRandom) -> Result<u64, TrustError> {
    let mut b = [0u8; 8];
    rng.fill(&mut b)
        .map_err(|_| TrustError::Generate("random serial".into()))?;
    // Positive in 63 bits, never zero.
    Ok((u64::from_be_bytes(b) >> 1) | 1)
}

/// `(not_before, not_after)` of signer `n` (from 1), as documented on [`InitOptions`].
fn signer_window(now: i64, validity_days: u32, n: usize) -> Result<(i64, i64), TrustError> {
    let overflow = || bad("now", "time arithmetic overflows");
    let v = i64::from(validity_days)
        .checked_mul(DAY)
        .ok_or_else(overflow)?;
    let step = v.checked_sub(v / 5).ok_or_else(overflow)?;
    let k = i64::try_from(n.saturating_sub(1)).map_err(|_| overflow())?;
    let nb = now
        .checked_sub(BACKDATE)
        .and_then(|t| t.checked_add(step.checked_mul(k)?))
        .ok_or_else(overflow)?;
    let na = nb.checked_add(v).ok_or_else(overflow)?;
    Ok((nb, na))
}

/// A fresh key of `alg` and its certificate as signer `n` (0: the status signer), signed by
/// `root_key`.
fn make_signer(
    root: &RootCert,
    root_key: &dyn Signer,
    alg: Algorithm,
    n: usize,
    (not_before, not_after): (i64, i64),
    (authority_name, authority_uscc): (&str, &str),
    rng: &SystemRandom,
) -> Result<(Vec<u8>, SignerCert), crate::Error> {
    let (signer, pkcs8) = crypto::generate_signer(alg)?;
    let year =
        year_of(not_before.saturating_add(BACKDATE)).map_or_else(String::new, |y| format!(" {y}"));
    let (common_name, usage) = if n == 0 {
        (format!("certseal status signer{year}"), SignerUsage::STATUS)
    } else {
        (
            format!("certseal document signer{year} #{n}"),
            SignerUsage::DOCUMENTS,
        )
    };
    let cert = root.issue_signer_for(
        root_key,
        &signer.public_key_spki(),
        &SignerParams {
            common_name,
            authority_name: authority_name.to_owned(),
            authority_uscc: authority_uscc.to_owned(),
            serial: random_serial(rng)?,
            not_before,
            not_after,
        },
        usage,
    )?;
    Ok((pkcs8, cert))
}

/// The status signer of `dir`, if both its files exist: chained to `root`, its key matching,
/// and its certificate carrying the status-signing usage.
fn open_status_signer(dir: &Path, root: &RootCert) -> Result<Option<SignerKey>, crate::Error> {
    let (kp, cp) = (status_key_path(dir), status_cert_path(dir));
    match (kp.exists(), cp.exists()) {
        (false, false) => return Ok(None),
        (true, true) => {}
        (_, _) => {
            let missing = if kp.exists() { cp } else { kp };
            return Err(TrustError::IncompleteSigner { missing }.into());
        }
    }
    let bytes = std::fs::read(&cp).map_err(|e| crate::Error::io(&cp, e))?;
    let cert = SignerCert::from_pem_or_der(&bytes)?;
    check_chain(&cert, root)?;
    if !cert.usage().status {
        return Err(bad(
            "status signer",
            format!(
                "{}: \"{}\" lacks the status-signing usage",
                cp.display(),
                cert.subject()
            ),
        )
        .into());
    }
    let key = read_signer(&kp)?;
    if !same_key(key.as_ref(), cert.verifying_key()) {
        return Err(TrustError::KeyMismatch {
            what: kp.display().to_string(),
        }
        .into());
    }
    let trusted = TrustedSigner::new(&cert, root)?;
    Ok(Some(SignerKey {
        index: 0,
        cert,
        trusted,
        key,
    }))
}

fn read_signer(path: &Path) -> Result<Box<dyn Signer>, crate::Error> {
    read_private_key(path)
}

/// Reads a PKCS#8 private key file (PEM or DER) of any algorithm this build supports
/// ([`crypto::signer_from_pkcs8`]).
pub fn read_private_key(path: &Path) -> Result<Box<dyn Signer>, crate::Error> {
    let bytes = std::fs::read(path).map_err(|e| crate::Error::io(path, e))?;
    let der = crypto::from_pem_or_der("PRIVATE KEY", &bytes)?;
    Ok(crypto::signer_from_pkcs8(&der)?)
}

/// Writes a private key as a PKCS#8 PEM file readable by its owner only (mode 0600),
/// replacing any file there whole (written beside it, synced, renamed over it).
pub fn write_private_key(path: &Path, pkcs8_der: &[u8]) -> Result<(), crate::Error> {
    let pem = crypto::to_pem("PRIVATE KEY", pkcs8_der);
    super::staged::write_file(path, pem.as_bytes(), true)
}

fn same_key(signer: &dyn Signer, cert_key: &crypto::VerifyingKey) -> bool {
    crypto::VerifyingKey::from_spki(&signer.public_key_spki()).is_ok_and(|k| &k == cert_key)
}

impl KeyDir {
    /// Makes a fresh root and `opts.signers` signers in `dir` (created if missing), writes them
    /// (keys mode 0600), and opens the result. Refuses, before writing anything, if a file it
    /// would write exists, unless `opts.force`; with `force`, stale `signer-N` files beyond the
    /// new count are removed.
    pub fn init(dir: &Path, opts: InitOptions) -> Result<KeyDir, crate::Error> {
        if opts.signers == 0 || opts.signers > MAX_INIT_SIGNERS {
            return Err(bad(
                "signers",
                format!("{}, expected 1..={MAX_INIT_SIGNERS}", opts.signers),
            )
            .into());
        }
        if opts.signer_validity_days == 0 {
            return Err(bad("signer_validity_days", "0, expected at least 1").into());
        }
        check_uscc(&opts.authority_uscc)?;

        let mut paths = vec![
            root_key_path(dir),
            root_cert_path(dir),
            status_key_path(dir),
            status_cert_path(dir),
        ];
        for n in 1..=opts.signers {
            paths.push(signer_key_path(dir, n));
            paths.push(signer_cert_path(dir, n));
        }
        if !opts.force {
            if let Some(existing) = paths.iter().find(|p| p.exists()) {
                return Err(TrustError::KeyExists {
                    path: existing.clone(),
                }
                .into());
            }
        }

        let windows = (1..=opts.signers)
            .map(|n| signer_window(opts.now, opts.signer_validity_days, n))
            .collect::<Result<Vec<_>, _>>()?;
        let last_end = windows.last().map_or(opts.now, |w| w.1);
        let root_nb = opts
            .now
            .checked_sub(BACKDATE)
            .ok_or_else(|| bad("now", "out of range"))?;
        let root_na = opts
            .now
            .checked_add(ROOT_LIFETIME)
            .ok_or_else(|| bad("now", "out of range"))?
            .max(last_end);
        let year = |t: i64| year_of(t).map_or_else(String::new, |y| format!(" {y}"));

        let rng = SystemRandom::new();
        let (root_signer, root_pkcs8) = crypto::generate_signer(opts.alg)?;
        let root = RootCert::issue(
            root_signer.as_ref(),
            &RootParams {
                common_name: format!("certseal root{}", year(opts.now)),
                authority_name: opts.authority_name.clone(),
                authority_uscc: Some(opts.authority_uscc.clone()),
                serial: random_serial(&rng)?,
                not_before: root_nb,
                not_after: root_na,
            },
        )?;
        let mut made = Vec::with_capacity(opts.signers);
        for (i, (nb, na)) in windows.iter().enumerate() {
            let n = i.saturating_add(1);
            let (pkcs8, cert) = make_signer(
                &root,
                root_signer.as_ref(),
                opts.alg,
                n,
                (*nb, *na),
                (&opts.authority_name, &opts.authority_uscc),
                &rng,
            )?;
            made.push((n, pkcs8, cert));
        }
        // The status signer: valid as long as the root, status-signing usage only.
        let (status_pkcs8, status_cert) = make_signer(
            &root,
            root_signer.as_ref(),
            opts.alg,
            0,
            (root_nb, root_na),
            (&opts.authority_name, &opts.authority_uscc),
            &rng,
        )?;

        std::fs::create_dir_all(dir).map_err(|e| crate::Error::io(dir, e))?;
        // Every file is on disk before any final name changes: an interrupted init (or one
        // forced over an existing directory) leaves the old set, not a mix.
        let mut staged = super::staged::Staged::new();
        let pem = |der: &[u8]| crypto::to_pem("PRIVATE KEY", der);
        staged.write(&root_key_path(dir), pem(&root_pkcs8).as_bytes(), true)?;
        staged.write(&root_cert_path(dir), root.to_pem().as_bytes(), false)?;
        for (n, pkcs8, cert) in &made {
            staged.write(&signer_key_path(dir, *n), pem(pkcs8).as_bytes(), true)?;
            staged.write(&signer_cert_path(dir, *n), cert.to_pem().as_bytes(), false)?;
        }
        staged.write(&status_key_path(dir), pem(&status_pkcs8).as_bytes(), true)?;
        staged.write(
            &status_cert_path(dir),
            status_cert.to_pem().as_bytes(),
            false,
        )?;
        staged.commit()?;
        // Remove stale signers a previous (forced-over) init left behind.
        let mut n = opts.signers.saturating_add(1);
        loop {
            let (k, c) = (signer_key_path(dir, n), signer_cert_path(dir, n));
            if !k.exists() && !c.exists() {
                break;
            }
            for p in [k, c] {
                if p.exists() {
                    std::fs::remove_file(&p).map_err(|e| crate::Error::io(&p, e))?;
                }
            }
            n = n.saturating_add(1);
        }
        Self::open(dir)
    }

    /// Opens a key directory: reads and checks the root certificate, the root key if present
    /// (it must match the certificate), and `signer-1`, `signer-2`, … until both files of the
    /// next N are missing. Each signer's certificate must chain to the root and its key match
    /// the certificate.
    pub fn open(dir: &Path) -> Result<KeyDir, crate::Error> {
        let root_cert_path = root_cert_path(dir);
        let bytes =
            std::fs::read(&root_cert_path).map_err(|e| crate::Error::io(&root_cert_path, e))?;
        let root = RootCert::from_pem_or_der(&bytes)?;
        let root_key_path = root_key_path(dir);
        let root_key = if root_key_path.exists() {
            let key = read_signer(&root_key_path)?;
            if !same_key(key.as_ref(), root.verifying_key()) {
                return Err(TrustError::KeyMismatch {
                    what: root_key_path.display().to_string(),
                }
                .into());
            }
            Some(key)
        } else {
            None
        };

        let mut signers = Vec::new();
        for n in 1..=super::store::MAX_SIGNERS {
            let (kp, cp) = (signer_key_path(dir, n), signer_cert_path(dir, n));
            match (kp.exists(), cp.exists()) {
                (false, false) => break,
                (true, true) => {}
                (_, _) => {
                    let missing = if kp.exists() { cp } else { kp };
                    return Err(TrustError::IncompleteSigner { missing }.into());
                }
            }
            let bytes = std::fs::read(&cp).map_err(|e| crate::Error::io(&cp, e))?;
            let cert = SignerCert::from_pem_or_der(&bytes)?;
            check_chain(&cert, &root)?;
            let key = read_signer(&kp)?;
            if !same_key(key.as_ref(), cert.verifying_key()) {
                return Err(TrustError::KeyMismatch {
                    what: kp.display().to_string(),
                }
                .into());
            }
            let trusted = TrustedSigner::new(&cert, &root)?;
            signers.push(SignerKey {
                index: n,
                cert,
                trusted,
                key,
            });
        }
        let status = open_status_signer(dir, &root)?;
        Ok(KeyDir {
            dir: dir.to_path_buf(),
            root,
            root_key,
            signers,
            status,
        })
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The root certificate.
    pub fn root(&self) -> &RootCert {
        &self.root
    }

    /// The root's private key, if the directory holds it (it signs new signer certificates and
    /// the trust list; it may be kept off line).
    pub fn root_key(&self) -> Option<&dyn Signer> {
        self.root_key.as_deref()
    }

    /// Every signer, in `signer-N` order.
    pub fn signers(&self) -> &[SignerKey] {
        &self.signers
    }

    /// The signer to sign with at `now`: among those whose window contains `now`, the one with
    /// the latest `not_before` (so a new key takes over as soon as it starts). Fails with
    /// [`TrustError::NoSignerValidNow`] when no window contains `now`.
    pub fn active_signer(&self, now: i64) -> Result<&SignerKey, TrustError> {
        self.signers
            .iter()
            .filter(|s| s.cert.is_valid_at(now))
            .max_by_key(|s| (s.cert.not_before(), s.index))
            .ok_or(TrustError::NoSignerValidNow {
                now,
                count: self.signers.len(),
            })
    }

    /// Makes the next signer, `signer-{N+1}`, with a fresh key of `alg` valid
    /// `not_before..=not_after` (inside the root's window), signs its certificate with the root
    /// key, writes both files and returns it. The authority name and code come from the root's
    /// subject. Needs the root key; refuses to overwrite existing files.
    pub fn add_signer(
        &mut self,
        alg: Algorithm,
        not_before: i64,
        not_after: i64,
    ) -> Result<&SignerKey, crate::Error> {
        let root_key = self.root_key.as_deref().ok_or_else(|| {
            bad(
                "root key",
                format!("{} is missing", root_key_path(&self.dir).display()),
            )
        })?;
        let name = self
            .root
            .authority_name()
            .ok_or_else(|| bad("authority_name", "root subject has no organizationName"))?;
        let uscc = self.root.authority_uscc().ok_or_else(|| {
            bad(
                "authority_uscc",
                "root subject has no organizationIdentifier",
            )
        })?;
        let n = self.signers.len().saturating_add(1);
        let (kp, cp) = (
            signer_key_path(&self.dir, n),
            signer_cert_path(&self.dir, n),
        );
        if let Some(existing) = [&kp, &cp].into_iter().find(|p| p.exists()) {
            return Err(TrustError::KeyExists {
                path: existing.clone(),
            }
            .into());
        }
        let rng = SystemRandom::new();
        let (pkcs8, cert) = make_signer(
            &self.root,
            root_key,
            alg,
            n,
            (not_before, not_after),
            (name, uscc),
            &rng,
        )?;
        let key = crypto::signer_from_pkcs8(&pkcs8)?;
        let trusted = TrustedSigner::new(&cert, &self.root)?;
        let mut staged = super::staged::Staged::new();
        staged.write(&kp, crypto::to_pem("PRIVATE KEY", &pkcs8).as_bytes(), true)?;
        staged.write(&cp, cert.to_pem().as_bytes(), false)?;
        staged.commit()?;
        self.signers.push(SignerKey {
            index: n,
            cert,
            trusted,
            key,
        });
        self.signers
            .last()
            .ok_or_else(|| TrustError::Generate("signer list empty after push".into()).into())
    }

    /// A trust store with every signer of this directory (retired and future ones included)
    /// and the status signer.
    pub fn trust_store(&self) -> Result<TrustStore, TrustError> {
        TrustStore::from_signer_certs(&self.root, &self.trusted_certs())
    }

    /// Every certificate a verifier should trust: the document signers in `signer-N` order,
    /// then the status signer (what `certseal trust export` signs into the trust list).
    pub fn trusted_certs(&self) -> Vec<SignerCert> {
        self.signers
            .iter()
            .chain(self.status.as_ref())
            .map(|s| s.cert.clone())
            .collect()
    }

    /// The status signer (`status.key.pem`), if the directory has one.
    pub fn status_signer(&self) -> Option<&SignerKey> {
        self.status.as_ref()
    }

    /// Makes the status signer of a directory that has none (made before status signing
    /// existed): a fresh key of `alg`, valid `not_before..=not_after`, status-signing usage
    /// only, signed by the root key. Refuses to overwrite an existing one.
    pub fn add_status_signer(
        &mut self,
        alg: Algorithm,
        not_before: i64,
        not_after: i64,
    ) -> Result<&SignerKey, crate::Error> {
        let root_key = self.root_key.as_deref().ok_or_else(|| {
            bad(
                "root key",
                format!("{} is missing", root_key_path(&self.dir).display()),
            )
        })?;
        let name = self
            .root
            .authority_name()
            .ok_or_else(|| bad("authority_name", "root subject has no organizationName"))?;
        let uscc = self.root.authority_uscc().ok_or_else(|| {
            bad(
                "authority_uscc",
                "root subject has no organizationIdentifier",
            )
        })?;
        let (kp, cp) = (status_key_path(&self.dir), status_cert_path(&self.dir));
        if let Some(existing) = [&kp, &cp].into_iter().find(|p| p.exists()) {
            return Err(TrustError::KeyExists {
                path: existing.clone(),
            }
            .into());
        }
        let rng = SystemRandom::new();
        let (pkcs8, cert) = make_signer(
            &self.root,
            root_key,
            alg,
            0,
            (not_before, not_after),
            (name, uscc),
            &rng,
        )?;
        let key = crypto::signer_from_pkcs8(&pkcs8)?;
        let trusted = TrustedSigner::new(&cert, &self.root)?;
        let mut staged = super::staged::Staged::new();
        staged.write(&kp, crypto::to_pem("PRIVATE KEY", &pkcs8).as_bytes(), true)?;
        staged.write(&cp, cert.to_pem().as_bytes(), false)?;
        staged.commit()?;
        Ok(self.status.insert(SignerKey {
            index: 0,
            cert,
            trusted,
            key,
        }))
    }
}
