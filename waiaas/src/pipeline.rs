//! The transaction pipeline shared by every handle: validate → session → kill switch
//! and wallet status → price → evaluate-and-reserve → by tier.

use std::sync::Arc;

use rand_core::{OsRng, RngCore};
use serde_json::json;
use waiaas_core::audit::{Actor, AuditEntry};
use waiaas_core::policy::{
    Decision, FeeBound, PolicyRequest, RequestBody, native_asset_id, token_asset_id,
};
use waiaas_core::session::{Permission, VerifiedSession};
use waiaas_core::store::Backend;
use waiaas_core::store::{
    Admission, AdmissionGate, Claim, DurableNonceUse, ExecutionCheck, LedgerEffect, OwnerState,
    PlacementRefusal, PlacementRules, SignOutcome, TxFilter, TxRecord, TxTransition, WalletRecord,
    WalletStatus,
};
use waiaas_core::{Clock, Tier, TxId, TxStatus, Vault};
use waiaas_policy::Engine;

use crate::error::{Error, Result};
use crate::execute::{check_chain_params, execute};
use crate::notify::{Event, EventKind};
use crate::price::PriceOracle;
use crate::record::Transaction;
use crate::request::{ResolvedOperation, ResolvedRequest};
use crate::settings::{SETTINGS_KEY, Settings};

/// An unlocked instance: the vault, the store, the engine and what the host plugged in.
/// Every handle (`Waiaas`, `Admin`, `Agent`, `Owner`) is a capability over one of these.
pub(crate) struct Instance {
    pub vault: Arc<Vault>,
    /// The storage backend (SQLite today), as the store traits.
    pub store: Arc<dyn Backend>,
    pub sessions: waiaas_core::SessionIssuer,
    pub engine: Engine,
    pub prices: Arc<dyn PriceOracle>,
    pub clock: Arc<dyn Clock>,
    pub data_dir: waiaas_core::DataDir,
    pub executing_timeout_secs: i64,
    pub events: crate::notify::Dispatcher,
    pub clients: crate::clients::ChainClients,
    pub action_provider: Option<Arc<dyn crate::ActionProvider>>,
    /// How often the scheduler announces the audit head (`None`: never).
    pub audit_head_interval: Option<std::time::Duration>,
    /// The unlocking password as a keyed hash, for servers' per-request checks.
    pub password_gate: crate::password_gate::PasswordGate,
}

impl std::fmt::Debug for Instance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Waiaas")
            .field("data_dir", &self.data_dir)
            .field("vault", &self.vault)
            .finish_non_exhaustive()
    }
}

/// A request ready for admission (the output of [`Instance::prepare`]).
struct Prepared {
    request: ResolvedRequest,
    record: TxRecord,
    policy_request: PolicyRequest,
    prices: waiaas_core::policy::PriceBook,
    wallet_row: WalletRecord,
    chain: crate::request::ChainParams,
    /// What placement needs besides what the store reads inside the transaction.
    rules: PlacementRules,
    settings: Settings,
    audit: AuditEntry,
    now: i64,
}

/// A request's wallet, with the settings and the time it is prepared at (read together
/// by [`Instance::request_context`]). The wallet's status is checked again inside the
/// admission transaction, and the settings placement needs are read there again.
pub struct RequestContext {
    pub wallet: WalletRecord,
    pub settings: Settings,
    pub now: i64,
}

/// What the admission transaction did, with the typed results of its callbacks.
struct Admitted {
    admission: Admission,
    /// Signing failed.
    failure: Option<Error>,
    /// What was signed.
    signed: Option<crate::record::ExecutionResult>,
}

fn nonce() -> String {
    let mut b = [0u8; 16];
    OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

impl Instance {
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// A session issuer honouring the current per-wallet cap.
    pub fn sessions_with(&self, max_active_per_wallet: u32) -> Result<waiaas_core::SessionIssuer> {
        Ok(waiaas_core::SessionIssuer::new(
            self.vault.clone(),
            waiaas_core::session::SessionConfig {
                max_active_per_wallet,
            },
        )?)
    }

    /// What a request of wallet `id` is prepared with, in one store read: its row
    /// (`WALLET_NOT_FOUND` when there is none), the settings and the time.
    pub fn request_context(&self, id: waiaas_core::WalletId) -> Result<RequestContext> {
        let reads = self.store.request_reads(id, self.clock.recent())?;
        Ok(RequestContext {
            wallet: reads
                .wallet
                .ok_or(waiaas_core::VaultError::WalletNotFound(id))?,
            settings: Settings::from_stored(reads.settings.as_deref())?,
            now: reads.now,
        })
    }

    pub fn settings(&self) -> Result<Settings> {
        Ok(Settings::from_stored(
            self.store.setting(SETTINGS_KEY)?.as_deref(),
        )?)
    }

    /// Queues a notification (never blocks, never fails the caller).
    pub fn emit(
        &self,
        kind: EventKind,
        wallet: Option<waiaas_core::WalletId>,
        tx: Option<TxId>,
        details: serde_json::Value,
    ) {
        let mut event = Event::new(kind, self.clock.recent()).with_details(details);
        if let Some(w) = wallet {
            event = event.with_wallet(w);
        }
        if let Some(t) = tx {
            event = event.with_tx(t);
        }
        self.events.send(event);
    }

    pub fn audit(&self, entry: &AuditEntry) -> Result<()> {
        Ok(self.store.append_audit(entry)?)
    }

    /// Admits a resolved request and carries it as far as its tier allows now: it is
    /// prepared (checked, priced, made into a row), admitted (decision, reservation and
    /// — for INSTANT and NOTIFY — the signature in one store transaction), then
    /// announced (events, broadcast, AutoStop).
    /// `context` was read when the request was resolved.
    pub fn submit(
        &self,
        actor: &Actor,
        session: Option<&VerifiedSession>,
        request: ResolvedRequest,
        context: RequestContext,
        idempotency_key: Option<String>,
    ) -> Result<Transaction> {
        let prepared = self.prepare(actor, session, request, context, idempotency_key)?;
        let (settings, now) = (prepared.settings.clone(), prepared.now);
        let wallet_id = prepared.request.wallet_id;
        let admitted = self.admit(prepared)?;
        self.announce(admitted, wallet_id, &settings, now)
    }

    /// Everything before the store transaction, network I/O included: the checks, the
    /// chain parameters and fee, the prices and the canonical request, the row.
    fn prepare(
        &self,
        actor: &Actor,
        session: Option<&VerifiedSession>,
        mut request: ResolvedRequest,
        context: RequestContext,
        idempotency_key: Option<String>,
    ) -> Result<Prepared> {
        let RequestContext {
            wallet: wallet_row,
            settings,
            now,
        } = context;
        // Resolving the request may have waited on the network since the read: the
        // clock's reading now, when later (the read applied the mark already).
        let now = now.max(self.clock.recent());
        if wallet_row.id != request.wallet_id {
            return Err(waiaas_core::VaultError::WalletNotFound(request.wallet_id).into());
        }
        check_chain_params(
            request.network,
            &request.operation,
            &request.chain,
            &self.clients,
        )?;
        if let Some(key) = &idempotency_key
            && (key.is_empty() || key.len() > 128)
        {
            return Err(waiaas_core::ValidationError::field(
                "idempotencyKey",
                "must be 1 to 128 characters",
            )
            .into());
        }
        let id = TxId::new();
        // INSTANT and NOTIFY are signed inside the admission transaction (one commit):
        // complete the chain parameters (network I/O) beforehand. The fee parameters
        // are stored with the request, so a later execution signs the fee that was
        // judged.
        let params = crate::execute::prepare_params(&self.vault, &request, &self.clients)?;
        request.chain.max_fee_per_gas = params.chain.max_fee_per_gas.clone();
        request.chain.max_priority_fee_per_gas = params.chain.max_priority_fee_per_gas.clone();
        request.chain.gas_limit = params.chain.gas_limit;
        let (policy_request, prices) =
            self.judged_input(id, session, &mut request, &params, &settings)?;
        request.valuation = self.valuation(&request, &policy_request.body, &prices, now)?;
        let request_json = serde_json::to_string(&request)
            .map_err(|e| waiaas_core::ValidationError::field("request", e.to_string()))?;
        let record = TxRecord {
            id,
            wallet_id: request.wallet_id,
            session_id: session.map(|s| s.session_id),
            network: request.network,
            kind: request.operation.kind().to_owned(),
            status: TxStatus::Pending,
            tier: None,
            request: request_json,
            decision: None,
            idempotency_key,
            owner_nonce: nonce(),
            result: None,
            error_code: None,
            error_message: None,
            execute_after: None,
            expires_at: None,
            created_at: now,
            updated_at: now,
        };
        let rules = PlacementRules {
            network: request.network,
            wallet_id: request.wallet_id,
            wallet_address: wallet_row.address.clone(),
            max_fee: request.max_fee,
            durable_nonce: self
                .durable_nonce(&request)?
                .as_ref()
                .map(durable_nonce_use),
            // An allowance increase (its total unknown) needs a registered owner:
            // without one, APPROVAL would become a DELAY and increments would add up
            // past any cap.
            needs_owner: raises_allowance(&policy_request.body),
        };
        let audit = AuditEntry::new(now, actor, "TX_REQUESTED")
            .wallet(request.wallet_id)
            .tx(id)
            .details(json!({
                "kind": request.operation.kind(),
                "counterparty": request.operation.counterparty(),
                // The quotes the decision used: source, price and age.
                "prices": prices.quotes.iter().map(|(asset, q)| json!({
                    "asset": asset,
                    "usd": q.usd,
                    "source": q.source,
                    "ageSeconds": now.saturating_sub(q.observed_at),
                })).collect::<Vec<_>>(),
            }));
        Ok(Prepared {
            request,
            record,
            policy_request,
            prices,
            wallet_row,
            chain: params.chain,
            rules,
            settings,
            audit,
            now,
        })
    }

    /// The one store transaction: decision, reservation, placement by tier and, for
    /// INSTANT and NOTIFY, the signature — committed together or not at all.
    fn admit(&self, prepared: Prepared) -> Result<Admitted> {
        let Prepared {
            request,
            record,
            policy_request,
            prices,
            wallet_row,
            chain,
            rules,
            settings: _,
            audit,
            now,
        } = prepared;
        // Placement is the store's rule over `rules` and the owner and settings it
        // reads inside the admission transaction: settings that changed since
        // `prepare` (durable nonces turned off, a fee ceiling lowered) refuse the
        // request there, reservation released.
        let params = std::cell::RefCell::new(Some(chain));
        let failure: std::cell::RefCell<Option<Error>> = std::cell::RefCell::new(None);
        // The signed result stays typed; the store keeps its JSON.
        let signed: std::cell::RefCell<Option<crate::record::ExecutionResult>> =
            std::cell::RefCell::new(None);
        let sign = || {
            // Called at most once, inside the admission transaction.
            let result = match params.borrow_mut().take() {
                Some(chain) => {
                    let signer =
                        waiaas_chains::VaultSigner::from_record(&self.vault, wallet_row.clone());
                    crate::execute::sign_request(&signer, &request, &chain)
                }
                None => {
                    Err(waiaas_core::ValidationError::field("transaction", "signed twice").into())
                }
            }
            .and_then(|result| {
                let text = serde_json::to_string(&result).map_err(|e| {
                    waiaas_core::StoreError::CorruptRow {
                        table: "transactions",
                        reason: format!("column `result`: {e}"),
                    }
                })?;
                Ok((text, result))
            });
            match result {
                Ok((text, result)) => {
                    let tx_hash = result.tx_hash.clone();
                    *signed.borrow_mut() = Some(result);
                    SignOutcome::Signed {
                        result: text,
                        tx_hash,
                    }
                }
                Err(e) => {
                    let outcome = SignOutcome::Failed {
                        code: e.code().to_owned(),
                        message: e.to_string(),
                    };
                    *failure.borrow_mut() = Some(e);
                    outcome
                }
            }
        };
        let admission = self.store.admit_transaction(
            &record,
            &policy_request,
            &prices,
            now,
            &self.engine,
            &rules,
            &sign,
            &audit,
        )?;
        Ok(Admitted {
            admission,
            failure: failure.into_inner(),
            signed: signed.into_inner(),
        })
    }

    /// After the commit: events, the broadcast of what was signed, AutoStop, and the
    /// caller's answer.
    fn announce(
        &self,
        admitted: Admitted,
        wallet_id: waiaas_core::WalletId,
        settings: &Settings,
        now: i64,
    ) -> Result<Transaction> {
        let Admitted {
            admission,
            failure,
            signed,
        } = admitted;
        match admission {
            Admission::Duplicate(existing) => replay(&existing),
            Admission::Refused(gate) => Err(refusal(gate, wallet_id)),
            Admission::Decided {
                decision,
                record,
                refusal,
            } => {
                let (wallet, tx) = (Some(record.wallet_id), Some(record.id));
                if !decision.allowed {
                    self.emit(
                        EventKind::PolicyDenied,
                        wallet,
                        tx,
                        json!({ "reasons": decision.reason_codes() }),
                    );
                    return Err(Error::PolicyDenied {
                        tx_id: record.id,
                        reasons: decision.reasons,
                    });
                }
                self.emit(
                    EventKind::TxRequested,
                    wallet,
                    tx,
                    json!({ "kind": record.kind, "tier": decision.tier }),
                );
                if !decision.warnings.is_empty() {
                    let codes: Vec<&str> =
                        decision.warnings.iter().map(|w| w.code.as_str()).collect();
                    self.emit(
                        EventKind::CumulativeLimitWarning,
                        wallet,
                        tx,
                        json!({ "warnings": codes }),
                    );
                }
                match record.status {
                    TxStatus::Queued => self.emit(
                        EventKind::TxQueued,
                        wallet,
                        tx,
                        json!({ "executeAfter": record.execute_after }),
                    ),
                    TxStatus::PendingApproval => self.emit(
                        EventKind::TxApprovalRequired,
                        wallet,
                        tx,
                        json!({ "expiresAt": record.expires_at }),
                    ),
                    _ => {}
                }
                match record.status {
                    TxStatus::Signed => {
                        let result = signed.ok_or_else(|| waiaas_core::StoreError::CorruptRow {
                            table: "transactions",
                            reason: "admitted as signed without a signature".to_owned(),
                        })?;
                        let updated = self.submit_signed(record, &result, &Actor::System)?;
                        self.announce_signed(&updated, &result);
                        self.auto_stop(updated.wallet_id, settings, now, false)?;
                        Ok(Transaction::try_from(&updated)?)
                    }
                    TxStatus::Failed => {
                        self.emit(
                            EventKind::TxFailed,
                            wallet,
                            tx,
                            json!({ "code": record.error_code }),
                        );
                        self.auto_stop(record.wallet_id, settings, now, true)?;
                        Err(refusal.map(placement_error).or(failure).unwrap_or_else(|| {
                            waiaas_core::ValidationError::field(
                                "transaction",
                                record.error_message.clone().unwrap_or_default(),
                            )
                            .into()
                        }))
                    }
                    _ => {
                        self.auto_stop(record.wallet_id, settings, now, false)?;
                        Ok(Transaction::try_from(&record)?)
                    }
                }
            }
        }
    }

    /// The canonical request and the prices it needs (the ceiling of its fee is the
    /// caller's to set).
    pub fn policy_input(
        &self,
        id: TxId,
        session: Option<&VerifiedSession>,
        request: &ResolvedRequest,
    ) -> (PolicyRequest, waiaas_core::policy::PriceBook) {
        let body = request.operation.policy_body();
        let mut tokens = Vec::new();
        token_assets(request.network, &body, &mut tokens);
        let assets: Vec<String> = std::iter::once(native_asset_id(request.network))
            .chain(tokens.into_iter().map(|(id, _)| id))
            .collect();
        let policy_request = PolicyRequest {
            request_id: id,
            wallet_id: request.wallet_id,
            network: request.network,
            body,
            permissions: session
                .map_or_else(|| Permission::ALL.to_vec(), |s| s.permissions.clone()),
            action: request.trusted_action.clone(),
            claimed_action: request.action.clone(),
            fee: request.max_fee.map(|max| FeeBound { max, ceiling: None }),
        };
        (policy_request, self.prices.price_book(&assets))
    }

    /// Completes what the request is judged on from data the agent does not choose —
    /// the fee bound of what will be signed (raw transactions carry the one decoded from
    /// their bytes) and its ceiling, the host's action descriptor — and builds the
    /// policy request from it.
    fn judged_input(
        &self,
        id: TxId,
        session: Option<&VerifiedSession>,
        request: &mut ResolvedRequest,
        prepared: &crate::execute::Prepared,
        settings: &Settings,
    ) -> Result<(PolicyRequest, waiaas_core::policy::PriceBook)> {
        if !matches!(request.operation, ResolvedOperation::RawTransaction { .. }) {
            request.max_fee = crate::execute::max_fee(request, &prepared.chain)?;
        }
        if let Some(provider) = &self.action_provider {
            request.trusted_action = provider.describe(request);
        }
        let ceiling = request
            .max_fee
            .map(|_| crate::execute::fee_ceiling(request, prepared, settings, &self.clients))
            .transpose()?;
        let (mut input, prices) = self.policy_input(id, session, request);
        if let Some(fee) = &mut input.fee {
            fee.ceiling = ceiling;
        }
        Ok((input, prices))
    }

    /// The symbol and fresh USD quote of every asset `body` moves, for the owner's text.
    fn valuation(
        &self,
        request: &ResolvedRequest,
        body: &RequestBody,
        prices: &waiaas_core::policy::PriceBook,
        now: i64,
    ) -> Result<std::collections::BTreeMap<String, crate::request::AssetView>> {
        let network = request.network;
        let usd = |id: &str| prices.fresh(id, now).map(|q| q.usd);
        let native = native_asset_id(network);
        let mut out = std::collections::BTreeMap::new();
        out.insert(
            native.clone(),
            crate::request::AssetView {
                symbol: Some(network.info().native_symbol.to_owned()),
                usd: usd(&native),
            },
        );
        let mut tokens = Vec::new();
        token_assets(network, body, &mut tokens);
        if !tokens.is_empty() {
            let policies = self
                .store
                .policies(waiaas_core::policy::PolicyFilter::ApplicableTo(
                    request.wallet_id,
                ))?;
            for (id, address) in tokens {
                let symbol =
                    self.engine
                        .token_symbol(request.wallet_id, network, &address, &policies);
                let view = crate::request::AssetView {
                    symbol,
                    usd: usd(&id),
                };
                out.insert(id, view);
            }
        }
        Ok(out)
    }

    /// A token's decimals from the sources the agent cannot choose: the operator's
    /// ALLOWED_TOKENS entry in force for the wallet, else the chain (read once through
    /// the network's client).
    pub fn trusted_decimals(
        &self,
        wallet: waiaas_core::WalletId,
        network: waiaas_core::Network,
        token: &str,
    ) -> Result<crate::request::TrustedDecimals> {
        let policies = self
            .store
            .policies(waiaas_core::policy::PolicyFilter::ApplicableTo(wallet))?;
        let operator = self
            .engine
            .token_decimals(wallet, network, token, &policies);
        let chain = match operator {
            Some(_) => None,
            None => self.clients.token_decimals(network, token),
        };
        Ok(crate::request::TrustedDecimals { operator, chain })
    }

    /// The decision for `request` now, with no side effect.
    pub fn simulate(
        &self,
        session: &VerifiedSession,
        request: &ResolvedRequest,
    ) -> Result<Decision> {
        let mut request = request.clone();
        let prepared = crate::execute::prepare_params(&self.vault, &request, &self.clients)?;
        let (policy_request, prices) = self.judged_input(
            TxId::new(),
            Some(session),
            &mut request,
            &prepared,
            &self.settings()?,
        )?;
        Ok(self
            .store
            .simulate(&policy_request, &prices, self.now(), &self.engine)?)
    }

    /// The policy request of a stored row, rebuilt exactly as admission built it (with
    /// the requesting session's stored permissions), and the prices it needs now.
    fn execution_input(
        &self,
        record: &TxRecord,
    ) -> Result<(PolicyRequest, waiaas_core::policy::PriceBook)> {
        let request: ResolvedRequest = serde_json::from_str(&record.request).map_err(|e| {
            waiaas_core::ValidationError::field(
                "request",
                format!("stored request is unreadable: {e}"),
            )
        })?;
        let session = match record.session_id {
            // A vanished session grants nothing (and its row is stopped at the claim).
            Some(id) => Some(self.store.session(id)?.map_or_else(
                || VerifiedSession {
                    session_id: id,
                    permissions: Vec::new(),
                    generation: 0,
                    expires_at: None,
                },
                |s| VerifiedSession {
                    session_id: s.id,
                    permissions: s.permissions,
                    generation: s.token_generation,
                    expires_at: s.expires_at,
                },
            )),
            None => None,
        };
        let (mut input, prices) = self.policy_input(record.id, session.as_ref(), &request);
        // The operator's fee ceiling in force now (lowered since admission, it wins).
        if let Some(fee) = &mut input.fee {
            fee.ceiling = Some(self.settings()?.fee_ceiling(request.network));
        }
        Ok((input, prices))
    }

    /// Claims a QUEUED or PENDING_APPROVAL row for execution with `change` (to
    /// EXECUTING). In the transaction that moves it, the store re-checks the kill switch,
    /// the wallet and the session, and re-judges the request with the policies in force
    /// now (limits reserved at admission are not counted again; the tier stays). `None`
    /// when the compare-and-swap failed; an error when the row was stopped (CANCELLED)
    /// or denied (FAILED `POLICY_DENIED`), its reservation released either way.
    pub fn claim(
        &self,
        record: &TxRecord,
        change: &TxTransition,
        audit: &AuditEntry,
    ) -> Result<Option<TxRecord>> {
        let now = self.now();
        let (wallet, tx) = (Some(record.wallet_id), Some(record.id));
        let (request, prices) = match self.execution_input(record) {
            Ok(input) => input,
            // A storage error says nothing about the row: leave it for the next run.
            Err(e @ Error::Store(_)) => return Err(e),
            Err(e) => {
                // Nothing to re-judge is a denial: fail the row rather than sign it.
                let fail = TxTransition {
                    error_code: Some(e.code().to_owned()),
                    error_message: Some(e.to_string()),
                    ledger: LedgerEffect::Release,
                    ..TxTransition::new(&change.from, TxStatus::Failed)
                };
                let entry = AuditEntry::new(now, &Actor::System, "TX_FAILED")
                    .wallet(record.wallet_id)
                    .tx(record.id)
                    .details(json!({ "code": e.code(), "stage": "execution" }));
                if self
                    .store
                    .transition_transaction(record.id, &fail, now, &entry)?
                    .is_some()
                {
                    self.emit(EventKind::TxFailed, wallet, tx, json!({ "code": e.code() }));
                }
                return Err(e);
            }
        };
        let check = ExecutionCheck {
            request: &request,
            prices: &prices,
            engine: &self.engine,
        };
        match self
            .store
            .claim_transaction(record.id, change, &check, now, audit)?
        {
            Claim::Claimed(claimed) => Ok(Some(claimed)),
            Claim::Lost => Ok(None),
            Claim::Stopped { gate, record } => {
                self.emit(
                    EventKind::TxCancelled,
                    wallet,
                    tx,
                    json!({ "by": Actor::System.label(), "cause": gate.code() }),
                );
                Err(refusal(gate, record.wallet_id))
            }
            Claim::Denied { decision, record } => {
                self.emit(
                    EventKind::PolicyDenied,
                    wallet,
                    tx,
                    json!({ "reasons": decision.reason_codes(), "stage": "execution" }),
                );
                self.emit(
                    EventKind::TxFailed,
                    wallet,
                    tx,
                    json!({ "code": "POLICY_DENIED" }),
                );
                Err(Error::PolicyDenied {
                    tx_id: record.id,
                    reasons: decision.reasons,
                })
            }
        }
    }

    /// The in-flight rows (of `wallet`, or all) that a revocation, a suspension or the
    /// kill switch may cancel: read before the change, so that the cancellations the
    /// store makes inside it can be announced after it.
    pub fn in_flight(&self, wallet: Option<waiaas_core::WalletId>) -> Result<Vec<TxRecord>> {
        Ok(self.store.transactions(&TxFilter {
            wallet_id: wallet,
            statuses: vec![
                TxStatus::Pending,
                TxStatus::Queued,
                TxStatus::PendingApproval,
                TxStatus::Executing,
            ],
            ..TxFilter::default()
        })?)
    }

    /// Emits TX_CANCELLED for each row of `before` that is now CANCELLED with `cause`;
    /// returns how many.
    pub fn announce_cancelled(&self, before: &[TxRecord], cause: &str, actor: &Actor) -> u64 {
        let mut n: u64 = 0;
        for r in before {
            if let Ok(Some(now)) = self.store.transaction(r.id)
                && now.status == TxStatus::Cancelled
                && now.error_code.as_deref() == Some(cause)
            {
                self.emit(
                    EventKind::TxCancelled,
                    Some(now.wallet_id),
                    Some(now.id),
                    json!({ "by": actor.label(), "cause": cause }),
                );
                n = n.saturating_add(1);
            }
        }
        n
    }

    /// Signs an EXECUTING row and records the outcome. The signature is returned only
    /// after SIGNED (with the committed reservation) is stored; if the row was moved
    /// meanwhile (kill switch, cancel), the signature is discarded.
    pub fn run(&self, record: &TxRecord, actor: &Actor) -> Result<Transaction> {
        let outcome = self.check_kill_switch().and_then(|()| {
            let request: ResolvedRequest = serde_json::from_str(&record.request).map_err(|e| {
                waiaas_core::ValidationError::field(
                    "request",
                    format!("stored request is unreadable: {e}"),
                )
            })?;
            self.check_durable_nonce_now(&request)?;
            execute(&self.vault, &request, &self.clients)
        });
        let now = self.now();
        match outcome {
            Ok(result) => {
                let result_json = serde_json::to_string(&result).unwrap_or_default();
                let change = TxTransition {
                    result: Some(result_json),
                    ledger: LedgerEffect::Commit,
                    ..TxTransition::new(&[TxStatus::Executing], TxStatus::Signed)
                };
                let audit = AuditEntry::new(now, actor, "TX_SIGNED")
                    .wallet(record.wallet_id)
                    .tx(record.id)
                    .details(json!({ "txHash": result.tx_hash }));
                let signed = self
                    .store
                    .transition_transaction(record.id, &change, now, &audit)?;
                // The request that reaches a threshold completes; the wallet stops after it.
                self.auto_stop(record.wallet_id, &self.settings()?, now, false)?;
                match signed {
                    Some(updated) => {
                        let updated = self.submit_signed(updated, &result, actor)?;
                        self.announce_signed(&updated, &result);
                        Ok(Transaction::try_from(&updated)?)
                    }
                    None => Err(self.already_processed(record.id)),
                }
            }
            Err(e) => {
                let change = TxTransition {
                    error_code: Some(e.code().to_owned()),
                    error_message: Some(e.to_string()),
                    ledger: LedgerEffect::Release,
                    ..TxTransition::new(&[TxStatus::Executing], TxStatus::Failed)
                };
                let audit = AuditEntry::new(now, actor, "TX_FAILED")
                    .wallet(record.wallet_id)
                    .tx(record.id)
                    .details(json!({ "code": e.code() }));
                self.store
                    .transition_transaction(record.id, &change, now, &audit)?;
                self.emit(
                    EventKind::TxFailed,
                    Some(record.wallet_id),
                    Some(record.id),
                    json!({ "code": e.code() }),
                );
                self.auto_stop(record.wallet_id, &self.settings()?, now, true)?;
                Err(e)
            }
        }
    }

    /// The durable nonce of a raw Solana transaction, if it has one.
    fn durable_nonce(
        &self,
        request: &ResolvedRequest,
    ) -> Result<Option<waiaas_chains::intent::DurableNonce>> {
        match &request.operation {
            ResolvedOperation::RawTransaction { raw, .. }
                if request.network.chain() == waiaas_core::Chain::Solana =>
            {
                crate::chain_features::solana_durable_nonce(raw)
            }
            _ => Ok(None),
        }
    }

    /// A queued durable-nonce transaction signs only while the operator still allows
    /// durable nonces for its wallet (a setting turned off after queueing wins).
    fn check_durable_nonce_now(&self, request: &ResolvedRequest) -> Result<()> {
        if let Some(nonce) = self.durable_nonce(request)? {
            let address = self.vault.wallet(request.wallet_id)?.address;
            check_durable_nonce(&self.settings()?, request.wallet_id, &address, &nonce)?;
        }
        Ok(())
    }

    /// Broadcasts a SIGNED row when a chain client serves its network: SUBMITTED on
    /// success; on failure it stays SIGNED (the signature exists and may still be
    /// broadcast) with the error recorded.
    fn submit_signed(
        &self,
        record: TxRecord,
        result: &crate::record::ExecutionResult,
        actor: &Actor,
    ) -> Result<TxRecord> {
        let (change, event) = match crate::execute::broadcast(record.network, result, &self.clients)
        {
            Ok(None) => return Ok(record),
            Ok(Some(hash)) => (
                TxTransition {
                    result: serde_json::to_string(&crate::record::ExecutionResult {
                        tx_hash: Some(hash),
                        ..result.clone()
                    })
                    .ok(),
                    ..TxTransition::new(&[TxStatus::Signed], TxStatus::Submitted)
                },
                "TX_SUBMITTED",
            ),
            Err(e) => (
                TxTransition {
                    error_code: Some(e.code().to_owned()),
                    error_message: Some(format!("broadcast failed: {e}")),
                    ..TxTransition::new(&[TxStatus::Signed], TxStatus::Signed)
                },
                "TX_BROADCAST_FAILED",
            ),
        };
        let now = self.now();
        let audit = AuditEntry::new(now, actor, event)
            .wallet(record.wallet_id)
            .tx(record.id);
        Ok(self
            .store
            .transition_transaction(record.id, &change, now, &audit)?
            .unwrap_or(record))
    }

    /// TX_NOTIFY (NOTIFY tier) and TX_SIGNED for a signed row.
    fn announce_signed(&self, record: &TxRecord, result: &crate::record::ExecutionResult) {
        let (wallet, tx) = (Some(record.wallet_id), Some(record.id));
        let details = json!({ "txHash": result.tx_hash });
        if record.tier == Some(Tier::Notify) {
            self.emit(EventKind::TxNotify, wallet, tx, details.clone());
        }
        self.emit(EventKind::TxSigned, wallet, tx, details);
    }

    pub fn already_processed(&self, id: TxId) -> Error {
        match self.store.transaction(id) {
            Ok(Some(r)) => Error::TxAlreadyProcessed {
                tx_id: id,
                status: r.status.as_str(),
            },
            Ok(None) => Error::TxNotFound(id),
            Err(e) => e.into(),
        }
    }

    pub fn check_kill_switch(&self) -> Result<()> {
        match self.store.kill_switch()? {
            waiaas_core::store::KillSwitchState::Active => Ok(()),
            other => Err(kill_switch_refusal(other)),
        }
    }

    /// Moves a row from `from` to `to`, releasing its reservation.
    pub fn end(
        &self,
        id: TxId,
        from: &[TxStatus],
        to: TxStatus,
        actor: &Actor,
        event: &str,
    ) -> Result<Option<TxRecord>> {
        let now = self.now();
        let change = TxTransition {
            ledger: LedgerEffect::Release,
            ..TxTransition::new(from, to)
        };
        let wallet = self.store.transaction(id)?.map(|r| r.wallet_id);
        let mut audit = AuditEntry::new(now, actor, event).tx(id);
        audit.wallet_id = wallet;
        let ended = self
            .store
            .transition_transaction(id, &change, now, &audit)?;
        if ended.is_some() {
            let kind = match to {
                TxStatus::Expired => EventKind::TxExpired,
                TxStatus::Rejected => EventKind::TxRejected,
                _ => EventKind::TxCancelled,
            };
            self.emit(kind, wallet, Some(id), json!({ "by": actor.label() }));
        }
        Ok(ended)
    }

    /// Executes due DELAY rows, expires approvals past their window, and fails rows
    /// left EXECUTING/PENDING by a crashed process. Returns the rows it touched.
    pub fn process_due(&self) -> Result<Vec<Transaction>> {
        let now = self.now();
        let mut out = self.recover_interrupted()?;
        for record in self.store.due_transactions(now)? {
            match record.status {
                TxStatus::Queued => {
                    let change = TxTransition::new(&[TxStatus::Queued], TxStatus::Executing);
                    let audit = AuditEntry::new(now, &Actor::System, "TX_EXECUTING")
                        .wallet(record.wallet_id)
                        .tx(record.id);
                    match self.claim(&record, &change, &audit) {
                        Ok(None) => continue,
                        Ok(Some(claimed)) => {
                            // A failure is recorded on the row; keep processing the others.
                            let _ = self.run(&claimed, &Actor::System);
                        }
                        Err(Error::Store(e)) => return Err(e.into()),
                        // Stopped or denied at the claim: recorded on the row.
                        Err(_) => {}
                    }
                    if let Some(r) = self.store.transaction(record.id)? {
                        // The row's change is committed; an unreadable row only
                        // leaves the report (it must not stop the rest of the batch).
                        out.extend(Transaction::try_from(&r).ok());
                    }
                }
                TxStatus::PendingApproval => {
                    if let Some(r) = self.end(
                        record.id,
                        &[TxStatus::PendingApproval],
                        TxStatus::Expired,
                        &Actor::System,
                        "TX_EXPIRED",
                    )? {
                        // The row's change is committed; an unreadable row only
                        // leaves the report (it must not stop the rest of the batch).
                        out.extend(Transaction::try_from(&r).ok());
                    }
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// Rows a crashed process left PENDING or EXECUTING for longer than the executing
    /// timeout: no signature left for them (SIGNED is stored before one is returned),
    /// so they fail and their reservations are released.
    pub fn recover_interrupted(&self) -> Result<Vec<Transaction>> {
        let now = self.now();
        let stale = now.saturating_sub(self.executing_timeout_secs);
        let mut out = Vec::new();
        let rows = self.store.transactions(&TxFilter {
            statuses: vec![TxStatus::Pending, TxStatus::Executing],
            ..TxFilter::default()
        })?;
        for r in rows.iter().filter(|r| r.updated_at <= stale) {
            let change = TxTransition {
                error_code: Some("INTERRUPTED".to_owned()),
                error_message: Some(
                    "the process executing this transaction stopped before signing".to_owned(),
                ),
                ledger: LedgerEffect::Release,
                ..TxTransition::new(&[TxStatus::Pending, TxStatus::Executing], TxStatus::Failed)
            };
            let audit = AuditEntry::new(now, &Actor::System, "TX_RECOVERED")
                .wallet(r.wallet_id)
                .tx(r.id);
            if let Some(updated) = self
                .store
                .transition_transaction(r.id, &change, now, &audit)?
            {
                // Recovered either way; an unreadable row must not stop the others
                // (or the open that runs this).
                out.extend(Transaction::try_from(&updated).ok());
            }
        }
        Ok(out)
    }

    /// AutoStop: suspends a wallet after too many consecutive failures or sends.
    /// `failed`: the call follows a failed execution. A failure streak grows only by a
    /// failure, so it is counted after failures only (the last failure to finish
    /// counts the whole streak).
    pub fn auto_stop(
        &self,
        wallet: waiaas_core::WalletId,
        settings: &Settings,
        now: i64,
        failed: bool,
    ) -> Result<()> {
        // A threshold of 0 disables its check.
        let max_failures = if failed {
            settings.auto_stop_consecutive_failures
        } else {
            0
        };
        if settings.auto_stop_max_sends == 0 && max_failures == 0 {
            return Ok(());
        }
        let since =
            now.saturating_sub(i64::try_from(settings.auto_stop_window_secs).unwrap_or(i64::MAX));
        let (sends, failures) = self.store.wallet_activity(
            wallet,
            since,
            settings.auto_stop_max_sends,
            max_failures,
        )?;
        let reason = if max_failures > 0 && failures >= max_failures {
            "consecutive_failures"
        } else if settings.auto_stop_max_sends > 0 && sends >= settings.auto_stop_max_sends {
            "unusual_activity"
        } else {
            return Ok(());
        };
        // Only an active wallet is stopped (a terminated one stays terminated).
        if self.vault.wallet(wallet)?.status != WalletStatus::Active {
            return Ok(());
        }
        let audit = AuditEntry::new(now, &Actor::System, "AUTO_STOP_TRIGGERED")
            .wallet(wallet)
            .details(json!({ "reason": reason, "sends": sends, "consecutiveFailures": failures }));
        let before = self.in_flight(Some(wallet))?;
        self.store
            .set_wallet_status(wallet, WalletStatus::Suspended, now, &audit)?;
        self.announce_cancelled(
            &before,
            AdmissionGate::Wallet(WalletStatus::Suspended).code(),
            &Actor::System,
        );
        self.emit(
            EventKind::AutoStopTriggered,
            Some(wallet),
            None,
            json!({ "reason": reason, "sends": sends, "consecutiveFailures": failures }),
        );
        Ok(())
    }

    /// Whether the wallet's owner is registered, and in which state.
    pub fn owner_state(&self, wallet: waiaas_core::WalletId) -> Result<OwnerState> {
        Ok(self
            .store
            .owner(wallet)?
            .map_or(OwnerState::None, |o| o.state))
    }
}

/// What typed data for a wallet on `network` does: every grant and transfer its hashed
/// struct makes (or the unrecognised primary type), and until when it can be used.
pub(crate) fn typed_data_effects(
    network: waiaas_core::Network,
    typed_data_json: &str,
) -> Result<crate::chain_features::TypedDataEffects> {
    if network.chain() != waiaas_core::Chain::Ethereum {
        return Err(waiaas_core::ValidationError::field(
            "typedData",
            "EIP-712 typed data is for EVM wallets",
        )
        .into());
    }
    crate::chain_features::typed_data_effects(network, typed_data_json)
}

/// The caller's error for a placement refusal: `DURABLE_NONCE_NOT_ALLOWED` as a chain
/// error, the others `VALIDATION_FAILED` naming the field (its text is the one the
/// store recorded on the row).
fn placement_error(refusal: PlacementRefusal) -> Error {
    match refusal.field() {
        None => waiaas_chains::ChainError::DurableNonceNotAllowed {
            reason: refusal.reason(),
        }
        .into(),
        Some(field) => waiaas_core::ValidationError::field(field, refusal.reason()).into(),
    }
}

/// The durable nonce as placement data.
fn durable_nonce_use(nonce: &waiaas_chains::intent::DurableNonce) -> DurableNonceUse {
    DurableNonceUse {
        nonce_account: nonce.nonce_account.clone(),
        authority: nonce.authority.clone(),
    }
}

/// The store's durable-nonce rule ([`waiaas_store::rules::placement::durable_nonce`]),
/// as the caller's error: raw signing checks it before storing anything, execution of a
/// queued row with the settings in force then.
pub(crate) fn check_durable_nonce(
    settings: &Settings,
    wallet: waiaas_core::WalletId,
    address: &str,
    nonce: &waiaas_chains::intent::DurableNonce,
) -> Result<()> {
    match waiaas_store::rules::placement::durable_nonce(
        settings,
        wallet,
        address,
        &durable_nonce_use(nonce),
    ) {
        Some(refusal) => Err(placement_error(refusal)),
        None => Ok(()),
    }
}

/// Whether a body raises an allowance whose total it does not state.
fn raises_allowance(body: &RequestBody) -> bool {
    match body {
        RequestBody::Approve { increase, .. } => *increase,
        RequestBody::Batch { instructions: legs } | RequestBody::SignTypedData { legs, .. } => {
            legs.iter().any(raises_allowance)
        }
        _ => false,
    }
}

/// The tokens a body moves or approves, as (asset id, address), each once.
fn token_assets(
    network: waiaas_core::Network,
    body: &RequestBody,
    out: &mut Vec<(String, String)>,
) {
    match body {
        RequestBody::TokenTransfer { token, .. }
        | RequestBody::Approve { token, .. }
        | RequestBody::X402Payment {
            token: Some(token), ..
        } => {
            let id = token_asset_id(network, &token.address);
            if !out.iter().any(|(known, _)| *known == id) {
                out.push((id, token.address.clone()));
            }
        }
        RequestBody::Batch { instructions: legs } | RequestBody::SignTypedData { legs, .. } => {
            for leg in legs {
                token_assets(network, leg, out);
            }
        }
        _ => {}
    }
}

/// The first result of an idempotent request, as the caller first saw it.
fn replay(existing: &TxRecord) -> Result<Transaction> {
    let view = Transaction::try_from(existing)?;
    match (existing.status, existing.error_code.as_deref()) {
        (_, Some("POLICY_DENIED")) => Err(Error::PolicyDenied {
            tx_id: existing.id,
            reasons: view.decision.map(|d| d.reasons).unwrap_or_default(),
        }),
        // Refused at admission (settings in force, a missing owner) or failed to sign:
        // the repeat fails as the first attempt did.
        (TxStatus::Failed, Some(code)) => Err(waiaas_core::ValidationError::field(
            "idempotencyKey",
            format!(
                "the first request with this key failed ({code}: {}); send a new request",
                existing.error_message.as_deref().unwrap_or("")
            ),
        )
        .into()),
        _ => Ok(view),
    }
}

/// Why nothing signs under the kill switch: `KILL_SWITCH_ACTIVE` while SUSPENDED,
/// `SYSTEM_LOCKED` once escalated to LOCKED.
fn kill_switch_refusal(state: waiaas_core::store::KillSwitchState) -> Error {
    match state {
        waiaas_core::store::KillSwitchState::Locked => Error::SystemLocked,
        other => Error::KillSwitchActive {
            state: other.as_str(),
        },
    }
}

fn refusal(gate: AdmissionGate, wallet_id: waiaas_core::WalletId) -> Error {
    match gate {
        AdmissionGate::KillSwitch(state) => kill_switch_refusal(state),
        AdmissionGate::Wallet(status) => {
            Error::Vault(waiaas_core::VaultError::WalletNotActive { wallet_id, status })
        }
        AdmissionGate::UnknownWallet => Error::Validation(waiaas_core::ValidationError::field(
            "walletId",
            "the wallet does not exist",
        )),
        AdmissionGate::SessionRevoked => Error::Session(waiaas_core::SessionError::SessionRevoked),
        AdmissionGate::SessionExpired => Error::Session(waiaas_core::SessionError::SessionExpired),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use waiaas_core::{Amount, WalletId};

    /// The caller's error for each refusal has the code and the text the store records
    /// on the FAILED row (a replay and a status query show what the caller saw).
    #[test]
    fn a_refusal_becomes_the_typed_error_with_the_stored_code_and_text() {
        let refusals = [
            PlacementRefusal::DurableNonceNotEnabled {
                wallet_id: WalletId::new(),
                nonce_account: "n".to_owned(),
            },
            PlacementRefusal::DurableNonceAuthority {
                authority: "a".to_owned(),
            },
            PlacementRefusal::OwnerRequired,
            PlacementRefusal::FeeAboveCeiling {
                fee: Amount::from_u64(2),
                ceiling: Amount::from_u64(1),
            },
        ];
        for r in refusals {
            let e = placement_error(r.clone());
            assert_eq!(e.code(), r.code());
            assert_eq!(e.to_string(), r.message());
        }
    }
}
