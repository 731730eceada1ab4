//! The keyed hash that recognises a user from one monthly export to the next without keeping
//! who it is (SPEC §7): HMAC-SHA-256 of the platform's user id under a secret key, truncated
//! to 64 bits. The key itself lives outside the database; here it is only bytes.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Bytes of a key.
pub const KEY_BYTES: usize = 32;

/// A secret key, ready to hash user ids. The keyed state is computed once; each id then costs
/// two SHA-256 blocks.
#[derive(Clone)]
pub struct FlowKey {
    mac: Hmac<Sha256>,
}

impl std::fmt::Debug for FlowKey {
    // The key never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FlowKey(…)")
    }
}

impl FlowKey {
    pub fn new(key: &[u8; KEY_BYTES]) -> FlowKey {
        FlowKey {
            mac: <Hmac<Sha256> as KeyInit>::new_from_slice(key)
                .unwrap_or_else(|_| unreachable!("HMAC accepts a key of any length")),
        }
    }

    /// The hash of a user id as its trimmed text.
    pub fn hash(&self, id: &[u8]) -> u64 {
        let mut mac = self.mac.clone();
        mac.update(id);
        let digest = mac.finalize().into_bytes();
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest[..8]);
        u64::from_le_bytes(first)
    }

    /// A number that tells keys apart without revealing them (the hash of a fixed text that
    /// is no user id): a snapshot keeps it, so that a chain of months ends where the key
    /// changed.
    pub fn fingerprint(&self) -> String {
        format!("{:016x}", self.hash(b"\0tsos: key fingerprint"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_hmac_sha256_test_vector() {
        // A 32-byte key of 0x0b and "Hi There" (RFC 4231's message), the digest's first 8
        // bytes as Python's `hmac.new(key, msg, hashlib.sha256)` gives them, little-endian.
        let key = FlowKey::new(&[0x0b; KEY_BYTES]);
        let expected = u64::from_le_bytes([0x19, 0x8a, 0x60, 0x7e, 0xb4, 0x4b, 0xfb, 0xc6]);
        assert_eq!(key.hash(b"Hi There"), expected);
    }

    #[test]
    fn another_key_another_hash() {
        let (a, b) = (FlowKey::new(&[1; KEY_BYTES]), FlowKey::new(&[2; KEY_BYTES]));
        assert_eq!(a.hash(b"12345"), a.hash(b"12345"));
        assert_ne!(a.hash(b"12345"), b.hash(b"12345"));
        assert_ne!(a.hash(b"12345"), a.hash(b"12346"));
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert!(!format!("{a:?}").contains('1'));
    }
}
