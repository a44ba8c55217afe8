//! Default-deny: a route of the app without `#[public]`, `#[authenticated]` or `#[requires]` is
//! refused.

use std::cell::{OnceCell, RefCell};
use std::collections::HashSet;
use std::fmt;

use actix_web::Error;
use actix_web::body::EitherBody;
use actix_web::dev::{Service, ServiceRequest, ServiceResponse, Transform, forward_ready};
use futures_util::future::{Either, Ready, ready};

use crate::routes::{RouteTable, Target};
use crate::scope::{PassThrough, pass_through, routes};
use crate::{AuthzError, RefusalKind};

/// A middleware for a whole `App` that refuses every request for a route whose handler is not
/// annotated with `#[public]`, `#[authenticated]` or `#[requires(...)]`, so that a handler added
/// without a decision is closed rather than open.
///
/// - A request whose target is an annotated handler passes on, to be decided by the handler's
///   attribute (and any [`Require`](crate::Require) around it).
/// - A request for a path that no route of the app matches passes on too, to the app's real 404
///   (or its `default_service`, which this middleware does not cover). Inside a scope it is
///   refused instead: the scope's own `default_service`, which cannot be seen, may take it.
/// - Any other request gets **403** with the problem body and `Cache-Control: no-store`, before
///   any authentication, and the route is logged once at `ERROR` level, naming the method,
///   path pattern and resource so that the handler missing its attribute can be found.
///
/// Targets are recognised as [`Require`](crate::Require) recognises `#[public]` handlers, and
/// with the same limits: the attribute must be written above the route attribute (a handler
/// registered with `web::resource(...).to(handler)`, or a service such as a static file server,
/// counts as unannotated), handlers are told apart by function name and declared path (an
/// unannotated handler must not share both with an annotated one, see
/// [`Require`](crate::Require)), and a route with
/// a guard or several routes (`#[routes]`) counts as unrecognised and is refused. Routing is
/// followed through every resource matching the path, in order: a request goes on past the
/// annotated handlers whose method guard refuses it, and is refused when a resource without
/// attributes could take it first. A scope's guard cannot be seen: a handler in a scope passes
/// only when whatever matches the path after its scope is annotated too. Wrap middleware that
/// rewrites paths (`NormalizePath`) outside this one (`.wrap(NormalizePath::trim())` after
/// `.wrap(DefaultDeny::new())`), so that it decides on the path routing sees.
/// [`audit::assert_every_route_classified`](crate::audit::assert_every_route_classified) finds
/// the same routes in a test, before a request does. Wrap a CORS middleware outside this one
/// (call `.wrap(cors)` after `.wrap(DefaultDeny::new())`), so that preflights are answered
/// before.
///
/// # Example
///
/// ```rust,standalone_crate
/// use actix_authz::{AuthzConfig, DefaultDeny, public};
/// use actix_web::{App, get, test};
///
/// #[public]
/// #[get("/health")]
/// async fn health() -> &'static str {
///     "ok"
/// }
///
/// #[get("/forgotten")]
/// async fn forgotten() -> &'static str {
///     "nobody decided who may see this"
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let app = test::init_service(
///     App::new()
///         .app_data(AuthzConfig::new("api"))
///         .wrap(DefaultDeny::new())
///         .service(health)
///         .service(forgotten),
/// )
/// .await;
/// let call = |uri| test::call_service(&app, test::TestRequest::get().uri(uri).to_request());
/// assert_eq!(call("/health").await.status(), 200);
/// assert_eq!(call("/forgotten").await.status(), 403);
/// assert_eq!(call("/missing").await.status(), 404);
/// # });
/// ```
#[derive(Debug, Clone, Copy, Default)]
#[non_exhaustive]
pub struct DefaultDeny;

impl DefaultDeny {
    /// The middleware.
    ///
    /// ```
    /// use actix_authz::DefaultDeny;
    /// use actix_web::App;
    ///
    /// let app = App::new().wrap(DefaultDeny::new());
    /// # let _ = app;
    /// ```
    pub const fn new() -> Self {
        Self
    }
}

impl<S, B> Transform<S, ServiceRequest> for DefaultDeny
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Transform = DefaultDenyService<S>;
    type InitError = ();
    type Future = Ready<Result<Self::Transform, Self::InitError>>;

    fn new_transform(&self, service: S) -> Self::Future {
        ready(Ok(DefaultDenyService {
            service,
            routes: OnceCell::new(),
            reported: RefCell::default(),
        }))
    }
}

/// The service of [`DefaultDeny`], for one app instance (one per worker). Public only as the
/// `Transform`'s associated type: users never name it.
#[allow(unreachable_pub)]
pub struct DefaultDenyService<S> {
    service: S,
    routes: OnceCell<RouteTable>,
    /// The routes already logged, as `METHOD pattern`.
    reported: RefCell<HashSet<String>>,
}

impl<S> fmt::Debug for DefaultDenyService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DefaultDenyService").finish_non_exhaustive()
    }
}

impl<S, B> Service<ServiceRequest> for DefaultDenyService<S>
where
    S: Service<ServiceRequest, Response = ServiceResponse<B>, Error = Error> + 'static,
    B: 'static,
{
    type Response = ServiceResponse<EitherBody<B>>;
    type Error = Error;
    type Future = Either<PassThrough<S::Future, B>, Ready<Result<Self::Response, Self::Error>>>;

    forward_ready!(service);

    fn call(&self, request: ServiceRequest) -> Self::Future {
        let target = routes(&self.routes, &request).target(
            request.resource_map(),
            request.method(),
            request.match_info().as_str(),
        );
        match target {
            Target::Unmatched | Target::Handler(_) => {
                Either::Left(pass_through(&self.service, request))
            }
            Target::Unrecognised { pattern, resource } => {
                self.report(&request, pattern.as_deref(), resource.as_deref());
                let refusal = AuthzError::new(RefusalKind::Forbidden, Vec::new());
                Either::Right(ready(Ok(request
                    .error_response(refusal)
                    .map_into_right_body())))
            }
        }
    }
}

impl<S> DefaultDenyService<S> {
    /// Logs the refused route, at `ERROR` the first time.
    fn report(&self, request: &ServiceRequest, pattern: Option<&str>, resource: Option<&str>) {
        let route = format!(
            "{} {}",
            request.method(),
            pattern.unwrap_or_else(|| request.path())
        );
        let first = self.reported.borrow_mut().insert(route.clone());
        if first {
            tracing::error!(
                %route,
                resource,
                "default-deny refuses this route: its handler has no #[public], #[authenticated] \
                 or #[requires] that actix-authz recognises (the attribute must be written above \
                 the route attribute)"
            );
        } else {
            tracing::debug!(%route, "default-deny refuses this route");
        }
    }
}
