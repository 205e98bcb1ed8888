"""waiaas.aio: the same handles awaitable, each call on a worker thread, so the event
loop keeps running while waiaas works (Argon2id, signing, database waits)."""

import asyncio
import time
from pathlib import Path

import pytest

import waiaas
import waiaas.aio
from conftest import CONFIG, PASSWORD, PRICES, transfer

# Real Argon2id cost (19 MiB, the production floor), so unlock takes long enough to see.
REAL_KDF = {"kdf": {"memoryKib": 19456, "iterations": 2, "parallelism": 1}}


def test_the_flow_awaited(vault: Path) -> None:
    async def flow() -> None:
        admin = await waiaas.aio.create(vault, PASSWORD, CONFIG, PRICES)
        assert repr(admin) == "<waiaas.aio.Admin>"
        wallet = await admin.create_wallet("bot", chain="solana")
        await admin.create_policy({"walletId": wallet["id"], "type": "SPENDING_LIMIT",
                                   "rules": {"instant_max_usd": 10, "delay_max_usd": 1000}})
        agent = await admin.agent((await admin.create_session({"walletId": wallet["id"]}))["token"])
        sent = await asyncio.gather(*(agent.send(transfer("0.01")) for _ in range(5)))
        assert [t["status"] for t in sent] == ["SIGNED"] * 5
        assert len(await agent.transactions()) == 5
        assert len(agent.tools()) == 9
        with pytest.raises(waiaas.InvalidInputError):
            await agent.send(transfer("1", memo="x"))
        answer = await agent.call_tool("simulate", transfer("0.05"))
        assert answer["ok"] and answer["result"]["tier"] == "INSTANT"

    asyncio.run(flow())


def test_the_event_loop_runs_during_argon2id(vault: Path) -> None:
    async def flow() -> float:
        ticks = 0

        async def heartbeat() -> None:
            nonlocal ticks
            while True:
                ticks += 1
                await asyncio.sleep(0.005)

        beat = asyncio.create_task(heartbeat())
        started = time.monotonic()
        await waiaas.aio.create(vault, PASSWORD, REAL_KDF)
        elapsed = time.monotonic() - started
        beat.cancel()
        # A blocked loop would tick once; a free one about every 5 ms of the unlock.
        assert ticks >= max(3, int(elapsed / 0.005 / 4)), (ticks, elapsed)
        return elapsed

    assert asyncio.run(flow()) > 0
