use actix_authz::{AuthzConfig, requires};
use actix_web::{App, get, web};

// Another attribute macro that rewrites the body expands first and sees the original
// arguments.
#[tracing::instrument(skip(name))]
#[get("/hello/{name}")]
#[requires(role = "member")]
async fn hello(name: web::Path<String>) -> String {
    format!("hello, {name}")
}

fn main() {
    let _app = App::new().app_data(AuthzConfig::new("api")).service(hello);
}
