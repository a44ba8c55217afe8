//! Scope-level rules (`Require`) and default-deny (`DefaultDeny`): a scope's rule answers exactly
//! like the attribute, `#[public]` opts out of it, a handler's own attribute composes with it
//! all-of, and default-deny refuses the routes nobody decided about.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_authz::{
    AuthzConfig, DefaultDeny, Denial, FnAuthenticator, Outcome, Principal, Require, Requirement,
    authenticated, public, requires,
};
use actix_web::http::header;
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpResponse, get, post, routes, web};
use authz_tests::logs::Capture;
use authz_tests::{
    Body, Credential, Expect, INVALID, Reply, SECRET, assert_default_denied, demo_app,
    demo_expectations, forbidden_without_challenge, forged_token, insufficient_scope,
    invalid_request, invalid_token, ok, token, unauthorized,
};
use demo::State;

const EDITOR: Requirement = Requirement::Role("editor");
const REPORTS: Requirement = Requirement::Scope("reports:read");

// ---------------------------------------------------------------------------------------------
// A scope's rule answers like the attribute

#[requires(role = "editor")]
#[get("/attr/role")]
async fn attr_role() -> &'static str {
    "granted"
}

#[requires(scope = "reports:read")]
#[get("/attr/scope")]
async fn attr_scope() -> &'static str {
    "granted"
}

#[requires(role = "editor", realm = "back office")]
#[get("/attr/realm")]
async fn attr_realm() -> &'static str {
    "granted"
}

// Handlers without attributes, guarded only by the rule of their scope.
#[get("/target")]
async fn role_target() -> &'static str {
    "granted"
}

#[get("/target")]
async fn scope_target() -> &'static str {
    "granted"
}

#[get("/target")]
async fn realm_target() -> &'static str {
    "granted"
}

/// The same requirements, once as attributes and once as scope rules.
fn comparison_app(
    config: AuthzConfig,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<actix_web::body::BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(config)
        .service(attr_role)
        .service(attr_scope)
        .service(attr_realm)
        .service(
            web::scope("/role")
                .wrap(Require::new(&EDITOR))
                .service(role_target),
        )
        .service(
            web::scope("/scope")
                .wrap(Require::new(&REPORTS))
                .service(scope_target),
        )
        .service(
            web::scope("/realm")
                .wrap(Require::new(&EDITOR).realm("back office"))
                .service(realm_target),
        )
}

/// A response as bytes to compare: status, every header but `date` (sorted by name, values in
/// order), body.
#[derive(Debug, PartialEq, Eq)]
struct Wire {
    status: StatusCode,
    headers: Vec<(String, Vec<Vec<u8>>)>,
    body: Vec<u8>,
}

fn wire(reply: &Reply) -> Wire {
    let mut names: Vec<&header::HeaderName> = reply.headers.keys().collect();
    names.sort_by_key(|name| name.as_str());
    names.dedup();
    let headers = names
        .into_iter()
        .filter(|name| **name != header::DATE)
        .map(|name| {
            let values = reply
                .headers
                .get_all(name)
                .map(|value| value.as_bytes().to_vec())
                .collect();
            (name.as_str().to_owned(), values)
        })
        .collect();
    Wire {
        status: reply.status,
        headers,
        body: reply.body.to_vec(),
    }
}

fn bob() -> Credential {
    Credential::basic("bob", "builder")
}

fn carol() -> Credential {
    Credential::basic("carol", "p:q")
}

fn reader_token() -> Credential {
    Credential::bearer(token("rita", &[], &[], Some("reports:read")))
}

fn bare_token() -> Credential {
    Credential::bearer(token("nemo", &[], &[], None))
}

const BEARER_BACK_OFFICE: &str = r#"Bearer realm="back office""#;
const BASIC_BACK_OFFICE: &str = r#"Basic realm="back office", charset="UTF-8""#;

/// A refusal with these challenge lines.
fn refused(status: StatusCode, lines: &[&str]) -> Expect {
    Expect::Refused(
        status,
        lines.iter().map(|line| (*line).to_owned()).collect(),
    )
}

/// The requests of the comparison: who, and what the attribute answers on each of the three
/// routes (role, scope, role with the realm `back office`).
fn comparison_cases() -> Vec<(&'static str, Vec<Credential>, [Expect; 3])> {
    let unauthorized_back_office = || {
        refused(
            StatusCode::UNAUTHORIZED,
            &[BEARER_BACK_OFFICE, BASIC_BACK_OFFICE],
        )
    };
    let insufficient_back_office = || {
        refused(
            StatusCode::FORBIDDEN,
            &[r#"Bearer realm="back office", error="insufficient_scope""#],
        )
    };
    let granted = || ok(Body::Text("granted"));
    let forbidden = forbidden_without_challenge;
    vec![
        (
            "anonymous",
            vec![],
            [unauthorized(), unauthorized(), unauthorized_back_office()],
        ),
        (
            "wrong password",
            vec![Credential::basic("bob", "wrong")],
            [unauthorized(), unauthorized(), unauthorized_back_office()],
        ),
        (
            "forged token",
            vec![Credential::bearer(forged_token())],
            [
                invalid_token(INVALID),
                invalid_token(INVALID),
                refused(
                    StatusCode::UNAUTHORIZED,
                    &[
                        r#"Bearer realm="back office", error="invalid_token", error_description="the access token is invalid""#,
                        BASIC_BACK_OFFICE,
                    ],
                ),
            ],
        ),
        (
            "Basic without the role",
            vec![carol()],
            [forbidden(), forbidden(), forbidden()],
        ),
        (
            "Bearer without the role or scope",
            vec![bare_token()],
            [
                insufficient_scope(None),
                insufficient_scope(Some("reports:read")),
                insufficient_back_office(),
            ],
        ),
        (
            "two Authorization headers",
            vec![bob(), carol()],
            [
                invalid_request(),
                invalid_request(),
                refused(
                    StatusCode::BAD_REQUEST,
                    &[r#"Bearer realm="back office", error="invalid_request""#],
                ),
            ],
        ),
        (
            "Basic editor",
            vec![bob()],
            [granted(), forbidden(), granted()],
        ),
        (
            "Bearer reader",
            vec![reader_token()],
            [
                insufficient_scope(None),
                granted(),
                insufficient_back_office(),
            ],
        ),
    ]
}

fn signed(uri: &str, credentials: &[Credential]) -> (TestRequest, Vec<String>) {
    let mut request = TestRequest::get().uri(uri);
    let mut secrets = Vec::new();
    for credential in credentials {
        let (signed, more) = credential.clone().sign(request);
        request = signed;
        secrets.extend(more);
    }
    (request, secrets)
}

#[actix_web::test]
async fn a_scope_rule_answers_byte_for_byte_like_the_attribute() {
    let app = test::init_service(comparison_app(demo::authz(SECRET))).await;
    for (who, credentials, expectations) in comparison_cases() {
        for ((attribute, scoped), expect) in [
            ("/attr/role", "/role/target"),
            ("/attr/scope", "/scope/target"),
            ("/attr/realm", "/realm/target"),
        ]
        .into_iter()
        .zip(expectations)
        {
            let context = format!("{who} on {scoped}");
            let (request, secrets) = signed(attribute, &credentials);
            let by_attribute = Reply::of(&app, request).await;
            let (request, _) = signed(scoped, &credentials);
            let by_scope = Reply::of(&app, request).await;
            by_scope.assert(&expect, &secrets, &context);
            assert_eq!(wire(&by_scope), wire(&by_attribute), "{context}");
        }
    }
}

#[actix_web::test]
async fn unavailable_authentication_and_custom_denials_are_the_attributes_too() {
    let unavailable = AuthzConfig::new("demo")
        .authenticator(FnAuthenticator::new(|_| async { Outcome::Unavailable }));
    fn teapot(denial: &Denial<'_>) -> HttpResponse {
        HttpResponse::build(denial.kind().status()).body(format!(
            "denied: {}",
            denial
                .unmet()
                .map_or("sign in".to_owned(), ToString::to_string)
        ))
    }
    let custom = demo::authz(SECRET).deny_with(teapot);
    for (config, credentials, status) in [
        (unavailable, vec![], StatusCode::SERVICE_UNAVAILABLE),
        (custom.clone(), vec![], StatusCode::UNAUTHORIZED),
        (custom, vec![carol()], StatusCode::FORBIDDEN),
    ] {
        let app = test::init_service(comparison_app(config)).await;
        let (request, _) = signed("/attr/role", &credentials);
        let by_attribute = Reply::of(&app, request).await;
        let (request, _) = signed("/role/target", &credentials);
        let by_scope = Reply::of(&app, request).await;
        assert_eq!(by_scope.status, status);
        assert_eq!(wire(&by_scope), wire(&by_attribute), "{status}");
    }
}

#[actix_web::test]
async fn an_unknown_path_in_a_scope_is_checked_first_then_the_apps_404() {
    let app = test::init_service(comparison_app(demo::authz(SECRET))).await;
    for (uri, method) in [
        ("/role/nothing", Method::GET),
        ("/role/target", Method::POST),
    ] {
        let request = TestRequest::default().method(method.clone()).uri(uri);
        Reply::of(&app, request).await.assert(
            &unauthorized(),
            &[],
            &format!("anonymous {method} {uri}"),
        );
        let (request, secrets) = bob().sign(TestRequest::default().method(method.clone()).uri(uri));
        let reply = Reply::of(&app, request).await;
        reply.assert_handler(
            StatusCode::NOT_FOUND,
            &Body::Empty,
            &format!("bob {method} {uri}"),
        );
        reply.assert_no_secret(&secrets, &uri);
    }
}

// ---------------------------------------------------------------------------------------------
// #[public] inside a scope

#[public]
#[get("/open")]
async fn desk_open() -> &'static str {
    "open"
}

#[get("/closed")]
async fn desk_closed() -> &'static str {
    "closed"
}

#[actix_web::test]
async fn a_public_handler_is_exempt_from_its_scopes_rule() {
    let app = test::init_service(
        App::new().app_data(demo::authz(SECRET)).service(
            web::scope("/desk")
                .wrap(Require::new(&EDITOR))
                .service(desk_open)
                .service(desk_closed),
        ),
    )
    .await;
    let open = ok(Body::Text("open"));
    for (who, credentials) in [
        ("anonymous", vec![]),
        ("forged token", vec![Credential::bearer(forged_token())]),
        ("two Authorization headers", vec![bob(), carol()]),
        ("carol", vec![carol()]),
    ] {
        // As routing sees the path: `%65` is `e`.
        for uri in ["/desk/open", "/desk/op%65n"] {
            let (request, secrets) = signed(uri, &credentials);
            Reply::of(&app, request)
                .await
                .assert(&open, &secrets, &format!("{who} on {uri}"));
        }
    }
    // The exemption is for the method the handler declares; the rest is the scope's.
    let post = TestRequest::post().uri("/desk/open");
    Reply::of(&app, post)
        .await
        .assert(&unauthorized(), &[], &"anonymous POST /desk/open");
    Reply::of(&app, TestRequest::get().uri("/desk/closed"))
        .await
        .assert(&unauthorized(), &[], &"anonymous on /desk/closed");
    let (request, secrets) = signed("/desk/closed", &[bob()]);
    Reply::of(&app, request).await.assert(
        &ok(Body::Text("closed")),
        &secrets,
        &"bob on /desk/closed",
    );
}

// ---------------------------------------------------------------------------------------------
// A handler's own requirement inside a scope: all-of, the scope's rule first

static QUEUE_RUNS: AtomicUsize = AtomicUsize::new(0);

#[requires(scope = "moderate")]
#[get("/queue")]
async fn moderation_queue() -> &'static str {
    QUEUE_RUNS.fetch_add(1, Ordering::SeqCst);
    "queue"
}

#[actix_web::test]
async fn a_handlers_requirement_composes_all_of_with_its_scopes() {
    let app = test::init_service(
        App::new().app_data(demo::authz(SECRET)).service(
            web::scope("/mod")
                .wrap(Require::new(&EDITOR))
                .service(moderation_queue),
        ),
    )
    .await;
    let cases = [
        ("anonymous", None, unauthorized()),
        // The handler's rule answers: its 403 names the missing scope.
        (
            "editor without the scope",
            Some(token("e", &["editor"], &[], None)),
            insufficient_scope(Some("moderate")),
        ),
        // The scope's rule answers: a role is missing, no scope to name.
        (
            "scope without the role",
            Some(token("m", &[], &[], Some("moderate"))),
            insufficient_scope(None),
        ),
        // Both fail: the scope's rule decides first.
        (
            "neither",
            Some(token("n", &[], &[], None)),
            insufficient_scope(None),
        ),
    ];
    for (who, token, expect) in cases {
        let request = TestRequest::get().uri("/mod/queue");
        let (request, secrets) = match token {
            Some(token) => Credential::bearer(token).sign(request),
            None => (request, Vec::new()),
        };
        Reply::of(&app, request)
            .await
            .assert(&expect, &secrets, &who);
        assert_eq!(
            QUEUE_RUNS.load(Ordering::SeqCst),
            0,
            "the handler ran for {who}"
        );
    }
    let both = Credential::bearer(token("b", &["editor"], &[], Some("moderate")));
    let (request, secrets) = both.sign(TestRequest::get().uri("/mod/queue"));
    Reply::of(&app, request).await.assert(
        &ok(Body::Text("queue")),
        &secrets,
        &"editor with the scope",
    );
    assert_eq!(QUEUE_RUNS.load(Ordering::SeqCst), 1);
}

#[requires(scope = "moderate")]
#[get("/counted")]
async fn counted() -> &'static str {
    "counted"
}

#[actix_web::test]
async fn both_rules_share_one_authentication() {
    let calls = Arc::new(AtomicUsize::new(0));
    let seen = Arc::clone(&calls);
    let config = AuthzConfig::new("demo").authenticator(
        FnAuthenticator::new(move |_| {
            seen.fetch_add(1, Ordering::SeqCst);
            async {
                Outcome::authenticated(
                    Principal::new("ed")
                        .with_roles(["editor"])
                        .with_scopes(["moderate"]),
                )
            }
        })
        .challenge_scheme("Session"),
    );
    let app = test::init_service(
        App::new().app_data(config).service(
            web::scope("/mod")
                .wrap(Require::new(&EDITOR))
                .service(counted),
        ),
    )
    .await;
    Reply::of(&app, TestRequest::get().uri("/mod/counted"))
        .await
        .assert(&ok(Body::Text("counted")), &[], &"ed");
    assert_eq!(calls.load(Ordering::SeqCst), 1);
}

// ---------------------------------------------------------------------------------------------
// Default-deny

static FORGOTTEN_RUNS: AtomicUsize = AtomicUsize::new(0);

#[public]
#[get("/dd/open")]
async fn dd_open() -> &'static str {
    "open"
}

#[authenticated]
#[get("/dd/mine")]
async fn dd_mine() -> &'static str {
    "mine"
}

#[get("/dd/forgotten")]
async fn dd_forgotten() -> &'static str {
    FORGOTTEN_RUNS.fetch_add(1, Ordering::SeqCst);
    "nobody decided"
}

// Written below the route attribute: the attribute cannot know its route, so default-deny
// cannot recognise it.
#[get("/dd/below")]
#[authenticated]
async fn dd_below() -> &'static str {
    "below"
}

fn default_deny_routes(config: &mut web::ServiceConfig) {
    config
        .service(dd_open)
        .service(dd_mine)
        .service(dd_forgotten)
        .service(dd_below)
        .service(web::resource("/dd/raw").to(|| async { "raw" }));
}

#[actix_web::test]
async fn default_deny_refuses_routes_without_a_decision() {
    let capture = Capture::default();
    let _logs = tracing::subscriber::set_default(capture.clone());
    let app = test::init_service(
        App::new()
            .app_data(demo::authz(SECRET))
            .wrap(DefaultDeny::new())
            .configure(default_deny_routes),
    )
    .await;
    for (who, credentials) in [("anonymous", vec![]), ("bob", vec![bob()])] {
        for (method, uri) in [
            (Method::GET, "/dd/forgotten"),
            (Method::GET, "/dd/below"),
            (Method::GET, "/dd/raw"),
        ] {
            let (request, _) = signed(uri, &credentials);
            let reply = Reply::of(&app, request.method(method.clone())).await;
            assert_default_denied(&reply, &format!("{who} {method} {uri}"));
        }
    }
    assert_eq!(FORGOTTEN_RUNS.load(Ordering::SeqCst), 0);
    let logs = capture.text();
    // A field's value ends at the next field or at the end of the line.
    let reported = |route: &str| {
        logs.lines()
            .filter(|line| {
                line.starts_with("ERROR")
                    && format!("{line} ").contains(&format!(" route={route} "))
            })
            .count()
    };
    for route in ["GET /dd/forgotten", "GET /dd/below", "GET /dd/raw"] {
        assert_eq!(reported(route), 1, "{route} in\n{logs}");
    }
}

#[actix_web::test]
async fn default_deny_passes_annotated_handlers_and_unknown_paths() {
    let app = test::init_service(
        App::new()
            .app_data(demo::authz(SECRET))
            .wrap(DefaultDeny::new())
            .configure(default_deny_routes),
    )
    .await;
    let plain = test::init_service(
        App::new()
            .app_data(demo::authz(SECRET))
            .configure(default_deny_routes),
    )
    .await;
    Reply::of(&app, TestRequest::get().uri("/dd/open"))
        .await
        .assert(&ok(Body::Text("open")), &[], &"anonymous on /dd/open");
    Reply::of(&app, TestRequest::get().uri("/dd/mine"))
        .await
        .assert(&unauthorized(), &[], &"anonymous on /dd/mine");
    let (request, secrets) = signed("/dd/mine", &[bob()]);
    Reply::of(&app, request)
        .await
        .assert(&ok(Body::Text("mine")), &secrets, &"bob on /dd/mine");
    // Unknown paths, and a method no resource at the path takes: routing ends in the app's
    // default service, and nothing without a decision runs.
    for (method, uri) in [
        (Method::GET, "/nowhere"),
        (Method::GET, "/dd/open/deeper"),
        (Method::GET, "/dd"),
        (Method::PUT, "/dd/mine"),
    ] {
        let request = || TestRequest::default().method(method.clone()).uri(uri);
        let denied = Reply::of(&app, request()).await;
        let real = Reply::of(&plain, request()).await;
        denied.assert_handler(StatusCode::NOT_FOUND, &Body::Empty, &uri);
        assert_eq!(wire(&denied), wire(&real), "{method} {uri}");
    }
}

#[actix_web::test]
async fn the_demo_passes_default_deny_unchanged() {
    for ((route, who), expect) in demo_expectations() {
        let app =
            test::init_service(demo_app(web::Data::new(State::default())).wrap(DefaultDeny::new()))
                .await;
        let (request, secrets) = who.sign(route.request());
        let context = format!("{who:?} on {route:?} behind DefaultDeny");
        Reply::of(&app, request)
            .await
            .assert(&expect, &secrets, &context);
    }
}

// ---------------------------------------------------------------------------------------------
// A scope a hand-written requirement lists twice is named once in the challenge

const REPORTS_TWICE: Requirement = Requirement::All(&[
    Requirement::Scope("reports:read"),
    Requirement::Scope("audit"),
    Requirement::Scope("reports:read"),
]);

#[actix_web::test]
async fn a_scope_needed_twice_is_missing_once() {
    let app = test::init_service(
        App::new().app_data(demo::authz(SECRET)).service(
            web::scope("/reports")
                .wrap(Require::new(&REPORTS_TWICE))
                .service(scope_target),
        ),
    )
    .await;
    for (scope, missing) in [
        (None, "reports:read audit"),
        (Some("audit"), "reports:read"),
        (Some("reports:read"), "audit"),
    ] {
        let request = TestRequest::get().uri("/reports/target");
        let (request, secrets) = Credential::bearer(token("r", &[], &[], scope)).sign(request);
        Reply::of(&app, request).await.assert(
            &insufficient_scope(Some(missing)),
            &secrets,
            &format!("{scope:?}"),
        );
    }
    let request = TestRequest::get().uri("/reports/target");
    let (request, secrets) =
        Credential::bearer(token("r", &[], &[], Some("audit reports:read"))).sign(request);
    Reply::of(&app, request)
        .await
        .assert(&ok(Body::Text("granted")), &secrets, &"both scopes");
}

// ---------------------------------------------------------------------------------------------
// A #[public] route with a guard, or one of several, is no exemption

fn from_hook(context: &actix_web::guard::GuardContext<'_>) -> bool {
    context.head().headers().contains_key("x-hook")
}

#[public]
#[post("/counter", guard = "from_hook")]
async fn hook() -> &'static str {
    "hook"
}

#[public]
#[routes]
#[get("/a")]
#[get("/b")]
async fn several() -> &'static str {
    "several"
}

async fn bump() -> &'static str {
    "bumped"
}

/// A request that a guarded public route turns away goes on to the next resource at the same
/// path, which need not be public: `Require` cannot tell them apart before routing, so it
/// exempts neither. The same for `#[routes]`, whose routes the attribute cannot all record.
#[actix_web::test]
async fn a_guarded_or_multi_route_public_handler_is_not_exempt() {
    let app = test::init_service(
        App::new().app_data(demo::authz(SECRET)).service(
            web::scope("/s")
                .wrap(Require::new(&EDITOR))
                .service(hook)
                .service(several)
                .route("/counter", web::post().to(bump)),
        ),
    )
    .await;
    for (method, uri, hooked) in [
        (Method::POST, "/s/counter", false),
        (Method::POST, "/s/counter", true),
        (Method::GET, "/s/a", false),
        (Method::GET, "/s/b", false),
    ] {
        let mut request = TestRequest::default().method(method.clone()).uri(uri);
        if hooked {
            request = request.insert_header(("x-hook", "1"));
        }
        Reply::of(&app, request).await.assert(
            &unauthorized(),
            &[],
            &format!("anonymous {method} {uri}"),
        );
    }
    // An editor passes the scope's rule and reaches each.
    for (method, uri, hooked, body) in [
        (Method::POST, "/s/counter", false, "bumped"),
        (Method::POST, "/s/counter", true, "hook"),
        (Method::GET, "/s/b", false, "several"),
    ] {
        let mut request = TestRequest::default().method(method.clone()).uri(uri);
        if hooked {
            request = request.insert_header(("x-hook", "1"));
        }
        let (request, secrets) =
            Credential::bearer(token("e", &["editor"], &[], None)).sign(request);
        Reply::of(&app, request).await.assert(
            &ok(Body::Text(body)),
            &secrets,
            &format!("editor {method} {uri}"),
        );
    }
    let entry = actix_authz::registry::entries()
        .find(|entry| entry.handler() == "several" && entry.module() == module_path!())
        .expect("`several` is registered");
    assert!(entry.route().is_some_and(|route| route.guarded()));
}

// ---------------------------------------------------------------------------------------------
// A handler without attributes that shares an annotated handler's name is never taken for it

mod front {
    use super::*;

    #[public]
    #[get("/status")]
    pub(super) async fn status() -> &'static str {
        "up"
    }
}

mod billing {
    use super::*;

    // No attribute: only the scope's rule protects it. Its path ends with `/status`.
    #[get("/invoices/{id}/status")]
    pub(super) async fn status(id: web::Path<u32>) -> String {
        format!("invoice {id}: paid")
    }
}

#[actix_web::test]
async fn a_namesake_without_attributes_is_not_taken_for_a_public_handler() {
    let with_default_deny = |default_deny: bool| {
        let scope = web::scope("/billing")
            .wrap(Require::new(&EDITOR))
            .service(billing::status);
        App::new()
            .app_data(demo::authz(SECRET))
            .wrap(actix_web::middleware::Condition::new(
                default_deny,
                DefaultDeny::new(),
            ))
            .service(front::status)
            .service(scope)
    };
    // The scope's rule applies to the namesake.
    let app = test::init_service(with_default_deny(false)).await;
    Reply::of(&app, TestRequest::get().uri("/billing/invoices/7/status"))
        .await
        .assert(&unauthorized(), &[], &"anonymous on the namesake");
    let (request, secrets) = Credential::bearer(token("e", &["editor"], &[], None))
        .sign(TestRequest::get().uri("/billing/invoices/7/status"));
    Reply::of(&app, request).await.assert(
        &ok(Body::Text("invoice 7: paid")),
        &secrets,
        &"an editor on the namesake",
    );
    let public = Reply::of(&app, TestRequest::get().uri("/status")).await;
    public.assert(&ok(Body::Text("up")), &[], &"the public handler");

    // Default-deny refuses both: two resources of one name cannot be told apart.
    let app = test::init_service(with_default_deny(true)).await;
    for uri in ["/billing/invoices/7/status", "/status"] {
        let reply = Reply::of(&app, TestRequest::get().uri(uri)).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{uri}");
    }
}
