//! A bounded cache of payloads whose signature already verified (opt-in,
//! [`super::Verifier::with_cache`]; `specs/batch-verify.md`).
//!
//! The key is SHA-256 over the COSE_Sign1 bytes exactly as received (headers, payload and
//! signature); the value says which trusted signer's key verified it. A hit skips **only** the
//! signature check: the message is still parsed, its `alg` and `kid` still checked against the
//! trust store, its claims still decoded, and the signer window and the time still checked
//! (and the status check, when it lands, is never cached). Only signatures that verified are
//! stored, so hostile input cannot fill the cache; it is bounded, with two generations
//! (recently used entries survive a rotation, older ones are dropped).
//!
//! This module owns the map; it does not parse or verify anything.

use std::collections::HashMap;
use std::sync::Mutex;

use ring::digest;

/// Marks an entry stored by the batch path: its signature satisfied the cofactored Ed25519
/// equation, which [`super::Verifier::verify`] (cofactorless, `ring`) does not take as
/// proof. The single path treats such an entry as a miss.
const BATCH_ONLY: u32 = 1 << 31;

/// SHA-256 of a COSE message.
pub(super) type Digest = [u8; 32];

/// The digest the cache is keyed by.
#[inline]
pub(super) fn digest_of(cose: &[u8]) -> Option<Digest> {
    digest::digest(&digest::SHA256, cose)
        .as_ref()
        .try_into()
        .ok()
}

/// A bounded map from SHA-256(COSE bytes) to the index, among the candidate signers of the
/// message's kid and algorithm, of the signer whose key verified it. Shared across threads.
#[derive(Debug)]
pub struct VerifiedCache {
    inner: Mutex<Generations>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Generations {
    young: HashMap<Digest, u32>,
    old: HashMap<Digest, u32>,
    half: usize,
}

impl VerifiedCache {
    /// A cache holding at most `capacity` entries (at least 2).
    pub fn new(capacity: usize) -> Self {
        let half = (capacity / 2).max(1);
        VerifiedCache {
            inner: Mutex::new(Generations {
                half,
                ..Generations::default()
            }),
            capacity: half.saturating_mul(2),
        }
    }

    /// The most entries held at once.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The number of entries held now.
    pub fn len(&self) -> usize {
        self.inner
            .lock()
            .map(|g| g.young.len().saturating_add(g.old.len()))
            .unwrap_or(0)
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The candidate index stored for `key` by the single signature check, refreshing it.
    /// An entry the batch equation stored is a miss here.
    #[inline]
    pub(super) fn get_single(&self, key: &Digest) -> Option<usize> {
        self.get(key)
            .filter(|v| v & BATCH_ONLY == 0)
            .and_then(|v| usize::try_from(v).ok())
    }

    /// The candidate index stored for `key` by either check (the bulk path accepts both).
    #[inline]
    pub(super) fn get_any(&self, key: &Digest) -> Option<usize> {
        self.get(key)
            .and_then(|v| usize::try_from(v & !BATCH_ONLY).ok())
    }

    /// Remembers that the candidate at `index` verified the message with digest `key` by
    /// the single check.
    #[inline]
    pub(super) fn insert_single(&self, key: Digest, index: usize) {
        if let Ok(index) = u32::try_from(index) {
            if index & BATCH_ONLY == 0 {
                self.insert(key, index);
            }
        }
    }

    /// Remembers that the only candidate satisfied the cofactored batch equation for `key`.
    #[inline]
    pub(super) fn insert_batch(&self, key: Digest) {
        self.insert(key, BATCH_ONLY);
    }

    /// The raw entry for `key`, refreshing it.
    #[inline]
    fn get(&self, key: &Digest) -> Option<u32> {
        let mut g = self.inner.lock().ok()?;
        if let Some(v) = g.young.get(key) {
            return Some(*v);
        }
        let v = g.old.remove(key)?;
        g.insert(*key, v);
        Some(v)
    }

    #[inline]
    fn insert(&self, key: Digest, index: u32) {
        if let Ok(mut g) = self.inner.lock() {
            g.insert(key, index);
        }
    }
}

impl Generations {
    fn insert(&mut self, key: Digest, index: u32) {
        if self.young.len() >= self.half {
            self.old = std::mem::take(&mut self.young);
        }
        self.young.insert(key, index);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: u32) -> Digest {
        let mut k = [0u8; 32];
        k[..4].copy_from_slice(&i.to_le_bytes());
        k
    }

    #[test]
    fn holds_at_most_its_capacity() {
        let c = VerifiedCache::new(100);
        for i in 0..1_000 {
            c.insert(key(i), i);
            assert!(c.len() <= 100);
        }
        assert_eq!(c.get(&key(999)), Some(999));
        assert_eq!(c.get(&key(0)), None);
    }

    #[test]
    fn recently_used_entries_survive_a_rotation() {
        let c = VerifiedCache::new(4);
        c.insert(key(1), 1);
        c.insert(key(2), 2);
        // key(1) and key(2) move to the old generation.
        c.insert(key(3), 3);
        assert_eq!(c.get(&key(1)), Some(1)); // refreshed into the young one
        c.insert(key(4), 4); // rotation: young {3, 1} becomes old, 2 is dropped
        c.insert(key(5), 5);
        assert_eq!(c.get(&key(1)), Some(1));
        assert_eq!(c.get(&key(2)), None);
    }
}
