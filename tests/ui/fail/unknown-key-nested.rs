use actix_authz::requires;
use actix_web::get;

#[get("/reports")]
#[requires(any(role = "admin", permision = "reports:read"))]
async fn reports() -> &'static str {
    "reports"
}

fn main() {}
