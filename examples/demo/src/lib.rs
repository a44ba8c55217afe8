//! The actix-authz reference app: every attribute and every row of the HTTP contract on a few
//! routes. `cargo run -p demo` serves it; the tests drive the same routes through
//! [`configure`].
//!
//! | route | protection |
//! | --- | --- |
//! | `GET /health` | public |
//! | `GET /me` | authenticated |
//! | `GET /admin` | role `admin` |
//! | `GET /reports` | any of roles `admin`, `auditor` |
//! | `GET /posts/{id}` | its author, or role `admin`; others get the same 404 as an unknown id |
//! | `DELETE /posts/{id}` | role `editor` and permission `posts:delete` |
//! | `GET /articles` | scope `articles:read` |
//! | `POST /articles` | scope `articles:write` |
//! | `GET /counter` | public |
//! | `POST /counter` | role `admin` |
//! | `GET /items/{id}?q=N` | authenticated |
//! | `GET /staff/status` | public, inside the `/staff` scope that requires role `editor` |
//! | `GET /staff/moderation` | role `editor` (the scope's rule) and permission `posts:delete` |
//!
//! `cargo run -p demo -- routes` prints the authorization matrix (`--json` for JSON).
//!
//! [`cors`] wraps the whole app, so that pages of other origins can call it: it answers CORS
//! preflights before any rule runs.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use actix_authz::audit;
use actix_authz::openapi::{AuthzSchemes, Scheme};
use actix_authz::{
    AuthzConfig, BasicAuthenticator, Caller, Identity, JwtAuthenticator, Principal, Require,
    Requirement, RoleVocabulary, authenticated, constant_time_eq, public, requires, vocabulary,
};
use actix_cors::Cors;
use actix_web::http::{Method, header};
use actix_web::{HttpResponse, Responder, delete, get, post, web};
use jsonwebtoken::{EncodingKey, Header};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

/// The realm of every challenge.
pub const REALM: &str = "demo";

/// The HS256 secret used when `DEMO_JWT_SECRET` is not set.
pub const DEFAULT_SECRET: &str = "demo-secret";

/// The Basic users: id, password, roles, permissions.
pub const USERS: &[(&str, &str, &[&str], &[&str])] = &[
    ("alice", "wonderland", &["admin"], &[]),
    ("bob", "builder", &["editor"], &["posts:delete"]),
    ("carol", "p:q", &[], &[]),
];

/// The demo's roles and permissions, checked when the demo compiles: `Role::Admn` in an
/// attribute is a compile error that suggests `Role::Admin`.
#[vocabulary]
pub mod policy {
    /// The roles. An admin is also an auditor.
    #[roles]
    pub enum Role {
        /// Runs the place.
        #[implies(Auditor)]
        Admin,
        /// Writes and deletes posts.
        Editor,
        /// Reads the reports.
        Auditor,
    }

    /// The permissions.
    #[permissions]
    pub enum Permission {
        /// Deleting posts.
        #[name = "posts:delete"]
        PostsDelete,
    }
}

use policy::{Permission, Role};

/// The JWT secret: `DEMO_JWT_SECRET`, or [`DEFAULT_SECRET`] when it is not set. An empty one is
/// refused: anyone could sign tokens with it.
pub fn secret_from_env() -> Result<String, String> {
    match std::env::var("DEMO_JWT_SECRET") {
        Ok(secret) if secret.is_empty() => {
            Err("`DEMO_JWT_SECRET` is empty: give the HS256 secret, or unset it".to_owned())
        }
        Ok(secret) => Ok(secret),
        Err(std::env::VarError::NotPresent) => Ok(DEFAULT_SECRET.to_owned()),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err("`DEMO_JWT_SECRET` is not valid UTF-8".to_owned())
        }
    }
}

/// The authorization configuration: Bearer JWT (HS256 with `secret`), then Basic.
pub fn authz(secret: &[u8]) -> AuthzConfig {
    AuthzConfig::new(REALM)
        .authenticator(JwtAuthenticator::hs256(secret))
        .authenticator(basic_authenticator())
}

/// The demo's CORS layer, to wrap outside everything else (`App::new().wrap(demo::cors())`).
///
/// It answers a preflight itself, before any rule runs: a preflight never carries credentials,
/// so the `/staff` scope's rule would refuse it with 401 and break every page that calls the
/// API. Any origin may call, as suits an API whose pages send the credentials themselves in
/// `Authorization`: with `Access-Control-Allow-Origin: *`, a browser never shows a page the
/// response to a request that carried cookies or credentials the browser kept. A 401 exposes
/// its `WWW-Authenticate` challenge to the page.
///
/// ```
/// use actix_web::{App, http::header, test};
///
/// # actix_web::rt::System::new().block_on(async {
/// let app = test::init_service(
///     App::new()
///         .wrap(demo::cors())
///         .app_data(demo::authz(b"secret"))
///         .app_data(actix_web::web::Data::new(demo::State::default()))
///         .configure(demo::configure),
/// )
/// .await;
/// let preflight = test::TestRequest::default()
///     .method(actix_web::http::Method::OPTIONS)
///     .uri("/staff/moderation")
///     .insert_header((header::ORIGIN, "https://app.example"))
///     .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, "GET"))
///     .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization"))
///     .to_request();
/// let response = test::call_service(&app, preflight).await;
/// assert_eq!(response.status(), 200);
/// let allowed = response.headers().get(header::ACCESS_CONTROL_ALLOW_ORIGIN);
/// assert_eq!(allowed.map(|value| value.as_bytes()), Some(&b"*"[..]));
/// # });
/// ```
pub fn cors() -> Cors {
    Cors::default()
        .allow_any_origin()
        .send_wildcard()
        .allowed_methods([Method::GET, Method::POST, Method::DELETE])
        .allowed_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .expose_headers([header::WWW_AUTHENTICATE])
        // With `*` for every origin, no response depends on the request's origin.
        .disable_vary_header()
        .max_age(600)
}

/// The Basic authenticator of [`USERS`], the second of [`authz`]: for a configuration that puts
/// an authenticator of its own in front of the demo's (the load test's fault injection).
pub fn basic_authenticator() -> BasicAuthenticator {
    BasicAuthenticator::new(|credentials| async move {
        let user = USERS.iter().find(|(id, ..)| *id == credentials.user_id());
        // Compare against something even for an unknown user, so that a wrong user and a
        // wrong password take the same path.
        let expected = user.map_or("\0no user\0", |(_, password, ..)| *password);
        let password_ok = constant_time_eq(credentials.password().as_bytes(), expected.as_bytes());
        Ok(match user {
            Some((id, _, roles, permissions)) if password_ok => Some(
                Principal::new(*id)
                    .with_roles(roles.iter().copied())
                    .with_permissions(permissions.iter().copied()),
            ),
            _ => None,
        })
    })
}

/// The app's state, shared by all workers.
#[derive(Debug, Default)]
pub struct State {
    counter: AtomicU64,
    articles: Mutex<Vec<Article>>,
}

impl State {
    /// How many times `POST /counter` ran: tests read it to prove that a refused request never
    /// reached the handler.
    pub fn count(&self) -> u64 {
        self.counter.load(Ordering::SeqCst)
    }

    /// How many articles `POST /articles` created.
    pub fn article_count(&self) -> usize {
        self.articles.lock().map_or(0, |articles| articles.len())
    }
}

/// An article of `GET /articles` and `POST /articles`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Article {
    /// Its number, from 1.
    pub id: u32,
    /// Its title.
    pub title: String,
}

/// Registers the demo's routes. The app also needs [`authz`] and a `web::Data<State>`.
///
/// ```
/// use actix_web::{App, web};
///
/// let app = App::new()
///     .app_data(demo::authz(b"secret"))
///     .app_data(web::Data::new(demo::State::default()))
///     .configure(demo::configure);
/// # let _ = app;
/// ```
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(health)
        .service(me)
        .service(admin)
        .service(reports)
        .service(read_post)
        .service(delete_post)
        .service(list_articles)
        .service(create_article)
        .service(counter)
        .service(increment)
        .service(item)
        .service(openapi_json)
        .service(
            web::scope("/staff")
                .wrap(Require::new(&STAFF))
                .service(staff_status)
                .service(moderation),
        );
}

/// The demo's operations, as `#[utoipa::path]` describes them; [`openapi`] adds what protects
/// each of them.
pub use spec::ApiDoc;

mod spec {
    use utoipa::OpenApi;

    /// The demo's operations, as `#[utoipa::path]` describes them (in a module of its own, so
    /// that the derive's bindings meet no handler of the same name).
    #[derive(Debug, OpenApi)]
    #[openapi(
        info(
            title = "actix-authz demo",
            description = "The actix-authz reference app"
        ),
        paths(
            super::health,
            super::me,
            super::admin,
            super::reports,
            super::read_post,
            super::delete_post,
            super::list_articles,
            super::create_article,
            super::counter,
            super::increment,
            super::item,
            super::openapi_json,
            super::staff_status,
            super::moderation
        )
    )]
    pub struct ApiDoc;
}

/// The demo's two schemes, as [`authz`] configures them.
const SECURITY: AuthzSchemes =
    AuthzSchemes::new(&[Scheme::Bearer("bearer"), Scheme::Basic("basic")]);

/// The demo's OpenAPI document, served at `GET /openapi.json`: each operation's security,
/// 401/403 responses and `x-required-*` extensions come from the route audit of [`configure`],
/// that is from the handler's attribute and the `Require` rules of its scope, the very rules
/// the server enforces.
pub async fn openapi() -> utoipa::openapi::OpenApi {
    let mut spec = ApiDoc::openapi();
    match audit::matrix(configure).await {
        Ok(matrix) => SECURITY.document_matrix(&mut spec, &matrix),
        // Without the audit, the handlers' own attributes still document them.
        Err(_) => SECURITY.document(&mut spec, actix_authz::registry::entries()),
    }
    spec
}

#[public]
#[utoipa::path(responses((status = 200, description = "This OpenAPI document")))]
#[get("/openapi.json")]
async fn openapi_json() -> HttpResponse {
    HttpResponse::Ok().json(openapi().await)
}

#[public]
#[utoipa::path(responses((status = 200, description = "Liveness: `ok`")))]
#[get("/health")]
async fn health() -> &'static str {
    "ok"
}

#[authenticated]
#[utoipa::path(responses((status = 200, description = "The identity of the caller")))]
#[get("/me")]
async fn me(caller: Caller) -> impl Responder {
    web::Json(caller.identity().clone())
}

#[requires(role = Role::Admin)]
#[utoipa::path(responses((status = 200, description = "The admin area")))]
#[get("/admin")]
async fn admin() -> &'static str {
    "admin area"
}

// Admins are auditors too: the vocabulary's hierarchy says so.
#[requires(role = Role::Auditor)]
#[utoipa::path(responses((status = 200, description = "The reports")))]
#[get("/reports")]
async fn reports() -> &'static str {
    "reports"
}

/// A post of `GET /posts/{id}`.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Post {
    /// Its number.
    pub id: u32,
    /// The subject of its author.
    pub author: &'static str,
    /// Its title.
    pub title: &'static str,
}

/// The posts: 1 by alice, 2 by bob.
pub const POSTS: &[Post] = &[
    Post {
        id: 1,
        author: "alice",
        title: "Wonderland notes",
    },
    Post {
        id: 2,
        author: "bob",
        title: "Building things",
    },
];

/// The post store; a real app would query its database here, once per request.
async fn find_post(id: &web::Path<u32>) -> Option<Post> {
    POSTS.iter().find(|post| post.id == **id).cloned()
}

/// Authors read their posts, admins read all.
fn may_read(identity: &dyn Identity, post: &Post) -> bool {
    identity.subject() == post.author || identity.has_role(Role::Admin.name())
}

// Whoever may not read a post gets the same 404 as for a post that does not exist.
#[requires(load(post = find_post(id).await), check = may_read(identity, post), hide)]
#[utoipa::path(responses((status = 200, description = "The post")))]
#[get("/posts/{id}")]
async fn read_post(id: web::Path<u32>, post: Post) -> web::Json<Post> {
    let _ = id;
    web::Json(post)
}

#[requires(role = Role::Editor, permission = Permission::PostsDelete)]
#[utoipa::path(responses((status = 204, description = "Deleted")))]
#[delete("/posts/{id}")]
async fn delete_post(id: web::Path<u32>) -> HttpResponse {
    let _deleted = id.into_inner();
    HttpResponse::NoContent().finish()
}

#[requires(scope = "articles:read")]
#[utoipa::path(responses((status = 200, description = "The articles")))]
#[get("/articles")]
async fn list_articles(state: web::Data<State>) -> impl Responder {
    let mut articles = vec![Article {
        id: 1,
        title: "Declarative authorization".to_owned(),
    }];
    if let Ok(created) = state.articles.lock() {
        articles.extend(created.iter().cloned());
    }
    web::Json(articles)
}

/// The body of `POST /articles`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
struct NewArticle {
    title: String,
}

#[requires(scope = "articles:write")]
#[utoipa::path(responses((status = 201, description = "Created")))]
#[post("/articles")]
async fn create_article(
    state: web::Data<State>,
    body: web::Json<NewArticle>,
) -> actix_web::Result<HttpResponse> {
    let mut articles = state
        .articles
        .lock()
        .map_err(|_| actix_web::error::ErrorInternalServerError("article store unavailable"))?;
    let article = Article {
        id: u32::try_from(articles.len())
            .unwrap_or(u32::MAX)
            .saturating_add(2),
        title: body.into_inner().title,
    };
    articles.push(article.clone());
    Ok(HttpResponse::Created().json(article))
}

#[derive(Debug, Serialize)]
struct Count {
    count: u64,
}

#[public]
#[utoipa::path(responses((status = 200, description = "The count")))]
#[get("/counter")]
async fn counter(state: web::Data<State>) -> web::Json<Count> {
    web::Json(Count {
        count: state.count(),
    })
}

#[requires(role = Role::Admin)]
#[utoipa::path(responses((status = 200, description = "The new count")))]
#[post("/counter")]
async fn increment(state: web::Data<State>) -> web::Json<Count> {
    let count = state.counter.fetch_add(1, Ordering::SeqCst) + 1;
    web::Json(Count { count })
}

#[derive(Debug, Deserialize)]
struct ItemQuery {
    q: u32,
}

#[derive(Debug, Serialize)]
struct ItemView {
    id: u32,
    q: u32,
}

#[authenticated]
#[utoipa::path(responses((status = 200, description = "The item")))]
#[get("/items/{id}")]
async fn item(id: web::Path<u32>, query: web::Query<ItemQuery>) -> web::Json<ItemView> {
    web::Json(ItemView {
        id: id.into_inner(),
        q: query.q,
    })
}

/// The rule of the `/staff` scope: role `editor` (a typed role of the vocabulary).
pub const STAFF: Requirement =
    Requirement::TypedRole(&<Role as RoleVocabulary>::TERMS[Role::Editor as usize]);

// Open to everyone although the scope requires `editor`.
#[public]
#[utoipa::path(context_path = "/staff", responses((status = 200, description = "The staff desk")))]
#[get("/status")]
async fn staff_status() -> &'static str {
    "staff desk open"
}

// The scope's rule and the handler's, all-of: role `editor` and permission `posts:delete`.
#[requires(permission = Permission::PostsDelete)]
#[utoipa::path(context_path = "/staff", responses((status = 200, description = "The moderation queue")))]
#[get("/moderation")]
async fn moderation() -> &'static str {
    "moderation queue"
}

/// What a demo token says.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenSpec {
    /// The `sub` claim.
    pub sub: String,
    /// The `roles` claim.
    pub roles: Vec<String>,
    /// The `permissions` claim.
    pub permissions: Vec<String>,
    /// The `scope` claim (space-separated), if any.
    pub scope: Option<String>,
    /// Seconds from now to `exp` (negative: already expired).
    pub ttl: i64,
    /// Seconds from now to `nbf`, if the token has one.
    pub not_before: Option<i64>,
}

#[derive(Serialize)]
struct Claims<'a> {
    sub: &'a str,
    exp: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    nbf: Option<i64>,
    roles: &'a [String],
    permissions: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<&'a str>,
}

/// Signs a token for `spec` with HS256 and `secret`, as `cargo run -p demo -- token` does.
pub fn sign_token(secret: &[u8], spec: &TokenSpec) -> String {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |elapsed| {
            i64::try_from(elapsed.as_secs()).unwrap_or(i64::MAX)
        });
    let claims = Claims {
        sub: &spec.sub,
        exp: now.saturating_add(spec.ttl),
        nbf: spec.not_before.map(|offset| now.saturating_add(offset)),
        roles: &spec.roles,
        permissions: &spec.permissions,
        scope: spec.scope.as_deref(),
    };
    jsonwebtoken::encode(
        &Header::default(),
        &claims,
        &EncodingKey::from_secret(secret),
    )
    .expect("HS256 signing of serializable claims cannot fail")
}
