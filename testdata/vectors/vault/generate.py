"""Writes unlock.json: vault header known answers.

Each header is built here from docs/vault-format.md alone, with PyNaCl's libsodium
(Argon2id v1.3 with one lane, XChaCha20-Poly1305 IETF) and Python's hmac/hashlib, not
with waiaas; every expectation is written by hand below. Needs `pynacl` (the version
.ci/run installs). Run `python3 testdata/vectors/vault/generate.py` and commit the file.
"""

import base64
import hashlib
import hmac
import json
from pathlib import Path

from nacl import bindings as sodium

HERE = Path(__file__).resolve().parent
PASSWORD = "correct horse battery staple"
# Far ahead of any real clock (the store's time never goes back).
NOW = 4_000_000_000


def fixed(label: str, n: int) -> bytes:
    """Deterministic stand-ins for the random salt, nonce and data key."""
    return hashlib.sha256(label.encode()).digest()[:n]


def header(m: int, t: int, profile: str = "production", version: int = 2, password: str = PASSWORD,
           tamper_dek: bool = False) -> dict:
    salt, nonce, dek = fixed("salt", 16), fixed("nonce", 24), fixed("dek", 32)
    binding = (f"waiaas-vault|v{version}|argon2id|19|m={m}|t={t}|p=1|profile={profile}"
               f"|salt={salt.hex()}|aead=xchacha20poly1305")
    derived = sodium.crypto_pwhash_alg(64, password.encode(), salt, t, m * 1024,
                                       sodium.crypto_pwhash_ALG_ARGON2ID13)
    kek, check_key = derived[:32], derived[32:]
    wrapped = sodium.crypto_aead_xchacha20poly1305_ietf_encrypt(dek, binding.encode(), nonce, kek)
    if tamper_dek:
        wrapped = bytes([wrapped[0] ^ 1]) + wrapped[1:]
    check = hmac.new(check_key, b"waiaas-vault password check|" + binding.encode(), hashlib.sha256).digest()
    checksum = hashlib.sha256(binding.encode() + b"|" + nonce + wrapped + check).hexdigest()
    b64 = lambda b: base64.b64encode(b).decode()  # noqa: E731
    return {
        "format": "waiaas-vault",
        "version": version,
        "kdf": {"algorithm": "argon2id", "argon2_version": 19, "m_cost_kib": m, "t_cost": t, "p_cost": 1,
                "profile": profile, "salt": b64(salt)},
        "aead": "xchacha20poly1305",
        "dek_nonce": b64(nonce),
        "dek_ciphertext": b64(wrapped),
        "password_check": b64(check),
        "checksum": checksum,
    }


# The production floor (m = 19 456 KiB, t = 2): the cheapest header a production vault may have.
FLOOR = header(19_456, 2)
OPENED = {"ok": True, "version": 2, "kdf": {"mCostKib": 19_456, "tCost": 2, "pCost": 1, "profile": "production"}}


def refused(code: str, **more) -> dict:
    return {"ok": False, "code": code, **more}


def edited(**fields) -> dict:
    out = json.loads(json.dumps(FLOOR))
    out.update(fields)
    return out


cases = [
    ("right password", FLOOR, [(PASSWORD, OPENED)]),
    ("wrong password, then the right one", FLOOR,
     [("correct horse battery stapler", refused("INVALID_MASTER_PASSWORD")), (PASSWORD, OPENED)]),
    ("empty password", FLOOR, [("", refused("INVALID_MASTER_PASSWORD"))]),
    ("five failures, then even the right password waits 30 s", FLOOR,
     [("wrong", refused("INVALID_MASTER_PASSWORD"))] * 5 + [(PASSWORD, refused("MASTER_PASSWORD_LOCKED", retryAfterSecs=30))]),
    ("checksum edited", edited(checksum="0" * 64), [(PASSWORD, refused("VAULT_CORRUPT"))]),
    ("wrapped data key edited, checksum recomputed: the right password proves tampering",
     header(19_456, 2, tamper_dek=True), [(PASSWORD, refused("VAULT_CORRUPT"))]),
    ("production profile below the floor", header(8_192, 2), [(PASSWORD, refused("VAULT_CORRUPT"))]),
    ("insecure test profile, refused without allow_insecure_kdf", header(64, 1, profile="insecure-test"),
     [(PASSWORD, refused("VAULT_INSECURE_KDF"))]),
    ("unknown field", edited(comment="hi"), [(PASSWORD, refused("VAULT_CORRUPT"))]),
    ("unknown version", header(19_456, 2, version=3), [(PASSWORD, refused("VAULT_CORRUPT"))]),
    ("unknown cipher", edited(aead="aes-256-gcm"), [(PASSWORD, refused("VAULT_CORRUPT"))]),
    ("not JSON", "waiaas-vault v2", [(PASSWORD, refused("VAULT_CORRUPT"))]),
]

(HERE / "unlock.json").write_text(json.dumps({
    "description": "Vault unlock known answers (docs/vault-format.md): a header as stored (JSON object, or a string "
                   "taken verbatim) and `passwords` tried in order at time `now` -> per attempt, opened (the header "
                   "version and the recorded Argon2id parameters) or the error code (`retryAfterSecs` when throttled). Headers "
                   "built by generate.py with libsodium, the data key "
                   "sha256('dek')[:32], salt sha256('salt')[:16], nonce sha256('nonce')[:24].",
    "cases": [
        {"name": n, "now": NOW, "header": h, "passwords": [p for p, _ in attempts],
         "expect": {"attempts": [e for _, e in attempts]}}
        for n, h, attempts in cases
    ],
}, indent=2) + "\n")
