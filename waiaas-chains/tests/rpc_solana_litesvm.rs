//! The JSON-RPC client's Solana methods against litesvm behind a minimal JSON-RPC
//! adapter written for these tests (a real HTTP server on 127.0.0.1). No local Solana
//! validator can be installed from the package registries this project uses, so the
//! node is the real Solana runtime (litesvm) and only the thin RPC layer is ours; its
//! replies follow the shapes of the Solana JSON-RPC API.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test helpers outside #[test] functions"
)]

use waiaas_test_support::replay_server::JsonRpcServer;
use waiaas_test_support::vault as fixtures;

use std::str::FromStr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::Engine as _;
use litesvm::LiteSVM;
use serde_json::{Value, json};
use solana_account::Account;
use solana_pubkey::Pubkey;
use solana_signature::Signature;
use solana_transaction::versioned::VersionedTransaction;
use waiaas_chains::VaultSigner;
use waiaas_chains::client::SolanaChainClient;
use waiaas_chains::client::rpc::{JsonRpcClient, RpcOptions};
use waiaas_chains::solana::{
    self, ComputeBudget, Lifetime, SolanaAction, SolanaTxRequest, TokenProgram,
    associated_token_address,
};
use waiaas_core::{Amount, ErrorCode, Network, SolanaAddress};

const SOL: u64 = 1_000_000_000;

fn pk(a: &SolanaAddress) -> Pubkey {
    Pubkey::new_from_array(*a.as_bytes())
}

fn param_address(params: &Value) -> Pubkey {
    Pubkey::from_str(params[0].as_str().unwrap()).unwrap()
}

/// The adapter: JSON-RPC methods answered from a shared litesvm.
fn adapter(svm: Arc<Mutex<LiteSVM>>) -> JsonRpcServer {
    JsonRpcServer::start(move |method, params| {
        let mut svm = svm.lock().unwrap();
        let context = json!({ "slot": 1 });
        match method {
            "getLatestBlockhash" => Ok(json!({
                "context": context,
                "value": { "blockhash": svm.latest_blockhash().to_string(), "lastValidBlockHeight": 150 }
            })),
            "getBalance" => Ok(json!({
                "context": context,
                "value": svm.get_balance(&param_address(params)).unwrap_or(0)
            })),
            "getTokenAccountBalance" => {
                let Some(account) = svm.get_account(&param_address(params)) else {
                    return Err(
                        json!({"code": -32602, "message": "Invalid param: could not find account"}),
                    );
                };
                let mint = Pubkey::new_from_array(account.data[0..32].try_into().unwrap());
                let decimals = svm.get_account(&mint).unwrap().data[44];
                let amount = u64::from_le_bytes(account.data[64..72].try_into().unwrap());
                Ok(json!({
                    "context": context,
                    "value": { "amount": amount.to_string(), "decimals": decimals, "uiAmountString": "" }
                }))
            }
            "getAccountInfo" => {
                assert_eq!(params[1]["encoding"], "base64");
                let value = svm.get_account(&param_address(params)).map(|a| {
                    json!({
                        "lamports": a.lamports,
                        "owner": a.owner.to_string(),
                        "data": [base64::engine::general_purpose::STANDARD.encode(&a.data), "base64"],
                        "executable": a.executable,
                        "rentEpoch": 0
                    })
                });
                Ok(json!({ "context": context, "value": value }))
            }
            "sendTransaction" => {
                assert_eq!(params[1]["encoding"], "base64");
                let bytes = base64::engine::general_purpose::STANDARD
                    .decode(params[0].as_str().unwrap())
                    .unwrap();
                let tx: VersionedTransaction = wincode::deserialize(&bytes).unwrap();
                let signature = tx.signatures[0].to_string();
                match svm.send_transaction(tx) {
                    Ok(_) => Ok(json!(signature)),
                    Err(failed) => Err(json!({
                        "code": -32002,
                        "message": format!("Transaction simulation failed: {:?}", failed.err),
                        "data": { "err": format!("{:?}", failed.err), "logs": failed.meta.logs }
                    })),
                }
            }
            "getSignatureStatuses" => {
                let signature = Signature::from_str(params[0][0].as_str().unwrap()).unwrap();
                let status = svm.get_transaction(&signature).map(|result| {
                    json!({
                        "slot": 1,
                        "confirmations": null,
                        "err": result.as_ref().err().map(|f| format!("{:?}", f.err)),
                        "confirmationStatus": "confirmed"
                    })
                });
                Ok(json!({ "context": context, "value": [status] }))
            }
            other => Err(json!({"code": -32601, "message": format!("Method not found: {other}")})),
        }
    })
}

fn client(url: &str) -> JsonRpcClient {
    JsonRpcClient::new(
        url,
        RpcOptions {
            timeout: Duration::from_secs(5),
            max_retries: 2,
            backoff: Duration::from_millis(20),
        },
    )
    .unwrap()
}

#[test]
fn solana_client_fetches_blockhash_broadcasts_and_reads_status_and_balances() {
    let tv = fixtures::vault();
    let wallet = tv
        .vault
        .create_wallet("rpc", Network::SolanaDevnet)
        .unwrap();
    let me = SolanaAddress::parse(&wallet.address).unwrap();
    let svm = Arc::new(Mutex::new(LiteSVM::new()));
    svm.lock().unwrap().airdrop(&pk(&me), 5 * SOL).unwrap();
    // A Token-2022 mint and the wallet's funded token account.
    let mint = SolanaAddress::from_bytes([2; 32]);
    let program = TokenProgram::Token2022;
    {
        let mut svm = svm.lock().unwrap();
        let mut mint_data = vec![0u8; 82];
        mint_data[44] = 3;
        mint_data[45] = 1;
        svm.set_account(
            pk(&mint),
            Account {
                lamports: SOL,
                data: mint_data,
                owner: pk(&program.id()),
                executable: false,
                rent_epoch: 0,
            },
        )
        .unwrap();
        let mut token = vec![0u8; 165];
        token[0..32].copy_from_slice(mint.as_bytes());
        token[32..64].copy_from_slice(me.as_bytes());
        token[64..72].copy_from_slice(&9_000u64.to_le_bytes());
        token[108] = 1;
        svm.set_account(
            pk(&associated_token_address(&me, &mint, program)),
            Account {
                lamports: SOL,
                data: token,
                owner: pk(&program.id()),
                executable: false,
                rent_epoch: 0,
            },
        )
        .unwrap();
    }
    let server = adapter(svm.clone());
    let client = client(&server.url);
    let signer = VaultSigner::new(&tv.vault, &wallet);

    assert_eq!(client.balance(&me).unwrap(), 5 * SOL);
    // Decimals read from the mint account (what the facade trusts when the operator
    // names none); an account that is not a mint is refused.
    assert_eq!(client.mint_decimals(&mint).unwrap(), 3);
    assert_eq!(client.mint_decimals(&me).unwrap_err().code(), "CHAIN_ERROR");
    // A token account whose owner key has a 1 where a mint keeps `is_initialized`
    // (byte 45) is still not a mint.
    let tricky_owner = SolanaAddress::from_bytes([1; 32]);
    let tricky = SolanaAddress::from_bytes([6; 32]);
    {
        let mut token = vec![0u8; 165];
        token[0..32].copy_from_slice(mint.as_bytes());
        token[32..64].copy_from_slice(tricky_owner.as_bytes());
        token[108] = 1;
        svm.lock()
            .unwrap()
            .set_account(
                pk(&tricky),
                Account {
                    lamports: SOL,
                    data: token,
                    owner: pk(&program.id()),
                    executable: false,
                    rent_epoch: 0,
                },
            )
            .unwrap();
    }
    assert_eq!(
        client.mint_decimals(&tricky).unwrap_err().code(),
        "CHAIN_ERROR"
    );
    assert_eq!(
        client
            .mint_decimals(&associated_token_address(&me, &mint, program))
            .unwrap_err()
            .code(),
        "CHAIN_ERROR"
    );
    let blockhash = client.latest_blockhash().unwrap();
    assert_eq!(blockhash, svm.lock().unwrap().latest_blockhash().to_bytes());

    let to = SolanaAddress::from_bytes([9; 32]);
    let req = SolanaTxRequest {
        actions: vec![
            SolanaAction::Transfer { to, lamports: SOL },
            SolanaAction::TokenTransfer {
                mint,
                to_owner: to,
                amount: 1_500,
                decimals: 3,
                program,
                create_recipient_account: true,
                from_owner: None,
            },
        ],
        lifetime: Lifetime::RecentBlockhash(blockhash),
        compute_budget: ComputeBudget::default(),
    };
    let tx = solana::sign_transaction(&signer, &req).unwrap();
    let signature = client.send_transaction(&tx.to_base64()).unwrap();
    assert_eq!(signature, tx.signature());

    let status = client
        .signature_status(&signature)
        .unwrap()
        .expect("known signature");
    assert_eq!(status.confirmation, "confirmed");
    assert_eq!(status.error, None);
    assert_eq!(client.balance(&to).unwrap(), SOL);
    let dest = client
        .token_account_balance(&associated_token_address(&to, &mint, program))
        .unwrap();
    assert_eq!((dest.amount, dest.decimals), (Amount::from_u64(1_500), 3));
    let src = client
        .token_account_balance(&associated_token_address(&me, &mint, program))
        .unwrap();
    assert_eq!(src.amount, Amount::from_u64(7_500));

    // Unknown signature → None.
    let unknown = Signature::from([7u8; 64]).to_string();
    assert_eq!(client.signature_status(&unknown).unwrap(), None);
    // Unknown token account → CHAIN_ERROR (the node's error, typed).
    let err = client
        .token_account_balance(&SolanaAddress::from_bytes([5; 32]))
        .unwrap_err();
    assert_eq!(err.code(), "CHAIN_ERROR");

    // Spending more than the wallet holds → INSUFFICIENT_BALANCE from the runtime's logs.
    let req = SolanaTxRequest {
        actions: vec![SolanaAction::Transfer {
            to,
            lamports: 100 * SOL,
        }],
        lifetime: Lifetime::recent_from(&client).unwrap(),
        compute_budget: ComputeBudget::default(),
    };
    let tx = solana::sign_transaction(&signer, &req).unwrap();
    let err = client.send_transaction(&tx.to_base64()).unwrap_err();
    assert_eq!(err.code(), "INSUFFICIENT_BALANCE", "{err}");
}

#[test]
fn transient_failures_are_retried_a_bounded_number_of_times() {
    let calls = Arc::new(Mutex::new(0u32));
    let seen = calls.clone();
    // Fails twice with HTTP 503, then answers.
    let server = JsonRpcServer::start(move |_, _| {
        let mut n = seen.lock().unwrap();
        *n += 1;
        if *n <= 2 {
            Err(Value::Null)
        } else {
            Ok(json!({"context": {}, "value": 42}))
        }
    });
    let client = client(&server.url);
    assert_eq!(
        client.balance(&SolanaAddress::from_bytes([1; 32])).unwrap(),
        42
    );
    assert_eq!(*calls.lock().unwrap(), 3);

    // Always failing: 1 try + 2 retries, then a transient CHAIN_ERROR.
    let calls = Arc::new(Mutex::new(0u32));
    let seen = calls.clone();
    let server = JsonRpcServer::start(move |_, _| {
        *seen.lock().unwrap() += 1;
        Err(Value::Null)
    });
    let err = client_for(&server.url)
        .balance(&SolanaAddress::from_bytes([1; 32]))
        .unwrap_err();
    assert_eq!(err.code(), "CHAIN_ERROR");
    assert!(matches!(
        err,
        waiaas_chains::ChainError::Rpc {
            transient: true,
            ..
        }
    ));
    assert_eq!(*calls.lock().unwrap(), 3);

    // A node error that will not pass is not retried.
    let calls = Arc::new(Mutex::new(0u32));
    let seen = calls.clone();
    let server = JsonRpcServer::start(move |_, _| {
        *seen.lock().unwrap() += 1;
        Err(json!({"code": -32602, "message": "Invalid params"}))
    });
    let err = client_for(&server.url)
        .balance(&SolanaAddress::from_bytes([1; 32]))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "chain error: `getBalance` failed: Invalid params"
    );
    assert_eq!(*calls.lock().unwrap(), 1);
}

fn client_for(url: &str) -> JsonRpcClient {
    client(url)
}

#[test]
fn a_silent_node_times_out() {
    // Accepts connections (the kernel backlog does) but never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let client = JsonRpcClient::new(
        &url,
        RpcOptions {
            timeout: Duration::from_millis(300),
            max_retries: 1,
            backoff: Duration::from_millis(10),
        },
    )
    .unwrap();
    let start = Instant::now();
    let err = client.latest_blockhash().unwrap_err();
    let elapsed = start.elapsed();
    assert_eq!(err.code(), "CHAIN_ERROR");
    assert!(matches!(
        err,
        waiaas_chains::ChainError::Rpc {
            transient: true,
            ..
        }
    ));
    assert!(
        elapsed >= Duration::from_millis(600),
        "two attempts of 300 ms, took {elapsed:?}"
    );
    assert!(
        elapsed < Duration::from_secs(5),
        "bounded, took {elapsed:?}"
    );
    drop(listener);
    // Not an http(s) URL.
    assert_eq!(
        JsonRpcClient::new("ftp://x", RpcOptions::default())
            .unwrap_err()
            .code(),
        "VALIDATION_FAILED"
    );
}
