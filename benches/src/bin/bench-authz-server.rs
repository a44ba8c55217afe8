//! `bench-authz-server [--bind ADDR] [--alg hs256|rs256] [--cache N]`: `GET /admin` behind
//! `#[requires(role = "admin")]` with the JWT authenticator (HS256 on the demo's secret, or
//! RS256 on the test key, optionally with the verified-token cache), on one worker, behind the
//! demo's CORS layer.

use actix_authz::{AuthzConfig, JwtAuthenticator, requires};
use actix_web::{App, HttpServer, get};
use authz_benches::{bind_address, flag, hs256_secret, rs256_authenticator};
use demo::cors;

#[get("/admin")]
#[requires(role = "admin")]
async fn admin() -> &'static str {
    "admin area"
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let bind = bind_address(&args);
    let cache = match flag(&args, "--cache") {
        Some(capacity) => capacity.parse().map_err(std::io::Error::other)?,
        None => 0,
    };
    let authenticator = match flag(&args, "--alg").as_deref() {
        None | Some("hs256") => JwtAuthenticator::hs256(&hs256_secret()),
        Some("rs256") => rs256_authenticator(),
        Some(other) => return Err(std::io::Error::other(format!("unknown --alg {other}"))),
    }
    .cache(cache);
    let config = AuthzConfig::new("bench").authenticator(authenticator);
    actix_web::rt::System::new().block_on(
        HttpServer::new(move || {
            App::new()
                .wrap(cors())
                .app_data(config.clone())
                .service(admin)
        })
        .workers(1)
        .bind(&bind)?
        .run(),
    )
}
