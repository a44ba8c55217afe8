use actix_authz::requires;
use actix_web::get;

#[get("/reports")]
#[requires(any = "admin")]
async fn reports() -> &'static str {
    "reports"
}

fn main() {}
