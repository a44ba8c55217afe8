use actix_authz::authenticated;
use actix_web::get;

#[get("/admin")]
#[authenticated(role = "admin")]
async fn admin() -> &'static str {
    "admin area"
}

fn main() {}
