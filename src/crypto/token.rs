//! Bearer-token digests: a service stores only the SHA-256 of each token it accepts and
//! compares a presented token's digest with every stored one in constant time. This file owns
//! that digest and that comparison; who may do what with a token (roles) is the caller's.

use subtle::ConstantTimeEq;

use super::CryptoError;

/// SHA-256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    let d = ring::digest::digest(&ring::digest::SHA256, bytes);
    let mut out = [0u8; 32];
    out.copy_from_slice(d.as_ref());
    out
}

/// The SHA-256 digest of a bearer token, as a configuration file stores it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenDigest([u8; 32]);

impl std::fmt::Debug for TokenDigest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenDigest({})", self.to_hex())
    }
}

impl TokenDigest {
    /// The digest of `token`.
    pub fn of(token: &[u8]) -> TokenDigest {
        TokenDigest(sha256(token))
    }

    /// Parses 64 hexadecimal digits, optionally behind `sha256:`.
    pub fn from_hex(text: &str) -> Result<TokenDigest, CryptoError> {
        let hex = text.trim();
        let hex = hex.strip_prefix("sha256:").unwrap_or(hex);
        let bytes = crate::codec::hex::decode(hex)
            .map_err(|e| CryptoError::TokenDigest(format!("got {:?}: {e}", short(text))))?;
        let digest: [u8; 32] = bytes.as_slice().try_into().map_err(|_| {
            CryptoError::TokenDigest(format!(
                "got {} bytes, expected 32 (64 hex digits of SHA-256)",
                bytes.len()
            ))
        })?;
        Ok(TokenDigest(digest))
    }

    /// `sha256:` and 64 lower-case hexadecimal digits.
    pub fn to_hex(&self) -> String {
        format!("sha256:{}", crate::codec::hex::encode(&self.0))
    }

    /// Whether `presented` hashes to this digest, compared in constant time.
    pub fn matches(&self, presented: &[u8]) -> bool {
        bool::from(sha256(presented).ct_eq(&self.0))
    }
}

/// The position of the first of `digests` that `presented` matches. Every digest is compared
/// (constant time each, no early exit), so the time taken says nothing about which matched
/// or how close a wrong token came.
pub fn find_token(digests: &[TokenDigest], presented: &[u8]) -> Option<usize> {
    let d = sha256(presented);
    let mut found: Option<usize> = None;
    for (i, stored) in digests.iter().enumerate() {
        let hit = bool::from(d.ct_eq(&stored.0));
        if hit && found.is_none() {
            found = Some(i);
        }
    }
    found
}

/// At most 16 characters of `s`, for error messages (never a whole secret).
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(16).collect();
    if s.chars().nth(16).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_matches_only_its_own_digest() {
        let d = TokenDigest::of(b"s3cret-token");
        assert!(d.matches(b"s3cret-token"));
        assert!(!d.matches(b"s3cret-tokem"));
        assert!(!d.matches(b""));
        let parsed = TokenDigest::from_hex(&d.to_hex()).unwrap();
        assert_eq!(parsed, d);
        let bare = d.to_hex().trim_start_matches("sha256:").to_owned();
        assert_eq!(TokenDigest::from_hex(&bare).unwrap(), d);
    }

    #[test]
    fn rejects_digest_of_wrong_length_or_alphabet() {
        assert!(TokenDigest::from_hex("sha256:abcd").is_err());
        assert!(TokenDigest::from_hex(&"zz".repeat(32)).is_err());
    }

    #[test]
    fn find_token_checks_every_digest() {
        let ds = [
            TokenDigest::of(b"a"),
            TokenDigest::of(b"b"),
            TokenDigest::of(b"b"),
        ];
        assert_eq!(find_token(&ds, b"b"), Some(1));
        assert_eq!(find_token(&ds, b"c"), None);
    }
}
