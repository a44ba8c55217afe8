use actix_authz::authenticated;
use actix_web::get;

#[get("/me")]
#[authenticated(relm = "api")]
async fn me() -> &'static str {
    "me"
}

fn main() {}
