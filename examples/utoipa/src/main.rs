//! `cargo run -p utoipa-example [-- --bind ADDR]`: the notes API on 127.0.0.1:8084, with its
//! OpenAPI document at `/openapi.json`.

use actix_web::{App, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut bind = String::from("127.0.0.1:8084");
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--bind", Some(address)) => bind = address,
            _ => {
                eprintln!("usage: utoipa-example [--bind ADDR]");
                std::process::exit(2);
            }
        }
    }
    let authz = utoipa_example::authz(b"utoipa example secret, not for production");
    let server = HttpServer::new(move || {
        App::new()
            .app_data(authz.clone())
            .configure(utoipa_example::configure)
    })
    .bind(&bind)?;
    let address = server.addrs()[0];
    println!("notes API on http://{address}");
    println!(
        "  curl -s http://{address}/openapi.json    # the spec, with each operation's security"
    );
    println!("  curl -i http://{address}/notes           # 401: the spec says so too");
    server.run().await
}
