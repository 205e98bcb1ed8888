//! Message and typed-data signing: the session permission it needs, and typed data
//! waiaas does not decode, allowed only where CONTRACT_WHITELIST lists its type.

use waiaas_core::PolicyType;
use waiaas_core::policy::TypedDataKind;
use waiaas_core::session::Permission;

use super::Eval;
use crate::codes;
use crate::matching::parse_address;

impl Eval<'_> {
    pub(super) fn permission(&mut self, p: Permission, idx: Option<u32>) {
        if !self.req.permissions.contains(&p) {
            self.deny(
                None,
                codes::PERMISSION_DENIED,
                format!(
                    "the session lacks permission `{}`; grant it when creating the session",
                    p.as_str()
                ),
                idx,
            );
        }
    }

    /// Typed data of a primary type waiaas does not decode: allowed only when the
    /// verifying contract's CONTRACT_WHITELIST entry (on this chain) lists the type.
    pub(super) fn typed_data(&mut self, kind: &TypedDataKind, idx: Option<u32>) {
        let listed = kind
            .verifying_contract
            .as_deref()
            .and_then(|c| parse_address(self.chain, c).ok())
            .is_some_and(|addr| {
                self.contract_entry(&addr)
                    .is_some_and(|e| e.typed_data.contains(&kind.primary_type))
            });
        if !listed {
            let contract = kind.verifying_contract.as_deref().unwrap_or("none");
            self.deny(
                Some(PolicyType::ContractWhitelist),
                codes::TYPED_DATA_NOT_ALLOWED,
                format!(
                    "typed data `{}` verified by `{contract}` is not a type waiaas decodes; list it in that contract's CONTRACT_WHITELIST `typed_data` to allow signing it",
                    kind.primary_type
                ),
                idx,
            );
        }
    }
}
