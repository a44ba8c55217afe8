use actix_authz::{requires, vocabulary};
use actix_web::get;

#[vocabulary]
mod authz {
    #[roles]
    pub enum Role {
        Admin,
    }
    #[permissions]
    pub enum Permission {
        PostsDelete,
    }
}
use authz::Permission;

// A permission where a role is expected.
#[get("/admin")]
#[requires(role = Permission::PostsDelete)]
async fn admin() -> &'static str {
    "admin area"
}

fn main() {}
