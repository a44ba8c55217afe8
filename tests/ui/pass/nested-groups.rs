use actix_authz::{AuthzConfig, requires};
use actix_web::{App, get};

#[get("/reports")]
#[requires(
    any(
        role = "admin",
        all(role = "auditor", not(role = "suspended"), permission = "reports:read"),
        all(
            scope = "reports:read",
            not(any(role = "guest", permission = "reports:none"))
        ),
    ),
    not(not(role = "member"))
)]
async fn reports() -> &'static str {
    "reports"
}

fn main() {
    let _app = App::new()
        .app_data(AuthzConfig::new("api"))
        .service(reports);
}
