use actix_authz::requires;

struct Handlers;

impl Handlers {
    #[requires(role = "admin")]
    async fn admin(&self) -> &'static str {
        "admin area"
    }
}

fn main() {}
