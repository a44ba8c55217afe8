use actix_authz::requires;
use actix_web::get;

#[get("/articles")]
#[requires(scope = "articles\"read")]
async fn articles() -> &'static str {
    "[]"
}

fn main() {}
