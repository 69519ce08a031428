//! Secrets at rest (an SMTP password): sealed with XChaCha20-Poly1305 under a key derived
//! from the server's secret key, so a copy of the database alone reveals none of them.

use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use sha2::{Digest, Sha256};

fn cipher(secret_key: &[u8]) -> XChaCha20Poly1305 {
    let mut hasher = Sha256::new();
    hasher.update(b"switchboard:channel-secrets:");
    hasher.update(secret_key);
    XChaCha20Poly1305::new(&hasher.finalize())
}

/// `plain` sealed: hex of a random nonce and the ciphertext with its tag.
pub fn seal(secret_key: &[u8], plain: &str) -> String {
    use rand::RngCore;
    let mut nonce = [0u8; 24];
    rand::thread_rng().fill_bytes(&mut nonce);
    let sealed = cipher(secret_key)
        .encrypt(XNonce::from_slice(&nonce), plain.as_bytes())
        .unwrap_or_default();
    format!("{}{}", hex::encode(nonce), hex::encode(sealed))
}

/// The secret `seal` made, or `None` when it was sealed under another key (the server's
/// secret key changed: the password must be entered again) or is damaged.
pub fn open(secret_key: &[u8], sealed: &str) -> Option<String> {
    let bytes = hex::decode(sealed).ok()?;
    if bytes.len() < 24 {
        return None;
    }
    let (nonce, body) = bytes.split_at(24);
    let plain = cipher(secret_key).decrypt(XNonce::from_slice(nonce), body).ok()?;
    String::from_utf8(plain).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sealed_secret_opens_only_with_its_key() {
        let sealed = seal(b"key one, at least thirty-two bytes", "hunter2");
        assert!(!sealed.contains("hunter2"));
        assert_ne!(
            sealed,
            seal(b"key one, at least thirty-two bytes", "hunter2"),
            "a fresh nonce each time"
        );
        assert_eq!(
            open(b"key one, at least thirty-two bytes", &sealed).as_deref(),
            Some("hunter2")
        );
        assert_eq!(open(b"another key, also thirty-two bytes", &sealed), None);
        assert_eq!(open(b"key one, at least thirty-two bytes", "zz"), None);
        let mut tampered = sealed.clone();
        tampered.replace_range(60..62, if &sealed[60..62] == "00" { "01" } else { "00" });
        assert_eq!(open(b"key one, at least thirty-two bytes", &tampered), None);
    }
}
