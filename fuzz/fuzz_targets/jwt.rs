//! libFuzzer target: `authz_tests::fuzzing::jwt`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| authz_tests::fuzzing::jwt(data));
