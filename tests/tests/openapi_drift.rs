//! The OpenAPI spec and the enforced requirement cannot drift: for every annotated handler of
//! this app, the operation's `security` and `x-required-*` extensions are what the registered
//! requirement implies, and a caller holding exactly what the spec lists is let through while
//! one lacking any of it is refused. `#[utoipa::path]` is stacked above and below `#[requires]`.

use std::collections::BTreeSet;

use actix_authz::openapi::{AuthzSchemes, Scheme};
use actix_authz::registry::{self, Protection, RouteEntry};
use actix_authz::test_util::{Probe, TestRequestExt as _, assert_enforced};
use actix_authz::{
    AuthzConfig, Caller, Identity, JwtAuthenticator, Principal, Requirement, authenticated, public,
    requires, vocabulary,
};
use actix_web::body::BoxBody;
use actix_web::dev::{ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::{Method, StatusCode, header};
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpResponse, delete, get, post, web};
use serde_json::{Value, json};
use utoipa::OpenApi;

#[vocabulary]
mod policy {
    #[roles]
    pub(crate) enum Role {
        #[implies(Auditor)]
        Admin,
        Auditor,
    }
}
use policy::Role;

// Ours above `#[utoipa::path]`.
#[requires(role = "admin")]
#[utoipa::path(responses((status = 200, description = "the admin area")))]
#[get("/drift/admin")]
async fn drift_admin() -> &'static str {
    "admin area"
}

// `#[utoipa::path]` above ours; a typed role (admins hold it too) and a scope.
#[utoipa::path(responses((status = 200, description = "the reports")))]
#[requires(role = Role::Auditor, scope = "reports:read")]
#[get("/drift/reports")]
async fn drift_reports() -> &'static str {
    "reports"
}

// A path parameter, and `hide`: denied callers get 404.
#[requires(permission = "posts:delete", hide)]
#[utoipa::path(responses((status = 204, description = "deleted")))]
#[delete("/drift/posts/{id}")]
async fn drift_delete_post(id: web::Path<u32>) -> HttpResponse {
    let _ = id;
    HttpResponse::NoContent().finish()
}

// Several items and several attributes: all of them.
#[requires(role = "writer", scope = "articles:write")]
#[requires(permission = "articles:create")]
#[utoipa::path(responses((status = 201, description = "created")))]
#[post("/drift/articles")]
async fn drift_create_article(body: String) -> HttpResponse {
    HttpResponse::Created().body(body)
}

// The route attribute above ours: the registry does not know the route, the spec is matched
// by operationId; served under a scope that the spec's path spells out.
#[utoipa::path(get, path = "/api/drift/whoami", responses((status = 200, description = "you")))]
#[get("/drift/whoami")]
#[authenticated]
async fn drift_whoami(caller: Caller) -> String {
    caller.subject().to_owned()
}

// Alternatives: only the unconditional part is listed; the rest is in `x-authz-requirement`.
#[requires(role = "staff", any(role = "night", role = "day"))]
#[utoipa::path(responses((status = 200, description = "the shift")))]
#[get("/drift/shift")]
async fn drift_shift() -> &'static str {
    "shift"
}

// Rolled out in shadow mode: documented as it will be enforced, and marked.
#[requires(role = "tester", shadow)]
#[utoipa::path(responses((status = 200, description = "the trial")))]
#[get("/drift/trial")]
async fn drift_trial() -> &'static str {
    "trial"
}

#[public]
#[utoipa::path(responses((status = 200, description = "up")))]
#[get("/drift/liveness")]
async fn drift_liveness() -> &'static str {
    "up"
}

const SECURITY: AuthzSchemes = AuthzSchemes::new(&[Scheme::Bearer("jwt"), Scheme::Basic("basic")]);

#[derive(OpenApi)]
#[openapi(
    paths(
        drift_admin,
        drift_reports,
        drift_delete_post,
        drift_create_article,
        drift_whoami,
        drift_shift,
        drift_trial,
        drift_liveness
    ),
    modifiers(&SECURITY)
)]
struct Api;

fn app() -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<BoxBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let config =
        AuthzConfig::new("drift").authenticator(JwtAuthenticator::hs256(b"drift test secret"));
    App::new()
        .app_data(config)
        .service(drift_admin)
        .service(drift_reports)
        .service(drift_delete_post)
        .service(drift_create_article)
        .service(drift_shift)
        .service(drift_trial)
        .service(drift_liveness)
        .service(web::scope("/api").service(drift_whoami))
}

fn spec() -> Value {
    serde_json::to_value(Api::openapi()).expect("the spec serializes")
}

/// This file's annotated handlers, from the registry.
fn entries() -> Vec<&'static RouteEntry> {
    registry::entries()
        .filter(|entry| entry.module() == module_path!())
        .collect()
}

/// `(path, method, operation)` of the operation whose `operationId` is `id`.
fn operation<'a>(spec: &'a Value, id: &str) -> (String, Method, &'a Value) {
    let paths = spec["paths"].as_object().expect("paths");
    for (path, item) in paths {
        for (method, operation) in item.as_object().expect("a path item") {
            if operation["operationId"] == id {
                let method = method.to_uppercase().parse().expect("a method");
                return (path.clone(), method, operation);
            }
        }
    }
    panic!("no operation `{id}` in the spec");
}

/// What a requirement made only of all-of and leaves asks for, computed here independently of
/// the runtime: roles, permissions, scopes.
fn listed(requirement: &Requirement, into: &mut [BTreeSet<String>; 3]) {
    match requirement {
        Requirement::Role(role) => drop(into[0].insert((*role).to_owned())),
        // A typed term that other roles stand in for is an alternative, like `any(...)`.
        Requirement::TypedRole(term) if term.roles() == [term.name()] => {
            into[0].insert(term.name().to_owned());
        }
        Requirement::TypedPermission(term) if term.roles().is_empty() => {
            into[1].insert(term.name().to_owned());
        }
        Requirement::Permission(permission) => drop(into[1].insert((*permission).to_owned())),
        Requirement::Scope(scope) => drop(into[2].insert((*scope).to_owned())),
        Requirement::All(all) => all.iter().for_each(|item| listed(item, into)),
        Requirement::Authenticated
        | Requirement::TypedRole(_)
        | Requirement::TypedPermission(_)
        | Requirement::Any(_)
        | Requirement::Not(_) => {}
    }
}

/// How a client reads `requirement` of `handler` from the spec: as written, but for the typed
/// role of `drift_reports`, spelled out with the role that the vocabulary above lets stand in
/// for it (a client does not see the vocabulary).
fn as_documented(handler: &str, requirement: &Requirement) -> String {
    match handler {
        "drift_reports" => {
            r#"all(any(role = "admin", role = "auditor"), scope = "reports:read")"#.to_owned()
        }
        _ => requirement.to_string(),
    }
}

fn strings(value: &Value) -> BTreeSet<String> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("an array: {value}"))
        .iter()
        .map(|item| item.as_str().expect("a string").to_owned())
        .collect()
}

#[test]
fn every_annotated_handler_is_documented_as_it_is_enforced() {
    let spec = spec();
    let entries = entries();
    assert_eq!(entries.len(), 8, "{entries:?}");
    for entry in entries {
        let (_, _, operation) = operation(&spec, entry.handler());
        let (requirement, hidden) = match entry.protection() {
            Protection::Public => {
                assert_eq!(operation["security"], json!([]), "{entry}");
                assert!(operation.get("x-authz-requirement").is_none(), "{entry}");
                continue;
            }
            Protection::Protected {
                requirement,
                hidden,
                shadow,
                ..
            } => {
                let marked = operation.get("x-authz-shadow");
                assert_eq!(marked, shadow.then_some(&json!(true)), "{entry}");
                (requirement, hidden)
            }
            _ => unreachable!("a new kind of protection: document it"),
        };
        let mut expected: [BTreeSet<String>; 3] = Default::default();
        listed(requirement, &mut expected);
        let [roles, permissions, scopes] = expected;
        assert_eq!(strings(&operation["x-required-roles"]), roles, "{entry}");
        assert_eq!(
            strings(&operation["x-required-permissions"]),
            permissions,
            "{entry}"
        );
        assert_eq!(
            operation["x-authz-requirement"],
            as_documented(entry.handler(), requirement),
            "{entry}"
        );
        let scopes: Vec<&str> = scopes.iter().map(String::as_str).collect();
        assert_eq!(
            operation["security"],
            json!([{ "jwt": scopes }, { "basic": scopes }]),
            "{entry}"
        );
        let unauthorized = &operation["responses"]["401"];
        assert!(
            unauthorized["headers"]["WWW-Authenticate"]["schema"]["type"] == "string",
            "{entry}: {unauthorized}"
        );
        assert!(
            unauthorized["content"]["application/problem+json"]["schema"]["required"]
                .as_array()
                .is_some_and(|required| required.len() == 4),
            "{entry}: {unauthorized}"
        );
        let (refused, not_refused) = if hidden {
            ("404", "403")
        } else {
            ("403", "404")
        };
        assert!(
            operation["responses"][refused].is_object(),
            "{entry}: {operation}"
        );
        assert!(
            operation["responses"][not_refused].is_null(),
            "{entry}: {operation}"
        );
    }
    assert_eq!(
        spec["components"]["securitySchemes"],
        json!({
            "jwt": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" },
            "basic": { "type": "http", "scheme": "basic" },
        })
    );
}

#[test]
fn alternatives_are_in_the_requirement_text_only() {
    let spec = spec();
    let (_, _, shift) = operation(&spec, "drift_shift");
    assert_eq!(shift["x-required-roles"], json!(["staff"]));
    assert_eq!(
        shift["x-authz-requirement"],
        r#"all(role = "staff", any(role = "night", role = "day"))"#
    );
}

/// A request to an operation of the spec: its method, its path with `1` for each parameter.
fn request_to(path: &str, method: &Method) -> TestRequest {
    let mut uri = String::new();
    let mut in_parameter = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_parameter = true;
                uri.push('1');
            }
            '}' => in_parameter = false,
            _ if !in_parameter => uri.push(c),
            _ => {}
        }
    }
    TestRequest::default().method(method.clone()).uri(&uri)
}

#[actix_web::test]
async fn exactly_what_the_spec_lists_passes_and_anything_less_is_refused() {
    let spec = spec();
    let app = test::init_service(app()).await;
    let mut checked = 0;
    for entry in entries() {
        let (path, method, operation) = operation(&spec, entry.handler());
        let requirement = operation["x-authz-requirement"].as_str().unwrap_or("");
        let hidden = operation["responses"]["404"].is_object();
        // In shadow mode a would-be refusal is only recorded: the caller gets through.
        let shadow = operation.get("x-authz-shadow") == Some(&json!(true));
        let refused = if shadow {
            StatusCode::OK
        } else if hidden {
            StatusCode::NOT_FOUND
        } else {
            StatusCode::FORBIDDEN
        };
        let anonymous = test::call_service(&app, request_to(&path, &method).to_request()).await;
        if operation["security"] == json!([]) {
            assert_eq!(anonymous.status(), StatusCode::OK, "{entry}");
            continue;
        }
        assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED, "{entry}");
        assert_eq!(
            anonymous.headers().get(header::WWW_AUTHENTICATE).unwrap(),
            r#"Bearer realm="drift""#
        );
        if requirement.contains("any(") {
            continue;
        }
        let roles = strings(&operation["x-required-roles"]);
        let permissions = strings(&operation["x-required-permissions"]);
        let scopes: BTreeSet<String> = operation["security"][0]["jwt"]
            .as_array()
            .expect("the scopes")
            .iter()
            .map(|scope| scope.as_str().expect("a scope").to_owned())
            .collect();
        let holder = |skip: Option<&String>| {
            let keep = |item: &&String| Some(*item) != skip;
            Principal::new("spec-reader")
                .with_roles(roles.iter().filter(keep).cloned())
                .with_permissions(permissions.iter().filter(keep).cloned())
                .with_scopes(scopes.iter().filter(keep).cloned())
        };
        let response = request_to(&path, &method)
            .with_identity(holder(None))
            .send(&app)
            .await;
        assert!(
            response.status().is_success(),
            "{entry} refused what its spec lists: {}",
            response.status()
        );
        for item in roles.iter().chain(&permissions).chain(&scopes) {
            let response = request_to(&path, &method)
                .with_identity(holder(Some(item)))
                .send(&app)
                .await;
            assert_eq!(response.status(), refused, "{entry} without {item}");
        }
        checked += 1;
    }
    assert_eq!(checked, 5, "every conjunctive requirement was exercised");
}

/// The typed role of `drift_reports` is documented as the roles that stand in for it: each
/// alternative the spec names passes with the scope, and none passes without it.
#[actix_web::test]
async fn each_role_documented_for_a_typed_role_passes() {
    let spec = spec();
    let app = test::init_service(app()).await;
    let (path, method, operation) = operation(&spec, "drift_reports");
    assert_eq!(operation["x-required-roles"], json!([]));
    assert_eq!(operation["security"][0]["jwt"], json!(["reports:read"]));
    for role in ["admin", "auditor"] {
        let requirement = operation["x-authz-requirement"].as_str().unwrap_or("");
        assert!(
            requirement.contains(&format!("role = \"{role}\"")),
            "{requirement}"
        );
        let holder = Principal::new("spec-reader")
            .with_roles([role])
            .with_scopes(["reports:read"]);
        let response = request_to(&path, &method)
            .with_identity(holder)
            .send(&app)
            .await;
        assert_eq!(response.status(), StatusCode::OK, "{role}");
        let without_scope = Principal::new("spec-reader").with_roles([role]);
        let response = request_to(&path, &method)
            .with_identity(without_scope)
            .send(&app)
            .await;
        assert_eq!(
            response.status(),
            StatusCode::FORBIDDEN,
            "{role} without the scope"
        );
    }
    let neither = Principal::new("spec-reader")
        .with_roles(["staff"])
        .with_scopes(["reports:read"]);
    let response = request_to(&path, &method)
        .with_identity(neither)
        .send(&app)
        .await;
    assert_eq!(response.status(), StatusCode::FORBIDDEN, "neither role");
}

#[actix_web::test]
async fn the_test_kit_agrees() {
    let app = test::init_service(app()).await;
    assert_enforced(
        &app,
        [
            Probe::handler("drift_admin"),
            Probe::handler("drift_reports"),
            Probe::handler("drift_delete_post"),
            Probe::handler("drift_create_article"),
            Probe::handler("drift_shift"),
            Probe::handler("drift_liveness"),
            Probe::handler("drift_whoami")
                .uri("/api/drift/whoami")
                .method(Method::GET),
        ],
    )
    .await;
    // The typed role's hierarchy: an admin holds `auditor`.
    let admin = Principal::new("root")
        .with_roles([Role::Admin.name()])
        .with_scopes(["reports:read"]);
    let response = TestRequest::get()
        .uri("/drift/reports")
        .with_identity(admin)
        .send(&app)
        .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(test::read_body(response).await, "reports");
}

/// The demo's `GET /openapi.json`: every route of its audit is in the spec, with what protects
/// it there (the handler's attribute and the `Require` rules of its scope), and the served
/// document is the generated one.
#[actix_web::test]
async fn the_demo_serves_the_requirements_of_its_route_audit() {
    use actix_authz::audit::{self, Access};

    let matrix = audit::matrix(demo::configure)
        .await
        .expect("the demo's audit");
    let spec = serde_json::to_value(demo::openapi().await).expect("the spec serializes");
    let mut documented = 0;
    for row in matrix.rows() {
        for method in &row.methods {
            let operation = &spec["paths"][&row.path][method.to_lowercase()];
            assert!(
                operation.is_object(),
                "{method} {} is not documented",
                row.path
            );
            match row.access {
                Access::Public => assert_eq!(operation["security"], json!([]), "{}", row.path),
                Access::Protected { requirement, .. } => {
                    let mut all: Vec<String> = row
                        .scope_rules
                        .iter()
                        .flatten()
                        .map(|rule| rule.requirement.to_string())
                        .collect();
                    // The demo's typed role: admins stand in for auditors (its vocabulary).
                    all.push(match row.path.as_str() {
                        "/reports" => r#"any(role = "admin", role = "auditor")"#.to_owned(),
                        _ => requirement.to_string(),
                    });
                    let expected = match all.as_slice() {
                        [only] => only.clone(),
                        all => format!("all({})", all.join(", ")),
                    };
                    assert_eq!(operation["x-authz-requirement"], expected, "{}", row.path);
                    assert!(operation["responses"]["401"].is_object(), "{}", row.path);
                }
                access => panic!("{} is not classified: {access:?}", row.path),
            }
            documented += 1;
        }
    }
    assert_eq!(documented, authz_tests::DemoRoute::ALL.len());
    let moderation = &spec["paths"]["/staff/moderation"]["get"];
    assert_eq!(moderation["x-required-roles"], json!(["editor"]));
    assert_eq!(
        moderation["x-required-permissions"],
        json!(["posts:delete"])
    );

    let app = authz_tests::demo_service(web::Data::new(demo::State::default())).await;
    let served =
        test::call_service(&app, TestRequest::get().uri("/openapi.json").to_request()).await;
    assert_eq!(served.status(), StatusCode::OK);
    assert_eq!(
        served.headers().get(header::CONTENT_TYPE).unwrap(),
        "application/json"
    );
    let served: Value = test::read_body_json(served).await;
    assert_eq!(served, spec);
}

/// A scope whose rules the audit cannot learn (it has no `GET` route for a probe), kept out of
/// this file's handlers.
mod inbox {
    use actix_authz::requires;
    use actix_web::{HttpResponse, post};

    #[requires(role = "writer")]
    #[utoipa::path(post, path = "/inbox/submit", responses((status = 201, description = "in")))]
    #[post("/submit")]
    pub(super) async fn drift_submit() -> HttpResponse {
        HttpResponse::Created().finish()
    }
}

/// What the spec states is what the server enforces at least: where the audit could not learn
/// a scope's rules, the operation says that there may be more.
#[actix_web::test]
async fn an_operation_whose_scope_rules_are_unknown_says_so() {
    use actix_authz::Require;
    use actix_authz::audit;

    const STAFF: Requirement = Requirement::Role("staff");

    #[derive(OpenApi)]
    #[openapi(paths(inbox::drift_submit))]
    struct Inbox;

    let matrix = audit::matrix(|config: &mut web::ServiceConfig| {
        config.service(
            web::scope("/inbox")
                .wrap(Require::new(&STAFF))
                .service(inbox::drift_submit),
        );
    })
    .await
    .expect("the app can be audited");
    assert_eq!(matrix.rows()[0].scope_rules, None);
    let mut spec = Inbox::openapi();
    SECURITY.document_matrix(&mut spec, &matrix);
    let spec = serde_json::to_value(spec).expect("the spec serializes");
    let operation = &spec["paths"]["/inbox/submit"]["post"];
    assert_eq!(operation["x-authz-requirement"], r#"role = "writer""#);
    assert_eq!(operation["x-authz-scope-rules-unknown"], true);

    // Where the rules are known, no such mark.
    let demo = serde_json::to_value(demo::openapi().await).expect("the spec serializes");
    let moderation = &demo["paths"]["/staff/moderation"]["get"];
    assert!(
        moderation["x-authz-requirement"].is_string(),
        "{moderation}"
    );
    assert!(
        moderation.get("x-authz-scope-rules-unknown").is_none(),
        "{moderation}"
    );
}
