"""The Python side of the cross-language test: one JSON command per line on stdin, one
JSON answer per line on stdout (the protocol of examples/cross_language.rs)."""

import json
import sys
from typing import Any, Dict

import waiaas

admin: Any = None
agents: Dict[str, waiaas.Agent] = {}


def run(command: Dict[str, Any]) -> Dict[str, Any]:
    global admin
    op = command["op"]
    if op == "open":
        admin = waiaas.Waiaas.open(command["dir"], command["password"], command["config"])
        return {}
    if op == "issue":
        return {"session": admin.create_session(command["session"])}
    if op == "agent":
        agents[command["name"]] = admin.agent(command["token"])
        return {}
    if op == "simulate":
        return {"decision": agents[command["name"]].simulate(command["request"])}
    if op == "revoke":
        admin.revoke_session(command["sessionId"])
        return {}
    return {"ok": False, "code": "BAD_COMMAND", "message": f"unknown op {op!r}"}


for line in sys.stdin:
    try:
        answer = {"ok": True, **run(json.loads(line))}
    except waiaas.WaiaasError as e:
        answer = {"ok": False, "code": e.code, "message": str(e)}
    print(json.dumps(answer), flush=True)
