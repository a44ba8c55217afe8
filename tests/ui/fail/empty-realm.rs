use actix_authz::authenticated;
use actix_web::get;

#[get("/me")]
#[authenticated(realm = "")]
async fn me() -> &'static str {
    "me"
}

fn main() {}
