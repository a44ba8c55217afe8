//! Load and fault test of the demo: a real `HttpServer` on 127.0.0.1, many keep-alive
//! connections sending a fixed mix of anonymous, malformed, invalid, insufficient and
//! sufficient credentials to every route, plus injected authenticator faults; every response's
//! status is checked against [`expected_status`], the handlers with a visible effect are
//! counted, and the process's resident memory is read before and after.
//!
//! `cargo run -p loadcheck --release -- --requests 100000 --connections 64` runs it at full
//! size; `tests/ci.rs` runs it at CI size. Loopback only, bounded in requests and time.
//!
//! The faults come from an authenticator asked before the demo's own, reacting to an
//! `x-fault` header: `error` (backend unavailable: 503), `panic` (500, and the server goes on
//! serving), `slow` (sleeps far beyond [`Options::fault_timeout`]: 503). A slow request that
//! the limit failed to cut would come back as an admin and be granted: a misclassification.

use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Once, mpsc};
use std::time::{Duration, Instant};

use actix_authz::{AuthzConfig, FnAuthenticator, JwtAuthenticator, Outcome, Principal};
use actix_web::dev::ServerHandle;
use actix_web::http::Method;
use actix_web::{App, HttpRequest, HttpServer, rt, web};
use authz_tests::{SECRET, Who};
use demo::{State, TokenSpec};
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _, BufReader};
use tokio::net::TcpStream;

/// The message of the injected panics, recognised (and silenced) by the panic hook.
const INJECTED_PANIC: &str = "loadcheck: injected authenticator panic";

/// What a run does.
#[derive(Debug, Clone)]
pub struct Options {
    /// Requests of the measured phase.
    pub requests: usize,
    /// Concurrent keep-alive connections.
    pub connections: usize,
    /// Server workers.
    pub workers: usize,
    /// Requests of the warm-up phase, before the first memory reading.
    pub warmup: usize,
    /// `AuthzConfig::timeout` of the app: how long the slow fault may take.
    pub fault_timeout: Duration,
    /// How long a `slow` fault sleeps: far beyond the timeout.
    pub slow_fault: Duration,
    /// Longest wait for one response; longer is counted as a misclassification.
    pub response_timeout: Duration,
    /// The whole run stops after this, whatever is left.
    pub deadline: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            requests: 100_000,
            connections: 64,
            workers: 2,
            warmup: 10_000,
            fault_timeout: Duration::from_millis(50),
            slow_fault: Duration::from_secs(3),
            response_timeout: Duration::from_secs(10),
            deadline: Duration::from_secs(600),
        }
    }
}

/// Most KiB the resident set may grow by during the measured phase, at any request count:
/// the demo's article store and the server's buffers settle in the warm-up, so a steady state
/// stays well inside it, while a leak of even 64 bytes per request over 100,000 requests
/// exceeds it.
pub const RSS_GROWTH_BOUND_KIB: i64 = 6 * 1024;

/// The demo's routes, each with one well-formed request: the table of the demo's tests.
pub use authz_tests::DemoRoute as Route;

/// The status of a granted request to `route`.
fn success(route: Route) -> u16 {
    match route {
        Route::DeletePost => 204,
        Route::CreateArticle => 201,
        _ => 200,
    }
}

fn is_public(route: Route) -> bool {
    matches!(
        route,
        Route::Health | Route::Counter | Route::OpenApi | Route::StaffStatus
    )
}

/// What a request carries in `Authorization`: what one of the identity classes of the demo's
/// behaviour table in `authz-tests` sends, or a credential that the table leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Cred {
    /// What the identity class sends ([`Who::credential`]): nothing for [`Who::Anonymous`].
    Who(Who),
    /// Two `Authorization` headers (400).
    TwoHeaders,
    /// `Bearer` and no token.
    EmptyBearer,
    /// A Bearer value that is no `b64token`.
    GarbageBearer,
    /// Basic credentials that are not base64.
    UndecodableBasic,
    /// An admin token that expired an hour ago.
    ExpiredToken,
}

impl Cred {
    /// All of them.
    pub fn all() -> impl Iterator<Item = Self> {
        [
            Self::TwoHeaders,
            Self::EmptyBearer,
            Self::GarbageBearer,
            Self::UndecodableBasic,
            Self::ExpiredToken,
        ]
        .into_iter()
        .chain(Who::ALL.into_iter().map(Self::Who))
    }

    /// The identity class, for a credential that is a valid identity of the demo.
    fn identity(self) -> Option<Who> {
        match self {
            Self::Who(Who::Anonymous | Who::ForgedToken | Who::WrongPassword) => None,
            Self::Who(who) => Some(who),
            _ => None,
        }
    }

    /// The `Authorization` header lines.
    fn headers(self) -> Vec<String> {
        match self {
            Self::Who(who) => who
                .credential()
                .into_iter()
                .map(|credential| {
                    let header = credential.header.to_str();
                    header.expect("a visible ASCII credential").to_owned()
                })
                .collect(),
            Self::TwoHeaders => [Who::Alice, Who::AdminToken]
                .into_iter()
                .flat_map(|who| Self::Who(who).headers())
                .collect(),
            Self::EmptyBearer => vec!["Bearer".to_owned()],
            Self::GarbageBearer => vec!["Bearer not a token".to_owned()],
            Self::UndecodableBasic => vec!["Basic !!!!".to_owned()],
            Self::ExpiredToken => {
                let spec = TokenSpec {
                    sub: "ada".to_owned(),
                    roles: vec!["admin".to_owned()],
                    permissions: Vec::new(),
                    scope: None,
                    ttl: -3600,
                    not_before: None,
                };
                vec![format!("Bearer {}", demo::sign_token(SECRET, &spec))]
            }
        }
    }
}

/// An injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Fault {
    /// None: the demo's authenticators decide.
    None,
    /// The backend is unavailable (503).
    Error,
    /// The authenticator panics (500).
    Panic,
    /// The authenticator outlives the timeout (503).
    Slow,
}

impl Fault {
    /// All of them.
    pub const ALL: [Self; 4] = [Self::None, Self::Error, Self::Panic, Self::Slow];

    fn header(self) -> Option<&'static str> {
        match self {
            Self::None => None,
            Self::Error => Some("error"),
            Self::Panic => Some("panic"),
            Self::Slow => Some("slow"),
        }
    }
}

/// Whether the demo lets `cred` through `route`, as its attributes declare.
fn allowed(route: Route, cred: Cred) -> bool {
    use Who::*;
    let who = cred.identity();
    match route {
        Route::Health | Route::Counter | Route::OpenApi | Route::StaffStatus => true,
        Route::Me | Route::Item => who.is_some(),
        Route::Admin | Route::Increment => matches!(who, Some(Alice | AdminToken)),
        Route::Reports => matches!(who, Some(Alice | AdminToken | AuditorToken)),
        Route::ReadPost => matches!(who, Some(Alice | AdminToken)),
        Route::DeletePost | Route::StaffModeration => matches!(who, Some(Bob | EditorToken)),
        Route::ListArticles => matches!(who, Some(ReaderToken)),
        Route::CreateArticle => matches!(who, Some(WriterToken)),
    }
}

/// The status the demo must answer `route` with, for `cred` and `fault`.
pub fn expected_status(route: Route, cred: Cred, fault: Fault) -> u16 {
    if is_public(route) {
        return 200;
    }
    if cred == Cred::TwoHeaders {
        // Refused before any authenticator runs, faulty or not.
        return 400;
    }
    match fault {
        Fault::Error | Fault::Slow => return 503,
        Fault::Panic => return 500,
        Fault::None => {}
    }
    if cred.identity().is_none() {
        401
    } else if allowed(route, cred) {
        success(route)
    } else if route == Route::ReadPost {
        404
    } else {
        403
    }
}

/// One kind of request of the mix, and its prepared bytes.
#[derive(Debug, Clone)]
struct Cell {
    route: Route,
    cred: Cred,
    fault: Fault,
    expected: u16,
    bytes: Arc<[u8]>,
}

/// Every route × every credential without fault, and every route with each fault for the
/// anonymous caller, an admin and a reader.
fn cells() -> Vec<Cell> {
    let mut cells = Vec::new();
    for route in Route::ALL {
        for cred in Cred::all() {
            for fault in Fault::ALL {
                let faulty = fault != Fault::None;
                if faulty
                    && !matches!(
                        cred,
                        Cred::Who(Who::Anonymous | Who::AdminToken | Who::Alice | Who::ReaderToken)
                    )
                {
                    continue;
                }
                cells.push(Cell {
                    route,
                    cred,
                    fault,
                    expected: expected_status(route, cred, fault),
                    bytes: request_bytes(route, cred, fault).into(),
                });
            }
        }
    }
    cells
}

fn request_bytes(route: Route, cred: Cred, fault: Fault) -> Vec<u8> {
    let (method, path) = (route.declared().0, route.uri());
    let mut text = format!("{method} {path} HTTP/1.1\r\nhost: 127.0.0.1\r\n");
    for line in cred.headers() {
        text.push_str(&format!("authorization: {line}\r\n"));
    }
    if let Some(fault) = fault.header() {
        text.push_str(&format!("x-fault: {fault}\r\n"));
    }
    let body = route.body().unwrap_or_default();
    if method != Method::GET {
        if !body.is_empty() {
            text.push_str("content-type: application/json\r\n");
        }
        text.push_str(&format!("content-length: {}\r\n", body.len()));
    }
    text.push_str("\r\n");
    text.push_str(body);
    text.into_bytes()
}

/// What a run measured.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// Requests of the measured phase that got a response or failed.
    pub requests: u64,
    /// Requests of the measured phase answered with another status than expected, failed
    /// (I/O error, timeout), or not sent before the deadline; plus every handler run of
    /// `POST /counter` and `POST /articles` beyond the granted requests, over both phases.
    pub misclassified: u64,
    /// Responses by status, measured phase.
    pub statuses: BTreeMap<u16, u64>,
    /// Requests of the warm-up phase, all checked like the others.
    pub warmup_requests: u64,
    /// Misclassified requests of the warm-up phase (also counted in `misclassified`).
    pub warmup_misclassified: u64,
    /// Granted `POST /counter` requests, and the counter the handler kept.
    pub increments: (u64, u64),
    /// Granted `POST /articles` requests, and the articles the handler created.
    pub articles: (u64, u64),
    /// Injected panics (all answered 500 while the server went on serving).
    pub injected_panics: u64,
    /// VmRSS after the warm-up and after the measured phase, in KiB.
    pub rss_kib: (i64, i64),
    /// The first few failures, for the log.
    pub failures: Vec<String>,
    /// Wall-clock time of the measured phase.
    pub elapsed: Duration,
}

impl Report {
    /// How much the resident set grew during the measured phase, in KiB.
    pub fn rss_growth_kib(&self) -> i64 {
        self.rss_kib.1 - self.rss_kib.0
    }

    /// Whether the run passed: nothing misclassified, memory within [`RSS_GROWTH_BOUND_KIB`].
    pub fn passed(&self) -> bool {
        self.misclassified == 0 && self.rss_growth_kib() <= RSS_GROWTH_BOUND_KIB
    }
}

impl fmt::Display for Report {
    /// The summary line: `requests N, misclassified M, rss_growth_kib K`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "requests {}, misclassified {}, rss_growth_kib {}",
            self.requests,
            self.misclassified,
            self.rss_growth_kib()
        )
    }
}

/// The resident set of this process, in KiB (`VmRSS` of `/proc/self/status`); 0 where there
/// is no such file.
pub fn rss_kib() -> i64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmRSS:"))
                .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

static INJECTED_PANICS: AtomicU64 = AtomicU64::new(0);

/// Silences (and counts) the injected panics; every other panic is reported as usual.
fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            let injected = info
                .payload()
                .downcast_ref::<&str>()
                .is_some_and(|message| *message == INJECTED_PANIC);
            if injected {
                INJECTED_PANICS.fetch_add(1, Ordering::Relaxed);
            } else {
                previous(info);
            }
        }));
    });
}

/// The fault injector, asked before the demo's authenticators.
async fn inject_fault(request: HttpRequest, slow: Duration) -> Outcome {
    let fault = request
        .headers()
        .get("x-fault")
        .map(|value| value.as_bytes());
    match fault {
        None => Outcome::Anonymous,
        Some(b"error") => Outcome::Unavailable,
        Some(b"panic") => std::panic::panic_any(INJECTED_PANIC),
        Some(b"slow") => {
            rt::time::sleep(slow).await;
            // Too late to count; were it counted, it would pass every route.
            Outcome::authenticated(
                Principal::new("alice")
                    .with_roles(["admin", "editor", "auditor"])
                    .with_permissions(["posts:delete"])
                    .with_scopes(["articles:read", "articles:write"]),
            )
        }
        Some(_) => Outcome::Malformed,
    }
}

/// The demo's configuration with the fault injector in front and the timeout set.
fn config(options: &Options) -> AuthzConfig {
    let slow = options.slow_fault;
    AuthzConfig::new(demo::REALM)
        .authenticator(FnAuthenticator::new(move |request| {
            inject_fault(request, slow)
        }))
        .authenticator(JwtAuthenticator::hs256(SECRET))
        .authenticator(demo::basic_authenticator())
        .timeout(Some(options.fault_timeout))
}

/// The demo on a loopback port, served by its own thread; stopped by [`Server::stop`].
struct Server {
    addr: SocketAddr,
    state: web::Data<State>,
    handle: ServerHandle,
    thread: std::thread::JoinHandle<io::Result<()>>,
}

impl Server {
    fn start(options: &Options) -> io::Result<Self> {
        let (started, receive) = mpsc::channel();
        let state = web::Data::new(State::default());
        let (config, workers, app_state) = (config(options), options.workers, state.clone());
        let thread = std::thread::spawn(move || {
            rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    App::new()
                        .app_data(config.clone())
                        .app_data(app_state.clone())
                        .configure(demo::configure)
                })
                .workers(workers)
                .backlog(1024)
                .disable_signals()
                .shutdown_timeout(1)
                .bind(("127.0.0.1", 0))?;
                let addr = server.addrs()[0];
                let server = server.run();
                let _ = started.send((addr, server.handle()));
                server.await
            })
        });
        let (addr, handle) = receive
            .recv_timeout(Duration::from_secs(30))
            .map_err(|_| io::Error::other("the server did not start"))?;
        Ok(Self {
            addr,
            state,
            handle,
            thread,
        })
    }

    fn stop(self) -> io::Result<()> {
        rt::System::new().block_on(self.handle.stop(true));
        self.thread
            .join()
            .map_err(|_| io::Error::other("the server thread panicked"))?
    }
}

/// What one phase measured.
#[derive(Debug, Default)]
struct Phase {
    sent: u64,
    misclassified: u64,
    statuses: BTreeMap<u16, u64>,
    increments: u64,
    articles: u64,
    failures: Vec<String>,
}

impl Phase {
    fn merge(&mut self, other: Self) {
        self.sent += other.sent;
        self.misclassified += other.misclassified;
        for (status, count) in other.statuses {
            *self.statuses.entry(status).or_default() += count;
        }
        self.increments += other.increments;
        self.articles += other.articles;
        self.failures.extend(other.failures);
        self.failures.truncate(10);
    }
}

/// Sends `requests` requests over `connections` keep-alive connections: request `i` is cell
/// `i * STRIDE mod cells`, sent by connection `i mod connections`.
fn phase(
    addr: SocketAddr,
    cells: &Arc<Vec<Cell>>,
    requests: usize,
    options: &Options,
    deadline: Instant,
) -> io::Result<Phase> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let connections = options.connections.max(1);
    let response_timeout = options.response_timeout;
    runtime.block_on(async {
        let tasks: Vec<_> = (0..connections)
            .map(|connection| {
                // A lazy range: the client keeps no per-request state, so that what memory
                // grows by is the server's.
                let indices = (connection..requests).step_by(connections);
                let cells = Arc::clone(cells);
                tokio::spawn(connection_loop(
                    addr,
                    cells,
                    indices,
                    response_timeout,
                    deadline,
                ))
            })
            .collect();
        let mut total = Phase::default();
        for task in tasks {
            total.merge(task.await.map_err(io::Error::other)?);
        }
        Ok(total)
    })
}

/// A stride coprime with any cell count this mix has, so that consecutive requests of a
/// connection walk the cells in a scattered order.
const STRIDE: usize = 7919;

async fn connection_loop(
    addr: SocketAddr,
    cells: Arc<Vec<Cell>>,
    indices: impl Iterator<Item = usize>,
    response_timeout: Duration,
    deadline: Instant,
) -> Phase {
    let mut phase = Phase::default();
    let mut stream: Option<BufReader<TcpStream>> = None;
    for index in indices {
        let cell = &cells[index.wrapping_mul(STRIDE) % cells.len()];
        phase.sent += 1;
        if Instant::now() > deadline {
            phase.misclassified += 1;
            phase.fail(format!(
                "deadline passed before {:?}",
                (cell.route, cell.cred, cell.fault)
            ));
            continue;
        }
        let result =
            tokio::time::timeout(response_timeout, exchange(&mut stream, addr, cell)).await;
        let status = match result {
            Ok(Ok(status)) => status,
            Ok(Err(error)) => {
                stream = None;
                phase.misclassified += 1;
                phase.fail(format!(
                    "{:?}: {error}",
                    (cell.route, cell.cred, cell.fault)
                ));
                continue;
            }
            Err(_) => {
                stream = None;
                phase.misclassified += 1;
                phase.fail(format!(
                    "{:?}: no response in time",
                    (cell.route, cell.cred, cell.fault)
                ));
                continue;
            }
        };
        *phase.statuses.entry(status).or_default() += 1;
        if status != cell.expected {
            phase.misclassified += 1;
            phase.fail(format!(
                "{:?} {:?} fault {:?}: status {status}, expected {}",
                cell.route, cell.cred, cell.fault, cell.expected
            ));
        }
        let granted = cell.expected == success(cell.route) && cell.fault == Fault::None;
        match cell.route {
            Route::Increment if granted => phase.increments += 1,
            Route::CreateArticle if granted => phase.articles += 1,
            _ => {}
        }
    }
    phase
}

impl Phase {
    fn fail(&mut self, failure: String) {
        if self.failures.len() < 10 {
            self.failures.push(failure);
        }
    }
}

/// Sends one request on the connection (opening one if needed) and reads its response: the
/// status, after the whole `Content-Length` body.
async fn exchange(
    stream: &mut Option<BufReader<TcpStream>>,
    addr: SocketAddr,
    cell: &Cell,
) -> io::Result<u16> {
    if stream.is_none() {
        let tcp = TcpStream::connect(addr).await?;
        tcp.set_nodelay(true)?;
        *stream = Some(BufReader::new(tcp));
    }
    let Some(connection) = stream.as_mut() else {
        unreachable!("connected above");
    };
    connection.get_mut().write_all(&cell.bytes).await?;
    let mut line = String::new();
    if connection.read_line(&mut line).await? == 0 {
        return Err(io::Error::new(
            io::ErrorKind::UnexpectedEof,
            "connection closed",
        ));
    }
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|status| status.parse().ok())
        .ok_or_else(|| io::Error::other(format!("bad status line {line:?}")))?;
    let mut length = 0usize;
    let mut close = false;
    loop {
        line.clear();
        if connection.read_line(&mut line).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "truncated headers",
            ));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap_or((header, ""));
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.parse().map_err(io::Error::other)?;
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(io::Error::other(
                "a chunked response; every demo body is sized",
            ));
        } else if name.eq_ignore_ascii_case("connection") && value.eq_ignore_ascii_case("close") {
            close = true;
        }
    }
    let mut body = vec![0; length];
    connection.read_exact(&mut body).await?;
    if close {
        *stream = None;
    }
    Ok(status)
}

/// Runs the warm-up and the measured phase against a fresh server, and checks the handler
/// counts. Memory is read after the warm-up and after the measured phase.
pub fn run(options: &Options) -> io::Result<Report> {
    install_panic_hook();
    let panics_before = INJECTED_PANICS.load(Ordering::Relaxed);
    let deadline = Instant::now() + options.deadline;
    let cells = Arc::new(cells());
    let server = Server::start(options)?;

    let warmup = phase(server.addr, &cells, options.warmup, options, deadline)?;
    let rss_before = rss_kib();
    let started = Instant::now();
    let measured = phase(server.addr, &cells, options.requests, options, deadline)?;
    let elapsed = started.elapsed();
    let rss_after = rss_kib();

    let increments = (
        warmup.increments + measured.increments,
        server.state.count(),
    );
    let articles = (
        warmup.articles + measured.articles,
        u64::try_from(server.state.article_count()).unwrap_or(u64::MAX),
    );
    server.stop()?;

    let mut failures = warmup.failures.clone();
    failures.extend(measured.failures.iter().cloned());
    let mut misclassified = warmup.misclassified + measured.misclassified;
    for (what, (granted, ran)) in [("POST /counter", increments), ("POST /articles", articles)] {
        if granted != ran {
            misclassified += granted.abs_diff(ran);
            failures.push(format!(
                "{what}: {granted} granted, the handler ran {ran} times"
            ));
        }
    }
    failures.truncate(10);
    Ok(Report {
        requests: measured.sent,
        misclassified,
        statuses: measured.statuses,
        warmup_requests: warmup.sent,
        warmup_misclassified: warmup.misclassified,
        increments,
        articles,
        injected_panics: INJECTED_PANICS.load(Ordering::Relaxed) - panics_before,
        rss_kib: (rss_before, rss_after),
        failures,
        elapsed,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_framed() {
        let bytes = request_bytes(Route::CreateArticle, Cred::TwoHeaders, Fault::Slow);
        let text = String::from_utf8(bytes).unwrap();
        assert!(text.starts_with("POST /articles HTTP/1.1\r\n"), "{text}");
        assert_eq!(text.matches("authorization: ").count(), 2);
        assert!(text.contains("x-fault: slow\r\n"));
        assert!(
            text.ends_with("content-length: 17\r\n\r\n{\"title\":\"Hello\"}"),
            "{text}"
        );
    }

    #[test]
    fn the_stride_visits_every_cell() {
        let cells = cells().len();
        let mut seen = vec![false; cells];
        for i in 0..cells {
            seen[i.wrapping_mul(STRIDE) % cells] = true;
        }
        assert!(
            seen.iter().all(|&s| s),
            "{STRIDE} and {cells} share a factor"
        );
    }
}
