"""`Agent.simulate` of an INSTANT Solana transfer through the Python binding, on the
set-up of the Rust bench (`cargo bench -p waiaas-benches --bench simulate`); the
difference of the two is what the binding adds per call (target ≤ 5 µs).

Usage: python benches/bindings/simulate.py [N]  (default 20 000 calls; docs/PERFORMANCE.md)"""

import json
import sys
import tempfile
from pathlib import Path

import waiaas
from timing import percentiles

SETUP = json.loads((Path(__file__).resolve().parent / "setup.json").read_text())


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as home:
        admin = waiaas.Waiaas.create(f"{home}/v", SETUP["password"], SETUP["config"], prices=SETUP["prices"])
        wallet = admin.create_wallet("bench", network=SETUP["network"])
        admin.create_policy({**SETUP["policy"], "walletId": wallet["id"]})
        agent = admin.agent(admin.create_session({"walletId": wallet["id"]})["token"])
        request = SETUP["request"]
        assert agent.simulate(request)["tier"] == "INSTANT"
        percentiles("simulate_python", n, lambda: agent.simulate(request))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 20_000)
