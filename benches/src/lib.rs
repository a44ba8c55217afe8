//! Shared pieces of the actix-authz benchmarks: the identity sources, the JWT claims and keys,
//! and the hand-written and actix-web-grants equivalents of a `#[requires(role = "admin")]`
//! handler, so that every contestant verifies the same token the same way.
//!
//! - `cargo bench -p authz-benches`: the in-process benchmarks (`benches/authorization.rs`).
//! - `scripts/bench-http`: the loopback load benchmark over the binaries of this crate
//!   (`bench-authz-server`, `bench-hand-server`, `bench-grants-server`, `bench-token`) and the
//!   demo.
//! - `tests/zero_alloc.rs`: decisions perform no heap allocation.
//!
//! The loopback servers wrap the demo's CORS layer ([`demo::cors`]), as the demo does, so that
//! comparing them with the demo measures the authorization layer alone.

use std::collections::HashSet;
use std::sync::Arc;

use actix_authz::{
    Authentication, Authenticator, Credentials, Identity, JwtAuthenticator, Outcome, Principal,
};
use actix_web::dev::{HttpServiceFactory, ServiceRequest};
use actix_web::http::Method;
use actix_web::http::header::AUTHORIZATION;
use actix_web::web::ServiceConfig;
use actix_web::{HttpRequest, Resource, error, guard, web};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};

/// The role every benchmark requires.
pub const ROLE: &str = "admin";

/// The roles of the benchmark identity: the required one is the last, so that a membership test
/// walks the whole list.
pub const ROLES: [&str; 2] = ["user", ROLE];

/// Test-only RSA private key (PKCS#8 PEM) that signs the RS256 benchmark tokens; see
/// `benches/keys/README.md`.
pub const RS256_PRIVATE_PEM: &[u8] = include_bytes!("../keys/rs256-private.pem");

/// The public half of [`RS256_PRIVATE_PEM`].
pub const RS256_PUBLIC_PEM: &[u8] = include_bytes!("../keys/rs256-public.pem");

/// The benchmark identity: subject `alice`, roles [`ROLES`].
pub fn principal() -> Principal {
    Principal::new("alice").with_roles(ROLES)
}

/// The same roles as a set, the identity actix-web-grants works with.
pub fn authorities() -> HashSet<String> {
    ROLES.iter().map(|role| (*role).to_owned()).collect()
}

/// An authenticator that hands out one fixed identity, whatever the request: the cheapest
/// identity source there is, so that a benchmark measures the authorization layer alone.
#[derive(Debug, Clone)]
pub struct StaticAuthenticator {
    identity: Arc<dyn Identity>,
}

impl StaticAuthenticator {
    /// Always authenticates as `identity`.
    pub fn new(identity: impl Identity) -> Self {
        Self {
            identity: Arc::new(identity),
        }
    }

    /// The identity, shared: what a hand-written handler reads from the same source.
    pub fn identity(&self) -> Arc<dyn Identity> {
        Arc::clone(&self.identity)
    }
}

impl Authenticator for StaticAuthenticator {
    fn authenticate(
        &self,
        _request: &HttpRequest,
        _credentials: Option<Credentials<'_>>,
    ) -> Authentication {
        Outcome::Authenticated(self.identity()).into()
    }
}

/// The actix-web-grants counterpart of [`StaticAuthenticator`]: the same roles for every
/// request. Its extractor API returns an owned set per request, so this clones a prepared one.
pub async fn static_authorities(
    _request: &ServiceRequest,
) -> Result<HashSet<String>, actix_web::Error> {
    static AUTHORITIES: std::sync::LazyLock<HashSet<String>> =
        std::sync::LazyLock::new(authorities);
    Ok(AUTHORITIES.clone())
}

/// The actix-web-grants extractor of the JWT contestants: the roles of the request's HS256
/// token, verified by the app's [`HandVerifier`] exactly as the hand-written handler does;
/// 401 without a valid token.
pub async fn jwt_authorities(
    request: &ServiceRequest,
) -> Result<HashSet<String>, actix_web::Error> {
    let verifier = request
        .app_data::<HandVerifier>()
        .ok_or_else(|| error::ErrorInternalServerError("no HandVerifier registered"))?;
    let claims = verifier.claims_of_service_request(request)?;
    Ok(claims.roles.into_iter().collect())
}

/// The claims of the benchmark tokens, as a hand-written handler decodes them: the fields
/// [`Principal`] reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// Subject.
    pub sub: String,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
    /// Roles.
    #[serde(default)]
    pub roles: Vec<String>,
    /// Permissions.
    #[serde(default)]
    pub permissions: Vec<String>,
    /// OAuth scopes, space-separated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
}

impl Claims {
    /// An admin valid for `ttl` seconds from now.
    pub fn admin(ttl: u64) -> Self {
        Self {
            sub: "alice".to_owned(),
            exp: jsonwebtoken::get_current_timestamp() + ttl,
            roles: ROLES.iter().map(|role| (*role).to_owned()).collect(),
            permissions: Vec::new(),
            scope: None,
        }
    }
}

/// The HS256 secret of the demo, which the other HS256 contestants share: `DEMO_JWT_SECRET`,
/// or the demo's default.
pub fn hs256_secret() -> Vec<u8> {
    std::env::var("DEMO_JWT_SECRET")
        .unwrap_or_else(|_| "demo-secret".to_owned())
        .into_bytes()
}

/// Signs `claims` with HS256 and `secret`.
pub fn sign_hs256(secret: &[u8], claims: &Claims) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("HS256 signing of serializable claims cannot fail")
}

/// Signs `claims` with RS256 and the test key [`RS256_PRIVATE_PEM`].
pub fn sign_rs256(claims: &Claims) -> String {
    let key = EncodingKey::from_rsa_pem(RS256_PRIVATE_PEM).expect("the test key is a valid PEM");
    jsonwebtoken::encode(&Header::new(Algorithm::RS256), claims, &key)
        .expect("RS256 signing of serializable claims cannot fail")
}

/// The RS256 authenticator of the benchmarks, on the test key.
pub fn rs256_authenticator() -> JwtAuthenticator {
    let key = DecodingKey::from_rsa_pem(RS256_PUBLIC_PEM).expect("the test key is a valid PEM");
    JwtAuthenticator::new(key, &[Algorithm::RS256]).expect("RS256 fits an RSA key")
}

/// A hand-written JWT check with the validation `JwtAuthenticator::hs256` applies: HS256 only,
/// `exp` required, `exp` and `nbf` checked with 60 seconds of leeway.
#[derive(Clone)]
pub struct HandVerifier {
    key: DecodingKey,
    validation: Validation,
}

impl HandVerifier {
    /// HS256 with `secret`.
    pub fn hs256(secret: &[u8]) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_required_spec_claims(&["exp"]);
        validation.validate_nbf = true;
        validation.validate_aud = false;
        Self {
            key: DecodingKey::from_secret(secret),
            validation,
        }
    }

    /// The claims of the request's `Authorization: Bearer` token, or the 401 to answer.
    pub fn claims(&self, request: &HttpRequest) -> Result<Claims, actix_web::Error> {
        self.decode(request.headers().get_all(AUTHORIZATION))
    }

    /// The same for a service request, in a middleware.
    pub fn claims_of_service_request(
        &self,
        request: &ServiceRequest,
    ) -> Result<Claims, actix_web::Error> {
        self.decode(request.headers().get_all(AUTHORIZATION))
    }

    fn decode<'a>(
        &self,
        mut headers: impl Iterator<Item = &'a actix_web::http::header::HeaderValue>,
    ) -> Result<Claims, actix_web::Error> {
        let unauthorized = || error::ErrorUnauthorized("unauthorized");
        let (Some(value), None) = (headers.next(), headers.next()) else {
            return Err(unauthorized());
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or_else(unauthorized)?;
        jsonwebtoken::decode::<Claims>(token, &self.key, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| unauthorized())
    }
}

impl std::fmt::Debug for HandVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandVerifier").finish_non_exhaustive()
    }
}

/// The `--bind ADDR` of a benchmark server's arguments, `127.0.0.1:8080` without one.
pub fn bind_address(args: &[String]) -> String {
    flag(args, "--bind").unwrap_or_else(|| "127.0.0.1:8080".to_owned())
}

/// The value after `name` in `args`, if any.
pub fn flag(args: &[String], name: &str) -> Option<String> {
    args.iter()
        .position(|arg| arg == name)
        .and_then(|index| args.get(index + 1))
        .cloned()
}

/// The routes of a comparison server: its `/admin` alone or, with `--demo-routes` among its
/// `args`, the demo's route table in the demo's order around it: the resources before it
/// (`GET /health`, `GET /me`) and after it, and the `/staff` scope, each answering a fixed
/// text. Routing a request to `/admin` then walks the same resources as in the demo, so that
/// comparing the demo with this server measures the authorization layer, not the size of the
/// route table.
pub fn admin_routes<F>(config: &mut ServiceConfig, args: &[String], admin: F)
where
    F: HttpServiceFactory + 'static,
{
    fn resource(path: &str, method: Method) -> Resource {
        web::resource(path)
            .guard(guard::Method(method))
            .to(|| async { "not measured" })
    }
    if !args.iter().any(|arg| arg == "--demo-routes") {
        config.service(admin);
        return;
    }
    config
        .service(resource("/health", Method::GET))
        .service(resource("/me", Method::GET))
        .service(admin);
    for (path, method) in [
        ("/reports", Method::GET),
        ("/posts/{id}", Method::GET),
        ("/posts/{id}", Method::DELETE),
        ("/articles", Method::GET),
        ("/articles", Method::POST),
        ("/counter", Method::GET),
        ("/counter", Method::POST),
        ("/items/{id}", Method::GET),
        ("/openapi.json", Method::GET),
    ] {
        config.service(resource(path, method));
    }
    config.service(
        web::scope("/staff")
            .service(resource("/status", Method::GET))
            .service(resource("/moderation", Method::GET)),
    );
}
