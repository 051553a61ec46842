//! A stand-in for DynamoDB that misbehaves on demand: it hangs, throttles,
//! fails with 500, holds back the answer to a write it passed on, or
//! forwards to the real local server. Plain threads and std sockets, so it
//! runs beside any test runtime.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::thread;

/// What the server does with each request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Fault {
    /// Accepts the connection and never answers.
    Hang,
    /// `400 ThrottlingException`, as DynamoDB says when over capacity.
    Throttle,
    /// `500 InternalServerError`.
    ServerError,
    /// Passes the request on to the real server: DynamoDB is back.
    Forward,
    /// Forwards everything, but holds back the answer to the first
    /// UpdateItem whose body holds the marker given to
    /// [`FaultServer::losing_answer`] for [`LOST_ANSWER_DELAY`]: the write
    /// lands, and a client whose attempt timeout is shorter retries it, as
    /// if the answer had been lost. Then it forwards like [`Fault::Forward`].
    LoseFirstUpdateAnswer,
}

/// How long [`Fault::LoseFirstUpdateAnswer`] holds the answer back.
pub const LOST_ANSWER_DELAY: std::time::Duration = std::time::Duration::from_millis(1_500);

/// The running server; it lives until the test process ends.
pub struct FaultServer {
    address: SocketAddr,
    fault: Arc<AtomicU8>,
}

impl FaultServer {
    /// Listens on a free loopback port; `Forward` goes to `upstream`.
    pub fn start(fault: Fault, upstream: SocketAddr) -> Self {
        Self::serving(fault, upstream, String::new())
    }

    /// [`Fault::LoseFirstUpdateAnswer`] for the first UpdateItem whose body
    /// holds `marker`, such as a part of its update expression.
    pub fn losing_answer(upstream: SocketAddr, marker: &str) -> Self {
        Self::serving(Fault::LoseFirstUpdateAnswer, upstream, marker.to_owned())
    }

    fn serving(fault: Fault, upstream: SocketAddr, marker: String) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let address = listener.local_addr().expect("address");
        let shared = Arc::new(AtomicU8::new(fault as u8));
        let mode = shared.clone();
        let marker = Arc::new(marker);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (mode, marker) = (mode.clone(), marker.clone());
                thread::spawn(move || serve(stream, &mode, upstream, &marker));
            }
        });
        Self {
            address,
            fault: shared,
        }
    }

    pub fn endpoint(&self) -> String {
        format!("http://{}", self.address)
    }

    pub fn set(&self, fault: Fault) {
        self.fault.store(fault as u8, Ordering::SeqCst);
    }
}

fn current(mode: &AtomicU8) -> Fault {
    match mode.load(Ordering::SeqCst) {
        0 => Fault::Hang,
        1 => Fault::Throttle,
        2 => Fault::ServerError,
        4 => Fault::LoseFirstUpdateAnswer,
        _ => Fault::Forward,
    }
}

/// Serves one connection, request by request, until the client leaves.
fn serve(stream: TcpStream, mode: &AtomicU8, upstream: SocketAddr, marker: &str) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut client = stream;
    while let Some(request) = read_request(&mut reader) {
        let fault = current(mode);
        let response = match fault {
            Fault::Hang => {
                // Hold the connection open, answering nothing, for good.
                loop {
                    thread::park();
                }
            }
            Fault::Throttle => canned(
                400,
                "com.amazonaws.dynamodb.v20120810#ThrottlingException",
                "Rate of requests exceeds the allowed throughput.",
            ),
            Fault::ServerError => canned(
                500,
                "com.amazonaws.dynamodb.v20120810#InternalServerError",
                "Internal server error",
            ),
            Fault::Forward => match forward(&request, upstream) {
                Some(response) => response,
                None => return,
            },
            Fault::LoseFirstUpdateAnswer => {
                let Some(response) = forward(&request, upstream) else {
                    return;
                };
                let marked = String::from_utf8_lossy(&request).contains(marker);
                if is_update_item(&request)
                    && marked
                    && mode
                        .compare_exchange(
                            Fault::LoseFirstUpdateAnswer as u8,
                            Fault::Forward as u8,
                            Ordering::SeqCst,
                            Ordering::SeqCst,
                        )
                        .is_ok()
                {
                    // Only the first: every later request is forwarded.
                    thread::sleep(LOST_ANSWER_DELAY);
                }
                response
            }
        };
        if client.write_all(&response).is_err()
            || matches!(fault, Fault::Forward | Fault::LoseFirstUpdateAnswer)
        {
            // Forwarded answers carry `Connection: close`.
            return;
        }
    }
}

/// True for a DynamoDB UpdateItem request (`X-Amz-Target: ...UpdateItem`).
fn is_update_item(request: &[u8]) -> bool {
    String::from_utf8_lossy(request)
        .lines()
        .take_while(|line| !line.is_empty())
        .any(|line| {
            line.split_once(':').is_some_and(|(name, value)| {
                name.eq_ignore_ascii_case("x-amz-target") && value.trim().ends_with(".UpdateItem")
            })
        })
}

/// One HTTP/1.1 request: head and body by Content-Length. None at EOF.
fn read_request(reader: &mut BufReader<TcpStream>) -> Option<Vec<u8>> {
    let mut head = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().ok()?;
        }
        let end = line == "\r\n";
        head.extend_from_slice(line.as_bytes());
        if end {
            break;
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body).ok()?;
    head.extend_from_slice(&body);
    Some(head)
}

fn canned(status: u16, error_type: &str, message: &str) -> Vec<u8> {
    let body = format!(r#"{{"__type":"{error_type}","message":"{message}"}}"#);
    format!(
        "HTTP/1.1 {status} Fault\r\ncontent-type: application/x-amz-json-1.0\r\n\
         x-amzn-requestid: fault-server\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

/// Sends the request to the real server with `Connection: close`, so its
/// whole answer is everything until EOF.
fn forward(request: &[u8], upstream: SocketAddr) -> Option<Vec<u8>> {
    let split = request
        .windows(4)
        .position(|window| window == b"\r\n\r\n")?;
    let (head, rest) = request.split_at(split);
    let mut upstream = TcpStream::connect(upstream).ok()?;
    upstream.write_all(head).ok()?;
    upstream.write_all(b"\r\nconnection: close").ok()?;
    upstream.write_all(rest).ok()?;
    let mut response = Vec::new();
    upstream.read_to_end(&mut response).ok()?;
    Some(response)
}
