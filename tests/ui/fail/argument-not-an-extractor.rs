use actix_authz::requires;
use actix_web::{get, web};

struct NotAnExtractor;

#[get("/admin/{id}")]
#[requires(role = "admin")]
async fn admin(id: web::Path<u32>, _settings: NotAnExtractor) -> String {
    id.to_string()
}

fn main() {}
