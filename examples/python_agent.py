"""The waiaas quickstart from Python (what examples/quickstart.rs does): a fresh vault
with real Argon2id parameters, a Solana devnet and an EVM Sepolia wallet, the article's
policies, an owner key, an agent session, and requests that land in every tier (INSTANT,
NOTIFY, DELAY, APPROVAL approved with a `waiaas.OwnerSigner` signature) plus two the
policy denies. Offline. Exits 1 unless every outcome is the expected one.

Run: `pip install ./bindings/python && python examples/python_agent.py`
"""

import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Callable, List, Optional, Tuple

import waiaas
from waiaas.types import ChainParams, Event, SendTransaction, TokenSpec, Transaction

USDC_MINT = "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v"
BONK_MINT = "DezXAZ8z7PnrnRJjz3wXBoRgixCa6xjnB7YaB1pPB263"
RECIPIENT = "9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM"
# A blockhash supplied by the caller (offline: no chain client fetches one).
BLOCKHASH = "GHtXQBsoZHVnNFa9YevAzFr17DJjgHXk3ycTKD5xD3Zi"
# Prices come from the host's feed; here a fixed table (SOL $150, ETH $3000, USDC $1).
PRICES = {
    "native:solana-devnet": "150",
    "native:ethereum-sepolia": "3000",
    f"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1/token:{USDC_MINT}": "1",
}
SPENDING_LIMIT = {"instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000,
                  "delay_seconds": 900, "daily_limit_usd": 5000}
# What each row ends as when waiaas behaves as the README says.
EXPECTED = ["SIGNED", "SIGNED", "SIGNED", "QUEUED", "CANCELLED", "PENDING_APPROVAL",
            "SIGNED", "POLICY_DENIED", "POLICY_DENIED", "SIGNED"]

Outcome = Tuple[Optional[Transaction], str]


def row(n: int, what: str, call: Callable[[], Transaction]) -> Outcome:
    """Runs one request, prints its row and returns (transaction, status or error code)."""
    try:
        tx = call()
    except waiaas.WaiaasError as e:
        print(f"| {n} | {what:<34} | {'-':<8} | {e.code:<16} | "
              f"{', '.join(r['code'] for r in e.reasons)} |")
        return None, e.code
    print(f"| {n} | {what:<34} | {tx['tier'] or '-':<8} | {tx['status']:<16} | {detail(tx)} |")
    return tx, tx["status"]


def detail(tx: Transaction) -> str:
    if tx["status"] == "SIGNED" and tx["result"] and tx["result"].get("txHash"):
        return f"signed {str(tx['result']['txHash'])[:16]}…"
    if tx["status"] == "QUEUED":
        return f"executes after +{(tx['executeAfter'] or 0) - tx['createdAt']} s"
    if tx["status"] == "PENDING_APPROVAL":
        return f"owner has {(tx['expiresAt'] or 0) - tx['createdAt']} s to approve"
    if tx["status"] == "CANCELLED":
        return "cancelled; its reservation released"
    return tx["status"]


def main(home: Path) -> int:
    # Notifications arrive on a waiaas thread, never on the caller's.
    events: List[str] = []
    events_lock = threading.Lock()

    def on_event(event: Event) -> None:
        with events_lock:
            events.append(event["kind"])

    # 1. The operator creates the vault (Argon2id m = 64 MiB, t = 3, p = 4); the master
    #    password is auto-provisioned into recovery.key (0600).
    started = time.perf_counter()
    admin = waiaas.Waiaas.create_auto_provisioned(home, prices=PRICES, notifiers=[on_event])
    print(f"vault created in {home} ({time.perf_counter() - started:.2f} s, one Argon2id)")

    # 2. Wallets and the article's policies.
    sol = admin.create_wallet("ai-trading-bot", network="solana-devnet")
    evm = admin.create_wallet("ai-trading-bot-evm", network="ethereum-sepolia")
    print(f"wallet {sol['id']} on solana-devnet: {sol['address']}")
    print(f"wallet {evm['id']} on ethereum-sepolia: {evm['address']}")
    for w in (sol, evm):
        admin.create_policy({"walletId": w["id"], "type": "SPENDING_LIMIT", "rules": SPENDING_LIMIT})
    admin.create_policy({"walletId": sol["id"], "type": "ALLOWED_TOKENS", "rules": {
        "tokens": [{"address": USDC_MINT, "symbol": "USDC", "chain": "solana", "decimals": 6}]}})
    print("policies: SPENDING_LIMIT 10/100/1000 USD, delay 900 s, daily 5000 USD; ALLOWED_TOKENS USDC")

    # 3. The owner's key lives in the owner's own wallet app (here: waiaas.OwnerSigner);
    #    it is registered by address.
    owner_key = waiaas.OwnerSigner.solana_from_bytes(bytes([42] * 32))
    admin.set_owner(sol["id"], owner_key.address)
    print(f"owner of ai-trading-bot: {owner_key.address}")

    # 4. A bounded session for the agent: ttl 1 h, 24 renewals.
    issued = admin.create_session({"walletIds": [sol["id"], evm["id"]], "ttl": 3600, "maxRenewals": 24})
    print(f"session {issued['session']['id']} issued; the agent holds only its token")
    agent = admin.agent(issued["token"])

    chain: ChainParams = {"recentBlockhash": BLOCKHASH}

    def transfer(amount: str) -> SendTransaction:
        return {"walletId": sol["id"], "type": "TRANSFER", "to": RECIPIENT, "humanAmount": amount,
                "chain": chain}

    def token(mint: str, symbol: str, decimals: Optional[int], amount: str) -> SendTransaction:
        # Decimals come from the operator's ALLOWED_TOKENS entry (or the chain), never
        # from the agent; an unlisted token is denied before they matter.
        spec: TokenSpec = {"address": mint, "symbol": symbol}
        if decimals is not None:
            spec["decimals"] = decimals
        return {"walletId": sol["id"], "type": "TOKEN_TRANSFER", "to": RECIPIENT, "token": spec,
                "humanAmount": amount, "chain": chain}

    outcomes: List[str] = []
    print()
    print("| # | request                            | tier     | status           | detail |")
    print("|---|------------------------------------|----------|------------------|--------|")
    outcomes.append(row(1, "0.05 SOL ($7.50)", lambda: agent.send(transfer("0.05")))[1])
    outcomes.append(row(2, "5 USDC ($5)", lambda: agent.send(token(USDC_MINT, "USDC", None, "5")))[1])
    outcomes.append(row(3, "0.5 SOL ($75)", lambda: agent.send(transfer("0.5")))[1])
    delayed, status = row(4, "5 SOL ($750)", lambda: agent.send(transfer("5")))
    outcomes.append(status)
    if delayed is not None:
        delayed_id = delayed["id"]
        outcomes.append(row(5, "  … cancelled by the agent", lambda: agent.cancel(delayed_id))[1])
    big, status = row(6, "20 SOL ($3000)", lambda: agent.send(transfer("20")))
    outcomes.append(status)
    if big is not None:
        # The owner reviews the exact text and signs it in their wallet app.
        big_id = big["id"]
        owner = admin.owner_actions()
        text = owner.approval_request(big_id)["approveMessage"] or ""
        signature = owner_key.sign(text)
        outcomes.append(row(7, "  … approved by the owner",
                            lambda: owner.approve(big_id, signature, text))[1])
    outcomes.append(row(8, "1000 BONK (not an allowed token)",
                        lambda: agent.send(token(BONK_MINT, "BONK", 5, "1000")))[1])
    # Judge what is signed: "5 USDC" stated with 9 decimals would really move 5 000 USDC.
    outcomes.append(row(9, "5 USDC claimed with 9 decimals",
                        lambda: agent.send(token(USDC_MINT, "USDC", 9, "5")))[1])
    # EVM: nonce and fees supplied by the caller (no chain client offline).
    eth: SendTransaction = {
        "walletId": evm["id"], "type": "TRANSFER", "to": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
        "humanAmount": "0.002",
        "chain": {"nonce": 0, "maxFeePerGas": "30000000000", "maxPriorityFeePerGas": "1000000000"},
    }
    outcomes.append(row(10, "0.002 ETH ($6) on sepolia", lambda: agent.send(eth))[1])

    print()
    audit = admin.verify_audit_log()
    intact = audit["firstBroken"] is None and audit["legacyBroken"] is None and not audit["truncated"]
    print(f"audit log: {audit['entries']} entries, HMAC chain intact: {intact}")
    # Every tier was announced to the notifier (delivered on its own thread).
    wanted = {"TX_SIGNED", "TX_NOTIFY", "TX_QUEUED", "TX_APPROVAL_REQUIRED", "TX_APPROVED",
              "TX_CANCELLED", "POLICY_DENIED"}
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with events_lock:
            seen = set(events)
        if wanted <= seen:
            break
        time.sleep(0.01)
    print(f"notifier saw: {', '.join(sorted(seen & wanted))}")
    if outcomes != EXPECTED or not intact or not wanted <= seen:
        print(f"the example did not go as the README says: {outcomes}, expected {EXPECTED}; "
              f"events missing: {sorted(wanted - seen)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    with tempfile.TemporaryDirectory(prefix="waiaas-python-agent-") as tmp:
        code = main(Path(tmp) / "vault")
    sys.exit(code)
