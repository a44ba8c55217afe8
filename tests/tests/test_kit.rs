//! The test kit on the demo: identities without tokens, and every route of the demo's audit
//! enforced as declared (anonymous 401, lacking 403 or the hidden 404, holding passes).

use actix_authz::Principal;
use actix_authz::test_util::{Probe, TestRequestExt as _, assert_routes_enforced};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::web;
use authz_tests::demo_service;
use serde_json::{Value, json};

#[actix_web::test]
async fn every_route_of_the_demo_is_enforced_as_its_audit_says() {
    let app = demo_service(web::Data::new(demo::State::default())).await;
    assert_routes_enforced(
        &app,
        demo::configure,
        [
            // Post 1 is alice's: her identity passes the check; bob gets the hidden 404.
            Probe::handler("read_post")
                .allowed(Principal::new("alice"))
                .refused(Principal::new("bob")),
            Probe::handler("create_article")
                .prepare(|request| request.set_json(json!({ "title": "Hello" }))),
            Probe::handler("item").uri("/items/7?q=3"),
        ],
    )
    .await;
}

#[actix_web::test]
async fn an_identity_in_one_call() {
    let app = demo_service(web::Data::new(demo::State::default())).await;

    let me = TestRequest::get()
        .uri("/me")
        .with_roles(["auditor"])
        .send(&app)
        .await;
    assert_eq!(me.status(), StatusCode::OK);
    let me: Value = test::read_body_json(me).await;
    assert_eq!(me["sub"], "test-user");
    assert_eq!(me["roles"], json!(["auditor"]));

    let reports = TestRequest::get()
        .uri("/reports")
        .with_roles(["auditor"])
        .send(&app)
        .await;
    assert_eq!(reports.status(), StatusCode::OK);
    assert_eq!(test::read_body(reports).await, "reports");

    let editor = Principal::new("ed")
        .with_roles(["editor"])
        .with_permissions(["posts:delete"]);
    let deleted = TestRequest::delete()
        .uri("/posts/7")
        .with_identity(editor)
        .send(&app)
        .await;
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);

    let written = TestRequest::post()
        .uri("/articles")
        .with_scopes(["articles:write"])
        .map(|request| request.set_json(json!({ "title": "Kit" })))
        .send(&app)
        .await;
    assert_eq!(written.status(), StatusCode::CREATED);
    let written: Value = test::read_body_json(written).await;
    assert_eq!(written["title"], "Kit");

    let refused = TestRequest::get()
        .uri("/admin")
        .with_permissions(["posts:delete"])
        .send(&app)
        .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    assert!(refused.headers().get("www-authenticate").is_none());
}

#[actix_authz::requires(role = "admin")]
#[actix_web::get("/kit/admin")]
async fn kit_admin() -> &'static str {
    "admin area"
}

fn kit_routes(config: &mut web::ServiceConfig) {
    config
        .service(kit_admin)
        .service(web::resource("/kit/legacy").to(|| async { "no attribute" }));
}

/// A route without any attribute is a failure, not a silent pass.
#[actix_web::test]
#[should_panic(expected = "the route `/kit/legacy` is not classified")]
async fn an_unclassified_route_fails_the_assertion() {
    assert_kit_routes(kit_routes, []).await;
}

/// A 401 without a challenge breaks RFC 9110, and the kit says so.
#[actix_web::test]
#[should_panic(expected = "has no WWW-Authenticate challenge")]
async fn a_401_without_challenge_fails_the_assertion() {
    let app = test::init_service(
        actix_web::App::new()
            .app_data(actix_authz::AuthzConfig::new("kit"))
            .service(kit_admin),
    )
    .await;
    actix_authz::test_util::assert_enforced(&app, [Probe::handler("kit_admin")]).await;
}

/// `assert_routes_enforced` on an app of `routes` under the kit's configuration.
async fn assert_kit_routes(
    routes: impl FnOnce(&mut web::ServiceConfig) + Copy + 'static,
    probes: impl IntoIterator<Item = Probe>,
) {
    let app = test::init_service(
        actix_web::App::new()
            .app_data(kit_config())
            .configure(routes),
    )
    .await;
    assert_routes_enforced(&app, routes, probes).await;
}

fn kit_config() -> actix_authz::AuthzConfig {
    actix_authz::AuthzConfig::new("kit").authenticator(actix_authz::JwtAuthenticator::hs256(b"kit"))
}

/// A probe that never reaches its handler proves nothing: here an app-wide rule answers the
/// 401 and 403, and the handler is not mounted, so the allowed identity gets the routing 404.
#[actix_web::test]
#[should_panic(expected = "is the handler mounted at that path?")]
async fn a_handler_that_is_not_mounted_fails_the_assertion() {
    const ADMIN: actix_authz::Requirement = actix_authz::Requirement::Role("admin");
    let app = test::init_service(
        actix_web::App::new()
            .app_data(kit_config())
            .wrap(actix_authz::Require::new(&ADMIN))
            .route("/kit/other", web::get().to(|| async { "other" })),
    )
    .await;
    actix_authz::test_util::assert_enforced(&app, [Probe::handler("kit_admin")]).await;
}

fn not_mallory(identity: &dyn actix_authz::Identity) -> bool {
    identity.subject() != "mallory"
}

#[actix_authz::requires(check = not_mallory(identity))]
#[actix_web::get("/kit/checked")]
async fn kit_checked() -> &'static str {
    "checked"
}

/// Checks refuse whom the static requirement admits: the identity they refuse is tested when
/// given, and asked for when not, instead of the refusal going untested.
#[actix_web::test]
async fn a_checked_handler_is_refused_with_the_identity_given() {
    let app = test::init_service(
        actix_web::App::new()
            .app_data(kit_config())
            .service(kit_checked),
    )
    .await;
    actix_authz::test_util::assert_enforced(
        &app,
        [Probe::handler("kit_checked").refused(Principal::new("mallory"))],
    )
    .await;
}

#[actix_web::test]
#[should_panic(expected = "give its probe an identity they refuse with `.refused(...)`")]
async fn a_checked_handler_without_a_refused_identity_fails_the_assertion() {
    let app = test::init_service(
        actix_web::App::new()
            .app_data(kit_config())
            .service(kit_checked),
    )
    .await;
    actix_authz::test_util::assert_enforced(&app, [Probe::handler("kit_checked")]).await;
}

/// A probe whose name matches no route would adjust nothing: a typo is a failure.
#[actix_web::test]
#[should_panic(expected = "the probe for `kit_admn` matches no route of the app")]
async fn a_probe_for_no_route_fails_the_assertion() {
    let routes = |config: &mut web::ServiceConfig| {
        config.service(kit_admin);
    };
    assert_kit_routes(routes, [Probe::handler("kit_admn")]).await;
}

#[actix_authz::requires(role = "writer", check = not_mallory(identity))]
#[actix_web::get("/kit/written")]
async fn kit_written() -> &'static str {
    "written"
}

#[actix_authz::requires(not(role = "banned"))]
#[actix_web::get("/kit/unbanned")]
async fn kit_unbanned() -> &'static str {
    "unbanned"
}

async fn kit_app() -> impl actix_web::dev::Service<
    actix_http::Request,
    Response = actix_web::dev::ServiceResponse,
    Error = actix_web::Error,
> {
    test::init_service(
        actix_web::App::new()
            .app_data(kit_config())
            .service(kit_written)
            .service(kit_unbanned)
            .service(kit_guarded_twice),
    )
    .await
}

/// Beside a requirement, the checks are made to refuse an identity that holds it: both the
/// role's 403 (an identity without it) and the check's (mallory, a writer) are tested.
#[actix_web::test]
async fn checks_beside_a_requirement_are_refused_with_an_identity_that_holds_it() {
    let writer = Principal::new("mallory").with_roles(["writer"]);
    actix_authz::test_util::assert_enforced(
        &kit_app().await,
        [Probe::handler("kit_written").refused(writer)],
    )
    .await;
}

/// An identity without the role is refused by the role before the check runs: it leaves the
/// check untested, so the kit still asks for one the check refuses.
#[actix_web::test]
#[should_panic(
    expected = "one that holds `role = \"writer\"` so that the checks are what \
                           refuse it"
)]
async fn a_refused_identity_that_never_reaches_the_checks_fails_the_assertion() {
    actix_authz::test_util::assert_enforced(
        &kit_app().await,
        [Probe::handler("kit_written").refused(Principal::new("bob"))],
    )
    .await;
}

/// `not(...)` admits an identity that holds nothing: the identity it refuses must be given.
#[actix_web::test]
async fn a_negation_is_refused_with_the_identity_given() {
    let banned = Principal::new("eve").with_roles(["banned"]);
    actix_authz::test_util::assert_enforced(
        &kit_app().await,
        [Probe::handler("kit_unbanned").refused(banned)],
    )
    .await;
}

#[actix_web::test]
#[should_panic(expected = "whose `not(...)` the kit cannot fail by itself")]
async fn a_negation_without_a_refused_identity_fails_the_assertion() {
    actix_authz::test_util::assert_enforced(&kit_app().await, [Probe::handler("kit_unbanned")])
        .await;
}

#[actix_web::get("/kit/below")]
#[actix_authz::requires(role = "admin")]
async fn kit_below() -> &'static str {
    "below"
}

/// A handler whose attribute is below its route attribute is protected, but the audit cannot
/// know how: the kit says why, and how to fix it, rather than ask for an attribute.
#[actix_web::test]
#[should_panic(
    expected = "the route `/kit/below` cannot be audited, so its rules are unknown: \
                           its attribute is written below the route attribute"
)]
async fn a_handler_whose_attribute_is_below_its_route_fails_with_the_reason() {
    let routes = |config: &mut web::ServiceConfig| {
        config.service(kit_below);
    };
    assert_kit_routes(routes, []).await;
}

#[actix_authz::requires(not(role = "banned"), check = not_mallory(identity))]
#[actix_web::get("/kit/guarded-twice")]
async fn kit_guarded_twice() -> &'static str {
    "guarded twice"
}

/// A `not(...)` beside checks: each is made to refuse an identity of its own.
#[actix_web::test]
async fn a_negation_and_checks_are_each_refused_with_an_identity() {
    let banned = Principal::new("eve").with_roles(["banned"]);
    actix_authz::test_util::assert_enforced(
        &kit_app().await,
        [Probe::handler("kit_guarded_twice")
            .refused(Principal::new("mallory"))
            .refused(banned)],
    )
    .await;
}

/// The identity the checks refuse leaves the `not(...)` untested: the kit asks for one more.
#[actix_web::test]
#[should_panic(expected = "whose `not(...)` the kit cannot fail by itself")]
async fn a_negation_beside_checks_needs_an_identity_of_its_own() {
    actix_authz::test_util::assert_enforced(
        &kit_app().await,
        [Probe::handler("kit_guarded_twice").refused(Principal::new("mallory"))],
    )
    .await;
}

const STAFF: actix_authz::Requirement = actix_authz::Requirement::Role("staff");

fn desk(config: &mut web::ServiceConfig) {
    config.service(
        web::scope("/desk")
            .wrap(actix_authz::Require::new(&STAFF))
            .service(kit_unbanned),
    );
}

/// Under a scope rule, the handler's `not(...)` is made to refuse an identity that passes the
/// scope rule.
#[actix_web::test]
async fn a_negation_under_a_scope_rule_is_refused_with_an_identity_that_passes_the_scope() {
    let banned_staff = Principal::new("eve").with_roles(["staff", "banned"]);
    assert_kit_routes(desk, [Probe::handler("kit_unbanned").refused(banned_staff)]).await;
}

/// An identity that the scope rule refuses does not test the handler's `not(...)`.
#[actix_web::test]
#[should_panic(expected = "whose `not(...)` the kit cannot fail by itself")]
async fn an_identity_refused_by_the_scope_rule_tests_no_negation_of_the_handler() {
    let banned_outsider = Principal::new("eve").with_roles(["banned"]);
    assert_kit_routes(
        desk,
        [Probe::handler("kit_unbanned").refused(banned_outsider)],
    )
    .await;
}

/// The handler's own requirement, under a scope rule, is made to refuse an identity that holds
/// the scope rule: here it catches an unannotated twin mounted where the audit expects the
/// annotated handler, which the scope rule alone would have hidden.
mod desk_admin {
    #[actix_authz::requires(role = "admin")]
    #[actix_web::get("/admin")]
    pub(super) async fn kit_desk_admin() -> &'static str {
        "admin"
    }
}

mod desk_twin {
    #[actix_web::get("/admin")]
    pub(super) async fn kit_desk_admin() -> &'static str {
        "anyone on the staff"
    }
}

#[actix_authz::authenticated]
#[actix_web::get("/ping")]
async fn kit_desk_ping() -> &'static str {
    "pong"
}

/// The `/desk` scope, its rule learned by the audit through `kit_desk_ping`, with `admin`.
fn desk_with(
    config: &mut web::ServiceConfig,
    admin: impl actix_web::dev::HttpServiceFactory + 'static,
) {
    config.service(
        web::scope("/desk")
            .wrap(actix_authz::Require::new(&STAFF))
            .service(kit_desk_ping)
            .service(admin),
    );
}

#[actix_web::test]
async fn a_handler_requirement_under_a_scope_rule_is_refused_to_a_holder_of_the_scope_rule() {
    let routes = |config: &mut web::ServiceConfig| desk_with(config, desk_admin::kit_desk_admin);
    assert_kit_routes(routes, []).await;
}

#[actix_web::test]
#[should_panic(expected = "without `role = \"admin\"`, calling `GET /desk/admin")]
async fn an_unenforced_handler_under_a_scope_rule_fails_the_assertion() {
    let routes = |config: &mut web::ServiceConfig| desk_with(config, desk_twin::kit_desk_admin);
    assert_kit_routes(routes, []).await;
}

#[actix_authz::requires(role = "tester", shadow)]
#[actix_web::get("/kit/trial")]
async fn kit_trial() -> &'static str {
    "trial"
}

/// A handler in shadow mode is checked as declared: refusals only recorded, callers let
/// through, anonymous ones still refused.
#[actix_web::test]
async fn a_handler_in_shadow_mode_is_checked_as_letting_callers_through() {
    let routes = |config: &mut web::ServiceConfig| {
        config.service(kit_trial);
    };
    assert_kit_routes(routes, []).await;
}

#[actix_authz::requires(role = "admin", hide)]
#[actix_web::post("/hidden")]
async fn kit_hidden_post() -> &'static str {
    "hidden"
}

/// In a scope whose rules the audit could not learn, a hidden handler's refusal may be the
/// unseen scope rule's 403 as well as its own 404.
#[actix_web::test]
async fn a_hidden_handler_under_unknown_scope_rules_may_be_refused_by_them() {
    let routes = |config: &mut web::ServiceConfig| {
        config.service(
            web::scope("/vault")
                .wrap(actix_authz::Require::new(&STAFF))
                .service(kit_hidden_post),
        );
    };
    let insider = Principal::new("ann").with_roles(["staff", "admin"]);
    assert_kit_routes(routes, [Probe::handler("kit_hidden_post").allowed(insider)]).await;
}
