//! One instruction of a request (a leg): which rule families judge each request kind,
//! and what value it moves.

use waiaas_core::Tier;
use waiaas_core::policy::{ApprovalReason, RequestBody};
use waiaas_core::session::Permission;

use super::{Eval, Move};
use crate::codes;

impl Eval<'_> {
    pub(super) fn leg(&mut self, body: &RequestBody, idx: Option<u32>) {
        match body {
            RequestBody::Transfer { to, amount } => {
                self.needs_spending_limit = true;
                if let Some(to) = self.addr(to, "to", idx) {
                    self.whitelist(to, idx);
                }
                self.move_native(*amount);
            }
            RequestBody::TokenTransfer { to, amount, token } => {
                self.needs_spending_limit = true;
                if let Some(to) = self.addr(to, "to", idx) {
                    self.whitelist(to, idx);
                }
                if let Some((asset_id, decimals)) = self.token(token, idx) {
                    self.moves.push(Move {
                        asset_id,
                        amount: *amount,
                        decimals,
                        native: false,
                    });
                }
            }
            RequestBody::ContractCall {
                contract,
                selector,
                value,
                opaque,
            } => {
                self.contract_call(contract, selector.as_deref(), *value, *opaque, idx);
            }
            RequestBody::Approve {
                spender,
                amount,
                token,
                unlimited,
                increase,
            } => {
                self.approve(spender, *amount, token, *unlimited, idx);
                if *increase {
                    // Repeated increments could build any total: the owner decides,
                    // whatever APPROVE_TIER_OVERRIDE says.
                    self.raise(Tier::Approval, Some(ApprovalReason::Approve));
                    self.warn(
                        None,
                        codes::ALLOWANCE_TOTAL_UNKNOWN,
                        format!("the allowance of `{spender}` grows by `{amount}` on top of an amount the request does not state; the owner must approve"),
                    );
                }
            }
            RequestBody::NftTransfer { to, contract, .. } => {
                if let Some(to) = self.addr(to, "to", idx) {
                    self.whitelist(to, idx);
                }
                if let Some(c) = self.addr(contract, "contract", idx) {
                    self.contract(c, idx);
                }
                self.raise(Tier::Approval, Some(ApprovalReason::NftTransfer));
            }
            RequestBody::SignMessage { erc8128 } => {
                self.permission(Permission::SignMessage, idx);
                if let Some(e) = erc8128 {
                    self.spend.erc8128 = true;
                    self.erc8128(&e.domain);
                }
            }
            RequestBody::SignTypedData { legs, unrecognised } => {
                self.permission(Permission::SignTypedData, idx);
                for (i, leg) in legs.iter().enumerate() {
                    let at = u32::try_from(i).ok();
                    match leg {
                        RequestBody::Approve { .. } | RequestBody::TokenTransfer { .. } => {
                            self.leg(leg, at);
                        }
                        other => self.deny(
                            None,
                            codes::INVALID_REQUEST,
                            format!("typed data cannot carry `{}`", other.kind()),
                            at,
                        ),
                    }
                }
                if let Some(kind) = unrecognised {
                    self.typed_data(kind, idx);
                }
            }
            RequestBody::Refused { contract, reason } => self.deny(
                None,
                codes::INSTRUCTION_REFUSED,
                format!(
                    "an instruction of `{contract}` {reason}; waiaas never signs it for an agent"
                ),
                idx,
            ),
            RequestBody::X402Payment {
                domain,
                pay_to,
                amount,
                token,
            } => {
                self.needs_spending_limit = true;
                self.x402_domain(domain, idx);
                self.addr(pay_to, "payTo", idx);
                match token {
                    Some(t) => {
                        if let Some((asset_id, decimals)) = self.token(t, idx) {
                            self.moves.push(Move {
                                asset_id,
                                amount: *amount,
                                decimals,
                                native: false,
                            });
                        }
                    }
                    None => self.move_native(*amount),
                }
            }
            RequestBody::ContractDeploy { value } => {
                self.raise(Tier::Approval, Some(ApprovalReason::ContractDeploy));
                if let Some(v) = value.filter(|v| !v.is_zero()) {
                    self.needs_spending_limit = true;
                    self.move_native(v);
                }
            }
            RequestBody::Batch { .. } => self.deny(
                None,
                codes::INVALID_REQUEST,
                "batches cannot be nested".to_owned(),
                idx,
            ),
        }
    }
}
