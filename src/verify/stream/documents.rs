//! Signed documents one after another: a CBOR sequence (RFC 8742) such as the `.cbors` file of
//! an issue bundle (`specs/bundle.md`), read item by item in bounded memory and verified with
//! [`Verifier::verify_document`]. A CBOR sequence has no separators, so a malformed or
//! oversized item ends the reading: nothing after it can be found.

use std::io::{self, Read, Write};

use super::output::Summary;
use super::StreamError;
use crate::codec::cbor::{Mode, Reader};
use crate::codec::{CborErrorKind, CodecError, Limits};
use crate::verify::{DocumentVerdict, Verifier};

/// Bytes asked of the source per read.
const READ_SIZE: usize = 64 * 1024;

/// The items of a CBOR sequence from any [`Read`], each at most `limits.max_cose_len` bytes,
/// split by the strict decoder's bounds (depth, item count).
#[derive(Debug)]
pub struct DocumentSeq<R> {
    inner: R,
    buf: Vec<u8>,
    /// Start of the unread bytes in `buf`.
    pos: usize,
    limits: Limits,
    eof: bool,
    /// Items returned so far.
    count: u64,
}

impl<R: Read> DocumentSeq<R> {
    /// A reader of the sequence in `inner`.
    pub fn new(inner: R, limits: Limits) -> Self {
        DocumentSeq {
            inner,
            buf: Vec::new(),
            pos: 0,
            limits,
            eof: false,
            count: 0,
        }
    }

    /// The next item's bytes, `None` at the end of the sequence.
    pub fn next_item(&mut self) -> Result<Option<&[u8]>, StreamError> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let max = self.limits.max_cose_len;
        loop {
            if self.buf.is_empty() && self.eof {
                return Ok(None);
            }
            if !self.buf.is_empty() {
                let mut r = Reader::new(&self.buf, Mode::Strict);
                match r.raw_item(&self.limits) {
                    Ok(item) if item.len() <= max => {
                        self.pos = item.len();
                        self.count = self.count.saturating_add(1);
                        return Ok(self.buf.get(..self.pos));
                    }
                    Ok(item) => return Err(self.too_large(item.len() as u64)),
                    Err(CodecError::Cbor {
                        kind: CborErrorKind::Truncated,
                        ..
                    }) if !self.eof => {
                        if self.buf.len() > max {
                            return Err(self.too_large(self.buf.len() as u64));
                        }
                    }
                    // A partial buffer can fail other checks too (a declared count larger than
                    // the bytes buffered so far is `TooManyItems`): until the buffer holds more
                    // than the largest item or the input has ended, read on; after that the
                    // error is the item's own (found by the `document_seq` fuzz target).
                    Err(_) if !self.eof && self.buf.len() <= max => {}
                    Err(source) => {
                        return Err(StreamError::Sequence {
                            item: self.count.saturating_add(1),
                            source,
                        })
                    }
                }
            }
            self.fill()?;
        }
    }

    fn fill(&mut self) -> Result<(), StreamError> {
        let have = self.buf.len();
        self.buf.resize(have.saturating_add(READ_SIZE), 0);
        let read = loop {
            match self
                .inner
                .read(self.buf.get_mut(have..).unwrap_or_default())
            {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                other => break other,
            }
        };
        match read {
            Ok(n) => {
                self.buf.truncate(have.saturating_add(n));
                self.eof = n == 0;
                Ok(())
            }
            Err(source) => {
                self.buf.truncate(have);
                Err(StreamError::Read {
                    input: "document sequence".to_owned(),
                    line: self.count,
                    source,
                })
            }
        }
    }

    #[cold]
    fn too_large(&self, len: u64) -> StreamError {
        StreamError::ItemTooLarge {
            item: self.count.saturating_add(1),
            len,
            max: self.limits.max_cose_len,
        }
    }
}

/// What [`verify_documents`] found.
#[derive(Debug)]
#[non_exhaustive]
pub enum Documents {
    /// The input held exactly one document: its verdict (nothing was written).
    One(Box<DocumentVerdict>),
    /// The input held none or several: one JSON line each was written (`index` from 1 and
    /// the verdict's members, [`DocumentVerdict::to_json`]); their summary.
    Many(Summary),
}

/// Verifies every document of a CBOR sequence read from `input`. A single document is given
/// back for the caller to show as it likes; several are written to `out` as JSON lines as
/// they are verified, in bounded memory.
pub fn verify_documents(
    verifier: &Verifier,
    input: impl Read,
    out: &mut dyn Write,
) -> Result<Documents, crate::Error> {
    let mut seq = DocumentSeq::new(input, Limits::DEFAULT);
    let first = match seq.next_item()? {
        Some(item) => verifier.verify_document(item),
        None => return Ok(Documents::Many(Summary::default())),
    };
    let second = match seq.next_item()? {
        Some(item) => verifier.verify_document(item),
        None => return Ok(Documents::One(Box::new(first))),
    };
    let mut summary = Summary::default();
    let mut index = 0u64;
    let mut write = |v: DocumentVerdict, summary: &mut Summary| -> Result<(), crate::Error> {
        index = index.saturating_add(1);
        let mut counts = super::output::Counts::default();
        counts.add_result(&v.result);
        summary.add(&counts);
        let mut json = v.to_json();
        if let Some(m) = json.as_object_mut() {
            m.insert("index".into(), index.into());
        }
        writeln!(out, "{json}").map_err(|e| crate::Error::from(StreamError::Write(e)))
    };
    write(first, &mut summary)?;
    write(second, &mut summary)?;
    while let Some(item) = seq.next_item()? {
        let v = verifier.verify_document(item);
        write(v, &mut summary)?;
    }
    Ok(Documents::Many(summary))
}
