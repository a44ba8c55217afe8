use actix_authz::authenticated;
use actix_web::get;

#[get("/me")]
#[authenticated(realm = "api\r\nSet-Cookie: a=b")]
async fn me() -> &'static str {
    "me"
}

fn main() {}
