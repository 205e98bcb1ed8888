//! When and where a wallet may act at all: ALLOWED_NETWORKS, TIME_RESTRICTION and
//! RATE_LIMIT, judged once per request before its instructions.

use waiaas_core::PolicyType;

use super::Eval;
use crate::codes;
use crate::rules::Rules;

impl Eval<'_> {
    pub(super) fn global_checks(&mut self) {
        if let Some((_, Rules::AllowedNetworks { networks })) =
            self.rules(PolicyType::AllowedNetworks)
            && !networks.contains(&self.network)
        {
            let list: Vec<&str> = networks.iter().map(|n| n.as_str()).collect();
            self.deny(
                Some(PolicyType::AllowedNetworks),
                codes::NETWORK_NOT_ALLOWED,
                format!(
                    "network `{}` is not in ALLOWED_NETWORKS ({}); add it to the policy to use it",
                    self.network,
                    list.join(", ")
                ),
                None,
            );
        }
        if let Some((_, Rules::TimeRestriction(t))) = self.rules(PolicyType::TimeRestriction) {
            let t = t.clone();
            match jiff::Timestamp::from_second(self.now) {
                Ok(ts) => {
                    let z = ts.to_zoned(t.timezone.clone());
                    let hour = u8::try_from(z.hour()).unwrap_or(u8::MAX);
                    let day = u8::try_from(z.weekday().to_sunday_zero_offset()).unwrap_or(u8::MAX);
                    let hour_ok = t.hours.is_none_or(|(s, e)| {
                        if s < e {
                            hour >= s && hour < e
                        } else {
                            hour >= s || hour < e
                        }
                    });
                    let day_ok = t.days.as_ref().is_none_or(|d| d.contains(&day));
                    if !hour_ok || !day_ok {
                        self.deny(
                            Some(PolicyType::TimeRestriction),
                            codes::OUTSIDE_ALLOWED_TIME,
                            format!(
                                "it is {} (day {day}, hour {hour}) in `{}`, outside TIME_RESTRICTION's allowed hours and days; retry inside them or change the policy",
                                z.strftime("%Y-%m-%d %H:%M"),
                                t.timezone_name
                            ),
                            None,
                        );
                    }
                }
                Err(_) => self.deny(
                    Some(PolicyType::TimeRestriction),
                    codes::OUTSIDE_ALLOWED_TIME,
                    format!("time `{}` is out of range", self.now),
                    None,
                ),
            }
        }
        if let Some((
            _,
            &Rules::RateLimit {
                max_requests,
                window_seconds,
            },
        )) = self.rules(PolicyType::RateLimit)
            && let Some(w) = self.window(window_seconds, PolicyType::RateLimit)
            && w.requests >= max_requests
        {
            let n = w.requests;
            self.deny(
                Some(PolicyType::RateLimit),
                codes::RATE_LIMIT_EXCEEDED,
                format!(
                    "{n} requests were admitted in the last {window_seconds} s and RATE_LIMIT allows {max_requests}; wait or raise the limit"
                ),
                None,
            );
        }
        // Unrated unless a trusted descriptor rates the counterparty; a score the agent
        // reports itself can only make it stricter.
        self.reputation(self.req.action.as_ref().and_then(|a| a.counterparty_score));
        if let Some(score) = self
            .req
            .claimed_action
            .as_ref()
            .map(|a| a.counterparty_score)
        {
            self.reputation(score);
        }
    }
}
