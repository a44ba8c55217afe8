use actix_authz::vocabulary;

#[vocabulary]
mod authz {
    #[roles]
    pub enum Role {
        #[implies(Editor)]
        Admin,
        #[implies(Viewer)]
        Editor,
        #[implies(Admin)]
        Viewer,
    }
}

fn main() {}
