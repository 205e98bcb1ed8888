"""Shared set-up: a vault with the insecure test KDF (as `Config::for_tests`), SOL at
100 USD, and a base58 encoder for owner addresses (Solana addresses are base58)."""

from pathlib import Path
from typing import Any, Dict

import pytest

import waiaas

# `Config::for_tests` in its camelCase JSON form: the fast, insecure KDF, allowed.
CONFIG: Dict[str, Any] = {
    "kdf": {"memoryKib": 65536, "iterations": 3, "parallelism": 4, "insecureTestProfile": True},
    "allowInsecureKdf": True,
}
PASSWORD = "correct horse battery staple"
PRICES = {"native:solana-devnet": "100"}
BLOCKHASH = "11111111111111111111111111111111"
TO = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = _B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def transfer(human_amount: str, **extra: Any) -> Dict[str, Any]:
    return {"type": "TRANSFER", "to": TO, "humanAmount": human_amount,
            "chain": {"recentBlockhash": BLOCKHASH}, **extra}


@pytest.fixture
def vault(tmp_path: Path) -> Path:
    return tmp_path / "vault"


@pytest.fixture
def admin(vault: Path) -> waiaas.Admin:
    return waiaas.Waiaas.create(vault, PASSWORD, CONFIG, prices=PRICES)


def agent_with_policy(admin: waiaas.Admin, rules: Dict[str, Any]) -> "tuple[waiaas.Agent, Dict[str, Any]]":
    wallet = admin.create_wallet("bot", chain="solana")
    admin.create_policy({"walletId": wallet["id"], "type": "SPENDING_LIMIT", "rules": rules})
    grant = admin.create_session({"walletId": wallet["id"]})
    return admin.agent(grant["token"]), wallet
