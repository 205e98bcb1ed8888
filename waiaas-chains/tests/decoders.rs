//! Sign-only decoders: what the builders produce decodes back to the intended effects;
//! truncated, oversized and random bytes yield typed errors, never a panic.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test helpers outside #[test] functions"
)]

use base64::Engine as _;
use proptest::prelude::*;
use solana_hash::Hash;
use solana_pubkey::Pubkey;
use waiaas_chains::evm::{self, EvmTxRequest};
use waiaas_chains::solana::{
    self, AccountSpec, ComputeBudget, Lifetime, SolanaAction, SolanaTxRequest, TokenProgram,
    associated_token_address,
};
use waiaas_chains::{ChainError, Intent};
use waiaas_core::{Amount, ErrorCode, EvmAddress, Network, SolanaAddress};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn sol(seed: u8) -> SolanaAddress {
    SolanaAddress::from_bytes([seed; 32])
}

/// Unsigned wire bytes: one zeroed signature slot, then the message.
fn unsigned_wire(message_bytes: &[u8]) -> Vec<u8> {
    let mut out = vec![1u8];
    out.extend_from_slice(&[0u8; 64]);
    out.extend_from_slice(message_bytes);
    out
}

fn legacy_b64(payer: &SolanaAddress, actions: Vec<SolanaAction>, budget: ComputeBudget) -> String {
    let req = SolanaTxRequest {
        actions,
        lifetime: Lifetime::RecentBlockhash([9u8; 32]),
        compute_budget: budget,
    };
    let message = solana::build_message(payer, &req).unwrap();
    B64.encode(unsigned_wire(&message.serialize()))
}

fn code(e: ChainError) -> &'static str {
    e.code()
}

#[test]
fn solana_builder_output_round_trips_to_intents() {
    let payer = sol(1);
    let mint = sol(2);
    let recipient = sol(3);
    let spender = sol(4);
    for program in [TokenProgram::Token, TokenProgram::Token2022] {
        let actions = vec![
            SolanaAction::Transfer {
                to: recipient,
                lamports: 42,
            },
            SolanaAction::TokenTransfer {
                mint,
                to_owner: recipient,
                amount: 1_000,
                decimals: 6,
                program,
                create_recipient_account: true,
                from_owner: None,
            },
            SolanaAction::Approve {
                mint,
                delegate: spender,
                amount: u64::MAX,
                decimals: Some(6),
                program,
            },
            SolanaAction::Approve {
                mint,
                delegate: spender,
                amount: 5,
                decimals: None,
                program,
            },
            SolanaAction::Instruction {
                program_id: sol(5),
                accounts: vec![AccountSpec {
                    address: payer,
                    is_signer: true,
                    is_writable: true,
                }],
                data: (1..=10).collect(),
            },
        ];
        let decoded =
            solana::decode_transaction(&legacy_b64(&payer, actions, ComputeBudget::default()))
                .unwrap();
        let dest = associated_token_address(&recipient, &mint, program).to_string();
        assert_eq!(
            decoded.fee_payer.as_deref(),
            Some(payer.to_string().as_str())
        );
        assert_eq!(
            decoded.intents,
            vec![
                Intent::Transfer {
                    to: recipient.to_string(),
                    amount: Amount::from_u64(42)
                },
                // Creating the recipient's token account moves its rent to the recipient
                // (a bound for Token-2022, whose accounts the mint's extensions size).
                Intent::Transfer {
                    to: recipient.to_string(),
                    amount: Amount::from_u64(if program == TokenProgram::Token {
                        2_039_280
                    } else {
                        4_454_400
                    })
                },
                Intent::TokenTransfer {
                    token: Some(mint.to_string()),
                    to: dest,
                    amount: Amount::from_u64(1_000),
                    decimals: Some(6),
                    program: Some(program.id().to_string()),
                },
                Intent::Approve {
                    token: Some(mint.to_string()),
                    spender: spender.to_string(),
                    amount: Amount::from_u64(u64::MAX),
                    decimals: Some(6),
                    unlimited: true,
                },
                Intent::Approve {
                    token: None,
                    spender: spender.to_string(),
                    amount: Amount::from_u64(5),
                    decimals: None,
                    unlimited: false,
                },
                Intent::ContractCall {
                    contract: sol(5).to_string(),
                    selector: Some("0x0102030405060708".into()),
                    value: Amount::ZERO,
                },
            ]
        );
        assert_eq!(decoded.max_fee, Amount::from_u64(5_000));
    }
}

#[test]
fn solana_system_instructions_that_move_lamports_are_transfers() {
    let payer = sol(1);
    let (new_account, nonce, to, base) = (sol(2), sol(3), sol(4), sol(5));
    let system = |data: Vec<u8>, accounts: Vec<(SolanaAddress, bool)>| SolanaAction::Instruction {
        program_id: SolanaAddress::parse(solana::SYSTEM_PROGRAM_ID).unwrap(),
        accounts: accounts
            .into_iter()
            .map(|(address, is_signer)| AccountSpec {
                address,
                is_signer,
                is_writable: true,
            })
            .collect(),
        data,
    };
    let le =
        |tag: u32, lamports: u64| [tag.to_le_bytes().as_slice(), &lamports.to_le_bytes()].concat();
    let actions = vec![
        // CreateAccount { lamports, space, owner }: [funder, new account]
        system(
            [le(0, 10).as_slice(), &8u64.to_le_bytes(), &[0u8; 32]].concat(),
            vec![(payer, true), (new_account, false)],
        ),
        // WithdrawNonceAccount(lamports): [nonce, recipient, blockhashes, rent, authority]
        system(
            le(5, 20),
            vec![
                (nonce, false),
                (to, false),
                (sol(6), false),
                (sol(7), false),
                (payer, true),
            ],
        ),
        // TransferWithSeed { lamports, from_seed, from_owner }: [from, base, to]
        system(
            [
                le(11, 30).as_slice(),
                &4u64.to_le_bytes(),
                b"seed",
                &[9u8; 32],
            ]
            .concat(),
            vec![(base, false), (payer, true), (to, false)],
        ),
        // Assign: hands the account to another program; never signed for an agent.
        system(
            [1u32.to_le_bytes().as_slice(), &[0u8; 32]].concat(),
            vec![(payer, true)],
        ),
    ];
    let decoded =
        solana::decode_transaction(&legacy_b64(&payer, actions, ComputeBudget::default())).unwrap();
    assert_eq!(
        decoded.intents,
        vec![
            Intent::Transfer {
                to: new_account.to_string(),
                amount: Amount::from_u64(10)
            },
            Intent::Transfer {
                to: to.to_string(),
                amount: Amount::from_u64(20)
            },
            Intent::Transfer {
                to: to.to_string(),
                amount: Amount::from_u64(30)
            },
            Intent::Refused {
                contract: solana::SYSTEM_PROGRAM_ID.into(),
                reason:
                    "gives the account to another program, which can then take its lamports (`Assign`, `AssignWithSeed`)"
                        .into(),
            },
        ]
    );
    assert_eq!(decoded.durable_nonce, None);
}

#[test]
fn solana_compute_budget_and_nonce_shape_fee_not_intents() {
    let payer = sol(1);
    let b64 = legacy_b64(
        &payer,
        vec![SolanaAction::Transfer {
            to: sol(2),
            lamports: 1,
        }],
        ComputeBudget {
            unit_limit: Some(300_000),
            unit_price_micro_lamports: Some(1_000_001),
        },
    );
    let decoded = solana::decode_transaction(&b64).unwrap();
    assert_eq!(decoded.intents.len(), 1);
    // ceil(1 000 001 × 300 000 / 10⁶) = 300 001 lamports priority + 5 000 base.
    assert_eq!(decoded.max_fee, Amount::from_u64(305_001));

    // Without a unit limit the bound assumes the 1.4 M CU ceiling.
    let b64 = legacy_b64(
        &payer,
        vec![SolanaAction::Transfer {
            to: sol(2),
            lamports: 1,
        }],
        ComputeBudget {
            unit_limit: None,
            unit_price_micro_lamports: Some(1_000_000),
        },
    );
    assert_eq!(
        solana::decode_transaction(&b64).unwrap().max_fee,
        Amount::from_u64(1_405_000)
    );

    let req = SolanaTxRequest {
        actions: vec![SolanaAction::Transfer {
            to: sol(2),
            lamports: 3,
        }],
        lifetime: Lifetime::DurableNonce {
            account: sol(7),
            authority: payer,
            nonce: [5u8; 32],
        },
        compute_budget: ComputeBudget::default(),
    };
    let message = solana::build_message(&payer, &req).unwrap();
    let decoded =
        solana::decode_transaction(&B64.encode(unsigned_wire(&message.serialize()))).unwrap();
    assert_eq!(
        decoded.intents,
        vec![Intent::Transfer {
            to: sol(2).to_string(),
            amount: Amount::from_u64(3)
        }]
    );
    // The nonce advance is the lifetime, reported with its account and authority.
    assert_eq!(
        decoded.durable_nonce,
        Some(waiaas_chains::intent::DurableNonce {
            nonce_account: sol(7).to_string(),
            authority: payer.to_string(),
        })
    );
}

#[test]
fn solana_v0_messages_decode_and_lookup_tables_are_refused() {
    let payer = sol(1);
    let instructions = solana::instructions(
        &payer,
        &SolanaTxRequest {
            actions: vec![SolanaAction::Transfer {
                to: sol(2),
                lamports: 77,
            }],
            lifetime: Lifetime::RecentBlockhash([9u8; 32]),
            compute_budget: ComputeBudget::default(),
        },
    )
    .unwrap();
    let v0 = solana_message::v0::Message::try_compile(
        &Pubkey::new_from_array(*payer.as_bytes()),
        &instructions,
        &[],
        Hash::new_from_array([9u8; 32]),
    )
    .unwrap();
    let bytes = v0.serialize();
    let wire = unsigned_wire(&bytes);
    let decoded = solana::decode::decode_transaction_bytes(&wire).unwrap();
    assert_eq!(
        decoded.intents,
        vec![Intent::Transfer {
            to: sol(2).to_string(),
            amount: Amount::from_u64(77)
        }]
    );
    let parsed = solana::decode::parse_message(&bytes).unwrap();
    assert_eq!(parsed.version, solana::decode::MessageVersion::V0);

    // Same message with one address lookup table appended.
    let mut with_lookup = wire.clone();
    *with_lookup.last_mut().unwrap() = 1;
    with_lookup.extend_from_slice(&[8u8; 32]);
    with_lookup.extend_from_slice(&[1, 0, 0]);
    let err = solana::decode::decode_transaction_bytes(&with_lookup).unwrap_err();
    assert_eq!(err.code(), "UNSUPPORTED_TRANSACTION");
    assert_eq!(
        err.to_string(),
        "unsupported transaction: address lookup tables are not supported; resolve them before signing"
    );

    // Version 1 messages are refused.
    let mut v1 = wire;
    v1[65] = 0x81;
    assert_eq!(
        code(solana::decode::decode_transaction_bytes(&v1).unwrap_err()),
        "UNSUPPORTED_TRANSACTION"
    );
}

#[test]
fn solana_malformed_input_gives_typed_errors() {
    let b64 = legacy_b64(
        &sol(1),
        vec![SolanaAction::Transfer {
            to: sol(2),
            lamports: 1,
        }],
        ComputeBudget::default(),
    );
    let bytes = B64.decode(&b64).unwrap();
    // Every strict prefix is truncated.
    for n in 0..bytes.len() {
        let err = solana::decode::decode_transaction_bytes(&bytes[..n]).unwrap_err();
        assert_eq!(err.code(), "INVALID_TRANSACTION", "prefix of {n} bytes");
    }
    // Trailing bytes, oversized input, bad base64, wrong signature count.
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        code(solana::decode::decode_transaction_bytes(&longer).unwrap_err()),
        "INVALID_TRANSACTION"
    );
    assert_eq!(
        code(solana::decode::decode_transaction_bytes(&[0u8; 1233]).unwrap_err()),
        "INVALID_TRANSACTION"
    );
    assert_eq!(
        code(solana::decode_transaction(&"A".repeat(2000)).unwrap_err()),
        "INVALID_TRANSACTION"
    );
    assert_eq!(
        code(solana::decode_transaction("not base64!").unwrap_err()),
        "INVALID_TRANSACTION"
    );
    let mut two_sigs = vec![2u8];
    two_sigs.extend_from_slice(&[0u8; 128]);
    two_sigs.extend_from_slice(&bytes[65..]);
    assert_eq!(
        solana::decode::decode_transaction_bytes(&two_sigs)
            .unwrap_err()
            .to_string(),
        "invalid transaction: the signature count does not match the message header"
    );
    // An account index past the key list.
    let mut bad_index = bytes.clone();
    let last_ix_program = bad_index.len() - 1 - 12 - 1 - 2 - 1 - 1;
    bad_index[last_ix_program] = 200;
    assert_eq!(
        code(solana::decode::decode_transaction_bytes(&bad_index).unwrap_err()),
        "INVALID_TRANSACTION"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2_000, ..ProptestConfig::default() })]

    #[test]
    fn solana_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..1400)) {
        if let Err(e) = solana::decode::decode_transaction_bytes(&bytes) {
            prop_assert!(matches!(e.code(), "INVALID_TRANSACTION" | "UNSUPPORTED_TRANSACTION"));
        }
    }

    #[test]
    fn solana_mutated_transactions_never_panic(flips in proptest::collection::vec((0usize..200, any::<u8>()), 1..6)) {
        let b64 = legacy_b64(&sol(1), vec![SolanaAction::Transfer { to: sol(2), lamports: 1 }], ComputeBudget::default());
        let mut bytes = B64.decode(&b64).unwrap();
        for (at, value) in flips {
            let i = at % bytes.len();
            bytes[i] = value;
        }
        let _ = solana::decode::decode_transaction_bytes(&bytes);
    }

    #[test]
    fn evm_random_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let mut typed = vec![2u8];
        typed.extend_from_slice(&bytes);
        for candidate in [&bytes, &typed] {
            if let Err(e) = evm::decode::decode_transaction_bytes(Network::EthereumMainnet, candidate) {
                prop_assert!(matches!(
                    e.code(),
                    "INVALID_TRANSACTION" | "UNSUPPORTED_TRANSACTION" | "CHAIN_MISMATCH"
                ));
            }
        }
    }
}

fn evm_addr(b: u8) -> EvmAddress {
    EvmAddress::from_bytes([b; 20])
}

fn evm_request(to: EvmAddress, value: u64, data: Vec<u8>) -> EvmTxRequest {
    EvmTxRequest {
        chain_id: 1,
        nonce: 3,
        max_fee_per_gas: 50_000_000_000,
        max_priority_fee_per_gas: 1_000_000_000,
        gas_limit: 90_000,
        to,
        value: Amount::from_u64(value),
        data,
    }
}

fn evm_decode(req: &EvmTxRequest) -> Result<waiaas_chains::DecodedTransaction, ChainError> {
    evm::decode_transaction(
        Network::EthereumMainnet,
        &format!("0x{}", hex::encode(req.encode_unsigned())),
    )
}

#[test]
fn evm_builder_output_round_trips_to_intents() {
    let token = evm_addr(0xaa);
    let who = evm_addr(0xbb);
    let cases: Vec<(EvmTxRequest, Vec<Intent>)> = vec![
        (
            evm_request(who, 1_000, vec![]),
            vec![Intent::Transfer {
                to: who.to_checksum(),
                amount: Amount::from_u64(1_000),
            }],
        ),
        (
            evm_request(
                token,
                0,
                evm::erc20_transfer_calldata(&who, Amount::from_u64(77)),
            ),
            vec![Intent::TokenTransfer {
                token: Some(token.to_checksum()),
                to: who.to_checksum(),
                amount: Amount::from_u64(77),
                decimals: None,
                program: None,
            }],
        ),
        (
            evm_request(token, 0, evm::erc20_approve_calldata(&who, Amount::MAX)),
            vec![Intent::Approve {
                token: Some(token.to_checksum()),
                spender: who.to_checksum(),
                amount: Amount::MAX,
                decimals: None,
                unlimited: true,
            }],
        ),
        (
            evm_request(who, 5, vec![0x12, 0x34, 0x56, 0x78, 0x9a]),
            vec![Intent::ContractCall {
                contract: who.to_checksum(),
                selector: Some("0x12345678".into()),
                value: Amount::from_u64(5),
            }],
        ),
        (
            // An ERC-20 transfer that also carries ETH: both effects are reported.
            evm_request(
                token,
                9,
                evm::erc20_transfer_calldata(&who, Amount::from_u64(1)),
            ),
            vec![
                Intent::TokenTransfer {
                    token: Some(token.to_checksum()),
                    to: who.to_checksum(),
                    amount: Amount::from_u64(1),
                    decimals: None,
                    program: None,
                },
                Intent::ContractCall {
                    contract: token.to_checksum(),
                    selector: Some("0xa9059cbb".into()),
                    value: Amount::from_u64(9),
                },
            ],
        ),
    ];
    for (req, intents) in cases {
        let decoded = evm_decode(&req).unwrap();
        assert_eq!(decoded.intents, intents);
        assert_eq!(
            decoded.max_fee,
            Amount::from_u128(50_000_000_000u128 * 90_000)
        );
    }
    // Serialized form the policy engine reads.
    let json = serde_json::to_value(evm_decode(&evm_request(who, 1, vec![])).unwrap()).unwrap();
    assert_eq!(json["intents"][0]["type"], "TRANSFER");
    assert_eq!(json["maxFee"], "4500000000000000");
}

#[test]
fn evm_refusals_and_malformed_input() {
    let who = evm_addr(0xbb);
    let mut req = evm_request(who, 1, vec![]);
    req.chain_id = 137;
    assert_eq!(code(evm_decode(&req).unwrap_err()), "CHAIN_MISMATCH");

    // A recognised selector whose arguments are cut short is refused.
    let mut short = evm::erc20_transfer_calldata(&who, Amount::from_u64(1));
    short.truncate(40);
    assert_eq!(
        code(evm_decode(&evm_request(evm_addr(1), 0, short)).unwrap_err()),
        "INVALID_TRANSACTION"
    );

    let good = evm_request(
        who,
        1,
        evm::erc20_transfer_calldata(&who, Amount::from_u64(1)),
    )
    .encode_unsigned();
    for n in 0..good.len() {
        let err = evm::decode::decode_transaction_bytes(Network::EthereumMainnet, &good[..n])
            .unwrap_err();
        assert_eq!(err.code(), "INVALID_TRANSACTION", "prefix of {n} bytes");
    }
    let mut trailing = good.clone();
    trailing.push(0);
    assert_eq!(
        code(
            evm::decode::decode_transaction_bytes(Network::EthereumMainnet, &trailing).unwrap_err()
        ),
        "INVALID_TRANSACTION"
    );
    let mut legacy = good.clone();
    legacy[0] = 0x01;
    assert_eq!(
        code(evm::decode::decode_transaction_bytes(Network::EthereumMainnet, &legacy).unwrap_err()),
        "UNSUPPORTED_TRANSACTION"
    );
    assert_eq!(
        code(evm::decode_transaction(Network::EthereumMainnet, "02f8").unwrap_err()),
        "INVALID_TRANSACTION"
    );
    assert_eq!(
        code(evm::decode_transaction(Network::EthereumMainnet, "0xzz").unwrap_err()),
        "INVALID_TRANSACTION"
    );
    let huge = format!("0x02{}", "00".repeat(130 * 1024));
    assert_eq!(
        code(evm::decode_transaction(Network::EthereumMainnet, &huge).unwrap_err()),
        "INVALID_TRANSACTION"
    );
    // A signed transaction is not an unsigned one.
    let tv_signed = {
        let mut signed = good.clone();
        // Re-encode with three extra list items (v, r, s) the way a signed type-2 tx ends.
        signed.truncate(1);
        let mut fields = alloy_rlp::Header::decode_bytes(&mut &good[1..], true)
            .unwrap()
            .to_vec();
        fields.extend_from_slice(&[0x01, 0x01, 0x01]);
        alloy_rlp::Header {
            list: true,
            payload_length: fields.len(),
        }
        .encode(&mut signed);
        signed.extend_from_slice(&fields);
        signed
    };
    assert_eq!(
        code(
            evm::decode::decode_transaction_bytes(Network::EthereumMainnet, &tv_signed)
                .unwrap_err()
        ),
        "INVALID_TRANSACTION"
    );
    // A non-EVM network cannot decode EVM transactions.
    assert_eq!(
        code(evm::decode::decode_transaction_bytes(Network::SolanaMainnet, &good).unwrap_err()),
        "VALIDATION_FAILED"
    );
}

fn permit_json(primary: &str, types: &str, message: &str, chain_id: u64) -> String {
    format!(
        r#"{{
          "types": {{
            "EIP712Domain": [
              {{"name":"name","type":"string"}},
              {{"name":"chainId","type":"uint256"}},
              {{"name":"verifyingContract","type":"address"}}
            ],
            {types}
          }},
          "primaryType": "{primary}",
          "domain": {{"name":"Token","chainId":{chain_id},"verifyingContract":"0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa"}},
          "message": {message}
        }}"#
    )
}

const TOKEN: &str = "0xaAaAaAaaAaAaAaaAaAAAAAAAAaaaAaAaAaaAaaAa";
const SPENDER: &str = "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB";
const TOKEN_B: &str = "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC";

#[test]
fn permits_in_typed_data_decode_to_approvals() {
    let eip2612 = permit_json(
        "Permit",
        r#""Permit": [{"name":"owner","type":"address"},{"name":"spender","type":"address"},{"name":"value","type":"uint256"},{"name":"nonce","type":"uint256"},{"name":"deadline","type":"uint256"}]"#,
        &format!(
            r#"{{"owner":"{TOKEN_B}","spender":"{SPENDER}","value":"1000000","nonce":0,"deadline":"0xffffffff"}}"#
        ),
        1,
    );
    assert_eq!(
        evm::decode_typed_data(Network::EthereumMainnet, &eip2612).unwrap(),
        vec![Intent::Approve {
            token: Some(TOKEN.into()),
            spender: SPENDER.into(),
            amount: Amount::from_u64(1_000_000),
            decimals: None,
            unlimited: false,
        }]
    );
    assert_eq!(
        code(evm::decode_typed_data(Network::BaseMainnet, &eip2612).unwrap_err()),
        "CHAIN_MISMATCH"
    );

    let dai = permit_json(
        "Permit",
        r#""Permit": [{"name":"holder","type":"address"},{"name":"spender","type":"address"},{"name":"nonce","type":"uint256"},{"name":"expiry","type":"uint256"},{"name":"allowed","type":"bool"}]"#,
        &format!(
            r#"{{"holder":"{TOKEN_B}","spender":"{SPENDER}","nonce":1,"expiry":0,"allowed":true}}"#
        ),
        1,
    );
    match &evm::decode_typed_data(Network::EthereumMainnet, &dai).unwrap()[..] {
        [Intent::Approve { amount, .. }] => assert_eq!(*amount, Amount::MAX),
        other => panic!("{other:?}"),
    }

    let details = r#""PermitDetails": [{"name":"token","type":"address"},{"name":"amount","type":"uint160"},{"name":"expiration","type":"uint48"},{"name":"nonce","type":"uint48"}]"#;
    let single = permit_json(
        "PermitSingle",
        &format!(
            r#"{details}, "PermitSingle": [{{"name":"details","type":"PermitDetails"}},{{"name":"spender","type":"address"}},{{"name":"sigDeadline","type":"uint256"}}]"#
        ),
        &format!(
            r#"{{"details":{{"token":"{TOKEN_B}","amount":"1461501637330902918203684832716283019655932542975","expiration":0,"nonce":0}},"spender":"{SPENDER}","sigDeadline":1}}"#
        ),
        1,
    );
    assert_eq!(
        evm::decode_typed_data(Network::EthereumMainnet, &single).unwrap(),
        vec![Intent::Approve {
            token: Some(TOKEN_B.into()),
            spender: SPENDER.into(),
            amount: Amount::parse_base_units("1461501637330902918203684832716283019655932542975")
                .unwrap(),
            decimals: None,
            unlimited: true,
        }]
    );
    let batch = permit_json(
        "PermitBatch",
        &format!(
            r#"{details}, "PermitBatch": [{{"name":"details","type":"PermitDetails[]"}},{{"name":"spender","type":"address"}},{{"name":"sigDeadline","type":"uint256"}}]"#
        ),
        &format!(
            r#"{{"details":[{{"token":"{TOKEN_B}","amount":"5","expiration":0,"nonce":0}},{{"token":"{TOKEN}","amount":"6","expiration":0,"nonce":0}}],"spender":"{SPENDER}","sigDeadline":1}}"#
        ),
        1,
    );
    let intents = evm::decode_typed_data(Network::EthereumMainnet, &batch).unwrap();
    assert_eq!(intents.len(), 2);
    let transfer_from = permit_json(
        "PermitTransferFrom",
        r#""TokenPermissions": [{"name":"token","type":"address"},{"name":"amount","type":"uint256"}], "PermitTransferFrom": [{"name":"permitted","type":"TokenPermissions"},{"name":"spender","type":"address"},{"name":"nonce","type":"uint256"},{"name":"deadline","type":"uint256"}]"#,
        &format!(
            r#"{{"permitted":{{"token":"{TOKEN_B}","amount":"0x10"}},"spender":"{SPENDER}","nonce":0,"deadline":1}}"#
        ),
        1,
    );
    // A signature transfer is a grant to the spender and a transfer it can pull.
    assert_eq!(
        evm::decode_typed_data(Network::EthereumMainnet, &transfer_from).unwrap(),
        vec![
            Intent::Approve {
                token: Some(TOKEN_B.into()),
                spender: SPENDER.into(),
                amount: Amount::from_u64(16),
                decimals: None,
                unlimited: false,
            },
            Intent::TokenTransfer {
                token: Some(TOKEN_B.into()),
                to: SPENDER.into(),
                amount: Amount::from_u64(16),
                decimals: None,
                program: None,
            }
        ]
    );

    // A `Permit` declaring neither standard's fields is not guessed at: it is typed data
    // the operator must allow-list.
    let other_shape = permit_json(
        "Permit",
        r#""Permit": [{"name":"owner","type":"address"},{"name":"value","type":"uint256"}]"#,
        &format!(r#"{{"owner":"{TOKEN_B}","value":"1"}}"#),
        1,
    );
    assert_eq!(
        evm::decode_typed_data(Network::EthereumMainnet, &other_shape).unwrap(),
        vec![Intent::TypedData {
            verifying_contract: Some(TOKEN.into()),
            primary_type: "Permit".into(),
        }]
    );
    // A standard permit missing its spender is refused, not ignored.
    let broken = permit_json(
        "Permit",
        r#""Permit": [{"name":"owner","type":"address"},{"name":"spender","type":"address"},{"name":"value","type":"uint256"},{"name":"nonce","type":"uint256"},{"name":"deadline","type":"uint256"}]"#,
        &format!(r#"{{"owner":"{TOKEN_B}","value":"1","nonce":0,"deadline":1}}"#),
        1,
    );
    assert_eq!(
        code(evm::decode_typed_data(Network::EthereumMainnet, &broken).unwrap_err()),
        "INVALID_TRANSACTION"
    );
    assert_eq!(
        code(evm::decode_typed_data(Network::EthereumMainnet, "{").unwrap_err()),
        "INVALID_TRANSACTION"
    );
}
