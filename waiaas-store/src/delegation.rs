//! The store traits of `waiaas-core` implemented by one macro for every backend: each
//! method delegates to the function of the same name in the backend's module of that
//! concern (`vault`, `wallets`, `sessions`, `settings`, `policies`, `ledger`,
//! `transactions`, `owners`, `audit`, `clock`, `notify`), so a backend is those modules and the
//! delegation is written once.

/// Implements `Store` and `PipelineStore` for `$store`, in a module that has the
/// backend's concern modules in scope.
macro_rules! delegate_store_traits {
    ($store:ident) => {
        use waiaas_core::audit::{AuditEntry, AuditKey, AuditRecord};
        use waiaas_core::error::StoreError;
        use waiaas_core::ids::{PolicyId, SessionId, TxId, WalletId};
        use waiaas_core::policy::{
            Decision, PolicyEngine, PolicyFilter, PolicyRecord, PolicyRequest, PriceBook,
        };
        use waiaas_core::store::{
            Admission, ApprovalLinkRecord, AuditLogCheck, ChannelRecord, Claim, ExecutionCheck,
            HeaderUpgrade, KillSwitchState, LinkRedemption, LinkedSession, OwnerRecord, OwnerState,
            PipelineStore, PlacementRules, RenewalCas, RequestReads, SessionCheck, SessionInsert,
            SessionRecord, SessionSecretRecord, SignOutcome, Store, TxFilter, TxRecord,
            TxTransition, UnlockAttempts, WalletRecord, WalletStatus,
        };

        impl Store for $store {
            fn set_audit_key(
                &self,
                key: AuditKey,
                now: i64,
                upgrade: Option<&HeaderUpgrade>,
            ) -> Result<(), StoreError> {
                vault::set_audit_key(self, key, now, upgrade)
            }

            fn clear_audit_key(&self) {
                vault::clear_audit_key(self)
            }

            fn monotonic_now(&self, clock_now: i64) -> Result<i64, StoreError> {
                clock::monotonic_now(self, clock_now)
            }

            fn vault_header(&self) -> Result<Option<String>, StoreError> {
                vault::vault_header(self)
            }

            fn create_vault_header(
                &self,
                header: &str,
                now: i64,
                audit: &AuditEntry,
            ) -> Result<bool, StoreError> {
                vault::create_vault_header(self, header, now, audit)
            }

            fn replace_vault_header(
                &self,
                expected: &str,
                new: &str,
                now: i64,
                audit: &AuditEntry,
            ) -> Result<bool, StoreError> {
                vault::replace_vault_header(self, expected, new, now, audit)
            }

            fn unlock_attempts(&self) -> Result<UnlockAttempts, StoreError> {
                vault::unlock_attempts(self)
            }

            fn record_unlock_failure(&self, now: i64) -> Result<UnlockAttempts, StoreError> {
                vault::record_unlock_failure(self, now)
            }

            fn clear_unlock_failures(&self) -> Result<(), StoreError> {
                vault::clear_unlock_failures(self)
            }

            fn insert_wallet(
                &self,
                w: &WalletRecord,
                audit: &AuditEntry,
            ) -> Result<(), StoreError> {
                wallets::insert_wallet(self, w, audit)
            }

            fn wallet(&self, id: WalletId) -> Result<Option<WalletRecord>, StoreError> {
                wallets::wallet(self, id)
            }

            fn request_reads(
                &self,
                id: WalletId,
                clock_now: i64,
            ) -> Result<RequestReads, StoreError> {
                wallets::request_reads(self, id, clock_now)
            }

            fn wallets(&self) -> Result<Vec<WalletRecord>, StoreError> {
                wallets::wallets(self)
            }

            fn rename_wallet(
                &self,
                id: WalletId,
                name: &str,
                now: i64,
                audit: &AuditEntry,
            ) -> Result<bool, StoreError> {
                wallets::rename_wallet(self, id, name, now, audit)
            }

            fn set_wallet_status(
                &self,
                id: WalletId,
                status: WalletStatus,
                now: i64,
                audit: &AuditEntry,
            ) -> Result<bool, StoreError> {
                wallets::set_wallet_status(self, id, status, now, audit)
            }

            fn delete_wallet(&self, id: WalletId, audit: &AuditEntry) -> Result<bool, StoreError> {
                wallets::delete_wallet(self, id, audit)
            }

            fn current_session_secret(&self) -> Result<Option<SessionSecretRecord>, StoreError> {
                sessions::current_session_secret(self)
            }

            fn ensure_session_secret(
                &self,
                candidate: &SessionSecretRecord,
            ) -> Result<SessionSecretRecord, StoreError> {
                sessions::ensure_session_secret(self, candidate)
            }

            fn rotate_session_secret(
                &self,
                next: &SessionSecretRecord,
                now: i64,
                audit: &AuditEntry,
            ) -> Result<(), StoreError> {
                sessions::rotate_session_secret(self, next, now, audit)
            }

            fn insert_session(
                &self,
                s: &SessionRecord,
                wallet_ids: &[WalletId],
                max_active_per_wallet: u32,
                now: i64,
                audit: &AuditEntry,
            ) -> Result<SessionInsert, StoreError> {
                sessions::insert_session(self, s, wallet_ids, max_active_per_wallet, now, audit)
            }

            fn session(&self, id: SessionId) -> Result<Option<SessionRecord>, StoreError> {
                sessions::session(self, id)
            }

            fn session_check(
                &self,
                kid: &str,
                session: Option<SessionId>,
                wallet: Option<WalletId>,
            ) -> Result<SessionCheck, StoreError> {
                sessions::session_check(self, kid, session, wallet)
            }

            fn session_wallets(&self, id: SessionId) -> Result<Vec<WalletId>, StoreError> {
                sessions::session_wallets(self, id)
            }

            fn sessions(&self, wallet: Option<WalletId>) -> Result<Vec<LinkedSession>, StoreError> {
                sessions::sessions(self, wallet)
            }

            fn renew_session(
                &self,
                cas: &RenewalCas,
                audit: &AuditEntry,
            ) -> Result<bool, StoreError> {
                sessions::renew_session(self, cas, audit)
            }

            fn revoke_session(
                &self,
                id: SessionId,
                now: i64,
                audit: &AuditEntry,
            ) -> Result<bool, StoreError> {
                sessions::revoke_session(self, id, now, audit)
            }

            fn revoke_all_sessions(&self, now: i64, audit: &AuditEntry) -> Result<u64, StoreError> {
                sessions::revoke_all_sessions(self, now, audit)
            }

            fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
                settings::setting(self, key)
            }

            fn set_setting(
                &self,
                key: &str,
                value: &str,
                now: i64,
                audit: &AuditEntry,
            ) -> Result<(), StoreError> {
                settings::set_setting(self, key, value, now, audit)
            }

            fn insert_policy(
                &self,
                policy: &PolicyRecord,
                audit: &AuditEntry,
            ) -> Result<(), StoreError> {
                policies::insert_policy(self, policy, audit)
            }

            fn update_policy(
                &self,
                policy: &PolicyRecord,
                audit: &AuditEntry,
            ) -> Result<Option<PolicyRecord>, StoreError> {
                policies::update_policy(self, policy, audit)
            }

            fn delete_policy(&self, id: PolicyId, audit: &AuditEntry) -> Result<bool, StoreError> {
                policies::delete_policy(self, id, audit)
            }

            fn policy(&self, id: PolicyId) -> Result<Option<PolicyRecord>, StoreError> {
                policies::policy(self, id)
            }

            fn policies(&self, filter: PolicyFilter) -> Result<Vec<PolicyRecord>, StoreError> {
                policies::policies(self, filter)
            }

            fn simulate(
                &self,
                request: &PolicyRequest,
                prices: &PriceBook,
                now: i64,
                engine: &dyn PolicyEngine,
            ) -> Result<Decision, StoreError> {
                ledger::simulate(self, request, prices, now, engine)
            }
        }

        impl PipelineStore for $store {
            fn admit_transaction(
                &self,
                record: &TxRecord,
                request: &PolicyRequest,
                prices: &PriceBook,
                now: i64,
                engine: &dyn PolicyEngine,
                rules: &PlacementRules,
                sign: &dyn Fn() -> SignOutcome,
                audit: &AuditEntry,
            ) -> Result<Admission, StoreError> {
                transactions::admit_transaction(
                    self, record, request, prices, now, engine, rules, sign, audit,
                )
            }

            fn transition_transaction(
                &self,
                id: TxId,
                change: &TxTransition,
                now: i64,
                audit: &AuditEntry,
            ) -> Result<Option<TxRecord>, StoreError> {
                transactions::transition_transaction(self, id, change, now, audit)
            }

            fn claim_transaction(
                &self,
                id: TxId,
                change: &TxTransition,
                check: &ExecutionCheck<'_>,
                now: i64,
                audit: &AuditEntry,
            ) -> Result<Claim, StoreError> {
                transactions::claim_transaction(self, id, change, check, now, audit)
            }

            fn transaction(&self, id: TxId) -> Result<Option<TxRecord>, StoreError> {
                transactions::transaction(self, id)
            }

            fn transactions(&self, filter: &TxFilter) -> Result<Vec<TxRecord>, StoreError> {
                transactions::transactions(self, filter)
            }

            fn due_transactions(&self, now: i64) -> Result<Vec<TxRecord>, StoreError> {
                transactions::due_transactions(self, now)
            }

            fn wallet_activity(
                &self,
                wallet: WalletId,
                since: i64,
                max_sends: u64,
                max_failures: u64,
            ) -> Result<(u64, u64), StoreError> {
                transactions::wallet_activity(self, wallet, since, max_sends, max_failures)
            }

            fn owner(&self, wallet: WalletId) -> Result<Option<OwnerRecord>, StoreError> {
                owners::owner(self, wallet)
            }

            fn set_owner(
                &self,
                wallet: WalletId,
                owner: Option<&OwnerRecord>,
                allowed_from: &[OwnerState],
                audit: &AuditEntry,
            ) -> Result<bool, StoreError> {
                owners::set_owner(self, wallet, owner, allowed_from, audit)
            }

            fn kill_switch(&self) -> Result<KillSwitchState, StoreError> {
                owners::kill_switch(self)
            }

            fn kill_switch_changed_at(&self) -> Result<i64, StoreError> {
                owners::kill_switch_changed_at(self)
            }

            fn set_kill_switch(
                &self,
                expected: KillSwitchState,
                next: KillSwitchState,
                reason: Option<&str>,
                now: i64,
                audit: &AuditEntry,
            ) -> Result<bool, StoreError> {
                owners::set_kill_switch(self, expected, next, reason, now, audit)
            }

            fn append_audit(&self, entry: &AuditEntry) -> Result<(), StoreError> {
                audit::append_audit(self, entry)
            }

            fn audit_records(
                &self,
                after: u64,
                limit: u32,
            ) -> Result<Vec<AuditRecord>, StoreError> {
                audit::audit_records(self, after, limit)
            }

            fn audit_head(&self) -> Result<Option<(u64, String)>, StoreError> {
                audit::audit_head(self)
            }

            fn verify_audit_log(&self) -> Result<AuditLogCheck, StoreError> {
                audit::verify_audit_log(self)
            }

            fn insert_channel(
                &self,
                channel: &ChannelRecord,
                audit: &AuditEntry,
            ) -> Result<bool, StoreError> {
                notify::insert_channel(self, channel, audit)
            }

            fn channels(&self) -> Result<Vec<ChannelRecord>, StoreError> {
                notify::channels(self)
            }

            fn delete_channel(&self, name: &str, audit: &AuditEntry) -> Result<bool, StoreError> {
                notify::delete_channel(self, name, audit)
            }

            fn record_delivery(
                &self,
                name: &str,
                error: Option<&str>,
                now: i64,
            ) -> Result<(), StoreError> {
                notify::record_delivery(self, name, error, now)
            }

            fn insert_approval_link(
                &self,
                link: &ApprovalLinkRecord,
                now: i64,
            ) -> Result<(), StoreError> {
                notify::insert_approval_link(self, link, now)
            }

            fn redeem_approval_link(
                &self,
                token_hash: &str,
                tx_id: TxId,
                now: i64,
                audit: &AuditEntry,
            ) -> Result<LinkRedemption, StoreError> {
                notify::redeem_approval_link(self, token_hash, tx_id, now, audit)
            }
        }
    };
}
