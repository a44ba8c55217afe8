use actix_authz::{AuthzConfig, authenticated, requires};
use actix_web::{App, HttpResponse, web};

#[requires(role = "admin")]
async fn admin(id: web::Path<u32>) -> HttpResponse {
    HttpResponse::Ok().body(id.to_string())
}

#[authenticated]
pub async fn me() -> &'static str {
    "me"
}

fn main() {
    let _app = App::new()
        .app_data(AuthzConfig::new("api"))
        .service(web::resource("/admin/{id}").route(web::get().to(admin)))
        .route("/me", web::get().to(me));
}
