// Argument-aware checks (sync and async), loaders, hide and a custom denial responder, on a
// generic handler.
use actix_authz::{AuthzConfig, Caller, Denial, Identity, requires};
use actix_web::{App, HttpResponse, get, web};

#[derive(Debug)]
struct Post {
    author: String,
}

struct Store;

async fn find_post(id: &web::Path<u32>, _store: &web::Data<Store>) -> Result<Option<Post>, String> {
    Ok((**id == 1).then(|| Post {
        author: "alice".to_owned(),
    }))
}

fn is_author(identity: &dyn Identity, post: &Post) -> bool {
    identity.subject() == post.author
}

async fn not_banned(caller: &Caller) -> Result<bool, std::io::Error> {
    Ok(!caller.has_role("banned"))
}

fn denied(denial: &Denial<'_>) -> HttpResponse {
    HttpResponse::build(denial.kind().status()).finish()
}

#[get("/posts/{id}")]
#[requires(
    load(post = find_post(id, store).await),
    check = is_author(identity, post),
    check = not_banned(caller).await,
    hide,
    deny = denied
)]
async fn read_post(
    id: web::Path<u32>,
    store: web::Data<Store>,
    caller: Caller,
    post: Post,
) -> String {
    let _ = (store, caller);
    format!("{id}: {post:?}")
}

#[requires(role = "writer", check = is_named(identity, &name))]
async fn echo<T>(name: web::Path<String>, data: web::Data<T>, body: String) -> String
where
    T: std::fmt::Display + 'static,
{
    format!("{name} {} {body}", data.get_ref())
}

fn is_named(identity: &dyn Identity, name: &&web::Path<String>) -> bool {
    identity.subject() == name.as_str()
}

fn main() {
    let _ = App::new()
        .app_data(AuthzConfig::new("app"))
        .app_data(web::Data::new(Store))
        .service(read_post)
        .service(web::resource("/echo/{name}").route(web::post().to(echo::<String>)));
}
