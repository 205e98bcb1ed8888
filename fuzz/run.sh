#!/usr/bin/env bash
# Builds every fuzz target on the stable toolchain (plain cargo, libFuzzer's coverage
# instrumentation through stable -C flags; no cargo-fuzz, no nightly) and runs each for
# SECONDS, one after the other. Before a target runs, its regression inputs
# (fuzz/regressions/<target>/) are replayed and it is seeded from testdata/ (seed.sh).
#
#   fuzz/run.sh SECONDS [target...]      # all targets when none is named
#   FUZZ_BUILD_ONLY=1 fuzz/run.sh 0      # build only
#
# Prints, per target, libFuzzer's executed units (-print_final_stats=1) and crashes;
# exits nonzero when any target crashed or a regression input fails again.
# CARGO_TARGET_DIR defaults to /work/fuzz-target; CARGO_BUILD_JOBS and nice are the
# caller's (the machine is shared).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
seconds="${1:?usage: fuzz/run.sh SECONDS [target...]}"
shift
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/work/fuzz-target}"
triple="$(rustc -vV | sed -n 's/^host: //p')"

all_targets() {
    sed -n '/^\[\[bin\]\]/,/^$/s/^name = "\(.*\)"/\1/p' "$here/Cargo.toml"
}
if [ "$#" -gt 0 ]; then targets=("$@"); else mapfile -t targets < <(all_targets); fi

# What `cargo fuzz build -O -s none` passes, minus the nightly-only flags. --target
# keeps the instrumentation off build scripts and proc macros.
export RUSTFLAGS="--cfg fuzzing -Cpasses=sancov-module \
-Cllvm-args=-sanitizer-coverage-level=4 \
-Cllvm-args=-sanitizer-coverage-inline-8bit-counters \
-Cllvm-args=-sanitizer-coverage-pc-table \
-Cllvm-args=-sanitizer-coverage-trace-compares \
-Cdebug-assertions -Coverflow-checks"

start=$(date +%s)
bin_args=()
for t in "${targets[@]}"; do bin_args+=(--bin "$t"); done
(cd "$here" && cargo build --locked --release --target "$triple" "${bin_args[@]}")
echo "build: $(( $(date +%s) - start )) s"
[ -n "${FUZZ_BUILD_ONLY:-}" ] && exit 0

bindir="$CARGO_TARGET_DIR/$triple/release"
failed=0
summary=()
for t in "${targets[@]}"; do
    bin="$bindir/$t"
    # Every input that once crashed must pass now.
    if [ -d "$here/regressions/$t" ] && [ -n "$(ls -A "$here/regressions/$t")" ]; then
        if ! "$bin" -runs=0 "$here/regressions/$t"/* >"/tmp/fuzz-regress-$t.log" 2>&1; then
            echo "REGRESSION $t: see /tmp/fuzz-regress-$t.log"
            failed=1
        fi
    fi
    "$here/seed.sh" "$t" >/dev/null
    corpus="$here/corpus/$t"
    artifacts="$here/artifacts/$t"
    mkdir -p "$corpus" "$artifacts"
    log="${FUZZ_LOG_DIR:-/tmp}/fuzz-$t.log"
    before=$(ls "$artifacts" | wc -l)
    t0=$(date +%s)
    set +e
    "$bin" "$corpus" -max_total_time="$seconds" -print_final_stats=1 \
        -artifact_prefix="$artifacts/" -rss_limit_mb=2048 -max_len=65536 \
        -close_fd_mask=1 >"$log" 2>&1
    rc=$?
    set -e
    took=$(( $(date +%s) - t0 ))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    crashes=$(( $(ls "$artifacts" | wc -l) - before ))
    line="$t: ${runs:-?} executions in ${took} s, exit $rc, $crashes new artifact(s), corpus $(ls "$corpus" | wc -l) (log $log)"
    echo "$line"
    summary+=("$line")
    if [ "$rc" -ne 0 ] || [ "$crashes" -ne 0 ]; then failed=1; fi
done
echo "--- summary ($(date -u +%FT%TZ))"
printf '%s\n' "${summary[@]}"
exit "$failed"
