//! Hooks for benches: knobs that are not part of the public API.

use crate::verify::{Verdict, Verifier};

/// [`Verifier::verify_many_cofactored_at`] with a chosen number of payloads per batch equation.
pub fn verify_many_chunked<S: AsRef<str>>(
    verifier: &Verifier,
    texts: &[S],
    now: i64,
    batch_size: usize,
) -> Vec<Verdict> {
    verifier.verify_many_chunked(texts, now, batch_size)
}
