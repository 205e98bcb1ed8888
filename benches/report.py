#!/usr/bin/env python3
"""Turns benches/run.sh's log into docs/PERFORMANCE.md's summary table.

Reads the lines the benchmarks print (`name: p50 X  p99 Y ...` and
`name: N sends in T = R sends/s`) and prints Markdown: the machine, the floor, then every
row with p50, p99 or throughput, and each INSTANT send as a multiple of its floor
(its signature plus one commit of the same durability)."""

import re
import sys

UNITS = {"ns": 1e-3, "µs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}
DURATION = r"([0-9.]+)(ns|µs|us|ms|s)"

# The floor of each send: (signature row, commit row).
FLOORS = {
    "send_instant_solana_normal": ("floor_ed25519_sign", "floor_commit_normal"),
    "send_instant_solana_full": ("floor_ed25519_sign", "floor_commit_full"),
    "send_instant_evm_normal": ("floor_secp256k1_sign", "floor_commit_normal"),
    "send_instant_evm_full": ("floor_secp256k1_sign", "floor_commit_full"),
}


def micros(value, unit):
    return float(value) * UNITS[unit]


def parse(log):
    rows, rates, loads, notes = {}, {}, [], []
    bench = None
    for line in log.splitlines():
        if line.startswith("== "):
            bench = line[3:].split("--bench ")[-1]
            continue
        if line.startswith("load: ") and bench:
            loads.append(f"{bench} {line[6:]}")
            continue
        m = re.match(rf"^([A-Za-z0-9_/]+): p50 {DURATION}\s+p99 {DURATION}", line)
        if m:
            rows[m.group(1)] = (micros(m.group(2), m.group(3)), micros(m.group(4), m.group(5)))
            continue
        m = re.match(r"^([a-z0-9_]+): (\d+) sends (?:signed )?in .* = ([0-9.]+) sends/s", line)
        if m:
            rates[m.group(1)] = float(m.group(3))
            continue
        if re.match(r"^growth_(slope|memory|wallets)", line):
            notes.append(line.strip())
    return rows, rates, loads, notes


def fmt(us):
    return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.1f} µs"


def main():
    machine = open(sys.argv[1]).read().strip()
    rows, rates, loads, notes = parse(open(sys.argv[2]).read())
    print("Machine:\n")
    for line in machine.splitlines():
        print(f"- {line}")
    print(f"- load average (1, 5, 15 min) before each benchmark: {'; '.join(loads)}")
    print("\n| row | p50 | p99 | floor (p50) | × floor |")
    print("|---|---|---|---|---|")
    for name, (p50, p99) in rows.items():
        floor = FLOORS.get(name)
        if floor and all(f in rows for f in floor):
            base = sum(rows[f][0] for f in floor)
            print(f"| {name} | {fmt(p50)} | {fmt(p99)} | {fmt(base)} | {p50 / base:.1f} |")
        else:
            print(f"| {name} | {fmt(p50)} | {fmt(p99)} | | |")
    for name, rate in rates.items():
        print(f"| {name} | {rate:.0f} sends/s | | | |")
    if notes:
        print("\nGrowth (benches/benches/growth.rs):\n")
        for line in notes:
            print(f"- {line}")


if __name__ == "__main__":
    main()
