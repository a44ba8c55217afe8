use actix_authz::requires;
use actix_web::get;

#[get("/reports")]
#[requires(role = "auditor", all())]
async fn reports() -> &'static str {
    "reports"
}

fn main() {}
