//! `waiaas.OwnerSigner`: the owner's side of an approval over `waiaas::owner::OwnerSigner`
//! (feature `owner-signer`), for bots, tests and demos; a human owner signs in their
//! wallet app instead. The key stays in the Rust type (wiped on drop, no `Clone`);
//! `repr` shows the address only.

use pyo3::prelude::*;

use crate::to_py_err;

/// An owner's signing key: Ed25519 (Solana owners) or secp256k1 / EIP-191 (EVM owners).
#[pyclass(frozen, module = "waiaas")]
pub(crate) struct OwnerSigner {
    inner: waiaas::owner::OwnerSigner,
}

/// Wraps a constructor's answer, mapping its error like every other.
fn made(
    py: Python<'_>,
    made: Result<waiaas::owner::OwnerSigner, impl Into<waiaas::Error>>,
) -> PyResult<OwnerSigner> {
    made.map(|inner| OwnerSigner { inner })
        .map_err(|e| to_py_err(py, &e.into()))
}

#[pymethods]
impl OwnerSigner {
    /// A Solana owner from the 32-byte seed or the 64-byte keypair.
    #[staticmethod]
    fn solana_from_bytes(py: Python<'_>, key: &[u8]) -> PyResult<Self> {
        made(py, waiaas::owner::OwnerSigner::solana_from_bytes(key))
    }

    /// A Solana owner from base58 (a 64-byte keypair as wallets export it, or a seed).
    #[staticmethod]
    fn solana_from_base58(py: Python<'_>, key: &str) -> PyResult<Self> {
        made(py, waiaas::owner::OwnerSigner::solana_from_base58(key))
    }

    /// A Solana owner from a `solana-keygen` key file's content.
    #[staticmethod]
    fn solana_from_keypair_json(py: Python<'_>, key: &str) -> PyResult<Self> {
        made(
            py,
            waiaas::owner::OwnerSigner::solana_from_keypair_json(key),
        )
    }

    /// An EVM owner from its private key as hex (64 digits, `0x` optional).
    #[staticmethod]
    fn evm_from_hex(py: Python<'_>, key: &str) -> PyResult<Self> {
        made(py, waiaas::owner::OwnerSigner::evm_from_hex(key))
    }

    /// The address to register with `Admin.set_owner` (base58, or EIP-55 for EVM).
    #[getter]
    fn address(&self) -> String {
        self.inner.address()
    }

    /// The signature over `message` (an exact text waiaas issued), in the encoding
    /// `Owner.approve` takes: base58 Ed25519, or `0x` + 65-byte `r ‖ s ‖ v`.
    fn sign(&self, py: Python<'_>, message: &str) -> PyResult<String> {
        py.detach(|| self.inner.sign(message))
            .map_err(|e| to_py_err(py, &e.into()))
    }

    fn __repr__(&self) -> String {
        format!("<waiaas.OwnerSigner address={}>", self.inner.address())
    }
}
