use actix_authz::{AuthzConfig, requires};
use actix_web::{App, get};

#[requires(role = "admin")]
#[get("/admin")]
async fn admin() -> &'static str {
    "admin area"
}

fn main() {
    let _app = App::new().app_data(AuthzConfig::new("api")).service(admin);
}
