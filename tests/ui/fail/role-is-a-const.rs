use actix_authz::requires;
use actix_web::get;

const ADMIN: &str = "admin";

#[get("/admin")]
#[requires(role = ADMIN)]
async fn admin() -> &'static str {
    "admin area"
}

fn main() {}
