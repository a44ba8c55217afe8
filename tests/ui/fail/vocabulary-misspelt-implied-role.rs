use actix_authz::vocabulary;

#[vocabulary]
mod authz {
    #[roles]
    pub enum Role {
        #[implies(Editr)]
        Admin,
        #[grants(PostDelete)]
        Editor,
    }
    #[permissions]
    pub enum Permission {
        #[name = "posts:delete"]
        PostsDelete,
    }
}

fn main() {}
