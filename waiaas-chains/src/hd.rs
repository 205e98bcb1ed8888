//! Wallet keys from BIP-39 seed phrases.
//!
//! - Solana: SLIP-0010 Ed25519 derivation (hardened steps only), default
//!   `m/44'/501'/0'/0'` — what Phantom, Solflare and `solana-keygen --derivation-path` use.
//! - EVM: BIP-32 secp256k1 derivation, default `m/44'/60'/0'/0/0` — what MetaMask,
//!   Ledger Live's first account and Hardhat/anvil use.
//!
//! The mnemonic is taken by value as a [`SecretString`] and wiped when the call returns;
//! the BIP-39 seed and every intermediate key live in wiping buffers. Nothing is stored
//! except the derived key, sealed by the vault.

use std::fmt;
use std::str::FromStr;

use hmac::{Hmac, Mac};
use k256::elliptic_curve::PrimeField;
use sha2::Sha512;
use waiaas_core::{
    Chain, ExposeSecret, Network, SecretString, ValidationError, Vault, WalletInfo, WalletKey,
};
use zeroize::Zeroizing;

use crate::error::ChainError;

/// Index bit that marks a hardened step.
pub const HARDENED: u32 = 0x8000_0000;
/// Longest derivation path accepted.
pub const MAX_DEPTH: usize = 16;

/// A BIP-32 / SLIP-0010 derivation path such as `m/44'/60'/0'/0/0`.
#[derive(Clone, PartialEq, Eq)]
pub struct DerivationPath(Vec<u32>);

fn bad_path(input: &str, reason: &str) -> ValidationError {
    ValidationError::field("derivation_path", format!("`{input}` {reason}"))
}

impl DerivationPath {
    /// The default path for `chain`: `m/44'/501'/0'/0'` (Solana) or `m/44'/60'/0'/0/0` (EVM).
    #[must_use]
    pub fn default_for(chain: Chain) -> Self {
        match chain {
            Chain::Solana => Self(vec![44 | HARDENED, 501 | HARDENED, HARDENED, HARDENED]),
            Chain::Ethereum => Self(vec![44 | HARDENED, 60 | HARDENED, HARDENED, 0, 0]),
        }
    }

    /// Parses `m/…` with steps below 2³¹, hardened with `'` or `h`.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a missing `m`, an empty or non-numeric step, a step ≥ 2³¹,
    /// or more than [`MAX_DEPTH`] steps.
    pub fn parse(input: &str) -> Result<Self, ValidationError> {
        let mut parts = input.split('/');
        if parts.next() != Some("m") {
            return Err(bad_path(input, "must start with `m`"));
        }
        let mut steps = Vec::new();
        for part in parts {
            let (digits, hardened) =
                match part.strip_suffix('\'').or_else(|| part.strip_suffix('h')) {
                    Some(d) => (d, true),
                    None => (part, false),
                };
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(bad_path(input, "has a step that is not a number"));
            }
            let index: u32 = digits
                .parse()
                .ok()
                .filter(|i| *i < HARDENED)
                .ok_or_else(|| bad_path(input, "has a step of 2^31 or more"))?;
            steps.push(if hardened { index | HARDENED } else { index });
            if steps.len() > MAX_DEPTH {
                return Err(bad_path(input, "is deeper than 16 steps"));
            }
        }
        Ok(Self(steps))
    }

    /// The steps, hardened ones with the top bit set.
    #[must_use]
    pub fn steps(&self) -> &[u32] {
        &self.0
    }
}

impl fmt::Display for DerivationPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("m")?;
        for step in &self.0 {
            if step & HARDENED == 0 {
                write!(f, "/{step}")?;
            } else {
                write!(f, "/{}'", step & !HARDENED)?;
            }
        }
        Ok(())
    }
}

impl fmt::Debug for DerivationPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DerivationPath({self})")
    }
}

impl FromStr for DerivationPath {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

type HmacSha512 = Hmac<Sha512>;

/// `(key, chain code)` of one node, wiped on drop.
struct Node {
    key: Zeroizing<[u8; 32]>,
    chain_code: Zeroizing<[u8; 32]>,
}

fn hmac512(key: &[u8], parts: &[&[u8]]) -> Result<Node, ChainError> {
    let mut mac = HmacSha512::new_from_slice(key)
        .map_err(|_| ValidationError::field("seed", "hmac key rejected"))?;
    for p in parts {
        mac.update(p);
    }
    let out = Zeroizing::new(<[u8; 64]>::from(mac.finalize().into_bytes()));
    let (il, ir) = out.split_at(32);
    let mut node = Node {
        key: Zeroizing::new([0u8; 32]),
        chain_code: Zeroizing::new([0u8; 32]),
    };
    node.key.copy_from_slice(il);
    node.chain_code.copy_from_slice(ir);
    Ok(node)
}

/// SLIP-0010 Ed25519: the 32-byte secret seed at `path` (every step must be hardened).
///
/// # Errors
/// `VALIDATION_FAILED` when a step is not hardened (Ed25519 has no public derivation).
pub fn slip10_ed25519(
    seed: &[u8],
    path: &DerivationPath,
) -> Result<Zeroizing<[u8; 32]>, ChainError> {
    let mut node = hmac512(b"ed25519 seed", &[seed])?;
    for &step in path.steps() {
        if step & HARDENED == 0 {
            return Err(bad_path(
                &path.to_string(),
                "has a non-hardened step; SLIP-0010 Ed25519 allows hardened steps only",
            )
            .into());
        }
        node = hmac512(
            &node.chain_code[..],
            &[&[0u8], &node.key[..], &step.to_be_bytes()],
        )?;
    }
    Ok(node.key)
}

/// BIP-32 secp256k1: the 32-byte secret scalar at `path`.
///
/// # Errors
/// `VALIDATION_FAILED` in the astronomically unlikely case that a step yields an invalid
/// key (BIP-32 says to use the next index; waiaas refuses instead).
pub fn bip32_secp256k1(
    seed: &[u8],
    path: &DerivationPath,
) -> Result<Zeroizing<[u8; 32]>, ChainError> {
    let invalid = || {
        ValidationError::field(
            "derivation_path",
            "derivation produced an invalid key; use another index",
        )
    };
    let mut node = hmac512(b"Bitcoin seed", &[seed])?;
    let mut parent = scalar(&node.key).ok_or_else(invalid)?;
    for &step in path.steps() {
        let child = if step & HARDENED == 0 {
            let secret = k256::SecretKey::from_bytes(&(*node.key).into()).map_err(|_| invalid())?;
            let public = secret.public_key().to_sec1_bytes();
            hmac512(&node.chain_code[..], &[&public, &step.to_be_bytes()])?
        } else {
            hmac512(
                &node.chain_code[..],
                &[&[0u8], &node.key[..], &step.to_be_bytes()],
            )?
        };
        let tweak = scalar_any(&child.key).ok_or_else(invalid)?;
        let next = tweak.add(&parent);
        if bool::from(next.is_zero()) {
            return Err(invalid().into());
        }
        node = Node {
            key: Zeroizing::new(next.to_bytes().into()),
            chain_code: child.chain_code,
        };
        parent = next;
    }
    Ok(node.key)
}

/// A non-zero scalar below the group order.
fn scalar(bytes: &[u8; 32]) -> Option<k256::Scalar> {
    scalar_any(bytes).filter(|s| !bool::from(s.is_zero()))
}

/// A scalar below the group order (zero allowed: a valid BIP-32 tweak).
fn scalar_any(bytes: &[u8; 32]) -> Option<k256::Scalar> {
    Option::from(k256::Scalar::from_repr((*bytes).into()))
}

/// The BIP-39 seed of `mnemonic` and `passphrase` (English word list, checksum checked).
///
/// # Errors
/// `VALIDATION_FAILED` naming the problem (word count, unknown word, checksum); the
/// phrase is never echoed.
pub fn mnemonic_to_seed(
    mnemonic: &SecretString,
    passphrase: &SecretString,
) -> Result<Zeroizing<[u8; 64]>, ChainError> {
    let parsed = bip39::Mnemonic::parse(mnemonic.expose_secret()).map_err(|e| {
        let reason = match e {
            bip39::Error::BadWordCount(_) => "must have 12, 15, 18, 21 or 24 words",
            bip39::Error::UnknownWord(_) => {
                "contains a word that is not in the BIP-39 English list"
            }
            bip39::Error::InvalidChecksum => "fails its BIP-39 checksum",
            _ => "is not a valid BIP-39 mnemonic",
        };
        ValidationError::field("mnemonic", reason)
    })?;
    Ok(Zeroizing::new(parsed.to_seed(passphrase.expose_secret())))
}

/// Derives the wallet key for `chain` from a mnemonic.
///
/// `path = None` uses [`DerivationPath::default_for`]. `mnemonic` and `passphrase` are
/// consumed and wiped.
///
/// # Errors
/// `VALIDATION_FAILED` for a bad mnemonic or path.
pub fn key_from_mnemonic(
    chain: Chain,
    mnemonic: SecretString,
    passphrase: SecretString,
    path: Option<&DerivationPath>,
) -> Result<WalletKey, ChainError> {
    let default_path;
    let path = match path {
        Some(p) => p,
        None => {
            default_path = DerivationPath::default_for(chain);
            &default_path
        }
    };
    let seed = mnemonic_to_seed(&mnemonic, &passphrase)?;
    drop(mnemonic);
    drop(passphrase);
    let secret = match chain {
        Chain::Solana => slip10_ed25519(&seed[..], path)?,
        Chain::Ethereum => bip32_secp256k1(&seed[..], path)?,
    };
    Ok(WalletKey::from_secret_bytes(chain, &secret)?)
}

/// Imports a wallet into `vault` from a mnemonic; only the derived key is stored
/// (sealed). The mnemonic and passphrase are wiped when this returns.
///
/// # Errors
/// `VALIDATION_FAILED` for a bad mnemonic, path or wallet name; vault errors
/// (`VAULT_LOCKED`, `STORAGE_ERROR`).
pub fn import_mnemonic(
    vault: &Vault,
    name: &str,
    network: Network,
    mnemonic: SecretString,
    passphrase: SecretString,
    path: Option<&DerivationPath>,
) -> Result<WalletInfo, ChainError> {
    let key = key_from_mnemonic(network.chain(), mnemonic, passphrase, path)?;
    Ok(vault.insert_wallet(name, network, &key)?)
}
