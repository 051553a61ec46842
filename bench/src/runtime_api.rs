//! A local Lambda Runtime API: the three calls a function makes to the
//! Lambda service, served so that the bench sees exactly when the function
//! asks for work and when it answers.
//!
//! <https://docs.aws.amazon.com/lambda/latest/dg/runtimes-api.html>

use std::net::TcpListener;
use std::os::fd::AsRawFd;
use std::time::{Duration, Instant};

use serde_json::Value;
use tiny_http::{Header, Request, Response, Server};

use crate::BenchError;

const NEXT_PATH: &str = "/2018-06-01/runtime/invocation/next";
const INVOCATION_PREFIX: &str = "/2018-06-01/runtime/invocation/";
const INIT_ERROR_PATH: &str = "/2018-06-01/runtime/init/error";

pub struct RuntimeApi {
    server: Server,
    address: String,
}

/// A function blocked in `GET …/invocation/next`, waiting for an event.
pub struct WaitingFunction {
    request: Request,
    /// When the call arrived.
    pub arrived: Instant,
}

impl RuntimeApi {
    pub fn start() -> Result<Self, BenchError> {
        let failed =
            |error: &dyn std::fmt::Display| BenchError::new(format!("runtime API: {error}"));
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|error| failed(&error))?;
        set_nodelay(&listener).map_err(|error| failed(&error))?;
        let server = Server::from_listener(listener, None).map_err(|error| failed(&error))?;
        let address = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| BenchError::new("runtime API: no TCP address"))?
            .to_string();
        Ok(Self { server, address })
    }

    /// The value for `AWS_LAMBDA_RUNTIME_API`.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Waits until the function asks for its next event.
    pub fn wait_for_next(&self, timeout: Duration) -> Result<WaitingFunction, BenchError> {
        let request = self.receive(timeout)?;
        let arrived = Instant::now();
        if request.url() == NEXT_PATH {
            Ok(WaitingFunction { request, arrived })
        } else {
            Err(self.unexpected(request, "a call for the next event"))
        }
    }

    /// Hands `event` to the waiting function; returns when it was sent.
    pub fn invoke(&self, waiting: WaitingFunction, request_id: &str, event: &Value) -> Instant {
        let deadline_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |now| now.as_millis() + 30_000);
        let response = Response::from_string(event.to_string())
            .with_header(header("Content-Type", "application/json"))
            .with_header(header("Lambda-Runtime-Aws-Request-Id", request_id))
            .with_header(header(
                "Lambda-Runtime-Deadline-Ms",
                &deadline_ms.to_string(),
            ))
            .with_header(header(
                "Lambda-Runtime-Invoked-Function-Arn",
                "arn:aws:lambda:us-east-1:123456789012:function:bench",
            ))
            .with_header(header(
                "Lambda-Runtime-Trace-Id",
                "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0",
            ));
        let sent = Instant::now();
        // A function that hung up shows as a missing response next.
        let _ = waiting.request.respond(response);
        sent
    }

    /// Waits for the function's answer to `request_id`: the response it
    /// posted, and when it arrived.
    pub fn wait_for_response(
        &self,
        request_id: &str,
        timeout: Duration,
    ) -> Result<(Value, Instant), BenchError> {
        let mut request = self.receive(timeout)?;
        let arrived = Instant::now();
        let response_path = format!("{INVOCATION_PREFIX}{request_id}/response");
        if request.url() != response_path {
            return Err(self.unexpected(request, "the invocation's response"));
        }
        let mut body = String::new();
        request
            .as_reader()
            .read_to_string(&mut body)
            .map_err(|error| BenchError::new(format!("reading the response: {error}")))?;
        let _ = request.respond(Response::empty(202));
        let value = serde_json::from_str(&body)
            .map_err(|error| BenchError::new(format!("response is not JSON ({error}): {body}")))?;
        Ok((value, arrived))
    }

    fn receive(&self, timeout: Duration) -> Result<Request, BenchError> {
        match self.server.recv_timeout(timeout) {
            Ok(Some(request)) => Ok(request),
            Ok(None) => Err(BenchError::new(format!(
                "the function made no call to the runtime API within {timeout:?}"
            ))),
            Err(error) => Err(BenchError::new(format!("runtime API: {error}"))),
        }
    }

    /// Reads what the function sent instead, answers it, and describes it.
    fn unexpected(&self, mut request: Request, expected: &str) -> BenchError {
        let url = request.url().to_owned();
        let mut body = String::new();
        let _ = request.as_reader().read_to_string(&mut body);
        let what = if url == INIT_ERROR_PATH {
            "an init error".to_owned()
        } else if url.ends_with("/error") {
            "an invocation error".to_owned()
        } else {
            format!("{} {url}", request.method())
        };
        let _ = request.respond(Response::empty(202));
        BenchError::new(format!("expected {expected}, got {what}: {body}"))
    }
}

/// Sets TCP_NODELAY on the listener, which Linux passes on to the sockets
/// it accepts. Without it, tiny_http's response headers and body leave in two
/// segments, and the second waits out the client's 40 ms delayed ACK: a
/// delay the real Runtime API does not have.
fn set_nodelay(listener: &TcpListener) -> std::io::Result<()> {
    let enable: libc::c_int = 1;
    // SAFETY: a valid socket, and a pointer to an int of the given length.
    let status = unsafe {
        libc::setsockopt(
            listener.as_raw_fd(),
            libc::IPPROTO_TCP,
            libc::TCP_NODELAY,
            std::ptr::from_ref(&enable).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        )
    };
    if status == 0 {
        Ok(())
    } else {
        Err(std::io::Error::last_os_error())
    }
}

fn header(name: &str, value: &str) -> Header {
    Header::from_bytes(name.as_bytes(), value.as_bytes())
        .expect("runtime API headers are ASCII constants and digits")
}
