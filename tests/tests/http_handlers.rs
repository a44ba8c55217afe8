//! A refused request never reaches the handler: no side effect, and no other extractor runs
//! first (none can fail with its own 400/404, none reads the body).

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_authz::requires;
use actix_web::dev::Payload;
use actix_web::http::header::{self, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::test::{self, TestRequest};
use actix_web::web::{self, Bytes};
use actix_web::{App, FromRequest, HttpRequest, post};
use authz_tests::{
    Body, DemoRoute, Expect, Reply, Who, demo_app, demo_expectations, header_lines,
    insufficient_scope, ok, unauthorized,
};
use demo::State;
use serde_json::json;

/// The expectation of the behaviour table for `who` on `route` (a refusal, in these tests).
fn refusal(route: DemoRoute, who: Who) -> Expect {
    let expect = demo_expectations()
        .remove(&(route, who))
        .unwrap_or_else(|| panic!("no row for {who:?} on {route:?}"));
    assert!(
        matches!(expect, Expect::Refused(..)),
        "{who:?} on {route:?} is granted"
    );
    expect
}

/// The identities the table refuses on `route`.
fn refused_on(route: DemoRoute) -> Vec<Who> {
    demo_expectations()
        .into_iter()
        .filter(|((r, _), expect)| *r == route && matches!(expect, Expect::Refused(..)))
        .map(|((_, who), _)| who)
        .collect()
}

#[actix_web::test]
async fn refused_increments_leave_the_counter_alone() {
    let state = web::Data::new(State::default());
    let app = test::init_service(demo_app(state.clone())).await;
    let refused = refused_on(DemoRoute::Increment);
    assert!(refused.contains(&Who::Anonymous) && refused.contains(&Who::Bob));
    for who in refused {
        let (request, secrets) = who.sign(TestRequest::post().uri("/counter"));
        let reply = Reply::of(&app, request).await;
        reply.assert(
            &refusal(DemoRoute::Increment, who),
            &secrets,
            &format!("{who:?}"),
        );
        assert_eq!(state.count(), 0, "the handler ran for {who:?}");
        let counter = Reply::of(&app, TestRequest::get().uri("/counter")).await;
        counter.assert(&ok(Body::Json(json!({ "count": 0 }))), &[], &"GET /counter");
    }
    for (who, count) in [(Who::Alice, 1), (Who::AdminToken, 2)] {
        let (request, secrets) = who.sign(TestRequest::post().uri("/counter"));
        let reply = Reply::of(&app, request).await;
        reply.assert(
            &ok(Body::Json(json!({ "count": count }))),
            &secrets,
            &format!("{who:?}"),
        );
        assert_eq!(state.count(), count);
        let counter = Reply::of(&app, TestRequest::get().uri("/counter")).await;
        counter.assert(
            &ok(Body::Json(json!({ "count": count }))),
            &[],
            &"GET /counter",
        );
    }
}

#[actix_web::test]
async fn refused_article_creations_create_nothing() {
    let state = web::Data::new(State::default());
    let app = test::init_service(demo_app(state.clone())).await;
    let seed = json!({ "id": 1, "title": "Declarative authorization" });
    let list = || Who::ReaderToken.sign(TestRequest::get().uri("/articles"));
    let refused = refused_on(DemoRoute::CreateArticle);
    assert!(refused.contains(&Who::ReaderToken) && refused.contains(&Who::Alice));
    for who in refused {
        let (request, secrets) = who.sign(DemoRoute::CreateArticle.request());
        let reply = Reply::of(&app, request).await;
        reply.assert(
            &refusal(DemoRoute::CreateArticle, who),
            &secrets,
            &format!("{who:?}"),
        );
        assert_eq!(state.article_count(), 0, "the handler ran for {who:?}");
    }
    let (request, secrets) = list();
    Reply::of(&app, request)
        .await
        .assert(&ok(Body::Json(json!([seed]))), &secrets, &"listing");

    let (request, secrets) = Who::WriterToken.sign(DemoRoute::CreateArticle.request());
    let created = json!({ "id": 2, "title": "Hello" });
    Reply::of(&app, request).await.assert(
        &Expect::Handler(StatusCode::CREATED, Body::Json(created.clone())),
        &secrets,
        &"writer",
    );
    assert_eq!(state.article_count(), 1);
    let (request, secrets) = list();
    Reply::of(&app, request).await.assert(
        &ok(Body::Json(json!([seed, created]))),
        &secrets,
        &"listing",
    );
}

/// A response of an extractor that failed after the check passed: its own status, no challenge,
/// not a problem body of ours.
#[track_caller]
fn assert_extractor_failure(reply: &Reply, status: StatusCode, context: &str) {
    assert_eq!(reply.status, status, "{context}: {:?}", reply.body);
    assert_eq!(reply.challenges(), Vec::<String>::new(), "{context}");
    assert_ne!(
        reply.headers.get(header::CONTENT_TYPE),
        Some(&HeaderValue::from_static("application/problem+json")),
        "{context}"
    );
    assert!(
        !reply.body.is_empty(),
        "{context}: the extractor's error has a message"
    );
}

#[actix_web::test]
async fn bad_path_and_query_are_401_before_they_are_404_or_400() {
    let app = test::init_service(demo_app(web::Data::new(State::default()))).await;
    for uri in [
        "/items/abc",
        "/items/1?q=x",
        "/items/1",
        "/items/99999999999?q=1",
    ] {
        let reply = Reply::of(&app, TestRequest::get().uri(uri)).await;
        reply.assert(&unauthorized(), &[], &format!("anonymous GET {uri}"));
    }
    // The same requests from a caller who passes the check meet the extractors.
    for (uri, status) in [
        ("/items/abc", StatusCode::NOT_FOUND),
        ("/items/1?q=x", StatusCode::BAD_REQUEST),
        ("/items/1", StatusCode::BAD_REQUEST),
    ] {
        let (request, _) = Who::Carol.sign(TestRequest::get().uri(uri));
        let reply = Reply::of(&app, request).await;
        assert_extractor_failure(&reply, status, &format!("carol GET {uri}"));
    }
}

#[actix_web::test]
async fn bad_bodies_are_401_or_403_before_they_are_400() {
    let state = web::Data::new(State::default());
    let app = test::init_service(demo_app(state.clone())).await;
    let malformed = || {
        TestRequest::post()
            .uri("/articles")
            .insert_header((header::CONTENT_TYPE, "application/json"))
            .set_payload("{\"title\": ")
    };
    let wrong_type = || {
        TestRequest::post()
            .uri("/articles")
            .insert_header((header::CONTENT_TYPE, "text/plain"))
            .set_payload("{\"title\": \"t\"}")
    };
    for (name, request) in [("malformed JSON", malformed()), ("not JSON", wrong_type())] {
        let reply = Reply::of(&app, request).await;
        reply.assert(&unauthorized(), &[], &format!("anonymous, {name}"));
    }
    let (request, secrets) = Who::ReaderToken.sign(malformed());
    Reply::of(&app, request).await.assert(
        &insufficient_scope(Some("articles:write")),
        &secrets,
        &"reader, malformed JSON",
    );
    let (request, _) = Who::WriterToken.sign(malformed());
    let reply = Reply::of(&app, request).await;
    assert_extractor_failure(&reply, StatusCode::BAD_REQUEST, "writer, malformed JSON");
    assert_eq!(state.article_count(), 0);
}

/// How often the body-reading extractor was asked, and how often it read a body.
#[derive(Debug, Default)]
struct BodyReads {
    asked: AtomicUsize,
    read: AtomicUsize,
}

/// Reads the whole body, recording it in the app's [`BodyReads`].
#[derive(Debug)]
struct WholeBody(Bytes);

impl FromRequest for WholeBody {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(request: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let reads = request
            .app_data::<web::Data<BodyReads>>()
            .cloned()
            .expect("the app registers BodyReads");
        reads.asked.fetch_add(1, Ordering::SeqCst);
        let body = Bytes::from_request(request, payload);
        Box::pin(async move {
            let body = body.await?;
            reads.read.fetch_add(1, Ordering::SeqCst);
            Ok(Self(body))
        })
    }
}

#[post("/upload")]
#[requires(role = "admin")]
async fn upload(body: WholeBody) -> String {
    format!("{} bytes", body.0.len())
}

#[actix_web::test]
async fn a_refused_request_body_is_never_read() {
    let reads = web::Data::new(BodyReads::default());
    let app = test::init_service(
        App::new()
            .app_data(demo::authz(authz_tests::SECRET))
            .app_data(reads.clone())
            .service(upload),
    )
    .await;
    let twelve_bytes = || {
        TestRequest::post()
            .uri("/upload")
            .set_payload("twelve bytes")
    };
    for who in [
        Who::Anonymous,
        Who::ForgedToken,
        Who::WrongPassword,
        Who::Bob,
        Who::EditorToken,
    ] {
        let (request, secrets) = who.sign(twelve_bytes());
        let reply = Reply::of(&app, request).await;
        // /upload asks what POST /counter asks: role `admin`.
        reply.assert(
            &refusal(DemoRoute::Increment, who),
            &secrets,
            &format!("{who:?}"),
        );
        assert_eq!(
            reads.asked.load(Ordering::SeqCst),
            0,
            "{who:?}: extractor asked"
        );
        assert_eq!(reads.read.load(Ordering::SeqCst), 0, "{who:?}: body read");
    }
    let (request, secrets) = Who::Alice.sign(twelve_bytes());
    Reply::of(&app, request)
        .await
        .assert(&ok(Body::Text("12 bytes")), &secrets, &"alice");
    assert_eq!(reads.asked.load(Ordering::SeqCst), 1);
    assert_eq!(reads.read.load(Ordering::SeqCst), 1);
}

/// The values of a comma-separated header, sorted.
fn listed(reply: &Reply, name: header::HeaderName) -> Vec<String> {
    let mut values: Vec<String> = header_lines(&reply.headers, name)
        .iter()
        .flat_map(|line| line.split(','))
        .map(|value| value.trim().to_ascii_lowercase())
        .collect();
    values.sort();
    values
}

/// Preflights are the CORS layer's to answer, wrapped outside every rule: a preflight carries
/// no credentials, and is answered the same on every route, those of the `/staff` scope's rule
/// included, and where no route is.
#[actix_web::test]
async fn a_cors_preflight_is_never_answered_401() {
    let app = test::init_service(demo_app(web::Data::new(State::default()))).await;
    for (uri, method) in [
        ("/admin", "GET"),
        ("/articles", "POST"),
        ("/counter", "POST"),
        ("/posts/7", "DELETE"),
        ("/staff/status", "GET"),
        ("/staff/moderation", "GET"),
        ("/staff/nothing-here", "GET"),
        ("/nothing-here", "GET"),
    ] {
        let request = TestRequest::default()
            .method(Method::OPTIONS)
            .uri(uri)
            .insert_header((header::ORIGIN, "https://app.example"))
            .insert_header((header::ACCESS_CONTROL_REQUEST_METHOD, method))
            .insert_header((header::ACCESS_CONTROL_REQUEST_HEADERS, "authorization"));
        let reply = Reply::of(&app, request).await;
        assert_eq!(reply.status, StatusCode::OK, "OPTIONS {uri}");
        assert_eq!(
            header_lines(&reply.headers, header::ACCESS_CONTROL_ALLOW_ORIGIN),
            ["*"],
            "OPTIONS {uri}"
        );
        assert_eq!(
            listed(&reply, header::ACCESS_CONTROL_ALLOW_METHODS),
            ["delete", "get", "post"],
            "OPTIONS {uri}"
        );
        assert_eq!(
            listed(&reply, header::ACCESS_CONTROL_ALLOW_HEADERS),
            ["authorization", "content-type"],
            "OPTIONS {uri}"
        );
        assert_eq!(
            header_lines(&reply.headers, header::ACCESS_CONTROL_MAX_AGE),
            ["600"],
            "OPTIONS {uri}"
        );
        assert_eq!(reply.challenges(), Vec::<String>::new(), "OPTIONS {uri}");
        assert_eq!(
            reply.headers.get(header::CACHE_CONTROL),
            None,
            "OPTIONS {uri}"
        );
        assert!(reply.body.is_empty(), "OPTIONS {uri}: {:?}", reply.body);
    }
}

/// Every row of the behaviour table, asked by a page of another origin: the same answer, which
/// the page may read, a 401's challenge included.
#[actix_web::test]
async fn cross_origin_requests_get_the_table_answers_readable() {
    for ((route, who), expect) in demo_expectations() {
        let app = test::init_service(demo_app(web::Data::new(State::default()))).await;
        let (request, secrets) = who.sign(
            route
                .request()
                .insert_header((header::ORIGIN, "https://app.example")),
        );
        let reply = Reply::of(&app, request).await;
        let context = format!("{who:?} on {route:?} from another origin");
        reply.assert(&expect, &secrets, &context);
        assert_eq!(
            header_lines(&reply.headers, header::ACCESS_CONTROL_ALLOW_ORIGIN),
            ["*"],
            "{context}"
        );
        assert_eq!(
            listed(&reply, header::ACCESS_CONTROL_EXPOSE_HEADERS),
            ["www-authenticate"],
            "{context}"
        );
        assert_eq!(
            reply.headers.get(header::ACCESS_CONTROL_ALLOW_CREDENTIALS),
            None,
            "{context}"
        );
    }
}
