use actix_authz::{Caller, requires};
use actix_web::get;

#[derive(Debug)]
struct NotAnIdentity;

#[get("/admin")]
#[requires(role = "admin")]
async fn admin(caller: Caller<NotAnIdentity>) -> &'static str {
    let _ = caller;
    "admin area"
}

fn main() {}
