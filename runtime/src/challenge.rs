//! `WWW-Authenticate` challenges (RFC 9110 §11.6.1), rendered in one place so that quoting is
//! right everywhere.

use std::fmt;

use actix_web::http::header::HeaderValue;

use crate::authenticator::is_token;

/// Why a challenge is being rendered; an authenticator answers with its own line, or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChallengeKind<'a> {
    /// The request has no usable credentials (401): how to authenticate, without an error.
    Unauthenticated,
    /// This authenticator rejected the credentials (401).
    InvalidCredentials {
        /// A short, fixed explanation safe for `error_description`.
        description: Option<&'static str>,
    },
    /// The request is malformed, e.g. several `Authorization` headers (400).
    InvalidRequest,
    /// This authenticator's identity lacks what the handler requires (403).
    InsufficientScope {
        /// The space-separated scopes that are needed and missing, if the failed requirement
        /// names scopes.
        scope: Option<&'a str>,
    },
}

/// A realm (RFC 9110 §11.5): printable ASCII, so that it survives any HTTP stack unchanged.
///
/// # Example
///
/// ```
/// use actix_authz::Realm;
///
/// assert_eq!(Realm::new("api \"v2\"").unwrap().as_str(), "api \"v2\"");
/// assert!(Realm::new("bad\r\nheader").is_err());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Realm(Box<str>);

impl Realm {
    /// Checks `realm`: it must be non-empty printable ASCII (space to `~`).
    pub fn new(realm: &str) -> Result<Self, InvalidRealm> {
        if realm.is_empty() || !realm.bytes().all(|b| (b' '..=b'~').contains(&b)) {
            return Err(InvalidRealm(()));
        }
        Ok(Self(realm.into()))
    }

    /// The realm as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The error of [`Realm::new`]: the realm is empty or not printable ASCII.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRealm(());

impl fmt::Display for InvalidRealm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a realm must be non-empty printable ASCII (no control characters)")
    }
}

impl std::error::Error for InvalidRealm {}

/// One challenge line of a `WWW-Authenticate` header: a scheme, its `realm` and further
/// parameters, each a quoted string with `"` and `\` escaped.
///
/// # Example
///
/// ```
/// use actix_authz::Challenge;
///
/// let line = Challenge::new("Bearer", r#"my "api""#).param("error", "invalid_token");
/// assert_eq!(
///     line.to_string(),
///     r#"Bearer realm="my \"api\"", error="invalid_token""#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Challenge {
    line: String,
    /// Whether the scheme and every parameter name are tokens (RFC 9110 §5.6.2), as the
    /// header's grammar requires.
    tokens: bool,
}

impl Challenge {
    /// Starts a challenge for `scheme` with its `realm` parameter.
    pub fn new(scheme: &str, realm: &str) -> Self {
        let mut line = String::with_capacity(scheme.len() + realm.len() + 16);
        line.push_str(scheme);
        let challenge = Self {
            line,
            tokens: is_token(scheme.as_bytes()),
        };
        challenge.param_with_separator(" ", "realm", realm)
    }

    /// Appends the parameter `name="value"`. Each name must be given at most once.
    #[must_use]
    pub fn param(self, name: &str, value: &str) -> Self {
        self.param_with_separator(", ", name, value)
    }

    fn param_with_separator(mut self, separator: &str, name: &str, value: &str) -> Self {
        self.tokens &= is_token(name.as_bytes());
        self.line.push_str(separator);
        self.line.push_str(name);
        self.line.push_str("=\"");
        for c in value.chars() {
            if matches!(c, '"' | '\\') {
                self.line.push('\\');
            }
            self.line.push(c);
        }
        self.line.push('"');
        self
    }

    /// The header value, or `None` if the scheme or a parameter name is not a token (RFC 9110
    /// §5.6.2: no spaces, no separators), or a parameter held a character no header may carry.
    pub fn to_header_value(&self) -> Option<HeaderValue> {
        if !self.tokens {
            return None;
        }
        HeaderValue::from_str(&self.line).ok()
    }
}

impl fmt::Display for Challenge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn realm_escapes_quote_and_backslash() {
        let c = Challenge::new("Basic", r#"a"b\c"#).param("charset", "UTF-8");
        assert_eq!(c.to_string(), r#"Basic realm="a\"b\\c", charset="UTF-8""#);
        assert!(c.to_header_value().is_some());
    }

    #[test]
    fn control_characters_give_no_header() {
        assert!(Challenge::new("X", "a\nb").to_header_value().is_none());
    }

    #[test]
    fn a_scheme_or_parameter_name_that_is_no_token_gives_no_header() {
        assert!(Challenge::new("My Scheme", "r").to_header_value().is_none());
        assert!(Challenge::new("", "r").to_header_value().is_none());
        assert!(
            Challenge::new("Bearer", "r")
                .param("a=b", "c")
                .to_header_value()
                .is_none()
        );
        assert!(
            Challenge::new("Bearer", "r")
                .param("", "c")
                .to_header_value()
                .is_none()
        );
        let fine = Challenge::new("X-Scheme_1", "r").param("error", "e");
        assert_eq!(
            fine.to_header_value().unwrap(),
            r#"X-Scheme_1 realm="r", error="e""#
        );
    }

    #[test]
    fn realm_validation() {
        assert!(Realm::new("").is_err());
        assert!(Realm::new("é").is_err());
        assert!(Realm::new("tab\there").is_err());
        assert!(Realm::new(r#"ok "quoted" \ too"#).is_ok());
    }
}
