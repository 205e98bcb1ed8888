//! Shared helpers of the benchmarks.

use std::time::{Duration, Instant};

/// Latency percentiles of single calls (criterion reports means; the targets are
/// percentiles).
#[derive(Debug, Clone, Copy)]
pub struct Percentiles {
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
}

/// Times `n` single calls of `f` after `n / 10` warm-up calls, prints and returns the
/// percentiles.
#[must_use]
pub fn percentiles(name: &str, n: usize, mut f: impl FnMut()) -> Percentiles {
    for _ in 0..n / 10 {
        f();
    }
    let mut samples: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    samples.sort();
    let at = |q: usize| {
        let i = n.saturating_mul(q) / 100;
        samples
            .get(i.min(n.saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    let p = Percentiles {
        p50: at(50),
        p99: at(99),
    };
    #[expect(clippy::print_stdout, reason = "benchmark output")]
    {
        println!("{name}: p50 {:?}  p99 {:?}  (n = {n})", p.p50, p.p99);
    }
    p
}
