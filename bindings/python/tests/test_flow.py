"""The article's flow from Python, through the real Rust handles: a wallet, a
SPENDING_LIMIT policy, a session, an INSTANT send, a denial with reasons, and an APPROVAL
approved by the owner's Ed25519 signature (made in Python with PyNaCl, not by waiaas)."""

from pathlib import Path

import pytest
from nacl.signing import SigningKey

import waiaas
from conftest import CONFIG, PASSWORD, PRICES, b58encode, transfer

RULES = {"instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000, "delay_seconds": 900}


def test_article_flow(vault: Path) -> None:
    admin = waiaas.Waiaas.create(vault, PASSWORD, CONFIG, prices=PRICES)
    wallet = admin.create_wallet("trading-bot", chain="solana", environment="testnet")
    assert wallet["network"] == "solana-devnet"
    assert [w["id"] for w in admin.wallets()] == [wallet["id"]]
    policy = admin.create_policy({"walletId": wallet["id"], "type": "SPENDING_LIMIT", "rules": RULES})
    assert policy["type"] == "SPENDING_LIMIT"
    grant = admin.create_session({"walletId": wallet["id"], "ttl": 3600, "maxRenewals": 24})
    assert grant["token"].startswith("wai_sess_")
    assert grant["session"]["walletIds"] == [wallet["id"]]
    agent = admin.agent(grant["token"])
    assert agent.address() == wallet["address"]
    assert grant["token"] not in repr(agent) and "wai_sess_" not in repr(agent)

    # 0.05 SOL at 100 USD = 5 USD: INSTANT, signed at once.
    assert agent.simulate(transfer("0.05"))["tier"] == "INSTANT"
    tx = agent.send(transfer("0.05"))
    assert (tx["tier"], tx["status"], tx["network"]) == ("INSTANT", "SIGNED", "solana-devnet")

    # A token no policy allows: POLICY_DENIED with every reason, as a Forbidden error.
    with pytest.raises(waiaas.PolicyDeniedError) as denied:
        agent.send({"type": "TOKEN_TRANSFER", "to": tx["request"]["operation"]["to"],
                    "token": {"address": "EPjFWdd5AufqSSqeM2qN1xzybapC8G4wEGGkZwyTDt1v", "decimals": 6},
                    "humanAmount": "1", "chain": {"recentBlockhash": "11111111111111111111111111111111"}})
    assert isinstance(denied.value, waiaas.ForbiddenError)
    assert denied.value.code == "POLICY_DENIED"
    assert [r["code"] for r in denied.value.reasons] == ["TOKEN_NOT_ALLOWED"]
    assert denied.value.reasons[0]["policyId"] is None or isinstance(denied.value.reasons[0]["policyId"], str)
    assert denied.value.retry_after is None

    # 20 SOL = 2000 USD: APPROVAL, approved by the owner's key.
    owner_key = SigningKey.generate()
    admin.set_owner(wallet["id"], b58encode(bytes(owner_key.verify_key)))
    pending = agent.send(transfer("20"))
    assert (pending["tier"], pending["status"]) == ("APPROVAL", "PENDING_APPROVAL")
    owner = admin.owner_actions()
    request = owner.approval_request(pending["id"])
    message = request["approveMessage"]
    # A signature over other text is refused.
    with pytest.raises(waiaas.UnauthenticatedError):
        owner.approve(pending["id"], "0x" + owner_key.sign(b"something else").signature.hex(), message)
    signature = "0x" + owner_key.sign(message.encode()).signature.hex()
    approved = owner.approve(pending["id"], signature, message)
    assert approved["status"] == "SIGNED"
    assert [t["id"] for t in agent.transactions()][:1] == [pending["id"]]

    # The audit log holds, and the vault opens again from disk with the same data.
    audit = admin.verify_audit_log()
    assert audit["entries"] > 0 and audit["firstBroken"] is None
    again = waiaas.Waiaas.open(vault, PASSWORD, CONFIG)
    assert [w["id"] for w in again.wallets()] == [wallet["id"]]
    assert repr(again) == "<waiaas.Admin>"
