#![deny(warnings)]

use actix_authz::{AuthzConfig, authenticated, requires};
use actix_web::{App, get, web};

// Under `deny(warnings)`, each handler builds only if the `allow` next to it was kept.

/// Attributes above ours are kept.
#[doc = "The admin area."]
#[allow(unused_variables)]
#[get("/admin")]
#[requires(role = "admin")]
#[inline]
async fn admin() -> &'static str {
    let unused = 1;
    "admin area"
}

/// Attributes below ours are kept too.
#[authenticated]
#[get("/me")]
#[cfg_attr(all(), allow(unused_variables))]
async fn me() -> &'static str {
    let unused = 1;
    "me"
}

/// Kept on a handler routed by hand.
#[deprecated = "use `/v2/legacy`"]
#[requires(role = "admin")]
#[allow(unused_variables)]
async fn legacy(request: actix_web::HttpRequest) -> &'static str {
    "legacy"
}

/// `must_use` means nothing on the registered handler, a constant: it goes on the function.
#[must_use]
#[requires(role = "admin")]
async fn counted() -> String {
    "counted".to_owned()
}

#[allow(deprecated)]
fn main() {
    let _app = App::new()
        .app_data(AuthzConfig::new("api"))
        .service(admin)
        .service(me)
        .route("/legacy", web::get().to(legacy))
        .route("/counted", web::get().to(counted));
}
