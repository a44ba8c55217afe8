use actix_authz::requires;

// Without a route attribute below, so that the only error is ours (`#[get]` would add that the
// function is not a `Handler`).
#[requires(role = "admin")]
fn admin() -> &'static str {
    "admin area"
}

fn main() {}
