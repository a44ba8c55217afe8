use actix_authz::requires;
use actix_web::get;

#[get("/admin")]
#[requires(crate = "actix_authz", role = "admin", crate = "actix_authz")]
async fn admin() -> &'static str {
    "admin area"
}

fn main() {}
