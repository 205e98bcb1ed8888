//! Approval-page links: what a stored link row means when its token is presented, and
//! how long an expired row is kept.

use waiaas_core::store::LinkRedemption;

/// How long an expired link's row is kept (until then a late click is told "expired",
/// not "unknown"); older rows are forgotten as new links arrive.
pub const EXPIRED_LINK_GRACE_SECS: i64 = 86_400;

/// The verdict on presenting a link whose row is `(expires_at, used_at)` at `now`
/// (`None`: no such link for this transaction). Only `Redeemed` marks the row used.
#[must_use]
pub fn redemption(row: Option<(i64, Option<i64>)>, now: i64) -> LinkRedemption {
    match row {
        None => LinkRedemption::Unknown,
        Some((_, Some(_))) => LinkRedemption::Used,
        Some((expires_at, None)) if now >= expires_at => LinkRedemption::Expired,
        Some((_, None)) => LinkRedemption::Redeemed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_opens_once_before_it_expires() {
        assert_eq!(redemption(None, 10), LinkRedemption::Unknown);
        assert_eq!(redemption(Some((20, Some(5))), 10), LinkRedemption::Used);
        assert_eq!(redemption(Some((20, None)), 20), LinkRedemption::Expired);
        assert_eq!(redemption(Some((20, None)), 19), LinkRedemption::Redeemed);
    }
}
