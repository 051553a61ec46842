//! Benchmark: does a login's answer time tell an unknown email from a known
//! one with a wrong password, or from one whose stored hash is below the
//! policy (after `ARGON2_*` rose)? Sends interleaved attempts of the three
//! kinds through the real login handler against the local DynamoDB and
//! prints their latency distributions side by side.
//!
//! Run with `scripts/bench-login-timing` (it starts the local server).

use std::time::{Duration, Instant};

use serde_json::json;
use sessionless_tests::{Stack, event, with_body};

const ROUNDS: usize = 200;
const KNOWN_USERS: usize = 50;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // Locks would end the known users' attempts early; keep them off. The
    // policy is one pass above OWASP's minimum, as after a deployment
    // raised ARGON2_ITERATIONS.
    let stack = Stack::with_env(&[("LOGIN_LOCK_AFTER", "100"), ("ARGON2_ITERATIONS", "3")]).await;
    // Accounts hashed before the rise: OWASP's minimum, two passes.
    let before_the_rise = stack.restarted_with(&[("ARGON2_ITERATIONS", "2")]).await;
    for index in 0..KNOWN_USERS {
        stack
            .add_user(
                &format!("user{index}@example.com"),
                "the-right-password",
                true,
            )
            .await;
        before_the_rise
            .add_user(
                &format!("old{index}@example.com"),
                "the-right-password",
                true,
            )
            .await;
    }
    let base = event("http-api/login-ok.json");
    let attempt = |email: String| {
        let body = json!({"email": email, "password": "a-wrong-password"}).to_string();
        with_body(&base, &body)
    };
    // Warm up: connections, caches, the blocking pool.
    for index in 0..10 {
        stack
            .invoke(
                login::handle,
                &attempt(format!("warmup{index}@example.com")),
            )
            .await;
    }

    // unknown email, wrong password, wrong password against an old hash
    let mut samples: [Vec<Duration>; 3] = Default::default();
    for round in 0..ROUNDS {
        let user = round % KNOWN_USERS;
        let requests = [
            attempt(format!("nobody{round}@example.com")),
            attempt(format!("user{user}@example.com")),
            attempt(format!("old{user}@example.com")),
        ];
        // Rotate which goes first, so drift hits all alike.
        for offset in 0..requests.len() {
            let kind = (round + offset) % requests.len();
            let start = Instant::now();
            let reply = stack.invoke(login::handle, &requests[kind]).await;
            let elapsed = start.elapsed();
            assert_eq!(reply.status, 401, "{reply:?}");
            samples[kind].push(elapsed);
        }
    }

    let [unknown, wrong_password, outdated] = samples.map(Summary::of);
    println!("| login attempt ({ROUNDS} each, interleaved) | p10 | median | p90 | mean |");
    println!("|---|---|---|---|---|");
    unknown.row("unknown email");
    wrong_password.row("known email, wrong password");
    outdated.row("known email, wrong password, hash below the policy");
    println!();
    for (name, other) in [
        ("wrong password", &wrong_password),
        ("wrong password, old hash", &outdated),
    ] {
        let ratio = unknown.median.as_secs_f64() / other.median.as_secs_f64();
        let spread = (other.p90 - other.p10).as_secs_f64();
        let gap = (unknown.median.as_secs_f64() - other.median.as_secs_f64()).abs();
        println!(
            "unknown / {name}: median ratio {ratio:.3}, gap {:.2} ms against a p10-p90 spread of {:.2} ms: {}",
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
