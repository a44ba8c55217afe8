//! Bearer JWT authentication (RFC 6750) on the `jsonwebtoken` crate.

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use actix_web::HttpRequest;
use jsonwebtoken::errors::ErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, DecodingKeyKind, Validation, get_current_timestamp};
use serde::de::DeserializeOwned;

use crate::cache::{Lookup, TokenCache, TokenDigest, Verified, validity_window};
use crate::{
    Authentication, Authenticator, Challenge, ChallengeKind, Credentials, Identity, Outcome,
    Principal,
};

/// Longest Bearer token looked at; longer ones are refused without being decoded.
pub(crate) const MAX_TOKEN_LEN: usize = 8 * 1024;

/// Authenticates `Authorization: Bearer <JWT>` requests.
///
/// - Only the algorithms of the allow-list are accepted; all must fit the key's family.
/// - `exp` is required and checked, `nbf` is checked when present, both with a leeway (default
///   60 seconds, like `jsonwebtoken`).
/// - `iss` and `aud` are required and checked when configured.
/// - The claims become the identity: [`Principal`] by default (claims `sub`, `roles`,
///   `permissions`, `scope`), or your own type with [`claims`](Self::claims).
/// - Opt-in: [`cache`](Self::cache) remembers tokens that verified, for repeated tokens signed
///   with a costly algorithm (RS256, ES256).
///
/// Any failure is [`Outcome::Invalid`], answered 401 with
/// `Bearer realm="…", error="invalid_token"`. Tokens in the query string are never read.
///
/// # Example
///
/// ```
/// use actix_authz::{AuthzConfig, JwtAuthenticator};
/// use jsonwebtoken::{Algorithm, DecodingKey};
///
/// let hs = JwtAuthenticator::hs256(b"a random secret of 32 bytes or more").leeway(5);
/// let rs = JwtAuthenticator::new(
///     DecodingKey::from_rsa_components("sXch", "AQAB").unwrap(),
///     &[Algorithm::RS256],
/// )
/// .unwrap()
/// .issuer(["https://issuer.example"])
/// .audience(["my-api"]);
/// let config = AuthzConfig::new("api").authenticator(hs);
/// # let _ = (config, rs);
/// ```
pub struct JwtAuthenticator<C = Principal> {
    key: DecodingKey,
    validation: Validation,
    cache: Option<TokenCache>,
    claims: PhantomData<fn() -> C>,
}

/// The error of [`JwtAuthenticator::new`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum JwtConfigError {
    /// The algorithm allow-list is empty.
    NoAlgorithm,
    /// An algorithm of the allow-list does not fit the key (e.g. `RS256` with an HMAC secret).
    AlgorithmDoesNotFitKey(Algorithm),
    /// The HMAC secret is empty: anyone could sign tokens with it.
    EmptySecret,
}

impl fmt::Display for JwtConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NoAlgorithm => f.write_str("the JWT algorithm allow-list is empty"),
            Self::AlgorithmDoesNotFitKey(alg) => {
                write!(f, "the JWT algorithm {alg:?} does not fit the decoding key")
            }
            Self::EmptySecret => {
                f.write_str("the JWT HMAC secret is empty: anyone could sign tokens with it")
            }
        }
    }
}

impl std::error::Error for JwtConfigError {}

impl JwtAuthenticator<Principal> {
    /// HS256 with a shared secret, the common case for a single service.
    ///
    /// Use a random secret of at least 32 bytes (RFC 7518 §3.2): whoever holds one token can
    /// try guesses of a shorter secret offline. A shorter one is accepted with a warning.
    ///
    /// # Panics
    ///
    /// If `secret` is empty, which would let anyone sign tokens. [`new`](Self::new) with
    /// [`DecodingKey::from_secret`] returns [`JwtConfigError::EmptySecret`] instead, for a secret
    /// read at run time.
    #[track_caller]
    pub fn hs256(secret: &[u8]) -> Self {
        match Self::new(DecodingKey::from_secret(secret), &[Algorithm::HS256]) {
            Ok(authenticator) => authenticator,
            Err(error) => panic!("JwtAuthenticator::hs256: {error}"),
        }
    }

    /// A key and the algorithms accepted with it.
    ///
    /// An HMAC secret must not be empty ([`JwtConfigError::EmptySecret`]); one shorter than its
    /// algorithms' hash output (RFC 7518 §3.2: 32 bytes for HS256, 48 for HS384, 64 for HS512)
    /// is accepted with a warning.
    pub fn new(key: DecodingKey, algorithms: &[Algorithm]) -> Result<Self, JwtConfigError> {
        let Some(&first) = algorithms.first() else {
            return Err(JwtConfigError::NoAlgorithm);
        };
        if let Some(&alg) = algorithms.iter().find(|alg| alg.family() != key.family()) {
            return Err(JwtConfigError::AlgorithmDoesNotFitKey(alg));
        }
        check_secret(&key, algorithms)?;
        let mut validation = Validation::new(first);
        validation.algorithms = algorithms.to_vec();
        Ok(Self::with_validation(key, validation))
    }

    fn with_validation(key: DecodingKey, mut validation: Validation) -> Self {
        make_strict(&mut validation);
        Self {
            key,
            validation,
            cache: None,
            claims: PhantomData,
        }
    }
}

impl<C> JwtAuthenticator<C> {
    /// Reads the identity from the claims as `D` instead, your own claims type.
    ///
    /// ```
    /// use actix_authz::{Identity, JwtAuthenticator};
    ///
    /// #[derive(Debug, serde::Deserialize)]
    /// struct Claims {
    ///     sub: String,
    ///     tenant_admin: bool,
    /// }
    ///
    /// impl Identity for Claims {
    ///     fn subject(&self) -> &str {
    ///         &self.sub
    ///     }
    ///     fn has_role(&self, role: &str) -> bool {
    ///         role == "admin" && self.tenant_admin
    ///     }
    /// }
    ///
    /// let secret = b"a random secret of 32 bytes or more";
    /// let jwt = JwtAuthenticator::hs256(secret).claims::<Claims>();
    /// # let _ = jwt;
    /// ```
    pub fn claims<D: DeserializeOwned + Identity>(self) -> JwtAuthenticator<D> {
        JwtAuthenticator {
            key: self.key,
            validation: self.validation,
            cache: self.cache,
            claims: PhantomData,
        }
    }

    /// Requires `iss` to be one of `issuers`.
    #[must_use]
    pub fn issuer<S: ToString>(mut self, issuers: impl IntoIterator<Item = S>) -> Self {
        require_issuers(&mut self.validation, issuers);
        self
    }

    /// Requires `aud` to contain one of `audiences`.
    #[must_use]
    pub fn audience<S: ToString>(mut self, audiences: impl IntoIterator<Item = S>) -> Self {
        require_audiences(&mut self.validation, audiences);
        self
    }

    /// Clock-skew tolerance for `exp` and `nbf`, in seconds: 60 unless set, so a token is
    /// refused as expired from 60 seconds after its `exp`. `leeway(0)` allows none.
    #[must_use]
    pub fn leeway(mut self, seconds: u64) -> Self {
        self.validation.leeway = seconds;
        self
    }

    /// Remembers up to `capacity` tokens that verified, so that a repeated token is not verified
    /// again: worth it for signatures that are costly to check (RS256, ES256: tens of
    /// microseconds each), hardly for HS256. Off by default; a capacity of 0 turns it off.
    ///
    /// - The cache keeps the SHA-256 of each token, never the token, with the identity it
    ///   carries and its `exp`/`nbf`.
    /// - `exp` and `nbf` are checked on every hit, with this authenticator's leeway, exactly as
    ///   a verification would: a cached token stops working at the same second, and is refused
    ///   as expired.
    /// - Memory is constant: at most `capacity` entries, the oldest making room for a new one.
    /// - Workers never wait for each other: a look-up that meets a busy part of the cache
    ///   verifies the token instead.
    ///
    /// Configure the issuer, audience and leeway on the same authenticator, before or after:
    /// only tokens that passed every check are cached.
    ///
    /// # Example
    ///
    /// ```
    /// use actix_authz::{AuthzConfig, JwtAuthenticator};
    /// use jsonwebtoken::{Algorithm, DecodingKey};
    ///
    /// # let (modulus, exponent) = ("sXch", "AQAB");
    /// let key = DecodingKey::from_rsa_components(modulus, exponent)?;
    /// let jwt = JwtAuthenticator::new(key, &[Algorithm::RS256])?
    ///     .audience(["my-api"])
    ///     .cache(10_000);
    /// let config = AuthzConfig::new("api").authenticator(jwt);
    /// # let _ = config;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    #[must_use]
    pub fn cache(mut self, capacity: usize) -> Self {
        self.cache = TokenCache::new(capacity);
        self
    }

    fn verify(&self, token: &[u8]) -> Outcome
    where
        C: DeserializeOwned + Identity,
    {
        let refused = |description| Outcome::Invalid {
            description: Some(description),
        };
        // The `b64token` syntax is checked only when the token fails to verify, to name the
        // refusal: a token that verifies is a JWS of base64url parts, hence a `b64token`.
        if token.len() > MAX_TOKEN_LEN {
            return refused(MALFORMED);
        }
        let Some(cache) = &self.cache else {
            return self
                .decode(token)
                .map_or_else(refused, Outcome::Authenticated);
        };
        let digest = TokenDigest::of(token);
        match cache.get(&digest, get_current_timestamp(), self.validation.leeway) {
            Lookup::Hit(identity) => return Outcome::Authenticated(identity),
            Lookup::Expired => return refused(EXPIRED),
            Lookup::Immature => return refused(IMMATURE),
            Lookup::Miss => {}
        }
        let identity = match self.decode(token) {
            Ok(identity) => identity,
            Err(description) => return refused(description),
        };
        if let Some((expires_at, not_before)) = validity_window(token) {
            let verified = Verified {
                identity: Arc::clone(&identity),
                expires_at,
                not_before,
            };
            cache.insert(digest, verified);
        }
        Outcome::Authenticated(identity)
    }

    /// Verifies `token`: its identity, or the `error_description` of its refusal.
    fn decode(&self, token: &[u8]) -> Result<Arc<dyn Identity>, &'static str>
    where
        C: DeserializeOwned + Identity,
    {
        decode::<C>(token, &self.key, &self.validation)
    }
}

/// Refuses an empty HMAC secret, and warns about one shorter than the longest hash output of
/// `algorithms` (RFC 7518 §3.2). The secret itself is never logged.
fn check_secret(key: &DecodingKey, algorithms: &[Algorithm]) -> Result<(), JwtConfigError> {
    let DecodingKeyKind::SecretOrDer(secret) = key.kind() else {
        return Ok(());
    };
    let required = algorithms
        .iter()
        .filter_map(|alg| match alg {
            Algorithm::HS256 => Some(32),
            Algorithm::HS384 => Some(48),
            Algorithm::HS512 => Some(64),
            _ => None,
        })
        .max();
    let Some(required) = required else {
        return Ok(());
    };
    if secret.is_empty() {
        return Err(JwtConfigError::EmptySecret);
    }
    if secret.len() < required {
        tracing::warn!(
            bytes = secret.len(),
            required,
            "the JWT HMAC secret is shorter than RFC 7518 requires: whoever holds one token can \
             guess it offline; use a random secret of at least {required} bytes"
        );
    }
    Ok(())
}

/// Verifies `token` with `key`: its identity, or the `error_description` of its refusal.
pub(crate) fn decode<C: DeserializeOwned + Identity>(
    token: &[u8],
    key: &DecodingKey,
    validation: &Validation,
) -> Result<Arc<dyn Identity>, &'static str> {
    match jsonwebtoken::decode::<C>(token, key, validation) {
        Ok(data) if data.header.crit.is_none() => Ok(Arc::new(data.claims)),
        Ok(_) => {
            // RFC 7515 §4.1.11: a token that makes header extensions critical is invalid to a
            // recipient that does not understand them, and this one understands none.
            tracing::debug!(
                reason = INVALID,
                "bearer token refused: critical extensions"
            );
            Err(INVALID)
        }
        Err(error) => {
            let description = match error.kind() {
                _ if !is_b64token(token) => MALFORMED,
                ErrorKind::ExpiredSignature => EXPIRED,
                ErrorKind::ImmatureSignature => IMMATURE,
                _ => INVALID,
            };
            // The error itself may quote decoded parts of the token: log the fixed text.
            tracing::debug!(reason = description, "bearer token refused");
            Err(description)
        }
    }
}

/// The checks every Bearer JWT gets, whatever its key: `exp` required and checked, `nbf`
/// checked when present, `aud` only once an audience is configured.
pub(crate) fn make_strict(validation: &mut Validation) {
    validation.set_required_spec_claims(&["exp"]);
    validation.validate_exp = true;
    validation.validate_nbf = true;
    validation.validate_aud = false;
}

/// Requires `iss` to be present and one of `issuers`.
pub(crate) fn require_issuers<S: ToString>(
    validation: &mut Validation,
    issuers: impl IntoIterator<Item = S>,
) {
    let issuers: Vec<String> = issuers.into_iter().map(|s| s.to_string()).collect();
    validation.set_issuer(&issuers);
    validation.required_spec_claims.insert("iss".into());
}

/// Requires `aud` to be present and to contain one of `audiences`.
pub(crate) fn require_audiences<S: ToString>(
    validation: &mut Validation,
    audiences: impl IntoIterator<Item = S>,
) {
    let audiences: Vec<String> = audiences.into_iter().map(|s| s.to_string()).collect();
    validation.set_audience(&audiences);
    validation.validate_aud = true;
    validation.required_spec_claims.insert("aud".into());
}

pub(crate) const MALFORMED: &str = "the access token is malformed";
pub(crate) const EXPIRED: &str = "the access token expired";
pub(crate) const IMMATURE: &str = "the access token is not valid yet";
pub(crate) const INVALID: &str = "the access token is invalid";

/// `b64token` of RFC 6750 §2.1: `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
pub(crate) fn is_b64token(token: &[u8]) -> bool {
    let body_len = token.len() - token.iter().rev().take_while(|&&b| b == b'=').count();
    // A fold without early exit of branch-free tests: the compiler checks many bytes at once.
    body_len > 0
        && token[..body_len]
            .iter()
            .fold(true, |ok, &b| ok & is_b64token_body(b))
}

/// Whether `b` may come before the `=` padding of a `b64token`.
const fn is_b64token_body(b: u8) -> bool {
    let lower = b | 0x20; // ASCII letters in lower case; no other byte becomes one
    (lower.wrapping_sub(b'a') < 26)
        | (b.wrapping_sub(b'0') < 10)
        | (b.wrapping_sub(b'-') < 3) // `-`, `.`, `/`
        | (b == b'_')
        | (b == b'~')
        | (b == b'+')
}

impl<C> fmt::Debug for JwtAuthenticator<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwtAuthenticator")
            .field("algorithms", &self.validation.algorithms)
            .field("leeway", &self.validation.leeway)
            .field("iss", &self.validation.iss)
            .field("aud", &self.validation.aud)
            .field("cache", &self.cache.as_ref().map(TokenCache::capacity))
            .finish_non_exhaustive()
    }
}

impl<C: DeserializeOwned + Identity> Authenticator for JwtAuthenticator<C> {
    fn authenticate(
        &self,
        _request: &HttpRequest,
        credentials: Option<Credentials<'_>>,
    ) -> Authentication {
        match credentials {
            Some(credentials) if credentials.has_scheme("Bearer") => {
                self.verify(credentials.rest())
            }
            _ => Outcome::Anonymous,
        }
        .into()
    }

    fn challenge(&self, realm: &str, kind: ChallengeKind<'_>) -> Option<Challenge> {
        Some(bearer_challenge(realm, kind))
    }
}

/// The challenge line of a Bearer authenticator (RFC 6750 §3) for a refusal of `kind`.
pub(crate) fn bearer_challenge(realm: &str, kind: ChallengeKind<'_>) -> Challenge {
    let challenge = Challenge::new("Bearer", realm);
    match kind {
        ChallengeKind::Unauthenticated => challenge,
        ChallengeKind::InvalidCredentials { description } => {
            let challenge = challenge.param("error", "invalid_token");
            match description {
                Some(description) => challenge.param("error_description", description),
                None => challenge,
            }
        }
        ChallengeKind::InvalidRequest => challenge.param("error", "invalid_request"),
        ChallengeKind::InsufficientScope { scope } => {
            let challenge = challenge.param("error", "insufficient_scope");
            match scope {
                Some(scope) => challenge.param("scope", scope),
                None => challenge,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn b64token_syntax() {
        assert!(is_b64token(b"abc.DEF-_~+/=="));
        assert!(!is_b64token(b"=="));
        assert!(!is_b64token(b"a=b"));
        assert!(!is_b64token(b"a b"));
        assert!(!is_b64token(b"a,b"));
        assert!(!is_b64token("é".as_bytes()));
    }

    #[test]
    fn b64token_bytes_are_those_of_rfc6750() {
        for byte in 0..=u8::MAX {
            let listed = byte.is_ascii_alphanumeric() || b"-._~+/".contains(&byte);
            assert_eq!(is_b64token(&[byte]), listed, "{byte:#04x}");
            assert_eq!(is_b64token(&[byte, b'=']), listed, "{byte:#04x} padded");
        }
    }

    #[test]
    fn descriptions_use_only_rfc6750_characters() {
        for text in [MALFORMED, EXPIRED, IMMATURE, INVALID] {
            assert!(
                text.bytes()
                    .all(|b| matches!(b, 0x20 | 0x21 | 0x23..=0x5b | 0x5d..=0x7e)),
                "{text}"
            );
        }
    }

    #[test]
    fn allow_list_must_fit_the_key() {
        let key = DecodingKey::from_secret(b"s");
        assert_eq!(
            JwtAuthenticator::new(key.clone(), &[]).unwrap_err(),
            JwtConfigError::NoAlgorithm
        );
        assert_eq!(
            JwtAuthenticator::new(key.clone(), &[Algorithm::HS256, Algorithm::RS256]).unwrap_err(),
            JwtConfigError::AlgorithmDoesNotFitKey(Algorithm::RS256)
        );
        assert!(JwtAuthenticator::new(key, &[Algorithm::HS256, Algorithm::HS512]).is_ok());
    }

    #[test]
    fn an_empty_secret_is_refused() {
        for algorithms in [
            &[Algorithm::HS256][..],
            &[Algorithm::HS512, Algorithm::HS256],
        ] {
            assert_eq!(
                JwtAuthenticator::new(DecodingKey::from_secret(b""), algorithms).unwrap_err(),
                JwtConfigError::EmptySecret
            );
        }
        let panic = std::panic::catch_unwind(|| JwtAuthenticator::hs256(b"")).unwrap_err();
        assert_eq!(
            panic.downcast_ref::<String>().map(String::as_str),
            Some(
                "JwtAuthenticator::hs256: the JWT HMAC secret is empty: anyone could sign tokens \
                 with it"
            )
        );
    }
}
