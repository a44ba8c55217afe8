use actix_authz::{AuthzConfig, authenticated, requires};
use actix_web::{App, HttpResponse, get, web};

#[get("/ping")]
#[authenticated]
async fn ping() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

#[requires(role = "admin")]
#[get("/admin")]
async fn admin() -> &'static str {
    "admin area"
}

#[requires(permission = "cache:reset")]
async fn reset() -> HttpResponse {
    HttpResponse::NoContent().finish()
}

fn main() {
    let _app = App::new()
        .app_data(AuthzConfig::new("api"))
        .service(ping)
        .service(admin)
        .route("/reset", web::post().to(reset));
}
