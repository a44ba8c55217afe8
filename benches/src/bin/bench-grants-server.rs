//! `bench-grants-server [--bind ADDR] [--demo-routes]`: `GET /admin` behind actix-web-grants'
//! `#[protect("admin")]`, its middleware taking the roles from the HS256 token (verified as the
//! hand-written handler does), on one worker; alone, or among the demo's other routes.

use actix_web::{App, HttpServer, get};
use actix_web_grants::{GrantsMiddleware, protect};
use authz_benches::{
    HandVerifier, bind_address, demo_routes, hs256_secret, jwt_authorities, wants_demo_routes,
};

#[get("/admin")]
#[protect("admin")]
async fn admin() -> &'static str {
    "admin area"
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bind = bind_address(&args);
    let verifier = HandVerifier::hs256(&hs256_secret());
    let all_routes = wants_demo_routes(&args);
    actix_web::rt::System::new().block_on(
        HttpServer::new(move || {
            let app = App::new()
                .app_data(verifier.clone())
                .wrap(GrantsMiddleware::with_extractor(jwt_authorities));
            if all_routes {
                app.configure(|config| demo_routes(config, admin))
            } else {
                app.service(admin)
            }
        })
        .workers(1)
        .bind(&bind)?
        .run(),
    )
}
