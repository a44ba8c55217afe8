//! The bodies of the fuzz targets: each takes arbitrary bytes, runs one parsing entry point of
//! the runtime on them, and panics when a property of it fails.
//!
//! The libFuzzer harness in `fuzz/` calls them with coverage-guided inputs; the test suite
//! (`tests/tests/fuzz_regressions.rs`) calls them with the committed seeds and a seeded,
//! deterministic stream of mutations of them, so that a regression fails CI without a fuzzer.
//!
//! | target | entry point | properties |
//! | --- | --- | --- |
//! | [`credentials`] | `Credentials::parse` | agrees with the RFC 9110 definition; `Debug` redacts |
//! | [`basic`] | `BasicCredentials::decode` | accepts exactly canonical base64 of UTF-8 `user:password` without controls; `Debug` redacts |
//! | [`jwt`] | `JwtAuthenticator::authenticate`, Bearer | forged tokens are refused with a fixed description; tokens signed with the key are accepted only when their claims are valid; the cache answers as a verification would |

use std::any::Any;
use std::pin::Pin;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};

use actix_authz::{
    Authenticator, BasicCredentials, Credentials, Identity, JwtAuthenticator, Outcome, Principal,
};
use actix_web::HttpRequest;
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use jsonwebtoken::{Algorithm, EncodingKey};

use crate::{EXPIRED, INVALID, MALFORMED, NOT_YET_VALID};

/// A fuzz target: panics when a property fails on the input.
pub type Target = fn(&[u8]);

/// The targets by name, as `fuzz/` names its binaries and its seed folders.
pub const TARGETS: [(&str, Target); 3] =
    [("credentials", credentials), ("basic", basic), ("jwt", jwt)];

/// `Credentials::parse` on any header value.
///
/// It returns `Some` exactly when the value, without surrounding whitespace, starts with a
/// token (RFC 9110 §5.6.2) that is followed by nothing or by a space; the scheme is that token
/// and the rest is what follows its spaces. `Debug` never shows the rest.
pub fn credentials(data: &[u8]) {
    let trimmed = data.trim_ascii();
    let scheme_len = trimmed
        .iter()
        .position(|&b| b == b' ')
        .unwrap_or(trimmed.len());
    let (scheme, rest) = trimmed.split_at(scheme_len);
    let is_token = !scheme.is_empty()
        && scheme
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    let parsed = Credentials::parse(data);
    assert_eq!(parsed.is_some(), is_token, "parse({data:?}) = {parsed:?}");
    let Some(parsed) = parsed else { return };
    assert_eq!(parsed.scheme().as_bytes(), scheme);
    assert_eq!(parsed.rest(), rest.trim_ascii_start());
    assert!(parsed.has_scheme(&parsed.scheme().to_ascii_uppercase()));
    assert!(parsed.has_scheme(&parsed.scheme().to_ascii_lowercase()));
    assert!(!parsed.has_scheme(&format!("{}x", parsed.scheme())));
    assert_eq!(
        format!("{parsed:?}"),
        format!(
            "Credentials {{ scheme: {:?}, rest: \"<redacted>\" }}",
            parsed.scheme()
        ),
    );
}

/// `BasicCredentials::decode` on any token68.
///
/// It accepts exactly the canonical padded base64 (at most 4 KiB) of UTF-8 text without control
/// characters that holds a `:`; the user id is the text before the first `:`. `Debug` shows
/// the user id only.
pub fn basic(data: &[u8]) {
    let decoded = BasicCredentials::decode(data);
    let text = STANDARD
        .decode(data)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok());
    let acceptable = text.as_ref().is_some_and(|text| {
        !data.is_empty()
            && data.len() <= 4 * 1024
            && text.contains(':')
            && !text.chars().any(char::is_control)
    });
    assert_eq!(
        decoded.is_some(),
        acceptable,
        "decode({data:?}) = {decoded:?}"
    );
    let Some(decoded) = decoded else { return };
    let joined = format!("{}:{}", decoded.user_id(), decoded.password());
    assert!(!decoded.user_id().contains(':'));
    assert_eq!(Some(&joined), text.as_ref());
    // Canonical: encoding the pair again gives the very bytes that were sent.
    assert_eq!(STANDARD.encode(&joined).as_bytes(), data);
    assert_eq!(
        format!("{decoded:?}"),
        format!(
            "BasicCredentials {{ user_id: {:?}, password: \"<redacted>\" }}",
            decoded.user_id()
        ),
    );
}

/// The HS256 secret of the JWT target.
const KEY: &[u8] = b"the fuzzing key, long enough for HS256";

/// The Bearer path of `JwtAuthenticator` (with and without its cache) on any token.
///
/// The first byte picks the mode. Even: the rest is sent as the token, as is; it is refused with
/// one of the fixed descriptions (a fuzzer cannot forge the signature). Odd: the rest is split
/// at its first newline into a JOSE header and claims, which are encoded and signed with the
/// key; the token is accepted only when the header says HS256 and the claims make a valid
/// identity in their validity window, and then the identity is the claims'. The cached
/// authenticator answers as the uncached one, on a miss and on a hit.
pub fn jwt(data: &[u8]) {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        let mut header = b"Bearer ".to_vec();
        header.extend_from_slice(rest);
        let outcome = authenticate(&authenticators().0, &header);
        assert_refused(&outcome, rest);
        assert_refused(&authenticate(&authenticators().1, &header), rest);
        return;
    }
    let split = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
    let (jose, claims) = rest.split_at(split);
    let claims = claims.get(1..).unwrap_or_default();
    let token = signed_token(jose, claims);
    let header = format!("Bearer {token}");
    let plain = authenticate(&authenticators().0, header.as_bytes());
    check_signed(&plain, jose, claims);
    for _miss_then_hit in 0..2 {
        let cached = authenticate(&authenticators().1, header.as_bytes());
        assert_eq!(
            summary(&cached),
            summary(&plain),
            "the cache disagrees on {token}"
        );
    }
}

/// Whether the JWT target's authenticator accepts `data` (for checking that the seeds reach
/// both outcomes).
pub fn jwt_accepts(data: &[u8]) -> bool {
    let Some((&mode, rest)) = data.split_first() else {
        return false;
    };
    let header = if mode % 2 == 0 {
        [b"Bearer ", rest].concat()
    } else {
        let split = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
        let (jose, claims) = rest.split_at(split);
        format!(
            "Bearer {}",
            signed_token(jose, claims.get(1..).unwrap_or_default())
        )
        .into_bytes()
    };
    matches!(
        authenticate(&authenticators().0, &header),
        Outcome::Authenticated(_)
    )
}

/// The plain authenticator, and one with a small cache.
fn authenticators() -> &'static (JwtAuthenticator, JwtAuthenticator) {
    static AUTHENTICATORS: OnceLock<(JwtAuthenticator, JwtAuthenticator)> = OnceLock::new();
    AUTHENTICATORS.get_or_init(|| {
        (
            JwtAuthenticator::hs256(KEY),
            JwtAuthenticator::hs256(KEY).cache(64),
        )
    })
}

fn authenticate(authenticator: &JwtAuthenticator, header: &[u8]) -> Outcome {
    thread_local! {
        static REQUEST: HttpRequest = actix_web::test::TestRequest::default().to_http_request();
    }
    REQUEST.with(|request| {
        let credentials = Credentials::parse(header);
        let mut future = authenticator.authenticate(request, credentials);
        // The JWT authenticator answers at once: one poll, no runtime.
        match Pin::new(&mut future).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(outcome) => outcome,
            Poll::Pending => panic!("the JWT authenticator did not answer at once"),
        }
    })
}

#[track_caller]
fn assert_refused(outcome: &Outcome, token: &[u8]) {
    match outcome {
        Outcome::Invalid {
            description: Some(description),
        } => assert!(
            [MALFORMED, INVALID, EXPIRED, NOT_YET_VALID].contains(description),
            "unexpected description {description:?}"
        ),
        other => panic!("token {token:?} gave {other:?}"),
    }
}

/// `base64url(jose).base64url(claims).base64url(HMAC-SHA256)`.
fn signed_token(jose: &[u8], claims: &[u8]) -> String {
    let message = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(jose),
        URL_SAFE_NO_PAD.encode(claims)
    );
    let signature = jsonwebtoken::crypto::sign(
        message.as_bytes(),
        &EncodingKey::from_secret(KEY),
        Algorithm::HS256,
    )
    .expect("HS256 signing");
    format!("{message}.{signature}")
}

/// An outcome without its identity's address: kind, description, and the identity's fields.
fn summary(outcome: &Outcome) -> String {
    match outcome {
        Outcome::Authenticated(identity) => format!("authenticated {identity:?}"),
        other => format!("{other:?}"),
    }
}

/// The JOSE header, read as `jsonwebtoken` reads it: unknown fields are skipped unread.
#[derive(serde::Deserialize)]
struct Jose {
    alg: String,
}

/// The claims the checks below compare, read like the header. Skipped fields are not
/// validated by serde_json (invalid UTF-8 in a string, a number out of range): the fuzzer
/// found both in accepted tokens; harmless, as the key holder signed them and nobody reads
/// them. A duplicate of a field read here is an error, as it is for the authenticator.
#[derive(serde::Deserialize)]
struct Claims {
    sub: String,
    exp: serde_json::Number,
    nbf: Option<serde_json::Number>,
    roles: Option<Vec<String>>,
    permissions: Option<Vec<String>>,
    scope: Option<String>,
}

/// Checks the outcome of a correctly signed token against its header and claims.
fn check_signed(outcome: &Outcome, jose: &[u8], claims: &[u8]) {
    let identity = match outcome {
        Outcome::Authenticated(identity) => identity,
        refused => {
            assert_refused(refused, claims);
            return;
        }
    };
    let jose: Jose = serde_json::from_slice(jose).expect("an accepted header parses");
    assert_eq!(jose.alg, "HS256", "accepted with another algorithm");
    let claims: Claims = serde_json::from_slice(claims).unwrap_or_else(|error| {
        panic!(
            "accepted claims that do not parse ({error}): {}",
            String::from_utf8_lossy(claims)
        )
    });
    let now = jsonwebtoken::get_current_timestamp() as f64;
    let leeway = 60.0;
    let exp = claims.exp.as_f64().expect("a finite exp");
    assert!(exp >= now - leeway, "accepted after exp {exp}");
    if let Some(nbf) = &claims.nbf {
        let nbf = nbf.as_f64().expect("a finite nbf");
        assert!(nbf <= now + leeway, "accepted before nbf {nbf}");
    }
    let principal = (&**identity as &dyn Any)
        .downcast_ref::<Principal>()
        .expect("the default identity is a Principal");
    assert!(!claims.sub.is_empty());
    assert_eq!(principal.subject(), claims.sub);
    assert_eq!(principal.roles(), claims.roles.unwrap_or_default());
    assert_eq!(
        principal.permissions(),
        claims.permissions.unwrap_or_default()
    );
    let scope = claims.scope.unwrap_or_default();
    let scopes: Vec<&str> = scope.split(' ').filter(|scope| !scope.is_empty()).collect();
    assert_eq!(principal.scopes(), scopes);
}
