use std::fmt::Display;

use actix_authz::{AuthzConfig, requires};
use actix_web::{App, web};

// A route attribute cannot register a generic handler, so it is routed by hand with its type
// argument.
#[requires(role = "admin")]
async fn show<T>(data: web::Data<T>) -> String
where
    T: Display + Send + Sync + 'static,
{
    data.to_string()
}

#[requires(role = "admin")]
async fn show_both<A: Display + 'static, B>(a: web::Data<A>, b: web::Data<B>) -> String
where
    B: Display + ?Sized + 'static,
{
    format!("{} {}", a.get_ref(), b.get_ref())
}

fn main() {
    let _app = App::new()
        .app_data(AuthzConfig::new("api"))
        .app_data(web::Data::new(7_u32))
        .app_data(web::Data::new(String::from("seven")))
        .route("/number", web::get().to(show::<u32>))
        .route("/both", web::get().to(show_both::<u32, String>));
}
