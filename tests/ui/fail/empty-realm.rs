use actix_authz::authenticated;
use actix_web::get;

#[get("/me")]
#[authenticated(realm = "")]
async fn me() -> &'static str {
    "me"
}

// Only spaces are no name either.
#[get("/you")]
#[authenticated(realm = "   ")]
async fn you() -> &'static str {
    "you"
}

fn main() {}
