"""In one run: an INSTANT EVM send under a daily USD cap through waiaas's Python binding
(token check, policy decision, reservation, signature and the committed ledger row),
side by side with open-wallet-standard 1.4.2 signing the same kind of transfer (an
unsigned EIP-1559 ETH transfer on chain 1) in its agent mode (an API key bound to a
chain-allowlist policy).

Usage (from the repository root):
    python3 benches/bindings/ows_compare.py --wheel <waiaas wheel> [--n N]
It makes a venv in `$CARGO_TARGET_DIR/bench-ows` (else `target/bench-ows`), installs
open-wallet-standard==1.4.2 from PyPI and the wheel into it, and reruns itself there.
Build the wheel with `maturin build --release` (bindings/python/README.md). Figures in
docs/PERFORMANCE.md."""

import argparse
import json
import os
import secrets
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OWS = "open-wallet-standard==1.4.2"
# The unsigned EIP-1559 ETH transfer (chain id 1) of testdata/vectors/chains/decode.json.
ETH_TRANSFER = next(c["raw"] for c in json.loads((ROOT / "testdata/vectors/chains/decode.json").read_text())["cases"]
                    if c["name"] == "ETH transfer")
TEST_KDF = {"kdf": {"memoryKib": 65536, "iterations": 3, "parallelism": 4, "insecureTestProfile": True},
            "allowInsecureKdf": True}


def install(wheel: str) -> Path:
    venv = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "bench-ows"
    python = venv / "bin" / "python"
    if not python.exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    pip = [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check"]
    subprocess.run([*pip, OWS], check=True)
    subprocess.run([*pip, "--force-reinstall", "--no-deps", wheel], check=True)
    return python


def waiaas_sends(n: int, durability: str) -> None:
    import waiaas
    from timing import percentiles

    with tempfile.TemporaryDirectory() as home:
        admin = waiaas.Waiaas.create(f"{home}/v", "bench", {**TEST_KDF, "durability": durability},
                                     prices={"native:ethereum-mainnet": "3000"})
        admin.set_settings({"autoStopMaxSends": 0})
        wallet = admin.create_wallet("bench", network="ethereum-mainnet")
        admin.create_policy({"walletId": wallet["id"], "type": "SPENDING_LIMIT",
                             "rules": {"instant_max_usd": "1000000", "daily_limit_usd": "100000000"}})
        agent = admin.agent(admin.create_session({"walletId": wallet["id"]})["token"])
        request = {"type": "TRANSFER", "to": "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "humanAmount": "0.0001",
                   "chain": {"nonce": 0, "maxFeePerGas": "30000000000", "maxPriorityFeePerGas": "1000000000"}}
        first = agent.send(request)
        assert (first["tier"], first["status"]) == ("INSTANT", "SIGNED"), first
        percentiles(f"waiaas send INSTANT, daily cap, {durability.upper()}", n, lambda: agent.send(request))


def ows_agent_signs(n: int) -> None:
    import ows
    from timing import percentiles

    with tempfile.TemporaryDirectory() as vault:
        wallet = ows.import_wallet_private_key("bench", secrets.token_hex(32), chain="ethereum", passphrase="bench",
                                               vault_path_opt=vault)
        policy = {"id": "mainnet-only", "name": "mainnet only", "version": 1, "created_at": "2026-01-01T00:00:00Z",
                  "rules": [{"type": "allowed_chains", "chain_ids": ["eip155:1"]}], "action": "deny"}
        ows.create_policy(json.dumps(policy), vault_path_opt=vault)
        key = ows.create_api_key("agent", [wallet["id"]], ["mainnet-only"], "bench", vault_path_opt=vault)["token"]
        sign = lambda: ows.sign_transaction("bench", "ethereum", ETH_TRANSFER, passphrase=key,  # noqa: E731
                                            vault_path_opt=vault)
        assert len(sign()["signature"]) == 130
        percentiles("open-wallet-standard sign_transaction, agent mode (API key)", n, sign)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wheel", help="the waiaas wheel to install into the venv")
    parser.add_argument("--n", type=int, default=2_000)
    parser.add_argument("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not args.inside:
        if not args.wheel:
            parser.error("--wheel is required")
        python = install(args.wheel)
        os.execv(str(python), [str(python), __file__, "--inside", "--n", str(args.n)])
    print(f"load average {os.getloadavg()[0]:.2f}, n = {args.n}", flush=True)
    waiaas_sends(args.n, "normal")
    waiaas_sends(args.n, "full")
    ows_agent_signs(args.n)


if __name__ == "__main__":
    main()
