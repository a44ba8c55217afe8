//! The verified-token cache behind [`JwtAuthenticator::cache`](crate::JwtAuthenticator::cache).
//!
//! Verifying an RS256 or ES256 signature costs tens of microseconds; a client sends the same
//! token for minutes. The cache remembers, for a bounded number of tokens that verified, the
//! identity they carry and their validity window, so that a repeated token costs one SHA-256
//! and a map look-up instead.
//!
//! - **Keyed by the SHA-256 of the token**, compared on all 32 bytes: the token itself is never
//!   stored, and two tokens never share an entry.
//! - **`exp` and `nbf` are checked on every hit**, with the authenticator's leeway and exactly
//!   the comparisons `jsonwebtoken` makes, so a cached token expires at the very second a
//!   verified one would, and is refused as expired from then on.
//! - **Constant memory**: a fixed number of entries, spread over shards whose tables are sized
//!   up front and never grow; the oldest entry of a full shard makes room (first in, first out).
//! - **No waiting on the hot path**: each shard is a `RwLock` taken only with `try_read` /
//!   `try_write`. Hits of many workers share the read lock; a shard that is busy being written
//!   is treated as a miss (the token is verified as without a cache) or, for an insert, skipped.
//!
//! Only tokens that verified are inserted, so a client cannot fill the cache with tokens of its
//! own making, nor choose where they land.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::hash::{BuildHasherDefault, Hash, Hasher};
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard, TryLockError};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::Identity;

/// At most this many shards: enough that workers rarely meet on one, few enough that a small
/// capacity still gives each shard a few entries.
const MAX_SHARDS: usize = 16;

/// The SHA-256 of a token: all that the cache keeps of it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokenDigest([u8; 32]);

impl TokenDigest {
    /// The digest of `token`.
    pub(crate) fn of(token: &[u8]) -> Self {
        Self(Sha256::digest(token).into())
    }

    /// Bits of the digest other than those the shard's table hashes with, so that the shard
    /// and the bucket are independent.
    fn shard_index(&self, shards: usize) -> usize {
        let bits = u64::from_le_bytes(self.word(1));
        // `shards` is at most `MAX_SHARDS`, so the remainder fits any `usize`.
        (bits % shards as u64) as usize
    }

    fn word(&self, index: usize) -> [u8; 8] {
        let mut word = [0; 8];
        word.copy_from_slice(&self.0[index * 8..(index + 1) * 8]);
        word
    }
}

impl Hash for TokenDigest {
    /// A SHA-256 output is already uniformly distributed: its first eight bytes are the hash,
    /// with no second hash function over them.
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_u64(u64::from_le_bytes(self.word(0)));
    }
}

/// The [`Hasher`] of the shard tables: passes the digest's word through.
#[derive(Default)]
struct DigestHasher(u64);

impl Hasher for DigestHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        // Not reached by `TokenDigest`, which writes one `u64`; folded in for completeness.
        for &byte in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(byte);
        }
    }

    fn write_u64(&mut self, word: u64) {
        self.0 = word;
    }
}

/// What a verified token established: its identity and its validity window, in seconds since
/// the Unix epoch.
#[derive(Clone)]
pub(crate) struct Verified {
    pub(crate) identity: Arc<dyn Identity>,
    pub(crate) expires_at: u64,
    pub(crate) not_before: Option<u64>,
}

/// The answer of [`TokenCache::get`].
pub(crate) enum Lookup {
    /// The token verified before and is inside its validity window now.
    Hit(Arc<dyn Identity>),
    /// The token verified before, but its `exp` has passed: refuse it as expired.
    Expired,
    /// The token verified before, but its `nbf` is ahead (the clock went back): refuse it as
    /// not valid yet.
    Immature,
    /// Unknown token, or its shard is busy: verify it.
    Miss,
}

/// A bounded map from token digests to what their verification established.
pub(crate) struct TokenCache {
    shards: Box<[RwLock<Shard>]>,
    capacity: usize,
}

struct Shard {
    entries: HashMap<TokenDigest, Verified, BuildHasherDefault<DigestHasher>>,
    /// The keys of `entries`, oldest first.
    order: VecDeque<TokenDigest>,
    capacity: usize,
}

impl TokenCache {
    /// A cache of `capacity` entries in all; `None` for a capacity of zero.
    pub(crate) fn new(capacity: usize) -> Option<Self> {
        if capacity == 0 {
            return None;
        }
        let shards = capacity.min(MAX_SHARDS);
        let shards = (0..shards)
            .map(|index| {
                // Spread the remainder over the first shards: the sum is exactly `capacity`.
                let share = capacity / shards + usize::from(index < capacity % shards);
                RwLock::new(Shard::with_capacity(share))
            })
            .collect();
        Some(Self { shards, capacity })
    }

    /// The most entries the cache holds.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }

    /// Looks `digest` up at time `now`, with `leeway` seconds of clock skew allowed, as
    /// `jsonwebtoken` does: expired when `exp < now - leeway`, immature when
    /// `nbf > now + leeway`.
    pub(crate) fn get(&self, digest: &TokenDigest, now: u64, leeway: u64) -> Lookup {
        let Some(shard) = self.read(digest) else {
            return Lookup::Miss;
        };
        match shard.entries.get(digest) {
            None => Lookup::Miss,
            Some(verified) if verified.expires_at < now.saturating_sub(leeway) => Lookup::Expired,
            Some(verified)
                if verified
                    .not_before
                    .is_some_and(|nbf| nbf > now.saturating_add(leeway)) =>
            {
                Lookup::Immature
            }
            Some(verified) => Lookup::Hit(Arc::clone(&verified.identity)),
        }
    }

    /// Remembers a token that verified. Skipped when its shard is busy: a later request inserts
    /// it.
    pub(crate) fn insert(&self, digest: TokenDigest, verified: Verified) {
        if let Some(mut shard) = self.write(&digest) {
            shard.insert(digest, verified);
        }
    }

    fn shard(&self, digest: &TokenDigest) -> &RwLock<Shard> {
        &self.shards[digest.shard_index(self.shards.len())]
    }

    fn read(&self, digest: &TokenDigest) -> Option<RwLockReadGuard<'_, Shard>> {
        match self.shard(digest).try_read() {
            Ok(shard) => Some(shard),
            // No code path panics while holding a shard, and every update leaves it whole.
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }

    fn write(&self, digest: &TokenDigest) -> Option<RwLockWriteGuard<'_, Shard>> {
        match self.shard(digest).try_write() {
            Ok(shard) => Some(shard),
            Err(TryLockError::Poisoned(poisoned)) => Some(poisoned.into_inner()),
            Err(TryLockError::WouldBlock) => None,
        }
    }
}

impl Shard {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            // Twice the entries: with deletions, a table at most half full is rehashed in place
            // when its tombstones run out, never reallocated, so its memory stays what it is now.
            entries: HashMap::with_capacity_and_hasher(2 * capacity, Default::default()),
            order: VecDeque::with_capacity(capacity),
            capacity,
        }
    }

    fn insert(&mut self, digest: TokenDigest, verified: Verified) {
        if let Some(entry) = self.entries.get_mut(&digest) {
            // Two workers verified the same token at once.
            *entry = verified;
            return;
        }
        if self.entries.len() >= self.capacity
            && let Some(oldest) = self.order.pop_front()
        {
            self.entries.remove(&oldest);
        }
        self.order.push_back(digest);
        self.entries.insert(digest, verified);
    }
}

impl fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenCache")
            .field("capacity", &self.capacity)
            .field("shards", &self.shards.len())
            .finish_non_exhaustive()
    }
}

/// The `exp` and `nbf` of a token whose signature and claims were just verified, read the way
/// `jsonwebtoken` reads them (a whole number, or a non-negative float rounded). `None` when they
/// cannot be read: such a token is simply not cached.
pub(crate) fn validity_window(token: &[u8]) -> Option<(u64, Option<u64>)> {
    #[derive(Deserialize)]
    struct Window {
        exp: serde_json::Number,
        #[serde(default)]
        nbf: Option<serde_json::Number>,
    }

    fn seconds(number: &serde_json::Number) -> Option<u64> {
        number.as_u64().or_else(|| {
            number
                .as_f64()
                .filter(|value| value.is_finite() && *value >= 0.0 && *value < u64::MAX as f64)
                .map(|value| value.round() as u64)
        })
    }

    // Not a verification: `decode` has just verified this very token; this only reads two
    // claims that the identity type need not keep.
    let window: Window = jsonwebtoken::dangerous::insecure_decode_claims(token).ok()?;
    let not_before = match &window.nbf {
        Some(nbf) => Some(seconds(nbf)?),
        None => None,
    };
    Some((seconds(&window.exp)?, not_before))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use actix_web::test::TestRequest;
    use futures_util::FutureExt as _;
    use jsonwebtoken::{EncodingKey, Header, get_current_timestamp};

    use super::*;
    use crate::{Authenticator, Credentials, JwtAuthenticator, Outcome, Principal};

    fn digest(first: u8, tail: u8) -> TokenDigest {
        let mut bytes = [0; 32];
        bytes[0] = first;
        bytes[31] = tail;
        TokenDigest(bytes)
    }

    fn verified(subject: &str, expires_at: u64, not_before: Option<u64>) -> Verified {
        Verified {
            identity: Arc::new(Principal::new(subject)),
            expires_at,
            not_before,
        }
    }

    fn subject_of(lookup: Lookup) -> Option<String> {
        match lookup {
            Lookup::Hit(identity) => Some(identity.subject().to_owned()),
            _ => None,
        }
    }

    fn entries(cache: &TokenCache) -> usize {
        cache
            .shards
            .iter()
            .map(|s| s.read().unwrap().entries.len())
            .sum()
    }

    #[test]
    fn hit_and_miss() {
        let cache = TokenCache::new(8).unwrap();
        let known = TokenDigest::of(b"a.b.c");
        cache.insert(known, verified("alice", 100, None));
        assert_eq!(
            subject_of(cache.get(&known, 50, 0)).as_deref(),
            Some("alice")
        );
        assert!(matches!(
            cache.get(&TokenDigest::of(b"a.b.d"), 50, 0),
            Lookup::Miss
        ));
    }

    #[test]
    fn exp_and_nbf_are_honoured_on_every_hit_with_the_leeway() {
        let cache = TokenCache::new(8).unwrap();
        let token = TokenDigest::of(b"t");
        cache.insert(token, verified("alice", 100, Some(40)));
        // jsonwebtoken: expired when `exp < now - leeway`, immature when `nbf > now + leeway`.
        assert!(matches!(cache.get(&token, 100, 0), Lookup::Hit(_)));
        assert!(matches!(cache.get(&token, 101, 0), Lookup::Expired));
        assert!(matches!(cache.get(&token, 110, 10), Lookup::Hit(_)));
        assert!(matches!(cache.get(&token, 111, 10), Lookup::Expired));
        assert!(matches!(cache.get(&token, 40, 0), Lookup::Hit(_)));
        assert!(matches!(cache.get(&token, 39, 0), Lookup::Immature));
        assert!(matches!(cache.get(&token, 35, 5), Lookup::Hit(_)));
        // An expired entry stays refused: it is never served again.
        assert!(matches!(cache.get(&token, 1_000, 0), Lookup::Expired));
    }

    #[test]
    fn capacity_is_a_hard_bound_and_memory_does_not_grow() {
        for capacity in [1, 5, 16, 17, 100] {
            let cache = TokenCache::new(capacity).unwrap();
            let tables: Vec<_> = cache
                .shards
                .iter()
                .map(|s| s.read().unwrap().entries.capacity())
                .collect();
            for n in 0..20 * capacity as u32 {
                let token = TokenDigest::of(&n.to_le_bytes());
                cache.insert(token, verified(&n.to_string(), u64::MAX, None));
                assert!(entries(&cache) <= capacity);
            }
            assert_eq!(entries(&cache), capacity);
            let after: Vec<_> = cache
                .shards
                .iter()
                .map(|s| s.read().unwrap().entries.capacity())
                .collect();
            assert_eq!(tables, after, "a table grew");
            // First in, first out: the newest token is still there, the first one is gone.
            let newest = 20 * capacity as u32 - 1;
            let newest_digest = TokenDigest::of(&newest.to_le_bytes());
            assert_eq!(
                subject_of(cache.get(&newest_digest, 0, 0)),
                Some(newest.to_string())
            );
            let first = TokenDigest::of(&0u32.to_le_bytes());
            assert!(matches!(cache.get(&first, 0, 0), Lookup::Miss));
        }
        assert!(TokenCache::new(0).is_none());
    }

    #[test]
    fn digests_sharing_shard_and_bucket_keep_their_own_identity() {
        // Same first word (the table's hash) and same second word (the shard): only the last
        // byte differs. Two entries a shard.
        let cache = TokenCache::new(2 * MAX_SHARDS).unwrap();
        let (a, b) = (digest(7, 1), digest(7, 2));
        cache.insert(a, verified("alice", u64::MAX, None));
        assert!(matches!(cache.get(&b, 0, 0), Lookup::Miss));
        cache.insert(b, verified("bob", u64::MAX, None));
        assert_eq!(subject_of(cache.get(&a, 0, 0)).as_deref(), Some("alice"));
        assert_eq!(subject_of(cache.get(&b, 0, 0)).as_deref(), Some("bob"));
    }

    #[test]
    fn reinserting_a_token_keeps_one_entry() {
        let cache = TokenCache::new(2).unwrap();
        let token = TokenDigest::of(b"t");
        cache.insert(token, verified("alice", 10, None));
        cache.insert(token, verified("alice", 20, None));
        assert_eq!(entries(&cache), 1);
        assert!(matches!(cache.get(&token, 15, 0), Lookup::Hit(_)));
        let other = TokenDigest::of(b"u");
        cache.insert(other, verified("bob", 20, None));
        assert_eq!(entries(&cache), 2);
    }

    #[test]
    fn validity_window_reads_exp_and_nbf_like_jsonwebtoken() {
        let sign = |claims: serde_json::Value| {
            jsonwebtoken::encode(&Header::default(), &claims, &EncodingKey::from_secret(b"s"))
                .unwrap()
        };
        let window = |claims| validity_window(sign(claims).as_bytes());
        assert_eq!(window(serde_json::json!({"exp": 10})), Some((10, None)));
        assert_eq!(
            window(serde_json::json!({"exp": 10.6, "nbf": 3})),
            Some((11, Some(3)))
        );
        assert_eq!(window(serde_json::json!({"nbf": 3})), None);
        assert_eq!(window(serde_json::json!({"exp": -1})), None);
        assert_eq!(window(serde_json::json!({"exp": "10"})), None);
        assert_eq!(validity_window(b"not a token"), None);
    }

    // Through the authenticator.

    const SECRET: &[u8] = b"cache test secret";

    fn token(subject: &str, exp: u64) -> String {
        let claims = serde_json::json!({"sub": subject, "exp": exp, "roles": ["admin"]});
        jsonwebtoken::encode(
            &Header::default(),
            &claims,
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap()
    }

    fn authenticate(authenticator: &JwtAuthenticator, token: &str) -> Outcome {
        let request = TestRequest::default().to_http_request();
        let header = format!("Bearer {token}");
        authenticator
            .authenticate(&request, Credentials::parse(header.as_bytes()))
            .now_or_never()
            .expect("the JWT authenticator answers at once")
    }

    fn identity(outcome: Outcome) -> Arc<dyn Identity> {
        match outcome {
            Outcome::Authenticated(identity) => identity,
            other => panic!("not authenticated: {other:?}"),
        }
    }

    #[test]
    fn a_repeated_token_is_served_from_the_cache() {
        let token = token("alice", get_current_timestamp() + 600);
        let cached = JwtAuthenticator::hs256(SECRET).cache(16);
        let first = identity(authenticate(&cached, &token));
        let second = identity(authenticate(&cached, &token));
        // Verification makes a new identity each time; the cache hands out the one it kept.
        assert!(Arc::ptr_eq(&first, &second));
        assert_eq!(second.subject(), "alice");

        let uncached = JwtAuthenticator::hs256(SECRET);
        let first = identity(authenticate(&uncached, &token));
        let second = identity(authenticate(&uncached, &token));
        assert!(!Arc::ptr_eq(&first, &second));
    }

    #[test]
    fn refused_tokens_are_not_cached_and_do_not_hit() {
        let cached = JwtAuthenticator::hs256(SECRET).cache(16);
        let good = token("alice", get_current_timestamp() + 600);
        identity(authenticate(&cached, &good));
        // Same claims, another signature: refused every time, although its claims are cached.
        let (body, _) = good.rsplit_once('.').unwrap();
        let forged = format!("{body}.AAAA");
        for _ in 0..2 {
            assert!(matches!(
                authenticate(&cached, &forged),
                Outcome::Invalid { .. }
            ));
        }
    }

    #[test]
    fn different_tokens_get_their_own_identity() {
        let exp = get_current_timestamp() + 600;
        let cached = JwtAuthenticator::hs256(SECRET).cache(4);
        let tokens: Vec<_> = (0..12)
            .map(|n| (n, token(&format!("user-{n}"), exp)))
            .collect();
        for _ in 0..3 {
            for (n, token) in &tokens {
                let identity = identity(authenticate(&cached, token));
                assert_eq!(identity.subject(), format!("user-{n}"));
            }
        }
    }

    #[test]
    fn a_cached_token_expires_when_a_verified_one_would() {
        let exp = get_current_timestamp();
        let token = token("alice", exp);
        let cached = JwtAuthenticator::hs256(SECRET).leeway(1).cache(16);
        let first = identity(authenticate(&cached, &token));
        let second = identity(authenticate(&cached, &token));
        assert!(Arc::ptr_eq(&first, &second), "not served from the cache");
        // Valid while `now <= exp + leeway`: wait for the second after that.
        while get_current_timestamp() <= exp + 1 {
            std::thread::sleep(Duration::from_millis(50));
        }
        match authenticate(&cached, &token) {
            Outcome::Invalid { description } => {
                assert_eq!(description, Some("the access token expired"));
            }
            other => panic!("an expired cached token was accepted: {other:?}"),
        }
    }
}
