"""The agent's and the owner's surface beyond the article's flow, and waiaas.OwnerSigner.
Ed25519 signatures are checked with PyNaCl, independently of waiaas; EVM owner
signatures are checked by waiaas's own address recovery (no secp256k1 verifier is
installed), with the key and address a published vector (Hardhat account 0)."""

import base64
import json
import struct
import threading
import uuid
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, Callable, Dict, Iterator, List, Tuple

import pytest
from nacl.exceptions import BadSignatureError
from nacl.signing import SigningKey, VerifyKey

import waiaas
from conftest import CONFIG, PASSWORD, PRICES, b58encode, transfer

RULES = {"instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000, "delay_seconds": 900}
MISSING = str(uuid.UUID(int=1))
_B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# testdata/vectors/chains/mnemonic.json: "test ... junk", m/44'/60'/0'/0/0.
HARDHAT_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
HARDHAT_ADDRESS = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
MAIL: Dict[str, Any] = {
    "types": {
        "EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                         {"name": "chainId", "type": "uint256"},
                         {"name": "verifyingContract", "type": "address"}],
        "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
        "Mail": [{"name": "from", "type": "Person"}, {"name": "to", "type": "Person"},
                 {"name": "contents", "type": "string"}],
    },
    "primaryType": "Mail",
    "domain": {"name": "Ether Mail", "version": "1", "chainId": 11155111,
               "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
    "message": {"from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
                "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
                "contents": "Hello, Bob!"},
}


def b58decode(text: str) -> bytes:
    n = 0
    for ch in text:
        n = n * 58 + _B58.index(ch)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + body


def refused(code: str, f: Callable[..., Any], *args: Any) -> waiaas.WaiaasError:
    with pytest.raises(waiaas.WaiaasError) as e:
        f(*args)
    assert e.value.code == code, e.value
    return e.value


def solana_agent(admin: waiaas.Admin, permissions: Any = None) -> Tuple[waiaas.Agent, Dict[str, Any]]:
    wallet = admin.create_wallet("bot", chain="solana")
    admin.create_policy({"walletId": wallet["id"], "type": "SPENDING_LIMIT", "rules": RULES})
    request: Dict[str, Any] = {"walletId": wallet["id"]}
    if permissions is not None:
        request["permissions"] = permissions
    return admin.agent(admin.create_session(request)["token"]), wallet


def unsigned_transfer(payer: bytes, to: bytes, lamports: int) -> Tuple[str, bytes]:
    """A legacy Solana system transfer, unsigned: (base64 wire bytes, message bytes)."""
    system_program = bytes(32)
    message = (bytes([1, 0, 1, 3]) + payer + to + system_program + bytes(32)  # blockhash
               + bytes([1, 2, 2, 0, 1, 12]) + struct.pack("<IQ", 2, lamports))
    return base64.b64encode(bytes([1]) + bytes(64) + message).decode(), message


def test_agent_reads(admin: waiaas.Admin) -> None:
    agent, wallet = solana_agent(admin)
    assert agent.wallets() == [wallet["id"]]
    sent = agent.send(transfer("0.05"))
    assert agent.transaction(sent["id"]) == sent
    refused("TX_NOT_FOUND", agent.transaction, MISSING)
    # No chain client is configured in the binding's tests: the balance is refused.
    refused("CHAIN_CLIENT_REQUIRED", agent.balance)
    refused("WALLET_ACCESS_DENIED", agent.balance, MISSING)


@pytest.fixture
def solana_node() -> Iterator[Tuple[str, List[Dict[str, Any]]]]:
    """A local JSON-RPC endpoint that answers `getBalance` with 1.5 SOL and records
    each request it gets."""
    seen: List[Dict[str, Any]] = []

    class Node(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append(request)
            body = json.dumps({"jsonrpc": "2.0", "id": request["id"],
                               "result": {"context": {"slot": 7}, "value": 1_500_000_000}}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = HTTPServer(("127.0.0.1", 0), Node)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", seen
    server.shutdown()
    server.server_close()


def test_balance_through_a_json_rpc_node(vault: Path, solana_node: Tuple[str, List[Dict[str, Any]]]) -> None:
    url, seen = solana_node
    # The chain clients are the binding's default `rpc` feature.
    admin = waiaas.Waiaas.create(vault, PASSWORD, {**CONFIG, "rpcUrls": {"solana-devnet": url}}, prices=PRICES)
    agent, wallet = solana_agent(admin)
    assert agent.balance() == {"walletId": wallet["id"], "network": "solana-devnet",
                               "amount": "1500000000", "formatted": "1.5", "symbol": "SOL"}
    assert [r["method"] for r in seen] == ["getBalance"]
    assert seen[0]["params"][0] == wallet["address"]


def test_renew_is_refused_before_half_the_ttl(admin: waiaas.Admin) -> None:
    # The success path needs half the TTL (at least 150 s of real time) to pass: the
    # binding runs on the system clock, so only the refusal is tested here.
    agent, _ = solana_agent(admin)
    e = refused("RENEWAL_TOO_EARLY", agent.renew)
    assert isinstance(e, waiaas.RateLimitedError) and e.retry_after == 1800


def test_sign_message_checked_with_nacl(admin: waiaas.Admin) -> None:
    agent, wallet = solana_agent(admin, ["TRANSACTION", "BALANCE_READ", "SIGN_MESSAGE"])
    key = VerifyKey(b58decode(wallet["address"]))
    for request, text in [({"message": "hello from python"}, b"hello from python"),
                          ({"message": "0x" + b"raw".hex(), "encoding": "hex"}, b"raw")]:
        signed = agent.sign_message(request)  # type: ignore[arg-type]
        assert (signed["kind"], signed["status"]) == ("SIGN_MESSAGE", "SIGNED")
        # Solana signs the off-chain message envelope (`\xffsolana offchain` ...) that
        # ends with the text; the signature is over the whole envelope.
        envelope = bytes.fromhex(signed["result"]["signedMessage"].removeprefix("0x"))
        assert envelope.startswith(b"\xffsolana offchain") and envelope.endswith(text)
        key.verify(envelope, b58decode(signed["result"]["signature"]))
        with pytest.raises(BadSignatureError):
            key.verify(text, b58decode(signed["result"]["signature"]))
    refused("VALIDATION_FAILED", agent.sign_message, {"message": "zz", "encoding": "hex"})
    # The owner-action prefix is never signed by an agent.
    refused("VALIDATION_FAILED", agent.sign_message, {"message": "waiaas owner action: APPROVE"})
    plain, _ = solana_agent(admin)
    refused("PERMISSION_DENIED", plain.sign_message, {"message": "hi"})


def test_sign_transaction_checked_with_nacl(admin: waiaas.Admin) -> None:
    agent, wallet = solana_agent(admin)
    payer = b58decode(wallet["address"])
    to = b58decode("9WzDXwBbmkg8ZTbNMqUxvQRAyrZzDsGYdLVL9zYtAWWM")
    wire, message = unsigned_transfer(payer, to, 50_000_000)  # 0.05 SOL = 5 USD: INSTANT
    signed = agent.sign_transaction({"transaction": wire})
    assert (signed["tier"], signed["status"]) == ("INSTANT", "SIGNED")
    raw = base64.b64decode(signed["result"]["signedTransaction"])
    assert raw[0] == 1 and raw[65:] == message
    VerifyKey(payer).verify(message, raw[1:65])
    with pytest.raises(BadSignatureError):
        VerifyKey(to).verify(message, raw[1:65])
    # 20 SOL is judged by what it moves: APPROVAL, so it is not signed now.
    big, _ = unsigned_transfer(payer, to, 20_000_000_000)
    assert agent.sign_transaction({"transaction": big})["status"] in ("PENDING_APPROVAL", "QUEUED")
    refused("INVALID_TRANSACTION", agent.sign_transaction, {"transaction": "AAAA"})


def test_sign_typed_data(admin: waiaas.Admin) -> None:
    wallet = admin.create_wallet("evm", chain="ethereum")
    admin.create_policy({"walletId": wallet["id"], "type": "SPENDING_LIMIT", "rules": RULES})
    token = admin.create_session({"walletId": wallet["id"],
                                  "permissions": ["BALANCE_READ", "SIGN_TYPED_DATA"]})["token"]
    agent = admin.agent(token)
    # Typed data is judged: a type waiaas does not decode is denied until listed.
    e = refused("POLICY_DENIED", agent.sign_typed_data, {"typedData": MAIL})
    assert [r["code"] for r in e.reasons] == ["TYPED_DATA_NOT_ALLOWED"]
    admin.create_policy({"walletId": wallet["id"], "type": "CONTRACT_WHITELIST", "rules": {
        "contracts": [{"address": MAIL["domain"]["verifyingContract"], "typed_data": ["Mail"]}]}})
    signed = agent.sign_typed_data({"typedData": MAIL})
    assert (signed["kind"], signed["status"]) == ("SIGN_TYPED_DATA", "SIGNED")
    sig = bytes.fromhex(signed["result"]["signature"].removeprefix("0x"))
    assert len(sig) == 65 and sig[64] in (27, 28)
    # The same text as JSON text signs the same data (RFC 6979: the same signature).
    again = agent.sign_typed_data({"typedData": json.dumps(MAIL)})
    assert again["result"]["signature"] == signed["result"]["signature"]


def test_owner_cancels_a_delayed_tx_and_trips_the_kill_switch(admin: waiaas.Admin) -> None:
    agent, wallet = solana_agent(admin)
    owner_key = SigningKey.generate()
    admin.set_owner(wallet["id"], b58encode(bytes(owner_key.verify_key)))
    owner = admin.owner_actions()
    delayed = agent.send(transfer("5"))
    text = owner.approval_request(delayed["id"])["cancelMessage"]
    assert text is not None
    stranger = SigningKey.generate().sign(text.encode()).signature.hex()
    refused("INVALID_SIGNATURE", owner.cancel_delayed, delayed["id"], stranger, text)
    signature = owner_key.sign(text.encode()).signature.hex()
    assert owner.cancel_delayed(delayed["id"], signature, text)["status"] == "CANCELLED"
    refused("TX_ALREADY_PROCESSED", owner.cancel_delayed, delayed["id"], signature, text)

    message = owner.kill_switch_message(wallet["id"])
    assert message.startswith("waiaas owner action: KILL_SWITCH\nwallet: " + wallet["id"])
    refused("VALIDATION_FAILED", owner.kill_switch,
            owner_key.sign(b"stop").signature.hex(), "stop")
    refused("INVALID_SIGNATURE", owner.kill_switch,
            SigningKey.generate().sign(message.encode()).signature.hex(), message)
    report = owner.kill_switch(owner_key.sign(message.encode()).signature.hex(), message)
    assert (report["state"], report["changed"]) == ("SUSPENDED", True)
    assert admin.kill_switch_state() == "SUSPENDED"
    refused("VALIDATION_FAILED", owner.kill_switch_message, "nope")


def test_owner_signer_solana_matches_nacl(admin: waiaas.Admin) -> None:
    seed = bytes(range(32))
    nacl_key = SigningKey(seed)
    signer = waiaas.OwnerSigner.solana_from_bytes(seed)
    assert signer.address == b58encode(bytes(nacl_key.verify_key))
    nacl_key.verify_key.verify(b"text", b58decode(signer.sign("text")))
    keypair = seed + bytes(nacl_key.verify_key)
    assert waiaas.OwnerSigner.solana_from_base58(b58encode(keypair)).address == signer.address
    assert waiaas.OwnerSigner.solana_from_keypair_json(json.dumps(list(keypair))).address == signer.address
    for shown in (repr(signer), str(signer)):
        assert signer.address in shown and seed.hex() not in shown and b58encode(keypair) not in shown
    e = refused("VALIDATION_FAILED", waiaas.OwnerSigner.solana_from_bytes, seed[:31])
    assert seed[:31].hex() not in str(e)
    bad = b58encode(seed + bytes(32))  # the public half does not match
    e = refused("VALIDATION_FAILED", waiaas.OwnerSigner.solana_from_base58, bad)
    assert bad not in str(e)

    # An approval signed by the OwnerSigner is accepted; another key's is refused.
    agent, wallet = solana_agent(admin)
    admin.set_owner(wallet["id"], signer.address)
    pending = agent.send(transfer("20"))
    owner = admin.owner_actions()
    text = owner.approval_request(pending["id"])["approveMessage"]
    assert text is not None
    wrong = waiaas.OwnerSigner.solana_from_bytes(bytes(32))
    refused("INVALID_SIGNATURE", owner.approve, pending["id"], wrong.sign(text), text)
    assert owner.approve(pending["id"], signer.sign(text), text)["status"] == "SIGNED"


def test_owner_signer_evm_approves(admin: waiaas.Admin) -> None:
    signer = waiaas.OwnerSigner.evm_from_hex(HARDHAT_KEY)
    assert signer.address == HARDHAT_ADDRESS
    assert HARDHAT_KEY[2:] not in repr(signer)
    e = refused("VALIDATION_FAILED", waiaas.OwnerSigner.evm_from_hex, "0x" + "00" * 32)
    assert "00" * 32 not in str(e)
    wallet = admin.create_wallet("evm", chain="ethereum")
    admin.set_price("native:ethereum-sepolia", "3000")
    admin.create_policy({"walletId": wallet["id"], "type": "SPENDING_LIMIT", "rules": RULES})
    agent = admin.agent(admin.create_session({"walletId": wallet["id"]})["token"])
    admin.set_owner(wallet["id"], signer.address)
    # Proving the key (GRACE -> LOCKED) recovers the address from the EIP-191 signature.
    message = admin.owner(wallet["id"])["verificationMessage"]
    assert message is not None
    assert admin.verify_owner(wallet["id"], signer.sign(message), message)["state"] == "LOCKED"
    pending = agent.send({"type": "TRANSFER", "to": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                          "humanAmount": "1", "chain": {"nonce": 0, "maxFeePerGas": "30000000000",
                                                        "maxPriorityFeePerGas": "1000000000"}})
    assert pending["status"] == "PENDING_APPROVAL"
    owner = admin.owner_actions()
    text = owner.approval_request(pending["id"])["rejectMessage"]
    assert text is not None
    other = waiaas.OwnerSigner.evm_from_hex("0x" + "11" * 32)
    refused("INVALID_SIGNATURE", owner.reject, pending["id"], other.sign(text), text)
    assert owner.reject(pending["id"], signer.sign(text), text)["status"] == "REJECTED"
