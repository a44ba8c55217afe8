use actix_authz::{AuthzConfig, Caller, Identity, authenticated};
use actix_web::{App, get};

#[get("/me")]
#[authenticated]
async fn me(caller: Caller) -> String {
    caller.subject().to_owned()
}

fn main() {
    let _app = App::new().app_data(AuthzConfig::new("api")).service(me);
}
