//! `cargo run -p demo [-- --bind ADDR] [--workers N]` serves the reference app;
//! `cargo run -p demo -- token --sub S [--role R]... [--permission P]... [--scope "a b"] [--ttl SECS]`
//! prints a signed token; `cargo run -p demo -- routes [--json]` prints the authorization matrix.

use std::process::ExitCode;

use actix_authz::audit;
use actix_web::{App, HttpServer, web};
use demo::{
    DEFAULT_SECRET, REALM, State, TokenSpec, authz, configure, cors, secret_from_env, sign_token,
};

const USAGE: &str = "\
usage:
  demo [--bind ADDR] [--workers N]
  demo token --sub S [--role R]... [--permission P]... [--scope \"a b\"] [--ttl SECS]
  demo routes [--json]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("token") => token(&args[1..]),
        Some("routes") => routes(&args[1..]),
        Some("-h" | "--help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => serve(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            ExitCode::FAILURE
        }
    }
}

/// Pairs of `--flag value`, in order.
fn flags(args: &[String]) -> Result<Vec<(&str, &str)>, String> {
    let mut pairs = Vec::new();
    let mut args = args.iter();
    while let Some(flag) = args.next() {
        if !flag.starts_with("--") {
            return Err(format!("unexpected argument `{flag}`"));
        }
        let value = args
            .next()
            .ok_or_else(|| format!("`{flag}` needs a value"))?;
        pairs.push((flag.as_str(), value.as_str()));
    }
    Ok(pairs)
}

fn token(args: &[String]) -> Result<(), String> {
    let mut spec = TokenSpec {
        ttl: 3600,
        ..TokenSpec::default()
    };
    for (flag, value) in flags(args)? {
        match flag {
            "--sub" => spec.sub = value.to_owned(),
            "--role" => spec.roles.push(value.to_owned()),
            "--permission" => spec.permissions.push(value.to_owned()),
            "--scope" => spec.scope = Some(value.to_owned()),
            "--ttl" => {
                spec.ttl = value
                    .parse()
                    .map_err(|_| format!("`--ttl` takes whole seconds, not `{value}`"))?;
            }
            _ => return Err(format!("unknown flag `{flag}`")),
        }
    }
    if spec.sub.is_empty() {
        return Err("`--sub` is required".to_owned());
    }
    println!("{}", sign_token(secret_from_env()?.as_bytes(), &spec));
    Ok(())
}

/// Prints the authorization matrix of the demo's routes, as Markdown or JSON.
fn routes(args: &[String]) -> Result<(), String> {
    let json = match args {
        [] => false,
        [flag] if flag == "--json" => true,
        _ => return Err(format!("unexpected arguments `{}`", args.join(" "))),
    };
    let matrix = actix_web::rt::System::new()
        .block_on(audit::matrix(configure))
        .map_err(|error| format!("cannot audit the routes: {error}"))?;
    if json {
        println!("{}", matrix.to_json());
    } else {
        print!("{}", matrix.to_markdown());
    }
    Ok(())
}

fn serve(args: &[String]) -> Result<(), String> {
    let mut bind = "127.0.0.1:8080".to_owned();
    let mut workers = None;
    for (flag, value) in flags(args)? {
        match flag {
            "--bind" => bind = value.to_owned(),
            "--workers" => {
                workers = Some(value.parse::<usize>().ok().filter(|&n| n > 0).ok_or_else(
                    || format!("`--workers` takes a positive number, not `{value}`"),
                )?);
            }
            _ => return Err(format!("unknown flag `{flag}`")),
        }
    }
    let secret = secret_from_env()?;
    if secret == DEFAULT_SECRET {
        eprintln!(
            "warning: tokens are signed and verified with the demo's public secret \
             `{DEFAULT_SECRET}`; set DEMO_JWT_SECRET before serving beyond this machine"
        );
    }
    let config = authz(secret.as_bytes());
    let state = web::Data::new(State::default());
    actix_web::rt::System::new().block_on(async move {
        let mut server = HttpServer::new(move || {
            App::new()
                .wrap(cors())
                .app_data(config.clone())
                .app_data(state.clone())
                .configure(configure)
        });
        if let Some(workers) = workers {
            server = server.workers(workers);
        }
        let server = server
            .bind(&bind)
            .map_err(|error| format!("cannot bind {bind}: {error}"))?;
        let address = server
            .addrs()
            .first()
            .map_or(bind.clone(), ToString::to_string);
        print_examples(&address, secret.as_bytes());
        server
            .run()
            .await
            .map_err(|error| format!("server error: {error}"))
    })
}

fn print_examples(address: &str, secret: &[u8]) {
    let admin = sign_token(
        secret,
        &TokenSpec {
            sub: "alice".into(),
            roles: vec!["admin".into()],
            scope: Some("articles:read articles:write".into()),
            ttl: 3600,
            ..TokenSpec::default()
        },
    );
    let reader = sign_token(
        secret,
        &TokenSpec {
            sub: "reader".into(),
            scope: Some("articles:read".into()),
            ttl: 3600,
            ..TokenSpec::default()
        },
    );
    let base = format!("http://{address}");
    println!("actix-authz demo (realm \"{REALM}\") on {base}; try:");
    for line in [
        format!("curl -i {base}/health"),
        format!("curl -i {base}/admin                                   # 401, with challenges"),
        format!("curl -i -u alice:wonderland {base}/admin               # 200"),
        format!("curl -i -u bob:builder {base}/admin                    # 403"),
        format!("curl -i -u bob:builder -X DELETE {base}/posts/7        # 204"),
        format!("curl -i -u carol:p:q {base}/me                         # 200"),
        format!("curl -i -H 'Authorization: Bearer {admin}' {base}/admin"),
        format!(
            "curl -i -H 'Authorization: Bearer {reader}' -X POST -H 'Content-Type: application/json' -d '{{\"title\":\"t\"}}' {base}/articles   # 403 insufficient_scope"
        ),
        format!("curl -i -H 'Authorization: Bearer not.a.token' {base}/me   # 401 invalid_token"),
        format!("curl -i -u alice:wonderland -X POST {base}/counter"),
        format!(
            "curl -i {base}/staff/status                            # 200, public inside /staff"
        ),
        format!(
            "curl -i -u alice:wonderland {base}/staff/moderation    # 403: /staff needs editor"
        ),
        format!("curl -i -u bob:builder {base}/staff/moderation         # 200"),
    ] {
        println!("  {line}");
    }
    println!("more tokens: cargo run -p demo -- token --sub S --role R --scope \"a b\"");
}
