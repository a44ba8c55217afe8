// `shadow` covers the handler's whole policy: on one of several attributes it would also stop
// enforcing the others, so it is refused there, whichever attribute carries it.
use actix_authz::{authenticated, requires};
use actix_web::get;

#[get("/reports")]
#[requires(role = "staff")]
#[requires(role = "auditor", shadow)]
async fn reports() -> &'static str {
    "reports"
}

#[get("/admin")]
#[requires(role = "admin")]
#[authenticated(shadow)]
async fn admin() -> &'static str {
    "admin area"
}

fn main() {}
