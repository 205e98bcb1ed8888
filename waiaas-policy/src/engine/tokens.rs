//! ALLOWED_TOKENS and token decimals: which tokens move, and the trusted decimals
//! amounts are converted with (the operator's, the chain's, never the request's alone).

use std::collections::BTreeMap;

use waiaas_core::policy::{TokenRef, token_asset_id};
use waiaas_core::{Address, Chain, Network, PolicyRecord, PolicyType, WalletId};

use super::{Engine, Eval, Resolved};
use crate::codes;
use crate::matching::parse_address;
use crate::rules::{AddressEntry, Rules};

impl Engine {
    /// The decimals the operator's ALLOWED_TOKENS entry in force for `wallet` on
    /// `network` gives `token` (a contract or mint address), if any: the trusted source
    /// human amounts are converted with.
    #[must_use]
    pub fn token_decimals(
        &self,
        wallet: WalletId,
        network: Network,
        token: &str,
        policies: &[PolicyRecord],
    ) -> Option<u8> {
        let addr = parse_address(network.chain(), token).ok()?;
        entry_decimals(&self.resolve(wallet, network, policies), &addr, network)
    }

    /// The symbol the operator's ALLOWED_TOKENS entry gives `token`, if any (shown to
    /// the owner; a symbol the agent writes is never shown).
    #[must_use]
    pub fn token_symbol(
        &self,
        wallet: WalletId,
        network: Network,
        token: &str,
        policies: &[PolicyRecord],
    ) -> Option<String> {
        let addr = parse_address(network.chain(), token).ok()?;
        let resolved = self.resolve(wallet, network, policies);
        token_entry(&resolved, &addr, network)?
            .label
            .as_ref()
            .map(|(_, l)| l.clone())
    }
}

/// The resolved ALLOWED_TOKENS entry of `addr`, if any.
pub(super) fn token_entry<'a>(
    resolved: &'a BTreeMap<PolicyType, Resolved>,
    addr: &Address,
    network: Network,
) -> Option<&'a AddressEntry> {
    let asset_id = token_asset_id(network, &addr.to_string());
    match resolved.get(&PolicyType::AllowedTokens)?.rules.as_ref() {
        Ok(Rules::AllowedTokens { tokens }) => {
            allowed_token(tokens, addr, &asset_id, network.chain())
        }
        _ => None,
    }
}

/// The decimals the resolved ALLOWED_TOKENS entry of `addr` gives, if any.
pub(super) fn entry_decimals(
    resolved: &BTreeMap<PolicyType, Resolved>,
    addr: &Address,
    network: Network,
) -> Option<u8> {
    token_entry(resolved, addr, network)?.decimals
}

/// The ALLOWED_TOKENS entry naming a token: by CAIP-19 id, else by address on its chain.
pub(super) fn allowed_token<'a>(
    tokens: &'a [AddressEntry],
    addr: &Address,
    asset_id: &str,
    chain: Chain,
) -> Option<&'a AddressEntry> {
    tokens.iter().find(|e| match &e.asset_id {
        Some(id) => id == asset_id,
        None => e.address == *addr && e.chain.is_none_or(|c| c == chain),
    })
}

impl Eval<'_> {
    /// Checks the token against ALLOWED_TOKENS and returns its asset id and trusted
    /// decimals (see [`TokenRef`]): the operator's entry, the chain's, or on Solana the
    /// decimals the signed `…Checked` instruction states (the token program enforces
    /// them). Any two sources that disagree deny `TOKEN_DECIMALS_MISMATCH`.
    pub(super) fn token(
        &mut self,
        token: &TokenRef,
        idx: Option<u32>,
    ) -> Option<(String, Option<u8>)> {
        let addr = self.addr(&token.address, "token.address", idx)?;
        let asset_id = token_asset_id(self.network, &addr.to_string());
        let chain = self.chain;
        let mut operator = None;
        match self.rules(PolicyType::AllowedTokens) {
            Some((_, Rules::AllowedTokens { tokens })) => {
                match allowed_token(tokens, &addr, &asset_id, chain) {
                    Some(e) => operator = e.decimals,
                    None => self.deny(
                        Some(PolicyType::AllowedTokens),
                        codes::TOKEN_NOT_ALLOWED,
                        format!("token `{addr}` is not in ALLOWED_TOKENS; add it to the policy to move it"),
                        idx,
                    ),
                }
            }
            _ => self.deny_missing(
                PolicyType::AllowedTokens,
                codes::TOKEN_NOT_ALLOWED,
                format!("no ALLOWED_TOKENS policy applies, so token `{addr}` cannot move; create one that lists it"),
                idx,
            ),
        }
        let decimals = self.decimals(&addr, token, operator, idx);
        Some((asset_id, decimals))
    }

    /// The token's trusted decimals: the operator's, else the chain's, else on Solana
    /// those the signed `…Checked` instruction states (the token program enforces them).
    /// Any two sources that disagree deny `TOKEN_DECIMALS_MISMATCH`.
    pub(super) fn decimals(
        &mut self,
        addr: &Address,
        token: &TokenRef,
        operator: Option<u8>,
        idx: Option<u32>,
    ) -> Option<u8> {
        let enforced = if self.chain == Chain::Solana {
            token.decimals
        } else {
            None
        };
        let sources = [
            ("ALLOWED_TOKENS", operator),
            ("the chain", token.chain_decimals),
            ("the request", token.decimals),
        ];
        let mut known = sources.iter().filter_map(|(s, d)| d.map(|d| (*s, d)));
        if let Some((first, d)) = known.next()
            && let Some((other, e)) = known.find(|(_, e)| *e != d)
        {
            self.deny(
                Some(PolicyType::AllowedTokens),
                codes::TOKEN_DECIMALS_MISMATCH,
                format!("token `{addr}` has {d} decimals by {first} but {e} by {other}; amounts are converted with the trusted decimals only, so state the token's real decimals (or none)"),
                idx,
            );
        }
        operator.or(token.chain_decimals).or(enforced)
    }
}
