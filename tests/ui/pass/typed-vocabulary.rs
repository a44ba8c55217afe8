// Typed roles and permissions with a hierarchy, used in attributes by path.
use actix_authz::{AuthzConfig, requires, vocabulary};
use actix_web::{App, get};

#[vocabulary]
mod authz {
    /// Roles, documented like any enum.
    #[roles]
    #[derive(Debug)]
    pub enum Role {
        #[implies(Editor, Auditor)]
        Admin,
        #[implies(Viewer)]
        #[grants(PostsDelete)]
        Editor,
        Viewer,
        #[name = "audit"]
        Auditor,
    }

    #[permissions]
    pub enum Permission {
        #[name = "posts:delete"]
        PostsDelete,
    }
}
use authz::{Permission, Role};

#[get("/viewer")]
#[requires(role = Role::Viewer)]
async fn viewer() -> &'static str {
    "viewer"
}

#[requires(any(role = authz::Role::Auditor, permission = Permission::PostsDelete), role = "x")]
#[get("/mixed")]
async fn mixed() -> &'static str {
    "mixed"
}

fn main() {
    assert_eq!(Role::Auditor.name(), "audit");
    assert_eq!(Role::ALL, [Role::Admin, Role::Editor, Role::Viewer, Role::Auditor]);
    assert_eq!(format!("{}", Permission::PostsDelete), "posts:delete");
    let _ = App::new()
        .app_data(AuthzConfig::new("app"))
        .service(viewer)
        .service(mixed);
}
