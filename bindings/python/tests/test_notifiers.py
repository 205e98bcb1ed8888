"""Notifier callables (`notifiers=[...]`): each gets every pipeline event as a dict on a
waiaas notifier thread. One that raises, blocks or calls back into waiaas never breaks
or stalls a send, and never deadlocks on the GIL."""

import sys
import threading
import time
import weakref
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

import pytest

import waiaas
from conftest import CONFIG, PASSWORD, PRICES, transfer

RULES = {"instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000, "delay_seconds": 900}


class Inbox:
    """Collects events; `wait` blocks until `count` events match or 10 s pass."""

    def __init__(self) -> None:
        self.events: List[Dict[str, Any]] = []
        self.threads: List[int] = []
        self.changed = threading.Condition()

    def __call__(self, event: Dict[str, Any]) -> None:
        with self.changed:
            self.events.append(event)
            self.threads.append(threading.get_ident())
            self.changed.notify_all()

    def wait(self, count: int, where: Callable[[Dict[str, Any]], bool] = lambda e: True) -> List[Dict[str, Any]]:
        with self.changed:
            self.changed.wait_for(lambda: len([e for e in self.events if where(e)]) >= count, timeout=10)
            return [e for e in self.events if where(e)]


def open_agent(vault: Path, notifiers: List[Callable[[Dict[str, Any]], Any]]) -> "tuple[waiaas.Admin, waiaas.Agent]":
    admin = waiaas.Waiaas.create(vault, PASSWORD, CONFIG, prices=PRICES, notifiers=notifiers)
    wallet = admin.create_wallet("bot", chain="solana")
    admin.create_policy({"walletId": wallet["id"], "type": "SPENDING_LIMIT", "rules": RULES})
    return admin, admin.agent(admin.create_session({"walletId": wallet["id"]})["token"])


def kinds_of(inbox: Inbox, tx: Dict[str, Any], count: int) -> List[str]:
    return [e["kind"] for e in inbox.wait(count, lambda e: e["txId"] == tx["id"])]


def test_events_arrive_as_dicts_on_a_library_thread(vault: Path) -> None:
    inbox = Inbox()
    admin, agent = open_agent(vault, [inbox])
    instant = agent.send(transfer("0.05"))
    notify = agent.send(transfer("0.5"))
    delayed = agent.send(transfer("5"))
    assert kinds_of(inbox, instant, 2) == ["TX_REQUESTED", "TX_SIGNED"]
    assert kinds_of(inbox, notify, 3) == ["TX_REQUESTED", "TX_NOTIFY", "TX_SIGNED"]
    assert kinds_of(inbox, delayed, 2) == ["TX_REQUESTED", "TX_QUEUED"]
    signed = inbox.wait(1, lambda e: e["kind"] == "TX_SIGNED")[0]
    assert set(signed) == {"kind", "at", "walletId", "txId", "sessionId", "details"}
    assert signed["walletId"] == instant["walletId"]
    assert threading.get_ident() not in inbox.threads
    # Reopening attaches the notifiers given then.
    later = Inbox()
    again = waiaas.Waiaas.open(vault, PASSWORD, CONFIG, notifiers=[later])
    again.activate_kill_switch("drill")
    assert [e["kind"] for e in later.wait(1, lambda e: e["kind"] == "KILL_SWITCH_ACTIVATED")] == [
        "KILL_SWITCH_ACTIVATED"]


def test_a_raising_callable_is_reported_and_sends_go_on(vault: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    reported: List[Any] = []
    monkeypatch.setattr(sys, "unraisablehook", reported.append)

    def broken(event: Dict[str, Any]) -> None:
        raise RuntimeError(f"receiver down for {event['kind']}")

    inbox = Inbox()
    _, agent = open_agent(vault, [broken, inbox])
    sent = [agent.send(transfer("0.05")) for _ in range(3)]
    assert [t["status"] for t in sent] == ["SIGNED"] * 3
    # The other notifier still sees every event, and each failure was reported.
    assert len(kinds_of(inbox, sent[-1], 2)) == 2
    deadline = time.monotonic() + 10
    while len(reported) < len(inbox.events) and time.monotonic() < deadline:
        time.sleep(0.01)
    assert len(reported) >= 7  # SESSION_CREATED + 2 per send
    assert isinstance(reported[0].exc_value, RuntimeError)
    assert reported[0].object is broken


def test_a_blocked_callable_does_not_stall_send(vault: Path) -> None:
    release = threading.Event()
    seen = Inbox()

    def stuck(event: Dict[str, Any]) -> None:
        release.wait(30)

    admin, agent = open_agent(vault, [stuck, seen])
    started = time.monotonic()
    sent = [agent.send(transfer("0.05")) for _ in range(5)]
    elapsed = time.monotonic() - started
    assert [t["status"] for t in sent] == ["SIGNED"] * 5
    assert elapsed < 5, elapsed
    # The other notifier is not held up by the stuck one either.
    assert len(seen.wait(11)) >= 11
    # Dropping the last handle drains the queues with the GIL released: the callable's
    # thread gets the GIL for the events still queued, so this takes no 5 s timeout.
    release.set()
    started = time.monotonic()
    del admin, agent
    assert time.monotonic() - started < 2


def test_a_sleeping_callable_does_not_stall_send(vault: Path) -> None:
    def slow(event: Dict[str, Any]) -> None:
        time.sleep(0.5)

    _, agent = open_agent(vault, [slow])
    started = time.monotonic()
    agent.send(transfer("0.05"))
    agent.send(transfer("0.05"))
    # Their four events take 2 s to deliver; the sends did not wait for them.
    assert time.monotonic() - started < 1.0


def test_a_callable_may_call_waiaas_and_take_a_lock_the_sender_holds(vault: Path) -> None:
    # The callback reads the transaction back through waiaas (a read-only call that
    # itself releases the GIL) and takes a lock the sending thread holds during send:
    # neither deadlocks, because send never waits for its notifiers.
    lock = threading.Lock()
    handle: List["weakref.ReferenceType[waiaas.Admin]"] = []
    statuses: List[str] = []
    done = threading.Event()

    def reads_back(event: Dict[str, Any]) -> None:
        if event["kind"] != "TX_SIGNED":
            return
        with lock:
            admin = handle[0]()
            assert admin is not None
            statuses.append(admin.transaction(event["txId"])["status"])
        done.set()

    admin, agent = open_agent(vault, [reads_back])
    # A weak reference: the callable holding the admin itself would make a cycle
    # through Rust that Python's collector cannot see.
    handle.append(weakref.ref(admin))
    with lock:
        tx = agent.send(transfer("0.05"))
        assert not done.wait(0.2)  # the callback waits for the lock, send did not
    assert done.wait(10)
    assert statuses == ["SIGNED"] and tx["status"] == "SIGNED"

    # From another Python thread, while this one holds the GIL in a busy loop.
    results: List[Optional[str]] = [None]

    def sender() -> None:
        results[0] = agent.send(transfer("0.05"))["status"]

    done.clear()
    worker = threading.Thread(target=sender)
    worker.start()
    deadline = time.monotonic() + 10
    while not done.is_set() and time.monotonic() < deadline:
        sum(range(1000))
    worker.join(10)
    assert results == ["SIGNED"] and done.is_set() and statuses == ["SIGNED", "SIGNED"]


def test_notifiers_must_be_callable(vault: Path) -> None:
    with pytest.raises(waiaas.InvalidInputError) as e:
        waiaas.Waiaas.create(vault, PASSWORD, CONFIG, notifiers=[print, "not callable"])
    assert e.value.code == "VALIDATION_FAILED"
    assert e.value.message == "invalid `notifiers`: item 1 is not callable"
    assert not vault.exists()


def test_the_scheduler_runs_on_its_thread_until_stopped(vault: Path) -> None:
    # Its first tick sends the audit head (then every `auditHeadIntervalSecs`).
    inbox = Inbox()
    admin, _ = open_agent(vault, [inbox])
    with admin.spawn_scheduler(0.05) as scheduler:
        heads = inbox.wait(1, lambda e: e["kind"] == "AUDIT_HEAD")
        assert len(heads) == 1 and heads[0]["details"]["intact"] is True
    assert repr(scheduler) == "<waiaas.Scheduler>"
    scheduler.stop()  # already stopped: nothing
    with pytest.raises(waiaas.InvalidInputError) as e:
        admin.spawn_scheduler(0)
    assert e.value.code == "VALIDATION_FAILED"
