//! The request path: authenticate once, decide, and hand the caller to the handler.

use std::any::Any;
use std::convert::Infallible;
use std::fmt;
use std::future::Future;
use std::marker::PhantomData;
use std::ops::Deref;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use actix_web::dev::Payload;
use actix_web::http::header::{AUTHORIZATION, HeaderValue};
use actix_web::rt::time::Sleep;
use actix_web::{FromRequest, Handler, HttpMessage, HttpRequest, HttpResponse, Responder};
use futures_util::FutureExt as _;
use futures_util::future::{LocalBoxFuture, WeakShared};
use pin_project_lite::pin_project;

use crate::audit::Probe;
use crate::decision::{self, AuditRecord, Verdict};
use crate::{
    AuthzConfig, AuthzError, ChallengeKind, Credentials, Denial, DenialResponder, Identity,
    Outcome, Principal, RefusalKind, Requirement,
};

/// What the request's extensions hold of its authentication, so that it runs at most once
/// however many extractors ask.
enum Authentication {
    /// Finished: every extractor that asks from now on has the resolution at once.
    Done(Resolution),
    /// Waiting for an authenticator. actix-web polls a handler's arguments side by side, so a
    /// second `Caller` asks before the first one's authentication has finished: it waits for
    /// the same one.
    ///
    /// Held weakly: the extractors waiting for it own it, so that a request dropped before it
    /// finishes (the client went away) drops it with them, instead of keeping it, and itself,
    /// alive through the handle to the request it holds.
    UnderWay(WeakShared<LocalBoxFuture<'static, Resolution>>),
}

/// What authentication made of a request.
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
    /// An authenticator panicked: 500, and the server goes on serving.
    Failed,
}

/// Attaches an identity that upstream middleware established (a session, `actix-identity`,
/// `actix-web-httpauth`, a gateway header you trust), so that the attributes use it without
/// running any authenticator.
///
/// A denial for such an identity is a 403 without challenge, like a session's. A request
/// without one is a 401, which must say how to authenticate: name the middleware's scheme with
/// [`AuthzConfig::challenge_scheme`] when no authenticator of the configuration has it. A
/// request with several `Authorization` headers is still refused with a 400, whatever identity
/// is attached: the middleware can have read only one of them.
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
///         .app_data(AuthzConfig::new("app").challenge_scheme("Session"))
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
    message
        .extensions_mut()
        .insert(Authentication::Done(Resolution::Identified {
            identity: Arc::new(identity),
            source: None,
        }));
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

/// The request's resolution: known now, or to wait for.
enum Resolving {
    Known(Resolution),
    /// An authenticator waits for I/O; the future finishes the job and caches the result.
    Waiting(LocalBoxFuture<'static, Resolution>),
}

/// Resolves the request without waiting when its resolution is cached or when every
/// authenticator asked answers at once, as JWT and Basic parsing do; otherwise hands over a
/// future that owns a handle to the request: the one an earlier extractor of the request
/// started, if it is still under way, so that authenticators run once however many
/// extractors wait side by side.
fn start_resolving(request: &HttpRequest, config: &AuthzConfig) -> Resolving {
    // Checked before anything cached is trusted: an identity that upstream middleware attached
    // was read from one of the headers (actix-web-httpauth reads the first), so it would
    // vouch for a request whose credentials are ambiguous.
    let credentials = match credentials(request) {
        Ok(credentials) => credentials,
        Err(Malformed) => return Resolving::Known(cache(request, Resolution::Malformed)),
    };
    match request.extensions().get::<Authentication>() {
        Some(Authentication::Done(resolution)) => return Resolving::Known(resolution.clone()),
        Some(Authentication::UnderWay(under_way)) => {
            if let Some(under_way) = under_way.upgrade() {
                return Resolving::Waiting(Box::pin(under_way));
            }
        }
        None => {}
    }
    match ask(request, config, credentials, 0) {
        Step::Done(resolution) => Resolving::Known(cache(request, resolution)),
        Step::Wait(index, pending) => {
            let under_way = resolve_later(request.clone(), index, pending)
                .boxed_local()
                .shared();
            if let Some(weak) = under_way.downgrade() {
                request
                    .extensions_mut()
                    .insert(Authentication::UnderWay(weak));
            }
            Resolving::Waiting(Box::pin(under_way))
        }
    }
}

/// The resolution of the request, waiting for authenticators if need be.
async fn resolve(request: &HttpRequest, config: &AuthzConfig) -> Resolution {
    match start_resolving(request, config) {
        Resolving::Known(resolution) => resolution,
        Resolving::Waiting(future) => future.await,
    }
}

fn cache(request: &HttpRequest, resolution: Resolution) -> Resolution {
    request
        .extensions_mut()
        .insert(Authentication::Done(resolution.clone()));
    resolution
}

/// More than one `Authorization` header.
struct Malformed;

/// The parsed credentials of the request's single `Authorization` header, if any.
fn credentials(request: &HttpRequest) -> Result<Option<Credentials<'_>>, Malformed> {
    let mut headers = request.headers().get_all(AUTHORIZATION);
    match (headers.next(), headers.next()) {
        (Some(_), Some(_)) => Err(Malformed),
        (Some(value), None) => Ok(Credentials::parse(value.as_bytes())),
        (None, _) => Ok(None),
    }
}

/// How far asking the authenticators got without waiting.
enum Step {
    Done(Resolution),
    /// The authenticator at this index answered with a future.
    Wait(usize, LocalBoxFuture<'static, Outcome>),
}

/// Asks the authenticators from `first` on, in order, as long as they answer at once.
fn ask(
    request: &HttpRequest,
    config: &AuthzConfig,
    credentials: Option<Credentials<'_>>,
    first: usize,
) -> Step {
    for (index, authenticator) in config.authenticators().iter().enumerate().skip(first) {
        let asked = std::panic::catch_unwind(AssertUnwindSafe(|| {
            authenticator.authenticate(request, credentials)
        }));
        let Ok(authentication) = asked else {
            return Step::Done(panicked(request));
        };
        match authentication.into_ready() {
            Ok(outcome) => {
                if let Some(resolution) = conclude(request, index, outcome) {
                    return Step::Done(resolution);
                }
            }
            Err(pending) => return Step::Wait(index, pending),
        }
    }
    Step::Done(Resolution::Anonymous)
}

/// Waits for the authenticator at `index`, then asks the next ones, and caches the result.
async fn resolve_later(
    request: HttpRequest,
    mut index: usize,
    mut pending: LocalBoxFuture<'static, Outcome>,
) -> Resolution {
    let resolution = match request.app_data::<AuthzConfig>() {
        // Found by the caller: this only keeps the borrow local.
        None => Resolution::Failed,
        Some(config) => loop {
            let outcome = match bounded(pending, config.time_limit()).await {
                Ok(outcome) => outcome,
                Err(Interrupted::Panicked) => break panicked(&request),
                Err(Interrupted::TimedOut) => {
                    tracing::warn!(
                        path = request.path(),
                        "an authenticator timed out; refusing"
                    );
                    break Resolution::Unavailable;
                }
            };
            if let Some(resolution) = conclude(&request, index, outcome) {
                break resolution;
            }
            // The header parsed before this authenticator was asked.
            let credentials = credentials(&request).ok().flatten();
            match ask(&request, config, credentials, index + 1) {
                Step::Done(resolution) => break resolution,
                Step::Wait(next, future) => (index, pending) = (next, future),
            }
        },
    };
    cache(&request, resolution)
}

fn panicked(request: &HttpRequest) -> Resolution {
    tracing::error!(path = request.path(), "an authenticator panicked; refusing");
    Resolution::Failed
}

/// The resolution an authenticator's outcome settles, or `None` to ask the next one.
fn conclude(request: &HttpRequest, index: usize, outcome: Outcome) -> Option<Resolution> {
    Some(match outcome {
        Outcome::Anonymous => return None,
        Outcome::Authenticated(identity) => Resolution::Identified {
            identity,
            source: Some(index),
        },
        Outcome::Invalid { description } => Resolution::Invalid {
            source: index,
            description,
        },
        Outcome::Malformed => Resolution::Malformed,
        Outcome::Unavailable => {
            tracing::warn!(
                path = request.path(),
                "an authenticator is unavailable; refusing"
            );
            Resolution::Unavailable
        }
    })
}

/// Why a bounded future gave no output.
enum Interrupted {
    Panicked,
    TimedOut,
}

/// Runs `future` to completion, unless it panics or outlives `limit`, counted from its first
/// poll that waits: futures that answer at once never touch a timer.
fn bounded<F: Future>(future: F, limit: Option<Duration>) -> Bounded<F> {
    Bounded {
        future,
        deadline: Deadline { limit, timer: None },
    }
}

pin_project! {
    /// The future of [`bounded`]. Only its polling is generic: handlers with argument-aware
    /// checks each instantiate it, so the timer is in [`Deadline`], compiled once.
    struct Bounded<F> {
        #[pin]
        future: F,
        #[pin]
        deadline: Deadline,
    }
}

pin_project! {
    /// The time limit of a [`Bounded`] future, and its timer once the future waits.
    struct Deadline {
        limit: Option<Duration>,
        #[pin]
        timer: Option<Sleep>,
    }
}

impl Deadline {
    /// Whether the time limit has passed since the first call; until it has, `cx` is woken
    /// when it does.
    fn passed(self: Pin<&mut Self>, cx: &mut Context<'_>) -> bool {
        let mut this = self.project();
        let Some(limit) = *this.limit else {
            return false;
        };
        if this.timer.is_none() {
            this.timer.set(Some(actix_web::rt::time::sleep(limit)));
        }
        this.timer
            .as_pin_mut()
            .is_some_and(|timer| timer.poll(cx).is_ready())
    }
}

impl<F: Future> Future for Bounded<F> {
    type Output = Result<F::Output, Interrupted>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        match std::panic::catch_unwind(AssertUnwindSafe(|| this.future.as_mut().poll(cx))) {
            Err(_) => Poll::Ready(Err(Interrupted::Panicked)),
            Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
            Ok(Poll::Pending) if this.deadline.passed(cx) => {
                Poll::Ready(Err(Interrupted::TimedOut))
            }
            Ok(Poll::Pending) => Poll::Pending,
        }
    }
}

/// Options of a handler's policy besides its requirement.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Answer a denied caller with the app's not-found response.
    pub hide: bool,
    /// The handler's own denial responder (`deny = path`).
    pub deny: Option<DenialResponder>,
    /// Record would-deny decisions and let the request through (`shadow`).
    pub shadow: bool,
}

impl Options {
    pub const DEFAULT: Self = Self {
        hide: false,
        deny: None,
        shadow: false,
    };
}

/// A handler's static policy: what it requires, its realm and its options.
#[doc(hidden)]
#[derive(Debug)]
pub struct Rules {
    pub requirement: &'static Requirement,
    pub realm: Option<&'static str>,
    pub options: Options,
    /// Whether loaders or argument-aware checks follow the requirement ([`Checks`]): then
    /// [`handle_checked`] settles the decision, not the admission.
    pub checked: bool,
}

/// An authenticated caller that passed the static requirement, or, in shadow mode, failed it
/// with `unmet` and is let through.
#[doc(hidden)]
pub struct Admitted<'r> {
    identity: Arc<dyn Identity>,
    source: Option<usize>,
    unmet: Option<&'r Requirement>,
}

impl fmt::Debug for Admitted<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Admitted")
            .field("subject", &self.identity.subject())
            .field("unmet", &self.unmet)
            .finish_non_exhaustive()
    }
}

/// One decision about one request: what is required, where, and how refusals look.
struct Decision<'a, 'r> {
    request: &'a HttpRequest,
    config: &'a AuthzConfig,
    requirement: &'r Requirement,
    realm: Option<&'r str>,
    options: &'r Options,
    /// Whether the decision is traced and audited: not for a bare `Caller`, which
    /// `Option<Caller>` also uses to ask "is anyone there?" without refusing anything.
    recorded: bool,
}

impl<'a, 'r> Decision<'a, 'r> {
    /// The decision of a handler's policy.
    fn of(request: &'a HttpRequest, config: &'a AuthzConfig, rules: &'r Rules) -> Self {
        Self {
            request,
            config,
            requirement: rules.requirement,
            realm: rules.realm,
            options: &rules.options,
            recorded: true,
        }
    }

    /// Whether refusals of authorization are only recorded.
    fn shadow(&self) -> bool {
        self.options.shadow || self.config.is_shadow()
    }

    /// Runs `step` of the decision, which calls the application's code: its identity type's
    /// methods, its authenticators' challenges, its denial and not-found responses. A panic
    /// there refuses the request with 500, as one in an authenticator does, instead of
    /// dropping the connection without an answer.
    fn guarded<T>(&self, step: impl FnOnce() -> Result<T, AuthzError>) -> Result<T, AuthzError> {
        std::panic::catch_unwind(AssertUnwindSafe(step)).unwrap_or_else(|_| {
            tracing::error!(
                path = self.request.path(),
                "an identity, a challenge or a denial response panicked; refusing"
            );
            Err(self.refuse(RefusalKind::InternalError, Vec::new(), None))
        })
    }

    /// The identity of the request, or the refusal of an unauthenticated one.
    fn identify(
        &self,
        resolution: Resolution,
    ) -> Result<(Arc<dyn Identity>, Option<usize>), AuthzError> {
        let (config, realm) = (self.config, self.realm);
        let (kind, challenges) = match resolution {
            Resolution::Identified { identity, source } => return Ok((identity, source)),
            Resolution::Anonymous => (
                RefusalKind::MissingCredentials,
                config.challenges(realm, |_| Some(ChallengeKind::Unauthenticated)),
            ),
            Resolution::Invalid {
                source,
                description,
            } => (
                RefusalKind::InvalidCredentials,
                config.challenges(realm, |index| {
                    Some(if index == source {
                        ChallengeKind::InvalidCredentials { description }
                    } else {
                        ChallengeKind::Unauthenticated
                    })
                }),
            ),
            Resolution::Malformed => {
                let challenges = config.challenges(realm, |_| Some(ChallengeKind::InvalidRequest));
                return Err(self.refuse(RefusalKind::MalformedRequest, challenges, None));
            }
            Resolution::Unavailable => {
                return Err(self.refuse(RefusalKind::Unavailable, Vec::new(), None));
            }
            Resolution::Failed => {
                return Err(self.refuse(RefusalKind::InternalError, Vec::new(), None));
            }
        };
        if challenges.is_empty() {
            // RFC 9110 §11.6.1: a 401 must say how to authenticate.
            tracing::warn!(
                "a 401 carries no WWW-Authenticate challenge: configure at least one \
                 authenticator that has one (e.g. FnAuthenticator::challenge_scheme), or name \
                 the scheme of attached identities with AuthzConfig::challenge_scheme"
            );
        }
        self.record(Verdict::Refused(kind), None, None, None, false);
        Err(self.respond(
            AuthzError::new(kind, challenges),
            Denial {
                kind,
                requirement: self.requirement,
                unmet: None,
                check: None,
                subject: None,
                missing_scopes: None,
            },
        ))
    }

    /// A refusal that is not a denial of the caller (400, 500, 503): recorded, and answered
    /// without a custom responder.
    fn refuse(
        &self,
        kind: RefusalKind,
        challenges: Vec<HeaderValue>,
        check: Option<&'static str>,
    ) -> AuthzError {
        self.record(Verdict::Refused(kind), None, None, check, false);
        AuthzError::new(kind, challenges)
    }

    /// Checks the static requirement against what authentication made of the request. In
    /// shadow mode a caller who fails it is admitted with what they lack, for
    /// [`settle`](Self::settle) to record.
    fn admit(&self, resolution: Resolution) -> Result<Admitted<'r>, AuthzError> {
        let (identity, source) = self.identify(resolution)?;
        let unmet = self.requirement.unmet_by(&*identity);
        match unmet {
            Some(unmet) if !self.shadow() => Err(self.deny(&*identity, source, Some(unmet), None)),
            _ => Ok(Admitted {
                identity,
                source,
                unmet,
            }),
        }
    }

    /// [`admit`](Self::admit), guarded, and, when `last` (no argument-aware checks follow),
    /// [`settle`](Self::settle)d.
    fn enter(&self, resolution: Resolution, last: bool) -> Result<Admitted<'r>, AuthzError> {
        self.guarded(|| {
            let admitted = self.admit(resolution)?;
            if last {
                self.settle(&admitted, None);
            }
            Ok(admitted)
        })
    }

    /// Records the end of a decision that lets the request through: granted, or, in shadow
    /// mode, the refusal it would have been.
    fn settle(&self, admitted: &Admitted<'r>, denied_check: Option<&'static str>) {
        let subject = Some(admitted.identity.subject());
        if admitted.unmet.is_some() || denied_check.is_some() {
            let verdict = Verdict::Refused(RefusalKind::Forbidden);
            self.record(verdict, subject, admitted.unmet, denied_check, true);
        } else {
            self.record(Verdict::Granted, subject, None, None, false);
        }
    }

    /// The refusal of an authenticated caller: 403, or the hidden 404.
    fn deny(
        &self,
        identity: &dyn Identity,
        source: Option<usize>,
        unmet: Option<&Requirement>,
        check: Option<&'static str>,
    ) -> AuthzError {
        let verdict = Verdict::Refused(RefusalKind::Forbidden);
        self.record(verdict, Some(identity.subject()), unmet, check, false);
        if self.options.hide {
            return self.not_found();
        }
        let mut missing_scopes = String::new();
        self.requirement
            .for_each_missing_scope(identity, &mut |scope| {
                // A scope the requirement needs twice is missing once.
                if missing_scopes.split(' ').any(|listed| listed == scope) {
                    return;
                }
                if !missing_scopes.is_empty() {
                    missing_scopes.push(' ');
                }
                missing_scopes.push_str(scope);
            });
        let scope = Some(missing_scopes.as_str()).filter(|s| !s.is_empty());
        let challenges = self.config.challenges(self.realm, |index| {
            (Some(index) == source).then_some(ChallengeKind::InsufficientScope { scope })
        });
        let denial = Denial {
            kind: RefusalKind::Forbidden,
            requirement: self.requirement,
            unmet,
            check,
            subject: Some(identity.subject()),
            missing_scopes: scope,
        };
        self.respond(AuthzError::new(RefusalKind::Forbidden, challenges), denial)
    }

    /// Traces the decision and hands it to the audit sink: the one place both happen. Nothing
    /// is computed when neither listens.
    fn record(
        &self,
        verdict: Verdict,
        subject: Option<&str>,
        unmet: Option<&Requirement>,
        check: Option<&'static str>,
        shadow: bool,
    ) {
        if !self.recorded {
            return;
        }
        let sink = self.config.audit_sink(verdict == Verdict::Granted);
        let traced = decision::traced(verdict);
        if sink.is_none() && !traced {
            return;
        }
        let pattern = self.request.match_pattern();
        let record = AuditRecord {
            verdict,
            shadow,
            hidden: self.options.hide,
            method: self.request.method(),
            route: pattern.as_deref().unwrap_or(self.request.path()),
            subject,
            requirement: self.requirement,
            unmet,
            check,
        };
        if traced {
            decision::trace(&record);
        }
        if let Some(sink) = sink {
            decision::deliver(sink, &record);
        }
    }

    /// The app's not-found response, for hidden denials and for loaders that find nothing.
    fn not_found(&self) -> AuthzError {
        AuthzError::new(RefusalKind::NotFound, Vec::new())
            .with_response(self.config.not_found_response())
    }

    /// `error`, answered by the handler's or the app's denial responder if there is one.
    fn respond(&self, error: AuthzError, denial: Denial<'_>) -> AuthzError {
        match self.options.deny.or(self.config.denial_responder()) {
            Some(responder) => {
                let response = responder(&denial);
                error.with_response(response)
            }
            None => error,
        }
    }
}

/// The refusal of a probe of the route audit that reached a handler's guard, which it marks:
/// refused before anything is asked (an authenticator of the scope's, an identity a middleware
/// attached) or recorded, so that neither the handler nor any of the application's code runs.
fn refuse_probe(request: &HttpRequest) -> Option<AuthzError> {
    request.extensions().get::<Rc<Probe>>()?.refuse();
    Some(AuthzError::new(RefusalKind::MissingCredentials, Vec::new()))
}

/// Decides `requirement` for the request exactly as a handler attribute would: `Ok` to go on,
/// or the refusal.
#[allow(dead_code, reason = "the scope-level middleware's entry point")]
pub(crate) async fn authorize(
    request: &HttpRequest,
    requirement: &Requirement,
    realm: Option<&str>,
) -> Result<(), AuthzError> {
    if let Some(refusal) = refuse_probe(request) {
        return Err(refusal);
    }
    let config = config(request)?;
    let decision = Decision {
        request,
        config,
        requirement,
        realm,
        options: &Options::DEFAULT,
        recorded: true,
    };
    decision.enter(resolve(request, config).await, true)?;
    Ok(())
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

impl<I: Identity> Caller<I> {
    /// The caller of a request whose resolution is known.
    fn of(
        request: &HttpRequest,
        config: &AuthzConfig,
        resolution: Resolution,
    ) -> Result<Self, AuthzError> {
        let decision = Decision {
            request,
            config,
            requirement: &Requirement::Authenticated,
            realm: None,
            options: &Options::DEFAULT,
            recorded: false,
        };
        let (identity, _) = decision.guarded(|| decision.identify(resolution))?;
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
    }
}

impl<I: Identity> FromRequest for Caller<I> {
    type Error = AuthzError;
    type Future = CallerFuture<I>;

    fn from_request(request: &HttpRequest, _: &mut Payload) -> Self::Future {
        CallerFuture {
            request: request.clone(),
            resolving: None,
            identity: PhantomData,
        }
    }
}

/// The future of a [`Caller`] argument. It looks for the request's identity when first polled,
/// not when created, so that of several `Caller` arguments the later ones find the identity
/// the first one established, or wait for the authentication it started.
pub struct CallerFuture<I> {
    request: HttpRequest,
    resolving: Option<LocalBoxFuture<'static, Resolution>>,
    identity: PhantomData<fn() -> I>,
}

impl<I> fmt::Debug for CallerFuture<I> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallerFuture").finish_non_exhaustive()
    }
}

impl<I: Identity> Future for CallerFuture<I> {
    type Output = Result<Caller<I>, AuthzError>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = &mut *self;
        let config = config(&this.request)?;
        let resolution = match &mut this.resolving {
            Some(resolving) => ready!(resolving.as_mut().poll(cx)),
            None => match start_resolving(&this.request, config) {
                Resolving::Known(resolution) => resolution,
                Resolving::Waiting(resolving) => {
                    let resolving = this.resolving.insert(resolving);
                    ready!(resolving.as_mut().poll(cx))
                }
            },
        };
        Poll::Ready(Caller::of(&this.request, config, resolution))
    }
}

/// The loaders and argument-aware checks of a handler's policy, as generated by the attributes
/// for its argument tuple `Args`. Policies without them implement nothing: their handlers never
/// instantiate the code that runs checks.
#[doc(hidden)]
pub trait Checks<Args>: 'static {
    const RULES: &'static Rules;

    /// The values the policy's loaders produce, handed to the handler.
    type Loaded;

    /// Runs the loaders and the argument-aware checks, once the static requirement holds and
    /// the handler's arguments are extracted. In `shadow` mode a check that answers `false`
    /// does not stop them: the first such check is returned with the loaded values.
    fn check_arguments<'a>(
        identity: &'a dyn Identity,
        args: &'a Args,
        shadow: bool,
    ) -> impl Future<Output = Result<(Self::Loaded, Option<&'static str>), CheckFailure>> + 'a;
}

/// The verdicts of a policy's argument-aware checks, as its generated `check_arguments` runs
/// them: a `false` stops the checks, except in shadow mode, where the first is remembered and
/// the checks go on.
#[doc(hidden)]
#[derive(Debug)]
pub struct Verdicts {
    shadow: bool,
    denied: Option<&'static str>,
}

impl Verdicts {
    pub fn new(shadow: bool) -> Self {
        Self {
            shadow,
            denied: None,
        }
    }

    /// Passes on the verdict of one check, or, in shadow mode, remembers its `false`.
    pub fn judge(&mut self, verdict: Result<(), CheckFailure>) -> Result<(), CheckFailure> {
        match verdict {
            Err(CheckFailure::Denied(check)) if self.shadow => {
                self.denied.get_or_insert(check);
                Ok(())
            }
            verdict => verdict,
        }
    }

    /// The first check that answered `false` in shadow mode.
    pub fn denied(&self) -> Option<&'static str> {
        self.denied
    }
}

/// Why an argument-aware check did not let the request through.
#[doc(hidden)]
#[derive(Debug)]
pub enum CheckFailure {
    /// The check (as written) answered `false`.
    Denied(&'static str),
    /// A loader found nothing.
    NotFound,
    /// A check or loader failed; the message is logged, never sent.
    Unavailable(&'static str, String),
}

/// The single argument of a protected handler: the request, whose policy the handler decides
/// first ([`admit`](Self::admit)), before it extracts its own arguments, then runs its loaders and
/// argument-aware checks, so that no other extractor can fail or read the body before the caller
/// is known to be allowed.
#[doc(hidden)]
pub struct Deferred {
    request: HttpRequest,
    payload: Payload,
}

impl fmt::Debug for Deferred {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deferred").finish_non_exhaustive()
    }
}

impl FromRequest for Deferred {
    type Error = actix_web::Error;
    type Future = std::future::Ready<Result<Self, actix_web::Error>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        std::future::ready(Ok(Self {
            request: request.clone(),
            payload: payload.take(),
        }))
    }
}

impl Deferred {
    /// Authenticates, decides the static requirement of `rules`, then extracts `Args`: what a
    /// [`Protected`] handler does before its checks and the user's function.
    pub fn admit<Args: FromRequest>(
        mut self,
        rules: &'static Rules,
    ) -> impl Future<Output = Result<(Args, Admitted<'static>), actix_web::Error>> {
        Admission::<Args>::new(self.request, &mut self.payload, rules)
    }
}

pin_project! {
    /// Authentication, the static requirement and the extraction of the handler's arguments:
    /// the part of a handler's decision that depends on its arguments' types only, so that
    /// handlers with the same arguments share its code.
    struct Admission<Args: FromRequest> {
        request: HttpRequest,
        rules: &'static Rules,
        #[pin]
        state: Admitting<Args::Future>,
    }
}

pin_project! {
    #[project = AdmittingProjection]
    enum Admitting<F> {
        Refused {
            error: Option<actix_web::Error>,
        },
        Resolving {
            resolving: LocalBoxFuture<'static, Resolution>,
            payload: Payload,
        },
        Extracting {
            admitted: Option<Admitted<'static>>,
            #[pin]
            extracting: F,
        },
    }
}

impl<Args: FromRequest> Admission<Args> {
    fn new(request: HttpRequest, payload: &mut Payload, rules: &'static Rules) -> Self {
        let state = if let Some(refusal) = refuse_probe(&request) {
            Admitting::refused(refusal)
        } else {
            match config(&request) {
                Err(error) => Admitting::refused(error),
                Ok(config) => match start_resolving(&request, config) {
                    Resolving::Known(resolution) => {
                        Self::decide(&request, config, rules, resolution, payload)
                    }
                    Resolving::Waiting(resolving) => Admitting::Resolving {
                        resolving,
                        payload: payload.take(),
                    },
                },
            }
        };
        Self {
            request,
            rules,
            state,
        }
    }

    /// Decides the static requirement, and starts extracting the arguments of an admitted
    /// caller.
    fn decide(
        request: &HttpRequest,
        config: &AuthzConfig,
        rules: &'static Rules,
        resolution: Resolution,
        payload: &mut Payload,
    ) -> Admitting<Args::Future> {
        // Without argument-aware checks, the decision is final here.
        match Decision::of(request, config, rules).enter(resolution, !rules.checked) {
            Err(error) => Admitting::refused(error),
            Ok(admitted) => Admitting::Extracting {
                admitted: Some(admitted),
                extracting: Args::from_request(request, payload),
            },
        }
    }
}

impl<F> Admitting<F> {
    fn refused(error: AuthzError) -> Self {
        Self::Refused {
            error: Some(error.into()),
        }
    }
}

impl<Args: FromRequest> fmt::Debug for Admission<Args> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Admission").finish_non_exhaustive()
    }
}

impl<Args: FromRequest> Future for Admission<Args> {
    type Output = Result<(Args, Admitted<'static>), actix_web::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            let next = match this.state.as_mut().project() {
                AdmittingProjection::Refused { error } => {
                    let error = error
                        .take()
                        .expect("an admission polled after it completed");
                    return Poll::Ready(Err(error));
                }
                AdmittingProjection::Extracting {
                    admitted,
                    extracting,
                } => {
                    let args = ready!(extracting.poll(cx)).map_err(Into::into)?;
                    let admitted = admitted
                        .take()
                        .expect("an admission polled after it completed");
                    return Poll::Ready(Ok((args, admitted)));
                }
                AdmittingProjection::Resolving { resolving, payload } => {
                    let resolution = ready!(resolving.as_mut().poll(cx));
                    let mut payload = payload.take();
                    match config(this.request) {
                        Err(error) => Admitting::refused(error),
                        Ok(config) => {
                            Self::decide(this.request, config, this.rules, resolution, &mut payload)
                        }
                    }
                }
            };
            this.state.set(next);
        }
    }
}

/// The whole future of a protected handler: authentication, the decision, the extraction of
/// its arguments, its checks if it has any, then the user's function and its response. A
/// refusal is its `Err`. Boxed, so that every handler has the same type, [`Protected`], and
/// actix-web's code that serves a handler is compiled once for them all instead of once per
/// handler.
#[doc(hidden)]
pub type Running = LocalBoxFuture<'static, Result<HttpResponse, actix_web::Error>>;

/// A protected handler, as the attributes register it: the function that starts its
/// [`Running`] future for a request.
#[doc(hidden)]
#[derive(Clone, Copy)]
pub struct Protected {
    run: fn(Deferred) -> Running,
}

/// The handler whose future `run` starts: `protected(|request| handle(request, RULES, f))`.
#[doc(hidden)]
pub const fn protected(run: fn(Deferred) -> Running) -> Protected {
    Protected { run }
}

impl fmt::Debug for Protected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Protected").finish_non_exhaustive()
    }
}

impl Handler<(Deferred,)> for Protected {
    type Output = Result<HttpResponse, actix_web::Error>;
    type Future = Running;

    fn call(&self, (deferred,): (Deferred,)) -> Running {
        (self.run)(deferred)
    }
}

/// The future of a handler without loaders or checks: authenticates, decides the static
/// requirement of `rules`, extracts `Args`, then runs `handler` with them.
#[doc(hidden)]
pub fn handle<Args, H>(deferred: Deferred, rules: &'static Rules, handler: H) -> Running
where
    Args: FromRequest + 'static,
    H: Handler<Args>,
    H::Output: Responder,
{
    Box::pin(async move {
        let request = deferred.request.clone();
        let (args, _) = deferred.admit::<Args>(rules).await?;
        Ok(respond(handler.call(args).await, &request))
    })
}

/// The future of a handler with loaders or argument-aware checks, `P`: authenticates, decides
/// the static requirement, extracts `Args`, runs the checks and loaders, then `call`s the
/// user's function with the arguments and the loaded values.
///
/// Compiled once per handler, so it keeps to what depends on its types; the refusals are
/// [`checks_refusal`]'s.
#[doc(hidden)]
pub fn handle_checked<P, Args, F, Fut>(deferred: Deferred, call: F) -> Running
where
    P: Checks<Args>,
    Args: FromRequest + 'static,
    F: FnOnce(Args, P::Loaded) -> Fut + 'static,
    Fut: Future<Output: Responder>,
{
    Box::pin(async move {
        let request = deferred.request.clone();
        let (args, admitted) = deferred.admit::<Args>(P::RULES).await?;
        let decision = Decision::of(&request, config(&request)?, P::RULES);
        let checks = P::check_arguments(&*admitted.identity, &args, decision.shadow());
        let loaded = match bounded(checks, decision.config.time_limit()).await {
            Ok(Ok((loaded, denied_check))) => {
                decision.guarded(|| {
                    decision.settle(&admitted, denied_check);
                    Ok(())
                })?;
                loaded
            }
            Ok(Err(failure)) => return Err(checks_refusal(&decision, &admitted, Ok(failure))),
            Err(interrupted) => {
                return Err(checks_refusal(&decision, &admitted, Err(interrupted)));
            }
        };
        Ok(respond(call(args, loaded).await, &request))
    })
}

/// A handler's output as a response to `request`.
fn respond(output: impl Responder, request: &HttpRequest) -> HttpResponse {
    output.respond_to(request).map_into_boxed_body()
}

/// The refusal of an admitted caller whose loaders or argument-aware checks did not let the
/// request through: a check failed, or they were interrupted.
fn checks_refusal(
    decision: &Decision<'_, 'static>,
    admitted: &Admitted<'static>,
    stopped: Result<CheckFailure, Interrupted>,
) -> actix_web::Error {
    let path = decision.request.path();
    let refusal = || match stopped {
        Err(Interrupted::Panicked) => {
            tracing::error!(path, "an argument check panicked; refusing");
            decision.refuse(RefusalKind::InternalError, Vec::new(), None)
        }
        Err(Interrupted::TimedOut) => {
            tracing::warn!(path, "an argument check timed out; refusing");
            decision.refuse(RefusalKind::Unavailable, Vec::new(), None)
        }
        Ok(CheckFailure::Denied(check)) => {
            decision.deny(&*admitted.identity, admitted.source, None, Some(check))
        }
        Ok(CheckFailure::NotFound) => decision.not_found(),
        Ok(CheckFailure::Unavailable(check, message)) => {
            tracing::warn!(check, error = %message, "an argument check failed; refusing");
            decision.refuse(RefusalKind::Unavailable, Vec::new(), Some(check))
        }
    };
    let Err(error) = decision.guarded::<Infallible>(|| Err(refusal()));
    error.into()
}
