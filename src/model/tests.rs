//! Tests of the model layer, named after the rules they check.

use serde_json::{json, Value};

use super::record::{parse_csv_with, parse_json_with};
use super::*;

const EXAMPLE_ID: &str =
    "1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.U";
const SAMPLE_JSON: &str = include_str!("../../data/sample-records.json");
const SAMPLE_CSV: &str = include_str!("../../data/sample-records.csv");
const ISSUER: &str = "12100000400010398P";

fn issuer() -> Uscc {
    Uscc::parse(ISSUER).unwrap_or_else(|e| panic!("{e}"))
}

/// The valid record with management number and serial changed, so that it can share a
/// batch with `record()`.
fn another_record() -> Value {
    with(
        with(record(), "management_number", json!("0101202400001539")),
        "serial",
        json!("20240100001539"),
    )
}

/// A valid first-issue record (一级建造师, 建筑工程).
fn record() -> Value {
    json!({
        "qualification_code": 1, "level": 1, "specialty": 1,
        "name": "王建国", "sex": 1, "birth": "1985-03", "id_type": 111,
        "id_number": "110101198503076511", "management_number": "0101202400001538",
        "approval_date": "2024-01-15", "serial": "20240100001538",
        "kind": "original", "version": 1
    })
}

fn with(mut v: Value, key: &str, value: Value) -> Value {
    if let Some(map) = v.as_object_mut() {
        if value.is_null() {
            map.remove(key);
        } else {
            map.insert(key.to_owned(), value);
        }
    }
    v
}

/// Parses one record and returns its single refusal as `field: rule`, or "accepted".
fn verdict(v: Value) -> String {
    let bytes = serde_json::to_vec(&Value::Array(vec![v])).unwrap_or_default();
    match parse_json(&bytes) {
        Ok(b) if b.accepted.len() == 1 => "accepted".to_owned(),
        Ok(b) => b
            .rejected
            .first()
            .map(|e| format!("{}: {}", e.field, e.rule))
            .unwrap_or_default(),
        Err(e) => format!("file: {e}"),
    }
}

fn assert_refused(v: Value, field: &str, rule_part: &str) {
    let got = verdict(v);
    assert!(
        got.starts_with(&format!("{field}: ")) && got.contains(rule_part),
        "expected {field}: …{rule_part}…, got {got}"
    );
}

fn predecessor(code: u16, serial: &str, version: u16) -> String {
    let q = Catalogue::builtin()
        .get(code)
        .map(|q| q.licence_type.clone());
    ElicenceId::mint(&q.unwrap_or_default(), &issuer(), serial, version)
        .map(|id| id.to_string())
        .unwrap_or_default()
}

// ---- dates ----

#[test]
fn rejects_february_30_birth_date() {
    assert!(Date::parse("1990-02-30").is_err());
    assert!(ResidentId::parse("110101199002301234").is_err());
}

#[test]
fn accepts_february_29_in_leap_years_only() {
    assert!(Date::parse("2000-02-29").is_ok());
    assert!(Date::parse("2024-02-29").is_ok());
    assert!(Date::parse("1900-02-29").is_err());
    assert!(Date::parse("2100-02-29").is_err());
}

#[test]
fn rejects_years_outside_1900_to_2199() {
    assert!(Date::parse("1899-12-31").is_err());
    assert!(Date::parse("2200-01-01").is_err());
    assert!(YearMonth::parse("1899-12").is_err());
}

#[test]
fn rejects_malformed_dates() {
    for s in [
        "",
        "2024-1-01",
        "2024/01/01",
        "+024-01-01",
        "2024-01-01 ",
        "２０24-01-01",
        "2024-13-01",
        "2024-00-10",
        "2024-01-00",
    ] {
        assert!(Date::parse(s).is_err(), "{s}");
    }
    for s in ["2024", "2024-1", "2024-13", "2024-00", "2024-01-01"] {
        assert!(YearMonth::parse(s).is_err(), "{s}");
    }
}

#[test]
fn day_numbers_round_trip_over_the_whole_range() -> Result<(), ModelError> {
    assert_eq!(Date::parse("1970-01-01")?.days_since_epoch(), 0);
    assert_eq!(Date::parse("1900-01-01")?.days_since_epoch(), -25_567);
    assert_eq!(Date::parse("2199-12-31")?.days_since_epoch(), 84_005);
    assert_eq!(Date::parse("2000-03-01")?.days_since_epoch(), 11_017);
    let mut prev: Option<Date> = None;
    for days in -25_567..=84_005 {
        let d = Date::from_days(days)?;
        assert_eq!(d.days_since_epoch(), days);
        assert_eq!(Date::parse(&d.to_string())?, d);
        if let Some(p) = prev {
            assert!(p < d);
        }
        prev = Some(d);
    }
    assert!(Date::from_days(-25_568).is_err());
    assert!(Date::from_days(84_006).is_err());
    assert!(Date::from_days(i32::MIN).is_err());
    Ok(())
}

#[test]
fn unix_time_maps_to_utc_dates() -> Result<(), ModelError> {
    assert_eq!(Date::from_unix(0)?.to_string(), "1970-01-01");
    assert_eq!(Date::from_unix(-1)?.to_string(), "1969-12-31");
    assert_eq!(Date::from_unix(1_700_000_000)?.to_string(), "2023-11-14");
    assert_eq!(Date::parse("2023-11-14")?.to_unix_midnight(), 1_699_920_000);
    assert!(Date::from_unix(i64::MAX).is_err());
    assert!(Date::from_unix(i64::MIN).is_err());
    Ok(())
}

#[test]
fn year_months_round_trip_through_month_numbers() -> Result<(), ModelError> {
    for m in 0..=3599u16 {
        let ym = YearMonth::from_months_since_1900(m)?;
        assert_eq!(ym.months_since_1900(), m);
        assert_eq!(YearMonth::parse(&ym.to_string())?, ym);
    }
    assert!(YearMonth::from_months_since_1900(3600).is_err());
    assert!(YearMonth::from_months_since_1900(u16::MAX).is_err());
    Ok(())
}

#[test]
fn dates_serialise_as_strings() -> Result<(), serde_json::Error> {
    let d: Date = serde_json::from_str("\"2024-02-29\"")?;
    assert_eq!(serde_json::to_string(&d)?, "\"2024-02-29\"");
    let ym: YearMonth = serde_json::from_str("\"1985-03\"")?;
    assert_eq!(serde_json::to_string(&ym)?, "\"1985-03\"");
    assert!(serde_json::from_str::<Date>("\"2023-02-29\"").is_err());
    assert!(serde_json::from_str::<Date>("20230101").is_err());
    Ok(())
}

// ---- resident ID numbers ----

#[test]
fn accepts_valid_resident_id_numbers() -> Result<(), ModelError> {
    let id = ResidentId::parse("11010519491231002X")?;
    assert_eq!(id.birth_date().to_string(), "1949-12-31");
    assert_eq!(id.sex(), Sex::Female);
    assert_eq!(id.last4(), "002X");
    assert_eq!(id.masked(), "**************002X");
    let id = ResidentId::parse("110101198503076511")?;
    assert_eq!(id.sex(), Sex::Male);
    Ok(())
}

#[test]
fn normalises_lower_case_x_check_digit() -> Result<(), ModelError> {
    assert_eq!(
        ResidentId::parse("11010519491231002x")?.as_str(),
        "11010519491231002X"
    );
    Ok(())
}

#[test]
fn rejects_id_number_with_wrong_check_digit() {
    let e = ResidentId::parse("110101198503076515").map(drop);
    assert_eq!(
        e.map_err(|e| e.to_string()),
        Err("resident id number: check digit is 5, expected 1".to_owned())
    );
    let e = ResidentId::parse("110105194912310025").map_err(|e| e.rule());
    assert_eq!(e.map(drop), Err("check digit is 5, expected X".to_owned()));
}

#[test]
fn rejects_id_number_of_wrong_length_or_alphabet() {
    for s in [
        "",
        "11010519491231002",
        "11010519491231002X1",
        "1101051949123100XX",
        "A1010519491231002X",
        "11010519491231002Y",
        "１10105194912310025",
    ] {
        assert!(ResidentId::parse(s).is_err(), "{s}");
    }
}

#[test]
fn rejects_id_number_with_impossible_birth_date() {
    let e = ResidentId::parse("110101199002301231").map_err(|e| e.rule());
    assert!(e.is_err_and(|r| r.contains("birth date 19900230")));
    assert!(ResidentId::parse("110101189912311231").is_err());
}

#[test]
fn resident_id_debug_is_masked() -> Result<(), ModelError> {
    let id = ResidentId::parse("110101198503076511")?;
    assert!(!format!("{id:?}").contains("1985"));
    Ok(())
}

// ---- unified social credit codes ----

#[test]
fn accepts_valid_uscc_and_computes_check_char() -> Result<(), ModelError> {
    let u = Uscc::parse("91350100M000100Y43")?;
    assert_eq!(u.as_str(), "91350100M000100Y43");
    assert_eq!(Uscc::with_check("91350100M000100Y4")?, u);
    assert_eq!(Uscc::with_check("12100000400010398")?.as_str(), ISSUER);
    Ok(())
}

#[test]
fn rejects_uscc_with_wrong_check_char() {
    let e = Uscc::parse("91350100M000100Y44").map_err(|e| e.rule());
    assert_eq!(e, Err("check character is 4, expected 3".to_owned()));
}

#[test]
fn rejects_uscc_outside_the_alphabet() {
    for s in [
        "91350100I000100Y43",
        "91350100O000100Y43",
        "91350100Z000100Y43",
        "9135",
        "91350100M000100Y431",
    ] {
        assert!(Uscc::parse(s).is_err(), "{s}");
    }
    assert!(Uscc::with_check("9135010SM000100Y4").is_err());
}

#[test]
fn example_identifier_usccs_pass_gb_32100() {
    assert!(Uscc::parse("11100000000013338W").is_ok());
    assert!(Uscc::parse("11430000006122244L").is_ok());
}

// ---- e-licence identifiers ----

#[test]
fn accepts_example_elicence_identifier() -> Result<(), ModelError> {
    let id = ElicenceId::parse(EXAMPLE_ID)?;
    assert_eq!(id.type_code(), "11100000000013338W011");
    assert_eq!(id.issuer().as_str(), "11430000006122244L");
    assert_eq!(id.serial(), "20230000403");
    assert_eq!(id.version(), 1);
    assert_eq!(id.check_char(), 'U');
    assert_eq!(id.to_string(), EXAMPLE_ID);
    assert_eq!(EXAMPLE_ID.parse::<ElicenceId>()?, id);
    Ok(())
}

#[test]
fn minted_identifiers_round_trip() -> Result<(), ModelError> {
    let issuer = Uscc::parse("11430000006122244L")?;
    let id = ElicenceId::mint("11100000000013338W011", &issuer, "20230000403", 1)?;
    assert_eq!(id.to_string(), EXAMPLE_ID);
    let next = id.successor()?;
    assert_eq!(next.version(), 2);
    assert_eq!(ElicenceId::parse(&next.to_string())?, next);
    let json =
        serde_json::to_string(&next).map_err(|e| ModelError::field("json", e.to_string()))?;
    assert_eq!(json, format!("\"{next}\""));
    Ok(())
}

#[test]
fn rejects_identifier_with_wrong_check_char() {
    let bad = EXAMPLE_ID.replace(".U", ".V");
    let e = ElicenceId::parse(&bad).map(drop);
    assert_eq!(
        e.map_err(|e| e.to_string()),
        Err("e-licence identifier: check: check character is V, expected U".to_owned())
    );
}

#[test]
fn check_char_detects_single_substitutions_and_transpositions() -> Result<(), ModelError> {
    let id = ElicenceId::parse(EXAMPLE_ID)?;
    let serial = id.serial().to_owned();
    for (i, _) in serial.char_indices() {
        for c in ('0'..='9').chain('A'..='Z') {
            let mut s: Vec<char> = serial.chars().collect();
            if s.get(i) == Some(&c) {
                continue;
            }
            if let Some(slot) = s.get_mut(i) {
                *slot = c;
            }
            let other: String = s.into_iter().collect();
            let changed = ElicenceId::mint(id.type_code(), id.issuer(), &other, 1)?;
            assert_ne!(changed.check_char(), id.check_char(), "{other}");
        }
    }
    let swapped = ElicenceId::mint(id.type_code(), id.issuer(), "20230004003", 1)?;
    assert_ne!(swapped.check_char(), id.check_char());
    Ok(())
}

#[test]
fn identifier_errors_name_the_part() {
    let cases = [
        ("1.2.156.3005.3.11100000000013338W011.11430000006122244L.20230000403.001.U", "prefix"),
        ("1.2.156.3005.2.11100000000013338X011.11430000006122244L.20230000403.001.U", "type"),
        ("1.2.156.3005.2.11100000000013338W01.11430000006122244L.20230000403.001.U", "type"),
        ("1.2.156.3005.2.11100000000013338W01A.11430000006122244L.20230000403.001.U", "type"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244M.20230000403.001.U", "issuer"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.2023000040a.001.U", "serial"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L..001.U", "serial"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.123456789012345678901234567890123.001.U", "serial"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.000.U", "version"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.01.U", "version"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001.UU", "check"),
        ("1.2.156.3005.2.11100000000013338W011.11430000006122244L.20230000403.001", "structure"),
    ];
    for (s, part) in cases {
        match ElicenceId::parse(s) {
            Err(ModelError::Identifier { part: got, .. }) => assert_eq!(got, part, "{s}"),
            other => panic!("{s}: {other:?}"),
        }
    }
}

// ---- classify ----

#[test]
fn classify_recognises_each_kind() {
    let c = classify(EXAMPLE_ID);
    assert_eq!((c.kind, c.result.is_ok()), (IdentifierKind::Elicence, true));
    let c = classify("11010519491231002X");
    assert_eq!(
        (c.kind, c.result.is_ok()),
        (IdentifierKind::ResidentId, true)
    );
    let c = classify("91350100M000100Y43");
    assert_eq!((c.kind, c.result.is_ok()), (IdentifierKind::Uscc, true));
    let c = classify("110105194912310025");
    assert_eq!(c.kind, IdentifierKind::ResidentId);
    assert_eq!(
        c.result.map_err(|e| e.rule()),
        Err("check digit is 5, expected X".to_owned())
    );
    let c = classify("91350100M000100Y44");
    assert_eq!((c.kind, c.result.is_ok()), (IdentifierKind::Uscc, false));
    let c = classify("hello");
    assert_eq!((c.kind, c.result.is_ok()), (IdentifierKind::Unknown, false));
}

#[test]
fn identifier_stem_mints_what_mint_mints() -> Result<(), ModelError> {
    let serials = ["1", "20240100001538", "ABC123", &"9".repeat(32)];
    for q in Catalogue::builtin() {
        let stem = IdentifierStem::new(&q.licence_type, &issuer())?;
        assert_eq!(
            (stem.type_code(), stem.issuer()),
            (q.licence_type.as_str(), &issuer())
        );
        for serial in serials {
            for version in [1, 2, 10, 999] {
                let id = ElicenceId::mint(&q.licence_type, &issuer(), serial, version)?;
                assert_eq!(stem.mint(serial, version)?, id);
                let shown = stem.show(serial, version)?;
                assert_eq!(shown.to_string(), id.to_string());
                let mut out = b"x".to_vec();
                shown.write_to(&mut out);
                assert_eq!(out.get(1..), Some(id.to_string().as_bytes()));
                assert_eq!(ElicenceId::parse(&shown.to_string())?, id);
            }
        }
    }
    Ok(())
}

#[test]
fn identifier_stem_checks_type_code_serial_and_version() -> Result<(), ModelError> {
    assert!(IdentifierStem::new("11100000000013338X001", &issuer()).is_err());
    assert!(IdentifierStem::new("11100000000013338W01", &issuer()).is_err());
    assert!(IdentifierStem::new("11100000000013338WABC", &issuer()).is_err());
    let stem = IdentifierStem::new("11100000000013338W001", &issuer())?;
    for (serial, version) in [
        ("", 1),
        ("abc", 1),
        ("A-1", 1),
        (&*"1".repeat(33), 1),
        ("1", 0),
        ("1", 1000),
    ] {
        let minted = ElicenceId::mint("11100000000013338W001", &issuer(), serial, version);
        assert!(minted.is_err(), "{serial:?} {version}");
        assert_eq!(stem.mint(serial, version), minted);
        assert!(stem.show(serial, version).is_err(), "{serial:?} {version}");
    }
    Ok(())
}

// ---- catalogue ----

#[test]
fn shipped_catalogue_parses() {
    let text = include_str!("../../data/catalogue.tsv");
    let cat = Catalogue::parse(text).unwrap_or_else(|e| panic!("{e}"));
    assert!(cat.len() >= 35, "{} entries", cat.len());
    assert_eq!(Catalogue::builtin().len(), cat.len());
    for q in &cat {
        assert!(ElicenceId::mint(&q.licence_type, &issuer(), "1", 1).is_ok());
        assert!(!q.levels.is_empty());
    }
}

#[test]
fn catalogue_covers_first_class_constructor() {
    let q = Catalogue::builtin().get(1);
    let q = q.unwrap_or_else(|| panic!("no qualification 1"));
    assert_eq!(q.name, "一级建造师");
    assert_eq!(q.level(1).map(|l| l.name.as_str()), Some("一级"));
    assert_eq!(q.specialties.len(), 10);
    assert_eq!(
        q.specialty(10).map(|s| s.name.as_str()),
        Some("通信与广电工程")
    );
    assert!(!q.expires);
    assert!(Catalogue::builtin().get(9999).is_none());
}

#[test]
fn catalogue_rejects_bad_lines() {
    let good = "1\t甲\tA\t1:一级\t\t11100000000013338W001\tno\n";
    assert!(Catalogue::parse(good).is_ok());
    let bad = [
        "1\t甲\tA\t1:一级\t\t11100000000013338W001\n",
        "x\t甲\tA\t1:一级\t\t11100000000013338W001\tno\n",
        "1\t甲\tA\t\t\t11100000000013338W001\tno\n",
        "1\t甲\tA\t1:一级,1:二级\t\t11100000000013338W001\tno\n",
        "1\t甲\tA\t1一级\t\t11100000000013338W001\tno\n",
        "1\t甲\tA\t1:一级\t\t11100000000013338X001\tno\n",
        "1\t甲\tA\t1:一级\t\t11100000000013338W001\tmaybe\n",
        "1\t甲\tA\t1:一级\t\t11100000000013338W001\tno\n1\t乙\tB\t1:一级\t\t11100000000013338W002\tno\n",
    ];
    for text in bad {
        assert!(
            matches!(
                Catalogue::parse(text),
                Err(ModelError::Catalogue { line: 1 | 2, .. })
            ),
            "{text}"
        );
    }
}

// ---- certificates from records ----

#[test]
fn accepts_a_valid_first_issue() {
    assert_eq!(verdict(record()), "accepted");
}

#[test]
fn sample_records_are_all_valid() {
    for (what, batch) in [
        ("json", parse_json(SAMPLE_JSON.as_bytes())),
        ("csv", parse_csv(SAMPLE_CSV.as_bytes())),
    ] {
        let batch = batch.unwrap_or_else(|e| panic!("{what}: {e}"));
        assert!(batch.rejected.is_empty(), "{what}: {:?}", batch.rejected);
        assert_eq!(batch.accepted.len(), 8, "{what}");
    }
    let json = parse_json(SAMPLE_JSON.as_bytes()).map(|b| b.accepted);
    let csv = parse_csv(SAMPLE_CSV.as_bytes()).map(|b| b.accepted);
    assert_eq!(json, csv);
}

#[test]
fn sample_batch_has_a_replacement_a_change_and_a_legacy_record() -> Result<(), ModelError> {
    let batch = parse_json(SAMPLE_JSON.as_bytes())?;
    let certs: Vec<&Certificate> = batch.accepted.iter().map(|(_, c)| c).collect();
    let replacement = certs
        .iter()
        .find(|c| c.lifecycle.kind == IssueKind::Replacement);
    let replacement = replacement.ok_or_else(|| ModelError::field("test", "no 补发"))?;
    assert_eq!(replacement.lifecycle.kind.label_zh(), "补发");
    let pred = replacement
        .lifecycle
        .predecessor
        .as_deref()
        .unwrap_or_default();
    let id = replacement.identifier(&issuer())?;
    assert_eq!(id.version(), 2);
    assert_eq!(ElicenceId::parse(pred)?.successor()?, id);
    assert!(certs
        .iter()
        .any(|c| c.lifecycle.kind == IssueKind::Change && !c.remarks.changes.is_empty()));
    let legacy = certs.iter().find(|c| c.legacy);
    assert!(legacy
        .is_some_and(|c| c.holder.sex == Sex::Unknown && c.holder.birth.to_string() == "1968-07"));
    Ok(())
}

#[test]
fn certificate_json_is_readable_and_round_trips() -> Result<(), Box<dyn std::error::Error>> {
    let batch = parse_json(SAMPLE_JSON.as_bytes())?;
    for (_, cert) in &batch.accepted {
        let text = serde_json::to_string(cert)?;
        let back: Certificate = serde_json::from_str(&text)?;
        assert_eq!(&back, cert);
        assert_eq!(back.clone().validated()?, back);
    }
    let with_photo = batch
        .accepted
        .iter()
        .find(|(_, c)| c.holder.photo_sha256.is_some());
    let text = serde_json::to_value(&with_photo.ok_or("no photo")?.1)?;
    assert_eq!(
        text["holder"]["photo_sha256"],
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    );
    assert_eq!(text["holder"]["sex"], "male");
    assert_eq!(text["holder"]["id_type"], "resident_id");
    assert_eq!(text["lifecycle"]["kind"], "original");
    assert_eq!(text["management"]["approval_date"], "2024-02-28");
    Ok(())
}

/// `Certificate::write_json` (the registry's stored text) writes the bytes serde_json writes:
/// every sample record, and certificates with every optional part set or unset, every enum
/// variant, strings that need escaping, extreme numbers and dates.
#[cfg(feature = "sqlite")]
#[test]
fn json_writer_writes_what_serde_writes() -> Result<(), Box<dyn std::error::Error>> {
    let mut certs: Vec<Certificate> = parse_json(SAMPLE_JSON.as_bytes())?
        .accepted
        .into_iter()
        .map(|(_, c)| c)
        .collect();
    let base = certs.first().ok_or("no sample")?.clone();
    let texts = [
        "",
        "王建国",
        "quote \" backslash \\ slash / tab \t newline \n",
        "\u{0}\u{1}\u{1f}\u{7f}\u{80}\u{2028}\u{2029}\u{ffff}\u{10ffff}",
        "𠀀𪚥 · é",
    ];
    let dates = [
        Date::new(1900, 1, 1)?,
        Date::new(2199, 12, 31)?,
        Date::new(2024, 2, 29)?,
    ];
    let sexes = [Sex::Unknown, Sex::Male, Sex::Female, Sex::NotStated];
    let kinds = [
        IssueKind::Original,
        IssueKind::Change,
        IssueKind::Replacement,
    ];
    let id_types = [
        IdDocType::ResidentId,
        IdDocType::Passport,
        IdDocType::HomeReturnPermit,
        IdDocType::TaiwanCompatriotPermit,
        IdDocType::ForeignPermanentResidence,
        IdDocType::Other,
    ];
    for (i, text) in texts.iter().enumerate() {
        let mut c = base.clone();
        let date = dates.get(i % dates.len()).copied().ok_or("date")?;
        c.qualification.code = [0, 9, u16::MAX].get(i % 3).copied().ok_or("code")?;
        c.qualification.level = [0, 1, u8::MAX].get(i % 3).copied().ok_or("level")?;
        c.qualification.specialty = [None, Some(0), Some(u16::MAX)]
            .get(i % 3)
            .copied()
            .ok_or("s")?;
        c.holder.name = (*text).to_owned();
        c.holder.sex = sexes.get(i % sexes.len()).copied().ok_or("sex")?;
        c.holder.birth = YearMonth::new(1900 + 74 * i as u16, 1 + i as u8)?;
        c.holder.photo_sha256 = (i % 2 == 0).then_some([i as u8; 32]);
        c.holder.id_type = id_types.get(i % id_types.len()).copied().ok_or("id type")?;
        c.holder.id_number = format!("{text}x");
        c.management.number = format!("M{text}");
        c.management.approval_date = date;
        c.remarks.scope = (i % 2 == 1).then(|| (*text).to_owned());
        c.remarks.valid_until = (i % 2 == 0).then_some(date);
        c.remarks.changes = (0..i)
            .map(|k| ChangeRecord {
                date,
                field: format!("f{k}{text}"),
                old: (k % 2 == 0).then(|| (*text).to_owned()),
                new: (k % 3 == 0).then(|| format!("{text}{k}")),
            })
            .collect();
        c.lifecycle.kind = kinds.get(i % kinds.len()).copied().ok_or("kind")?;
        c.lifecycle.version = [1, 0, u16::MAX].get(i % 3).copied().ok_or("version")?;
        c.lifecycle.predecessor = (i % 2 == 1).then(|| format!("p{text}"));
        c.serial = (*text).to_owned();
        c.legacy = i % 2 == 1;
        certs.push(c);
    }
    for c in &certs {
        let mut written = Vec::new();
        c.write_json(&mut written)?;
        assert_eq!(
            String::from_utf8(written)?,
            serde_json::to_string(c)?,
            "{c:?}"
        );
    }
    Ok(())
}

#[test]
fn certificate_identifier_uses_catalogue_type_and_version() -> Result<(), ModelError> {
    let batch = parse_json(&serde_json::to_vec(&json!([record()])).unwrap_or_default())?;
    let cert = &batch
        .accepted
        .first()
        .ok_or_else(|| ModelError::field("test", "none"))?
        .1;
    let id = cert.identifier(&issuer())?;
    assert_eq!(id.type_code(), "11100000000013338W001");
    assert_eq!(id.serial(), "20240100001538");
    assert_eq!(id.version(), 1);
    Ok(())
}

#[test]
fn rejects_qualification_not_in_catalogue() {
    assert_refused(
        with(record(), "qualification_code", json!(999)),
        "qualification.code",
        "not in the catalogue",
    );
}

#[test]
fn rejects_level_not_of_the_qualification() {
    assert_refused(
        with(record(), "level", json!(2)),
        "qualification.level",
        "not a level",
    );
}

#[test]
fn requires_specialty_iff_the_qualification_has_specialties() {
    assert_refused(
        with(record(), "specialty", Value::Null),
        "qualification.specialty",
        "required",
    );
    assert_refused(
        with(record(), "specialty", json!(11)),
        "qualification.specialty",
        "not a specialty",
    );
    let accounting = with(
        with(record(), "qualification_code", json!(9)),
        "level",
        json!(2),
    );
    assert_refused(
        accounting.clone(),
        "qualification.specialty",
        "has no specialties",
    );
    assert_eq!(
        verdict(with(accounting, "specialty", Value::Null)),
        "accepted"
    );
}

#[test]
fn rejects_id_number_check_digit_in_a_record() {
    let v = with(record(), "id_number", json!("110101198503076515"));
    assert_eq!(verdict(v), "holder.id_number: check digit is 5, expected 1");
}

#[test]
fn record_error_displays_record_field_and_rule() {
    let e = RecordError {
        record: 17,
        field: "holder.id_number",
        rule: "check digit is 5, expected X".into(),
    };
    assert_eq!(
        e.to_string(),
        "record 17: holder.id_number: check digit is 5, expected X"
    );
}

#[test]
fn rejects_birth_not_matching_the_id_number() {
    assert_refused(
        with(record(), "birth", json!("1985-04")),
        "holder.birth",
        "1985-04 does not match 1985-03",
    );
}

#[test]
fn rejects_sex_not_matching_the_id_number() {
    assert_refused(
        with(record(), "sex", json!(2)),
        "holder.sex",
        "female (2) does not match",
    );
    assert_eq!(verdict(with(record(), "sex", json!(9))), "accepted");
    assert_refused(
        with(record(), "sex", json!(3)),
        "holder.sex",
        "not one of 0, 1, 2, 9",
    );
}

#[test]
fn other_id_documents_are_4_to_32_alphanumerics() {
    let passport = with(
        with(record(), "id_type", json!(414)),
        "id_number",
        json!("E12345678"),
    );
    assert_eq!(verdict(passport.clone()), "accepted");
    assert_refused(
        with(passport.clone(), "id_number", json!("E12")),
        "holder.id_number",
        "4..=32",
    );
    assert_refused(
        with(passport.clone(), "id_number", json!("E123-4567")),
        "holder.id_number",
        "4..=32",
    );
    assert_refused(
        with(passport, "id_type", json!(415)),
        "holder.id_type",
        "not one of",
    );
}

#[test]
fn id_doc_type_and_sex_codes_round_trip() {
    for code in [111, 414, 516, 511, 553, 990] {
        assert_eq!(IdDocType::from_code(code).map(IdDocType::code), Some(code));
    }
    for code in [0, 1, 2, 9] {
        assert_eq!(Sex::from_code(code).map(Sex::code), Some(code));
    }
    for code in 0..=2 {
        assert_eq!(IssueKind::from_code(code).map(IssueKind::code), Some(code));
    }
    assert_eq!(IssueKind::Change.label_zh(), "换发");
    assert_eq!(IssueKind::Original.label_zh(), "首次发证");
}

#[test]
fn rejects_holder_name_of_bad_length() {
    assert_refused(with(record(), "name", json!("")), "holder.name", "required");
    assert_refused(
        with(record(), "name", json!("王".repeat(65))),
        "holder.name",
        "65 characters",
    );
    assert_eq!(
        verdict(with(record(), "name", json!("王".repeat(64)))),
        "accepted"
    );
    assert_refused(
        with(record(), "name", json!("王\u{7}国")),
        "holder.name",
        "control",
    );
}

#[test]
fn rejects_bad_management_number() {
    assert_refused(
        with(record(), "management_number", json!("A".repeat(41))),
        "management.number",
        "1..=40",
    );
    assert_refused(
        with(record(), "management_number", json!("01 02")),
        "management.number",
        "1..=40",
    );
    assert_eq!(
        verdict(with(record(), "management_number", json!("ZJ-2024-0001"))),
        "accepted"
    );
}

#[test]
fn rejects_approval_date_before_birth() {
    assert_refused(
        with(record(), "approval_date", json!("1985-02-28")),
        "management.approval_date",
        "before the holder's birth",
    );
    assert_refused(
        with(record(), "approval_date", json!("2024-02-30")),
        "management.approval_date",
        "day 30",
    );
}

#[test]
fn rejects_long_scope() {
    assert_refused(
        with(record(), "scope", json!("范".repeat(201))),
        "remarks.scope",
        "201 characters",
    );
    assert_eq!(
        verdict(with(record(), "scope", json!("范".repeat(200)))),
        "accepted"
    );
}

#[test]
fn rejects_validity_for_a_qualification_that_never_expires() {
    assert_refused(
        with(record(), "valid_until", json!("2030-01-01")),
        "remarks.valid_until",
        "never expires",
    );
}

#[test]
fn expiring_qualification_needs_a_validity_after_approval() -> Result<(), ModelError> {
    let cat = Catalogue::parse("1\t甲\tA\t1:一级\t1:建筑工程\t11100000000013338W001\tyes\n")?;
    let parse =
        |v: Value| parse_json_with(&serde_json::to_vec(&json!([v])).unwrap_or_default(), &cat);
    let ok = parse(with(record(), "valid_until", json!("2029-01-14")))?;
    assert_eq!(ok.accepted.len(), 1);
    let missing = parse(record())?;
    assert_eq!(
        missing.rejected.first().map(|e| e.field),
        Some("remarks.valid_until")
    );
    let early = parse(with(record(), "valid_until", json!("2024-01-14")))?;
    assert!(early
        .rejected
        .first()
        .is_some_and(|e| e.rule.contains("before the approval date")));
    Ok(())
}

#[test]
fn rejects_more_than_32_changes() {
    let change =
        json!({"date": "2024-05-01", "field": "holder.name", "old": "王建军", "new": "王建国"});
    let pred = predecessor(1, "20240100001538", 1);
    let base = with(
        with(with(record(), "kind", json!("change")), "version", json!(2)),
        "predecessor",
        json!(pred),
    );
    assert_eq!(
        verdict(with(
            base.clone(),
            "changes",
            json!(vec![change.clone(); 32])
        )),
        "accepted"
    );
    assert_refused(
        with(base, "changes", json!(vec![change; 33])),
        "remarks.changes",
        "33 entries",
    );
}

#[test]
fn rejects_version_zero() {
    assert_refused(
        with(record(), "version", json!(0)),
        "lifecycle.version",
        "outside 1..=999",
    );
}

#[test]
fn original_issue_is_version_1_without_predecessor() {
    assert_refused(
        with(record(), "version", json!(2)),
        "lifecycle.version",
        "expected 1",
    );
    let pred = predecessor(1, "20240100001538", 1);
    assert_refused(
        with(record(), "predecessor", json!(pred)),
        "lifecycle.predecessor",
        "first issue",
    );
}

#[test]
fn replacement_reissue_needs_predecessor_of_previous_version() {
    let base = with(
        with(record(), "kind", json!("replacement")),
        "version",
        json!(2),
    );
    assert_refused(base.clone(), "lifecycle.predecessor", "required");
    assert_refused(
        with(base.clone(), "predecessor", json!("1.2.3")),
        "lifecycle.predecessor",
        "prefix",
    );
    let wrong_version = predecessor(1, "20240100001538", 2);
    assert_refused(
        with(base.clone(), "predecessor", json!(wrong_version)),
        "lifecycle.predecessor",
        "version is 2, expected 1",
    );
    let wrong_serial = predecessor(1, "20240100001539", 1);
    assert_refused(
        with(base.clone(), "predecessor", json!(wrong_serial)),
        "lifecycle.predecessor",
        "serial",
    );
    let wrong_type = predecessor(2, "20240100001538", 1);
    assert_refused(
        with(base.clone(), "predecessor", json!(wrong_type)),
        "lifecycle.predecessor",
        "licence type",
    );
    let good = predecessor(1, "20240100001538", 1);
    assert_eq!(verdict(with(base, "predecessor", json!(good))), "accepted");
}

#[test]
fn change_reissue_records_the_change() {
    let pred = predecessor(1, "20240100001538", 1);
    let base = with(
        with(with(record(), "kind", json!("换发")), "version", json!(2)),
        "predecessor",
        json!(pred),
    );
    assert_refused(base.clone(), "remarks.changes", "must record the change");
    let change =
        json!([{"date": "2024-05-01", "field": "holder.name", "old": "王建军", "new": "王建国"}]);
    assert_eq!(verdict(with(base.clone(), "changes", change)), "accepted");
    let bad_date = json!([{"date": "2024-05-32", "field": "holder.name"}]);
    assert_refused(
        with(base, "changes", bad_date),
        "remarks.changes",
        "entry 1: date",
    );
}

#[test]
fn rejects_unknown_issue_kind() {
    assert_refused(
        with(record(), "kind", json!("reprint")),
        "lifecycle.kind",
        "\"reprint\"",
    );
}

#[test]
fn legacy_record_may_omit_sex_and_birth() {
    let legacy = with(
        with(with(record(), "sex", Value::Null), "birth", Value::Null),
        "legacy",
        json!(true),
    );
    assert_eq!(verdict(legacy.clone()), "accepted");
    assert_refused(with(record(), "sex", Value::Null), "holder.sex", "required");
    assert_refused(
        with(record(), "birth", Value::Null),
        "holder.birth",
        "required",
    );
    let passport = with(
        with(legacy, "id_type", json!(414)),
        "id_number",
        json!("E12345678"),
    );
    assert_refused(passport, "holder.birth", "required");
}

#[test]
fn legacy_record_still_needs_key_fields() {
    let legacy = with(record(), "legacy", json!(true));
    for (key, field) in [
        ("name", "holder.name"),
        ("id_number", "holder.id_number"),
        ("qualification_code", "qualification.code"),
        ("management_number", "management.number"),
    ] {
        assert_refused(with(legacy.clone(), key, Value::Null), field, "required");
    }
}

#[test]
fn rejects_bad_photo_digest() {
    assert_refused(
        with(record(), "photo_sha256", json!("abc")),
        "holder.photo_sha256",
        "64 hex",
    );
    assert_refused(
        with(
            record(),
            "photo_sha256",
            json!(format!("+{}", "a".repeat(63))),
        ),
        "holder.photo_sha256",
        "64 hex",
    );
}

#[test]
fn json_errors_name_the_field_with_the_wrong_type() {
    assert_refused(
        with(record(), "level", json!("1")),
        "qualification.level",
        "invalid type",
    );
    assert_refused(
        with(record(), "version", json!(-1)),
        "lifecycle.version",
        "invalid value",
    );
    assert_refused(
        with(record(), "colour", json!("red")),
        "record",
        "unknown field \"colour\"",
    );
}

#[test]
fn json_bad_record_keeps_good_ones() -> Result<(), ModelError> {
    let bad = with(record(), "id_number", json!("110101198503076515"));
    let input = json!([record(), bad, 42, another_record()]);
    let batch = parse_json(&serde_json::to_vec(&input).unwrap_or_default())?;
    let accepted: Vec<usize> = batch.accepted.iter().map(|(n, _)| *n).collect();
    assert_eq!(accepted, [1, 4]);
    let rejected: Vec<String> = batch.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(
        rejected,
        [
            "record 2: holder.id_number: check digit is 5, expected 1",
            "record 3: record: expected an object, got a number",
        ]
    );
    Ok(())
}

#[test]
fn json_lines_bad_line_keeps_good_lines() -> Result<(), ModelError> {
    let (good, other) = (record().to_string(), another_record().to_string());
    let text = format!("{good}\n{{\"name\": broken\n\n{other}\r\n");
    let batch = parse_json(text.as_bytes())?;
    assert_eq!(
        batch.accepted.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        [1, 3]
    );
    assert_eq!(
        batch.rejected.first().map(|e| (e.record, e.field)),
        Some((2, "record"))
    );
    Ok(())
}

#[test]
fn rejects_input_that_is_not_json_records() {
    for input in ["", "   ", "hello", "[1, 2", "\"text\"", "[{}] trailing"] {
        assert!(
            matches!(parse_json(input.as_bytes()), Err(ModelError::Input { .. })),
            "{input:?}"
        );
    }
}

#[test]
fn rejects_input_over_256_mib() {
    let big = vec![b' '; MAX_INPUT_BYTES + 1];
    assert!(matches!(parse_json(&big), Err(ModelError::Input { .. })));
    assert!(matches!(parse_csv(&big), Err(ModelError::Input { .. })));
}

#[test]
fn rejects_more_than_a_million_records() {
    let mut text = String::with_capacity(3 * (MAX_RECORDS + 1) + 2);
    text.push('[');
    for i in 0..=MAX_RECORDS {
        text.push_str(if i == 0 { "{}" } else { ",{}" });
    }
    text.push(']');
    let e = parse_json(text.as_bytes()).map(drop).map_err(|e| e.rule());
    assert!(e.is_err_and(|r| r.contains("more than 1000000 records")));
    let mut csv =
        String::from("qualification_code,level,name,id_number,management_number,serial\n");
    for _ in 0..=MAX_RECORDS {
        csv.push_str(",,,,,\n");
    }
    assert!(matches!(
        parse_csv(csv.as_bytes()),
        Err(ModelError::Input { .. })
    ));
}

const CSV_HEADER: &str = "qualification_code,level,specialty,name,sex,birth,id_type,id_number,management_number,approval_date,kind,version,predecessor,serial";
const CSV_GOOD: &str = "1,1,1,王建国,1,1985-03,111,110101198503076511,0101202400001538,2024-01-15,original,1,,20240100001538";

#[test]
fn csv_bad_row_keeps_good_rows() -> Result<(), ModelError> {
    let bad_check = CSV_GOOD.replace("076511", "076515");
    let bad_level = CSV_GOOD.replace("1,1,1,", "1,x,1,");
    let short = "1,1,1,王建国";
    let other = CSV_GOOD.replace("001538", "001539");
    let text = format!("{CSV_HEADER}\n{CSV_GOOD}\n{bad_check}\n{bad_level}\n{short}\n{other}\n");
    let batch = parse_csv(text.as_bytes())?;
    assert_eq!(
        batch.accepted.iter().map(|(n, _)| *n).collect::<Vec<_>>(),
        [1, 5]
    );
    let rejected: Vec<String> = batch.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(
        rejected.first().map(String::as_str),
        Some("record 2: holder.id_number: check digit is 5, expected 1")
    );
    assert!(
        rejected
            .get(1)
            .is_some_and(|r| r.starts_with("record 3: qualification.level: ")),
        "{rejected:?}"
    );
    assert!(
        rejected
            .get(2)
            .is_some_and(|r| r.starts_with("record 4: record: ")),
        "{rejected:?}"
    );
    Ok(())
}

#[test]
fn csv_rejects_bad_header() {
    let cases = [
        format!("{CSV_HEADER},colour\n{CSV_GOOD},red\n"),
        format!("{CSV_HEADER},name\n{CSV_GOOD},x\n"),
        "level,name,id_number,management_number,serial\n".to_owned(),
        String::new(),
    ];
    for text in cases {
        assert!(
            matches!(parse_csv(text.as_bytes()), Err(ModelError::Input { .. })),
            "{text:?}"
        );
    }
}

#[test]
fn csv_accepts_a_byte_order_mark() -> Result<(), ModelError> {
    let text = format!("\u{feff}{CSV_HEADER}\n{CSV_GOOD}\n");
    assert_eq!(parse_csv(text.as_bytes())?.accepted.len(), 1);
    Ok(())
}

#[test]
fn csv_and_json_agree_with_a_custom_catalogue() -> Result<(), ModelError> {
    let cat = Catalogue::parse("1\t甲\tA\t1:一级\t1:建筑工程\t11100000000013338W001\tno\n")?;
    let csv = parse_csv_with(format!("{CSV_HEADER}\n{CSV_GOOD}\n").as_bytes(), &cat)?;
    let json = parse_json_with(
        &serde_json::to_vec(&json!([record()])).unwrap_or_default(),
        &cat,
    )?;
    assert_eq!(csv, json);
    Ok(())
}

// ---- hostile input ----

/// A small deterministic generator (xorshift64*), so the test needs no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn bytes(&mut self, alphabet: &[u8], len: usize) -> Vec<u8> {
        (0..len)
            .map(|_| {
                let n = u64::try_from(alphabet.len()).unwrap_or(1).max(1);
                let i = usize::try_from(self.next() % n).unwrap_or(0);
                alphabet.get(i).copied().unwrap_or(b'0')
            })
            .collect()
    }
}

fn feed_everything(bytes: &[u8]) {
    let _ = parse_json(bytes);
    let _ = parse_csv(bytes);
    let text = String::from_utf8_lossy(bytes);
    let _ = ElicenceId::parse(&text);
    let _ = ResidentId::parse(&text);
    let _ = Uscc::parse(&text);
    let _ = Uscc::with_check(&text);
    let _ = Date::parse(&text);
    let _ = YearMonth::parse(&text);
    let _ = classify(&text);
    let _ = Catalogue::parse(&text);
}

#[test]
fn parsers_never_panic_on_truncations_and_garbage() {
    for text in [
        SAMPLE_JSON,
        SAMPLE_CSV,
        EXAMPLE_ID,
        "11010519491231002X",
        "91350100M000100Y43",
    ] {
        let bytes = text.as_bytes();
        for end in 0..=bytes.len() {
            feed_everything(bytes.get(..end).unwrap_or_default());
        }
    }
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let json_ish = b"{}[],:\"0123456789.-eEtrufalsnX \n\\u\xE4\xB8\xAD";
    let id_ish = b"0123456789ABCDEFGHJKLMNPQRTUWXYZxI.-";
    let all: Vec<u8> = (0..=255).collect();
    for round in 0..3000 {
        let len = usize::try_from(rng.next() % 120).unwrap_or(0);
        let alphabet: &[u8] = match round % 3 {
            0 => json_ish,
            1 => id_ish,
            _ => &all,
        };
        feed_everything(&rng.bytes(alphabet, len));
    }
    // Mutations of a valid batch: flip one byte at a time.
    let mut sample = SAMPLE_JSON.as_bytes().to_vec();
    for _ in 0..2000 {
        let n = u64::try_from(sample.len()).unwrap_or(1).max(1);
        let i = usize::try_from(rng.next() % n).unwrap_or(0);
        let saved = sample.get(i).copied();
        if let (Some(slot), Some(b)) = (sample.get_mut(i), rng.bytes(json_ish, 1).first()) {
            *slot = *b;
        }
        let _ = parse_json(&sample);
        if let (Some(slot), Some(b)) = (sample.get_mut(i), saved) {
            *slot = b;
        }
    }
}

#[test]
fn deserialising_a_certificate_checks_its_rules() -> Result<(), Box<dyn std::error::Error>> {
    let batch = parse_json(SAMPLE_JSON.as_bytes())?;
    let cert = &batch.accepted.first().ok_or("empty")?.1;
    let mut v = serde_json::to_value(cert)?;
    v["holder"]["id_number"] = json!("110101198503076515");
    let e = serde_json::from_value::<Certificate>(v)
        .map(drop)
        .map_err(|e| e.to_string());
    assert_eq!(
        e,
        Err("holder.id_number: check digit is 5, expected 1".to_owned())
    );
    Ok(())
}

#[test]
fn record_fields_list_every_csv_column() {
    let header: Vec<&str> = record_fields().collect();
    let text = format!("{}\n", header.join(","));
    assert!(parse_csv(text.as_bytes()).is_ok_and(|b| b.accepted.is_empty()));
    assert_eq!(header.len(), 19);
}

#[test]
fn rejects_a_repeated_json_key() -> Result<(), ModelError> {
    let good = record().to_string();
    let twice = good.replacen(
        "\"name\":\"王建国\"",
        "\"name\":\"王建国\",\"name\":\"李四\"",
        1,
    );
    assert_ne!(twice, good);
    let array = format!("[{good},{twice}]");
    for text in [array, format!("{good}\n{twice}\n")] {
        let batch = parse_json(text.as_bytes())?;
        assert_eq!(batch.accepted.len(), 1);
        let e = batch.rejected.first().map(ToString::to_string);
        assert_eq!(
            e.as_deref(),
            Some("record 2: holder.name: key \"name\" appears twice")
        );
    }
    Ok(())
}

#[test]
fn holder_id_number_masks_all_but_last_four() -> Result<(), ModelError> {
    let batch = parse_json(SAMPLE_JSON.as_bytes())?;
    let holder = &batch
        .accepted
        .first()
        .ok_or_else(|| ModelError::field("test", "none"))?
        .1
        .holder;
    assert_eq!(holder.masked_id_number(), "**************6511");
    let mut passport = holder.clone();
    passport.id_number = "E123".to_owned();
    assert_eq!(passport.masked_id_number(), "E123");
    Ok(())
}

#[test]
fn rejects_repeated_management_number_or_identifier_in_a_batch() -> Result<(), ModelError> {
    let other_serial = with(record(), "serial", json!("20240100009999"));
    let other_number = with(record(), "management_number", json!("0101202400009999"));
    let input = json!([record(), other_serial, other_number]);
    let batch = parse_json(&serde_json::to_vec(&input).unwrap_or_default())?;
    assert_eq!(batch.accepted.len(), 1);
    let rejected: Vec<String> = batch.rejected.iter().map(ToString::to_string).collect();
    assert_eq!(
        rejected,
        [
            "record 2: management.number: 0101202400001538 repeats record 1",
            "record 3: serial: 20240100001538 version 1 of qualification 1 repeats record 1",
        ]
    );
    Ok(())
}

// ---- free-text fields (specs/records.md, "Text fields") ----

/// The holder name of the single certificate a one-record batch yields.
fn accepted_name(v: Value) -> String {
    let bytes = serde_json::to_vec(&Value::Array(vec![v])).unwrap_or_default();
    match parse_json(&bytes) {
        Ok(b) if b.accepted.len() == 1 => b.accepted[0].1.holder.name.clone(),
        other => panic!("expected one accepted record, got {other:?}"),
    }
}

fn named(name: &str) -> Value {
    with(record(), "name", json!(name))
}

/// A foreign holder (passport), so that a Latin-script name goes with the document.
fn foreign(name: &str) -> Value {
    with(
        with(
            with(
                with(record(), "id_type", json!(414)),
                "id_number",
                json!("E12345678"),
            ),
            "name",
            json!(name),
        ),
        "sex",
        json!(2),
    )
}

#[test]
fn rejects_formula_prefix_in_holder_name() {
    for name in ["=cmd|calc", "=1+1", "+王", "-王", "@王", "=王建国"] {
        assert_refused(named(name), "holder.name", "spreadsheet formula prefix");
    }
    assert_refused(
        foreign("=HYPERLINK"),
        "holder.name",
        "starts with '=' (U+003D)",
    );
}

#[test]
fn rejects_spreadsheet_and_markup_characters_in_holder_name() {
    for (name, shown) in [
        ("王|明", "'|' (U+007C)"),
        ("王<b>", "'<' (U+003C)"),
        ("王>", "'>' (U+003E)"),
        ("王&明", "'&' (U+0026)"),
        ("王\"明", "'\"' (U+0022)"),
        ("王=明", "'=' (U+003D)"),
        ("王+明", "'+' (U+002B)"),
        ("王@明", "'@' (U+0040)"),
    ] {
        assert_refused(
            named(name),
            "holder.name",
            &format!("character 2 is {shown}"),
        );
    }
}

#[test]
fn rejects_digits_in_holder_name() {
    assert_refused(
        named("王建国2"),
        "holder.name",
        "character 4 is '2' (U+0032), a digit",
    );
    assert_refused(named("王１"), "holder.name", "a digit");
    assert_refused(foreign("JOHN 2ND"), "holder.name", "a digit");
}

#[test]
fn rejects_control_and_invisible_characters_in_holder_name() {
    for (name, code) in [
        ("王\u{7}国", "U+0007"),
        ("王\u{202e}国", "U+202E"),
        ("王\u{200b}国", "U+200B"),
        ("王国\u{feff}", "U+FEFF"),
        ("王\u{2066}国", "U+2066"),
    ] {
        let got = verdict(named(name));
        assert!(got.contains(code), "{got}");
        // The rule names the code point and never echoes the character itself.
        assert!(!got.contains(&name[3..]), "{got:?}");
    }
    assert_refused(named("王\u{7}国"), "holder.name", "control");
    assert_refused(named("王\u{202e}国"), "holder.name", "invisible");
}

#[test]
fn rejects_mixed_scripts_in_holder_name() {
    assert_refused(
        named("王Wang"),
        "holder.name",
        "mixes Han characters and Latin letters",
    );
    assert_refused(
        foreign("Wang王"),
        "holder.name",
        "a name is written in one script",
    );
}

#[test]
fn rejects_scripts_no_name_on_these_certificates_uses() {
    for name in ["山田さくら", "김민준", "Иван", "Ἀλέξανδρος"] {
        assert_refused(foreign(name), "holder.name", "expected a Han character");
    }
    assert_refused(foreign("José"), "holder.name", "a Latin letter outside A–Z");
}

#[test]
fn rejects_compatibility_ideographs_radicals_and_private_use_in_holder_name() {
    assert_refused(
        named("王\u{f900}"),
        "holder.name",
        "compatibility ideograph",
    );
    assert_refused(
        named("\u{2f08}民"),
        "holder.name",
        "a radical, not an ideograph",
    );
    assert_refused(
        named("王\u{e000}"),
        "holder.name",
        "U+E000, a private-use character",
    );
    assert_refused(named("王\u{fe00}"), "holder.name", "invisible");
}

#[test]
fn accepts_rare_ideographs_and_ideographic_zero_in_holder_name() {
    for name in [
        "王喆",
        "\u{20bb7}田",
        "张堃",
        "王〇",
        "\u{3400}\u{4e00}",
        "林\u{2b740}",
        "\u{fa11}田",
    ] {
        assert_eq!(accepted_name(named(name)), name);
    }
}

#[test]
fn accepts_minority_and_transliterated_names_with_middle_dot() {
    for name in [
        "阿沛·阿旺晋美",
        "买买提·艾力",
        "爱新觉罗·溥仪",
        "欧阳明珠·阿卜杜拉·哈桑",
    ] {
        assert_eq!(accepted_name(named(name)), name);
    }
}

#[test]
fn normalises_middle_dot_look_alikes_in_holder_name() {
    for dot in [
        '.', '\u{0387}', '\u{2022}', '\u{2027}', '\u{2219}', '\u{22c5}', '\u{2e31}', '\u{30fb}',
        '\u{ff0e}', '\u{ff65}',
    ] {
        let name = format!("买买提{dot}艾力");
        assert_eq!(
            accepted_name(named(&name)),
            "买买提·艾力",
            "U+{:04X}",
            u32::from(dot)
        );
    }
    // In a Latin-script name a dot is not a separator and is refused, not changed.
    assert_refused(foreign("J. SMITH"), "holder.name", "'.' (U+002E)");
}

#[test]
fn rejects_middle_dot_at_the_edges_or_doubled_in_holder_name() {
    for (name, at) in [("·王", 1), ("王·", 2), ("王··明", 2), ("·", 1)] {
        assert_refused(
            named(name),
            "holder.name",
            &format!("'·' (U+00B7) at character {at} must sit between two letters"),
        );
    }
}

#[test]
fn rejects_spaces_and_latin_separators_in_chinese_script_holder_name() {
    // 王　芳: a full-width space padding a two-character name (a typesetting habit).
    assert_refused(named("王\u{3000}芳"), "holder.name", "without spaces");
    assert_refused(named("王 芳"), "holder.name", "without spaces");
    assert_refused(named("欧阳-明"), "holder.name", "only Han characters");
}

#[test]
fn accepts_latin_names_with_space_hyphen_and_apostrophe() {
    for name in [
        "JOHN SMITH",
        "Mary-Jane O'Neil",
        "ABDULLAH BIN AHMAD",
        "D'Angelo",
    ] {
        assert_eq!(accepted_name(foreign(name)), name);
    }
    // Full-width letters and look-alike apostrophes and hyphens are brought to ASCII.
    assert_eq!(accepted_name(foreign("ＪＯＨＮ　ＳＭＩＴＨ")), "JOHN SMITH");
    assert_eq!(accepted_name(foreign("O\u{2019}NEIL")), "O'NEIL");
    assert_eq!(accepted_name(foreign("MARY\u{2013}JANE")), "MARY-JANE");
}

#[test]
fn rejects_misplaced_separators_in_latin_holder_name() {
    for (name, rule) in [
        ("JOHN  SMITH", "at character 5 must sit between two letters"),
        ("JOHN-", "at character 5 must sit between two letters"),
        ("O''NEIL", "at character 2 must sit between two letters"),
        ("'T HOOFT", "at character 1 must sit between two letters"),
        ("JOHN·SMITH", "joins its words with a space"),
        ("-JOHN", "spreadsheet formula prefix"),
    ] {
        assert_refused(foreign(name), "holder.name", rule);
    }
}

#[test]
fn certificate_refuses_a_look_alike_that_record_input_normalises() -> Result<(), ModelError> {
    let batch = parse_json(
        serde_json::to_vec(&json!([named("买买提•艾力")]))
            .unwrap_or_default()
            .as_slice(),
    )?;
    let (_, cert) = batch
        .accepted
        .first()
        .cloned()
        .unwrap_or_else(|| panic!("{batch:?}"));
    assert_eq!(cert.holder.name, "买买提·艾力");
    let mut raw = cert.clone();
    raw.holder.name = "买买提•艾力".into();
    match raw.validated() {
        Err(ModelError::Field { field, rule }) => {
            assert_eq!(field, "holder.name");
            assert!(rule.contains("U+2022"), "{rule}");
        }
        other => panic!("{other:?}"),
    }
    // Deserialising a certificate (a document's body) applies the same rule.
    let mut view = serde_json::to_value(&cert).unwrap_or_default();
    view["holder"]["name"] = json!("=cmd|calc");
    assert!(serde_json::from_value::<Certificate>(view).is_err());
    Ok(())
}

#[test]
fn normalised_holder_names_are_fixed_points() {
    for name in [
        "买买提•艾力",
        "ＪＯＨＮ",
        "O\u{2019}NEIL",
        "王　芳",
        "=cmd|calc",
        "J.SMITH",
        "",
    ] {
        let once = TextField::HolderName.normalise(name).into_owned();
        assert_eq!(
            TextField::HolderName.normalise(&once),
            once.as_str(),
            "{name}"
        );
    }
    assert!(matches!(
        TextField::Scope.normalise("买买提•艾力"),
        std::borrow::Cow::Borrowed(_)
    ));
}

#[test]
fn rejects_formula_prefix_in_management_number() {
    assert_refused(
        with(record(), "management_number", json!("-1-1")),
        "management.number",
        "starts with '-' (U+002D), a spreadsheet formula prefix",
    );
    assert_refused(
        with(record(), "management_number", json!("0101-")),
        "management.number",
        "ends with '-'",
    );
    assert_refused(
        with(record(), "management_number", json!("=1+1")),
        "management.number",
        "ASCII letters, digits or '-'",
    );
}

#[test]
fn rejects_formula_prefix_in_scope() {
    for scope in ["=HYPERLINK(\"x\")", "-全国", "+86", "@SUM(A1)", "\t全国"] {
        assert_refused(
            with(record(), "scope", json!(scope)),
            "remarks.scope",
            "formula prefix",
        );
    }
}

#[test]
fn rejects_markup_and_spreadsheet_characters_in_scope() {
    for (scope, shown) in [
        ("全国<script>", "'<' (U+003C)"),
        ("全国|有效", "'|' (U+007C)"),
        ("全国&有效", "'&' (U+0026)"),
        ("全国\"有效\"", "'\"' (U+0022)"),
        ("全国=有效", "'=' (U+003D)"),
    ] {
        assert_refused(
            with(record(), "scope", json!(scope)),
            "remarks.scope",
            &format!("character 3 is {shown}"),
        );
    }
}

#[test]
fn rejects_control_and_bidi_characters_in_scope() {
    assert_refused(
        with(record(), "scope", json!("全国\u{202e}有效")),
        "remarks.scope",
        "U+202E",
    );
    assert_refused(
        with(record(), "scope", json!("全国\n有效")),
        "remarks.scope",
        "control",
    );
    assert_refused(
        with(record(), "scope", json!("全国  有效")),
        "remarks.scope",
        "doubled",
    );
}

#[test]
fn accepts_chinese_prose_with_punctuation_in_scope() {
    for scope in [
        "全国范围内有效",
        "全国范围内有效（限2025年12月31日前）。",
        "适用于：建筑工程、市政工程；BIM 应用",
        "有效期5年，详见《专业技术人员职业资格证书管理规定》",
        "Valid nationwide (PRC), 100% of scope / 全部",
    ] {
        assert_eq!(
            verdict(with(record(), "scope", json!(scope))),
            "accepted",
            "{scope}"
        );
    }
}

/// A change re-issue record with `change` as its only change record.
fn changed(change: Value) -> Value {
    let pred = predecessor(1, "20240100001538", 1);
    with(
        with(
            with(with(record(), "kind", json!("change")), "version", json!(2)),
            "predecessor",
            json!(pred),
        ),
        "changes",
        json!([change]),
    )
}

#[test]
fn rejects_formula_prefix_in_change_values() {
    assert_refused(
        changed(
            json!({"date": "2024-05-01", "field": "holder.name", "old": "=1+1", "new": "王建国"}),
        ),
        "remarks.changes",
        "entry 1: old value: starts with '='",
    );
    assert_refused(
        changed(
            json!({"date": "2024-05-01", "field": "holder.name", "old": "王建军", "new": "王<建国>"}),
        ),
        "remarks.changes",
        "entry 1: new value: character 2 is '<'",
    );
}

#[test]
fn change_field_names_are_identifiers_or_han_words() {
    for field in ["holder.name", "holder.id_number", "姓名", "证件号码"] {
        let change =
            json!({"date": "2024-05-01", "field": field, "old": "王建军", "new": "王建国"});
        assert_eq!(verdict(changed(change)), "accepted", "{field}");
    }
    for (field, rule) in [
        (
            "holder name",
            "entry 1: field name: character 7 is ' ' (U+0020)",
        ),
        ("=A1", "entry 1: field name: character 1 is '='"),
        (".name", "entry 1: field name: character 1 is '.'"),
    ] {
        let change =
            json!({"date": "2024-05-01", "field": field, "old": "王建军", "new": "王建国"});
        assert_refused(changed(change), "remarks.changes", rule);
    }
}

#[test]
fn catalogue_refuses_display_names_a_face_or_page_would_interpret() {
    let line = |name: &str, specialty: &str| {
        format!(
            "1\t{name}\tClass 1 Constructor\t1:一级\t1:{specialty}\t11100000000013338W001\tno\n"
        )
    };
    assert!(Catalogue::parse(&line("一级建造师", "建筑工程")).is_ok());
    for (text, rule) in [
        (line("=cmd|calc", "建筑工程"), "name: starts with '='"),
        (
            line("一级建造师", "<b>建筑</b>"),
            "specialty 1 name: character 1 is '<'",
        ),
        (
            line("一级\u{202e}建造师", "建筑工程"),
            "name: character 3 is U+202E",
        ),
    ] {
        match Catalogue::parse(&text) {
            Err(ModelError::Catalogue { line: 1, rule: got }) => {
                assert!(got.contains(rule), "{got}")
            }
            other => panic!("{other:?}"),
        }
    }
}

#[test]
fn reads_csv_and_json_behind_a_utf8_byte_order_mark() -> Result<(), ModelError> {
    let csv = [b"\xEF\xBB\xBF".as_slice(), SAMPLE_CSV.as_bytes()].concat();
    assert_eq!(parse_csv(&csv)?, parse_csv(SAMPLE_CSV.as_bytes())?);
    let json = [b"\xEF\xBB\xBF".as_slice(), SAMPLE_JSON.as_bytes()].concat();
    assert_eq!(parse_json(&json)?, parse_json(SAMPLE_JSON.as_bytes())?);
    Ok(())
}

/// An ID number is shown (and a change of it recorded) with all but its last four characters
/// masked, counted in characters; a shorter text is left as it is.
#[test]
fn masked_but_last4_keeps_the_last_four_characters() {
    assert_eq!(masked_but_last4("110101199003074529"), "**************4529");
    assert_eq!(masked_but_last4("E1234567"), "****4567");
    assert_eq!(masked_but_last4("王建国李四"), "*建国李四");
    assert_eq!(masked_but_last4("1234"), "1234");
    assert_eq!(masked_but_last4("12"), "12");
    assert_eq!(masked_but_last4(""), "");
}
