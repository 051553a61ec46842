//! The report: the full-core table (ratios to the GetItem floor), the AWS
//! calls each function makes as counted, each function at its CPU share,
//! the argon2 functions at each size, the cost per call and per monthly
//! active user beside Cognito, and every performance target with the
//! figure that meets or misses it.

use std::fmt::Write;
use std::path::Path;
use std::time::Duration;

use crate::BenchError;
use crate::aws_calls::Calls;
use crate::cost::{BilledCall, CallCost, FlowCosts, Prices, Protection, Usage, tiered_monthly};
use crate::measure::Measurement;
use crate::plot::{self, Line};
use crate::scenario::Role;
use crate::share::{self, ShareFigures, mean_billed_ms};
use crate::sizing::{self, SizeChoice};

const RATIO_FLOOR: &str = "floor: GetItem";
const HELLO_FLOOR: &str = "floor: hello";
const ARGON2_FLOOR: &str = "floor: argon2";
/// The argon2 operations each function makes on its benched request: a
/// verify, a hash, or both.
const ARGON2_OPERATIONS: [(&str, u32); 5] = [
    ("login", 1),
    ("signup", 1),
    ("password", 2),
    ("reset-password", 1),
    ("verify-email", 1),
];
/// argon2id's memory cost at the OWASP minimum the policy defaults to.
const ARGON2_MEMORY_KIB: u64 = 19 * 1024;
const MIB: f64 = 1024.0 * 1024.0;
/// Subjects that run a function other than as deployed (local keys, not
/// KMS): reported, but held to no target.
const NOT_AS_DEPLOYED: [&str; 2] = ["login", "login, HS256"];
/// The MAU counts the cost is tabled at.
const MAU_COUNTS: [u64; 4] = [10_000, 100_000, 1_000_000, 10_000_000];

/// Everything the report is made from.
pub struct Inputs<'a> {
    pub full_core: &'a [Measurement],
    pub counted: &'a [Measurement],
    /// Each function at its CPU share; none without cgroups.
    pub at_share: Option<&'a [Measurement]>,
    /// The argon2 functions at each size.
    pub sizes: &'a [Measurement],
    pub calls: usize,
    pub cold_starts: usize,
    pub memory_sizes: &'a [(String, u64)],
    /// Why no function ran at its share, if none did.
    pub no_cgroups: Option<&'a str>,
    pub prices: &'a Prices,
    pub usage: Usage,
    /// The user item's size, for DynamoDB's units.
    pub item_kb: f64,
    /// Where the plot goes.
    pub plot: &'a Path,
}

/// The report in markdown, and the functions whose AWS calls differ from
/// what their docs state (which fails the bench).
pub fn render(inputs: &Inputs<'_>) -> Result<(String, Vec<String>), BenchError> {
    let measurements = inputs.full_core;
    let floor = find(measurements, RATIO_FLOOR)?;
    let floor_figures = Figures::of(floor);
    let hello_figures = Figures::of(find(measurements, HELLO_FLOOR)?);
    // One verify: the argon2 floor's CPU per call less the runtime's own.
    let argon2_verify = Figures::of(find(measurements, ARGON2_FLOOR)?)
        .cpu
        .saturating_sub(hello_figures.cpu);
    let mut out = String::new();
    let _ = writeln!(out, "{}\n", machine());
    let _ = writeln!(
        out,
        "## On the whole machine\n\nInit: the median of {} cold starts. {} warm calls per \
         function after the first. Ratios (×) are to the GetItem floor in this run. CPU is the \
         function's own; the local DynamoDB server's CPU per call is reported apart. One \
         argon2id verify at the default cost: {} of CPU (the argon2 floor's CPU per call less \
         the hello floor's).\n",
        inputs.cold_starts,
        inputs.calls,
        millis(argon2_verify)
    );
    out.push_str(
        "| function | init | first call | warm p50 | warm p99 | CPU / warm call | DB server CPU / call | peak RSS | arm64 binary | arm64 zip |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    for measurement in measurements {
        let figures = Figures::of(measurement);
        let _ = writeln!(
            out,
            "| {} | {} {} | {} | {} {} | {} | {} {} | {} | {} {} | {} | {} |",
            measurement.name,
            millis(figures.init),
            ratio(figures.init, floor_figures.init),
            millis(measurement.first_call),
            millis(figures.p50),
            ratio(figures.p50, floor_figures.p50),
            millis(figures.p99),
            millis(figures.cpu),
            ratio(figures.cpu, floor_figures.cpu),
            figures.database_cpu.map_or("n/a".to_owned(), millis),
            mebibytes(measurement.peak_rss_kib * 1024),
            ratio_of(measurement.peak_rss_kib as f64, floor.peak_rss_kib as f64),
            measurement.binary_bytes.map_or("n/a".to_owned(), mebibytes),
            measurement.zip_bytes.map_or("n/a".to_owned(), mebibytes),
        );
    }

    let counted = counted_calls(inputs.counted)?;
    out.push_str(
        "\n## AWS calls per request, counted\n\nEvery AWS request each function made, \
         through a counting proxy in front of the local endpoint, per warm call; beside what \
         its crate's docs state (`//! AWS calls:`).\n\n\
         | function | counted per call | n | stated |\n|---|---|---|---|\n",
    );
    for count in &counted {
        let _ = writeln!(
            out,
            "| {} | {}{} | {} | {} |",
            count.name,
            count.calls,
            if count.uniform {
                ""
            } else {
                " (varies between calls)"
            },
            count.calls.total(),
            match (&count.stated, count.as_deployed) {
                (_, false) => "(not as deployed: local keys)".to_owned(),
                (Some(stated), true) => stated.to_string(),
                (None, true) => "**not stated**".to_owned(),
            }
        );
    }

    let mut choices = Vec::new();
    match (inputs.at_share, inputs.no_cgroups) {
        (Some(at_share), _) => {
            out.push_str(
                "\n## Each function at its CPU share\n\nIn a cgroup of its own: \
                 MemorySize / 1,769 of one CPU per 20 ms period (Lambda's CFS quota) and a \
                 memory limit of its MemorySize (template.yaml). Billed: each warm call \
                 rounded up to the millisecond, averaged.\n\n",
            );
            out.push_str(&share::render(at_share, measurements));
            out.push_str("\n## MemorySize of the argon2 functions\n\n");
            let (table, sized) = sizing::render(inputs.sizes, inputs.memory_sizes, inputs.prices);
            out.push_str(&table);
            choices = sized;
        }
        (None, reason) => {
            let _ = writeln!(
                out,
                "\n## No CPU shares\n\n{}: the figures above are full-core alone, and the \
                 cost below bills full-core durations.",
                reason.unwrap_or("no cgroups")
            );
        }
    }

    let flows = flow_costs(inputs, &counted)?;
    out.push_str(&render_costs(inputs, &flows, &counted)?);

    out.push_str("\n## Targets\n\n| target | figure | limit | |\n|---|---|---|---|\n");
    let (targets, misstated) = targets(
        inputs,
        &Floors {
            getitem: floor,
            getitem_figures: &floor_figures,
            hello_figures: &hello_figures,
            argon2_verify,
        },
        &counted,
        &choices,
        &flows,
    );
    for target in &targets {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            target.what,
            target.figure,
            target.limit,
            if target.met {
                "met".to_owned()
            } else {
                format!("**missed**{}", target.why.as_deref().unwrap_or_default())
            }
        );
    }
    Ok((out, misstated))
}

fn find<'a>(measurements: &'a [Measurement], name: &str) -> Result<&'a Measurement, BenchError> {
    measurements
        .iter()
        .find(|measurement| measurement.name == name)
        .ok_or_else(|| BenchError::new(format!("{name} was not measured")))
}

/// The summary figures of one measurement.
struct Figures {
    init: Duration,
    p50: Duration,
    p99: Duration,
    cpu: Duration,
    database_cpu: Option<Duration>,
}

impl Figures {
    fn of(measurement: &Measurement) -> Self {
        Self {
            init: percentile(&measurement.inits, 50),
            p50: percentile(&measurement.warm_calls, 50),
            p99: percentile(&measurement.warm_calls, 99),
            cpu: percentile(&measurement.warm_cpu, 50),
            database_cpu: (!measurement.database_cpu.is_empty())
                .then(|| percentile(&measurement.database_cpu, 50)),
        }
    }
}

/// One subject's AWS calls per warm call, as counted and as stated.
struct CountedCalls {
    name: &'static str,
    binary: &'static str,
    calls: Calls,
    /// Whether every warm call made the same requests.
    uniform: bool,
    as_deployed: bool,
    stated: Option<Calls>,
}

fn counted_calls(counted: &[Measurement]) -> Result<Vec<CountedCalls>, BenchError> {
    counted
        .iter()
        .map(|measurement| {
            let first = measurement.calls.first().cloned().unwrap_or_default();
            let uniform = measurement.calls.iter().all(|calls| *calls == first);
            // The most requests any warm call made, when they vary.
            let calls = measurement
                .calls
                .iter()
                .max_by_key(|calls| calls.total())
                .cloned()
                .unwrap_or_default();
            let as_deployed = !NOT_AS_DEPLOYED.contains(&measurement.name);
            let stated = Calls::stated(&crate_dir(measurement.binary)).ok();
            Ok(CountedCalls {
                name: measurement.name,
                binary: measurement.binary,
                calls,
                uniform,
                as_deployed,
                stated,
            })
        })
        .collect()
}

/// The crate a binary is built from: a function, an example, or a floor.
fn crate_dir(binary: &str) -> std::path::PathBuf {
    match binary.strip_prefix("floor-") {
        Some(floor) => Path::new("bench/floors").join(floor),
        None if Path::new("functions").join(binary).exists() => Path::new("functions").join(binary),
        None => Path::new("examples").join(binary),
    }
}

/// What each flow of the usage profile costs once, from the figures at
/// each function's share (or full core, without cgroups).
fn flow_costs(inputs: &Inputs<'_>, counted: &[CountedCalls]) -> Result<FlowCosts, BenchError> {
    let billed = |name: &str| -> Result<f64, BenchError> {
        let at_share = inputs
            .at_share
            .and_then(|at_share| at_share.iter().find(|m| m.name == name))
            .and_then(ShareFigures::of)
            .map(|figures| figures.billed_ms);
        match at_share {
            Some(billed) => Ok(billed),
            None => Ok(mean_billed_ms(&find(inputs.full_core, name)?.warm_calls)),
        }
    };
    let memory_of = |binary: &str| {
        inputs
            .memory_sizes
            .iter()
            .find(|(name, _)| name == binary)
            .map(|(_, memory_mb)| *memory_mb)
            .ok_or_else(|| BenchError::new(format!("{binary} has no MemorySize in template.yaml")))
    };
    let calls_of = |name: &str| {
        counted
            .iter()
            .find(|count| count.name == name)
            .map(|count| &count.calls)
            .ok_or_else(|| BenchError::new(format!("{name}: no AWS calls counted")))
    };
    let call = |name: &'static str, via_api_gateway: bool| -> Result<CallCost, BenchError> {
        let binary = counted
            .iter()
            .find(|count| count.name == name)
            .map_or(name, |count| count.binary);
        Ok(BilledCall {
            memory_mb: memory_of(binary)?,
            billed_ms: billed(name)?,
            invoked: true,
            via_api_gateway,
            calls: calls_of(name)?,
            // The event source receives and deletes each message.
            event_source_sqs_requests: if binary == "mailer" { 2 } else { 0 },
            item_kb: inputs.item_kb,
        }
        .cost(inputs.prices))
    };
    // In a team's own function, loading the user adds its GetItem and the
    // time the axum example takes beyond the hello floor, at its memory.
    let in_process = BilledCall {
        memory_mb: memory_of("axum-backend")?,
        billed_ms: (billed("axum-backend")? - billed(HELLO_FLOOR)?).max(0.0),
        invoked: false,
        via_api_gateway: false,
        calls: calls_of("axum-backend")?,
        event_source_sqs_requests: 0,
        item_kb: inputs.item_kb,
    }
    .cost(inputs.prices);
    Ok(FlowCosts {
        login: call("login, KMS signing", true)?,
        refresh: call("refresh", true)?,
        reset: call("request-link", true)?
            .plus(&call("mailer", false)?)
            .plus(&call("reset-password", true)?),
        lambda_authorizer: call("authorizer", false)?,
        in_process,
    })
}

fn render_costs(
    inputs: &Inputs<'_>,
    flows: &FlowCosts,
    counted: &[CountedCalls],
) -> Result<String, BenchError> {
    let usage = &inputs.usage;
    let mut out = format!(
        "\n## What it costs\n\nFrom the billed durations above{}, the AWS calls as counted, \
         and bench/prices.toml (us-east-1, on demand, no free tier); a user item of up to \
         {} KB (a DynamoDB read unit per 4 KB, a write unit per KB).\n\n\
         | per call | Lambda duration | Lambda requests | API Gateway | DynamoDB | KMS | SQS | SES | total per million |\n\
         |---|---|---|---|---|---|---|---|---|\n",
        if inputs.at_share.is_some() {
            " (at each function's share)"
        } else {
            " (full core: no cgroups)"
        },
        inputs.item_kb
    );
    let rows = [
        ("login (KMS)", flows.login),
        ("refresh", flows.refresh),
        ("password reset: forgot, mail, reset", flows.reset),
        ("protected call, Lambda authorizer", flows.lambda_authorizer),
        ("protected call, in-process CurrentUser", flows.in_process),
    ];
    for (name, cost) in rows {
        let _ = write!(out, "| {name} |");
        for (_, line) in cost.lines() {
            let _ = write!(out, " ${:.3} |", line * 1e6);
        }
        let _ = writeln!(out, " **${:.3}** |", cost.total() * 1e6);
    }
    let kms = &inputs.prices.kms;
    let _ = writeln!(
        out,
        "\nDollars per million calls. KMS Signs counted: {} per login, {} per refresh, at \
         ${} per 10,000 with the template's RSA_2048 key (an ECC key, for ES256, bills ${} \
         and API Gateway's JWT authorizer cannot take it).\n",
        counted_signs(counted, "login, KMS signing"),
        counted_signs(counted, "refresh"),
        kms.rsa_2048_per_10k_requests,
        kms.ecc_per_10k_requests
    );
    let _ = writeln!(
        out,
        "Per monthly active user, for {} logins, {} refreshes, {} protected calls and {} \
         password resets a month (`--logins`, `--refreshes`, `--protected-calls`, \
         `--resets`):\n",
        usage.logins, usage.refreshes, usage.protected_calls, usage.resets
    );
    out.push_str("| per MAU a month |");
    for protection in Protection::ALL {
        let _ = write!(out, " {} |", protection.name());
    }
    out.push_str("\n|---|---|---|---|\n");
    let lines = Protection::ALL.map(|protection| flows.per_mau(usage, protection));
    for (index, (name, _)) in lines[0].iter().enumerate() {
        let _ = write!(out, "| {name} |");
        for per_protection in &lines {
            let _ = write!(out, " ${:.6} |", per_protection[index].1.total());
        }
        out.push('\n');
    }
    out.push_str("| **in all** |");
    for protection in Protection::ALL {
        let total = flows.per_mau_total(usage, protection);
        let (line, share) = total.largest_line();
        let _ = write!(
            out,
            " **${:.6}** (largest line: {line}, {:.0}%) |",
            total.total(),
            share * 100.0
        );
    }
    out.push_str("\n\nBeside Amazon Cognito, per MAU (its first 10,000 MAU are free):\n\n| MAU |");
    for protection in Protection::ALL {
        let _ = write!(out, " Sessionless, {} |", protection.name());
    }
    out.push_str(" Cognito Lite | Cognito Essentials |\n|---|---|---|---|---|---|\n");
    for mau in MAU_COUNTS {
        let _ = write!(out, "| {mau} |");
        for protection in Protection::ALL {
            let _ = write!(
                out,
                " ${:.5} |",
                flows.per_mau_total(usage, protection).total()
            );
        }
        let cognito = |tiers| tiered_monthly(tiers, mau) / mau as f64;
        let _ = writeln!(
            out,
            " ${:.5} | ${:.5} |",
            cognito(&inputs.prices.cognito.lite),
            cognito(&inputs.prices.cognito.essentials)
        );
    }
    let svg = plot::monthly_cost_svg(&plot_lines(inputs, flows))?;
    std::fs::write(inputs.plot, svg)
        .map_err(|error| BenchError::new(format!("{:?}: {error}", inputs.plot)))?;
    let _ = writeln!(
        out,
        "\nThe plot of cost per month against MAU: {}\n\nPrices:\n",
        inputs.plot.display()
    );
    for (service, source, read) in inputs.prices.sources() {
        let _ = writeln!(out, "- {service}: {source} (read {read})");
    }
    Ok(out)
}

fn counted_signs(counted: &[CountedCalls], name: &str) -> u64 {
    counted
        .iter()
        .find(|count| count.name == name)
        .map_or(0, |count| count.calls.of("kms:Sign"))
}

/// Cost per month against MAU, from 10k to 10M.
fn plot_lines(inputs: &Inputs<'_>, flows: &FlowCosts) -> Vec<Line> {
    let steps: Vec<f64> = (0..=30)
        .map(|step| 10f64.powf(4.0 + f64::from(step) / 10.0))
        .collect();
    let mut lines: Vec<Line> = Protection::ALL
        .iter()
        .map(|protection| {
            let per_mau = flows.per_mau_total(&inputs.usage, *protection).total();
            Line {
                name: format!("Sessionless, {}", protection.name()),
                points: steps.iter().map(|mau| (*mau, per_mau * mau)).collect(),
            }
        })
        .collect();
    for (name, tiers) in [
        ("Cognito Lite", &inputs.prices.cognito.lite),
        ("Cognito Essentials", &inputs.prices.cognito.essentials),
    ] {
        lines.push(Line {
            name: name.to_owned(),
            points: steps
                .iter()
                .map(|mau| (*mau, tiered_monthly(tiers, *mau as u64)))
                .collect(),
        });
    }
    lines
}

struct Target {
    what: String,
    figure: String,
    limit: String,
    met: bool,
    /// For a miss: by how much, and what holds it.
    why: Option<String>,
}

struct Floors<'a> {
    getitem: &'a Measurement,
    getitem_figures: &'a Figures,
    hello_figures: &'a Figures,
    argon2_verify: Duration,
}

/// Every target with its figure, and the functions whose AWS calls as
/// counted differ from their docs' (which fail the bench).
fn targets(
    inputs: &Inputs<'_>,
    floors: &Floors<'_>,
    counted: &[CountedCalls],
    choices: &[SizeChoice],
    flows: &FlowCosts,
) -> (Vec<Target>, Vec<String>) {
    let mut targets = Vec::new();
    let mut misstated = Vec::new();
    let functions = inputs.full_core.iter().filter(|measurement| {
        measurement.role == Role::Function && !NOT_AS_DEPLOYED.contains(&measurement.name)
    });
    for measurement in functions {
        let figures = Figures::of(measurement);
        let name = measurement.name;
        let count = counted.iter().find(|count| count.name == name);
        if let Some(count) = count {
            let stated = count
                .stated
                .as_ref()
                .map_or("not stated".to_owned(), Calls::to_string);
            let met = count.stated.as_ref() == Some(&count.calls) && count.uniform;
            if !met {
                misstated.push(name.to_owned());
            }
            targets.push(Target {
                what: format!("{name}: AWS calls as stated"),
                figure: count.calls.to_string(),
                limit: stated,
                met,
                why: (!met).then(|| {
                    ": the function's `//! AWS calls:` line must say what it does".to_owned()
                }),
            });
            // floor(n) = hello + n × (GetItem floor − hello), and argon2.
            let n = count.calls.total() as u32;
            let per_call = floors
                .getitem_figures
                .cpu
                .saturating_sub(floors.hello_figures.cpu);
            let floor_n = floors.hello_figures.cpu + per_call * n;
            let argon2 = ARGON2_OPERATIONS
                .iter()
                .find(|(binary, _)| *binary == measurement.binary)
                .map_or(0, |(_, operations)| *operations);
            let limit = floor_n.mul_f64(1.3) + floors.argon2_verify * argon2;
            let met = figures.cpu <= limit;
            targets.push(Target {
                what: format!("{name}: CPU per warm call"),
                figure: millis(figures.cpu),
                limit: format!(
                    "≤ 1.3 × floor({n}){} = {}",
                    if argon2 > 0 {
                        format!(" + {argon2} argon2")
                    } else {
                        String::new()
                    },
                    millis(limit)
                ),
                met,
                why: (!met).then(|| {
                    format!(
                        " by {:.0}%",
                        (figures.cpu.as_secs_f64() / limit.as_secs_f64() - 1.0) * 100.0
                    )
                }),
            });
        }
        let init_limit = floors.getitem_figures.init.mul_f64(1.3);
        targets.push(Target {
            what: format!("{name}: init"),
            figure: millis(figures.init),
            limit: format!("≤ 1.3 × GetItem floor = {}", millis(init_limit)),
            met: figures.init <= init_limit,
            why: None,
        });
        let memory_mb = inputs
            .memory_sizes
            .iter()
            .find(|(binary, _)| binary == measurement.binary)
            .map_or(128, |(_, memory_mb)| *memory_mb);
        let mut rss_limit_kib = memory_mb * 1024 / 4;
        let mut rss_rule = format!("≤ 25% of {memory_mb} MB");
        if ARGON2_OPERATIONS
            .iter()
            .any(|(binary, _)| *binary == measurement.binary)
        {
            let argon2_limit = floors.getitem.peak_rss_kib + ARGON2_MEMORY_KIB * 13 / 10;
            rss_limit_kib = rss_limit_kib.min(argon2_limit);
            rss_rule.push_str(" and ≤ floor + 1.3 × 19 MiB");
        }
        targets.push(Target {
            what: format!("{name}: peak RSS"),
            figure: mebibytes(measurement.peak_rss_kib * 1024),
            limit: format!("{rss_rule} = {}", mebibytes(rss_limit_kib * 1024)),
            met: measurement.peak_rss_kib <= rss_limit_kib,
            why: None,
        });
        // 4 MB, decimal, the stricter reading.
        let zip_limit = 4_000_000;
        targets.push(Target {
            what: format!("{name}: arm64 zip"),
            figure: measurement
                .zip_bytes
                .map_or("not built".to_owned(), mebibytes),
            limit: format!("≤ 4 MB = {}", mebibytes(zip_limit)),
            met: measurement
                .zip_bytes
                .is_some_and(|bytes| bytes <= zip_limit),
            why: None,
        });
    }
    for choice in choices {
        let met = choice.chosen_mb.is_some() && choice.chosen_mb == choice.template_mb;
        targets.push(Target {
            what: format!("{}: MemorySize", choice.binary),
            figure: choice
                .template_mb
                .map_or("none".to_owned(), |mb| format!("{mb} MB in template.yaml")),
            limit: choice
                .chosen_mb
                .map_or("no size with p99 under 250 ms".to_owned(), |mb| {
                    format!("the measured choice, {mb} MB")
                }),
            met,
            why: (!met).then(|| ": set template.yaml and the crate's deploy memory".to_owned()),
        });
    }
    for name in ["login, KMS signing", "refresh"] {
        let signs = counted_signs(counted, name);
        targets.push(Target {
            what: format!("{name}: KMS Signs"),
            figure: signs.to_string(),
            limit: "1".to_owned(),
            met: signs == 1,
            why: None,
        });
    }
    let usage = &inputs.usage;
    let cognito_lite = tiered_monthly(&inputs.prices.cognito.lite, 100_000) / 100_000.0;
    for protection in Protection::ALL {
        let total = flows.per_mau_total(usage, protection);
        let (line, share) = total.largest_line();
        let why = Some(format!(
            " by ${:.6}; the largest line is {line}, {:.0}% of it",
            total.total() - 0.001,
            share * 100.0
        ));
        if protection != Protection::JwtAuthorizer {
            let met = total.total() <= 0.001;
            targets.push(Target {
                what: format!("cost per MAU, {}", protection.name()),
                figure: format!("${:.6}", total.total()),
                limit: "≤ $0.0010".to_owned(),
                met,
                why: if met { None } else { why },
            });
        }
        let times_under = cognito_lite / total.total();
        let met = times_under >= 5.0;
        targets.push(Target {
            what: format!("under Cognito Lite at 100k MAU, {}", protection.name()),
            figure: format!("{times_under:.1}× under"),
            limit: format!("≥ 5× under ${cognito_lite:.5}"),
            met,
            why: (!met).then(|| {
                format!(
                    ": ${:.6} per MAU is over a fifth of Cognito's; the largest line is \
                     {line}, {:.0}% of it",
                    total.total(),
                    share * 100.0
                )
            }),
        });
    }
    (targets, misstated)
}

/// Nearest-rank percentile.
pub fn percentile(samples: &[Duration], percent: usize) -> Duration {
    let mut sorted = samples.to_vec();
    sorted.sort();
    let rank = (sorted.len() * percent).div_ceil(100).max(1);
    sorted.get(rank - 1).copied().unwrap_or_default()
}

fn secs(duration: Duration) -> f64 {
    duration.as_secs_f64()
}

pub fn millis(duration: Duration) -> String {
    format!("{:.2} ms", duration.as_secs_f64() * 1000.0)
}

fn mebibytes(bytes: u64) -> String {
    format!("{:.2} MiB", bytes as f64 / MIB)
}

fn ratio(value: Duration, base: Duration) -> String {
    ratio_of(secs(value), secs(base))
}

fn ratio_of(value: f64, base: f64) -> String {
    if base > 0.0 {
        format!("({:.2}×)", value / base)
    } else {
        String::new()
    }
}

/// The CPU model, core count and kernel, for the table's caption.
fn machine() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let model = cpuinfo
        .lines()
        .find_map(|line| line.strip_prefix("model name"))
        .map(|rest| rest.trim_start_matches([' ', '\t', ':']).to_owned())
        .unwrap_or_else(|| "unknown CPU".to_owned());
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "Machine: {model}, {cores} cores, Linux {}, {}",
        kernel.trim(),
        std::env::consts::ARCH
    )
}
