//! The whole browser flow over `actix_web::test`, carrying the session cookie by hand: sign in,
//! use the protected pages and API, sign out.

use actix_web::body::BoxBody;
use actix_web::cookie::{Cookie, Key};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{StatusCode, header};
use actix_web::test::{self, TestRequest};
use actix_web::{App, web};
use serde_json::{Value, json};

async fn app()
-> impl Service<actix_http::Request, Response = ServiceResponse<BoxBody>, Error = actix_web::Error>
{
    test::init_service(
        App::new()
            .app_data(session_login::authz())
            .wrap(session_login::sessions(Key::generate(), true))
            .configure(session_login::configure),
    )
    .await
}

/// A response, read whole.
struct Reply {
    status: StatusCode,
    headers: header::HeaderMap,
    cookies: Vec<Cookie<'static>>,
    body: web::Bytes,
}

impl Reply {
    fn text(&self) -> &str {
        std::str::from_utf8(&self.body).expect("a UTF-8 body")
    }

    fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers
            .get(name)
            .map(|value| value.to_str().expect("a text header"))
    }

    /// The session cookie this response sets.
    fn session_cookie(&self) -> Cookie<'static> {
        self.cookies
            .iter()
            .find(|cookie| cookie.name() == "id")
            .cloned()
            .expect("a session cookie")
    }
}

async fn send<S>(app: &S, request: TestRequest) -> Reply
where
    S: Service<actix_http::Request, Response = ServiceResponse<BoxBody>, Error = actix_web::Error>,
{
    let response = test::call_service(app, request.to_request()).await;
    let status = response.status();
    let headers = response.headers().clone();
    let cookies = response
        .response()
        .cookies()
        .map(|cookie| cookie.into_owned())
        .collect();
    let body = test::read_body(response).await;
    Reply {
        status,
        headers,
        cookies,
        body,
    }
}

fn login_as(user: &str, password: &str) -> TestRequest {
    TestRequest::post()
        .uri("/login")
        .set_form(json!({ "username": user, "password": password }))
}

#[actix_web::test]
async fn sign_in_use_the_pages_and_the_api_sign_out() {
    let app = app().await;

    // Anonymous: the API says 401 with the Session challenge, the pages send to the form.
    let api = send(&app, TestRequest::get().uri("/api/me")).await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        api.header(header::WWW_AUTHENTICATE),
        Some(r#"Session realm="session-login""#)
    );
    assert_eq!(
        api.header(header::CONTENT_TYPE),
        Some("application/problem+json")
    );
    assert_eq!(api.header(header::CACHE_CONTROL), Some("no-store"));
    let page = send(&app, TestRequest::get().uri("/dashboard")).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.header(header::LOCATION), Some("/login"));
    assert_eq!(page.header(header::WWW_AUTHENTICATE), None);
    assert_eq!(page.header(header::CACHE_CONTROL), Some("no-store"));
    let form = send(&app, TestRequest::get().uri("/login")).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.text()
            .contains("<form method=\"post\" action=\"/login\">")
    );

    // Sign in.
    let signed_in = send(&app, login_as("bob", "builder")).await;
    assert_eq!(signed_in.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_in.header(header::LOCATION), Some("/dashboard"));
    let cookie = signed_in.session_cookie();
    assert!(cookie.http_only().unwrap_or(false), "{cookie}");
    assert_eq!(cookie.secure(), Some(true), "{cookie}");
    // Encrypted: base64 of nonce, ciphertext and tag, nothing else. A signed-only cookie would
    // carry the session's JSON after its MAC (`{"user":…"bob"…}`); a search for `bob` in the
    // base64 text would instead fail now and then, when the random ciphertext spells it.
    assert!(
        cookie
            .value()
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+/=".contains(&b)),
        "the session is encrypted: {cookie}"
    );

    let dashboard = send(
        &app,
        TestRequest::get().uri("/dashboard").cookie(cookie.clone()),
    )
    .await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert_eq!(
        dashboard.header(header::CONTENT_TYPE),
        Some("text/html; charset=utf-8")
    );
    assert!(
        dashboard.text().contains("Signed in as bob."),
        "{}",
        dashboard.text()
    );
    let me = send(
        &app,
        TestRequest::get().uri("/api/me").cookie(cookie.clone()),
    )
    .await;
    assert_eq!(me.status, StatusCode::OK);
    let me: Value = serde_json::from_slice(&me.body).expect("JSON");
    assert_eq!(me["sub"], "bob");
    assert_eq!(me["roles"], json!(["editor"]));

    // Bob is no admin: an HTML 403 page, and the API's 403 without challenge.
    let admin = send(
        &app,
        TestRequest::get().uri("/admin").cookie(cookie.clone()),
    )
    .await;
    assert_eq!(admin.status, StatusCode::FORBIDDEN);
    assert_eq!(
        admin.header(header::CONTENT_TYPE),
        Some("text/html; charset=utf-8")
    );
    assert!(admin.text().contains("Your account may not see this page."));
    assert_eq!(admin.header(header::WWW_AUTHENTICATE), None);
    let reports = send(
        &app,
        TestRequest::get()
            .uri("/api/reports")
            .cookie(cookie.clone()),
    )
    .await;
    assert_eq!(reports.status, StatusCode::FORBIDDEN);
    assert_eq!(reports.header(header::WWW_AUTHENTICATE), None);
    assert_eq!(
        reports.header(header::CONTENT_TYPE),
        Some("application/problem+json")
    );

    // Sign out: the cookie is removed; the browser then has no session.
    let signed_out = send(
        &app,
        TestRequest::post().uri("/logout").cookie(cookie.clone()),
    )
    .await;
    assert_eq!(signed_out.status, StatusCode::SEE_OTHER);
    assert_eq!(signed_out.header(header::LOCATION), Some("/login"));
    let removal = signed_out.session_cookie();
    assert_eq!(removal.value(), "", "{removal}");
    assert_eq!(
        removal.max_age(),
        Some(actix_web::cookie::time::Duration::ZERO)
    );
    let after = send(&app, TestRequest::get().uri("/api/me")).await;
    assert_eq!(after.status, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn an_admin_sees_the_admin_page_and_reports() {
    let app = app().await;
    let cookie = send(&app, login_as("alice", "wonderland"))
        .await
        .session_cookie();
    let admin = send(
        &app,
        TestRequest::get().uri("/admin").cookie(cookie.clone()),
    )
    .await;
    assert_eq!(admin.status, StatusCode::OK);
    assert!(admin.text().contains("Welcome, alice."));
    let reports = send(&app, TestRequest::get().uri("/api/reports").cookie(cookie)).await;
    assert_eq!(reports.status, StatusCode::OK);
    let reports: Value = serde_json::from_slice(&reports.body).expect("JSON");
    assert_eq!(reports, json!({ "reports": ["q1", "q2"], "for": "alice" }));
}

#[actix_web::test]
async fn wrong_credentials_set_no_session() {
    let app = app().await;
    for (user, password) in [("bob", "wrong"), ("nobody", "builder"), ("bob", "")] {
        let failed = send(&app, login_as(user, password)).await;
        assert_eq!(failed.status, StatusCode::SEE_OTHER);
        assert_eq!(failed.header(header::LOCATION), Some("/login?failed=1"));
        assert!(failed.cookies.is_empty(), "{user}: {:?}", failed.cookies);
    }
    let form = send(&app, TestRequest::get().uri("/login?failed=1")).await;
    assert!(form.text().contains("Wrong user name or password."));
}

#[actix_web::test]
async fn a_forged_or_foreign_cookie_is_no_session() {
    let app = app().await;
    for value in ["bob", "eyJ1c2VyIjoiYWxpY2UifQ", ""] {
        let request = TestRequest::get()
            .uri("/api/me")
            .cookie(Cookie::new("id", value));
        let reply = send(&app, request).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{value:?}");
    }
    // A cookie of another server (another key) does not open this one.
    let other = test::init_service(
        App::new()
            .app_data(session_login::authz())
            .wrap(session_login::sessions(Key::generate(), true))
            .configure(session_login::configure),
    )
    .await;
    let foreign = send(&other, login_as("alice", "wonderland"))
        .await
        .session_cookie();
    let reply = send(&app, TestRequest::get().uri("/api/me").cookie(foreign)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

/// Puts a signed-in user in the session as the login would, with the sign-in's end given.
async fn put_user(session: actix_session::Session, end: web::Path<u64>) -> actix_web::HttpResponse {
    let user = json!({ "name": "alice", "roles": ["admin"], "expires_at": end.into_inner() });
    match session.insert("user", user) {
        Ok(()) => actix_web::HttpResponse::NoContent().finish(),
        Err(_) => actix_web::HttpResponse::InternalServerError().finish(),
    }
}

/// A sign-in ends: a cookie past its end (a copy kept after signing out, or a stolen one)
/// opens nothing, and the server tells the browser to drop it.
#[actix_web::test]
async fn a_session_past_its_end_is_no_session() {
    let app = test::init_service(
        App::new()
            .app_data(session_login::authz())
            .wrap(session_login::sessions(Key::generate(), true))
            .configure(session_login::configure)
            .route("/test/user/{end}", web::post().to(put_user)),
    )
    .await;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("after the epoch")
        .as_secs();
    let live = send(
        &app,
        TestRequest::post().uri(&format!("/test/user/{}", now + 60)),
    )
    .await
    .session_cookie();
    let reply = send(&app, TestRequest::get().uri("/api/me").cookie(live)).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let ended = send(
        &app,
        TestRequest::post().uri(&format!("/test/user/{}", now - 1)),
    )
    .await
    .session_cookie();
    let reply = send(&app, TestRequest::get().uri("/api/me").cookie(ended)).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{}", reply.text());
    assert_eq!(
        reply.header(header::WWW_AUTHENTICATE),
        Some(r#"Session realm="session-login""#)
    );
    let removed = reply.session_cookie();
    assert_eq!(removed.value(), "", "the ended session's cookie is removed");
}

/// A page of another site cannot post the login form (signing its visitor in as someone else)
/// or the logout form; this site's own pages, and clients that are not browsers, can.
#[actix_web::test]
async fn the_forms_refuse_posts_from_other_sites() {
    let app = app().await;
    for (header, value) in [
        ("sec-fetch-site", "cross-site"),
        ("sec-fetch-site", "same-site"),
        ("origin", "https://evil.example"),
        ("origin", "null"),
    ] {
        for request in [
            login_as("alice", "wonderland"),
            TestRequest::post().uri("/logout"),
        ] {
            let reply = send(&app, request.insert_header((header, value))).await;
            assert_eq!(reply.status, StatusCode::FORBIDDEN, "{header}: {value}");
            assert_eq!(reply.text(), "forms are accepted from this site only");
            assert!(reply.cookies.is_empty(), "{header}: {value}");
        }
    }
    for (header, value) in [
        ("sec-fetch-site", "same-origin"),
        ("origin", "http://localhost:8080"),
    ] {
        let request = login_as("alice", "wonderland")
            .insert_header((header::HOST, "localhost:8080"))
            .insert_header((header, value));
        let reply = send(&app, request).await;
        assert_eq!(reply.status, StatusCode::SEE_OTHER, "{header}: {value}");
        assert_eq!(reply.header(header::LOCATION), Some("/dashboard"));
    }
}
