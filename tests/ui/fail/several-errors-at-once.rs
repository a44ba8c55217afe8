use actix_authz::requires;
use actix_web::get;

// Every mistake of every attribute on the handler is reported in one compile.
#[get("/admin")]
#[requires(roles = "admin", any(), scope = "a b", realm = "api")]
#[actix_authz::requires(realm = "admin", role = 1, not(role = "x", role = "y"))]
async fn admin() -> &'static str {
    "admin area"
}

fn main() {}
