"""A real MCP client (PyPI `mcp`, pinned in .ci/run) against `waiaas mcp serve` over
stdio: the vault and session are made with the CLI itself, then the client lists the
tools, simulates and sends a transfer, and gets a policy denial as a structured tool
result (not a protocol error). Usage: python mcp_client.py PATH/TO/waiaas"""

import asyncio
import json
import os
import subprocess
import sys
import tempfile

from mcp import ClientSession, StdioServerParameters, stdio_client

WAIAAS = sys.argv[1]
TO = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"
BLOCKHASH = "11111111111111111111111111111111"
USDC = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
TOOLS = ["get_address", "get_balance", "simulate", "send", "sign_message",
         "sign_typed_data", "list_transactions", "get_transaction", "cancel"]


def cli(data: str, *args: str) -> object:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WAIAAS_")}
    out = subprocess.run([WAIAAS, "--json", "--data-dir", data, *args], env=env,
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0, f"waiaas {args}: {out.stderr}"
    return json.loads(out.stdout)


def transfer(human_amount: str) -> dict:
    return {"type": "TRANSFER", "to": TO, "humanAmount": human_amount,
            "chain": {"recentBlockhash": BLOCKHASH}}


async def session_checks(data: str, token: str, wallet: dict) -> None:
    params = StdioServerParameters(command=WAIAAS, args=["mcp", "serve", "--data-dir", data],
                                   env={"WAIAAS_SESSION_TOKEN": token})
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()

            listed = await session.list_tools()
            assert [t.name for t in listed.tools] == TOOLS, listed
            send_tool = next(t for t in listed.tools if t.name == "send")
            assert "humanAmount" in send_tool.input_schema["properties"]

            address = await session.call_tool("get_address", {})
            assert address.structured_content == {"ok": True, "result": {"address": wallet["address"]}}

            simulated = await session.call_tool("simulate", transfer("0.05"))
            assert not simulated.is_error, simulated
            decision = simulated.structured_content["result"]
            assert decision["allowed"] is True and decision["tier"] == "INSTANT", decision

            sent = await session.call_tool("send", transfer("0.05"))
            assert not sent.is_error, sent
            tx = sent.structured_content["result"]
            assert tx["status"] == "SIGNED" and tx["tier"] == "INSTANT", tx
            # The text content carries the same JSON for clients that ignore structure.
            assert json.loads(sent.content[0].text) == sent.structured_content

            denied = await session.call_tool("send", {
                "type": "TOKEN_TRANSFER", "to": TO, "humanAmount": "1",
                "token": {"address": USDC, "decimals": 6}, "chain": {"recentBlockhash": BLOCKHASH}})
            assert denied.is_error is True, denied
            error = denied.structured_content["error"]
            assert denied.structured_content["ok"] is False
            assert error["code"] == "POLICY_DENIED" and error["reasons"], error

            # Above delay_max: APPROVAL tier; with no owner registered it waits as a DELAY
            # (QUEUED) — an answer, not an error.
            over = await session.call_tool("send", transfer("5"))
            assert not over.is_error, over
            queued = over.structured_content["result"]
            assert queued["tier"] == "APPROVAL" and queued["status"] == "QUEUED", queued

            bad = await session.call_tool("send", {"type": "TRANSFER", "to": TO, "amount": "0.1"})
            assert bad.is_error and bad.structured_content["error"]["code"] == "VALIDATION_FAILED", bad
    return tx["id"]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = os.path.join(tmp, "vault")
        cli(data, "init", "--auto-provision")
        wallet = cli(data, "wallet", "create", "--name", "agent", "--chain", "solana",
                     "--network", "solana-devnet")
        rules = {"instant_max": "100000000", "notify_max": "200000000", "delay_max": "1000000000"}
        cli(data, "policy", "add", "--wallet", "agent", "--type", "SPENDING_LIMIT",
            "--rules", json.dumps(rules))
        token = cli(data, "session", "create", "--ttl", "3600")["token"]
        tx_id = asyncio.run(session_checks(data, token, wallet))
        # The operator sees the agent's send in the same vault.
        assert tx_id in [t["id"] for t in cli(data, "tx", "list")]
    print("mcp client: tools listed, simulate/send answered, denials structured")


main()
