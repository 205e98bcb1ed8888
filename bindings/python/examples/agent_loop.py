"""An agent loop: the agent's tools as function-calling definitions, fed to a model, and
the model's tool calls executed by waiaas. The "model" here is a scripted stub (no
network): it plays back the calls an LLM would make and reads every answer as data —
a policy denial comes back as a structured result with its reasons, not an exception.
"""

import json
import sys
import tempfile
from typing import Any, Dict, List

import waiaas

TEST_KDF = {"kdf": {"memoryKib": 65536, "iterations": 3, "parallelism": 4, "insecureTestProfile": True},
            "allowInsecureKdf": True}  # tests and demos only; drop it for a real vault
CHAIN = {"recentBlockhash": "11111111111111111111111111111111"}  # no RPC configured here
TO = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"


class ScriptedModel:
    """Stands in for an LLM: given the tool definitions, it returns the next tool call."""

    def __init__(self, tools: List[Dict[str, Any]]) -> None:
        self.names = {t["name"] for t in tools}
        self.script = [
            ("get_address", {}),
            ("simulate", {"type": "TRANSFER", "to": TO, "humanAmount": "0.5", "chain": CHAIN}),
            ("send", {"type": "TRANSFER", "to": TO, "humanAmount": "0.05", "chain": CHAIN}),
            ("send", {"type": "TOKEN_TRANSFER", "to": TO, "humanAmount": "1", "chain": CHAIN,
                      "token": {"address": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "decimals": 6}}),
            ("list_transactions", {"limit": 5}),
        ]

    def next_call(self, last_answer: Any) -> Any:
        if not self.script:
            return None
        name, args = self.script.pop(0)
        assert name in self.names, f"the model asked for a tool it was not given: {name}"
        return name, args


def main() -> int:
    with tempfile.TemporaryDirectory() as home:
        admin = waiaas.Waiaas.create(home, "correct horse battery staple", TEST_KDF,
                                     prices={"native:solana-devnet": "100"})
        wallet = admin.create_wallet("trading-bot", chain="solana")
        admin.create_policy({"walletId": wallet["id"], "type": "SPENDING_LIMIT",
                             "rules": {"instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000}})
        agent = admin.agent(admin.create_session({"walletId": wallet["id"]})["token"])

        tools = agent.tools()
        model = ScriptedModel(tools)
        answers: List[Any] = []
        answer: Any = None
        while (call := model.next_call(answer)) is not None:
            name, args = call
            answer = agent.call_tool(name, args)
            answers.append((name, answer))
            shown = answer["result"] if answer["ok"] else answer["error"]
            print(f"{name}: {'ok' if answer['ok'] else 'refused'} {json.dumps(shown)[:100]}")

        # What the loop must have seen: a NOTIFY simulation, a signed INSTANT send, a
        # default-deny refusal with its reason as data, and the history.
        simulate, send, token, history = (a for _, a in answers[1:])
        ok = (simulate["result"]["tier"] == "NOTIFY"
              and send["result"]["status"] == "SIGNED"
              and not token["ok"] and token["error"]["reasons"][0]["code"] == "TOKEN_NOT_ALLOWED"
              and len(history["result"]) == 2)
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
