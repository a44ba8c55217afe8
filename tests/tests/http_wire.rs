//! The demo behind a real `HttpServer` on a loopback port, spoken to in raw HTTP/1.1: what the
//! in-memory tests cannot show (several header lines and raw bytes as a client sends them, the
//! `date` header, framing).

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::web::{self, Bytes};
use actix_web::{HttpServer, rt};
use authz_tests::{
    BASIC, BEARER, Body, Credential, Expect, MALFORMED, Reply, Who, demo_app, insufficient_scope,
    invalid_request, invalid_token, ok, unauthorized,
};
use demo::State;

const TIMEOUT: Duration = Duration::from_secs(5);
/// No response of the demo comes near this; a longer one is a failure, not a reason to wait.
const MAX_RESPONSE: usize = 1 << 20;

/// The demo served on `127.0.0.1:0` by one worker on its own thread; stopped when dropped.
struct DemoServer {
    addr: SocketAddr,
    handle: Option<ServerHandle>,
    thread: Option<JoinHandle<std::io::Result<()>>>,
}

impl DemoServer {
    fn start() -> Self {
        let (started, addr_and_handle) = mpsc::channel();
        let thread = std::thread::spawn(move || {
            rt::System::new().block_on(async move {
                let state = web::Data::new(State::default());
                let server = HttpServer::new(move || demo_app(state.clone()))
                    .workers(1)
                    .disable_signals()
                    .shutdown_timeout(1)
                    .bind(("127.0.0.1", 0))?;
                let addr = server.addrs()[0];
                let server = server.run();
                started
                    .send((addr, server.handle()))
                    .expect("the test waits for the address");
                server.await
            })
        });
        let (addr, handle) = addr_and_handle
            .recv_timeout(Duration::from_secs(30))
            .expect("the server starts");
        Self {
            addr,
            handle: Some(handle),
            thread: Some(thread),
        }
    }

    /// Sends one request on a fresh connection and reads one response.
    fn exchange(&self, request: &[u8]) -> Reply {
        self.try_exchange(request, TIMEOUT)
            .unwrap_or_else(|error| panic!("no response within {TIMEOUT:?}: {error}"))
    }

    /// Sends `request` and reads until a whole `Content-Length`-framed response has arrived
    /// (without waiting for the server to close), or fails after `timeout` without progress.
    fn try_exchange(&self, request: &[u8], timeout: Duration) -> std::io::Result<Reply> {
        let mut stream = TcpStream::connect_timeout(&self.addr, timeout)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.set_write_timeout(Some(timeout))?;
        stream.write_all(request)?;
        let mut raw = Vec::new();
        let mut chunk = [0; 4096];
        while raw.len() < MAX_RESPONSE && !is_complete(&raw) {
            match stream.read(&mut chunk)? {
                0 => break,
                read => raw.extend_from_slice(&chunk[..read]),
            }
        }
        Ok(parse_response(&raw))
    }
}

/// Whether `raw` holds a head and as many body bytes as its `Content-Length` says.
fn is_complete(raw: &[u8]) -> bool {
    let Some(end_of_head) = raw.windows(4).position(|window| window == b"\r\n\r\n") else {
        return false;
    };
    let head = String::from_utf8_lossy(&raw[..end_of_head]).to_ascii_lowercase();
    let length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .and_then(|value| value.trim().parse::<usize>().ok());
    length.is_some_and(|length| raw.len() >= end_of_head + 4 + length)
}

impl Drop for DemoServer {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            rt::System::new().block_on(handle.stop(true));
        }
        if let Some(thread) = self.thread.take() {
            let served = thread.join().expect("the server thread does not panic");
            if !std::thread::panicking() {
                served.expect("the server stops cleanly");
            }
        }
    }
}

/// `GET <path>` with `Connection: close` and these extra header lines, raw bytes allowed.
fn get(path: &str, headers: &[(&str, &[u8])]) -> Vec<u8> {
    let mut request =
        format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n").into_bytes();
    for (name, value) in headers {
        request.extend_from_slice(name.as_bytes());
        request.extend_from_slice(b": ");
        request.extend_from_slice(value);
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"\r\n");
    request
}

/// A `Content-Length`-framed HTTP/1.1 response.
fn parse_response(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers in {:?}", String::from_utf8_lossy(raw)));
    let (head, body) = (&raw[..split], &raw[split + 4..]);
    let head = std::str::from_utf8(head).expect("the response head is text");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse::<u16>().ok())
        .and_then(|code| StatusCode::from_u16(code).ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?}"));
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line
            .split_once(':')
            .unwrap_or_else(|| panic!("bad header line {line:?}"));
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
            HeaderValue::from_str(value.trim()).expect("a header value"),
        );
    }
    let length: usize = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok()?.parse().ok())
        .unwrap_or_else(|| panic!("no Content-Length in {head:?}"));
    assert_eq!(
        body.len(),
        length,
        "the body is exactly Content-Length long"
    );
    Reply {
        status,
        headers,
        body: Bytes::copy_from_slice(body),
    }
}

/// `reply` without the headers that only a real server adds, to check it like an in-memory one.
fn without_transport_headers(mut reply: Reply) -> Reply {
    assert!(
        reply.headers.contains_key(header::DATE),
        "a server response has a date"
    );
    for name in [header::DATE, header::CONTENT_LENGTH, header::CONNECTION] {
        reply.headers.remove(name);
    }
    reply
}

#[test]
fn the_contract_holds_over_the_wire() {
    let server = DemoServer::start();
    let alice = Credential::basic("alice", "wonderland");
    let token = Who::AdminToken
        .credential()
        .expect("the admin token is a credential");
    let cases: Vec<(&str, Vec<u8>, Expect, Vec<String>)> = vec![
        ("anonymous", get("/admin", &[]), unauthorized(), Vec::new()),
        (
            "valid Basic",
            get("/admin", &[("Authorization", alice.header.as_bytes())]),
            ok(Body::Text("admin area")),
            alice.secrets.clone(),
        ),
        (
            "valid Bearer, lowercase header name",
            get("/admin", &[("authorization", token.header.as_bytes())]),
            ok(Body::Text("admin area")),
            token.secrets.clone(),
        ),
        (
            "two Authorization lines",
            get(
                "/admin",
                &[
                    ("Authorization", alice.header.as_bytes()),
                    ("Authorization", token.header.as_bytes()),
                ],
            ),
            invalid_request(),
            [alice.secrets.clone(), token.secrets.clone()].concat(),
        ),
        (
            "non-UTF-8 token",
            get("/admin", &[("Authorization", b"Bearer \xff\xfe\xc3\x28")]),
            invalid_token(MALFORMED),
            Vec::new(),
        ),
        (
            "non-UTF-8 scheme",
            get("/admin", &[("Authorization", b"\xc3\xa9Bearer x")]),
            unauthorized(),
            Vec::new(),
        ),
        (
            "empty value",
            get("/admin", &[("Authorization", b"")]),
            unauthorized(),
            Vec::new(),
        ),
    ];
    for (name, request, expect, secrets) in cases {
        let reply = without_transport_headers(server.exchange(&request));
        reply.assert(&expect, &secrets, &name);
    }
    let anonymous = server.exchange(&get("/admin", &[]));
    assert_eq!(
        anonymous.challenges(),
        [BEARER, BASIC],
        "two WWW-Authenticate lines on the wire"
    );
}

#[test]
fn wrong_user_and_wrong_password_are_byte_identical_over_the_wire() {
    let server = DemoServer::start();
    let replies: Vec<(Reply, Vec<String>)> = [
        Credential::basic("mallory", "wonderland"),
        Credential::basic("alice", "wonderlanX"),
    ]
    .into_iter()
    .map(|credential| {
        let request = get("/admin", &[("Authorization", credential.header.as_bytes())]);
        (server.exchange(&request), credential.secrets)
    })
    .collect();
    let [(wrong_user, _), (wrong_password, _)] = replies.as_slice() else {
        unreachable!()
    };
    let without_date = |reply: &Reply| {
        let mut headers: Vec<(String, Vec<u8>)> = reply
            .headers
            .iter()
            .filter(|(name, _)| **name != header::DATE)
            .map(|(name, value)| (name.to_string(), value.as_bytes().to_vec()))
            .collect();
        headers.sort();
        (reply.status, headers, reply.body.clone())
    };
    assert_eq!(without_date(wrong_user), without_date(wrong_password));
    for (reply, secrets) in replies {
        without_transport_headers(reply).assert(&unauthorized(), &secrets, &"wrong Basic");
    }
}

/// `POST /articles` announcing a 1000-byte JSON body and sending one byte of it.
fn post_with_unsent_body(authorization: Option<&Credential>) -> Vec<u8> {
    let mut request = b"POST /articles HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
        Content-Type: application/json\r\nContent-Length: 1000\r\n"
        .to_vec();
    if let Some(credential) = authorization {
        request.extend_from_slice(b"Authorization: ");
        request.extend_from_slice(credential.header.as_bytes());
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"\r\n{");
    request
}

#[test]
fn a_refusal_does_not_wait_for_the_body() {
    let server = DemoServer::start();
    let reader = Who::ReaderToken.credential().expect("a token");
    let cases = [
        (None, unauthorized(), Vec::new()),
        (
            Some(&reader),
            insufficient_scope(Some("articles:write")),
            reader.secrets.clone(),
        ),
    ];
    for (credential, expect, secrets) in cases {
        let reply = server.exchange(&post_with_unsent_body(credential));
        without_transport_headers(reply).assert(&expect, &secrets, &"body never sent");
    }
    // A caller who passes the check does get its body read, and so waits for it: the probe above
    // tells the two apart.
    let writer = Who::WriterToken.credential().expect("a token");
    let waiting = server.try_exchange(
        &post_with_unsent_body(Some(&writer)),
        Duration::from_secs(1),
    );
    let error = waiting.expect_err("the handler's JSON extractor waits for the announced body");
    assert!(
        matches!(
            error.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
        "{error}"
    );
}
