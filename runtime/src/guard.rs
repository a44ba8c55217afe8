//! The request path: authenticate once, decide, and hand the caller to the handler.

use std::any::Any;
use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::Arc;

use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::http::header::AUTHORIZATION;
use actix_web::{FromRequest, HttpMessage, HttpRequest};
use futures_util::future::LocalBoxFuture;

use crate::{
    AuthzConfig, AuthzError, ChallengeKind, Credentials, Identity, Outcome, Principal, RefusalKind,
    Requirement,
};

/// What authentication made of a request, cached in its extensions so that it runs at most
/// once however many extractors ask.
#[derive(Clone)]
enum Resolution {
    Identified {
        identity: Arc<dyn Identity>,
        /// The index of the authenticator that vouched for it; `None` for an identity attached
        /// by upstream middleware.
        source: Option<usize>,
    },
    Anonymous,
    Invalid {
        source: usize,
        description: Option<&'static str>,
    },
    Malformed,
    Unavailable,
}

/// Attaches an identity that upstream middleware established (a session, `actix-identity`,
/// `actix-web-httpauth`, a gateway header you trust), so that the attributes use it without
/// running any authenticator.
///
/// A denial for such an identity is a 403 without challenge, like a session's.
///
/// # Example
///
/// ```
/// use actix_authz::{AuthzConfig, Principal, attach_identity, authenticated};
/// use actix_web::{App, HttpResponse, dev::Service as _, get, test};
///
/// #[get("/")]
/// #[authenticated]
/// async fn index() -> HttpResponse {
///     HttpResponse::NoContent().finish()
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let app = test::init_service(
///     App::new()
///         .app_data(AuthzConfig::new("app"))
///         .wrap_fn(|request, service| {
///             // e.g. read the session here
///             attach_identity(&request, Principal::new("alice"));
///             service.call(request)
///         })
///         .service(index),
/// )
/// .await;
/// let response = test::call_service(&app, test::TestRequest::get().to_request()).await;
/// assert_eq!(response.status(), 204);
/// # });
/// ```
pub fn attach_identity(message: &impl HttpMessage, identity: impl Identity) {
    message.extensions_mut().insert(Resolution::Identified {
        identity: Arc::new(identity),
        source: None,
    });
}

fn config(request: &HttpRequest) -> Result<&AuthzConfig, AuthzError> {
    request.app_data::<AuthzConfig>().ok_or_else(|| {
        tracing::error!(
            path = request.path(),
            "no actix_authz::AuthzConfig is registered with App::app_data; refusing"
        );
        AuthzError::new(RefusalKind::Misconfigured, Vec::new())
    })
}

async fn resolve(request: &HttpRequest, config: &AuthzConfig) -> Resolution {
    if let Some(resolution) = request.extensions().get::<Resolution>() {
        return resolution.clone();
    }
    let resolution = authenticate(request, config).await;
    request.extensions_mut().insert(resolution.clone());
    resolution
}

async fn authenticate(request: &HttpRequest, config: &AuthzConfig) -> Resolution {
    let mut headers = request.headers().get_all(AUTHORIZATION);
    let credentials = match (headers.next(), headers.next()) {
        (Some(_), Some(_)) => return Resolution::Malformed,
        (Some(value), None) => Credentials::parse(value.as_bytes()),
        (None, _) => None,
    };
    for (index, authenticator) in config.authenticators().iter().enumerate() {
        match authenticator.authenticate(request, credentials).await {
            Outcome::Anonymous => continue,
            Outcome::Authenticated(identity) => {
                return Resolution::Identified {
                    identity,
                    source: Some(index),
                };
            }
            Outcome::Invalid { description } => {
                return Resolution::Invalid {
                    source: index,
                    description,
                };
            }
            Outcome::Malformed => return Resolution::Malformed,
            Outcome::Unavailable => {
                tracing::warn!(
                    path = request.path(),
                    "an authenticator is unavailable; refusing"
                );
                return Resolution::Unavailable;
            }
        }
    }
    Resolution::Anonymous
}

/// The identity of the request, or the refusal of an unauthenticated one.
async fn identify(
    request: &HttpRequest,
    config: &AuthzConfig,
    realm: Option<&str>,
) -> Result<(Arc<dyn Identity>, Option<usize>), AuthzError> {
    let refusal = |kind: RefusalKind, challenges: Vec<_>| {
        if kind.status() == StatusCode::UNAUTHORIZED && challenges.is_empty() {
            // RFC 9110 §11.6.1: a 401 must say how to authenticate.
            tracing::warn!(
                "a 401 carries no WWW-Authenticate challenge: configure at least one \
                 authenticator that has one (e.g. FnAuthenticator::challenge_scheme)"
            );
        }
        Err(AuthzError::new(kind, challenges))
    };
    match resolve(request, config).await {
        Resolution::Identified { identity, source } => Ok((identity, source)),
        Resolution::Anonymous => refusal(
            RefusalKind::MissingCredentials,
            config.challenges(realm, |_| Some(ChallengeKind::Unauthenticated)),
        ),
        Resolution::Invalid {
            source,
            description,
        } => refusal(
            RefusalKind::InvalidCredentials,
            config.challenges(realm, |index| {
                Some(if index == source {
                    ChallengeKind::InvalidCredentials { description }
                } else {
                    ChallengeKind::Unauthenticated
                })
            }),
        ),
        Resolution::Malformed => refusal(
            RefusalKind::MalformedRequest,
            config.challenges(realm, |_| Some(ChallengeKind::InvalidRequest)),
        ),
        Resolution::Unavailable => refusal(RefusalKind::Unavailable, Vec::new()),
    }
}

/// Decides `requirement` for the request: `Ok` to run the handler, or the refusal.
pub(crate) async fn authorize(
    request: &HttpRequest,
    requirement: &Requirement,
    realm: Option<&str>,
) -> Result<(), AuthzError> {
    let config = config(request)?;
    let (identity, source) = identify(request, config, realm).await?;
    if requirement.is_satisfied_by(&*identity) {
        tracing::debug!(subject = identity.subject(), %requirement, "granted");
        return Ok(());
    }
    tracing::info!(
        path = request.path(),
        subject = identity.subject(),
        %requirement,
        "denied"
    );
    let mut missing_scopes = String::new();
    requirement.for_each_missing_scope(&*identity, &mut |scope| {
        if !missing_scopes.is_empty() {
            missing_scopes.push(' ');
        }
        missing_scopes.push_str(scope);
    });
    let scope = Some(missing_scopes.as_str()).filter(|s| !s.is_empty());
    Err(AuthzError::new(
        RefusalKind::Forbidden,
        config.challenges(realm, |index| {
            (Some(index) == source).then_some(ChallengeKind::InsufficientScope { scope })
        }),
    ))
}

/// The authenticated caller, as a handler argument.
///
/// On its own it protects the handler like `#[authenticated]`. Next to an attribute it reads the
/// identity the attribute's check already established, without authenticating again. `I` is the
/// identity type your authenticators produce: [`Principal`] by default.
///
/// `Option<Caller>` is `None` for any request without a usable identity, for handlers that
/// serve everyone and only personalise for known callers.
///
/// # Example
///
/// ```
/// use actix_authz::{Caller, Identity, requires};
/// use actix_web::get;
///
/// #[get("/me")]
/// #[requires(role = "member")]
/// async fn me(caller: Caller) -> String {
///     format!("hello, {}", caller.subject())
/// }
/// ```
pub struct Caller<I: Identity = Principal> {
    identity: Arc<I>,
}

impl<I: Identity> Caller<I> {
    /// The identity.
    pub fn identity(&self) -> &I {
        &self.identity
    }

    /// The shared identity, to keep beyond the handler.
    pub fn into_inner(self) -> Arc<I> {
        self.identity
    }
}

impl<I: Identity> Deref for Caller<I> {
    type Target = I;

    fn deref(&self) -> &I {
        &self.identity
    }
}

impl<I: Identity> fmt::Debug for Caller<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Caller").field(&self.identity).finish()
    }
}

impl<I: Identity> FromRequest for Caller<I> {
    type Error = AuthzError;
    type Future = LocalBoxFuture<'static, Result<Self, AuthzError>>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        let request = request.clone();
        Box::pin(async move {
            let (identity, _) = identify(&request, config(&request)?, None).await?;
            let identity: Arc<dyn Any + Send + Sync> = identity;
            match identity.downcast::<I>() {
                Ok(identity) => Ok(Self { identity }),
                Err(_) => {
                    tracing::error!(
                        expected = std::any::type_name::<I>(),
                        "Caller<I> asks for an identity type the authenticators do not produce"
                    );
                    Err(AuthzError::new(RefusalKind::Misconfigured, Vec::new()))
                }
            }
        })
    }
}

/// A handler's declared requirement, as generated by the attributes.
#[doc(hidden)]
pub trait Policy: 'static {
    const REQUIREMENT: &'static Requirement;
    const REALM: Option<&'static str>;
}

/// The single argument of a protected handler: decides its policy first, then extracts the
/// handler's own arguments, so that no other extractor can fail or read the body before the
/// caller is known to be allowed.
#[doc(hidden)]
pub struct Guarded<P, Args> {
    args: Args,
    policy: PhantomData<P>,
}

impl<P, Args> Guarded<P, Args> {
    pub fn into_inner(self) -> Args {
        self.args
    }
}

impl<P, Args> fmt::Debug for Guarded<P, Args> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Guarded").finish_non_exhaustive()
    }
}

impl<P: Policy, Args: FromRequest + 'static> FromRequest for Guarded<P, Args> {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, actix_web::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let request = request.clone();
        let mut payload = payload.take();
        Box::pin(async move {
            authorize(&request, P::REQUIREMENT, P::REALM).await?;
            let args = Args::from_request(&request, &mut payload)
                .await
                .map_err(Into::into)?;
            Ok(Self {
                args,
                policy: PhantomData,
            })
        })
    }
}
