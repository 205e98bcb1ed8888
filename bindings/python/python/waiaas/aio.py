"""Awaitable variants for asyncio agent runtimes: ``await waiaas.aio.create(...)``.

Every call into the native module blocks its thread (Argon2id, signing, database waits)
with the GIL released; these wrappers run each call on a worker thread
(``asyncio.to_thread``) so the event loop keeps serving other tasks. Nothing else
changes: same arguments, same answers (the JSON of ``waiaas::api``), same exceptions.
"""

import asyncio
from os import PathLike
from typing import Any, Dict, List, Mapping, Optional, Union

from . import _waiaas

Json = Dict[str, Any]
Path = Union[str, "PathLike[str]"]


async def create(
    path: Path,
    password: Optional[str] = None,
    config: Optional[Mapping[str, Any]] = None,
    prices: Optional[Mapping[str, str]] = None,
) -> "Admin":
    """``Waiaas.create`` off the event loop."""
    return Admin(await asyncio.to_thread(_waiaas.Waiaas.create, path, password, config, prices))


async def open(
    path: Path,
    password: Optional[str] = None,
    config: Optional[Mapping[str, Any]] = None,
    prices: Optional[Mapping[str, str]] = None,
) -> "Admin":
    """``Waiaas.open`` off the event loop."""
    return Admin(await asyncio.to_thread(_waiaas.Waiaas.open, path, password, config, prices))


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
    ) -> Json:
        return await asyncio.to_thread(self.sync.create_wallet, name, chain, environment, network)

    async def wallets(self) -> List[Json]:
        return await asyncio.to_thread(self.sync.wallets)

    async def create_policy(self, policy: Mapping[str, Any]) -> Json:
        return await asyncio.to_thread(self.sync.create_policy, policy)

    async def create_session(self, request: Mapping[str, Any]) -> Json:
        return await asyncio.to_thread(self.sync.create_session, request)

    async def revoke_session(self, session_id: str) -> None:
        await asyncio.to_thread(self.sync.revoke_session, session_id)

    async def set_owner(self, wallet_id: str, address: str) -> Json:
        return await asyncio.to_thread(self.sync.set_owner, wallet_id, address)

    def owner_actions(self) -> "Owner":
        return Owner(self.sync.owner_actions())

    async def agent(self, token: str) -> "Agent":
        return Agent(await asyncio.to_thread(self.sync.agent, token))

    async def activate_kill_switch(self, reason: str) -> Json:
        return await asyncio.to_thread(self.sync.activate_kill_switch, reason)

    async def verify_audit_log(self) -> Json:
        return await asyncio.to_thread(self.sync.verify_audit_log)


class Agent:
    """An agent's handle; ``sync`` is the blocking one it wraps."""

    def __init__(self, sync: _waiaas.Agent) -> None:
        self.sync = sync

    def __repr__(self) -> str:
        return "<waiaas.aio.Agent>"

    async def address(self, wallet_id: Optional[str] = None) -> str:
        return await asyncio.to_thread(self.sync.address, wallet_id)

    async def send(self, request: Mapping[str, Any]) -> Json:
        return await asyncio.to_thread(self.sync.send, request)

    async def simulate(self, request: Mapping[str, Any]) -> Json:
        return await asyncio.to_thread(self.sync.simulate, request)

    async def transactions(self, limit: int = 20) -> List[Json]:
        return await asyncio.to_thread(self.sync.transactions, limit)

    async def cancel(self, tx_id: str) -> Json:
        return await asyncio.to_thread(self.sync.cancel, tx_id)

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

    async def approval_request(self, tx_id: str) -> Json:
        return await asyncio.to_thread(self.sync.approval_request, tx_id)

    async def approve(self, tx_id: str, signature: str, message: str) -> Json:
        return await asyncio.to_thread(self.sync.approve, tx_id, signature, message)

    async def reject(self, tx_id: str, signature: str, message: str) -> Json:
        return await asyncio.to_thread(self.sync.reject, tx_id, signature, message)
