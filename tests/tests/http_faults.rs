//! Faults in the identity backend and in argument checks: an error is a 503, a panic a 500
//! (and the app goes on serving), slowness beyond the configured limit a 503. A panic in the
//! application's other code that a decision calls (its identity type, an authenticator's
//! challenge, a denial responder) is a 500 as well. The handler never runs for any of them.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use actix_authz::{
    Authentication, Authenticator, AuthzConfig, Challenge, ChallengeKind, Credentials, Denial,
    FnAuthenticator, Identity, Outcome, Principal, Require, Requirement, requires,
};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{App, HttpRequest, HttpResponse, get, test, web};
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

/// An identity type whose membership test panics.
#[derive(Debug)]
struct BrokenIdentity;

impl Identity for BrokenIdentity {
    fn subject(&self) -> &str {
        "broken"
    }

    fn has_role(&self, _: &str) -> bool {
        panic!("the identity type broke")
    }
}

/// Authenticates nobody, and panics when asked for its challenge.
struct BrokenChallenge;

impl Authenticator for BrokenChallenge {
    fn authenticate(&self, _: &HttpRequest, _: Option<Credentials<'_>>) -> Authentication {
        Outcome::Anonymous.into()
    }

    fn challenge(&self, _: &str, _: ChallengeKind<'_>) -> Option<Challenge> {
        panic!("the challenge broke")
    }
}

fn broken_responder(_: &Denial<'_>) -> HttpResponse {
    panic!("the denial responder broke")
}

#[get("/checked-by-role")]
#[requires(role = "admin", check = is_anyone(runs))]
async fn checked_by_role(runs: web::Data<Runs>) -> &'static str {
    runs.0.fetch_add(1, Ordering::SeqCst);
    "checked"
}

fn is_anyone(_: &web::Data<Runs>) -> bool {
    false
}

const ADMIN: Requirement = Requirement::Role("admin");

#[get("/scoped")]
async fn scoped(runs: web::Data<Runs>) -> &'static str {
    runs.0.fetch_add(1, Ordering::SeqCst);
    "scoped"
}

/// Serves `/admin`, `/checked-by-role` and, behind `Require`, `/staff/scoped` with `config`,
/// and answers `path` without credentials.
async fn reply(config: AuthzConfig, runs: &web::Data<Runs>, path: &'static str) -> Reply {
    let app = test::init_service(
        App::new()
            .app_data(config)
            .app_data(runs.clone())
            .service(admin)
            .service(checked_by_role)
            .service(
                web::scope("/staff")
                    .wrap(Require::new(&ADMIN))
                    .service(scoped),
            ),
    )
    .await;
    Reply::of(&app, test::TestRequest::get().uri(path)).await
}

#[actix_web::test]
async fn panics_in_the_apps_code_a_decision_calls_are_500s() {
    let runs = web::Data::new(Runs::default());
    let broken_identity = || {
        AuthzConfig::new("faults").authenticator(
            FnAuthenticator::new(|_| async { Outcome::authenticated(BrokenIdentity) })
                .challenge_scheme("Test"),
        )
    };
    let lacking_role = || {
        AuthzConfig::new("faults").authenticator(FnAuthenticator::new(|_| async {
            Outcome::authenticated(Principal::new("nobody"))
        }))
    };
    for (config, path) in [
        (broken_identity(), "/admin"),
        (broken_identity(), "/checked-by-role"),
        (broken_identity(), "/staff/scoped"),
        (
            AuthzConfig::new("faults").authenticator(BrokenChallenge),
            "/admin",
        ),
        (
            AuthzConfig::new("faults").authenticator(BrokenChallenge),
            "/staff/scoped",
        ),
        (lacking_role().deny_with(broken_responder), "/admin"),
        (lacking_role().deny_with(broken_responder), "/staff/scoped"),
    ] {
        problem(
            &reply(config, &runs, path).await,
            StatusCode::INTERNAL_SERVER_ERROR,
        );
    }
    assert_eq!(runs.0.load(Ordering::SeqCst), 0, "no handler ran");

    // A check that answers `false` is denied through the same responder.
    let admin_only = || {
        AuthzConfig::new("faults").authenticator(FnAuthenticator::new(|_| async {
            Outcome::authenticated(Principal::new("root").with_roles(["admin"]))
        }))
    };
    problem(
        &reply(
            admin_only().deny_with(broken_responder),
            &runs,
            "/checked-by-role",
        )
        .await,
        StatusCode::INTERNAL_SERVER_ERROR,
    );
    // Without the broken responder, the same request is the ordinary 403.
    let denied = reply(admin_only(), &runs, "/checked-by-role").await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(runs.0.load(Ordering::SeqCst), 0, "no handler ran");
}
