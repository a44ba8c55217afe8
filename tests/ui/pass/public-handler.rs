// `#[public]` keeps the handler as written, above the route attribute and beside others.
use actix_authz::public;
use actix_web::{App, get, web};

#[public]
#[get("/status")]
async fn status() -> &'static str {
    "up"
}

#[public]
#[get("/echo/{word}")]
async fn echo(word: web::Path<String>) -> String {
    word.into_inner()
}

fn main() {
    let _ = App::new().service(status).service(echo);
}
