//! What the demo makes of the `Authorization` header: every credential row of the HTTP contract
//! (schemes, Bearer and Basic failures, several headers, odd bytes, tokens elsewhere), on the
//! admin-only `GET /admin` unless a case says otherwise.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use actix_authz::{AuthzConfig, BasicAuthenticator, JwtAuthenticator, Principal, requires};
use actix_http::Request;
use actix_web::body::MessageBody;
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::Method;
use actix_web::http::header::{self, HeaderValue};
use actix_web::test::{self, TestRequest};
use actix_web::{App, get, web};
use authz_tests::{
    Body, Credential, EXPIRED, Expect, INVALID, MALFORMED, NOT_YET_VALID, Reply, SECRET,
    admin_claims, call_demo, demo_service, forged_token, invalid_request, invalid_token, now, ok,
    sign_claims, token, unauthorized, unsigned_token,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};
use demo::{REALM, State};
use jsonwebtoken::Algorithm;
use serde_json::json;

/// A request to `GET /admin` with these `Authorization` values (none, one, or several).
struct Case {
    name: &'static str,
    credentials: Vec<Credential>,
    expect: Expect,
}

fn case(name: &'static str, credentials: Vec<Credential>, expect: Expect) -> Case {
    Case {
        name,
        credentials,
        expect,
    }
}

fn raw(value: &[u8]) -> Vec<Credential> {
    vec![Credential::raw(value, &[])]
}

fn bearer(token: String) -> Vec<Credential> {
    vec![Credential::bearer(token)]
}

/// `Basic <blob>` for a blob that is not `base64(user:password)`; `password` is what it hides.
fn basic_blob(blob: &str, password: &str) -> Vec<Credential> {
    vec![Credential::raw(
        format!("Basic {blob}").as_bytes(),
        &[blob, password],
    )]
}

fn basic_of(decoded: &[u8], password: &str) -> Vec<Credential> {
    basic_blob(&STANDARD.encode(decoded), password)
}

fn admin() -> String {
    token("ada", &["admin"], &[], None)
}

fn admin_area() -> Expect {
    ok(Body::Text("admin area"))
}

/// Sends each case to `GET /admin` of `app` and checks the reply.
async fn run<S, B>(app: &S, cases: Vec<Case>)
where
    S: Service<Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    for case in cases {
        let mut request = TestRequest::get().uri("/admin");
        let mut secrets = Vec::new();
        for credential in case.credentials {
            let (signed, more) = credential.sign(request);
            request = signed;
            secrets.extend(more);
        }
        Reply::of(app, request)
            .await
            .assert(&case.expect, &secrets, &case.name);
    }
}

async fn run_on_demo(cases: Vec<Case>) {
    let app = demo_service(web::Data::new(State::default())).await;
    run(&app, cases).await;
}

#[actix_web::test]
async fn missing_or_unsupported_credentials_get_every_plain_challenge() {
    run_on_demo(vec![
        case("no Authorization", Vec::new(), unauthorized()),
        case("empty value", raw(b""), unauthorized()),
        case("blank value", raw(b"    "), unauthorized()),
        case("unknown scheme", raw(b"Digest x"), unauthorized()),
        case(
            "scheme glued to a word",
            raw(b"Bearertoken"),
            unauthorized(),
        ),
        case(
            "scheme glued to a valid token",
            {
                let token = admin();
                vec![Credential::raw(
                    format!("Bearer{token}").as_bytes(),
                    &[&token],
                )]
            },
            unauthorized(),
        ),
        case("unsupported scheme", raw(b"Negotiate YIIB"), unauthorized()),
        case("not a token scheme", raw(b"\"Bearer\" abc"), unauthorized()),
        case("non-UTF-8 scheme", raw(b"\xffBearer abc"), unauthorized()),
    ])
    .await;
}

#[actix_web::test]
async fn scheme_is_case_insensitive_and_may_be_followed_by_several_spaces() {
    let token = admin();
    let blob = STANDARD.encode("alice:wonderland");
    let value = |text: String| vec![Credential::raw(text.as_bytes(), &[&token, &blob])];
    run_on_demo(vec![
        case("Bearer", bearer(token.clone()), admin_area()),
        case("bearer", value(format!("bearer {token}")), admin_area()),
        case("BEARER", value(format!("BEARER {token}")), admin_area()),
        case(
            "Bearer and spaces",
            value(format!("Bearer     {token}")),
            admin_area(),
        ),
        case("basic", value(format!("basic {blob}")), admin_area()),
        case(
            "Basic and spaces",
            value(format!("Basic   {blob}")),
            admin_area(),
        ),
    ])
    .await;
}

#[actix_web::test]
async fn rejected_bearer_tokens_get_invalid_token_on_the_bearer_line_only() {
    let token = admin();
    let other_alg = sign_claims(SECRET, Algorithm::HS512, &admin_claims());
    let expired = sign_claims(
        SECRET,
        Algorithm::HS256,
        &json!({ "sub": "ada", "exp": now() - 3600, "roles": ["admin"] }),
    );
    let immature = sign_claims(
        SECRET,
        Algorithm::HS256,
        &json!({ "sub": "ada", "exp": now() + 7200, "nbf": now() + 3600, "roles": ["admin"] }),
    );
    let without_exp = sign_claims(
        SECRET,
        Algorithm::HS256,
        &json!({ "sub": "ada", "roles": ["admin"] }),
    );
    // Valid in every other way, but its header makes an extension critical (RFC 7515 §4.1.11).
    let critical = jsonwebtoken::encode(
        &jsonwebtoken::Header {
            crit: Some(vec!["exp2".to_owned()]),
            ..jsonwebtoken::Header::new(Algorithm::HS256)
        },
        &json!({ "sub": "ada", "exp": now() + 3600, "exp2": now() + 3600, "roles": ["admin"] }),
        &jsonwebtoken::EncodingKey::from_secret(SECRET),
    )
    .unwrap();
    let signature_dropped = token
        .rsplit_once('.')
        .map(|(signed, _)| format!("{signed}."))
        .unwrap();
    let huge = "a".repeat(20 * 1024);
    let secret_value =
        |text: String, secret: &str| vec![Credential::raw(text.as_bytes(), &[secret])];
    run_on_demo(vec![
        case(
            "Bearer without token",
            raw(b"Bearer"),
            invalid_token(MALFORMED),
        ),
        case(
            "Bearer and spaces only",
            raw(b"Bearer    "),
            invalid_token(MALFORMED),
        ),
        case(
            "not a JWT",
            bearer("not-a-jwt".to_owned()),
            invalid_token(INVALID),
        ),
        case(
            "garbage JWT",
            bearer("aaa.bbb.ccc".to_owned()),
            invalid_token(INVALID),
        ),
        case(
            "forged signature",
            bearer(forged_token()),
            invalid_token(INVALID),
        ),
        case(
            "signature dropped",
            bearer(signature_dropped),
            invalid_token(INVALID),
        ),
        case(
            "HS512 not allowed",
            bearer(other_alg),
            invalid_token(INVALID),
        ),
        case("alg none", bearer(unsigned_token()), invalid_token(INVALID)),
        case("expired", bearer(expired), invalid_token(EXPIRED)),
        case(
            "nbf in the future",
            bearer(immature),
            invalid_token(NOT_YET_VALID),
        ),
        case("no exp", bearer(without_exp), invalid_token(INVALID)),
        case(
            "critical header extension",
            bearer(critical),
            invalid_token(INVALID),
        ),
        case(
            "trailing garbage",
            secret_value(format!("Bearer {token}garbage"), &token),
            invalid_token(INVALID),
        ),
        case(
            "trailing dot",
            secret_value(format!("Bearer {token}."), &token),
            invalid_token(INVALID),
        ),
        case(
            "trailing word",
            secret_value(format!("Bearer {token} garbage"), &token),
            invalid_token(MALFORMED),
        ),
        case(
            "auth-params instead of a token",
            secret_value(format!("Bearer token=\"{token}\""), &token),
            invalid_token(MALFORMED),
        ),
        case("huge token", bearer(huge), invalid_token(MALFORMED)),
        case(
            "non-UTF-8 token",
            raw(b"Bearer \xff\xfe\xfd"),
            invalid_token(MALFORMED),
        ),
        case(
            "Latin-1 token",
            raw(b"Bearer abc\xe9def"),
            invalid_token(MALFORMED),
        ),
    ])
    .await;
}

/// Basic values that are not `base64(user ":" password)` with canonical padding, UTF-8 and no
/// control characters. A lenient decoder would turn each into credentials that
/// `accept_everyone` below accepts.
fn undecodable_basic() -> Vec<Case> {
    let padded = STANDARD.encode("alice:wonderland");
    assert!(
        padded.ends_with('='),
        "the padding case needs padding: {padded}"
    );
    let unpadded = padded.trim_end_matches('=').to_owned();
    let url_safe = URL_SAFE.encode("alice:~~~wonderland");
    assert_ne!(url_safe, STANDARD.encode("alice:~~~wonderland"));
    let huge = STANDARD.encode(format!("alice:{}", "w".repeat(20 * 1024)));
    let (head, tail) = padded.split_at(8);
    vec![
        case("Basic without credentials", raw(b"Basic"), unauthorized()),
        case("bad base64", basic_blob("!!!!", ""), unauthorized()),
        case(
            "missing padding",
            basic_blob(&unpadded, "wonderland"),
            unauthorized(),
        ),
        case(
            "URL-safe alphabet",
            basic_blob(&url_safe, "~~~wonderland"),
            unauthorized(),
        ),
        case(
            "space inside",
            basic_blob(&format!("{head} {tail}"), "wonderland"),
            unauthorized(),
        ),
        case(
            "trailing word",
            basic_blob(&format!("{padded} x"), "wonderland"),
            unauthorized(),
        ),
        case(
            "no colon",
            basic_of(b"alicewonderland", "wonderland"),
            unauthorized(),
        ),
        case(
            "not UTF-8",
            basic_of(b"alice:wonder\xffland", "wonder"),
            unauthorized(),
        ),
        case(
            "newline",
            basic_of(b"alice:wonderland\n", "wonderland"),
            unauthorized(),
        ),
        case(
            "tab",
            basic_of(b"alice\t:wonderland", "wonderland"),
            unauthorized(),
        ),
        case(
            "NUL",
            basic_of(b"alice:wonder\0land", "wonder"),
            unauthorized(),
        ),
        case(
            "DEL",
            basic_of(b"alice:wonderland\x7f", "wonderland"),
            unauthorized(),
        ),
        case(
            "C1 control",
            basic_of("alice:wonderland\u{85}".as_bytes(), "wonderland"),
            unauthorized(),
        ),
        case("non-UTF-8 blob", raw(b"Basic \xff\xfe"), unauthorized()),
        case(
            "huge blob",
            basic_blob(&huge, "wwwwwwwwwwww"),
            unauthorized(),
        ),
    ]
}

#[actix_web::test]
async fn undecodable_basic_credentials_get_every_plain_challenge() {
    run_on_demo(undecodable_basic()).await;
}

#[get("/admin")]
#[requires(role = "admin")]
async fn admin_area_of_everyone() -> &'static str {
    "admin area"
}

#[actix_web::test]
async fn undecodable_basic_credentials_never_reach_the_verifier() {
    let verified = Arc::new(AtomicUsize::new(0));
    let accept_everyone = {
        let verified = Arc::clone(&verified);
        BasicAuthenticator::new(move |credentials| {
            verified.fetch_add(1, Ordering::SeqCst);
            let principal = Principal::new(credentials.user_id()).with_roles(["admin"]);
            async move { Ok(Some(principal)) }
        })
    };
    let config = AuthzConfig::new(REALM)
        .authenticator(JwtAuthenticator::hs256(SECRET))
        .authenticator(accept_everyone);
    let app = test::init_service(App::new().app_data(config).service(admin_area_of_everyone)).await;
    run(&app, undecodable_basic()).await;
    assert_eq!(
        verified.load(Ordering::SeqCst),
        0,
        "the verifier saw undecodable credentials"
    );
    // The same app lets decodable credentials through, so the refusals above are the decoder's.
    run(
        &app,
        vec![case(
            "any decodable credentials",
            vec![Credential::basic("anyone", "any:thing")],
            admin_area(),
        )],
    )
    .await;
    assert_eq!(verified.load(Ordering::SeqCst), 1);
}

#[actix_web::test]
async fn wrong_basic_credentials_get_every_plain_challenge() {
    let basic = |user, password| vec![Credential::basic(user, password)];
    run_on_demo(vec![
        case(
            "unknown user",
            basic("mallory", "wonderland"),
            unauthorized(),
        ),
        case(
            "wrong password",
            basic("alice", "wonderlanb"),
            unauthorized(),
        ),
        case("password prefix", basic("alice", "wonder"), unauthorized()),
        case(
            "password and more",
            basic("alice", "wonderland!"),
            unauthorized(),
        ),
        case("empty password", basic("alice", ""), unauthorized()),
        case(
            "user in another case",
            basic("Alice", "wonderland"),
            unauthorized(),
        ),
        case(
            "another user's password",
            basic("alice", "builder"),
            unauthorized(),
        ),
        case(
            "carol's password cut at its colon",
            basic("carol", "p"),
            unauthorized(),
        ),
        case("alice", basic("alice", "wonderland"), admin_area()),
    ])
    .await;
}

#[actix_web::test]
async fn a_password_may_contain_a_colon() {
    let (request, secrets) = Credential::basic("carol", "p:q").sign(TestRequest::get().uri("/me"));
    call_demo(request).await.assert(
        &ok(Body::JsonWithSub("carol")),
        &secrets,
        &"carol:p:q on /me",
    );
}

#[actix_web::test]
async fn wrong_user_and_wrong_password_are_byte_identical() {
    for uri in ["/admin", "/me", "/items/7?q=3"] {
        let mut replies = Vec::new();
        for credential in [
            Credential::basic("mallory", "wonderland"),
            Credential::basic("alice", "wonderlanX"),
            Credential::basic("alicf", "wonderlanX"),
        ] {
            let (request, secrets) = credential.sign(TestRequest::get().uri(uri));
            let reply = call_demo(request).await;
            reply.assert(&unauthorized(), &secrets, &uri);
            replies.push(reply);
        }
        let [first, rest @ ..] = replies.as_slice() else {
            unreachable!()
        };
        for other in rest {
            assert_identical(first, other, uri);
        }
    }
}

/// Same status, same headers in the same order (but `date`), same body bytes.
fn assert_identical(a: &Reply, b: &Reply, context: &str) {
    let lines = |reply: &Reply| -> Vec<(String, Vec<u8>)> {
        let mut lines: Vec<(String, Vec<u8>)> = reply
            .headers
            .iter()
            .filter(|(name, _)| *name != header::DATE)
            .map(|(name, value)| (name.to_string(), value.as_bytes().to_vec()))
            .collect();
        lines.sort();
        lines
    };
    assert_eq!(a.status, b.status, "{context}");
    assert_eq!(lines(a), lines(b), "{context}");
    assert_eq!(a.body, b.body, "{context}");
}

#[actix_web::test]
async fn several_authorization_headers_are_a_bad_request() {
    let token = admin();
    let alice = || Credential::basic("alice", "wonderland");
    run_on_demo(vec![
        case(
            "two valid tokens",
            vec![
                Credential::bearer(token.clone()),
                Credential::bearer(token.clone()),
            ],
            invalid_request(),
        ),
        case(
            "a token and Basic",
            vec![Credential::bearer(token), alice()],
            invalid_request(),
        ),
        case("Basic twice", vec![alice(), alice()], invalid_request()),
        case(
            "an empty one and Basic",
            vec![Credential::raw(b"", &[]), alice()],
            invalid_request(),
        ),
    ])
    .await;
}

#[actix_web::test]
async fn several_authorization_headers_on_a_public_route_are_not_looked_at() {
    let (request, _) =
        Credential::basic("alice", "wonderland").sign(TestRequest::get().uri("/health"));
    let (request, secrets) = Credential::raw(b"Digest x", &[]).sign(request);
    call_demo(request)
        .await
        .assert(&ok(Body::Text("ok")), &secrets, &"two headers on /health");
}

#[actix_web::test]
async fn tokens_outside_the_authorization_header_are_ignored() {
    let token = admin();
    let secrets = vec![token.clone()];
    let in_query = TestRequest::get().uri(&format!("/admin?access_token={token}"));
    call_demo(in_query)
        .await
        .assert(&unauthorized(), &secrets, &"access_token in the query");

    let in_form = TestRequest::default()
        .method(Method::POST)
        .uri("/counter")
        .set_form([("access_token", token.as_str())]);
    call_demo(in_form)
        .await
        .assert(&unauthorized(), &secrets, &"access_token in a form body");

    let in_other_header = TestRequest::get()
        .uri("/admin")
        .insert_header(("x-access-token", HeaderValue::from_str(&token).unwrap()));
    call_demo(in_other_header)
        .await
        .assert(&unauthorized(), &secrets, &"token in another header");
}
