#!/usr/bin/env bash
# Seeds fuzz/corpus/<target>/ from the shared vectors in testdata/ (plus a few hand
# seeds written below, for inputs no vector holds). The corpora are generated, never
# committed; re-running adds nothing that is already there (files are named by hash).
#
#   fuzz/seed.sh [target...]      # every target when none is named
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
exec python3 - "$here" "$@" <<'PY'
import base64, glob, hashlib, json, os, sys

here = sys.argv[1]
root = os.path.dirname(here)
wanted = set(sys.argv[2:])
vectors = os.path.join(root, "testdata", "vectors")

def cases(pattern):
    for path in sorted(glob.glob(os.path.join(vectors, pattern))):
        with open(path) as f:
            yield from json.load(f).get("cases", [])

seeds = {}

def add(target, data):
    if isinstance(data, str):
        data = data.encode()
    seeds.setdefault(target, []).append(data)

def compact(value):
    return json.dumps(value, separators=(",", ":"))

# The policy types in `PolicyType::ALL` order: the first byte of a policy_rules input.
TYPES = ["SPENDING_LIMIT", "WHITELIST", "TIME_RESTRICTION", "RATE_LIMIT", "ALLOWED_TOKENS",
         "CONTRACT_WHITELIST", "METHOD_WHITELIST", "APPROVED_SPENDERS", "APPROVE_AMOUNT_LIMIT",
         "APPROVE_TIER_OVERRIDE", "ALLOWED_NETWORKS", "X402_ALLOWED_DOMAINS",
         "ERC8128_ALLOWED_DOMAINS", "LENDING_LTV_LIMIT", "LENDING_ASSET_WHITELIST",
         "PERP_MAX_LEVERAGE", "PERP_MAX_POSITION_USD", "PERP_ALLOWED_MARKETS",
         "VENUE_WHITELIST", "ACTION_CATEGORY_LIMIT", "REPUTATION_THRESHOLD"]

# --- policy vectors: rules, requests, amounts
send_fields = {"TRANSFER": ["to", "amount"], "TOKEN_TRANSFER": ["to", "amount", "token"],
               "APPROVE": ["spender", "amount", "token"], "CONTRACT_CALL": ["contract", "value"]}
for case in cases("policy/*.json"):
    for p in case.get("policies", []):
        if p.get("type") in TYPES:
            add("policy_rules", bytes([TYPES.index(p["type"])]) + compact(p["rules"]).encode())
            new = {"type": p["type"], "rules": p["rules"], "priority": p.get("priority", 0)}
            add("request_dto", b"\x0b" + compact(new).encode())
    req = case.get("request", {})
    kind = req.get("type")
    if kind in send_fields:
        dto = {"type": kind}
        for field in send_fields[kind]:
            if field in req:
                dto[field] = req[field]
        if isinstance(dto.get("token"), dict):
            dto["token"] = {k: v for k, v in dto["token"].items() if k in ("address", "decimals", "symbol")}
        if "action" in req:
            dto["action"] = req["action"]
        network = req.get("network", "")
        selector = 0x00 if network.startswith("ethereum") else 0x10
        add("request_dto", bytes([selector]) + compact(dto).encode())
        for field in ("amount", "value"):
            if isinstance(req.get(field), str):
                add("amount", req[field])
    add("policy_differential", compact(case).encode()[:512])

# --- sessions, vault, chains
for case in cases("sessions/*.json"):
    token = case.get("token") or case.get("expect", {}).get("token")
    if token:
        add("session_token", token)
for case in cases("vault/*.json"):
    if "header" in case:
        add("vault_header", compact(case["header"]))
for case in cases("chains/decode.json"):
    raw = case["raw"]
    target = "evm_decode" if raw.startswith("0x") else "solana_decode"
    add(target, raw)
    try:
        add(target, bytes.fromhex(raw[2:]) if raw.startswith("0x") else base64.b64decode(raw))
    except ValueError:
        pass
for case in cases("chains/eip712.json"):
    for target in ("typed_data_decode", "typed_data_policy"):
        add(target, compact(case["typedData"]))
    add("request_dto", b"\x02" + compact({"typedData": case["typedData"]}).encode())
for case in cases("chains/owner.json"):
    if case["kind"] == "ownerVerify":
        evm = b"\x01" if case["chain"] == "ethereum" else b"\x00"
        msg = case["message"].encode() if "message" in case else bytes.fromhex(case["messageHex"])
        add("owner_approval", evm + b"\x00" + bytes([len(msg) % 256]) + msg + case["signature"].encode())
        add("request_dto", b"\x0a" + compact({"message": msg.decode("utf-8", "replace"), "signature": case["signature"]}).encode())
    else:
        add("owner_approval", b"\x00\x02" + case["address"].encode())

# --- hand seeds: the standards typed data decodes, the owner texts, the other DTOs
USDC, SPENDER = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359"
PERMIT2 = "0x000000000022D473030F116dDEE9F6B43aC78BA3"
DOMAIN_TYPES = [{"name": "name", "type": "string"}, {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}]
def typed(primary, types, message, contract=USDC):
    return {"types": dict({"EIP712Domain": DOMAIN_TYPES}, **types), "primaryType": primary,
            "domain": {"name": "T", "version": "1", "chainId": 1, "verifyingContract": contract},
            "message": message}
hand_typed = [
    typed("Permit", {"Permit": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"},
          {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"},
          {"name": "deadline", "type": "uint256"}]},
          {"owner": SPENDER, "spender": SPENDER, "value": "1000000", "nonce": 0, "deadline": "1893456000"}),
    typed("PermitSingle", {"PermitSingle": [{"name": "details", "type": "PermitDetails"},
          {"name": "spender", "type": "address"}, {"name": "sigDeadline", "type": "uint256"}],
          "PermitDetails": [{"name": "token", "type": "address"}, {"name": "amount", "type": "uint160"},
          {"name": "expiration", "type": "uint48"}, {"name": "nonce", "type": "uint48"}]},
          {"details": {"token": USDC, "amount": "1461501637330902918203684832716283019655932542975",
           "expiration": 1893456000, "nonce": 0}, "spender": SPENDER, "sigDeadline": "1893456000"}, PERMIT2),
    typed("TransferWithAuthorization", {"TransferWithAuthorization": [{"name": "from", "type": "address"},
          {"name": "to", "type": "address"}, {"name": "value", "type": "uint256"},
          {"name": "validAfter", "type": "uint256"}, {"name": "validBefore", "type": "uint256"},
          {"name": "nonce", "type": "bytes32"}]},
          {"from": SPENDER, "to": SPENDER, "value": "5", "validAfter": 0, "validBefore": "1893456000",
           "nonce": "0x" + "11" * 32}),
]
for t in hand_typed:
    for target in ("typed_data_decode", "typed_data_policy"):
        add(target, compact(t))
wallet = "01900000-0000-7000-8000-000000000001"
for text in ["waiaas owner action: KILL_SWITCH\nwallet: %s\nissued: 1767225600" % wallet]:
    add("owner_approval", b"\x00\x03" + bytes([len(text)]) + text.encode())
pins = json.load(open(os.path.join(root, "testdata", "api", "dto-pins.json")))
for field in ("approveMessage", "rejectMessage"):
    text = pins["ApprovalRequest"][field].encode()[:255]
    add("owner_approval", b"\x01\x01" + bytes([len(text)]) + text)
dtos = {
    0x01: [{"message": "hello"}, {"message": "0x68656c6c6f", "encoding": "hex"}],
    0x03: [{"transaction": "0x02c0"}],
    0x04: [{"walletId": wallet, "ttl": 3600, "maxRenewals": 2, "permissions": ["TRANSACTION", "SIGN_TYPED_DATA"]}],
    0x05: [{"name": "w", "chain": "ethereum", "environment": "testnet"}, {"name": "s", "network": "solana-devnet"}],
    0x06: [{"walletId": wallet, "scope": "GLOBAL"}],
    0x07: [{"walletId": wallet, "limit": 10, "statuses": ["SIGNED"]}],
    0x08: [{"prices": [{"asset": "ethereum-mainnet:native", "usd": "3000.5"}]}],
    0x09: [{"limit": 5, "cursor": "x"}],
    0x0c: [{"rules": {"instant_max": "1"}, "priority": 1, "enabled": False}],
    0x0d: [{"signature": "0x00", "message": "m"}, {"address": SPENDER}],
    0x0e: [{"name": "renamed"}, {"mode": "CONSERVATIVE"}],
    0x0f: [{"walletId": wallet}, {"currentPassword": "a", "newPassword": "b"}],
}
for selector, values in dtos.items():
    for v in values:
        add("request_dto", bytes([selector]) + compact(v).encode())

written = 0
for target, items in seeds.items():
    if wanted and target not in wanted:
        continue
    out = os.path.join(here, "corpus", target)
    os.makedirs(out, exist_ok=True)
    for data in items:
        path = os.path.join(out, "seed-" + hashlib.sha1(data).hexdigest())
        if not os.path.exists(path):
            with open(path, "wb") as f:
                f.write(data)
            written += 1
for target in wanted:
    os.makedirs(os.path.join(here, "corpus", target), exist_ok=True)
print(f"seeded {written} new file(s)")
PY
