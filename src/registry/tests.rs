//! Unit tests of the backend-agnostic rules: calendar arithmetic and the audit chain check.

use super::audit::{check, AuditEntry, AuditFinding};
use super::calendar::Calendar;
use crate::model::Date;

fn d(s: &str) -> Date {
    Date::parse(s).unwrap()
}

#[test]
fn builtin_calendar_parses_and_covers_2004_to_2026() {
    let years: Vec<u16> = Calendar::builtin().years().collect();
    assert_eq!(years.first(), Some(&2004));
    assert_eq!(years.last(), Some(&2026));
    assert_eq!(years.len(), 23);
}

#[test]
fn spring_festival_2024_skips_the_holiday_and_counts_the_adjusted_sundays() {
    let cal = Calendar::builtin();
    // 2024-02-04 (Sunday) and 2024-02-18 (Sunday) were working days; 02-10..=02-17 off.
    assert_eq!(cal.is_working_day(d("2024-02-04")), (true, None));
    assert_eq!(cal.is_working_day(d("2024-02-12")), (false, None));
    let (due, warnings) = cal.add_working_days(d("2024-02-01"), 5).unwrap();
    assert_eq!(due, d("2024-02-07"));
    assert!(warnings.is_empty());
    let (due, _) = cal.add_working_days(d("2024-02-01"), 10).unwrap();
    assert_eq!(due, d("2024-02-20"));
}

#[test]
fn uncovered_year_falls_back_to_monday_to_friday_with_a_warning() {
    let cal = Calendar::builtin();
    // 2027-01-01 is a Friday; +1 working day is Monday 2027-01-04.
    let (due, warnings) = cal.add_working_days(d("2027-01-01"), 1).unwrap();
    assert_eq!(due, d("2027-01-04"));
    assert_eq!(warnings.len(), 1);
    assert_eq!(warnings[0].year, 2027);
}

#[test]
fn operator_calendar_replaces_the_years_it_covers() {
    let extra = Calendar::parse("2027-01-04\toff\tmade up\n").unwrap();
    let cal = Calendar::builtin().extended_with(&extra);
    let (due, warnings) = cal.add_working_days(d("2027-01-01"), 1).unwrap();
    assert_eq!(due, d("2027-01-05"));
    assert!(warnings.is_empty());
}

#[test]
fn rejects_malformed_calendar_line() {
    let e = Calendar::parse("2024-02-30\toff\n").unwrap_err();
    assert!(e.to_string().contains("calendar line 1"), "{e}");
    let e = Calendar::parse("2024-02-03\tholiday\n").unwrap_err();
    assert!(e.to_string().contains("expected off or work"), "{e}");
}

fn chain(n: u64) -> Vec<AuditEntry> {
    let mut prev = [0u8; 32];
    (1..=n)
        .map(|seq| {
            let mut e = AuditEntry {
                seq,
                at: 1_700_000_000 + seq as i64,
                actor: "t".into(),
                operation: "op".into(),
                subject: format!("s{seq}"),
                payload: [seq as u8; 32],
                prev,
                hash: [0; 32],
            };
            e.hash = e.compute_hash();
            prev = e.hash;
            e
        })
        .collect()
}

#[test]
fn audit_chain_intact_verifies() {
    assert!(check(&chain(5), None).is_intact());
}

#[test]
fn audit_edit_is_found_once() {
    let mut c = chain(5);
    c[2].subject = "forged".into();
    assert_eq!(
        check(&c, None).findings,
        vec![AuditFinding::Edited { seq: 3 }]
    );
}

#[test]
fn audit_removal_is_found() {
    let mut c = chain(5);
    c.remove(2);
    assert_eq!(
        check(&c, None).findings,
        vec![AuditFinding::Removed {
            seq: 4,
            count: Some(1)
        }]
    );
}

#[test]
fn audit_truncation_needs_the_anchor() {
    let c = chain(5);
    let head = (c[4].seq, c[4].hash);
    let short = c[..3].to_vec();
    assert!(check(&short, None).is_intact());
    assert_eq!(
        check(&short, Some(head)).findings,
        vec![AuditFinding::Truncated {
            last: 3,
            expected: 5
        }]
    );
}

/// A small in-process stand-in for the `submission` fuzz target: the checked-in seeds,
/// mutated by a fixed-seed xorshift (byte flips, truncations, insertions of separators and
/// multi-byte characters), through every reader; none may panic.
#[test]
fn submission_readers_survive_mutated_seeds() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/submission");
    let seeds: Vec<Vec<u8>> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| std::fs::read(e.unwrap().path()).unwrap())
        .collect();
    assert!(!seeds.is_empty());
    let mut x = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    let inserts: [&[u8]; 6] = [
        b",",
        b"\"",
        b"\n",
        "姓".as_bytes(),
        b"\xEF\xBB\xBF",
        b"\xFF",
    ];
    for round in 0..20_000 {
        let mut data = seeds[round % seeds.len()].clone();
        for _ in 0..(1 + next() % 8) {
            if data.is_empty() {
                break;
            }
            let at = (next() as usize) % data.len();
            match next() % 4 {
                0 => data[at] ^= 1 << (next() % 8),
                1 => data.truncate(at),
                2 => {
                    let ins = inserts[(next() as usize) % inserts.len()];
                    data.splice(at..at, ins.iter().copied());
                }
                _ => {
                    data.remove(at);
                }
            }
        }
        super::fuzz_submission(&data);
    }
}

#[test]
fn redacted_leaves_out_a_password_in_the_userinfo_and_in_the_query() {
    use super::redacted;
    assert_eq!(
        redacted("postgres://issuer:s3cret@db:5432/reg"),
        "postgres://issuer@db:5432/reg"
    );
    assert_eq!(
        redacted("postgres://issuer@db/reg?sslmode=require&password=s3cret&application_name=x"),
        "postgres://issuer@db/reg?sslmode=require&password=redacted&application_name=x"
    );
    assert_eq!(
        redacted("postgresql://db/reg?PASSWORD=s3cret"),
        "postgresql://db/reg?PASSWORD=redacted"
    );
    // An '@' in the query is not the userinfo's.
    assert_eq!(
        redacted("postgres://u:p@ss@db/reg?options=a@b&password=x@y"),
        "postgres://u@db/reg?options=a@b&password=redacted"
    );
    assert_eq!(redacted("registry.db"), "registry.db");
    assert_eq!(redacted("sqlite:/var/lib/r.db"), "sqlite:/var/lib/r.db");
}
