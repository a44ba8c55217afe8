//! Every `WWW-Authenticate` challenge the project emits, read back with the strict RFC 9110 §11
//! parser of `authz_tests`: for realms made of the characters that need care (`"`, `\`, `,`,
//! `=`, spaces), for the configured realm and per-handler realms, and for every refusal that
//! carries challenges (401 anonymous, 401 rejected Bearer, 401 rejected Basic, 403 Bearer, 400).
//! A property test then does the same for arbitrary printable realms.

use actix_authz::{
    AuthzConfig, BasicAuthenticator, Challenge, FnAuthenticator, JwtAuthenticator, Outcome,
    Principal, requires,
};
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{App, HttpRequest, get, rt};
use authz_tests::{
    Credential, INVALID, ParsedChallenge, Reply, SECRET, Who, assert_well_formed_challenges,
    parse_challenge, parse_www_authenticate,
};
use proptest::prelude::*;

/// Realms that a naive quoting would break: quotes, backslashes, list and parameter syntax.
const TRICKY_REALMS: &[&str] = &[
    "demo",
    r#"a "quoted" \ realm"#,
    r#"\"#,
    r#"""#,
    r#"\""#,
    r#"a, b="c""#,
    r#"x", error="invalid_token"#,
    "=",
    " ",
    "  two  spaces  ",
    r#"~!#$%&'()*+,-./:;<=>?@[\]^_`{|}"#,
];

/// Per-handler realms, fixed at compile time.
const HANDLER_REALM: &str = r#"per "handler" \ realm"#;

#[get("/admin")]
#[requires(role = "admin")]
async fn admin() -> &'static str {
    "admin"
}

#[get("/scoped")]
#[requires(scope = "articles:read", realm = "per \"handler\" \\ realm")]
async fn scoped() -> &'static str {
    "scoped"
}

fn config(realm: &str) -> AuthzConfig {
    AuthzConfig::new(realm)
        .authenticator(JwtAuthenticator::hs256(SECRET))
        .authenticator(BasicAuthenticator::new(|_credentials| async {
            Ok(None::<Principal>)
        }))
        // A custom authenticator with a challenge of its own, asked last.
        .authenticator(
            FnAuthenticator::new(|_request: HttpRequest| async { Outcome::Anonymous })
                .challenge_scheme("Custom"),
        )
}

/// What one request must get: its status and, per challenge line, the scheme and the
/// parameters after `realm`.
struct Case {
    name: &'static str,
    request: fn() -> (TestRequest, Vec<String>),
    status: StatusCode,
    lines: &'static [(&'static str, &'static [(&'static str, &'static str)])],
}

const UNAUTHENTICATED: &[(&str, &[(&str, &str)])] = &[
    ("Bearer", &[]),
    ("Basic", &[("charset", "UTF-8")]),
    ("Custom", &[]),
];

fn cases() -> Vec<Case> {
    vec![
        Case {
            name: "anonymous",
            request: || (TestRequest::default(), Vec::new()),
            status: StatusCode::UNAUTHORIZED,
            lines: UNAUTHENTICATED,
        },
        Case {
            name: "unknown scheme",
            request: || Credential::raw(b"Digest abc", &[]).sign(TestRequest::default()),
            status: StatusCode::UNAUTHORIZED,
            lines: UNAUTHENTICATED,
        },
        Case {
            name: "forged token",
            request: || Who::ForgedToken.sign(TestRequest::default()),
            status: StatusCode::UNAUTHORIZED,
            lines: &[
                (
                    "Bearer",
                    &[("error", "invalid_token"), ("error_description", INVALID)],
                ),
                ("Basic", &[("charset", "UTF-8")]),
                ("Custom", &[]),
            ],
        },
        Case {
            name: "wrong password",
            request: || Who::WrongPassword.sign(TestRequest::default()),
            status: StatusCode::UNAUTHORIZED,
            lines: UNAUTHENTICATED,
        },
        Case {
            name: "token without the requirement",
            request: || Who::BareToken.sign(TestRequest::default()),
            status: StatusCode::FORBIDDEN,
            lines: &[("Bearer", &[("error", "insufficient_scope")])],
        },
        Case {
            name: "two Authorization headers",
            request: || {
                let (request, mut secrets) = Who::Alice.sign(TestRequest::default());
                let (request, more) = Who::AdminToken.sign(request);
                secrets.extend(more);
                (request, secrets)
            },
            status: StatusCode::BAD_REQUEST,
            lines: &[("Bearer", &[("error", "invalid_request")])],
        },
    ]
}

/// Checks the challenge lines of `reply` against `case`, with `realm` in each.
#[track_caller]
fn check(reply: &Reply, case: &Case, path: &str, realm: &str, secrets: &[String]) {
    let context = format!("{} on {path} in realm {realm:?}", case.name);
    assert_eq!(reply.status, case.status, "{context}: {:?}", reply.body);
    reply.assert_no_secret(secrets, &context);
    let parsed = assert_well_formed_challenges(&reply.challenges(), &context);
    let expected: Vec<ParsedChallenge> = case
        .lines
        .iter()
        .map(|(scheme, params)| {
            let mut challenge = Challenge::new(scheme, realm);
            for (name, value) in *params {
                challenge = challenge.param(name, value);
            }
            // Built with the runtime's writer, read back with the independent parser: the
            // realm must come back exactly.
            parse_challenge(&challenge.to_string()).expect("a challenge of ours")
        })
        .collect();
    assert_eq!(parsed, expected, "{context}");
    for challenge in &parsed {
        assert_eq!(challenge.param("realm"), Some(realm), "{context}");
    }
}

#[actix_web::test]
async fn every_challenge_parses_back_with_its_realm() {
    for &realm in TRICKY_REALMS {
        let app = test::init_service(
            App::new()
                .app_data(config(realm))
                .service(admin)
                .service(scoped),
        )
        .await;
        for (path, expected_realm) in [("/admin", realm), ("/scoped", HANDLER_REALM)] {
            for case in cases() {
                let (request, secrets) = (case.request)();
                let reply = Reply::of(&app, request.uri(path)).await;
                let case = match (path, case.status) {
                    // A missing scope names itself.
                    ("/scoped", StatusCode::FORBIDDEN) => Case {
                        lines: &[(
                            "Bearer",
                            &[("error", "insufficient_scope"), ("scope", "articles:read")],
                        )],
                        ..case
                    },
                    _ => case,
                };
                check(&reply, &case, path, expected_realm, &secrets);
            }
        }
    }
}

#[test]
fn the_literal_lines_of_a_quoted_realm() {
    // The wire form, spelled out once, so that the parser and the writer cannot agree on a
    // wrong escaping.
    let line = Challenge::new("Basic", r#"a "quoted" \ realm"#).param("charset", "UTF-8");
    assert_eq!(
        line.to_string(),
        r#"Basic realm="a \"quoted\" \\ realm", charset="UTF-8""#
    );
    let combined = format!(r#"Bearer realm="a \"quoted\" \\ realm", {line}"#);
    let parsed = parse_www_authenticate(&combined).unwrap();
    assert_eq!(parsed.len(), 2);
    assert_eq!(parsed[1].param("charset"), Some("UTF-8"));
}

/// A printable ASCII realm (what `Realm` accepts).
fn realm() -> impl Strategy<Value = String> {
    proptest::collection::vec(0x20u8..=0x7e, 1..24)
        .prop_map(|bytes| bytes.into_iter().map(char::from).collect())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Any realm the configuration accepts comes back exactly from every challenge of a 401
    /// and a 403, through a real app.
    #[test]
    fn any_realm_round_trips(realm in realm()) {
        let system = rt::System::new();
        system.block_on(async {
            let app = test::init_service(App::new().app_data(config(&realm)).service(admin)).await;
            for case in cases().iter().filter(|case| case.name != "unknown scheme") {
                let (request, secrets) = (case.request)();
                let reply = Reply::of(&app, request.uri("/admin")).await;
                check(&reply, case, "/admin", &realm, &secrets);
            }
        });
    }

    /// Challenges with arbitrary printable parameter values parse back to those values, alone
    /// and combined with another challenge into one field value.
    #[test]
    fn any_parameter_value_round_trips(
        realm in realm(),
        values in proptest::collection::vec(realm(), 0..4),
    ) {
        let mut challenge = Challenge::new("Test", &realm);
        for (index, value) in values.iter().enumerate() {
            challenge = challenge.param(&format!("p{index}"), value);
        }
        let line = challenge.to_string();
        let parsed = parse_challenge(&line).unwrap();
        prop_assert_eq!(parsed.param("realm"), Some(realm.as_str()));
        for (index, value) in values.iter().enumerate() {
            prop_assert_eq!(parsed.param(&format!("p{index}")), Some(value.as_str()));
        }
        prop_assert_eq!(parsed.canonical(), line.clone());
        let combined = parse_www_authenticate(&format!("{line}, Other realm=\"x\"")).unwrap();
        prop_assert_eq!(combined.len(), 2);
        prop_assert_eq!(&combined[0], &parsed);
    }
}
