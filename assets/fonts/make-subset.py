#!/usr/bin/env python3
"""Regenerates assets/fonts/wqy-microhei-subset.ttf, the CJK font embedded in certseal
(feature `qr`) for PNG certificate faces on machines without a system CJK font.

Source: WenQuanYi Micro Hei 0.2.0-beta, face 0 of `wqy-microhei.ttc` from the Debian package
`fonts-wqy-microhei` 0.2.0-beta-3.1 (checked by SHA-256 below). The character set is written
to `charset.txt` beside the font; see README.md here for what it holds and why.

Usage (from the repository root or anywhere):

    pip install fonttools==4.68.0
    python3 assets/fonts/make-subset.py [--source PATH/wqy-microhei.ttc]

Without --source it uses /usr/share/fonts/truetype/wqy/wqy-microhei.ttc, or, when that file
is missing, fetches the package with `apt-get download fonts-wqy-microhei` and unpacks it with
`dpkg -x` in a temporary folder. The output is deterministic for a given fontTools version.
"""

import argparse
import hashlib
import pathlib
import shlex
import subprocess
import sys
import tempfile

HERE = pathlib.Path(__file__).resolve().parent
REPO = HERE.parent.parent
SYSTEM_TTC = pathlib.Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
# wqy-microhei.ttc as shipped in Debian fonts-wqy-microhei 0.2.0-beta-3.1.
SOURCE_SHA256 = "2420e8078af796b19a3f6ef13de527a1a91c1e7171eea115926c614ced1009b3"
OUTPUT = HERE / "wqy-microhei-subset.ttf"
CHARSET = HERE / "charset.txt"

# Traditional forms of the face's fixed texts (title, labels, issue kinds, remarks words), so
# a face localised to traditional characters renders with the embedded font too.
TRADITIONAL = (
    "專業技術人員職業資格證書 姓名 性別 出生年月 證件號碼 資格名稱 級別 專業 管理號 "
    "批准日期 批準日期 電子證照標識 備註 發證機關 掃碼查驗 補發 換發 首次發證 "
    "有效期至 變更 遺失 損毀 中華人民共和國 人力資源和社會保障部 人事考試中心"
)

# Punctuation beyond GB 2312 that names and remarks use: the interpunct of transliterated
# names (U+00B7, U+2027, U+30FB, U+FF65), dashes, quotes, ellipsis (the face's cut mark).
EXTRA_PUNCTUATION = "\u00b7\u2027\u30fb\uff65\u2010\u2013\u2014\u2015\u2018\u2019\u201c\u201d\u2026\u2030\u203b"


def gb2312(first_rows, last_rows):
    """Every character of GB 2312 rows `first_rows..=last_rows` (EUC-CN lead bytes)."""
    out = []
    for hi in range(first_rows, last_rows + 1):
        for lo in range(0xA1, 0xFF):
            try:
                out.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return out


def big5_level1_hanzi():
    """The 5,401 hanzi of Big5 level 1 (常用字, lead bytes A4-C6): traditional names."""
    out = []
    for hi in range(0xA4, 0xC7):
        for lo in list(range(0x40, 0x7F)) + list(range(0xA1, 0xFF)):
            try:
                c = bytes([hi, lo]).decode("big5")
            except UnicodeDecodeError:
                continue
            if 0x4E00 <= ord(c) <= 0x9FFF:
                out.append(c)
    return out


def is_cjk_or_fullwidth(c):
    o = ord(c)
    return (
        0x2E80 <= o <= 0x9FFF  # radicals, CJK punctuation, kana, CJK unified ideographs
        or 0xF900 <= o <= 0xFAFF  # compatibility ideographs
        or 0xFE30 <= o <= 0xFE4F  # CJK compatibility forms
        or 0xFF00 <= o <= 0xFFEF  # half-width and full-width forms
    )


def tree_characters():
    """CJK and full-width characters of the face strings, the catalogue and sample data."""
    chars = set()
    files = sorted((REPO / "src").rglob("*.rs")) + sorted((REPO / "data").iterdir())
    for path in files:
        if path.is_file():
            chars.update(c for c in path.read_text(encoding="utf-8") if is_cjk_or_fullwidth(c))
    return chars


def charset():
    chars = set(chr(c) for c in range(0x20, 0x7F))  # ASCII
    chars.update(chr(c) for c in range(0xA0, 0x100))  # Latin-1 (×, °, ±, é …)
    chars.update(chr(c) for c in range(0x3000, 0x3040))  # CJK symbols and punctuation
    chars.update(chr(c) for c in range(0xFF01, 0xFF5F))  # full-width ASCII forms
    chars.update(chr(c) for c in range(0xFFE0, 0xFFE7))  # full-width signs (￥ ￡ …)
    chars.update(EXTRA_PUNCTUATION)
    chars.update(gb2312(0xA1, 0xA9))  # GB 2312 non-hanzi: 682 symbols, kana, Greek, …
    chars.update(gb2312(0xB0, 0xF7))  # GB 2312 hanzi: 6,763 (levels 1 and 2)
    chars.update(big5_level1_hanzi())  # traditional names (Hong Kong, Macao, Taiwan holders)
    chars.update(c for c in TRADITIONAL if not c.isspace())
    chars.update(tree_characters())
    return sorted(chars)


def source_font(arg):
    if arg:
        return pathlib.Path(arg), None
    if SYSTEM_TTC.is_file():
        return SYSTEM_TTC, None
    tmp = tempfile.TemporaryDirectory()
    subprocess.run(["apt-get", "download", "fonts-wqy-microhei"], cwd=tmp.name, check=True)
    deb = next(pathlib.Path(tmp.name).glob("fonts-wqy-microhei_*.deb"))
    subprocess.run(["dpkg", "-x", str(deb), tmp.name + "/x"], check=True)
    return pathlib.Path(tmp.name) / "x" / SYSTEM_TTC.relative_to("/"), tmp


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--source", help="path to wqy-microhei.ttc")
    args = ap.parse_args()
    src, _keep = source_font(args.source)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()
    if digest != SOURCE_SHA256:
        sys.exit(f"{src}: sha256 {digest}, expected {SOURCE_SHA256} (fonts-wqy-microhei 0.2.0-beta-3.1)")

    from fontTools.ttLib import TTCollection

    cmap = TTCollection(str(src)).fonts[0].getBestCmap()
    chars = [c for c in charset() if ord(c) in cmap]
    # 64 characters a line; ASCII space is U+0020 in the first line.
    CHARSET.write_text(
        "".join("".join(chars[i : i + 64]) + "\n" for i in range(0, len(chars), 64)),
        encoding="utf-8",
    )
    unicodes = ",".join(f"U+{ord(c):04X}" for c in chars)
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write(unicodes)
        unicodes_file = f.name
    cmd = [
        sys.executable, "-m", "fontTools.subset", str(src),
        "--font-number=0",
        f"--unicodes-file={unicodes_file}",
        f"--output-file={OUTPUT}",
        "--no-hinting",            # drops fpgm, prep, cvt and glyph instructions
        "--layout-features=",      # no GSUB/GPOS features: ab_glyph does no shaping
        "--drop-tables+=GSUB,GPOS,GDEF,vhea,vmtx,FFTM,gasp",
        "--name-IDs=*",            # keep the copyright, licence and version strings
        "--name-languages=*",
        "--no-glyph-names",
        "--recalc-bounds",
    ]
    print(" ".join(shlex.quote(a) for a in cmd))
    subprocess.run(cmd, check=True)
    pathlib.Path(unicodes_file).unlink()
    hanzi = sum(1 for c in chars if 0x4E00 <= ord(c) <= 0x9FFF)
    print(
        f"{OUTPUT.name}: {OUTPUT.stat().st_size} bytes, {len(chars)} characters "
        f"({hanzi} CJK unified ideographs); sha256 "
        f"{hashlib.sha256(OUTPUT.read_bytes()).hexdigest()}"
    )


if __name__ == "__main__":
    main()
