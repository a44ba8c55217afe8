//! Deciding a requirement for an identity that is already authenticated performs no heap
//! allocation: neither `Requirement::is_satisfied_by` for roles, permissions, scopes and their
//! `any`/`all`/`not` combinations, nor the granted path of the extractor the attributes
//! generate. Authenticating with a synchronous authenticator allocates only the result the
//! request keeps for its other extractors. The whole handler adds one allocation to what its
//! body allocates: its boxed future.
//!
//! A counting global allocator counts the allocations of the current thread only, so the other
//! tests running in parallel do not disturb the count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};

use actix_authz::__private::{Deferred, Options, Requirement, Rules, handle, protected};
use actix_authz::{AuthzConfig, Identity, Principal, attach_identity};
use actix_web::dev::Payload;
use actix_web::test::TestRequest;
use actix_web::{FromRequest, Handler as _, HttpMessage as _, Responder};
use authz_benches::StaticAuthenticator;

thread_local! {
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// The system allocator, counting the allocations (and reallocations) of each thread.
struct Counting;

fn count_one() {
    // `try_with`: the thread-local may already be gone while a thread shuts down.
    let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
}

// SAFETY: every call is forwarded unchanged to `System`, which upholds the contract; counting
// touches only a `const`-initialised thread-local `Cell`, which never allocates.
#[allow(unsafe_code)]
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count_one();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count_one();
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded with the caller's guarantees.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// How many allocations `f` made on this thread, and its result.
fn allocations<T>(f: impl FnOnce() -> T) -> (usize, T) {
    let before = ALLOCATIONS.with(Cell::get);
    let result = f();
    (ALLOCATIONS.with(Cell::get) - before, result)
}

const ROLE: Requirement = Requirement::Role("admin");
const PERMISSION: Requirement = Requirement::Permission("posts:delete");
const SCOPE: Requirement = Requirement::Scope("articles:read");
const ANY_OF_5: Requirement = Requirement::Any(&[
    Requirement::Role("r1"),
    Requirement::Role("r2"),
    Requirement::Role("r3"),
    Requirement::Role("r4"),
    Requirement::Role("admin"),
]);
const ALL: Requirement = Requirement::All(&[ROLE, PERMISSION, SCOPE]);
const NOT: Requirement = Requirement::Not(&Requirement::Role("banned"));
const NESTED: Requirement = Requirement::All(&[
    Requirement::Any(&[Requirement::Role("editor"), ROLE]),
    Requirement::Not(&Requirement::Any(&[
        Requirement::Role("banned"),
        Requirement::Scope("suspended"),
    ])),
    Requirement::All(&[PERMISSION, SCOPE]),
]);

fn granted_everything() -> Principal {
    Principal::new("alice")
        .with_roles(["user", "editor", "admin"])
        .with_permissions(["posts:read", "posts:delete"])
        .with_scopes(["openid", "articles:read"])
}

fn banned_nobody() -> Principal {
    Principal::new("mallory")
        .with_roles(["user", "banned"])
        .with_scopes(["suspended"])
}

#[test]
fn requirements_decide_without_allocating() {
    let granted = granted_everything();
    let denied = banned_nobody();
    let cases: [(&str, Requirement, bool, bool); 8] = [
        ("authenticated", Requirement::Authenticated, true, true),
        ("role", ROLE, true, false),
        ("permission", PERMISSION, true, false),
        ("scope", SCOPE, true, false),
        ("any of 5", ANY_OF_5, true, false),
        ("all", ALL, true, false),
        ("not", NOT, true, false),
        ("nested", NESTED, true, false),
    ];
    for (name, requirement, for_granted, for_denied) in cases {
        for (identity, expected) in [(&granted, for_granted), (&denied, for_denied)] {
            let identity: &dyn Identity = identity;
            let (count, decision) =
                allocations(|| black_box(requirement).is_satisfied_by(black_box(identity)));
            assert_eq!(decision, expected, "{name} for {}", identity.subject());
            assert_eq!(count, 0, "{name} for {} allocated", identity.subject());
        }
    }
}

/// The rules of a handler of `requirement` without loaders or checks, as the attributes
/// generate them.
const fn rules(requirement: &'static Requirement) -> Rules {
    Rules {
        requirement,
        realm: None,
        options: Options::DEFAULT,
        checked: false,
    }
}

const AUTHENTICATED_RULES: Rules = rules(&Requirement::Authenticated);
const ROLE_RULES: Rules = rules(&ROLE);

/// Runs what a handler of `rules` (with no arguments) does before its body: takes the request,
/// decides, and extracts; and counts its allocations.
fn guard_allocations(rules: &'static Rules, request: &actix_web::HttpRequest) -> usize {
    let (count, admitted) = allocations(|| {
        let deferred = Deferred::from_request(request, &mut Payload::None)
            .into_inner()
            .expect("taking the request never fails");
        let admission = deferred.admit::<()>(rules);
        match pin!(admission).poll(&mut Context::from_waker(Waker::noop())) {
            Poll::Ready(outcome) => outcome.is_ok(),
            Poll::Pending => panic!("a synchronous identity is decided at once"),
        }
    });
    assert!(admitted, "{:?} refused", rules.requirement);
    count
}

fn guard_allocations_per_policy(request: &actix_web::HttpRequest) -> Vec<(&'static str, usize)> {
    const CASES: [(&str, Rules); 8] = [
        ("authenticated", AUTHENTICATED_RULES),
        ("role", ROLE_RULES),
        ("permission", rules(&PERMISSION)),
        ("scope", rules(&SCOPE)),
        ("any of 5", rules(&ANY_OF_5)),
        ("all", rules(&ALL)),
        ("not", rules(&NOT)),
        ("nested", rules(&NESTED)),
    ];
    // The first decision registers the tracing call sites; it is not a request's cost.
    guard_allocations(&AUTHENTICATED_RULES, request);
    CASES
        .iter()
        .map(|(name, rules)| (*name, guard_allocations(rules, request)))
        .collect()
}

fn assert_no_allocation(counts: &[(&str, usize)]) {
    for (name, count) in counts {
        assert_eq!(
            *count, 0,
            "the granted path of `{name}` allocated: {counts:?}"
        );
    }
}

#[test]
fn the_guard_grants_an_attached_identity_without_allocating() {
    let request = TestRequest::default()
        .app_data(AuthzConfig::new("bench"))
        .to_http_request();
    attach_identity(&request, granted_everything());
    assert_no_allocation(&guard_allocations_per_policy(&request));
}

#[test]
fn the_guard_grants_an_authenticated_identity_without_allocating() {
    let config =
        AuthzConfig::new("bench").authenticator(StaticAuthenticator::new(granted_everything()));
    let request = TestRequest::default().app_data(config).to_http_request();
    // Authentication runs once per request; every decision after it reuses its result.
    guard_allocations(&AUTHENTICATED_RULES, &request);
    assert_no_allocation(&guard_allocations_per_policy(&request));
}

/// A synchronous authenticator is asked without boxing anything: the whole path of a request,
/// authentication included, allocates only where the request keeps the result for the other
/// extractors, exactly what storing any value of that size in a fresh request's extensions
/// costs.
#[test]
fn authentication_by_a_synchronous_authenticator_allocates_only_its_cached_result() {
    let fresh = || {
        let config =
            AuthzConfig::new("bench").authenticator(StaticAuthenticator::new(granted_everything()));
        TestRequest::default().app_data(config).to_http_request()
    };
    // Warm-up: tracing call sites register on first use.
    guard_allocations(&ROLE_RULES, &fresh());

    let request = fresh();
    let authenticated = guard_allocations(&ROLE_RULES, &request);

    let request = fresh();
    let (storing, ()) = allocations(|| {
        request
            .extensions_mut()
            .insert(black_box([0_usize; RESOLUTION_WORDS]));
    });
    assert!(storing > 0, "storing in the extensions should allocate");
    assert_eq!(
        authenticated, storing,
        "authenticating and deciding allocated more than storing the result"
    );
}

/// The handler the attributes register starts its future through a function pointer, so that
/// all handlers share actix-web's code that serves them: that future is boxed. On the granted
/// path of an attached identity, it is the one allocation the handler adds to what the user's
/// function and its response allocate.
#[test]
fn a_protected_handler_adds_one_allocation_to_its_body_the_boxed_future() {
    async fn index() -> &'static str {
        "ok"
    }
    let request = TestRequest::default()
        .app_data(AuthzConfig::new("bench"))
        .to_http_request();
    attach_identity(&request, granted_everything());
    let handled = || {
        allocations(|| {
            let deferred = Deferred::from_request(&request, &mut Payload::None)
                .into_inner()
                .expect("taking the request never fails");
            let handler = protected(|deferred| handle::<(), _>(deferred, &ROLE_RULES, index));
            match pin!(handler.call((deferred,))).poll(&mut Context::from_waker(Waker::noop())) {
                Poll::Ready(outcome) => outcome.expect("an admin is granted").status(),
                Poll::Pending => panic!("a synchronous handler answers at once"),
            }
        })
    };
    let alone = || {
        allocations(
            || match pin!(index()).poll(&mut Context::from_waker(Waker::noop())) {
                Poll::Ready(output) => output.respond_to(&request).map_into_boxed_body().status(),
                Poll::Pending => panic!("a synchronous handler answers at once"),
            },
        )
    };
    // Warm-up: tracing call sites register, and response heads are pooled, on first use.
    handled();
    alone();

    let (with_handler, status) = handled();
    assert_eq!(status, 200);
    let (body_alone, status) = alone();
    assert_eq!(status, 200);
    assert_eq!(
        with_handler,
        body_alone + 1,
        "the handler should add exactly its boxed future"
    );
}

/// The size of the resolution a request keeps, in words, at most: an identity handle and the
/// index of the authenticator that vouched for it.
const RESOLUTION_WORDS: usize = 4;
