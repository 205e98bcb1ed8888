"""Awaitable variants for asyncio agent runtimes: ``await waiaas.aio.create(...)``.

Every call into the native module blocks its thread (Argon2id, signing, database waits)
with the GIL released; these wrappers run each call on a worker thread
(``asyncio.to_thread``) so the event loop keeps serving other tasks. Nothing else
changes: same arguments, same answers (the JSON of ``waiaas::api``), same exceptions.
Notifier callables still run on waiaas's notifier threads, not on the event loop: to
reach the loop from one, use ``loop.call_soon_threadsafe``.
"""

import asyncio
from os import PathLike
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

from . import _waiaas
from .types import (
    ApprovalRequest,
    AuditFilter,
    AuditHead,
    AuditRecord,
    AuditVerification,
    Balance,
    CreateSession,
    Decision,
    KillSwitchReport,
    KillSwitchState,
    ListPolicies,
    ListTransactions,
    NewPolicy,
    Notifier,
    OwnerInfo,
    PolicyRecord,
    PolicyUpdate,
    QuicksetMode,
    SendTransaction,
    SessionInfo,
    SessionWithToken,
    Settings,
    SignMessage,
    SignTransaction,
    SignTypedData,
    Transaction,
    WalletInfo,
)

Json = Dict[str, Any]
Path = Union[str, "PathLike[str]"]


async def create(
    path: Path,
    password: Optional[str] = None,
    config: Optional[Mapping[str, Any]] = None,
    prices: Optional[Mapping[str, str]] = None,
    notifiers: Optional[Sequence[Notifier]] = None,
) -> "Admin":
    """``Waiaas.create`` off the event loop."""
    return Admin(
        await asyncio.to_thread(_waiaas.Waiaas.create, path, password, config, prices, notifiers)
    )


async def open(
    path: Path,
    password: Optional[str] = None,
    config: Optional[Mapping[str, Any]] = None,
    prices: Optional[Mapping[str, str]] = None,
    notifiers: Optional[Sequence[Notifier]] = None,
) -> "Admin":
    """``Waiaas.open`` off the event loop."""
    return Admin(
        await asyncio.to_thread(_waiaas.Waiaas.open, path, password, config, prices, notifiers)
    )


async def create_auto_provisioned(
    path: Path,
    config: Optional[Mapping[str, Any]] = None,
    prices: Optional[Mapping[str, str]] = None,
    notifiers: Optional[Sequence[Notifier]] = None,
) -> "Admin":
    """``Waiaas.create_auto_provisioned`` off the event loop."""
    return Admin(
        await asyncio.to_thread(
            _waiaas.Waiaas.create_auto_provisioned, path, config, prices, notifiers
        )
    )


class Admin:
    """The operator's handle; ``sync`` is the blocking one it wraps."""

    def __init__(self, sync: _waiaas.Admin) -> None:
        self.sync = sync

    def __repr__(self) -> str:
        return "<waiaas.aio.Admin>"

    async def create_wallet(
        self,
        name: str,
        chain: Optional[str] = None,
        environment: Optional[str] = None,
        network: Optional[str] = None,
    ) -> WalletInfo:
        return await asyncio.to_thread(self.sync.create_wallet, name, chain, environment, network)

    async def import_wallet(
        self,
        name: str,
        key: str,
        chain: Optional[str] = None,
        environment: Optional[str] = None,
        network: Optional[str] = None,
    ) -> WalletInfo:
        return await asyncio.to_thread(
            self.sync.import_wallet, name, key, chain, environment, network
        )

    async def import_mnemonic(
        self,
        name: str,
        mnemonic: str,
        chain: Optional[str] = None,
        environment: Optional[str] = None,
        network: Optional[str] = None,
        passphrase: Optional[str] = None,
        path: Optional[str] = None,
    ) -> WalletInfo:
        return await asyncio.to_thread(
            self.sync.import_mnemonic, name, mnemonic, chain, environment, network, passphrase, path
        )

    async def wallets(self) -> List[WalletInfo]:
        return await asyncio.to_thread(self.sync.wallets)

    async def wallet(self, wallet_id: str) -> WalletInfo:
        return await asyncio.to_thread(self.sync.wallet, wallet_id)

    async def rename_wallet(self, wallet_id: str, name: str) -> WalletInfo:
        return await asyncio.to_thread(self.sync.rename_wallet, wallet_id, name)

    async def suspend_wallet(self, wallet_id: str) -> WalletInfo:
        return await asyncio.to_thread(self.sync.suspend_wallet, wallet_id)

    async def resume_wallet(self, wallet_id: str) -> WalletInfo:
        return await asyncio.to_thread(self.sync.resume_wallet, wallet_id)

    async def delete_wallet(self, wallet_id: str) -> None:
        await asyncio.to_thread(self.sync.delete_wallet, wallet_id)

    async def owner(self, wallet_id: str) -> OwnerInfo:
        return await asyncio.to_thread(self.sync.owner, wallet_id)

    async def set_owner(self, wallet_id: str, address: str) -> OwnerInfo:
        return await asyncio.to_thread(self.sync.set_owner, wallet_id, address)

    async def remove_owner(self, wallet_id: str) -> OwnerInfo:
        return await asyncio.to_thread(self.sync.remove_owner, wallet_id)

    async def verify_owner(self, wallet_id: str, signature: str, message: str) -> OwnerInfo:
        return await asyncio.to_thread(self.sync.verify_owner, wallet_id, signature, message)

    async def create_policy(self, policy: NewPolicy) -> PolicyRecord:
        return await asyncio.to_thread(self.sync.create_policy, policy)

    async def policies(self, filter: Optional[ListPolicies] = None) -> List[PolicyRecord]:
        return await asyncio.to_thread(self.sync.policies, filter)

    async def update_policy(self, policy_id: str, change: PolicyUpdate) -> PolicyRecord:
        return await asyncio.to_thread(self.sync.update_policy, policy_id, change)

    async def delete_policy(self, policy_id: str) -> None:
        await asyncio.to_thread(self.sync.delete_policy, policy_id)

    async def quickset(self, wallet_id: str, mode: QuicksetMode) -> List[PolicyRecord]:
        return await asyncio.to_thread(self.sync.quickset, wallet_id, mode)

    async def create_session(self, request: CreateSession) -> SessionWithToken:
        return await asyncio.to_thread(self.sync.create_session, request)

    async def sessions(self, wallet_id: Optional[str] = None) -> List[SessionInfo]:
        return await asyncio.to_thread(self.sync.sessions, wallet_id)

    async def revoke_session(self, session_id: str) -> None:
        await asyncio.to_thread(self.sync.revoke_session, session_id)

    async def rotate_session_secret(self) -> None:
        await asyncio.to_thread(self.sync.rotate_session_secret)

    async def transactions(self, filter: Optional[ListTransactions] = None) -> List[Transaction]:
        return await asyncio.to_thread(self.sync.transactions, filter)

    async def transaction(self, tx_id: str) -> Transaction:
        return await asyncio.to_thread(self.sync.transaction, tx_id)

    async def cancel_transaction(self, tx_id: str) -> Transaction:
        return await asyncio.to_thread(self.sync.cancel_transaction, tx_id)

    async def reject_transaction(self, tx_id: str) -> Transaction:
        return await asyncio.to_thread(self.sync.reject_transaction, tx_id)

    async def process_due(self) -> List[Transaction]:
        return await asyncio.to_thread(self.sync.process_due)

    def spawn_scheduler(self, interval: float) -> _waiaas.Scheduler:
        """Starts the background scheduler (returns at once: not awaited)."""
        return self.sync.spawn_scheduler(interval)

    def waiaas(self) -> "Waiaas":
        return Waiaas(self.sync.waiaas())

    def owner_actions(self) -> "Owner":
        return Owner(self.sync.owner_actions())

    async def agent(self, token: str) -> "Agent":
        return Agent(await asyncio.to_thread(self.sync.agent, token))

    async def kill_switch_state(self) -> KillSwitchState:
        return await asyncio.to_thread(self.sync.kill_switch_state)

    async def activate_kill_switch(self, reason: str) -> KillSwitchReport:
        return await asyncio.to_thread(self.sync.activate_kill_switch, reason)

    async def escalate_kill_switch(self, reason: str) -> KillSwitchState:
        return await asyncio.to_thread(self.sync.escalate_kill_switch, reason)

    async def recover_kill_switch(self) -> KillSwitchState:
        return await asyncio.to_thread(self.sync.recover_kill_switch)

    async def audit_log(self, after: int = 0, limit: int = 0) -> List[AuditRecord]:
        return await asyncio.to_thread(self.sync.audit_log, after, limit)

    async def audit_log_filtered(self, filter: AuditFilter) -> List[AuditRecord]:
        return await asyncio.to_thread(self.sync.audit_log_filtered, filter)

    async def audit_head(self) -> Optional[AuditHead]:
        return await asyncio.to_thread(self.sync.audit_head)

    async def verify_audit_log(self) -> AuditVerification:
        return await asyncio.to_thread(self.sync.verify_audit_log)

    async def settings(self) -> Settings:
        return await asyncio.to_thread(self.sync.settings)

    async def set_settings(self, settings: Settings) -> None:
        await asyncio.to_thread(self.sync.set_settings, settings)

    async def change_password(self, current: str, new: str) -> None:
        await asyncio.to_thread(self.sync.change_password, current, new)

    def set_price(self, asset_id: str, usd: str) -> None:
        """Sets one price in memory (no I/O: not awaited)."""
        self.sync.set_price(asset_id, usd)


class Waiaas:
    """The non-operator handle (``Admin.waiaas()``); ``sync`` is the blocking one."""

    def __init__(self, sync: _waiaas.Waiaas) -> None:
        self.sync = sync

    def __repr__(self) -> str:
        return "<waiaas.aio.Waiaas>"

    async def agent(self, token: str) -> "Agent":
        return Agent(await asyncio.to_thread(self.sync.agent, token))

    def owner(self) -> "Owner":
        return Owner(self.sync.owner())

    async def process_due(self) -> List[Transaction]:
        return await asyncio.to_thread(self.sync.process_due)

    def spawn_scheduler(self, interval: float) -> _waiaas.Scheduler:
        """Starts the background scheduler (returns at once: not awaited)."""
        return self.sync.spawn_scheduler(interval)


class Agent:
    """An agent's handle; ``sync`` is the blocking one it wraps."""

    def __init__(self, sync: _waiaas.Agent) -> None:
        self.sync = sync

    def __repr__(self) -> str:
        return "<waiaas.aio.Agent>"

    async def wallets(self) -> List[str]:
        return await asyncio.to_thread(self.sync.wallets)

    async def address(self, wallet_id: Optional[str] = None) -> str:
        return await asyncio.to_thread(self.sync.address, wallet_id)

    async def balance(self, wallet_id: Optional[str] = None) -> Balance:
        return await asyncio.to_thread(self.sync.balance, wallet_id)

    async def send(self, request: SendTransaction) -> Transaction:
        return await asyncio.to_thread(self.sync.send, request)

    async def simulate(self, request: SendTransaction) -> Decision:
        return await asyncio.to_thread(self.sync.simulate, request)

    async def sign_message(self, request: SignMessage) -> Transaction:
        return await asyncio.to_thread(self.sync.sign_message, request)

    async def sign_typed_data(self, request: SignTypedData) -> Transaction:
        return await asyncio.to_thread(self.sync.sign_typed_data, request)

    async def sign_transaction(self, request: SignTransaction) -> Transaction:
        return await asyncio.to_thread(self.sync.sign_transaction, request)

    async def transactions(self, limit: int = 20) -> List[Transaction]:
        return await asyncio.to_thread(self.sync.transactions, limit)

    async def transaction(self, tx_id: str) -> Transaction:
        return await asyncio.to_thread(self.sync.transaction, tx_id)

    async def cancel(self, tx_id: str) -> Transaction:
        return await asyncio.to_thread(self.sync.cancel, tx_id)

    async def renew(self) -> SessionWithToken:
        return await asyncio.to_thread(self.sync.renew)

    def tools(self) -> List[Json]:
        """The tool definitions (no I/O: not awaited)."""
        return self.sync.tools()

    async def call_tool(self, name: str, arguments: Optional[Mapping[str, Any]] = None) -> Json:
        return await asyncio.to_thread(self.sync.call_tool, name, arguments)


class Owner:
    """Owner actions; ``sync`` is the blocking handle it wraps."""

    def __init__(self, sync: _waiaas.Owner) -> None:
        self.sync = sync

    def __repr__(self) -> str:
        return "<waiaas.aio.Owner>"

    async def approval_request(self, tx_id: str) -> ApprovalRequest:
        return await asyncio.to_thread(self.sync.approval_request, tx_id)

    async def approve(self, tx_id: str, signature: str, message: str) -> Transaction:
        return await asyncio.to_thread(self.sync.approve, tx_id, signature, message)

    async def reject(self, tx_id: str, signature: str, message: str) -> Transaction:
        return await asyncio.to_thread(self.sync.reject, tx_id, signature, message)

    async def cancel_delayed(self, tx_id: str, signature: str, message: str) -> Transaction:
        return await asyncio.to_thread(self.sync.cancel_delayed, tx_id, signature, message)

    def kill_switch_message(self, wallet_id: str) -> str:
        """The text to sign, issued now (no I/O: not awaited)."""
        return self.sync.kill_switch_message(wallet_id)

    async def kill_switch(self, signature: str, message: str) -> KillSwitchReport:
        return await asyncio.to_thread(self.sync.kill_switch, signature, message)
