// `#[public]` only records the route it opens: below the route attribute, or on a handler
// registered with `web::resource(...).to(...)`, it sees none.
use actix_authz::public;
use actix_web::{App, get, web};

#[get("/echo/{word}")]
#[public]
async fn echo(word: web::Path<String>) -> String {
    word.into_inner()
}

#[public]
async fn status() -> &'static str {
    "up"
}

fn main() {
    let _ = App::new()
        .service(echo)
        .service(web::resource("/status").to(status));
}
