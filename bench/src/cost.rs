//! What Sessionless costs, from the measured figures and the prices in
//! `bench/prices.toml`: per call of each function, line by line, and per
//! monthly active user for a usage profile, in three ways of protecting a
//! team's routes, beside Amazon Cognito's tiers.

use std::path::Path;

use serde::Deserialize;

use crate::BenchError;
use crate::aws_calls::Calls;

/// The prices file, as `bench/prices.toml` has it.
#[derive(Debug, Clone, Deserialize)]
pub struct Prices {
    pub lambda: LambdaPrices,
    pub api_gateway: ApiGatewayPrices,
    pub dynamodb: DynamoDbPrices,
    pub kms: KmsPrices,
    pub sqs: SqsPrices,
    pub ses: SesPrices,
    pub cognito: CognitoPrices,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LambdaPrices {
    pub source: String,
    pub read: String,
    pub per_gb_second: f64,
    pub per_million_requests: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ApiGatewayPrices {
    pub source: String,
    pub read: String,
    pub http_api_per_million_requests: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DynamoDbPrices {
    pub source: String,
    pub read: String,
    pub per_million_write_units: f64,
    pub per_million_read_units: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct KmsPrices {
    pub source: String,
    pub read: String,
    pub rsa_2048_per_10k_requests: f64,
    pub ecc_per_10k_requests: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SqsPrices {
    pub source: String,
    pub read: String,
    pub per_million_requests: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SesPrices {
    pub source: String,
    pub read: String,
    pub per_thousand_emails: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CognitoPrices {
    pub source: String,
    pub read: String,
    pub lite: Vec<Tier>,
    pub essentials: Vec<Tier>,
}

/// One tier of a per-MAU price: MAU up to `up_to` (the last tier has no
/// bound) at `per_mau`.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Tier {
    pub up_to: Option<u64>,
    pub per_mau: f64,
}

impl Prices {
    /// Reads the prices file.
    ///
    /// # Errors
    ///
    /// When it cannot be read or is not a prices file.
    pub fn load(path: &Path) -> Result<Self, BenchError> {
        let text = std::fs::read_to_string(path)
            .map_err(|error| BenchError::new(format!("{path:?}: {error}")))?;
        toml::from_str(&text).map_err(|error| BenchError::new(format!("{path:?}: {error}")))
    }

    /// Each price's source and date, for the report.
    pub fn sources(&self) -> Vec<(&'static str, &str, &str)> {
        vec![
            ("Lambda", &self.lambda.source, &self.lambda.read),
            (
                "API Gateway",
                &self.api_gateway.source,
                &self.api_gateway.read,
            ),
            ("DynamoDB", &self.dynamodb.source, &self.dynamodb.read),
            ("KMS", &self.kms.source, &self.kms.read),
            ("SQS", &self.sqs.source, &self.sqs.read),
            ("SES", &self.ses.source, &self.ses.read),
            ("Cognito", &self.cognito.source, &self.cognito.read),
        ]
    }
}

/// What one call costs, in dollars, line by line.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CallCost {
    /// Lambda's duration: billed milliseconds at the function's memory.
    pub lambda_duration: f64,
    /// Lambda's per-request charge.
    pub lambda_request: f64,
    pub api_gateway: f64,
    pub dynamodb: f64,
    pub kms: f64,
    pub sqs: f64,
    pub ses: f64,
}

impl CallCost {
    pub fn total(&self) -> f64 {
        self.lambda_duration
            + self.lambda_request
            + self.api_gateway
            + self.dynamodb
            + self.kms
            + self.sqs
            + self.ses
    }

    /// This cost `times` over.
    pub fn times(&self, times: f64) -> Self {
        Self {
            lambda_duration: self.lambda_duration * times,
            lambda_request: self.lambda_request * times,
            api_gateway: self.api_gateway * times,
            dynamodb: self.dynamodb * times,
            kms: self.kms * times,
            sqs: self.sqs * times,
            ses: self.ses * times,
        }
    }

    /// This cost and `other`'s together.
    pub fn plus(&self, other: &Self) -> Self {
        Self {
            lambda_duration: self.lambda_duration + other.lambda_duration,
            lambda_request: self.lambda_request + other.lambda_request,
            api_gateway: self.api_gateway + other.api_gateway,
            dynamodb: self.dynamodb + other.dynamodb,
            kms: self.kms + other.kms,
            sqs: self.sqs + other.sqs,
            ses: self.ses + other.ses,
        }
    }

    /// The lines by name, for a table, and which one is largest.
    pub fn lines(&self) -> [(&'static str, f64); 7] {
        [
            ("Lambda duration", self.lambda_duration),
            ("Lambda requests", self.lambda_request),
            ("API Gateway", self.api_gateway),
            ("DynamoDB", self.dynamodb),
            ("KMS", self.kms),
            ("SQS", self.sqs),
            ("SES", self.ses),
        ]
    }

    /// The largest line, and its share of the total.
    pub fn largest_line(&self) -> (&'static str, f64) {
        let total = self.total();
        self.lines()
            .into_iter()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .map(|(name, cost)| (name, if total > 0.0 { cost / total } else { 0.0 }))
            .unwrap_or(("none", 0.0))
    }
}

/// One call of a function as it is billed.
#[derive(Debug, Clone)]
pub struct BilledCall<'a> {
    /// The function's MemorySize; 0 for a call that is no invocation of
    /// its own (a user loaded in a team's function, whose duration is
    /// `billed_ms` more).
    pub memory_mb: u64,
    /// Billed milliseconds per call.
    pub billed_ms: f64,
    /// Whether Lambda bills the call as a request of its own.
    pub invoked: bool,
    /// Whether it comes through API Gateway (an HTTP route); the
    /// authorizer's and a team's own route's request is the team's.
    pub via_api_gateway: bool,
    /// The AWS requests it makes, as counted.
    pub calls: &'a Calls,
    /// Requests the SQS event source makes for it (a receive and a
    /// delete per message), which no function makes itself.
    pub event_source_sqs_requests: u64,
    /// The size of the user item it reads and writes, in KB: DynamoDB
    /// bills a read per 4 KB (strongly consistent) and a write per 1 KB.
    pub item_kb: f64,
}

impl BilledCall<'_> {
    /// Its cost, line by line.
    pub fn cost(&self, prices: &Prices) -> CallCost {
        let gb = self.memory_mb as f64 / 1024.0;
        let reads = self.calls.of("dynamodb:GetItem") as f64 * (self.item_kb / 4.0).ceil();
        let writes = [
            "dynamodb:UpdateItem",
            "dynamodb:PutItem",
            "dynamodb:DeleteItem",
        ]
        .iter()
        .map(|call| self.calls.of(call))
        .sum::<u64>() as f64
            * self.item_kb.ceil();
        CallCost {
            lambda_duration: gb * self.billed_ms / 1000.0 * prices.lambda.per_gb_second,
            lambda_request: if self.invoked {
                prices.lambda.per_million_requests / 1e6
            } else {
                0.0
            },
            api_gateway: if self.via_api_gateway {
                prices.api_gateway.http_api_per_million_requests / 1e6
            } else {
                0.0
            },
            dynamodb: reads * prices.dynamodb.per_million_read_units / 1e6
                + writes * prices.dynamodb.per_million_write_units / 1e6,
            // The template's key is RSA_2048 (API Gateway's JWT authorizer
            // takes RSA alone).
            kms: self.calls.of("kms:Sign") as f64 * prices.kms.rsa_2048_per_10k_requests / 1e4,
            sqs: (self.calls.of_service("sqs") + self.event_source_sqs_requests) as f64
                * prices.sqs.per_million_requests
                / 1e6,
            ses: self.calls.of("ses:SendEmail") as f64 * prices.ses.per_thousand_emails / 1e3,
        }
    }
}

/// How often one monthly active user does each thing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    pub logins: f64,
    pub refreshes: f64,
    pub protected_calls: f64,
    pub resets: f64,
}

impl Default for Usage {
    /// The profile: 4 logins, 120 refreshes, 3,000 protected calls
    /// and 0.1 password resets a month.
    fn default() -> Self {
        Self {
            logins: 4.0,
            refreshes: 120.0,
            protected_calls: 3000.0,
            resets: 0.1,
        }
    }
}

/// How a team's routes check the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Protection {
    /// Our Lambda authorizer on every route: an invocation and a GetItem
    /// per call.
    LambdaAuthorizer,
    /// API Gateway's JWT authorizer: nothing per call, and no word of a
    /// logout until the access token expires.
    JwtAuthorizer,
    /// The user loaded in the team's own function (`CurrentUser`): a
    /// GetItem and its wait per call.
    InProcess,
}

impl Protection {
    pub const ALL: [Protection; 3] = [
        Protection::LambdaAuthorizer,
        Protection::JwtAuthorizer,
        Protection::InProcess,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Protection::LambdaAuthorizer => "Lambda authorizer",
            Protection::JwtAuthorizer => "JWT authorizer",
            Protection::InProcess => "in-process CurrentUser",
        }
    }
}

/// What each flow of the profile costs once.
#[derive(Debug, Clone, Copy)]
pub struct FlowCosts {
    pub login: CallCost,
    pub refresh: CallCost,
    /// A reset: the forgot request, the mail, and the reset itself.
    pub reset: CallCost,
    /// A protected call behind the Lambda authorizer.
    pub lambda_authorizer: CallCost,
    /// A protected call that loads the user in the team's function.
    pub in_process: CallCost,
}

impl FlowCosts {
    /// One MAU's month under `usage`, protected by `protection`, line by
    /// line: logins, refreshes, protected calls, resets.
    pub fn per_mau(&self, usage: &Usage, protection: Protection) -> [(&'static str, CallCost); 4] {
        let protected = match protection {
            Protection::LambdaAuthorizer => self.lambda_authorizer,
            Protection::JwtAuthorizer => CallCost::default(),
            Protection::InProcess => self.in_process,
        };
        [
            ("logins", self.login.times(usage.logins)),
            ("refreshes", self.refresh.times(usage.refreshes)),
            ("protected calls", protected.times(usage.protected_calls)),
            ("password resets", self.reset.times(usage.resets)),
        ]
    }

    /// One MAU's month, in all.
    pub fn per_mau_total(&self, usage: &Usage, protection: Protection) -> CallCost {
        self.per_mau(usage, protection)
            .iter()
            .fold(CallCost::default(), |sum, (_, cost)| sum.plus(cost))
    }
}

/// What a month of `mau` monthly active users costs under `tiers`.
pub fn tiered_monthly(tiers: &[Tier], mau: u64) -> f64 {
    let mut cost = 0.0;
    let mut counted = 0;
    for tier in tiers {
        let bound = tier.up_to.unwrap_or(u64::MAX);
        let in_tier = mau.min(bound).saturating_sub(counted);
        cost += in_tier as f64 * tier.per_mau;
        counted = counted.max(bound.min(mau));
        if counted >= mau {
            break;
        }
    }
    cost
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prices() -> Prices {
        Prices::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("prices.toml"))
            .expect("bench/prices.toml reads")
    }

    fn calls(text: &str) -> Calls {
        Calls::parse(text).expect("a list of calls")
    }

    /// A login at 1,024 MB billed 31 ms, through API Gateway, with a
    /// GetItem, two UpdateItems and a Sign, on an item under 1 KB:
    /// duration 1 GB × 0.031 s × 0.0000133334 = 4.133354e-7; request 2e-7;
    /// API Gateway 1e-6; DynamoDB 1 × 0.125e-6 + 2 × 0.625e-6 = 1.375e-6;
    /// KMS 0.03 / 1e4 = 3e-6. In all 5.9883354e-6.
    #[test]
    fn a_calls_cost_is_its_lines_from_the_prices() {
        let counted = calls("dynamodb:GetItem, 2 × dynamodb:UpdateItem, kms:Sign");
        let login = BilledCall {
            memory_mb: 1024,
            billed_ms: 31.0,
            invoked: true,
            via_api_gateway: true,
            calls: &counted,
            event_source_sqs_requests: 0,
            item_kb: 1.0,
        };
        let cost = login.cost(&prices());
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        assert!(close(cost.lambda_duration, 4.133354e-7), "{cost:?}");
        assert!(close(cost.lambda_request, 2e-7));
        assert!(close(cost.api_gateway, 1e-6));
        assert!(close(cost.dynamodb, 1.375e-6));
        assert!(close(cost.kms, 3e-6));
        assert!(close(cost.total(), 5.9883354e-6), "{}", cost.total());
        // An item of 1.5 KB: two write units per write, still one read.
        let bigger = BilledCall {
            item_kb: 1.5,
            ..login
        };
        assert!(close(
            bigger.cost(&prices()).dynamodb,
            0.125e-6 + 4.0 * 0.625e-6
        ));
    }

    /// The profile: 4 logins at $1e-5, 120 refreshes at $2e-6, 3,000
    /// protected calls at $3e-7 and 0.1 resets at $1e-4 make 4e-5 +
    /// 2.4e-4 + 9e-4 + 1e-5 = $1.19e-3 behind the Lambda authorizer, and
    /// $2.9e-4 behind the JWT authorizer.
    #[test]
    fn a_maus_month_is_the_profile_times_each_flow() {
        let only_lambda = |dollars: f64| CallCost {
            lambda_request: dollars,
            ..CallCost::default()
        };
        let flows = FlowCosts {
            login: only_lambda(1e-5),
            refresh: only_lambda(2e-6),
            reset: only_lambda(1e-4),
            lambda_authorizer: only_lambda(3e-7),
            in_process: only_lambda(1e-7),
        };
        let usage = Usage::default();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-12;
        let behind = |protection| flows.per_mau_total(&usage, protection).total();
        assert!(close(behind(Protection::LambdaAuthorizer), 1.19e-3));
        assert!(close(behind(Protection::JwtAuthorizer), 2.9e-4));
        assert!(close(behind(Protection::InProcess), 5.9e-4));
    }

    /// Cognito Lite at 100k MAU: 10k free, then 90k at $0.0055 = $495;
    /// at 1M, $495 + 900k × $0.0046 = $4,635. Essentials at 100k: 90k ×
    /// $0.015 = $1,350.
    #[test]
    fn cognito_bills_each_tier_at_its_own_price() {
        let prices = prices();
        let close = |a: f64, b: f64| (a - b).abs() < 1e-6;
        assert!(close(tiered_monthly(&prices.cognito.lite, 10_000), 0.0));
        assert!(close(tiered_monthly(&prices.cognito.lite, 100_000), 495.0));
        assert!(close(
            tiered_monthly(&prices.cognito.lite, 1_000_000),
            4_635.0
        ));
        assert!(close(
            tiered_monthly(&prices.cognito.essentials, 100_000),
            1_350.0
        ));
        assert!(close(tiered_monthly(&prices.cognito.lite, 0), 0.0));
    }
}
