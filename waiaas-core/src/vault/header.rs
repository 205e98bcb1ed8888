//! The vault header: KDF parameters, the wrapped data key and integrity data.
//! Layout documented in `docs/vault-format.md`.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::kdf::{KdfParams, KdfProfile};
use crate::error::VaultError;

pub(crate) const FORMAT: &str = "waiaas-vault";
/// The format written: version 2 says the vault's audit log is keyed (its binding
/// differs, so a version-2 header cannot be turned into a version-1 one without the
/// password). Version 1 (written before schema 4) is still read, and rewritten as
/// version 2 by the first unlock, in the same transaction that keys the log.
pub(crate) const VERSION: u32 = 2;
/// The format before the keyed audit chain.
pub(crate) const VERSION_UNKEYED_AUDIT: u32 = 1;
pub(crate) const SALT_LEN: usize = 16;
pub(crate) const NONCE_LEN: usize = 24;
/// 32-byte DEK + 16-byte Poly1305 tag.
pub(crate) const WRAPPED_DEK_LEN: usize = 48;
pub(crate) const CHECK_LEN: usize = 32;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KdfJson {
    algorithm: String,
    argon2_version: u32,
    m_cost_kib: u32,
    t_cost: u32,
    p_cost: u32,
    profile: KdfProfile,
    salt: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct HeaderJson {
    format: String,
    version: u32,
    kdf: KdfJson,
    aead: String,
    dek_nonce: String,
    dek_ciphertext: String,
    password_check: String,
    checksum: String,
}

/// A parsed, integrity-checked header.
#[derive(Clone)]
pub(crate) struct VaultHeader {
    pub version: u32,
    pub params: KdfParams,
    pub salt: [u8; SALT_LEN],
    pub dek_nonce: [u8; NONCE_LEN],
    pub wrapped_dek: [u8; WRAPPED_DEK_LEN],
    pub password_check: [u8; CHECK_LEN],
}

fn corrupt(reason: &'static str) -> VaultError {
    VaultError::HeaderCorrupt { reason }
}

fn decode_fixed<const N: usize>(s: &str, reason: &'static str) -> Result<[u8; N], VaultError> {
    let v = B64.decode(s).map_err(|_| corrupt(reason))?;
    v.try_into().map_err(|_| corrupt(reason))
}

impl VaultHeader {
    /// The bytes every derived value is bound to: format, version, KDF and AEAD choice.
    /// Used as the DEK-wrapping AAD and in the password check.
    pub fn binding(&self) -> String {
        format!(
            "{FORMAT}|v{}|argon2id|19|m={}|t={}|p={}|profile={}|salt={}|aead=xchacha20poly1305",
            self.version,
            self.params.m_cost_kib(),
            self.params.t_cost(),
            self.params.p_cost(),
            self.params.profile().as_str(),
            hex::encode(self.salt),
        )
    }

    fn checksum(&self) -> String {
        let mut h = Sha256::new();
        h.update(self.binding().as_bytes());
        h.update(b"|");
        h.update(self.dek_nonce);
        h.update(self.wrapped_dek);
        h.update(self.password_check);
        hex::encode(h.finalize())
    }

    pub fn to_json(&self) -> String {
        let json = HeaderJson {
            format: FORMAT.to_owned(),
            version: self.version,
            kdf: KdfJson {
                algorithm: "argon2id".to_owned(),
                argon2_version: 19,
                m_cost_kib: self.params.m_cost_kib(),
                t_cost: self.params.t_cost(),
                p_cost: self.params.p_cost(),
                profile: self.params.profile(),
                salt: B64.encode(self.salt),
            },
            aead: "xchacha20poly1305".to_owned(),
            dek_nonce: B64.encode(self.dek_nonce),
            dek_ciphertext: B64.encode(self.wrapped_dek),
            password_check: B64.encode(self.password_check),
            checksum: self.checksum(),
        };
        // Serializing plain strings and integers cannot fail.
        serde_json::to_string_pretty(&json).unwrap_or_default()
    }

    /// Parses and checks structure, known algorithms, parameter ranges and the checksum.
    ///
    /// The checksum catches accidental or naive edits and tells them apart from a wrong
    /// password; a forged checksum still cannot unwrap the data key, because the AEAD
    /// binds the same fields.
    pub fn parse(text: &str) -> Result<Self, VaultError> {
        let json: HeaderJson =
            serde_json::from_str(text).map_err(|_| corrupt("header is not valid vault JSON"))?;
        if json.format != FORMAT {
            return Err(corrupt("not a waiaas vault header"));
        }
        if json.version != VERSION && json.version != VERSION_UNKEYED_AUDIT {
            return Err(corrupt("unsupported vault format version"));
        }
        if json.kdf.algorithm != "argon2id" || json.kdf.argon2_version != 19 {
            return Err(corrupt("unsupported key-derivation algorithm"));
        }
        if json.aead != "xchacha20poly1305" {
            return Err(corrupt("unsupported cipher"));
        }
        let params = KdfParams::checked(
            json.kdf.m_cost_kib,
            json.kdf.t_cost,
            json.kdf.p_cost,
            json.kdf.profile,
        )
        .map_err(|_| corrupt("key-derivation parameters are out of range for their profile"))?;
        let header = Self {
            version: json.version,
            params,
            salt: decode_fixed(&json.kdf.salt, "salt is malformed")?,
            dek_nonce: decode_fixed(&json.dek_nonce, "data-key nonce is malformed")?,
            wrapped_dek: decode_fixed(&json.dek_ciphertext, "wrapped data key is malformed")?,
            password_check: decode_fixed(&json.password_check, "password check is malformed")?,
        };
        let expected = header.checksum();
        if !bool::from(subtle::ConstantTimeEq::ct_eq(
            expected.as_bytes(),
            json.checksum.as_bytes(),
        )) {
            return Err(corrupt("header checksum mismatch"));
        }
        Ok(header)
    }
}
