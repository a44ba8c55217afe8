//! Bearer tokens signed by an identity provider, verified against the JSON Web Key Set it
//! publishes (feature `jwks`).

use std::fmt;
use std::marker::PhantomData;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::{Duration, Instant};

use actix_web::HttpRequest;
use jsonwebtoken::jwk::{Jwk, JwkSet, KeyOperations, PublicKeyUse};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::de::DeserializeOwned;
use tokio::sync::watch;

use crate::jwt::{INVALID, MALFORMED, MAX_TOKEN_LEN, bearer_challenge, is_b64token};
use crate::{
    Authentication, Authenticator, Challenge, ChallengeKind, Credentials, Identity, JwtConfigError,
    Outcome, Principal,
};

/// The default of [`JwksAuthenticator::refresh_interval`].
pub const DEFAULT_REFRESH_INTERVAL: Duration = Duration::from_secs(30);
/// The default of [`JwksAuthenticator::max_age`].
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(15 * 60);
/// The default of [`JwksAuthenticator::fetch_timeout`].
pub const DEFAULT_FETCH_TIMEOUT: Duration = Duration::from_secs(5);
/// The largest JWKS document read.
const MAX_JWKS_LEN: usize = 256 * 1024;

/// Authenticates `Authorization: Bearer <JWT>` requests whose tokens an identity provider
/// (Keycloak, Auth0, Okta, Entra ID…) signed with one of the keys of its JWKS document.
///
/// - The JWKS is fetched over HTTP from the URL you give (the provider's `jwks_uri`) on the
///   first request that needs it, then cached.
/// - A token whose `kid` the cache does not know triggers a refresh, so a key rotation at the
///   provider is picked up without a restart, and a key the provider removed stops verifying
///   after the next refresh. Refreshes are rate-limited: at most one per
///   [`refresh_interval`](Self::refresh_interval), whatever the traffic, so unknown `kid`s
///   cannot make the server hammer the provider. Keys older than
///   [`max_age`](Self::max_age) are refreshed too.
/// - A fetch runs on a task of its own, on the worker of the request that started it. Every
///   request that needs it waits for that one fetch, on any worker; a request that stops
///   waiting (its client went away, [`AuthzConfig::timeout`](crate::AuthzConfig::timeout)
///   passed) does not stop the fetch, so the keys it brings serve the next requests.
/// - Only keys published for verifying signatures are used: keys with a `use` other than
///   `sig`, `key_ops` without `verify`, or an `alg` that is not a supported signature
///   algorithm (`RSA-OAEP`, `RSA1_5`, one unknown…) are left out, as are symmetric keys. A key
///   without `alg` verifies any accepted algorithm of its type.
/// - While the provider is unreachable, the cached keys keep verifying. A token whose `kid`
///   they do not know is refused with 503, not called invalid: the provider may have
///   published its key since. With no keys at all (the provider has never answered), requests
///   are refused with 503: never allowed.
/// - Only asymmetric algorithms are accepted: RS256 and ES256 by default, see
///   [`algorithms`](Self::algorithms). `exp` is required, `nbf` is honoured, `iss`/`aud` are
///   checked when configured, exactly as [`JwtAuthenticator`](crate::JwtAuthenticator).
///
/// The JWKS URL is fetched with `awc` without TLS: for an `https://` provider, enable one of
/// `awc`'s TLS features in your application (e.g. `awc = { version = "3", features =
/// ["rustls-0_23-webpki-roots"] }`); Cargo's feature unification gives this client the same
/// connector.
///
/// # Example
///
/// ```
/// use std::time::Duration;
///
/// use actix_authz::{AuthzConfig, JwksAuthenticator};
///
/// let provider = JwksAuthenticator::new("http://127.0.0.1:8081/realms/demo/protocol/openid-connect/certs")
///     .issuer(["http://127.0.0.1:8081/realms/demo"])
///     .audience(["my-api"])
///     .refresh_interval(Duration::from_secs(10));
/// let config = AuthzConfig::new("api").authenticator(provider);
/// # let _ = config;
/// ```
pub struct JwksAuthenticator<C = Principal> {
    store: Arc<KeyStore>,
    /// Shared with the futures of requests that wait for a refresh.
    validation: Arc<Validation>,
    claims: PhantomData<fn() -> C>,
}

/// The cached keys of one JWKS URL, and when they may be fetched again.
struct KeyStore {
    url: String,
    /// `url` without credentials (userinfo) or query, for logs and `Debug`.
    shown_url: String,
    refresh_interval: Duration,
    max_age: Duration,
    fetch_timeout: Duration,
    keys: RwLock<Keys>,
    fetches: Mutex<Fetches>,
    /// Whether the last fetch failed: a `kid` the cached keys do not know may then be one the
    /// provider published since, and cannot be called invalid.
    unreachable: AtomicBool,
}

/// The fetches of a key store: when the last one started, and the one under way.
#[derive(Default)]
struct Fetches {
    last_started: Option<Instant>,
    /// Closed when the fetch under way ends, however it ends; `None` when none is.
    in_flight: Option<watch::Receiver<()>>,
}

/// The fetch under way, owned by its task. Dropping it, when the fetch ends or when its task
/// is dropped unfinished (its worker stopped), lets the next fetch start and wakes every
/// request waiting for this one.
struct InFlight {
    store: Arc<KeyStore>,
    /// Never sent on: dropping it closes the channel, which is the signal.
    _done: watch::Sender<()>,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.store
            .fetches
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .in_flight = None;
    }
}

#[derive(Default)]
struct Keys {
    keys: Vec<Key>,
    fetched_at: Option<Instant>,
}

struct Key {
    kid: Option<String>,
    algorithm: Option<Algorithm>,
    key: DecodingKey,
}

/// What the cached keys made of a token.
enum Found {
    Verified(Arc<dyn Identity>),
    Refused(&'static str),
    /// No cached key has the token's `kid` (or fits a token without one).
    UnknownKey,
    /// There is no key at all.
    NoKeys,
}

impl JwksAuthenticator<Principal> {
    /// Verifies tokens against the JWKS published at `url`, accepting RS256 and ES256.
    pub fn new(url: impl Into<String>) -> Self {
        let url = url.into();
        let mut validation = Validation::new(Algorithm::RS256);
        validation.algorithms = vec![Algorithm::RS256, Algorithm::ES256];
        crate::jwt::make_strict(&mut validation);
        Self {
            store: Arc::new(KeyStore {
                shown_url: without_credentials(&url),
                url,
                refresh_interval: DEFAULT_REFRESH_INTERVAL,
                max_age: DEFAULT_MAX_AGE,
                fetch_timeout: DEFAULT_FETCH_TIMEOUT,
                keys: RwLock::new(Keys::default()),
                fetches: Mutex::new(Fetches::default()),
                unreachable: AtomicBool::new(false),
            }),
            validation: Arc::new(validation),
            claims: PhantomData,
        }
    }
}

impl<C> JwksAuthenticator<C> {
    /// The accepted algorithms (default RS256 and ES256). Symmetric ones (HS256…) are refused:
    /// a published key set holds public keys.
    ///
    /// ```
    /// use actix_authz::{JwksAuthenticator, JwtConfigError};
    /// use jsonwebtoken::Algorithm;
    ///
    /// let rs = JwksAuthenticator::new("http://127.0.0.1:9/jwks").algorithms(&[Algorithm::RS256, Algorithm::PS256]);
    /// assert!(rs.is_ok());
    /// let hs = JwksAuthenticator::new("http://127.0.0.1:9/jwks").algorithms(&[Algorithm::HS256]);
    /// assert_eq!(hs.unwrap_err(), JwtConfigError::AlgorithmDoesNotFitKey(Algorithm::HS256));
    /// ```
    pub fn algorithms(mut self, algorithms: &[Algorithm]) -> Result<Self, JwtConfigError> {
        if algorithms.is_empty() {
            return Err(JwtConfigError::NoAlgorithm);
        }
        if let Some(&symmetric) = algorithms
            .iter()
            .find(|alg| matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512))
        {
            return Err(JwtConfigError::AlgorithmDoesNotFitKey(symmetric));
        }
        Arc::make_mut(&mut self.validation).algorithms = algorithms.to_vec();
        Ok(self)
    }

    /// Requires `iss` to be one of `issuers`.
    #[must_use]
    pub fn issuer<S: ToString>(mut self, issuers: impl IntoIterator<Item = S>) -> Self {
        crate::jwt::require_issuers(Arc::make_mut(&mut self.validation), issuers);
        self
    }

    /// Requires `aud` to contain one of `audiences`.
    #[must_use]
    pub fn audience<S: ToString>(mut self, audiences: impl IntoIterator<Item = S>) -> Self {
        crate::jwt::require_audiences(Arc::make_mut(&mut self.validation), audiences);
        self
    }

    /// Clock-skew tolerance for `exp` and `nbf`, in seconds (default 60).
    #[must_use]
    pub fn leeway(mut self, seconds: u64) -> Self {
        Arc::make_mut(&mut self.validation).leeway = seconds;
        self
    }

    /// The least time between two fetches of the JWKS (default 30 seconds): the rate limit of
    /// refreshes triggered by unknown `kid`s, and of retries while the provider is down.
    #[must_use]
    pub fn refresh_interval(mut self, interval: Duration) -> Self {
        self.store_mut().refresh_interval = interval;
        self
    }

    /// How old the cached keys may grow before a request refreshes them (default 15 minutes),
    /// so that a key the provider withdrew stops verifying even when no new `kid` shows up.
    #[must_use]
    pub fn max_age(mut self, age: Duration) -> Self {
        self.store_mut().max_age = age;
        self
    }

    /// How long one fetch of the JWKS may take (default 5 seconds).
    #[must_use]
    pub fn fetch_timeout(mut self, timeout: Duration) -> Self {
        self.store_mut().fetch_timeout = timeout;
        self
    }

    /// Reads the identity from the claims as `D` instead, your own claims type (see
    /// [`JwtAuthenticator::claims`](crate::JwtAuthenticator::claims)).
    pub fn claims<D: DeserializeOwned + Identity>(self) -> JwksAuthenticator<D> {
        JwksAuthenticator {
            store: self.store,
            validation: self.validation,
            claims: PhantomData,
        }
    }

    fn store_mut(&mut self) -> &mut KeyStore {
        // Configured before the authenticator is shared: the store has one owner.
        Arc::get_mut(&mut self.store).expect("configured before use")
    }
}

impl<C: DeserializeOwned + Identity> JwksAuthenticator<C> {
    /// Verifies `token` at once with the cached keys when they are fresh and one fits;
    /// otherwise after a refresh of the key set.
    fn verify(&self, token: &[u8]) -> Authentication {
        if token.is_empty() || token.len() > MAX_TOKEN_LEN || !is_b64token(token) {
            return refused(MALFORMED).into();
        }
        let Ok(token) = std::str::from_utf8(token) else {
            return refused(MALFORMED).into();
        };
        let header = match jsonwebtoken::decode_header(token) {
            Ok(header) if self.validation.algorithms.contains(&header.alg) => header,
            _ => {
                tracing::debug!(reason = INVALID, "bearer token refused");
                return refused(INVALID).into();
            }
        };
        let (kid, alg) = (header.kid, header.alg);
        if !self.store.is_stale() {
            match find::<C>(&self.store, &self.validation, token, kid.as_deref(), alg) {
                Found::UnknownKey | Found::NoKeys => {}
                found => return self.store.outcome(found).into(),
            }
        }
        let (store, validation) = (Arc::clone(&self.store), Arc::clone(&self.validation));
        let token = token.to_owned();
        Authentication::pending(async move {
            if store.is_stale() {
                store.refresh().await;
            }
            let found = find::<C>(&store, &validation, &token, kid.as_deref(), alg);
            if !matches!(found, Found::UnknownKey | Found::NoKeys) {
                return store.outcome(found);
            }
            // Looked up again even when this request may not fetch: another request's fetch
            // may have stored the key since.
            store.refresh().await;
            store.outcome(find::<C>(&store, &validation, &token, kid.as_deref(), alg))
        })
    }
}

/// A refusal of the token, with its `error_description`.
fn refused(description: &'static str) -> Outcome {
    Outcome::Invalid {
        description: Some(description),
    }
}

/// Verifies `token` with the cached key it names.
fn find<C: DeserializeOwned + Identity>(
    store: &KeyStore,
    validation: &Validation,
    token: &str,
    kid: Option<&str>,
    alg: Algorithm,
) -> Found {
    let keys = store.keys.read().unwrap_or_else(PoisonError::into_inner);
    if keys.keys.is_empty() {
        return Found::NoKeys;
    }
    let mut candidates = keys.keys.iter().filter(|key| {
        key.algorithm.is_none_or(|key_alg| key_alg == alg)
            && key.key.family() == alg.family()
            && match kid {
                Some(kid) => key.kid.as_deref() == Some(kid),
                None => true,
            }
    });
    let Some(first) = candidates.next() else {
        return Found::UnknownKey;
    };
    // jsonwebtoken wants every allowed algorithm to fit the key: allow the token's own,
    // which the allow-list was checked to contain.
    let mut validation = validation.clone();
    validation.algorithms = vec![alg];
    let mut result = decode::<C>(token, &first.key, &validation);
    // A token without `kid`: any fitting key that verifies it.
    for key in candidates {
        if matches!(result, Found::Verified(_)) {
            break;
        }
        result = decode::<C>(token, &key.key, &validation);
    }
    result
}

fn decode<C: DeserializeOwned + Identity>(
    token: &str,
    key: &DecodingKey,
    validation: &Validation,
) -> Found {
    crate::jwt::decode::<C>(token.as_bytes(), key, validation)
        .map_or_else(Found::Refused, Found::Verified)
}

impl KeyStore {
    /// The outcome of what the cached keys made of a token.
    fn outcome(&self, found: Found) -> Outcome {
        match found {
            Found::Verified(identity) => Outcome::Authenticated(identity),
            Found::Refused(description) => refused(description),
            Found::UnknownKey if self.unreachable.load(Ordering::Relaxed) => {
                tracing::warn!(
                    url = %self.shown_url,
                    "a token's key is not among the cached keys and the JWKS could not be \
                     fetched; refusing with 503"
                );
                Outcome::Unavailable
            }
            Found::UnknownKey => {
                tracing::debug!(reason = "unknown key", "bearer token refused");
                refused(INVALID)
            }
            Found::NoKeys => {
                tracing::warn!(
                    url = %self.shown_url,
                    "no JWKS key is available yet; refusing with 503"
                );
                Outcome::Unavailable
            }
        }
    }

    /// Never fetched, or fetched longer than `max_age` ago.
    fn is_stale(&self) -> bool {
        let keys = self.keys.read().unwrap_or_else(PoisonError::into_inner);
        keys.fetched_at
            .is_none_or(|fetched_at| fetched_at.elapsed() >= self.max_age)
    }

    /// Waits for a fetch of the key set: the one under way, or a new one if the rate limit
    /// allows; returns at once when neither. A failed fetch keeps the keys as they are.
    async fn refresh(self: &Arc<Self>) {
        if let Some(mut done) = self.join_or_start_fetch() {
            // Nothing is ever sent: this returns when the fetch ends and closes the channel.
            let _ = done.changed().await;
        }
    }

    /// The end of the fetch under way, or of one started now: at most one starts per
    /// `refresh_interval`. The fetch runs on its own task, not in the request, so that a
    /// request dropped while it waits (its client left, its time ran out) cannot cancel it:
    /// a cancelled fetch would leave no keys and use up the interval.
    fn join_or_start_fetch(self: &Arc<Self>) -> Option<watch::Receiver<()>> {
        let mut fetches = self.fetches.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(in_flight) = &fetches.in_flight {
            return Some(in_flight.clone());
        }
        if fetches
            .last_started
            .is_some_and(|at| at.elapsed() < self.refresh_interval)
        {
            return None;
        }
        fetches.last_started = Some(Instant::now());
        let (done, in_flight) = watch::channel(());
        fetches.in_flight = Some(in_flight.clone());
        drop(fetches);
        // Made before the spawn, so that a task dropped before its first poll still ends it.
        let fetch = InFlight {
            store: Arc::clone(self),
            _done: done,
        };
        // A local task: the HTTP client is not `Send`. Actix runs one on every worker, and
        // the fetch's I/O wakes that worker even when no request of its own is waiting.
        actix_web::rt::spawn(async move {
            fetch.store.fetch_and_store().await;
            drop(fetch);
        });
        Some(in_flight)
    }

    /// Fetches the key set and caches it; a failure keeps the cached keys.
    async fn fetch_and_store(&self) {
        // `fetch_timeout` bounds the whole fetch, the body included: while it lasts, requests
        // that need keys wait and no other fetch starts.
        let fetched = actix_web::rt::time::timeout(self.fetch_timeout, self.fetch())
            .await
            .unwrap_or(Err("the fetch timed out"));
        match fetched {
            Ok(keys) => {
                let count = keys.len();
                let mut cached = self.keys.write().unwrap_or_else(PoisonError::into_inner);
                *cached = Keys {
                    keys,
                    fetched_at: Some(Instant::now()),
                };
                drop(cached);
                self.unreachable.store(false, Ordering::Relaxed);
                tracing::info!(url = %self.shown_url, keys = count, "JWKS refreshed");
            }
            Err(reason) => {
                self.unreachable.store(true, Ordering::Relaxed);
                let cached = self
                    .keys
                    .read()
                    .unwrap_or_else(PoisonError::into_inner)
                    .keys
                    .len();
                tracing::warn!(
                    url = %self.shown_url,
                    reason,
                    cached,
                    "the JWKS could not be fetched; keeping the cached keys"
                );
            }
        }
    }

    async fn fetch(&self) -> Result<Vec<Key>, &'static str> {
        let client = awc::Client::builder().timeout(self.fetch_timeout).finish();
        let mut response = client
            .get(self.url.as_str())
            .insert_header(("accept", "application/json"))
            .send()
            .await
            .map_err(|_| "the request failed")?;
        if !response.status().is_success() {
            return Err("the provider answered with an error status");
        }
        let body = response
            .body()
            .limit(MAX_JWKS_LEN)
            .await
            .map_err(|_| "the response body could not be read")?;
        let set: JwkSet =
            serde_json::from_slice(&body).map_err(|_| "the response is not a JWK set")?;
        let keys: Vec<Key> = set.keys.iter().filter_map(usable_key).collect();
        if keys.is_empty() {
            return Err("the JWK set holds no usable signing key");
        }
        Ok(keys)
    }
}

/// A public key of the set that the provider published for verifying signatures.
///
/// Left out:
/// - keys declared for something else: a `use` other than `sig`, `key_ops` without `verify`,
///   or an `alg` that is not a signature algorithm of `jsonwebtoken` (an encryption algorithm
///   such as `RSA-OAEP` or `RSA1_5`, or one it does not know) or does not fit the key's type;
/// - symmetric keys, and keys of types `jsonwebtoken` does not support.
///
/// A key without `alg` verifies any accepted algorithm of its family; one with `alg`, only
/// that algorithm.
fn usable_key(jwk: &Jwk) -> Option<Key> {
    let common = &jwk.common;
    if common
        .public_key_use
        .as_ref()
        .is_some_and(|usage| *usage != PublicKeyUse::Signature)
    {
        return None;
    }
    if common
        .key_operations
        .as_ref()
        .is_some_and(|operations| !operations.contains(&KeyOperations::Verify))
    {
        return None;
    }
    // An `alg` that is no signature algorithm must not widen to "any of the family".
    let algorithm = match common.key_algorithm {
        Some(alg) => Some(Algorithm::try_from(alg).ok()?),
        None => None,
    };
    let key = DecodingKey::from_jwk(jwk).ok()?;
    if key.family() == jsonwebtoken::AlgorithmFamily::Hmac
        || algorithm.is_some_and(|alg| alg.family() != key.family())
    {
        return None;
    }
    Some(Key {
        kid: common.key_id.clone(),
        algorithm,
        key,
    })
}

impl<C> fmt::Debug for JwksAuthenticator<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("JwksAuthenticator")
            .field("url", &self.store.shown_url)
            .field("algorithms", &self.validation.algorithms)
            .field("refresh_interval", &self.store.refresh_interval)
            .field("max_age", &self.store.max_age)
            .field("iss", &self.validation.iss)
            .field("aud", &self.validation.aud)
            .finish_non_exhaustive()
    }
}

impl<C: DeserializeOwned + Identity> Authenticator for JwksAuthenticator<C> {
    fn authenticate(
        &self,
        _request: &HttpRequest,
        credentials: Option<Credentials<'_>>,
    ) -> Authentication {
        match credentials {
            Some(credentials) if credentials.has_scheme("Bearer") => {
                self.verify(credentials.rest())
            }
            _ => Outcome::Anonymous.into(),
        }
    }

    fn challenge(&self, realm: &str, kind: ChallengeKind<'_>) -> Option<Challenge> {
        Some(bearer_challenge(realm, kind))
    }
}

/// `url` without its userinfo (`user:secret@`), query and fragment, which may carry secrets.
fn without_credentials(url: &str) -> String {
    let url = url.split(['?', '#']).next().unwrap_or_default();
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
            let host = authority
                .rsplit_once('@')
                .map_or(authority, |(_, host)| host);
            format!("{scheme}://{host}{path}")
        }
        None => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, PoisonError};
    use std::time::Duration;

    use jsonwebtoken::Algorithm;
    use jsonwebtoken::jwk::Jwk;
    use serde_json::{Value, json};

    use super::{JwksAuthenticator, usable_key, without_credentials};

    /// An RSA public key with `kid` "k" and these members added.
    fn rsa_jwk(members: Value) -> Jwk {
        let mut jwk = json!({ "kty": "RSA", "kid": "k", "n": "sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw", "e": "AQAB" });
        let fields = jwk.as_object_mut().expect("an object");
        for (name, value) in members.as_object().expect("members") {
            fields.insert(name.clone(), value.clone());
        }
        serde_json::from_value(jwk).expect("a JWK")
    }

    #[test]
    fn keys_published_for_verifying_signatures_are_used() {
        for (members, algorithm) in [
            (json!({}), None),
            (json!({ "alg": "RS256" }), Some(Algorithm::RS256)),
            (
                json!({ "alg": "PS384", "use": "sig" }),
                Some(Algorithm::PS384),
            ),
            (json!({ "key_ops": ["verify"] }), None),
            (json!({ "key_ops": ["sign", "verify"] }), None),
        ] {
            let key = usable_key(&rsa_jwk(members.clone()));
            let key = key.unwrap_or_else(|| panic!("{members} is usable"));
            assert_eq!(key.algorithm, algorithm, "{members}");
            assert_eq!(key.kid.as_deref(), Some("k"));
        }
    }

    #[test]
    fn keys_published_for_anything_else_are_left_out() {
        for members in [
            json!({ "alg": "RSA-OAEP" }),
            json!({ "alg": "RSA-OAEP-256" }),
            json!({ "alg": "RSA1_5" }),
            json!({ "alg": "RSA-OAEP-384" }),
            json!({ "alg": "A128KW" }),
            json!({ "alg": "ES256" }),
            json!({ "alg": "HS256" }),
            json!({ "key_ops": ["encrypt", "wrapKey"] }),
            json!({ "key_ops": ["sign"] }),
            json!({ "key_ops": [] }),
            json!({ "use": "enc" }),
            json!({ "use": "tls" }),
        ] {
            assert!(
                usable_key(&rsa_jwk(members.clone())).is_none(),
                "{members} is left out"
            );
        }
        let symmetric: Jwk =
            serde_json::from_value(json!({ "kty": "oct", "k": "c2VjcmV0" })).expect("a JWK");
        assert!(usable_key(&symmetric).is_none());
    }

    /// A fetch belongs to the worker of the request that started it. When that worker stops
    /// mid-fetch, requests waiting on other workers are woken, and a later fetch may start.
    #[actix_rt::test]
    async fn a_fetch_dropped_with_its_worker_wakes_its_waiters() {
        // Connections are accepted (the backlog) and never answered.
        let silent = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let address = silent.local_addr().expect("its address");
        let jwks = JwksAuthenticator::new(format!("http://{address}/jwks"))
            .fetch_timeout(Duration::from_secs(60))
            .refresh_interval(Duration::ZERO);
        let store = Arc::clone(&jwks.store);
        let worker = std::thread::spawn({
            let store = Arc::clone(&store);
            move || {
                actix_rt::System::new().block_on(async move {
                    let done = store.join_or_start_fetch().expect("a fetch starts");
                    // Let the fetch connect and wait for its answer.
                    actix_rt::time::sleep(Duration::from_millis(50)).await;
                    done
                })
                // The worker's runtime is dropped here, with the fetch task unfinished.
            }
        });
        let mut done = worker.join().expect("the worker thread");
        let waited = actix_rt::time::timeout(Duration::from_secs(5), done.changed()).await;
        assert!(
            matches!(waited, Ok(Err(_))),
            "the waiter is woken by the end of the fetch"
        );
        let fetches = store.fetches.lock().unwrap_or_else(PoisonError::into_inner);
        assert!(fetches.in_flight.is_none());
        assert!(fetches.last_started.is_some());
        drop(fetches);
        assert!(
            store.join_or_start_fetch().is_some(),
            "a new fetch may start"
        );
    }

    #[test]
    fn shown_url_carries_no_credentials() {
        assert_eq!(
            without_credentials("https://user:s3cret@idp.example/realms/x/certs?key=k3y#f"),
            "https://idp.example/realms/x/certs"
        );
        assert_eq!(
            without_credentials("http://127.0.0.1:8080/jwks"),
            "http://127.0.0.1:8080/jwks"
        );
        let debug = format!("{:?}", JwksAuthenticator::new("http://u:s3cret@h/j?t=k3y"));
        assert!(
            !debug.contains("s3cret") && !debug.contains("k3y"),
            "{debug}"
        );
        assert!(debug.contains("http://h/j"), "{debug}");
    }
}
