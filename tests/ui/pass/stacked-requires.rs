use actix_authz::{AuthzConfig, authenticated, requires};
use actix_web::{App, HttpResponse, delete, get, web};

// Several attributes on one handler are one all-of policy, whatever their order relative to
// the route attribute.
#[requires(role = "editor")]
#[delete("/posts/{id}")]
#[requires(permission = "posts:delete")]
#[requires(any(scope = "posts:write", role = "admin"))]
async fn delete_post(id: web::Path<u32>) -> HttpResponse {
    let _ = id.into_inner();
    HttpResponse::NoContent().finish()
}

#[get("/audit")]
#[authenticated(realm = "audit")]
#[requires(role = "auditor")]
async fn audit() -> &'static str {
    "audit"
}

// Paths to the attributes are recognised as siblings too.
#[get("/reports")]
#[actix_authz::requires(role = "auditor")]
#[actix_authz::requires(permission = "reports:read")]
async fn reports() -> &'static str {
    "reports"
}

fn main() {
    let _app = App::new()
        .app_data(AuthzConfig::new("api"))
        .service(delete_post)
        .service(audit)
        .service(reports);
}
