use actix_authz::{public, requires};
use actix_web::get;

#[public]
#[get("/status")]
#[requires(role = "admin")]
async fn status() -> &'static str {
    "up"
}

fn main() {}
