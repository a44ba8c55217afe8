use actix_authz::requires;
use actix_web::get;

#[get("/admin")]
#[requires(role = "admin", permission = "admin", role = "admin")]
async fn admin() -> &'static str {
    "admin area"
}

// Across two attributes of one handler, which are one list.
#[get("/reports")]
#[requires(role = "admin")]
#[requires(role = "admin", permission = "reports:read")]
async fn reports() -> &'static str {
    "reports"
}

fn main() {}
