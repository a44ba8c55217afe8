use actix_authz::requires;
use actix_web::{get, web};

#[derive(Debug)]
struct Post;

async fn find(_: &web::Path<u32>) -> Option<Post> {
    Some(Post)
}

#[get("/posts/{id}")]
#[requires(load(pots = find(id).await))]
async fn read(id: web::Path<u32>, post: Post) -> String {
    format!("{id} {post:?}")
}

fn main() {}
