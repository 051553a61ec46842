//! `scripts/bench`: runs each function's release binary the way Lambda does,
//! behind a local Runtime API, against the local DynamoDB, and reports its
//! figures as ratios to floors measured in the same run.
//!
//! usage: sessionless-bench [--calls N] [--cold-starts N] [--markdown FILE]
//!
//! Reads the functions' environment (AWS_*, JWT_SECRET, ...) and:
//! BENCH_BIN_DIR  the native release binaries (target/release)
//! BENCH_ZIP_DIR  the arm64 builds of `cargo lambda build --output-format zip` (target/lambda)
//! BENCH_DB_PID   the local DynamoDB server's pid, to report its CPU apart

mod measure;
mod process;
mod report;
mod runtime_api;
mod scenario;
mod sizing;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::measure::measure_all;
use crate::process::Measured;
use crate::scenario::{Context, Subject};

/// Every failure of the bench, as the message it prints.
#[derive(Debug)]
pub struct BenchError(String);

impl BenchError {
    pub fn new(message: impl Into<String>) -> Self {
        Self(message.into())
    }
}

impl fmt::Display for BenchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<sessionless::Error> for BenchError {
    fn from(error: sessionless::Error) -> Self {
        Self(error.to_string())
    }
}

pub struct Options {
    /// Warm calls per function, after the first.
    pub calls: usize,
    /// Cold starts per function; the init figure is their median.
    pub cold_starts: usize,
    pub bin_dir: PathBuf,
    pub zip_dir: PathBuf,
    pub events_dir: PathBuf,
    pub logs_dir: PathBuf,
    pub table: String,
    markdown: Option<PathBuf>,
}

const MIN_CALLS: usize = 300;

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("sessionless-bench: {error}");
            ExitCode::FAILURE
        }
    }
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Options, BenchError> {
    let env_dir =
        |name, default: &str| PathBuf::from(std::env::var(name).unwrap_or(default.into()));
    let mut options = Options {
        calls: MIN_CALLS,
        cold_starts: 21,
        bin_dir: env_dir("BENCH_BIN_DIR", "target/release"),
        zip_dir: env_dir("BENCH_ZIP_DIR", "target/lambda"),
        events_dir: PathBuf::from("events"),
        logs_dir: env_dir("BENCH_LOG_DIR", "target/bench-logs"),
        table: format!("sessionless-bench-{}", std::process::id()),
        markdown: None,
    };
    while let Some(flag) = args.next() {
        match flag.as_str() {
            "--calls" => {
                options.calls = args
                    .next()
                    .and_then(|calls| calls.parse().ok())
                    .ok_or_else(|| BenchError::new("--calls needs a number"))?;
            }
            "--cold-starts" => {
                options.cold_starts = args
                    .next()
                    .and_then(|count| count.parse().ok())
                    .filter(|count| *count >= 1)
                    .ok_or_else(|| BenchError::new("--cold-starts needs a number from 1"))?;
            }
            "--markdown" => options.markdown = args.next().map(PathBuf::from),
            other => {
                return Err(BenchError::new(format!(
                    "unknown argument {other:?}\nusage: sessionless-bench [--calls N] [--cold-starts N] [--markdown FILE]"
                )));
            }
        }
    }
    Ok(options)
}

fn run(options: Options) -> Result<(), BenchError> {
    std::fs::create_dir_all(&options.logs_dir)
        .map_err(|error| BenchError::new(format!("{:?}: {error}", options.logs_dir)))?;
    let memory_sizes = sizing::memory_sizes(Path::new("template.yaml"))?;
    let context = Context::seed(&options.table)?;
    let database = match std::env::var("BENCH_DB_PID") {
        Ok(pid) => Some(Measured::new(pid.parse().map_err(|_| {
            BenchError::new(format!("BENCH_DB_PID={pid:?} is not a pid"))
        })?)?),
        Err(_) => None,
    };
    let subjects = Subject::all(&context, &options.events_dir)?;
    Subject::check_coverage(&subjects, &[Path::new("functions"), Path::new("examples")])?;
    let measurements = measure_all(subjects, &context, &options, database.as_ref())?;
    let report = report::render(
        &measurements,
        options.calls,
        options.cold_starts,
        &memory_sizes,
    )?;
    println!("{report}");
    if let Some(path) = &options.markdown {
        std::fs::write(path, &report)
            .map_err(|error| BenchError::new(format!("{path:?}: {error}")))?;
    }
    Ok(())
}
