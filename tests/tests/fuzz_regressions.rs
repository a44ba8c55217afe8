//! The fuzz targets of `fuzz/` (`authz_tests::fuzzing`), run without a fuzzer so that CI
//! catches a regression: on every committed seed of `fuzz/corpus/`, then on a seeded,
//! deterministic stream of mutations of those seeds (bit flips, interesting bytes, insertions,
//! deletions, splices, and the tokens of `fuzz/dictionary`).

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::path::{Path, PathBuf};

use authz_tests::fuzzing::TARGETS;

/// Mutated inputs per target.
const MUTATIONS: usize = 20_000;

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The seeds of `target`, sorted by file name so that the stream is the same on every machine.
fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = fuzz_dir().join("corpus").join(target);
    let mut seeds: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .map(|entry| {
            let path = entry.expect("a directory entry").path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&path).expect("a seed"))
        })
        .collect();
    seeds.sort();
    assert!(seeds.len() >= 5, "{target} has {} seeds", seeds.len());
    seeds
}

/// The tokens of the libFuzzer dictionary (`name="value"` lines with `\\`, `\"` and `\xNN`
/// escapes).
fn dictionary() -> Vec<Vec<u8>> {
    let text = std::fs::read_to_string(fuzz_dir().join("dictionary")).expect("fuzz/dictionary");
    let mut tokens = Vec::new();
    for line in text
        .lines()
        .filter(|line| !line.starts_with('#') && !line.is_empty())
    {
        let (_, quoted) = line.split_once('=').expect("name=\"value\"");
        let inner = quoted
            .strip_prefix('"')
            .and_then(|rest| rest.strip_suffix('"'))
            .expect("a quoted value");
        let mut token = Vec::new();
        let mut bytes = inner.bytes();
        while let Some(byte) = bytes.next() {
            if byte != b'\\' {
                token.push(byte);
                continue;
            }
            match bytes.next() {
                Some(b'x') => {
                    let hex: Vec<u8> = bytes.by_ref().take(2).collect();
                    let hex = std::str::from_utf8(&hex).expect("hex digits");
                    token.push(u8::from_str_radix(hex, 16).expect("a \\xNN escape"));
                }
                Some(escaped) => token.push(escaped),
                None => panic!("a dangling escape in {line}"),
            }
        }
        tokens.push(token);
    }
    assert!(tokens.len() > 20);
    tokens
}

/// xorshift64*: a fixed, dependency-free pseudo-random stream.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const INTERESTING: &[u8] = &[
    0x00, 0x09, 0x0a, 0x0d, b' ', b'"', b'\\', b',', b':', b'=', b'.', b'+', b'/', b'-', b'_',
    0x7f, 0x80, 0xc3, 0xff,
];

fn mutate(input: &mut Vec<u8>, rng: &mut Rng, seeds: &[(String, Vec<u8>)], words: &[Vec<u8>]) {
    for _ in 0..=rng.below(4) {
        let at = rng.below(input.len() + 1);
        match rng.below(7) {
            0 if !input.is_empty() => {
                let at = at.min(input.len() - 1);
                input[at] ^= 1 << rng.below(8);
            }
            1 if !input.is_empty() => {
                let at = at.min(input.len() - 1);
                input[at] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => input.insert(at, INTERESTING[rng.below(INTERESTING.len())]),
            3 if !input.is_empty() => {
                let len = rng.below(input.len() - at.min(input.len() - 1)) + 1;
                let at = at.min(input.len() - 1);
                input.drain(at..(at + len).min(input.len()));
            }
            4 => {
                let word = &words[rng.below(words.len())];
                input.splice(at..at, word.iter().copied());
            }
            5 => {
                // Splice: the head of this input, the tail of another seed.
                let other = &seeds[rng.below(seeds.len())].1;
                let from = rng.below(other.len() + 1);
                input.truncate(at);
                input.extend_from_slice(&other[from..]);
            }
            _ if !input.is_empty() => {
                let len = rng.below(input.len().min(16)) + 1;
                let from = rng.below(input.len() - len + 1);
                let chunk = input[from..from + len].to_vec();
                input.splice(at..at, chunk);
            }
            _ => input.push(rng.next() as u8),
        }
    }
}

/// Runs `target` on `input`, naming the input if it panics.
fn run(name: &str, target: fn(&[u8]), input: &[u8], origin: &dyn std::fmt::Display) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| target(input))) {
        eprintln!("fuzz target {name} failed on {origin}: {input:?}");
        resume_unwind(panic);
    }
}

#[test]
fn every_seed_passes_every_target() {
    for (name, target) in TARGETS {
        for (seed, input) in seeds(name) {
            run(name, target, &input, &format!("seed {seed}"));
        }
    }
}

#[test]
fn seeded_mutations_pass_every_target() {
    let words = dictionary();
    for (index, (name, target)) in TARGETS.into_iter().enumerate() {
        let seeds = seeds(name);
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (index as u64 + 1));
        for round in 0..MUTATIONS {
            let mut input = seeds[rng.below(seeds.len())].1.clone();
            mutate(&mut input, &mut rng, &seeds, &words);
            input.truncate(8 * 1024);
            run(name, target, &input, &format!("mutation {round}"));
        }
    }
}

#[test]
fn the_targets_see_both_outcomes() {
    // The seeds reach both sides of each property, so the mutations start from both.
    use actix_authz::{BasicCredentials, Credentials};
    let credentials = seeds("credentials");
    assert!(
        credentials
            .iter()
            .any(|(_, s)| Credentials::parse(s).is_some())
    );
    assert!(
        credentials
            .iter()
            .any(|(_, s)| Credentials::parse(s).is_none())
    );
    let basic = seeds("basic");
    assert!(
        basic
            .iter()
            .any(|(_, s)| BasicCredentials::decode(s).is_some())
    );
    assert!(
        basic
            .iter()
            .any(|(_, s)| BasicCredentials::decode(s).is_none())
    );
    let accepted: Vec<String> = seeds("jwt")
        .into_iter()
        .filter(|(_, s)| authz_tests::fuzzing::jwt_accepts(s))
        .map(|(name, _)| name)
        .collect();
    assert_eq!(
        accepted,
        [
            "signed-bad-utf8-in-unknown-claim",
            "signed-float-exp",
            "signed-huge-number-in-unknown-claim",
            "signed-valid"
        ]
    );
}
