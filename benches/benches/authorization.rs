//! In-process benchmarks: one `GET /` through `actix_web::test::init_service` and
//! `call_service`, per contestant, each in an app of its own with that single route.
//!
//! - `authorization`: the identity comes from a static source (an `Authenticator` returning a
//!   fixed `Principal`, and its actix-web-grants counterpart), so that only the authorization
//!   layer differs: unprotected, `#[authenticated]`, `#[requires(role)]`, `any(` of 5 roles `)`,
//!   a typed role held through a 3-level hierarchy (`#[vocabulary]`), the same check written
//!   by hand, and actix-web-grants `#[protect]` with its middleware.
//! - `jwt_hs256`: the full path with an HS256 Bearer token: actix-authz's `JwtAuthenticator`,
//!   `jsonwebtoken::decode` by hand in the handler, and actix-web-grants with a JWT-decoding
//!   middleware.
//! - `jwt_rs256`: RS256 without and with the verified-token cache, against HS256.
//!
//! Every contestant runs twice: under criterion (statistics of each alone, in
//! `target/criterion`), then in interleaved rounds — each round times a short batch of every
//! contestant back to back — whose per-round ratios are the headline: on a shared, noisy
//! machine, ratios of runs a fraction of a second apart are far steadier than ratios of runs
//! measured a minute apart. `BENCH_ONLY=criterion` or `BENCH_ONLY=interleaved` runs one part;
//! `BENCH_ROUNDS` sets the rounds (default 40).
//!
//! `scripts/bench-inprocess --instructions` counts instead, under valgrind's callgrind, the
//! instructions each contestant executes per request, a figure that other work on the machine
//! does not move. It drives this binary in three more modes: `BENCH_ONLY=list` prints every
//! contestant as `group/name`; `BENCH_ONLY=count` with `BENCH_CONTESTANT=group/name` and
//! `BENCH_REQUESTS=n` serves that contestant n requests and exits; `BENCH_ONLY=instructions`
//! with `BENCH_INSTRUCTIONS=file` (lines `group/name instructions-per-request`) prints the
//! tables and comparisons of those counts.

use std::hint::black_box;
use std::time::{Duration, Instant};

use actix_authz::{AuthzConfig, JwtAuthenticator, authenticated, requires, vocabulary};
use actix_web::http::header::AUTHORIZATION;
use actix_web::rt::SystemRunner;
use actix_web::{App, HttpRequest, error, get, test};
use actix_web_grants::{GrantsMiddleware, protect};
use authz_benches::{
    Claims, HandVerifier, ROLE, StaticAuthenticator, jwt_authorities, principal,
    rs256_authenticator, sign_hs256, sign_rs256, static_authorities,
};
use criterion::Criterion;

const SECRET: &[u8] = b"benchmark secret";

#[get("/")]
async fn unprotected() -> &'static str {
    "ok"
}

#[get("/")]
#[authenticated]
async fn authenticated_only() -> &'static str {
    "ok"
}

#[get("/")]
#[requires(role = "admin")]
async fn requires_role() -> &'static str {
    "ok"
}

#[get("/")]
#[requires(any(role = "r1", role = "r2", role = "r3", role = "r4", role = "admin"))]
async fn requires_any_of_5() -> &'static str {
    "ok"
}

/// The typed roles of (e): a three-level hierarchy, admin ⊃ manager ⊃ staff.
#[vocabulary]
mod hierarchy {
    /// The benchmark identity holds `admin`, the top of the hierarchy.
    #[roles]
    pub(crate) enum Role {
        /// A manager, and so staff too.
        #[implies(Manager)]
        Admin,
        /// Staff.
        #[implies(Staff)]
        Manager,
        /// The role every handler of (e) requires.
        Staff,
    }
}

/// (e): the lowest role of the hierarchy, held through two levels of implication.
#[get("/")]
#[requires(role = hierarchy::Role::Staff)]
async fn requires_hierarchy_role() -> &'static str {
    "ok"
}

/// The floor: the same identity source, and an `if` in the handler.
#[get("/")]
async fn hand_written_static(request: HttpRequest) -> actix_web::Result<&'static str> {
    let source = request
        .app_data::<StaticAuthenticator>()
        .ok_or_else(|| error::ErrorInternalServerError("no identity source"))?;
    if !source.identity().has_role(ROLE) {
        return Err(error::ErrorForbidden("forbidden"));
    }
    Ok("ok")
}

#[get("/")]
#[protect("admin")]
async fn grants_role() -> &'static str {
    "ok"
}

#[get("/")]
#[protect(any("r1", "r2", "r3", "r4", "admin"))]
async fn grants_any_of_5() -> &'static str {
    "ok"
}

/// The floor of the JWT group: `jsonwebtoken::decode` and an `if` in the handler.
#[get("/")]
async fn hand_written_jwt(request: HttpRequest) -> actix_web::Result<&'static str> {
    let verifier = request
        .app_data::<HandVerifier>()
        .ok_or_else(|| error::ErrorInternalServerError("no HandVerifier registered"))?;
    let claims = verifier.claims(&request)?;
    if !claims.roles.iter().any(|role| role == ROLE) {
        return Err(error::ErrorForbidden("forbidden"));
    }
    Ok("ok")
}

/// A contestant: its name, and a function that serves it `n` requests and returns the time
/// they took.
type Contestant<'a> = (&'static str, Box<dyn Fn(u64) -> Duration + 'a>);

/// Builds a contestant serving `GET /` (with `Authorization: <authorization>` when given) from
/// the app, after checking that it answers 200 `ok`: a contestant that refused would look fast.
macro_rules! contestant {
    ($system:expr, $name:expr, $authorization:expr, $app:expr) => {{
        let system: &SystemRunner = $system;
        let authorization: Option<String> = $authorization;
        let request = move || {
            let request = test::TestRequest::get().uri("/");
            match &authorization {
                Some(value) => request.insert_header((AUTHORIZATION, value.as_str())),
                None => request,
            }
            .to_request()
        };
        let app = system.block_on(test::init_service($app));
        system.block_on(async {
            let response = test::call_service(&app, request()).await;
            assert_eq!(response.status(), 200, "{} refused the request", $name);
            assert_eq!(test::read_body(response).await, "ok");
        });
        let run = move |requests: u64| {
            system.block_on(async {
                let start = Instant::now();
                for _ in 0..requests {
                    let response = test::call_service(&app, request()).await;
                    assert!(response.status().is_success());
                    black_box(response);
                }
                start.elapsed()
            })
        };
        let contestant: Contestant<'_> = ($name, Box::new(run));
        contestant
    }};
}

fn static_identity(system: &SystemRunner) -> Vec<Contestant<'_>> {
    let source = StaticAuthenticator::new(principal());
    let authz = AuthzConfig::new("bench").authenticator(source.clone());
    let grants = || GrantsMiddleware::with_extractor(static_authorities);
    vec![
        contestant!(
            system,
            "a_unprotected",
            None,
            App::new().service(unprotected)
        ),
        contestant!(
            system,
            "b_authenticated",
            None,
            App::new()
                .app_data(authz.clone())
                .service(authenticated_only)
        ),
        contestant!(
            system,
            "c_requires_role",
            None,
            App::new().app_data(authz.clone()).service(requires_role)
        ),
        contestant!(
            system,
            "d_requires_any_of_5",
            None,
            App::new()
                .app_data(authz.clone())
                .service(requires_any_of_5)
        ),
        contestant!(
            system,
            "e_requires_hierarchy_role",
            None,
            App::new()
                .app_data(authz.clone())
                .service(requires_hierarchy_role)
        ),
        contestant!(
            system,
            "f_hand_written",
            None,
            App::new()
                .app_data(source.clone())
                .service(hand_written_static)
        ),
        contestant!(
            system,
            "g_grants_protect",
            None,
            App::new().wrap(grants()).service(grants_role)
        ),
        contestant!(
            system,
            "g_grants_any_of_5",
            None,
            App::new().wrap(grants()).service(grants_any_of_5)
        ),
    ]
}

fn jwt_hs256(system: &SystemRunner) -> Vec<Contestant<'_>> {
    let bearer = Some(format!(
        "Bearer {}",
        sign_hs256(SECRET, &Claims::admin(3600))
    ));
    let verifier = HandVerifier::hs256(SECRET);
    vec![
        contestant!(
            system,
            "unprotected",
            bearer.clone(),
            App::new().service(unprotected)
        ),
        contestant!(
            system,
            "authz_requires_role",
            bearer.clone(),
            App::new()
                .app_data(AuthzConfig::new("bench").authenticator(JwtAuthenticator::hs256(SECRET)))
                .service(requires_role)
        ),
        contestant!(
            system,
            "hand_written",
            bearer.clone(),
            App::new()
                .app_data(verifier.clone())
                .service(hand_written_jwt)
        ),
        contestant!(
            system,
            "grants_protect",
            bearer.clone(),
            App::new()
                .app_data(verifier.clone())
                .wrap(GrantsMiddleware::with_extractor(jwt_authorities))
                .service(grants_role)
        ),
    ]
}

fn jwt_rs256(system: &SystemRunner) -> Vec<Contestant<'_>> {
    let claims = Claims::admin(3600);
    let hs256 = Some(format!("Bearer {}", sign_hs256(SECRET, &claims)));
    let rs256 = Some(format!("Bearer {}", sign_rs256(&claims)));
    let config =
        |authenticator: JwtAuthenticator| AuthzConfig::new("bench").authenticator(authenticator);
    vec![
        contestant!(
            system,
            "hs256",
            hs256,
            App::new()
                .app_data(config(JwtAuthenticator::hs256(SECRET)))
                .service(requires_role)
        ),
        contestant!(
            system,
            "rs256_cache",
            rs256.clone(),
            App::new()
                .app_data(config(rs256_authenticator().cache(1024)))
                .service(requires_role)
        ),
        contestant!(
            system,
            "rs256_no_cache",
            rs256,
            App::new()
                .app_data(config(rs256_authenticator()))
                .service(requires_role)
        ),
    ]
}

fn criterion_group(criterion: &mut Criterion, group: &str, contestants: &[Contestant<'_>]) {
    let mut group = criterion.benchmark_group(group);
    group
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(60);
    for (name, run) in contestants {
        group.bench_function(*name, |bencher| bencher.iter_custom(run));
    }
    group.finish();
}

/// How long one contestant's batch runs in a round.
const BATCH_TIME: Duration = Duration::from_millis(25);

/// Nanoseconds per request of every contestant in every round: `[contestant][round]`.
fn interleaved(contestants: &[Contestant<'_>], rounds: usize) -> Vec<Vec<f64>> {
    // Each contestant's batch is sized to take about `BATCH_TIME`, from a first timed batch
    // that also warms it up.
    let batches: Vec<u64> = contestants
        .iter()
        .map(|(_, run)| {
            let probe = 200;
            let elapsed = run(probe).max(Duration::from_nanos(1));
            let per_request = elapsed.as_secs_f64() / probe as f64;
            ((BATCH_TIME.as_secs_f64() / per_request) as u64).max(10)
        })
        .collect();
    let mut times = vec![Vec::with_capacity(rounds); contestants.len()];
    for round in 0..rounds {
        // Rotate the order, so that no contestant always runs first.
        for offset in 0..contestants.len() {
            let index = (offset + round) % contestants.len();
            let elapsed = (contestants[index].1)(batches[index]);
            times[index].push(elapsed.as_nanos() as f64 / batches[index] as f64);
        }
    }
    times
}

fn quantile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let position = q * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

/// The per-round ratios of contestant `a` to contestant `b`: median, first and third quartile.
fn ratio(times: &[Vec<f64>], a: usize, b: usize) -> (f64, f64, f64) {
    let ratios: Vec<f64> = times[a].iter().zip(&times[b]).map(|(a, b)| a / b).collect();
    (
        quantile(&ratios, 0.5),
        quantile(&ratios, 0.25),
        quantile(&ratios, 0.75),
    )
}

/// One group's results: the cost per request of each contestant in each round (ns of
/// interleaved rounds, or one count of instructions), its ratio to a baseline, and the
/// comparisons `(a, b, label, target)`.
struct Report<'a> {
    group: &'a str,
    names: Vec<&'static str>,
    times: Vec<Vec<f64>>,
    unit: Unit,
}

#[derive(Clone, Copy)]
enum Unit {
    Nanoseconds,
    /// Instructions, counted: one figure per contestant, next to free of noise.
    Instructions,
}

impl Report<'_> {
    fn index(&self, name: &str) -> usize {
        self.names
            .iter()
            .position(|n| *n == name)
            .unwrap_or_else(|| panic!("no contestant {name}"))
    }

    fn table(&self, baseline: &str) {
        let base = self.index(baseline);
        let (heading, unit) = match self.unit {
            Unit::Nanoseconds => (
                format!(
                    "{} interleaved rounds; median ns per request, and the median [quartiles] of the per-round ratios",
                    self.times[0].len()
                ),
                "median ns",
            ),
            Unit::Instructions => (
                "instructions per request (callgrind), and the ratio".to_owned(),
                "instructions",
            ),
        };
        println!("\n{}: {heading} to `{baseline}`\n", self.group);
        println!("| contestant | {unit} | ÷ {baseline} |");
        println!("| --- | ---: | ---: |");
        for (index, name) in self.names.iter().enumerate() {
            println!(
                "| {name} | {:.0} | {} |",
                quantile(&self.times[index], 0.5),
                self.ratio_text(index, base)
            );
        }
    }

    /// Prints the ratio `a ÷ b` with its quartiles and, for a target, whether it is met:
    /// `Target::AtMost(x)` on the median, `Target::WithinNoise` when the quartiles hold 1.0;
    /// a count has next to no noise, so there it means at most as many instructions.
    fn compare(&self, a: &str, b: &str, label: &str, target: Target) {
        let (a, b) = (self.index(a), self.index(b));
        let (median, low, high) = ratio(&self.times, a, b);
        let target = match (target, self.unit) {
            (Target::WithinNoise, Unit::Instructions) => Target::AtMost(1.0),
            (target, _) => target,
        };
        let verdict = match target {
            Target::None => String::new(),
            Target::AtMost(limit) => format!(
                "≤ {limit}: {}",
                if median <= limit { "met" } else { "MISSED" }
            ),
            Target::Below(limit) => format!(
                "< {limit}: {}",
                if median < limit { "met" } else { "MISSED" }
            ),
            Target::WithinNoise => format!(
                "quartiles hold 1.0: {}",
                if low <= 1.0 && 1.0 <= high {
                    "met"
                } else {
                    "MISSED"
                }
            ),
        };
        println!("| {label} | {} | {verdict} |", self.ratio_text(a, b));
    }

    /// `a ÷ b`: the median and quartiles of the per-round ratios, or the one ratio of counts.
    fn ratio_text(&self, a: usize, b: usize) -> String {
        let (median, low, high) = ratio(&self.times, a, b);
        match self.unit {
            Unit::Nanoseconds => format!("{median:.3} [{low:.3}..{high:.3}]"),
            Unit::Instructions => format!("{median:.3}"),
        }
    }
}

#[derive(Clone, Copy)]
enum Target {
    None,
    AtMost(f64),
    Below(f64),
    WithinNoise,
}

fn measure<'a>(group: &'a str, contestants: &[Contestant<'_>], rounds: usize) -> Report<'a> {
    Report {
        group,
        names: contestants.iter().map(|(name, _)| *name).collect(),
        times: interleaved(contestants, rounds),
        unit: Unit::Nanoseconds,
    }
}

/// The group's counts of instructions per request, from `counts` (lines `group/name count`).
fn counted<'a>(group: &'a str, contestants: &[Contestant<'_>], counts: &str) -> Report<'a> {
    let count = |name: &str| -> f64 {
        let key = format!("{group}/{name}");
        counts
            .lines()
            .find_map(|line| {
                let (contestant, count) = line.split_once(' ')?;
                (contestant == key).then(|| count.trim().parse().ok())?
            })
            .unwrap_or_else(|| panic!("no instruction count for {key}"))
    };
    Report {
        group,
        names: contestants.iter().map(|(name, _)| *name).collect(),
        times: contestants
            .iter()
            .map(|(name, _)| vec![count(name)])
            .collect(),
        unit: Unit::Instructions,
    }
}

fn main() {
    let only = std::env::var("BENCH_ONLY").unwrap_or_default();
    let rounds = std::env::var("BENCH_ROUNDS")
        .ok()
        .and_then(|rounds| rounds.parse().ok())
        .filter(|&rounds| rounds >= 3)
        .unwrap_or(40);
    let system = actix_web::rt::System::new();
    let groups = [
        ("authorization", static_identity(&system)),
        ("jwt_hs256", jwt_hs256(&system)),
        ("jwt_rs256", jwt_rs256(&system)),
    ];

    match only.as_str() {
        "list" => {
            for (group, contestants) in &groups {
                for (name, _) in contestants {
                    println!("{group}/{name}");
                }
            }
            return;
        }
        "count" => {
            let wanted = std::env::var("BENCH_CONTESTANT").expect("BENCH_CONTESTANT=group/name");
            let requests = std::env::var("BENCH_REQUESTS")
                .ok()
                .and_then(|requests| requests.parse().ok())
                .expect("BENCH_REQUESTS=n");
            let (_, run) = groups
                .iter()
                .flat_map(|(group, contestants)| {
                    contestants
                        .iter()
                        .map(move |contestant| (group, contestant))
                })
                .find(|(group, (name, _))| format!("{group}/{name}") == wanted)
                .map(|(_, contestant)| contestant)
                .unwrap_or_else(|| panic!("no contestant {wanted}"));
            black_box(run(requests));
            return;
        }
        "instructions" => {
            let path = std::env::var("BENCH_INSTRUCTIONS").expect("BENCH_INSTRUCTIONS=file");
            let counts = std::fs::read_to_string(&path).expect("the instruction counts");
            let reports = groups.map(|(name, contestants)| counted(name, &contestants, &counts));
            print_reports(reports);
            return;
        }
        _ => {}
    }

    if only != "interleaved" {
        let mut criterion = Criterion::default().configure_from_args();
        for (name, contestants) in &groups {
            criterion_group(&mut criterion, name, contestants);
        }
        criterion.final_summary();
    }
    if only == "criterion" {
        return;
    }

    print_reports(groups.map(|(name, contestants)| measure(name, &contestants, rounds)));
}

/// The tables of the three groups, then the comparisons and their targets.
fn print_reports([authorization, hs256, rs256]: [Report<'_>; 3]) {
    authorization.table("a_unprotected");
    hs256.table("hand_written");
    rs256.table("hs256");

    match authorization.unit {
        Unit::Nanoseconds => println!(
            "\ncomparisons: median [quartiles] of the per-round ratios of time per request (lower is faster)\n"
        ),
        Unit::Instructions => {
            println!("\ncomparisons: ratios of instructions per request (lower is cheaper)\n")
        }
    }
    println!("| comparison | ratio | target |");
    println!("| --- | ---: | --- |");
    let a = &authorization;
    a.compare(
        "c_requires_role",
        "a_unprotected",
        "`#[requires(role)]` ÷ unprotected",
        Target::AtMost(1.03),
    );
    a.compare(
        "c_requires_role",
        "f_hand_written",
        "`#[requires(role)]` ÷ hand-written check",
        Target::WithinNoise,
    );
    a.compare(
        "c_requires_role",
        "g_grants_protect",
        "`#[requires(role)]` ÷ actix-web-grants `#[protect]`",
        Target::Below(1.0),
    );
    a.compare(
        "c_requires_role",
        "b_authenticated",
        "`#[requires(role)]` ÷ `#[authenticated]` (the decision)",
        Target::None,
    );
    a.compare(
        "e_requires_hierarchy_role",
        "c_requires_role",
        "3-level hierarchy role ÷ `#[requires(role)]`",
        Target::None,
    );
    a.compare(
        "e_requires_hierarchy_role",
        "a_unprotected",
        "3-level hierarchy role ÷ unprotected",
        Target::AtMost(1.03),
    );
    a.compare(
        "d_requires_any_of_5",
        "g_grants_any_of_5",
        "`any(` 5 roles `)` ÷ actix-web-grants `any(` 5 roles `)`",
        Target::Below(1.0),
    );
    a.compare(
        "f_hand_written",
        "a_unprotected",
        "hand-written check ÷ unprotected",
        Target::None,
    );
    hs256.compare(
        "authz_requires_role",
        "hand_written",
        "HS256: actix-authz ÷ hand-written decode",
        Target::WithinNoise,
    );
    hs256.compare(
        "authz_requires_role",
        "grants_protect",
        "HS256: actix-authz ÷ actix-web-grants",
        Target::Below(1.0),
    );
    rs256.compare(
        "rs256_cache",
        "hs256",
        "RS256 with cache ÷ HS256",
        Target::None,
    );
    rs256.compare(
        "rs256_no_cache",
        "hs256",
        "RS256 without cache ÷ HS256",
        Target::None,
    );
}
