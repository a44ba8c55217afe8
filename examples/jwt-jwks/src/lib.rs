//! Bearer tokens signed by an identity provider, verified against the JWKS it publishes:
//! `cargo run -p jwt-jwks`.
//!
//! So that it runs with no set-up, the example starts a tiny issuer of its own on loopback
//! ([`issuer`]): it publishes the public half of its key at `/jwks` and signs tokens
//! ([`mint`]). The API ([`configure`], [`authz`]) knows only the issuer's URL, as it would know
//! Keycloak's, Auth0's or Okta's `jwks_uri`.
//!
//! | route | protection |
//! | --- | --- |
//! | `GET /health` | public |
//! | `GET /me` | authenticated |
//! | `GET /admin` | role `admin` |

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_authz::{
    AuthzConfig, Caller, Identity, JwksAuthenticator, authenticated, public, requires,
};
use actix_web::{HttpResponse, get, web};
use jsonwebtoken::jwk::{Jwk, JwkSet};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

/// The realm of the challenges.
pub const REALM: &str = "jwt-jwks";
/// The audience the API accepts, and the issuer's tokens carry.
pub const AUDIENCE: &str = "jwt-jwks-example";
/// The `kid` of the issuer's key.
pub const KEY_ID: &str = "example-2026";

const ISSUER_KEY: &[u8] = include_bytes!("../keys/issuer-es256.pem");

fn signing_key() -> EncodingKey {
    EncodingKey::from_ec_pem(ISSUER_KEY).expect("the example key is a valid PEM")
}

/// The issuer's JWKS: the public half of its key.
pub fn jwks() -> JwkSet {
    let mut jwk = Jwk::from_encoding_key(&signing_key(), Algorithm::ES256)
        .expect("the example key has a public half");
    jwk.common.key_id = Some(KEY_ID.to_owned());
    JwkSet { keys: vec![jwk] }
}

/// A token of the issuer at `issuer` for `sub` with `roles`, valid for `ttl`.
pub fn mint(issuer: &str, sub: &str, roles: &[&str], ttl: Duration) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(KEY_ID.to_owned());
    let claims = json!({
        "iss": issuer,
        "aud": AUDIENCE,
        "sub": sub,
        "roles": roles,
        "exp": now + ttl.as_secs(),
    });
    jsonwebtoken::encode(&header, &claims, &signing_key()).expect("ES256 signing cannot fail")
}

/// The issuer's routes: `GET /jwks`.
///
/// ```
/// use actix_web::{App, test};
///
/// # actix_web::rt::System::new().block_on(async {
/// let issuer = test::init_service(App::new().configure(jwt_jwks::issuer)).await;
/// let response = test::call_service(&issuer, test::TestRequest::get().uri("/jwks").to_request()).await;
/// let jwks: serde_json::Value = test::read_body_json(response).await;
/// assert_eq!(jwks["keys"][0]["kid"], jwt_jwks::KEY_ID);
/// # });
/// ```
pub fn issuer(config: &mut web::ServiceConfig) {
    config.route(
        "/jwks",
        web::get().to(|| async { HttpResponse::Ok().json(jwks()) }),
    );
}

/// The API's authorization: tokens of the issuer at `issuer_url` (its base URL), verified
/// against its `/jwks`.
pub fn authz(issuer_url: &str) -> AuthzConfig {
    AuthzConfig::new(REALM).authenticator(
        JwksAuthenticator::new(format!("{issuer_url}/jwks"))
            .issuer([issuer_url])
            .audience([AUDIENCE])
            .refresh_interval(Duration::from_secs(10)),
    )
}

/// The API's routes. The app also needs [`authz`].
pub fn configure(config: &mut web::ServiceConfig) {
    config.service(health).service(me).service(admin);
}

#[public]
#[get("/health")]
async fn health() -> &'static str {
    "ok"
}

#[authenticated]
#[get("/me")]
async fn me(caller: Caller) -> String {
    format!("hello, {}", caller.subject())
}

#[requires(role = "admin")]
#[get("/admin")]
async fn admin() -> &'static str {
    "admin area"
}
