"""The README's example: a vault, a wallet, a spending limit, a session, a send."""

import sys
import tempfile

import waiaas

TEST_KDF = {"kdf": {"memoryKib": 65536, "iterations": 3, "parallelism": 4, "insecureTestProfile": True},
            "allowInsecureKdf": True}  # tests and demos only; drop it for a real vault

with tempfile.TemporaryDirectory() as home:
    admin = waiaas.Waiaas.create(home, "correct horse battery staple", TEST_KDF,
                                 prices={"native:solana-devnet": "100"})
    wallet = admin.create_wallet("trading-bot", chain="solana")
    admin.create_policy({"walletId": wallet["id"], "type": "SPENDING_LIMIT",
                         "rules": {"instant_max_usd": 10, "delay_max_usd": 1000}})
    agent = admin.agent(admin.create_session({"walletId": wallet["id"]})["token"])
    chain: waiaas.types.ChainParams = {"recentBlockhash": "11111111111111111111111111111111"}  # no RPC here
    tx = agent.send({"type": "TRANSFER", "to": "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM",
                     "humanAmount": "0.05", "chain": chain})
    print(tx["tier"], tx["status"])  # INSTANT SIGNED
    try:
        agent.send({"type": "TOKEN_TRANSFER", "to": wallet["address"], "humanAmount": "1",
                    "token": {"address": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "decimals": 6}, "chain": chain})
    except waiaas.PolicyDeniedError as denied:
        print(denied.code, [r["code"] for r in denied.reasons])  # POLICY_DENIED ['TOKEN_NOT_ALLOWED']
    sys.exit(0 if tx["status"] == "SIGNED" else 1)
