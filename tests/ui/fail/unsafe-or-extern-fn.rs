use actix_authz::{authenticated, requires};

// Reported at `unsafe` and at `extern`, not as closures that are not `Fn`.
#[requires(role = "admin")]
async unsafe fn admin() -> &'static str {
    "admin area"
}

#[authenticated]
async extern "C" fn me() -> &'static str {
    "me"
}

fn main() {}
