//! `waiaas tx approve|reject`: the owner's key file signs the exact approval text of a
//! PENDING_APPROVAL transaction made by an agent (through the library, in this test
//! process, on the same vault the CLI processes open); a wrong key and a replay fail.

#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

mod common;

use common::{Home, assert_fails_with};
use waiaas::owner::OwnerSigner;
use waiaas::{Config, Host, SendRequest, Waiaas};

const TO: &str = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";
const BLOCKHASH: &str = "GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi";

#[test]
fn owner_approves_and_rejects_with_a_key_file() {
    let home = Home::new();
    home.json(&["init", "--auto-provision"]);
    home.json(&[
        "wallet",
        "create",
        "--name",
        "bot",
        "--chain",
        "solana",
        "--environment",
        "testnet",
    ]);
    // 1 SOL is above delay_max: APPROVAL tier.
    let rules = r#"{"instant_max": "1000", "notify_max": "2000", "delay_max": "3000"}"#;
    home.json(&[
        "policy",
        "add",
        "--type",
        "SPENDING_LIMIT",
        "--rules",
        rules,
    ]);

    let seed = [7u8; 32];
    let owner = OwnerSigner::solana_from_bytes(&seed).unwrap();
    let set = home.json(&["wallet", "set-owner", "--address", &owner.address()]);
    assert_eq!(set["address"], owner.address().as_str(), "{set}");
    let token = home.json(&["session", "create"])["token"]
        .as_str()
        .unwrap()
        .to_owned();

    // The key in both file formats: base58 seed, and solana-keygen's JSON keypair.
    let b58 = home.path().join("owner.b58");
    std::fs::write(&b58, bs58::encode(seed).into_string()).unwrap();
    let public = bs58::decode(owner.address()).into_vec().unwrap();
    let keypair: Vec<u8> = seed.iter().chain(public.iter()).copied().collect();
    let json_key = home.path().join("owner.json");
    std::fs::write(&json_key, serde_json::to_string(&keypair).unwrap()).unwrap();
    let stranger = home.path().join("stranger.b58");
    std::fs::write(&stranger, bs58::encode([9u8; 32]).into_string()).unwrap();

    let agent = Waiaas::open(home.data(), None, &Config::default(), Host::default())
        .unwrap()
        .agent(&token)
        .unwrap();
    let pending = || {
        let mut send = SendRequest::transfer(TO, "1");
        send.chain.recent_blockhash = Some(BLOCKHASH.into());
        let tx = agent.send(&send).unwrap();
        assert_eq!(tx.status.as_str(), "PENDING_APPROVAL");
        tx.id.to_string()
    };

    let first = pending();
    let wrong = home.run(&[
        "tx",
        "approve",
        &first,
        "--key-file",
        stranger.to_str().unwrap(),
    ]);
    assert_fails_with(&wrong, "INVALID_SIGNATURE");
    assert_eq!(
        agent
            .transaction(first.parse().unwrap())
            .unwrap()
            .status
            .as_str(),
        "PENDING_APPROVAL"
    );

    let approved = home.json(&["tx", "approve", &first, "--key-file", b58.to_str().unwrap()]);
    assert_eq!(approved["status"], "SIGNED", "{approved}");
    let replay = home.run(&["tx", "approve", &first, "--key-file", b58.to_str().unwrap()]);
    // A decided transaction offers no approval text any more.
    assert_fails_with(&replay, "CLI_NOT_PENDING_APPROVAL");

    let second = pending();
    let rejected = home.json(&[
        "tx",
        "reject",
        &second,
        "--key-file",
        json_key.to_str().unwrap(),
    ]);
    assert_eq!(rejected["status"], "REJECTED", "{rejected}");

    let listed = home.json(&["tx", "list"]);
    let status_of = |id: &str| {
        listed
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == id)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status_of(&first), "SIGNED");
    assert_eq!(status_of(&second), "REJECTED");
    assert_fails_with(
        &home.run(&[
            "tx",
            "approve",
            "not-an-id",
            "--key-file",
            b58.to_str().unwrap(),
        ]),
        "VALIDATION_FAILED",
    );
}
