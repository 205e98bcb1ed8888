//! `waiaas::api`: the JSON every binding and server sends and receives. Pins each DTO's
//! wire form, proves unknown and mis-cased fields are refused, and drives the real
//! handles with DTOs parsed from JSON.
#![allow(clippy::unwrap_used, clippy::indexing_slicing, reason = "test code")]

mod common;

use serde_json::{Value, json};
use waiaas::api::{
    AuditFilter, CreateSession, CreateWallet, ListPolicies, ListTransactions, NewPolicy,
    OwnerSignature, PolicyUpdate, Quickset, SendTransaction, SessionWithToken, SetOwner,
    SignMessage, SignTransaction, SignTypedData,
};
use waiaas::{Network, Tier, TxStatus};

fn parse<T: serde::de::DeserializeOwned>(v: Value) -> Result<T, String> {
    serde_json::from_value(v).map_err(|e| e.to_string())
}

/// Parses `v` and writes it back: the wire form is exactly `v`.
fn round_trip<T: serde::de::DeserializeOwned + serde::Serialize>(v: Value) {
    let parsed: T = parse(v.clone()).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), v);
}

#[test]
fn request_dtos_have_one_pinned_wire_form() {
    let wallet = "01a22c3b-458b-75fe-98a3-737e88ef88f6";
    round_trip::<CreateWallet>(json!({"name": "bot", "chain": "solana", "environment": "mainnet"}));
    round_trip::<CreateWallet>(json!({"name": "bot", "network": "base-sepolia"}));
    round_trip::<SetOwner>(json!({"ownerAddress": "2iXtA8oeZqUU5pofxK971TCEvFGfems2AcDRaZHKD2pQ"}));
    round_trip::<CreateSession>(json!({
        "walletId": wallet, "ttl": 3600, "maxRenewals": 24, "absoluteLifetime": 86400,
        "permissions": ["TRANSACTION", "BALANCE_READ"]
    }));
    round_trip::<NewPolicy>(json!({
        "walletId": wallet, "network": null, "type": "SPENDING_LIMIT",
        "rules": {"instant_max_usd": 10, "daily_limit_usd": 5000}, "priority": 0, "enabled": true
    }));
    round_trip::<PolicyUpdate>(json!({"rules": null, "priority": 3, "enabled": false}));
    round_trip::<Quickset>(json!({"walletId": wallet, "mode": "testnet"}));
    round_trip::<SendTransaction>(
        json!({"type": "TRANSFER", "to": "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM", "humanAmount": "0.1"}),
    );
    round_trip::<SendTransaction>(json!({
        "type": "TOKEN_TRANSFER", "walletId": wallet, "to": "0x8ba1f109551bD432803012645Ac136ddd64DBA72",
        "amount": "2500000", "token": {"address": "0x1c7D4B196Cb0C7B01d743Fbc6116a902379C7238", "decimals": 6},
        "idempotencyKey": "order-17", "chain": {"nonce": 4, "gasLimit": 90000}
    }));
    round_trip::<SendTransaction>(
        json!({"type": "CONTRACT_CALL", "contract": "0x8ba1f109551bD432803012645Ac136ddd64DBA72", "data": "0x", "humanValue": "0.01", "action": {"venue": "aave"}}),
    );
    round_trip::<SignMessage>(json!({"message": "hello", "encoding": "utf8"}));
    round_trip::<SignTypedData>(json!({"walletId": wallet, "typedData": {"primaryType": "Mail"}}));
    round_trip::<SignTransaction>(json!({"transaction": "AQID"}));
    round_trip::<OwnerSignature>(json!({"message": "waiaas:approve …", "signature": "0xabcd"}));
}

/// The list queries: their JSON, the store filter each maps to, and the refusals.
#[test]
fn list_queries_map_to_the_store_filters() {
    use waiaas::{PolicyFilter, TxFilter, WalletId};
    let wallet = "01a22c3b-458b-75fe-98a3-737e88ef88f6";
    let id = WalletId::parse(wallet).unwrap();
    round_trip::<ListPolicies>(json!({"walletId": wallet, "scope": "APPLICABLE_TO"}));
    round_trip::<ListTransactions>(
        json!({"walletId": wallet, "statuses": ["QUEUED", "PENDING_APPROVAL"], "limit": 5}),
    );
    let policies = |v: Value| parse::<ListPolicies>(v).unwrap().filter();
    assert_eq!(policies(json!({})).unwrap(), PolicyFilter::All);
    assert_eq!(
        policies(json!({"scope": "ALL"})).unwrap(),
        PolicyFilter::All
    );
    assert_eq!(
        policies(json!({"scope": "GLOBAL"})).unwrap(),
        PolicyFilter::Global
    );
    assert_eq!(
        policies(json!({"walletId": wallet})).unwrap(),
        PolicyFilter::Wallet(id)
    );
    assert_eq!(
        policies(json!({"walletId": wallet, "scope": "APPLICABLE_TO"})).unwrap(),
        PolicyFilter::ApplicableTo(id)
    );
    assert_eq!(
        policies(json!({"scope": "WALLET"}))
            .unwrap_err()
            .to_string(),
        "invalid `walletId`: is required with this `scope`"
    );
    assert_eq!(
        policies(json!({"walletId": wallet, "scope": "GLOBAL"}))
            .unwrap_err()
            .to_string(),
        "invalid `walletId`: does not apply to this `scope`; drop it"
    );
    assert_eq!(
        parse::<ListTransactions>(json!({})).unwrap().filter(),
        TxFilter::default()
    );
    assert_eq!(
        parse::<ListTransactions>(json!({"walletId": wallet, "statuses": ["SIGNED"], "limit": 2}))
            .unwrap()
            .filter(),
        TxFilter {
            wallet_id: Some(id),
            statuses: vec![TxStatus::Signed],
            limit: 2
        }
    );
    for bad in [
        json!({"statuses": ["DONE"]}),
        json!({"wallet_id": wallet}),
        json!({"limit": -1}),
    ] {
        assert!(parse::<ListTransactions>(bad.clone()).is_err(), "{bad}");
    }
    assert!(parse::<ListPolicies>(json!({"scope": "wallet"})).is_err());
    // The audit filter refuses a misspelt field instead of reading the whole log.
    assert!(parse::<AuditFilter>(json!({"wallet": wallet})).is_err());
    assert!(parse::<AuditFilter>(json!({"walletId": wallet, "limit": 3})).is_ok());
}

#[test]
fn inputs_refuse_unknown_fields_and_the_other_casing() {
    for (what, v) in [
        ("snake_case", parse::<CreateSession>(json!({"wallet_id": "x"})).unwrap_err()),
        ("snake_case", parse::<SendTransaction>(json!({"type": "TRANSFER", "human_amount": "1"})).unwrap_err()),
        ("unknown", parse::<SendTransaction>(json!({"type": "TRANSFER", "to": "a", "humanAmount": "1", "memo": "x"})).unwrap_err()),
        ("unknown", parse::<CreateWallet>(json!({"name": "a", "chain": "solana", "env": "mainnet"})).unwrap_err()),
        ("snake_case", parse::<SetOwner>(json!({"owner_address": "x"})).unwrap_err()),
        ("camelCase type", parse::<SendTransaction>(json!({"type": "tokenTransfer"})).unwrap_err()),
        ("unknown", parse::<waiaas::Settings>(json!({"approvalTimeout": 5})).unwrap_err()),
        ("unknown", parse::<waiaas::Config>(json!({"kdf": {"memoryKib": 65536, "iterations": 3, "parallelism": 4, "saltLen": 16}})).unwrap_err()),
    ] {
        assert!(v.contains("unknown field") || v.contains("unknown variant"), "{what}: {v}");
    }
}

#[test]
fn send_transaction_takes_base_units_or_a_decimal_and_says_which_field_is_wrong() {
    let to = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM";
    let err = |v: Value| {
        let e = parse::<SendTransaction>(v)
            .unwrap()
            .to_request()
            .unwrap_err();
        (waiaas_core::ErrorCode::code(&e), e.to_string())
    };
    // The article's `"amount": "0.1"`: a decimal where base units go names `humanAmount`.
    let (code, msg) = err(json!({"type": "TRANSFER", "to": to, "amount": "0.1"}));
    assert_eq!(code, "VALIDATION_FAILED");
    assert!(
        msg.contains("humanAmount") && msg.contains("`0.1`"),
        "{msg}"
    );
    let (_, msg) = err(json!({"type": "TRANSFER", "to": to, "amount": "1", "humanAmount": "1"}));
    assert!(msg.contains("not both"), "{msg}");
    let (_, msg) = err(json!({"type": "TRANSFER", "to": to}));
    assert!(msg.contains("`amount`") || msg.contains("amount"), "{msg}");
    // A field of another kind is refused, never ignored.
    let (_, msg) = err(json!({"type": "TRANSFER", "to": to, "humanAmount": "1", "spender": to}));
    assert!(msg.starts_with("invalid `spender`"), "{msg}");
    let (_, msg) =
        err(json!({"type": "APPROVE", "to": to, "humanAmount": "1", "token": {"address": to}}));
    assert!(msg.starts_with("invalid `to`"), "{msg}");
    let (_, msg) = err(json!({"type": "TOKEN_TRANSFER", "to": to, "humanAmount": "1"}));
    assert!(msg.starts_with("invalid `token`"), "{msg}");
    let (_, msg) = err(json!({"type": "CONTRACT_CALL", "data": "0x"}));
    assert!(msg.starts_with("invalid `contract`"), "{msg}");
}

#[test]
fn create_wallet_picks_the_network_from_chain_and_environment() {
    let net = |v: Value| {
        parse::<CreateWallet>(v)
            .unwrap()
            .network()
            .map_err(|e| e.to_string())
    };
    assert_eq!(
        net(json!({"name": "a", "chain": "solana", "environment": "mainnet"})),
        Ok(Network::SolanaMainnet)
    );
    assert_eq!(
        net(json!({"name": "a", "chain": "solana", "environment": "testnet"})),
        Ok(Network::SolanaDevnet)
    );
    assert_eq!(
        net(json!({"name": "a", "chain": "ethereum", "environment": "mainnet"})),
        Ok(Network::EthereumMainnet)
    );
    assert_eq!(
        net(json!({"name": "a", "chain": "ethereum"})),
        Ok(Network::EthereumSepolia)
    );
    assert_eq!(
        net(json!({"name": "a", "network": "base-sepolia"})),
        Ok(Network::BaseSepolia)
    );
    assert!(net(json!({"name": "a"})).unwrap_err().contains("`chain`"));
    assert!(
        net(json!({"name": "a", "chain": "solana", "network": "base-sepolia"}))
            .unwrap_err()
            .contains("chain")
    );
    assert!(
        net(json!({"name": "a", "environment": "mainnet", "network": "base-sepolia"}))
            .unwrap_err()
            .contains("environment")
    );
}

#[test]
fn create_session_takes_the_articles_single_wallet_id() {
    let req = parse::<CreateSession>(
        json!({"walletId": "01a22c3b-458b-75fe-98a3-737e88ef88f6", "maxRenewals": 24}),
    )
    .unwrap()
    .to_request()
    .unwrap();
    assert_eq!(req.wallet_ids.len(), 1);
    assert_eq!(req.ttl, Some(3600), "the default TTL");
    assert_eq!(req.max_renewals, 24);
    let both = parse::<CreateSession>(
        json!({"walletId": "01a22c3b-458b-75fe-98a3-737e88ef88f6", "walletIds": []}),
    )
    .unwrap();
    assert!(
        both.to_request()
            .unwrap_err()
            .to_string()
            .contains("exactly one")
    );
    assert!(
        parse::<CreateSession>(json!({}))
            .unwrap()
            .to_request()
            .is_err()
    );
}

/// The article's flow driven only by DTOs parsed from JSON, through the real handles:
/// a base-unit amount and the same amount as a decimal sign the same transfer.
#[test]
fn dtos_drive_the_handles_end_to_end() {
    let w = common::world();
    let create: CreateWallet =
        parse(json!({"name": "bot", "chain": "solana", "environment": "testnet"})).unwrap();
    let wallet = w
        .admin
        .create_wallet(&create.name, create.network().unwrap())
        .unwrap();
    let policy: NewPolicy = parse(json!({
        "walletId": wallet.id, "type": "SPENDING_LIMIT",
        "rules": {"instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000, "delay_seconds": 900}
    }))
    .unwrap();
    w.admin.create_policy(policy).unwrap();
    let session: CreateSession =
        parse(json!({"walletId": wallet.id, "ttl": 3600, "maxRenewals": 24})).unwrap();
    let issued = w
        .admin
        .create_session(&session.to_request().unwrap())
        .unwrap();
    let grant = SessionWithToken::from(&issued);
    assert!(grant.token.starts_with("wai_sess_"));
    assert!(
        !format!("{grant:?}").contains(&grant.token),
        "Debug shows no token"
    );
    let pinned = serde_json::to_value(&grant).unwrap();
    assert_eq!(pinned["session"]["walletIds"], json!([wallet.id]));
    assert_eq!(pinned["session"]["status"], json!("ACTIVE"));

    let agent = w.admin.agent(&grant.token).unwrap();
    let send = |amount: Value| {
        let mut body = json!({"type": "TRANSFER", "to": "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM",
            "chain": {"recentBlockhash": common::BLOCKHASH}});
        body.as_object_mut()
            .unwrap()
            .extend(amount.as_object().unwrap().clone());
        agent
            .send(
                &parse::<SendTransaction>(body)
                    .unwrap()
                    .to_request()
                    .unwrap(),
            )
            .unwrap()
    };
    // 0.05 SOL at $100 = $5: INSTANT, either way it is written.
    let by_units = send(json!({"amount": "50000000"}));
    let by_decimal = send(json!({"humanAmount": "0.05"}));
    for tx in [&by_units, &by_decimal] {
        assert_eq!(tx.tier, Some(Tier::Instant));
        assert_eq!(tx.status, TxStatus::Signed);
    }
    let tx_json = serde_json::to_value(&by_units).unwrap();
    for key in [
        "id",
        "walletId",
        "sessionId",
        "network",
        "kind",
        "status",
        "tier",
        "createdAt",
    ] {
        assert!(
            tx_json.get(key).is_some(),
            "Transaction JSON has `{key}`: {tx_json}"
        );
    }
    assert_eq!(tx_json["status"], json!("SIGNED"));
    assert_eq!(tx_json["network"], json!("solana-devnet"));
    assert_eq!(
        serde_json::to_value(&by_units).unwrap()["request"]["operation"],
        serde_json::to_value(&by_decimal).unwrap()["request"]["operation"],
        "the same transfer"
    );

    // A denial as data: code, message, every reason.
    let denied = agent
        .send(&parse::<SendTransaction>(json!({"type": "TOKEN_TRANSFER", "to": "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM",
            "token": {"address": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "decimals": 6},
            "humanAmount": "1", "chain": {"recentBlockhash": common::BLOCKHASH}})).unwrap().to_request().unwrap())
        .map(|_| ())
        .unwrap_err();
    assert_eq!(denied.class(), waiaas::api::ErrorClass::Forbidden);
    let info = serde_json::to_value(denied.to_info()).unwrap();
    assert_eq!(info["code"], json!("POLICY_DENIED"));
    assert_eq!(
        info["reasons"][0]["code"],
        json!("TOKEN_NOT_ALLOWED"),
        "{info}"
    );
    assert_eq!(info["retryAfterSecs"], Value::Null);
}

/// `docs/schema/<Name>.json` is what `api::request_schemas` generates (run with
/// `WAIAAS_BLESS=1` to rewrite them after changing a DTO), and nothing else is there.
#[test]
fn committed_json_schemas_are_current() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/schema");
    let bless = std::env::var_os("WAIAAS_BLESS").is_some();
    let schemas = waiaas::api::request_schemas();
    let mut names = std::collections::BTreeSet::new();
    for (name, schema) in &schemas {
        let text = format!("{}\n", serde_json::to_string_pretty(schema).unwrap());
        let path = dir.join(format!("{name}.json"));
        names.insert(format!("{name}.json"));
        if bless {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert_eq!(
            committed,
            text,
            "{} is stale: run the test with WAIAAS_BLESS=1",
            path.display()
        );
        // A schema refuses what the DTO refuses.
        assert_eq!(schema["additionalProperties"], json!(false), "{name}");
    }
    let on_disk: std::collections::BTreeSet<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .collect();
    assert_eq!(
        on_disk, names,
        "docs/schema holds exactly the request schemas"
    );
    // The send schema lists the kinds and both amount spellings.
    let send = &schemas
        .iter()
        .find(|(n, _)| *n == "SendTransaction")
        .unwrap()
        .1;
    let text = send.to_string();
    for needle in [
        "TOKEN_TRANSFER",
        "humanAmount",
        "idempotencyKey",
        "recentBlockhash",
    ] {
        assert!(text.contains(needle), "{needle} in {text}");
    }
}

/// `create` reads the password from the sources `open` reads when none is passed, and
/// refuses to invent one.
#[test]
fn create_honours_the_password_sources_open_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("vault");
    let none = waiaas::Waiaas::create(
        &path,
        None,
        &waiaas::Config::for_tests(),
        waiaas::Host::default(),
    );
    assert_eq!(
        none.map(|_| ()).unwrap_err().code(),
        "MASTER_PASSWORD_REQUIRED"
    );

    std::fs::create_dir_all(&path).unwrap();
    let file = path.join("recovery.key");
    std::fs::write(&file, "a password from the key file\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    let admin = waiaas::Waiaas::create(
        &path,
        None,
        &waiaas::Config::for_tests(),
        waiaas::Host::default(),
    )
    .unwrap();
    drop(admin);
    let wrong = waiaas::Waiaas::open(
        &path,
        Some(waiaas::SecretString::from("another".to_owned())),
        &waiaas::Config::for_tests(),
        waiaas::Host::default(),
    );
    assert_eq!(
        wrong.map(|_| ()).unwrap_err().code(),
        "INVALID_MASTER_PASSWORD"
    );
    let right = waiaas::Waiaas::open(
        &path,
        Some(waiaas::SecretString::from(
            "a password from the key file".to_owned(),
        )),
        &waiaas::Config::for_tests(),
        waiaas::Host::default(),
    );
    assert!(
        right.is_ok(),
        "the vault was created with the key file's password"
    );
}
