use actix_authz::requires;
use actix_web::get;

#[get("/reports")]
#[requires(any(role = "admin", role = "auditor", role = "admin"))]
async fn reports() -> &'static str {
    "reports"
}

fn main() {}
