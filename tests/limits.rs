//! Every decoder's explicit bound (`specs/limits.md`), each tested at the bound (accepted, or
//! refused for another reason) and just past it (refused with the bound's own error).

use certseal::claims::payload;
use certseal::codec::cbor::{self, Mode, Writer};
use certseal::codec::{base45, zlib, CborErrorKind, CodecError, Limits};
use certseal::cose::{CoseError, Sign1, MAX_HEADER_LABELS};
use certseal::crypto::{Algorithm, RingSigner, Signer};
use certseal::model::{
    parse_csv, parse_json, ElicenceId, ModelError, MAX_INPUT_BYTES, MAX_RECORDS,
};
use certseal::trust::{
    RootCert, SignerCert, TrustError, TrustList, TrustStore, MAX_CERT_LEN, MAX_SIGNERS,
};
use certseal::verify::interop::{self, Options, Profile, TrustAnchor};
use certseal::verify::{Reason, Verifier};
use certseal::Error;

mod support;

use support::{Chain, NOW, SAMPLES};

struct Fixture {
    chain: Chain,
    qr: String,
    document: Vec<u8>,
}

fn fixture() -> Fixture {
    let chain = Chain::with_alg(Algorithm::EdDsa, 41, 1);
    let cert = support::samples().remove(0);
    let issued = chain.issuer().issue(&cert, Some(3), NOW).unwrap();
    Fixture {
        chain,
        qr: issued.qr,
        document: issued.document,
    }
}

fn verifier(f: &Fixture, limits: Limits) -> Verifier {
    f.chain.verifier().with_limits(limits)
}

fn is_too_long(e: &CodecError, step: &str, len: usize, max: usize) -> bool {
    matches!(e, CodecError::TooLong { step: s, len: l, max: m } if *s == step && *l == len && *m == max)
}

fn is_any_too_long(e: &Error) -> bool {
    matches!(e, Error::Codec(CodecError::TooLong { .. }))
}

// ---- QR payload text -------------------------------------------------------------------------

#[test]
fn text_at_max_text_len_verifies_and_one_more_byte_is_too_long() {
    let f = fixture();
    let n = f.qr.len();
    let at = Limits {
        max_text_len: n,
        ..Limits::DEFAULT
    };
    assert_eq!(verifier(&f, at).verify(&f.qr).result, Ok(()));
    let below = Limits {
        max_text_len: n - 1,
        ..Limits::DEFAULT
    };
    assert_eq!(
        verifier(&f, below).verify(&f.qr).result,
        Err(Reason::TooLong { len: n, max: n - 1 })
    );
}

#[test]
fn default_text_bound_is_8_kib() {
    let f = fixture();
    let v = verifier(&f, Limits::DEFAULT);
    let max = Limits::DEFAULT.max_text_len;
    assert_eq!(max, 8 * 1024);
    // 8,192 characters: past the length check (the base45 body is not a message).
    let at = format!(
        "{}{}",
        payload::PREFIX,
        "0".repeat(max - payload::PREFIX.len())
    );
    let r = v.verify(&at).result;
    assert!(!matches!(r, Err(Reason::TooLong { .. })), "{r:?}");
    let past = format!("{at}0");
    assert_eq!(
        v.verify(&past).result,
        Err(Reason::TooLong { len: max + 1, max })
    );
    // Also in bulk.
    assert_eq!(
        v.verify_many_cofactored(&[past])[0].result,
        Err(Reason::TooLong { len: max + 1, max })
    );
}

// ---- COSE_Sign1 -------------------------------------------------------------------------------

#[test]
fn cose_at_max_cose_len_verifies_and_one_more_byte_is_too_long() {
    let f = fixture();
    let cose = base45::decode(payload::strip_prefix(&f.qr).unwrap()).unwrap();
    let n = cose.len();
    let at = Limits {
        max_cose_len: n,
        ..Limits::DEFAULT
    };
    assert_eq!(verifier(&f, at).verify_cose(&cose, NOW).result, Ok(()));
    let below = Limits {
        max_cose_len: n - 1,
        ..Limits::DEFAULT
    };
    match verifier(&f, below).verify_cose(&cose, NOW).result {
        Err(Reason::Cbor(e)) => assert!(is_too_long(&e, "cose", n, n - 1), "{e:?}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn default_cose_bound_is_64_kib_for_messages_and_documents() {
    let f = fixture();
    let v = verifier(&f, Limits::DEFAULT);
    let max = Limits::DEFAULT.max_cose_len;
    assert_eq!(max, 64 * 1024);
    let at = vec![0x84; max];
    let r = v.verify_cose(&at, NOW).result;
    assert!(
        matches!(
            r,
            Err(Reason::CoseStructure(_) | Reason::Cbor(CodecError::Cbor { .. }))
        ),
        "{r:?}"
    );
    let past = vec![0x84; max + 1];
    match v.verify_cose(&past, NOW).result {
        Err(Reason::Cbor(e)) => assert!(is_too_long(&e, "cose", max + 1, max)),
        other => panic!("{other:?}"),
    }
    // The signed document goes through the same bound.
    assert!(v.verify_document_at(&f.document, NOW).is_valid());
    let doc_past = v.verify_document_at(&past, NOW).result;
    assert!(
        matches!(&doc_past, Err(Reason::Cbor(e)) if is_too_long(e, "cose", max + 1, max)),
        "{doc_past:?}"
    );
    let doc_at = v.verify_document_at(&at, NOW).result;
    assert!(
        matches!(&doc_at, Err(r) if !matches!(r, Reason::Cbor(CodecError::TooLong { .. }))),
        "{doc_at:?}"
    );
}

fn sign1_with_header_labels(n: usize) -> Vec<u8> {
    // Protected: alg, kid, then unknown integer labels 100.. up to n labels in all.
    let mut p = Writer::new();
    p.map(n).int(1).int(-8).int(4).bytes(&[0; 8]);
    for label in 0..n - 2 {
        p.int(100 + label as i64).int(0);
    }
    let mut w = Writer::new();
    w.array(4)
        .bytes(p.as_slice())
        .map(0)
        .bytes(b"payload")
        .bytes(&[0; 64]);
    w.into_inner()
}

#[test]
fn header_at_max_labels_parses_and_one_more_is_refused() {
    assert_eq!(MAX_HEADER_LABELS, 64);
    let at = sign1_with_header_labels(MAX_HEADER_LABELS);
    assert!(Sign1::parse(&at, Mode::Strict, &Limits::DEFAULT).is_ok());
    let past = sign1_with_header_labels(MAX_HEADER_LABELS + 1);
    let e = Sign1::parse(&past, Mode::Strict, &Limits::DEFAULT).map(drop);
    assert_eq!(
        e,
        Err(CoseError::TooManyLabels {
            got: MAX_HEADER_LABELS + 1,
            max: MAX_HEADER_LABELS
        })
    );
}

// ---- CBOR ---------------------------------------------------------------------------------------

fn nested_arrays(levels: usize) -> Vec<u8> {
    let mut v = vec![0x81; levels];
    v.push(0x00);
    v
}

fn cbor_kind(buf: &[u8], limits: &Limits) -> Option<CborErrorKind> {
    match cbor::decode(buf, Mode::Strict, limits) {
        Ok(_) => None,
        Err(CodecError::Cbor { kind, .. }) => Some(kind),
        Err(e) => panic!("{e:?}"),
    }
}

#[test]
fn cbor_depth_at_max_depth_decodes_and_one_more_level_is_too_deep() {
    let max = Limits::DEFAULT.max_depth;
    assert_eq!(max, 16);
    // The top-level item is at depth 0: 16 arrays put the integer at depth 16.
    assert_eq!(cbor_kind(&nested_arrays(max), &Limits::DEFAULT), None);
    assert_eq!(
        cbor_kind(&nested_arrays(max + 1), &Limits::DEFAULT),
        Some(CborErrorKind::TooDeep)
    );
}

#[test]
fn cbor_items_at_max_items_decode_and_one_more_is_too_many() {
    let max = Limits::DEFAULT.max_items;
    assert_eq!(max, 4096);
    // An array of max − 1 integers is max items, counting the array itself.
    let array = |n: usize| {
        let mut w = Writer::new();
        w.array(n);
        for _ in 0..n {
            w.int(0);
        }
        w.into_inner()
    };
    assert_eq!(cbor_kind(&array(max - 1), &Limits::DEFAULT), None);
    assert_eq!(
        cbor_kind(&array(max), &Limits::DEFAULT),
        Some(CborErrorKind::TooManyItems)
    );
}

#[test]
fn cbor_declared_lengths_are_bounded_by_the_input() {
    // An array declaring 2³² elements, a map declaring 2⁶³ pairs, a byte string declaring
    // 2⁶³ bytes: refused at once, nothing allocated.
    let array = [0x9b, 0, 0, 0, 1, 0, 0, 0, 0, 0x00];
    assert_eq!(
        cbor_kind(&array, &Limits::DEFAULT),
        Some(CborErrorKind::TooManyItems)
    );
    let map = [0xbb, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x00, 0x00];
    assert_eq!(
        cbor_kind(&map, &Limits::DEFAULT),
        Some(CborErrorKind::TooManyItems)
    );
    let bytes = [0x5b, 0x80, 0, 0, 0, 0, 0, 0, 0, 0x00];
    assert_eq!(
        cbor_kind(&bytes, &Limits::DEFAULT),
        Some(CborErrorKind::Truncated)
    );
    // Exactly as many elements as bytes left is not a lie.
    assert_eq!(cbor_kind(&[0x82, 0x00, 0x00], &Limits::DEFAULT), None);
    assert_eq!(
        cbor_kind(&[0x83, 0x00, 0x00], &Limits::DEFAULT),
        Some(CborErrorKind::TooManyItems)
    );
}

// ---- zlib ---------------------------------------------------------------------------------------

#[test]
fn inflation_to_max_inflated_len_succeeds_and_one_more_byte_is_a_bomb() {
    let max = Limits::DEFAULT.max_inflated_len;
    assert_eq!(max, 256 * 1024);
    let at = zlib::deflate(&vec![0; max]);
    assert_eq!(zlib::inflate(&at, max).unwrap().len(), max);
    let bomb = zlib::deflate(&vec![0; max + 1]);
    let e = zlib::inflate(&bomb, max).unwrap_err();
    assert!(is_too_long(&e, "decompress", max + 1, max), "{e:?}");
    // A 1 GiB bomb costs no more than the bound.
    let big = zlib::deflate(&vec![0; 64 << 20]);
    assert!(zlib::inflate(&big, max).is_err());
}

#[test]
fn interop_refuses_a_zlib_bomb_at_the_decompress_stage() {
    let key = RingSigner::ed25519_from_seed(&[9; 32]).unwrap();
    let anchor = TrustAnchor::from_key(
        certseal::crypto::VerifyingKey::from_spki(&key.public_key_spki()).unwrap(),
    );
    let opts = Options::new(Profile::Dcc, Some(NOW));
    let max = opts.limits.max_inflated_len;
    let at = format!("HC1:{}", base45::encode(&zlib::deflate(&vec![0; max])));
    let report = interop::verify(&at, &anchor, &opts);
    assert_ne!(report.stage(), Some("decompress"), "{:?}", report.detail());
    let bomb = format!("HC1:{}", base45::encode(&zlib::deflate(&vec![0; max + 1])));
    let report = interop::verify(&bomb, &anchor, &opts);
    assert_eq!(report.stage(), Some("decompress"), "{:?}", report.detail());
}

#[test]
fn interop_text_bound_is_twice_the_cose_bound() {
    let key = RingSigner::ed25519_from_seed(&[9; 32]).unwrap();
    let anchor = TrustAnchor::from_key(
        certseal::crypto::VerifyingKey::from_spki(&key.public_key_spki()).unwrap(),
    );
    let opts = Options::new(Profile::Generic, Some(NOW));
    let max = opts.limits.max_cose_len * 2;
    let at = "0".repeat(max);
    // Past the text bound; its base45 body then meets the COSE bound.
    let r = interop::verify(&at, &anchor, &opts);
    assert_eq!(r.stage(), Some("cbor"), "{r:?}");
    let past = "0".repeat(max + 1);
    let r = interop::verify(&past, &anchor, &opts);
    assert_eq!(r.stage(), Some("prefix"));
    assert_eq!(r.result, Err(Reason::TooLong { len: max + 1, max }));
}

// ---- Trust ------------------------------------------------------------------------------------

#[test]
fn trust_store_holds_max_signers_and_refuses_one_more() {
    let f = fixture();
    assert_eq!(MAX_SIGNERS, 4096);
    // At the bound the count passes and the (repeated) certificates are what is refused.
    let at = vec![f.chain.signer.der(); MAX_SIGNERS];
    assert!(matches!(
        TrustStore::from_certs(&f.chain.root, &at),
        Err(TrustError::DuplicateSigner { .. })
    ));
    let past = vec![f.chain.signer.der(); MAX_SIGNERS + 1];
    assert!(matches!(
        TrustStore::from_certs(&f.chain.root, &past),
        Err(TrustError::TooManySigners { count, max: MAX_SIGNERS }) if count == MAX_SIGNERS + 1
    ));
}

#[test]
fn certificate_at_max_cert_len_is_parsed_and_one_more_byte_is_too_large() {
    assert_eq!(MAX_CERT_LEN, 16 * 1024);
    let at = vec![0x30; MAX_CERT_LEN];
    assert!(matches!(
        SignerCert::parse(&at),
        Err(TrustError::Malformed { .. })
    ));
    let past = vec![0x30; MAX_CERT_LEN + 1];
    assert!(matches!(
        SignerCert::parse(&past),
        Err(TrustError::TooLarge { len, max: MAX_CERT_LEN, .. }) if len == MAX_CERT_LEN + 1
    ));
    assert!(matches!(
        RootCert::parse(&past),
        Err(TrustError::TooLarge { .. })
    ));
}

#[test]
fn trust_list_at_4_mib_is_read_and_one_more_byte_is_too_long() {
    let f = fixture();
    let max = 4 << 20;
    let at = TrustList::verify(&vec![0x84; max], &f.chain.root).map(drop);
    assert!(matches!(&at, Err(e) if !is_any_too_long(e)), "{at:?}");
    let past = TrustList::verify(&vec![0x84; max + 1], &f.chain.root).map(drop);
    assert!(
        matches!(&past, Err(Error::Codec(e)) if is_too_long(e, "trust list", max + 1, max)),
        "{past:?}"
    );
}

// ---- Records and identifiers ------------------------------------------------------------------

fn input_rule(r: Result<certseal::model::Batch, ModelError>) -> Option<String> {
    match r {
        Err(ModelError::Input { rule, .. }) => Some(rule),
        _ => None,
    }
}

#[test]
fn record_input_of_256_mib_is_read_and_one_more_byte_is_refused() {
    assert_eq!(MAX_INPUT_BYTES, 256 << 20);
    let mut at = vec![b' '; MAX_INPUT_BYTES];
    at[0] = b'[';
    at[MAX_INPUT_BYTES - 1] = b']';
    let json = parse_json(&at).unwrap();
    assert!(json.accepted.is_empty() && json.rejected.is_empty());
    at.push(b' ');
    let past = input_rule(parse_json(&at)).unwrap();
    assert!(past.contains("at most 268435456"), "{past}");
    let past = input_rule(parse_csv(&at)).unwrap();
    assert!(past.contains("at most 268435456"), "{past}");
}

#[test]
fn a_million_records_are_read_and_one_more_is_refused() {
    assert_eq!(MAX_RECORDS, 1_000_000);
    let json = |n: usize| {
        let mut text = String::with_capacity(3 * n + 2);
        text.push('[');
        for i in 0..n {
            text.push_str(if i == 0 { "{}" } else { ",{}" });
        }
        text.push(']');
        text
    };
    let at = parse_json(json(MAX_RECORDS).as_bytes()).unwrap();
    assert_eq!(at.accepted.len() + at.rejected.len(), MAX_RECORDS);
    let past = input_rule(parse_json(json(MAX_RECORDS + 1).as_bytes())).unwrap();
    assert!(past.contains("more than 1000000 records"), "{past}");

    let csv = |n: usize| {
        let mut text =
            String::from("qualification_code,level,name,id_number,management_number,serial\n");
        for _ in 0..n {
            text.push_str(",,,,,\n");
        }
        text
    };
    let at = parse_csv(csv(MAX_RECORDS).as_bytes()).unwrap();
    assert_eq!(at.accepted.len() + at.rejected.len(), MAX_RECORDS);
    assert!(input_rule(parse_csv(csv(MAX_RECORDS + 1).as_bytes())).is_some());
}

#[test]
fn identifier_input_of_128_bytes_is_read_and_one_more_is_refused() {
    let at = "1".repeat(128);
    let e = ElicenceId::parse(&at).unwrap_err().rule();
    assert!(!e.contains("at most 128"), "{e}");
    let past = "1".repeat(129);
    let e = ElicenceId::parse(&past).unwrap_err().rule();
    assert!(e.contains("at most 128"), "{e}");
}

#[test]
fn holder_name_of_64_characters_is_accepted_and_65_refused() {
    let record = |name: &str| {
        let mut v: serde_json::Value = serde_json::from_slice(SAMPLES).unwrap();
        let first = v[0].clone();
        v = serde_json::Value::Array(vec![first]);
        v[0]["name"] = serde_json::Value::String(name.into());
        serde_json::to_vec(&v).unwrap()
    };
    let at = parse_json(&record(&"王".repeat(64))).unwrap();
    assert_eq!(at.accepted.len(), 1, "{:?}", at.rejected);
    let past = parse_json(&record(&"王".repeat(65))).unwrap();
    assert_eq!(past.rejected.len(), 1);
    assert!(format!("{:?}", past.rejected[0]).contains("1..=64"));
}

#[test]
fn batch_verification_applies_the_same_bounds() {
    let f = fixture();
    let cose = base45::decode(payload::strip_prefix(&f.qr).unwrap()).unwrap();
    let n = cose.len();
    let below = Limits {
        max_cose_len: n - 1,
        ..Limits::DEFAULT
    };
    let v = verifier(&f, below);
    match &v.verify_many_cofactored(std::slice::from_ref(&f.qr))[0].result {
        Err(Reason::Cbor(e)) => assert!(is_too_long(e, "cose", n, n - 1), "{e:?}"),
        other => panic!("{other:?}"),
    }
}
