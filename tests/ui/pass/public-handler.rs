// `#[public]` keeps the handler as written, above or below the route attribute.
use actix_authz::public;
use actix_web::{App, get, web};

#[public]
#[get("/status")]
async fn status() -> &'static str {
    "up"
}

#[get("/echo/{word}")]
#[public]
async fn echo(word: web::Path<String>) -> String {
    word.into_inner()
}

fn main() {
    let _ = App::new().service(status).service(echo);
}
