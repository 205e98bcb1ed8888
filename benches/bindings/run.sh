#!/usr/bin/env bash
# The bindings benchmarks in one go, release builds (docs/PERFORMANCE.md, "Binding call
# overhead" and "Side by side with open-wallet-standard"):
#   1. the Python wheel (`maturin build --release`) and the Node addon (`napi build
#      --release`; it replaces the debug addon in bindings/node: rerun
#      `npm run build:test` there before `node --test`);
#   2. ows_compare.py: waiaas INSTANT sends beside open-wallet-standard agent-mode signing;
#   3. `simulate` from Rust (criterion), Python and Node, back to back.
# Usage: nice -n 10 benches/bindings/run.sh   (maturin from $MATURIN, else the CI venv)
set -euo pipefail
cd "$(dirname "$0")/../.."
target="${CARGO_TARGET_DIR:-$PWD/target}"
maturin="${MATURIN:-$PWD/target/py/bin/maturin}"

"$maturin" build --release --locked -m bindings/python/Cargo.toml
wheel=$(ls -t "$target"/wheels/waiaas-*.whl | head -1)
(cd bindings/node && npm ci --no-audit --no-fund --loglevel=error \
  && npx napi build --platform --release --js index.js --dts index.d.ts)
cargo bench -p waiaas-benches --bench simulate --locked --no-run

# Installs open-wallet-standard and the wheel into $target/bench-ows, then compares.
python3 benches/bindings/ows_compare.py --wheel "$wheel"
cargo bench -p waiaas-benches --bench simulate --locked
"$target/bench-ows/bin/python" benches/bindings/simulate.py
node benches/bindings/simulate.mjs
