//! Verifying keys prepared for bulk verification, and a batch of (key, message, signature)
//! triples checked together: the crate-internal face of the fast verifiers, used by
//! `verify::bulk`. Verdicts equal [`crate::crypto::VerifyingKey::verify`]'s.

use ring::digest;

use super::{verify_ecdsa, EcdsaItem, KeyTable, P256};
#[cfg(feature = "sm2")]
use super::{verify_sm2, Sm2, Sm2Item};
use crate::crypto::{Algorithm, VerifyingKey};

/// A verifying key with its comb table (≈ 150 KB; building it costs about as much as 15
/// verifications).
#[derive(Debug)]
pub(crate) enum FastKey {
    /// ES256.
    P256(KeyTable<P256>),
    /// SM2, with Z of the key's distinguishing identifier.
    #[cfg(feature = "sm2")]
    Sm2(KeyTable<Sm2>, [u8; 32]),
}

impl FastKey {
    /// The prepared form of `key`, for ES256 and SM2 keys that are points of their curve
    /// (anything else — another algorithm, a key `ring` would refuse — has none and takes
    /// the single check).
    pub(crate) fn new(key: &VerifyingKey) -> Option<Self> {
        match key.algorithm() {
            Algorithm::Es256 => KeyTable::from_sec1(key.raw()).map(FastKey::P256),
            #[cfg(feature = "sm2")]
            Algorithm::Sm2 => {
                let sm2 = key.sm2()?;
                Some(FastKey::Sm2(KeyTable::from_sec1(sm2.raw())?, *sm2.z()))
            }
            _ => None,
        }
    }
}

/// Signatures waiting to be checked together, in the order they were pushed.
#[derive(Default)]
pub(crate) struct FastBatch<'a> {
    ecdsa: Vec<EcdsaItem<'a, P256>>,
    #[cfg(feature = "sm2")]
    sm2: Vec<Sm2Item<'a>>,
    /// For each pushed triple: SM2 (true) or ECDSA, and its index in that list.
    order: Vec<(bool, usize)>,
}

impl<'a> FastBatch<'a> {
    /// Adds the signature `sig` over `message` by `key` (the message is hashed now).
    pub(crate) fn push(&mut self, key: &'a FastKey, message: &[u8], sig: &'a [u8]) {
        match key {
            FastKey::P256(table) => {
                let d = digest::digest(&digest::SHA256, message);
                let mut digest = [0u8; 32];
                digest.copy_from_slice(d.as_ref().get(..32).unwrap_or(&[0; 32]));
                self.order.push((false, self.ecdsa.len()));
                self.ecdsa.push(EcdsaItem {
                    key: table,
                    digest,
                    sig,
                });
            }
            #[cfg(feature = "sm2")]
            FastKey::Sm2(table, z) => {
                self.order.push((true, self.sm2.len()));
                self.sm2.push(Sm2Item {
                    key: table,
                    e: crate::crypto::sm2::digest(z, message),
                    sig,
                });
            }
        }
    }

    /// One verdict per pushed triple, in push order.
    pub(crate) fn verify(&self) -> Vec<bool> {
        let mut ecdsa = Vec::new();
        verify_ecdsa(&self.ecdsa, &mut ecdsa);
        #[cfg(feature = "sm2")]
        let sm2 = {
            let mut out = Vec::new();
            verify_sm2(&self.sm2, &mut out);
            out
        };
        self.order
            .iter()
            .map(|&(is_sm2, i)| {
                #[cfg(feature = "sm2")]
                if is_sm2 {
                    return sm2.get(i).copied().unwrap_or(false);
                }
                let _ = is_sm2;
                ecdsa.get(i).copied().unwrap_or(false)
            })
            .collect()
    }
}
