//! Counting the AWS requests a function makes: a proxy of its own in front
//! of the local AWS endpoint, which forwards every request as it is and
//! counts it by service and operation. Each function's doc comment states
//! the calls its benched request makes (`//! AWS calls: …`); the bench
//! compares the two, so the per-call targets and the cost use what was
//! counted, never what was declared.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use tiny_http::{Header, Response, Server};

use crate::BenchError;

/// The environment variables that point the SDK at the local endpoint.
pub const ENDPOINT_VARIABLES: [&str; 5] = [
    "AWS_ENDPOINT_URL_DYNAMODB",
    "AWS_ENDPOINT_URL_SECRETS_MANAGER",
    "AWS_ENDPOINT_URL_KMS",
    "AWS_ENDPOINT_URL_SQS",
    "AWS_ENDPOINT_URL_SESV2",
];

/// What the doc comment line that states a function's calls starts with.
const DOC_MARKER: &str = "//! AWS calls:";

/// AWS requests by `service:Operation`, e.g. `dynamodb:GetItem`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Calls(pub BTreeMap<String, u64>);

impl Calls {
    /// Every request, whatever its service.
    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }

    /// The requests of one `service:Operation`.
    pub fn of(&self, call: &str) -> u64 {
        self.0.get(call).copied().unwrap_or(0)
    }

    /// The requests of a service, whatever the operation.
    pub fn of_service(&self, service: &str) -> u64 {
        self.0
            .iter()
            .filter(|(call, _)| call.split(':').next() == Some(service))
            .map(|(_, count)| count)
            .sum()
    }

    fn minus(&self, before: &Calls) -> Calls {
        Calls(
            self.0
                .iter()
                .filter_map(|(call, count)| {
                    let new = count - before.0.get(call).copied().unwrap_or(0);
                    (new > 0).then(|| (call.clone(), new))
                })
                .collect(),
        )
    }

    /// Reads a stated list: `dynamodb:GetItem, 2 × dynamodb:UpdateItem`,
    /// or `none`.
    ///
    /// # Errors
    ///
    /// A message naming what is not `[N ×] service:Operation`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim().trim_end_matches('.');
        let mut calls = BTreeMap::new();
        if text == "none" {
            return Ok(Self(calls));
        }
        for item in text.split(',') {
            let item = item.trim().trim_matches('`');
            let (count, call) = match item.split_once('×') {
                Some((count, call)) => (
                    count
                        .trim()
                        .parse::<u64>()
                        .map_err(|_| format!("{item:?}: not `N × service:Operation`"))?,
                    call.trim().trim_matches('`'),
                ),
                None => (1, item),
            };
            if !call.contains(':') || call.contains(' ') {
                return Err(format!("{item:?}: not `service:Operation`"));
            }
            *calls.entry(call.to_owned()).or_insert(0) += count;
        }
        Ok(Self(calls))
    }

    /// The calls a function's source states: the `//! AWS calls:` line of
    /// its crate's `src/lib.rs` (or `src/main.rs`, for a floor), under
    /// `crate_dir`.
    ///
    /// # Errors
    ///
    /// When the source has no such line, or it does not read.
    pub fn stated(crate_dir: &Path) -> Result<Self, BenchError> {
        for file in ["src/lib.rs", "src/main.rs"] {
            let path = crate_dir.join(file);
            let Ok(source) = std::fs::read_to_string(&path) else {
                continue;
            };
            if let Some(line) = source
                .lines()
                .find_map(|line| line.strip_prefix(DOC_MARKER))
            {
                return Self::parse(line)
                    .map_err(|error| BenchError::new(format!("{path:?}: {error}")));
            }
        }
        Err(BenchError::new(format!(
            "{crate_dir:?} states no `{DOC_MARKER}` line in its crate docs"
        )))
    }
}

impl fmt::Display for Calls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            return f.write_str("none");
        }
        let items: Vec<String> = self
            .0
            .iter()
            .map(|(call, count)| match count {
                1 => call.clone(),
                count => format!("{count} × {call}"),
            })
            .collect();
        f.write_str(&items.join(", "))
    }
}

/// A counting proxy in front of `upstream`, serving on a port of its own
/// until dropped.
pub struct CountingProxy {
    address: String,
    counts: Arc<Mutex<Calls>>,
    server: Arc<Server>,
    thread: Option<JoinHandle<()>>,
}

impl CountingProxy {
    /// Starts forwarding to `upstream` (`http://host:port`).
    ///
    /// # Errors
    ///
    /// When no local port can be had.
    pub fn start(upstream: &str) -> Result<Self, BenchError> {
        let server = Arc::new(
            Server::http("127.0.0.1:0")
                .map_err(|error| BenchError::new(format!("counting proxy: {error}")))?,
        );
        let address = format!(
            "http://{}",
            server
                .server_addr()
                .to_ip()
                .ok_or_else(|| BenchError::new("counting proxy: no IP address"))?
        );
        let counts = Arc::new(Mutex::new(Calls::default()));
        let thread = {
            let (server, counts, upstream) = (server.clone(), counts.clone(), upstream.to_owned());
            std::thread::spawn(move || forward_all(&server, &counts, &upstream))
        };
        Ok(Self {
            address,
            counts,
            server,
            thread: Some(thread),
        })
    }

    /// The environment that points a function's SDK at this proxy.
    pub fn env(&self) -> Vec<(String, String)> {
        ENDPOINT_VARIABLES
            .iter()
            .map(|name| ((*name).to_owned(), self.address.clone()))
            .collect()
    }

    /// Every request counted so far.
    pub fn counted(&self) -> Calls {
        self.counts
            .lock()
            .map(|calls| calls.clone())
            .unwrap_or_default()
    }

    /// The requests counted since `before`.
    pub fn since(&self, before: &Calls) -> Calls {
        self.counted().minus(before)
    }
}

impl Drop for CountingProxy {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn forward_all(server: &Server, counts: &Mutex<Calls>, upstream: &str) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    for mut request in server.incoming_requests() {
        let call = classify(&request);
        if let Ok(mut counts) = counts.lock() {
            *counts.0.entry(call).or_insert(0) += 1;
        }
        let mut body = Vec::new();
        let _ = request.as_reader().read_to_end(&mut body);
        let answer = forward(&agent, upstream, &request, body).unwrap_or_else(|error| {
            Response::from_string(format!("counting proxy: {error}")).with_status_code(502)
        });
        let _ = request.respond(answer);
    }
}

/// The `service:Operation` of a request: the service from its SigV4
/// credential scope, the operation from `X-Amz-Target` (the JSON
/// protocols) or, for SES v2's REST protocol, from the path.
fn classify(request: &tiny_http::Request) -> String {
    let header = |name: &'static str| {
        request
            .headers()
            .iter()
            .find(|header| header.field.equiv(name))
            .map(|header| header.value.as_str().to_owned())
    };
    let service = header("Authorization")
        .and_then(|authorization| {
            let scope = authorization.split("Credential=").nth(1)?;
            scope.split('/').nth(3).map(str::to_owned)
        })
        .unwrap_or_else(|| "unsigned".to_owned());
    let operation = match header("X-Amz-Target") {
        Some(target) => target.rsplit('.').next().unwrap_or_default().to_owned(),
        None if request.url().starts_with("/v2/email/outbound-emails") => "SendEmail".to_owned(),
        None => format!("{} {}", request.method(), request.url()),
    };
    format!("{service}:{operation}")
}

fn forward(
    agent: &ureq::Agent,
    upstream: &str,
    request: &tiny_http::Request,
    body: Vec<u8>,
) -> Result<Response<std::io::Cursor<Vec<u8>>>, String> {
    let mut builder = ureq::http::Request::builder()
        .method(request.method().as_str())
        .uri(format!("{upstream}{}", request.url()));
    for header in request.headers() {
        let name = header.field.as_str().as_str();
        if !["host", "content-length", "connection", "transfer-encoding"]
            .iter()
            .any(|skipped| name.eq_ignore_ascii_case(skipped))
        {
            builder = builder.header(name, header.value.as_str());
        }
    }
    let forwarded = builder.body(body).map_err(|error| error.to_string())?;
    let response = agent.run(forwarded).map_err(|error| error.to_string())?;
    let status = response.status().as_u16();
    let headers: Vec<Header> = response
        .headers()
        .iter()
        .filter(|(name, _)| {
            !["content-length", "connection", "transfer-encoding"].contains(&name.as_str())
        })
        .filter_map(|(name, value)| Header::from_bytes(name.as_str(), value.as_bytes()).ok())
        .collect();
    let body = response
        .into_body()
        .read_to_vec()
        .map_err(|error| error.to_string())?;
    let mut answer = Response::from_data(body).with_status_code(status);
    for header in headers {
        answer.add_header(header);
    }
    Ok(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_stated_list_reads_as_counts_by_call() {
        let calls = Calls::parse("`dynamodb:GetItem`, 2 × `dynamodb:UpdateItem`, kms:Sign.")
            .expect("reads");
        assert_eq!(calls.of("dynamodb:GetItem"), 1);
        assert_eq!(calls.of("dynamodb:UpdateItem"), 2);
        assert_eq!(calls.of_service("dynamodb"), 3);
        assert_eq!(calls.total(), 4);
        assert_eq!(
            calls.to_string(),
            "dynamodb:GetItem, 2 × dynamodb:UpdateItem, kms:Sign"
        );
        assert_eq!(Calls::parse(" none.").expect("reads").total(), 0);
        assert!(Calls::parse("GetItem").is_err());
        assert!(Calls::parse("x × dynamodb:GetItem").is_err());
    }
}
