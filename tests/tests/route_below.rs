//! The attribute written above the route attribute steps below it, so that the handler is
//! registered like one written the other way round: these handlers must still answer as their
//! attributes say, and be recorded with the routes they declare (what `Require`, `DefaultDeny`
//! and the audit read), a `guard = …` included.

use actix_authz::registry::{self, Protection, RouteEntry};
use actix_authz::{AuthzConfig, BasicAuthenticator, Principal, authenticated, requires};
use actix_web::guard::GuardContext;
use actix_web::http::{Method, StatusCode, header};
use actix_web::{App, get, post, route, test, web};
use authz_tests::Reply;
use base64::Engine as _;

#[requires(role = "admin")]
#[get("/plain")]
async fn plain() -> &'static str {
    "plain"
}

#[requires(role = "admin")]
#[route("/methods", method = "GET", method = "PUT")]
async fn two_methods() -> &'static str {
    "two methods"
}

fn from_hook(context: &GuardContext<'_>) -> bool {
    context.head().headers().contains_key("x-hook")
}

#[requires(role = "admin")]
#[get("/guarded", guard = "from_hook")]
async fn guarded() -> &'static str {
    "guarded"
}

// Two attributes above the route attribute: one policy, all-of, with the handler's argument.
#[authenticated]
#[requires(permission = "items:write")]
#[post("/items/{id}")]
async fn items(id: web::Path<u32>) -> String {
    format!("item {id}")
}

fn config() -> AuthzConfig {
    AuthzConfig::new("below").authenticator(BasicAuthenticator::new(|credentials| async move {
        Ok(match (credentials.user_id(), credentials.password()) {
            ("alice", "pw") => Some(Principal::new("alice").with_roles(["admin"])),
            ("ivan", "pw") => Some(Principal::new("ivan").with_permissions(["items:write"])),
            ("eve", "pw") => Some(Principal::new("eve")),
            _ => None,
        })
    }))
}

fn as_user(request: test::TestRequest, user: &str) -> test::TestRequest {
    let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{user}:pw"));
    request.insert_header((header::AUTHORIZATION, format!("Basic {credentials}")))
}

fn entry(handler: &str) -> &'static RouteEntry {
    registry::entries()
        .find(|entry| entry.handler() == handler && entry.module() == module_path!())
        .unwrap_or_else(|| panic!("`{handler}` is registered"))
}

/// The route each handler declares, and its requirement, as the registry records them.
#[actix_web::test]
async fn the_declared_routes_are_recorded() {
    let cases: [(&str, &[&str], &str, bool, &str); 4] = [
        ("plain", &["GET"], "/plain", false, "role = \"admin\""),
        (
            "two_methods",
            &["GET", "PUT"],
            "/methods",
            false,
            "role = \"admin\"",
        ),
        ("guarded", &["GET"], "/guarded", true, "role = \"admin\""),
        (
            "items",
            &["POST"],
            "/items/{id}",
            false,
            "permission = \"items:write\"",
        ),
    ];
    for (handler, methods, path, is_guarded, requirement) in cases {
        let entry = entry(handler);
        let route = entry
            .route()
            .unwrap_or_else(|| panic!("`{handler}`: written above its route, the route is known"));
        assert_eq!(route.methods(), methods, "{handler}");
        assert_eq!(route.path(), path, "{handler}");
        assert_eq!(route.guarded(), is_guarded, "{handler}");
        match entry.protection() {
            Protection::Protected {
                requirement: required,
                hidden,
                checks,
                shadow,
            } => {
                assert_eq!(required.to_string(), requirement, "{handler}");
                assert!(!hidden && checks.is_empty() && !shadow, "{handler}");
            }
            other => panic!("`{handler}` is {other:?}"),
        }
    }
}

/// Each handler answers 401 with the Basic challenge to an anonymous caller, 403 to one who
/// lacks its requirement, and its body to one who holds it.
#[actix_web::test]
async fn the_handlers_decide_as_declared() {
    let app = test::init_service(
        App::new()
            .app_data(config())
            .service(plain)
            .service(two_methods)
            .service(guarded)
            .service(items),
    )
    .await;
    let challenge = [r#"Basic realm="below", charset="UTF-8""#.to_owned()];
    let cases = [
        (Method::GET, "/plain", "alice", "plain"),
        (Method::PUT, "/methods", "alice", "two methods"),
        (Method::GET, "/guarded", "alice", "guarded"),
        (Method::POST, "/items/7", "ivan", "item 7"),
    ];
    for (method, uri, holder, body) in cases {
        let request = || {
            test::TestRequest::default()
                .method(method.clone())
                .uri(uri)
                .insert_header(("x-hook", "1"))
        };
        let context = format!("{method} {uri}");

        let anonymous = Reply::of(&app, request()).await;
        anonymous.assert_refused(
            StatusCode::UNAUTHORIZED,
            &challenge,
            &format!("anonymous {context}"),
        );

        let lacking = Reply::of(&app, as_user(request(), "eve")).await;
        lacking.assert_refused(StatusCode::FORBIDDEN, &[], &format!("eve {context}"));

        let granted = Reply::of(&app, as_user(request(), holder)).await;
        assert_eq!(granted.status, StatusCode::OK, "{holder} {context}");
        assert_eq!(granted.body, body.as_bytes(), "{holder} {context}");
        assert_eq!(
            granted.challenges(),
            Vec::<String>::new(),
            "{holder} {context}"
        );
    }

    // The guard still routes: without its header, nothing serves `/guarded`.
    let unguarded = Reply::of(
        &app,
        as_user(test::TestRequest::get().uri("/guarded"), "alice"),
    )
    .await;
    assert_eq!(unguarded.status, StatusCode::NOT_FOUND);
}
