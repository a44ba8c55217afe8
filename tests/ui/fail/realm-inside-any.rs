use actix_authz::requires;
use actix_web::get;

#[get("/reports")]
#[requires(any(role = "admin", realm = "reports"))]
async fn reports() -> &'static str {
    "reports"
}

fn main() {}
