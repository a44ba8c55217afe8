use actix_authz::requires;
use actix_web::get;

struct Count(usize);

// The error is at the handler's name, and says what its return type lacks: once when the route
// attribute is above (the handler is a value), once when it is below (a function).
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

fn main() {}
