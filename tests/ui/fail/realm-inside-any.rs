use actix_authz::requires;
use actix_web::get;

#[get("/reports")]
#[requires(any(role = "admin", realm = "reports"))]
async fn reports() -> &'static str {
    "reports"
}

// Every setting, not only `realm`, belongs at the top level.
#[get("/audit")]
#[requires(any(role = "admin", hide))]
async fn audit() -> &'static str {
    "audit"
}

fn main() {}
