//! `bench-hand-server [--bind ADDR] [--demo-routes]`: `GET /admin` with the JWT check written by
//! hand in the handler (jsonwebtoken, the same validation as `JwtAuthenticator::hs256`), on one
//! worker, behind the demo's CORS layer; alone, or among the demo's other routes.

use actix_web::{App, HttpRequest, HttpServer, error, get};
use authz_benches::{HandVerifier, ROLE, admin_routes, bind_address, hs256_secret};
use demo::cors;

#[get("/admin")]
async fn admin(request: HttpRequest) -> actix_web::Result<&'static str> {
    let verifier = request
        .app_data::<HandVerifier>()
        .ok_or_else(|| error::ErrorInternalServerError("no HandVerifier registered"))?;
    let claims = verifier.claims(&request)?;
    if !claims.roles.iter().any(|role| role == ROLE) {
        return Err(error::ErrorForbidden("forbidden"));
    }
    Ok("admin area")
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bind = bind_address(&args);
    let verifier = HandVerifier::hs256(&hs256_secret());
    actix_web::rt::System::new().block_on(
        HttpServer::new(move || {
            App::new()
                .wrap(cors())
                .app_data(verifier.clone())
                .configure(|config| admin_routes(config, &args, admin))
        })
        .workers(1)
        .bind(&bind)?
        .run(),
    )
}
