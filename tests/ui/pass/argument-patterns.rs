use actix_authz::{AuthzConfig, Caller, requires};
use actix_web::{App, HttpRequest, get, post, web};
use serde::Deserialize;

#[derive(Deserialize)]
struct Page {
    offset: u32,
    limit: u32,
}

#[derive(Deserialize)]
struct Title {
    title: String,
}

#[get("/items/{a}/{b}")]
#[requires(role = "reader")]
async fn items(
    path: web::Path<(u32, u32)>,
    web::Query(Page { offset, limit }): web::Query<Page>,
    mut names: web::Query<Vec<(String, String)>>,
    (_request, caller): (HttpRequest, Caller),
    _: web::Data<()>,
) -> String {
    let (a, b) = path.into_inner();
    names.0.push((String::from("sub"), format!("{caller:?}")));
    format!("{a} {b} {offset} {limit} {}", names.len())
}

#[post("/articles")]
#[requires(scope = "articles:write")]
async fn create(web::Json(Title { mut title }): web::Json<Title>) -> String {
    title.push('!');
    title
}

fn main() {
    let _app = App::new()
        .app_data(AuthzConfig::new("api"))
        .service(items)
        .service(create);
}
