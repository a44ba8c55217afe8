//! The attributes' expansion is lint-clean: every form of `#[authenticated]` and `#[requires]`
//! is used here under `deny(warnings, clippy::all)` and `missing_docs`, on public and private
//! handlers, above and below the route attribute. `cargo clippy --all-targets -D warnings`
//! fails on any lint the generated code triggers; the test below calls the handlers so that
//! this file is also a real test.
#![deny(warnings, clippy::all, missing_docs, missing_debug_implementations)]

/// Handlers using every attribute form, in a public module like an application's routes.
///
/// Handlers under a route attribute are `pub(crate)`: `#[get]` moves the function into the
/// generated service's `register`, where a `pub fn` is `unreachable_pub` whatever our attributes
/// do. The handlers routed by hand are `pub`, so their generated items are checked as public API
/// (`missing_docs`, `missing_debug_implementations`, `unreachable_pub`).
pub mod routes {
    use std::fmt::Display;

    use actix_authz::{Caller, Identity, authenticated, requires};
    use actix_web::{HttpResponse, Responder, delete, get, post, web};

    /// Re-exports actix-authz whole, for `crate = "..."`.
    pub mod authz {
        pub use actix_authz::*;
    }

    /// Any authenticated caller, above the route attribute.
    #[authenticated]
    #[get("/me")]
    pub(crate) async fn me(caller: Caller) -> String {
        caller.subject().to_owned()
    }

    /// Any authenticated caller, below the route attribute, with its own realm.
    #[get("/account")]
    #[authenticated(realm = "accounts")]
    pub(crate) async fn account() -> &'static str {
        "account"
    }

    /// A role, above the route attribute.
    #[requires(role = "admin")]
    #[get("/admin")]
    pub(crate) async fn admin() -> &'static str {
        "admin area"
    }

    /// A role and a permission, stacked around the route attribute.
    #[requires(role = "editor")]
    #[delete("/posts/{id}")]
    #[requires(permission = "posts:delete")]
    pub(crate) async fn delete_post(id: web::Path<u32>) -> HttpResponse {
        let _ = id.into_inner();
        HttpResponse::NoContent().finish()
    }

    /// A scope, with a realm override and a JSON body bound by a pattern.
    #[post("/articles")]
    #[requires(scope = "articles:write", realm = "articles")]
    pub(crate) async fn create_article(
        web::Json(mut title): web::Json<String>,
    ) -> Result<HttpResponse, actix_web::Error> {
        title.push('!');
        Ok(HttpResponse::Created().body(title))
    }

    /// Nested groups.
    #[get("/reports")]
    #[requires(
        any(role = "admin", all(role = "auditor", not(role = "suspended"))),
        not(scope = "reports:none")
    )]
    pub(crate) async fn reports() -> impl Responder {
        "reports"
    }

    /// `#[authenticated]` and `#[requires]` together, through a re-exporting module: `crate` is
    /// a setting of the handler's one policy, given once.
    #[get("/audit")]
    #[authz::authenticated(crate = "crate::routes::authz")]
    #[authz::requires(any(role = "auditor", permission = "audit:read"))]
    pub(crate) async fn audit(caller: Caller) -> String {
        format!("audited by {}", caller.subject())
    }

    /// Generic, routed by hand.
    #[requires(role = "admin")]
    pub async fn show<T>(data: web::Data<T>) -> String
    where
        T: Display + Send + Sync + 'static,
    {
        data.to_string()
    }

    /// Any authenticated caller, routed by hand.
    #[authenticated]
    pub async fn whoami(caller: Caller) -> String {
        caller.subject().to_owned()
    }

    /// Private handlers are lint-clean too.
    #[get("/private")]
    #[requires(role = "admin")]
    async fn private() -> &'static str {
        "private"
    }

    #[requires(role = "admin")]
    #[get("/private-above")]
    async fn private_above() -> &'static str {
        "private"
    }

    fn is_even(id: &web::Path<u32>) -> bool {
        id.is_multiple_of(2)
    }

    /// Shadow mode with an argument-aware check: the check's `false` is recorded, not enforced.
    #[requires(role = "admin", check = is_even(id), shadow)]
    #[get("/shadow/{id}")]
    pub(crate) async fn shadowed(id: web::Path<u32>) -> String {
        id.to_string()
    }

    /// `#[utoipa::path]` below `#[requires]`: the attribute steps below it.
    #[requires(role = "admin")]
    #[utoipa::path(responses((status = 200, description = "documented")))]
    #[get("/documented/{id}")]
    pub(crate) async fn documented(id: web::Path<u32>) -> String {
        id.to_string()
    }

    /// Registers every handler of this module.
    pub fn configure(config: &mut web::ServiceConfig) {
        config
            .service(me)
            .service(account)
            .service(admin)
            .service(delete_post)
            .service(create_article)
            .service(reports)
            .service(audit)
            .service(private)
            .service(private_above)
            .service(shadowed)
            .service(documented)
            .route("/show", web::get().to(show::<u32>))
            .route("/whoami", web::get().to(whoami));
    }
}

use actix_authz::{AuthzConfig, Principal, attach_identity};
use actix_web::dev::Service as _;
use actix_web::http::StatusCode;
use actix_web::{App, test, web};

#[actix_web::test]
async fn the_lint_clean_handlers_decide_their_policy() {
    let app = test::init_service(
        App::new()
            .app_data(AuthzConfig::new("api"))
            .app_data(web::Data::new(7_u32))
            .wrap_fn(|request, service| {
                // `x-user: name role...` stands in for a session.
                if let Some(user) = request.headers().get("x-user") {
                    let user = user.to_str().unwrap_or_default().to_owned();
                    let mut words = user.split(' ');
                    let subject = words.next().unwrap_or_default().to_owned();
                    attach_identity(&request, Principal::new(subject).with_roles(words));
                }
                service.call(request)
            })
            .configure(routes::configure),
    )
    .await;

    let cases = [
        ("/admin", None, StatusCode::UNAUTHORIZED),
        ("/admin", Some("eve editor"), StatusCode::FORBIDDEN),
        ("/admin", Some("ann admin"), StatusCode::OK),
        ("/show", Some("ann admin"), StatusCode::OK),
        ("/reports", Some("al auditor"), StatusCode::OK),
        (
            "/reports",
            Some("sue auditor suspended"),
            StatusCode::FORBIDDEN,
        ),
        ("/audit", Some("al auditor"), StatusCode::OK),
        ("/me", Some("bo"), StatusCode::OK),
        ("/whoami", None, StatusCode::UNAUTHORIZED),
        ("/whoami", Some("bo"), StatusCode::OK),
        ("/account", None, StatusCode::UNAUTHORIZED),
        ("/private", Some("ann admin"), StatusCode::OK),
        ("/private-above", Some("eve"), StatusCode::FORBIDDEN),
        ("/shadow/3", Some("eve"), StatusCode::OK),
        ("/shadow/3", None, StatusCode::UNAUTHORIZED),
        ("/documented/3", Some("eve"), StatusCode::FORBIDDEN),
        ("/documented/3", Some("ann admin"), StatusCode::OK),
    ];
    for (uri, user, expected) in cases {
        let mut request = test::TestRequest::get().uri(uri);
        if let Some(user) = user {
            request = request.insert_header(("x-user", user));
        }
        let response = test::call_service(&app, request.to_request()).await;
        assert_eq!(response.status(), expected, "GET {uri} as {user:?}");
    }

    let request = test::TestRequest::get()
        .uri("/me")
        .insert_header(("x-user", "bo"))
        .to_request();
    assert_eq!(test::call_and_read_body(&app, request).await, "bo");
}
