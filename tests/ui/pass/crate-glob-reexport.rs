use actix_authz::AuthzConfig;
use actix_web::{App, get};

// A crate that re-exports actix-authz whole: the glob carries the hidden `__private` along.
mod authz {
    pub use actix_authz::*;
}

#[get("/admin")]
#[authz::requires(role = "admin", crate = "crate::authz")]
async fn admin() -> &'static str {
    "admin area"
}

#[get("/me")]
#[authz::authenticated(crate = "crate::authz")]
async fn me() -> &'static str {
    "me"
}

fn main() {
    let _app = App::new()
        .app_data(AuthzConfig::new("api"))
        .service(admin)
        .service(me);
}
