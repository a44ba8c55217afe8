//! Faults in the identity backend and in argument checks: an error is a 503, a panic a 500
//! (and the app goes on serving), slowness beyond the configured limit a 503. The handler never
//! runs for any of them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_authz::{AuthzConfig, FnAuthenticator, Outcome, Principal, requires};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{App, get, test, web};
use authz_tests::Reply;

/// What the test authenticator does, chosen by the request's `x-fault` header.
async fn faulty(request: actix_web::HttpRequest) -> Outcome {
    let fault = request
        .headers()
        .get("x-fault")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    match fault.as_str() {
        "panic" => panic!("the identity backend broke"),
        "slow" => {
            actix_web::rt::time::sleep(Duration::from_secs(5)).await;
            Outcome::authenticated(Principal::new("late").with_roles(["admin"]))
        }
        "error" => Outcome::Unavailable,
        _ => Outcome::authenticated(Principal::new("ok").with_roles(["admin"])),
    }
}

#[derive(Default)]
struct Runs(AtomicUsize);

fn panicking_check(_: &web::Data<Runs>) -> bool {
    panic!("the check broke")
}

/// Answers after the configured time limit.
async fn slow_check(_: &web::Data<Runs>) -> bool {
    actix_web::rt::time::sleep(Duration::from_secs(5)).await;
    true
}

/// Panics once it has waited: the panic comes from a later poll, not the first.
async fn late_panicking_check(_: &web::Data<Runs>) -> bool {
    actix_web::rt::time::sleep(Duration::from_millis(1)).await;
    panic!("the check broke late")
}

fn failing_check(_: &web::Data<Runs>) -> Result<bool, &'static str> {
    Err("the check's store broke")
}

#[get("/admin")]
#[requires(role = "admin")]
async fn admin(runs: web::Data<Runs>) -> &'static str {
    runs.0.fetch_add(1, Ordering::SeqCst);
    "admin area"
}

#[get("/checked")]
#[requires(role = "admin", check = panicking_check(runs))]
async fn checked(runs: web::Data<Runs>) -> &'static str {
    runs.0.fetch_add(1, Ordering::SeqCst);
    "checked"
}

#[get("/slow-check")]
#[requires(role = "admin", check = slow_check(runs).await)]
async fn slow_checked(runs: web::Data<Runs>) -> &'static str {
    runs.0.fetch_add(1, Ordering::SeqCst);
    "checked"
}

#[get("/late-panic")]
#[requires(role = "admin", check = late_panicking_check(runs).await)]
async fn late_panic_checked(runs: web::Data<Runs>) -> &'static str {
    runs.0.fetch_add(1, Ordering::SeqCst);
    "checked"
}

#[get("/failing-check")]
#[requires(role = "admin", check = failing_check(runs))]
async fn failing_checked(runs: web::Data<Runs>) -> &'static str {
    runs.0.fetch_add(1, Ordering::SeqCst);
    "checked"
}

fn problem(reply: &Reply, status: StatusCode) {
    assert_eq!(reply.status, status, "{:?}", reply.body);
    assert_eq!(reply.challenges(), Vec::<String>::new());
    assert_eq!(
        reply.headers.get(header::CACHE_CONTROL).unwrap(),
        "no-store"
    );
    let body: serde_json::Value = serde_json::from_slice(&reply.body).unwrap();
    assert_eq!(body["status"], status.as_u16());
    assert_eq!(body["title"], status.canonical_reason().unwrap());
    let text = String::from_utf8_lossy(&reply.body);
    assert!(!text.contains("broke"), "internal text leaked: {text}");
}

#[actix_web::test]
async fn faults_fail_closed_and_the_app_goes_on() {
    let runs = web::Data::new(Runs::default());
    let config = AuthzConfig::new("faults")
        .authenticator(FnAuthenticator::new(faulty).challenge_scheme("Test"))
        .timeout(Some(Duration::from_millis(200)));
    let app = test::init_service(
        App::new()
            .app_data(config)
            .app_data(runs.clone())
            .service(admin)
            .service(checked)
            .service(slow_checked)
            .service(late_panic_checked)
            .service(failing_checked),
    )
    .await;
    let call = |fault: &'static str, path: &'static str| {
        test::TestRequest::get()
            .uri(path)
            .insert_header(("x-fault", fault))
    };

    problem(
        &Reply::of(&app, call("error", "/admin")).await,
        StatusCode::SERVICE_UNAVAILABLE,
    );
    problem(
        &Reply::of(&app, call("panic", "/admin")).await,
        StatusCode::INTERNAL_SERVER_ERROR,
    );
    let started = std::time::Instant::now();
    problem(
        &Reply::of(&app, call("slow", "/admin")).await,
        StatusCode::SERVICE_UNAVAILABLE,
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the limit cut the wait short"
    );
    problem(
        &Reply::of(&app, call("none", "/checked")).await,
        StatusCode::INTERNAL_SERVER_ERROR,
    );
    let started = std::time::Instant::now();
    problem(
        &Reply::of(&app, call("none", "/slow-check")).await,
        StatusCode::SERVICE_UNAVAILABLE,
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the limit cut the check short"
    );
    problem(
        &Reply::of(&app, call("none", "/late-panic")).await,
        StatusCode::INTERNAL_SERVER_ERROR,
    );
    problem(
        &Reply::of(&app, call("none", "/failing-check")).await,
        StatusCode::SERVICE_UNAVAILABLE,
    );
    assert_eq!(runs.0.load(Ordering::SeqCst), 0, "no handler ran");

    // The same app still serves after the panics.
    let reply = Reply::of(&app, call("none", "/admin")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.body, "admin area");
    assert_eq!(runs.0.load(Ordering::SeqCst), 1);
}
