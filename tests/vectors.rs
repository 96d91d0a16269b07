//! Replays the test vectors in `test-vectors/` (ring's text format) against the library at the
//! fixed clock, and checks that the checked-in files are exactly what the generator makes.
//!
//! The runner fails any record holding an attribute the test did not read, so a vector file
//! cannot carry an expectation that nothing checks.

use std::collections::BTreeSet;
use std::path::PathBuf;

use certseal::codec::hex;
use certseal::crypto::{Algorithm, RingSigner, Signer};
use certseal::model::{classify, Catalogue, ElicenceId, Uscc};
use certseal::trust::{check_chain, kid_of, RootCert, SignerCert, TrustList, TrustStore};
use certseal::verify::interop::{self, Options, Profile, TrustAnchor};
use certseal::verify::Verifier;
use certseal::FixedClock;

#[path = "support/vectors.rs"]
#[allow(dead_code)]
mod support;

// ---------------------------------------------------------------------------------------------
// A ring-style runner.

/// One record: `Name = value` lines, each of which must be consumed.
struct TestCase {
    file: &'static str,
    line: usize,
    attrs: Vec<(String, String, bool)>,
}

impl TestCase {
    fn take(&mut self, name: &str) -> Option<String> {
        let attr = self
            .attrs
            .iter_mut()
            .find(|(n, _, used)| n == name && !used)?;
        attr.2 = true;
        Some(attr.1.clone())
    }

    /// A quoted string or a bare word.
    fn consume_optional_string(&mut self, name: &str) -> Option<String> {
        let raw = self.take(name)?;
        Some(match raw.strip_prefix('"') {
            Some(rest) => unquote(rest).unwrap_or_else(|| panic!("{}: bad quoted {name}", self)),
            None => raw,
        })
    }

    fn consume_string(&mut self, name: &str) -> String {
        self.consume_optional_string(name)
            .unwrap_or_else(|| panic!("{}: no attribute {name}", self))
    }

    fn consume_optional_bytes(&mut self, name: &str) -> Option<Vec<u8>> {
        let raw = self.take(name)?;
        Some(hex::decode(&raw).unwrap_or_else(|e| panic!("{}: {name}: {e}", self)))
    }

    fn consume_bytes(&mut self, name: &str) -> Vec<u8> {
        self.consume_optional_bytes(name)
            .unwrap_or_else(|| panic!("{}: no attribute {name}", self))
    }

    fn consume_optional_i64(&mut self, name: &str) -> Option<i64> {
        let raw = self.take(name)?;
        Some(
            raw.parse()
                .unwrap_or_else(|e| panic!("{}: {name} = {raw}: {e}", self)),
        )
    }

    fn consume_i64(&mut self, name: &str) -> i64 {
        self.consume_optional_i64(name)
            .unwrap_or_else(|| panic!("{}: no attribute {name}", self))
    }

    fn unread(&self) -> Vec<&str> {
        self.attrs
            .iter()
            .filter(|(_, _, used)| !used)
            .map(|(n, _, _)| n.as_str())
            .collect()
    }
}

impl std::fmt::Display for TestCase {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

fn unquote(rest: &str) -> Option<String> {
    let mut out = String::new();
    let mut chars = rest.chars();
    loop {
        match chars.next()? {
            '"' => return chars.next().is_none().then_some(out),
            '\\' => out.push(chars.next()?),
            c => out.push(c),
        }
    }
}

fn parse(file: &'static str, text: &str) -> Vec<TestCase> {
    let mut cases = Vec::new();
    let mut current: Option<TestCase> = None;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') {
            continue;
        }
        if line.is_empty() {
            cases.extend(current.take());
            continue;
        }
        let (name, value) = line
            .split_once(" = ")
            .unwrap_or_else(|| panic!("{file}:{}: not `Name = value`", i + 1));
        let case = current.get_or_insert_with(|| TestCase {
            file,
            line: i + 1,
            attrs: Vec::new(),
        });
        assert!(
            case.attrs.iter().all(|(n, _, _)| n != name),
            "{file}:{}: {name} twice in one record",
            i + 1
        );
        case.attrs.push((name.to_owned(), value.to_owned(), false));
    }
    cases.extend(current);
    cases
}

fn vector_file(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("test-vectors")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs `f` over every record of `file`; fails a record with an attribute `f` did not read.
/// Returns the number of records.
fn run(file: &'static str, mut f: impl FnMut(&mut TestCase)) -> usize {
    let cases = parse(file, &vector_file(file));
    assert!(!cases.is_empty(), "{file}: no records");
    let n = cases.len();
    for mut case in cases {
        f(&mut case);
        let unread = case.unread();
        assert!(unread.is_empty(), "{case}: attributes not read: {unread:?}");
    }
    n
}

fn alg(name: &str) -> Algorithm {
    Algorithm::from_name(name).unwrap_or_else(|| panic!("unknown algorithm {name}"))
}

// ---------------------------------------------------------------------------------------------
// The trust vectors, and the store every other file is checked against.

/// The root and signer certificates of trust.txt, checked record by record.
fn trust_vectors() -> (RootCert, Vec<SignerCert>, usize) {
    let mut root: Option<RootCert> = None;
    let mut signers = Vec::new();
    let n = run("trust.txt", |t| {
        let name = t.consume_string("Name");
        match t.consume_string("Role").as_str() {
            "root" => {
                let alg = alg(&t.consume_string("Alg"));
                assert_eq!(alg, Algorithm::EdDsa, "{t}");
                let seed: [u8; 32] = t.consume_bytes("Seed").try_into().unwrap();
                let der = t.consume_bytes("Certificate");
                let cert = RootCert::parse(&der).unwrap();
                let key = RingSigner::ed25519_from_seed(&seed).unwrap();
                assert_eq!(cert.verifying_key().raw(), key.public_key_raw(), "{t}");
                assert_eq!(cert.kid().to_vec(), t.consume_bytes("Kid"), "{t}");
                assert_eq!(cert.kid(), kid_of(&der));
                assert_eq!(cert.not_before(), t.consume_i64("NotBefore"), "{t}");
                assert_eq!(cert.not_after(), t.consume_i64("NotAfter"), "{t}");
                assert_eq!(cert.subject(), t.consume_string("Subject"), "{t}");
                assert!(root.replace(cert).is_none(), "{t}: two roots");
            }
            "signer" => {
                let root = root.as_ref().expect("the root comes first");
                let alg = alg(&t.consume_string("Alg"));
                let seed: [u8; 32] = t.consume_bytes("Seed").try_into().unwrap();
                let der = t.consume_bytes("Certificate");
                let cert = SignerCert::parse(&der).unwrap();
                check_chain(&cert, root).unwrap_or_else(|e| panic!("{t} ({name}): {e}"));
                let spki = match alg {
                    Algorithm::EdDsa => RingSigner::ed25519_from_seed(&seed)
                        .unwrap()
                        .public_key_spki(),
                    _ => support::P256Signer::from_scalar(&seed).public_key_spki(),
                };
                assert_eq!(cert.verifying_key().algorithm(), alg, "{t}");
                assert_eq!(
                    certseal::crypto::VerifyingKey::from_spki(&spki).unwrap(),
                    *cert.verifying_key(),
                    "{t}: seed does not match the certificate"
                );
                assert_eq!(cert.kid().to_vec(), t.consume_bytes("Kid"), "{t}");
                assert_eq!(cert.kid(), kid_of(&der));
                assert_eq!(cert.not_before(), t.consume_i64("NotBefore"), "{t}");
                assert_eq!(cert.not_after(), t.consume_i64("NotAfter"), "{t}");
                assert_eq!(cert.subject(), t.consume_string("Subject"), "{t}");
                assert_eq!(
                    cert.authority_uscc(),
                    Some(t.consume_string("AuthorityUscc").as_str()),
                    "{t}"
                );
                signers.push(cert);
            }
            "list" => {
                let root = root.as_ref().expect("the root comes first");
                let list = TrustList::verify(&t.consume_bytes("TrustList"), root)
                    .unwrap_or_else(|e| panic!("{t}: {e}"));
                assert_eq!(list.issued_at, t.consume_i64("IssuedAt"), "{t}");
                assert_eq!(list.next_update, t.consume_i64("NextUpdate"), "{t}");
                let want: BTreeSet<String> = t
                    .consume_string("Kids")
                    .split(' ')
                    .map(str::to_owned)
                    .collect();
                let got: BTreeSet<String> = list
                    .store
                    .signers()
                    .iter()
                    .map(|s| hex::encode(s.kid()))
                    .collect();
                assert_eq!(got, want, "{t}");
            }
            other => panic!("{t}: unknown role {other}"),
        }
    });
    (root.expect("a root"), signers, n)
}

#[test]
fn trust_vectors_chain_to_the_root() {
    let (_, signers, n) = trust_vectors();
    assert_eq!(signers.len(), 3);
    assert_eq!(n, 5);
}

// ---------------------------------------------------------------------------------------------
// QR payloads.

#[test]
fn qr_payload_vectors() {
    let (root, signers, _) = trust_vectors();
    let store = TrustStore::from_signer_certs(&root, &signers).unwrap();
    let catalogue = Catalogue::builtin();
    let mut codes = BTreeSet::new();
    let (mut valid, mut invalid) = (0, 0);
    let mut algs = BTreeSet::new();
    run("qr-payload.txt", |t| {
        let payload = t.consume_string("Payload");
        let at = t.consume_i64("At");
        let verdict = Verifier::new(store.clone())
            .with_clock(FixedClock(at))
            .verify(&payload);
        let result = t.consume_string("Result");
        let want_alg = t.consume_optional_string("Alg").map(|a| alg(&a));
        assert_eq!(verdict.alg, want_alg, "{t}");
        let want_kid = t.consume_optional_bytes("Kid");
        assert_eq!(verdict.kid.map(|k| k.to_vec()), want_kid, "{t}");
        if result != "valid" {
            let Err(reason) = &verdict.result else {
                panic!("{t}: verified, expected {result}");
            };
            assert_eq!(reason.code(), result, "{t}: {reason}");
            assert_eq!(reason.stage(), t.consume_string("Stage"), "{t}");
            // Nothing unauthenticated is shown: a view only after the signature checked out.
            if verdict.certificate.is_some() {
                assert!(matches!(reason.stage(), "time" | "key"), "{t}");
            }
            codes.insert(result);
            invalid += 1;
            return;
        }
        assert_eq!(verdict.result, Ok(()), "{t}");
        algs.insert(verdict.alg.unwrap().name());
        let v = verdict
            .certificate
            .expect("a valid verdict carries the view");
        assert_eq!(v.issued_at, t.consume_i64("IssuedAt"), "{t}");
        assert_eq!(v.expires_at, t.consume_optional_i64("ExpiresAt"), "{t}");
        assert_eq!(
            i64::from(v.qualification.code),
            t.consume_i64("Qualification")
        );
        assert_eq!(
            i64::from(v.qualification.level),
            t.consume_i64("Level"),
            "{t}"
        );
        assert_eq!(
            v.qualification.specialty.map(i64::from),
            t.consume_optional_i64("Specialty"),
            "{t}"
        );
        assert_eq!(v.holder_name, t.consume_string("HolderName"), "{t}");
        assert_eq!(i64::from(v.sex.code()), t.consume_i64("Sex"), "{t}");
        assert_eq!(
            i64::from(v.birth.months_since_1900()),
            t.consume_i64("BirthMonths")
        );
        assert_eq!(i64::from(v.id_type.code()), t.consume_i64("IdType"), "{t}");
        assert_eq!(v.id_tail, t.consume_string("IdTail"), "{t}");
        assert_eq!(v.management_number, t.consume_string("ManagementNumber"));
        assert_eq!(
            i64::from(v.approval_date.days_since_epoch()),
            t.consume_i64("ApprovalDays")
        );
        assert_eq!(v.serial, t.consume_string("Serial"), "{t}");
        assert_eq!(i64::from(v.version), t.consume_i64("Version"), "{t}");
        assert_eq!(i64::from(v.kind.code()), t.consume_i64("Kind"), "{t}");
        assert_eq!(
            v.status_index.map(|i| i64::try_from(i).unwrap()),
            t.consume_optional_i64("StatusIndex"),
            "{t}"
        );
        let uscc = t.consume_string("AuthorityUscc");
        assert_eq!(v.authority_uscc.as_deref(), Some(uscc.as_str()), "{t}");
        assert_eq!(
            v.authority_name.as_deref(),
            Some(t.consume_string("AuthorityName").as_str()),
            "{t}"
        );
        // The view carries everything needed to rebuild the e-licence identifier.
        let q = catalogue.get(v.qualification.code).expect("catalogue code");
        let id = ElicenceId::mint(
            &q.licence_type,
            &Uscc::parse(&uscc).unwrap(),
            &v.serial,
            v.version,
        )
        .unwrap();
        assert_eq!(id.to_string(), t.consume_string("Identifier"), "{t}");
        valid += 1;
    });
    assert_eq!(
        algs,
        BTreeSet::from(["ES256", "EdDSA"]),
        "valid vectors for both algorithms"
    );
    let every_reason = [
        "too_long",
        "bad_prefix",
        "base45",
        "cbor",
        "cose_structure",
        "unsupported_algorithm",
        "unknown_kid",
        "signature",
        "claims_malformed",
        "not_yet_valid",
        "expired",
        "signer_not_valid_at_issuance",
    ];
    for code in every_reason {
        assert!(codes.contains(code), "no negative vector for {code}");
    }
    assert!(
        valid >= 17 && invalid >= 12,
        "{valid} valid, {invalid} invalid"
    );
}

// ---------------------------------------------------------------------------------------------
// Identifiers.

#[test]
fn identifier_vectors() {
    let mut checked = 0;
    run("identifiers.txt", |t| {
        if let Some(input) = t.consume_optional_string("Input") {
            let c = classify(&input);
            assert_eq!(c.kind.label(), t.consume_string("Kind"), "{t}");
            match t.consume_string("Result").as_str() {
                "valid" => assert_eq!(c.result, Ok(()), "{t}"),
                "invalid" => {
                    let Err(e) = c.result else {
                        panic!("{t}: well-formed, expected invalid");
                    };
                    assert_eq!(e.rule(), t.consume_string("Rule"), "{t}");
                }
                other => panic!("{t}: Result = {other}"),
            }
            checked += 1;
            return;
        }
        let issuer = Uscc::parse(&t.consume_string("Issuer")).unwrap();
        let version = u16::try_from(t.consume_i64("Version")).unwrap();
        let id = ElicenceId::mint(
            &t.consume_string("Type"),
            &issuer,
            &t.consume_string("Serial"),
            version,
        )
        .unwrap_or_else(|e| panic!("{t}: {e}"));
        let printed = t.consume_string("Identifier");
        assert_eq!(id.to_string(), printed, "{t}");
        assert_eq!(ElicenceId::parse(&printed).unwrap(), id, "{t}");
        assert_eq!(classify(&printed).result, Ok(()), "{t}");
    });
    assert!(checked > 0);
}

// ---------------------------------------------------------------------------------------------
// Interop.

#[test]
fn interop_vectors() {
    let mut profiles = BTreeSet::new();
    run("interop.txt", |t| {
        let profile = match t.consume_string("Profile").as_str() {
            "generic" => Profile::Generic,
            "dcc" => Profile::Dcc,
            other => panic!("{t}: profile {other}"),
        };
        let input = t.consume_string("Input");
        let anchor = TrustAnchor::from_certificate(&t.consume_bytes("TrustCertificate"))
            .unwrap_or_else(|e| panic!("{t}: {e}"));
        let mut opts = Options::new(profile, t.consume_optional_i64("At"));
        if let Some(prefix) = t.consume_optional_string("Prefix") {
            opts.prefix = Some(prefix);
        }
        let report = interop::verify(&input, &anchor, &opts);
        match t.consume_string("Result").as_str() {
            "valid" => assert_eq!(report.stage(), None, "{t}: {:?}", report.detail()),
            "invalid" => assert_eq!(
                report.stage(),
                Some(t.consume_string("Stage").as_str()),
                "{t}: {:?}",
                report.detail()
            ),
            other => panic!("{t}: Result = {other}"),
        }
        assert_eq!(report.alg_name(), t.consume_optional_string("Alg"), "{t}");
        assert_eq!(report.kid, t.consume_optional_bytes("Kid"), "{t}");
        let iss = report
            .claims
            .as_ref()
            .and_then(|c| c.get("iss"))
            .and_then(|v| v.as_str())
            .map(str::to_owned);
        assert_eq!(iss, t.consume_optional_string("Iss"), "{t}");
        profiles.insert(format!("{profile:?}"));
    });
    assert_eq!(profiles.len(), 2, "both profiles: {profiles:?}");
}

// ---------------------------------------------------------------------------------------------
// interop-algs.txt: ES384, ES512, PS256/PS384/PS512.

#[test]
fn interop_algs_vectors() {
    let mut algs = BTreeSet::new();
    let mut rejected_keys = 0;
    run("interop-algs.txt", |t| {
        let anchor = match (
            t.consume_optional_bytes("TrustKey"),
            t.consume_optional_bytes("TrustCertificate"),
        ) {
            (Some(spki), None) => TrustAnchor::from_public_key(&spki),
            (None, Some(der)) => TrustAnchor::from_certificate(&der),
            _ => panic!("{t}: one of TrustKey and TrustCertificate"),
        };
        if let Some(expected) = t.consume_optional_string("KeyRejected") {
            let err = anchor.expect_err("the profile refuses this key");
            assert_eq!(err.to_string(), expected, "{t}");
            rejected_keys += 1;
            return;
        }
        let mut anchor = anchor.unwrap_or_else(|e| panic!("{t}: {e}"));
        if let Some(alg) = t.consume_optional_string("Restrict") {
            let alg = Algorithm::from_name(&alg).unwrap_or_else(|| panic!("{t}: {alg}"));
            anchor = anchor
                .restrict_to(alg)
                .unwrap_or_else(|e| panic!("{t}: {e}"));
        }
        let profile = match t.consume_string("Profile").as_str() {
            "generic" => Profile::Generic,
            "dcc" => Profile::Dcc,
            other => panic!("{t}: profile {other}"),
        };
        let mut opts = Options::new(profile, Some(support::NOW));
        let input = match t.consume_optional_bytes("CoseHex") {
            Some(cose) => {
                opts.hex = true;
                opts.cose_only = true;
                hex::encode(&cose)
            }
            None => t.consume_string("Input"),
        };
        let report = interop::verify(&input, &anchor, &opts);
        let code = report
            .result
            .as_ref()
            .map_or_else(|r| r.code(), |()| "valid");
        assert_eq!(
            code,
            t.consume_string("Result"),
            "{t}: {:?}",
            report.detail()
        );
        assert_eq!(report.alg_name(), t.consume_optional_string("Alg"), "{t}");
        if report.is_valid() {
            algs.insert(report.alg_name().unwrap_or_default());
        }
    });
    assert_eq!(
        algs.into_iter().collect::<Vec<_>>(),
        ["ES384", "ES512", "PS256", "PS384", "PS512"],
        "every interop-only algorithm has a valid vector"
    );
    assert!(rejected_keys >= 3, "{rejected_keys} rejected keys");
}

// ---------------------------------------------------------------------------------------------
// SM2 (feature `sm2`): sm2.txt.

#[cfg(feature = "sm2")]
#[test]
fn sm2_vectors() {
    use certseal::crypto::sm2::{Sm2Signer, DEFAULT_ID};
    let mut root: Option<RootCert> = None;
    let mut store: Option<TrustStore> = None;
    let mut payloads = 0;
    let n = run("sm2.txt", |t| {
        if let Some(payload) = t.consume_optional_string("Payload") {
            let store = store
                .clone()
                .expect("the trust list comes before the payloads");
            let at = t.consume_i64("At");
            let verdict = Verifier::new(store)
                .with_clock(FixedClock(at))
                .verify_at(&payload, at);
            let code = match &verdict.result {
                Ok(()) => "valid",
                Err(r) => r.code(),
            };
            assert_eq!(code, t.consume_string("Result"), "{t}");
            assert_eq!(verdict.alg, Some(alg(&t.consume_string("Alg"))), "{t}");
            assert_eq!(
                verdict.kid.map(|k| k.to_vec()),
                Some(t.consume_bytes("Kid")),
                "{t}"
            );
            payloads += 1;
            return;
        }
        let name = t.consume_string("Name");
        match t.consume_string("Role").as_str() {
            "root" => {
                assert_eq!(alg(&t.consume_string("Alg")), Algorithm::Sm2, "{t}");
                let secret: [u8; 32] = t.consume_bytes("Secret").try_into().unwrap();
                let key = Sm2Signer::from_secret_bytes(&secret, DEFAULT_ID).unwrap();
                let der = t.consume_bytes("Certificate");
                let cert = RootCert::parse(&der).unwrap_or_else(|e| panic!("{t}: {e}"));
                assert_eq!(cert.verifying_key().raw(), key.public_key_raw(), "{t}");
                assert_eq!(cert.kid().to_vec(), t.consume_bytes("Kid"), "{t}");
                assert_eq!(cert.subject(), t.consume_string("Subject"), "{t}");
                assert!(root.replace(cert).is_none(), "{t}: two roots");
            }
            "signer" => {
                let root = root.as_ref().expect("the root comes first");
                let alg = alg(&t.consume_string("Alg"));
                let secret: [u8; 32] = t.consume_bytes("Secret").try_into().unwrap();
                let der = t.consume_bytes("Certificate");
                let cert = SignerCert::parse(&der).unwrap();
                check_chain(&cert, root).unwrap_or_else(|e| panic!("{t} ({name}): {e}"));
                let spki = match alg {
                    Algorithm::Sm2 => Sm2Signer::from_secret_bytes(&secret, DEFAULT_ID)
                        .unwrap()
                        .public_key_spki(),
                    _ => support::P256Signer::from_scalar(&secret).public_key_spki(),
                };
                assert_eq!(cert.verifying_key().algorithm(), alg, "{t}");
                assert_eq!(
                    certseal::crypto::VerifyingKey::from_spki(&spki).unwrap(),
                    *cert.verifying_key(),
                    "{t}: secret does not match the certificate"
                );
                assert_eq!(cert.kid().to_vec(), t.consume_bytes("Kid"), "{t}");
                assert_eq!(cert.kid(), kid_of(&der));
                assert_eq!(cert.subject(), t.consume_string("Subject"), "{t}");
                assert_eq!(
                    cert.authority_uscc(),
                    Some(t.consume_string("AuthorityUscc").as_str()),
                    "{t}"
                );
            }
            "list" => {
                let root = root.as_ref().expect("the root comes first");
                let list = TrustList::verify(&t.consume_bytes("TrustList"), root)
                    .unwrap_or_else(|e| panic!("{t}: {e}"));
                assert_eq!(list.issued_at, t.consume_i64("IssuedAt"), "{t}");
                assert_eq!(list.next_update, t.consume_i64("NextUpdate"), "{t}");
                let want: BTreeSet<String> = t
                    .consume_string("Kids")
                    .split(' ')
                    .map(str::to_owned)
                    .collect();
                let got: BTreeSet<String> = list
                    .store
                    .signers()
                    .iter()
                    .map(|s| hex::encode(s.kid()))
                    .collect();
                assert_eq!(got, want, "{t}");
                store = Some(list.store);
            }
            other => panic!("{t}: unknown role {other}"),
        }
    });
    assert!(payloads >= 9, "{payloads} payloads in {n} records");
}

// ---------------------------------------------------------------------------------------------
// Status.

fn parse_states(words: &str) -> Vec<(u64, certseal::status::State)> {
    use certseal::status::{ReasonCode, State};
    words
        .split(' ')
        .filter(|w| !w.is_empty())
        .map(|w| {
            let (i, s) = w.split_once(':').unwrap();
            let state = match s {
                "superseded" => State::Superseded,
                "valid" => State::Valid,
                name => State::Revoked(
                    (0..=255u8)
                        .map(ReasonCode)
                        .find(|r| r.name() == name)
                        .unwrap_or_else(|| panic!("unknown reason {name}")),
                ),
            };
            (i.parse().unwrap(), state)
        })
        .collect()
}

#[test]
fn status_vectors() {
    use certseal::status::{token_status_list, StalePolicy, StatusList, TslParams};
    let (root, signers, _) = trust_vectors();
    let mut status: Option<(SignerCert, RingSigner)> = None;
    let mut store: Option<TrustStore> = None;
    let mut list: Option<StatusList> = None;
    let mut checks = 0;
    let n = run("status.txt", |t| match t.consume_string("Role").as_str() {
        "status-signer" => {
            let seed: [u8; 32] = t.consume_bytes("Seed").try_into().unwrap();
            let cert = SignerCert::parse(&t.consume_bytes("Certificate")).unwrap();
            check_chain(&cert, &root).unwrap();
            assert!(cert.usage().status && !cert.usage().documents, "{t}");
            assert_eq!(cert.kid().to_vec(), t.consume_bytes("Kid"), "{t}");
            let key = RingSigner::ed25519_from_seed(&seed).unwrap();
            assert_eq!(cert.verifying_key().raw(), key.public_key_raw(), "{t}");
            let mut certs = signers.clone();
            certs.push(cert.clone());
            store = Some(TrustStore::from_signer_certs(&root, &certs).unwrap());
            status = Some((cert, key));
        }
        "snapshot" => {
            let store = store.as_ref().expect("the status signer comes first");
            let l = StatusList::load(&t.consume_bytes("Document"), store)
                .unwrap_or_else(|e| panic!("{t}: {e}"));
            assert_eq!(l.issuer(), t.consume_string("Issuer"), "{t}");
            assert_eq!(l.sequence() as i64, t.consume_i64("Sequence"), "{t}");
            assert_eq!(l.issued_at(), t.consume_i64("IssuedAt"), "{t}");
            assert_eq!(l.next_update(), t.consume_i64("NextUpdate"), "{t}");
            assert_eq!(l.size() as i64, t.consume_i64("Size"), "{t}");
            assert_eq!(
                l.entries(),
                parse_states(&t.consume_string("States")),
                "{t}"
            );
            let kids: Vec<u8> = l.revoked_kids().concat();
            assert_eq!(kids, t.consume_bytes("RevokedKids"), "{t}");
            list = Some(l);
        }
        "delta" => {
            let store = store.as_ref().unwrap();
            let l = list.as_mut().expect("the snapshot comes first");
            let from = l.sequence();
            l.apply_delta(&t.consume_bytes("Document"), store)
                .unwrap_or_else(|e| panic!("{t}: {e}"));
            assert_eq!(from as i64, t.consume_i64("From"), "{t}");
            assert_eq!(l.sequence() as i64, t.consume_i64("To"), "{t}");
            assert_eq!(l.size() as i64, t.consume_i64("Size"), "{t}");
            for (i, s) in parse_states(&t.consume_string("Changes")) {
                assert_eq!(l.state(i), Some(s), "{t}: index {i}");
            }
            assert_eq!(
                l.entries(),
                parse_states(&t.consume_string("States")),
                "{t}"
            );
        }
        "check" => {
            let mut l = list.clone().expect("the snapshot comes first");
            if t.consume_optional_string("Policy").as_deref() == Some("fail") {
                l = l.with_policy(StalePolicy::Fail);
            }
            let kid = t.consume_bytes("Kid");
            let index = t.consume_optional_i64("StatusIndex").map(|i| i as u64);
            let got = l
                .check(&kid, index, t.consume_i64("Now"))
                .map_or_else(|r| r.code(), |_| "valid");
            assert_eq!(got, t.consume_string("Result"), "{t}");
            checks += 1;
        }
        "token-status-list" => {
            // Deterministic (Ed25519): the same states export to the same bytes.
            let (cert, key) = status.as_ref().unwrap();
            let l = list.as_ref().unwrap();
            let size = t.consume_i64("Size") as u64;
            assert_eq!(size, l.size(), "{t}");
            let made = token_status_list(
                size,
                l.entries(),
                &TslParams {
                    uri: t.consume_string("Uri"),
                    issued_at: t.consume_i64("IssuedAt"),
                    expires_at: t.consume_i64("ExpiresAt"),
                    ttl: t.consume_i64("Ttl") as u64,
                },
                key,
                cert,
            )
            .unwrap();
            assert_eq!(made, t.consume_bytes("Document"), "{t}");
        }
        other => panic!("{t}: unknown role {other}"),
    });
    assert_eq!((n, checks), (13, 9));
}

// ---------------------------------------------------------------------------------------------
// Reproducibility.

#[test]
fn vectors_are_reproducible() {
    for (name, generated) in support::generate() {
        let checked_in = vector_file(name);
        if checked_in != generated {
            let line = checked_in
                .lines()
                .zip(generated.lines())
                .position(|(a, b)| a != b)
                .map_or(0, |i| i + 1);
            panic!(
                "test-vectors/{name} differs from the generator's output (first at line {line}); \
                 run `cargo run --release --example gen-test-vectors -- test-vectors/`"
            );
        }
    }
}

#[test]
fn runner_refuses_unread_attributes() {
    let text = "# c\nA = 1\nB = \"x \\\" y\"\n\nA = 2\n";
    let mut cases = parse("inline", text);
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[0].consume_i64("A"), 1);
    assert_eq!(cases[0].unread(), ["B"]);
    assert_eq!(cases[0].consume_string("B"), "x \" y");
    assert!(cases[0].unread().is_empty());
    assert_eq!(cases[1].consume_optional_string("B"), None);
}
