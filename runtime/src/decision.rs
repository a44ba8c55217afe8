//! What becomes of each decision besides the response: one `tracing` event and, when the app
//! registers one, a record for its [`AuditSink`].

use std::fmt;
use std::panic::AssertUnwindSafe;

use actix_web::http::Method;
use serde::ser::{Serialize, SerializeStruct as _, Serializer};

use crate::{RefusalKind, Requirement};

/// The `tracing` target of the decision events, for filters such as
/// `RUST_LOG=actix_authz::decision=debug`.
pub const DECISION_TARGET: &str = "actix_authz::decision";

/// What a decision came to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Verdict {
    /// The caller satisfies the requirement and every check.
    Granted,
    /// The request is refused (or, in shadow mode, would have been) for this reason.
    Refused(RefusalKind),
}

impl Verdict {
    /// A stable snake-case name: `granted`, `missing_credentials`, `invalid_credentials`,
    /// `forbidden`, `malformed_request`, `unavailable`, `internal_error`, `misconfigured` or
    /// `not_found`. It is the `outcome` field of the decision events and of the JSON of an
    /// [`AuditRecord`].
    ///
    /// ```
    /// use actix_authz::{RefusalKind, Verdict};
    ///
    /// assert_eq!(Verdict::Granted.name(), "granted");
    /// assert_eq!(Verdict::Refused(RefusalKind::Forbidden).name(), "forbidden");
    /// ```
    pub fn name(self) -> &'static str {
        match self {
            Self::Granted => "granted",
            Self::Refused(kind) => match kind {
                RefusalKind::MissingCredentials => "missing_credentials",
                RefusalKind::InvalidCredentials => "invalid_credentials",
                RefusalKind::Forbidden => "forbidden",
                RefusalKind::NotFound => "not_found",
                RefusalKind::MalformedRequest => "malformed_request",
                RefusalKind::Unavailable => "unavailable",
                RefusalKind::InternalError => "internal_error",
                RefusalKind::Misconfigured => "misconfigured",
            },
        }
    }
}

impl fmt::Display for Verdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One decision, as an [`AuditSink`] receives it. It holds what was decided and about whom,
/// never a credential.
///
/// It serializes (with `serde`) to one flat JSON object: `outcome` (see [`Verdict::name`]),
/// `shadow`, `hidden`, `method`, `route`, `subject`, `requirement`, `unmet` and `check`, the
/// last four in the syntax of the attributes.
///
/// ```
/// use actix_authz::{AuditRecord, AuditSink};
///
/// struct JsonLines;
///
/// impl AuditSink for JsonLines {
///     fn record(&self, decision: &AuditRecord<'_>) {
///         if let Ok(line) = serde_json::to_string(decision) {
///             println!("{line}");
///         }
///     }
/// }
/// # let _ = actix_authz::AuthzConfig::new("api").audit(JsonLines);
/// ```
#[derive(Clone, Copy)]
pub struct AuditRecord<'a> {
    pub(crate) verdict: Verdict,
    pub(crate) shadow: bool,
    pub(crate) hidden: bool,
    pub(crate) method: &'a Method,
    pub(crate) route: &'a str,
    pub(crate) subject: Option<&'a str>,
    pub(crate) requirement: &'a Requirement,
    pub(crate) unmet: Option<&'a Requirement>,
    pub(crate) check: Option<&'static str>,
}

impl<'a> AuditRecord<'a> {
    /// What the policy decided. In shadow mode it is the refusal the policy would have made,
    /// while the request went on to the handler: see [`is_shadow`](Self::is_shadow).
    pub fn verdict(&self) -> Verdict {
        self.verdict
    }

    /// Whether the refusal was only recorded, not enforced: the handler's `shadow` option or
    /// [`AuthzConfig::shadow`](crate::AuthzConfig::shadow) let the request through.
    pub fn is_shadow(&self) -> bool {
        self.shadow
    }

    /// Whether the handler hides its resources (`hide`): the refused caller got a 404.
    pub fn is_hidden(&self) -> bool {
        self.hidden
    }

    /// The request method.
    pub fn method(&self) -> &'a Method {
        self.method
    }

    /// The route: the pattern the request matched (`/posts/{id}`, with any scope prefix), or
    /// its path when it matched none.
    pub fn route(&self) -> &'a str {
        self.route
    }

    /// The subject of the caller; `None` when no identity was established (a 401, 400, 503).
    pub fn subject(&self) -> Option<&'a str> {
        self.subject
    }

    /// Everything the handler (or the scope rule) requires.
    pub fn requirement(&self) -> &'a Requirement {
        self.requirement
    }

    /// The part of the requirement the caller fails (see [`Requirement::unmet_by`]).
    pub fn unmet(&self) -> Option<&'a Requirement> {
        self.unmet
    }

    /// The argument-aware check that answered `false` (or failed), as written in the attribute.
    pub fn check(&self) -> Option<&'static str> {
        self.check
    }
}

impl fmt::Debug for AuditRecord<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditRecord")
            .field("verdict", &self.verdict)
            .field("shadow", &self.shadow)
            .field("hidden", &self.hidden)
            .field("method", &self.method)
            .field("route", &self.route)
            .field("subject", &self.subject)
            .field("requirement", &format_args!("{}", self.requirement))
            .field("unmet", &self.unmet.map(ToString::to_string))
            .field("check", &self.check)
            .finish()
    }
}

impl Serialize for AuditRecord<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut record = serializer.serialize_struct("AuditRecord", 9)?;
        record.serialize_field("outcome", self.verdict.name())?;
        record.serialize_field("shadow", &self.shadow)?;
        record.serialize_field("hidden", &self.hidden)?;
        record.serialize_field("method", self.method.as_str())?;
        record.serialize_field("route", self.route)?;
        record.serialize_field("subject", &self.subject)?;
        record.serialize_field("requirement", &self.requirement.to_string())?;
        record.serialize_field("unmet", &self.unmet.map(ToString::to_string))?;
        record.serialize_field("check", &self.check)?;
        record.end()
    }
}

/// Receives the decisions of an app: every refused request (401, 403, the hidden 404, and the
/// 400/500/503 of a request that could not be decided), every shadow-mode would-deny, and, with
/// [`AuthzConfig::audit_granted`](crate::AuthzConfig::audit_granted), every granted request.
///
/// Register it with [`AuthzConfig::audit`](crate::AuthzConfig::audit). It is called on the
/// request path, after the decision and before the response: keep it quick and non-blocking
/// (hand the record, or what you need of it, to a channel or a buffered writer). A sink that
/// panics is logged and does not change the decision.
///
/// A closure `Fn(&AuditRecord<'_>)` is a sink too.
///
/// # Example
///
/// ```
/// use std::sync::{Arc, Mutex};
///
/// use actix_authz::{AuditRecord, AuthzConfig, Principal, Verdict, attach_identity, requires};
/// use actix_web::{App, dev::Service as _, get, test};
///
/// #[requires(role = "admin")]
/// #[get("/admin")]
/// async fn admin() -> &'static str {
///     "admin area"
/// }
///
/// # actix_web::rt::System::new().block_on(async {
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let sink = {
///     let seen = Arc::clone(&seen);
///     move |record: &AuditRecord<'_>| {
///         let line = format!("{} {} {}", record.verdict(), record.route(), record.subject().unwrap_or("-"));
///         seen.lock().unwrap().push(line);
///     }
/// };
/// let app = test::init_service(
///     App::new()
///         .app_data(AuthzConfig::new("api").audit(sink))
///         .wrap_fn(|request, service| {
///             attach_identity(&request, Principal::new("eve"));
///             service.call(request)
///         })
///         .service(admin),
/// )
/// .await;
/// let response = test::call_service(&app, test::TestRequest::get().uri("/admin").to_request()).await;
/// assert_eq!(response.status(), 403);
/// assert_eq!(*seen.lock().unwrap(), ["forbidden /admin eve"]);
/// # });
/// ```
pub trait AuditSink: Send + Sync + 'static {
    /// Receives one decision.
    fn record(&self, decision: &AuditRecord<'_>);
}

impl<F: Fn(&AuditRecord<'_>) + Send + Sync + 'static> AuditSink for F {
    fn record(&self, decision: &AuditRecord<'_>) {
        self(decision);
    }
}

/// Whether a decision of this verdict is traced at all: granted ones at `debug`, the others at
/// `info`. Asked before anything is computed for the event.
pub(crate) fn traced(verdict: Verdict) -> bool {
    match verdict {
        Verdict::Granted => tracing::enabled!(target: DECISION_TARGET, tracing::Level::DEBUG),
        Verdict::Refused(_) => tracing::enabled!(target: DECISION_TARGET, tracing::Level::INFO),
    }
}

/// The one event of a decision.
pub(crate) fn trace(record: &AuditRecord<'_>) {
    let AuditRecord {
        verdict,
        shadow,
        hidden,
        method,
        route,
        subject,
        requirement,
        unmet,
        check,
    } = *record;
    let unmet = unmet.map(tracing::field::display);
    let outcome = verdict.name();
    match verdict {
        Verdict::Granted => tracing::debug!(
            target: DECISION_TARGET,
            outcome, %method, route, subject, %requirement, "granted"
        ),
        Verdict::Refused(_) if shadow => tracing::info!(
            target: DECISION_TARGET,
            outcome, %method, route, subject, %requirement, unmet, check, hidden, shadow,
            "would deny (shadow mode): let through"
        ),
        Verdict::Refused(
            RefusalKind::Unavailable | RefusalKind::InternalError | RefusalKind::Misconfigured,
        ) => tracing::info!(
            target: DECISION_TARGET,
            outcome, %method, route, subject, %requirement, check, shadow, "refused"
        ),
        Verdict::Refused(_) => tracing::info!(
            target: DECISION_TARGET,
            outcome, %method, route, subject, %requirement, unmet, check, hidden, shadow, "denied"
        ),
    }
}

/// Hands `record` to `sink`; a panicking sink is logged and changes nothing.
pub(crate) fn deliver(sink: &dyn AuditSink, record: &AuditRecord<'_>) {
    if std::panic::catch_unwind(AssertUnwindSafe(|| sink.record(record))).is_err() {
        tracing::error!(
            target: DECISION_TARGET,
            route = record.route,
            "the audit sink panicked; the decision stands"
        );
    }
}
