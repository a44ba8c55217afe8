//! Apps built for one behaviour each: an unavailable backend (503), realm quoting and per-handler
//! realms, identities from upstream middleware, a missing configuration (500), authentication
//! running once per request, and the `Caller` extractor.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use actix_authz::{
    AuthzConfig, BackendUnavailable, BasicAuthenticator, Caller, FnAuthenticator, Identity,
    JwtAuthenticator, Outcome, Principal, attach_identity, authenticated, requires,
};
use actix_web::dev::{Service as _, ServiceRequest};
use actix_web::http::StatusCode;
use actix_web::http::header::HeaderName;
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpRequest, get, web};
use authz_tests::{
    Body, Credential, Expect, Reply, SECRET, Who, assert_well_formed_challenge, demo_app,
    forbidden_without_challenge, now, ok, sign_claims, token, unauthorized,
};
use demo::{REALM, State};
use jsonwebtoken::Algorithm;
use serde::Deserialize;
use serde_json::json;

/// How often the handler of `guarded` ran.
#[derive(Debug, Default)]
struct Runs(AtomicUsize);

impl Runs {
    fn get(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

#[get("/guarded")]
#[requires(role = "admin")]
async fn guarded(runs: web::Data<Runs>) -> &'static str {
    runs.0.fetch_add(1, Ordering::SeqCst);
    "granted"
}

fn granted() -> Expect {
    ok(Body::Text("granted"))
}

fn unavailable() -> Expect {
    Expect::Refused(StatusCode::SERVICE_UNAVAILABLE, Vec::new())
}

fn misconfigured() -> Expect {
    Expect::Refused(StatusCode::INTERNAL_SERVER_ERROR, Vec::new())
}

fn lines(lines: &[&str]) -> Vec<String> {
    lines.iter().map(|line| (*line).to_owned()).collect()
}

fn get(uri: &str) -> TestRequest {
    TestRequest::get().uri(uri)
}

fn two_headers(request: TestRequest) -> (TestRequest, Vec<String>) {
    let (request, mut secrets) = Who::Alice.sign(request);
    let (request, more) = Who::AdminToken.sign(request);
    secrets.extend(more);
    (request, secrets)
}

#[actix_web::test]
async fn an_unavailable_basic_backend_is_503_and_the_handler_never_runs() {
    let runs = web::Data::new(Runs::default());
    let down = BasicAuthenticator::new(|_credentials| async {
        Err::<Option<Principal>, _>(BackendUnavailable)
    });
    let config = AuthzConfig::new(REALM)
        .authenticator(JwtAuthenticator::hs256(SECRET))
        .authenticator(down);
    let app = test::init_service(
        App::new()
            .app_data(config)
            .app_data(runs.clone())
            .service(guarded),
    )
    .await;

    for who in [Who::Alice, Who::WrongPassword] {
        let (request, secrets) = who.sign(get("/guarded"));
        Reply::of(&app, request)
            .await
            .assert(&unavailable(), &secrets, &format!("{who:?}"));
    }
    assert_eq!(runs.get(), 0);
    // Without Basic credentials the backend is not asked: the other outcomes are unchanged.
    Reply::of(&app, get("/guarded"))
        .await
        .assert(&unauthorized(), &[], &"anonymous");
    let (request, secrets) = Who::AdminToken.sign(get("/guarded"));
    Reply::of(&app, request)
        .await
        .assert(&granted(), &secrets, &"admin token");
    assert_eq!(runs.get(), 1);
}

#[actix_web::test]
async fn an_unavailable_custom_authenticator_is_503_and_the_handler_never_runs() {
    let runs = web::Data::new(Runs::default());
    let down = FnAuthenticator::new(|_request: HttpRequest| async { Outcome::Unavailable });
    let config = AuthzConfig::new("custom").authenticator(down);
    let app = test::init_service(
        App::new()
            .app_data(config)
            .app_data(runs.clone())
            .service(guarded),
    )
    .await;

    for who in [Who::Anonymous, Who::Alice, Who::AdminToken] {
        let (request, secrets) = who.sign(get("/guarded"));
        Reply::of(&app, request)
            .await
            .assert(&unavailable(), &secrets, &format!("{who:?}"));
    }
    // Several headers are refused before any authenticator; without Bearer, with no challenge.
    let (request, secrets) = two_headers(get("/guarded"));
    Reply::of(&app, request).await.assert(
        &Expect::Refused(StatusCode::BAD_REQUEST, Vec::new()),
        &secrets,
        &"two headers",
    );
    assert_eq!(runs.get(), 0);
}

const QUOTED_REALM: &str = r#"a "quoted" \ realm"#;

#[actix_web::test]
async fn realms_are_quoted_with_escapes() {
    let runs = web::Data::new(Runs::default());
    let nobody = BasicAuthenticator::new(|_credentials| async { Ok(None::<Principal>) });
    let config = AuthzConfig::new(QUOTED_REALM)
        .authenticator(JwtAuthenticator::hs256(SECRET))
        .authenticator(nobody);
    let app = test::init_service(
        App::new()
            .app_data(config)
            .app_data(runs.clone())
            .service(guarded),
    )
    .await;

    let bearer = r#"Bearer realm="a \"quoted\" \\ realm""#;
    let basic = r#"Basic realm="a \"quoted\" \\ realm", charset="UTF-8""#;
    let cases = [
        (
            Who::Anonymous,
            lines(&[bearer, basic]),
            StatusCode::UNAUTHORIZED,
        ),
        (
            Who::WrongPassword,
            lines(&[bearer, basic]),
            StatusCode::UNAUTHORIZED,
        ),
        (
            Who::ForgedToken,
            lines(&[
                r#"Bearer realm="a \"quoted\" \\ realm", error="invalid_token", error_description="the access token is invalid""#,
                basic,
            ]),
            StatusCode::UNAUTHORIZED,
        ),
        (
            Who::BareToken,
            lines(&[r#"Bearer realm="a \"quoted\" \\ realm", error="insufficient_scope""#]),
            StatusCode::FORBIDDEN,
        ),
    ];
    for (who, challenges, status) in cases {
        let (request, secrets) = who.sign(get("/guarded"));
        let reply = Reply::of(&app, request).await;
        let context = format!("{who:?}");
        reply.assert(&Expect::Refused(status, challenges), &secrets, &context);
        for line in reply.challenges() {
            let challenge = assert_well_formed_challenge(&line, &context);
            assert_eq!(challenge.param("realm"), Some(QUOTED_REALM), "{context}");
        }
    }
    let (request, secrets) = two_headers(get("/guarded"));
    let reply = Reply::of(&app, request).await;
    let challenges = lines(&[r#"Bearer realm="a \"quoted\" \\ realm", error="invalid_request""#]);
    reply.assert(
        &Expect::Refused(StatusCode::BAD_REQUEST, challenges),
        &secrets,
        &"two headers",
    );
    assert_eq!(runs.get(), 0);
}

#[get("/other")]
#[requires(role = "x", realm = "other")]
async fn other_realm() -> &'static str {
    "other realm"
}

#[authenticated(realm = "elsewhere")]
#[get("/elsewhere")]
async fn elsewhere() -> &'static str {
    "elsewhere"
}

#[actix_web::test]
async fn a_handler_realm_replaces_the_configured_one_in_its_challenges() {
    let app = test::init_service(
        demo_app(web::Data::new(State::default()))
            .service(other_realm)
            .service(elsewhere),
    )
    .await;
    let x_token = Credential::bearer(token("xavier", &["x"], &[], None));
    let expectations = [
        (
            "anonymous",
            None,
            Expect::Refused(
                StatusCode::UNAUTHORIZED,
                lines(&[
                    r#"Bearer realm="other""#,
                    r#"Basic realm="other", charset="UTF-8""#,
                ]),
            ),
        ),
        (
            "forged token",
            Who::ForgedToken.credential(),
            Expect::Refused(
                StatusCode::UNAUTHORIZED,
                lines(&[
                    r#"Bearer realm="other", error="invalid_token", error_description="the access token is invalid""#,
                    r#"Basic realm="other", charset="UTF-8""#,
                ]),
            ),
        ),
        (
            "admin token",
            Who::AdminToken.credential(),
            Expect::Refused(
                StatusCode::FORBIDDEN,
                lines(&[r#"Bearer realm="other", error="insufficient_scope""#]),
            ),
        ),
        (
            "alice",
            Who::Alice.credential(),
            forbidden_without_challenge(),
        ),
        ("x token", Some(x_token), ok(Body::Text("other realm"))),
    ];
    for (name, credential, expect) in expectations {
        let (request, secrets) = match credential {
            Some(credential) => credential.sign(get("/other")),
            None => (get("/other"), Vec::new()),
        };
        Reply::of(&app, request)
            .await
            .assert(&expect, &secrets, &name);
    }

    let (request, secrets) = two_headers(get("/other"));
    Reply::of(&app, request).await.assert(
        &Expect::Refused(
            StatusCode::BAD_REQUEST,
            lines(&[r#"Bearer realm="other", error="invalid_request""#]),
        ),
        &secrets,
        &"two headers",
    );
    Reply::of(&app, get("/elsewhere")).await.assert(
        &Expect::Refused(
            StatusCode::UNAUTHORIZED,
            lines(&[
                r#"Bearer realm="elsewhere""#,
                r#"Basic realm="elsewhere", charset="UTF-8""#,
            ]),
        ),
        &[],
        &"anonymous on /elsewhere",
    );
    // The other handlers of the app keep the configured realm.
    Reply::of(&app, get("/admin"))
        .await
        .assert(&unauthorized(), &[], &"anonymous on /admin");
}

const UPSTREAM_USER: HeaderName = HeaderName::from_static("x-upstream-user");

/// What an upstream middleware does: attaches the identity `x-upstream-user` names, `root` an
/// admin.
fn attach_upstream_user(request: &ServiceRequest) {
    let user = request
        .headers()
        .get(UPSTREAM_USER)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    if let Some(user) = user {
        let roles: &[&str] = if user == "root" { &["admin"] } else { &[] };
        attach_identity(
            request,
            Principal::new(user).with_roles(roles.iter().copied()),
        );
    }
}

#[actix_web::test]
async fn identities_attached_upstream_are_authorized_without_challenge() {
    let state = web::Data::new(State::default());
    let app = test::init_service(demo_app(state.clone()).wrap_fn(|request, service| {
        attach_upstream_user(&request);
        service.call(request)
    }))
    .await;
    let as_user =
        |user: &'static str, request: TestRequest| request.insert_header((UPSTREAM_USER, user));

    let cases = [
        ("root", get("/admin"), ok(Body::Text("admin area"))),
        ("root", get("/me"), ok(Body::JsonWithSub("root"))),
        ("guest", get("/me"), ok(Body::JsonWithSub("guest"))),
        ("guest", get("/admin"), forbidden_without_challenge()),
        ("guest", get("/articles"), forbidden_without_challenge()),
        (
            "guest",
            TestRequest::post().uri("/counter"),
            forbidden_without_challenge(),
        ),
    ];
    for (user, request, expect) in cases {
        let reply = Reply::of(&app, as_user(user, request)).await;
        reply.assert(&expect, &[], &user);
    }
    assert_eq!(state.count(), 0);
    let reply = Reply::of(&app, as_user("root", TestRequest::post().uri("/counter"))).await;
    reply.assert(
        &ok(Body::Json(json!({ "count": 1 }))),
        &[],
        &"root increments",
    );
    // Without an upstream identity, the configured authenticators still answer.
    Reply::of(&app, get("/admin"))
        .await
        .assert(&unauthorized(), &[], &"no upstream identity");
}

#[actix_web::test]
async fn the_scheme_of_attached_identities_challenges_their_401s() {
    // An app whose identities only come from upstream middleware (here, `x-upstream-user`).
    let upstream_only = |config: AuthzConfig| {
        App::new()
            .app_data(config)
            .app_data(web::Data::new(Runs::default()))
            .wrap_fn(|request, service| {
                attach_upstream_user(&request);
                service.call(request)
            })
            .service(guarded)
    };
    let app = test::init_service(upstream_only(
        AuthzConfig::new("app").challenge_scheme("Session"),
    ))
    .await;
    let session = lines(&[r#"Session realm="app""#]);
    Reply::of(&app, get("/guarded")).await.assert(
        &Expect::Refused(StatusCode::UNAUTHORIZED, session.clone()),
        &[],
        &"anonymous",
    );
    // Credentials of a scheme nobody here reads: still anonymous, still the session's line.
    let basic = get("/guarded").insert_header(("authorization", "Basic cm9vdDpyb290"));
    Reply::of(&app, basic).await.assert(
        &Expect::Refused(StatusCode::UNAUTHORIZED, session),
        &[],
        &"unread credentials",
    );
    let guest = get("/guarded").insert_header((UPSTREAM_USER, "guest"));
    Reply::of(&app, guest)
        .await
        .assert(&forbidden_without_challenge(), &[], &"guest");
    let root = get("/guarded").insert_header((UPSTREAM_USER, "root"));
    Reply::of(&app, root).await.assert(&granted(), &[], &"root");

    // Among authenticators, in the order configured.
    let config = AuthzConfig::new("app")
        .challenge_scheme("Session")
        .authenticator(JwtAuthenticator::hs256(SECRET));
    let app = test::init_service(upstream_only(config)).await;
    Reply::of(&app, get("/guarded")).await.assert(
        &Expect::Refused(
            StatusCode::UNAUTHORIZED,
            lines(&[r#"Session realm="app""#, r#"Bearer realm="app""#]),
        ),
        &[],
        &"anonymous, two schemes",
    );
    // A rejected token marks only the Bearer line.
    let forged = get("/guarded").insert_header(("authorization", "Bearer a.b.c"));
    let reply = Reply::of(&app, forged).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    let challenges = reply.challenges();
    assert_eq!(challenges.len(), 2, "{challenges:?}");
    assert_eq!(challenges[0], r#"Session realm="app""#);
    assert!(
        challenges[1].starts_with(r#"Bearer realm="app", error="invalid_token""#),
        "{challenges:?}"
    );
}

#[test]
#[should_panic(
    expected = "AuthzConfig::challenge_scheme: \"Session Cookie\" is not an \
                           authentication scheme"
)]
fn a_challenge_scheme_must_be_a_token() {
    let _ = AuthzConfig::new("app").challenge_scheme("Session Cookie");
}

#[get("/caller")]
async fn caller_only(caller: Caller) -> String {
    caller.subject().to_owned()
}

#[actix_web::test]
async fn without_configuration_protected_handlers_answer_500_and_never_run() {
    let runs = web::Data::new(Runs::default());
    let app = test::init_service(
        App::new()
            .app_data(runs.clone())
            .service(guarded)
            .service(caller_only),
    )
    .await;
    for uri in ["/guarded", "/caller"] {
        for who in [Who::Anonymous, Who::Alice, Who::AdminToken] {
            let (request, secrets) = who.sign(get(uri));
            Reply::of(&app, request).await.assert(
                &misconfigured(),
                &secrets,
                &format!("{who:?} on {uri}"),
            );
        }
    }
    assert_eq!(runs.get(), 0);
}

#[get("/twice")]
#[requires(role = "admin")]
async fn caller_twice(first: Caller, second: Caller) -> String {
    format!("{} {}", first.subject(), second.subject())
}

#[get("/callers")]
async fn callers_only(first: Caller, second: Caller) -> String {
    format!("{} {}", first.subject(), second.subject())
}

#[get("/maybe")]
async fn maybe_caller(caller: Option<Caller>) -> String {
    caller.map_or_else(|| "nobody".to_owned(), |caller| caller.subject().to_owned())
}

#[get("/public")]
async fn public() -> &'static str {
    "public"
}

const USER: HeaderName = HeaderName::from_static("x-user");

#[actix_web::test]
async fn authentication_runs_at_most_once_per_request() {
    authenticates_once(Answer::AtOnce).await;
}

/// Two `Caller` arguments are extracted side by side: the second must wait for the
/// authentication the first started, not start its own.
#[actix_web::test]
async fn authentication_runs_at_most_once_per_request_when_the_authenticator_waits() {
    authenticates_once(Answer::AfterWaiting).await;
}

/// When the counting authenticator of [`authenticates_once`] answers.
#[derive(Debug, Clone, Copy)]
enum Answer {
    /// Its future is ready when first polled, as a token parser's is.
    AtOnce,
    /// Its future waits for a timer first, as one waiting for a backend does.
    AfterWaiting,
}

async fn authenticates_once(answer: Answer) {
    let calls = Arc::new(AtomicUsize::new(0));
    let counting = {
        let calls = Arc::clone(&calls);
        FnAuthenticator::new(move |request: HttpRequest| {
            calls.fetch_add(1, Ordering::SeqCst);
            let user = request
                .headers()
                .get(USER)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned);
            async move {
                if let Answer::AfterWaiting = answer {
                    actix_web::rt::time::sleep(Duration::from_millis(5)).await;
                }
                match user.as_deref() {
                    None => Outcome::Anonymous,
                    Some("forged") => Outcome::INVALID,
                    Some("root") => {
                        Outcome::authenticated(Principal::new("root").with_roles(["admin"]))
                    }
                    Some(other) => Outcome::authenticated(Principal::new(other)),
                }
            }
        })
        .challenge_scheme("Custom")
    };
    let app = test::init_service(
        App::new()
            .app_data(AuthzConfig::new("once").authenticator(counting))
            .service(caller_twice)
            .service(callers_only)
            .service(maybe_caller)
            .service(public),
    )
    .await;
    let challenge =
        || Expect::Refused(StatusCode::UNAUTHORIZED, lines(&[r#"Custom realm="once""#]));
    let cases = [
        ("/twice", Some("root"), ok(Body::Text("root root")), 1),
        ("/twice", Some("guest"), forbidden_without_challenge(), 1),
        ("/twice", Some("forged"), challenge(), 1),
        ("/twice", None, challenge(), 1),
        ("/callers", Some("guest"), ok(Body::Text("guest guest")), 1),
        ("/callers", None, challenge(), 1),
        ("/maybe", Some("guest"), ok(Body::Text("guest")), 1),
        ("/maybe", None, ok(Body::Text("nobody")), 1),
        ("/public", Some("root"), ok(Body::Text("public")), 0),
    ];
    for (uri, user, expect, expected_calls) in cases {
        let mut request = get(uri);
        if let Some(user) = user {
            request = request.insert_header((USER, user));
        }
        let before = calls.load(Ordering::SeqCst);
        Reply::of(&app, request).await.assert(
            &expect,
            &[],
            &format!("{user:?} on {uri}, answering {answer:?}"),
        );
        let made = calls.load(Ordering::SeqCst) - before;
        assert_eq!(
            made, expected_calls,
            "authentications for {user:?} on {uri}, answering {answer:?}"
        );
    }
}

/// Sets its flag when dropped.
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// A request abandoned while two `Caller`s wait for one authentication drops that
/// authentication: the request, whose extensions let the second `Caller` find it, does not
/// keep it (and, through it, itself) alive.
#[actix_web::test]
async fn an_abandoned_request_drops_the_authentication_it_waits_for() {
    let dropped = Arc::new(AtomicBool::new(false));
    let calls = Arc::new(AtomicUsize::new(0));
    let never_answers = {
        let (dropped, calls) = (Arc::clone(&dropped), Arc::clone(&calls));
        FnAuthenticator::new(move |_: HttpRequest| {
            calls.fetch_add(1, Ordering::SeqCst);
            let flag = DropFlag(Arc::clone(&dropped));
            async move {
                let _flag = flag;
                std::future::pending::<Outcome>().await
            }
        })
    };
    let app = test::init_service(
        App::new()
            .app_data(AuthzConfig::new("abandoned").authenticator(never_answers))
            .service(callers_only),
    )
    .await;
    let waited = actix_web::rt::time::timeout(
        Duration::from_millis(50),
        app.call(get("/callers").to_request()),
    )
    .await;
    assert!(
        waited.is_err(),
        "the request answered: {:?}",
        waited.map(|r| r.map(|r| r.status()))
    );
    assert_eq!(calls.load(Ordering::SeqCst), 1, "authentications started");
    assert!(
        dropped.load(Ordering::SeqCst),
        "the abandoned authentication is still alive"
    );
}

/// An application's own identity type, read from the token's claims.
#[derive(Debug, Deserialize)]
struct Staff {
    sub: String,
    admin: bool,
}

impl Identity for Staff {
    fn subject(&self) -> &str {
        &self.sub
    }

    fn has_role(&self, role: &str) -> bool {
        role == "admin" && self.admin
    }
}

#[get("/staff")]
#[requires(role = "admin")]
async fn staff(caller: Caller<Staff>) -> String {
    format!("{} {}", caller.identity().sub, caller.admin)
}

#[get("/principal")]
#[authenticated]
async fn principal(caller: Caller) -> String {
    caller.subject().to_owned()
}

#[actix_web::test]
async fn caller_hands_over_the_identity_type_the_authenticator_produces() {
    let jwt = JwtAuthenticator::hs256(SECRET).claims::<Staff>();
    let app = test::init_service(
        App::new()
            .app_data(AuthzConfig::new(REALM).authenticator(jwt))
            .service(staff)
            .service(principal),
    )
    .await;
    let staff_token = |admin: bool| {
        Credential::bearer(sign_claims(
            SECRET,
            Algorithm::HS256,
            &json!({ "sub": "sam", "exp": now() + 3600, "admin": admin }),
        ))
    };
    let (request, secrets) = staff_token(true).sign(get("/staff"));
    Reply::of(&app, request)
        .await
        .assert(&ok(Body::Text("sam true")), &secrets, &"admin staff");
    let (request, secrets) = staff_token(false).sign(get("/staff"));
    Reply::of(&app, request).await.assert(
        &Expect::Refused(
            StatusCode::FORBIDDEN,
            lines(&[r#"Bearer realm="demo", error="insufficient_scope""#]),
        ),
        &secrets,
        &"staff without admin",
    );
    // Asking for a `Principal` where the authenticator produces `Staff` is a server bug: 500.
    let (request, secrets) = staff_token(true).sign(get("/principal"));
    Reply::of(&app, request).await.assert(
        &misconfigured(),
        &secrets,
        &"Caller<Principal> of a Staff",
    );
}
