//! A login form, a session cookie, and actix-authz attributes on top: `cargo run -p
//! session-login`.
//!
//! - `POST /login` checks the form against [`USERS`], renews the session and stores the
//!   user in it; `POST /logout` purges it. The session is an encrypted, signed cookie
//!   (`actix-session`'s `CookieSessionStore`).
//! - [`authz`] turns the session into an identity with an
//!   [`FnAuthenticator`]: a request without a session user is
//!   anonymous, one whose session cannot be read is refused as invalid.
//! - API routes answer like any actix-authz route: 401 (with a `WWW-Authenticate: Session
//!   realm="session-login"` challenge, see [`CHALLENGE_SCHEME`]), 403, or the handler.
//! - HTML routes name a denial responder, [`to_login_page`]: an anonymous browser is sent to
//!   the login form with a 303, a signed-in one without the role gets an HTML 403 page.
//!
//! | route | protection | success |
//! | --- | --- | --- |
//! | `GET /login`, `POST /login`, `POST /logout` | public | the form; 303 |
//! | `GET /dashboard` | authenticated (HTML: 303 to `/login`) | 200 HTML |
//! | `GET /admin` | role `admin` (HTML: 303 to `/login`, 403 page) | 200 HTML |
//! | `GET /api/me` | authenticated | 200 JSON |
//! | `GET /api/reports` | role `admin` | 200 JSON |

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use actix_authz::{
    AuthzConfig, Caller, Denial, FnAuthenticator, Identity, Outcome, Principal, RefusalKind,
    authenticated, constant_time_eq, public, requires,
};
use actix_session::config::CookieContentSecurity;
use actix_session::storage::CookieSessionStore;
use actix_session::{Session, SessionExt as _, SessionMiddleware};
use actix_web::cookie::Key;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};
use serde::{Deserialize, Serialize};

/// The realm of the challenges.
pub const REALM: &str = "session-login";

/// The scheme of the 401 challenge. A cookie session has no registered HTTP authentication
/// scheme, yet RFC 9110 §11.6.1 asks every 401 for a `WWW-Authenticate` challenge: this one,
/// `Session realm="session-login"`, tells a client that it authenticates by signing in at
/// `/login` (and then sends the session cookie), not with an `Authorization` header.
pub const CHALLENGE_SCHEME: &str = "Session";

/// The session key under which the signed-in user is kept.
const USER_KEY: &str = "user";

/// The users: name, password, roles. A real app checks a password hash in its database.
pub const USERS: &[(&str, &str, &[&str])] = &[
    ("alice", "wonderland", &["admin"]),
    ("bob", "builder", &["editor"]),
];

/// How long a sign-in lasts. The cookie carries its end, so that a copy of it (taken before a
/// sign-out, or stolen) stops opening the app then.
pub const SESSION_LIFETIME: Duration = Duration::from_secs(8 * 60 * 60);

/// What the session keeps about the signed-in user.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct SessionUser {
    name: String,
    roles: Vec<String>,
    /// When the sign-in ends, in seconds since the Unix epoch.
    expires_at: u64,
}

/// Seconds since the Unix epoch.
fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |since| since.as_secs())
}

/// The authorization configuration: the identity comes from the session.
pub fn authz() -> AuthzConfig {
    AuthzConfig::new(REALM).authenticator(
        FnAuthenticator::new(|request: HttpRequest| async move {
            let session = request.get_session();
            match session.get::<SessionUser>(USER_KEY) {
                Ok(Some(user)) if now() < user.expires_at => {
                    Outcome::authenticated(Principal::new(user.name).with_roles(user.roles))
                }
                // Over: the browser drops the cookie, and the caller signs in again.
                Ok(Some(_)) => {
                    session.purge();
                    Outcome::Anonymous
                }
                Ok(None) => Outcome::Anonymous,
                // A session entry that does not read back is not trusted.
                Err(_) => Outcome::INVALID,
            }
        })
        .challenge_scheme(CHALLENGE_SCHEME),
    )
}

/// The session middleware: an encrypted cookie named `id`, `HttpOnly`, `SameSite=Lax` (so that
/// other sites' requests do not carry it; the login and logout forms also refuse posts from
/// other sites, which `SameSite` alone does not stop from signing a visitor in). `secure` sets
/// the `Secure` attribute: on behind HTTPS, off only for plain-HTTP development on loopback.
///
/// The state lives in the cookie itself: logging out deletes it from the browser, but a copy
/// taken before stays valid until the sign-in ends ([`SESSION_LIFETIME`] after it). Use a
/// server-side store (`RedisSessionStore`) to revoke sessions sooner.
pub fn sessions(key: Key, secure: bool) -> SessionMiddleware<CookieSessionStore> {
    SessionMiddleware::builder(CookieSessionStore::default(), key)
        .cookie_name("id".to_owned())
        .cookie_secure(secure)
        .cookie_content_security(CookieContentSecurity::Private)
        .build()
}

/// Registers the routes. The app also needs [`authz`] and, wrapped around it, [`sessions`].
///
/// ```
/// use actix_web::{App, cookie::Key};
///
/// let app = App::new()
///     .app_data(session_login::authz())
///     .wrap(session_login::sessions(Key::generate(), false))
///     .configure(session_login::configure);
/// # let _ = app;
/// ```
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(login_form)
        .service(login)
        .service(logout)
        .service(dashboard)
        .service(admin_page)
        .service(api_me)
        .service(api_reports);
}

/// The denial responder of the HTML routes: an anonymous browser goes to the login form (303),
/// a signed-in user who lacks the role gets an HTML 403 page.
pub fn to_login_page(denial: &Denial<'_>) -> HttpResponse {
    match denial.kind() {
        RefusalKind::Forbidden => HttpResponse::Forbidden()
            .content_type("text/html; charset=utf-8")
            .body(page(
                "Forbidden",
                "<p>Your account may not see this page.</p><p><a href=\"/dashboard\">Back</a></p>",
            )),
        _ => HttpResponse::SeeOther()
            .insert_header((header::LOCATION, "/login"))
            .finish(),
    }
}

fn page(title: &str, body: &str) -> String {
    format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body><h1>{title}</h1>{body}</body></html>"
    )
}

fn html(body: String) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// The query of `GET /login`.
#[derive(Debug, Deserialize)]
struct LoginQuery {
    failed: Option<String>,
}

#[public]
#[get("/login")]
async fn login_form(query: web::Query<LoginQuery>) -> HttpResponse {
    let notice = if query.failed.is_some() {
        "<p role=\"alert\">Wrong user name or password.</p>"
    } else {
        ""
    };
    html(page(
        "Sign in",
        &format!(
            "{notice}<form method=\"post\" action=\"/login\">\
             <label>User <input name=\"username\" autocomplete=\"username\"></label>\
             <label>Password <input name=\"password\" type=\"password\" \
             autocomplete=\"current-password\"></label>\
             <button>Sign in</button></form>"
        ),
    ))
}

/// The login form's fields.
#[derive(Debug, Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

fn see_other(location: &'static str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, location))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .finish()
}

/// Whether a form post comes from a page of this site, as the browser says: `Sec-Fetch-Site`,
/// else `Origin` against `Host`. A client that sends neither (not a browser) is let through.
/// `SameSite=Lax` does not cover the login form, which a cross-site page could post to sign
/// its visitor in as someone else.
fn from_this_site(request: &HttpRequest) -> bool {
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return true;
    };
    let Some(host) = headers.get(header::HOST) else {
        return false;
    };
    let origin = origin.as_bytes();
    [&b"http://"[..], b"https://"]
        .iter()
        .any(|scheme| origin.strip_prefix(*scheme) == Some(host.as_bytes()))
}

/// The answer to a form posted from another site.
fn cross_site() -> HttpResponse {
    HttpResponse::Forbidden()
        .content_type("text/plain; charset=utf-8")
        .body("forms are accepted from this site only")
}

#[public]
#[post("/login")]
async fn login(
    request: HttpRequest,
    session: Session,
    form: web::Form<LoginForm>,
) -> actix_web::Result<HttpResponse> {
    if !from_this_site(&request) {
        return Ok(cross_site());
    }
    let user = USERS.iter().find(|(name, ..)| *name == form.username);
    // Compare against something even for an unknown user, so that both failures take the same
    // path.
    let expected = user.map_or("\0no user\0", |(_, password, _)| *password);
    let password_ok = constant_time_eq(form.password.as_bytes(), expected.as_bytes());
    let Some((name, _, roles)) = user.filter(|_| password_ok) else {
        return Ok(see_other("/login?failed=1"));
    };
    // A new session on every sign-in: no fixation of a session set up before.
    session.renew();
    session.insert(
        USER_KEY,
        SessionUser {
            name: (*name).to_owned(),
            roles: roles.iter().map(|role| (*role).to_owned()).collect(),
            expires_at: now() + SESSION_LIFETIME.as_secs(),
        },
    )?;
    Ok(see_other("/dashboard"))
}

#[public]
#[post("/logout")]
async fn logout(request: HttpRequest, session: Session) -> HttpResponse {
    if !from_this_site(&request) {
        return cross_site();
    }
    session.purge();
    see_other("/login")
}

#[authenticated(deny = to_login_page)]
#[get("/dashboard")]
async fn dashboard(caller: Caller) -> HttpResponse {
    html(page(
        "Dashboard",
        &format!(
            "<p>Signed in as {}.</p><form method=\"post\" action=\"/logout\">\
             <button>Sign out</button></form>",
            escape(caller.subject())
        ),
    ))
}

#[requires(role = "admin", deny = to_login_page)]
#[get("/admin")]
async fn admin_page(caller: Caller) -> HttpResponse {
    html(page(
        "Admin",
        &format!("<p>Welcome, {}.</p>", escape(caller.subject())),
    ))
}

#[authenticated]
#[get("/api/me")]
async fn api_me(caller: Caller) -> web::Json<Principal> {
    web::Json(caller.identity().clone())
}

#[requires(role = "admin")]
#[get("/api/reports")]
async fn api_reports(caller: Caller) -> web::Json<serde_json::Value> {
    web::Json(serde_json::json!({ "reports": ["q1", "q2"], "for": caller.subject() }))
}

/// HTML-escapes `text`.
fn escape(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '<' => "&lt;".to_owned(),
            '>' => "&gt;".to_owned(),
            '&' => "&amp;".to_owned(),
            '"' => "&quot;".to_owned(),
            '\'' => "&#39;".to_owned(),
            c => c.to_string(),
        })
        .collect()
}
