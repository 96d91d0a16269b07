use super::*;
use crate::codec::{cbor, CborErrorKind, CodecError, Limits};

#[path = "differential.rs"]
mod differential;
#[path = "properties.rs"]
mod properties;

fn kind(r: Result<Value<'_>, CodecError>) -> CborErrorKind {
    match r {
        Err(CodecError::Cbor { kind, .. }) => kind,
        other => panic!("expected a CBOR error, got {other:?}"),
    }
}

fn strict(buf: &[u8]) -> Result<Value<'_>, CodecError> {
    decode(buf, Mode::Strict, &Limits::DEFAULT)
}

fn lenient(buf: &[u8]) -> Result<Value<'_>, CodecError> {
    decode(buf, Mode::Lenient, &Limits::DEFAULT)
}

#[test]
fn rejects_non_minimal_integer_in_strict_mode() {
    assert_eq!(kind(strict(&[0x18, 0x05])), CborErrorKind::NonMinimal);
    assert_eq!(kind(strict(&[0x19, 0x00, 0xff])), CborErrorKind::NonMinimal);
    assert_eq!(lenient(&[0x18, 0x05]).unwrap(), Value::Integer(5));
}

#[test]
fn rejects_non_minimal_length_in_strict_mode() {
    assert_eq!(kind(strict(&[0x58, 0x01, 0xaa])), CborErrorKind::NonMinimal);
}

#[test]
fn rejects_indefinite_length_in_strict_mode() {
    assert_eq!(kind(strict(&[0x9f, 0x01, 0xff])), CborErrorKind::Indefinite);
    assert_eq!(
        lenient(&[0x9f, 0x01, 0xff]).unwrap(),
        Value::Array(vec![Value::Integer(1)])
    );
    assert_eq!(
        lenient(&[0x5f, 0x41, 0x01, 0x41, 0x02, 0xff]).unwrap(),
        Value::Bytes(vec![1, 2].into())
    );
}

#[test]
fn rejects_duplicate_map_key() {
    // {1: 2, 1: 3}
    assert_eq!(
        kind(strict(&[0xa2, 0x01, 0x02, 0x01, 0x03])),
        CborErrorKind::DuplicateKey
    );
    assert_eq!(
        kind(lenient(&[0xa2, 0x01, 0x02, 0x01, 0x03])),
        CborErrorKind::DuplicateKey
    );
}

#[test]
fn rejects_huge_declared_length() {
    assert_eq!(
        kind(strict(&[
            0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
        ])),
        CborErrorKind::Truncated
    );
    assert_eq!(
        kind(strict(&[
            0x9b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff
        ])),
        CborErrorKind::TooManyItems
    );
}

#[test]
fn rejects_nesting_past_the_bound() {
    let deep = vec![0x81u8; 100];
    assert_eq!(kind(strict(&deep)), CborErrorKind::TooDeep);
}

#[test]
fn rejects_more_items_than_the_bound() {
    let limits = Limits {
        max_items: 3,
        ..Limits::DEFAULT
    };
    assert_eq!(
        kind(decode(&[0x83, 1, 2, 3], Mode::Strict, &limits)),
        CborErrorKind::TooManyItems
    );
    assert!(decode(&[0x82, 1, 2], Mode::Strict, &limits).is_ok());
}

#[test]
fn rejects_stray_break() {
    assert_eq!(kind(lenient(&[0xff])), CborErrorKind::Malformed);
}

#[test]
fn rejects_reserved_additional_information() {
    assert_eq!(kind(strict(&[0x1c])), CborErrorKind::Malformed);
}

#[test]
fn rejects_trailing_bytes() {
    assert_eq!(kind(strict(&[0x01, 0x02])), CborErrorKind::TrailingBytes);
}

#[test]
fn rejects_invalid_utf8_text() {
    assert_eq!(
        kind(strict(&[0x62, 0xc3, 0x28])),
        CborErrorKind::InvalidUtf8
    );
}

#[test]
fn writer_output_matches_ciborium() {
    let mut w = Writer::new();
    w.map(3)
        .int(1)
        .int(-7)
        .int(4)
        .bytes(&[1, 2, 3])
        .int(-65537)
        .array(4)
        .uint(1_000_000)
        .text("张三丰")
        .null()
        .bool(true);
    let ours = w.into_inner();
    let theirs: ciborium::Value = ciborium::from_reader(ours.as_slice()).unwrap();
    let mut back = Vec::new();
    ciborium::into_writer(&theirs, &mut back).unwrap();
    assert_eq!(ours, back);
    let v = strict(&ours).unwrap();
    let mut again = Writer::new();
    again.value(&v).unwrap();
    assert_eq!(again.into_inner(), ours);
}

#[test]
fn writer_refuses_reserved_simple_values() {
    for n in 24..=31u8 {
        let mut w = Writer::new();
        w.uint(7);
        let err = w.value(&Value::Simple(n)).unwrap_err();
        assert_eq!(
            err,
            CodecError::Cbor {
                offset: 1,
                kind: CborErrorKind::ReservedSimple { value: n }
            }
        );
    }
    // The rest are written in their shortest form and read back.
    for n in (0..=23u8).chain(32..=255) {
        let mut w = Writer::new();
        w.value(&Value::Simple(n)).unwrap();
        let back = strict(w.as_slice()).unwrap();
        match n {
            20 => assert_eq!(back, Value::Bool(false)),
            21 => assert_eq!(back, Value::Bool(true)),
            22 => assert_eq!(back, Value::Null),
            23 => assert_eq!(back, Value::Undefined),
            _ => assert_eq!(back, Value::Simple(n)),
        }
    }
}

#[test]
fn writer_refuses_integers_cbor_cannot_hold() {
    let max = i128::from(u64::MAX);
    for n in [max, -1 - max] {
        let mut w = Writer::new();
        w.value(&Value::Integer(n)).unwrap();
        assert_eq!(strict(w.as_slice()).unwrap(), Value::Integer(n));
    }
    for n in [max + 1, -2 - max, i128::MAX, i128::MIN] {
        let mut w = Writer::new();
        let nested = Value::Array(vec![Value::Null, Value::Integer(n)]);
        assert_eq!(
            w.value(&nested).unwrap_err(),
            CodecError::Cbor {
                offset: 2,
                kind: CborErrorKind::OutOfRange
            },
            "{n}"
        );
    }
}

#[test]
fn decodes_every_integer_width() {
    for n in [
        0u64,
        23,
        24,
        255,
        256,
        65535,
        65536,
        u64::from(u32::MAX),
        u64::MAX,
    ] {
        let mut w = Writer::new();
        w.uint(n);
        let buf = w.into_inner();
        assert_eq!(strict(&buf).unwrap(), Value::Integer(i128::from(n)));
    }
    let mut w = Writer::new();
    w.int(i64::MIN);
    assert_eq!(
        strict(w.as_slice()).unwrap(),
        Value::Integer(i128::from(i64::MIN))
    );
}

#[test]
fn every_truncation_is_a_typed_error() {
    let mut w = Writer::new();
    w.map(2)
        .int(1)
        .text("abc")
        .int(2)
        .array(2)
        .bytes(&[9; 30])
        .uint(70000);
    let buf = w.into_inner();
    for n in 0..buf.len() {
        assert!(strict(&buf[..n]).is_err());
    }
}
