//! What verifying the audit log found.

use crate::audit::ChainCheck;

/// What [`PipelineStore::verify_audit_log`](super::PipelineStore::verify_audit_log) found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditLogCheck {
    /// Records checked.
    pub entries: u64,
    /// The chain's verdict.
    pub chain: ChainCheck,
    /// Whether the recorded head names the last record and its MAC verifies (`false`
    /// when the log lost its tail, or the head was rewritten without the key).
    pub head_ok: bool,
    /// `(seq, hash)` of the last record.
    pub head: Option<(u64, String)>,
}
