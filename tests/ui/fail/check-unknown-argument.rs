use actix_authz::{Identity, requires};
use actix_web::{get, web};

fn is_author(identity: &dyn Identity, post: &web::Path<u32>) -> bool {
    identity.subject() == post.to_string()
}

#[get("/posts/{post_id}")]
#[requires(check = is_author(identity, post))]
async fn read(post_id: web::Path<u32>) -> String {
    post_id.to_string()
}

fn main() {}
