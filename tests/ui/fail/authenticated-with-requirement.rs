use actix_authz::authenticated;
use actix_web::get;

#[get("/admin")]
#[authenticated(role = "admin")]
async fn admin() -> &'static str {
    "admin area"
}

// A misspelt requirement key is suggested with its spelling corrected.
#[get("/reports")]
#[authenticated(roles = "auditor")]
async fn reports() -> &'static str {
    "reports"
}

fn main() {}
