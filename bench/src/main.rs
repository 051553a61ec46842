//! `scripts/bench`: runs each function's release binary the way Lambda does,
//! behind a local Runtime API, against the local DynamoDB, and reports its
//! figures as ratios to floors measured in the same run.
//!
//! usage: sessionless-bench [--calls N] [--cold-starts N] [--markdown FILE]
//!        [--plot FILE] [--prices FILE] [--logins N] [--refreshes N]
//!        [--protected-calls N] [--resets N] [--item-kb N] [--no-cgroups]
//!
//! Reads the functions' environment (AWS_*, JWT_SECRET, ...) and:
//! BENCH_BIN_DIR  the native release binaries (target/release)
//! BENCH_ZIP_DIR  the arm64 builds of `cargo lambda build --output-format zip` (target/lambda)
//! BENCH_DB_PID   the local DynamoDB server's pid, to report its CPU apart

mod aws_calls;
mod cgroup;
mod cost;
mod measure;
mod plot;
mod process;
mod report;
mod runtime_api;
mod scenario;
mod share;
mod sizing;

use std::fmt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::cgroup::Controllers;
use crate::measure::{Measurement, Pass, Placement, Rounds, measure_all};
use crate::process::Measured;
use crate::scenario::{Context, Role, Subject};

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
    /// Where the cost plot (SVG) is written.
    plot: PathBuf,
    /// The prices file.
    prices: PathBuf,
    /// The usage profile of one monthly active user.
    usage: cost::Usage,
    /// The user item's size in KB, for DynamoDB's units.
    item_kb: f64,
    /// Measure on the whole machine alone, as where no cgroup can be
    /// written.
    no_cgroups: bool,
}

const USAGE: &str = "usage: sessionless-bench [--calls N] [--cold-starts N] [--markdown FILE] \
     [--plot FILE] [--prices FILE] [--logins N] [--refreshes N] [--protected-calls N] \
     [--resets N] [--item-kb N] [--no-cgroups]";

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
        plot: PathBuf::from("target/bench-cost.svg"),
        prices: PathBuf::from("bench/prices.toml"),
        usage: cost::Usage::default(),
        item_kb: 1.0,
        no_cgroups: false,
    };
    let number = |flag: &str, value: Option<String>| -> Result<f64, BenchError> {
        value
            .and_then(|value| value.parse::<f64>().ok())
            .filter(|value| value.is_finite() && *value >= 0.0)
            .ok_or_else(|| BenchError::new(format!("{flag} needs a number from 0\n{USAGE}")))
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
            "--plot" => {
                options.plot = args
                    .next()
                    .map(PathBuf::from)
                    .ok_or_else(|| BenchError::new(format!("--plot needs a file\n{USAGE}")))?;
            }
            "--prices" => {
                options.prices = args
                    .next()
                    .map(PathBuf::from)
                    .ok_or_else(|| BenchError::new(format!("--prices needs a file\n{USAGE}")))?;
            }
            "--logins" => options.usage.logins = number(&flag, args.next())?,
            "--refreshes" => options.usage.refreshes = number(&flag, args.next())?,
            "--protected-calls" => options.usage.protected_calls = number(&flag, args.next())?,
            "--resets" => options.usage.resets = number(&flag, args.next())?,
            "--item-kb" => options.item_kb = number(&flag, args.next())?.max(0.001),
            "--no-cgroups" => options.no_cgroups = true,
            other => {
                return Err(BenchError::new(format!(
                    "unknown argument {other:?}\n{USAGE}"
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
    let subjects = || Subject::all(&context, &options.events_dir);
    Subject::check_coverage(
        &subjects()?,
        &[Path::new("functions"), Path::new("examples")],
    )?;
    let full_core = measure_all(
        subjects()?,
        &context,
        &options,
        database.as_ref(),
        &Pass {
            what: "full core",
            rounds: Rounds {
                cold_starts: options.cold_starts,
                calls: options.calls,
            },
            placement: &|_| Placement::FullCore,
            controllers: None,
            count_calls: false,
        },
    )?;
    let counted = measure_all(
        subjects()?,
        &context,
        &options,
        None,
        &Pass {
            what: "counting each function's AWS calls",
            rounds: Rounds {
                cold_starts: 1,
                calls: COUNTED_CALLS,
            },
            placement: &|_| Placement::FullCore,
            controllers: None,
            count_calls: true,
        },
    )?;
    let cgroups = if options.no_cgroups {
        Err("--no-cgroups asked for the whole machine alone".to_owned())
    } else {
        Controllers::find()
    };
    if let Err(reason) = &cgroups {
        eprintln!("no CPU shares: {reason}; full-core figures only");
    }
    let (at_share, sizes) = match &cgroups {
        Ok(controllers) => {
            let at_share = measure_all(
                subjects()?,
                &context,
                &options,
                database.as_ref(),
                &Pass {
                    what: "each function at its CPU share",
                    rounds: Rounds {
                        cold_starts: SHARE_COLD_STARTS.min(options.cold_starts),
                        calls: options.calls,
                    },
                    placement: &|subject| Placement::Share {
                        memory_mb: share_memory_mb(subject, &memory_sizes),
                    },
                    controllers: Some(controllers),
                    count_calls: false,
                },
            )?;
            let sizes = measure_sizes(&subjects, &context, &options, controllers)?;
            (Some(at_share), sizes)
        }
        Err(_) => (None, Vec::new()),
    };
    let prices = cost::Prices::load(&options.prices)?;
    let (report, misstated) = report::render(&report::Inputs {
        full_core: &full_core,
        counted: &counted,
        at_share: at_share.as_deref(),
        sizes: &sizes,
        calls: options.calls,
        cold_starts: options.cold_starts,
        memory_sizes: &memory_sizes,
        no_cgroups: cgroups.as_ref().err().map(String::as_str),
        prices: &prices,
        usage: options.usage,
        item_kb: options.item_kb,
        plot: &options.plot,
    })?;
    println!("{report}");
    if let Some(path) = &options.markdown {
        std::fs::write(path, &report)
            .map_err(|error| BenchError::new(format!("{path:?}: {error}")))?;
    }
    if !misstated.is_empty() {
        return Err(BenchError::new(format!(
            "the AWS calls counted differ from what the docs state for: {}",
            misstated.join(", ")
        )));
    }
    Ok(())
}

/// Warm calls per function through the counting proxy.
const COUNTED_CALLS: usize = 10;
/// Cold starts per function at a CPU share: each takes many periods of a
/// small quota.
const SHARE_COLD_STARTS: usize = 5;
/// The functions that run argon2, measured at each of `SIZES_MB` to choose
/// their MemorySize: login as deployed (KMS), signup, password and reset.
const SIZED: [&str; 4] = ["login, KMS signing", "signup", "password", "reset-password"];
/// The sizes they are measured at.
pub const SIZES_MB: [u64; 4] = [512, 1024, 1769, 3008];
/// Warm calls per size, as many as the other passes: a p99 of 100 calls
/// is the second slowest, which one hiccup of the shared machine decides.
const SIZING_CALLS: usize = 300;

/// The memory a subject is measured with at its CPU share: its function's
/// `MemorySize` in template.yaml; a floor's, the functions it is the floor
/// of (the argon2 floor login's, the others 128 MB).
fn share_memory_mb(subject: &Subject, memory_sizes: &[(String, u64)]) -> u64 {
    let size_of = |binary: &str| {
        memory_sizes
            .iter()
            .find(|(name, _)| name == binary)
            .map(|(_, memory_mb)| *memory_mb)
    };
    match (subject.role, subject.binary) {
        (Role::Floor, "floor-argon2") => size_of("login"),
        (Role::Floor, _) => None,
        (Role::Function, binary) => size_of(binary),
    }
    .unwrap_or(128)
}

/// The argon2 functions at each of [`SIZES_MB`], one pass per size (their
/// scenarios change one user's password, so two copies must not run at
/// once).
fn measure_sizes(
    subjects: &dyn Fn() -> Result<Vec<Subject>, BenchError>,
    context: &Context,
    options: &Options,
    controllers: &Controllers,
) -> Result<Vec<Measurement>, BenchError> {
    let mut measured = Vec::new();
    for memory_mb in SIZES_MB {
        let sized: Vec<Subject> = subjects()?
            .into_iter()
            .filter(|subject| SIZED.contains(&subject.name))
            .collect();
        measured.extend(measure_all(
            sized,
            context,
            options,
            None,
            &Pass {
                what: &format!("the argon2 functions at {memory_mb} MB"),
                rounds: Rounds {
                    cold_starts: SHARE_COLD_STARTS.min(options.cold_starts),
                    calls: SIZING_CALLS.min(options.calls),
                },
                placement: &|_| Placement::Share { memory_mb },
                controllers: Some(controllers),
                count_calls: false,
            },
        )?);
    }
    Ok(measured)
}
