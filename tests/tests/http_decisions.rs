//! Decision tracing, the audit sink and shadow mode: every decision is one `tracing` event on
//! the `actix_authz::decision` target (denied at `info`, granted at `debug`) and one record for
//! the app's audit sink; shadow mode records would-deny decisions and lets the request through,
//! but never lets an unauthenticated one through.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::sync::{Arc, Mutex, PoisonError};

use actix_authz::{
    AuditRecord, AuthzConfig, BasicAuthenticator, Principal, RefusalKind, Verdict,
    constant_time_eq, requires,
};
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::test::{self, TestRequest};
use actix_web::{App, get, web};
use authz_tests::{Credential, Reply, header_lines};
use serde_json::{Value, json};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Level, Metadata, Subscriber};

// ---------------------------------------------------------------------------------------------
// The app

/// Sentinel passwords: they must never show up in an event or an audit record.
const ADA_PASSWORD: &str = "sentinel-ada-6f1c2e";
const EVE_PASSWORD: &str = "sentinel-eve-93ab41";

/// `config` with Basic users `ada` (role `admin`) and `eve` (role `viewer`).
fn with_users(config: AuthzConfig) -> AuthzConfig {
    config.authenticator(BasicAuthenticator::new(|credentials| {
        let (user, password) = (credentials.user_id(), credentials.password());
        let ada = user == "ada" && constant_time_eq(password.as_bytes(), ADA_PASSWORD.as_bytes());
        let eve = user == "eve" && constant_time_eq(password.as_bytes(), EVE_PASSWORD.as_bytes());
        std::future::ready(Ok(if ada {
            Some(Principal::new("ada").with_roles(["admin"]))
        } else if eve {
            Some(Principal::new("eve").with_roles(["viewer"]))
        } else {
            None
        }))
    }))
}

#[requires(role = "admin")]
#[get("/admin")]
async fn admin() -> &'static str {
    "admin area"
}

#[requires(role = "admin", shadow)]
#[get("/shadowed")]
async fn shadowed() -> &'static str {
    "shadowed area"
}

fn is_even(id: &web::Path<u32>) -> bool {
    id.is_multiple_of(2)
}

#[requires(check = is_even(id), shadow)]
#[get("/even/{id}")]
async fn even(id: web::Path<u32>) -> String {
    format!("number {id}")
}

#[requires(role = "admin", hide)]
#[get("/posts/{id}")]
async fn post(id: web::Path<u32>) -> String {
    format!("post {id}")
}

fn nested(config: &mut web::ServiceConfig) {
    config.service(web::scope("/api").service(post));
}

fn app(
    config: AuthzConfig,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(with_users(config))
        .service(admin)
        .service(shadowed)
        .service(even)
        .configure(nested)
}

fn as_ada(request: TestRequest) -> TestRequest {
    Credential::basic("ada", ADA_PASSWORD).sign(request).0
}

fn as_eve(request: TestRequest) -> TestRequest {
    Credential::basic("eve", EVE_PASSWORD).sign(request).0
}

async fn call(config: AuthzConfig, request: TestRequest) -> Reply {
    let app = test::init_service(app(config)).await;
    Reply::of(&app, request).await
}

// ---------------------------------------------------------------------------------------------
// What was recorded

/// One captured event: level, target, message and the other fields, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Captured {
    level: Level,
    target: String,
    message: String,
    fields: BTreeMap<String, String>,
}

/// A subscriber that keeps every event, at every level.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Captured>>>);

impl Capture {
    fn events(&self) -> Vec<Captured> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The decision events.
    fn decisions(&self) -> Vec<Captured> {
        self.events()
            .into_iter()
            .filter(|event| event.target == "actix_authz::decision")
            .collect()
    }

    /// Everything, as one text, to look for credentials in.
    fn text(&self) -> String {
        let mut text = String::new();
        for event in self.events() {
            let _ = writeln!(text, "{event:?}");
        }
        text
    }
}

struct Fields<'a>(&'a mut Captured);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let value = format!("{value:?}");
        if field.name() == "message" {
            self.0.message = value;
        } else {
            self.0.fields.insert(field.name().to_owned(), value);
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.0
            .fields
            .insert(field.name().to_owned(), value.to_owned());
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut captured = Captured {
            level: *event.metadata().level(),
            target: event.metadata().target().to_owned(),
            message: String::new(),
            fields: BTreeMap::new(),
        };
        event.record(&mut Fields(&mut captured));
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(captured);
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// An audit sink that keeps each record as JSON, and checks its accessors agree with it.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<Value>>>);

impl Recorder {
    fn sink(&self) -> impl Fn(&AuditRecord<'_>) + Send + Sync + 'static {
        let records = Arc::clone(&self.0);
        move |record: &AuditRecord<'_>| {
            let json = serde_json::to_value(record).expect("a record serializes");
            assert_eq!(json["outcome"], record.verdict().name());
            assert_eq!(json["shadow"], record.is_shadow());
            assert_eq!(json["route"], record.route());
            records
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .push(json);
        }
    }

    fn records(&self) -> Vec<Value> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

fn fields(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect()
}

/// The body of a reply, as text.
fn body(reply: &Reply) -> &str {
    std::str::from_utf8(&reply.body).expect("a UTF-8 body")
}

// ---------------------------------------------------------------------------------------------
// Tracing

#[actix_web::test]
async fn a_denial_is_one_info_event_with_route_subject_requirement_and_what_is_missing() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let reply = call(
        AuthzConfig::new("t"),
        as_eve(TestRequest::get().uri("/admin")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        capture.decisions(),
        [Captured {
            level: Level::INFO,
            target: "actix_authz::decision".to_owned(),
            message: "denied".to_owned(),
            fields: fields(&[
                ("outcome", "forbidden"),
                ("method", "GET"),
                ("route", "/admin"),
                ("subject", "eve"),
                ("requirement", r#"role = "admin""#),
                ("unmet", r#"role = "admin""#),
                ("hidden", "false"),
                ("shadow", "false"),
            ]),
        }]
    );
}

#[actix_web::test]
async fn a_grant_is_one_debug_event() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let reply = call(
        AuthzConfig::new("t"),
        as_ada(TestRequest::get().uri("/admin")),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(body(&reply), "admin area");
    assert_eq!(
        capture.decisions(),
        [Captured {
            level: Level::DEBUG,
            target: "actix_authz::decision".to_owned(),
            message: "granted".to_owned(),
            fields: fields(&[
                ("outcome", "granted"),
                ("method", "GET"),
                ("route", "/admin"),
                ("subject", "ada"),
                ("requirement", r#"role = "admin""#),
            ]),
        }]
    );
}

#[actix_web::test]
async fn a_401_is_traced_without_a_subject() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let anonymous = call(AuthzConfig::new("t"), TestRequest::get().uri("/admin")).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let wrong = Credential::basic("eve", "not-her-password-7c1d");
    let (request, _) = wrong.sign(TestRequest::get().uri("/admin"));
    let invalid = call(AuthzConfig::new("t"), request).await;
    assert_eq!(invalid.status, StatusCode::UNAUTHORIZED);
    let decisions = capture.decisions();
    let outcomes: Vec<(&str, Option<&String>, Level)> = decisions
        .iter()
        .map(|event| {
            (
                event.fields["outcome"].as_str(),
                event.fields.get("subject"),
                event.level,
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("missing_credentials", None, Level::INFO),
            ("invalid_credentials", None, Level::INFO),
        ]
    );
    assert!(decisions.iter().all(|event| event.message == "denied"));
    assert!(!capture.text().contains("not-her-password-7c1d"));
}

#[actix_web::test]
async fn the_route_is_the_matched_pattern_with_its_scope() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let reply = call(
        AuthzConfig::new("t"),
        as_eve(TestRequest::get().uri("/api/posts/7")),
    )
    .await;
    reply.assert_hidden(&"eve on a hidden post");
    let decisions = capture.decisions();
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    assert_eq!(decisions[0].fields["route"], "/api/posts/{id}");
    assert_eq!(decisions[0].fields["hidden"], "true");
    assert_eq!(decisions[0].fields["outcome"], "forbidden");
}

// ---------------------------------------------------------------------------------------------
// The audit sink

#[actix_web::test]
async fn the_sink_receives_every_refusal_and_no_grant_by_default() {
    let recorder = Recorder::default();
    let config = AuthzConfig::new("t").audit(recorder.sink());
    let app = test::init_service(app(config)).await;
    let anonymous = Reply::of(&app, TestRequest::get().uri("/admin")).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let eve = Reply::of(&app, as_eve(TestRequest::get().uri("/admin"))).await;
    assert_eq!(eve.status, StatusCode::FORBIDDEN);
    let ada = Reply::of(&app, as_ada(TestRequest::get().uri("/admin"))).await;
    assert_eq!(ada.status, StatusCode::OK);
    let hidden = Reply::of(&app, as_eve(TestRequest::get().uri("/api/posts/3"))).await;
    hidden.assert_hidden(&"eve on a hidden post");
    let two_headers = as_eve(as_ada(TestRequest::get().uri("/admin")));
    let malformed = Reply::of(&app, two_headers).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        recorder.records(),
        [
            json!({
                "outcome": "missing_credentials", "shadow": false, "hidden": false,
                "method": "GET", "route": "/admin", "subject": null,
                "requirement": "role = \"admin\"", "unmet": null, "check": null,
            }),
            json!({
                "outcome": "forbidden", "shadow": false, "hidden": false,
                "method": "GET", "route": "/admin", "subject": "eve",
                "requirement": "role = \"admin\"", "unmet": "role = \"admin\"", "check": null,
            }),
            json!({
                "outcome": "forbidden", "shadow": false, "hidden": true,
                "method": "GET", "route": "/api/posts/{id}", "subject": "eve",
                "requirement": "role = \"admin\"", "unmet": "role = \"admin\"", "check": null,
            }),
            json!({
                "outcome": "malformed_request", "shadow": false, "hidden": false,
                "method": "GET", "route": "/admin", "subject": null,
                "requirement": "role = \"admin\"", "unmet": null, "check": null,
            }),
        ]
    );
}

#[actix_web::test]
async fn audit_granted_adds_the_grants() {
    let recorder = Recorder::default();
    let config = AuthzConfig::new("t")
        .audit(recorder.sink())
        .audit_granted(true);
    let reply = call(config, as_ada(TestRequest::get().uri("/admin"))).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        recorder.records(),
        [json!({
            "outcome": "granted", "shadow": false, "hidden": false,
            "method": "GET", "route": "/admin", "subject": "ada",
            "requirement": "role = \"admin\"", "unmet": null, "check": null,
        })]
    );
}

#[actix_web::test]
async fn a_panicking_sink_changes_no_decision() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let config = AuthzConfig::new("t")
        .audit(|_: &AuditRecord<'_>| panic!("the sink is broken"))
        .audit_granted(true);
    let app = test::init_service(app(config)).await;
    let denied = Reply::of(&app, as_eve(TestRequest::get().uri("/admin"))).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    let granted = Reply::of(&app, as_ada(TestRequest::get().uri("/admin"))).await;
    assert_eq!(granted.status, StatusCode::OK);
    assert_eq!(body(&granted), "admin area");
    let errors: Vec<_> = capture
        .events()
        .into_iter()
        .filter(|event| event.level == Level::ERROR)
        .map(|event| event.message)
        .collect();
    assert_eq!(
        errors,
        [
            "the audit sink panicked; the decision stands",
            "the audit sink panicked; the decision stands"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Shadow mode

#[actix_web::test]
async fn a_shadowed_handler_lets_a_would_be_denial_through_and_records_it() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let recorder = Recorder::default();
    let config = AuthzConfig::new("t").audit(recorder.sink());
    let reply = call(config, as_eve(TestRequest::get().uri("/shadowed"))).await;
    reply.assert_handler(
        StatusCode::OK,
        &authz_tests::Body::Text("shadowed area"),
        &"eve on a shadowed handler",
    );
    assert_eq!(
        recorder.records(),
        [json!({
            "outcome": "forbidden", "shadow": true, "hidden": false,
            "method": "GET", "route": "/shadowed", "subject": "eve",
            "requirement": "role = \"admin\"", "unmet": "role = \"admin\"", "check": null,
        })]
    );
    let decisions = capture.decisions();
    assert_eq!(decisions.len(), 1, "{decisions:?}");
    assert_eq!(decisions[0].level, Level::INFO);
    assert_eq!(
        decisions[0].message,
        "would deny (shadow mode): let through"
    );
    assert_eq!(decisions[0].fields["shadow"], "true");
    assert_eq!(decisions[0].fields["subject"], "eve");
}

#[actix_web::test]
async fn a_shadowed_handler_still_grants_and_still_demands_an_identity() {
    let recorder = Recorder::default();
    let config = AuthzConfig::new("t").audit(recorder.sink());
    let app = test::init_service(app(config)).await;
    let ada = Reply::of(&app, as_ada(TestRequest::get().uri("/shadowed"))).await;
    assert_eq!(ada.status, StatusCode::OK);
    let anonymous = Reply::of(&app, TestRequest::get().uri("/shadowed")).await;
    anonymous.assert_refused(
        StatusCode::UNAUTHORIZED,
        &[r#"Basic realm="t", charset="UTF-8""#.to_owned()],
        &"anonymous on a shadowed handler",
    );
    let records = recorder.records();
    assert_eq!(records.len(), 1, "{records:?}");
    assert_eq!(records[0]["outcome"], "missing_credentials");
    assert_eq!(records[0]["shadow"], false);
}

#[actix_web::test]
async fn a_shadowed_check_runs_the_handler_and_names_the_check() {
    let recorder = Recorder::default();
    let config = AuthzConfig::new("t").audit(recorder.sink());
    let app = test::init_service(app(config)).await;
    let odd = Reply::of(&app, as_eve(TestRequest::get().uri("/even/3"))).await;
    assert_eq!(odd.status, StatusCode::OK);
    assert_eq!(body(&odd), "number 3");
    let four = Reply::of(&app, as_eve(TestRequest::get().uri("/even/4"))).await;
    assert_eq!(four.status, StatusCode::OK);
    assert_eq!(body(&four), "number 4");
    assert_eq!(
        recorder.records(),
        [json!({
            "outcome": "forbidden", "shadow": true, "hidden": false,
            "method": "GET", "route": "/even/{id}", "subject": "eve",
            "requirement": "authenticated", "unmet": null, "check": "is_even(id)",
        })]
    );
}

#[actix_web::test]
async fn global_shadow_lets_every_authorization_denial_through_but_no_anonymous_caller() {
    let recorder = Recorder::default();
    let config = AuthzConfig::new("t").shadow(true).audit(recorder.sink());
    let app = test::init_service(app(config)).await;
    let eve = Reply::of(&app, as_eve(TestRequest::get().uri("/admin"))).await;
    assert_eq!(eve.status, StatusCode::OK);
    assert_eq!(body(&eve), "admin area");
    let hidden = Reply::of(&app, as_eve(TestRequest::get().uri("/api/posts/5"))).await;
    assert_eq!(hidden.status, StatusCode::OK);
    assert_eq!(body(&hidden), "post 5");
    let anonymous = Reply::of(&app, TestRequest::get().uri("/admin")).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        header_lines(&anonymous.headers, header::WWW_AUTHENTICATE),
        [r#"Basic realm="t", charset="UTF-8""#]
    );
    let wrong =
        Credential::basic("eve", "wrong-password-42").sign(TestRequest::get().uri("/admin"));
    let invalid = Reply::of(&app, wrong.0).await;
    assert_eq!(invalid.status, StatusCode::UNAUTHORIZED);
    let summary: Vec<(String, bool, String)> = recorder
        .records()
        .iter()
        .map(|record| {
            (
                record["outcome"].as_str().unwrap_or_default().to_owned(),
                record["shadow"].as_bool().unwrap_or_default(),
                record["route"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("forbidden".to_owned(), true, "/admin".to_owned()),
            ("forbidden".to_owned(), true, "/api/posts/{id}".to_owned()),
            ("missing_credentials".to_owned(), false, "/admin".to_owned()),
            ("invalid_credentials".to_owned(), false, "/admin".to_owned()),
        ]
    );
}

#[actix_web::test]
async fn verdict_names_are_stable() {
    let named: Vec<&str> = [
        Verdict::Granted,
        Verdict::Refused(RefusalKind::MissingCredentials),
        Verdict::Refused(RefusalKind::InvalidCredentials),
        Verdict::Refused(RefusalKind::Forbidden),
        Verdict::Refused(RefusalKind::MalformedRequest),
        Verdict::Refused(RefusalKind::Unavailable),
    ]
    .iter()
    .map(|verdict| verdict.name())
    .collect();
    assert_eq!(
        named,
        [
            "granted",
            "missing_credentials",
            "invalid_credentials",
            "forbidden",
            "malformed_request",
            "unavailable"
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Never a credential

#[actix_web::test]
async fn no_event_and_no_record_holds_a_credential() {
    let capture = Capture::default();
    let _guard = tracing::subscriber::set_default(capture.clone());
    let written = Arc::new(Mutex::new(String::new()));
    let config = AuthzConfig::new("t")
        .audit({
            let written = Arc::clone(&written);
            move |record: &AuditRecord<'_>| {
                let mut written = written.lock().unwrap_or_else(PoisonError::into_inner);
                let json = serde_json::to_string(record).unwrap_or_default();
                let _ = writeln!(written, "{json}\n{record:?}");
            }
        })
        .audit_granted(true);
    let app = test::init_service(app(config)).await;
    let mut secrets = Vec::new();
    for path in ["/admin", "/shadowed", "/even/3", "/api/posts/1"] {
        for credential in [
            Credential::basic("ada", ADA_PASSWORD),
            Credential::basic("eve", EVE_PASSWORD),
            Credential::basic("eve", "sentinel-wrong-5d0e77"),
            Credential::raw(b"Bearer sentinel-token-b7f0e1", &["sentinel-token-b7f0e1"]),
        ] {
            let (request, sent) = credential.sign(TestRequest::get().uri(path));
            let reply = Reply::of(&app, request).await;
            reply.assert_no_secret(&sent, &path);
            assert_ne!(reply.status, StatusCode::INTERNAL_SERVER_ERROR);
            secrets.extend(sent);
        }
    }
    let logs = capture.text();
    let records = written
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    assert!(
        logs.contains("granted") && logs.contains("denied"),
        "{logs}"
    );
    assert!(
        records.contains(r#""outcome":"granted""#) && records.contains("Refused(Forbidden)"),
        "{records}"
    );
    assert!(secrets.len() >= 12, "{secrets:?}");
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "a credential in the logs:\n{logs}"
        );
        assert!(
            !records.contains(secret.as_str()),
            "a credential in a record:\n{records}"
        );
    }
}

/// The second `audit` replaces the first: one sink per app.
#[actix_web::test]
async fn one_sink_per_app() {
    let (first, second) = (Recorder::default(), Recorder::default());
    let config = AuthzConfig::new("t")
        .audit(first.sink())
        .audit(second.sink());
    let reply = call(config, TestRequest::get().uri("/admin")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(first.records().len(), 0);
    assert_eq!(second.records().len(), 1);
}

/// A check may combine predicates and comparisons: every handler argument it names is the
/// handler's, whatever the expression around it.
#[requires(role = "admin", check = is_even(id) && **id < 100)]
#[get("/small-even/{id}")]
async fn small_even(id: web::Path<u32>) -> String {
    format!("small even {id}")
}

#[actix_web::test]
async fn a_check_combining_predicates_reads_the_handlers_arguments() {
    let app = test::init_service(
        App::new()
            .app_data(with_users(AuthzConfig::new("decisions")))
            .service(small_even),
    )
    .await;
    let granted = Reply::of(&app, as_ada(TestRequest::get().uri("/small-even/4"))).await;
    assert_eq!(granted.status, StatusCode::OK);
    assert_eq!(granted.body, "small even 4");
    for uri in ["/small-even/5", "/small-even/200"] {
        let denied = Reply::of(&app, as_ada(TestRequest::get().uri(uri))).await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN, "{uri}");
        let body: serde_json::Value = serde_json::from_slice(&denied.body).unwrap();
        assert_eq!(body["status"], 403, "{uri}");
    }
}

/// The registry, and so the route audit and the OpenAPI document, say which handlers are in
/// shadow mode: their requirement is not enforced.
#[test]
fn the_registry_records_shadow_mode() {
    let shadow_of = |handler: &str| {
        let entry = actix_authz::registry::entries()
            .find(|entry| entry.handler() == handler && entry.module() == module_path!())
            .expect("registered");
        match entry.protection() {
            actix_authz::registry::Protection::Protected { shadow, .. } => shadow,
            other => panic!("{handler} is {other:?}"),
        }
    };
    assert!(shadow_of("shadowed"));
    assert!(shadow_of("even"));
    assert!(!shadow_of("admin"));
}
