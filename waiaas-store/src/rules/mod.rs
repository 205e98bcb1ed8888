//! The backend-neutral storage rules: what every backend decides inside its
//! transactions, as plain functions over small row primitives. Only SQL differs between
//! backends; these do not.
//!
//! - [`windows`]: rolling spend windows (what to read to bring a window to `now`, how
//!   reservations, releases and commits move the totals, where a reservation is
//!   stamped) and in-flight totals.
//! - [`audit`]: where the next audit entry goes and what it links to, which stored
//!   records can verify, head verification, and the verdict on a log written before
//!   schema 4.
//! - [`admission`]: the gates (kill switch, wallet, session), what admission stores for
//!   a decided request, placement deadlines at the time mark, transition validity and
//!   single-use owner nonces, the cascade transition, AutoStop's failure count.
//! - [`links`]: the verdict on a presented approval-page link, the expired-row grace.
//! - [`placement`]: where a decided request goes (by tier, APPROVAL without an owner
//!   shifted to DELAY) and why the settings in force refuse an allowed one (durable
//!   nonces, an allowance increase with no owner, the fee ceiling).

pub mod admission;
pub mod audit;
pub mod links;
pub mod placement;
pub mod windows;
