//! Each function's `MemorySize` in template.yaml, and what it makes of the
//! measured figures on Lambda: the latency to expect and the cost per
//! million calls.
//!
//! Lambda gives a function CPU in proportion to its memory, one vCPU at
//! 1,769 MB, so a call's CPU time stretches by 1769 / MemorySize below
//! that; its waiting (on DynamoDB) does not. Prices: arm64, us-east-1,
//! as published in November 2026.

use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

use serde_yaml_ng::Value;

use crate::BenchError;
use crate::measure::Measurement;
use crate::scenario::Role;

/// Memory at which a function gets one full vCPU.
const FULL_VCPU_MB: f64 = 1769.0;
/// Lambda arm64 price per GB-second of duration.
pub const PRICE_PER_GB_SECOND: f64 = 0.000_013_333_4;
/// Lambda price per million requests.
pub const PRICE_PER_MILLION_REQUESTS: f64 = 0.20;

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

/// The sizing table: per function, its memory, the latency its median
/// call would take there, and the cost per million such calls.
pub fn render(
    measurements: &[Measurement],
    memory_sizes: &[(String, u64)],
    median: impl Fn(&[Duration]) -> Duration,
) -> String {
    let mut out = String::from(
        "| function | MemorySize | CPU share | expected latency | cost per million calls |\n\
         |---|---|---|---|---|\n",
    );
    for measurement in measurements.iter().filter(|m| m.role == Role::Function) {
        let Some((_, memory_mb)) = memory_sizes
            .iter()
            .find(|(binary, _)| binary == measurement.binary)
        else {
            continue;
        };
        let cpu = median(&measurement.warm_cpu).as_secs_f64();
        let waiting = (median(&measurement.warm_calls).as_secs_f64() - cpu).max(0.0);
        let share = (*memory_mb as f64 / FULL_VCPU_MB).min(1.0);
        let latency = waiting + cpu / share;
        // Lambda bills duration in whole milliseconds, rounded up.
        let billed_seconds = (latency * 1000.0).ceil() / 1000.0;
        let gb = *memory_mb as f64 / 1024.0;
        let per_million =
            PRICE_PER_MILLION_REQUESTS + gb * billed_seconds * PRICE_PER_GB_SECOND * 1e6;
        let _ = writeln!(
            out,
            "| {} | {memory_mb} MB | {:.0}% of a vCPU | {:.1} ms | ${per_million:.2} |",
            measurement.name,
            share * 100.0,
            latency * 1000.0,
        );
    }
    let _ = writeln!(
        out,
        "\nPrices: ${PRICE_PER_GB_SECOND} per GB-second (arm64) and \
         ${PRICE_PER_MILLION_REQUESTS:.2} per million requests, us-east-1. Latency: the \
         median call's CPU time stretched by 1769 MB / MemorySize, plus its wait for the \
         database, as measured here."
    );
    out
}
