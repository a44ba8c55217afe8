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

trait Repo: 'static {
    fn all() -> String;
}

struct Memory;

impl Repo for Memory {
    fn all() -> String {
        "all".to_owned()
    }
}

fn is_even(id: &web::Path<u32>) -> bool {
    id.is_multiple_of(2)
}

// With a check: type and const parameters that no argument names, and an unsized one.
#[requires(role = "reader", check = is_even(id))]
async fn list<R: Repo, const N: usize>(id: web::Path<u32>) -> String {
    format!("{} {} {}", R::all(), N, id.into_inner())
}

#[requires(role = "reader", check = is_even(id))]
async fn show_unsized<T>(id: web::Path<u32>, data: web::Data<T>) -> String
where
    T: Display + ?Sized + 'static,
{
    format!("{} {}", id.into_inner(), data.get_ref())
}

fn main() {
    let _app = App::new()
        .app_data(AuthzConfig::new("api"))
        .app_data(web::Data::new(7_u32))
        .app_data(web::Data::new(String::from("seven")))
        .route("/number", web::get().to(show::<u32>))
        .route("/both", web::get().to(show_both::<u32, String>))
        .route("/list/{id}", web::get().to(list::<Memory, 3>))
        .route("/unsized/{id}", web::get().to(show_unsized::<str>));
}
