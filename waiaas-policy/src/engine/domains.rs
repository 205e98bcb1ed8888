//! Signed-request domains: X402_ALLOWED_DOMAINS for x402 payments and
//! ERC8128_ALLOWED_DOMAINS (with its per-minute rate) for signed HTTP requests.

use waiaas_core::PolicyType;

use super::{ERC8128_WINDOW, Eval};
use crate::codes;
use crate::matching::parse_domain;
use crate::rules::Rules;

impl Eval<'_> {
    pub(super) fn erc8128(&mut self, domain: &str) {
        let d = match parse_domain(domain) {
            Ok(d) => d,
            Err(e) => {
                self.deny(None, codes::INVALID_DOMAIN, e, None);
                return;
            }
        };
        match self.rules(PolicyType::Erc8128AllowedDomains) {
            Some((_, Rules::Erc8128AllowedDomains { domains, rate_limit_rpm })) => {
                let allowed = domains.iter().any(|p| p.0.matches(&d));
                let rpm = *rate_limit_rpm;
                if !allowed {
                    self.deny(
                        Some(PolicyType::Erc8128AllowedDomains),
                        codes::ERC8128_DOMAIN_NOT_ALLOWED,
                        format!("signed requests to `{d}` are not allowed; add the domain to ERC8128_ALLOWED_DOMAINS"),
                        None,
                    );
                }
                if let Some(rpm) = rpm
                    && let Some(w) = self.window(ERC8128_WINDOW, PolicyType::Erc8128AllowedDomains)
                    && w.erc8128_requests >= rpm
                {
                    self.deny(
                        Some(PolicyType::Erc8128AllowedDomains),
                        codes::ERC8128_RATE_LIMIT_EXCEEDED,
                        format!("{rpm} signed requests per minute reached; wait or raise `rate_limit_rpm`"),
                        None,
                    );
                }
            }
            _ => self.deny_missing(
                PolicyType::Erc8128AllowedDomains,
                codes::ERC8128_DOMAIN_NOT_ALLOWED,
                format!("no ERC8128_ALLOWED_DOMAINS policy applies, so signed requests to `{d}` are not allowed; create one"),
                None,
            ),
        }
    }

    /// The domain of an x402 payment against X402_ALLOWED_DOMAINS.
    pub(super) fn x402_domain(&mut self, domain: &str, idx: Option<u32>) {
        match parse_domain(domain) {
            Ok(d) => match self.rules(PolicyType::X402AllowedDomains) {
                Some((_, Rules::X402AllowedDomains { domains })) => {
                    if !domains.iter().any(|p| p.0.matches(&d)) {
                        self.deny(
                            Some(PolicyType::X402AllowedDomains),
                            codes::X402_DOMAIN_NOT_ALLOWED,
                            format!("x402 payments to `{d}` are not allowed; add the domain to X402_ALLOWED_DOMAINS"),
                            idx,
                        );
                    }
                }
                _ => self.deny_missing(
                    PolicyType::X402AllowedDomains,
                    codes::X402_DOMAIN_NOT_ALLOWED,
                    format!("no X402_ALLOWED_DOMAINS policy applies, so x402 payments to `{d}` are not allowed; create one"),
                    idx,
                ),
            },
            Err(e) => self.deny(None, codes::INVALID_DOMAIN, e, idx),
        }
    }
}
