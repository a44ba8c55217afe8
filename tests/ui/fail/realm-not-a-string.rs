use actix_authz::authenticated;
use actix_web::get;

#[get("/me")]
#[authenticated(realm = 42)]
async fn me() -> &'static str {
    "me"
}

fn main() {}
