use actix_authz::requires;
use actix_web::delete;

#[delete("/posts/{id}")]
#[requires(any(role = "admin", permission = ""))]
async fn delete_post() -> &'static str {
    "deleted"
}

fn main() {}
