//! Each function's `MemorySize` in template.yaml, and the choice of it for
//! the functions that run argon2, from their figures measured at each
//! size's CPU share.

use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

use serde_yaml_ng::Value;

use crate::BenchError;
use crate::cost::Prices;
use crate::measure::Measurement;
use crate::report::millis;
use crate::share::ShareFigures;

/// The `MemorySize` of the function that builds `binary`, from the
/// template's function resources.
pub fn memory_sizes(template: &Path) -> Result<Vec<(String, u64)>, BenchError> {
    let text = std::fs::read_to_string(template)
        .map_err(|error| BenchError::new(format!("{template:?}: {error}")))?;
    let template: Value = serde_yaml_ng::from_str(&text)
        .map_err(|error| BenchError::new(format!("{template:?}: {error}")))?;
    let resources = template["Resources"]
        .as_mapping()
        .ok_or_else(|| BenchError::new("template.yaml has no Resources"))?;
    Ok(resources
        .values()
        .filter(|resource| resource["Type"] == "AWS::Serverless::Function")
        .filter_map(|resource| {
            let binary = resource["Metadata"]["BuildProperties"]["Binary"].as_str()?;
            let memory = resource["Properties"]["MemorySize"].as_u64()?;
            Some((binary.to_owned(), memory))
        })
        .collect())
}

/// What the measured sizes say of one argon2 function.
#[derive(Debug, Clone)]
pub struct SizeChoice {
    pub binary: &'static str,
    /// The size with the lowest cost per call among those whose p99 is
    /// under [`P99_LIMIT`]; none when no size is.
    pub chosen_mb: Option<u64>,
    /// What template.yaml gives it now.
    pub template_mb: Option<u64>,
}

/// The slowest p99 a size may have to be chosen.
pub const P99_LIMIT: Duration = Duration::from_millis(250);
/// Costs this close to the lowest are one cost: the run-to-run noise of a
/// billed duration.
const COST_TIE: f64 = 0.05;

/// The size to choose of `rows` (size, figures, cost per million calls):
/// of those whose p99 is under [`P99_LIMIT`], the cheapest; of sizes
/// within [`COST_TIE`] of it, the fastest (lowest p50), so that noise
/// does not flip the choice between two sizes that cost the same and the
/// user gets the quicker one.
fn choose(rows: &[(u64, ShareFigures, f64)]) -> Option<u64> {
    let fast_enough: Vec<&(u64, ShareFigures, f64)> = rows
        .iter()
        .filter(|(_, figures, _)| figures.p99 < P99_LIMIT)
        .collect();
    let cheapest = fast_enough
        .iter()
        .map(|(_, _, cost)| *cost)
        .min_by(f64::total_cmp)?;
    fast_enough
        .into_iter()
        .filter(|(_, _, cost)| *cost <= cheapest * (1.0 + COST_TIE))
        .min_by_key(|(_, figures, _)| figures.p50)
        .map(|(memory_mb, _, _)| *memory_mb)
}

/// The table of each argon2 function at each measured size, with the cost
/// per million calls of Lambda alone (what the size changes), and the
/// choice.
pub fn render(
    sizes: &[Measurement],
    memory_sizes: &[(String, u64)],
    prices: &Prices,
) -> (String, Vec<SizeChoice>) {
    let mut out = String::from(
        "| function | MemorySize | warm p50 | warm p99 | billed per call | Lambda cost per million calls | |\n\
         |---|---|---|---|---|---|---|\n",
    );
    let mut binaries: Vec<&'static str> = Vec::new();
    for measurement in sizes {
        if !binaries.contains(&measurement.binary) {
            binaries.push(measurement.binary);
        }
    }
    let mut choices = Vec::new();
    for binary in binaries {
        let mut rows: Vec<(u64, ShareFigures, f64)> = sizes
            .iter()
            .filter(|measurement| measurement.binary == binary)
            .filter_map(ShareFigures::of)
            .map(|figures| {
                let gb = figures.memory_mb as f64 / 1024.0;
                let per_million = prices.lambda.per_million_requests
                    + gb * figures.billed_ms / 1000.0 * prices.lambda.per_gb_second * 1e6;
                (figures.memory_mb, figures, per_million)
            })
            .collect();
        rows.sort_by_key(|(memory_mb, _, _)| *memory_mb);
        let chosen_mb = choose(&rows);
        let name = sizes
            .iter()
            .find(|measurement| measurement.binary == binary)
            .map_or(binary, |measurement| measurement.name);
        for (memory_mb, figures, per_million) in &rows {
            let _ = writeln!(
                out,
                "| {name} | {memory_mb} MB | {} | {} | {:.2} ms | ${per_million:.2} | {} |",
                millis(figures.p50),
                millis(figures.p99),
                figures.billed_ms,
                if Some(*memory_mb) == chosen_mb {
                    "**chosen**"
                } else if figures.p99 >= P99_LIMIT {
                    "p99 too slow"
                } else {
                    ""
                },
            );
        }
        choices.push(SizeChoice {
            binary,
            chosen_mb,
            template_mb: memory_sizes
                .iter()
                .find(|(name, _)| name == binary)
                .map(|(_, memory_mb)| *memory_mb),
        });
    }
    let _ = writeln!(
        out,
        "\nThe choice: the lowest Lambda cost per call (billed duration at the size, and \
         the request) whose warm p99 is under {} ms; of sizes within 5% of that cost (one \
         cost, within a run's noise), the fastest. The AWS calls a function makes cost the \
         same at every size.",
        P99_LIMIT.as_millis()
    );
    (out, choices)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(memory_mb: u64, p50_ms: u64, p99_ms: u64, cost: f64) -> (u64, ShareFigures, f64) {
        let figures = ShareFigures {
            memory_mb,
            init: Duration::ZERO,
            first_call: Duration::ZERO,
            p50: Duration::from_millis(p50_ms),
            p99: Duration::from_millis(p99_ms),
            billed_ms: p50_ms as f64,
        };
        (memory_mb, figures, cost)
    }

    #[test]
    fn the_cheapest_fast_enough_size_wins_and_a_tie_goes_to_the_faster() {
        // 512 MB is cheapest but too slow at p99; 1,024 and 1,769 cost
        // within 5% of each other, and 1,769 is faster.
        let rows = [
            row(512, 100, 300, 0.90),
            row(1024, 50, 60, 1.00),
            row(1769, 30, 40, 1.04),
            row(3008, 28, 35, 1.50),
        ];
        assert_eq!(choose(&rows), Some(1769));
        // Past the tie, the cheaper one.
        let rows = [row(1024, 50, 60, 1.00), row(1769, 30, 40, 1.20)];
        assert_eq!(choose(&rows), Some(1024));
        // None fast enough: no choice.
        assert_eq!(choose(&[row(512, 200, 300, 0.5)]), None);
    }
}
