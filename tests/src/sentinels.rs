//! The sentinel secrets of the secret-hiding tests (`secrets.rs`, `secrets_logs.rs`), the
//! credentials and authenticators built around them, and the check that none shows in a text.

use actix_authz::{Authenticator, BasicAuthenticator, FnAuthenticator, Outcome, Principal};
use actix_web::HttpRequest;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::Algorithm;
use serde_json::json;

use crate::sign_claims;

/// The JWT key of the apps of those tests: itself a secret.
pub const KEY: &[u8] = b"SENTINEL-KEY-8f3a1c";
/// A password.
pub const PASSWORD: &str = "SENTINEL-PASSWORD-41d7";
/// What a custom authenticator keeps in its closure.
pub const API_KEY: &str = "SENTINEL-API-KEY-77ab";

/// An HS256 token of `sam` with `roles`, signed with [`KEY`], expiring `exp_offset` seconds
/// from now.
pub fn token(roles: &[&str], exp_offset: i64) -> String {
    sign_claims(
        KEY,
        Algorithm::HS256,
        &json!({ "sub": "sam", "exp": crate::now() + exp_offset, "roles": roles }),
    )
}

/// The Basic credentials `sam:`[`PASSWORD`], encoded.
pub fn basic_blob() -> String {
    STANDARD.encode(format!("sam:{PASSWORD}"))
}

/// Every way to format `value`.
pub fn formats(value: &(impl std::fmt::Debug + ?Sized)) -> String {
    format!("{value:?}\n{value:#?}")
}

/// Fails when any of `secrets` shows in `text`.
#[track_caller]
pub fn assert_hidden(text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!secret.is_empty());
        assert!(!text.contains(secret), "{secret:?} shows in:\n{text}");
    }
}

/// Basic `sam:`[`PASSWORD`], compared in constant time.
pub fn basic_authenticator() -> BasicAuthenticator {
    BasicAuthenticator::new(|credentials| async move {
        let ok =
            actix_authz::constant_time_eq(credentials.password().as_bytes(), PASSWORD.as_bytes());
        Ok((credentials.user_id() == "sam" && ok).then(|| Principal::new("sam")))
    })
}

/// An API-key authenticator (`x-api-key:` [`API_KEY`]) that keeps the key in its closure; the
/// key is only ever compared.
pub fn api_key_authenticator() -> impl Authenticator + std::fmt::Debug {
    let key = API_KEY.to_owned();
    FnAuthenticator::new(move |request: HttpRequest| {
        let matches = request
            .headers()
            .get("x-api-key")
            .is_some_and(|value| value.as_bytes() == key.as_bytes());
        async move {
            if matches {
                Outcome::authenticated(Principal::new("service"))
            } else {
                Outcome::Anonymous
            }
        }
    })
    .challenge_scheme("ApiKey")
}
