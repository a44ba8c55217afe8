use actix_authz::{AuthzConfig, requires};
use actix_web::{App, get, web};

// Expanding after `#[requires]`, the instrumented function has one guarded argument (which is
// `Debug`) in place of the handler's own: `skip(name)` would not find `name` here.
#[get("/hello/{name}")]
#[requires(role = "member")]
#[tracing::instrument(level = "debug")]
async fn hello(name: web::Path<String>) -> String {
    format!("hello, {name}")
}

fn main() {
    let _app = App::new().app_data(AuthzConfig::new("api")).service(hello);
}
