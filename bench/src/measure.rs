//! The functions' runs: cold starts, a first call, then warm calls in
//! rounds (one call to each function per round, so drift in the shared
//! DynamoDB server touches every function alike), with wall time seen from
//! the Runtime API and CPU time read from the kernel.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressStyle};

use crate::aws_calls::{Calls, CountingProxy};
use crate::cgroup::{Cgroup, Controllers};
use crate::process::{FunctionProcess, Measured};
use crate::runtime_api::{RuntimeApi, WaitingFunction};
use crate::scenario::{Context, Role, Subject};
use crate::{BenchError, Options};

/// Lambda's own default init limit.
const INIT_TIMEOUT: Duration = Duration::from_secs(10);
const CALL_TIMEOUT: Duration = Duration::from_secs(30);
/// What the template gives most functions: lambda_runtime reads it, and
/// full-core runs are told it.
const MEMORY_SIZE_MB: u64 = 128;

/// Where a function runs while it is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// On the whole machine.
    FullCore,
    /// In a cgroup of its own with what Lambda gives `memory_mb`: that
    /// share of a vCPU per 20 ms period, and that much memory.
    Share { memory_mb: u64 },
}

impl Placement {
    /// The memory the function is told it has.
    fn memory_mb(self) -> u64 {
        match self {
            Placement::FullCore => MEMORY_SIZE_MB,
            Placement::Share { memory_mb } => memory_mb,
        }
    }
}

/// How many cold starts and warm calls one pass makes per function.
#[derive(Debug, Clone, Copy)]
pub struct Rounds {
    /// Cold starts; the init figure is their median.
    pub cold_starts: usize,
    /// Warm calls, after the first.
    pub calls: usize,
}

pub struct Measurement {
    pub name: &'static str,
    pub binary: &'static str,
    pub role: Role,
    pub placement: Placement,
    /// From spawn to the first call for an event, Lambda's Init Duration:
    /// one per cold start.
    pub inits: Vec<Duration>,
    pub first_call: Duration,
    pub warm_calls: Vec<Duration>,
    /// CPU per warm call, from handing over the event until the function
    /// asks for the next one.
    pub warm_cpu: Vec<Duration>,
    /// The DynamoDB server's CPU per warm call, when its pid is known.
    pub database_cpu: Vec<Duration>,
    pub peak_rss_kib: u64,
    /// The arm64 `bootstrap` and the zip Lambda would load, when built.
    pub binary_bytes: Option<u64>,
    pub zip_bytes: Option<u64>,
    /// The AWS requests of each warm call, in a pass that counts them.
    pub calls: Vec<Calls>,
}

/// One pass's setting: how each subject is placed, with which cgroups,
/// and how many rounds.
pub struct Pass<'a> {
    /// What the pass is, for the progress line.
    pub what: &'a str,
    pub rounds: Rounds,
    /// Where each subject runs.
    pub placement: &'a dyn Fn(&Subject) -> Placement,
    /// The machine's cgroups, for [`Placement::Share`].
    pub controllers: Option<&'a Controllers>,
    /// Whether each function's AWS requests go through a counting proxy,
    /// which adds its own latency: a pass of its own.
    pub count_calls: bool,
}

/// Measures every subject: `rounds.cold_starts` rounds of one cold start
/// each, the last one kept running, then `rounds.calls + 1` rounds of one
/// call each, in a shuffled order.
pub fn measure_all(
    subjects: Vec<Subject>,
    context: &Context,
    options: &Options,
    database: Option<&Measured>,
    pass: &Pass<'_>,
) -> Result<Vec<Measurement>, BenchError> {
    let rounds = pass.rounds;
    eprintln!(
        "{}: {} rounds of one cold start each, then {} rounds of one call each",
        pass.what,
        rounds.cold_starts,
        rounds.calls + 1
    );
    let functions = subjects.len() as u64;
    let cold_bar = progress("cold starts", rounds.cold_starts as u64 * functions);
    let mut cold: Vec<ColdStarts> = subjects
        .into_iter()
        .enumerate()
        .map(|(index, subject)| {
            let placement = (pass.placement)(&subject);
            ColdStarts::new(subject, index, placement, pass, options)
        })
        .collect::<Result<_, _>>()?;
    let mut order: Vec<usize> = (0..cold.len()).collect();
    let mut shuffle = Shuffle(0x9E37_79B9_7F4A_7C15);
    for _ in 1..rounds.cold_starts {
        shuffle.apply(&mut order);
        for &index in &order {
            if let Some(function) = cold.get_mut(index) {
                drop(function.cold_start()?);
                cold_bar.inc(1);
            }
        }
    }
    let mut running = Vec::with_capacity(cold.len());
    for mut function in cold {
        let (process, waiting) = function.cold_start()?;
        running.push(Running::new(function, process, waiting, rounds)?);
        cold_bar.inc(1);
    }
    cold_bar.finish();
    let call_bar = progress("warm calls", (rounds.calls as u64 + 1) * functions);
    for round in 0..=rounds.calls {
        // A new order each round: a call right after an argon2 one finds
        // the caches (its own and the database's) cold, and no function
        // should always be the one that pays for that.
        shuffle.apply(&mut order);
        for &index in &order {
            if let Some(function) = running.get_mut(index) {
                function.call(round, context, database)?;
                call_bar.inc(1);
            }
        }
    }
    call_bar.finish();
    running
        .into_iter()
        .map(|function| function.finish(options))
        .collect()
}

/// A progress bar with counts and an ETA, drawn on stderr when both
/// stdout and stderr are terminals; hidden otherwise, so CI logs and piped
/// output carry only the results.
fn progress(what: &str, total: u64) -> ProgressBar {
    let on_terminal = std::io::stdout().is_terminal() && std::io::stderr().is_terminal();
    if !on_terminal {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total);
    if let Ok(style) = ProgressStyle::with_template(
        "{msg:>12} [{bar:40}] {pos}/{len} ({elapsed} so far, about {eta} left)",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}

/// A fixed-seed xorshift shuffle, so runs are repeatable.
struct Shuffle(u64);

impl Shuffle {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    /// Fisher-Yates.
    fn apply(&mut self, items: &mut [usize]) {
        for last in (1..items.len()).rev() {
            let pick = (self.next() % (last as u64 + 1)) as usize;
            items.swap(last, pick);
        }
    }
}

/// A subject's Runtime API, environment and placement, and its init
/// durations so far.
struct ColdStarts {
    subject: Subject,
    api: RuntimeApi,
    env: Vec<(String, String)>,
    binary: PathBuf,
    log: PathBuf,
    inits: Vec<Duration>,
    placement: Placement,
    cgroup: Option<Cgroup>,
    proxy: Option<CountingProxy>,
}

impl ColdStarts {
    fn new(
        subject: Subject,
        index: usize,
        placement: Placement,
        pass: &Pass<'_>,
        options: &Options,
    ) -> Result<Self, BenchError> {
        let api = RuntimeApi::start()?;
        let memory_mb = placement.memory_mb().to_string();
        let cgroup = match (placement, pass.controllers) {
            (Placement::FullCore, _) => None,
            (Placement::Share { memory_mb }, Some(controllers)) => Some(controllers.create(
                &format!("sessionless-bench-{}-{index}", std::process::id()),
                memory_mb,
            )?),
            (Placement::Share { .. }, None) => {
                return Err(BenchError::new(format!(
                    "{}: a CPU share asked for, but no cgroups",
                    subject.name
                )));
            }
        };
        let log_name = match placement {
            Placement::FullCore => format!("{}.log", subject.binary),
            Placement::Share { memory_mb } => format!("{}-{memory_mb}mb.log", subject.binary),
        };
        let mut env: Vec<(String, String)> = [
            ("AWS_LAMBDA_RUNTIME_API", api.address()),
            ("AWS_LAMBDA_FUNCTION_NAME", subject.binary),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", memory_mb.as_str()),
            ("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST"),
            // What the template's LoggingConfig makes Lambda set.
            ("AWS_LAMBDA_LOG_FORMAT", "JSON"),
            ("AWS_LAMBDA_LOG_LEVEL", "INFO"),
            ("USERS_TABLE", &options.table),
        ]
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value.to_owned()))
        .collect();
        env.extend(subject.env.iter().cloned());
        let proxy = if pass.count_calls {
            let upstream = std::env::var("AWS_ENDPOINT_URL_DYNAMODB").map_err(|_| {
                BenchError::new("counting AWS calls needs AWS_ENDPOINT_URL_DYNAMODB")
            })?;
            let proxy = CountingProxy::start(&upstream)?;
            env.extend(proxy.env());
            Some(proxy)
        } else {
            None
        };
        Ok(Self {
            binary: options.bin_dir.join(subject.binary),
            log: options.logs_dir.join(log_name),
            subject,
            api,
            env,
            inits: Vec::with_capacity(pass.rounds.cold_starts),
            placement,
            cgroup,
            proxy,
        })
    }

    /// Starts the function and waits until it asks for its first event.
    fn cold_start(&mut self) -> Result<(FunctionProcess, WaitingFunction), BenchError> {
        let spawned = Instant::now();
        let process =
            FunctionProcess::spawn(&self.binary, &self.env, &self.log, self.cgroup.as_ref())?;
        let waiting = self
            .api
            .wait_for_next(INIT_TIMEOUT)
            .map_err(|error| with_log(error, &self.log))?;
        self.inits.push(waiting.arrived - spawned);
        Ok((process, waiting))
    }
}

/// A function process between calls, with its figures so far.
struct Running {
    subject: Subject,
    api: RuntimeApi,
    // Before `cgroup`: fields drop in order, and a cgroup is removed only
    // once its process is gone.
    process: FunctionProcess,
    cgroup: Option<Cgroup>,
    placement: Placement,
    proxy: Option<CountingProxy>,
    calls: Vec<Calls>,
    /// The function's pending call for its next event.
    waiting: Option<WaitingFunction>,
    log: PathBuf,
    inits: Vec<Duration>,
    cpu_before: Duration,
    durations: Vec<Duration>,
    cpu: Vec<Duration>,
    database_cpu: Vec<Duration>,
}

impl Running {
    fn new(
        cold: ColdStarts,
        process: FunctionProcess,
        waiting: WaitingFunction,
        rounds: Rounds,
    ) -> Result<Self, BenchError> {
        Ok(Self {
            cpu_before: process.measured.cpu_time()?,
            subject: cold.subject,
            api: cold.api,
            process,
            cgroup: cold.cgroup,
            placement: cold.placement,
            proxy: cold.proxy,
            calls: Vec::new(),
            waiting: Some(waiting),
            log: cold.log,
            inits: cold.inits,
            durations: Vec::with_capacity(rounds.calls + 1),
            cpu: Vec::with_capacity(rounds.calls + 1),
            database_cpu: Vec::with_capacity(rounds.calls + 1),
        })
    }

    /// One invocation, and the figures it leaves.
    fn call(
        &mut self,
        round: usize,
        context: &Context,
        database: Option<&Measured>,
    ) -> Result<(), BenchError> {
        let event = self.subject.next_event(context)?;
        let waiting = self
            .waiting
            .take()
            .ok_or_else(|| BenchError::new(format!("{}: not waiting", self.subject.name)))?;
        let database_before = database.map(Measured::cpu_time).transpose()?;
        let calls_before = self.proxy.as_ref().map(CountingProxy::counted);
        let request_id = format!("bench-{}-{round}", self.subject.binary);
        let sent = self.api.invoke(waiting, &request_id, &event);
        let (response, answered) = self
            .api
            .wait_for_response(&request_id, CALL_TIMEOUT)
            .map_err(|error| with_log(error, &self.log))?;
        let waiting = self
            .api
            .wait_for_next(CALL_TIMEOUT)
            .map_err(|error| with_log(error, &self.log))?;
        let cpu_after = self.process.measured.cpu_time()?;
        if let (Some(database), Some(before)) = (database, database_before) {
            self.database_cpu
                .push(database.cpu_time()?.saturating_sub(before));
        }
        if let (Some(proxy), Some(before)) = (&self.proxy, &calls_before) {
            self.calls.push(proxy.since(before));
        }
        self.waiting = Some(waiting);
        self.subject.accept(&response)?;
        self.durations.push(answered - sent);
        self.cpu.push(cpu_after.saturating_sub(self.cpu_before));
        self.cpu_before = cpu_after;
        Ok(())
    }

    fn finish(mut self, options: &Options) -> Result<Measurement, BenchError> {
        let peak_rss_kib = self.process.measured.peak_rss_kib()?;
        let (binary_bytes, zip_bytes) = arm64_sizes(&options.zip_dir.join(self.subject.binary))?;
        if self.durations.is_empty() {
            return Err(BenchError::new(format!("{}: no calls", self.subject.name)));
        }
        // The first call is reported apart from the warm ones.
        let first_call = self.durations.remove(0);
        self.cpu.remove(0);
        if !self.database_cpu.is_empty() {
            self.database_cpu.remove(0);
        }
        if !self.calls.is_empty() {
            self.calls.remove(0);
        }
        // The process ends here, and then its cgroup.
        drop(self.process);
        drop(self.cgroup);
        Ok(Measurement {
            name: self.subject.name,
            binary: self.subject.binary,
            role: self.subject.role,
            placement: self.placement,
            inits: self.inits,
            first_call,
            warm_calls: self.durations,
            warm_cpu: self.cpu,
            database_cpu: self.database_cpu,
            peak_rss_kib,
            binary_bytes,
            zip_bytes,
            calls: self.calls,
        })
    }
}

/// The sizes of the stripped arm64 `bootstrap` in the zip that
/// `cargo lambda build --arm64 --output-format zip` left in `dir`, and of the
/// zip itself; none when it was not built.
fn arm64_sizes(dir: &Path) -> Result<(Option<u64>, Option<u64>), BenchError> {
    let path = dir.join("bootstrap.zip");
    let Ok(file) = std::fs::File::open(&path) else {
        return Ok((None, None));
    };
    let unreadable = |error: zip::result::ZipError| BenchError::new(format!("{path:?}: {error}"));
    let zip_bytes = file
        .metadata()
        .map_err(|error| BenchError::new(format!("{path:?}: {error}")))?
        .len();
    let mut archive = zip::ZipArchive::new(file).map_err(unreadable)?;
    let index = archive
        .index_for_name("bootstrap")
        .ok_or_else(|| BenchError::new(format!("{path:?} has no bootstrap")))?;
    let binary_bytes = archive.by_index_raw(index).map_err(unreadable)?.size();
    Ok((Some(binary_bytes), Some(zip_bytes)))
}

/// Adds where the function's own output is, since that says why it failed.
fn with_log(error: BenchError, log: &Path) -> BenchError {
    BenchError::new(format!(
        "{error} (the function's output: {})",
        log.display()
    ))
}
