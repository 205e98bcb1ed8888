//! The agent handle: what a session token allows, and nothing else. It has no method
//! that creates wallets, edits policies, approves, or touches another wallet; every
//! call re-verifies the token, so revocation applies to the next call.

use std::sync::{Arc, PoisonError, RwLock};

use waiaas_core::audit::Actor;
use waiaas_core::session::{IssuedSession, Permission, VerifiedSession};
use waiaas_core::store::TxFilter;
use waiaas_core::{SessionId, SessionToken, TxId, TxStatus, ValidationError, WalletId};

use crate::error::{Error, Result};
use crate::pipeline::{Instance, RequestContext};
use crate::record::Transaction;
use crate::request::{ResolvedOperation, ResolvedRequest, SendRequest};

/// A native balance.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Balance {
    /// Wallet.
    pub wallet_id: WalletId,
    /// Network.
    pub network: waiaas_core::Network,
    /// Base units (lamports, wei).
    pub amount: waiaas_core::Amount,
    /// Human decimal (`"1.5"`).
    pub formatted: String,
    /// `SOL`, `ETH`, …
    pub symbol: String,
}

/// An agent's handle, made from its session token. Cheap to clone; `Send + Sync`.
#[derive(Debug, Clone)]
pub struct Agent {
    pub(crate) inner: Arc<Instance>,
    pub(crate) token: Arc<RwLock<SessionToken>>,
}

impl Agent {
    fn token(&self) -> SessionToken {
        self.token
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn session(
        &self,
        wallet: Option<WalletId>,
        permission: Permission,
    ) -> Result<(VerifiedSession, WalletId)> {
        let token = self.token();
        // The link is checked by index (a named wallet not linked is
        // WALLET_ACCESS_DENIED); with none named, the session's only wallet is used.
        let (session, linked) = self.inner.sessions.verify_wallet(token.expose(), wallet)?;
        let Some(wallet) = linked else {
            return Err(ValidationError::field(
                "walletId",
                "the session has several wallets; say which one",
            )
            .into());
        };
        session.check_permission(permission)?;
        Ok((session, wallet))
    }

    fn actor(session: &VerifiedSession) -> Actor {
        Actor::Session(session.session_id.to_string())
    }

    /// Submits a resolved request of this session's.
    fn submit(
        &self,
        session: &VerifiedSession,
        resolved: ResolvedRequest,
        context: RequestContext,
        idempotency_key: Option<String>,
    ) -> Result<Transaction> {
        self.inner.submit(
            &Self::actor(session),
            Some(session),
            resolved,
            context,
            idempotency_key,
        )
    }

    /// The wallets this session may use.
    ///
    /// # Errors
    /// Token errors (`INVALID_TOKEN`, `TOKEN_EXPIRED`, `SESSION_REVOKED`, …).
    pub fn wallets(&self) -> Result<Vec<WalletId>> {
        Ok(self.inner.sessions.wallets(self.token().expose())?)
    }

    /// The address of a wallet of this session.
    ///
    /// # Errors
    /// Token errors; `WALLET_ACCESS_DENIED`; `PERMISSION_DENIED` without BALANCE_READ.
    pub fn address(&self, wallet: Option<WalletId>) -> Result<String> {
        let (_, wallet) = self.session(wallet, Permission::BalanceRead)?;
        Ok(self.inner.vault.wallet(wallet)?.address)
    }

    /// The native balance of a wallet of this session, read through the network's
    /// chain client.
    ///
    /// # Errors
    /// Token errors; `PERMISSION_DENIED` without BALANCE_READ; `CHAIN_CLIENT_REQUIRED`
    /// when no client serves the network; `CHAIN_ERROR`.
    pub fn balance(&self, wallet: Option<WalletId>) -> Result<Balance> {
        let (_, wallet) = self.session(wallet, Permission::BalanceRead)?;
        let info = self.inner.vault.wallet(wallet)?;
        let amount = if let Some(client) = self.inner.clients.solana(info.network) {
            waiaas_core::Amount::from_u64(
                client.balance(&waiaas_core::SolanaAddress::parse(&info.address)?)?,
            )
        } else if let Some(client) = self.inner.clients.evm(info.network) {
            client.balance(&waiaas_core::EvmAddress::parse(&info.address)?)?
        } else {
            return Err(Error::NoChainClient {
                network: info.network.as_str(),
            });
        };
        let net = info.network.info();
        Ok(Balance {
            wallet_id: wallet,
            network: info.network,
            amount,
            formatted: amount.to_human(net.native_decimals),
            symbol: net.native_symbol.to_owned(),
        })
    }

    fn resolve(
        &self,
        req: &SendRequest,
        permission: Permission,
    ) -> Result<(VerifiedSession, ResolvedRequest, RequestContext)> {
        let (session, wallet) = self.session(req.wallet_id, permission)?;
        let context = self.inner.request_context(wallet)?;
        let network = context.wallet.network;
        let inner = &self.inner;
        let operation = req.operation.resolve(network, &mut |token| {
            inner.trusted_decimals(wallet, network, token)
        })?;
        let mut resolved = ResolvedRequest::new(wallet, network, operation);
        resolved.chain = req.chain.clone();
        resolved.action = req.action.clone();
        Ok((session, resolved, context))
    }

    /// Sends a transaction through the policy engine. INSTANT and NOTIFY come back
    /// SIGNED; DELAY comes back QUEUED; APPROVAL comes back PENDING_APPROVAL (or
    /// QUEUED when the wallet has no owner). A repeat with the same idempotency key
    /// returns the first result and never signs twice.
    ///
    /// # Errors
    /// Token errors; `WALLET_ACCESS_DENIED`; `PERMISSION_DENIED`; `INVALID_ADDRESS`,
    /// `INVALID_AMOUNT`, `VALIDATION_FAILED`; `KILL_SWITCH_ACTIVE`; `WALLET_SUSPENDED`;
    /// `POLICY_DENIED` with every reason (the denial is recorded); signing errors.
    pub fn send(&self, req: &SendRequest) -> Result<Transaction> {
        let (session, resolved, context) = self.resolve(req, Permission::Transaction)?;
        self.submit(&session, resolved, context, req.idempotency_key.clone())
    }

    /// The decision `send` would get now, without reserving, storing or signing.
    ///
    /// # Errors
    /// As [`Agent::send`] up to the decision.
    pub fn simulate(&self, req: &SendRequest) -> Result<waiaas_core::policy::Decision> {
        let (session, resolved, _) = self.resolve(req, Permission::Transaction)?;
        self.inner.simulate(&session, &resolved)
    }

    /// Signs a message under policy (SIGN_MESSAGE permission and a policy decision):
    /// on Solana Ed25519 over the off-chain message envelope
    /// ([`waiaas_chains::solana::offchain_message_bytes`], returned as `signedMessage`),
    /// never over raw bytes; EIP-191 `personal_sign` on EVM.
    ///
    /// # Errors
    /// As [`Agent::send`]; `INVALID_MESSAGE` on Solana for text that cannot be an
    /// off-chain message or bytes that read as a transaction (nothing is stored).
    pub fn sign_message(&self, wallet: Option<WalletId>, message: &[u8]) -> Result<Transaction> {
        let (session, wallet) = self.session(wallet, Permission::SignMessage)?;
        let context = self.inner.request_context(wallet)?;
        let network = context.wallet.network;
        if message.starts_with(crate::owner::OWNER_ACTION_PREFIX.as_bytes()) {
            // The owner signs texts that begin so; an agent's signature must never be
            // one, even when its wallet is (wrongly) someone's owner key elsewhere.
            return Err(ValidationError::field(
                "message",
                "begins like a waiaas owner action; such texts are never signed for an agent",
            )
            .into());
        }
        match network.chain() {
            // What cannot be an off-chain message (a transaction, …) is refused before
            // anything is stored.
            #[cfg(feature = "solana")]
            waiaas_core::Chain::Solana => {
                waiaas_chains::solana::offchain_message_bytes(
                    &waiaas_core::SolanaAddress::parse(&context.wallet.address)?,
                    message,
                )?;
            }
            // A personal_sign over 32 bytes is an `eth_sign` of a digest, which Safe, CoW
            // and 0x accept as authorising an order or a transaction: refused, like any
            // message that is not text.
            waiaas_core::Chain::Ethereum => {
                if message.len() == 32 || std::str::from_utf8(message).is_err() {
                    return Err(ValidationError::field(
                        "message",
                        "must be UTF-8 text and not 32 bytes long (a 32-byte message signs like a raw digest); sign structured data with sign_typed_data",
                    )
                    .into());
                }
            }
            #[cfg(not(feature = "solana"))]
            other @ waiaas_core::Chain::Solana => {
                return Err(crate::chain_features::not_compiled(other));
            }
        }
        let resolved = ResolvedRequest::new(
            wallet,
            network,
            ResolvedOperation::SignMessage {
                message: format!("0x{}", hex::encode(message)),
            },
        );
        self.submit(&session, resolved, context, None)
    }

    /// Signs EIP-712 typed data (`eth_signTypedData_v4` JSON) under policy; permits
    /// inside it (EIP-2612, Permit2) are judged by the APPROVE rules.
    ///
    /// # Errors
    /// As [`Agent::send`]; `INVALID_TRANSACTION` for typed data that does not parse.
    pub fn sign_typed_data(
        &self,
        wallet: Option<WalletId>,
        typed_data_json: &str,
    ) -> Result<Transaction> {
        let (session, wallet) = self.session(wallet, Permission::SignTypedData)?;
        let context = self.inner.request_context(wallet)?;
        let network = context.wallet.network;
        let effects = crate::pipeline::typed_data_effects(network, typed_data_json)?;
        let mut intents = effects.intents;
        // A permit or authorization usable for long can be held back and used after the
        // kill switch: its deadline must be near.
        if let Some(deadline) = effects.valid_until {
            let max = context.settings.max_signature_validity_secs;
            let latest = waiaas_core::Amount::from_u64(
                u64::try_from(context.now.max(0))
                    .unwrap_or(0)
                    .saturating_add(max),
            );
            if deadline > latest {
                return Err(ValidationError::field(
                    "typedData",
                    format!("it stays valid until `{deadline}`, more than {max} s from now; sign one with a nearer deadline (the operator sets the limit: `maxSignatureValiditySecs`)"),
                )
                .into());
            }
        }
        let inner = &self.inner;
        crate::request::state_trusted_decimals(&mut intents, &mut |token| {
            inner.trusted_decimals(wallet, network, token)
        })?;
        let resolved = ResolvedRequest::new(
            wallet,
            network,
            ResolvedOperation::SignTypedData {
                typed_data: typed_data_json.to_owned(),
                intents,
            },
        );
        self.submit(&session, resolved, context, None)
    }

    /// Signs a raw unsigned transaction built elsewhere (base64 wire bytes for Solana,
    /// `0x` RLP type-2 for EVM): it is decoded into intents, judged like any request
    /// (a transaction of several intents as a BATCH, unknown instructions as contract
    /// calls), and the exact decoded bytes are signed. The wallet must be the fee payer
    /// (Solana) and the chain id the wallet's (EVM).
    ///
    /// # Errors
    /// As [`Agent::send`]; `INVALID_TRANSACTION`, `UNSUPPORTED_TRANSACTION`,
    /// `CHAIN_MISMATCH` from decoding.
    pub fn sign_transaction(&self, wallet: Option<WalletId>, raw: &str) -> Result<Transaction> {
        let (session, wallet) = self.session(wallet, Permission::Transaction)?;
        let context = self.inner.request_context(wallet)?;
        #[cfg_attr(
            not(feature = "evm"),
            expect(unused_mut, reason = "only the EVM arm sets it")
        )]
        #[cfg_attr(
            not(feature = "solana"),
            expect(unused_assignments, reason = "the EVM arm, the only one, sets it")
        )]
        let mut gas_limit = None;
        let decoded = match context.wallet.network.chain() {
            #[cfg(feature = "solana")]
            waiaas_core::Chain::Solana => {
                let prepared =
                    waiaas_chains::solana::decode::PreparedTransaction::from_base64(raw)?;
                if prepared.decoded().fee_payer.as_deref() != Some(context.wallet.address.as_str())
                {
                    return Err(ValidationError::field(
                        "transaction",
                        "its fee payer is not this wallet",
                    )
                    .into());
                }
                // A durable nonce never expires: refused before anything is stored.
                if let Some(nonce) = &prepared.decoded().durable_nonce {
                    crate::pipeline::check_durable_nonce(
                        &context.settings,
                        wallet,
                        &context.wallet.address,
                        nonce,
                    )?;
                }
                prepared.decoded().clone()
            }
            #[cfg(feature = "evm")]
            waiaas_core::Chain::Ethereum => {
                let prepared = waiaas_chains::evm::decode::PreparedTransaction::from_hex(
                    context.wallet.network,
                    raw,
                )?;
                gas_limit = Some(prepared.transaction().gas_limit);
                // A nonce ahead of the account's pending one would let a signature be held
                // back and landed later (after the kill switch): refused when a chain
                // client can tell.
                if let Some(client) = self.inner.clients.evm(context.wallet.network) {
                    crate::execute::pending_nonce(
                        client.as_ref(),
                        &waiaas_core::EvmAddress::parse(&context.wallet.address)?,
                        "transaction",
                        Some(prepared.transaction().nonce),
                    )?;
                }
                prepared.decoded().clone()
            }
            #[cfg(not(all(feature = "solana", feature = "evm")))]
            other => return Err(crate::chain_features::not_compiled(other)),
        };
        let mut intents = decoded.intents;
        let inner = &self.inner;
        crate::request::state_trusted_decimals(&mut intents, &mut |token| {
            inner.trusted_decimals(wallet, context.wallet.network, token)
        })?;
        let mut resolved = ResolvedRequest::new(
            wallet,
            context.wallet.network,
            ResolvedOperation::RawTransaction {
                raw: raw.trim().to_owned(),
                intents,
            },
        );
        // The fee is decoded from the bytes that are signed (gas × fee cap, signatures
        // and compute-unit price): judged like any other native value, its gas limit
        // against the chain client's estimate.
        resolved.max_fee = Some(decoded.max_fee);
        resolved.chain.gas_limit = gas_limit;
        self.submit(&session, resolved, context, None)
    }

    fn own(&self, id: TxId) -> Result<waiaas_core::store::TxRecord> {
        let wallets = self.wallets()?;
        match self.inner.store.transaction(id)? {
            Some(r) if wallets.contains(&r.wallet_id) => Ok(r),
            // Another wallet's transaction does not exist for this agent.
            _ => Err(Error::TxNotFound(id)),
        }
    }

    /// This session's wallets' transactions, newest first.
    ///
    /// # Errors
    /// Token errors; `PERMISSION_DENIED` without BALANCE_READ.
    pub fn transactions(&self, limit: u32) -> Result<Vec<Transaction>> {
        let mut out = Vec::new();
        for wallet in self.wallets()? {
            self.session(Some(wallet), Permission::BalanceRead)?;
            let rows = self.inner.store.transactions(&TxFilter {
                wallet_id: Some(wallet),
                limit,
                ..TxFilter::default()
            })?;
            for r in &rows {
                out.push(Transaction::try_from(r)?);
            }
        }
        out.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        if limit > 0 {
            out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        Ok(out)
    }

    /// One of this session's transactions.
    ///
    /// # Errors
    /// `TX_NOT_FOUND` (also for another wallet's transaction).
    pub fn transaction(&self, id: TxId) -> Result<Transaction> {
        Ok(Transaction::try_from(&self.own(id)?)?)
    }

    /// The texts the wallet owner may sign for one of this session's transactions
    /// ([`crate::Owner::approval_request`]), for an agent that relays them to its human.
    ///
    /// # Errors
    /// `TX_NOT_FOUND` (also for another wallet's transaction); `OWNER_NOT_CONNECTED`;
    /// `STORAGE_ERROR`.
    pub fn approval_request(&self, id: TxId) -> Result<crate::owner::ApprovalRequest> {
        self.own(id)?;
        crate::Owner {
            inner: self.inner.clone(),
        }
        .approval_request(id)
    }

    /// Cancels one of its own QUEUED (DELAY) transactions.
    ///
    /// # Errors
    /// `TX_NOT_FOUND`; `TX_ALREADY_PROCESSED` once it executed or ended.
    pub fn cancel(&self, id: TxId) -> Result<Transaction> {
        let record = self.own(id)?;
        let (session, _) = self.session(Some(record.wallet_id), Permission::Transaction)?;
        self.inner
            .end(
                id,
                &[TxStatus::Queued],
                TxStatus::Cancelled,
                &Self::actor(&session),
                "TX_CANCELLED",
            )?
            .ok_or_else(|| self.inner.already_processed(id))
            .and_then(|r| Ok(Transaction::try_from(&r)?))
    }

    /// Renews the session token; this handle uses the new token from now on (the old
    /// one is invalid at once).
    ///
    /// # Errors
    /// `RENEWAL_TOO_EARLY`, `RENEWAL_LIMIT_REACHED`, `SESSION_ABSOLUTE_LIFETIME_EXCEEDED`,
    /// `RENEWAL_NOT_REQUIRED`, token errors.
    pub fn renew(&self) -> Result<IssuedSession> {
        self.renew_checked(None)
    }

    /// Renews the session token, as [`Agent::renew`], when `id` is this token's session
    /// (`PUT /v1/sessions/{id}/renew`): a token renews only its own session.
    ///
    /// # Errors
    /// `SESSION_NOT_FOUND` when `id` is another session; as [`Agent::renew`].
    pub fn renew_session(&self, id: SessionId) -> Result<IssuedSession> {
        self.renew_checked(Some(id))
    }

    fn renew_checked(&self, id: Option<SessionId>) -> Result<IssuedSession> {
        let mut guard = self.token.write().unwrap_or_else(PoisonError::into_inner);
        if let Some(id) = id
            && self.inner.sessions.verify(guard.expose())?.session_id != id
        {
            return Err(waiaas_core::SessionError::SessionNotFound.into());
        }
        let issued = self.inner.sessions.renew(guard.expose())?;
        *guard = issued.token.clone();
        Ok(issued)
    }
}
