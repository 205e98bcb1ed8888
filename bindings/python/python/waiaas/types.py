"""The JSON shapes of ``waiaas::api`` as ``TypedDict``s, for type checkers.

Requests follow the committed JSON Schemas (``docs/schema/*.json``); answers follow the
pinned JSON of the response DTOs (``testdata/api/dto-pins.json``). At run time these are
plain dicts: waiaas decodes and checks every request in Rust (unknown keys refused),
and answers may gain keys in later versions.
"""

from typing import Any, Callable, Dict, List, Literal, Optional, TypedDict

# ---- enumerations (strings) ----

Tier = Literal["INSTANT", "NOTIFY", "DELAY", "APPROVAL"]
TxStatus = Literal[
    "PENDING", "QUEUED", "PENDING_APPROVAL", "EXECUTING", "SIGNED", "SUBMITTED",
    "CONFIRMED", "FAILED", "CANCELLED", "REJECTED", "EXPIRED",
]
SendKind = Literal["TRANSFER", "TOKEN_TRANSFER", "APPROVE", "CONTRACT_CALL"]
Permission = Literal["TRANSACTION", "BALANCE_READ", "SIGN_MESSAGE", "SIGN_TYPED_DATA"]
KillSwitchState = Literal["ACTIVE", "SUSPENDED", "LOCKED"]
OwnerState = Literal["NONE", "GRACE", "LOCKED"]
PolicyScope = Literal["ALL", "GLOBAL", "WALLET", "APPLICABLE_TO"]
QuicksetMode = Literal["mainnet", "testnet"]

# ---- requests (docs/schema) ----


class ChainParams(TypedDict, total=False):
    """Chain parameters a request carries when no chain client supplies them."""

    recentBlockhash: str
    nonce: int
    maxFeePerGas: str
    maxPriorityFeePerGas: str
    gasLimit: int


class TokenSpec(TypedDict, total=False):
    address: str
    decimals: int
    symbol: str


class _SendRequired(TypedDict):
    type: SendKind


class SendTransaction(_SendRequired, total=False):
    """``Agent.send`` / ``simulate``: exactly one of ``amount`` and ``humanAmount``."""

    walletId: str
    to: str
    amount: str
    humanAmount: str
    token: TokenSpec
    tokenProgram: str
    contract: str
    data: str
    value: str
    humanValue: str
    spender: str
    action: Dict[str, Any]
    chain: ChainParams
    idempotencyKey: str


class _SignMessageRequired(TypedDict):
    message: str


class SignMessage(_SignMessageRequired, total=False):
    walletId: str
    encoding: Literal["utf8", "hex"]


class _SignTypedDataRequired(TypedDict):
    typedData: Any


class SignTypedData(_SignTypedDataRequired, total=False):
    walletId: str


class _SignTransactionRequired(TypedDict):
    transaction: str


class SignTransaction(_SignTransactionRequired, total=False):
    walletId: str


class CreateSession(TypedDict, total=False):
    """Exactly one of ``walletId`` and ``walletIds``."""

    walletId: str
    walletIds: List[str]
    ttl: int
    maxRenewals: int
    absoluteLifetime: int
    permissions: List[Permission]
    label: str


class _NewPolicyRequired(TypedDict):
    type: str
    rules: Dict[str, Any]


class NewPolicy(_NewPolicyRequired, total=False):
    walletId: Optional[str]
    network: Optional[str]
    priority: int
    enabled: bool


class PolicyUpdate(TypedDict, total=False):
    rules: Dict[str, Any]
    priority: int
    enabled: bool


class ListPolicies(TypedDict, total=False):
    walletId: str
    scope: PolicyScope


class ListTransactions(TypedDict, total=False):
    walletId: str
    statuses: List[TxStatus]
    limit: int


class AuditFilter(TypedDict, total=False):
    after: int
    limit: int
    walletId: str
    txId: str
    event: str
    actor: str
    since: int


class Settings(TypedDict, total=False):
    approvalTimeoutSecs: int
    autoStopConsecutiveFailures: int
    autoStopMaxSends: int
    autoStopWindowSecs: int
    defaultDelaySecs: int
    durableNonceWallets: List[str]
    feeCeilings: Dict[str, str]
    maxSessionsPerWallet: int
    maxSignatureValiditySecs: int


# ---- answers (testdata/api/dto-pins.json) ----


class WalletInfo(TypedDict):
    id: str
    name: str
    chain: str
    network: str
    address: str
    status: str
    createdAt: int


class OwnerInfo(TypedDict):
    walletId: str
    state: OwnerState
    address: Optional[str]
    verificationMessage: Optional[str]


class Reason(TypedDict):
    code: str
    message: str
    policyId: Optional[str]
    policyType: Optional[str]


class Spend(TypedDict):
    assets: Dict[str, str]
    usd: Optional[str]


class Decision(TypedDict):
    allowed: bool
    tier: Optional[Tier]
    delaySeconds: Optional[int]
    approvalTimeout: Optional[int]
    approvalReason: Optional[str]
    reasons: List[Reason]
    warnings: List[Any]
    spend: Spend


class ExecutionResult(TypedDict, total=False):
    txHash: Optional[str]
    signedTransaction: Optional[str]
    signature: Optional[str]
    signedMessage: Optional[str]


class TxError(TypedDict):
    code: str
    message: str


class Transaction(TypedDict):
    id: str
    walletId: str
    sessionId: Optional[str]
    kind: str
    network: str
    status: TxStatus
    tier: Optional[Tier]
    decision: Optional[Decision]
    request: Dict[str, Any]
    result: Optional[ExecutionResult]
    error: Optional[TxError]
    executeAfter: Optional[int]
    expiresAt: Optional[int]
    createdAt: int
    updatedAt: int


class PolicyRecord(TypedDict):
    id: str
    walletId: Optional[str]
    type: str
    rules: Dict[str, Any]
    priority: int
    enabled: bool
    network: Optional[str]
    revision: int
    createdAt: int
    updatedAt: int


class SessionInfo(TypedDict):
    id: str
    walletIds: List[str]
    permissions: List[Permission]
    status: str
    ttl: Optional[int]
    maxRenewals: int
    renewalCount: int
    createdAt: int
    expiresAt: Optional[int]
    absoluteExpiresAt: Optional[int]
    revokedAt: Optional[int]
    label: Optional[str]


class SessionWithToken(TypedDict):
    session: SessionInfo
    token: str


class ApprovalRequest(TypedDict):
    txId: str
    status: TxStatus
    owner: str
    approveMessage: Optional[str]
    rejectMessage: Optional[str]
    cancelMessage: Optional[str]
    expiresAt: Optional[int]


class Balance(TypedDict):
    walletId: str
    network: str
    amount: str
    formatted: str
    symbol: str


class KillSwitchReport(TypedDict):
    state: KillSwitchState
    changed: bool
    sessionsRevoked: int
    transactionsCancelled: int
    walletsSuspended: int
    errors: List[str]


class AuditRecord(TypedDict):
    seq: int
    at: int
    actor: str
    event: str
    walletId: Optional[str]
    txId: Optional[str]
    details: Any
    prevHash: str
    hash: str
    scheme: str


class AuditVerification(TypedDict):
    entries: int
    firstBroken: Optional[int]
    truncated: bool
    keyedFrom: Optional[int]
    legacyBroken: Optional[int]


class AuditHead(TypedDict):
    seq: int
    hash: str
    keyedFrom: Optional[int]
    at: int


class Event(TypedDict):
    """What a notifier callable receives (``waiaas_core::notify::Event``)."""

    kind: str
    at: int
    walletId: Optional[str]
    txId: Optional[str]
    sessionId: Optional[str]
    details: Dict[str, Any]


Notifier = Callable[[Event], object]
"""A notifier: called with each event on a waiaas notifier thread; what it returns is
ignored, and an exception it raises goes to ``sys.unraisablehook``."""
