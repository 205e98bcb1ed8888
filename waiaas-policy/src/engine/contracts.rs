//! Contract calls: CONTRACT_WHITELIST (with the opaque selectors and typed-data types
//! an entry allows) and METHOD_WHITELIST.

use waiaas_core::{Address, Amount, PolicyType};

use super::Eval;
use crate::codes;
use crate::matching::{parse_selector, selector_hex};
use crate::rules::{AddressEntry, Rules};

impl Eval<'_> {
    /// The CONTRACT_WHITELIST entry of `addr` on this chain.
    pub(super) fn contract_entry(&self, addr: &Address) -> Option<&AddressEntry> {
        let chain = self.chain;
        match self.resolved.get(&PolicyType::ContractWhitelist) {
            Some(r) => match r.rules.as_ref() {
                Ok(Rules::ContractWhitelist { contracts }) => contracts
                    .iter()
                    .find(|e| e.address == *addr && e.chain.is_none_or(|c| c == chain)),
                _ => None,
            },
            None => None,
        }
    }

    pub(super) fn contract(&mut self, addr: Address, idx: Option<u32>) {
        match self.rules(PolicyType::ContractWhitelist) {
            Some((_, Rules::ContractWhitelist { .. })) => {
                if self.contract_entry(&addr).is_none() {
                    self.deny(
                        Some(PolicyType::ContractWhitelist),
                        codes::CONTRACT_NOT_WHITELISTED,
                        format!("contract `{addr}` is not in CONTRACT_WHITELIST; add it to the policy to call it"),
                        idx,
                    );
                }
            }
            _ => self.deny_missing(
                PolicyType::ContractWhitelist,
                codes::CONTRACT_NOT_WHITELISTED,
                format!("no CONTRACT_WHITELIST policy applies, so contract `{addr}` cannot be called; create one that lists it"),
                idx,
            ),
        }
    }

    /// A contract call: CONTRACT_WHITELIST, the opaque selectors of its entry,
    /// METHOD_WHITELIST, and the native value it carries.
    pub(super) fn contract_call(
        &mut self,
        contract: &str,
        selector: Option<&str>,
        value: Option<Amount>,
        opaque: bool,
        idx: Option<u32>,
    ) {
        let selector = match selector {
            Some(s) => match parse_selector(s) {
                Ok(b) => Some(b),
                Err(e) => {
                    self.deny(None, codes::INVALID_SELECTOR, e, idx);
                    return;
                }
            },
            None => None,
        };
        if let Some(addr) = self.addr(contract, "contract", idx) {
            self.contract(addr, idx);
            if opaque {
                let listed = selector.as_ref().is_some_and(|s| {
                    self.contract_entry(&addr)
                        .is_some_and(|e| e.opaque_selectors.contains(s))
                });
                if !listed {
                    let shown = selector
                        .as_ref()
                        .map_or_else(String::new, |s| selector_hex(s));
                    self.deny(
                        Some(PolicyType::ContractWhitelist),
                        codes::OPAQUE_CALL_NOT_ALLOWED,
                        format!("call `{shown}` on `{addr}` runs other calls that waiaas cannot judge; list the selector in the contract's CONTRACT_WHITELIST `opaque_selectors` to accept it unjudged"),
                        idx,
                    );
                }
            }
            if let Some((_, Rules::MethodWhitelist { methods })) =
                self.rules(PolicyType::MethodWhitelist)
                && let Some(entry) = methods.iter().find(|m| m.contract == addr)
                && !selector
                    .as_ref()
                    .is_some_and(|s| entry.selectors.contains(s))
            {
                let shown = selector.as_ref().map_or_else(
                    || "a call without selector".to_owned(),
                    |s| format!("selector `{}`", selector_hex(s)),
                );
                self.deny(
                    Some(PolicyType::MethodWhitelist),
                    codes::METHOD_NOT_WHITELISTED,
                    format!("{shown} is not allowed on contract `{addr}` by METHOD_WHITELIST; add it to the policy"),
                    idx,
                );
            }
        }
        if let Some(v) = value.filter(|v| !v.is_zero()) {
            self.needs_spending_limit = true;
            self.move_native(v);
        }
    }
}
