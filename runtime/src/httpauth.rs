//! Interop with [`actix-web-httpauth`](https://docs.rs/actix-web-httpauth) (feature
//! `httpauth`), for apps migrating from it.
//!
//! Two ways, keep what you have or move the check into actix-authz:
//!
//! - **Keep its middleware and your validator**: [`identify`] turns a function from its
//!   credentials extractor (`BearerAuth`, `BasicAuth`, or `Option<...>` of them) to your
//!   identity into the process function of `HttpAuthentication::with_fn`, attaching the identity
//!   the way [`attach_identity`] does. The attributes then use it
//!   without authenticating again.
//! - **Move the check into actix-authz**: [`ExtractorAuthenticator`] runs the same function as
//!   an [`Authenticator`], so that refusals get actix-authz's challenges, problem bodies and
//!   decision records, and public routes need no middleware at all.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use actix_web::dev::{Payload, ServiceRequest};
use actix_web::{FromRequest, HttpRequest};
use actix_web_httpauth::extractors::basic::BasicAuth;
use actix_web_httpauth::extractors::bearer::BearerAuth;
use futures_util::future::LocalBoxFuture;

use crate::jwt::bearer_challenge;
use crate::{
    Authentication, Authenticator, BackendUnavailable, Challenge, ChallengeKind, Credentials,
    Identity, Outcome, attach_identity,
};

/// The process function of actix-web-httpauth's `HttpAuthentication::with_fn` middleware, from
/// `verify`: `Ok(Some(identity))` attaches the identity, `Ok(None)` lets the request on without
/// one (a protected handler answers 401), and `Err(error)` answers with `error`, as the
/// middleware always did.
///
/// Take `Option<BearerAuth>` to let requests without credentials reach public routes.
///
/// ```
/// use actix_authz::httpauth::identify;
/// use actix_authz::{AuthzConfig, Principal, requires};
/// use actix_web::{App, get, test};
/// use actix_web_httpauth::extractors::bearer::BearerAuth;
/// use actix_web_httpauth::middleware::HttpAuthentication;
///
/// #[requires(role = "admin")]
/// #[get("/admin")]
/// async fn admin() -> &'static str {
///     "admin area"
/// }
///
/// // Your existing check, now returning the identity.
/// async fn verify(credentials: Option<BearerAuth>) -> actix_web::Result<Option<Principal>> {
///     Ok(credentials
///         .filter(|c| c.token() == "opensesame")
///         .map(|_| Principal::new("ops").with_roles(["admin"])))
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let app = test::init_service(
///     App::new()
///         .app_data(AuthzConfig::new("api"))
///         .wrap(HttpAuthentication::with_fn(identify(verify)))
///         .service(admin),
/// )
/// .await;
/// let request = test::TestRequest::get()
///     .uri("/admin")
///     .insert_header(("authorization", "Bearer opensesame"))
///     .to_request();
/// assert_eq!(test::call_service(&app, request).await.status(), 200);
/// # });
/// ```
pub fn identify<T, F, Fut, I>(
    verify: F,
) -> impl Fn(
    ServiceRequest,
    T,
) -> LocalBoxFuture<'static, Result<ServiceRequest, (actix_web::Error, ServiceRequest)>>
+ 'static
where
    T: FromRequest + 'static,
    F: Fn(T) -> Fut + 'static,
    Fut: Future<Output = actix_web::Result<Option<I>>> + 'static,
    I: Identity,
{
    move |request, credentials| {
        let verified = verify(credentials);
        Box::pin(async move {
            match verified.await {
                Ok(Some(identity)) => {
                    attach_identity(&request, identity);
                    Ok(request)
                }
                Ok(None) => Ok(request),
                Err(error) => Err((error, request)),
            }
        })
    }
}

/// Which of actix-web-httpauth's schemes an [`ExtractorAuthenticator`] handles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Bearer,
    Basic,
}

/// An [`Authenticator`] from a function of one of actix-web-httpauth's credentials extractors:
/// [`bearer`](ExtractorAuthenticator::bearer) for `BearerAuth`,
/// [`basic`](ExtractorAuthenticator::basic) for `BasicAuth`.
///
/// The function answers `Ok(Some(identity))` for valid credentials, `Ok(None)` for wrong ones
/// (401, with `error="invalid_token"` for Bearer), `Err(BackendUnavailable)` when it cannot
/// tell (503). Requests with another scheme are left to the next authenticator.
///
/// ```
/// use actix_authz::httpauth::ExtractorAuthenticator;
/// use actix_authz::{AuthzConfig, Principal, constant_time_eq};
///
/// let config = AuthzConfig::new("api").authenticator(ExtractorAuthenticator::basic(
///     |credentials: actix_web_httpauth::extractors::basic::BasicAuth| async move {
///         let password = credentials.password().unwrap_or_default();
///         let ok = credentials.user_id() == "ops" && constant_time_eq(password.as_bytes(), b"s3cr3t");
///         Ok(ok.then(|| Principal::new("ops").with_roles(["admin"])))
///     },
/// ));
/// # let _ = config;
/// ```
pub struct ExtractorAuthenticator<T, F> {
    verify: Arc<F>,
    scheme: Scheme,
    extractor: PhantomData<fn() -> T>,
}

impl<F> ExtractorAuthenticator<BearerAuth, F> {
    /// Authenticates `Authorization: Bearer` requests with `verify`.
    pub fn bearer<Fut, I>(verify: F) -> Self
    where
        F: Fn(BearerAuth) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<I>, BackendUnavailable>> + 'static,
        I: Identity,
    {
        Self {
            verify: Arc::new(verify),
            scheme: Scheme::Bearer,
            extractor: PhantomData,
        }
    }
}

impl<F> ExtractorAuthenticator<BasicAuth, F> {
    /// Authenticates `Authorization: Basic` requests with `verify`.
    pub fn basic<Fut, I>(verify: F) -> Self
    where
        F: Fn(BasicAuth) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<I>, BackendUnavailable>> + 'static,
        I: Identity,
    {
        Self {
            verify: Arc::new(verify),
            scheme: Scheme::Basic,
            extractor: PhantomData,
        }
    }
}

impl<T, F> fmt::Debug for ExtractorAuthenticator<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtractorAuthenticator")
            .field("scheme", &self.scheme)
            .finish_non_exhaustive()
    }
}

impl<T, F, Fut, I> Authenticator for ExtractorAuthenticator<T, F>
where
    T: FromRequest + 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<I>, BackendUnavailable>> + 'static,
    I: Identity,
{
    fn authenticate(
        &self,
        request: &HttpRequest,
        credentials: Option<Credentials<'_>>,
    ) -> Authentication {
        let name = match self.scheme {
            Scheme::Bearer => "Bearer",
            Scheme::Basic => "Basic",
        };
        if !credentials.is_some_and(|credentials| credentials.has_scheme(name)) {
            return Outcome::Anonymous.into();
        }
        let extracting = T::from_request(request, &mut Payload::None);
        let verify = Arc::clone(&self.verify);
        Authentication::pending(async move {
            let Ok(extracted) = extracting.await else {
                // The header names the scheme but does not parse as its credentials.
                return Outcome::INVALID;
            };
            match verify(extracted).await {
                Ok(Some(identity)) => Outcome::authenticated(identity),
                Ok(None) => Outcome::INVALID,
                Err(BackendUnavailable) => Outcome::Unavailable,
            }
        })
    }

    fn challenge(&self, realm: &str, kind: ChallengeKind<'_>) -> Option<Challenge> {
        match (self.scheme, kind) {
            (Scheme::Bearer, kind) => Some(bearer_challenge(realm, kind)),
            (
                Scheme::Basic,
                ChallengeKind::Unauthenticated | ChallengeKind::InvalidCredentials { .. },
            ) => Some(Challenge::new("Basic", realm).param("charset", "UTF-8")),
            (Scheme::Basic, _) => None,
        }
    }
}
