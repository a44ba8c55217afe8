use actix_authz::requires;
use actix_web::{get, web};

fn score(_: &web::Path<u32>) -> u8 {
    1
}

#[get("/posts/{id}")]
#[requires(check = score(id))]
async fn read(id: web::Path<u32>) -> String {
    id.to_string()
}

fn main() {}
