//! Compile-time tests of `#[authenticated]` and `#[requires(...)]`: every form that must build
//! (`ui/pass`) and every mistake that must be a precise compile error at the offending tokens
//! (`ui/fail`, one scenario per file).
//!
//! The `.stderr` files hold rustc's exact output and are tied to rustc 1.95, the only toolchain
//! on our machines and in CI; another rustc may word or place a note differently. After a change
//! of message or of toolchain, regenerate them with
//!
//! ```text
//! TRYBUILD=overwrite cargo test -p authz-tests --test ui
//! ```
//!
//! and review the diff: each error must still point at the offending tokens, with no cascade of
//! unrelated errors after it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("ui/pass/*.rs");
    t.compile_fail("ui/fail/*.rs");
}
