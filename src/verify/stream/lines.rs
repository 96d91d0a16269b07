//! The bounded line reader and the three line forms (`specs/bulk-verify-cli.md`, "Input").
//!
//! [`LineReader`] reads any [`Read`] in blocks into one buffer of `max_line + 64 KiB + 2`
//! bytes and hands out lines one at a time: LF or CRLF ends, blank lines skipped but counted,
//! so line numbers are those of the file. A line longer than `max_line` is never held: it is
//! skipped to its end and reported as [`RawLine::TooLong`] with its length, and reading goes
//! on. [`parse_line`] turns a line into an [`Entry`]: a bare payload string, an
//! `identifier<TAB>string` line (what `issue` wrote before bundles; TSV with the string in the
//! last column), or a bundle JSON line (`{"identifier": …, "qr": …, …}`, `specs/bundle.md`).
//!
//! Hand-written because no crate does this exact job: `BufRead::read_line` grows its buffer
//! with the line (an unbounded allocation on hostile input) and `bstr`/`linereader` report no
//! offsets for resuming.

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Read};

/// The longest line read by default, in bytes without its end: a QR payload is at most 8 KiB
/// (`Limits::max_text_len`) and a bundle line carries the certificate's JSON view beside it.
pub const DEFAULT_MAX_LINE: usize = 64 * 1024;

/// Bytes asked of the source per read, at least.
const READ_SIZE: usize = 64 * 1024;

/// One line as read: its text (without the LF or CRLF end), or its length when it was too
/// long to keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RawLine<'a> {
    /// The line's bytes, not empty, at most `max_line` of them.
    Text(&'a [u8]),
    /// A line of more than `max_line` bytes, skipped; `len` counts its bytes without its end.
    TooLong {
        /// Its length in bytes.
        len: u64,
    },
}

/// A non-blank line and where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// Its 1-based line number in the input (blank lines count).
    pub number: u64,
    /// The input offset just past its end (LF), in bytes of the (decompressed) input.
    pub end: u64,
    /// What it holds.
    pub content: RawLine<'a>,
}

/// Lines from any [`Read`], in bounded memory (see the module documentation).
#[derive(Debug)]
pub struct LineReader<R> {
    inner: R,
    buf: Box<[u8]>,
    /// Start of the unread bytes in `buf`.
    pos: usize,
    /// End of the bytes read into `buf`.
    end: usize,
    /// Lines ended so far (blank ones too).
    number: u64,
    /// Input bytes before `buf[pos]`.
    offset: u64,
    max_line: usize,
    eof: bool,
}

impl<R: Read> LineReader<R> {
    /// A reader of lines of at most `max_line` bytes (at least 1), numbered from 1.
    pub fn new(inner: R, max_line: usize) -> Self {
        Self::resuming(inner, max_line, 0, 0)
    }

    /// A reader whose source starts after `lines` lines and `offset` bytes of the input
    /// (resuming: the caller has skipped those bytes); the next line is number `lines + 1`.
    pub fn resuming(inner: R, max_line: usize, lines: u64, offset: u64) -> Self {
        let max_line = max_line.max(1);
        let size = max_line.saturating_add(READ_SIZE).saturating_add(2);
        LineReader {
            inner,
            buf: vec![0; size].into_boxed_slice(),
            pos: 0,
            end: 0,
            number: lines,
            offset,
            max_line,
            eof: false,
        }
    }

    /// Lines ended so far, blank ones included (the number of the last line returned, or
    /// more when blank lines followed it).
    pub fn lines(&self) -> u64 {
        self.number
    }

    /// Input bytes consumed by the lines returned so far (and the blank lines after them).
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next non-blank line, `None` at the end of the input. An error of the source is
    /// returned as it came (reading stops there; [`io::ErrorKind::Interrupted`] is retried).
    pub fn next_line(&mut self) -> io::Result<Option<Line<'_>>> {
        let (start, len) = loop {
            let unread = self.buf.get(self.pos..self.end).unwrap_or_default();
            let take = match memchr::memchr(b'\n', unread) {
                Some(i) => Some((i, i.saturating_add(1))),
                None if self.eof && !unread.is_empty() => Some((unread.len(), unread.len())),
                None if self.eof => return Ok(None),
                None => None,
            };
            if let Some((mut len, consumed)) = take {
                let start = self.pos;
                self.pos = start.saturating_add(consumed);
                self.number = self.number.saturating_add(1);
                self.offset = self.offset.saturating_add(consumed as u64);
                let last = len
                    .checked_sub(1)
                    .and_then(|i| self.buf.get(start.saturating_add(i)));
                if last == Some(&b'\r') {
                    len = len.saturating_sub(1);
                }
                if len == 0 {
                    continue;
                }
                if len > self.max_line {
                    return Ok(Some(Line {
                        number: self.number,
                        end: self.offset,
                        content: RawLine::TooLong { len: len as u64 },
                    }));
                }
                break (start, len);
            }
            // No line end among the unread bytes: more than `max_line` bytes and a CR is a
            // line too long to keep, whatever follows.
            if unread.len() > self.max_line.saturating_add(1) {
                return self.skip_long_line().map(Some);
            }
            if self.buf.len().saturating_sub(self.end) < READ_SIZE && self.pos > 0 {
                self.buf.copy_within(self.pos..self.end, 0);
                self.end = self.end.saturating_sub(self.pos);
                self.pos = 0;
            }
            self.fill()?;
        };
        let text = self
            .buf
            .get(start..start.saturating_add(len))
            .unwrap_or_default();
        Ok(Some(Line {
            number: self.number,
            end: self.offset,
            content: RawLine::Text(text),
        }))
    }

    /// Reads once into the free tail of the buffer; sets `eof` on a read of 0 bytes.
    fn fill(&mut self) -> io::Result<()> {
        loop {
            let free = self.buf.get_mut(self.end..).unwrap_or_default();
            match self.inner.read(free) {
                Ok(0) => {
                    self.eof = true;
                    return Ok(());
                }
                Ok(n) => {
                    self.end = self.end.saturating_add(n.min(free.len()));
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
    }

    /// Skips the line that starts at `pos` (longer than `max_line`) to its end, holding none
    /// of it, and reports its length.
    #[cold]
    fn skip_long_line(&mut self) -> io::Result<Line<'static>> {
        let mut len: u64 = 0;
        let mut last_was_cr = false;
        loop {
            let unread = self.buf.get(self.pos..self.end).unwrap_or_default();
            match memchr::memchr(b'\n', unread) {
                Some(i) => {
                    let before = unread.get(..i).unwrap_or_default();
                    if let Some(&b) = before.last() {
                        last_was_cr = b == b'\r';
                    }
                    len = len.saturating_add(i as u64);
                    let consumed = i.saturating_add(1);
                    self.pos = self.pos.saturating_add(consumed);
                    self.offset = self.offset.saturating_add(consumed as u64);
                    break;
                }
                None => {
                    if let Some(&b) = unread.last() {
                        last_was_cr = b == b'\r';
                    }
                    len = len.saturating_add(unread.len() as u64);
                    self.offset = self.offset.saturating_add(unread.len() as u64);
                    self.pos = 0;
                    self.end = 0;
                    if self.eof {
                        break;
                    }
                    self.fill()?;
                }
            }
        }
        self.number = self.number.saturating_add(1);
        Ok(Line {
            number: self.number,
            end: self.offset,
            content: RawLine::TooLong {
                len: len.saturating_sub(u64::from(last_was_cr)),
            },
        })
    }
}

/// Why a line got no verdict of the verifier.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum LineError {
    /// The line is longer than the reader keeps.
    TooLong {
        /// Its length in bytes (without its end).
        len: u64,
        /// The longest line kept.
        max: usize,
    },
    /// The line is not UTF-8 text.
    NotUtf8 {
        /// Bytes of valid UTF-8 before the first bad one.
        valid_up_to: usize,
    },
    /// A line starting with `{` that is not a bundle line (`{"qr": "…", …}`).
    BundleLine {
        /// What the JSON reader said.
        detail: String,
    },
}

impl LineError {
    /// The reason code in reports: `line_too_long`, `not_utf8` or `bad_bundle_line`.
    pub fn code(&self) -> &'static str {
        match self {
            LineError::TooLong { .. } => "line_too_long",
            LineError::NotUtf8 { .. } => "not_utf8",
            LineError::BundleLine { .. } => "bad_bundle_line",
        }
    }
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineError::TooLong { len, max } => {
                write!(f, "line of {len} bytes, expected at most {max}")
            }
            LineError::NotUtf8 { valid_up_to } => {
                write!(f, "not UTF-8 text: bad byte after {valid_up_to} bytes")
            }
            LineError::BundleLine { detail } => write!(f, "bundle line: {detail}"),
        }
    }
}

/// A line's payload string and the identifier written beside it, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry<'a> {
    /// The identifier column (`identifier<TAB>string`) or member (bundle line).
    pub id: Option<Cow<'a, str>>,
    /// The string to verify.
    pub payload: Cow<'a, str>,
}

/// A bundle JSON line: the members a verifier needs; the others (the view) are skipped.
#[derive(serde::Deserialize)]
struct BundleLine<'a> {
    #[serde(borrow, default)]
    identifier: Option<Cow<'a, str>>,
    #[serde(borrow)]
    qr: Cow<'a, str>,
}

/// Reads one line's form: a bundle JSON line when it starts with `{` (its `qr` and
/// `identifier` members), else `identifier<TAB>…<TAB>string` (first column the identifier,
/// last column the string) when it holds a TAB, else the whole line is the string.
pub fn parse_line(line: &[u8]) -> Result<Entry<'_>, LineError> {
    let text = std::str::from_utf8(line).map_err(|e| LineError::NotUtf8 {
        valid_up_to: e.valid_up_to(),
    })?;
    if text.starts_with('{') {
        let b: BundleLine<'_> = serde_json::from_str(text).map_err(|e| LineError::BundleLine {
            detail: e.to_string(),
        })?;
        return Ok(Entry {
            id: b.identifier,
            payload: b.qr,
        });
    }
    // The first TAB, then the last one among the bytes after it (memchr's vector search;
    // a TAB is one byte of UTF-8, so both ends are character boundaries).
    let bytes = text.as_bytes();
    let Some(first) = memchr::memchr(b'\t', bytes) else {
        return Ok(Entry {
            id: None,
            payload: Cow::Borrowed(text),
        });
    };
    let after = first.saturating_add(1);
    let last = bytes
        .get(after..)
        .and_then(|rest| memchr::memrchr(b'\t', rest))
        .map_or(first, |i| after.saturating_add(i));
    Ok(Entry {
        id: Some(Cow::Borrowed(text.get(..first).unwrap_or_default())),
        payload: Cow::Borrowed(text.get(last.saturating_add(1)..).unwrap_or_default()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A source that returns at most `step` bytes per read.
    struct Trickle<'a> {
        data: &'a [u8],
        step: usize,
    }

    impl Read for Trickle<'_> {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            let n = self.step.min(buf.len()).min(self.data.len());
            let (head, tail) = self.data.split_at(n);
            buf[..n].copy_from_slice(head);
            self.data = tail;
            Ok(n)
        }
    }

    fn all(data: &[u8], max: usize, step: usize) -> Vec<(u64, u64, Result<Vec<u8>, u64>)> {
        let mut r = LineReader::new(Trickle { data, step }, max);
        let mut out = Vec::new();
        while let Some(l) = r.next_line().unwrap() {
            out.push((
                l.number,
                l.end,
                match l.content {
                    RawLine::Text(t) => Ok(t.to_vec()),
                    RawLine::TooLong { len } => Err(len),
                },
            ));
        }
        assert_eq!(r.offset(), data.len() as u64);
        out
    }

    #[test]
    fn splits_lf_and_crlf_and_skips_blank_lines_keeping_their_numbers() {
        for step in [1, 2, 7, 1 << 20] {
            let lines = all(b"a\r\n\nb\n\r\n  c \n", 16, step);
            assert_eq!(
                lines,
                vec![
                    (1, 3, Ok(b"a".to_vec())),
                    (3, 6, Ok(b"b".to_vec())),
                    (5, 13, Ok(b"  c ".to_vec())),
                ],
                "step {step}"
            );
        }
    }

    #[test]
    fn last_line_without_end_is_read() {
        assert_eq!(
            all(b"x\nyz", 4, 1),
            vec![(1, 2, Ok(b"x".to_vec())), (2, 4, Ok(b"yz".to_vec()))]
        );
        assert_eq!(all(b"", 4, 1), vec![]);
        assert_eq!(all(b"\n\n\r\n", 4, 1), vec![]);
    }

    #[test]
    fn line_at_max_line_is_kept_and_one_more_byte_is_too_long() {
        for step in [1, 3, 1 << 20] {
            let lines = all(b"abcd\r\nabcde\r\nab\nabcdefghijk", 4, step);
            assert_eq!(
                lines,
                vec![
                    (1, 6, Ok(b"abcd".to_vec())),
                    (2, 13, Err(5)),
                    (3, 16, Ok(b"ab".to_vec())),
                    (4, 27, Err(11)),
                ],
                "step {step}"
            );
        }
    }

    #[test]
    fn a_huge_line_is_skipped_in_bounded_memory() {
        let mut data = vec![b'A'; 10 << 20];
        data.extend_from_slice(b"\r\nnext\n");
        let lines = all(&data, 100, 1 << 16);
        assert_eq!(
            lines,
            vec![
                (1, (10 << 20) + 2, Err(10 << 20)),
                (2, data.len() as u64, Ok(b"next".to_vec()))
            ]
        );
    }

    #[test]
    fn resuming_numbers_lines_after_the_skipped_ones() {
        let mut r = LineReader::resuming(&b"x\n\ny\n"[..], 8, 41, 1000);
        let l = r.next_line().unwrap().unwrap();
        assert_eq!((l.number, l.end), (42, 1002));
        let l = r.next_line().unwrap().unwrap();
        assert_eq!((l.number, l.end), (44, 1005));
        assert!(r.next_line().unwrap().is_none());
    }

    /// The TAB search against `split_once` / `rsplit_once` (the first column the identifier,
    /// the last the string) on every placement of up to three TABs among text and CJK.
    #[test]
    fn tab_columns_are_the_first_and_last() {
        let parts = ["", "a", "王", "1.2.156", "CS1:AB C", "\u{1}"];
        let mut lines = Vec::new();
        for a in parts {
            for b in parts {
                for c in parts {
                    lines.push(format!("{a}{b}{c}"));
                    lines.push(format!("{a}\t{b}{c}"));
                    lines.push(format!("{a}\t{b}\t{c}"));
                    lines.push(format!("\t{a}\t{b}\t{c}\t"));
                }
            }
        }
        for line in lines.iter().filter(|l| !l.starts_with('{')) {
            let want = match (line.split_once('\t'), line.rsplit_once('\t')) {
                (Some((id, _)), Some((_, payload))) => (Some(id), payload),
                _ => (None, line.as_str()),
            };
            let got = parse_line(line.as_bytes()).unwrap();
            assert_eq!((got.id.as_deref(), got.payload.as_ref()), want, "{line:?}");
        }
    }

    #[test]
    fn reads_bare_tab_and_bundle_forms() {
        let e = parse_line(b"CS1:ABC").unwrap();
        assert_eq!((e.id, e.payload.as_ref()), (None, "CS1:ABC"));
        let e = parse_line(b"1.2.156\tCS1:ABC").unwrap();
        assert_eq!(
            (e.id.as_deref(), e.payload.as_ref()),
            (Some("1.2.156"), "CS1:ABC")
        );
        let e = parse_line(b"id\tnote\tCS1:ABC").unwrap();
        assert_eq!(
            (e.id.as_deref(), e.payload.as_ref()),
            (Some("id"), "CS1:ABC")
        );
        let e =
            parse_line(br#"{"identifier":"1.2","qr":"CS1:A\u0042","view":{"x":[1,2]}}"#).unwrap();
        assert_eq!(
            (e.id.as_deref(), e.payload.as_ref()),
            (Some("1.2"), "CS1:AB")
        );
    }

    #[test]
    fn rejects_binary_lines_and_broken_bundle_lines() {
        assert_eq!(
            parse_line(b"CS1:\xff\xfe"),
            Err(LineError::NotUtf8 { valid_up_to: 4 })
        );
        for bad in [
            &br#"{"identifier":"x"}"#[..],
            br#"{"qr":1}"#,
            b"{",
            br#"{"qr":"a","qr":"b"}"#,
        ] {
            let e = parse_line(bad).unwrap_err();
            assert_eq!(e.code(), "bad_bundle_line", "{e}");
        }
    }
}
