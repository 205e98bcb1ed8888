//! WHITELIST: the recipients a wallet may pay.

use waiaas_core::{Address, PolicyType};

use super::Eval;
use crate::codes;
use crate::rules::Rules;

impl Eval<'_> {
    pub(super) fn whitelist(&mut self, to: Address, idx: Option<u32>) {
        if let Some((_, Rules::Whitelist { addresses })) = self.rules(PolicyType::Whitelist)
            && !addresses.contains(&to)
        {
            self.deny(
                Some(PolicyType::Whitelist),
                codes::WHITELIST_DENIED,
                format!("recipient `{to}` is not in WHITELIST; add it to the policy to pay it"),
                idx,
            );
        }
    }
}
