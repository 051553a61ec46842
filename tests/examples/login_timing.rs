//! Benchmark: does an answer's time tell whether an email has an account?
//!
//! - Login: an unknown email against a known one with a wrong password, and
//!   one whose stored hash is below the policy (after `ARGON2_*` rose), or
//!   above it (after it fell, with `ARGON2_STRONGEST_IN_USE` set).
//! - Mail requests: `POST /password/forgot`, `POST /verify/resend` and
//!   `POST /signup` (with email verification), for a known email against an
//!   unknown one.
//!
//! Each sends interleaved attempts of its kinds through the real handlers
//! against the local DynamoDB and SQS, and prints their latency
//! distributions side by side, with whether each is within noise of the
//! first kind. Run with `scripts/bench-login-timing` (it starts the local
//! server).

use std::time::{Duration, Instant};

use futures_util::future::LocalBoxFuture;
use serde_json::json;
use sessionless_tests::{DEMO_EMAIL, Reply, Stack, event, with_body};

const ROUNDS: usize = 200;
const KNOWN_USERS: usize = 50;

/// One kind of attempt: its name, the status it must get, and how to send
/// it in a given round.
type Attempt<'a> = (
    &'a str,
    u16,
    Box<dyn Fn(usize) -> LocalBoxFuture<'a, Reply> + 'a>,
);

#[tokio::main(flavor = "current_thread")]
async fn main() {
    logins().await;
    println!();
    mail_requests().await;
}

async fn logins() {
    // Locks would end the known users' attempts early; keep them off. The
    // policy is one pass above OWASP's minimum, as after a deployment
    // raised ARGON2_ITERATIONS, and one below what it was before that, as
    // after a deployment lowered it: ARGON2_STRONGEST_IN_USE names that.
    let stack = Stack::with_env(&[
        ("LOGIN_LOCK_AFTER", "100"),
        ("ARGON2_ITERATIONS", "3"),
        ("ARGON2_STRONGEST_IN_USE", "m=19456,t=4"),
    ])
    .await;
    // Accounts hashed before the rise: OWASP's minimum, two passes; and
    // before the fall: four.
    let before_the_rise = stack.restarted_with(&[("ARGON2_ITERATIONS", "2")]).await;
    let before_the_fall = stack.restarted_with(&[("ARGON2_ITERATIONS", "4")]).await;
    for index in 0..KNOWN_USERS {
        for (hashed_by, prefix) in [
            (&stack, "user"),
            (&before_the_rise, "old"),
            (&before_the_fall, "dear"),
        ] {
            hashed_by
                .add_user(
                    &format!("{prefix}{index}@example.com"),
                    "the-right-password",
                    true,
                )
                .await;
        }
    }
    let base = event("http-api/login-ok.json");
    let login = |email: String| {
        let body = json!({"email": email, "password": "a-wrong-password"}).to_string();
        let request = with_body(&base, &body);
        let stack = &stack;
        Box::pin(async move { stack.invoke(login::handle, &request).await })
            as LocalBoxFuture<'_, Reply>
    };
    let known = move |prefix: &'static str, round: usize| {
        login(format!("{prefix}{}@example.com", round % KNOWN_USERS))
    };
    let attempts: Vec<Attempt<'_>> = vec![
        (
            "unknown email",
            401,
            Box::new(move |round| login(format!("nobody{round}@example.com"))),
        ),
        (
            "known email, wrong password",
            401,
            Box::new(move |round| known("user", round)),
        ),
        (
            "known email, wrong password, hash below the policy",
            401,
            Box::new(move |round| known("old", round)),
        ),
        (
            "known email, wrong password, hash above the policy",
            401,
            Box::new(move |round| known("dear", round)),
        ),
    ];
    compare("login attempt", &attempts).await;
}

async fn mail_requests() {
    let stack = Stack::with_mail(&[]).await;
    let stack = &stack;
    let forgot = move |email: String| {
        Box::pin(async move { stack.forgot(&email).await }) as LocalBoxFuture<'_, Reply>
    };
    let resend = move |email: String| {
        Box::pin(async move { stack.resend(&email).await }) as LocalBoxFuture<'_, Reply>
    };
    let signup = move |email: String| {
        Box::pin(async move { stack.signup(&email, "a-new-password-5678").await })
            as LocalBoxFuture<'_, Reply>
    };
    let unknown = |round: usize| format!("nobody{round}@example.com");
    let attempts: Vec<Attempt<'_>> = vec![
        (
            "forgot, unknown email",
            202,
            Box::new(move |round| forgot(unknown(round))),
        ),
        (
            "forgot, known email",
            202,
            Box::new(move |_| forgot(DEMO_EMAIL.to_owned())),
        ),
        (
            "resend, unknown email",
            202,
            Box::new(move |round| resend(unknown(round))),
        ),
        (
            "resend, known email",
            202,
            Box::new(move |_| resend(DEMO_EMAIL.to_owned())),
        ),
        (
            "signup, new email",
            202,
            Box::new(move |round| signup(format!("new{round}@example.com"))),
        ),
        (
            "signup, taken email",
            202,
            Box::new(move |_| signup(DEMO_EMAIL.to_owned())),
        ),
    ];
    compare("mail request", &attempts).await;
}

/// Sends `ROUNDS` of each attempt, interleaved, after a warm-up, and prints
/// the table and each kind's distance from the first, pairwise for mail
/// requests (each known kind against the unknown one before it).
async fn compare(what: &str, attempts: &[Attempt<'_>]) {
    // Warm up: connections, caches, the blocking pool.
    for round in 0..10 {
        for (_, _, send) in attempts {
            send(ROUNDS + round).await;
        }
    }
    let mut samples: Vec<Vec<Duration>> = vec![Vec::new(); attempts.len()];
    for round in 0..ROUNDS {
        // Rotate which goes first, so drift hits all alike.
        for offset in 0..attempts.len() {
            let kind = (round + offset) % attempts.len();
            let (_, status, send) = &attempts[kind];
            let start = Instant::now();
            let reply = send(round).await;
            let elapsed = start.elapsed();
            assert_eq!(reply.status, *status, "{reply:?}");
            samples[kind].push(elapsed);
        }
    }
    let summaries: Vec<Summary> = samples.into_iter().map(Summary::of).collect();
    println!("| {what} ({ROUNDS} each, interleaved) | p10 | median | p90 | mean |");
    println!("|---|---|---|---|---|");
    for ((name, _, _), summary) in attempts.iter().zip(&summaries) {
        summary.row(name);
    }
    println!();
    let pairs: Vec<(usize, usize)> = if what == "login attempt" {
        (1..attempts.len()).map(|other| (0, other)).collect()
    } else {
        (0..attempts.len())
            .step_by(2)
            .map(|unknown| (unknown, unknown + 1))
            .collect()
    };
    for (base, other) in pairs {
        let (base_name, other_name) = (attempts[base].0, attempts[other].0);
        let (base, other) = (&summaries[base], &summaries[other]);
        let ratio = base.median.as_secs_f64() / other.median.as_secs_f64();
        let spread = (other.p90 - other.p10).as_secs_f64();
        let gap = (base.median.as_secs_f64() - other.median.as_secs_f64()).abs();
        println!(
            "{base_name} / {other_name}: median ratio {ratio:.3}, gap {:.2} ms against a p10-p90 spread of {:.2} ms: {}",
            gap * 1e3,
            spread * 1e3,
            if gap < spread / 2.0 {
                "within noise"
            } else {
                "DISTINGUISHABLE"
            }
        );
    }
}

struct Summary {
    p10: Duration,
    median: Duration,
    p90: Duration,
    mean: Duration,
}

impl Summary {
    fn of(mut samples: Vec<Duration>) -> Self {
        samples.sort();
        let at = |fraction: f64| samples[((samples.len() - 1) as f64 * fraction) as usize];
        let mean = samples.iter().sum::<Duration>() / samples.len() as u32;
        Self {
            p10: at(0.1),
            median: at(0.5),
            p90: at(0.9),
            mean,
        }
    }

    fn row(&self, name: &str) {
        let ms = |duration: Duration| format!("{:.2} ms", duration.as_secs_f64() * 1e3);
        println!(
            "| {name} | {} | {} | {} | {} |",
            ms(self.p10),
            ms(self.median),
            ms(self.p90),
            ms(self.mean)
        );
    }
}
