//! The per-application configuration: realm and authenticators.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::http::header::HeaderValue;

use crate::authenticator::SchemeChallenge;
use crate::{AuditSink, Authenticator, ChallengeKind, Denial, InvalidRealm, Realm};

/// The authorization configuration of an `App`: its realm and its authenticators, asked in the
/// order they were added.
///
/// Register it once with [`App::app_data`](actix_web::App::app_data); every protected handler
/// of the app reads it. A 401 must tell the client how to authenticate (RFC 9110 §11.6.1), so
/// configure at least one authenticator with a challenge (the built-in Bearer and Basic ones
/// have one; give a [`FnAuthenticator`](crate::FnAuthenticator) a
/// [`challenge_scheme`](crate::FnAuthenticator::challenge_scheme)), or name the scheme of
/// identities attached upstream with [`challenge_scheme`](Self::challenge_scheme); a 401
/// without one is logged as a warning. A protected handler of an app without it answers 500
/// (and logs why), never the handler's response.
///
/// # Example
///
/// ```
/// use actix_authz::{AuthzConfig, BasicAuthenticator, JwtAuthenticator, Principal, requires};
/// use actix_web::{App, HttpResponse, get};
///
/// #[get("/admin")]
/// #[requires(role = "admin")]
/// async fn admin() -> HttpResponse {
///     HttpResponse::Ok().body("admin area")
/// }
///
/// let config = AuthzConfig::new("api")
///     .authenticator(JwtAuthenticator::hs256(b"a random secret of 32 bytes or more"))
///     .authenticator(BasicAuthenticator::new(|_credentials| async {
///         Ok(None::<Principal>) // nobody, in this example
///     }));
///
/// let app = App::new().app_data(config).service(admin);
/// # let _ = app;
/// ```
#[derive(Clone)]
pub struct AuthzConfig {
    inner: Arc<Inner>,
}

#[derive(Clone)]
struct Inner {
    realm: Realm,
    authenticators: Vec<Arc<dyn Authenticator>>,
    deny: Option<DenialResponder>,
    not_found: fn() -> HttpResponse,
    timeout: Option<Duration>,
    audit: Option<Arc<dyn AuditSink>>,
    audit_granted: bool,
    shadow: bool,
}

/// The default of [`AuthzConfig::timeout`].
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// Makes the response to a denial (401 or 403) from its [`Denial`]; see
/// [`AuthzConfig::deny_with`] and the `deny = path` option of the attributes.
pub type DenialResponder = fn(&Denial<'_>) -> HttpResponse;

impl AuthzConfig {
    /// A configuration for `realm`, with no authenticator yet.
    ///
    /// # Panics
    ///
    /// If `realm` is empty or not printable ASCII; see [`try_new`](Self::try_new).
    #[track_caller]
    pub fn new(realm: &str) -> Self {
        match Self::try_new(realm) {
            Ok(config) => config,
            Err(error) => panic!("invalid realm {realm:?}: {error}"),
        }
    }

    /// A configuration for `realm`, or the reason the realm is refused.
    pub fn try_new(realm: &str) -> Result<Self, InvalidRealm> {
        Ok(Self {
            inner: Arc::new(Inner {
                realm: Realm::new(realm)?,
                authenticators: Vec::new(),
                deny: None,
                not_found: || HttpResponse::NotFound().finish(),
                timeout: Some(DEFAULT_TIMEOUT),
                audit: None,
                audit_granted: false,
                shadow: false,
            }),
        })
    }

    /// Adds an authenticator, asked after those added before it.
    #[must_use]
    pub fn authenticator(mut self, authenticator: impl Authenticator) -> Self {
        Arc::make_mut(&mut self.inner)
            .authenticators
            .push(Arc::new(authenticator));
        self
    }

    /// Adds `<scheme> realm="…"` to every 401, for identities that middleware outside
    /// actix-authz establishes ([`attach_identity`](crate::attach_identity): a session, a
    /// gateway): RFC 9110 §11.6.1 requires a 401 to carry a challenge, and no authenticator
    /// here has theirs. Its line comes in order among the authenticators' lines; it
    /// authenticates nobody. It is the bare `<scheme> realm="…"` line: for a Bearer or Basic
    /// middleware, `httpauth::MiddlewareScheme` (feature `httpauth`) also gives the
    /// `error="…"` parameters of RFC 6750.
    ///
    /// # Panics
    ///
    /// If `scheme` is not a token (RFC 9110 §5.6.2: ASCII letters, digits and
    /// ``!#$%&'*+-.^_`|~``, no spaces), which no challenge could carry.
    ///
    /// ```
    /// use actix_authz::AuthzConfig;
    ///
    /// // 401 responses carry `WWW-Authenticate: Session realm="app"`.
    /// let config = AuthzConfig::new("app").challenge_scheme("Session");
    /// # let _ = config;
    /// ```
    #[must_use]
    #[track_caller]
    pub fn challenge_scheme(self, scheme: &'static str) -> Self {
        self.authenticator(SchemeChallenge::new(
            "AuthzConfig::challenge_scheme",
            scheme,
        ))
    }

    /// Answers every 401 and 403 of the app with `responder` instead of the problem body
    /// (a handler's own `deny = path` takes precedence). `Cache-Control: no-store` is added to
    /// what it returns, and so are the challenge lines when it sets no `WWW-Authenticate`. It
    /// may answer with any status but a 1xx or 2xx, which becomes the refusal's own: a refused
    /// request never looks like a success.
    ///
    /// ```
    /// use actix_authz::{AuthzConfig, Denial};
    /// use actix_web::HttpResponse;
    ///
    /// fn plain(denial: &Denial<'_>) -> HttpResponse {
    ///     HttpResponse::build(denial.kind().status()).body(match denial.unmet() {
    ///         Some(unmet) => format!("you lack {unmet}"),
    ///         None => "please sign in".to_owned(),
    ///     })
    /// }
    ///
    /// let config = AuthzConfig::new("api").deny_with(plain);
    /// # let _ = config;
    /// ```
    #[must_use]
    pub fn deny_with(mut self, responder: DenialResponder) -> Self {
        Arc::make_mut(&mut self.inner).deny = Some(responder);
        self
    }

    /// The app's not-found response, which `hide` answers denied callers with and loaders that
    /// find nothing answer everyone with. The default is actix-web's own 404 (empty body); set
    /// this when the app has a `default_service` of its own, so that both stay byte-identical.
    /// A 1xx or 2xx status it sets becomes 404.
    #[must_use]
    pub fn not_found(mut self, response: fn() -> HttpResponse) -> Self {
        Arc::make_mut(&mut self.inner).not_found = response;
        self
    }

    /// How long an authenticator, a check or a loader may take before the request is refused
    /// with 503 (default: 10 seconds); `None` waits as long as it takes. An authenticator that
    /// answers at once costs no timer. A panic in any of them is a 500, and the server goes on
    /// serving.
    #[must_use]
    pub fn timeout(mut self, limit: Option<Duration>) -> Self {
        Arc::make_mut(&mut self.inner).timeout = limit;
        self
    }

    /// Hands every decision to `sink`: each refused request (401, 403, the hidden 404, and a
    /// 400, 500 or 503 of a request that could not be decided) and each shadow-mode would-deny;
    /// granted requests too with [`audit_granted`](Self::audit_granted). Decisions are also
    /// traced, whether or not a sink is set: see [`AuditSink`] and [`DECISION_TARGET`](crate::DECISION_TARGET).
    ///
    /// ```
    /// use actix_authz::{AuditRecord, AuthzConfig};
    ///
    /// let config = AuthzConfig::new("api")
    ///     .audit(|record: &AuditRecord<'_>| eprintln!("{} {}", record.verdict(), record.route()))
    ///     .audit_granted(true);
    /// # let _ = config;
    /// ```
    #[must_use]
    pub fn audit(mut self, sink: impl AuditSink) -> Self {
        Arc::make_mut(&mut self.inner).audit = Some(Arc::new(sink));
        self
    }

    /// Whether the [`audit`](Self::audit) sink also receives grants (default: only refusals
    /// and shadow-mode would-denies). Records are of decisions, not requests: a request that a
    /// scope's [`Require`](crate::Require) grants and its handler's attribute refuses gives a
    /// grant, then a refusal, each with its own requirement.
    #[must_use]
    pub fn audit_granted(mut self, granted: bool) -> Self {
        Arc::make_mut(&mut self.inner).audit_granted = granted;
        self
    }

    /// Shadow mode for every handler of the app, and every [`Require`](crate::Require) rule of
    /// its scopes: requirements and checks are evaluated, a caller they would refuse is
    /// recorded (a `tracing` event with `shadow = true`, and the audit sink) and the request
    /// goes on to the handler. For rolling out a stricter policy
    /// and seeing whom it would lock out before it does.
    ///
    /// Shadow mode concerns authorization only. Authentication is still enforced: a request
    /// without a valid identity gets its 401 (or 400, 503) as usual, because the handler, its
    /// [`Caller`](crate::Caller), its checks and its loaders all need an identity, and letting
    /// anonymous or forged credentials through would make a protected API public. To learn who
    /// would fail authentication on a route that is public today, take an
    /// `Option<Caller>` there and log the `None`s. One handler can be shadowed alone with the
    /// attributes' `shadow` option.
    ///
    /// ```
    /// use actix_authz::AuthzConfig;
    ///
    /// let config = AuthzConfig::new("api").shadow(true);
    /// assert!(config.is_shadow());
    /// ```
    #[must_use]
    pub fn shadow(mut self, shadow: bool) -> Self {
        Arc::make_mut(&mut self.inner).shadow = shadow;
        self
    }

    /// Whether [`shadow`](Self::shadow) mode is on for the whole app.
    pub fn is_shadow(&self) -> bool {
        self.inner.shadow
    }

    /// The audit sink, for a decision of this kind (granted or not).
    pub(crate) fn audit_sink(&self, granted: bool) -> Option<&dyn AuditSink> {
        let inner = &*self.inner;
        inner
            .audit
            .as_deref()
            .filter(|_| !granted || inner.audit_granted)
    }

    pub(crate) fn time_limit(&self) -> Option<Duration> {
        self.inner.timeout
    }

    pub(crate) fn denial_responder(&self) -> Option<DenialResponder> {
        self.inner.deny
    }

    pub(crate) fn not_found_response(&self) -> HttpResponse {
        (self.inner.not_found)()
    }

    /// The realm of the challenges.
    pub fn realm(&self) -> &str {
        self.inner.realm.as_str()
    }

    pub(crate) fn authenticators(&self) -> &[Arc<dyn Authenticator>] {
        &self.inner.authenticators
    }

    /// One challenge line per authenticator that has one, each asked with the kind `kind_of`
    /// gives for its index.
    pub(crate) fn challenges<'a>(
        &self,
        realm: Option<&str>,
        kind_of: impl Fn(usize) -> Option<ChallengeKind<'a>>,
    ) -> Vec<HeaderValue> {
        let realm = realm.unwrap_or(self.realm());
        self.authenticators()
            .iter()
            .enumerate()
            .filter_map(|(index, authenticator)| authenticator.challenge(realm, kind_of(index)?))
            .filter_map(|challenge| {
                let value = challenge.to_header_value();
                if value.is_none() {
                    tracing::error!("a challenge holds a character no header may carry; left out");
                }
                value
            })
            .collect()
    }
}

impl fmt::Debug for AuthzConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthzConfig")
            .field("realm", &self.realm())
            .field("authenticators", &self.inner.authenticators.len())
            .field("audit", &self.inner.audit.is_some())
            .field("audit_granted", &self.inner.audit_granted)
            .field("shadow", &self.inner.shadow)
            .finish()
    }
}
