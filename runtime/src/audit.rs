//! The authorization matrix of an app: every route, and what protects it.
//!
//! [`matrix`] builds the app from its configuration function (the one you pass to
//! `App::configure`), without serving it and without running any handler, and lists each of its
//! resources in routing order with the methods, the full path (scopes included), the access its
//! handler declares (`#[public]`, or `#[authenticated]`/`#[requires(...)]` with the
//! requirement, whether a denial is hidden as 404, its argument-aware checks, and whether it is
//! in `shadow` mode, where none of it is enforced), and the rules of the
//! [`Require`](crate::Require) middleware of its scopes, which apply on top.
//! [`Matrix::to_markdown`] and [`Matrix::to_json`] render it; [`assert_every_route_classified`]
//! fails a test when a route is neither protected nor public.
//!
//! ```rust,standalone_crate
//! use actix_authz::{audit, authenticated, public};
//! use actix_web::{get, web};
//!
//! #[public]
//! #[get("/health")]
//! async fn health() -> &'static str {
//!     "ok"
//! }
//!
//! #[authenticated]
//! #[get("/me")]
//! async fn me() -> &'static str {
//!     "me"
//! }
//!
//! fn routes(config: &mut web::ServiceConfig) {
//!     config.service(health).service(me);
//! }
//!
//! # actix_web::rt::System::new().block_on(async {
//! let matrix = audit::matrix(routes).await.unwrap();
//! assert_eq!(
//!     matrix.to_markdown(),
//!     "\
//! | method | path | access | requirement | scope rules | hidden | checks | handler |
//! | --- | --- | --- | --- | --- | --- | --- | --- |
//! | `GET` | `/health` | public |  |  |  |  | `rust_out::health` |
//! | `GET` | `/me` | protected | `authenticated` |  | no |  | `rust_out::me` |
//! "
//! );
//! audit::assert_every_route_classified(routes).await;
//! # });
//! ```
//!
//! # What it can and cannot see
//!
//! - **Every resource of the app is listed**, including those of handlers without any attribute
//!   and services such as a static file server. actix-web has no API that lists an app's
//!   routes, so the list is read from the `Debug` output of the app's resource map, strictly:
//!   if a future actix-web writes it differently, [`matrix`] returns an error instead of a
//!   partial list. Only the audit reads it; request handling never does.
//! - A resource is attributed to an annotated handler only when the attribute is written
//!   **above** the route attribute (`#[public]` then `#[get(...)]`), so that it knows its
//!   route, and when the handler's function name (the resource name actix-web gives it) is not
//!   shared with another annotated handler. A handler whose attribute is below the route
//!   attribute is shown as [unauditable](Access::Unauditable); one registered with
//!   `web::resource(...).to(handler)` has no name to recognise it by and is shown as
//!   [unannotated](Access::Unannotated).
//! - The methods are those the route attribute declares; a resource of no annotated handler
//!   shows none (its guards cannot be read).
//! - **Scope rules** are middleware, which the resource map does not show. To find them, the
//!   audit sends one anonymous `GET` (or `HEAD`) probe request through each scope of the app, to
//!   a protected handler inside it whose resource is the first to match its path: every [`Require`](crate::Require) on the way
//!   records its rule and lets the probe pass undecided (only this crate can mark a request as
//!   a probe), and the handler's own guard refuses it with 401, without authenticating it (even
//!   a scope's own configuration or a middleware attaching an identity cannot let it through),
//!   before any of the handler's extractors, loaders, checks or body run, or any audit sink or
//!   denial responder. Other middleware of the app's scopes does see these probes. The rules of
//!   a scope are known once a probe has reached a handler's guard through it; a row inside a
//!   scope no probe passed through shows `?`. Public rows show none: `Require` exempts them.
//! - Middleware wrapped around the whole `App` (an app-level `Require`,
//!   [`DefaultDeny`](crate::DefaultDeny)) is outside the configuration function and is not
//!   shown; nor is the app's `default_service`, which is not a route.
//! - An unannotated handler with the same function name and path as an annotated one elsewhere
//!   in the program, which the app does not register, cannot be told from it (actix-web knows
//!   resources by name and pattern): it would be shown as that handler, and inside a scope the
//!   probe below could reach it. Give unannotated handlers names of their own.

pub(crate) mod resources;

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::fmt::{self, Write as _};
use std::rc::Rc;

use actix_web::dev::Service as _;
use actix_web::http::Method;
use actix_web::{App, HttpMessage as _, HttpRequest, HttpResponse, test, web};
use futures_util::future::Either;
use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::registry::{self, Protection, RouteEntry};
use crate::routes::{RouteTable, Unplaceable, instantiate};
use crate::{AuthzConfig, Requirement};
use resources::Resource;

/// The routes of an app and what protects each.
///
/// ```rust,standalone_crate
/// use actix_authz::audit::{self, Access};
/// use actix_authz::requires;
/// use actix_web::{get, web};
///
/// #[requires(role = "admin")]
/// #[get("/admin")]
/// async fn admin() -> &'static str {
///     "admin"
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let matrix = audit::matrix(|config: &mut web::ServiceConfig| {
///     config.service(web::scope("/api").service(admin));
/// })
/// .await
/// .unwrap();
/// let row = &matrix.rows()[0];
/// assert_eq!((row.methods.as_slice(), row.path.as_str()), (&["GET"][..], "/api/admin"));
/// assert!(matches!(row.access, Access::Protected { hidden: false, .. }));
/// assert_eq!(matrix.unclassified().count(), 0);
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Matrix {
    rows: Vec<Row>,
}

/// One route of a [`Matrix`].
///
/// ```rust,standalone_crate
/// use actix_authz::audit::{self, Access};
/// use actix_web::web;
///
/// # actix_web::rt::System::new().block_on(async {
/// let matrix = audit::matrix(|config: &mut web::ServiceConfig| {
///     config.service(web::resource("/legacy").to(|| async { "no attribute" }));
/// })
/// .await
/// .unwrap();
/// let row = &matrix.rows()[0];
/// assert_eq!(row.path, "/legacy");
/// assert!(row.methods.is_empty() && row.handler.is_none());
/// assert_eq!(row.access, Access::Unannotated);
/// assert!(!row.is_classified());
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Row {
    /// The methods the handler's route attribute declares, upper-case; empty when unknown.
    pub methods: Vec<&'static str>,
    /// The full path pattern, scopes included (`/staff/status`, `/posts/{id}`).
    pub path: String,
    /// The resource's name, if it has one (route attributes name it after the function).
    pub resource: Option<String>,
    /// The annotated handler, as `module::function`, when one is recognised.
    pub handler: Option<String>,
    /// What protects the route.
    pub access: Access,
    /// The rules of the [`Require`](crate::Require) middleware of the route's scopes, outermost
    /// first, which apply on top of the handler's own; empty for a public route (exempt from
    /// them); `None` when no probe could pass through its scopes (see the
    /// [module docs](self)).
    pub scope_rules: Option<Vec<ScopeRule>>,
}

/// The rule of a [`Require`](crate::Require) around a scope.
///
/// ```rust,standalone_crate
/// use actix_authz::{Require, Requirement, audit, authenticated};
/// use actix_web::{get, web};
///
/// const STAFF: Requirement = Requirement::Role("staff");
///
/// #[authenticated]
/// #[get("/desk")]
/// async fn desk() -> &'static str {
///     "desk"
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let matrix = audit::matrix(|config: &mut web::ServiceConfig| {
///     config.service(web::scope("/office").wrap(Require::new(&STAFF)).service(desk));
/// })
/// .await
/// .unwrap();
/// let rules = matrix.rows()[0].scope_rules.as_deref().unwrap();
/// assert_eq!((rules[0].scope.as_str(), rules[0].requirement), ("/office", &STAFF));
/// assert_eq!(rules[0].realm, None);
/// # });
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScopeRule {
    /// The full pattern of the scope it wraps.
    pub scope: String,
    /// Its requirement.
    pub requirement: &'static Requirement,
    /// The realm it overrides the configured one with, if any.
    pub realm: Option<String>,
}

/// What protects a route, as far as the audit can tell.
///
/// ```
/// use actix_authz::Requirement;
/// use actix_authz::audit::Access;
///
/// const ADMIN: Requirement = Requirement::Role("admin");
/// let access = Access::Protected { requirement: &ADMIN, hidden: false, checks: &[], shadow: false };
/// assert_eq!(access.label(), "protected");
/// assert!(access.is_classified());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Access {
    /// `#[public]`.
    Public,
    /// `#[authenticated]` or `#[requires(...)]`.
    Protected {
        /// The handler's requirement (all its attributes together).
        requirement: &'static Requirement,
        /// Whether a denied caller gets the hidden 404 (`hide`) instead of 403.
        hidden: bool,
        /// The argument-aware checks, as written.
        checks: &'static [&'static str],
        /// In shadow mode (`shadow`): the requirement and checks are only recorded, not
        /// enforced; every authenticated caller gets through.
        shadow: bool,
    },
    /// No attribute of this crate is recognised on the route's handler.
    Unannotated,
    /// The handler is annotated, but the audit cannot tell how (nor can
    /// [`Require`](crate::Require) and [`DefaultDeny`](crate::DefaultDeny)).
    Unauditable(Unauditable),
}

/// Why an annotated handler cannot be audited.
///
/// ```
/// use actix_authz::audit::Unauditable;
///
/// assert!(Unauditable::AttributeBelowRoute.to_string().contains("above"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Unauditable {
    /// The attribute is written below the route attribute, so it does not know its route.
    AttributeBelowRoute,
    /// Several annotated handlers, or several resources of the app, share the name.
    SharedName,
    /// No sample URL reaches the resource: a path parameter's regex rejects the samples, or an
    /// earlier resource shadows it.
    NoSamplePath,
    /// Requests reach the handler through more than its method and path: a `guard = …` of its
    /// route attribute, or several routes (`#[routes]`).
    Guarded,
}

/// Why [`matrix`] could not list an app's routes.
///
/// ```
/// use actix_authz::audit::AuditError;
///
/// fn report(error: &AuditError) -> String {
///     format!("audit failed: {error}")
/// }
/// # let _ = report;
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditError {
    reason: String,
}

/// The authorization matrix of the app that `configure` sets up.
///
/// The app is built with `App::new().configure(configure)` and a middleware that answers a
/// single probe request itself, to read the app's resource map: no handler runs. Registered
/// `app_data` is not needed. It must run inside an actix-web runtime (`#[actix_web::test]`,
/// `#[actix_web::main]`, or `actix_web::rt::System::new().block_on(...)`).
///
/// # Errors
///
/// When the resources of the app cannot be listed (see the [module docs](self)).
///
/// # Panics
///
/// If the app's services fail to initialise, as `actix_web::test::init_service` does.
///
/// # Example
///
/// ```rust,standalone_crate
/// use actix_authz::{audit, public};
/// use actix_web::{get, web};
///
/// #[public]
/// #[get("/status")]
/// async fn status() -> &'static str {
///     "up"
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let matrix = audit::matrix(|config: &mut web::ServiceConfig| {
///     config.service(web::scope("/staff").service(status));
/// })
/// .await
/// .unwrap();
/// assert_eq!(matrix.rows()[0].path, "/staff/status");
/// # });
/// ```
pub async fn matrix<F>(configure: F) -> Result<Matrix, AuditError>
where
    F: FnOnce(&mut web::ServiceConfig) + 'static,
{
    matrix_of(configure, registry::entries()).await
}

/// The matrix of the app that `configure` sets up, for the registered handlers `entries`.
async fn matrix_of<F>(
    configure: F,
    entries: impl IntoIterator<Item = &'static RouteEntry>,
) -> Result<Matrix, AuditError>
where
    F: FnOnce(&mut web::ServiceConfig) + 'static,
{
    let seen: Rc<RefCell<Option<HttpRequest>>> = Rc::default();
    let keep = Rc::clone(&seen);
    let app = test::init_service(
        App::new()
            .configure(configure)
            // After `configure`, so that it replaces the configuration the app registers at its
            // top (a scope's own still applies in the scope): a middleware that asks for the
            // caller of a probe finds nobody, and logs nothing.
            .app_data(
                AuthzConfig::new("actix-authz audit").challenge_scheme("ActixAuthzAuditProbe"),
            )
            .wrap_fn(move |request, app| {
                if request.extensions().contains::<Rc<Probe>>() {
                    return Either::Left(app.call(request));
                }
                *keep.borrow_mut() = Some(request.request().clone());
                let response = request.into_response(HttpResponse::NoContent().finish());
                Either::Right(std::future::ready(Ok(response)))
            }),
    )
    .await;
    test::call_service(&app, test::TestRequest::default().to_request()).await;
    let request = seen.borrow_mut().take();
    let request = request.unwrap_or_else(|| unreachable!("the middleware answers every request"));
    let mut audit = Audit::of(&request, entries)?;
    for (row, method, path) in audit.probes() {
        // A scope already learned through another row needs no probe.
        if audit.is_known(row) {
            continue;
        }
        let probe = Rc::new(Probe::default());
        let request = test::TestRequest::default()
            .method(method)
            .uri(&path)
            .to_request();
        request.extensions_mut().insert(Rc::clone(&probe));
        // Answered by the guard, or by whatever took the request instead.
        let _ = app.call(request).await;
        if probe.guarded.get() {
            audit.learn(row, &probe);
        }
    }
    Ok(audit.finish())
}

/// A probe request of the audit. Each [`Require`](crate::Require) on its way records its rule
/// here and lets it pass undecided; the handler's own guard then refuses it as anonymous,
/// whatever would authenticate it (a scope's own configuration, a middleware attaching an
/// identity), so no handler runs. Only this crate can put one in a request.
#[derive(Debug, Default)]
pub(crate) struct Probe {
    seen: RefCell<Vec<SeenRule>>,
    /// Whether a handler's guard refused it: the rules it recorded are all of the handler's
    /// scopes.
    guarded: Cell<bool>,
}

/// A rule a probe passed, with the path prefix its scope had matched.
#[derive(Debug, Clone)]
struct SeenRule {
    requirement: &'static Requirement,
    realm: Option<String>,
    mount: String,
}

impl Probe {
    /// Marks the probe as refused by a handler's guard.
    pub(crate) fn refuse(&self) {
        self.guarded.set(true);
    }

    /// Records a rule mounted where the request's path `mount` has been matched so far.
    pub(crate) fn record(
        &self,
        requirement: &'static Requirement,
        realm: Option<&str>,
        mount: &str,
    ) {
        self.seen.borrow_mut().push(SeenRule {
            requirement,
            realm: realm.map(str::to_owned),
            mount: mount.to_owned(),
        });
    }
}

/// Fails, listing the offenders, when a route of the app that `configure` sets up is neither
/// protected nor public as far as the audit can tell ([`Row::is_classified`]), or when its
/// routes cannot be listed. Use it in a test of your app.
///
/// # Panics
///
/// That is its purpose; see above.
///
/// # Example
///
/// ```rust,standalone_crate
/// use actix_authz::{audit, authenticated};
/// use actix_web::{get, web};
///
/// #[authenticated]
/// #[get("/me")]
/// async fn me() -> &'static str {
///     "me"
/// }
///
/// #[get("/forgotten")]
/// async fn forgotten() -> &'static str {
///     "?"
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// audit::assert_every_route_classified(|config: &mut web::ServiceConfig| {
///     config.service(me);
/// })
/// .await;
/// # });
///
/// let failed = std::panic::catch_unwind(|| {
///     actix_web::rt::System::new().block_on(audit::assert_every_route_classified(
///         |config: &mut web::ServiceConfig| {
///             config.service(me).service(forgotten);
///         },
///     ))
/// });
/// assert!(failed.is_err());
/// ```
pub async fn assert_every_route_classified<F>(configure: F)
where
    F: FnOnce(&mut web::ServiceConfig) + 'static,
{
    let matrix = match matrix(configure).await {
        Ok(matrix) => matrix,
        Err(error) => panic!("cannot audit the app: {error}"),
    };
    let offenders: Vec<String> = matrix.unclassified().map(Row::offence).collect();
    if !offenders.is_empty() {
        panic!(
            "{} route(s) of the app are neither protected nor public:\n{}",
            offenders.len(),
            offenders.join("\n")
        );
    }
}

/// A matrix being built: the rows, the resources they are of, and what probes taught about
/// the rules of each scope.
struct Audit {
    rows: Vec<Row>,
    resources: Vec<Resource>,
    /// For each row that a probe may target: the method and path of its probe, and the sample
    /// its path was written with.
    targets: Vec<Option<(Method, String, &'static str)>>,
    /// The rules of each scope a probe passed through, by scope id.
    scope_rules: HashMap<usize, Vec<ScopeRule>>,
    /// Rows whose route has a rule of its own (`wrap = …`) that the audit saw and cannot list.
    own_rules: HashSet<usize>,
}

impl Audit {
    /// The rows of the app of `request`, for the registered handlers `entries`.
    fn of(
        request: &HttpRequest,
        entries: impl IntoIterator<Item = &'static RouteEntry>,
    ) -> Result<Self, AuditError> {
        let table = RouteTable::build(request, entries);
        let resources = resources::list(request.resource_map()).map_err(|reason| AuditError {
            reason: format!(
                "the resources of the app cannot be listed from actix-web's resource map \
                 ({reason})"
            ),
        })?;
        // What was read must agree with actix-web's own answers.
        for placed in table.placed() {
            let listed = resources.iter().any(|resource| {
                resource.name.as_deref() == Some(placed.entry.handler())
                    && resource.pattern == placed.pattern
            });
            if !listed {
                return Err(AuditError {
                    reason: format!(
                        "`{}` is at `{}` but the resource map listing lacks it",
                        placed.entry, placed.pattern
                    ),
                });
            }
        }
        let name_count = |name: &str| {
            resources
                .iter()
                .filter(|resource| resource.name.as_deref() == Some(name))
                .count()
        };
        let mut rows = Vec::new();
        let mut targets = Vec::new();
        for resource in &resources {
            let name = resource.name.as_deref();
            let placed = table.placed().iter().find(|placed| {
                Some(placed.entry.handler()) == name && placed.pattern == resource.pattern
            });
            let unplaceable = table
                .unplaceable()
                .iter()
                .find(|(entry, _)| Some(entry.handler()) == name);
            let (methods, entry, access) = match (placed, unplaceable) {
                _ if name.is_some_and(|name| name_count(name) > 1) => (
                    Vec::new(),
                    placed.map(|placed| placed.entry),
                    Access::Unauditable(Unauditable::SharedName),
                ),
                (Some(placed), _) => (
                    placed.route.methods().to_vec(),
                    Some(placed.entry),
                    Access::from(placed.entry.protection()),
                ),
                (None, Some((entry, why))) => (
                    entry
                        .route()
                        .map(|route| route.methods().to_vec())
                        .unwrap_or_default(),
                    Some(*entry),
                    Access::Unauditable(Unauditable::from(*why)),
                ),
                (None, None) => (Vec::new(), None, Access::Unannotated),
            };
            // Only a protected handler inside a scope, whose resource is the first to match its
            // path and after whose scope nothing may take the probe instead (a scope's guard
            // may send it on), is probed, and only with a safe method: its guard is what the
            // probe reaches, and it refuses an anonymous request before anything of the
            // handler runs.
            let target = placed
                .filter(|placed| {
                    placed.first
                        && !placed.may_be_passed()
                        && !resource.scopes.is_empty()
                        && matches!(access, Access::Protected { .. })
                })
                .and_then(|placed| {
                    let method = placed
                        .route
                        .methods()
                        .iter()
                        .find(|method| ["GET", "HEAD"].contains(method))?;
                    let method = Method::from_bytes(method.as_bytes()).ok()?;
                    Some((method, placed.sample_path.clone(), placed.sample))
                });
            targets.push(target);
            rows.push(Row {
                methods,
                path: resource.pattern.clone(),
                resource: resource.name.clone(),
                handler: entry.map(ToString::to_string),
                access,
                scope_rules: None,
            });
        }
        Ok(Self {
            rows,
            resources,
            targets,
            scope_rules: HashMap::new(),
            own_rules: HashSet::new(),
        })
    }

    /// The rows a probe may target, in routing order: row, method, path. Each is probed unless
    /// an earlier probe taught all the rules of its scopes.
    fn probes(&self) -> Vec<(usize, Method, String)> {
        self.targets
            .iter()
            .enumerate()
            .filter_map(|(row, target)| {
                let (method, path, _) = target.as_ref()?;
                Some((row, method.clone(), path.clone()))
            })
            .collect()
    }

    /// Whether the rules of every scope of `row` are known.
    fn is_known(&self, row: usize) -> bool {
        self.resources[row]
            .scopes
            .iter()
            .all(|scope| self.scope_rules.contains_key(&scope.id))
    }

    /// Attributes the rules the probe of `row` recorded to the scopes it passed through: a rule
    /// belongs to the one of the row's scopes whose pattern wrote the prefix it was mounted at,
    /// and one mounted at the whole path to the route itself (`wrap = …`), which leaves the
    /// row's own rules unknown. A scope learned through an earlier row keeps what it learned.
    /// When a rule has no such owner, or two could own it (a `scope("")` inside another, an
    /// empty route path), the scopes stay unknown rather than be credited wrongly, and the next
    /// row of the scope is probed.
    fn learn(&mut self, row: usize, probe: &Probe) {
        let Some((_, path, sample)) = &self.targets[row] else {
            return;
        };
        let scopes = &self.resources[row].scopes;
        let seen = probe.seen.borrow();
        // For each rule: its scope, or `None` for a rule of the route itself.
        let owners: Option<Vec<Option<_>>> = seen
            .iter()
            .map(|seen| {
                let own = seen.mount == *path;
                let mut writers = scopes
                    .iter()
                    .filter(|scope| instantiate(&scope.pattern, sample) == seen.mount);
                match (writers.next(), writers.next(), own) {
                    (Some(owner), None, false) => Some(Some(owner)),
                    (None, _, true) => Some(None),
                    _ => None,
                }
            })
            .collect();
        let Some(owners) = owners else {
            // A rule at the whole path that a scope may have written too may be the route's.
            if seen.iter().any(|seen| seen.mount == *path) {
                self.own_rules.insert(row);
            }
            return;
        };
        let learned: Vec<usize> = scopes
            .iter()
            .map(|scope| scope.id)
            .filter(|id| !self.scope_rules.contains_key(id))
            .collect();
        for id in &learned {
            self.scope_rules.insert(*id, Vec::new());
        }
        for (seen, owner) in seen.iter().zip(owners) {
            let Some(owner) = owner else {
                self.own_rules.insert(row);
                continue;
            };
            if !learned.contains(&owner.id) {
                continue;
            }
            if let Some(rules) = self.scope_rules.get_mut(&owner.id) {
                rules.push(ScopeRule {
                    scope: owner.pattern.clone(),
                    requirement: seen.requirement,
                    realm: seen.realm.clone(),
                });
            }
        }
    }

    /// The matrix, each row with the rules of its scopes when they are all known.
    fn finish(mut self) -> Matrix {
        for (index, (row, resource)) in self.rows.iter_mut().zip(&self.resources).enumerate() {
            row.scope_rules = if row.access == Access::Public {
                Some(Vec::new())
            } else if self.own_rules.contains(&index) {
                None
            } else {
                resource
                    .scopes
                    .iter()
                    .map(|scope| self.scope_rules.get(&scope.id).cloned())
                    .collect::<Option<Vec<Vec<ScopeRule>>>>()
                    .map(|rules| rules.concat())
            };
        }
        Matrix {
            rows: std::mem::take(&mut self.rows),
        }
    }
}

impl Matrix {
    /// The routes, in routing order.
    ///
    /// ```rust,standalone_crate
    /// use actix_authz::audit;
    /// use actix_web::web;
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let matrix = audit::matrix(|_: &mut web::ServiceConfig| {}).await.unwrap();
    /// assert!(matrix.rows().is_empty());
    /// # });
    /// ```
    pub fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// The routes that are neither protected nor public as far as the audit can tell.
    ///
    /// ```rust,standalone_crate
    /// use actix_authz::audit;
    /// use actix_web::web;
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let matrix = audit::matrix(|config: &mut web::ServiceConfig| {
    ///     config.route("/open", web::get().to(|| async { "?" }));
    /// })
    /// .await
    /// .unwrap();
    /// let paths: Vec<&str> = matrix.unclassified().map(|row| row.path.as_str()).collect();
    /// assert_eq!(paths, ["/open"]);
    /// # });
    /// ```
    pub fn unclassified(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|row| !row.is_classified())
    }

    /// The matrix as a Markdown table: method, path, access, requirement, scope rules, hidden,
    /// checks, handler. See the [module docs](self) for an example.
    pub fn to_markdown(&self) -> String {
        let mut table = String::from(
            "| method | path | access | requirement | scope rules | hidden | checks | handler |\n\
             | --- | --- | --- | --- | --- | --- | --- | --- |\n",
        );
        for row in &self.rows {
            let (requirement, hidden, checks) = match row.access {
                Access::Protected {
                    requirement,
                    hidden,
                    checks,
                    ..
                } => (
                    code(&requirement.to_string()),
                    if hidden { "yes" } else { "no" },
                    checks.iter().map(|check| code(check)).collect::<Vec<_>>(),
                ),
                _ => (String::new(), "", Vec::new()),
            };
            let methods = if row.methods.is_empty() {
                "?".to_owned()
            } else {
                row.methods
                    .iter()
                    .map(|method| code(method))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let access = match row.access {
                Access::Protected { shadow: true, .. } => {
                    format!("{}, **shadow: not enforced**", row.access.label())
                }
                Access::Public | Access::Protected { .. } => row.access.label().to_owned(),
                Access::Unannotated => "**unannotated**".to_owned(),
                Access::Unauditable(why) => format!("**unauditable**: {why}"),
            };
            let handler = match (&row.handler, &row.resource) {
                (Some(handler), _) => code(handler),
                (None, Some(resource)) => format!("resource {}", code(resource)),
                (None, None) => String::new(),
            };
            let scope_rules = match &row.scope_rules {
                None => "?".to_owned(),
                Some(rules) => rules
                    .iter()
                    .map(|rule| {
                        format!(
                            "{} at {}",
                            code(&rule.requirement.to_string()),
                            code(&rule.scope)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
            };
            let _ = writeln!(
                table,
                "| {methods} | {} | {access} | {requirement} | {scope_rules} | {hidden} | {} \
                 | {handler} |",
                code(&row.path),
                checks.join(", "),
            );
        }
        table
    }

    /// The matrix as pretty-printed JSON: an array with one object per route, every key
    /// always present.
    ///
    /// ```rust,standalone_crate
    /// use actix_authz::{audit, requires};
    /// use actix_web::{get, web};
    ///
    /// #[requires(scope = "articles:read")]
    /// #[get("/articles")]
    /// async fn articles() -> &'static str {
    ///     "[]"
    /// }
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let matrix = audit::matrix(|config: &mut web::ServiceConfig| {
    ///     config.service(articles);
    /// })
    /// .await
    /// .unwrap();
    /// let json: serde_json::Value = serde_json::from_str(&matrix.to_json()).unwrap();
    /// assert_eq!(
    ///     json,
    ///     serde_json::json!([{
    ///         "methods": ["GET"],
    ///         "path": "/articles",
    ///         "resource": "articles",
    ///         "handler": "rust_out::articles",
    ///         "access": "protected",
    ///         "requirement": "scope = \"articles:read\"",
    ///         "scope_rules": [],
    ///         "hidden": false,
    ///         "checks": [],
    ///         "shadow": false,
    ///         "problem": null,
    ///     }])
    /// );
    /// # });
    /// ```
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self)
            .unwrap_or_else(|_| unreachable!("the matrix serializes to JSON"))
    }
}

impl fmt::Display for Matrix {
    /// Writes the Markdown table.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_markdown())
    }
}

impl Serialize for Matrix {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(&self.rows)
    }
}

impl Serialize for Row {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let (requirement, hidden, checks, shadow) = match self.access {
            Access::Protected {
                requirement,
                hidden,
                checks,
                shadow,
            } => (
                Some(requirement.to_string()),
                Some(hidden),
                checks,
                Some(shadow),
            ),
            _ => (None, None, &[][..], None),
        };
        let problem = match self.access {
            Access::Unannotated => Some(Access::UNANNOTATED.to_owned()),
            Access::Unauditable(why) => Some(why.to_string()),
            _ => None,
        };
        let mut map = serializer.serialize_map(Some(11))?;
        map.serialize_entry("methods", &self.methods)?;
        map.serialize_entry("path", &self.path)?;
        map.serialize_entry("resource", &self.resource)?;
        map.serialize_entry("handler", &self.handler)?;
        map.serialize_entry("access", self.access.label())?;
        map.serialize_entry("requirement", &requirement)?;
        map.serialize_entry("scope_rules", &self.scope_rules)?;
        map.serialize_entry("hidden", &hidden)?;
        map.serialize_entry("checks", checks)?;
        map.serialize_entry("shadow", &shadow)?;
        map.serialize_entry("problem", &problem)?;
        map.end()
    }
}

impl Serialize for ScopeRule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(3))?;
        map.serialize_entry("scope", &self.scope)?;
        map.serialize_entry("requirement", &self.requirement.to_string())?;
        map.serialize_entry("realm", &self.realm)?;
        map.end()
    }
}

impl Row {
    /// Whether the route is protected or public as far as the audit can tell.
    ///
    /// ```rust,standalone_crate
    /// use actix_authz::audit;
    /// use actix_web::web;
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let matrix = audit::matrix(|config: &mut web::ServiceConfig| {
    ///     config.route("/open", web::get().to(|| async { "?" }));
    /// })
    /// .await
    /// .unwrap();
    /// assert!(!matrix.rows()[0].is_classified());
    /// # });
    /// ```
    pub fn is_classified(&self) -> bool {
        self.access.is_classified()
    }

    /// One line of the failure of [`assert_every_route_classified`].
    fn offence(&self) -> String {
        let methods = if self.methods.is_empty() {
            "?".to_owned()
        } else {
            self.methods.join(",")
        };
        let who = match (&self.handler, &self.resource) {
            (Some(handler), _) => format!(" (`{handler}`)"),
            (None, Some(resource)) => format!(" (resource `{resource}`)"),
            (None, None) => String::new(),
        };
        let problem = match self.access {
            Access::Unauditable(why) => why.to_string(),
            _ => Access::UNANNOTATED.to_owned(),
        };
        format!("  - {methods} {}{who}: {problem}", self.path)
    }
}

impl Access {
    const UNANNOTATED: &'static str = "no #[public], #[authenticated] or #[requires] is \
        recognised on its handler (an annotated handler must be registered through its route \
        attribute, written below the attribute, not with web::resource(...).to(...))";

    /// `public`, `protected`, `unannotated` or `unauditable`.
    ///
    /// ```
    /// use actix_authz::audit::Access;
    ///
    /// assert_eq!(Access::Public.label(), "public");
    /// ```
    pub fn label(&self) -> &'static str {
        match self {
            Self::Public => "public",
            Self::Protected { .. } => "protected",
            Self::Unannotated => "unannotated",
            Self::Unauditable(_) => "unauditable",
        }
    }

    /// Whether it is [`Public`](Self::Public) or [`Protected`](Self::Protected).
    ///
    /// ```
    /// use actix_authz::audit::Access;
    ///
    /// assert!(!Access::Unannotated.is_classified());
    /// ```
    pub fn is_classified(&self) -> bool {
        matches!(self, Self::Public | Self::Protected { .. })
    }
}

impl From<Protection> for Access {
    fn from(protection: Protection) -> Self {
        match protection {
            Protection::Public => Self::Public,
            Protection::Protected {
                requirement,
                hidden,
                checks,
                shadow,
            } => Self::Protected {
                requirement,
                hidden,
                checks,
                shadow,
            },
        }
    }
}

impl From<Unplaceable> for Unauditable {
    fn from(why: Unplaceable) -> Self {
        match why {
            Unplaceable::NoDeclaredRoute => Self::AttributeBelowRoute,
            Unplaceable::Ambiguous => Self::SharedName,
            Unplaceable::NoSamplePath => Self::NoSamplePath,
            Unplaceable::Guarded => Self::Guarded,
        }
    }
}

impl fmt::Display for Unauditable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::AttributeBelowRoute => {
                "its attribute is written below the route attribute: write it above \
                 `#[get(...)]`/`#[route(...)]` so that it knows the route"
            }
            Self::SharedName => {
                "its name is shared with another annotated handler or resource: give each \
                 handler its own function name and one registration"
            }
            Self::NoSamplePath => {
                "no sample URL reaches it: a path parameter's regex rejects `1`, `a`, `A`, \
                 `a1` and `1a`, or an earlier resource shadows it"
            }
            Self::Guarded => {
                "its route has a `guard = ...` or is one of several (`#[routes]`): a request it \
                 turns away may reach another resource at the same path, so its own cannot be \
                 told; register one route per handler, without a guard"
            }
        })
    }
}

impl fmt::Display for AuditError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.reason)
    }
}

impl std::error::Error for AuditError {}

/// `text` as Markdown code in a table cell.
fn code(text: &str) -> String {
    format!("`{}`", text.replace('|', "\\|"))
}

#[cfg(test)]
mod tests {
    use actix_web::HttpResponse;

    use super::*;
    use crate::registry::DeclaredRoute;

    const EDITOR: Requirement = Requirement::Role("editor");

    static STATUS: RouteEntry = RouteEntry::new(
        "status",
        "app",
        Some(DeclaredRoute::new(&["GET"], "/status", false)),
        Protection::Public,
    );
    static DRAFTS: RouteEntry = RouteEntry::new(
        "drafts",
        "app::staff",
        Some(DeclaredRoute::new(&["GET", "HEAD"], "/drafts/{id}", false)),
        Protection::Protected {
            requirement: &EDITOR,
            hidden: true,
            checks: &["is_author(caller, id)"],
            shadow: true,
        },
    );
    static BELOW: RouteEntry = RouteEntry::new(
        "below",
        "app",
        None,
        Protection::Protected {
            requirement: &Requirement::Authenticated,
            hidden: false,
            checks: &[],
            shadow: false,
        },
    );

    const STAFF: Requirement = Requirement::Role("staff");

    fn routes(config: &mut web::ServiceConfig) {
        let ok = || async { HttpResponse::Ok().finish() };
        // What an annotated handler's guard does first.
        let guarded = |request: HttpRequest| async move {
            crate::guard::authorize(&request, &EDITOR, None)
                .await
                .map(|()| HttpResponse::Ok().finish())
        };
        config
            .service(
                web::scope("/staff")
                    .wrap(crate::Require::new(&STAFF).realm("back office"))
                    .service(web::resource("/status").name("status").to(ok))
                    .service(web::resource("/drafts/{id}").name("drafts").to(guarded)),
            )
            .service(web::resource("/below").name("below").to(ok))
            .service(web::resource("/a|b").to(ok))
            .service(web::resource("/twice").name("twice").to(ok))
            .service(web::scope("/x").service(web::resource("/twice").name("twice").to(ok)));
    }

    async fn audit() -> Matrix {
        matrix_of(routes, [&STATUS, &DRAFTS, &BELOW]).await.unwrap()
    }

    #[actix_web::test]
    async fn markdown() {
        assert_eq!(
            audit().await.to_markdown(),
            "\
| method | path | access | requirement | scope rules | hidden | checks | handler |
| --- | --- | --- | --- | --- | --- | --- | --- |
| `GET` | `/staff/status` | public |  |  |  |  | `app::status` |
| `GET`, `HEAD` | `/staff/drafts/{id}` | protected, **shadow: not enforced** | `role = \"editor\"` | `role = \"staff\"` at `/staff` | yes | `is_author(caller, id)` | `app::staff::drafts` |
| ? | `/below` | **unauditable**: its attribute is written below the route attribute: write it above `#[get(...)]`/`#[route(...)]` so that it knows the route |  |  |  |  | `app::below` |
| ? | `/a\\|b` | **unannotated** |  |  |  |  |  |
| ? | `/twice` | **unauditable**: its name is shared with another annotated handler or resource: give each handler its own function name and one registration |  |  |  |  | resource `twice` |
| ? | `/x/twice` | **unauditable**: its name is shared with another annotated handler or resource: give each handler its own function name and one registration |  | ? |  |  | resource `twice` |
"
        );
    }

    #[actix_web::test]
    async fn json() {
        let json: serde_json::Value = serde_json::from_str(&audit().await.to_json()).unwrap();
        let rows = json.as_array().unwrap();
        assert_eq!(rows.len(), 6);
        assert_eq!(
            rows[1],
            serde_json::json!({
                "methods": ["GET", "HEAD"],
                "path": "/staff/drafts/{id}",
                "resource": "drafts",
                "handler": "app::staff::drafts",
                "access": "protected",
                "requirement": "role = \"editor\"",
                "scope_rules": [
                    { "scope": "/staff", "requirement": "role = \"staff\"", "realm": "back office" }
                ],
                "hidden": true,
                "checks": ["is_author(caller, id)"],
                "shadow": true,
                "problem": null,
            })
        );
        assert_eq!(
            rows[3],
            serde_json::json!({
                "methods": [],
                "path": "/a|b",
                "resource": null,
                "handler": null,
                "access": "unannotated",
                "requirement": null,
                "scope_rules": [],
                "hidden": null,
                "checks": [],
                "shadow": null,
                "problem": Access::UNANNOTATED,
            })
        );
    }
}
