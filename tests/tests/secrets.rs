//! No secret in `Debug` or `Display`.
//!
//! Every type of the runtime that holds or sees a credential or a key is built around sentinel
//! secrets and formatted every way it can be (`{:?}`, `{:#?}`, `{}` where it has one): the
//! parsed header, decoded Basic credentials, each authenticator (with the keys and closures
//! they capture), the configuration, outcomes, refusals and what a denial responder sees.
//! `secrets_logs.rs` does the same for the logs and audit records.

use std::sync::{Mutex, PoisonError};

use actix_authz::{
    AuthzConfig, BasicCredentials, Caller, Credentials, Denial, JwtAuthenticator, Outcome,
    Principal, requires,
};
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::test::{self, TestRequest};
use actix_web::{App, FromRequest as _, HttpResponse, ResponseError as _, get, rt};
use authz_tests::sentinels::{
    API_KEY, KEY, PASSWORD, api_key_authenticator, assert_hidden, basic_authenticator, basic_blob,
    formats, token,
};
use authz_tests::{Reply, sign_claims};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::json;

#[test]
fn parsed_credentials_are_redacted() {
    let bearer_value = format!("Bearer {}", token(&["admin"], 600));
    let bearer = Credentials::parse(bearer_value.as_bytes()).unwrap();
    let basic_value = format!("Basic {}", basic_blob());
    let basic = Credentials::parse(basic_value.as_bytes()).unwrap();
    let decoded = BasicCredentials::decode(basic_blob().as_bytes()).unwrap();
    let text = [formats(&bearer), formats(&basic), formats(&decoded)].join("\n");
    assert_hidden(&text, &[&bearer_value[7..], &basic_blob(), PASSWORD]);
    // What is shown is what helps: the schemes and the user id.
    assert!(
        text.contains("Bearer") && text.contains("Basic") && text.contains("sam"),
        "{text}"
    );
}

#[test]
fn authenticators_and_configuration_hide_their_keys() {
    let hs256 = JwtAuthenticator::hs256(KEY);
    let full = JwtAuthenticator::new(
        DecodingKey::from_secret(KEY),
        &[Algorithm::HS256, Algorithm::HS384],
    )
    .unwrap()
    .issuer(["https://issuer.example"])
    .audience(["api"])
    .leeway(5)
    .cache(8);
    let basic = basic_authenticator();
    let api_key = api_key_authenticator();
    let text = [
        formats(&hs256),
        formats(&full),
        formats(&basic),
        formats(&api_key),
    ]
    .join("\n");
    let key_text = std::str::from_utf8(KEY).unwrap();
    assert_hidden(&text, &[key_text, API_KEY, PASSWORD, &STANDARD.encode(KEY)]);
    assert!(
        text.contains("HS384") && text.contains("issuer.example"),
        "{text}"
    );

    let config = AuthzConfig::new("secrets")
        .authenticator(hs256)
        .authenticator(basic)
        .authenticator(api_key);
    assert_hidden(&formats(&config), &[key_text, API_KEY, PASSWORD]);
}

/// Runs `authenticator` on one `Authorization` value.
fn outcome(authenticator: &dyn actix_authz::Authenticator, value: &str) -> Outcome {
    let request = TestRequest::default().to_http_request();
    rt::System::new()
        .block_on(authenticator.authenticate(&request, Credentials::parse(value.as_bytes())))
}

#[test]
fn outcomes_and_the_token_cache_show_no_token() {
    let cached = JwtAuthenticator::hs256(KEY).cache(16);
    let good = token(&["admin"], 600);
    let expired = token(&["admin"], -600);
    let forged = sign_claims(
        b"another key",
        Algorithm::HS256,
        &json!({ "sub": "sam", "exp": authz_tests::now() + 600 }),
    );
    let mut text = String::new();
    for _miss_then_hit in 0..2 {
        for value in [&good, &expired, &forged] {
            text += &formats(&outcome(&cached, &format!("Bearer {value}")));
        }
    }
    text += &formats(&outcome(
        &basic_authenticator(),
        &format!("Basic {}", basic_blob()),
    ));
    text += &formats(&cached);
    assert_hidden(&text, &[&good, &expired, &forged, &basic_blob(), PASSWORD]);
    // The outcomes were the expected ones: an identity, then the refusals.
    assert!(
        text.contains("Authenticated") && text.contains("expired") && text.contains("invalid"),
        "{text}"
    );
}

/// What the denial responder below saw, formatted.
static DENIALS: Mutex<String> = Mutex::new(String::new());

fn record_denial(denial: &Denial<'_>) -> HttpResponse {
    DENIALS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .push_str(&formats(denial));
    HttpResponse::build(denial.kind().status()).finish()
}

#[get("/admin")]
#[requires(role = "admin")]
async fn admin() -> &'static str {
    "admin"
}

#[actix_web::test]
async fn refusals_and_denials_show_no_credential() {
    let secrets = [token(&[], 600), token(&["admin"], -600), basic_blob()];
    let values = [
        format!("Bearer {}", secrets[0]),
        format!("Bearer {}", secrets[1]),
        format!("Basic {}", secrets[2]),
        format!("Basic {}", STANDARD.encode("sam:wrong")),
    ];
    // `Caller` as an extractor: the refusal as an error value.
    let config = AuthzConfig::new("secrets")
        .authenticator(JwtAuthenticator::hs256(KEY))
        .authenticator(basic_authenticator());
    let mut text = String::new();
    for value in &values {
        let request = TestRequest::default()
            .app_data(config.clone())
            .insert_header((AUTHORIZATION, value.as_str()))
            .to_http_request();
        match Caller::<Principal>::extract(&request).await {
            Ok(caller) => text += &formats(&caller),
            Err(error) => {
                text += &formats(&error);
                text += &format!("{error}\n");
                let response = error.error_response();
                text += &formats(&response.headers());
            }
        }
    }
    // A denial responder sees every 401 and 403.
    let app = test::init_service(
        App::new()
            .app_data(config.clone().deny_with(record_denial))
            .service(admin),
    )
    .await;
    for value in &values {
        let request = TestRequest::get()
            .uri("/admin")
            .insert_header((AUTHORIZATION, value.as_str()));
        let reply = Reply::of(&app, request).await;
        assert!(
            [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&reply.status),
            "{value}: {}",
            reply.status
        );
    }
    let denials = DENIALS
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    assert_eq!(
        denials.matches("Denial {").count(),
        2 * values.len(),
        "{denials}"
    );
    text += &denials;
    let secrets: Vec<&str> = secrets
        .iter()
        .map(String::as_str)
        .chain([PASSWORD])
        .collect();
    assert_hidden(&text, &secrets);
}
