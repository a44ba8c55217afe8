use actix_authz::{AuthzConfig, requires};
use actix_web::{App, route};

#[route("/admin", method = "GET", method = "HEAD")]
#[requires(role = "admin")]
async fn admin() -> &'static str {
    "admin area"
}

fn main() {
    let _app = App::new().app_data(AuthzConfig::new("api")).service(admin);
}
