use actix_authz::{AuthzConfig, Caller, requires};
use actix_web::http::Method;
use actix_web::{App, HttpRequest, get, web};

// The guarded arguments form one tuple extractor; actix-web implements extraction for tuples of
// up to 12 elements, one more than the 11 arguments it accepts in a handler.
#[get("/many/{id}")]
#[requires(role = "admin")]
#[allow(clippy::too_many_arguments)]
async fn many(
    id: web::Path<u32>,
    query: web::Query<Vec<(String, String)>>,
    request: HttpRequest,
    method: Method,
    caller: Caller,
    state: web::Data<u32>,
    body: String,
    maybe: Option<web::Data<String>>,
    head: web::Header<actix_web::http::header::ContentType>,
    info: actix_web::dev::ConnectionInfo,
) -> String {
    format!(
        "{id} {} {} {method} {caller:?} {} {body} {} {head} {}",
        query.len(),
        request.path(),
        state.get_ref(),
        maybe.is_some(),
        info.host()
    )
}

fn main() {
    let _app = App::new()
        .app_data(AuthzConfig::new("api"))
        .app_data(web::Data::new(1_u32))
        .service(many);
}
