//! `JwksAuthenticator` against a real JWKS issuer that each test starts on 127.0.0.1:0: keys
//! fetched and cached, RS256 and ES256, rotation without restart, rate-limited refreshes, an
//! issuer that goes down, one that never had keys (503, never allow), keys published for
//! something other than signatures, and fetches that outlive the requests that started them
//! (a client that resets its connection, a timeout shorter than the issuer's answer).

use std::net::SocketAddr;
use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use actix_authz::{AuthzConfig, Caller, Identity, JwksAuthenticator, authenticated, requires};
use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::test::{self, TestRequest};
use actix_web::web::Bytes;
use actix_web::{App, HttpResponse, HttpServer, get, web};
use authz_tests::{Reply, header_lines, now};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

const RSA_PEM: &[u8] = include_bytes!("../../benches/keys/rs256-private.pem");
const EC_PEM: &[u8] = include_bytes!("../keys/es256-private.pem");

/// A signing key of the issuer: its `kid`, algorithm and private half.
struct SigningKey {
    kid: &'static str,
    algorithm: Algorithm,
    key: EncodingKey,
}

impl SigningKey {
    fn rsa(kid: &'static str) -> Self {
        Self {
            kid,
            algorithm: Algorithm::RS256,
            key: EncodingKey::from_rsa_pem(RSA_PEM).expect("the RSA test key"),
        }
    }

    fn ec(kid: &'static str) -> Self {
        Self {
            kid,
            algorithm: Algorithm::ES256,
            key: EncodingKey::from_ec_pem(EC_PEM).expect("the EC test key"),
        }
    }

    /// The public half, as the issuer publishes it.
    fn jwk(&self) -> Jwk {
        let mut jwk = Jwk::from_encoding_key(&self.key, self.algorithm).expect("a JWK");
        jwk.common.key_id = Some(self.kid.to_owned());
        jwk
    }

    /// A token for `sub` with `roles`, valid for an hour.
    fn token(&self, sub: &str, roles: &[&str]) -> String {
        self.token_naming(self.kid, sub, roles)
    }

    /// A token for `sub` with `roles`, signed by this key but naming `kid`.
    fn token_naming(&self, kid: &str, sub: &str, roles: &[&str]) -> String {
        let mut header = Header::new(self.algorithm);
        header.kid = Some(kid.to_owned());
        let claims = json!({ "sub": sub, "roles": roles, "exp": now() + 3600 });
        jsonwebtoken::encode(&header, &claims, &self.key).expect("signing")
    }
}

fn key_set(keys: &[&SigningKey]) -> Value {
    let set = JwkSet {
        keys: keys.iter().map(|key| key.jwk()).collect(),
    };
    serde_json::to_value(set).expect("a JWK set serializes")
}

/// A JWKS issuer on loopback whose key set, availability, latency and request count the test
/// controls.
struct Issuer {
    url: String,
    jwks: Arc<Mutex<Value>>,
    up: Arc<AtomicBool>,
    hits: Arc<AtomicUsize>,
    delay_ms: Arc<AtomicU64>,
    handle: ServerHandle,
}

#[derive(Clone)]
struct IssuerState {
    jwks: Arc<Mutex<Value>>,
    up: Arc<AtomicBool>,
    hits: Arc<AtomicUsize>,
    delay_ms: Arc<AtomicU64>,
}

async fn serve_jwks(state: web::Data<IssuerState>) -> HttpResponse {
    state.hits.fetch_add(1, Ordering::SeqCst);
    let delay = state.delay_ms.load(Ordering::SeqCst);
    if delay > 0 {
        actix_web::rt::time::sleep(Duration::from_millis(delay)).await;
    }
    if !state.up.load(Ordering::SeqCst) {
        return HttpResponse::ServiceUnavailable().finish();
    }
    let jwks = state
        .jwks
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    HttpResponse::Ok().json(jwks)
}

impl Issuer {
    async fn start(jwks: Value) -> Self {
        let state = IssuerState {
            jwks: Arc::new(Mutex::new(jwks)),
            up: Arc::new(AtomicBool::new(true)),
            hits: Arc::new(AtomicUsize::new(0)),
            delay_ms: Arc::new(AtomicU64::new(0)),
        };
        let data = web::Data::new(state.clone());
        let server = HttpServer::new(move || {
            App::new()
                .app_data(data.clone())
                .route("/jwks", web::get().to(serve_jwks))
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("binding the issuer on loopback");
        let address = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Self {
            url: format!("http://{address}/jwks"),
            jwks: state.jwks,
            up: state.up,
            hits: state.hits,
            delay_ms: state.delay_ms,
            handle,
        }
    }

    fn publish(&self, jwks: Value) {
        *self.jwks.lock().unwrap_or_else(PoisonError::into_inner) = jwks;
    }

    fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
    }

    /// Makes every answer take `delay` from now on.
    fn set_delay(&self, delay: Duration) {
        let millis = u64::try_from(delay.as_millis()).expect("a short delay");
        self.delay_ms.store(millis, Ordering::SeqCst);
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
    }

    /// Waits (at most 5 seconds) until the issuer has been asked more than `before` times: a
    /// fetch is under way.
    async fn wait_for_hit_after(&self, before: usize) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.hits() <= before {
            assert!(Instant::now() < deadline, "no fetch of the key set started");
            actix_web::rt::time::sleep(Duration::from_millis(5)).await;
        }
    }

    async fn stop(self) {
        self.handle.stop(false).await;
    }
}

#[requires(role = "admin")]
#[get("/admin")]
async fn admin() -> &'static str {
    "admin area"
}

#[authenticated]
#[get("/me")]
async fn me(caller: Caller) -> String {
    caller.subject().to_owned()
}

/// Calls an app of `config`. The apps of one test share its configuration, and so its key
/// cache, as the workers of one server do.
async fn call(config: &AuthzConfig, request: TestRequest) -> Reply {
    let app = App::new()
        .app_data(config.clone())
        .service(admin)
        .service(me);
    Reply::of(&test::init_service(app).await, request).await
}

fn bearer(path: &str, token: &str) -> TestRequest {
    TestRequest::get()
        .uri(path)
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
}

#[track_caller]
fn assert_ok(reply: &Reply, body: &str) {
    assert_eq!(reply.status, StatusCode::OK, "body {:?}", reply.body);
    assert_eq!(reply.body, body.as_bytes());
    assert_eq!(reply.headers.get(header::WWW_AUTHENTICATE), None);
}

#[track_caller]
fn assert_invalid_token(reply: &Reply) {
    assert_eq!(
        reply.status,
        StatusCode::UNAUTHORIZED,
        "body {:?}",
        reply.body
    );
    assert_eq!(
        header_lines(&reply.headers, header::WWW_AUTHENTICATE),
        [
            r#"Bearer realm="jwks", error="invalid_token", error_description="the access token is invalid""#
        ]
    );
    assert_eq!(
        reply.headers.get(header::CONTENT_TYPE),
        Some(&HeaderValue::from_static("application/problem+json"))
    );
}

#[track_caller]
fn assert_unavailable(reply: &Reply) {
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(reply.headers.get(header::WWW_AUTHENTICATE), None);
    let body: Value = serde_json::from_slice(&reply.body).expect("a problem body");
    assert_eq!(body["status"], 503);
    assert_eq!(body["title"], "Service Unavailable");
}

fn authenticator(issuer: &Issuer, refresh_interval: Duration) -> AuthzConfig {
    config(
        JwksAuthenticator::new(&issuer.url)
            .refresh_interval(refresh_interval)
            .fetch_timeout(Duration::from_secs(2)),
    )
}

fn config(jwks: JwksAuthenticator) -> AuthzConfig {
    AuthzConfig::new("jwks").authenticator(jwks)
}

#[actix_web::test]
async fn rs256_and_es256_tokens_verify_against_the_published_keys_fetched_once() {
    let (rsa, ec) = (SigningKey::rsa("rsa-1"), SigningKey::ec("ec-1"));
    let issuer = Issuer::start(key_set(&[&rsa, &ec])).await;
    let jwks = authenticator(&issuer, Duration::from_secs(3600));

    assert_ok(
        &call(&jwks, bearer("/admin", &rsa.token("ada", &["admin"]))).await,
        "admin area",
    );
    assert_ok(
        &call(&jwks, bearer("/me", &ec.token("eve", &[]))).await,
        "eve",
    );
    let editor = call(&jwks, bearer("/admin", &ec.token("ed", &["editor"]))).await;
    assert_eq!(editor.status, StatusCode::FORBIDDEN);
    assert_eq!(
        header_lines(&editor.headers, header::WWW_AUTHENTICATE),
        [r#"Bearer realm="jwks", error="insufficient_scope""#]
    );
    assert_eq!(issuer.hits(), 1, "the keys are fetched once and cached");

    // An EC signature under the RSA key's `kid`; an HMAC token; no token.
    let mut forged = SigningKey::ec("rsa-1");
    forged.algorithm = Algorithm::ES256;
    assert_invalid_token(&call(&jwks, bearer("/me", &forged.token("mallory", &["admin"]))).await);
    let hs = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &json!({ "sub": "mallory", "exp": now() + 60 }),
        &EncodingKey::from_secret(b"guess"),
    )
    .expect("signing");
    assert_invalid_token(&call(&jwks, bearer("/me", &hs)).await);
    let anonymous = call(&jwks, TestRequest::get().uri("/me")).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        header_lines(&anonymous.headers, header::WWW_AUTHENTICATE),
        [r#"Bearer realm="jwks""#]
    );
    assert_eq!(issuer.hits(), 1, "the rate limit holds back unknown keys");
    issuer.stop().await;
}

#[actix_web::test]
async fn a_rotated_key_is_picked_up_without_restart_and_the_withdrawn_one_stops_verifying() {
    let (old, new) = (SigningKey::rsa("2024-key"), SigningKey::ec("2025-key"));
    let issuer = Issuer::start(key_set(&[&old])).await;
    let jwks = authenticator(&issuer, Duration::ZERO);
    let old_token = old.token("ada", &["admin"]);
    let new_token = new.token("ada", &["admin"]);

    assert_ok(
        &call(&jwks, bearer("/admin", &old_token)).await,
        "admin area",
    );
    assert_eq!(issuer.hits(), 1);

    // The issuer replaces its key.
    issuer.publish(key_set(&[&new]));
    assert_ok(
        &call(&jwks, bearer("/admin", &new_token)).await,
        "admin area",
    );
    assert_eq!(issuer.hits(), 2, "the unknown kid triggered one refresh");

    // The old key is gone from the cache: its tokens are refused (after one more look).
    assert_invalid_token(&call(&jwks, bearer("/admin", &old_token)).await);
    assert_eq!(issuer.hits(), 3);
    assert_ok(
        &call(&jwks, bearer("/admin", &new_token)).await,
        "admin area",
    );
    assert_eq!(issuer.hits(), 3, "a known kid needs no refresh");
    issuer.stop().await;
}

#[actix_web::test]
async fn refreshes_are_rate_limited() {
    let (current, next) = (SigningKey::rsa("current"), SigningKey::ec("next"));
    let issuer = Issuer::start(key_set(&[&current])).await;
    let jwks = authenticator(&issuer, Duration::from_millis(400));
    assert_ok(
        &call(&jwks, bearer("/me", &current.token("a", &[]))).await,
        "a",
    );

    issuer.publish(key_set(&[&current, &next]));
    let ghost = SigningKey::ec("ghost");
    for _ in 0..5 {
        assert_invalid_token(&call(&jwks, bearer("/me", &ghost.token("g", &[]))).await);
    }
    // Within the interval, even the issuer's new key waits for the next refresh.
    assert_invalid_token(&call(&jwks, bearer("/me", &next.token("n", &[]))).await);
    assert_eq!(issuer.hits(), 1, "no refresh within the interval");

    actix_web::rt::time::sleep(Duration::from_millis(450)).await;
    assert_ok(
        &call(&jwks, bearer("/me", &next.token("n", &[]))).await,
        "n",
    );
    assert_eq!(issuer.hits(), 2);
    issuer.stop().await;
}

#[actix_web::test]
async fn cached_keys_keep_verifying_while_the_issuer_is_down() {
    let key = SigningKey::ec("only");
    let issuer = Issuer::start(key_set(&[&key])).await;
    // Keys always stale: every request tries the issuer first.
    let jwks = config(
        JwksAuthenticator::new(&issuer.url)
            .refresh_interval(Duration::ZERO)
            .max_age(Duration::ZERO)
            .fetch_timeout(Duration::from_secs(2)),
    );
    assert_ok(
        &call(&jwks, bearer("/me", &key.token("ada", &[]))).await,
        "ada",
    );

    issuer.set_up(false);
    assert_ok(
        &call(&jwks, bearer("/me", &key.token("ada", &[]))).await,
        "ada",
    );
    // A key the cached ones do not know may have been published since: not called invalid.
    let unknown = SigningKey::rsa("unknown");
    assert_unavailable(&call(&jwks, bearer("/me", &unknown.token("x", &[]))).await);
    let attempts = issuer.hits();
    assert!(attempts >= 3, "the issuer was asked again: {attempts}");
    // Once the provider answers again, a key it does not publish is one: invalid.
    issuer.set_up(true);
    assert_invalid_token(&call(&jwks, bearer("/me", &unknown.token("x", &[]))).await);
    issuer.set_up(false);

    // And with the issuer gone altogether (connection refused).
    issuer.stop().await;
    assert_ok(
        &call(&jwks, bearer("/me", &key.token("ada", &[]))).await,
        "ada",
    );
}

#[actix_web::test]
async fn no_keys_yet_is_503_and_never_allows() {
    let key = SigningKey::rsa("k");
    let issuer = Issuer::start(key_set(&[&key])).await;
    issuer.set_up(false);
    let jwks = authenticator(&issuer, Duration::ZERO);
    assert_unavailable(&call(&jwks, bearer("/admin", &key.token("ada", &["admin"]))).await);

    // An empty or unusable key set is no better.
    issuer.set_up(true);
    issuer.publish(json!({ "keys": [] }));
    assert_unavailable(&call(&jwks, bearer("/admin", &key.token("ada", &["admin"]))).await);
    issuer.publish(json!({ "keys": [{ "kty": "oct", "k": "c2VjcmV0", "kid": "k" }] }));
    assert_unavailable(&call(&jwks, bearer("/admin", &key.token("ada", &["admin"]))).await);

    // Anonymous callers need no key: 401 as always.
    let anonymous = call(&jwks, TestRequest::get().uri("/admin")).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    // Once the issuer serves its keys, the same token works.
    issuer.publish(key_set(&[&key]));
    assert_ok(
        &call(&jwks, bearer("/admin", &key.token("ada", &["admin"]))).await,
        "admin area",
    );
    issuer.stop().await;
}

#[actix_web::test]
async fn an_unreachable_issuer_is_503() {
    // A port that nothing listens on any more.
    let address = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port");
    let jwks = config(
        JwksAuthenticator::new(format!("http://{address}/jwks"))
            .fetch_timeout(Duration::from_secs(2)),
    );
    let key = SigningKey::ec("k");
    assert_unavailable(&call(&jwks, bearer("/me", &key.token("ada", &[]))).await);
}

/// Keys the issuer published for something other than verifying signatures, next to one that
/// is: the same RSA key material under other `kid`s, with an encryption `alg`, an `alg` this
/// crate does not know, `key_ops` without `verify`, or another `use`.
#[actix_web::test]
async fn keys_not_published_for_verifying_signatures_do_not_verify() {
    let key = SigningKey::rsa("good");
    let published = |kid: &str, edit: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut jwk = serde_json::to_value(key.jwk()).expect("a JWK serializes");
        let fields = jwk.as_object_mut().expect("a JWK is an object");
        fields.insert("kid".to_owned(), json!(kid));
        edit(fields);
        jwk
    };
    let unusable = [
        ("oaep", json!({ "alg": "RSA-OAEP" })),
        ("oaep-256", json!({ "alg": "RSA-OAEP-256" })),
        ("rsa1_5", json!({ "alg": "RSA1_5" })),
        ("unknown-alg", json!({ "alg": "RSA-OAEP-384" })),
        ("es256-on-rsa", json!({ "alg": "ES256" })),
        ("encrypt-ops", json!({ "key_ops": ["encrypt", "wrapKey"] })),
        ("sign-ops", json!({ "key_ops": ["sign"] })),
        ("enc-use", json!({ "use": "enc" })),
        ("other-use", json!({ "use": "tls" })),
    ];
    let mut keys = vec![
        published("good", &|_| {}),
        published("verify-ops", &|fields| {
            fields.remove("alg");
            fields.insert("key_ops".to_owned(), json!(["verify"]));
        }),
        published("sig-use", &|fields| {
            fields.insert("use".to_owned(), json!("sig"));
        }),
    ];
    for (kid, members) in &unusable {
        keys.push(published(kid, &|fields| {
            // Without the `alg` RS256 of the usable key, unless the case sets its own.
            fields.remove("alg");
            for (name, value) in members.as_object().expect("members") {
                fields.insert(name.clone(), value.clone());
            }
        }));
    }
    let issuer = Issuer::start(json!({ "keys": keys })).await;
    let jwks = authenticator(&issuer, Duration::from_secs(3600));
    let signed_as = |kid: &str| key.token_naming(kid, "ada", &["admin"]);

    for kid in ["good", "verify-ops", "sig-use"] {
        assert_ok(
            &call(&jwks, bearer("/admin", &signed_as(kid))).await,
            "admin area",
        );
    }
    for (kid, _) in &unusable {
        let reply = call(&jwks, bearer("/admin", &signed_as(kid))).await;
        assert_invalid_token(&reply);
        let body: Value = serde_json::from_slice(&reply.body).expect("a problem body");
        assert_eq!(body["status"], 401, "{kid}");
    }
    assert_eq!(issuer.hits(), 1, "one fetch; unknown kids are rate-limited");
    issuer.stop().await;
}

/// An app of `config` served by two workers on 127.0.0.1:0, spoken to in raw HTTP/1.1.
struct Server {
    addr: SocketAddr,
    handle: ServerHandle,
}

impl Server {
    fn start(config: AuthzConfig) -> Self {
        let server = HttpServer::new(move || {
            App::new()
                .app_data(config.clone())
                .service(admin)
                .service(me)
        })
        .workers(2)
        .disable_signals()
        .shutdown_timeout(1)
        .bind(("127.0.0.1", 0))
        .expect("binding the app on loopback");
        let addr = server.addrs()[0];
        let server = server.run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        Self { addr, handle }
    }

    /// Sends `GET path` with `token`, waits until the issuer is being asked for its keys, and
    /// resets the connection (`SO_LINGER` 0), so that the server drops the request mid-fetch.
    async fn reset_during_fetch(&self, path: &str, token: &str, issuer: &Issuer) {
        let before = issuer.hits();
        let stream = send(self.addr, path, token).await;
        issuer.wait_for_hit_after(before).await;
        stream.set_zero_linger().expect("SO_LINGER 0");
        drop(stream);
        // Time for the server to see the reset and drop the request.
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }

    async fn stop(self) {
        self.handle.stop(false).await;
    }
}

/// Sends `GET path` with `token` to `addr` on a new connection and reads the whole response.
async fn get(addr: SocketAddr, path: &str, token: &str) -> Reply {
    let mut stream = send(addr, path, token).await;
    let mut raw = Vec::new();
    actix_web::rt::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .expect("a response within 10 seconds")
        .expect("reading the response");
    parse_response(&raw)
}

async fn send(addr: SocketAddr, path: &str, token: &str) -> actix_web::rt::net::TcpStream {
    let mut stream = actix_web::rt::net::TcpStream::connect(addr)
        .await
        .expect("connecting to the app");
    let request = format!(
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n"
    );
    stream
        .write_all(request.as_bytes())
        .await
        .expect("sending the request");
    stream
}

/// A `Content-Length`-framed HTTP/1.1 response.
fn parse_response(raw: &[u8]) -> Reply {
    let split = raw
        .windows(4)
        .position(|window| window == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no end of headers in {:?}", String::from_utf8_lossy(raw)));
    let head = std::str::from_utf8(&raw[..split]).expect("the response head is text");
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|line| line.strip_prefix("HTTP/1.1 "))
        .and_then(|rest| rest.get(..3))
        .and_then(|code| StatusCode::from_bytes(code.as_bytes()).ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').expect("a header line");
        headers.append(
            HeaderName::from_bytes(name.as_bytes()).expect("a header name"),
            HeaderValue::from_str(value.trim()).expect("a header value"),
        );
    }
    Reply {
        status,
        headers,
        body: Bytes::copy_from_slice(&raw[split + 4..]),
    }
}

/// Keys that are never fetched again on their own: only a fetch that outlives the request
/// that started it can load them.
fn patient_authenticator(issuer: &Issuer) -> JwksAuthenticator {
    JwksAuthenticator::new(&issuer.url)
        .refresh_interval(Duration::from_secs(3600))
        .fetch_timeout(Duration::from_secs(5))
}

#[actix_web::test]
async fn a_client_that_resets_during_the_first_fetch_does_not_hold_back_the_keys() {
    let key = SigningKey::rsa("k");
    let issuer = Issuer::start(key_set(&[&key])).await;
    issuer.set_delay(Duration::from_millis(300));
    let server = Server::start(config(patient_authenticator(&issuer)));
    let token = key.token("ada", &["admin"]);

    // Any token starts the fetch; this client gives up while the issuer is answering.
    server
        .reset_during_fetch("/admin", &SigningKey::rsa("ghost").token("x", &[]), &issuer)
        .await;
    assert_ok(&get(server.addr, "/admin", &token).await, "admin area");
    assert_ok(&get(server.addr, "/me", &token).await, "ada");
    assert_eq!(
        issuer.hits(),
        1,
        "the fetch that the first client started served everyone"
    );
    server.stop().await;
    issuer.stop().await;
}

#[actix_web::test]
async fn concurrent_first_requests_wait_for_the_same_fetch() {
    let key = SigningKey::ec("k");
    let issuer = Issuer::start(key_set(&[&key])).await;
    issuer.set_delay(Duration::from_millis(200));
    let server = Server::start(config(patient_authenticator(&issuer)));
    let token = key.token("ada", &["admin"]);

    let requests: Vec<_> = (0..6)
        .map(|_| {
            let (addr, token) = (server.addr, token.clone());
            actix_web::rt::spawn(async move { get(addr, "/admin", &token).await })
        })
        .collect();
    for request in requests {
        assert_ok(&request.await.expect("the request task"), "admin area");
    }
    assert_eq!(issuer.hits(), 1, "one fetch for all of them");
    server.stop().await;
    issuer.stop().await;
}

#[actix_web::test]
async fn a_timeout_shorter_than_the_fetch_refuses_with_503_until_the_keys_arrive() {
    let key = SigningKey::rsa("k");
    let issuer = Issuer::start(key_set(&[&key])).await;
    issuer.set_delay(Duration::from_millis(400));
    let jwks = AuthzConfig::new("jwks")
        .authenticator(patient_authenticator(&issuer))
        .timeout(Some(Duration::from_millis(100)));
    let token = key.token("ada", &["admin"]);

    assert_unavailable(&call(&jwks, bearer("/admin", &token)).await);
    assert_eq!(issuer.hits(), 1);
    // The fetch goes on without the request that started it.
    actix_web::rt::time::sleep(Duration::from_millis(600)).await;
    assert_ok(&call(&jwks, bearer("/admin", &token)).await, "admin area");
    assert_eq!(issuer.hits(), 1);
}

#[actix_web::test]
async fn a_withdrawn_key_stops_verifying_even_when_the_refreshing_clients_reset() {
    let (leaked, next) = (SigningKey::rsa("leaked"), SigningKey::ec("next"));
    let issuer = Issuer::start(key_set(&[&leaked])).await;
    let max_age = Duration::from_millis(300);
    let server = Server::start(config(
        JwksAuthenticator::new(&issuer.url)
            .max_age(max_age)
            .refresh_interval(max_age)
            .fetch_timeout(Duration::from_secs(5)),
    ));
    let (leaked_token, next_token) = (leaked.token("ada", &["admin"]), next.token("ada", &[]));
    assert_ok(
        &get(server.addr, "/admin", &leaked_token).await,
        "admin area",
    );

    // The issuer withdraws the key; each refresh it takes is started by a client that resets.
    issuer.publish(key_set(&[&next]));
    issuer.set_delay(Duration::from_millis(200));
    actix_web::rt::time::sleep(max_age).await;
    server
        .reset_during_fetch("/admin", &leaked_token, &issuer)
        .await;
    assert_invalid_token(&get(server.addr, "/admin", &leaked_token).await);
    assert_ok(&get(server.addr, "/me", &next_token).await, "ada");
    server.stop().await;
    issuer.stop().await;
}
