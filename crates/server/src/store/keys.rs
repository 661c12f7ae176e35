//! Keys: API keys (made here, stored only as their SHA-256) and clients'
//! idempotency keys (checked, and fingerprinted with the request they came with).

use jiff::SignedDuration;
use rand::Rng;
use sha2::{Digest, Sha256};

use crate::error::{ApiError, ApiResult};

/// Key prefix: makes a leaked frontdesk key recognisable to secret scanners.
pub const KEY_PREFIX: &str = "fd_";

/// The hash a key is stored and looked up by.
#[must_use]
pub fn hash_key(key: &str) -> String {
    super::hex(&Sha256::digest(key.as_bytes()))
}

#[must_use]
pub fn new_key() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::rng();
    let body: String = (0..40).map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())])).collect();
    format!("{KEY_PREFIX}{body}")
}

/// How long a key is remembered.
pub const IDEMPOTENCY_RETENTION: SignedDuration = SignedDuration::from_hours(48);

/// A fingerprint of what was asked: the route and the body.
#[must_use]
pub fn fingerprint(route: &str, body: &[u8]) -> String {
    let mut h = Sha256::new();
    h.update(route.as_bytes());
    h.update([0]);
    h.update(body);
    super::hex(&h.finalize())
}

/// Checks a client-supplied key: printable ASCII, at most 255 characters.
pub fn validate_idempotency_key(key: &str) -> ApiResult<()> {
    if key.is_empty() || key.len() > 255 || !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(ApiError::invalid(
            "Idempotency-Key",
            "Idempotency-Key must be 1 to 255 printable ASCII characters",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_prefixed_random_and_hash_stably() {
        let (a, b) = (new_key(), new_key());
        assert!(a.starts_with("fd_") && a.len() == 43);
        assert_ne!(a, b);
        assert_eq!(hash_key(&a), hash_key(&a));
        assert_eq!(hash_key(&a).len(), 64);
        assert_ne!(hash_key(&a), hash_key(&b));
    }
}
