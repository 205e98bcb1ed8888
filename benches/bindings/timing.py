"""Per-call timing shared by the Python benchmark scripts: percentiles as the Rust
benches print them (`benches/src/lib.rs` `percentiles`)."""

import time
from typing import Callable, List


def percentiles(name: str, n: int, call: Callable[[], object]) -> List[int]:
    """Times `n` single calls after `n // 10` warm-up calls; prints p50/p99/mean."""
    for _ in range(n // 10):
        call()
    samples = []
    for _ in range(n):
        start = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - start)
    samples.sort()
    at = lambda q: samples[min(n * q // 100, n - 1)] / 1000  # noqa: E731
    print(f"{name}: p50 {at(50):.1f} µs  p99 {at(99):.1f} µs  mean {sum(samples) / n / 1000:.1f} µs  (n = {n})",
          flush=True)
    return samples
