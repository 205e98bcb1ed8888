//! Chain addresses: parsed strictly, compared by value, printed canonically.
//!
//! EVM addresses need `0x` and compare case-insensitively (by value); where a human
//! registers an address as a trust anchor (an owner), [`EvmAddress::parse_checksummed`]
//! demands correct EIP-55 casing. Solana addresses are base58 of exactly 32 bytes and
//! compare exactly.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use sha3::{Digest, Keccak256};

use crate::chain::Chain;
use crate::error::ValidationError;

/// Keccak-256, as Ethereum uses it.
#[must_use]
pub fn keccak256(data: &[u8]) -> [u8; 32] {
    Keccak256::digest(data).into()
}

/// A 20-byte EVM address.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct EvmAddress([u8; 20]);

fn bad_evm(s: &str, reason: &'static str) -> ValidationError {
    ValidationError::InvalidAddress {
        chain: "ethereum",
        address: s.to_owned(),
        reason,
    }
}

impl EvmAddress {
    /// From raw bytes.
    #[must_use]
    pub const fn from_bytes(b: [u8; 20]) -> Self {
        Self(b)
    }

    /// The raw bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 20] {
        &self.0
    }

    /// Parses `0x` + 40 hex digits in any case (matching by value).
    ///
    /// # Errors
    /// `INVALID_ADDRESS` for a missing `0x`, a wrong length or a non-hex character.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let hex_part = s
            .strip_prefix("0x")
            .ok_or_else(|| bad_evm(s, "must start with `0x`"))?;
        if hex_part.len() != 40 {
            return Err(bad_evm(s, "must be `0x` followed by 40 hex digits"));
        }
        if !hex_part.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(bad_evm(s, "contains a character that is not a hex digit"));
        }
        let mut out = [0u8; 20];
        hex::decode_to_slice(hex_part, &mut out).map_err(|_| bad_evm(s, "not valid hex"))?;
        Ok(Self(out))
    }

    /// Parses and requires exact EIP-55 checksum casing (all-lowercase or all-uppercase
    /// input is refused too: it carries no checksum).
    ///
    /// # Errors
    /// `INVALID_ADDRESS` when the input is malformed or its casing is not the checksum.
    pub fn parse_checksummed(s: &str) -> Result<Self, ValidationError> {
        let addr = Self::parse(s)?;
        if addr.to_checksum() != s {
            return Err(bad_evm(s, "casing does not match the EIP-55 checksum"));
        }
        Ok(addr)
    }

    /// The EIP-55 mixed-case form.
    #[must_use]
    pub fn to_checksum(&self) -> String {
        let lower = hex::encode(self.0);
        let hash = keccak256(lower.as_bytes());
        let mut out = String::with_capacity(42);
        out.push_str("0x");
        for (i, c) in lower.chars().enumerate() {
            let byte = hash.get(i / 2).copied().unwrap_or(0);
            let nibble = if i % 2 == 0 { byte >> 4 } else { byte & 0x0f };
            out.push(if c.is_ascii_alphabetic() && nibble >= 8 {
                c.to_ascii_uppercase()
            } else {
                c
            });
        }
        out
    }

    /// The address of an uncompressed secp256k1 public key (65 bytes, `0x04` prefix).
    #[must_use]
    pub fn from_uncompressed_public_key(key: &[u8; 65]) -> Self {
        let hash = keccak256(key.get(1..).unwrap_or_default());
        let mut out = [0u8; 20];
        out.copy_from_slice(hash.get(12..).unwrap_or(&[0u8; 20]));
        Self(out)
    }
}

impl fmt::Display for EvmAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_checksum())
    }
}

impl fmt::Debug for EvmAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EvmAddress({})", self.to_checksum())
    }
}

impl FromStr for EvmAddress {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for EvmAddress {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<EvmAddress> for String {
    fn from(a: EvmAddress) -> String {
        a.to_checksum()
    }
}

/// A 32-byte Solana address (public key), base58.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct SolanaAddress([u8; 32]);

fn bad_sol(s: &str, reason: &'static str) -> ValidationError {
    ValidationError::InvalidAddress {
        chain: "solana",
        address: s.to_owned(),
        reason,
    }
}

impl SolanaAddress {
    /// From raw bytes.
    #[must_use]
    pub const fn from_bytes(b: [u8; 32]) -> Self {
        Self(b)
    }

    /// The raw bytes.
    #[must_use]
    pub const fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Parses base58 that decodes to exactly 32 bytes and is in canonical form.
    ///
    /// # Errors
    /// `INVALID_ADDRESS` for a non-base58 character, a wrong length or a
    /// non-canonical encoding.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        if s.is_empty() || s.len() > 44 {
            return Err(bad_sol(s, "must be 32 to 44 base58 characters"));
        }
        let mut out = [0u8; 32];
        let n = bs58::decode(s)
            .onto(&mut out)
            .map_err(|_| bad_sol(s, "not valid base58 for 32 bytes"))?;
        if n != 32 {
            return Err(bad_sol(s, "does not decode to 32 bytes"));
        }
        // Canonical without encoding again: base58 decodes each leading `1` to a zero
        // byte and the rest to a minimal number, so a 32-byte result has one spelling —
        // the one whose leading `1`s are its leading zero bytes (checked all the same).
        let ones = s.bytes().take_while(|&b| b == b'1').count();
        let zeros = out.iter().take_while(|&&b| b == 0).count();
        if ones != zeros {
            return Err(bad_sol(s, "not in canonical base58 form"));
        }
        Ok(Self(out))
    }
}

impl fmt::Display for SolanaAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).into_string())
    }
}

impl fmt::Debug for SolanaAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SolanaAddress({self})")
    }
}

impl FromStr for SolanaAddress {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for SolanaAddress {
    type Error = ValidationError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<SolanaAddress> for String {
    fn from(a: SolanaAddress) -> String {
        a.to_string()
    }
}

/// An address on either chain family.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Address {
    /// A Solana address.
    Solana(SolanaAddress),
    /// An EVM address.
    Evm(EvmAddress),
}

impl Address {
    /// Parses an address for `chain` (EVM: case-insensitive; Solana: exact).
    ///
    /// # Errors
    /// `INVALID_ADDRESS` as the chain's parser reports.
    pub fn parse(chain: Chain, s: &str) -> Result<Self, ValidationError> {
        match chain {
            Chain::Solana => SolanaAddress::parse(s).map(Self::Solana),
            Chain::Ethereum => EvmAddress::parse(s).map(Self::Evm),
        }
    }

    /// The chain family.
    #[must_use]
    pub fn chain(&self) -> Chain {
        match self {
            Self::Solana(_) => Chain::Solana,
            Self::Evm(_) => Chain::Ethereum,
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Solana(a) => a.fmt(f),
            Self::Evm(a) => a.fmt(f),
        }
    }
}
