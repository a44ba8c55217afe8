//! The example end to end: its issuer on a loopback port, the API verifying the issuer's tokens.

use std::time::Duration;

use actix_web::http::{StatusCode, header};
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpServer};

async fn start_issuer() -> (String, actix_web::dev::ServerHandle) {
    let server = HttpServer::new(|| App::new().configure(jwt_jwks::issuer))
        .workers(1)
        .disable_signals()
        .bind("127.0.0.1:0")
        .expect("a loopback port");
    let url = format!("http://{}", server.addrs()[0]);
    let server = server.run();
    let handle = server.handle();
    actix_web::rt::spawn(server);
    (url, handle)
}

#[actix_web::test]
async fn tokens_of_the_issuer_open_what_their_roles_allow() {
    let (issuer, handle) = start_issuer().await;
    let api = test::init_service(
        App::new()
            .app_data(jwt_jwks::authz(&issuer))
            .configure(jwt_jwks::configure),
    )
    .await;
    let hour = Duration::from_secs(3600);
    let call = |uri: &str, token: Option<String>| {
        let request = TestRequest::get().uri(uri);
        match token {
            Some(token) => {
                request.insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
            }
            None => request,
        }
        .to_request()
    };

    let admin = test::call_service(
        &api,
        call(
            "/admin",
            Some(jwt_jwks::mint(&issuer, "ada", &["admin"], hour)),
        ),
    )
    .await;
    assert_eq!(admin.status(), StatusCode::OK);
    assert_eq!(test::read_body(admin).await, "admin area");

    let viewer = test::call_service(
        &api,
        call("/admin", Some(jwt_jwks::mint(&issuer, "vic", &[], hour))),
    )
    .await;
    assert_eq!(viewer.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        viewer.headers().get(header::WWW_AUTHENTICATE).unwrap(),
        r#"Bearer realm="jwt-jwks", error="insufficient_scope""#
    );

    let me = test::call_service(
        &api,
        call("/me", Some(jwt_jwks::mint(&issuer, "vic", &[], hour))),
    )
    .await;
    assert_eq!(me.status(), StatusCode::OK);
    assert_eq!(test::read_body(me).await, "hello, vic");

    // A token for another issuer (its `iss`) is refused, although the key is the same.
    let foreign = jwt_jwks::mint("http://elsewhere.invalid", "ada", &["admin"], hour);
    let foreign = test::call_service(&api, call("/admin", Some(foreign))).await;
    assert_eq!(foreign.status(), StatusCode::UNAUTHORIZED);

    let anonymous = test::call_service(&api, call("/me", None)).await;
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        anonymous.headers().get(header::WWW_AUTHENTICATE).unwrap(),
        r#"Bearer realm="jwt-jwks""#
    );
    let health = test::call_service(&api, call("/health", None)).await;
    assert_eq!(health.status(), StatusCode::OK);
    handle.stop(false).await;
}
