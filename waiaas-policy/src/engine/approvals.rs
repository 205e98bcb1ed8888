//! Approvals: APPROVED_SPENDERS (and their `max_amount`), APPROVE_AMOUNT_LIMIT
//! (unlimited approvals) and APPROVE_TIER_OVERRIDE; the token approved must be the
//! operator's, with its trusted decimals.

use ruint::aliases::U256;
use waiaas_core::policy::{ApprovalReason, TokenRef};
use waiaas_core::{Amount, Chain, PolicyType, Tier};

use super::Eval;
use super::tokens::{entry_decimals, token_entry};
use crate::codes;
use crate::rules::Rules;

impl Eval<'_> {
    pub(super) fn approve(
        &mut self,
        spender: &str,
        amount: Amount,
        token: &TokenRef,
        flagged_unlimited: bool,
        idx: Option<u32>,
    ) {
        let spender = self.addr(spender, "spender", idx);
        // An allowance in base units is judged as such, but the decimals it was
        // converted with (or states) must still be the token's.
        if let Some(addr) = self.addr(&token.address, "token.address", idx) {
            let operator = entry_decimals(&self.resolved, &addr, self.network);
            self.decimals(&addr, token, operator, idx);
            // Spender caps are base units of whatever token is approved: where the
            // operator keeps a token allow-list, only its tokens can be approved.
            if let Some((_, Rules::AllowedTokens { .. })) = self.rules(PolicyType::AllowedTokens)
                && token_entry(&self.resolved, &addr, self.network).is_none()
            {
                self.deny(
                    Some(PolicyType::AllowedTokens),
                    codes::TOKEN_NOT_ALLOWED,
                    format!("token `{addr}` is not in ALLOWED_TOKENS, so it cannot be approved; add it to the policy"),
                    idx,
                );
            }
        }
        let half = match self.chain {
            Chain::Ethereum => {
                Amount::from_u256(U256::from_limbs([0, 0, 0, 0x8000_0000_0000_0000]))
            }
            Chain::Solana => Amount::from_u64(0x8000_0000_0000_0000),
        };
        if self.chain == Chain::Solana && amount.to_u64().is_none() {
            self.deny(
                None,
                codes::INVALID_AMOUNT,
                format!("approval amount `{amount}` exceeds an SPL token's u64 range"),
                idx,
            );
        }
        let unlimited = flagged_unlimited || amount >= half;
        let (block_unlimited, max) = match self.rules(PolicyType::ApproveAmountLimit) {
            Some((
                _,
                Rules::ApproveAmountLimit {
                    max_amount,
                    block_unlimited,
                },
            )) => (*block_unlimited, *max_amount),
            _ => (true, None),
        };
        if unlimited && block_unlimited {
            self.deny(
                Some(PolicyType::ApproveAmountLimit),
                codes::UNLIMITED_APPROVE_BLOCKED,
                format!("approval of `{amount}` is unlimited (at least half the type's maximum); approve the exact amount needed"),
                idx,
            );
        }
        if let Some(max) = max
            && amount > max
        {
            self.deny(
                Some(PolicyType::ApproveAmountLimit),
                codes::APPROVE_AMOUNT_EXCEEDED,
                format!("approval of `{amount}` exceeds APPROVE_AMOUNT_LIMIT `max_amount` `{max}`; approve less"),
                idx,
            );
        }
        if let Some(spender) = spender {
            let chain = self.chain;
            match self.rules(PolicyType::ApprovedSpenders) {
                Some((_, Rules::ApprovedSpenders { spenders })) => {
                    match spenders
                        .iter()
                        .find(|e| e.address == spender && e.chain.is_none_or(|c| c == chain))
                    {
                        Some(e) => {
                            if let Some(max) = e.max_amount
                                && amount > max
                            {
                                self.deny(
                                    Some(PolicyType::ApprovedSpenders),
                                    codes::APPROVE_AMOUNT_EXCEEDED,
                                    format!("approval of `{amount}` exceeds the `max_amount` `{max}` of spender `{spender}`; approve less"),
                                    idx,
                                );
                            }
                        }
                        None => self.deny(
                            Some(PolicyType::ApprovedSpenders),
                            codes::SPENDER_NOT_APPROVED,
                            format!("spender `{spender}` is not in APPROVED_SPENDERS; add it to the policy"),
                            idx,
                        ),
                    }
                }
                _ => self.deny_missing(
                    PolicyType::ApprovedSpenders,
                    codes::SPENDER_NOT_APPROVED,
                    format!("no APPROVED_SPENDERS policy applies, so `{spender}` cannot be approved; create one that lists it"),
                    idx,
                ),
            }
        }
        match self.rules(PolicyType::ApproveTierOverride) {
            Some((_, &Rules::ApproveTierOverride { tier })) => {
                self.raise(tier, Some(ApprovalReason::Approve));
            }
            _ => self.raise(Tier::Approval, Some(ApprovalReason::Approve)),
        }
    }
}
