"""Python values cross into Rust as JSON values, walked directly: what json.dumps would
take is taken, what it would silently change (int keys, huge ints, NaN) is refused
with VALIDATION_FAILED naming the argument, and answers come back as json.loads
would make them."""

from pathlib import Path
from typing import Any

import pytest

import waiaas
from conftest import CONFIG, PASSWORD, PRICES, agent_with_policy, transfer


@pytest.fixture
def agent(vault: Path) -> waiaas.Agent:
    admin = waiaas.Waiaas.create(vault, PASSWORD, CONFIG, prices=PRICES)
    agent, _ = agent_with_policy(admin, {"instant_max_usd": 10})
    return agent


@pytest.mark.parametrize("bad,why", [
    ({**transfer("0.05"), 1: "x"}, "not a str"),
    ({**transfer("0.05"), "chain": {"nonce": 2 ** 70}}, "outside 64 bits"),
    ({**transfer("0.05"), "chain": {"nonce": float("nan")}}, "NaN"),
    ({**transfer("0.05"), "to": b"bytes"}, "`bytes` is not JSON"),
    ({**transfer("0.05"), "to": {1, 2}}, "`set` is not JSON"),
])
def test_values_json_cannot_hold_are_refused(agent: waiaas.Agent, bad: Any, why: str) -> None:
    with pytest.raises(waiaas.InvalidInputError) as e:
        agent.simulate(bad)
    assert e.value.code == "VALIDATION_FAILED"
    assert "`request`" in e.value.message and why in e.value.message, e.value.message


def test_deep_nesting_is_refused_not_a_crash(agent: waiaas.Agent) -> None:
    deep: Any = "x"
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(waiaas.InvalidInputError) as e:
        agent.call_tool("simulate", {"deep": deep})
    assert "nested deeper" in e.value.message


def test_tuples_are_lists_and_answers_have_json_types(agent: waiaas.Agent) -> None:
    assert agent.simulate(transfer("0.05"))["tier"] == "INSTANT"
    tools = agent.call_tool("get_address", ())  # a tuple is a JSON array: refused by the tool, as data
    assert tools["ok"] is False
    decision = agent.simulate(transfer("0.05"))
    assert decision["allowed"] is True and decision["delaySeconds"] is None
    assert isinstance(decision["reasons"], list) and isinstance(decision["spend"]["usd"], str)
    tx = agent.send(transfer("0.05"))
    assert type(tx["createdAt"]) is int
