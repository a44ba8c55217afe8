use actix_authz::{AuthzConfig, authenticated};
use actix_web::{App, get};

#[get("/me")]
#[authenticated(realm = "accounts")]
async fn me() -> &'static str {
    "me"
}

fn main() {
    let _app = App::new().app_data(AuthzConfig::new("api")).service(me);
}
