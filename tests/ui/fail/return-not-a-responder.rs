use actix_authz::requires;
use actix_web::{get, web};

struct Count(usize);

// The error says what the return type lacks: when the route attribute is above (the handler is
// a value), when it is below (a function), and with an argument check.
#[get("/count")]
#[requires(role = "admin")]
async fn count() -> Count {
    Count(1)
}

#[requires(role = "admin")]
#[get("/total")]
async fn total() -> Count {
    Count(2)
}

fn is_even(id: &web::Path<u32>) -> bool {
    id.is_multiple_of(2)
}

#[get("/even/{id}")]
#[requires(role = "admin", check = is_even(id))]
async fn even(id: web::Path<u32>) -> Count {
    Count(id.into_inner() as usize)
}

fn main() {}
