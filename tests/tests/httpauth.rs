//! Migrating from actix-web-httpauth: its middleware with your validator attaching the identity
//! (`httpauth::identify`), or its extractors as an actix-authz authenticator
//! (`httpauth::ExtractorAuthenticator`).

use actix_authz::httpauth::{ExtractorAuthenticator, MiddlewareScheme, identify};
use actix_authz::{
    AuthzConfig, BackendUnavailable, Caller, Identity, Principal, attach_identity, authenticated,
    public, requires,
};
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::test::{self, TestRequest};
use actix_web::{App, get};
use actix_web_httpauth::extractors::basic::BasicAuth;
use actix_web_httpauth::extractors::bearer::BearerAuth;
use actix_web_httpauth::middleware::HttpAuthentication;
use authz_tests::{Reply, header_lines};

#[requires(role = "admin")]
#[get("/admin")]
async fn admin(caller: Caller) -> String {
    format!("admin area for {}", caller.subject())
}

#[authenticated]
#[get("/me")]
async fn me(caller: Caller) -> String {
    caller.subject().to_owned()
}

#[public]
#[get("/health")]
async fn health() -> &'static str {
    "ok"
}

/// The validator an actix-web-httpauth app already had, now returning who the caller is.
async fn verify_token(credentials: Option<BearerAuth>) -> actix_web::Result<Option<Principal>> {
    let Some(credentials) = credentials else {
        return Ok(None);
    };
    match credentials.token() {
        "root-token" => Ok(Some(Principal::new("root").with_roles(["admin"]))),
        "user-token" => Ok(Some(Principal::new("user"))),
        _ => Err(actix_web::error::ErrorUnauthorized("bad token")),
    }
}

/// The app behind actix-web-httpauth's Bearer middleware and `verify_token`.
async fn bearer_middleware_app() -> impl Service<
    actix_http::Request,
    Response = ServiceResponse<impl MessageBody>,
    Error = actix_web::Error,
> {
    test::init_service(
        App::new()
            .app_data(AuthzConfig::new("migrated").authenticator(MiddlewareScheme::bearer()))
            .wrap(HttpAuthentication::with_fn(identify(verify_token)))
            .service(admin)
            .service(me)
            .service(health),
    )
    .await
}

fn bearer(uri: &str, token: &str) -> TestRequest {
    TestRequest::get()
        .uri(uri)
        .insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
}

#[actix_web::test]
async fn the_middleware_attaches_the_identity_its_validator_returns() {
    let app = bearer_middleware_app().await;

    let root = Reply::of(&app, bearer("/admin", "root-token")).await;
    assert_eq!(root.status, StatusCode::OK);
    assert_eq!(root.body, "admin area for root");
    let user = Reply::of(&app, bearer("/admin", "user-token")).await;
    assert_eq!(user.status, StatusCode::FORBIDDEN);
    assert_eq!(
        header_lines(&user.headers, header::WWW_AUTHENTICATE),
        Vec::<String>::new()
    );
    assert_eq!(
        user.headers.get(header::CONTENT_TYPE).unwrap(),
        "application/problem+json"
    );
    let myself = Reply::of(&app, bearer("/me", "user-token")).await;
    assert_eq!(myself.status, StatusCode::OK);
    assert_eq!(myself.body, "user");

    // No credentials: public routes work, protected ones are actix-authz's 401.
    let public = Reply::of(&app, TestRequest::get().uri("/health")).await;
    assert_eq!(public.status, StatusCode::OK);
    assert_eq!(public.body, "ok");
    // The 401 carries the middleware's challenge.
    let anonymous = Reply::of(&app, TestRequest::get().uri("/me")).await;
    anonymous.assert_refused(
        StatusCode::UNAUTHORIZED,
        &[r#"Bearer realm="migrated""#.to_owned()],
        &"anonymous",
    );

    // A token the validator rejects: the middleware's own answer, as before the migration.
    let rejected = Reply::of(&app, bearer("/me", "forged")).await;
    assert_eq!(rejected.status, StatusCode::UNAUTHORIZED);
    assert_eq!(rejected.body, "bad token");
}

#[actix_web::test]
async fn its_extractors_as_authenticators_get_actix_authz_challenges() {
    let config = AuthzConfig::new("migrated")
        .authenticator(ExtractorAuthenticator::bearer(
            |credentials: BearerAuth| async move {
                match credentials.token() {
                    "root-token" => Ok(Some(Principal::new("root").with_roles(["admin"]))),
                    "backend-down" => Err(BackendUnavailable),
                    _ => Ok(None),
                }
            },
        ))
        .authenticator(ExtractorAuthenticator::basic(
            |credentials: BasicAuth| async move {
                let password_ok = credentials.password() == Some("builder");
                Ok((credentials.user_id() == "bob" && password_ok).then(|| Principal::new("bob")))
            },
        ));
    let app = test::init_service(App::new().app_data(config).service(admin).service(me)).await;

    let root = Reply::of(&app, bearer("/admin", "root-token")).await;
    assert_eq!(root.status, StatusCode::OK);
    assert_eq!(root.body, "admin area for root");
    let bob = TestRequest::get()
        .uri("/me")
        .insert_header((header::AUTHORIZATION, "Basic Ym9iOmJ1aWxkZXI="));
    let bob = Reply::of(&app, bob).await;
    assert_eq!(bob.status, StatusCode::OK);
    assert_eq!(bob.body, "bob");

    let anonymous = Reply::of(&app, TestRequest::get().uri("/me")).await;
    anonymous.assert_refused(
        StatusCode::UNAUTHORIZED,
        &[
            r#"Bearer realm="migrated""#.to_owned(),
            r#"Basic realm="migrated", charset="UTF-8""#.to_owned(),
        ],
        &"anonymous",
    );
    let wrong = Reply::of(&app, bearer("/me", "nope")).await;
    wrong.assert_refused(
        StatusCode::UNAUTHORIZED,
        &[
            r#"Bearer realm="migrated", error="invalid_token""#.to_owned(),
            r#"Basic realm="migrated", charset="UTF-8""#.to_owned(),
        ],
        &"a wrong token",
    );
    let down = Reply::of(&app, bearer("/me", "backend-down")).await;
    assert_eq!(down.status, StatusCode::SERVICE_UNAVAILABLE);
    let bob_on_admin = TestRequest::get()
        .uri("/admin")
        .insert_header((header::AUTHORIZATION, "Basic Ym9iOmJ1aWxkZXI="));
    let forbidden = Reply::of(&app, bob_on_admin).await;
    forbidden.assert_refused(StatusCode::FORBIDDEN, &[], &"bob on /admin");
}

#[actix_web::test]
async fn a_basic_middleware_scheme_announces_basic() {
    async fn verify(credentials: Option<BasicAuth>) -> actix_web::Result<Option<Principal>> {
        Ok(credentials
            .filter(|c| c.user_id() == "bob" && c.password() == Some("builder"))
            .map(|_| Principal::new("bob")))
    }
    let app = test::init_service(
        App::new()
            .app_data(AuthzConfig::new("migrated").authenticator(MiddlewareScheme::basic()))
            .wrap(HttpAuthentication::with_fn(identify(verify)))
            .service(me),
    )
    .await;
    let anonymous = Reply::of(&app, TestRequest::get().uri("/me")).await;
    anonymous.assert_refused(
        StatusCode::UNAUTHORIZED,
        &[r#"Basic realm="migrated", charset="UTF-8""#.to_owned()],
        &"anonymous",
    );
    let bob = TestRequest::get()
        .uri("/me")
        .insert_header((header::AUTHORIZATION, "Basic Ym9iOmJ1aWxkZXI="));
    let bob = Reply::of(&app, bob).await;
    assert_eq!(bob.status, StatusCode::OK);
    assert_eq!(bob.body, "bob");
}

/// The extractors' authenticators read the header as RFC 9110 writes it, as the rest of
/// actix-authz does, and not as actix-web-httpauth's own extractors, which take only `Bearer`
/// and `Basic` followed by one space.
#[actix_web::test]
async fn its_extractors_take_the_scheme_in_any_case_and_after_any_spaces() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let basic_seen = std::sync::Arc::clone(&seen);
    let config = AuthzConfig::new("migrated")
        .authenticator(ExtractorAuthenticator::bearer(
            |credentials: BearerAuth| async move {
                Ok((credentials.token() == "root-token")
                    .then(|| Principal::new("root").with_roles(["admin"])))
            },
        ))
        .authenticator(ExtractorAuthenticator::basic(
            move |credentials: BasicAuth| {
                basic_seen.lock().unwrap().push((
                    credentials.user_id().to_owned(),
                    credentials.password().map(str::to_owned),
                ));
                async move {
                    let password_ok = credentials.password() == Some("builder");
                    Ok((credentials.user_id() == "bob" && password_ok)
                        .then(|| Principal::new("bob")))
                }
            },
        ));
    let app = test::init_service(App::new().app_data(config).service(me)).await;
    let me_with = |authorization: &'static str| {
        TestRequest::get()
            .uri("/me")
            .insert_header((header::AUTHORIZATION, authorization))
    };

    for authorization in [
        "Bearer root-token",
        "bearer root-token",
        "BEARER root-token",
        "Bearer   root-token",
    ] {
        let reply = Reply::of(&app, me_with(authorization)).await;
        assert_eq!(reply.status, StatusCode::OK, "{authorization}");
        assert_eq!(reply.body, "root", "{authorization}");
    }
    for authorization in ["basic Ym9iOmJ1aWxkZXI=", "BASIC  Ym9iOmJ1aWxkZXI="] {
        let reply = Reply::of(&app, me_with(authorization)).await;
        assert_eq!(reply.status, StatusCode::OK, "{authorization}");
        assert_eq!(reply.body, "bob", "{authorization}");
    }

    // A wrong token is still refused, however the scheme is written.
    let wrong = Reply::of(&app, me_with("bearer  nope")).await;
    wrong.assert_refused(
        StatusCode::UNAUTHORIZED,
        &[
            r#"Bearer realm="migrated", error="invalid_token""#.to_owned(),
            r#"Basic realm="migrated", charset="UTF-8""#.to_owned(),
        ],
        &"a wrong token",
    );

    // Control characters (`bob:builder\n`, `bo\x7fb:builder`) and undecodable base64 are
    // refused before the function runs; a user without a password has `password()` `None`.
    seen.lock().unwrap().clear();
    for authorization in [
        "Basic Ym9iOmJ1aWxkZXIK",
        "Basic Ym9/YjpidWlsZGVy",
        "Basic Ym9iOmJ1aWxkZXI",
        "Basic !!",
    ] {
        let reply = Reply::of(&app, me_with(authorization)).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{authorization}");
    }
    assert_eq!(*seen.lock().unwrap(), Vec::new());
    let no_password = Reply::of(&app, me_with("Basic Ym9iOg==")).await;
    assert_eq!(no_password.status, StatusCode::UNAUTHORIZED);
    assert_eq!(*seen.lock().unwrap(), vec![("bob".to_owned(), None)]);
}

/// `request` with a second `Authorization` header, `second`, after its first.
fn and_also(request: TestRequest, second: &'static str) -> TestRequest {
    request.append_header((header::AUTHORIZATION, second))
}

/// actix-web-httpauth's middleware reads only the first `Authorization` header, so its
/// validator vouches for a request whose credentials are ambiguous: protected handlers refuse
/// it with the contract's 400 all the same, as they do behind actix-authz's own authenticators.
#[actix_web::test]
async fn several_headers_behind_its_bearer_middleware_are_a_bad_request() {
    let app = bearer_middleware_app().await;
    let invalid_request = [r#"Bearer realm="migrated", error="invalid_request""#.to_owned()];
    for (uri, second) in [
        ("/admin", "Bearer anything"),
        ("/admin", "Bearer root-token"),
        ("/me", "Basic Ym9iOmJ1aWxkZXI="),
        ("/me", ""),
    ] {
        let request = and_also(bearer(uri, "root-token"), second);
        let reply = Reply::of(&app, request).await;
        let context = format!("{uri} with `Bearer root-token` and `{second}`");
        reply.assert_refused(StatusCode::BAD_REQUEST, &invalid_request, &context);
    }

    // Public routes do not look at the headers, as behind actix-authz's own authenticators.
    let public = Reply::of(&app, and_also(bearer("/health", "root-token"), "Bearer x")).await;
    assert_eq!(public.status, StatusCode::OK);
    assert_eq!(public.body, "ok");
}

#[actix_web::test]
async fn several_headers_behind_its_basic_middleware_are_a_bad_request() {
    async fn verify(credentials: Option<BasicAuth>) -> actix_web::Result<Option<Principal>> {
        Ok(credentials
            .filter(|c| c.user_id() == "bob" && c.password() == Some("builder"))
            .map(|_| Principal::new("bob").with_roles(["admin"])))
    }
    let app = test::init_service(
        App::new()
            .app_data(AuthzConfig::new("migrated").authenticator(MiddlewareScheme::basic()))
            .wrap(HttpAuthentication::with_fn(identify(verify)))
            .service(admin)
            .service(me),
    )
    .await;
    for uri in ["/admin", "/me"] {
        let request = TestRequest::get()
            .uri(uri)
            .insert_header((header::AUTHORIZATION, "Basic Ym9iOmJ1aWxkZXI="));
        let request = and_also(request, "Basic Ym9iOndyb25n");
        let reply = Reply::of(&app, request).await;
        // Basic has no challenge for a bad request (RFC 7617 defines no `error`).
        reply.assert_refused(StatusCode::BAD_REQUEST, &[], &format!("{uri}, Basic twice"));
    }
}

/// Any identity attached upstream, not only the adapter's: the header check comes before it.
#[actix_web::test]
async fn several_headers_are_a_bad_request_whatever_identity_is_attached() {
    let app = test::init_service(
        App::new()
            .app_data(AuthzConfig::new("migrated").authenticator(MiddlewareScheme::bearer()))
            .wrap_fn(|request, service| {
                attach_identity(&request, Principal::new("root").with_roles(["admin"]));
                service.call(request)
            })
            .service(admin)
            .service(me),
    )
    .await;
    let single = Reply::of(&app, bearer("/admin", "any")).await;
    assert_eq!(single.status, StatusCode::OK);
    assert_eq!(single.body, "admin area for root");

    let invalid_request = [r#"Bearer realm="migrated", error="invalid_request""#.to_owned()];
    for uri in ["/admin", "/me"] {
        let request = and_also(bearer(uri, "any"), "Bearer other");
        let reply = Reply::of(&app, request).await;
        reply.assert_refused(StatusCode::BAD_REQUEST, &invalid_request, &uri);
    }
}
