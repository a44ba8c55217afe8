// Stacked attributes are merged into one policy by the first to expand; the others must still
// count as uses of their imports, or `deny(warnings)` would reject correct code.
#![deny(warnings)]

use actix_authz::{AuthzConfig, authenticated, requires};
use actix_web::{App, get};

#[authenticated]
#[requires(role = "auditor")]
#[get("/audit")]
async fn audit() -> &'static str {
    "audit"
}

#[get("/reports")]
#[requires(role = "auditor")]
#[authenticated(realm = "reports")]
async fn reports() -> &'static str {
    "reports"
}

fn main() {
    let _ = App::new()
        .app_data(AuthzConfig::new("app"))
        .service(audit)
        .service(reports);
}
