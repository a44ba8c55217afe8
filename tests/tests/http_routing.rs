//! Routing past the first resource that matches a path: `Require` and `DefaultDeny` decide by
//! what a request reaches in the end, through method guards, resources without attributes,
//! guarded scopes and scopes' default services.
//!
//! In a test binary of its own: these refusals log from the same places as the logs that
//! `http_scope` captures, and tracing caches a place's interest when another thread, without
//! a subscriber, reaches it first.

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_authz::{DefaultDeny, Require, Requirement, authenticated, public};
use actix_web::test::{self, TestRequest};
use actix_web::{App, get, post, web};
use authz_tests::{Body, Reply, SECRET, assert_default_denied, ok, unauthorized};

const EDITOR: Requirement = Requirement::Role("editor");

static UNDECIDED_RUNS: AtomicUsize = AtomicUsize::new(0);

/// A handler without attributes, that counts its runs.
async fn undecided() -> &'static str {
    UNDECIDED_RUNS.fetch_add(1, Ordering::SeqCst);
    "nobody decided"
}

#[public]
#[get("/items")]
async fn list_items() -> &'static str {
    "items"
}

#[public]
#[post("/items")]
async fn ping_items() -> &'static str {
    "pinged"
}

#[authenticated]
#[get("/mine")]
async fn v2_mine() -> &'static str {
    "v2 mine"
}

#[public]
#[get("/status")]
async fn v2_status() -> &'static str {
    "v2 status"
}

#[get("/forgotten")]
async fn vhost_forgotten() -> &'static str {
    UNDECIDED_RUNS.fetch_add(1, Ordering::SeqCst);
    "nobody decided"
}

fn version_two() -> impl actix_web::guard::Guard {
    actix_web::guard::Header("x-version", "2")
}

/// A request that a public handler's method guard turns away goes on to the next resource
/// matching the path, in routing order: one without attributes before the next public handler
/// takes it, and neither `Require` nor `DefaultDeny` may take the later one for the target.
#[actix_web::test]
async fn a_resource_between_two_handlers_is_what_routing_reaches() {
    let runs = UNDECIDED_RUNS.load(Ordering::SeqCst);
    let required = test::init_service(
        App::new().app_data(demo::authz(SECRET)).service(
            web::scope("/staff")
                .wrap(Require::new(&EDITOR))
                .service(list_items)
                .service(web::resource("/{name}").to(undecided))
                .service(ping_items),
        ),
    )
    .await;
    Reply::of(&required, TestRequest::post().uri("/staff/items"))
        .await
        .assert(&unauthorized(), &[], &"anonymous POST under Require");
    Reply::of(&required, TestRequest::get().uri("/staff/items"))
        .await
        .assert(
            &ok(Body::Text("items")),
            &[],
            &"anonymous GET under Require",
        );
    let denied = test::init_service(
        App::new()
            .app_data(demo::authz(SECRET))
            .wrap(DefaultDeny::new())
            .service(list_items)
            .service(web::resource("/{name}").to(undecided))
            .service(ping_items),
    )
    .await;
    let reply = Reply::of(&denied, TestRequest::post().uri("/items")).await;
    assert_default_denied(&reply, "anonymous POST under DefaultDeny");
    Reply::of(&denied, TestRequest::get().uri("/items"))
        .await
        .assert(
            &ok(Body::Text("items")),
            &[],
            &"anonymous GET under DefaultDeny",
        );
    assert_eq!(UNDECIDED_RUNS.load(Ordering::SeqCst), runs);
}

/// A scope's guard cannot be seen: a request it turns away goes on to the resources and scopes
/// after it. A guarded scope that matches every path (a virtual host) or the same prefix as a
/// later scope must not hide them from `DefaultDeny`, nor lend a `#[public]` exemption to them.
#[actix_web::test]
async fn a_guarded_scope_hides_nothing_after_it() {
    let runs = UNDECIDED_RUNS.load(Ordering::SeqCst);
    let virtual_host = test::init_service(
        App::new()
            .app_data(demo::authz(SECRET))
            .wrap(DefaultDeny::new())
            .service(
                web::scope("")
                    .guard(actix_web::guard::Host("admin.example"))
                    .service(v2_mine),
            )
            .service(vhost_forgotten)
            .route("/raw", web::get().to(undecided)),
    )
    .await;
    for uri in ["/forgotten", "/raw"] {
        let reply = Reply::of(&virtual_host, TestRequest::get().uri(uri)).await;
        assert_default_denied(&reply, &format!("GET {uri} past a virtual host"));
    }
    let versioned = test::init_service(
        App::new()
            .app_data(demo::authz(SECRET))
            .wrap(DefaultDeny::new())
            .service(web::scope("/api").guard(version_two()).service(v2_mine))
            .service(web::scope("/api").route("/export", web::get().to(undecided))),
    )
    .await;
    let reply = Reply::of(&versioned, TestRequest::get().uri("/api/export")).await;
    assert_default_denied(&reply, "GET /api/export past a guarded scope");
    let exempted = test::init_service(
        App::new()
            .app_data(demo::authz(SECRET))
            .wrap(Require::new(&EDITOR))
            .service(web::scope("/api").guard(version_two()).service(v2_status))
            .service(web::scope("/api").route("/status", web::get().to(undecided))),
    )
    .await;
    Reply::of(&exempted, TestRequest::get().uri("/api/status"))
        .await
        .assert(
            &unauthorized(),
            &[],
            &"anonymous past a guarded public handler",
        );
    assert_eq!(UNDECIDED_RUNS.load(Ordering::SeqCst), runs);
}

/// A scope's default service takes what no resource in the scope takes, and cannot be seen:
/// `DefaultDeny` refuses such paths rather than let an undecided service answer.
#[actix_web::test]
async fn default_deny_refuses_what_a_scope_may_give_its_default_service() {
    let runs = UNDECIDED_RUNS.load(Ordering::SeqCst);
    let app = test::init_service(
        App::new()
            .app_data(demo::authz(SECRET))
            .wrap(DefaultDeny::new())
            .service(
                web::scope("/api")
                    .service(v2_mine)
                    .default_service(web::to(undecided)),
            ),
    )
    .await;
    let reply = Reply::of(&app, TestRequest::get().uri("/api/anything")).await;
    assert_default_denied(&reply, "GET /api/anything");
    Reply::of(&app, TestRequest::get().uri("/api/mine"))
        .await
        .assert(&unauthorized(), &[], &"anonymous GET /api/mine");
    assert_eq!(UNDECIDED_RUNS.load(Ordering::SeqCst), runs);
}
