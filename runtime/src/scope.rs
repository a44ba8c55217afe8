//! Scope-level rules: one requirement for every handler of a `web::scope` or an `App`.

use std::cell::OnceCell;
use std::fmt;
use std::rc::Rc;

use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use actix_web::{Error, HttpMessage as _};
use futures_util::TryFutureExt as _;
use futures_util::future::{Either, LocalBoxFuture, MapOk, Ready, ready};

use crate::audit::Probe;
use crate::registry::{self, Protection};
use crate::routes::{RouteTable, Target};
use crate::{Realm, Requirement};

/// A middleware that applies one [`Requirement`] to every request of the scope or app it wraps,
/// with the answers of the attributes: 401 with the challenges, 403, 400 or 503, byte for byte
/// what `#[requires(...)]` answers, and never a routing 404 for a route that exists.
///
/// - A handler marked `#[public]` is exempt: its requests pass unchecked.
/// - A handler with its own `#[requires(...)]` or `#[authenticated]` gets both rules, all-of:
///   this middleware decides first, then the handler's attribute. Authentication runs once.
/// - Any other request, including one for a path no route of the scope matches, must satisfy
///   the requirement first, so an anonymous caller learns nothing about which paths exist; an
///   allowed caller then gets the app's own 404.
///
/// Build the requirement as a constant, the way the attributes do.
///
/// # Recognising `#[public]` handlers
///
/// actix-web routes a request after this middleware has run, so the exemption is decided from
/// the app's resource map: once per app (at its first request) every annotated handler is
/// placed at the full pattern of its resource, and routing is followed through the resources
/// that match the path, in their order. A request is exempt only when routing reaches a
/// `#[public]` handler that accepts its method: annotated handlers whose method guard refuses it
/// are passed, as actix-web passes them, but a resource without attributes, or the end of a
/// scope (whose default service takes what no resource in it takes), reached first is checked.
/// What cannot be recognised is checked, never exempted. In particular:
///
/// - the attribute must be written **above** the route attribute (`#[public]` then
///   `#[get("/status")]`), so that it knows the route; a handler registered with
///   `web::resource(...).to(handler)` is never exempt. Such handlers are named once in a
///   `WARN` log;
/// - handlers are told apart by function name (the resource name actix-web's route attributes
///   give) and declared path: a handler is recognised only when it is the one resource of the
///   app with its name, and that resource's own path is the declared one. Two resources of the
///   same name in one app (two handlers, or one registered twice) are never exempt. **A handler
///   without attributes must not share both the function name and the path of an annotated
///   handler linked into the program** (`staff::status` and `front::status`, both at
///   `"/status"`): when the annotated one is not registered in the app, nothing tells them
///   apart. Give every handler under a scope rule an attribute, or distinct names;
/// - a route with a guard (`guard = "..."`) or several routes (`#[routes]`) is never exempt: a
///   request it turns away would go on to another resource at the same path;
/// - the guards of scopes cannot be seen, and a request a scope's guard turns away goes on to
///   what follows the scope: a `#[public]` handler in a scope is exempt only when every resource
///   after its scope that matches the path is a `#[public]` handler too, and no later scope
///   matches it;
/// - wrap middleware that rewrites paths (`NormalizePath`) outside this one, so that it sees the
///   path that routing sees.
///
/// [`audit`](crate::audit) lists how each route of an app is classified. Around a whole `App`,
/// wrap a CORS middleware outside this one, so that preflights are answered before.
///
/// # Example
///
/// ```rust,standalone_crate
/// use actix_authz::{AuthzConfig, BasicAuthenticator, Principal, Require, Requirement, public};
/// use actix_web::{App, HttpResponse, get, test, web};
///
/// const STAFF: Requirement = Requirement::Role("editor");
///
/// #[public]
/// #[get("/status")]
/// async fn status() -> &'static str {
///     "open"
/// }
///
/// #[get("/drafts")]
/// async fn drafts() -> &'static str {
///     "drafts"
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let config = AuthzConfig::new("staff").authenticator(BasicAuthenticator::new(|_| async {
///     Ok(None::<Principal>)
/// }));
/// let app = test::init_service(
///     App::new().app_data(config).service(
///         web::scope("/staff")
///             .wrap(Require::new(&STAFF))
///             .service(status)
///             .service(drafts),
///     ),
/// )
/// .await;
/// let call = |uri| test::call_service(&app, test::TestRequest::get().uri(uri).to_request());
/// assert_eq!(call("/staff/drafts").await.status(), 401);
/// assert_eq!(call("/staff/status").await.status(), 200);
/// assert_eq!(call("/staff/nothing-here").await.status(), 401);
/// # });
/// ```
#[derive(Clone)]
pub struct Require {
    requirement: &'static Requirement,
    realm: Option<Realm>,
}

impl Require {
    /// A middleware that requires `requirement`.
    ///
    /// # Panics
    ///
    /// If `requirement` is one `#[requires(...)]` would refuse to compile: an empty
    /// `all(...)` or `any(...)`, or a role, permission or scope that is empty, padded with
    /// whitespace or holds a control character, or a scope that is not an RFC 6750 scope
    /// token (`"a b"` is two scopes). In a `const`, that is a compile error.
    ///
    /// ```
    /// use actix_authz::{Require, Requirement};
    ///
    /// const ADMIN_OR_AUDITOR: Requirement =
    ///     Requirement::Any(&[Requirement::Role("admin"), Requirement::Role("auditor")]);
    /// let require = Require::new(&ADMIN_OR_AUDITOR);
    /// assert_eq!(require.requirement().to_string(), r#"any(role = "admin", role = "auditor")"#);
    /// ```
    pub const fn new(requirement: &'static Requirement) -> Self {
        requirement.assert_well_formed();
        Self {
            requirement,
            realm: None,
        }
    }

    /// Uses `realm` in the challenges of this middleware's refusals instead of the configured
    /// one, like the attributes' `realm = "…"`.
    ///
    /// # Panics
    ///
    /// If `realm` is empty or not printable ASCII (see [`Realm::new`]).
    ///
    /// ```
    /// use actix_authz::{Require, Requirement};
    ///
    /// const ANY: Requirement = Requirement::Authenticated;
    /// let require = Require::new(&ANY).realm("back office");
    /// assert_eq!(require.realm_name(), Some("back office"));
    /// ```
    #[must_use]
    #[track_caller]
    pub fn realm(mut self, realm: &str) -> Self {
        match Realm::new(realm) {
            Ok(realm) => self.realm = Some(realm),
            Err(error) => panic!("invalid realm {realm:?}: {error}"),
        }
        self
    }

    /// The requirement.
    ///
    /// ```
    /// use actix_authz::{Require, Requirement};
    ///
    /// const EDITOR: Requirement = Requirement::Role("editor");
    /// assert_eq!(Require::new(&EDITOR).requirement(), &EDITOR);
    /// ```
    pub fn requirement(&self) -> &'static Requirement {
        self.requirement
    }

    /// The realm that overrides the configured one, if any.
    ///
    /// ```
    /// use actix_authz::{Require, Requirement};
    ///
    /// const EDITOR: Requirement = Requirement::Role("editor");
    /// assert_eq!(Require::new(&EDITOR).realm_name(), None);
    /// ```
    pub fn realm_name(&self) -> Option<&str> {
        self.realm.as_ref().map(Realm::as_str)
    }
}

impl fmt::Debug for Require {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Require")
            .field("requirement", &format_args!("{}", self.requirement))
            .field("realm", &self.realm_name())
            .finish()
    }
}

impl<S, B> Transform<S, ServiceRequest> for Require
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = RequireService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(RequireService {
            service: Rc::new(service),
            requirement: self.requirement,
            realm: self.realm_name().map(Rc::from),
            routes: OnceCell::new(),
        }))
    }
}

/// The service of [`Require`], for one app instance (one per worker). Public only as the
/// `Transform`'s associated type: users never name it.
#[allow(unreachable_pub)]
pub struct RequireService<S> {
    service: Rc<S>,
    requirement: &'static Requirement,
    realm: Option<Rc<str>>,
    routes: OnceCell<RouteTable>,
}

impl<S> fmt::Debug for RequireService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequireService")
            .field("requirement", &format_args!("{}", self.requirement))
            .field("realm", &self.realm)
            .finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for RequireService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Either<
        PassThrough<S::Future, B>,
        LocalBoxFuture<'static, Result<Self::Response, Self::Error>>,
    >;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        if self.recorded_by_probe(&request) || is_public(&self.routes, &request) {
            return Either::Left(pass_through(&*self.service, request));
        }
        let service = Rc::clone(&self.service);
        let requirement = self.requirement;
        let realm = self.realm.clone();
        Either::Right(Box::pin(async move {
            match crate::guard::authorize(request.request(), requirement, realm.as_deref()).await {
                Ok(()) => service
                    .call(request)
                    .await
                    .map(ServiceResponse::map_into_left_body),
                Err(refusal) => Ok(request.error_response(refusal).map_into_right_body()),
            }
        }))
    }
}

/// The future of a request a middleware lets through undecided: the inner service's own, with
/// its body as the left one, without boxing: these middlewares see every request.
pub(crate) type PassThrough<F, B> =
    MapOk<F, fn(ServiceResponse<B>) -> ServiceResponse<EitherBody<B>>>;

/// Lets `request` through to `service`.
pub(crate) fn pass_through<S, B>(service: &S, request: ServiceRequest) -> PassThrough<S::Future, B>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error>,
{
    service
        .call(request)
        .map_ok(ServiceResponse::map_into_left_body as fn(_) -> _)
}

impl<S> RequireService<S> {
    /// Whether `request` is a probe of the [`audit`](crate::audit), which only this crate can
    /// send: the rule records itself in it and lets it pass undecided, to the handler's own
    /// guard.
    fn recorded_by_probe(&self, request: &ServiceRequest) -> bool {
        let Some(probe) = request.extensions().get::<Rc<Probe>>().cloned() else {
            return false;
        };
        let path = request.match_info().as_str();
        let mount = &path[..path.len() - request.match_info().unprocessed().len()];
        probe.record(self.requirement, self.realm.as_deref(), mount);
        true
    }
}

/// The app's route table, placed at its first request.
pub(crate) fn routes<'a>(
    cell: &'a OnceCell<RouteTable>,
    request: &ServiceRequest,
) -> &'a RouteTable {
    cell.get_or_init(|| {
        let table = RouteTable::build(request.request(), registry::entries());
        table.warn_unplaceable();
        table
    })
}

/// Whether the request targets a handler marked `#[public]`.
fn is_public(cell: &OnceCell<RouteTable>, request: &ServiceRequest) -> bool {
    let target = routes(cell, request).target(
        request.resource_map(),
        request.method(),
        request.match_info().as_str(),
    );
    matches!(target, Target::Handler(entry) if entry.protection() == Protection::Public)
}
