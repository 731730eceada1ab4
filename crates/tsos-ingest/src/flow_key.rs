//! The keyed hash that recognises a user from one monthly export to the next without keeping
//! who it is (SPEC §7): HMAC-SHA-256 of the platform's user id under a secret key, truncated
//! to 64 bits. The key itself lives outside the database; here it is only bytes.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// Bytes of a key.
pub const KEY_BYTES: usize = 32;

/// A secret key, ready to hash user ids. The keyed states are computed once; an id of up to
/// [`SHORT_ID`] bytes then costs two SHA-256 blocks and nothing else.
#[derive(Clone)]
pub struct FlowKey {
    mac: Hmac<Sha256>,
    /// SHA-256's state after the key's inner and outer padded blocks (RFC 2104's `K ⊕ ipad`
    /// and `K ⊕ opad`).
    inner: [u32; 8],
    outer: [u32; 8],
}

/// The longest id whose inner hash ends in one block: 64 bytes less the padding's `0x80`
/// and the 8-byte length.
const SHORT_ID: usize = 55;

/// SHA-256's initial state (FIPS 180-4, 5.3.3).
const SHA256_IV: [u32; 8] = [
    0x6a09_e667,
    0xbb67_ae85,
    0x3c6e_f372,
    0xa54f_f53a,
    0x510e_527f,
    0x9b05_688c,
    0x1f83_d9ab,
    0x5be0_cd19,
];

/// The state after `block`, the first of a message.
fn after_first_block(block: &[u8; 64]) -> [u32; 8] {
    let mut state = SHA256_IV;
    sha2::block_api::compress256(&mut state, std::slice::from_ref(block));
    state
}

/// The digest of a message whose first 64 bytes gave `state` and whose rest, `tail`, fits in
/// one block with its padding.
fn finish_one_block(mut state: [u32; 8], tail: &[u8]) -> [u32; 8] {
    debug_assert!(tail.len() <= SHORT_ID);
    let mut block = [0u8; 64];
    block[..tail.len()].copy_from_slice(tail);
    block[tail.len()] = 0x80;
    let bits = ((64 + tail.len()) as u64) * 8;
    block[56..].copy_from_slice(&bits.to_be_bytes());
    sha2::block_api::compress256(&mut state, std::slice::from_ref(&block));
    state
}

impl std::fmt::Debug for FlowKey {
    // The key never reaches a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FlowKey(…)")
    }
}

impl FlowKey {
    pub fn new(key: &[u8; KEY_BYTES]) -> FlowKey {
        let padded = |pad: u8| {
            let mut block = [pad; 64];
            for (b, k) in block.iter_mut().zip(key) {
                *b ^= k;
            }
            block
        };
        FlowKey {
            mac: <Hmac<Sha256> as KeyInit>::new_from_slice(key)
                .unwrap_or_else(|_| unreachable!("HMAC accepts a key of any length")),
            inner: after_first_block(&padded(0x36)),
            outer: after_first_block(&padded(0x5c)),
        }
    }

    /// The hash of a user id as its trimmed text.
    ///
    /// A national import hashes millions of ids, almost all a few digits long: for those, the
    /// two blocks are compressed from the keyed states directly, which halves the cost of the
    /// `hmac` crate's general path (a state cloned, buffered and finalised twice per id); a
    /// test holds both to the same bytes. Longer ids take the general path.
    pub fn hash(&self, id: &[u8]) -> u64 {
        if id.len() <= SHORT_ID {
            let inner = finish_one_block(self.inner, id);
            let mut digest = [0u8; 32];
            for (bytes, word) in digest.chunks_exact_mut(4).zip(inner) {
                bytes.copy_from_slice(&word.to_be_bytes());
            }
            let outer = finish_one_block(self.outer, &digest);
            let mut first = [0u8; 8];
            first[..4].copy_from_slice(&outer[0].to_be_bytes());
            first[4..].copy_from_slice(&outer[1].to_be_bytes());
            return u64::from_le_bytes(first);
        }
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
    fn short_ids_hash_as_the_general_hmac_does() {
        let key = FlowKey::new(&std::array::from_fn(|i| (i * 37 + 11) as u8));
        let general = |id: &[u8]| {
            let mut mac = key.mac.clone();
            mac.update(id);
            let digest = mac.finalize().into_bytes();
            u64::from_le_bytes(digest[..8].try_into().unwrap())
        };
        // Every length on both sides of the one-block limit, and non-ASCII bytes.
        for len in 0..=2 * SHORT_ID {
            let id: Vec<u8> = (0..len).map(|i| (i * 7 + len) as u8 | 0x80).collect();
            assert_eq!(key.hash(&id), general(&id), "length {len}");
        }
        assert_eq!(key.hash(b"1234567890"), general(b"1234567890"));
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
