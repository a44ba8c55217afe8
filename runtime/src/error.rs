//! Refusals and their HTTP responses: the one place where a decision becomes a status, headers
//! and an RFC 9457 `application/problem+json` body.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpResponse, ResponseError};

/// Why a request was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RefusalKind {
    /// No usable credentials: none, blank, or of a scheme no authenticator handles (401).
    MissingCredentials,
    /// Credentials present but wrong, expired or undecodable (401).
    InvalidCredentials,
    /// A valid identity lacking what the handler requires (403).
    Forbidden,
    /// A denied caller of a handler that hides its resources (`hide`), or a loader that found
    /// nothing (404): the app's not-found response, so that existence does not leak.
    NotFound,
    /// A malformed request, such as several `Authorization` headers (400).
    MalformedRequest,
    /// An authenticator could not decide, e.g. its backend is down (503).
    Unavailable,
    /// An authenticator, check or loader panicked (500); the server goes on serving.
    InternalError,
    /// The application is misconfigured: no [`AuthzConfig`](crate::AuthzConfig) registered, or a
    /// [`Caller`](crate::Caller) asked for an identity type the authenticators do not produce
    /// (500). The log says which.
    Misconfigured,
}

/// One row per kind: status, title (the status phrase) and generic detail. The problem body
/// is assembled from the same row at compile time, so the two cannot drift apart.
macro_rules! refusal_kinds {
    ($($kind:ident => $status:ident, $code:literal, $title:literal, $detail:literal;)*) => {
        impl RefusalKind {
            /// The response status.
            pub fn status(self) -> StatusCode {
                match self {
                    $(Self::$kind => StatusCode::$status,)*
                }
            }

            /// The generic `detail` of the problem body: it never names the credential, a type
            /// or a cause.
            pub fn detail(self) -> &'static str {
                match self {
                    $(Self::$kind => $detail,)*
                }
            }

            /// The RFC 9457 body.
            fn problem_json(self) -> &'static str {
                match self {
                    $(Self::$kind => concat!(
                        r#"{"type":"about:blank","title":""#, $title,
                        r#"","status":"#, $code,
                        r#","detail":""#, $detail, r#""}"#
                    ),)*
                }
            }
        }
    };
}

refusal_kinds! {
    MissingCredentials => UNAUTHORIZED, 401, "Unauthorized",
        "Authentication is required to access this resource.";
    InvalidCredentials => UNAUTHORIZED, 401, "Unauthorized",
        "The credentials provided are not valid.";
    Forbidden => FORBIDDEN, 403, "Forbidden",
        "The authenticated identity may not access this resource.";
    NotFound => NOT_FOUND, 404, "Not Found",
        "The requested resource does not exist.";
    MalformedRequest => BAD_REQUEST, 400, "Bad Request",
        "The request's credentials are malformed.";
    Unavailable => SERVICE_UNAVAILABLE, 503, "Service Unavailable",
        "The request cannot be decided right now; try again later.";
    InternalError => INTERNAL_SERVER_ERROR, 500, "Internal Server Error",
        "The server failed to decide on this request.";
    Misconfigured => INTERNAL_SERVER_ERROR, 500, "Internal Server Error",
        "The server cannot decide on this request.";
}

/// A refused request: its [`RefusalKind`] and the `WWW-Authenticate` challenges it carries.
///
/// As an actix-web error, its response is the design's: the status of the kind, one
/// `WWW-Authenticate` line per challenge, `Cache-Control: no-store`, and an
/// `application/problem+json` body.
///
/// # Example
///
/// ```
/// use actix_authz::{AuthzError, RefusalKind};
/// use actix_web::ResponseError;
///
/// let error = AuthzError::new(RefusalKind::Forbidden, Vec::new());
/// let response = error.error_response();
/// assert_eq!(response.status(), 403);
/// assert_eq!(response.headers().get("cache-control").unwrap(), "no-store");
/// assert_eq!(
///     response.headers().get("content-type").unwrap(),
///     "application/problem+json"
/// );
/// ```
#[derive(Debug, Clone)]
pub struct AuthzError {
    kind: RefusalKind,
    challenges: Vec<HeaderValue>,
    /// A response made by a custom denial responder or the app's not-found response, sent
    /// instead of the problem body (once: responses cannot be copied).
    custom: Option<Rc<RefCell<Option<HttpResponse>>>>,
}

impl AuthzError {
    /// A refusal of `kind` with these challenge lines.
    pub fn new(kind: RefusalKind, challenges: Vec<HeaderValue>) -> Self {
        Self {
            kind,
            challenges,
            custom: None,
        }
    }

    /// A refusal answered with `response` instead of the problem body. `Cache-Control:
    /// no-store` is added, and so are the challenge lines when `response` is a 401 or 403
    /// without a `WWW-Authenticate` of its own, so that a 401 still says how to authenticate
    /// (a redirect to a login page gets none). A refusal never answers as a success: a
    /// `response` whose status is 1xx or 2xx gets the refusal's own status instead (an error
    /// is logged).
    pub fn with_response(mut self, response: HttpResponse) -> Self {
        self.custom = Some(Rc::new(RefCell::new(Some(response))));
        self
    }

    /// Why the request was refused.
    pub fn kind(&self) -> RefusalKind {
        self.kind
    }

    /// The `WWW-Authenticate` lines, one per challenge.
    pub fn challenges(&self) -> &[HeaderValue] {
        &self.challenges
    }
}

impl fmt::Display for AuthzError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind.detail())
    }
}

impl ResponseError for AuthzError {
    fn status_code(&self) -> StatusCode {
        self.kind.status()
    }

    fn error_response(&self) -> HttpResponse {
        if let Some(mut response) = self.custom.as_ref().and_then(|custom| custom.take()) {
            let status = response.status();
            if status.is_informational() || status.is_success() {
                tracing::error!(
                    %status,
                    refusal = %self.kind.status(),
                    "a denial or not-found response answered a refusal as a success; \
                     sending the refusal's status"
                );
                *response.status_mut() = self.kind.status();
            }
            // A redirect to a login page, or any other answer than 401/403, is no challenge.
            let challenged = matches!(
                response.status(),
                StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN
            );
            let headers = response.headers_mut();
            headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            if challenged && !headers.contains_key(header::WWW_AUTHENTICATE) {
                for challenge in &self.challenges {
                    headers.append(header::WWW_AUTHENTICATE, challenge.clone());
                }
            }
            return response;
        }
        let mut response = HttpResponse::build(self.status_code());
        response
            .insert_header((header::CACHE_CONTROL, HeaderValue::from_static("no-store")))
            .insert_header((
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/problem+json"),
            ));
        for challenge in &self.challenges {
            response.append_header((header::WWW_AUTHENTICATE, challenge.clone()));
        }
        response.body(self.kind.problem_json())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDS: [RefusalKind; 8] = [
        RefusalKind::InternalError,
        RefusalKind::MissingCredentials,
        RefusalKind::InvalidCredentials,
        RefusalKind::Forbidden,
        RefusalKind::NotFound,
        RefusalKind::MalformedRequest,
        RefusalKind::Unavailable,
        RefusalKind::Misconfigured,
    ];

    #[test]
    fn problem_body_matches_status_and_detail() {
        for kind in KINDS {
            let body: serde_json::Value = serde_json::from_str(kind.problem_json()).unwrap();
            let status = kind.status();
            assert_eq!(body["type"], "about:blank");
            assert_eq!(body["title"], status.canonical_reason().unwrap());
            assert_eq!(body["status"], status.as_u16());
            assert_eq!(body["detail"], kind.detail());
            assert_eq!(body.as_object().unwrap().len(), 4);
        }
    }
}
