use actix_web::{App, get};

// A crate that re-exports only some items must re-export `__private` for the expansion.
mod platform {
    pub mod authz {
        pub use actix_authz::{__private, AuthzConfig, requires};
    }
}

use platform::authz::{AuthzConfig, requires};

#[get("/admin")]
#[requires(role = "admin", crate = "crate::platform::authz")]
async fn admin() -> &'static str {
    "admin area"
}

fn main() {
    let _app = App::new().app_data(AuthzConfig::new("api")).service(admin);
}
