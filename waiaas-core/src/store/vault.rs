//! Records of the vault's own state: the header, sealed secrets, unlock attempts.

/// A vault header rewrite that comes with keying a log written before schema 4.
#[derive(Clone, PartialEq, Eq)]
pub struct HeaderUpgrade {
    /// The stored header it replaces.
    pub from: String,
    /// The new header.
    pub to: String,
}

impl std::fmt::Debug for HeaderUpgrade {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("HeaderUpgrade { .. }")
    }
}

/// An AEAD ciphertext with its nonce, as stored.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedBox {
    /// The 24-byte XChaCha20-Poly1305 nonce.
    pub nonce: Vec<u8>,
    /// Ciphertext followed by the 16-byte tag.
    pub ciphertext: Vec<u8>,
}

impl std::fmt::Debug for SealedBox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SealedBox({} bytes)", self.ciphertext.len())
    }
}

/// Failed-unlock bookkeeping, shared by every process using the vault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UnlockAttempts {
    /// Consecutive failures since the last success.
    pub failures: u32,
    /// Time of the last failure.
    pub last_failure_at: Option<i64>,
}
