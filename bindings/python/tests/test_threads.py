"""8 Python threads send against one daily cap through one handle: exactly as many sends
are signed as the same sends signed one by one (no overshoot, no lost send), and the
signed total never exceeds the cap; and Argon2id (create, change_password) runs with the
GIL released."""

import threading
import time
from pathlib import Path
from typing import Callable, List

import waiaas
from conftest import CONFIG, PASSWORD, PRICES, agent_with_policy, transfer

RULES = {"instant_max_usd": 1000, "daily_limit_usd": 100}
THREADS, PER_THREAD = 8, 5


def agent_for(admin: waiaas.Admin) -> waiaas.Agent:
    # As Rust's overshoot test: AutoStop off, so only the cap decides.
    settings = admin.settings()
    settings["autoStopMaxSends"] = 0
    admin.set_settings(settings)
    agent, _ = agent_with_policy(admin, RULES)
    return agent


def signed(txs: List[dict]) -> int:
    return sum(1 for t in txs if t["status"] == "SIGNED")


def test_no_overshoot_from_threads(tmp_path: Path) -> None:
    # The reference: the same 40 sends of 7 USD, one after another.
    seq_admin = waiaas.Waiaas.create(tmp_path / "seq", PASSWORD, CONFIG, prices=PRICES)
    seq_agent = agent_for(seq_admin)
    expected = signed([seq_agent.send(transfer("0.07")) for _ in range(THREADS * PER_THREAD)])
    assert 0 < expected < 15, expected  # 100 USD / 7 USD: the cap binds

    admin = waiaas.Waiaas.create(tmp_path / "par", PASSWORD, CONFIG, prices=PRICES)
    agent = agent_for(admin)
    results: List[dict] = []
    errors: List[BaseException] = []
    lock = threading.Lock()
    start = threading.Barrier(THREADS)

    def worker() -> None:
        start.wait()
        for _ in range(PER_THREAD):
            try:
                tx = agent.send(transfer("0.07"))
                with lock:
                    results.append(tx)
            except BaseException as e:  # noqa: BLE001 - reported below
                errors.append(e)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(results) == THREADS * PER_THREAD
    assert signed(results) == expected
    assert all(t["tier"] == "INSTANT" for t in results if t["status"] == "SIGNED")
    assert signed(agent.transactions(limit=100)) == expected


def longest_pause_during(work: Callable[[], object]) -> "tuple[float, float]":
    """Runs `work` while a Python thread notes the time as it runs; returns the longest
    gap it saw and the duration of `work`. The thread keeps noting the time throughout
    only if `work` releases the GIL."""
    seen: List[float] = []
    running = threading.Event()
    stop = threading.Event()

    def ticker() -> None:
        running.set()
        while not stop.is_set():
            seen.append(time.perf_counter())
            for _ in range(200):
                pass

    thread = threading.Thread(target=ticker)
    thread.start()
    running.wait()
    t0 = time.perf_counter()
    work()
    t1 = time.perf_counter()
    stop.set()
    thread.join()
    points = [t0] + [t for t in seen if t0 < t < t1] + [t1]
    return max(b - a for a, b in zip(points, points[1:])), t1 - t0


REAL_KDF = {"kdf": {"memoryKib": 65536, "iterations": 3, "parallelism": 1}}


def test_the_gil_is_released_during_argon2id(tmp_path: Path) -> None:
    # Argon2id at 64 MiB runs in Rust for a good part of `create`. Held, the ticker
    # stops for the whole hash (measured: the longest pause is ~85% of the call when
    # held, ~2% when released).
    pause, took = longest_pause_during(
        lambda: waiaas.Waiaas.create(tmp_path / "real-kdf", PASSWORD, REAL_KDF))
    assert pause < took / 2, (pause, took)


def test_the_gil_is_released_during_change_password(tmp_path: Path) -> None:
    # Argon2id twice: the current password checked, the new one derived.
    admin = waiaas.Waiaas.create(tmp_path / "real-kdf", PASSWORD, REAL_KDF)
    pause, took = longest_pause_during(
        lambda: admin.change_password(PASSWORD, "another long password"))
    assert pause < took / 2, (pause, took)
