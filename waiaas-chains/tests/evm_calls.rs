//! What every EVM call does: `call_intents` on token, NFT, permit, Permit2, self-multicall
//! and wrapper calldata, strict ABI, and the bounds on nesting and size. Execution of the
//! same shapes against solc-built contracts is in `evm_revm.rs`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "tests"
)]

use alloy_primitives::aliases::{U48, U160};
use alloy_primitives::{Address, B256, Bytes, U256, keccak256};
use alloy_sol_types::SolCall;
use waiaas_chains::Intent;
use waiaas_chains::evm::decode::{MAX_CALL_DEPTH, MAX_CALL_INTENTS, call_intents};
use waiaas_chains::evm::{
    self, EvmTxRequest, IAccountExecute, IAccountExecuteCalls, IDaiPermit, IERC20, IERC20Allowance,
    IERC721, IERC777, IERC1155, IERC1363, IERC2612, IGnosisSafe, IMulticall3, IPermit2,
    ISelfMulticall, ISelfMulticallBlockhash, ISelfMulticallDeadline, ISignatureTransfer,
    IUniversalRouter,
};
use waiaas_core::{Amount, ErrorCode, EvmAddress, Network};

const CONTRACT: Address = Address::repeat_byte(0xc0);
const ALICE: Address = Address::repeat_byte(0xa1);
const BOB: Address = Address::repeat_byte(0xb0);
const TOKEN: Address = Address::repeat_byte(0x70);

fn ours(a: Address) -> EvmAddress {
    EvmAddress::from_bytes(a.into_array())
}

fn cs(a: Address) -> String {
    ours(a).to_checksum()
}

fn decode(value: u64, data: &[u8]) -> Vec<Intent> {
    call_intents(&ours(CONTRACT), Amount::from_u64(value), data).unwrap()
}

fn refused(value: u64, data: &[u8]) -> String {
    let err = call_intents(&ours(CONTRACT), Amount::from_u64(value), data).unwrap_err();
    assert_eq!(err.code(), "INVALID_TRANSACTION", "{err}");
    err.to_string()
}

fn call(selector: [u8; 4], value: u64) -> Intent {
    Intent::ContractCall {
        contract: cs(CONTRACT),
        selector: Some(format!("0x{}", hex::encode(selector))),
        value: Amount::from_u64(value),
    }
}

fn token_transfer(token: Address, to: Address, amount: Amount) -> Intent {
    Intent::TokenTransfer {
        token: Some(cs(token)),
        to: cs(to),
        amount,
        decimals: None,
        program: None,
    }
}

fn approve(token: Address, spender: Address, amount: Amount, unlimited: bool) -> Intent {
    Intent::Approve {
        token: Some(cs(token)),
        spender: cs(spender),
        amount,
        decimals: None,
        unlimited,
    }
}

fn nft(to: Address, id: &str, amount: u64) -> Intent {
    Intent::NftTransfer {
        contract: cs(CONTRACT),
        to: cs(to),
        token_id: id.into(),
        amount: Amount::from_u64(amount),
    }
}

/// What `setApprovalForAll(operator, true)` lets `operator` take: the whole collection.
fn all_nfts(operator: Address) -> Intent {
    Intent::NftTransfer {
        contract: cs(CONTRACT),
        to: cs(operator),
        token_id: "*".into(),
        amount: Amount::MAX,
    }
}

fn wrapper(selector: [u8; 4], value: u64) -> Intent {
    Intent::Wrapper {
        contract: cs(CONTRACT),
        selector: format!("0x{}", hex::encode(selector)),
        value: Amount::from_u64(value),
    }
}

fn u(v: u64) -> U256 {
    U256::from(v)
}

fn transfer(to: Address, amount: u64) -> Vec<u8> {
    IERC20::transferCall {
        to,
        amount: u(amount),
    }
    .abi_encode()
}

fn multicall(inner: Vec<Vec<u8>>) -> Vec<u8> {
    ISelfMulticall::multicallCall {
        data: inner.into_iter().map(Bytes::from).collect(),
    }
    .abi_encode()
}

/// The selectors the decoder recognises are those of the canonical signatures, computed
/// here independently of the `sol!` declarations; none collide.
#[test]
fn recognised_selectors_are_the_canonical_signatures() {
    let table: Vec<([u8; 4], &str)> = vec![
        (IERC20::transferCall::SELECTOR, "transfer(address,uint256)"),
        (
            IERC20::transferFromCall::SELECTOR,
            "transferFrom(address,address,uint256)",
        ),
        (IERC20::approveCall::SELECTOR, "approve(address,uint256)"),
        (
            IERC20Allowance::increaseAllowanceCall::SELECTOR,
            "increaseAllowance(address,uint256)",
        ),
        (
            IERC20Allowance::decreaseAllowanceCall::SELECTOR,
            "decreaseAllowance(address,uint256)",
        ),
        (
            IERC2612::permitCall::SELECTOR,
            "permit(address,address,uint256,uint256,uint8,bytes32,bytes32)",
        ),
        (
            IDaiPermit::permitCall::SELECTOR,
            "permit(address,address,uint256,uint256,bool,uint8,bytes32,bytes32)",
        ),
        (
            IERC1363::transferAndCall_0Call::SELECTOR,
            "transferAndCall(address,uint256)",
        ),
        (
            IERC1363::transferAndCall_1Call::SELECTOR,
            "transferAndCall(address,uint256,bytes)",
        ),
        (
            IERC1363::transferFromAndCall_0Call::SELECTOR,
            "transferFromAndCall(address,address,uint256)",
        ),
        (
            IERC1363::transferFromAndCall_1Call::SELECTOR,
            "transferFromAndCall(address,address,uint256,bytes)",
        ),
        (
            IERC1363::approveAndCall_0Call::SELECTOR,
            "approveAndCall(address,uint256)",
        ),
        (
            IERC1363::approveAndCall_1Call::SELECTOR,
            "approveAndCall(address,uint256,bytes)",
        ),
        (
            IPermit2::approveCall::SELECTOR,
            "approve(address,address,uint160,uint48)",
        ),
        (
            IPermit2::permit_0Call::SELECTOR,
            "permit(address,((address,uint160,uint48,uint48),address,uint256),bytes)",
        ),
        (
            IPermit2::permit_1Call::SELECTOR,
            "permit(address,((address,uint160,uint48,uint48)[],address,uint256),bytes)",
        ),
        (
            IPermit2::transferFrom_0Call::SELECTOR,
            "transferFrom(address,address,uint160,address)",
        ),
        (
            IPermit2::transferFrom_1Call::SELECTOR,
            "transferFrom((address,address,uint160,address)[])",
        ),
        (
            ISignatureTransfer::permitTransferFrom_0Call::SELECTOR,
            "permitTransferFrom(((address,uint256),uint256,uint256),(address,uint256),address,bytes)",
        ),
        (
            ISignatureTransfer::permitTransferFrom_1Call::SELECTOR,
            "permitTransferFrom(((address,uint256)[],uint256,uint256),(address,uint256)[],address,bytes)",
        ),
        (
            ISignatureTransfer::permitWitnessTransferFrom_0Call::SELECTOR,
            "permitWitnessTransferFrom(((address,uint256),uint256,uint256),(address,uint256),address,bytes32,string,bytes)",
        ),
        (
            ISignatureTransfer::permitWitnessTransferFrom_1Call::SELECTOR,
            "permitWitnessTransferFrom(((address,uint256)[],uint256,uint256),(address,uint256)[],address,bytes32,string,bytes)",
        ),
        (IERC777::sendCall::SELECTOR, "send(address,uint256,bytes)"),
        (
            IERC777::operatorSendCall::SELECTOR,
            "operatorSend(address,address,uint256,bytes,bytes)",
        ),
        (
            IERC777::authorizeOperatorCall::SELECTOR,
            "authorizeOperator(address)",
        ),
        (
            IERC721::safeTransferFrom_0Call::SELECTOR,
            "safeTransferFrom(address,address,uint256)",
        ),
        (
            IERC721::safeTransferFrom_1Call::SELECTOR,
            "safeTransferFrom(address,address,uint256,bytes)",
        ),
        (
            IERC721::setApprovalForAllCall::SELECTOR,
            "setApprovalForAll(address,bool)",
        ),
        (
            IERC1155::safeTransferFromCall::SELECTOR,
            "safeTransferFrom(address,address,uint256,uint256,bytes)",
        ),
        (
            IERC1155::safeBatchTransferFromCall::SELECTOR,
            "safeBatchTransferFrom(address,address,uint256[],uint256[],bytes)",
        ),
        (
            ISelfMulticall::multicallCall::SELECTOR,
            "multicall(bytes[])",
        ),
        (
            ISelfMulticallDeadline::multicallCall::SELECTOR,
            "multicall(uint256,bytes[])",
        ),
        (
            ISelfMulticallBlockhash::multicallCall::SELECTOR,
            "multicall(bytes32,bytes[])",
        ),
        (
            IMulticall3::aggregateCall::SELECTOR,
            "aggregate((address,bytes)[])",
        ),
        (
            IMulticall3::aggregate3Call::SELECTOR,
            "aggregate3((address,bool,bytes)[])",
        ),
        (
            IMulticall3::aggregate3ValueCall::SELECTOR,
            "aggregate3Value((address,bool,uint256,bytes)[])",
        ),
        (
            IMulticall3::tryAggregateCall::SELECTOR,
            "tryAggregate(bool,(address,bytes)[])",
        ),
        (
            IMulticall3::tryBlockAndAggregateCall::SELECTOR,
            "tryBlockAndAggregate(bool,(address,bytes)[])",
        ),
        (
            IMulticall3::blockAndAggregateCall::SELECTOR,
            "blockAndAggregate((address,bytes)[])",
        ),
        (
            IGnosisSafe::execTransactionCall::SELECTOR,
            "execTransaction(address,uint256,bytes,uint8,uint256,uint256,uint256,address,address,bytes)",
        ),
        (
            IAccountExecute::executeCall::SELECTOR,
            "execute(address,uint256,bytes)",
        ),
        (
            IAccountExecute::executeBatchCall::SELECTOR,
            "executeBatch(address[],uint256[],bytes[])",
        ),
        (
            IAccountExecuteCalls::executeBatchCall::SELECTOR,
            "executeBatch((address,uint256,bytes)[])",
        ),
        (
            IUniversalRouter::execute_0Call::SELECTOR,
            "execute(bytes,bytes[],uint256)",
        ),
        (
            IUniversalRouter::execute_1Call::SELECTOR,
            "execute(bytes,bytes[])",
        ),
    ];
    let mut seen = std::collections::HashSet::new();
    for (selector, signature) in &table {
        assert_eq!(
            selector[..],
            keccak256(signature.as_bytes())[..4],
            "{signature}"
        );
        assert!(seen.insert(*selector), "{signature} collides");
    }
    // Well-known values, as published (4byte.directory).
    assert_eq!(IERC20::transferCall::SELECTOR, [0xa9, 0x05, 0x9c, 0xbb]);
    assert_eq!(
        IERC721::safeTransferFrom_0Call::SELECTOR,
        [0x42, 0x84, 0x2e, 0x0e]
    );
    assert_eq!(
        IERC721::setApprovalForAllCall::SELECTOR,
        [0xa2, 0x2c, 0xb4, 0x65]
    );
    assert_eq!(
        ISelfMulticall::multicallCall::SELECTOR,
        [0xac, 0x96, 0x50, 0xd8]
    );
}

#[test]
fn allowance_increases_and_permits_are_approvals_decreases_are_plain_calls() {
    let small = IERC20Allowance::increaseAllowanceCall {
        spender: BOB,
        addedValue: u(500),
    }
    .abi_encode();
    // The increment on top of an allowance the call does not state: the engine judges
    // the increment and sends the unknown total to the owner.
    let increase = |added: U256| Intent::AllowanceIncrease {
        token: Some(CONTRACT.to_checksum(None)),
        spender: BOB.to_checksum(None),
        amount: Amount::from_u256(added),
        decimals: None,
    };
    assert_eq!(decode(0, &small), vec![increase(u(500))]);
    let half = U256::from(1u8) << 255;
    for added in [half, half - u(1), U256::MAX] {
        let data = IERC20Allowance::increaseAllowanceCall {
            spender: BOB,
            addedValue: added,
        }
        .abi_encode();
        assert_eq!(decode(0, &data), vec![increase(added)]);
    }
    let decrease = IERC20Allowance::decreaseAllowanceCall {
        spender: BOB,
        subtractedValue: U256::MAX,
    }
    .abi_encode();
    assert_eq!(
        decode(0, &decrease),
        vec![call(IERC20Allowance::decreaseAllowanceCall::SELECTOR, 0)]
    );

    let permit = IERC2612::permitCall {
        owner: ALICE,
        spender: BOB,
        value: u(1_000_000),
        deadline: u(1_893_456_000),
        v: 27,
        r: B256::repeat_byte(1),
        s: B256::repeat_byte(2),
    };
    assert_eq!(
        decode(0, &permit.abi_encode()),
        vec![approve(CONTRACT, BOB, Amount::from_u64(1_000_000), false)]
    );
    let max = IERC2612::permitCall {
        value: U256::MAX,
        ..permit
    };
    assert_eq!(
        decode(0, &max.abi_encode()),
        vec![approve(CONTRACT, BOB, Amount::MAX, true)]
    );

    let dai = |allowed| {
        IDaiPermit::permitCall {
            holder: ALICE,
            spender: BOB,
            nonce: u(0),
            expiry: u(0),
            allowed,
            v: 28,
            r: B256::repeat_byte(1),
            s: B256::repeat_byte(2),
        }
        .abi_encode()
    };
    assert_eq!(
        decode(0, &dai(true)),
        vec![approve(CONTRACT, BOB, Amount::MAX, true)]
    );
    assert_eq!(
        decode(0, &dai(false)),
        vec![call(IDaiPermit::permitCall::SELECTOR, 0)]
    );

    for data in [
        IERC1363::approveAndCall_0Call {
            spender: BOB,
            value: u(9),
        }
        .abi_encode(),
        IERC1363::approveAndCall_1Call {
            spender: BOB,
            value: u(9),
            data: Bytes::from_static(b"hi"),
        }
        .abi_encode(),
    ] {
        assert_eq!(
            decode(0, &data),
            vec![approve(CONTRACT, BOB, Amount::from_u64(9), false)]
        );
    }
}

#[test]
fn erc20_erc1363_and_erc777_transfers_are_token_transfers() {
    let cases = [
        transfer(BOB, 5),
        IERC20::transferFromCall {
            from: ALICE,
            to: BOB,
            amount: u(5),
        }
        .abi_encode(),
        IERC1363::transferAndCall_0Call {
            to: BOB,
            value: u(5),
        }
        .abi_encode(),
        IERC1363::transferAndCall_1Call {
            to: BOB,
            value: u(5),
            data: Bytes::from_static(&[1, 2, 3]),
        }
        .abi_encode(),
        IERC1363::transferFromAndCall_0Call {
            from: ALICE,
            to: BOB,
            value: u(5),
        }
        .abi_encode(),
        IERC1363::transferFromAndCall_1Call {
            from: ALICE,
            to: BOB,
            value: u(5),
            data: Bytes::new(),
        }
        .abi_encode(),
        IERC777::sendCall {
            recipient: BOB,
            amount: u(5),
            data: Bytes::new(),
        }
        .abi_encode(),
        IERC777::operatorSendCall {
            sender: ALICE,
            recipient: BOB,
            amount: u(5),
            data: Bytes::new(),
            operatorData: Bytes::from_static(b"op"),
        }
        .abi_encode(),
    ];
    for data in cases {
        assert_eq!(
            decode(0, &data),
            vec![token_transfer(CONTRACT, BOB, Amount::from_u64(5))]
        );
    }
    // ERC-721 `transferFrom` has the ERC-20 selector: a token transfer of the
    // collection (amount = token id), which ALLOWED_TOKENS never lists: fails closed.
    let nft_transfer_from = IERC20::transferFromCall {
        from: ALICE,
        to: BOB,
        amount: u(42),
    }
    .abi_encode();
    assert_eq!(
        decode(0, &nft_transfer_from),
        vec![token_transfer(CONTRACT, BOB, Amount::from_u64(42))]
    );
}

#[test]
fn permit2_calls_grant_or_move_the_token_they_name() {
    let max160 = U160::MAX;
    let half160 = U160::from(1u8) << 159;
    let amt = |v: U160| Amount::from_u256(U256::from_be_slice(&v.to_be_bytes::<20>()));
    for (amount, unlimited) in [
        (max160, true),
        (half160, true),
        (half160 - U160::from(1u8), false),
    ] {
        let data = IPermit2::approveCall {
            token: TOKEN,
            spender: BOB,
            amount,
            expiration: U48::from(1_900_000_000u64),
        }
        .abi_encode();
        assert_eq!(
            decode(0, &data),
            vec![approve(TOKEN, BOB, amt(amount), unlimited)]
        );
    }
    let details = |token, amount: u64| IPermit2::PermitDetails {
        token,
        amount: U160::from(amount),
        expiration: U48::from(1u8),
        nonce: U48::from(0u8),
    };
    let single = IPermit2::permit_0Call {
        owner: ALICE,
        permitSingle: IPermit2::PermitSingle {
            details: details(TOKEN, 7),
            spender: BOB,
            sigDeadline: u(1),
        },
        signature: Bytes::from(vec![0u8; 65]),
    }
    .abi_encode();
    assert_eq!(
        decode(0, &single),
        vec![approve(TOKEN, BOB, Amount::from_u64(7), false)]
    );
    // Every grant of a batch is reported, not the first only.
    let other = Address::repeat_byte(0x71);
    let batch = IPermit2::permit_1Call {
        owner: ALICE,
        permitBatch: IPermit2::PermitBatch {
            details: vec![details(TOKEN, 7), details(other, 8)],
            spender: BOB,
            sigDeadline: u(1),
        },
        signature: Bytes::from(vec![0u8; 65]),
    }
    .abi_encode();
    assert_eq!(
        decode(0, &batch),
        vec![
            approve(TOKEN, BOB, Amount::from_u64(7), false),
            approve(other, BOB, Amount::from_u64(8), false),
        ]
    );
    let move_one = IPermit2::transferFrom_0Call {
        from: ALICE,
        to: BOB,
        amount: U160::from(3u8),
        token: TOKEN,
    }
    .abi_encode();
    assert_eq!(
        decode(0, &move_one),
        vec![token_transfer(TOKEN, BOB, Amount::from_u64(3))]
    );
    let move_many = IPermit2::transferFrom_1Call {
        transferDetails: vec![
            IPermit2::AllowanceTransferDetails {
                from: ALICE,
                to: BOB,
                amount: U160::from(3u8),
                token: TOKEN,
            },
            IPermit2::AllowanceTransferDetails {
                from: ALICE,
                to: ALICE,
                amount: U160::from(4u8),
                token: other,
            },
        ],
    }
    .abi_encode();
    assert_eq!(
        decode(0, &move_many),
        vec![
            token_transfer(TOKEN, BOB, Amount::from_u64(3)),
            token_transfer(other, ALICE, Amount::from_u64(4)),
        ]
    );
}

#[test]
fn permit2_signature_transfers_are_token_transfers_of_the_permitted_tokens() {
    let other = Address::repeat_byte(0x71);
    let perm = |token, amount: u64| ISignatureTransfer::TokenPermissions {
        token,
        amount: u(amount),
    };
    let to = |to, amount: u64| ISignatureTransfer::SignatureTransferDetails {
        to,
        requestedAmount: u(amount),
    };
    let single = ISignatureTransfer::PermitTransferFrom {
        permitted: perm(TOKEN, 100),
        nonce: u(0),
        deadline: u(1),
    };
    let batch = |permitted| ISignatureTransfer::PermitBatchTransferFrom {
        permitted,
        nonce: u(0),
        deadline: u(1),
    };
    let sig = || Bytes::from(vec![0u8; 65]);
    // The requested amount moves, to the stated recipient.
    let expected_single = vec![token_transfer(TOKEN, BOB, Amount::from_u64(60))];
    assert_eq!(
        decode(
            0,
            &ISignatureTransfer::permitTransferFrom_0Call {
                permit: single.clone(),
                transferDetails: to(BOB, 60),
                owner: ALICE,
                signature: sig(),
            }
            .abi_encode()
        ),
        expected_single
    );
    assert_eq!(
        decode(
            0,
            &ISignatureTransfer::permitWitnessTransferFrom_0Call {
                permit: single,
                transferDetails: to(BOB, 60),
                owner: ALICE,
                witness: B256::repeat_byte(3),
                witnessTypeString: "Witness witness)Witness(uint256 x)".into(),
                signature: sig(),
            }
            .abi_encode()
        ),
        expected_single
    );
    let expected_batch = vec![
        token_transfer(TOKEN, BOB, Amount::from_u64(1)),
        token_transfer(other, ALICE, Amount::from_u64(2)),
    ];
    let permitted = vec![perm(TOKEN, 10), perm(other, 20)];
    assert_eq!(
        decode(
            0,
            &ISignatureTransfer::permitTransferFrom_1Call {
                permit: batch(permitted.clone()),
                transferDetails: vec![to(BOB, 1), to(ALICE, 2)],
                owner: ALICE,
                signature: sig(),
            }
            .abi_encode()
        ),
        expected_batch
    );
    assert_eq!(
        decode(
            0,
            &ISignatureTransfer::permitWitnessTransferFrom_1Call {
                permit: batch(permitted.clone()),
                transferDetails: vec![to(BOB, 1), to(ALICE, 2)],
                owner: ALICE,
                witness: B256::ZERO,
                witnessTypeString: String::new(),
                signature: sig(),
            }
            .abi_encode()
        ),
        expected_batch
    );
    let mismatched = ISignatureTransfer::permitTransferFrom_1Call {
        permit: batch(permitted),
        transferDetails: vec![to(BOB, 1)],
        owner: ALICE,
        signature: sig(),
    }
    .abi_encode();
    assert!(refused(0, &mismatched).contains("2 permissions and 1 transfers"));

    // An ERC-777 operator may move everything: an unlimited approval.
    assert_eq!(
        decode(
            0,
            &IERC777::authorizeOperatorCall { operator: BOB }.abi_encode()
        ),
        vec![approve(CONTRACT, BOB, Amount::MAX, true)]
    );
}

#[test]
fn nft_transfers_are_nft_legs_and_approval_for_all_is_unlimited() {
    let big = U256::MAX - u(1);
    let erc721 = IERC721::safeTransferFrom_0Call {
        from: ALICE,
        to: BOB,
        tokenId: big,
    }
    .abi_encode();
    assert_eq!(decode(0, &erc721), vec![nft(BOB, &big.to_string(), 1)]);
    let erc721_data = IERC721::safeTransferFrom_1Call {
        from: ALICE,
        to: BOB,
        tokenId: u(42),
        data: Bytes::from_static(b"x"),
    }
    .abi_encode();
    assert_eq!(decode(0, &erc721_data), vec![nft(BOB, "42", 1)]);
    let erc1155 = IERC1155::safeTransferFromCall {
        from: ALICE,
        to: BOB,
        id: u(7),
        value: u(30),
        data: Bytes::new(),
    }
    .abi_encode();
    assert_eq!(decode(0, &erc1155), vec![nft(BOB, "7", 30)]);
    let batch = |ids: Vec<u64>, values: Vec<u64>| {
        IERC1155::safeBatchTransferFromCall {
            from: ALICE,
            to: BOB,
            ids: ids.into_iter().map(u).collect(),
            values: values.into_iter().map(u).collect(),
            data: Bytes::new(),
        }
        .abi_encode()
    };
    assert_eq!(
        decode(0, &batch(vec![1, 2, 3], vec![10, 20, 30])),
        vec![nft(BOB, "1", 10), nft(BOB, "2", 20), nft(BOB, "3", 30)]
    );
    // Arrays that do not pair up are refused.
    assert!(refused(0, &batch(vec![1, 2], vec![10])).contains("2 ids and 1 amounts"));
    // An empty batch moves nothing: the call itself is judged.
    assert_eq!(
        decode(0, &batch(vec![], vec![])),
        vec![call(IERC1155::safeBatchTransferFromCall::SELECTOR, 0)]
    );

    let for_all = |approved| {
        IERC721::setApprovalForAllCall {
            operator: BOB,
            approved,
        }
        .abi_encode()
    };
    // An operator grant is unlimited and, for the NFT rules, every token of the
    // collection to the operator.
    assert_eq!(
        decode(0, &for_all(true)),
        vec![approve(CONTRACT, BOB, Amount::MAX, true), all_nfts(BOB)]
    );
    assert_eq!(
        decode(0, &for_all(false)),
        vec![call(IERC721::setApprovalForAllCall::SELECTOR, 0)]
    );
}

#[test]
fn native_value_on_a_recognised_call_adds_a_contract_call_leg() {
    let data = IERC1155::safeTransferFromCall {
        from: ALICE,
        to: BOB,
        id: u(7),
        value: u(1),
        data: Bytes::new(),
    }
    .abi_encode();
    assert_eq!(
        decode(9, &data),
        vec![
            nft(BOB, "7", 1),
            call(IERC1155::safeTransferFromCall::SELECTOR, 9)
        ]
    );
    assert_eq!(decode(0, &data), vec![nft(BOB, "7", 1)]);
}

#[test]
fn self_multicalls_judge_the_wrapper_and_every_inner_call() {
    let inner = vec![
        transfer(BOB, 100),
        IERC721::setApprovalForAllCall {
            operator: BOB,
            approved: true,
        }
        .abi_encode(),
        vec![0xde, 0xad, 0xbe, 0xef, 0x00],
        vec![],
        vec![0x01, 0x02],
    ];
    let expected_inner = vec![
        token_transfer(CONTRACT, BOB, Amount::from_u64(100)),
        approve(CONTRACT, BOB, Amount::MAX, true),
        all_nfts(BOB),
        call([0xde, 0xad, 0xbe, 0xef], 0),
        // An empty inner call runs the contract's fallback: a call, not a transfer.
        Intent::ContractCall {
            contract: cs(CONTRACT),
            selector: None,
            value: Amount::ZERO,
        },
        Intent::ContractCall {
            contract: cs(CONTRACT),
            selector: Some("0x0102".into()),
            value: Amount::ZERO,
        },
    ];
    let data_of =
        |inner: &[Vec<u8>]| -> Vec<Bytes> { inner.iter().cloned().map(Bytes::from).collect() };
    let forms: Vec<([u8; 4], Vec<u8>)> = vec![
        (
            ISelfMulticall::multicallCall::SELECTOR,
            multicall(inner.clone()),
        ),
        (
            ISelfMulticallDeadline::multicallCall::SELECTOR,
            ISelfMulticallDeadline::multicallCall {
                deadline: u(1_900_000_000),
                data: data_of(&inner),
            }
            .abi_encode(),
        ),
        (
            ISelfMulticallBlockhash::multicallCall::SELECTOR,
            ISelfMulticallBlockhash::multicallCall {
                previousBlockhash: B256::repeat_byte(0xbb),
                data: data_of(&inner),
            }
            .abi_encode(),
        ),
    ];
    for (selector, data) in forms {
        // The wrapper leg carries the native value; the inner calls carry none (their
        // delegatecalls share the one msg.value).
        let mut expected = vec![call(selector, 5)];
        expected.extend(expected_inner.clone());
        assert_eq!(decode(5, &data), expected);
        let mut expected = vec![call(selector, 0)];
        expected.extend(expected_inner.clone());
        assert_eq!(decode(0, &data), expected);
    }
    // An empty multicall is still judged as the call it is.
    assert_eq!(
        decode(0, &multicall(vec![])),
        vec![call(ISelfMulticall::multicallCall::SELECTOR, 0)]
    );
}

#[test]
fn a_forbidden_transfer_nested_in_multicalls_is_decoded() {
    // multicall([allowed call, multicall([multicall([transfer to Bob])])]): the transfer
    // three levels down is a leg of its own, judged like a direct transfer.
    let allowed = vec![0x12, 0x34, 0x56, 0x78];
    let data = multicall(vec![
        allowed,
        multicall(vec![multicall(vec![transfer(BOB, 1_000_000)])]),
    ]);
    let m = ISelfMulticall::multicallCall::SELECTOR;
    assert_eq!(
        decode(0, &data),
        vec![
            call(m, 0),
            call([0x12, 0x34, 0x56, 0x78], 0),
            call(m, 0),
            call(m, 0),
            token_transfer(CONTRACT, BOB, Amount::from_u64(1_000_000)),
        ]
    );
    // Via a raw transaction too: the same decoder.
    let req = EvmTxRequest {
        chain_id: 1,
        nonce: 0,
        max_fee_per_gas: 1,
        max_priority_fee_per_gas: 1,
        gas_limit: 100_000,
        to: ours(CONTRACT),
        value: Amount::ZERO,
        data: data.clone(),
    };
    let decoded = evm::decode_transaction(
        Network::EthereumMainnet,
        &format!("0x{}", hex::encode(req.encode_unsigned())),
    )
    .unwrap();
    assert_eq!(decoded.intents, decode(0, &data));
}

#[test]
fn nesting_and_size_are_bounded() {
    let nest = |levels: usize| {
        let mut data = transfer(BOB, 1);
        for _ in 0..levels {
            data = multicall(vec![data]);
        }
        data
    };
    let intents = decode(0, &nest(MAX_CALL_DEPTH));
    assert_eq!(intents.len(), MAX_CALL_DEPTH + 1);
    assert_eq!(
        intents.last(),
        Some(&token_transfer(CONTRACT, BOB, Amount::from_u64(1)))
    );
    assert!(refused(0, &nest(MAX_CALL_DEPTH + 1)).contains("nested more than 4 deep"));

    // The wrapper plus 63 inner calls is 64 effects; one more is refused.
    let many = |n: usize| multicall((0..n).map(|i| transfer(BOB, i as u64)).collect());
    assert_eq!(
        decode(0, &many(MAX_CALL_INTENTS - 1)).len(),
        MAX_CALL_INTENTS
    );
    assert!(refused(0, &many(MAX_CALL_INTENTS)).contains("more than 64 effects"));
    // A batch is bounded alike, and a recognised call with value counts its value leg.
    let batch = |n: u64| {
        IERC1155::safeBatchTransferFromCall {
            from: ALICE,
            to: BOB,
            ids: (0..n).map(u).collect(),
            values: (0..n).map(u).collect(),
            data: Bytes::new(),
        }
        .abi_encode()
    };
    assert_eq!(decode(0, &batch(64)).len(), 64);
    refused(0, &batch(65));
    refused(1, &batch(64));
}

#[test]
fn wrappers_that_call_elsewhere_are_wrapper_intents() {
    let call3 = |target| IMulticall3::Call {
        target,
        callData: Bytes::from(transfer(BOB, 1)),
    };
    let cases: Vec<([u8; 4], Vec<u8>)> = vec![
        (
            IMulticall3::aggregateCall::SELECTOR,
            IMulticall3::aggregateCall {
                calls: vec![call3(TOKEN)],
            }
            .abi_encode(),
        ),
        (
            IMulticall3::aggregate3Call::SELECTOR,
            IMulticall3::aggregate3Call {
                calls: vec![IMulticall3::Call3 {
                    target: TOKEN,
                    allowFailure: false,
                    callData: Bytes::from(transfer(BOB, 1)),
                }],
            }
            .abi_encode(),
        ),
        (
            IMulticall3::aggregate3ValueCall::SELECTOR,
            IMulticall3::aggregate3ValueCall {
                calls: vec![IMulticall3::Call3Value {
                    target: BOB,
                    allowFailure: true,
                    value: u(3),
                    callData: Bytes::new(),
                }],
            }
            .abi_encode(),
        ),
        (
            IMulticall3::tryAggregateCall::SELECTOR,
            IMulticall3::tryAggregateCall {
                requireSuccess: true,
                calls: vec![call3(TOKEN)],
            }
            .abi_encode(),
        ),
        (
            IMulticall3::tryBlockAndAggregateCall::SELECTOR,
            IMulticall3::tryBlockAndAggregateCall {
                requireSuccess: false,
                calls: vec![call3(TOKEN)],
            }
            .abi_encode(),
        ),
        (
            IMulticall3::blockAndAggregateCall::SELECTOR,
            IMulticall3::blockAndAggregateCall {
                calls: vec![call3(TOKEN)],
            }
            .abi_encode(),
        ),
        (
            IGnosisSafe::execTransactionCall::SELECTOR,
            IGnosisSafe::execTransactionCall {
                to: TOKEN,
                value: u(0),
                data: Bytes::from(transfer(BOB, 1)),
                operation: 0,
                safeTxGas: u(0),
                baseGas: u(0),
                gasPrice: u(0),
                gasToken: Address::ZERO,
                refundReceiver: Address::ZERO,
                signatures: Bytes::from(vec![0u8; 65]),
            }
            .abi_encode(),
        ),
        (
            IAccountExecute::executeCall::SELECTOR,
            IAccountExecute::executeCall {
                dest: TOKEN,
                value: u(0),
                func: Bytes::from(transfer(BOB, 1)),
            }
            .abi_encode(),
        ),
        (
            IAccountExecute::executeBatchCall::SELECTOR,
            IAccountExecute::executeBatchCall {
                dest: vec![TOKEN],
                value: vec![u(0)],
                func: vec![Bytes::from(transfer(BOB, 1))],
            }
            .abi_encode(),
        ),
        (
            IAccountExecuteCalls::executeBatchCall::SELECTOR,
            IAccountExecuteCalls::executeBatchCall {
                calls: vec![IAccountExecuteCalls::Call {
                    target: TOKEN,
                    value: u(0),
                    data: Bytes::from(transfer(BOB, 1)),
                }],
            }
            .abi_encode(),
        ),
        (
            IUniversalRouter::execute_0Call::SELECTOR,
            IUniversalRouter::execute_0Call {
                commands: Bytes::from_static(&[0x00]),
                inputs: vec![Bytes::from_static(&[1; 32])],
                deadline: u(1_900_000_000),
            }
            .abi_encode(),
        ),
        (
            IUniversalRouter::execute_1Call::SELECTOR,
            IUniversalRouter::execute_1Call {
                commands: Bytes::from_static(&[0x00]),
                inputs: vec![Bytes::from_static(&[1; 32])],
            }
            .abi_encode(),
        ),
    ];
    for (selector, data) in &cases {
        // The wrapper carries its value itself: no separate value leg.
        assert_eq!(decode(0, data), vec![wrapper(*selector, 0)]);
        assert_eq!(decode(7, data), vec![wrapper(*selector, 7)]);
        // Inside a self-multicall, still a wrapper leg.
        assert_eq!(
            decode(0, &multicall(vec![data.clone()])),
            vec![
                call(ISelfMulticall::multicallCall::SELECTOR, 0),
                wrapper(*selector, 0)
            ]
        );
        // Malformed wrappers are refused even though they would be denied anyway.
        let mut short = data.clone();
        short.pop();
        refused(0, &short);
    }
}

/// Every recognised selector's arguments are read strictly: short, trailing, dirty or
/// non-canonical encodings are refused, while the canonical encoding decodes.
#[test]
fn non_canonical_abi_is_refused() {
    let samples: Vec<Vec<u8>> = vec![
        transfer(BOB, 5),
        IERC20::approveCall {
            spender: BOB,
            amount: u(5),
        }
        .abi_encode(),
        IERC20Allowance::increaseAllowanceCall {
            spender: BOB,
            addedValue: u(5),
        }
        .abi_encode(),
        IERC721::safeTransferFrom_0Call {
            from: ALICE,
            to: BOB,
            tokenId: u(1),
        }
        .abi_encode(),
        IERC721::setApprovalForAllCall {
            operator: BOB,
            approved: false,
        }
        .abi_encode(),
        IERC1155::safeBatchTransferFromCall {
            from: ALICE,
            to: BOB,
            ids: vec![u(1)],
            values: vec![u(1)],
            data: Bytes::from_static(b"abc"),
        }
        .abi_encode(),
        multicall(vec![transfer(BOB, 5)]),
    ];
    for data in &samples {
        decode(0, data);
        // Cut anywhere after the selector.
        for n in 4..data.len() {
            refused(0, &data[..n]);
        }
        // Trailing garbage.
        let mut trailing = data.clone();
        trailing.push(0);
        refused(0, &trailing);
        let mut trailing_word = data.clone();
        trailing_word.extend([0u8; 32]);
        refused(0, &trailing_word);
    }

    // An address word with high bits set: the EVM would read the low 20 bytes, a lax
    // decoder might not; refused.
    let mut dirty = transfer(BOB, 5);
    dirty[4] = 0x01;
    assert!(refused(0, &dirty).contains("transfer(address,uint256)"));
    // A bool that is neither 0 nor 1.
    let mut bad_bool = IERC721::setApprovalForAllCall {
        operator: BOB,
        approved: true,
    }
    .abi_encode();
    *bad_bool.last_mut().unwrap() = 2;
    refused(0, &bad_bool);
    // Dirty padding after the bytes of an inner call.
    let inner = vec![0x12, 0x34, 0x56, 0x78, 0x9a];
    let mut dirty_pad = multicall(vec![inner]);
    *dirty_pad.last_mut().unwrap() = 0xff;
    refused(0, &dirty_pad);
    // A non-canonical offset: the bytes[] starts at 0x40 with a gap word in between.
    let canonical = multicall(vec![transfer(BOB, 5)]);
    let mut gap = canonical[..4].to_vec();
    gap.extend(u(0x40).to_be_bytes::<32>());
    gap.extend([0u8; 32]);
    gap.extend(&canonical[36..]);
    refused(0, &gap);
    // A malformed inner call refuses the whole multicall.
    let mut bad_inner = transfer(BOB, 5);
    bad_inner.truncate(30);
    refused(0, &multicall(vec![transfer(BOB, 1), bad_inner]));
}

fn corpus() -> Vec<u8> {
    multicall(vec![
        transfer(BOB, 5),
        IERC1155::safeBatchTransferFromCall {
            from: ALICE,
            to: BOB,
            ids: vec![u(1), u(2)],
            values: vec![u(3), u(4)],
            data: Bytes::from_static(b"data"),
        }
        .abi_encode(),
        multicall(vec![
            IERC721::setApprovalForAllCall {
                operator: BOB,
                approved: true,
            }
            .abi_encode(),
            IAccountExecute::executeCall {
                dest: TOKEN,
                value: u(1),
                func: Bytes::from(transfer(BOB, 1)),
            }
            .abi_encode(),
        ]),
    ])
}

proptest::proptest! {
    /// Mutated calldata decodes or is refused `INVALID_TRANSACTION`; never a panic.
    #[test]
    fn mutated_calldata_never_panics(
        flips in proptest::collection::vec((0usize..2_000, proptest::prelude::any::<u8>()), 1..6),
        cut in 0usize..2_000,
    ) {
        let mut data = corpus();
        for (at, value) in flips {
            let i = at % data.len();
            data[i] = value;
        }
        data.truncate(cut.max(4));
        if let Err(e) = call_intents(&ours(CONTRACT), Amount::from_u64(1), &data) {
            proptest::prop_assert_eq!(e.code(), "INVALID_TRANSACTION");
        }
    }

    /// Any bytes after any recognised selector: decoded or refused, never a panic.
    #[test]
    fn random_arguments_never_panic(
        which in 0usize..8,
        tail in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..400),
    ) {
        let selectors = [
            ISelfMulticall::multicallCall::SELECTOR,
            IERC1155::safeBatchTransferFromCall::SELECTOR,
            IPermit2::permit_1Call::SELECTOR,
            ISignatureTransfer::permitWitnessTransferFrom_1Call::SELECTOR,
            IMulticall3::aggregate3ValueCall::SELECTOR,
            IGnosisSafe::execTransactionCall::SELECTOR,
            IERC721::setApprovalForAllCall::SELECTOR,
            IDaiPermit::permitCall::SELECTOR,
        ];
        let mut data = selectors[which].to_vec();
        data.extend(tail);
        if let Err(e) = call_intents(&ours(CONTRACT), Amount::ZERO, &data) {
            proptest::prop_assert_eq!(e.code(), "INVALID_TRANSACTION");
        }
    }
}
