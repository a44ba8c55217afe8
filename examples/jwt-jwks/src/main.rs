//! `cargo run -p jwt-jwks [-- --bind ADDR]`: the API on 127.0.0.1:8083, verifying tokens
//! against the JWKS of an issuer that the example starts on a free loopback port.

use std::time::Duration;

use actix_web::{App, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut bind = String::from("127.0.0.1:8083");
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--bind", Some(address)) => bind = address,
            _ => {
                eprintln!("usage: jwt-jwks [--bind ADDR]");
                std::process::exit(2);
            }
        }
    }

    // The identity provider, on loopback only.
    let issuer = HttpServer::new(|| App::new().configure(jwt_jwks::issuer))
        .workers(1)
        .bind("127.0.0.1:0")?;
    let issuer_url = format!("http://{}", issuer.addrs()[0]);
    actix_web::rt::spawn(issuer.run());

    let authz = jwt_jwks::authz(&issuer_url);
    let api = HttpServer::new(move || {
        App::new()
            .app_data(authz.clone())
            .configure(jwt_jwks::configure)
    })
    .bind(&bind)?;
    let address = api.addrs()[0];

    let hour = Duration::from_secs(3600);
    let admin = jwt_jwks::mint(&issuer_url, "ada", &["admin"], hour);
    let viewer = jwt_jwks::mint(&issuer_url, "vic", &["viewer"], hour);
    println!("jwt-jwks API on http://{address}; issuer {issuer_url} (JWKS at {issuer_url}/jwks)");
    println!("  curl -i http://{address}/me                                  # 401");
    println!("  curl -i -H 'Authorization: Bearer {admin}' http://{address}/admin   # 200");
    println!("  curl -i -H 'Authorization: Bearer {viewer}' http://{address}/admin  # 403");
    println!("  curl -s {issuer_url}/jwks                                    # the published key");
    api.run().await
}
