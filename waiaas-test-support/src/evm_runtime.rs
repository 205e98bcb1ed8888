//! An in-process EVM (revm) fed what waiaas signs: signed transactions cross as raw
//! bytes or `0x` hex (never as waiaas types) and are decoded with alloy, an
//! implementation independent of the signer under test.

use alloy_consensus::TxEnvelope;
use alloy_consensus::transaction::SignerRecoverable as _;
use alloy_eips::eip2718::Decodable2718 as _;
use alloy_primitives::{Address, Bytes, TxKind, U256};
use revm::context::result::ExecutionResult;
use revm::context::{Context, TxEnv};
use revm::database::{CacheDB, EmptyDB};
use revm::state::{AccountInfo, Bytecode};
use revm::{
    Database as _, ExecuteCommitEvm as _, ExecuteEvm as _, MainBuilder as _, MainContext as _,
};

/// A mainnet-spec EVM over an in-memory database.
pub type Evm = revm::handler::MainnetEvm<revm::handler::MainnetContext<CacheDB<EmptyDB>>>;

/// The account read-only calls come from (tests fund it so it can pay their gas).
pub const READER: Address = Address::repeat_byte(0xee);

/// What an [`Evm`] starts with: the chain id, the block's base fee and timestamp, funded
/// accounts, contract code and storage slots, applied in the order given.
#[derive(Debug)]
pub struct Genesis {
    db: CacheDB<EmptyDB>,
    chain_id: u64,
    base_fee: Option<u64>,
    timestamp: Option<u64>,
}

impl Genesis {
    /// An empty state on chain `chain_id` (revm's default block otherwise).
    #[must_use]
    pub fn new(chain_id: u64) -> Self {
        Self {
            db: CacheDB::new(EmptyDB::default()),
            chain_id,
            base_fee: None,
            timestamp: None,
        }
    }

    /// The block's base fee (wei per gas).
    #[must_use]
    pub fn base_fee(mut self, wei: u64) -> Self {
        self.base_fee = Some(wei);
        self
    }

    /// The block's timestamp (Unix seconds).
    #[must_use]
    pub fn timestamp(mut self, unix: u64) -> Self {
        self.timestamp = Some(unix);
        self
    }

    /// `who` holds `wei` (and nothing else).
    #[must_use]
    pub fn fund(mut self, who: Address, wei: U256) -> Self {
        self.db
            .insert_account_info(who, AccountInfo::from_balance(wei));
        self
    }

    /// `at` holds the runtime bytecode `code` (see
    /// [`contract_runtime`](crate::testdata::contract_runtime)).
    #[must_use]
    pub fn code(mut self, at: Address, code: impl Into<Bytes>) -> Self {
        self.db.insert_account_info(
            at,
            AccountInfo::default().with_code(Bytecode::new_raw(code.into())),
        );
        self
    }

    /// Storage `slot` of `at` holds `value`.
    ///
    /// # Panics
    /// Never for the in-memory database.
    #[must_use]
    pub fn storage(mut self, at: Address, slot: U256, value: U256) -> Self {
        self.db.insert_account_storage(at, slot, value).unwrap();
        self
    }

    /// The EVM over this state.
    #[must_use]
    pub fn build(self) -> Evm {
        let Self {
            db,
            chain_id,
            base_fee,
            timestamp,
        } = self;
        Context::mainnet()
            .with_db(db)
            .modify_cfg_chained(|cfg| cfg.chain_id = chain_id)
            .modify_block_chained(|b| {
                if let Some(fee) = base_fee {
                    b.basefee = fee;
                }
                if let Some(t) = timestamp {
                    b.timestamp = U256::from(t);
                }
            })
            .build_mainnet()
    }
}

/// Decodes a signed EIP-1559 transaction with alloy, recovers its signer and executes
/// it in `evm` as that signer, committing the result.
///
/// # Panics
/// When the bytes are not a signed EIP-1559 envelope or revm fails (not: reverts).
pub fn execute_raw(evm: &mut Evm, raw: &[u8]) -> ExecutionResult {
    let envelope = TxEnvelope::decode_2718_exact(raw).unwrap();
    let TxEnvelope::Eip1559(signed) = &envelope else {
        panic!("not an EIP-1559 envelope")
    };
    let caller = envelope.recover_signer().unwrap();
    let tx = signed.tx();
    evm.transact_commit(TxEnv {
        tx_type: 2,
        caller,
        gas_limit: tx.gas_limit,
        gas_price: tx.max_fee_per_gas,
        gas_priority_fee: Some(tx.max_priority_fee_per_gas),
        kind: tx.to,
        value: tx.value,
        data: tx.input.clone(),
        nonce: tx.nonce,
        chain_id: Some(tx.chain_id),
        ..TxEnv::default()
    })
    .unwrap()
}

/// [`execute_raw`] of a `0x`-hex signed transaction (as waiaas returns it).
///
/// # Panics
/// As [`execute_raw`], or when the text is not hex.
pub fn execute_hex(evm: &mut Evm, signed_hex: &str) -> ExecutionResult {
    let raw = alloy_primitives::hex::decode(signed_hex.trim_start_matches("0x")).unwrap();
    execute_raw(evm, &raw)
}

/// A read-only call of `to` from [`READER`] (not committed); its output.
///
/// # Panics
/// When revm fails or the call does not succeed.
pub fn view(evm: &mut Evm, to: Address, data: Vec<u8>, chain_id: u64, gas_price: u128) -> Bytes {
    evm.transact(TxEnv {
        caller: READER,
        kind: TxKind::Call(to),
        data: data.into(),
        gas_limit: 100_000,
        gas_price,
        chain_id: Some(chain_id),
        nonce: 0,
        ..TxEnv::default()
    })
    .unwrap()
    .result
    .output()
    .unwrap()
    .clone()
}

/// The wei balance of `who` (zero for an unknown account).
///
/// # Panics
/// When the database fails.
pub fn eth_balance(evm: &mut Evm, who: Address) -> U256 {
    evm.ctx
        .journaled_state
        .database
        .basic(who)
        .unwrap()
        .map(|i| i.balance)
        .unwrap_or_default()
}
