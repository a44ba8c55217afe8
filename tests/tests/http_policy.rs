//! Issue-3 policy forms over real apps: typed vocabularies with a hierarchy, argument-aware and
//! async checks, loaders, hidden 404s, custom denial responses and `#[public]`.

use std::sync::atomic::{AtomicUsize, Ordering};

use actix_authz::{
    AuthzConfig, BackendUnavailable, BasicAuthenticator, Caller, Denial, Identity, Principal,
    authenticated, public, requires, vocabulary,
};
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{App, HttpResponse, get, post, test, web};
use authz_tests::Reply;
use base64::Engine as _;

#[vocabulary]
mod authz {
    #[roles]
    pub(crate) enum Role {
        #[implies(Editor, Auditor)]
        Admin,
        #[implies(Viewer)]
        #[grants(PostsDelete)]
        Editor,
        Viewer,
        Auditor,
    }

    #[permissions]
    pub(crate) enum Permission {
        #[name = "posts:delete"]
        PostsDelete,
        #[name = "reports:read"]
        ReportsRead,
    }
}
use authz::{Permission, Role};

/// Users of the test apps: id, roles, permissions.
const USERS: &[(&str, &[&str], &[&str])] = &[
    ("alice", &["admin"], &[]),
    ("bob", &["editor"], &[]),
    ("vera", &["viewer"], &[]),
    ("rita", &[], &["reports:read"]),
    ("eve", &[], &[]),
];

fn config() -> AuthzConfig {
    AuthzConfig::new("policy").authenticator(BasicAuthenticator::new(|credentials| async move {
        if credentials.password() == "down" {
            return Err(BackendUnavailable);
        }
        Ok(USERS
            .iter()
            .find(|(id, ..)| *id == credentials.user_id() && credentials.password() == "pw")
            .map(|(id, roles, permissions)| {
                Principal::new(*id)
                    .with_roles(roles.iter().copied())
                    .with_permissions(permissions.iter().copied())
            }))
    }))
}

fn as_user(request: test::TestRequest, user: &str) -> test::TestRequest {
    let credentials = base64::engine::general_purpose::STANDARD.encode(format!("{user}:pw"));
    request.insert_header((header::AUTHORIZATION, format!("Basic {credentials}")))
}

#[get("/viewer")]
#[requires(role = Role::Viewer)]
async fn viewer() -> &'static str {
    "viewer"
}

#[get("/delete-right")]
#[requires(permission = Permission::PostsDelete)]
async fn delete_right() -> &'static str {
    "delete"
}

#[get("/reports")]
#[requires(any(role = Role::Auditor, permission = Permission::ReportsRead))]
async fn reports() -> &'static str {
    "reports"
}

/// A post: id and author.
#[derive(Debug, Clone)]
struct Post {
    id: u32,
    author: &'static str,
}

const POSTS: &[(u32, &str)] = &[(1, "alice"), (2, "bob")];

/// How often the loader and the handler of `/posts/{id}` ran, per app.
#[derive(Debug, Default)]
struct Counters {
    loads: AtomicUsize,
    handled: AtomicUsize,
}

impl Counters {
    fn get(&self) -> (usize, usize) {
        (
            self.loads.load(Ordering::SeqCst),
            self.handled.load(Ordering::SeqCst),
        )
    }
}

async fn find_post(
    id: &web::Path<u32>,
    counters: &web::Data<Counters>,
) -> Result<Option<Post>, std::io::Error> {
    counters.loads.fetch_add(1, Ordering::SeqCst);
    if **id == 99 {
        return Err(std::io::Error::other("post store down"));
    }
    Ok(POSTS
        .iter()
        .find(|(post, _)| *post == **id)
        .map(|&(id, author)| Post { id, author }))
}

fn may_read(identity: &dyn Identity, post: &Post) -> bool {
    identity.subject() == post.author || identity.has_role("admin")
}

#[get("/posts/{id}")]
#[requires(load(post = find_post(id, counters).await), check = may_read(identity, post), hide)]
async fn read_post(id: web::Path<u32>, counters: web::Data<Counters>, post: Post) -> String {
    counters.handled.fetch_add(1, Ordering::SeqCst);
    assert_eq!(*id, post.id);
    format!("post {} by {}", post.id, post.author)
}

async fn same_user(caller: &Caller, name: &web::Path<String>) -> bool {
    caller.subject() == name.as_str()
}

#[post("/users/{name}/profile")]
#[authenticated(check = same_user(caller, name).await)]
async fn update_profile(name: web::Path<String>, caller: Caller, body: String) -> String {
    format!("{} updated {}: {body}", caller.subject(), name)
}

fn teapot(denial: &Denial<'_>) -> HttpResponse {
    HttpResponse::build(denial.kind().status()).body(format!(
        "{:?}: unmet {}; check {}",
        denial.kind(),
        denial.unmet().map_or("-".to_owned(), ToString::to_string),
        denial.check().unwrap_or("-"),
    ))
}

#[get("/custom")]
#[requires(role = "admin", deny = teapot)]
async fn custom() -> &'static str {
    "custom"
}

#[public]
#[get("/open")]
async fn open() -> &'static str {
    "open"
}

fn app(
    config: AuthzConfig,
    counters: web::Data<Counters>,
) -> App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    App::new()
        .app_data(config)
        .app_data(counters)
        .service(viewer)
        .service(delete_right)
        .service(reports)
        .service(read_post)
        .service(update_profile)
        .service(custom)
        .service(open)
}

const PROBLEM_403: &str = r#"{"type":"about:blank","title":"Forbidden","status":403,"detail":"The authenticated identity may not access this resource."}"#;
const BASIC: &str = r#"Basic realm="policy", charset="UTF-8""#;

/// Every header line, sorted, for comparing whole header sets.
fn headers(reply: &Reply) -> Vec<(String, Vec<u8>)> {
    let mut lines: Vec<_> = reply
        .headers
        .iter()
        .map(|(name, value)| (name.to_string(), value.as_bytes().to_vec()))
        .collect();
    lines.sort();
    lines
}

fn assert_forbidden(reply: &Reply, context: &str) {
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "{context}: {:?}",
        reply.body
    );
    assert_eq!(reply.challenges(), Vec::<String>::new(), "{context}");
    assert_eq!(
        reply.headers.get(header::CACHE_CONTROL).unwrap(),
        "no-store",
        "{context}"
    );
    assert_eq!(reply.body, PROBLEM_403.as_bytes(), "{context}");
}

fn assert_granted(reply: &Reply, body: &str, context: &str) {
    assert_eq!(reply.status, StatusCode::OK, "{context}: {:?}", reply.body);
    assert_eq!(reply.body, body.as_bytes(), "{context}");
    assert_eq!(reply.challenges(), Vec::<String>::new(), "{context}");
    assert!(
        reply.headers.get(header::CACHE_CONTROL).is_none(),
        "{context}"
    );
}

/// The hierarchy is expanded at compile time: admin > editor > viewer, admin > auditor, and
/// editor grants `posts:delete`.
#[actix_web::test]
async fn typed_roles_follow_the_hierarchy() {
    let counters = web::Data::new(Counters::default());
    let app = test::init_service(app(config(), counters.clone())).await;
    for (user, path, granted) in [
        ("alice", "/viewer", true),
        ("bob", "/viewer", true),
        ("vera", "/viewer", true),
        ("rita", "/viewer", false),
        ("eve", "/viewer", false),
        ("alice", "/delete-right", true),
        ("bob", "/delete-right", true),
        ("vera", "/delete-right", false),
        ("rita", "/delete-right", false),
        ("alice", "/reports", true),
        ("rita", "/reports", true),
        ("bob", "/reports", false),
        ("vera", "/reports", false),
    ] {
        let context = format!("{user} GET {path}");
        let reply = Reply::of(&app, as_user(test::TestRequest::get().uri(path), user)).await;
        if granted {
            assert_granted(&reply, &path[1..].replace("-right", ""), &context);
        } else {
            assert_forbidden(&reply, &context);
        }
    }
    assert_eq!(Role::Admin.name(), "admin");
    assert_eq!(Role::Auditor.to_string(), "auditor");
    assert_eq!(Permission::PostsDelete.name(), "posts:delete");
    assert_eq!(Role::ALL.len(), 4);
}

/// The loader reads the post once, the check sees it by reference, the handler receives it;
/// a denied reader and an unknown post get the same 404, and the handler does not run.
#[actix_web::test]
async fn loaded_resource_checked_and_hidden() {
    let counters = web::Data::new(Counters::default());
    let app = test::init_service(app(config(), counters.clone())).await;

    let before = counters.get();
    let reply = Reply::of(
        &app,
        as_user(test::TestRequest::get().uri("/posts/2"), "bob"),
    )
    .await;
    assert_granted(&reply, "post 2 by bob", "bob reads his post");
    assert_eq!(
        counters.get(),
        (before.0 + 1, before.1 + 1),
        "one load, one handler run"
    );

    let reply = Reply::of(
        &app,
        as_user(test::TestRequest::get().uri("/posts/1"), "alice"),
    )
    .await;
    assert_granted(&reply, "post 1 by alice", "alice reads her post");
    let reply = Reply::of(
        &app,
        as_user(test::TestRequest::get().uri("/posts/2"), "alice"),
    )
    .await;
    assert_granted(&reply, "post 2 by bob", "the admin reads any post");

    let before = counters.get();
    let hidden = Reply::of(
        &app,
        as_user(test::TestRequest::get().uri("/posts/1"), "bob"),
    )
    .await;
    let unknown = Reply::of(
        &app,
        as_user(test::TestRequest::get().uri("/posts/7"), "bob"),
    )
    .await;
    assert_eq!(
        counters.get(),
        (before.0 + 2, before.1),
        "loaded twice, never handled"
    );
    for (reply, context) in [
        (&hidden, "bob reads alice's post"),
        (&unknown, "unknown post"),
    ] {
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{context}");
        assert!(reply.body.is_empty(), "{context}: {:?}", reply.body);
        assert_eq!(
            reply.headers.get(header::CACHE_CONTROL).unwrap(),
            "no-store",
            "{context}"
        );
        assert_eq!(reply.challenges(), Vec::<String>::new(), "{context}");
    }
    assert_eq!(
        headers(&hidden),
        headers(&unknown),
        "hidden and real 404 headers"
    );
    assert_eq!(hidden.body, unknown.body, "hidden and real 404 bodies");

    // Anonymous callers are still told to authenticate, before anything is loaded.
    let before = counters.get();
    let anonymous = Reply::of(&app, test::TestRequest::get().uri("/posts/1")).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.challenges(), [BASIC]);
    assert_eq!(
        counters.get(),
        before,
        "nothing loaded for an anonymous caller"
    );

    // A loader that fails refuses with 503: never the handler, never a 2xx.
    let before = counters.get();
    let failed = Reply::of(
        &app,
        as_user(test::TestRequest::get().uri("/posts/99"), "alice"),
    )
    .await;
    assert_eq!(
        failed.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{:?}",
        failed.body
    );
    assert_eq!(
        failed.headers.get(header::CACHE_CONTROL).unwrap(),
        "no-store"
    );
    let problem: serde_json::Value = serde_json::from_slice(&failed.body).unwrap();
    assert_eq!(problem["status"], 503);
    assert!(!String::from_utf8_lossy(&failed.body).contains("post store down"));
    assert_eq!(counters.get(), (before.0 + 1, before.1));
}

/// The routing 404 of the app and the hidden 404 differ only by `Cache-Control: no-store`.
#[actix_web::test]
async fn hidden_404_is_the_apps_404() {
    let counters = web::Data::new(Counters::default());
    let app = test::init_service(app(config(), counters.clone())).await;
    let hidden = Reply::of(
        &app,
        as_user(test::TestRequest::get().uri("/posts/1"), "bob"),
    )
    .await;
    let routing = Reply::of(&app, test::TestRequest::get().uri("/no/such/route")).await;
    assert_eq!(routing.status, StatusCode::NOT_FOUND);
    assert_eq!(hidden.status, routing.status);
    assert_eq!(hidden.body, routing.body);
    let mut hidden_headers = hidden.headers.clone();
    let removed: Vec<_> = hidden_headers.remove(header::CACHE_CONTROL).collect();
    assert_eq!(removed, ["no-store"]);
    let hidden = Reply {
        headers: hidden_headers,
        ..hidden
    };
    assert_eq!(headers(&hidden), headers(&routing));
}

/// A check reads the handler's own arguments by reference, and may be async; the handler still
/// receives them, body included.
#[actix_web::test]
async fn argument_aware_async_check() {
    let counters = web::Data::new(Counters::default());
    let app = test::init_service(app(config(), counters.clone())).await;
    let own =
        as_user(test::TestRequest::post().uri("/users/eve/profile"), "eve").set_payload("new bio");
    let reply = Reply::of(&app, own).await;
    assert_granted(
        &reply,
        "eve updated eve: new bio",
        "eve updates her profile",
    );

    let other =
        as_user(test::TestRequest::post().uri("/users/bob/profile"), "eve").set_payload("hijack");
    let reply = Reply::of(&app, other).await;
    assert_forbidden(&reply, "eve updates bob's profile");
}

/// A handler's own responder answers its denials, a global one the others; both keep
/// `no-store`, and a 401 keeps its challenge.
#[actix_web::test]
async fn custom_denials() {
    let counters = web::Data::new(Counters::default());
    let plain = test::init_service(app(config(), counters.clone())).await;
    let reply = Reply::of(
        &plain,
        as_user(test::TestRequest::get().uri("/custom"), "bob"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.body,
        r#"Forbidden: unmet role = "admin"; check -"#.as_bytes()
    );
    assert_eq!(
        reply.headers.get(header::CACHE_CONTROL).unwrap(),
        "no-store"
    );

    fn global(denial: &Denial<'_>) -> HttpResponse {
        HttpResponse::build(denial.kind().status())
            .insert_header((header::CONTENT_TYPE, "text/plain"))
            .body(format!(
                "{:?} for {}: {}",
                denial.kind(),
                denial.subject().unwrap_or("anonymous"),
                denial
                    .check()
                    .map(str::to_owned)
                    .or_else(|| denial.unmet().map(ToString::to_string))
                    .unwrap_or_default()
            ))
    }
    let service = test::init_service(app(config().deny_with(global), web::Data::default())).await;
    let reply = Reply::of(
        &service,
        as_user(test::TestRequest::get().uri("/viewer"), "rita"),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(
        reply.body,
        r#"Forbidden for rita: role = "viewer""#.as_bytes()
    );
    assert_eq!(
        reply.headers.get(header::CACHE_CONTROL).unwrap(),
        "no-store"
    );

    let request = as_user(test::TestRequest::post().uri("/users/bob/profile"), "eve");
    let reply = Reply::of(&service, request).await;
    assert_eq!(
        reply.body,
        "Forbidden for eve: same_user(caller, name).await".as_bytes()
    );

    let reply = Reply::of(&service, test::TestRequest::get().uri("/viewer")).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.body, "MissingCredentials for anonymous: ".as_bytes());
    assert_eq!(
        reply.challenges(),
        [BASIC],
        "the responder set none: ours is added"
    );
    assert_eq!(
        reply.headers.get(header::CACHE_CONTROL).unwrap(),
        "no-store"
    );

    // The handler's own responder wins over the global one.
    let reply = Reply::of(
        &service,
        as_user(test::TestRequest::get().uri("/custom"), "bob"),
    )
    .await;
    assert_eq!(
        reply.body,
        r#"Forbidden: unmet role = "admin"; check -"#.as_bytes()
    );
}

/// A responder that answers a refusal with a success does not turn it into one: the refusal
/// keeps its status (and a 401 its challenge).
#[actix_web::test]
async fn responders_cannot_answer_a_refusal_as_a_success() {
    fn welcome(_: &Denial<'_>) -> HttpResponse {
        HttpResponse::Ok().body("welcome")
    }
    fn found() -> HttpResponse {
        HttpResponse::Ok().body("here it is")
    }
    let config = config().deny_with(welcome).not_found(found);
    let service = test::init_service(app(config, web::Data::default())).await;

    let forbidden = Reply::of(
        &service,
        as_user(test::TestRequest::get().uri("/viewer"), "rita"),
    )
    .await;
    assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
    assert_eq!(forbidden.body, "welcome");
    assert_eq!(
        forbidden.headers.get(header::CACHE_CONTROL).unwrap(),
        "no-store"
    );

    let anonymous = Reply::of(&service, test::TestRequest::get().uri("/viewer")).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    assert_eq!(anonymous.challenges(), [BASIC]);

    // A hidden denial, and a loader that finds nothing, answer with the not-found response.
    for (user, uri) in [("bob", "/posts/1"), ("bob", "/posts/7")] {
        let hidden = Reply::of(&service, as_user(test::TestRequest::get().uri(uri), user)).await;
        assert_eq!(hidden.status, StatusCode::NOT_FOUND, "{user} on {uri}");
        assert_eq!(hidden.body, "here it is", "{user} on {uri}");
    }
}

/// `#[public]` handlers answer everyone, and are registered as public.
#[actix_web::test]
async fn public_handler() {
    let counters = web::Data::new(Counters::default());
    let app = test::init_service(app(config(), counters.clone())).await;
    let reply = Reply::of(&app, test::TestRequest::get().uri("/open")).await;
    assert_granted(&reply, "open", "anonymous GET /open");
    let entry = actix_authz::registry::entries()
        .find(|entry| entry.handler() == "open" && entry.module() == module_path!())
        .expect("`open` is registered");
    assert_eq!(
        entry.protection(),
        actix_authz::registry::Protection::Public
    );
    let route = entry
        .route()
        .expect("written above #[get], the route is known");
    assert_eq!((route.methods(), route.path()), (&["GET"][..], "/open"));

    let protected = actix_authz::registry::entries()
        .find(|entry| entry.handler() == "read_post" && entry.module() == module_path!())
        .expect("`read_post` is registered");
    match protected.protection() {
        actix_authz::registry::Protection::Protected {
            requirement,
            hidden,
            checks,
            shadow,
        } => {
            assert_eq!(requirement.to_string(), "authenticated");
            assert!(hidden);
            assert_eq!(checks, ["may_read(identity, post)"]);
            assert!(!shadow);
        }
        other => panic!("read_post is {other:?}"),
    }
    assert!(
        protected.route().is_none(),
        "written below #[get], the route is unknown"
    );
}

/// A backend that cannot decide is a 503 for checks too, never a grant.
#[actix_web::test]
async fn unavailable_backend_before_any_check() {
    let counters = web::Data::new(Counters::default());
    let app = test::init_service(app(config(), counters.clone())).await;
    let before = counters.get();
    let credentials = base64::engine::general_purpose::STANDARD.encode("bob:down");
    let request = test::TestRequest::get()
        .uri("/posts/2")
        .insert_header((header::AUTHORIZATION, format!("Basic {credentials}")));
    let reply = Reply::of(&app, request).await;
    assert_eq!(reply.status, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(counters.get(), before);
}
