use actix_authz::{AuthzConfig, requires};
use actix_web::{App, Responder, get, http::StatusCode};

#[get("/admin")]
#[requires(role = "admin")]
async fn admin() -> impl Responder {
    ("admin area", StatusCode::ACCEPTED)
}

fn main() {
    let _app = App::new().app_data(AuthzConfig::new("api")).service(admin);
}
