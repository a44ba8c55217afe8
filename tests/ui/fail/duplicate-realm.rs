use actix_authz::requires;
use actix_web::get;

#[get("/admin")]
#[requires(role = "admin", realm = "api", realm = "admin")]
async fn admin() -> &'static str {
    "admin area"
}

fn main() {}
