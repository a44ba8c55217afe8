use actix_authz::{AuthzConfig, Caller, Identity, requires};
use actix_web::{App, get};

#[derive(Debug)]
struct User {
    id: u64,
    name: String,
    is_admin: bool,
}

impl Identity for User {
    fn subject(&self) -> &str {
        &self.name
    }

    fn has_role(&self, role: &str) -> bool {
        role == "admin" && self.is_admin
    }
}

#[get("/admin")]
#[requires(role = "admin")]
async fn admin(user: Caller<User>) -> String {
    format!("{} ({})", user.subject(), user.identity().id)
}

fn main() {
    let _app = App::new().app_data(AuthzConfig::new("api")).service(admin);
}
