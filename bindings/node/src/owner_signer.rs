//! `OwnerSigner`: the owner's side of an approval (`waiaas::owner::OwnerSigner`, feature
//! `owner-signer`), for bots, tests and examples; a human owner signs in their wallet
//! app instead. The key stays in Rust (wiped on drop); JS sees only the address.

use napi::Env;
use napi::bindgen_prelude::Uint8Array;

use crate::error::sync;

/// An owner's signing key: Ed25519 for Solana owners, secp256k1 (EIP-191) for EVM owners.
#[napi]
pub struct OwnerSigner {
    inner: waiaas::owner::OwnerSigner,
}

#[napi]
impl OwnerSigner {
    /// A Solana owner from base58: a 64-byte keypair as wallets export it, or a
    /// 32-byte seed. The key is never echoed, not even in an error.
    #[napi(factory)]
    pub fn solana_from_base58(env: Env, secret: String) -> napi::Result<Self> {
        sync(&env, || {
            Ok(Self {
                inner: waiaas::owner::OwnerSigner::solana_from_base58(&secret)
                    .map_err(waiaas::Error::from)?,
            })
        })
    }

    /// A Solana owner from a `solana-keygen` key file's content (a JSON array of 64
    /// numbers).
    #[napi(factory)]
    pub fn solana_from_keypair_json(env: Env, secret: String) -> napi::Result<Self> {
        sync(&env, || {
            Ok(Self {
                inner: waiaas::owner::OwnerSigner::solana_from_keypair_json(&secret)
                    .map_err(waiaas::Error::from)?,
            })
        })
    }

    /// A Solana owner from raw bytes: the 32-byte seed or the 64-byte keypair.
    #[napi(factory)]
    pub fn solana_from_bytes(env: Env, secret: Uint8Array) -> napi::Result<Self> {
        sync(&env, || {
            Ok(Self {
                inner: waiaas::owner::OwnerSigner::solana_from_bytes(&secret)
                    .map_err(waiaas::Error::from)?,
            })
        })
    }

    /// An EVM owner from its private key as hex (64 digits, `0x` optional).
    #[napi(factory)]
    pub fn evm_from_hex(env: Env, secret: String) -> napi::Result<Self> {
        sync(&env, || {
            Ok(Self {
                inner: waiaas::owner::OwnerSigner::evm_from_hex(&secret)
                    .map_err(waiaas::Error::from)?,
            })
        })
    }

    /// The address to register with `Admin.setOwner` (base58 for Solana, EIP-55 for EVM).
    #[napi(getter)]
    pub fn address(&self) -> String {
        self.inner.address()
    }

    /// Signs the exact text waiaas issued (approval, rejection, cancellation, owner
    /// verification, kill switch) in the encoding `Owner.approve` takes: base58 for
    /// Solana, `0x`-hex `r ‖ s ‖ v` for EVM.
    #[napi]
    pub fn sign(&self, env: Env, message: String) -> napi::Result<String> {
        sync(&env, || {
            Ok(self.inner.sign(&message).map_err(waiaas::Error::from)?)
        })
    }

    /// `OwnerSigner(<address>)`: what `String(signer)` and template literals show
    /// (never the key).
    #[napi(js_name = "toString")]
    pub fn to_string_js(&self) -> String {
        format!("OwnerSigner({})", self.inner.address())
    }

    /// What `JSON.stringify(signer)` shows: the address only.
    #[napi(js_name = "toJSON", ts_return_type = "{ address: string }")]
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "address": self.inner.address() })
    }
}
