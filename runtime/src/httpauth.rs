//! Interop with [`actix-web-httpauth`](https://docs.rs/actix-web-httpauth) (feature
//! `httpauth`), for apps migrating from it.
//!
//! Two ways, keep what you have or move the check into actix-authz:
//!
//! - **Keep its middleware and your validator**: [`identify`] turns a function from its
//!   credentials extractor (`BearerAuth`, `BasicAuth`, or `Option<...>` of them) to your
//!   identity into the process function of `HttpAuthentication::with_fn`, attaching the identity
//!   the way [`attach_identity`] does. The attributes then use it
//!   without authenticating again; [`MiddlewareScheme`] gives their 401 responses the
//!   middleware's challenge.
//! - **Move the check into actix-authz**: [`ExtractorAuthenticator`] runs the same function as
//!   an [`Authenticator`], so that refusals get actix-authz's challenges, problem bodies and
//!   decision records, and public routes need no middleware at all.

use std::fmt;
use std::future::Future;
use std::marker::PhantomData;

use actix_web::dev::{Payload, ServiceRequest};
use actix_web::http::header::{AUTHORIZATION, HeaderValue};
use actix_web::test::TestRequest;
use actix_web::{FromRequest, HttpRequest};
use actix_web_httpauth::extractors::basic::BasicAuth;
use actix_web_httpauth::extractors::bearer::BearerAuth;
use actix_web_httpauth::headers::authorization::Basic;
use futures_util::future::LocalBoxFuture;

use crate::basic::basic_challenge;
use crate::jwt::bearer_challenge;
use crate::{
    Authentication, Authenticator, BackendUnavailable, BasicCredentials, Challenge, ChallengeKind,
    Credentials, Identity, Outcome, attach_identity,
};

/// The process function of actix-web-httpauth's `HttpAuthentication::with_fn` middleware, from
/// `verify`: `Ok(Some(identity))` attaches the identity, `Ok(None)` lets the request on without
/// one (a protected handler answers 401), and `Err(error)` answers with `error`, as the
/// middleware always did.
///
/// The middleware reads only the first `Authorization` header: a request with several gets
/// the 400 of the HTTP contract from the protected handlers all the same, whatever `verify`
/// made of the first.
///
/// Take `Option<BearerAuth>` to let requests without credentials reach public routes. Configure
/// the middleware's scheme as a [`MiddlewareScheme`], so that actix-authz's 401 responses
/// carry its challenge (RFC 9110 requires one).
///
/// What stays the middleware's: the credentials are parsed by actix-web-httpauth's extractor
/// (which matches the scheme as it spells it, `Bearer`, case-sensitively), and a wrong token
/// gets either actix-authz's plain challenge (`Ok(None)`: no identity, no
/// `error="invalid_token"`) or the middleware's own error response (`Err`), not actix-authz's
/// answer to an invalid token. [`ExtractorAuthenticator`] gives the contract's answers to both.
///
/// ```
/// use actix_authz::httpauth::{MiddlewareScheme, identify};
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
///         .app_data(AuthzConfig::new("api").authenticator(MiddlewareScheme::bearer()))
///         .wrap(HttpAuthentication::with_fn(identify(verify)))
///         .service(admin),
/// )
/// .await;
/// let request = test::TestRequest::get()
///     .uri("/admin")
///     .insert_header(("authorization", "Bearer opensesame"))
///     .to_request();
/// assert_eq!(test::call_service(&app, request).await.status(), 200);
///
/// let anonymous = test::TestRequest::get().uri("/admin").to_request();
/// let response = test::call_service(&app, anonymous).await;
/// assert_eq!(response.status(), 401);
/// let challenge = response.headers().get("www-authenticate").unwrap();
/// assert_eq!(challenge, r#"Bearer realm="api""#);
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

/// An [`Authenticator`] from a function of one of actix-web-httpauth's credentials extractors:
/// [`bearer`](ExtractorAuthenticator::bearer) for `BearerAuth`,
/// [`basic`](ExtractorAuthenticator::basic) for `BasicAuth`.
///
/// The function answers `Ok(Some(identity))` for valid credentials, `Ok(None)` for wrong ones
/// (401, with `error="invalid_token"` for Bearer), `Err(BackendUnavailable)` when it cannot
/// tell (503). Requests with another scheme are left to the next authenticator.
///
/// The credentials are read as actix-authz reads them, not as actix-web-httpauth's extractors
/// do: the scheme in any case and followed by any number of spaces (RFC 9110 §11.4), and Basic
/// credentials decoded by [`BasicCredentials::decode`](crate::BasicCredentials::decode), so
/// that control characters are refused before the function runs. A `BasicAuth` without a
/// password has `password()` `None`, as actix-web-httpauth's own.
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
    verify: F,
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
            verify,
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
            verify,
            extractor: PhantomData,
        }
    }
}

impl<T, F> fmt::Debug for ExtractorAuthenticator<T, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExtractorAuthenticator")
            .field("extractor", &std::any::type_name::<T>())
            .finish_non_exhaustive()
    }
}

impl<T, F, Fut, I> ExtractorAuthenticator<T, F>
where
    T: 'static,
    F: Fn(T) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<I>, BackendUnavailable>> + 'static,
    I: Identity,
{
    /// Verifies the credentials, if they could be read as `T`: a request that names the scheme
    /// with credentials that do not parse is invalid.
    fn authenticate_with(&self, extracted: Option<T>) -> Authentication {
        let Some(extracted) = extracted else {
            return Outcome::INVALID.into();
        };
        let verified = (self.verify)(extracted);
        Authentication::pending(async move {
            match verified.await {
                Ok(Some(identity)) => Outcome::authenticated(identity),
                Ok(None) => Outcome::INVALID,
                Err(BackendUnavailable) => Outcome::Unavailable,
            }
        })
    }
}

impl<F, Fut, I> Authenticator for ExtractorAuthenticator<BearerAuth, F>
where
    F: Fn(BearerAuth) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<I>, BackendUnavailable>> + 'static,
    I: Identity,
{
    fn authenticate(
        &self,
        request: &HttpRequest,
        credentials: Option<Credentials<'_>>,
    ) -> Authentication {
        match credentials {
            Some(credentials) if credentials.has_scheme("Bearer") => {
                self.authenticate_with(bearer_auth(request, credentials.rest()))
            }
            _ => Outcome::Anonymous.into(),
        }
    }

    fn challenge(&self, realm: &str, kind: ChallengeKind<'_>) -> Option<Challenge> {
        Some(bearer_challenge(realm, kind))
    }
}

impl<F, Fut, I> Authenticator for ExtractorAuthenticator<BasicAuth, F>
where
    F: Fn(BasicAuth) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<I>, BackendUnavailable>> + 'static,
    I: Identity,
{
    fn authenticate(
        &self,
        _request: &HttpRequest,
        credentials: Option<Credentials<'_>>,
    ) -> Authentication {
        match credentials {
            Some(credentials) if credentials.has_scheme("Basic") => {
                self.authenticate_with(basic_auth(credentials.rest()))
            }
            _ => Outcome::Anonymous.into(),
        }
    }

    fn challenge(&self, realm: &str, kind: ChallengeKind<'_>) -> Option<Challenge> {
        basic_challenge(realm, kind)
    }
}

/// The `BearerAuth` of `token`. Its extractor is its only constructor, and takes the scheme
/// only as `Bearer` followed by one space: a request that writes it so gives it its own
/// header; any other is given a request of its own carrying the same token, written so.
fn bearer_auth(request: &HttpRequest, token: &[u8]) -> Option<BearerAuth> {
    let extract = |request: &HttpRequest| {
        BearerAuth::from_request(request, &mut Payload::None)
            .into_inner()
            .ok()
    };
    let header = request.headers().get(AUTHORIZATION)?;
    if header.as_bytes().strip_prefix(b"Bearer ") == Some(token) {
        return extract(request);
    }
    let header = HeaderValue::from_bytes(&[b"Bearer ", token].concat()).ok()?;
    extract(
        &TestRequest::default()
            .insert_header((AUTHORIZATION, header))
            .to_http_request(),
    )
}

/// The `BasicAuth` of a `Basic` token68, decoded as [`BasicAuthenticator`](crate::BasicAuthenticator)
/// decodes it.
fn basic_auth(token68: &[u8]) -> Option<BasicAuth> {
    let credentials = BasicCredentials::decode(token68)?;
    let password = Some(credentials.password().to_owned()).filter(|password| !password.is_empty());
    Some(BasicAuth::from(Basic::new(
        credentials.user_id().to_owned(),
        password,
    )))
}

/// The scheme that actix-web-httpauth's middleware authenticates, as an [`Authenticator`]
/// that authenticates nobody (the middleware did, with [`identify`]) and gives actix-authz's
/// 401 responses that scheme's challenge: RFC 9110 requires one on every 401, and with
/// [`identify`] alone actix-authz would know no scheme to announce.
///
/// ```
/// use actix_authz::AuthzConfig;
/// use actix_authz::httpauth::MiddlewareScheme;
///
/// // `WWW-Authenticate: Bearer realm="api"` on the 401 of a request without an identity.
/// let config = AuthzConfig::new("api").authenticator(MiddlewareScheme::bearer());
/// # let _ = config;
/// ```
#[derive(Debug, Clone, Copy)]
pub struct MiddlewareScheme {
    scheme: Scheme,
}

#[derive(Debug, Clone, Copy)]
enum Scheme {
    Bearer,
    Basic,
}

impl MiddlewareScheme {
    /// The middleware authenticates `Authorization: Bearer` requests (`BearerAuth`): the
    /// challenge of RFC 6750.
    pub const fn bearer() -> Self {
        Self {
            scheme: Scheme::Bearer,
        }
    }

    /// The middleware authenticates `Authorization: Basic` requests (`BasicAuth`): the challenge
    /// of RFC 7617.
    pub const fn basic() -> Self {
        Self {
            scheme: Scheme::Basic,
        }
    }
}

impl Authenticator for MiddlewareScheme {
    fn authenticate(&self, _: &HttpRequest, _: Option<Credentials<'_>>) -> Authentication {
        Outcome::Anonymous.into()
    }

    fn challenge(&self, realm: &str, kind: ChallengeKind<'_>) -> Option<Challenge> {
        match self.scheme {
            Scheme::Bearer => Some(bearer_challenge(realm, kind)),
            Scheme::Basic => basic_challenge(realm, kind),
        }
    }
}
