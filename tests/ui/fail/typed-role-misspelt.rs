use actix_authz::{requires, vocabulary};
use actix_web::get;

#[vocabulary]
mod authz {
    #[roles]
    pub enum Role {
        Admin,
        Editor,
    }
}
use authz::Role;

#[get("/admin")]
#[requires(role = Role::Admn)]
async fn admin() -> &'static str {
    "admin area"
}

fn main() {}
