//! `bench-token hs256|rs256`: prints an admin token valid for an hour, signed with the demo's
//! HS256 secret (`DEMO_JWT_SECRET`) or the test RS256 key.

use std::process::ExitCode;

use authz_benches::{Claims, hs256_secret, sign_hs256, sign_rs256};

fn main() -> ExitCode {
    let claims = Claims::admin(3600);
    match std::env::args().nth(1).as_deref() {
        Some("hs256") => println!("{}", sign_hs256(&hs256_secret(), &claims)),
        Some("rs256") => println!("{}", sign_rs256(&claims)),
        _ => {
            eprintln!("usage: bench-token hs256|rs256");
            return ExitCode::FAILURE;
        }
    }
    ExitCode::SUCCESS
}
