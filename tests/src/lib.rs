//! Shared helpers of the HTTP behaviour tests: the demo app and its routes, the identities that
//! call it, a strict `WWW-Authenticate` parser, and the assertions every response goes through.
//!
//! The expected values are written out literally (`Bearer realm="demo"`, not built from the
//! runtime's own types), so that a change of the wire format fails a test instead of silently
//! moving both sides.

use std::collections::BTreeMap;
use std::fmt;

use actix_http::Request;
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{Service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::web::{self, Bytes};
use actix_web::{App, test};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use demo::{State, TokenSpec};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

pub mod fuzzing;
pub mod logs;
pub mod sentinels;
mod www_authenticate;

pub use www_authenticate::{
    AuthParam, ParsedChallenge, SyntaxError, parse_challenge, parse_www_authenticate,
};

/// The JWT secret of every demo app the tests build.
pub const SECRET: &[u8] = b"authz-tests secret, long enough for HS256";

/// The demo's Bearer challenge line without `error`, first of the two lines of its 401s.
pub const BEARER: &str = r#"Bearer realm="demo""#;
/// The demo's Basic challenge line, second of the two lines of its 401s.
pub const BASIC: &str = r#"Basic realm="demo", charset="UTF-8""#;

/// `error_description` of a token that is not a `b64token` (empty, too long, bad characters).
pub const MALFORMED: &str = "the access token is malformed";
/// `error_description` of a token that fails verification (signature, algorithm, structure).
pub const INVALID: &str = "the access token is invalid";
/// `error_description` of an expired token.
pub const EXPIRED: &str = "the access token expired";
/// `error_description` of a token whose `nbf` is in the future.
pub const NOT_YET_VALID: &str = "the access token is not valid yet";

// ---------------------------------------------------------------------------------------------
// The demo app

/// The demo app as `cargo run -p demo` serves it, with `state` as its shared state.
pub fn demo_app(
    state: web::Data<State>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<EitherBody<BoxBody>>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .wrap(demo::cors())
        .app_data(demo::authz(SECRET))
        .app_data(state)
        .configure(demo::configure)
}

/// The demo app, ready to be called.
pub async fn demo_service(
    state: web::Data<State>,
) -> impl Service<Request, Response = ServiceResponse<EitherBody<BoxBody>>, Error = actix_web::Error>
{
    test::init_service(demo_app(state)).await
}

/// A fresh demo app with fresh state, for one request.
pub async fn call_demo(request: test::TestRequest) -> Reply {
    let app = demo_service(web::Data::new(State::default())).await;
    Reply::of(&app, request).await
}

/// Every route of the demo, in one place: the behaviour table must have a row for each of them
/// and every identity, and `http_demo_matrix` checks this list against the demo's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DemoRoute {
    /// `GET /health`, public.
    Health,
    /// `GET /me`, authenticated.
    Me,
    /// `GET /admin`, role `admin`.
    Admin,
    /// `GET /reports`, any of roles `admin`, `auditor`.
    Reports,
    /// `GET /posts/{id}`, its author or role `admin`; others get the hidden 404.
    ReadPost,
    /// `DELETE /posts/{id}`, role `editor` and permission `posts:delete`.
    DeletePost,
    /// `GET /articles`, scope `articles:read`.
    ListArticles,
    /// `POST /articles`, scope `articles:write`.
    CreateArticle,
    /// `GET /counter`, public.
    Counter,
    /// `POST /counter`, role `admin`.
    Increment,
    /// `GET /items/{id}?q=N`, authenticated.
    Item,
    /// `GET /openapi.json`, public: the OpenAPI document.
    OpenApi,
    /// `GET /staff/status`, public inside the `/staff` scope (which requires role `editor`).
    StaffStatus,
    /// `GET /staff/moderation`, role `editor` (the scope's rule) and permission `posts:delete`.
    StaffModeration,
}

impl DemoRoute {
    /// All of them.
    pub const ALL: [Self; 14] = [
        Self::Health,
        Self::Me,
        Self::Admin,
        Self::Reports,
        Self::ReadPost,
        Self::DeletePost,
        Self::ListArticles,
        Self::CreateArticle,
        Self::Counter,
        Self::Increment,
        Self::Item,
        Self::OpenApi,
        Self::StaffStatus,
        Self::StaffModeration,
    ];

    /// The method and path pattern, as declared in the demo's route attribute (relative to the
    /// enclosing scope, for the `/staff` routes).
    pub fn declared(self) -> (Method, &'static str) {
        match self {
            Self::Health => (Method::GET, "/health"),
            Self::Me => (Method::GET, "/me"),
            Self::Admin => (Method::GET, "/admin"),
            Self::Reports => (Method::GET, "/reports"),
            Self::ReadPost => (Method::GET, "/posts/{id}"),
            Self::DeletePost => (Method::DELETE, "/posts/{id}"),
            Self::ListArticles => (Method::GET, "/articles"),
            Self::CreateArticle => (Method::POST, "/articles"),
            Self::Counter => (Method::GET, "/counter"),
            Self::Increment => (Method::POST, "/counter"),
            Self::Item => (Method::GET, "/items/{id}"),
            Self::OpenApi => (Method::GET, "/openapi.json"),
            Self::StaffStatus => (Method::GET, "/status"),
            Self::StaffModeration => (Method::GET, "/moderation"),
        }
    }

    /// The full path pattern, scopes included, as the route audit lists it.
    pub fn pattern(self) -> String {
        let (_, declared) = self.declared();
        match self {
            Self::StaffStatus | Self::StaffModeration => format!("/staff{declared}"),
            _ => declared.to_owned(),
        }
    }

    /// The URI of a well-formed request to the route (valid path parameters and query).
    pub fn uri(self) -> &'static str {
        match self {
            Self::ReadPost => "/posts/1",
            Self::DeletePost => "/posts/7",
            Self::Item => "/items/7?q=3",
            Self::StaffStatus => "/staff/status",
            Self::StaffModeration => "/staff/moderation",
            _ => self.declared().1,
        }
    }

    /// The JSON body of a well-formed request to the route, if it takes one.
    pub fn body(self) -> Option<&'static str> {
        match self {
            Self::CreateArticle => Some(r#"{"title":"Hello"}"#),
            _ => None,
        }
    }

    /// A well-formed request to the route (valid path parameters, query and body).
    pub fn request(self) -> test::TestRequest {
        let request = test::TestRequest::default()
            .method(self.declared().0)
            .uri(self.uri());
        match self.body() {
            Some(body) => request
                .insert_header(header::ContentType::json())
                .set_payload(body),
            None => request,
        }
    }
}

/// The `(method, path pattern)` of every route attribute in the demo's source, to catch a route
/// added to the demo without a row in the tests.
pub fn routes_declared_in_demo_source() -> Vec<(Method, String)> {
    const SOURCE: &str = include_str!("../../examples/demo/src/lib.rs");
    let mut routes = Vec::new();
    for line in SOURCE.lines().map(str::trim) {
        assert!(
            !line.contains("web::resource(")
                && !line.contains(".route(")
                && !line.starts_with("#[route("),
            "the demo declares a route this scanner does not understand: {line}"
        );
        for (attribute, method) in [
            ("#[get(\"", Method::GET),
            ("#[post(\"", Method::POST),
            ("#[put(\"", Method::PUT),
            ("#[patch(\"", Method::PATCH),
            ("#[delete(\"", Method::DELETE),
            ("#[head(\"", Method::HEAD),
        ] {
            if let Some(rest) = line.strip_prefix(attribute) {
                let path = rest.split('"').next().unwrap_or_default();
                routes.push((method, path.to_owned()));
            }
        }
    }
    routes
}

// ---------------------------------------------------------------------------------------------
// Identities and credentials

/// The identity classes that call the demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Who {
    /// No `Authorization` header.
    Anonymous,
    /// A Bearer token claiming role `admin`, signed with another secret.
    ForgedToken,
    /// Basic `alice` with a wrong password.
    WrongPassword,
    /// Basic `alice:wonderland`: role `admin`.
    Alice,
    /// Basic `bob:builder`: role `editor`, permission `posts:delete`.
    Bob,
    /// Basic `carol:p:q`: nothing.
    Carol,
    /// Bearer, role `admin`.
    AdminToken,
    /// Bearer, role `editor`, permission `posts:delete`.
    EditorToken,
    /// Bearer, role `auditor`.
    AuditorToken,
    /// Bearer, scope `articles:read`.
    ReaderToken,
    /// Bearer, scope `articles:write`.
    WriterToken,
    /// Bearer with no role, permission or scope.
    BareToken,
}

impl Who {
    /// All of them.
    pub const ALL: [Self; 12] = [
        Self::Anonymous,
        Self::ForgedToken,
        Self::WrongPassword,
        Self::Alice,
        Self::Bob,
        Self::Carol,
        Self::AdminToken,
        Self::EditorToken,
        Self::AuditorToken,
        Self::ReaderToken,
        Self::WriterToken,
        Self::BareToken,
    ];

    /// The credential it sends.
    pub fn credential(self) -> Option<Credential> {
        Some(match self {
            Self::Anonymous => return None,
            Self::ForgedToken => Credential::bearer(forged_token()),
            Self::WrongPassword => Credential::basic("alice", "wonderlanD-wrong"),
            Self::Alice => Credential::basic("alice", "wonderland"),
            Self::Bob => Credential::basic("bob", "builder"),
            Self::Carol => Credential::basic("carol", "p:q"),
            Self::AdminToken => Credential::bearer(token("ada", &["admin"], &[], None)),
            Self::EditorToken => {
                Credential::bearer(token("ed", &["editor"], &["posts:delete"], None))
            }
            Self::AuditorToken => Credential::bearer(token("audrey", &["auditor"], &[], None)),
            Self::ReaderToken => Credential::bearer(token("rita", &[], &[], Some("articles:read"))),
            Self::WriterToken => {
                Credential::bearer(token("walt", &[], &[], Some("articles:write")))
            }
            Self::BareToken => Credential::bearer(token("nemo", &[], &[], None)),
        })
    }

    /// `request` with this identity's credential.
    pub fn sign(self, request: test::TestRequest) -> (test::TestRequest, Vec<String>) {
        match self.credential() {
            None => (request, Vec::new()),
            Some(credential) => credential.sign(request),
        }
    }
}

/// An `Authorization` header value and the secrets it carries, none of which a response may
/// echo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credential {
    /// The header value.
    pub header: HeaderValue,
    /// The substrings that must never appear in a response: the token, the password, the
    /// base64 blob.
    pub secrets: Vec<String>,
}

impl Credential {
    /// `Bearer <token>`.
    pub fn bearer(token: String) -> Self {
        Self::raw(format!("Bearer {token}").as_bytes(), &[&token])
    }

    /// `Basic base64(user:password)`. The password is looked for too unless it is shorter than
    /// three bytes, which any text may hold by chance; the blob is always looked for.
    pub fn basic(user: &str, password: &str) -> Self {
        let blob = STANDARD.encode(format!("{user}:{password}"));
        let password = if password.len() < 3 { "" } else { password };
        Self::raw(format!("Basic {blob}").as_bytes(), &[&blob, password])
    }

    /// Any header value, and the secrets it carries (empty ones are left out: they check
    /// nothing).
    pub fn raw(header: &[u8], secrets: &[&str]) -> Self {
        Self {
            header: HeaderValue::from_bytes(header).expect("a valid header value"),
            secrets: secrets
                .iter()
                .filter(|secret| !secret.is_empty())
                .map(|secret| (*secret).to_owned())
                .collect(),
        }
    }

    /// `request` with this `Authorization` header appended, and the secrets to look for.
    pub fn sign(self, request: test::TestRequest) -> (test::TestRequest, Vec<String>) {
        (
            request.append_header((header::AUTHORIZATION, self.header)),
            self.secrets,
        )
    }
}

/// A demo token (HS256, [`SECRET`], valid for an hour).
pub fn token(sub: &str, roles: &[&str], permissions: &[&str], scope: Option<&str>) -> String {
    demo::sign_token(
        SECRET,
        &TokenSpec {
            sub: sub.to_owned(),
            roles: roles.iter().map(|r| (*r).to_owned()).collect(),
            permissions: permissions.iter().map(|p| (*p).to_owned()).collect(),
            scope: scope.map(str::to_owned),
            ttl: 3600,
            not_before: None,
        },
    )
}

/// A token of `claims`, signed with `secret` and `algorithm`.
pub fn sign_claims(secret: &[u8], algorithm: Algorithm, claims: &Value) -> String {
    jsonwebtoken::encode(
        &Header::new(algorithm),
        claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("signing a token")
}

/// Claims of an admin token valid for an hour.
pub fn admin_claims() -> Value {
    json!({ "sub": "mallory", "exp": now() + 3600, "roles": ["admin"] })
}

/// An admin token signed with a secret the demo does not know.
pub fn forged_token() -> String {
    sign_claims(
        b"another secret, not the demo's",
        Algorithm::HS256,
        &admin_claims(),
    )
}

/// An unsigned admin token: header `{"alg":"none"}`, empty signature.
pub fn unsigned_token() -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let claims = URL_SAFE_NO_PAD.encode(admin_claims().to_string());
    format!("{header}.{claims}.")
}

/// Seconds since the epoch.
pub fn now() -> i64 {
    let elapsed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("a clock after 1970");
    i64::try_from(elapsed.as_secs()).expect("a plausible clock")
}

// ---------------------------------------------------------------------------------------------
// Replies and what is expected of them

/// A response, read to the end.
#[derive(Debug, Clone)]
pub struct Reply {
    /// Its status.
    pub status: StatusCode,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body.
    pub body: Bytes,
}

impl Reply {
    /// Calls `app` with `request` and reads the whole response.
    pub async fn of<S, B>(app: &S, request: test::TestRequest) -> Self
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
        B: MessageBody,
    {
        let response = test::call_service(app, request.to_request()).await;
        let status = response.status();
        let headers = response.headers().clone();
        let body = test::read_body(response).await;
        Self {
            status,
            headers,
            body,
        }
    }

    /// The `WWW-Authenticate` lines, in order.
    pub fn challenges(&self) -> Vec<String> {
        header_lines(&self.headers, header::WWW_AUTHENTICATE)
    }

    /// Checks the reply against `expect`, and that it echoes none of `secrets`.
    #[track_caller]
    pub fn assert(&self, expect: &Expect, secrets: &[String], context: &dyn fmt::Display) {
        match expect {
            Expect::Handler(status, body) => self.assert_handler(*status, body, context),
            Expect::Refused(status, challenges) => {
                self.assert_refused(*status, challenges, context);
            }
            Expect::Hidden => self.assert_hidden(context),
        }
        self.assert_no_secret(secrets, context);
    }

    /// Checks the hidden 404: the app's not-found response, plus `Cache-Control: no-store`.
    #[track_caller]
    pub fn assert_hidden(&self, context: &dyn fmt::Display) {
        assert_eq!(self.status, StatusCode::NOT_FOUND, "status of {context}");
        assert!(self.body.is_empty(), "body of {context}: {:?}", self.body);
        assert_eq!(
            self.challenges(),
            Vec::<String>::new(),
            "challenges of {context}"
        );
        assert_eq!(
            header_lines(&self.headers, header::CACHE_CONTROL),
            ["no-store"],
            "Cache-Control of {context}"
        );
        assert_eq!(
            self.headers.get(header::CONTENT_TYPE),
            None,
            "Content-Type of {context}"
        );
    }

    /// Checks that the handler answered, with nothing added by the authorization layer.
    #[track_caller]
    pub fn assert_handler(&self, status: StatusCode, body: &Body, context: &dyn fmt::Display) {
        assert_eq!(
            self.status, status,
            "status of {context}; body {:?}",
            self.body
        );
        assert_eq!(
            self.challenges(),
            Vec::<String>::new(),
            "challenges of {context}"
        );
        assert_eq!(
            self.headers.get(header::CACHE_CONTROL),
            None,
            "Cache-Control of {context}"
        );
        let content_type = self.headers.get(header::CONTENT_TYPE);
        match body {
            Body::Empty => {
                assert_eq!(content_type, None, "Content-Type of {context}");
                assert!(self.body.is_empty(), "body of {context}: {:?}", self.body);
            }
            Body::Text(text) => {
                assert_eq!(
                    content_type.map(HeaderValue::as_bytes),
                    Some(&b"text/plain; charset=utf-8"[..]),
                    "Content-Type of {context}"
                );
                assert_eq!(self.body, text.as_bytes(), "body of {context}");
            }
            Body::Json(expected) => {
                self.assert_json_content_type(context);
                assert_eq!(&self.json(context), expected, "body of {context}");
            }
            Body::JsonWithSub(subject) => {
                self.assert_json_content_type(context);
                let json = self.json(context);
                assert!(json.is_object(), "body of {context}: {json}");
                assert_eq!(json["sub"], *subject, "`sub` of {context}: {json}");
            }
            Body::OpenApi => {
                self.assert_json_content_type(context);
                let json = self.json(context);
                let version = json["openapi"].as_str().unwrap_or_default();
                assert!(version.starts_with("3."), "`openapi` of {context}: {json}");
                let itself = &json["paths"]["/openapi.json"]["get"];
                assert_eq!(itself["security"], json!([]), "{context}: {itself}");
            }
        }
    }

    fn assert_json_content_type(&self, context: &dyn fmt::Display) {
        assert_eq!(
            self.headers
                .get(header::CONTENT_TYPE)
                .map(HeaderValue::as_bytes),
            Some(&b"application/json"[..]),
            "Content-Type of {context}"
        );
    }

    /// Checks a refusal: status, exactly these challenge lines (each well-formed),
    /// `Cache-Control: no-store`, and an RFC 9457 problem body for that status.
    #[track_caller]
    pub fn assert_refused(
        &self,
        status: StatusCode,
        challenges: &[String],
        context: &dyn fmt::Display,
    ) {
        assert_eq!(
            self.status, status,
            "status of {context}; body {:?}",
            self.body
        );
        let lines = self.challenges();
        assert_eq!(lines, challenges, "WWW-Authenticate lines of {context}");
        assert_well_formed_challenges(&lines, context);
        assert_eq!(
            header_lines(&self.headers, header::CACHE_CONTROL),
            ["no-store"],
            "Cache-Control of {context}"
        );
        assert_eq!(
            header_lines(&self.headers, header::CONTENT_TYPE),
            ["application/problem+json"],
            "Content-Type of {context}"
        );
        self.assert_problem_body(context);
    }

    #[track_caller]
    fn assert_problem_body(&self, context: &dyn fmt::Display) {
        let body = self.json(context);
        let object = body
            .as_object()
            .unwrap_or_else(|| panic!("problem body of {context} is not an object: {body}"));
        let mut keys: Vec<&str> = object.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            ["detail", "status", "title", "type"],
            "problem keys of {context}"
        );
        let kind = body["type"].as_str().unwrap_or_default();
        assert!(
            !kind.is_empty() && !kind.contains(char::is_whitespace),
            "problem `type` of {context} is not a URI reference: {body}"
        );
        assert_eq!(
            body["title"],
            self.status.canonical_reason().expect("a standard status"),
            "problem `title` of {context}"
        );
        assert_eq!(
            body["status"],
            self.status.as_u16(),
            "problem `status` of {context}"
        );
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(!detail.is_empty(), "problem `detail` of {context}: {body}");
        for internal in ["::", ".rs", "panicked", "Error", "error:", "{", "\n"] {
            assert!(
                !detail.contains(internal),
                "problem `detail` of {context} looks internal ({internal:?}): {detail}"
            );
        }
    }

    /// Checks that neither the headers nor the body contain any of `secrets`.
    #[track_caller]
    pub fn assert_no_secret(&self, secrets: &[String], context: &dyn fmt::Display) {
        for secret in secrets {
            assert!(
                !secret.is_empty(),
                "an empty secret checks nothing ({context})"
            );
            let needle = secret.as_bytes();
            assert!(
                !contains(&self.body, needle),
                "the body of {context} echoes a credential"
            );
            for (name, value) in &self.headers {
                assert!(
                    !contains(value.as_bytes(), needle),
                    "header {name} of {context} echoes a credential"
                );
            }
        }
    }

    /// The body as JSON.
    #[track_caller]
    pub fn json(&self, context: &dyn fmt::Display) -> Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|error| {
            panic!("body of {context} is not JSON ({error}): {:?}", self.body)
        })
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// The values of every `name` line, as text (they must be visible ASCII).
pub fn header_lines(headers: &HeaderMap, name: header::HeaderName) -> Vec<String> {
    headers
        .get_all(&name)
        .map(|value| {
            value
                .to_str()
                .unwrap_or_else(|_| panic!("a {name} line is not visible ASCII: {value:?}"))
                .to_owned()
        })
        .collect()
}

/// What a request must get.
#[derive(Debug, Clone, PartialEq)]
pub enum Expect {
    /// The handler's own response.
    Handler(StatusCode, Body),
    /// A refusal with exactly these `WWW-Authenticate` lines, in order.
    Refused(StatusCode, Vec<String>),
    /// The app's own 404 (empty body, no `Content-Type`) with `Cache-Control: no-store`: what a
    /// caller gets who may not know whether the resource exists.
    Hidden,
}

/// The body a handler answers.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No body and no `Content-Type`.
    Empty,
    /// `text/plain; charset=utf-8`, exactly this.
    Text(&'static str),
    /// `application/json`, exactly this.
    Json(Value),
    /// `application/json`, an object whose `sub` is this.
    JsonWithSub(&'static str),
    /// `application/json`, the demo's OpenAPI document: version 3, listing itself as public.
    OpenApi,
}

/// The handler answers 200 with `body`.
pub fn ok(body: Body) -> Expect {
    Expect::Handler(StatusCode::OK, body)
}

/// 401 for a request without usable credentials: both challenges, no `error`.
pub fn unauthorized() -> Expect {
    Expect::Refused(
        StatusCode::UNAUTHORIZED,
        vec![BEARER.to_owned(), BASIC.to_owned()],
    )
}

/// 401 for a rejected Bearer token: only the Bearer line carries `error="invalid_token"`.
pub fn invalid_token(description: &str) -> Expect {
    Expect::Refused(
        StatusCode::UNAUTHORIZED,
        vec![
            format!(
                r#"Bearer realm="demo", error="invalid_token", error_description="{description}""#
            ),
            BASIC.to_owned(),
        ],
    )
}

/// 403 for a Bearer identity: `insufficient_scope`, with `scope` when a scope is missing.
pub fn insufficient_scope(scope: Option<&str>) -> Expect {
    let line = match scope {
        Some(scope) => {
            format!(r#"Bearer realm="demo", error="insufficient_scope", scope="{scope}""#)
        }
        None => r#"Bearer realm="demo", error="insufficient_scope""#.to_owned(),
    };
    Expect::Refused(StatusCode::FORBIDDEN, vec![line])
}

/// 403 for a Basic or upstream identity: no challenge.
pub fn forbidden_without_challenge() -> Expect {
    Expect::Refused(StatusCode::FORBIDDEN, Vec::new())
}

/// Checks the exact 403 of default-deny.
#[track_caller]
pub fn assert_default_denied(reply: &Reply, context: &str) {
    reply.assert(&forbidden_without_challenge(), &[], &context);
    assert_eq!(
        reply.body,
        r#"{"type":"about:blank","title":"Forbidden","status":403,"detail":"The authenticated identity may not access this resource."}"#,
        "{context}"
    );
}

/// 400 for several `Authorization` headers.
pub fn invalid_request() -> Expect {
    Expect::Refused(
        StatusCode::BAD_REQUEST,
        vec![r#"Bearer realm="demo", error="invalid_request""#.to_owned()],
    )
}

// ---------------------------------------------------------------------------------------------
// The behaviour table of the demo

/// One row: a route, the identities it is about, and what each of them gets.
struct Row {
    route: DemoRoute,
    who: &'static [Who],
    expect: Expect,
}

fn row(route: DemoRoute, who: &'static [Who], expect: Expect) -> Row {
    Row { route, who, expect }
}

/// Identities without a usable identity: they get the same 401 everywhere but on public routes.
const NOBODY: &[Who] = &[Who::Anonymous, Who::WrongPassword];
const FORGED: &[Who] = &[Who::ForgedToken];
const EVERYONE: &[Who] = &Who::ALL;
const VALID: &[Who] = &[
    Who::Alice,
    Who::Bob,
    Who::Carol,
    Who::AdminToken,
    Who::EditorToken,
    Who::AuditorToken,
    Who::ReaderToken,
    Who::WriterToken,
    Who::BareToken,
];

fn table() -> Vec<Row> {
    use DemoRoute::*;
    use Who::*;

    let forbidden = forbidden_without_challenge;
    let item = || ok(Body::Json(json!({ "id": 7, "q": 3 })));
    vec![
        row(Health, EVERYONE, ok(Body::Text("ok"))),
        row(Counter, EVERYONE, ok(Body::Json(json!({ "count": 0 })))),
        row(OpenApi, EVERYONE, ok(Body::OpenApi)),
        //
        row(Me, NOBODY, unauthorized()),
        row(Me, FORGED, invalid_token(INVALID)),
        row(Me, &[Alice], ok(Body::JsonWithSub("alice"))),
        row(Me, &[Bob], ok(Body::JsonWithSub("bob"))),
        row(Me, &[Carol], ok(Body::JsonWithSub("carol"))),
        row(Me, &[AdminToken], ok(Body::JsonWithSub("ada"))),
        row(Me, &[EditorToken], ok(Body::JsonWithSub("ed"))),
        row(Me, &[AuditorToken], ok(Body::JsonWithSub("audrey"))),
        row(Me, &[ReaderToken], ok(Body::JsonWithSub("rita"))),
        row(Me, &[WriterToken], ok(Body::JsonWithSub("walt"))),
        row(Me, &[BareToken], ok(Body::JsonWithSub("nemo"))),
        //
        row(Item, NOBODY, unauthorized()),
        row(Item, FORGED, invalid_token(INVALID)),
        row(Item, VALID, item()),
        //
        row(StaffStatus, EVERYONE, ok(Body::Text("staff desk open"))),
        //
        row(StaffModeration, NOBODY, unauthorized()),
        row(StaffModeration, FORGED, invalid_token(INVALID)),
        row(
            StaffModeration,
            &[Bob, EditorToken],
            ok(Body::Text("moderation queue")),
        ),
        row(StaffModeration, &[Alice, Carol], forbidden()),
        row(
            StaffModeration,
            &[
                AdminToken,
                AuditorToken,
                ReaderToken,
                WriterToken,
                BareToken,
            ],
            insufficient_scope(None),
        ),
        //
        row(Admin, NOBODY, unauthorized()),
        row(Admin, FORGED, invalid_token(INVALID)),
        row(Admin, &[Alice, AdminToken], ok(Body::Text("admin area"))),
        row(Admin, &[Bob, Carol], forbidden()),
        row(
            Admin,
            &[
                EditorToken,
                AuditorToken,
                ReaderToken,
                WriterToken,
                BareToken,
            ],
            insufficient_scope(None),
        ),
        //
        row(Reports, NOBODY, unauthorized()),
        row(Reports, FORGED, invalid_token(INVALID)),
        row(
            Reports,
            &[Alice, AdminToken, AuditorToken],
            ok(Body::Text("reports")),
        ),
        row(Reports, &[Bob, Carol], forbidden()),
        row(
            Reports,
            &[EditorToken, ReaderToken, WriterToken, BareToken],
            insufficient_scope(None),
        ),
        //
        row(Increment, NOBODY, unauthorized()),
        row(Increment, FORGED, invalid_token(INVALID)),
        row(
            Increment,
            &[Alice, AdminToken],
            ok(Body::Json(json!({ "count": 1 }))),
        ),
        row(Increment, &[Bob, Carol], forbidden()),
        row(
            Increment,
            &[
                EditorToken,
                AuditorToken,
                ReaderToken,
                WriterToken,
                BareToken,
            ],
            insufficient_scope(None),
        ),
        //
        row(ReadPost, NOBODY, unauthorized()),
        row(ReadPost, FORGED, invalid_token(INVALID)),
        row(
            ReadPost,
            &[Alice, AdminToken],
            ok(Body::Json(
                json!({ "id": 1, "author": "alice", "title": "Wonderland notes" }),
            )),
        ),
        row(
            ReadPost,
            &[
                Bob,
                Carol,
                EditorToken,
                AuditorToken,
                ReaderToken,
                WriterToken,
                BareToken,
            ],
            Expect::Hidden,
        ),
        //
        row(DeletePost, NOBODY, unauthorized()),
        row(DeletePost, FORGED, invalid_token(INVALID)),
        row(
            DeletePost,
            &[Bob, EditorToken],
            Expect::Handler(StatusCode::NO_CONTENT, Body::Empty),
        ),
        row(DeletePost, &[Alice, Carol], forbidden()),
        row(
            DeletePost,
            &[
                AdminToken,
                AuditorToken,
                ReaderToken,
                WriterToken,
                BareToken,
            ],
            insufficient_scope(None),
        ),
        //
        row(ListArticles, NOBODY, unauthorized()),
        row(ListArticles, FORGED, invalid_token(INVALID)),
        row(
            ListArticles,
            &[ReaderToken],
            ok(Body::Json(
                json!([{ "id": 1, "title": "Declarative authorization" }]),
            )),
        ),
        row(ListArticles, &[Alice, Bob, Carol], forbidden()),
        row(
            ListArticles,
            &[
                AdminToken,
                EditorToken,
                AuditorToken,
                WriterToken,
                BareToken,
            ],
            insufficient_scope(Some("articles:read")),
        ),
        //
        row(CreateArticle, NOBODY, unauthorized()),
        row(CreateArticle, FORGED, invalid_token(INVALID)),
        row(
            CreateArticle,
            &[WriterToken],
            Expect::Handler(
                StatusCode::CREATED,
                Body::Json(json!({ "id": 2, "title": "Hello" })),
            ),
        ),
        row(CreateArticle, &[Alice, Bob, Carol], forbidden()),
        row(
            CreateArticle,
            &[
                AdminToken,
                EditorToken,
                AuditorToken,
                ReaderToken,
                BareToken,
            ],
            insufficient_scope(Some("articles:write")),
        ),
    ]
}

/// The behaviour table of the demo: each (route, identity) cell and the expectation of its one
/// row, for a fresh app. A cell with several rows panics; a cell without a row is missing.
pub fn demo_expectations() -> BTreeMap<(DemoRoute, Who), Expect> {
    let mut cells = BTreeMap::new();
    for row in table() {
        for &who in row.who {
            let previous = cells.insert((row.route, who), row.expect.clone());
            assert!(
                previous.is_none(),
                "{:?} × {who:?} has several rows",
                row.route
            );
        }
    }
    cells
}

// ---------------------------------------------------------------------------------------------
// WWW-Authenticate

/// Checks a challenge line the project emitted: it parses strictly as exactly one challenge,
/// is written in the canonical form (one space after the scheme, `", "` between parameters,
/// every value a quoted-string with only `"` and `\\` escaped), has `realm` first, and its
/// RFC 6750 parameters hold only what that RFC allows.
#[track_caller]
pub fn assert_well_formed_challenge(line: &str, context: &dyn fmt::Display) -> ParsedChallenge {
    let challenge = parse_challenge(line)
        .unwrap_or_else(|error| panic!("{context}: bad challenge {line:?}: {error}"));
    assert_eq!(
        challenge.token68, None,
        "{context}: a token68 where parameters were expected: {line}"
    );
    assert_eq!(
        challenge.names().first().copied(),
        Some("realm"),
        "{context}: `realm` is not the first parameter of {line}"
    );
    for param in &challenge.params {
        assert!(
            param.quoted,
            "{context}: {} is not a quoted-string in {line}",
            param.name
        );
    }
    assert_eq!(
        challenge.canonical(),
        line,
        "{context}: the challenge is not in canonical form"
    );
    if let Some(error) = challenge.param("error") {
        assert!(
            ["invalid_request", "invalid_token", "insufficient_scope"].contains(&error),
            "{context}: unknown error code in {line}"
        );
    }
    let rfc6750_char = |b: u8| matches!(b, 0x20 | 0x21 | 0x23..=0x5b | 0x5d..=0x7e);
    for name in ["error_description", "scope"] {
        if let Some(value) = challenge.param(name) {
            assert!(
                !value.is_empty() && value.bytes().all(rfc6750_char),
                "{context}: {name} holds characters RFC 6750 forbids: {line}"
            );
        }
    }
    challenge
}

/// Checks the `WWW-Authenticate` lines of one response: each is a well-formed challenge of
/// ours, and the lines combined into one field value (as a proxy may combine them, RFC 9110
/// §5.3) parse back into the same challenges, in order.
#[track_caller]
pub fn assert_well_formed_challenges(
    lines: &[String],
    context: &dyn fmt::Display,
) -> Vec<ParsedChallenge> {
    let parsed: Vec<ParsedChallenge> = lines
        .iter()
        .map(|line| assert_well_formed_challenge(line, context))
        .collect();
    if !lines.is_empty() {
        let combined = lines.join(", ");
        let reparsed = parse_www_authenticate(&combined)
            .unwrap_or_else(|error| panic!("{context}: combined {combined:?}: {error}"));
        assert_eq!(reparsed, parsed, "{context}: combined {combined:?}");
    }
    parsed
}
