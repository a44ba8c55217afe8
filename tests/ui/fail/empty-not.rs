use actix_authz::requires;
use actix_web::get;

#[get("/public")]
#[requires(not())]
async fn public() -> &'static str {
    "public"
}

fn main() {}
