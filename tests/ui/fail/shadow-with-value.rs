// `shadow` is a bare flag: a value is refused at the item, and so is a second `shadow`.
use actix_authz::requires;
use actix_web::get;

#[requires(role = "admin", shadow = true)]
#[get("/admin")]
async fn admin() -> &'static str {
    "admin area"
}

#[requires(role = "admin", shadow, shadow)]
#[get("/twice")]
async fn twice() -> &'static str {
    "twice"
}

fn main() {}
