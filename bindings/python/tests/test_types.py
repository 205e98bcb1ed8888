"""waiaas.types matches the JSON it types: each request TypedDict has exactly the
properties (and required keys) of its committed JSON Schema, each answer TypedDict the
keys of its pinned DTO JSON; and waiaas.aio has every method of the blocking handles."""

import json
from pathlib import Path
from typing import Any, Dict, Set

import pytest

import waiaas
import waiaas.aio
from waiaas import types

ROOT = Path(__file__).resolve().parents[3]
REQUESTS = ["CreateSession", "NewPolicy", "PolicyUpdate", "SendTransaction", "SignMessage",
            "SignTypedData", "SignTransaction", "ListPolicies", "ListTransactions", "Settings"]
ANSWERS = {
    "ApprovalRequest": "ApprovalRequest", "AuditHead": "AuditHead", "AuditRecord": "AuditRecord",
    "AuditVerification": "AuditVerification", "Balance": "Balance", "Decision": "Decision",
    "KillSwitchReport": "KillSwitchReport", "OwnerInfo": "OwnerInfo",
    "PolicyRecord": "PolicyRecord", "SessionInfo": "SessionInfo",
    "SessionWithToken": "SessionWithToken", "Transaction.signed": "Transaction",
    "Transaction.pendingApproval": "Transaction", "WalletInfo": "WalletInfo",
}


def keys(typed: Any) -> Set[str]:
    return set(typed.__required_keys__) | set(typed.__optional_keys__)


@pytest.mark.parametrize("name", REQUESTS)
def test_request_types_follow_the_schemas(name: str) -> None:
    schema = json.loads((ROOT / "docs" / "schema" / f"{name}.json").read_text())
    typed = getattr(types, name)
    assert keys(typed) == set(schema["properties"]), name
    assert set(typed.__required_keys__) == set(schema.get("required", [])), name
    defs: Dict[str, Any] = schema.get("$defs", {})
    for nested, ref in [("ChainParams", "ChainParams"), ("TokenSpec", "TokenSpec")]:
        if ref in defs:
            assert keys(getattr(types, nested)) == set(defs[ref]["properties"]), nested


@pytest.mark.parametrize("pin", sorted(ANSWERS))
def test_answer_types_follow_the_pinned_json(pin: str) -> None:
    pinned = json.loads((ROOT / "testdata" / "api" / "dto-pins.json").read_text())[pin]
    typed = getattr(types, ANSWERS[pin])
    assert set(typed.__required_keys__) <= set(pinned), pin
    assert set(pinned) <= keys(typed), pin


def test_aio_has_every_method() -> None:
    pairs = [(waiaas.Admin, waiaas.aio.Admin), (waiaas.Agent, waiaas.aio.Agent),
             (waiaas.Owner, waiaas.aio.Owner), (waiaas.Waiaas, waiaas.aio.Waiaas)]
    for sync, awaitable in pairs:
        methods = {n for n in dir(sync) if not n.startswith("_")} - {
            "create", "open", "create_auto_provisioned"}  # module functions in aio
        assert methods <= set(dir(awaitable)), (sync, methods - set(dir(awaitable)))
    for entry in ("create", "open", "create_auto_provisioned"):
        assert hasattr(waiaas.aio, entry) and hasattr(waiaas.Waiaas, entry)
