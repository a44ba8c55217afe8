use actix_authz::requires;

// A `const fn` is reported once, at its `fn`: not also as `const` and `async` at once.
#[requires(role = "admin")]
const fn admin() -> &'static str {
    "admin area"
}

fn main() {}
