//! The registry part of `certseal demo`: the whole lifecycle on an embedded store — a
//! submission with bad rows, its idempotent resubmission, bulk issuance, a change re-issue
//! (换发), a replacement (补发) and a refused paper replacement, an invalidation and a refused
//! second one, lookups, deadlines and progress, the audit chain, and a signer-key compromise
//! with its bulk re-issue — each new version verified; then revocation off line: a signed
//! status snapshot makes the revoked and superseded versions fail and the new ones pass, and
//! after the key compromise a delta on top of it refuses every payload of the kid
//! (`signer_revoked`) while the re-issued versions pass.

use std::io::Write;
use std::path::Path;

use certseal::crypto::Algorithm;
use certseal::model::Date;
use certseal::registry::{
    Calendar, Decision, Encoding, HolderChange, Invalidation, IssueOptions, Lookup, Registry,
    ReissueKind, ReissueRequest, StatusPublisher, StatusReason, SubmissionFormat, SubmissionMeta,
};
use certseal::status::StatusList;
use certseal::trust::KeyDir;
use certseal::verify::Verifier;
use certseal::FixedClock;

use super::CliError;

/// A batch as an examination body exports it from Excel: UTF-8 with a BOM, Chinese headers;
/// rows 5 and 6 are wrong (check digit, a level the qualification does not have).
const SUBMISSION: &str =
    "\u{feff}资格代码,级别,专业,姓名,性别,出生年月,证件类型,证件号码,管理号,批准日期,存量证书
1,1,1,王建国,男,1985-03,111,110101198503076511,0101202400001538,2024-01-15,
9,2,,李秀英,女,1990-11,111,310104199011234529,0902202300087214,2023-12-20,
8,2,4,张伟明,男,1988-06,111,440305198806143016,0802202300051177,2024-01-10,
12,3,10,刘海涛,男,1982-09,111,510107198209211316,1203202300004406,2024-02-28,
15,0,1,陈静怡,女,1995-02,111,420106199502082420,1500202400012093,2024-12-05,
13,7,1,孙丽娜,女,1992-04,111,320102199204150080,1302202200006725,2022-12-30,
3,0,1,周国平,,,111,370202196807182015,0300200500002417,2005-09-01,是
";

fn fail(e: certseal::Error) -> CliError {
    CliError::Failed(e.to_string())
}

/// Runs the registry lifecycle in `dir` with `keys`; false when a check failed.
pub(crate) fn run(
    dir: &Path,
    keys: &mut KeyDir,
    alg: Algorithm,
    now: i64,
    out: &mut dyn Write,
) -> Result<bool, CliError> {
    let mut ok = true;
    let db = dir.join("registry.db");
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.clone().into_os_string();
        p.push(suffix);
        let _ = std::fs::remove_file(p);
    }
    let mut registry = Registry::open(&db).map_err(fail)?.with_actor("demo");
    let meta = SubmissionMeta {
        body: "中国人事考试中心考务部".into(),
        batch: "2024-01".into(),
        exam: Some("2023年度考试".into()),
        results_published: Some(Date::from_unix(now - 10 * 86_400)?),
        format: SubmissionFormat::Csv,
        encoding: Encoding::Utf8,
    };

    writeln!(
        out,
        "\n== R1. a submission (UTF-8 with BOM, Chinese headers, two bad rows) into {}",
        db.display()
    )?;
    let rep = registry
        .submit(SUBMISSION.as_bytes(), &meta, now)
        .map_err(fail)?;
    for p in &rep.problems {
        writeln!(out, "{p}")?;
    }
    writeln!(
        out,
        "{} rows: {} accepted, {} rejected",
        rep.rows, rep.accepted, rep.rejected
    )?;
    ok &= rep.accepted == 5 && rep.rejected == 2;

    writeln!(out, "\n== R2. the same batch again: idempotent")?;
    let again = registry
        .submit(SUBMISSION.as_bytes(), &meta, now)
        .map_err(fail)?;
    writeln!(
        out,
        "{} new, {} unchanged, {} still rejected",
        again.accepted, again.unchanged, again.rejected
    )?;
    ok &= again.accepted == 0;

    writeln!(out, "\n== R3. bulk issuance of the pending records")?;
    let issued = registry
        .issue_pending(keys, &IssueOptions::at(now), &mut |_, _| {})
        .map_err(fail)?;
    writeln!(
        out,
        "issued {} (status indices {:?}), kid {}",
        issued.issued,
        issued.indices,
        certseal::codec::hex::encode(&issued.kid)
    )?;
    let verifier = Verifier::new(keys.trust_store()?).with_clock(FixedClock(now));
    let mut ids = Vec::new();
    registry
        .each_certificate(|c| {
            let v = verifier.verify_at(&c.qr, now);
            ids.push((
                c.identifier.clone(),
                c.management_number.clone(),
                c.holder_name.clone(),
            ));
            if !v.is_valid() {
                return Err(certseal::registry::RegistryError::Inconsistent {
                    what: format!("{}: {:?}", c.identifier, v.result),
                }
                .into());
            }
            Ok(())
        })
        .map_err(fail)?;
    writeln!(
        out,
        "every stored QR payload verifies ({} certificates)",
        ids.len()
    )?;
    let [(first, _, _), (second, _, _), (third, third_number, third_name), ..] = &ids[..] else {
        return Ok(false);
    };

    writeln!(out, "\n== R4. change re-issue (换发): a name changed")?;
    let change = registry
        .reissue(
            keys,
            &ReissueRequest {
                identifier: first.clone(),
                kind: ReissueKind::Change {
                    changes: vec![HolderChange::Name("王建华".into())],
                    date: Date::from_unix(now)?,
                },
            },
            now,
        )
        .map_err(fail)?;
    let v = verifier.verify_at(&change.qr, now);
    writeln!(
        out,
        "{} supersedes {}: {}, holder {}",
        change.identifier,
        change.predecessor,
        if v.is_valid() { "valid" } else { "INVALID" },
        v.certificate
            .as_ref()
            .map_or("-", |c| c.holder_name.as_str())
    )?;
    ok &= v.is_valid();

    writeln!(
        out,
        "\n== R5. replacement (补发), and a paper replacement refused"
    )?;
    let paper = registry.reissue(
        keys,
        &ReissueRequest {
            identifier: second.clone(),
            kind: ReissueKind::Replacement { paper: true },
        },
        now,
    );
    match paper {
        Err(e) => writeln!(out, "paper: refused: {e}")?,
        Ok(_) => {
            ok = false;
            writeln!(out, "paper replacement issued — this must not happen")?;
        }
    }
    let repl = registry
        .reissue(
            keys,
            &ReissueRequest {
                identifier: second.clone(),
                kind: ReissueKind::Replacement { paper: false },
            },
            now,
        )
        .map_err(fail)?;
    let v = verifier.verify_at(&repl.qr, now);
    let replacement = v
        .certificate
        .as_ref()
        .is_some_and(|c| c.kind == certseal::model::IssueKind::Replacement);
    writeln!(
        out,
        "{} (补发: {replacement}) supersedes {}: {}",
        repl.identifier,
        repl.predecessor,
        if v.is_valid() { "valid" } else { "INVALID" }
    )?;
    ok &= v.is_valid() && replacement;

    writeln!(
        out,
        "\n== R6. invalidation (无效): revoked at once; a second one refused"
    )?;
    let inv = Invalidation {
        reason: StatusReason::Invalidated,
        decision: Decision {
            body: "人力资源社会保障部人事考试中心".into(),
            reference: "人考中心〔2026〕1号".into(),
            date: Date::from_unix(now - 3 * 86_400)?,
        },
        note: Some("考试违纪违规".into()),
    };
    let seqs = registry.invalidate(third, &inv, now).map_err(fail)?;
    writeln!(out, "{third}: revoked (status log {seqs:?})")?;
    match registry.invalidate(third, &inv, now) {
        Err(e) => writeln!(out, "again: refused: {e}")?,
        Ok(_) => {
            ok = false;
            writeln!(out, "revoked twice — this must not happen")?;
        }
    }
    match registry.reissue(
        keys,
        &ReissueRequest {
            identifier: third.clone(),
            kind: ReissueKind::Replacement { paper: false },
        },
        now,
    ) {
        Err(e) => writeln!(out, "re-issue of the revoked one: refused: {e}")?,
        Ok(_) => ok = false,
    }

    writeln!(
        out,
        "\n== R6b. off-line revocation: a signed status snapshot, loaded once by the verifier"
    )?;
    let by = StatusPublisher::from_key_dir(keys, now, 86_400)?;
    let snap = registry.status_snapshot(&by).map_err(fail)?;
    let snap_path = dir.join("status-snapshot.cbor");
    super::write(&snap_path, &snap.bytes)?;
    writeln!(
        out,
        "wrote {}: sequence {}, {} indices, {} not valid, {} bytes, signed by the status signer (kid {})",
        snap_path.display(),
        snap.sequence,
        snap.size,
        snap.entries,
        snap.bytes.len(),
        certseal::codec::hex::encode(&by.signer.kid())
    )?;
    let store = keys.trust_store()?;
    let list = StatusList::load(&snap.bytes, &store).map_err(fail)?;
    let mut checked = Verifier::new(store)
        .with_clock(FixedClock(now))
        .with_status(list);
    let expect = [
        (first.as_str(), "superseded"),
        (second.as_str(), "superseded"),
        (third.as_str(), "revoked"),
        (change.identifier.as_str(), "valid"),
        (repl.identifier.as_str(), "valid"),
    ];
    let mut by_id = std::collections::HashMap::new();
    registry
        .each_certificate(|c| {
            by_id.insert(c.identifier.clone(), c.qr.clone());
            Ok(())
        })
        .map_err(fail)?;
    for (id, want) in expect {
        let Some(qr) = by_id.get(id) else {
            ok = false;
            continue;
        };
        let v = checked.verify_at(qr, now);
        let got = v.result.as_ref().err().map_or("valid", |r| r.code());
        let detail = v.result.as_ref().err().map(ToString::to_string);
        writeln!(
            out,
            "{id}: {got}{}",
            detail.map_or_else(String::new, |d| format!(" — {d}"))
        )?;
        ok &= got == want;
    }

    writeln!(out, "\n== R7. lookups (ID number masked)")?;
    for q in [
        Lookup::Identifier(first.clone()),
        Lookup::ManagementNumber {
            number: third_number.clone(),
            name: third_name.clone(),
        },
        Lookup::IdNumber {
            id_number: "370202196807182015".into(),
            name: "周国平".into(),
        },
    ] {
        for r in registry.lookup(&q).map_err(fail)? {
            writeln!(
                out,
                "{q:?}\n  -> {} {} · {} {} · {} · versions: {}{}",
                r.current.identifier,
                r.current.state,
                r.holder_name,
                r.masked_id_number,
                r.qualification,
                r.history
                    .iter()
                    .map(|v| format!("v{} {} {}", v.version, v.kind.label_zh(), v.state))
                    .collect::<Vec<_>>()
                    .join(", "),
                if r.legacy {
                    format!(" · 存量证书, 信息容缺: {}", r.gaps.join(", "))
                } else {
                    String::new()
                }
            )?;
        }
    }

    writeln!(
        out,
        "\n== R8. deadlines (working days, Spring Festival and 调休 included) and progress"
    )?;
    let today = Date::from_unix(now)?;
    let report = registry
        .deadlines(Calendar::builtin(), today)
        .map_err(fail)?;
    for w in &report.warnings {
        writeln!(out, "warning: {w}")?;
    }
    for i in &report.items {
        writeln!(
            out,
            "{} (art. {}, {} working days) {}: due {}{}",
            i.deadline.step.name(),
            i.deadline.step.article(),
            i.deadline.step.working_days(),
            i.subject,
            i.deadline.due,
            if i.overdue { " OVERDUE" } else { "" }
        )?;
    }
    for p in registry.progress(Calendar::builtin()).map_err(fail)?.rows {
        writeln!(
            out,
            "progress {}/{}: received {}, issued {}, revoked {}, pending {}, issued in time {}",
            p.body,
            p.batch,
            p.received_records,
            p.issued,
            p.revoked,
            p.pending,
            p.issued_within_deadline
        )?;
    }

    writeln!(out, "\n== R9. a signer key compromised: its kid revoked, its certificates re-issued under a new key")?;
    let old_kid = keys.active_signer(now)?.kid();
    let mut old_valid = 0u64;
    let mut old_total = 0u64;
    registry
        .each_certificate(|c| {
            if c.kid == old_kid && by_id.contains_key(&c.identifier) {
                old_total += 1;
                if checked.verify_at(&c.qr, now).is_valid() {
                    old_valid += 1;
                }
            }
            Ok(())
        })
        .map_err(fail)?;
    writeln!(
        out,
        "before: {old_valid} of the {old_total} payloads signed by kid {} pass against the snapshot (the others are revoked or superseded)",
        certseal::codec::hex::encode(&old_kid)
    )?;
    keys.add_signer(alg, now - 60, now + 365 * 86_400)?;
    let rekey = registry
        .revoke_signer(
            old_kid,
            keys,
            Some("demo: key compromise"),
            now,
            &mut |_| {},
        )
        .map_err(fail)?;
    let verifier = Verifier::new(keys.trust_store()?).with_clock(FixedClock(now));
    let mut valid = 0u64;
    let mut total = 0u64;
    registry
        .each_certificate(|c| {
            if c.kid == rekey.new_kid {
                total += 1;
                if verifier.verify_at(&c.qr, now).is_valid() {
                    valid += 1;
                }
            }
            Ok(())
        })
        .map_err(fail)?;
    writeln!(
        out,
        "kid {} revoked (status log {:?}); {} current certificates re-issued under kid {}: {valid}/{total} verify",
        certseal::codec::hex::encode(&old_kid),
        rekey.revoked_seq,
        rekey.reissued,
        certseal::codec::hex::encode(&rekey.new_kid)
    )?;
    ok &= valid == total && rekey.reissued > 0;
    let store = keys.trust_store()?;
    let by = StatusPublisher::from_key_dir(keys, now, 86_400)?;
    let delta = registry.status_delta(snap.sequence, &by).map_err(fail)?;
    let delta_path = dir.join("status-delta.cbor");
    super::write(&delta_path, &delta.bytes)?;
    let after = registry.status_snapshot(&by).map_err(fail)?;
    super::write(&snap_path, &after.bytes)?;
    writeln!(
        out,
        "wrote {}: delta {} -> {}, {} changes and {} revoked kid, {} bytes; {} now at sequence {}",
        delta_path.display(),
        snap.sequence,
        delta.sequence,
        delta.entries,
        delta.revoked_kids,
        delta.bytes.len(),
        snap_path.display(),
        after.sequence
    )?;
    // The verifier that holds the first snapshot applies the delta on top of it.
    let mut list = checked.status().cloned().ok_or_else(|| {
        fail(
            certseal::registry::RegistryError::Inconsistent {
                what: "no status list".into(),
            }
            .into(),
        )
    })?;
    list.apply_delta(&delta.bytes, &store).map_err(fail)?;
    checked = Verifier::new(store)
        .with_clock(FixedClock(now))
        .with_status(list);
    let mut refused = 0u64;
    let mut old_count = 0u64;
    let mut new_valid = 0u64;
    let mut sample = None;
    registry
        .each_certificate(|c| {
            let v = checked.verify_at(&c.qr, now);
            if c.kid == old_kid {
                old_count += 1;
                if let Err(r) = &v.result {
                    if r.code() == "signer_revoked" {
                        refused += 1;
                        sample.get_or_insert_with(|| {
                            format!("{}: signer_revoked — {r}", c.identifier)
                        });
                    }
                }
            } else if c.kid == rekey.new_kid && v.is_valid() {
                new_valid += 1;
            }
            Ok(())
        })
        .map_err(fail)?;
    if let Some(s) = sample {
        writeln!(out, "{s}")?;
    }
    writeln!(
        out,
        "after the delta: {refused}/{old_count} payloads of kid {} refused with signer_revoked, whatever their iat; {new_valid}/{total} re-issued versions under kid {} valid",
        certseal::codec::hex::encode(&old_kid),
        certseal::codec::hex::encode(&rekey.new_kid)
    )?;
    ok &= refused == old_count && old_count > 0 && new_valid == total;

    writeln!(out, "\n== R10. the audit chain")?;
    let audit = registry.verify_audit(None).map_err(fail)?;
    let head = registry.audit_head().map_err(fail)?;
    writeln!(
        out,
        "{} entries, {}; head {}",
        audit.entries,
        if audit.is_intact() {
            "intact"
        } else {
            "TAMPERED"
        },
        head.map_or_else(String::new, |(s, h)| format!(
            "{s}:{}",
            certseal::codec::hex::encode(&h)
        ))
    )?;
    ok &= audit.is_intact();
    writeln!(
        out,
        "registry:    {} (certseal lookup/deadlines/progress/audit verify --db {})",
        db.display(),
        db.display()
    )?;
    Ok(ok)
}
