use actix_authz::requires;
use actix_web::get;

#[get("/newcomers")]
#[requires(not(role = "admin", role = "editor"))]
async fn newcomers() -> &'static str {
    "welcome"
}

fn main() {}
