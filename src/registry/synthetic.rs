//! Synthetic submissions for benches, the crash test and `certseal speed`
//! (`internal::speed::bulk`): valid, deterministic rows (GB 11643 check digits computed),
//! written as CSV with Chinese headers, one row at a time (memory flat whatever `n`).

use std::io::Write;

/// The header of synthetic submissions.
pub const SYNTHETIC_HEADER: &str =
    "资格代码,级别,姓名,性别,出生年月,证件类型,证件号码,管理号,批准日期";

/// A GB 11643 resident ID number for row `n`: region 110101, a birth date from `n`, a
/// sequence from `n` (its parity the sex), and the check digit.
pub fn synthetic_id_number(n: u64) -> (String, u8, String) {
    let days = i64::try_from(n / 1000).unwrap_or(0).saturating_add(-3650);
    let (y, m, d) = crate::time::civil_from_days(days).unwrap_or((1960, 1, 1));
    let seq = n % 1000;
    let body = format!("110101{y:04}{m:02}{d:02}{seq:03}");
    const W: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(W)
        .map(|(b, w)| u32::from(b.saturating_sub(b'0')) * w)
        .sum();
    let check = b"10X98765432"
        .get(usize::try_from(sum % 11).unwrap_or(0))
        .copied()
        .unwrap_or(b'0');
    let sex = if seq % 2 == 1 { 1 } else { 2 };
    (
        format!("{body}{}", char::from(check)),
        sex,
        format!("{y:04}-{m:02}"),
    )
}

/// A Chinese name for row `n`: a surname and `n`'s decimal digits as characters.
pub fn synthetic_name(n: u64) -> String {
    const SURNAMES: [char; 10] = ['王', '李', '张', '刘', '陈', '杨', '赵', '黄', '周', '吴'];
    const GIVEN: [char; 10] = ['伟', '芳', '娜', '敏', '静', '丽', '强', '磊', '军', '洋'];
    let pick = |set: &[char; 10], d: u64| {
        set.get(usize::try_from(d % 10).unwrap_or(0))
            .copied()
            .unwrap_or('伟')
    };
    let mut name = String::new();
    name.push(pick(&SURNAMES, n));
    let mut rest = n / 10;
    loop {
        name.push(pick(&GIVEN, rest));
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    name
}

/// Writes `n` synthetic rows (numbers `first..first+n`) as CSV with a header.
pub fn write_synthetic_csv(w: &mut dyn Write, first: u64, n: u64) -> std::io::Result<()> {
    writeln!(w, "{SYNTHETIC_HEADER}")?;
    for k in first..first.saturating_add(n) {
        let (id, sex, birth) = synthetic_id_number(k);
        let level = 1 + k % 3;
        writeln!(
            w,
            "9,{level},{},{sex},{birth},111,{id},M{k:015},2024-01-15",
            synthetic_name(k)
        )?;
    }
    Ok(())
}
