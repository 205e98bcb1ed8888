"""Writes encode.json and verify.json: session token known answers.

Tokens are signed here with Python's own HMAC-SHA256 and base64url (independently of
waiaas's codec), from the format in docs/adr/0001-session-tokens.md; every expectation
is written by hand below from DESIGN.md §4 (the order of the checks). Run
`python3 testdata/vectors/sessions/generate.py` and commit both files.
"""

import base64
import hashlib
import hmac
import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
# Far ahead of any real clock: the store never lets time go back (a persisted
# high-water mark), so a case time behind the wall clock would not be honoured.
NOW = 4_000_000_000
KEY = hashlib.sha256(b"waiaas session vector key").hexdigest()
OTHER_KEY = hashlib.sha256(b"another key").hexdigest()
KID = "0190000000007000800000000000000a"
SID = "01900000-0000-7000-8000-0000000000a1"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact(value: dict) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def token(claims: dict, key: str = KEY, header: dict | None = None, pad: bool = False) -> str:
    header = header if header is not None else {"alg": "HS256", "typ": "JWT", "kid": KID}
    signing_input = f"{b64(compact(header))}.{b64(compact(claims))}"
    sig = hmac.new(bytes.fromhex(key), signing_input.encode(), hashlib.sha256).digest()
    tail = base64.urlsafe_b64encode(sig).decode() if pad else b64(sig)
    return f"wai_sess_{signing_input}.{tail}"


def claims(gen: int = 1, iat: int = NOW - 100, exp: int | None = NOW + 3500, sub: str = SID) -> dict:
    out: dict = {"sub": sub, "iat": iat}
    if exp is not None:
        out["exp"] = exp
    out["gen"] = gen
    return out


def session(**over) -> dict:
    s = {"id": SID, "createdAt": NOW - 100, "ttl": 3600, "absoluteLifetime": 0, "generation": 1}
    s.update(over)
    return s


def ok(exp: int | None = NOW + 3500, gen: int = 1) -> dict:
    return {"ok": True, "sessionId": SID, "generation": gen, "expiresAt": exp}


def invalid(reason: str) -> dict:
    return {"ok": False, "code": "INVALID_TOKEN", "message": f"invalid session token: {reason}"}


def err(code: str) -> dict:
    return {"ok": False, "code": code}


VALID = token(claims())
signing_input, signature = VALID.removeprefix("wai_sess_").rsplit(".", 1)

verify = [
    ("valid", {}, VALID, ok()),
    ("valid, for the linked wallet with a granted permission",
     {"access": {"wallet": "linked", "permission": "TRANSACTION"}}, VALID, ok()),
    ("one second before exp", {"now": NOW + 3499}, VALID, ok()),
    ("at exp: expired (no leeway)", {"now": NOW + 3500}, VALID, err("TOKEN_EXPIRED")),
    ("unlimited session (no exp)", {"session": session(ttl=None)}, token(claims(exp=None)), ok(exp=None)),
    ("signed with another key (wrong MAC)", {}, token(claims(), key=OTHER_KEY),
     invalid("signature does not verify")),
    ("claims edited after signing", {},
     f"wai_sess_{signing_input.split('.')[0]}.{b64(compact(claims(gen=2)))}.{signature}",
     invalid("signature does not verify")),
    ("no wai_sess_ prefix", {}, VALID.removeprefix("wai_sess_"), invalid("missing `wai_sess_` prefix")),
    ("two segments", {}, f"wai_sess_{signing_input}", invalid("expected three dot-separated segments")),
    ("alg none", {}, token(claims(), header={"alg": "none", "kid": KID}),
     invalid("unsupported algorithm; only HS256 is accepted")),
    ("alg HS512", {}, token(claims(), header={"alg": "HS512", "typ": "JWT", "kid": KID}),
     invalid("unsupported algorithm; only HS256 is accepted")),
    ("header with jku", {}, token(claims(), header={"alg": "HS256", "kid": KID, "jku": "http://x"}),
     invalid("malformed header")),
    ("unknown claim", {}, token({**claims(), "wallets": ["*"]}), invalid("malformed claims")),
    ("padded base64url signature", {}, token(claims(), pad=True), invalid("malformed signature")),
    ("unknown kid", {}, token(claims(), header={"alg": "HS256", "typ": "JWT", "kid": "f" * 32}),
     invalid("signed with an unknown key")),
    ("subject is not a session id", {}, token(claims(sub="admin")), invalid("malformed subject")),
    ("too long", {}, VALID + "A" * 2048, invalid("token is too long")),
    ("unknown session", {"session": None}, VALID, err("SESSION_NOT_FOUND")),
    ("revoked", {"session": session(revokedAt=NOW - 10)}, VALID, err("SESSION_REVOKED")),
    ("revoked and expired: expiry is checked first", {"now": NOW + 3500, "session": session(revokedAt=NOW - 10)},
     VALID, err("TOKEN_EXPIRED")),
    ("older generation than stored (renewed)", {"session": session(generation=2)}, VALID, err("TOKEN_SUPERSEDED")),
    ("generation from the future", {}, token(claims(gen=2)), invalid("generation from the future")),
    ("absolute lifetime passed", {"session": session(createdAt=NOW - 700, absoluteLifetime=600)},
     VALID, err("SESSION_EXPIRED")),
    ("another wallet", {"access": {"wallet": "other", "permission": "TRANSACTION"}}, VALID,
     err("WALLET_ACCESS_DENIED")),
    ("permission not granted", {"access": {"wallet": "linked", "permission": "SIGN_MESSAGE"}}, VALID,
     err("PERMISSION_DENIED")),
    ("permission granted", {"session": session(permissions=["SIGN_MESSAGE"]),
                            "access": {"wallet": "linked", "permission": "SIGN_MESSAGE"}}, VALID, ok()),
    ("rotated-out key, 299 s into the grace", {"rotatedAt": NOW - 299}, VALID, ok()),
    ("rotated-out key, grace over", {"rotatedAt": NOW - 300}, VALID, invalid("signed with a rotated-out key")),
]

verify_cases = []
for name, over, tok, expect in verify:
    case = {"name": name, "kind": "verify", "now": NOW, "secret": {"kid": KID, "key": KEY, "createdAt": NOW - 1000},
            "session": session(), "token": tok}
    case.update(over)
    if case["session"] is None:
        del case["session"]
    case["expect"] = expect
    verify_cases.append(case)

encode_cases = []
for name, c in [
    ("one-hour token", claims()),
    ("unlimited token (no exp)", claims(exp=None)),
    ("renewed token, generation 7", claims(gen=7, iat=NOW, exp=NOW + 300)),
]:
    encode_cases.append({"name": name, "kind": "encode", "kid": KID, "key": KEY, "claims": c, "expect": {"token": token(c)}})

(HERE / "encode.json").write_text(json.dumps({
    "description": "Session token encoding: the exact `wai_sess_` + HS256 JWT waiaas writes for a signing key "
                   "(kid, 32-byte key as hex) and claims (sub, iat, exp?, gen): header then claims as compact JSON "
                   "in this field order, unpadded base64url. Tokens computed by generate.py with Python's hmac.",
    "cases": encode_cases,
}, indent=2) + "\n")
(HERE / "verify.json").write_text(json.dumps({
    "description": "Session token verification, in DESIGN.md §4's order: a signing secret (kid, key, createdAt; "
                   "`rotatedAt` = retired then, a new one current), a stored session (absent = unknown), a token, "
                   "the time `now`, and optionally the wallet (`linked` or `other`) and permission asked for -> "
                   "the verified session or the error code (INVALID_TOKEN with its reason).",
    "cases": verify_cases,
}, indent=2) + "\n")
