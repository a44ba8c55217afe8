//! `JwksAuthenticator` against a real JWKS issuer that each test starts on 127.0.0.1:0: keys
//! fetched and cached, RS256 and ES256, rotation without restart, rate-limited refreshes, an
//! issuer that goes down, one that never had keys (503, never allow), and keys published for
//! something other than signatures.

use std::net::TcpListener;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use actix_authz::{AuthzConfig, Caller, Identity, JwksAuthenticator, authenticated, requires};
use actix_web::dev::ServerHandle;
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpResponse, HttpServer, get, web};
use authz_tests::{Reply, header_lines, now};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

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

/// A JWKS issuer on loopback whose key set, availability and request count the test controls.
struct Issuer {
    url: String,
    jwks: Arc<Mutex<Value>>,
    up: Arc<AtomicBool>,
    hits: Arc<AtomicUsize>,
    handle: ServerHandle,
}

#[derive(Clone)]
struct IssuerState {
    jwks: Arc<Mutex<Value>>,
    up: Arc<AtomicBool>,
    hits: Arc<AtomicUsize>,
}

async fn serve_jwks(state: web::Data<IssuerState>) -> HttpResponse {
    state.hits.fetch_add(1, Ordering::SeqCst);
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
            handle,
        }
    }

    fn publish(&self, jwks: Value) {
        *self.jwks.lock().unwrap_or_else(PoisonError::into_inner) = jwks;
    }

    fn set_up(&self, up: bool) {
        self.up.store(up, Ordering::SeqCst);
    }

    fn hits(&self) -> usize {
        self.hits.load(Ordering::SeqCst)
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
    let unknown = SigningKey::rsa("unknown");
    assert_invalid_token(&call(&jwks, bearer("/me", &unknown.token("x", &[]))).await);
    let attempts = issuer.hits();
    assert!(attempts >= 3, "the issuer was asked again: {attempts}");

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
