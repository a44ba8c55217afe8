//! No lock on the request path serializes requests: many requests decided at once on a
//! multi-worker loopback server, each held up by an authenticator that waits (asynchronously)
//! for its backend, complete together in about one delay, not in the sum of the delays; and
//! the authenticator is seen running for many of them at the same time.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, mpsc};
use std::time::{Duration, Instant};

use actix_authz::{
    AuthzConfig, Caller, FnAuthenticator, Identity as _, Outcome, Principal, requires,
};
use actix_web::{App, HttpRequest, HttpServer, get, rt};

/// Concurrent requests, one connection each.
const CONCURRENT: usize = 48;
/// What the authenticator's backend takes per request.
const DELAY: Duration = Duration::from_millis(250);

/// How many authentications are under way, and the most seen at once.
#[derive(Debug, Default)]
struct InFlight {
    now: AtomicUsize,
    most: AtomicUsize,
}

#[get("/admin")]
#[requires(role = "admin")]
async fn admin(caller: Caller) -> String {
    caller.subject().to_owned()
}

/// The slow backend: the user named in `x-user` is an admin, after [`DELAY`].
async fn ask_backend(in_flight: Arc<InFlight>, user: Option<String>) -> Outcome {
    let now = in_flight.now.fetch_add(1, Ordering::SeqCst) + 1;
    in_flight.most.fetch_max(now, Ordering::SeqCst);
    rt::time::sleep(DELAY).await;
    in_flight.now.fetch_sub(1, Ordering::SeqCst);
    match user {
        Some(user) => Outcome::authenticated(Principal::new(user).with_roles(["admin"])),
        None => Outcome::Anonymous,
    }
}

fn user_of(request: &HttpRequest) -> Option<String> {
    request
        .headers()
        .get("x-user")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned)
}

/// One request on its own connection: the status and body, and how long it took.
fn get_admin(addr: SocketAddr, user: &str) -> (u16, String, Duration) {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    write!(
        stream,
        "GET /admin HTTP/1.1\r\nhost: 127.0.0.1\r\nx-user: {user}\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("a response");
    let elapsed = started.elapsed();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body, elapsed)
}

#[test]
fn concurrent_decisions_are_not_serialized() {
    let in_flight = Arc::new(InFlight::default());
    let (started, receive) = mpsc::channel();
    let server_in_flight = Arc::clone(&in_flight);
    let server = std::thread::spawn(move || {
        rt::System::new().block_on(async move {
            let config = AuthzConfig::new("concurrency")
                .authenticator(
                    FnAuthenticator::new(move |request: HttpRequest| {
                        ask_backend(Arc::clone(&server_in_flight), user_of(&request))
                    })
                    .challenge_scheme("Test"),
                )
                .timeout(Some(Duration::from_secs(10)));
            let server =
                HttpServer::new(move || App::new().app_data(config.clone()).service(admin))
                    .workers(2)
                    .disable_signals()
                    .shutdown_timeout(1)
                    .bind(("127.0.0.1", 0))?;
            let addr = server.addrs()[0];
            let server = server.run();
            started.send((addr, server.handle())).unwrap();
            server.await
        })
    });
    let (addr, handle) = receive
        .recv_timeout(Duration::from_secs(30))
        .expect("the server starts");

    let barrier = Arc::new(Barrier::new(CONCURRENT + 1));
    let clients: Vec<_> = (0..CONCURRENT)
        .map(|n| {
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                get_admin(addr, &format!("user-{n}"))
            })
        })
        .collect();
    barrier.wait();
    let started = Instant::now();
    let replies: Vec<_> = clients
        .into_iter()
        .map(|client| client.join().unwrap())
        .collect();
    let wall_clock = started.elapsed();

    rt::System::new().block_on(handle.stop(true));
    server.join().unwrap().unwrap();

    for (n, (status, body, elapsed)) in replies.iter().enumerate() {
        assert_eq!(*status, 200, "user-{n}: {body}");
        assert_eq!(body, &format!("user-{n}"));
        assert!(
            *elapsed >= DELAY,
            "user-{n} was answered before its backend: {elapsed:?}"
        );
    }
    let serialized = DELAY * CONCURRENT as u32;
    assert!(
        wall_clock < serialized / 6,
        "{CONCURRENT} requests of {DELAY:?} each took {wall_clock:?} (serialized: {serialized:?})"
    );
    let most = in_flight.most.load(Ordering::SeqCst);
    assert!(
        most >= CONCURRENT / 2,
        "at most {most} authentications ran at once, of {CONCURRENT}"
    );
}
