//! libFuzzer target: `authz_tests::fuzzing::basic`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| authz_tests::fuzzing::basic(data));
