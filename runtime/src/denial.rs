//! What a custom denial responder learns about a refusal, and the glue that turns the results
//! of argument-aware checks and loaders into decisions.

use std::fmt;

use crate::guard::CheckFailure;
use crate::{RefusalKind, Requirement};

/// A refusal as a denial responder sees it (see
/// [`AuthzConfig::deny_with`](crate::AuthzConfig::deny_with) and the attributes' `deny = path`).
///
/// ```
/// use actix_authz::{Denial, RefusalKind};
/// use actix_web::HttpResponse;
///
/// fn teapot(denial: &Denial<'_>) -> HttpResponse {
///     match denial.kind() {
///         RefusalKind::Forbidden => HttpResponse::Forbidden().body(format!(
///             "{} may not: {}",
///             denial.subject().unwrap_or("?"),
///             denial.unmet().map_or(String::from("a check failed"), |r| r.to_string()),
///         )),
///         _ => HttpResponse::Unauthorized().body("sign in first"),
///     }
/// }
/// # let _ = teapot;
/// ```
#[derive(Clone, Copy)]
pub struct Denial<'a> {
    pub(crate) kind: RefusalKind,
    pub(crate) requirement: &'a Requirement,
    pub(crate) unmet: Option<&'a Requirement>,
    pub(crate) check: Option<&'static str>,
    pub(crate) subject: Option<&'a str>,
    pub(crate) missing_scopes: Option<&'a str>,
}

impl<'a> Denial<'a> {
    /// [`MissingCredentials`](RefusalKind::MissingCredentials) or
    /// [`InvalidCredentials`](RefusalKind::InvalidCredentials) (401), or
    /// [`Forbidden`](RefusalKind::Forbidden) (403).
    pub fn kind(&self) -> RefusalKind {
        self.kind
    }

    /// Everything the handler requires.
    pub fn requirement(&self) -> &'a Requirement {
        self.requirement
    }

    /// The part of the requirement the caller fails (see [`Requirement::unmet_by`]); `None`
    /// for a 401, and for a 403 of an argument-aware check.
    pub fn unmet(&self) -> Option<&'a Requirement> {
        self.unmet
    }

    /// The argument-aware check that answered `false`, as written in the attribute.
    pub fn check(&self) -> Option<&'static str> {
        self.check
    }

    /// The subject of the caller, for a 403.
    pub fn subject(&self) -> Option<&'a str> {
        self.subject
    }

    /// The needed scopes the caller lacks, space-separated, if the requirement names any.
    pub fn missing_scopes(&self) -> Option<&'a str> {
        self.missing_scopes
    }
}

impl fmt::Debug for Denial<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Denial")
            .field("kind", &self.kind)
            .field("requirement", &format_args!("{}", self.requirement))
            .field("unmet", &self.unmet.map(|r| r.to_string()))
            .field("check", &self.check)
            .field("subject", &self.subject)
            .field("missing_scopes", &self.missing_scopes)
            .finish()
    }
}

/// What an argument-aware check may return: `bool`, or `Result<bool, E>` where an error refuses
/// the request with 503 (and is logged with its `Display`, never sent; `E: Display`).
#[diagnostic::on_unimplemented(
    message = "a `check` must return `bool` or `Result<bool, E>`, not `{Self}`",
    label = "this check returns `{Self}`",
    note = "for an async check, write `.await` after the call: `check = is_author(caller, post).await`"
)]
pub trait CheckOutput {
    #[doc(hidden)]
    fn into_verdict(self, check: &'static str) -> Result<(), CheckFailure>;
}

impl CheckOutput for bool {
    fn into_verdict(self, check: &'static str) -> Result<(), CheckFailure> {
        if self {
            Ok(())
        } else {
            Err(CheckFailure::Denied(check))
        }
    }
}

impl<E: fmt::Display> CheckOutput for Result<bool, E> {
    fn into_verdict(self, check: &'static str) -> Result<(), CheckFailure> {
        match self {
            Ok(allowed) => allowed.into_verdict(check),
            Err(error) => Err(CheckFailure::Unavailable(check, error.to_string())),
        }
    }
}

/// What a loader may return: `Option<T>` (`None` answers the app's not-found response), or
/// `Result<Option<T>, E>` where an error refuses the request with 503 (logged with its
/// `Display`, never sent; `E: Display`).
#[diagnostic::on_unimplemented(
    message = "a loader must return `Option<T>` or `Result<Option<T>, E>`, not `{Self}`",
    label = "this loader returns `{Self}`",
    note = "for an async loader, write `.await` after the call: `load(post = find_post(id).await)`"
)]
pub trait LoaderOutput {
    /// The loaded value.
    type Value;
    #[doc(hidden)]
    fn into_loaded(self, loader: &'static str) -> Result<Self::Value, CheckFailure>;
}

impl<T> LoaderOutput for Option<T> {
    type Value = T;
    fn into_loaded(self, _: &'static str) -> Result<T, CheckFailure> {
        self.ok_or(CheckFailure::NotFound)
    }
}

impl<T, E: fmt::Display> LoaderOutput for Result<Option<T>, E> {
    type Value = T;
    fn into_loaded(self, loader: &'static str) -> Result<T, CheckFailure> {
        match self {
            Ok(found) => found.into_loaded(loader),
            Err(error) => Err(CheckFailure::Unavailable(loader, error.to_string())),
        }
    }
}
