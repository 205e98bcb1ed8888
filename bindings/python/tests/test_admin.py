"""The operator's surface beyond the article's flow: each method on its success path and
one refusal with its exact code, through the real Rust handles on a vault on disk."""

import uuid
from pathlib import Path
from typing import Any, Callable

import pytest
from nacl.signing import SigningKey

import waiaas
from conftest import CONFIG, PASSWORD, PRICES, b58encode, transfer

RULES = {"instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000, "delay_seconds": 900}
MISSING = str(uuid.UUID(int=1))


def refused(code: str, f: Callable[..., Any], *args: Any) -> waiaas.WaiaasError:
    with pytest.raises(waiaas.WaiaasError) as e:
        f(*args)
    assert e.value.code == code, e.value
    return e.value


def test_wallet_lifecycle(admin: waiaas.Admin) -> None:
    w = admin.create_wallet("bot", chain="solana")
    assert admin.wallet(w["id"]) == w
    assert admin.rename_wallet(w["id"], "renamed")["name"] == "renamed"
    refused("VALIDATION_FAILED", admin.rename_wallet, w["id"], "")
    assert admin.suspend_wallet(w["id"])["status"] == "SUSPENDED"
    agent = admin.agent(admin.create_session({"walletId": w["id"]})["token"])
    refused("WALLET_SUSPENDED", agent.send, transfer("0.01"))
    assert admin.resume_wallet(w["id"])["status"] == "ACTIVE"
    refused("WALLET_NOT_FOUND", admin.suspend_wallet, MISSING)
    refused("WALLET_NOT_FOUND", admin.resume_wallet, MISSING)
    admin.delete_wallet(w["id"])
    refused("WALLET_NOT_FOUND", admin.wallet, w["id"])
    refused("WALLET_NOT_FOUND", admin.delete_wallet, w["id"])
    refused("VALIDATION_FAILED", admin.wallet, "not-a-uuid")


def test_import_wallet_keeps_the_key_out_of_errors(admin: waiaas.Admin) -> None:
    key = SigningKey.generate()
    keypair = b58encode(bytes(key) + bytes(key.verify_key))
    w = admin.import_wallet("imported", keypair, chain="solana")
    # The address is the public half, computed here independently.
    assert w["address"] == b58encode(bytes(key.verify_key))
    assert w["network"] == "solana-devnet"
    bad = keypair[:-4] + "abcd"
    e = refused("VALIDATION_FAILED", admin.import_wallet, "bad", bad, "solana")
    assert bad not in str(e) and bad not in e.message


def test_import_mnemonic_derives_the_published_address(admin: waiaas.Admin) -> None:
    # testdata/vectors/chains/mnemonic.json: Hardhat's account 0 of "test ... junk".
    w = admin.import_mnemonic("hd", "test test test test test test test test test test test junk",
                              chain="ethereum")
    assert w["address"] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    one = admin.import_mnemonic("hd1", "test test test test test test test test test test test junk",
                                chain="ethereum", path="m/44'/60'/0'/0/1")
    assert one["address"] == "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
    words = "abandon abandon abandon"
    e = refused("VALIDATION_FAILED", admin.import_mnemonic, "bad", words, "ethereum")
    assert words not in str(e)


def test_owner_register_verify_remove(admin: waiaas.Admin) -> None:
    w = admin.create_wallet("bot", chain="solana")
    assert admin.owner(w["id"]) == {"walletId": w["id"], "state": "NONE", "address": None,
                                    "verificationMessage": None}
    refused("OWNER_NOT_CONNECTED", admin.remove_owner, w["id"])
    refused("OWNER_NOT_CONNECTED", admin.verify_owner, w["id"], "00", "text")
    key = SigningKey.generate()
    grace = admin.set_owner(w["id"], b58encode(bytes(key.verify_key)))
    assert grace["state"] == "GRACE"
    # While unproven the owner can be removed and set again.
    assert admin.remove_owner(w["id"])["state"] == "NONE"
    grace = admin.set_owner(w["id"], b58encode(bytes(key.verify_key)))
    message = grace["verificationMessage"]
    assert message is not None
    sig = key.sign(message.encode()).signature.hex()
    refused("APPROVAL_MESSAGE_MISMATCH", admin.verify_owner, w["id"], sig, message + " ")
    other = SigningKey.generate().sign(message.encode()).signature.hex()
    refused("INVALID_SIGNATURE", admin.verify_owner, w["id"], other, message)
    locked = admin.verify_owner(w["id"], sig, message)
    assert (locked["state"], locked["verificationMessage"]) == ("LOCKED", None)
    refused("OWNER_ALREADY_CONNECTED", admin.remove_owner, w["id"])
    refused("OWNER_ALREADY_CONNECTED", admin.set_owner, w["id"],
            b58encode(bytes(SigningKey.generate().verify_key)))


def test_policies_list_update_delete_quickset(admin: waiaas.Admin) -> None:
    w = admin.create_wallet("bot", chain="solana")
    mine = admin.create_policy({"walletId": w["id"], "type": "SPENDING_LIMIT", "rules": RULES})
    glob = admin.create_policy({"type": "RATE_LIMIT", "rules": {"max_requests": 100, "window_seconds": 60}})
    assert {p["id"] for p in admin.policies()} == {mine["id"], glob["id"]}
    assert [p["id"] for p in admin.policies({"walletId": w["id"]})] == [mine["id"]]
    assert [p["id"] for p in admin.policies({"scope": "GLOBAL"})] == [glob["id"]]
    assert {p["id"] for p in admin.policies({"walletId": w["id"], "scope": "APPLICABLE_TO"})} == {
        mine["id"], glob["id"]}
    refused("VALIDATION_FAILED", admin.policies, {"scope": "WALLET"})
    refused("VALIDATION_FAILED", admin.policies, {"walletid": w["id"]})

    updated = admin.update_policy(mine["id"], {"enabled": False, "priority": 3})
    assert (updated["enabled"], updated["priority"], updated["revision"]) == (False, 3, 2)
    refused("POLICY_NOT_FOUND", admin.update_policy, MISSING, {"enabled": True})
    refused("VALIDATION_FAILED", admin.update_policy, mine["id"], {"rules": {"instantMaxUsd": 1}})
    admin.delete_policy(glob["id"])
    refused("POLICY_NOT_FOUND", admin.delete_policy, glob["id"])

    created = admin.quickset(w["id"], "testnet")
    assert created and all(p["walletId"] == w["id"] for p in created)
    refused("VALIDATION_FAILED", admin.quickset, w["id"], "moon")
    refused("WALLET_NOT_FOUND", admin.quickset, MISSING, "testnet")


def test_sessions_listed_and_secret_rotated(admin: waiaas.Admin) -> None:
    a = admin.create_wallet("a", chain="solana")
    b = admin.create_wallet("b", chain="solana")
    sa = admin.create_session({"walletId": a["id"], "label": "for a"})
    admin.create_session({"walletId": b["id"]})
    assert [s["id"] for s in admin.sessions(a["id"])] == [sa["session"]["id"]]
    assert len(admin.sessions()) == 2
    refused("VALIDATION_FAILED", admin.sessions, "nope")
    admin.rotate_session_secret()
    # The previous secret stays valid for 300 s: the token still works.
    assert admin.agent(sa["token"]).address() == a["address"]


def test_transactions_read_cancel_reject_process_due(admin: waiaas.Admin) -> None:
    w = admin.create_wallet("bot", chain="solana")
    admin.create_policy({"walletId": w["id"], "type": "SPENDING_LIMIT", "rules": RULES})
    admin.set_owner(w["id"], b58encode(bytes(SigningKey.generate().verify_key)))
    agent = admin.agent(admin.create_session({"walletId": w["id"]})["token"])
    signed = agent.send(transfer("0.05"))
    delayed = agent.send(transfer("5"))
    pending = agent.send(transfer("20"))
    assert (delayed["status"], pending["status"]) == ("QUEUED", "PENDING_APPROVAL")

    every = admin.transactions()
    assert [t["id"] for t in every] == [pending["id"], delayed["id"], signed["id"]]
    assert [t["id"] for t in admin.transactions({"statuses": ["QUEUED"]})] == [delayed["id"]]
    assert len(admin.transactions({"walletId": w["id"], "limit": 1})) == 1
    refused("VALIDATION_FAILED", admin.transactions, {"statuses": ["DONE"]})
    assert admin.transaction(signed["id"])["status"] == "SIGNED"
    refused("TX_NOT_FOUND", admin.transaction, MISSING)

    # Nothing is due yet: the delay is 900 s and the approval window an hour.
    assert admin.process_due() == []
    assert admin.cancel_transaction(delayed["id"])["status"] == "CANCELLED"
    refused("TX_ALREADY_PROCESSED", admin.cancel_transaction, delayed["id"])
    refused("TX_ALREADY_PROCESSED", admin.reject_transaction, signed["id"])
    assert admin.reject_transaction(pending["id"])["status"] == "REJECTED"
    refused("TX_NOT_FOUND", admin.reject_transaction, MISSING)


def test_kill_switch_states(admin: waiaas.Admin) -> None:
    assert admin.kill_switch_state() == "ACTIVE"
    refused("VALIDATION_FAILED", admin.recover_kill_switch)
    refused("VALIDATION_FAILED", admin.escalate_kill_switch, "too soon")
    assert admin.activate_kill_switch("drill")["state"] == "SUSPENDED"
    assert admin.escalate_kill_switch("worse") == "LOCKED"
    assert admin.kill_switch_state() == "LOCKED"
    assert admin.recover_kill_switch() == "ACTIVE"


def test_audit_log_filter_and_head(admin: waiaas.Admin) -> None:
    w = admin.create_wallet("bot", chain="solana")
    records = admin.audit_log()
    assert records[0]["seq"] == 1 and records[0]["event"] == "VAULT_CREATED"
    assert [r["seq"] for r in admin.audit_log(after=1, limit=1)] == [2]
    mine = admin.audit_log_filtered({"walletId": w["id"]})
    assert mine and all(r["walletId"] == w["id"] for r in mine)
    refused("VALIDATION_FAILED", admin.audit_log_filtered, {"wallet": w["id"]})
    head = admin.audit_head()
    assert head is not None and head["seq"] == records[-1]["seq"]
    assert head["hash"] == records[-1]["hash"]


def test_change_password(vault: Path) -> None:
    admin = waiaas.Waiaas.create(vault, PASSWORD, CONFIG, prices=PRICES)
    refused("INVALID_MASTER_PASSWORD", admin.change_password, "wrong", "new password 123")
    admin.change_password(PASSWORD, "a new password, long enough")
    refused("INVALID_MASTER_PASSWORD", waiaas.Waiaas.open, vault, PASSWORD, CONFIG)
    assert waiaas.Waiaas.open(vault, "a new password, long enough", CONFIG).wallets() == []


def test_the_non_operator_handle(admin: waiaas.Admin) -> None:
    w = admin.create_wallet("bot", chain="solana")
    admin.create_policy({"walletId": w["id"], "type": "SPENDING_LIMIT", "rules": RULES})
    admin.set_owner(w["id"], b58encode(bytes(SigningKey.generate().verify_key)))
    token = admin.create_session({"walletId": w["id"]})["token"]
    serving = admin.waiaas()
    assert repr(serving) == "<waiaas.Waiaas>"
    # It makes agents and owner actions; it has no operator method.
    assert not any(hasattr(serving, m) for m in ("create_wallet", "create_policy", "create_session",
                                                 "wallets", "activate_kill_switch"))
    agent = serving.agent(token)
    pending = agent.send(transfer("20"))
    assert serving.owner().approval_request(pending["id"])["status"] == "PENDING_APPROVAL"
    assert serving.process_due() == []
    serving.spawn_scheduler(60).stop()
    refused("INVALID_TOKEN", serving.agent, "wai_sess_nope")
