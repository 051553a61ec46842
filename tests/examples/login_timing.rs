//! Benchmark: does a login's answer time tell an unknown email from a known
//! one with a wrong password? Sends interleaved attempts of both kinds
//! through the real login handler against the local DynamoDB and prints
//! their latency distributions side by side.
//!
//! Run with `scripts/bench-login-timing` (it starts the local server).

use std::time::{Duration, Instant};

use serde_json::json;
use sessionless_tests::{Stack, event, with_body};

const ROUNDS: usize = 200;
const KNOWN_USERS: usize = 50;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // Locks would end the known users' attempts early; keep them off.
    let stack = Stack::with_env(&[("LOGIN_LOCK_AFTER", "100")]).await;
    for index in 0..KNOWN_USERS {
        stack
            .add_user(
                &format!("user{index}@example.com"),
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

    let (mut unknown, mut wrong_password) = (Vec::new(), Vec::new());
    for round in 0..ROUNDS {
        let requests = [
            (true, attempt(format!("nobody{round}@example.com"))),
            (
                false,
                attempt(format!("user{}@example.com", round % KNOWN_USERS)),
            ),
        ];
        // Alternate which goes first, so drift hits both alike.
        let order = if round % 2 == 0 { [0, 1] } else { [1, 0] };
        for index in order {
            let (is_unknown, request) = &requests[index];
            let start = Instant::now();
            let reply = stack.invoke(login::handle, request).await;
            let elapsed = start.elapsed();
            assert_eq!(reply.status, 401, "{reply:?}");
            if *is_unknown {
                unknown.push(elapsed);
            } else {
                wrong_password.push(elapsed);
            }
        }
    }

    let unknown = Summary::of(unknown);
    let wrong_password = Summary::of(wrong_password);
    println!("| login attempt ({ROUNDS} each, interleaved) | p10 | median | p90 | mean |");
    println!("|---|---|---|---|---|");
    unknown.row("unknown email");
    wrong_password.row("known email, wrong password");
    let ratio = unknown.median.as_secs_f64() / wrong_password.median.as_secs_f64();
    let spread = (wrong_password.p90 - wrong_password.p10).as_secs_f64();
    let gap = (unknown.median.as_secs_f64() - wrong_password.median.as_secs_f64()).abs();
    println!();
    println!("median ratio unknown / wrong password: {ratio:.3}");
    println!(
        "median gap {:.2} ms against a p10-p90 spread of {:.2} ms: {}",
        gap * 1e3,
        spread * 1e3,
        if gap < spread / 2.0 {
            "within noise"
        } else {
            "DISTINGUISHABLE"
        }
    );
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
