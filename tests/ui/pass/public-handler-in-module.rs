use actix_authz::AuthzConfig;
use actix_web::App;

mod routes {
    use actix_authz::requires;
    use actix_web::get;

    // A `pub` handler stays reachable from outside its module, with either order.
    #[get("/admin")]
    #[requires(role = "admin")]
    pub async fn admin() -> &'static str {
        "admin area"
    }

    #[requires(role = "admin")]
    #[get("/panel")]
    pub(crate) async fn panel() -> &'static str {
        "panel"
    }

    #[requires(role = "admin")]
    pub async fn routed() -> &'static str {
        "routed"
    }
}

fn main() {
    let _app = App::new()
        .app_data(AuthzConfig::new("api"))
        .service(routes::admin)
        .service(routes::panel)
        .route("/routed", actix_web::web::get().to(routes::routed));
}
