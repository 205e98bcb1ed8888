#!/usr/bin/env bash
# Reproduces docs/PERFORMANCE.md in one run: the floor (one Ed25519 and one secp256k1
# signature, one NORMAL and one FULL commit), then every benchmark, then a report with
# p50 / p99 / throughput per row, the machine, and each send as a multiple of its floor.
# Usage: benches/run.sh            (all, ~25 minutes on 2 cores)
#        WAIAAS_BENCH_QUICK=1 benches/run.sh   (the floor and the sends only)
# Output: the raw log and report.md in $CARGO_TARGET_DIR/perf (default target/perf).
set -euo pipefail
cd "$(dirname "$0")/.."
out="${CARGO_TARGET_DIR:-$PWD/target}/perf"
mkdir -p "$out"
log="$out/bench.log"
: > "$log"

machine() {
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//') x $(nproc)"
  echo "kernel: $(uname -r)"
  echo "memory: $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
  echo "disk of the temp dir: $(df -h "${TMPDIR:-/tmp}" | awk 'NR==2 {print $1}')"
  echo "rustc: $(rustc --version)"
}

run() {
  echo "== $*" | tee -a "$log"
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$log"
  cargo bench --locked "$@" 2>&1 | tee -a "$log" | grep -E '^[a-z0-9_]+: ' || true
}

machine | tee "$out/machine.txt"
run -p waiaas-benches --bench floor
run -p waiaas-benches --bench send
if [ -z "${WAIAAS_BENCH_QUICK:-}" ]; then
  run -p waiaas-benches --bench core
  run -p waiaas-benches --bench secp256k1
  run -p waiaas-benches --bench simulate
  run -p waiaas-policy --bench evaluate_and_reserve
  run -p waiaas-http --bench send_http
  # Several minutes: a million real sends of history (WAIAAS_GROWTH_ROWS to shorten).
  run -p waiaas-benches --bench growth
fi
python3 benches/report.py "$out/machine.txt" "$log" > "$out/report.md"
echo "report: $out/report.md"
cat "$out/report.md"
