"""One vault, three languages, three processes at once: the vault, its wallet and its
policy are created from Rust (examples/cross_language.rs); Python (peer.py) and Node
(peer.mjs) open the same database. A session issued in any language lets the agent
handles of all three act, and a revocation made in one is refused by the others at
their next call, through the handles they already hold.

Run from the repository root with the venv that has the Python binding, after the Node
binding is built: `python -m pytest examples/cross_language` (.ci/run, step
"cross-language")."""

import json
import os
import select
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
PASSWORD = "correct horse battery staple"
# Tests only: the fast KDF profile, recorded in the header and allowed explicitly.
CONFIG = {"kdf": {"memoryKib": 65536, "iterations": 3, "parallelism": 4, "insecureTestProfile": True},
          "allowInsecureKdf": True}
REQUEST = {"type": "TRANSFER", "to": "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM", "amount": "1000",
           "chain": {"recentBlockhash": "GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi"}}
PEERS = {
    "rust": ["cargo", "run", "-q", "--locked", "--example", "cross_language"],
    "python": [sys.executable, str(HERE / "peer.py")],
    "node": ["node", str(HERE / "peer.mjs")],
}


class Peer:
    def __init__(self, name: str) -> None:
        self.name = name
        self.process = subprocess.Popen(PEERS[name], cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env={**os.environ, "RUST_BACKTRACE": "1"})

    def __call__(self, **command: Any) -> Dict[str, Any]:
        assert self.process.stdin and self.process.stdout
        self.process.stdin.write(json.dumps(command) + "\n")
        self.process.stdin.flush()
        # The Rust peer may still be compiling on its first command.
        ready, _, _ = select.select([self.process.stdout], [], [], 600)
        line = self.process.stdout.readline() if ready else ""
        assert line, f"{self.name} peer gave no answer to {command['op']} (exit {self.process.poll()})"
        answer: Dict[str, Any] = json.loads(line)
        return answer

    def ok(self, **command: Any) -> Dict[str, Any]:
        answer = self(**command)
        assert answer["ok"], f"{self.name} {command['op']}: {answer}"
        return answer

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        self.process.wait(timeout=60)


@pytest.fixture
def peers(tmp_path: Path) -> Iterator[Dict[str, Any]]:
    started: List[Peer] = []
    try:
        rust = Peer("rust")
        started.append(rust)
        created = rust.ok(op="create", dir=str(tmp_path), password=PASSWORD, config=CONFIG,
                          wallet={"name": "cross", "network": "solana-devnet"},
                          policy={"type": "SPENDING_LIMIT",
                                  "rules": {"instant_max": "1000000", "delay_max": "1000000000"}})
        for name in ("python", "node"):
            peer = Peer(name)
            started.append(peer)
            peer.ok(op="open", dir=str(tmp_path), password=PASSWORD, config=CONFIG)
        yield {"wallet": created["wallet"], **{p.name: p for p in started}}
    finally:
        for p in started:
            p.close()


def allowed(peer: Peer, agent: str) -> None:
    decision = peer.ok(op="simulate", name=agent, request=REQUEST)["decision"]
    assert (decision["allowed"], decision["tier"]) == (True, "INSTANT"), f"{peer.name}: {decision}"


def test_sessions_issued_and_revoked_in_one_language_hold_in_the_others(peers: Dict[str, Any]) -> None:
    everyone: List[Peer] = [peers["rust"], peers["python"], peers["node"]]
    wallet = {"walletId": peers["wallet"]["id"]}
    control = peers["rust"].ok(op="issue", session=wallet)["session"]
    for peer in everyone:
        peer.ok(op="agent", name="control", token=control["token"])
    # Each language issues once and a different one revokes.
    for issuer, revoker in [("rust", "python"), ("python", "node"), ("node", "rust")]:
        session = peers[issuer].ok(op="issue", session=wallet)["session"]
        for peer in everyone:
            peer.ok(op="agent", name=issuer, token=session["token"])
            allowed(peer, issuer)
        peers[revoker].ok(op="revoke", sessionId=session["session"]["id"])
        for peer in everyone:
            # The handle each process already holds is refused at its next call...
            answer = peer(op="simulate", name=issuer, request=REQUEST)
            assert answer["code"] == "SESSION_REVOKED", f"{peer.name} after {revoker} revoked: {answer}"
            # ...and so is a new one.
            answer = peer(op="agent", name="late", token=session["token"])
            assert answer["code"] == "SESSION_REVOKED", f"{peer.name}: {answer}"
    # The session nobody revoked still works everywhere.
    for peer in everyone:
        allowed(peer, "control")
