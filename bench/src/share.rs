//! The figures of each function at its own CPU share, as Lambda would run
//! and bill it: init, the first call, the cold request (both), warm p50
//! and p99, and the billed duration (each call rounded up to 1 ms).

use std::fmt::Write;
use std::time::Duration;

use crate::measure::{Measurement, Placement};
use crate::report::{millis, percentile};

/// One measurement's figures at its share.
#[derive(Debug, Clone, Copy)]
pub struct ShareFigures {
    pub memory_mb: u64,
    pub init: Duration,
    pub first_call: Duration,
    pub p50: Duration,
    pub p99: Duration,
    /// The mean billed duration of a warm call, in milliseconds: each call
    /// rounded up to the next millisecond, as Lambda bills.
    pub billed_ms: f64,
}

impl ShareFigures {
    /// The figures of `measurement`, if it ran at a share.
    pub fn of(measurement: &Measurement) -> Option<Self> {
        let Placement::Share { memory_mb } = measurement.placement else {
            return None;
        };
        Some(Self {
            memory_mb,
            init: percentile(&measurement.inits, 50),
            first_call: measurement.first_call,
            p50: percentile(&measurement.warm_calls, 50),
            p99: percentile(&measurement.warm_calls, 99),
            billed_ms: mean_billed_ms(&measurement.warm_calls),
        })
    }

    /// A cold request's latency: the init, then the first call.
    pub fn cold_request(&self) -> Duration {
        self.init + self.first_call
    }
}

/// The mean of the calls' durations, each rounded up to a whole
/// millisecond.
pub fn mean_billed_ms(calls: &[Duration]) -> f64 {
    if calls.is_empty() {
        return 0.0;
    }
    let billed: u64 = calls
        .iter()
        .map(|call| call.as_nanos().div_ceil(1_000_000) as u64)
        .sum();
    billed as f64 / calls.len() as f64
}

/// The table of every function at its share, beside its full-core warm
/// p50.
pub fn render(at_share: &[Measurement], full_core: &[Measurement]) -> String {
    let mut out = String::from(
        "| function | MemorySize | CPU share | init | first call | cold request | warm p50 | \
         warm p99 | billed per warm call | full-core warm p50 |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    for measurement in at_share {
        let Some(figures) = ShareFigures::of(measurement) else {
            continue;
        };
        let full_p50 = full_core
            .iter()
            .find(|full| full.name == measurement.name)
            .map_or("n/a".to_owned(), |full| {
                millis(percentile(&full.warm_calls, 50))
            });
        let _ = writeln!(
            out,
            "| {} | {} MB | {:.1}% | {} | {} | {} | {} | {} | {:.2} ms | {} |",
            measurement.name,
            figures.memory_mb,
            crate::cgroup::cpu_quota_us(figures.memory_mb) as f64 / 200.0,
            millis(figures.init),
            millis(figures.first_call),
            millis(figures.cold_request()),
            millis(figures.p50),
            millis(figures.p99),
            figures.billed_ms,
            full_p50,
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_call_is_billed_up_to_the_next_millisecond() {
        let calls = [
            Duration::from_micros(1_001),
            Duration::from_micros(2_000),
            Duration::from_micros(300),
        ];
        // 2 + 2 + 1 ms.
        assert!((mean_billed_ms(&calls) - 5.0 / 3.0).abs() < 1e-9);
        assert_eq!(mean_billed_ms(&[]), 0.0);
    }
}
