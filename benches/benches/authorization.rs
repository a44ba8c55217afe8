//! In-process benchmarks: one `GET /` through `actix_web::test::init_service` and
//! `call_service`, per contestant, each in an app of its own with that single route.
//!
//! - `authorization`: the identity comes from a static source (an `Authenticator` returning a
//!   fixed `Principal`, and its actix-web-grants counterpart), so that only the authorization
//!   layer differs: unprotected, `#[authenticated]`, `#[requires(role)]`, `any(` of 5 roles `)`,
//!   the same check written by hand, and actix-web-grants `#[protect]` with its middleware.
//! - `jwt_hs256`: the full path with an HS256 Bearer token: actix-authz's `JwtAuthenticator`,
//!   `jsonwebtoken::decode` by hand in the handler, and actix-web-grants with a JWT-decoding
//!   middleware.
//! - `jwt_rs256`: RS256 without and with the verified-token cache, against HS256.
//!
//! `scripts/bench-inprocess` runs this and prints the ratios.

use std::hint::black_box;
use std::time::{Duration, Instant};

use actix_authz::{AuthzConfig, JwtAuthenticator, authenticated, requires};
use actix_web::http::header::AUTHORIZATION;
use actix_web::{App, HttpRequest, error, get, test};
use actix_web_grants::{GrantsMiddleware, protect};
use authz_benches::{
    Claims, HandVerifier, ROLE, StaticAuthenticator, jwt_authorities, principal,
    rs256_authenticator, sign_hs256, sign_rs256, static_authorities,
};
use criterion::{BenchmarkGroup, Criterion, measurement::WallTime};

const SECRET: &[u8] = b"benchmark secret";

#[get("/")]
async fn unprotected() -> &'static str {
    "ok"
}

#[get("/")]
#[authenticated]
async fn authenticated_only() -> &'static str {
    "ok"
}

#[get("/")]
#[requires(role = "admin")]
async fn requires_role() -> &'static str {
    "ok"
}

#[get("/")]
#[requires(any(role = "r1", role = "r2", role = "r3", role = "r4", role = "admin"))]
async fn requires_any_of_5() -> &'static str {
    "ok"
}

/// The floor: the same identity source, and an `if` in the handler.
#[get("/")]
async fn hand_written_static(request: HttpRequest) -> actix_web::Result<&'static str> {
    let source = request
        .app_data::<StaticAuthenticator>()
        .ok_or_else(|| error::ErrorInternalServerError("no identity source"))?;
    if !source.identity().has_role(ROLE) {
        return Err(error::ErrorForbidden("forbidden"));
    }
    Ok("ok")
}

#[get("/")]
#[protect("admin")]
async fn grants_role() -> &'static str {
    "ok"
}

#[get("/")]
#[protect(any("r1", "r2", "r3", "r4", "admin"))]
async fn grants_any_of_5() -> &'static str {
    "ok"
}

/// The floor of the JWT group: `jsonwebtoken::decode` and an `if` in the handler.
#[get("/")]
async fn hand_written_jwt(request: HttpRequest) -> actix_web::Result<&'static str> {
    let verifier = request
        .app_data::<HandVerifier>()
        .ok_or_else(|| error::ErrorInternalServerError("no HandVerifier registered"))?;
    let claims = verifier.claims(&request)?;
    if !claims.roles.iter().any(|role| role == ROLE) {
        return Err(error::ErrorForbidden("forbidden"));
    }
    Ok("ok")
}

/// Benchmarks `GET /` (with `Authorization: <authorization>` when given) against the app, after
/// checking once that it answers 200 `ok`: a contestant that refused would look fast.
macro_rules! bench_app {
    ($group:expr, $system:expr, $name:expr, $authorization:expr, $app:expr) => {{
        let system: &actix_web::rt::SystemRunner = $system;
        let authorization: Option<&str> = $authorization;
        let request = || {
            let request = test::TestRequest::get().uri("/");
            match authorization {
                Some(value) => request.insert_header((AUTHORIZATION, value)),
                None => request,
            }
            .to_request()
        };
        let app = system.block_on(test::init_service($app));
        system.block_on(async {
            let response = test::call_service(&app, request()).await;
            assert_eq!(response.status(), 200, "{} refused the request", $name);
            assert_eq!(test::read_body(response).await, "ok");
        });
        $group.bench_function($name, |bencher| {
            bencher.iter_custom(|iterations| {
                system.block_on(async {
                    let start = Instant::now();
                    for _ in 0..iterations {
                        let response = test::call_service(&app, request()).await;
                        assert!(response.status().is_success());
                        black_box(response);
                    }
                    start.elapsed()
                })
            })
        });
    }};
}

fn configure(group: &mut BenchmarkGroup<'_, WallTime>) {
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(60);
}

fn static_identity(c: &mut Criterion) {
    let system = actix_web::rt::System::new();
    let source = StaticAuthenticator::new(principal());
    let authz = AuthzConfig::new("bench").authenticator(source.clone());
    let mut group = c.benchmark_group("authorization");
    configure(&mut group);

    bench_app!(
        group,
        &system,
        "a_unprotected",
        None,
        App::new().service(unprotected)
    );
    bench_app!(
        group,
        &system,
        "b_authenticated",
        None,
        App::new()
            .app_data(authz.clone())
            .service(authenticated_only)
    );
    bench_app!(
        group,
        &system,
        "c_requires_role",
        None,
        App::new().app_data(authz.clone()).service(requires_role)
    );
    bench_app!(
        group,
        &system,
        "d_requires_any_of_5",
        None,
        App::new()
            .app_data(authz.clone())
            .service(requires_any_of_5)
    );
    bench_app!(
        group,
        &system,
        "f_hand_written",
        None,
        App::new()
            .app_data(source.clone())
            .service(hand_written_static)
    );
    bench_app!(
        group,
        &system,
        "g_grants_protect",
        None,
        App::new()
            .wrap(GrantsMiddleware::with_extractor(static_authorities))
            .service(grants_role)
    );
    bench_app!(
        group,
        &system,
        "g_grants_any_of_5",
        None,
        App::new()
            .wrap(GrantsMiddleware::with_extractor(static_authorities))
            .service(grants_any_of_5)
    );
    group.finish();
}

fn jwt_hs256(c: &mut Criterion) {
    let system = actix_web::rt::System::new();
    let bearer = format!("Bearer {}", sign_hs256(SECRET, &Claims::admin(3600)));
    let authz = AuthzConfig::new("bench").authenticator(JwtAuthenticator::hs256(SECRET));
    let verifier = HandVerifier::hs256(SECRET);
    let mut group = c.benchmark_group("jwt_hs256");
    configure(&mut group);

    bench_app!(
        group,
        &system,
        "unprotected",
        Some(&bearer),
        App::new().service(unprotected)
    );
    bench_app!(
        group,
        &system,
        "authz_requires_role",
        Some(&bearer),
        App::new().app_data(authz.clone()).service(requires_role)
    );
    bench_app!(
        group,
        &system,
        "hand_written",
        Some(&bearer),
        App::new()
            .app_data(verifier.clone())
            .service(hand_written_jwt)
    );
    bench_app!(
        group,
        &system,
        "grants_protect",
        Some(&bearer),
        App::new()
            .app_data(verifier.clone())
            .wrap(GrantsMiddleware::with_extractor(jwt_authorities))
            .service(grants_role)
    );
    group.finish();
}

fn jwt_rs256(c: &mut Criterion) {
    let system = actix_web::rt::System::new();
    let claims = Claims::admin(3600);
    let hs256 = format!("Bearer {}", sign_hs256(SECRET, &claims));
    let rs256 = format!("Bearer {}", sign_rs256(&claims));
    let mut group = c.benchmark_group("jwt_rs256");
    configure(&mut group);

    let config =
        |authenticator: JwtAuthenticator| AuthzConfig::new("bench").authenticator(authenticator);
    bench_app!(
        group,
        &system,
        "hs256",
        Some(&hs256),
        App::new()
            .app_data(config(JwtAuthenticator::hs256(SECRET)))
            .service(requires_role)
    );
    bench_app!(
        group,
        &system,
        "rs256_cache",
        Some(&rs256),
        App::new()
            .app_data(config(rs256_authenticator().cache(1024)))
            .service(requires_role)
    );
    bench_app!(
        group,
        &system,
        "rs256_no_cache",
        Some(&rs256),
        App::new()
            .app_data(config(rs256_authenticator()))
            .service(requires_role)
    );
    group.finish();
}

criterion::criterion_group!(benches, static_identity, jwt_hs256, jwt_rs256);
criterion::criterion_main!(benches);
