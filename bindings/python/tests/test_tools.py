"""`Agent.tools()` / `call_tool`: the Rust registry's definitions and answers, denials as
data with every reason."""

import waiaas
from conftest import agent_with_policy, transfer


def test_tools_and_calls(admin: waiaas.Admin) -> None:
    agent, wallet = agent_with_policy(admin, {"instant_max_usd": 10})
    tools = agent.tools()
    assert [t["name"] for t in tools] == [
        "get_address", "get_balance", "simulate", "send", "sign_message",
        "sign_typed_data", "list_transactions", "get_transaction", "cancel",
    ]
    send = next(t for t in tools if t["name"] == "send")
    assert "humanAmount" in send["parameters"]["properties"]
    assert agent.call_tool("get_address") == {"ok": True, "result": {"address": wallet["address"]}}
    sent = agent.call_tool("send", transfer("0.05"))
    assert sent["ok"] is True and sent["result"]["status"] == "SIGNED"
    denied = agent.call_tool("send", {"type": "TOKEN_TRANSFER", "to": transfer("1")["to"],
                                      "token": {"address": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "decimals": 6},
                                      "humanAmount": "1", "chain": transfer("1")["chain"]})
    assert denied["ok"] is False and denied["error"]["code"] == "POLICY_DENIED"
    assert denied["error"]["reasons"], denied
    unknown = agent.call_tool("transfer_everything", {})
    assert unknown["ok"] is False and unknown["error"]["code"] == "VALIDATION_FAILED"
    listed = agent.call_tool("list_transactions", {"limit": 5})
    assert sent["result"]["id"] in [t["id"] for t in listed["result"]]
