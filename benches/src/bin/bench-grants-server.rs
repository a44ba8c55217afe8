//! `bench-grants-server [--bind ADDR] [--demo-routes]`: `GET /admin` behind actix-web-grants'
//! `#[protect("admin")]`, its middleware taking the roles from the HS256 token (verified as the
//! hand-written handler does), on one worker, behind the demo's CORS layer; alone, or among the
//! demo's other routes.

use actix_web::{App, HttpServer, get};
use actix_web_grants::{GrantsMiddleware, protect};
use authz_benches::{HandVerifier, admin_routes, bind_address, hs256_secret, jwt_authorities};
use demo::cors;

#[get("/admin")]
#[protect("admin")]
async fn admin() -> &'static str {
    "admin area"
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bind = bind_address(&args);
    let verifier = HandVerifier::hs256(&hs256_secret());
    actix_web::rt::System::new().block_on(
        HttpServer::new(move || {
            App::new()
                .app_data(verifier.clone())
                .wrap(GrantsMiddleware::with_extractor(jwt_authorities))
                .wrap(cors())
                .configure(|config| admin_routes(config, &args, admin))
        })
        .workers(1)
        .bind(&bind)?
        .run(),
    )
}
