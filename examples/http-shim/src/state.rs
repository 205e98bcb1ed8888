//! What every handler reaches: the operator handle (held by the server process, used
//! only after a route's credential is checked), the price table the operator edits,
//! the body limit and the agents' request limiter.

use std::sync::Arc;

use waiaas::{Admin, StaticPriceOracle};

use crate::rate_limit::RequestLimiter;

/// Shared by every handler.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The unlocked instance's operator handle.
    pub admin: Admin,
    /// The table `PUT /v1/admin/prices` edits (the instance's price oracle).
    pub prices: Arc<StaticPriceOracle>,
    /// Largest accepted body, in bytes.
    pub body_limit: usize,
    /// Requests per agent session and minute.
    pub limiter: Arc<RequestLimiter>,
}
