//! The route audit: the authorization matrix of an app as Markdown and JSON, the test helper
//! that fails on routes nobody decided about, and the demo's own matrix.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_authz::audit::{self, Access, ScopeRule, Unauditable};
use actix_authz::{Identity, Require, Requirement, authenticated, public, requires};
use actix_web::http::Method;
use actix_web::{HttpResponse, get, post, rt, web};
use authz_tests::DemoRoute;
use serde_json::json;

/// Whatever ran of a handler or of its checks. The audit must leave it at zero.
static RAN: AtomicUsize = AtomicUsize::new(0);

fn ran() {
    RAN.fetch_add(1, Ordering::SeqCst);
}

const API: Requirement = Requirement::Role("api");

#[public]
#[get("/ping")]
async fn audit_ping() -> &'static str {
    ran();
    "pong"
}

fn owns(identity: &dyn Identity, id: &web::Path<u32>) -> bool {
    ran();
    identity.subject() == id.to_string()
}

#[requires(role = "admin", any(permission = "things:write", scope = "a|b"))]
#[post("/things/{id:\\d+}")]
async fn audit_write_thing(id: web::Path<u32>) -> HttpResponse {
    ran();
    let _ = id;
    HttpResponse::NoContent().finish()
}

#[authenticated(check = owns(identity, id), hide)]
#[get("/things/{id:\\d+}")]
async fn audit_read_thing(id: web::Path<u32>) -> String {
    ran();
    id.to_string()
}

// Written below the route attribute: it cannot know its route.
#[get("/below")]
#[authenticated]
async fn audit_below() -> &'static str {
    "below"
}

#[get("/forgotten")]
async fn audit_forgotten() -> &'static str {
    ran();
    "forgotten"
}

fn small_app(config: &mut web::ServiceConfig) {
    config.service(audit_ping).service(
        web::scope("/api")
            .wrap(Require::new(&API).realm("api"))
            .service(audit_read_thing)
            .service(audit_write_thing),
    );
}

fn with_unannotated(config: &mut web::ServiceConfig) {
    config
        .service(audit_ping)
        .service(
            web::scope("/api")
                .wrap(Require::new(&API).realm("api"))
                .service(audit_read_thing)
                .service(audit_write_thing)
                .service(audit_forgotten),
        )
        .route(
            "/raw",
            web::get().to(|| async {
                ran();
                "raw"
            }),
        )
        // No protected handler to probe: its rules stay unknown.
        .service(web::scope("/legacy").wrap(Require::new(&API)).route(
            "/old",
            web::get().to(|| async {
                ran();
                "old"
            }),
        ));
}

fn with_unauditable(config: &mut web::ServiceConfig) {
    small_app(config);
    config.service(audit_below);
}

/// The message `assert_every_route_classified` panics with for `configure`, or `None`.
fn failure_of(configure: fn(&mut web::ServiceConfig)) -> Option<String> {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        rt::System::new().block_on(audit::assert_every_route_classified(configure));
    }));
    outcome.err().map(|payload| {
        payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_else(|| panic!("a panic without a message"))
    })
}

#[actix_web::test]
async fn markdown_of_a_small_app() {
    let matrix = audit::matrix(with_unannotated).await.unwrap();
    assert_eq!(
        matrix.to_markdown(),
        "\
| method | path | access | requirement | scope rules | hidden | checks | handler |
| --- | --- | --- | --- | --- | --- | --- | --- |
| `GET` | `/ping` | public |  |  |  |  | `audit::audit_ping` |
| `GET` | `/api/things/{id:\\d+}` | protected | `authenticated` | `role = \"api\"` at `/api` | yes | `owns(identity, id)` | `audit::audit_read_thing` |
| `POST` | `/api/things/{id:\\d+}` | protected | `all(role = \"admin\", any(permission = \"things:write\", scope = \"a\\|b\"))` | `role = \"api\"` at `/api` | no |  | `audit::audit_write_thing` |
| ? | `/api/forgotten` | **unannotated** |  | `role = \"api\"` at `/api` |  |  | resource `audit_forgotten` |
| ? | `/raw` | **unannotated** |  |  |  |  |  |
| ? | `/legacy/old` | **unannotated** |  | ? |  |  |  |
"
    );
    assert_eq!(matrix.to_string(), matrix.to_markdown());
    let rules: Vec<(&str, &Requirement, Option<&str>)> = matrix.rows()[1]
        .scope_rules
        .iter()
        .flatten()
        .map(|rule: &ScopeRule| (rule.scope.as_str(), rule.requirement, rule.realm.as_deref()))
        .collect();
    assert_eq!(rules, [("/api", &API, Some("api"))]);
    assert_eq!(
        RAN.load(Ordering::SeqCst),
        0,
        "the audit ran a handler or a check"
    );
}

#[actix_web::test]
async fn json_of_a_small_app() {
    let matrix = audit::matrix(with_unauditable).await.unwrap();
    let json: serde_json::Value = serde_json::from_str(&matrix.to_json()).unwrap();
    assert_eq!(
        json,
        json!([
            {
                "methods": ["GET"],
                "path": "/ping",
                "resource": "audit_ping",
                "handler": "audit::audit_ping",
                "access": "public",
                "requirement": null,
                "scope_rules": [],
                "hidden": null,
                "checks": [],
                "shadow": null,
                "problem": null,
            },
            {
                "methods": ["GET"],
                "path": "/api/things/{id:\\d+}",
                "resource": "audit_read_thing",
                "handler": "audit::audit_read_thing",
                "access": "protected",
                "requirement": "authenticated",
                "scope_rules": [{ "scope": "/api", "requirement": "role = \"api\"", "realm": "api" }],
                "hidden": true,
                "checks": ["owns(identity, id)"],
                "shadow": false,
                "problem": null,
            },
            {
                "methods": ["POST"],
                "path": "/api/things/{id:\\d+}",
                "resource": "audit_write_thing",
                "handler": "audit::audit_write_thing",
                "access": "protected",
                "requirement":
                    "all(role = \"admin\", any(permission = \"things:write\", scope = \"a|b\"))",
                "scope_rules": [{ "scope": "/api", "requirement": "role = \"api\"", "realm": "api" }],
                "hidden": false,
                "checks": [],
                "shadow": false,
                "problem": null,
            },
            {
                "methods": [],
                "path": "/below",
                "resource": "audit_below",
                "handler": "audit::audit_below",
                "access": "unauditable",
                "requirement": null,
                "scope_rules": [],
                "hidden": null,
                "checks": [],
                "shadow": null,
                "problem": "its attribute is written below the route attribute: write it above \
                            `#[get(...)]`/`#[route(...)]` so that it knows the route",
            },
        ])
    );
    assert_eq!(
        matrix.rows()[3].access,
        Access::Unauditable(Unauditable::AttributeBelowRoute)
    );
}

#[test]
fn the_helper_accepts_an_app_whose_routes_are_all_classified() {
    assert_eq!(failure_of(small_app), None);
}

#[test]
fn the_helper_fails_on_an_unauditable_handler() {
    assert_eq!(
        failure_of(with_unauditable).as_deref(),
        Some(
            "1 route(s) of the app are neither protected nor public:\n  \
             - ? /below (`audit::audit_below`): its attribute is written below the route \
             attribute: write it above `#[get(...)]`/`#[route(...)]` so that it knows the route"
        )
    );
}

#[test]
fn the_helper_fails_on_unannotated_routes() {
    let unannotated = "no #[public], #[authenticated] or #[requires] is recognised on its \
        handler (an annotated handler must be registered through its route attribute, written \
        below the attribute, not with web::resource(...).to(...))";
    assert_eq!(
        failure_of(with_unannotated),
        Some(format!(
            "3 route(s) of the app are neither protected nor public:\n  \
             - ? /api/forgotten (resource `audit_forgotten`): {unannotated}\n  \
             - ? /raw: {unannotated}\n  \
             - ? /legacy/old: {unannotated}"
        ))
    );
}

#[actix_web::test]
async fn the_demo_has_every_route_classified() {
    audit::assert_every_route_classified(demo::configure).await;
}

#[actix_web::test]
async fn the_demo_matrix_lists_exactly_the_tested_routes() {
    let matrix = audit::matrix(demo::configure).await.unwrap();
    let audited: Vec<(Method, String)> = matrix
        .rows()
        .iter()
        .flat_map(|row| {
            row.methods.iter().map(|method| {
                (
                    Method::from_bytes(method.as_bytes()).unwrap(),
                    row.path.clone(),
                )
            })
        })
        .collect();
    let tested: Vec<(Method, String)> = DemoRoute::ALL
        .iter()
        .map(|route| (route.declared().0, route.pattern()))
        .collect();
    assert_eq!(audited, tested, "the demo's routes, in routing order");
}

#[actix_web::test]
async fn the_readme_shows_the_demos_matrix_as_printed() {
    const README: &str = include_str!("../../README.md");
    let matrix = audit::matrix(demo::configure).await.unwrap().to_markdown();
    assert!(
        README.contains(&matrix),
        "README.md lacks the output of `cargo run -p demo -- routes`:\n{matrix}"
    );
}

#[authenticated]
#[get("/mine")]
async fn audit_versioned_mine() -> &'static str {
    ran();
    "mine"
}

async fn audit_unversioned_mine() -> &'static str {
    ran();
    "mine, unversioned"
}

/// A scope's guard cannot be seen, and may send a probe on to a later resource at the same
/// path: the handler in that scope is not probed, so nothing else runs and no rule of the
/// later scope is credited to it.
#[actix_web::test]
async fn a_probe_that_a_scope_guard_may_send_on_is_not_sent() {
    let before = RAN.load(Ordering::SeqCst);
    let matrix = audit::matrix(|config: &mut web::ServiceConfig| {
        config
            .service(
                web::scope("/api")
                    .guard(actix_web::guard::Header("x-version", "2"))
                    .service(audit_versioned_mine),
            )
            .service(
                web::scope("/api")
                    .wrap(Require::new(&API))
                    .route("/mine", web::get().to(audit_unversioned_mine)),
            );
    })
    .await
    .expect("the app can be audited");
    assert_eq!(RAN.load(Ordering::SeqCst), before, "a handler ran");
    let row = &matrix.rows()[0];
    assert_eq!(row.path, "/api/mine");
    assert!(
        row.scope_rules.as_ref().is_none_or(Vec::is_empty),
        "{:?}",
        row.scope_rules
    );
}

#[authenticated]
#[get("/ping")]
async fn audit_scoped_config_ping() -> &'static str {
    ran();
    "pong"
}

#[authenticated]
#[get("/ping")]
async fn audit_attached_identity_ping() -> &'static str {
    ran();
    "pong"
}

/// The probes reach handlers in scopes that would authenticate them: one with a configuration
/// of its own that authenticates every request, one whose middleware attaches an identity. Their
/// guards refuse the probes all the same, so no handler runs, nor the configuration's audit
/// sink, and the scopes' rules are learned.
#[actix_web::test]
async fn a_probe_is_refused_by_the_guard_whatever_would_authenticate_it() {
    use actix_authz::{AuthzConfig, FnAuthenticator, Outcome, Principal, attach_identity};
    use actix_web::dev::Service as _;

    let before = RAN.load(Ordering::SeqCst);
    let everyone = FnAuthenticator::new(|_| async {
        Outcome::authenticated(Principal::new("anyone").with_roles(["api"]))
    });
    let matrix = audit::matrix(move |config: &mut web::ServiceConfig| {
        config
            .service(
                web::scope("/configured")
                    .app_data(
                        AuthzConfig::new("inner")
                            .authenticator(everyone)
                            .audit(|_: &actix_authz::AuditRecord<'_>| ran())
                            .audit_granted(true),
                    )
                    .wrap(Require::new(&API))
                    .service(audit_scoped_config_ping),
            )
            .service(
                web::scope("/attached")
                    .wrap(Require::new(&API))
                    .wrap_fn(|request, service| {
                        attach_identity(&request, Principal::new("anyone").with_roles(["api"]));
                        service.call(request)
                    })
                    .service(audit_attached_identity_ping),
            );
    })
    .await
    .expect("the app can be audited");
    assert_eq!(RAN.load(Ordering::SeqCst), before, "a handler ran");
    let paths: Vec<&str> = matrix.rows().iter().map(|row| row.path.as_str()).collect();
    assert_eq!(paths, ["/configured/ping", "/attached/ping"]);
    for row in matrix.rows() {
        let rules = row
            .scope_rules
            .as_ref()
            .expect("the scope's rules are learned");
        let rules: Vec<&Requirement> = rules.iter().map(|rule| rule.requirement).collect();
        assert_eq!(rules, [&API], "{}", row.path);
    }
}

#[requires(role = "admin")]
#[get("/panel")]
async fn audit_redirected_panel() -> &'static str {
    ran();
    "panel"
}

/// Only a handler's guard tells the audit that a probe passed every scope: a middleware that
/// asks for the caller (`Option<Caller>`) and redirects anonymous ones to a login page stops
/// the probe before the inner scope's rule, which stays unknown (`?`), not known and empty.
/// What a login-page middleware does: an anonymous caller is sent to `/login`.
async fn to_login(
    mut request: actix_web::dev::ServiceRequest,
    next: actix_web::middleware::Next<impl actix_web::body::MessageBody + 'static>,
) -> Result<actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>, actix_web::Error> {
    if request
        .extract::<Option<actix_authz::Caller>>()
        .await?
        .is_none()
    {
        let login = HttpResponse::Found()
            .insert_header(("location", "/login"))
            .finish();
        return Ok(request.into_response(login).map_into_right_body());
    }
    Ok(next.call(request).await?.map_into_left_body())
}

#[actix_web::test]
async fn a_probe_stopped_before_the_guard_leaves_the_scope_rules_unknown() {
    let matrix = audit::matrix(|config: &mut web::ServiceConfig| {
        config.service(
            web::scope("/app")
                .wrap(actix_web::middleware::from_fn(to_login))
                .service(
                    web::scope("/admin")
                        .wrap(Require::new(&API))
                        .service(audit_redirected_panel),
                ),
        );
    })
    .await
    .expect("the app can be audited");
    let row = &matrix.rows()[0];
    assert_eq!(row.path, "/app/admin/panel");
    assert_eq!(
        row.scope_rules, None,
        "the rule of `/app/admin` was never seen"
    );
}

#[authenticated]
#[get("/wrapped", wrap = "Require::new(&API)")]
async fn audit_route_wrapped() -> &'static str {
    ran();
    "wrapped"
}

#[authenticated]
#[get("/first")]
async fn audit_unprefixed_first() -> &'static str {
    ran();
    "first"
}

#[authenticated]
#[get("/second")]
async fn audit_unprefixed_second() -> &'static str {
    ran();
    "second"
}

const OTHER: Requirement = Requirement::Role("other");

/// A rule the audit cannot attribute to one scope leaves the scopes unknown (`?`) rather than
/// credited wrongly: a route's own `wrap = …`, and a `scope("")` that writes the same prefix
/// as the scope around it.
#[actix_web::test]
async fn rules_of_no_scope_or_of_an_ambiguous_one_stay_unknown() {
    let matrix = audit::matrix(|config: &mut web::ServiceConfig| {
        config
            .service(web::scope("/own").service(audit_route_wrapped))
            .service(
                web::scope("/twin")
                    .wrap(Require::new(&API))
                    .service(
                        web::scope("")
                            .wrap(Require::new(&OTHER))
                            .service(audit_unprefixed_first),
                    )
                    .service(audit_unprefixed_second),
            );
    })
    .await
    .expect("the app can be audited");
    let rules: Vec<(&str, Option<&Vec<ScopeRule>>)> = matrix
        .rows()
        .iter()
        .map(|row| (row.path.as_str(), row.scope_rules.as_ref()))
        .collect();
    assert_eq!(
        rules,
        [
            ("/own/wrapped", None),
            ("/twin/first", None),
            ("/twin/second", None)
        ]
    );
}

#[authenticated]
#[get("/one")]
async fn audit_nested_one() -> &'static str {
    ran();
    "one"
}

#[authenticated]
#[get("/two")]
async fn audit_nested_two() -> &'static str {
    ran();
    "two"
}

#[authenticated]
#[get("/w", wrap = "Require::new(&OTHER)")]
async fn audit_sibling_wrapped() -> &'static str {
    ran();
    "w"
}

#[authenticated]
#[get("/p")]
async fn audit_sibling_plain() -> &'static str {
    ran();
    "p"
}

#[authenticated]
#[get("", wrap = "Require::new(&OTHER)")]
async fn audit_empty_path() -> &'static str {
    ran();
    "items"
}

#[authenticated]
#[get("/other")]
async fn audit_empty_path_sibling() -> &'static str {
    ran();
    "other"
}

/// Each scope's rules are learned once, from the first probe that can attribute them: nested
/// scopes list each rule once; a route's own `wrap = …` leaves only that route unknown, and its
/// siblings are probed instead; a rule at an empty route path, which the scope could have
/// written too, leaves that route unknown and the scope is learned from a sibling.
#[actix_web::test]
async fn each_scope_rule_is_learned_once_and_a_routes_own_rule_stays_its_own() {
    let matrix = audit::matrix(|config: &mut web::ServiceConfig| {
        config
            .service(
                web::scope("/a")
                    .wrap(Require::new(&API))
                    .service(audit_nested_one)
                    .service(
                        web::scope("/b")
                            .wrap(Require::new(&OTHER))
                            .service(audit_nested_two),
                    ),
            )
            .service(
                web::scope("/s")
                    .wrap(Require::new(&API))
                    .service(audit_sibling_wrapped)
                    .service(audit_sibling_plain),
            )
            .service(
                web::scope("/items")
                    .wrap(Require::new(&API))
                    .service(audit_empty_path)
                    .service(audit_empty_path_sibling),
            );
    })
    .await
    .expect("the app can be audited");
    let rules: Vec<(&str, Option<Vec<&Requirement>>)> = matrix
        .rows()
        .iter()
        .map(|row| {
            let rules = row
                .scope_rules
                .as_ref()
                .map(|rules| rules.iter().map(|rule| rule.requirement).collect());
            (row.path.as_str(), rules)
        })
        .collect();
    assert_eq!(
        rules,
        [
            ("/a/one", Some(vec![&API])),
            ("/a/b/two", Some(vec![&API, &OTHER])),
            ("/s/w", None),
            ("/s/p", Some(vec![&API])),
            ("/items", None),
            ("/items/other", Some(vec![&API])),
        ]
    );
}
