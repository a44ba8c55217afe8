//! A test kit (feature `test-util`): requests with an identity and no token, and one assertion
//! that the app enforces what its attributes declare.
//!
//! - [`TestRequestExt`] gives `actix_web::test::TestRequest` an identity in one call:
//!   `.with_roles(["admin"])`, `.with_identity(principal)`. The identity is attached the way
//!   [`attach_identity`] does, so no authenticator runs and no secret or token is needed; the
//!   app still needs its [`AuthzConfig`](crate::AuthzConfig).
//! - [`assert_enforced`] sends, to each handler you name, an anonymous request (401 expected),
//!   one as an identity that lacks the requirement (403, or the hidden 404), and one as an
//!   identity that holds exactly what the requirement asks (neither 401 nor 403).
//!   [`assert_routes_enforced`] does the same for every route of the app's
//!   [route audit](crate::audit), scope rules included.
//!
//! Enable it for tests only:
//!
//! ```toml
//! [dev-dependencies]
//! actix-authz = { version = "0.1", features = ["test-util"] }
//! ```

use std::fmt;

use actix_http::Request;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};

use crate::registry::{self, Protection, RouteEntry};
use crate::{Identity, Principal, Requirement, attach_identity};

/// Gives an `actix_web::test::TestRequest` an identity, without a token.
///
/// ```
/// use actix_authz::test_util::TestRequestExt as _;
/// use actix_authz::{AuthzConfig, Principal, requires};
/// use actix_web::{App, get, test};
///
/// #[get("/admin")]
/// #[requires(role = "admin")]
/// async fn admin() -> &'static str {
///     "admin area"
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let app = test::init_service(App::new().app_data(AuthzConfig::new("api")).service(admin)).await;
///
/// let request = test::TestRequest::get().uri("/admin").with_roles(["admin"]).to_request();
/// assert_eq!(test::call_service(&app, request).await.status(), 200);
///
/// let editor = Principal::new("ed").with_roles(["editor"]);
/// let request = test::TestRequest::get().uri("/admin").with_identity(editor).to_request();
/// assert_eq!(test::call_service(&app, request).await.status(), 403);
/// # });
/// ```
pub trait TestRequestExt {
    /// The request, as `identity`.
    fn with_identity(self, identity: impl Identity) -> IdentifiedRequest;

    /// The request, as a [`Principal`] named `test-user` holding `roles`.
    fn with_roles<S: Into<String>>(self, roles: impl IntoIterator<Item = S>) -> IdentifiedRequest;

    /// The request, as a [`Principal`] named `test-user` holding `permissions`.
    fn with_permissions<S: Into<String>>(
        self,
        permissions: impl IntoIterator<Item = S>,
    ) -> IdentifiedRequest;

    /// The request, as a [`Principal`] named `test-user` granted the OAuth `scopes`.
    fn with_scopes<S: Into<String>>(self, scopes: impl IntoIterator<Item = S>)
    -> IdentifiedRequest;
}

/// The subject of the identities [`TestRequestExt`] makes from roles, permissions or scopes.
pub const TEST_SUBJECT: &str = "test-user";

impl TestRequestExt for TestRequest {
    fn with_identity(self, identity: impl Identity) -> IdentifiedRequest {
        IdentifiedRequest {
            request: self,
            attach: Box::new(move |request| attach_identity(request, identity)),
        }
    }

    fn with_roles<S: Into<String>>(self, roles: impl IntoIterator<Item = S>) -> IdentifiedRequest {
        self.with_identity(Principal::new(TEST_SUBJECT).with_roles(roles))
    }

    fn with_permissions<S: Into<String>>(
        self,
        permissions: impl IntoIterator<Item = S>,
    ) -> IdentifiedRequest {
        self.with_identity(Principal::new(TEST_SUBJECT).with_permissions(permissions))
    }

    fn with_scopes<S: Into<String>>(
        self,
        scopes: impl IntoIterator<Item = S>,
    ) -> IdentifiedRequest {
        self.with_identity(Principal::new(TEST_SUBJECT).with_scopes(scopes))
    }
}

/// A `TestRequest` and the identity it carries; finish it like a `TestRequest`, with
/// [`to_request`](Self::to_request) (for `test::call_service`) or
/// [`send`](Self::send).
pub struct IdentifiedRequest {
    request: TestRequest,
    attach: Box<dyn FnOnce(&Request)>,
}

impl IdentifiedRequest {
    /// Changes the underlying `TestRequest` (a header, a body) and keeps the identity.
    ///
    /// ```
    /// use actix_authz::test_util::TestRequestExt as _;
    /// use actix_web::test::TestRequest;
    ///
    /// let request = TestRequest::post()
    ///     .uri("/articles")
    ///     .with_scopes(["articles:write"])
    ///     .map(|request| request.set_json(serde_json::json!({ "title": "Hello" })))
    ///     .to_request();
    /// assert_eq!(request.method(), "POST");
    /// ```
    #[must_use]
    pub fn map(mut self, change: impl FnOnce(TestRequest) -> TestRequest) -> Self {
        self.request = change(self.request);
        self
    }

    /// The request, ready for `actix_web::test::call_service`.
    pub fn to_request(self) -> Request {
        let request = self.request.to_request();
        (self.attach)(&request);
        request
    }

    /// Calls `app` with the request.
    pub async fn send<S, B>(self, app: &S) -> ServiceResponse<B>
    where
        S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    {
        test::call_service(app, self.to_request()).await
    }
}

impl fmt::Debug for IdentifiedRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IdentifiedRequest").finish_non_exhaustive()
    }
}

/// One handler for [`assert_enforced`], by the name of its function, with what is needed to
/// call it when the defaults do not fit.
///
/// By default the request uses the handler's declared method and path (from the registry: the
/// attribute must be written above the route attribute, or give [`uri`](Self::uri) and
/// [`method`](Self::method)), each path parameter set to `1`; the identity that should pass
/// holds exactly the roles, permissions and scopes the requirement names (the first alternative
/// of each `any(...)`), and the one that should fail holds nothing (add one the handler's
/// checks or `not(...)` refuse with [`refused`](Self::refused)).
#[derive(Debug)]
pub struct Probe {
    handler: &'static str,
    method: Option<Method>,
    uri: Option<String>,
    prepare: Option<fn(TestRequest) -> TestRequest>,
    allowed: Option<Principal>,
    refused: Vec<Principal>,
}

impl Probe {
    /// The handler whose function is named `handler` (`admin`), or `module::handler` when
    /// several handlers share the name.
    pub fn handler(handler: &'static str) -> Self {
        Self {
            handler,
            method: None,
            uri: None,
            prepare: None,
            allowed: None,
            refused: Vec::new(),
        }
    }

    /// The URI to call instead of the declared path with each parameter set to `1`.
    #[must_use]
    pub fn uri(mut self, uri: impl Into<String>) -> Self {
        self.uri = Some(uri.into());
        self
    }

    /// The method to use instead of the declared one.
    #[must_use]
    pub fn method(mut self, method: Method) -> Self {
        self.method = Some(method);
        self
    }

    /// Completes each request (a body, a header), e.g. `|r| r.set_json(json!({"title": "t"}))`.
    #[must_use]
    pub fn prepare(mut self, prepare: fn(TestRequest) -> TestRequest) -> Self {
        self.prepare = Some(prepare);
        self
    }

    /// The identity that must be let through, instead of the one derived from the requirement
    /// (for handlers whose checks look at more than roles).
    #[must_use]
    pub fn allowed(mut self, identity: Principal) -> Self {
        self.allowed = Some(identity);
        self
    }

    /// An identity that must be refused, besides the one with no roles that the requirement
    /// refuses; call it once per identity. Required, as the kit cannot make them up:
    ///
    /// - for a handler with checks (`check = …`), one that holds the requirement (and the
    ///   rules of its scopes), so that the checks are what refuse it;
    /// - for a requirement with a `not(...)`, one that the `not(...)` alone refuses (it holds
    ///   the rest of the requirement).
    #[must_use]
    pub fn refused(mut self, identity: Principal) -> Self {
        self.refused.push(identity);
        self
    }

    fn entry(&self) -> &'static RouteEntry {
        let (module, name) = match self.handler.rsplit_once("::") {
            Some((module, name)) => (Some(module), name),
            None => (None, self.handler),
        };
        let mut found = registry::entries().filter(|entry| {
            entry.handler() == name
                && module.is_none_or(|module| {
                    entry.module() == module || entry.module().ends_with(&format!("::{module}"))
                })
        });
        match (found.next(), found.next()) {
            (Some(entry), None) => entry,
            (None, _) => panic!(
                "no handler `{}` carries an actix-authz attribute in this program",
                self.handler
            ),
            (Some(first), Some(second)) => panic!(
                "several handlers are named `{}` ({first}, {second}, ...): name one as \
                 `module::handler`",
                self.handler
            ),
        }
    }

    fn request(&self, entry: &RouteEntry) -> TestRequest {
        let route = entry.route();
        let method = self
            .method
            .clone()
            .or_else(|| route.and_then(|route| route.methods().first()?.parse().ok()))
            .unwrap_or(Method::GET);
        let uri = match (&self.uri, route) {
            (Some(uri), _) => uri.clone(),
            (None, Some(route)) => with_parameters(route.path()),
            (None, None) => panic!(
                "the route of `{entry}` is unknown: write its actix-authz attribute above the \
                 route attribute, or give the probe a `.uri(...)`"
            ),
        };
        let request = TestRequest::default().method(method).uri(&uri);
        match self.prepare {
            Some(prepare) => prepare(request),
            None => request,
        }
    }
}

/// `/posts/{id}/{rest:.*}` with every parameter set to `1`.
fn with_parameters(pattern: &str) -> String {
    let mut uri = String::with_capacity(pattern.len());
    let mut depth = 0usize;
    for c in pattern.chars() {
        match c {
            '{' => {
                if depth == 0 {
                    uri.push('1');
                }
                depth += 1;
            }
            '}' => depth = depth.saturating_sub(1),
            _ if depth == 0 => uri.push(c),
            _ => {}
        }
    }
    uri
}

/// An identity holding what `requirement` names: every item of an `all(...)`, the first
/// alternative of an `any(...)`, nothing for a `not(...)`.
fn holder_of(requirement: &Requirement, principal: Principal) -> Principal {
    match requirement {
        Requirement::Authenticated | Requirement::Not(_) => principal,
        Requirement::Role(role) => principal.with_roles([*role]),
        Requirement::TypedRole(term) => principal.with_roles([term.name()]),
        Requirement::Permission(permission) => principal.with_permissions([*permission]),
        Requirement::TypedPermission(term) => principal.with_permissions([term.name()]),
        Requirement::Scope(scope) => principal.with_scopes([*scope]),
        Requirement::All(all) => all.iter().fold(principal, |p, item| holder_of(item, p)),
        Requirement::Any(any) => match any.first() {
            Some(first) => holder_of(first, principal),
            None => principal,
        },
    }
}

/// Asserts that `app` enforces what the attributes of each probed handler declare:
///
/// | caller | expected |
/// | --- | --- |
/// | anonymous | 401 with a `WWW-Authenticate` challenge (for `#[public]`: neither 401 nor 403) |
/// | an identity without the requirement | 403, or 404 for a handler with `hide` |
/// | each [`refused`](Probe::refused) identity (required with checks or `not(...)`) | 403, or 404 for a handler with `hide` |
/// | an identity holding exactly what the requirement names | neither 401 nor 403, nor 404: any other status (an extractor's 400 too) shows it was let through |
///
/// A handler in shadow mode (`shadow`) is checked as declared: the callers it would refuse are
/// let through. It panics with the handler, the caller and the status at the first difference.
///
/// This function sees no scope rules: for handlers in scopes with [`Require`](crate::Require)
/// rules, use [`assert_routes_enforced`], which learns them from the route audit.
///
/// ```
/// use actix_authz::test_util::{Probe, assert_enforced};
/// use actix_authz::{AuthzConfig, JwtAuthenticator, public, requires};
/// use actix_web::{App, HttpResponse, delete, get, test, web};
///
/// #[requires(role = "editor", permission = "posts:delete")]
/// #[delete("/posts/{id}")]
/// async fn remove_post(id: web::Path<u32>) -> HttpResponse {
///     let _ = id;
///     HttpResponse::NoContent().finish()
/// }
///
/// #[public]
/// #[get("/health")]
/// async fn liveness() -> &'static str {
///     "ok"
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let config = AuthzConfig::new("api").authenticator(JwtAuthenticator::hs256(b"unused"));
/// let app = test::init_service(App::new().app_data(config).service(remove_post).service(liveness))
///     .await;
/// assert_enforced(&app, [Probe::handler("remove_post"), Probe::handler("liveness")]).await;
/// # });
/// ```
pub async fn assert_enforced<S, B>(app: &S, probes: impl IntoIterator<Item = Probe>)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    for probe in probes {
        let entry = probe.entry();
        let protection = match entry.protection() {
            Protection::Public => None,
            Protection::Protected {
                requirement,
                hidden,
                checks,
                shadow,
            } => Some(Guarded {
                requirements: vec![requirement],
                scoped: 0,
                scopes_known: true,
                hidden,
                checks,
                shadow,
            }),
        };
        let route = Route {
            label: entry.to_string(),
            request: &|| probe.request(entry),
            protection,
        };
        check_route(app, &route, &probe).await;
    }
}

/// Asserts what [`assert_enforced`] asserts for **every route** of the app that `configure`
/// sets up, as its [route audit](crate::audit) lists them, scopes and their
/// [`Require`](crate::Require) rules included: each rule, the scopes' then the handler's, is
/// made to refuse an identity that holds the rules before it; an allowed identity holds them
/// all; a caller refused by a scope rule gets its 403 even from a hidden handler. Where the
/// audit could not learn a scope's rules (`?`), the kit cannot tell the scope's refusals from the
/// handler's, and accepts either.
/// A route the audit cannot classify fails the assertion, as
/// [`audit::assert_every_route_classified`](crate::audit::assert_every_route_classified) does.
///
/// `probes` adjust the routes of the handlers they name (a body, a URI with a real id, the
/// identities to use); the others are called with their declared method and each path
/// parameter set to `1`.
///
/// ```
/// use actix_authz::test_util::{Probe, assert_routes_enforced};
/// use actix_authz::{AuthzConfig, JwtAuthenticator, Require, Requirement, public, requires};
/// use actix_web::{App, get, post, test, web};
///
/// const STAFF: Requirement = Requirement::Role("staff");
///
/// #[public]
/// #[get("/ping")]
/// async fn ping() -> &'static str {
///     "pong"
/// }
///
/// #[requires(permission = "tickets:read")]
/// #[get("/tickets/{ticket}")]
/// async fn show_ticket(id: web::Path<u32>) -> String {
///     format!("ticket {id}")
/// }
///
/// #[requires(permission = "tickets:close")]
/// #[post("/tickets/{ticket}/close")]
/// async fn close_ticket(id: web::Path<u32>, reason: String) -> String {
///     format!("{id} closed: {reason}")
/// }
///
/// fn routes(config: &mut web::ServiceConfig) {
///     config.service(ping).service(
///         web::scope("/desk")
///             .wrap(Require::new(&STAFF))
///             .service(show_ticket)
///             .service(close_ticket),
///     );
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let config = AuthzConfig::new("api").authenticator(JwtAuthenticator::hs256(b"unused"));
/// let app = test::init_service(App::new().app_data(config).configure(routes)).await;
/// let close = Probe::handler("close_ticket").prepare(|request| request.set_payload("done"));
/// assert_routes_enforced(&app, routes, [close]).await;
/// # });
/// ```
///
/// The audit learns a scope's rules from a `GET` probe through it: in a scope with no `GET`
/// route, give the probes of its routes an `.allowed(...)` identity that passes the rules.
pub async fn assert_routes_enforced<S, B, F>(
    app: &S,
    configure: F,
    probes: impl IntoIterator<Item = Probe>,
) where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    F: FnOnce(&mut actix_web::web::ServiceConfig) + 'static,
{
    use crate::audit::{self, Access};

    let matrix = match audit::matrix(configure).await {
        Ok(matrix) => matrix,
        Err(error) => panic!("cannot audit the app: {error}"),
    };
    let probes: Vec<Probe> = probes.into_iter().collect();
    for probe in &probes {
        let named = matrix.rows().iter().any(|row| {
            row.handler.as_deref().is_some_and(|handler| {
                handler == probe.handler || handler.ends_with(&format!("::{}", probe.handler))
            })
        });
        assert!(
            named,
            "the probe for `{}` matches no route of the app: is its name right, and is it \
             registered?",
            probe.handler
        );
    }
    for row in matrix.rows() {
        let label = row.handler.clone().unwrap_or_else(|| row.path.clone());
        let probe = row.handler.as_deref().and_then(|handler| {
            probes.iter().find(|probe| {
                handler == probe.handler || handler.ends_with(&format!("::{}", probe.handler))
            })
        });
        let default_probe;
        let probe = match probe {
            Some(probe) => probe,
            None => {
                default_probe = Probe::handler("");
                &default_probe
            }
        };
        let protection = match row.access {
            Access::Public => None,
            Access::Protected {
                requirement,
                hidden,
                checks,
                shadow,
            } => {
                let rules: Vec<&'static Requirement> = match &row.scope_rules {
                    Some(rules) => rules.iter().map(|rule| rule.requirement).collect(),
                    None => {
                        assert!(
                            probe.allowed.is_some(),
                            "the audit could not learn the scope rules around `{label}` (no \
                             GET route in its scope): give its probe an `.allowed(...)` identity"
                        );
                        Vec::new()
                    }
                };
                let scoped = rules.len();
                let mut requirements = rules;
                requirements.push(requirement);
                Some(Guarded {
                    requirements,
                    scoped,
                    scopes_known: row.scope_rules.is_some(),
                    hidden,
                    checks,
                    shadow,
                })
            }
            Access::Unauditable(why) => panic!(
                "the route `{}` cannot be audited, so its rules are unknown: {why}",
                row.path
            ),
            Access::Unannotated => panic!(
                "the route `{}` is not classified: its handler has no attribute; mark it \
                 `#[public]` or protect it",
                row.path
            ),
        };
        // A route whose methods the audit does not know is called with GET.
        let methods = if row.methods.is_empty() {
            &["GET"][..]
        } else {
            &row.methods[..]
        };
        for method in methods {
            let method: Method = method.parse().expect("an upper-case method");
            let request = || {
                let request = TestRequest::default()
                    .method(probe.method.clone().unwrap_or_else(|| method.clone()))
                    .uri(
                        &probe
                            .uri
                            .clone()
                            .unwrap_or_else(|| with_parameters(&row.path)),
                    );
                match probe.prepare {
                    Some(prepare) => prepare(request),
                    None => request,
                }
            };
            let route = Route {
                label: format!("{method} {} ({label})", row.path),
                request: &request,
                protection: protection.clone(),
            };
            check_route(app, &route, probe).await;
        }
    }
}

/// One route to check: how to call it, and what protects it (`None`: public).
struct Route<'a> {
    label: String,
    request: &'a dyn Fn() -> TestRequest,
    protection: Option<Guarded>,
}

/// What protects a route.
#[derive(Clone)]
struct Guarded {
    /// All must hold, in the order they decide; the first `scoped` are scope rules, the last
    /// the handler's.
    requirements: Vec<&'static Requirement>,
    scoped: usize,
    /// Whether the scope rules are all known (the audit learned them); a scope rule the kit
    /// cannot see may refuse a caller before the handler does.
    scopes_known: bool,
    /// Whether the handler hides denials (404).
    hidden: bool,
    /// Its argument-aware checks, as written.
    checks: &'static [&'static str],
    /// Whether the handler is in shadow mode: its refusals are only recorded.
    shadow: bool,
}

async fn check_route<S, B>(app: &S, route: &Route<'_>, probe: &Probe)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
{
    let label = &route.label;
    let anonymous = test::call_service(app, (route.request)().to_request()).await;
    let Some(Guarded {
        requirements,
        scoped,
        scopes_known,
        hidden,
        checks,
        shadow,
    }) = &route.protection
    else {
        assert!(
            probe.refused.is_empty() && probe.allowed.is_none(),
            "`{label}` is public: it refuses nobody, so its probe's `.refused(...)` and \
             `.allowed(...)` would test nothing"
        );
        let status = anonymous.status();
        assert!(
            !is_refusal(status, false) && status != StatusCode::NOT_FOUND,
            "`{label}` is public, but an anonymous caller got {status} (for a 404: is the \
             handler mounted at that path, and does what it names exist? `.uri(...)` gives \
             the probe another)"
        );
        return;
    };
    let all = |identity: &Principal| requirements.iter().all(|r| r.is_satisfied_by(identity));
    let shown: Vec<String> = requirements.iter().map(ToString::to_string).collect();
    let shown = shown.join(" + ");
    assert_eq!(
        anonymous.status(),
        StatusCode::UNAUTHORIZED,
        "an anonymous caller of `{label}`"
    );
    assert!(
        anonymous
            .headers()
            .contains_key(actix_web::http::header::WWW_AUTHENTICATE),
        "the 401 of `{label}` has no WWW-Authenticate challenge: configure an authenticator \
         that has one, or name the scheme of attached identities with \
         `AuthzConfig::challenge_scheme`"
    );

    // Each rule that can refuse a caller is made to: each requirement, by an identity that
    // holds those deciding before it (the scopes' rules, then the handler's) and not it; a
    // `not(...)`, by an identity it refuses; the checks, by an identity that holds every
    // requirement. The kit can make up only the first; the others are given.
    let refuse = |identity: Principal, context: String| async move {
        let by_scope = requirements[..*scoped]
            .iter()
            .any(|rule| !rule.is_satisfied_by(&identity));
        let status = (route.request)()
            .with_identity(identity)
            .send(app)
            .await
            .status();
        let expected: &[StatusCode] = match (by_scope, *shadow, *hidden, *scopes_known) {
            (true, ..) => &[StatusCode::FORBIDDEN],
            // Only recorded: let through, unless an unseen scope rule refuses it.
            (false, true, _, true) => {
                assert!(
                    !is_refusal(status, *hidden),
                    "{context}: in shadow mode, it is let through; got {status}"
                );
                return;
            }
            (false, true, _, false) => return,
            (false, false, true, true) => &[StatusCode::NOT_FOUND],
            // An unseen scope rule may refuse it first, with 403.
            (false, false, true, false) => &[StatusCode::FORBIDDEN, StatusCode::NOT_FOUND],
            (false, false, false, _) => &[StatusCode::FORBIDDEN],
        };
        assert!(
            expected.contains(&status),
            "{context}: expected {expected:?}, got {status}"
        );
    };
    let mut holder = Principal::new(TEST_SUBJECT);
    for (index, rule) in requirements.iter().enumerate() {
        // Only an identity the rules before it let through reaches the rule.
        let reaches = requirements[..index]
            .iter()
            .all(|earlier| earlier.is_satisfied_by(&holder));
        if reaches && !rule.is_satisfied_by(&holder) {
            let context = format!("{holder:?}, without `{rule}`, calling `{label}`");
            refuse(holder.clone(), context).await;
        }
        holder = holder_of(rule, holder);
    }
    let checked = checks.join(", ");
    for refused in &probe.refused {
        let context = if all(refused) {
            assert!(
                !checks.is_empty(),
                "the identity given to `.refused(...)` satisfies `{shown}` of `{label}`, which \
                 has no checks to refuse it: {refused:?}"
            );
            format!("{refused:?}, which `{checked}` of `{label}` must refuse")
        } else {
            format!("{refused:?}, which lacks `{shown}`, calling `{label}`")
        };
        refuse(refused.clone(), context).await;
    }
    if !checks.is_empty() {
        assert!(
            probe.refused.iter().any(all),
            "`{label}` refuses callers by its checks (`{checked}`), which the kit cannot \
             satisfy or fail by itself: give its probe an identity they refuse with \
             `.refused(...)`, one that holds `{shown}` so that the checks are what refuse it"
        );
    }
    for (index, rule) in requirements.iter().enumerate() {
        if !rule.has_negation() {
            continue;
        }
        // Let through by the rules deciding before this one, and refused by its `not(...)`.
        let refused_by_negation = |identity: &Principal| {
            requirements[..index]
                .iter()
                .all(|earlier| earlier.is_satisfied_by(identity))
                && rule.is_satisfied_ignoring_negations(identity)
                && !rule.is_satisfied_by(identity)
        };
        assert!(
            probe.refused.iter().any(refused_by_negation),
            "`{label}` requires `{rule}`, whose `not(...)` the kit cannot fail by itself: give \
             its probe, with `.refused(...)`, an identity that holds the rules deciding before \
             it and that the `not(...)` refuses (a `not(...)` that a scope rule's own makes \
             unreachable refuses nobody: drop it)"
        );
    }

    // By now the holder holds what every requirement names.
    let allowed = probe.allowed.clone().unwrap_or(holder);
    assert!(
        all(&allowed),
        "cannot derive an identity that satisfies `{shown}` of `{label}`: give the probe one \
         with `.allowed(...)`"
    );
    let response = (route.request)()
        .with_identity(allowed.clone())
        .send(app)
        .await;
    let status = response.status();
    assert!(
        !is_refusal(status, *hidden),
        "`{label}` refused {allowed:?}, which satisfies `{shown}`: {status}"
    );
    // A 404 here is no answer of the handler's rules: the request did not reach it, or what it
    // names does not exist. Either way the probe proved nothing about the handler.
    assert_ne!(
        status,
        StatusCode::NOT_FOUND,
        "`{label}` answered 404 to {allowed:?}, which it should let through: is the handler \
         mounted at that path? If it is and the resource does not exist, give the probe the \
         `.uri(...)` of one that does"
    );
}

fn is_refusal(status: StatusCode, hidden: bool) -> bool {
    status == StatusCode::UNAUTHORIZED
        || status == StatusCode::FORBIDDEN
        || (hidden && status == StatusCode::NOT_FOUND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_become_ones() {
        assert_eq!(with_parameters("/posts/{id}"), "/posts/1");
        assert_eq!(with_parameters("/a/{x:[0-9]{2}}/b/{y}"), "/a/1/b/1");
        assert_eq!(with_parameters("/plain"), "/plain");
    }

    #[test]
    fn the_holder_satisfies_conjunctions_and_first_alternatives() {
        const R: Requirement = Requirement::All(&[
            Requirement::Role("editor"),
            Requirement::Any(&[Requirement::Permission("p"), Requirement::Role("admin")]),
            Requirement::Not(&Requirement::Role("banned")),
            Requirement::Scope("s"),
        ]);
        let holder = holder_of(&R, Principal::new("x"));
        assert!(R.is_satisfied_by(&holder));
        assert_eq!(holder.roles(), ["editor"]);
        assert_eq!(holder.permissions(), ["p"]);
        assert_eq!(holder.scopes(), ["s"]);
    }
}
