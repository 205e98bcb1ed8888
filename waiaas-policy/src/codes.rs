//! Stable reason and warning codes. They never change once released; bindings and the
//! HTTP server expose them as they are.

/// No policy applies to the wallet and network, or the policy type a request kind
/// needs is missing (the message names it).
pub const NO_POLICY: &str = "NO_POLICY";
/// The policy that decides has stored rules that no longer parse.
pub const POLICY_RULES_CORRUPT: &str = "POLICY_RULES_CORRUPT";
/// The request itself is malformed (batch size, nesting, decimals, …).
pub const INVALID_REQUEST: &str = "INVALID_REQUEST";
/// An address in the request is malformed for the network's chain.
pub const INVALID_ADDRESS: &str = "INVALID_ADDRESS";
/// A selector in the request is malformed.
pub const INVALID_SELECTOR: &str = "INVALID_SELECTOR";
/// A domain in the request is malformed.
pub const INVALID_DOMAIN: &str = "INVALID_DOMAIN";
/// An amount in the request cannot be used (too large for the chain, overflowing sum).
pub const INVALID_AMOUNT: &str = "INVALID_AMOUNT";
/// The session lacks the permission the request kind needs.
pub const PERMISSION_DENIED: &str = "PERMISSION_DENIED";
/// The engine was not given ledger totals it needs.
pub const LEDGER_UNAVAILABLE: &str = "LEDGER_UNAVAILABLE";
/// The recipient is not in WHITELIST.
pub const WHITELIST_DENIED: &str = "WHITELIST_DENIED";
/// The token is not in ALLOWED_TOKENS (or there is no ALLOWED_TOKENS).
pub const TOKEN_NOT_ALLOWED: &str = "TOKEN_NOT_ALLOWED";
/// No SPENDING_LIMIT limit covers an asset the request moves.
pub const SPENDING_LIMIT_NOT_COVERED: &str = "SPENDING_LIMIT_NOT_COVERED";
/// A `token_limits` value cannot be converted with the token's decimals.
pub const TOKEN_LIMIT_INVALID: &str = "TOKEN_LIMIT_INVALID";
/// The contract is not in CONTRACT_WHITELIST (or there is no CONTRACT_WHITELIST).
pub const CONTRACT_NOT_WHITELISTED: &str = "CONTRACT_NOT_WHITELISTED";
/// The selector is not allowed for the contract by METHOD_WHITELIST.
pub const METHOD_NOT_WHITELISTED: &str = "METHOD_NOT_WHITELISTED";
/// The spender is not in APPROVED_SPENDERS (or there is no APPROVED_SPENDERS).
pub const SPENDER_NOT_APPROVED: &str = "SPENDER_NOT_APPROVED";
/// The approval amount exceeds a `max_amount`.
pub const APPROVE_AMOUNT_EXCEEDED: &str = "APPROVE_AMOUNT_EXCEEDED";
/// The approval is unlimited (≥ half the type's maximum) and unlimited approvals are blocked.
pub const UNLIMITED_APPROVE_BLOCKED: &str = "UNLIMITED_APPROVE_BLOCKED";
/// The network is not in ALLOWED_NETWORKS.
pub const NETWORK_NOT_ALLOWED: &str = "NETWORK_NOT_ALLOWED";
/// Outside TIME_RESTRICTION's hours or days.
pub const OUTSIDE_ALLOWED_TIME: &str = "OUTSIDE_ALLOWED_TIME";
/// RATE_LIMIT reached.
pub const RATE_LIMIT_EXCEEDED: &str = "RATE_LIMIT_EXCEEDED";
/// The x402 domain is not allowed.
pub const X402_DOMAIN_NOT_ALLOWED: &str = "X402_DOMAIN_NOT_ALLOWED";
/// The ERC-8128 domain is not allowed.
pub const ERC8128_DOMAIN_NOT_ALLOWED: &str = "ERC8128_DOMAIN_NOT_ALLOWED";
/// ERC8128_ALLOWED_DOMAINS `rate_limit_rpm` reached.
pub const ERC8128_RATE_LIMIT_EXCEEDED: &str = "ERC8128_RATE_LIMIT_EXCEEDED";
/// The action descriptor lacks a field a DeFi policy needs.
pub const ACTION_FIELD_MISSING: &str = "ACTION_FIELD_MISSING";
/// Projected LTV above `max_ltv`.
pub const LENDING_LTV_EXCEEDED: &str = "LENDING_LTV_EXCEEDED";
/// Lending asset not in LENDING_ASSET_WHITELIST.
pub const LENDING_ASSET_NOT_ALLOWED: &str = "LENDING_ASSET_NOT_ALLOWED";
/// Leverage above `max_leverage`.
pub const PERP_LEVERAGE_EXCEEDED: &str = "PERP_LEVERAGE_EXCEEDED";
/// Notional above `max_position_usd`.
pub const PERP_POSITION_EXCEEDED: &str = "PERP_POSITION_EXCEEDED";
/// Market not in PERP_ALLOWED_MARKETS.
pub const PERP_MARKET_NOT_ALLOWED: &str = "PERP_MARKET_NOT_ALLOWED";
/// Venue not in VENUE_WHITELIST.
pub const VENUE_NOT_ALLOWED: &str = "VENUE_NOT_ALLOWED";
/// ACTION_CATEGORY_LIMIT exceeded and no `tier_on_exceed` is set.
pub const ACTION_CATEGORY_LIMIT_EXCEEDED: &str = "ACTION_CATEGORY_LIMIT_EXCEEDED";

/// Warning: the rolling daily USD total reaches 80 % of `daily_limit_usd`.
pub const DAILY_LIMIT_WARNING: &str = "DAILY_LIMIT_WARNING";
/// Warning: the rolling monthly USD total reaches 80 % of `monthly_limit_usd`.
pub const MONTHLY_LIMIT_WARNING: &str = "MONTHLY_LIMIT_WARNING";
/// Warning: the daily USD cap is exceeded (tier APPROVAL).
pub const DAILY_LIMIT_EXCEEDED: &str = "DAILY_LIMIT_EXCEEDED";
/// Warning: the monthly USD cap is exceeded (tier APPROVAL).
pub const MONTHLY_LIMIT_EXCEEDED: &str = "MONTHLY_LIMIT_EXCEEDED";
/// Warning: no fresh price; tier APPROVAL.
pub const PRICE_UNAVAILABLE: &str = "PRICE_UNAVAILABLE";
/// Warning: projected LTV at or above `warning_ltv` (tier DELAY).
pub const LENDING_LTV_WARNING: &str = "LENDING_LTV_WARNING";
/// Warning: leverage at or above `warning_leverage` (tier DELAY).
pub const PERP_LEVERAGE_WARNING: &str = "PERP_LEVERAGE_WARNING";
/// Warning: notional at or above `warning_position_usd` (tier DELAY).
pub const PERP_POSITION_WARNING: &str = "PERP_POSITION_WARNING";
/// Warning: ACTION_CATEGORY_LIMIT exceeded; tier raised to `tier_on_exceed`.
pub const ACTION_CATEGORY_LIMIT_ESCALATED: &str = "ACTION_CATEGORY_LIMIT_ESCALATED";
/// Stated token decimals differ from a trusted source (ALLOWED_TOKENS, the chain).
pub const TOKEN_DECIMALS_MISMATCH: &str = "TOKEN_DECIMALS_MISMATCH";
/// The maximum network fee is above the network's ceiling.
pub const FEE_TOO_HIGH: &str = "FEE_TOO_HIGH";
/// A call that wraps calls waiaas cannot judge, not listed as opaque.
pub const OPAQUE_CALL_NOT_ALLOWED: &str = "OPAQUE_CALL_NOT_ALLOWED";
/// Typed data of a primary type waiaas does not decode, not allow-listed.
pub const TYPED_DATA_NOT_ALLOWED: &str = "TYPED_DATA_NOT_ALLOWED";
/// An instruction waiaas never signs for an agent.
pub const INSTRUCTION_REFUSED: &str = "INSTRUCTION_REFUSED";
/// Warning: an allowance increase whose resulting total is unknown (needs the owner).
pub const ALLOWANCE_TOTAL_UNKNOWN: &str = "ALLOWANCE_TOTAL_UNKNOWN";
/// Warning: a contract call without a descriptor under DeFi policies (needs the owner).
pub const ACTION_UNDESCRIBED: &str = "ACTION_UNDESCRIBED";
