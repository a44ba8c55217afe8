//! Declarative, HTTP-correct authorization for [actix-web](https://actix.rs) handlers.
//!
//! ```
//! use actix_authz::{AuthzConfig, JwtAuthenticator, requires};
//! use actix_web::{App, get};
//!
//! #[get("/admin")]
//! #[requires(role = "admin")]
//! async fn admin() -> &'static str {
//!     "admin area"
//! }
//!
//! let jwt = JwtAuthenticator::hs256(b"a random secret of 32 bytes or more");
//! let config = AuthzConfig::new("api").authenticator(jwt);
//! let app = App::new().app_data(config).service(admin);
//! # let _ = app;
//! ```
//!
//! A request to `/admin` gets:
//!
//! - **401** with a `WWW-Authenticate` challenge per configured scheme when it carries no valid
//!   identity (no credentials, wrong ones, an expired token);
//! - **403** when the identity is valid but lacks the role;
//! - **400** when it carries several `Authorization` headers, **503** when an authenticator's
//!   backend is down;
//! - the handler's response otherwise.
//!
//! Refusals carry `Cache-Control: no-store` and an RFC 9457 `application/problem+json` body, and
//! never echo a credential. The check runs before any other extractor of the handler, so an
//! anonymous caller learns nothing from a 404 of a bad path parameter or a 400 of a bad body.
//!
//! # Pieces
//!
//! - [`#[authenticated]`](authenticated) and [`#[requires(...)]`](requires) declare what a
//!   handler needs.
//! - [`AuthzConfig`] holds the realm and the [`Authenticator`]s: [`JwtAuthenticator`] (Bearer),
//!   [`BasicAuthenticator`], [`FnAuthenticator`] (your own logic), or your own implementation.
//!   [`attach_identity`] takes an identity from upstream middleware instead.
//! - Every decision is a `tracing` event on the [`DECISION_TARGET`] target (refusals at `info`,
//!   grants at `debug`), and an [`AuditRecord`] for the app's [`AuditSink`], if it has one.
//!   [`AuthzConfig::shadow`] and the attributes' `shadow` option record would-deny decisions
//!   without enforcing them.
//! - [`Identity`] is what requirements ask about; [`Principal`] is a ready implementation, and
//!   [`Caller`] hands it to the handler.
#![warn(missing_docs)]
#![cfg_attr(docsrs, feature(doc_cfg))]

pub mod audit;
mod authenticator;
mod basic;
mod cache;
mod challenge;
mod config;
mod decision;
mod default_deny;
mod denial;
mod error;
mod guard;
#[cfg(feature = "httpauth")]
#[cfg_attr(docsrs, doc(cfg(feature = "httpauth")))]
pub mod httpauth;
mod identity;
#[cfg(feature = "jwks")]
mod jwks;
mod jwt;
#[cfg(feature = "utoipa")]
#[cfg_attr(docsrs, doc(cfg(feature = "utoipa")))]
pub mod openapi;
pub mod registry;
mod requirement;
mod routes;
mod scope;
#[cfg(feature = "test-util")]
#[cfg_attr(docsrs, doc(cfg(feature = "test-util")))]
pub mod test_util;

pub use authenticator::{Authentication, Authenticator, Credentials, FnAuthenticator, Outcome};
pub use basic::{
    BackendUnavailable, BasicAuthenticator, BasicCredentials, MAX_COMPARED_LEN, constant_time_eq,
};
pub use challenge::{Challenge, ChallengeKind, InvalidRealm, Realm};
pub use config::{AuthzConfig, DEFAULT_TIMEOUT, DenialResponder};
pub use decision::{AuditRecord, AuditSink, DECISION_TARGET, Verdict};
pub use default_deny::DefaultDeny;
pub use denial::{CheckOutput, Denial, LoaderOutput};
pub use error::{AuthzError, RefusalKind};
pub use guard::{Caller, CallerFuture, attach_identity};
pub use identity::{Identity, Principal};
#[cfg(feature = "jwks")]
#[cfg_attr(docsrs, doc(cfg(feature = "jwks")))]
pub use jwks::{
    DEFAULT_FETCH_TIMEOUT, DEFAULT_MAX_AGE, DEFAULT_REFRESH_INTERVAL, JwksAuthenticator,
};
pub use jwt::{JwtAuthenticator, JwtConfigError};
pub use requirement::{PermissionVocabulary, Requirement, RoleVocabulary, Term};
pub use scope::Require;

/// Requires an authenticated caller: any valid identity.
///
/// Anonymous callers and callers with invalid credentials get 401 with a challenge; the handler
/// runs for every valid identity. Place it above or below `#[get(...)]`/`#[route(...)]`.
///
/// Options: `realm = "…"` overrides the configured realm in this handler's challenges;
/// `crate = "path"` names this crate when it is re-exported under another path.
///
/// # Example
///
/// ```
/// use actix_authz::{AuthzConfig, Caller, Identity, Principal, authenticated, attach_identity};
/// use actix_web::{App, dev::Service as _, get, test};
///
/// #[get("/me")]
/// #[authenticated]
/// async fn me(caller: Caller) -> String {
///     caller.subject().to_owned()
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let config = AuthzConfig::new("api").challenge_scheme("Session");
/// let app = test::init_service(App::new().app_data(config).service(me)).await;
/// let response = test::call_service(&app, test::TestRequest::get().uri("/me").to_request()).await;
/// assert_eq!(response.status(), 401);
/// let challenge = response.headers().get("www-authenticate").unwrap();
/// assert_eq!(challenge, r#"Session realm="api""#);
/// # });
/// ```
///
/// # What it expands to
///
/// ```text
/// const __authz_rules_me: &Rules = &Rules {
///     requirement: &Requirement::Authenticated,
///     realm: None,
///     options: Options::DEFAULT,
///     checked: false, // no loaders or argument checks
/// };
///
/// #[get("/me")]
/// const me: Protected = {
///     async fn me(caller: Caller) -> String {
///         caller.subject().to_owned()
///     }
///     // Authenticates, decides, extracts the arguments, then runs `me`; a refusal is an error
///     // response.
///     protected(|request| handle::<(Caller,), _>(request, __authz_rules_me, me))
/// };
/// ```
///
/// The registered handler takes the request whole, decides the policy first and only then
/// extracts the handler's own arguments, so no other extractor runs for a refused request. It is
/// a value of the same type for every handler, so actix-web's code that serves a handler is
/// compiled once, not once per handler: 200 protected handlers build in about the time of 200
/// plain ones, or less. The price is one allocation per request, the handler's future, boxed.
/// Your function is kept whole inside it: its name, arguments, patterns, generics, where clause,
/// return type and body, and the attributes written below this one (such as
/// `#[tracing::instrument]`, which therefore sees the original arguments).
/// Route attributes, `doc`, `cfg` and `deprecated` stay on the registered handler, `must_use`
/// on your function; lint levels go on both.
///
/// Written above its route attribute, the attribute steps below it first, keeping the route it
/// declares for [`Require`], [`DefaultDeny`] and the [audit]: the handler is the same constant
/// in either order. A generic handler, and one under `#[routes]`, is registered as a function
/// of the request instead (`fn me(__authz_args: Deferred) -> Running`): the same future, and
/// `#[get]` then expands on that function.
#[cfg(feature = "macros")]
#[doc(inline)]
pub use actix_authz_macros::authenticated;

/// Requires an authenticated caller that satisfies the listed requirements.
///
/// | item | holds when |
/// | --- | --- |
/// | `role = "admin"` | the identity has the role |
/// | `permission = "posts:delete"` | the identity has the permission |
/// | `scope = "articles:read"` | the credentials grant the OAuth scope |
/// | `all(...)` | every item inside holds |
/// | `any(...)` | at least one item inside holds |
/// | `not(...)` | the one item inside does not hold |
///
/// Items nest freely. Several items at the top level, and several `#[requires]` on one handler,
/// must all hold. Every requirement implies `#[authenticated]`: an anonymous caller always gets
/// 401, never 403. A valid identity that fails the check gets 403; for a Bearer token the 403
/// carries `error="insufficient_scope"`, with `scope="…"` listing the needed scopes it lacks.
///
/// Options, at the top level: `realm = "…"` and `crate = "path"`, as for
/// [`#[authenticated]`](authenticated); and `shadow`, which evaluates the requirement and the
/// checks, records a caller they would refuse (a `tracing` event with `shadow = true` and the
/// app's [`AuditSink`]) and lets the request through, to roll out a stricter rule safely. A
/// caller without a valid identity still gets 401: see [`AuthzConfig::shadow`] for why, and
/// for shadow mode across the whole app. `shadow` covers the handler's whole policy, so it is a
/// compile error on one of several attributes of a handler, where it would also switch off the
/// rules of the others.
///
/// ```
/// use actix_authz::requires;
///
/// // Soon admins only; for now, see who would be refused.
/// #[requires(role = "admin", shadow)]
/// #[actix_web::get("/reports")]
/// async fn reports() -> &'static str {
///     "reports"
/// }
/// ```
///
/// Mistakes are compile errors at the offending tokens: an unknown key, an empty `any()` or
/// `all()`, an empty string, a value that is neither a string literal nor (for `role` and
/// `permission`) a vocabulary path such as `Role::Admin`, a scope or realm with
/// characters a header cannot carry, or a handler that is not an `async fn`.
///
/// # Example
///
/// ```
/// use actix_authz::{AuthzConfig, Principal, attach_identity, requires};
/// use actix_web::{App, HttpResponse, delete, dev::Service as _, test, web};
///
/// #[delete("/posts/{id}")]
/// #[requires(role = "editor", any(permission = "posts:delete", role = "admin"))]
/// async fn delete_post(id: web::Path<u32>) -> HttpResponse {
///     let _ = id;
///     HttpResponse::NoContent().finish()
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let app = test::init_service(
///     App::new()
///         .app_data(AuthzConfig::new("api").challenge_scheme("Session"))
///         .wrap_fn(|request, service| {
///             attach_identity(&request, Principal::new("eve").with_roles(["editor"]));
///             service.call(request)
///         })
///         .service(delete_post),
/// )
/// .await;
/// let request = test::TestRequest::delete().uri("/posts/1").to_request();
/// assert_eq!(test::call_service(&app, request).await.status(), 403);
/// # });
/// ```
///
/// # What it expands to
///
/// ```text
/// const __authz_rules_delete_post: &Rules = &Rules {
///     requirement: &Requirement::All(&[
///         Requirement::Role("editor"),
///         Requirement::Any(&[Requirement::Permission("posts:delete"), Requirement::Role("admin")]),
///     ]),
///     realm: None,
///     options: Options::DEFAULT,
///     checked: false,
/// };
///
/// #[delete("/posts/{id}")]
/// const delete_post: Protected = {
///     async fn delete_post(id: web::Path<u32>) -> HttpResponse {
///         let _ = id;
///         HttpResponse::NoContent().finish()
///     }
///     protected(|request| {
///         handle::<(web::Path<u32>,), _>(request, __authz_rules_delete_post, delete_post)
///     })
/// };
/// ```
///
/// With `check = …` or `load(…)`, a marker type implements the checks, which run after the
/// arguments are extracted, before your function is called with the loaded values:
/// `handle_checked::<Marker, (Args…), _, _>(request, |(args…), (loaded…)| delete_post(…))`.
///
/// Several `#[requires]`/`#[authenticated]` on one handler become one policy: the first to
/// expand takes the others' arguments and leaves them an empty marker.
#[cfg(feature = "macros")]
#[doc(inline)]
pub use actix_authz_macros::requires;

/// Marks a handler as open to everyone: it is registered as public for the route audit and is
/// exempt from a scope-level requirement ([`Require`]) and from default-deny ([`DefaultDeny`]).
/// It cannot be combined with `#[requires]` or `#[authenticated]` (a compile error says so).
///
/// It is written above the route attribute, where it records the route: scope-level rules
/// recognise a public handler by its method and path. Below the route attribute, or on a
/// handler registered with `web::resource(...).to(...)`, it would see none: a compile error.
///
/// ```
/// use actix_authz::public;
/// use actix_web::get;
///
/// #[public]
/// #[get("/status")]
/// async fn status() -> &'static str {
///     "up"
/// }
/// ```
#[cfg(feature = "macros")]
#[doc(inline)]
pub use actix_authz_macros::public;

/// Declares typed roles and permissions, with a role hierarchy, for `role = Role::Admin` and
/// `permission = Permission::PostsDelete` in the attributes.
///
/// Inside an inline module, one enum is marked `#[roles]` and at most one `#[permissions]`.
/// On a role, `#[implies(A, B)]` makes it stand in for roles `A` and `B` (and, transitively,
/// for what they imply) and `#[grants(P)]` gives it permission `P`. A variant's name, as
/// identities carry it, is its name in snake case, or `#[name = "..."]`.
///
/// Each enum gets `ALL` (its variants, in order), `name()`, `Display` and `AsRef<str>` (all
/// three give the name identities carry), and whichever of the derives `Debug`, `Clone`,
/// `Copy`, `PartialEq`, `Eq` and `Hash` it does not have yet; so do not implement `Display`
/// for it yourself.
///
/// Everything is checked when the vocabulary compiles: a misspelt variant in `#[implies]` or
/// `#[grants]` is an error with a suggestion, and so is a cycle in the hierarchy. In the
/// attributes, a misspelt `Role::Admn` is rustc's own "no variant named `Admn`" error, with its
/// suggestion. The hierarchy is expanded at compile time: `role = Role::Viewer` becomes "holds
/// `viewer`, `editor` or `admin`", a few string comparisons per request.
///
/// # Example
///
/// ```
/// use actix_authz::{Principal, requires, vocabulary};
/// use actix_web::get;
///
/// #[vocabulary]
/// mod authz {
///     #[roles]
///     pub enum Role {
///         #[implies(Editor)]
///         Admin,
///         #[implies(Viewer)]
///         #[grants(PostsDelete)]
///         Editor,
///         Viewer,
///     }
///
///     #[permissions]
///     pub enum Permission {
///         #[name = "posts:delete"]
///         PostsDelete,
///     }
/// }
/// use authz::{Permission, Role};
///
/// #[get("/posts")]
/// #[requires(role = Role::Viewer)]
/// async fn posts() -> &'static str {
///     "posts"
/// }
///
/// assert_eq!(Role::Admin.name(), "admin");
/// assert_eq!(Permission::PostsDelete.name(), "posts:delete");
/// # use actix_authz::{PermissionVocabulary, Requirement, RoleVocabulary};
/// let admin = Principal::new("a").with_roles([Role::Admin.name()]);
/// let viewer = &<Role as RoleVocabulary>::TERMS[Role::Viewer as usize];
/// assert!(Requirement::TypedRole(viewer).is_satisfied_by(&admin));
/// let delete = &<Permission as PermissionVocabulary>::TERMS[Permission::PostsDelete as usize];
/// assert!(Requirement::TypedPermission(delete).is_satisfied_by(&admin));
/// ```
#[cfg(feature = "macros")]
#[doc(inline)]
pub use actix_authz_macros::vocabulary;

/// What the attributes' expansion names. Not public API: it changes without notice.
#[doc(hidden)]
pub mod __private {
    pub use crate::guard::{
        CheckFailure, Checks, Deferred, Options, Protected, Rules, Running, Verdicts, handle,
        handle_checked, protected,
    };
    pub use crate::registry::{DeclaredRoute, Protection, RouteEntry};
    pub use crate::requirement::Requirement;
    pub use crate::{CheckOutput, Identity, LoaderOutput, PermissionVocabulary, RoleVocabulary};
    pub use ::core::future::Future;
    pub use ::core::marker::PhantomData;
    pub use ::core::option::Option::{self, None, Some};
    pub use ::core::result::Result::{self, Ok};
    pub use ::inventory;
}
