use actix_authz::{AuthzConfig, requires};
use actix_web::{App, HttpResponse, error, get, web};

fn parse(raw: &str) -> Result<u32, actix_web::Error> {
    raw.parse().map_err(error::ErrorBadRequest)
}

#[get("/items/{raw}")]
#[requires(permission = "items:read")]
async fn item(raw: web::Path<String>) -> Result<HttpResponse, actix_web::Error> {
    let id = parse(&raw)?;
    Ok(HttpResponse::Ok().body(id.to_string()))
}

fn main() {
    let _app = App::new().app_data(AuthzConfig::new("api")).service(item);
}
