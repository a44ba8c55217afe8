//! `cargo run -p session-login [-- --bind ADDR]`: the login-form example on 127.0.0.1:8082.

use actix_web::cookie::Key;
use actix_web::{App, HttpServer};

#[actix_web::main]
async fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mut bind = String::from("127.0.0.1:8082");
    while let Some(arg) = args.next() {
        match (arg.as_str(), args.next()) {
            ("--bind", Some(address)) => bind = address,
            _ => {
                eprintln!("usage: session-login [--bind ADDR]");
                std::process::exit(2);
            }
        }
    }
    // A new key per start: restarting signs everyone out. Load a fixed 64-byte key from your
    // secret store to keep sessions across restarts and workers of several processes.
    let key = Key::generate();
    let authz = session_login::authz();
    let server = HttpServer::new(move || {
        App::new()
            .app_data(authz.clone())
            // Plain HTTP on loopback for the example: cookies without `Secure`.
            .wrap(session_login::sessions(key.clone(), false))
            .configure(session_login::configure)
    })
    .bind(&bind)?;
    let address = server.addrs()[0];
    println!("session-login on http://{address} — users alice:wonderland (admin), bob:builder");
    println!("  browser: http://{address}/login, then /dashboard and /admin");
    println!("  curl -i http://{address}/api/me                       # 401, Session challenge");
    println!(
        "  curl -i -c jar -d 'username=alice&password=wonderland' http://{address}/login   # 303, cookie"
    );
    println!("  curl -i -b jar http://{address}/api/me                # 200 JSON");
    println!("  curl -i -b jar -c jar -X POST http://{address}/logout # 303, cookie removed");
    server.run().await
}
