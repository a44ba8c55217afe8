//! Deciding a requirement for an identity that is already authenticated performs no heap
//! allocation: neither `Requirement::is_satisfied_by` for roles, permissions, scopes and their
//! `any`/`all`/`not` combinations, nor the granted path of the extractor the attributes
//! generate, beyond the one boxed future every such extractor returns.
//!
//! A counting global allocator counts the allocations of the current thread only, so the other
//! tests running in parallel do not disturb the count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::hint::black_box;
use std::task::{Context, Poll, Waker};

use actix_authz::__private::{CheckFailure, Guarded, Options, Policy, Requirement};
use actix_authz::{AuthzConfig, Identity, Principal, attach_identity};
use actix_web::FromRequest;
use actix_web::dev::Payload;
use actix_web::test::TestRequest;
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

macro_rules! policies {
    ($($policy:ident => $requirement:expr;)*) => {$(
        struct $policy;
        impl Policy<()> for $policy {
            const REQUIREMENT: &'static Requirement = &$requirement;
            const REALM: Option<&'static str> = None;
            const OPTIONS: Options = Options::DEFAULT;
            type Loaded = ();
            fn check_arguments<'a>(
                _: &'a dyn Identity,
                _: &'a (),
                _shadow: bool,
            ) -> impl Future<Output = Result<((), Option<&'static str>), CheckFailure>> + 'a {
                std::future::ready(Ok(((), None)))
            }
        }
    )*};
}

policies! {
    AuthenticatedPolicy => Requirement::Authenticated;
    RolePolicy => ROLE;
    PermissionPolicy => PERMISSION;
    ScopePolicy => SCOPE;
    AnyOf5Policy => ANY_OF_5;
    AllPolicy => ALL;
    NotPolicy => NOT;
    NestedPolicy => NESTED;
}

/// Runs the generated extractor of policy `P` (with no handler arguments) to completion, and
/// counts its allocations. The request's identity is already resolved, so this is the decision
/// alone.
fn guard_allocations<P: Policy<()>>(request: &actix_web::HttpRequest) -> usize {
    let (count, outcome) = allocations(|| {
        let mut future = Guarded::<P, ()>::from_request(request, &mut Payload::None);
        match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(outcome) => outcome.is_ok(),
            Poll::Pending => panic!("a resolved identity is decided at once"),
        }
    });
    assert!(outcome, "{} refused", std::any::type_name::<P>());
    count
}

fn guard_allocations_per_policy(request: &actix_web::HttpRequest) -> Vec<(&'static str, usize)> {
    // The first decision registers the tracing call sites; it is not a request's cost.
    guard_allocations::<AuthenticatedPolicy>(request);
    vec![
        (
            "authenticated",
            guard_allocations::<AuthenticatedPolicy>(request),
        ),
        ("role", guard_allocations::<RolePolicy>(request)),
        ("permission", guard_allocations::<PermissionPolicy>(request)),
        ("scope", guard_allocations::<ScopePolicy>(request)),
        ("any of 5", guard_allocations::<AnyOf5Policy>(request)),
        ("all", guard_allocations::<AllPolicy>(request)),
        ("not", guard_allocations::<NotPolicy>(request)),
        ("nested", guard_allocations::<NestedPolicy>(request)),
    ]
}

/// The extractor's only allocation: the boxed future of `FromRequest::Future`.
const EXTRACTOR_FUTURE: usize = 1;

fn assert_decisions_add_nothing(counts: &[(&str, usize)]) {
    for (name, count) in counts {
        assert_eq!(
            *count, EXTRACTOR_FUTURE,
            "the granted path of `{name}` allocated beyond the extractor's boxed future: {counts:?}"
        );
    }
}

#[test]
fn the_guard_grants_an_attached_identity_without_allocating_in_the_decision() {
    let request = TestRequest::default()
        .app_data(AuthzConfig::new("bench"))
        .to_http_request();
    attach_identity(&request, granted_everything());
    assert_decisions_add_nothing(&guard_allocations_per_policy(&request));
}

#[test]
fn the_guard_grants_an_authenticated_identity_without_allocating_in_the_decision() {
    let config =
        AuthzConfig::new("bench").authenticator(StaticAuthenticator::new(granted_everything()));
    let request = TestRequest::default().app_data(config).to_http_request();
    // Authentication runs once per request and allocates (the authenticator's future, the
    // resolution kept in the request); every decision after it reuses that resolution.
    let (authentication, ()) = allocations(|| {
        guard_allocations::<AuthenticatedPolicy>(&request);
    });
    assert!(authentication > EXTRACTOR_FUTURE);
    assert_decisions_add_nothing(&guard_allocations_per_policy(&request));
}
