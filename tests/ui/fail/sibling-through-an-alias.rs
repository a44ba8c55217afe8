// Through a `use … as` alias, a sibling attribute cannot be told from another crate's of the
// same name: it is reported, with how to write it, instead of being taken over or left to fail
// obscurely.
use actix_authz as az;
use actix_web::{App, web};

#[az::requires(role = "admin")]
#[az::authenticated(realm = "admin")]
async fn admin() -> &'static str {
    "admin area"
}

fn main() {
    let _ = App::new().route("/admin", web::get().to(admin));
}
