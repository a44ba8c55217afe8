use actix_authz::{AuthzConfig, requires};
use actix_web::{App, get};

#[get("/admin")]
#[requires(role = "admin", realm = "Admin area (v2) ~ \"staff\" only")]
async fn admin() -> &'static str {
    "admin area"
}

fn main() {
    let _app = App::new().app_data(AuthzConfig::new("api")).service(admin);
}
