use actix_authz::requires;

#[requires(role = "admin")]
struct Admin;

fn main() {}
