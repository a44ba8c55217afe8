// `shadow` records would-deny decisions and lets the request through, on `#[requires]` and
// `#[authenticated]`, with checks, above or below the route attribute.
use actix_authz::{authenticated, requires};
use actix_web::{App, get, web};

#[requires(role = "admin", shadow)]
#[get("/admin")]
async fn admin() -> &'static str {
    "admin area"
}

fn is_even(id: &web::Path<u32>) -> bool {
    id.is_multiple_of(2)
}

#[get("/even/{id}")]
#[requires(shadow, check = is_even(id), hide)]
async fn even(id: web::Path<u32>) -> String {
    id.to_string()
}

#[authenticated(shadow)]
#[get("/me")]
async fn me() -> &'static str {
    "me"
}

fn main() {
    let _ = App::new().service(admin).service(even).service(me);
}
