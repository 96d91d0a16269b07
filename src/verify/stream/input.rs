//! Where the lines come from: files, stdin or any reader, plain, gzip or zstd — told by the
//! first bytes (magic numbers), not by the file name. Owns opening, decompressing and skipping
//! to a resume offset; it splits nothing (`lines.rs` does).
//!
//! Decoders: `flate2`'s multi-member gzip decoder (concatenated members, as `pigz` and
//! `cat a.gz b.gz` make them) and libzstd (`zstd` crate) with the window bounded to
//! [`ZSTD_WINDOW_LOG_MAX`], so a frame cannot make the decoder allocate more than 16 MiB
//! (`zstd -19` and below stay under it; `--long` or `--ultra` frames are refused).

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::StreamError;

/// The largest zstd window accepted: 2^24 bytes (16 MiB).
pub const ZSTD_WINDOW_LOG_MAX: u32 = 24;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

/// One input of a streaming run.
#[non_exhaustive]
pub enum Input {
    /// A file (plain, `.gz` or `.zst`, whatever its name).
    File(PathBuf),
    /// The process's standard input (named `-`).
    Stdin,
    /// Any reader, under a name for the reports.
    Reader {
        /// The name in reports (`file` column).
        name: String,
        /// The bytes.
        reader: Box<dyn Read + Send>,
    },
}

impl std::fmt::Debug for Input {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Input").field(&self.name()).finish()
    }
}

impl Input {
    /// The name in reports: the path as given, `-` for stdin.
    pub fn name(&self) -> String {
        match self {
            Input::File(p) => p.display().to_string(),
            Input::Stdin => "-".to_owned(),
            Input::Reader { name, .. } => name.clone(),
        }
    }

    /// The size of a file input in bytes, as stored (compressed size for a compressed file).
    pub(crate) fn stored_len(&self) -> Option<u64> {
        match self {
            Input::File(p) => std::fs::metadata(p)
                .ok()
                .filter(std::fs::Metadata::is_file)
                .map(|m| m.len()),
            _ => None,
        }
    }
}

/// How an input is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compression {
    /// Plain text.
    None,
    /// gzip (RFC 1952), one or more members.
    Gzip,
    /// Zstandard (RFC 8878), one or more frames.
    Zstd,
}

impl Compression {
    /// The compression whose magic number `head` starts with.
    pub fn sniff(head: &[u8]) -> Self {
        if head.starts_with(&ZSTD_MAGIC) {
            Compression::Zstd
        } else if head.starts_with(&GZIP_MAGIC) {
            Compression::Gzip
        } else {
            Compression::None
        }
    }
}

/// A reader counting the bytes it passed on (stored bytes, for progress).
struct Counted<R> {
    inner: R,
    count: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// An opened input: its decoded bytes from `skip` on, and a counter of the stored bytes read.
pub(crate) struct Opened {
    pub reader: Box<dyn Read>,
    pub stored_read: Arc<AtomicU64>,
}

/// Opens `input`, detects its compression and skips the first `skip` decoded bytes (a
/// plain file seeks; anything else is read and dropped).
pub(crate) fn open(input: Input, skip: u64) -> Result<Opened, StreamError> {
    let name = input.name();
    let open_err = |source| StreamError::Open {
        input: name.clone(),
        source,
    };
    let count = Arc::new(AtomicU64::new(0));
    let (head, rest): (Vec<u8>, Box<dyn Read>) = match input {
        Input::File(path) => {
            let mut file = File::open(&path).map_err(open_err)?;
            let head = read_head(&mut file).map_err(open_err)?;
            if Compression::sniff(&head) == Compression::None {
                // A plain file starts where it left off: seek instead of reading.
                file.seek(SeekFrom::Start(skip)).map_err(open_err)?;
                count.store(skip, Ordering::Relaxed);
                return Ok(Opened {
                    reader: Box::new(Counted {
                        inner: file,
                        count: Arc::clone(&count),
                    }),
                    stored_read: count,
                });
            }
            count.store(head.len() as u64, Ordering::Relaxed);
            (head, Box::new(file))
        }
        Input::Stdin => {
            let mut stdin = io::stdin();
            let head = read_head(&mut stdin).map_err(open_err)?;
            count.store(head.len() as u64, Ordering::Relaxed);
            (head, Box::new(stdin))
        }
        Input::Reader { mut reader, .. } => {
            let head = read_head(&mut reader).map_err(open_err)?;
            count.store(head.len() as u64, Ordering::Relaxed);
            (head, reader)
        }
    };
    let compression = Compression::sniff(&head);
    let stored = Counted {
        inner: rest,
        count: Arc::clone(&count),
    };
    let raw = io::Cursor::new(head).chain(stored);
    let mut reader: Box<dyn Read> = match compression {
        Compression::None => Box::new(raw),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(raw)),
        Compression::Zstd => {
            let mut d = zstd::stream::read::Decoder::new(raw).map_err(open_err)?;
            d.window_log_max(ZSTD_WINDOW_LOG_MAX).map_err(open_err)?;
            Box::new(d)
        }
    };
    if skip > 0 {
        let skipped = io::copy(&mut (&mut reader).take(skip), &mut io::sink()).map_err(open_err)?;
        if skipped < skip {
            return Err(StreamError::Resume {
                reason: format!("{name}: has {skipped} bytes, the resume point is at {skip}"),
            });
        }
    }
    Ok(Opened {
        reader,
        stored_read: count,
    })
}

/// Up to the first four bytes (fewer only at the end of the input).
fn read_head(r: &mut impl Read) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(4);
    r.take(4).read_to_end(&mut head)?;
    Ok(head)
}
