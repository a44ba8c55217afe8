//! No secret in the logs and audit records of the paths `http_logs` does not take: injected
//! authenticator errors, panics whose message quotes the credential, timeouts, hits and misses
//! of the verified-token cache, and tokens in the query string. Alone in its test binary: a
//! test running beside it without the capturing subscriber could make tracing skip its
//! callsites.

use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use actix_authz::{AuthzConfig, FnAuthenticator, JwtAuthenticator, Outcome, requires};
use actix_web::http::header::AUTHORIZATION;
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpRequest, get, rt};
use authz_tests::Reply;
use authz_tests::logs::Capture;
use authz_tests::sentinels::{
    API_KEY, KEY, PASSWORD, api_key_authenticator, assert_hidden, basic_authenticator, basic_blob,
    formats, token,
};

#[get("/admin")]
#[requires(role = "admin")]
async fn admin() -> &'static str {
    "admin"
}

/// Every audit record of the log test, as `Debug` and as JSON.
static AUDIT: Mutex<String> = Mutex::new(String::new());

fn audit(record: &actix_authz::AuditRecord<'_>) {
    let json = serde_json::to_string(record).unwrap_or_default();
    let mut audit = AUDIT.lock().unwrap_or_else(PoisonError::into_inner);
    audit.push_str(&formats(record));
    audit.push_str(&json);
    audit.push('\n');
}

/// The fault injector of the log test: an error, a panic whose message quotes the credential
/// (an authenticator's bug the runtime must not spread), or slowness beyond the limit.
async fn faulty(request: HttpRequest) -> Outcome {
    let fault = request
        .headers()
        .get("x-fault")
        .map(|v| v.as_bytes().to_vec());
    let credential = request
        .headers()
        .get(AUTHORIZATION)
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .unwrap_or_default();
    match fault.as_deref() {
        Some(b"error") => Outcome::Unavailable,
        Some(b"panic") => panic!("cannot check {credential}"),
        Some(b"slow") => {
            rt::time::sleep(Duration::from_secs(2)).await;
            Outcome::Anonymous
        }
        _ => Outcome::Anonymous,
    }
}

#[test]
fn logs_of_faults_cache_and_query_tokens_hold_no_credential() {
    let capture = Capture::default();
    let good = token(&["admin"], 600);
    let bare = token(&[], 600);
    let expired = token(&["admin"], -600);
    let secrets = [
        good.clone(),
        bare.clone(),
        expired.clone(),
        basic_blob(),
        PASSWORD.to_owned(),
        API_KEY.to_owned(),
    ];
    // Silence the injected panics' default report on stderr (not a log of the runtime).
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let statuses = tracing::subscriber::with_default(capture.clone(), || {
        rt::System::new().block_on(async {
            let config = AuthzConfig::new("secrets")
                .authenticator(FnAuthenticator::new(faulty))
                .authenticator(JwtAuthenticator::hs256(KEY).cache(16))
                .authenticator(basic_authenticator())
                .authenticator(api_key_authenticator())
                .timeout(Some(Duration::from_millis(50)))
                .audit(audit)
                .audit_granted(true);
            let app = test::init_service(App::new().app_data(config).service(admin)).await;
            let mut statuses = Vec::new();
            let requests = [
                (format!("Bearer {good}"), None, "/admin"),
                (format!("Bearer {good}"), None, "/admin"),
                (format!("Bearer {bare}"), None, "/admin"),
                (format!("Bearer {bare}"), None, "/admin"),
                (format!("Bearer {expired}"), None, "/admin"),
                (format!("Bearer {expired}"), None, "/admin"),
                (format!("Basic {}", basic_blob()), None, "/admin"),
                (format!("Bearer {good}"), Some("error"), "/admin"),
                (format!("Bearer {good}"), Some("panic"), "/admin"),
                (format!("Basic {}", basic_blob()), Some("panic"), "/admin"),
                (format!("Bearer {good}"), Some("slow"), "/admin"),
                (
                    String::new(),
                    None,
                    &*format!("/admin?access_token={good}&password={PASSWORD}"),
                ),
            ];
            for (value, fault, uri) in &requests {
                let mut request = TestRequest::get()
                    .uri(uri)
                    .insert_header(("x-api-key", "wrong"));
                if !value.is_empty() {
                    request = request.insert_header((AUTHORIZATION, value.as_str()));
                }
                if let Some(fault) = fault {
                    request = request.insert_header(("x-fault", *fault));
                }
                statuses.push(Reply::of(&app, request).await.status.as_u16());
            }
            statuses
        })
    });
    std::panic::set_hook(hook);
    assert_eq!(
        statuses,
        [200, 200, 403, 403, 401, 401, 403, 503, 500, 500, 503, 401]
    );
    let audit = AUDIT.lock().unwrap_or_else(PoisonError::into_inner).clone();
    // Every decision was recorded, granted ones included.
    assert!(audit.matches("AuditRecord").count() >= 12, "{audit}");
    let logs = capture.text() + &audit;
    for expected in [
        "panicked",
        "timed out",
        "unavailable",
        "denied",
        "bearer token refused",
    ] {
        assert!(
            logs.contains(expected),
            "no {expected:?} in the logs:\n{logs}"
        );
    }
    let secrets: Vec<&str> = secrets.iter().map(String::as_str).collect();
    assert_hidden(&logs, &secrets);
}
