//! HTTP Basic authentication (RFC 7617) with an application-supplied verifier.

use std::fmt;
use std::future::Future;
use std::sync::Arc;

use actix_web::HttpRequest;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use futures_util::future::{FutureExt as _, LocalBoxFuture};
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;

use crate::{
    Authentication, Authenticator, Challenge, ChallengeKind, Credentials, Identity, Outcome,
};

/// Longest Basic token68 looked at; longer ones are refused without being decoded.
const MAX_CREDENTIALS_LEN: usize = 4 * 1024;

/// Longest input [`constant_time_eq`] compares; longer inputs are never equal.
pub const MAX_COMPARED_LEN: usize = 4 * 1024;

/// The decoded user id and password of a Basic `Authorization` header.
///
/// `Debug` shows the user id only. The password is reachable through
/// [`password`](Self::password) alone, so that it is not logged by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicCredentials {
    user_id: String,
    password: String,
}

impl BasicCredentials {
    /// Decodes the token68 of `Basic <token68>`: canonical base64 with padding, UTF-8,
    /// a `:` after the user id, and no control characters (RFC 7617 §2).
    pub fn decode(token68: &[u8]) -> Option<Self> {
        if token68.is_empty() || token68.len() > MAX_CREDENTIALS_LEN {
            return None;
        }
        let decoded = String::from_utf8(STANDARD.decode(token68).ok()?).ok()?;
        if decoded.chars().any(char::is_control) {
            return None;
        }
        let (user_id, password) = decoded.split_once(':')?;
        Some(Self {
            user_id: user_id.to_owned(),
            password: password.to_owned(),
        })
    }

    /// The user id (before the first `:`).
    pub fn user_id(&self) -> &str {
        &self.user_id
    }

    /// The password (after the first `:`; it may itself contain `:`).
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for BasicCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicCredentials")
            .field("user_id", &self.user_id)
            .field("password", &"<redacted>")
            .finish()
    }
}

/// The error a Basic verifier returns when it cannot decide, e.g. its user store is down.
/// The request is answered 503 and the handler does not run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BackendUnavailable;

impl fmt::Display for BackendUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the credential store is unavailable")
    }
}

impl std::error::Error for BackendUnavailable {}

/// Compares two secrets in time that does not depend on where they differ, nor on their
/// lengths (up to [`MAX_COMPARED_LEN`] bytes; longer inputs are never equal).
///
/// ```
/// use actix_authz::constant_time_eq;
///
/// assert!(constant_time_eq(b"wonderland", b"wonderland"));
/// assert!(!constant_time_eq(b"wonderland", b"wonderlant"));
/// assert!(!constant_time_eq(b"short", b"longer"));
/// ```
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() > MAX_COMPARED_LEN || b.len() > MAX_COMPARED_LEN {
        return false;
    }
    // Comparing digests hides the lengths, which a plain byte comparison would leak.
    Sha256::digest(a).ct_eq(&Sha256::digest(b)).into()
}

type Verifier = dyn Fn(BasicCredentials) -> LocalBoxFuture<'static, VerifyResult> + Send + Sync;
type VerifyResult = Result<Option<Arc<dyn Identity>>, BackendUnavailable>;

/// Authenticates `Authorization: Basic <base64(user:password)>` requests with your verifier.
///
/// The verifier answers `Ok(Some(identity))` for valid credentials, `Ok(None)` for wrong ones,
/// and `Err(BackendUnavailable)` when it cannot tell. Undecodable credentials never reach it.
/// A wrong user id and a wrong password give byte-identical 401 responses; to keep their timing
/// alike too, compare a password even for an unknown user, with [`constant_time_eq`].
///
/// # Example
///
/// ```
/// use actix_authz::{AuthzConfig, BasicAuthenticator, Principal, constant_time_eq};
///
/// const USERS: &[(&str, &str, &str)] = &[("alice", "wonderland", "admin")];
///
/// let basic = BasicAuthenticator::new(|credentials| async move {
///     let user = USERS.iter().find(|(id, _, _)| *id == credentials.user_id());
///     let expected = user.map_or("not a password", |(_, password, _)| *password);
///     let matches = constant_time_eq(credentials.password().as_bytes(), expected.as_bytes());
///     Ok(match user {
///         Some((id, _, role)) if matches => Some(Principal::new(*id).with_roles([*role])),
///         _ => None,
///     })
/// });
/// let config = AuthzConfig::new("api").authenticator(basic);
/// # let _ = config;
/// ```
pub struct BasicAuthenticator {
    verify: Box<Verifier>,
}

impl BasicAuthenticator {
    /// A Basic authenticator with the given verifier.
    pub fn new<F, Fut, I>(verify: F) -> Self
    where
        F: Fn(BasicCredentials) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Option<I>, BackendUnavailable>> + 'static,
        I: Identity,
    {
        Self {
            verify: Box::new(move |credentials| {
                verify(credentials)
                    .map(|result| result.map(|found| found.map(|id| Arc::new(id) as _)))
                    .boxed_local()
            }),
        }
    }
}

impl fmt::Debug for BasicAuthenticator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BasicAuthenticator").finish_non_exhaustive()
    }
}

impl Authenticator for BasicAuthenticator {
    fn authenticate(
        &self,
        _request: &HttpRequest,
        credentials: Option<Credentials<'_>>,
    ) -> Authentication {
        let Some(credentials) = credentials.filter(|c| c.has_scheme("Basic")) else {
            return Outcome::Anonymous.into();
        };
        let Some(decoded) = BasicCredentials::decode(credentials.rest()) else {
            tracing::debug!("basic credentials undecodable");
            return Outcome::INVALID.into();
        };
        Authentication::pending((self.verify)(decoded).map(|verdict| match verdict {
            Ok(Some(identity)) => Outcome::Authenticated(identity),
            Ok(None) => Outcome::INVALID,
            Err(BackendUnavailable) => Outcome::Unavailable,
        }))
    }

    fn challenge(&self, realm: &str, kind: ChallengeKind<'_>) -> Option<Challenge> {
        basic_challenge(realm, kind)
    }
}

/// The `Basic` challenge of RFC 7617 for a 401 (none for a 400 or a 403: Basic has no error
/// codes), announcing UTF-8.
pub(crate) fn basic_challenge(realm: &str, kind: ChallengeKind<'_>) -> Option<Challenge> {
    match kind {
        ChallengeKind::Unauthenticated | ChallengeKind::InvalidCredentials { .. } => {
            Some(Challenge::new("Basic", realm).param("charset", "UTF-8"))
        }
        ChallengeKind::InvalidRequest | ChallengeKind::InsufficientScope { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(s: &[u8]) -> String {
        STANDARD.encode(s)
    }

    #[test]
    fn decodes_user_and_password_with_colons() {
        let c = BasicCredentials::decode(encode(b"carol:p:q").as_bytes()).unwrap();
        assert_eq!(c.user_id(), "carol");
        assert_eq!(c.password(), "p:q");
        let empty = BasicCredentials::decode(encode(b":").as_bytes()).unwrap();
        assert_eq!((empty.user_id(), empty.password()), ("", ""));
    }

    #[test]
    fn refuses_undecodable_credentials() {
        let no_padding = encode(b"alice:wonderland");
        assert!(no_padding.ends_with("=="));
        let no_padding = no_padding.trim_end_matches('=');
        for token in [
            "".to_owned(),
            "!!!!".to_owned(),
            no_padding.to_owned(),
            encode(b"no colon"),
            encode(b"bad\xffutf8:x"),
            encode(b"alice:wonder\nland"),
            encode(b"alice:\x7f"),
            encode("alice:\u{85}".as_bytes()),
            format!("{} ", encode(b"a:b")),
            "A".repeat(MAX_CREDENTIALS_LEN + 4),
        ] {
            assert_eq!(
                BasicCredentials::decode(token.as_bytes()),
                None,
                "{token:?}"
            );
        }
    }

    #[test]
    fn debug_redacts_the_password() {
        let c = BasicCredentials::decode(encode(b"alice:wonderland").as_bytes()).unwrap();
        let debug = format!("{c:?}");
        assert!(
            debug.contains("alice") && !debug.contains("wonderland"),
            "{debug}"
        );
    }

    #[test]
    fn constant_time_eq_caps_length() {
        let long = vec![b'a'; MAX_COMPARED_LEN + 1];
        assert!(!constant_time_eq(&long, &long));
        assert!(constant_time_eq(b"", b""));
    }
}
