//! `waiaas tx approve|reject ID --key-file PATH`: the owner signs the exact approval text
//! the library renders for that transaction, and the library verifies and consumes it.

use waiaas::owner::OwnerSigner;
use waiaas::{Admin, TxId};
use waiaas_core::ExposeSecret;

use crate::args::OwnerDecision;
use crate::failure::{Failure, Outcome};
use crate::output::{emit, pretty};

/// Approves (`approve`) or rejects one transaction as its owner.
pub fn decide(admin: &Admin, decision: &OwnerDecision, approve: bool, json: bool) -> Outcome {
    let tx_id = TxId::parse(&decision.id).map_err(waiaas::Error::from)?;
    let signer = signer(&decision.key_file)?;
    let owner = admin.owner_actions();
    let request = owner.approval_request(tx_id)?;
    let message = if approve {
        request.approve_message
    } else {
        request.reject_message
    }
    .ok_or_else(|| {
        Failure::cli(
            "CLI_NOT_PENDING_APPROVAL",
            format!("transaction {tx_id} is not waiting for the owner's decision"),
        )
    })?;
    let signature = signer.sign(&message).map_err(waiaas::Error::from)?;
    let tx = if approve {
        owner.approve(tx_id, &signature, &message)?
    } else {
        owner.reject(tx_id, &signature, &message)?
    };
    emit(json, &tx, pretty)
}

/// Reads the owner's key: a Solana keypair JSON array (`solana-keygen`'s file), an EVM
/// private key in hex (`0x…`), or a Solana base58 secret. The key never reaches output.
fn signer(path: &std::path::Path) -> Outcome<OwnerSigner> {
    let secret = zeroizing_read(path)?;
    let text = secret.expose_secret().trim();
    let signer = if text.starts_with('[') {
        OwnerSigner::solana_from_keypair_json(text)
    } else if text.starts_with("0x")
        || (text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()))
    {
        OwnerSigner::evm_from_hex(text)
    } else {
        OwnerSigner::solana_from_base58(text)
    };
    signer.map_err(|e| Failure::from(waiaas::Error::from(e)))
}

fn zeroizing_read(path: &std::path::Path) -> Outcome<waiaas::SecretString> {
    std::fs::read_to_string(path)
        .map(waiaas::SecretString::from)
        .map_err(|e| {
            Failure::cli(
                "CLI_KEY_FILE",
                format!("cannot read the owner key file `{}`: {e}", path.display()),
            )
        })
}
