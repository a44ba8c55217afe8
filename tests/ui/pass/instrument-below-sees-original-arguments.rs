// An attribute macro below `#[requires]` still sees the handler's own arguments: it is applied
// to the user's function, which the expansion keeps whole.
use actix_authz::{AuthzConfig, requires};
use actix_web::{App, get, web};

#[get("/hello/{name}")]
#[requires(role = "greeter")]
#[tracing::instrument(skip(name), fields(length = name.len()))]
async fn hello(name: web::Path<String>) -> String {
    format!("hello, {name}")
}

fn main() {
    let _ = App::new().app_data(AuthzConfig::new("app")).service(hello);
}
