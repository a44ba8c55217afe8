use actix_authz::authenticated;
use actix_web::get;

#[get("/admin")]
#[authenticated(realm = "api")]
#[actix_authz::requires(role = "admin", realm = "admin")]
async fn admin() -> &'static str {
    "admin area"
}

fn main() {}
