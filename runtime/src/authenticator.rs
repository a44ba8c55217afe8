//! Turning a request into an [`Outcome`]: the [`Authenticator`] trait, the parsed
//! [`Credentials`] of the `Authorization` header, and [`FnAuthenticator`] for your own logic.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use actix_web::HttpRequest;
use futures_util::future::LocalBoxFuture;

use crate::{Challenge, ChallengeKind, Identity};

/// What an authenticator made of a request.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// The request carries no credentials this authenticator handles; the next one is asked.
    /// When every authenticator says so, the caller is anonymous (401).
    Anonymous,
    /// The credentials are valid and belong to this identity.
    Authenticated(Arc<dyn Identity>),
    /// The credentials are this authenticator's, but wrong (401, with this authenticator's
    /// challenge marked as the failing one).
    Invalid {
        /// A short, fixed explanation for `error_description`; never include request data.
        description: Option<&'static str>,
    },
    /// The request is malformed in a way that is not merely wrong credentials (400).
    Malformed,
    /// The credentials could not be checked, e.g. the user store is down (503). The handler
    /// never runs.
    Unavailable,
}

impl Outcome {
    /// Wrong credentials, without a description.
    pub const INVALID: Self = Self::Invalid { description: None };

    /// An authenticated outcome for `identity`.
    pub fn authenticated(identity: impl Identity) -> Self {
        Self::Authenticated(Arc::new(identity))
    }
}

/// What [`Authenticator::authenticate`] returns: the [`Outcome`] at once, or a future of it.
///
/// An authenticator that decides from the request alone (a JWT, an API key, a session already
/// loaded) answers [`ready`](Self::ready), or just `outcome.into()`: the request is then decided
/// without waiting and without a heap allocation. One that waits for I/O (a user store, a key
/// set to fetch) answers [`pending`](Self::pending) with a future that owns what it needs, like
/// the futures of actix-web's own extractors: clone the request (a cheap handle) and the shared
/// state it uses into it.
///
/// It is a [`Future`] itself: `authenticator.authenticate(request, credentials).await` gives the
/// outcome either way.
///
/// # Example
///
/// ```
/// use actix_authz::{Authentication, Outcome, Principal};
///
/// let at_once: Authentication = Outcome::authenticated(Principal::new("alice")).into();
/// let later = Authentication::pending(async { Outcome::Anonymous });
/// # let _ = (at_once, later);
/// ```
#[must_use = "an authentication does nothing unless its outcome is used"]
pub struct Authentication(Answer);

enum Answer {
    /// `None` once a poll has taken it.
    Ready(Option<Outcome>),
    Pending(LocalBoxFuture<'static, Outcome>),
}

impl Authentication {
    /// The outcome, known now.
    pub fn ready(outcome: Outcome) -> Self {
        Self(Answer::Ready(Some(outcome)))
    }

    /// An outcome to wait for.
    pub fn pending(future: impl Future<Output = Outcome> + 'static) -> Self {
        Self(Answer::Pending(Box::pin(future)))
    }

    /// The outcome if it is known without waiting, or the future to wait for.
    pub(crate) fn into_ready(self) -> Result<Outcome, LocalBoxFuture<'static, Outcome>> {
        match self.0 {
            Answer::Ready(Some(outcome)) => Ok(outcome),
            // Polled to completion already: there is nothing to give but a refusal.
            Answer::Ready(None) => Ok(Outcome::Unavailable),
            Answer::Pending(future) => Err(future),
        }
    }
}

impl From<Outcome> for Authentication {
    fn from(outcome: Outcome) -> Self {
        Self::ready(outcome)
    }
}

impl Future for Authentication {
    type Output = Outcome;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Outcome> {
        match &mut self.0 {
            Answer::Ready(outcome) => Poll::Ready(
                outcome
                    .take()
                    .expect("an Authentication polled after it completed"),
            ),
            Answer::Pending(future) => future.as_mut().poll(cx),
        }
    }
}

impl fmt::Debug for Authentication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Answer::Ready(outcome) => f.debug_tuple("Ready").field(outcome).finish(),
            Answer::Pending(_) => f.write_str("Pending"),
        }
    }
}

/// The credentials of the request's single `Authorization` header: `scheme 1*SP rest`.
///
/// The scheme is a token (RFC 9110 §5.6.2) and is compared case-insensitively with
/// [`has_scheme`](Self::has_scheme); the rest is kept as raw bytes, exactly as received
/// (it need not be UTF-8, and it may be empty).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Credentials<'a> {
    scheme: &'a str,
    rest: &'a [u8],
}

impl<'a> Credentials<'a> {
    /// Parses a header value; `None` when the value is empty, blank, or does not start with a
    /// token followed by nothing or by at least one space.
    pub fn parse(value: &'a [u8]) -> Option<Self> {
        let value = value.trim_ascii();
        let scheme_len = value.iter().position(|&b| b == b' ').unwrap_or(value.len());
        let (scheme, rest) = value.split_at(scheme_len);
        if !is_token(scheme) {
            return None;
        }
        // `is_tchar` admits ASCII only, so this cannot fail.
        let scheme = std::str::from_utf8(scheme).ok()?;
        let rest = rest.trim_ascii_start();
        Some(Self { scheme, rest })
    }

    /// The scheme as sent.
    pub fn scheme(&self) -> &'a str {
        self.scheme
    }

    /// Whether the scheme is `name`, ignoring ASCII case.
    pub fn has_scheme(&self, name: &str) -> bool {
        self.scheme.eq_ignore_ascii_case(name)
    }

    /// What follows the scheme and its spaces (a token68 or auth-params); may be empty.
    pub fn rest(&self) -> &'a [u8] {
        self.rest
    }
}

impl fmt::Debug for Credentials<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("scheme", &self.scheme)
            .field("rest", &"<redacted>")
            .finish()
    }
}

/// `tchar` of RFC 9110 §5.6.2.
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// Whether `text` is a `token` of RFC 9110 §5.6.2, as authentication schemes and parameter
/// names are.
pub(crate) fn is_token(text: &[u8]) -> bool {
    !text.is_empty() && text.iter().copied().all(is_tchar)
}

/// Turns a request into an [`Outcome`], and says how to authenticate with it.
///
/// The framework asks each configured authenticator in turn, stopping at the first outcome that
/// is not [`Outcome::Anonymous`], and only for handlers that need an identity. It parses the
/// `Authorization` header once and refuses several of them before any authenticator runs.
///
/// # Concurrency
///
/// Requests are not decided one after the other: each worker decides its own, the futures of
/// many requests run at once on each worker, and nothing the framework does per request waits
/// for another request (the verified-token cache of
/// [`JwtAuthenticator::cache`](crate::JwtAuthenticator::cache) never blocks; the key set of a
/// JWKS authenticator is read under a shared lock, held only while a key is looked up). An
/// authenticator keeps it so by awaiting its I/O instead of blocking, and by holding no lock
/// across an `.await`: a mutex around a backend client would make every protected request of
/// the app wait for the one before it.
///
/// # Example
///
/// An API-key authenticator (any `Authorization: ApiKey <key>` header):
///
/// ```
/// use actix_authz::{
///     Authentication, Authenticator, Challenge, ChallengeKind, Credentials, Outcome, Principal,
///     constant_time_eq,
/// };
/// use actix_web::HttpRequest;
///
/// struct ApiKey(&'static str);
///
/// impl Authenticator for ApiKey {
///     fn authenticate(
///         &self,
///         _request: &HttpRequest,
///         credentials: Option<Credentials<'_>>,
///     ) -> Authentication {
///         let outcome = match credentials {
///             Some(c) if c.has_scheme("ApiKey") => {
///                 if constant_time_eq(c.rest(), self.0.as_bytes()) {
///                     Outcome::authenticated(Principal::new("service").with_roles(["admin"]))
///                 } else {
///                     Outcome::INVALID
///                 }
///             }
///             _ => Outcome::Anonymous,
///         };
///         outcome.into()
///     }
///
///     fn challenge(&self, realm: &str, kind: ChallengeKind<'_>) -> Option<Challenge> {
///         match kind {
///             ChallengeKind::Unauthenticated | ChallengeKind::InvalidCredentials { .. } => {
///                 Some(Challenge::new("ApiKey", realm))
///             }
///             _ => None,
///         }
///     }
/// }
/// # let _ = actix_authz::AuthzConfig::new("api").authenticator(ApiKey("k"));
/// ```
pub trait Authenticator: Send + Sync + 'static {
    /// Authenticates the request. `credentials` is the parsed `Authorization` header, if the
    /// request has exactly one that parses. Return [`Outcome::Anonymous`] for credentials of
    /// another scheme.
    ///
    /// Answer [`Authentication::ready`] when the outcome is known without waiting, and
    /// [`Authentication::pending`] with a future that owns what it needs otherwise.
    fn authenticate(
        &self,
        request: &HttpRequest,
        credentials: Option<Credentials<'_>>,
    ) -> Authentication;

    /// The challenge line this authenticator adds to a refusal of the given kind, if any.
    /// The default adds none: every 401 needs a challenge, so an app whose authenticators
    /// have none names its scheme with
    /// [`AuthzConfig::challenge_scheme`](crate::AuthzConfig::challenge_scheme).
    fn challenge(&self, realm: &str, kind: ChallengeKind<'_>) -> Option<Challenge> {
        let _ = (realm, kind);
        None
    }
}

/// An [`Authenticator`] from an async function of the request, for sessions, cookies, API keys
/// or anything else; optionally with a challenge scheme for its 401s.
///
/// # Example
///
/// ```
/// use actix_authz::{AuthzConfig, FnAuthenticator, Outcome, Principal};
/// use actix_web::HttpRequest;
///
/// let by_header = FnAuthenticator::new(|request: HttpRequest| async move {
///     match request.headers().get("x-service-key") {
///         None => Outcome::Anonymous,
///         Some(key) if key == "s3cr3t" => Outcome::authenticated(Principal::new("svc")),
///         Some(_) => Outcome::INVALID,
///     }
/// })
/// .challenge_scheme("ServiceKey");
///
/// let config = AuthzConfig::new("internal").authenticator(by_header);
/// # let _ = config;
/// ```
pub struct FnAuthenticator<F> {
    function: F,
    scheme: Option<SchemeChallenge>,
}

impl<F, Fut> FnAuthenticator<F>
where
    F: Fn(HttpRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + 'static,
{
    /// Wraps `function`, which receives a handle to the request (a cheap clone).
    pub fn new(function: F) -> Self {
        Self {
            function,
            scheme: None,
        }
    }

    /// The scheme of the challenge line this authenticator adds to 401 responses
    /// (`<scheme> realm="…"`). Without it, it adds none.
    ///
    /// # Panics
    ///
    /// If `scheme` is not a token (RFC 9110 §5.6.2: ASCII letters, digits and
    /// ``!#$%&'*+-.^_`|~``, no spaces), which no challenge could carry.
    #[must_use]
    #[track_caller]
    pub fn challenge_scheme(mut self, scheme: &'static str) -> Self {
        self.scheme = Some(SchemeChallenge::new(
            "FnAuthenticator::challenge_scheme",
            scheme,
        ));
        self
    }
}

impl<F> fmt::Debug for FnAuthenticator<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FnAuthenticator")
            .field("scheme", &self.scheme.as_ref().map(|scheme| scheme.0))
            .finish_non_exhaustive()
    }
}

impl<F, Fut> Authenticator for FnAuthenticator<F>
where
    F: Fn(HttpRequest) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Outcome> + 'static,
{
    fn authenticate(
        &self,
        request: &HttpRequest,
        _credentials: Option<Credentials<'_>>,
    ) -> Authentication {
        Authentication::pending((self.function)(request.clone()))
    }

    fn challenge(&self, realm: &str, kind: ChallengeKind<'_>) -> Option<Challenge> {
        self.scheme.as_ref()?.challenge(realm, kind)
    }
}

/// A scheme's bare challenge, `<scheme> realm="…"`, on 401s: the challenge of an
/// [`FnAuthenticator`] with a scheme, and, alone, the authenticator of
/// [`AuthzConfig::challenge_scheme`](crate::AuthzConfig::challenge_scheme), which authenticates
/// nobody.
pub(crate) struct SchemeChallenge(&'static str);

impl SchemeChallenge {
    /// The challenge of `scheme`, as `setting` (the public method) names it in its panic.
    ///
    /// # Panics
    ///
    /// If `scheme` is not a token (RFC 9110 §5.6.2), which no challenge could carry.
    #[track_caller]
    pub(crate) fn new(setting: &str, scheme: &'static str) -> Self {
        assert!(
            is_token(scheme.as_bytes()),
            "{setting}: {scheme:?} is not an authentication scheme \
             (a token: ASCII letters, digits and !#$%&'*+-.^_`|~, no spaces)"
        );
        Self(scheme)
    }
}

impl Authenticator for SchemeChallenge {
    fn authenticate(&self, _: &HttpRequest, _: Option<Credentials<'_>>) -> Authentication {
        Outcome::Anonymous.into()
    }

    fn challenge(&self, realm: &str, kind: ChallengeKind<'_>) -> Option<Challenge> {
        match kind {
            ChallengeKind::Unauthenticated | ChallengeKind::InvalidCredentials { .. } => {
                Some(Challenge::new(self.0, realm))
            }
            ChallengeKind::InvalidRequest | ChallengeKind::InsufficientScope { .. } => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{Authenticator, Credentials, FnAuthenticator, Outcome};
    use crate::ChallengeKind;

    #[test]
    #[should_panic(expected = "\"Session Cookie\" is not an authentication scheme")]
    fn a_challenge_scheme_must_be_a_token() {
        let _ = FnAuthenticator::new(|_| async { Outcome::Anonymous })
            .challenge_scheme("Session Cookie");
    }

    #[test]
    fn a_token_scheme_challenges() {
        for scheme in ["Session", "X-Api-Key", "Custom_1.0"] {
            let authenticator =
                FnAuthenticator::new(|_| async { Outcome::Anonymous }).challenge_scheme(scheme);
            let challenge = authenticator
                .challenge("app", ChallengeKind::Unauthenticated)
                .and_then(|challenge| challenge.to_header_value())
                .unwrap();
            assert_eq!(challenge, format!(r#"{scheme} realm="app""#).as_str());
        }
    }

    #[test]
    fn parses_scheme_and_rest() {
        // Surrounding optional whitespace (SP / HTAB) is not part of the value.
        let padded = Credentials::parse(b"\tBasic abc \t").unwrap();
        assert!(padded.has_scheme("basic"));
        assert_eq!(padded.rest(), b"abc");

        let c = Credentials::parse(b"bEaReR   abc.def ").unwrap();
        assert!(c.has_scheme("Bearer"));
        assert_eq!(c.scheme(), "bEaReR");
        assert_eq!(c.rest(), b"abc.def");

        let bare = Credentials::parse(b"Bearer").unwrap();
        assert!(bare.has_scheme("bearer"));
        assert_eq!(bare.rest(), b"");
    }

    #[test]
    fn rejects_what_is_not_a_scheme() {
        for value in [
            &b""[..],
            b"   ",
            b"Bear\x00er x",
            b"B\xc3\xa9arer x",
            b"\"Bearer\" x",
        ] {
            assert_eq!(Credentials::parse(value), None, "{value:?}");
        }
        // A tab is not the separator: the scheme would be `Bearer\tx`, not a token.
        assert_eq!(Credentials::parse(b"Bearer\tx"), None);
    }

    #[test]
    fn debug_redacts_the_credential() {
        let c = Credentials::parse(b"Basic c2VjcmV0").unwrap();
        assert!(!format!("{c:?}").contains("c2VjcmV0"));
    }
}
