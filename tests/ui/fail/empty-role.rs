use actix_authz::requires;
use actix_web::get;

#[get("/admin")]
#[requires(role = "")]
async fn admin() -> &'static str {
    "admin area"
}

fn main() {}
