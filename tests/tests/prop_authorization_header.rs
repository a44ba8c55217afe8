//! Property test: whatever a client puts in one `Authorization` header, a protected demo route
//! answers 401 with the contract's challenges (never 2xx, never 5xx, never an echo of the
//! credential), and a public route still answers 200.
//!
//! The inputs: any bytes a header value may hold, the same after `Bearer `/`Basic ` (in any
//! case, with any number of spaces), base64 that decodes to anything or to a `user:password`
//! pair, and JWT-shaped tokens (JSON header and claims, `alg` of every kind, random or foreign
//! signatures).

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{rt, web};
use authz_tests::{
    BASIC, BEARER, DemoRoute, Reply, admin_claims, assert_well_formed_challenges, demo_service,
    sign_claims,
};
use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
use demo::State;
use jsonwebtoken::Algorithm;
use proptest::prelude::*;
use serde_json::json;

/// A byte a header value may hold: HTAB, visible ASCII, space, `obs-text`.
fn header_byte() -> impl Strategy<Value = u8> {
    prop_oneof![Just(b'\t'), 0x20u8..=0x7e, 0x80u8..=0xff,]
}

fn header_bytes(max: usize) -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(header_byte(), 0..max)
}

/// `Bearer`/`Basic` (or a near miss) in some case, then spaces.
fn scheme_prefix() -> impl Strategy<Value = Vec<u8>> {
    let scheme = prop_oneof![
        Just("Bearer"),
        Just("Basic"),
        Just("bearer"),
        Just("BASIC"),
        Just("bEaReR"),
        Just("Bearer\t"),
        Just("Digest"),
        Just("Bearer,"),
    ];
    (scheme, 0usize..4).prop_map(|(scheme, spaces)| {
        let mut prefix = scheme.as_bytes().to_vec();
        prefix.extend(std::iter::repeat_n(b' ', spaces));
        prefix
    })
}

/// Base64 of arbitrary bytes or of a `user:password` pair, in any of the four alphabets.
fn base64_blob() -> impl Strategy<Value = Vec<u8>> {
    let plain = prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..48),
        ("[a-z:]{0,12}", "[ -~]{0,16}")
            .prop_map(|(user, password)| format!("{user}:{password}").into_bytes()),
    ];
    (plain, 0usize..4).prop_map(|(plain, alphabet)| {
        match alphabet {
            0 => STANDARD.encode(plain),
            1 => STANDARD_NO_PAD.encode(plain),
            2 => URL_SAFE.encode(plain),
            _ => URL_SAFE_NO_PAD.encode(plain),
        }
        .into_bytes()
    })
}

/// A JWT-shaped token that the demo must refuse: a JSON header with any `alg`, admin claims
/// (valid, expired or garbled), and a random signature or one made with another key.
fn jwt_shaped() -> impl Strategy<Value = Vec<u8>> {
    let alg = prop_oneof![
        Just("HS256"),
        Just("HS512"),
        Just("none"),
        Just("None"),
        Just("RS256"),
        Just("ES256"),
        Just(""),
    ];
    let claims = prop_oneof![
        Just(admin_claims().to_string()),
        Just(json!({ "sub": "mallory", "exp": 1, "roles": ["admin"] }).to_string()),
        Just(json!({ "sub": "mallory", "roles": ["admin"] }).to_string()),
        "[ -~]{0,40}",
    ];
    let signature = proptest::collection::vec(any::<u8>(), 0..40);
    let random_signature = (alg, claims, signature).prop_map(|(alg, claims, signature)| {
        let header = json!({ "alg": alg, "typ": "JWT" }).to_string();
        format!(
            "{}.{}.{}",
            URL_SAFE_NO_PAD.encode(header),
            URL_SAFE_NO_PAD.encode(claims),
            URL_SAFE_NO_PAD.encode(signature)
        )
        .into_bytes()
    });
    let foreign_key = proptest::collection::vec(any::<u8>(), 1..32)
        .prop_map(|key| sign_claims(&key, Algorithm::HS256, &admin_claims()).into_bytes());
    prop_oneof![random_signature, foreign_key]
}

fn authorization() -> impl Strategy<Value = Vec<u8>> {
    let credential = prop_oneof![header_bytes(80), base64_blob(), jwt_shaped()];
    prop_oneof![
        header_bytes(80),
        (scheme_prefix(), credential).prop_map(|(mut prefix, rest)| {
            prefix.extend(rest);
            prefix
        }),
    ]
}

const PUBLIC: [DemoRoute; 4] = [
    DemoRoute::Health,
    DemoRoute::Counter,
    DemoRoute::OpenApi,
    DemoRoute::StaffStatus,
];

/// Checks a refusal of an unusable credential: 401, the two challenge lines (the Bearer one
/// possibly marked `invalid_token`), the problem body, and no echo of `secret`.
fn assert_unauthorized(reply: &Reply, secret: &[u8], context: &str) {
    assert_eq!(
        reply.status,
        StatusCode::UNAUTHORIZED,
        "{context}: {:?}",
        reply.body
    );
    let lines = reply.challenges();
    let parsed = assert_well_formed_challenges(&lines, &context);
    assert_eq!(lines.len(), 2, "{context}: {lines:?}");
    assert_eq!(lines[1], BASIC, "{context}");
    assert!(
        lines[0] == BEARER || parsed[0].param("error") == Some("invalid_token"),
        "{context}: {lines:?}"
    );
    assert_eq!(
        reply
            .headers
            .get(header::CACHE_CONTROL)
            .map(HeaderValue::as_bytes),
        Some(&b"no-store"[..]),
        "{context}"
    );
    let body: serde_json::Value = reply.json(&context);
    assert_eq!(body["status"], 401, "{context}");
    // Long enough that a match is an echo, not chance.
    if secret.len() >= 12 {
        for (name, value) in &reply.headers {
            assert!(
                !value.as_bytes().windows(secret.len()).any(|w| w == secret),
                "{context}: header {name} echoes the credential"
            );
        }
        assert!(
            !reply.body.windows(secret.len()).any(|w| w == secret),
            "{context}: the body echoes the credential"
        );
    }
}

#[test]
fn any_single_authorization_header_is_refused_on_every_protected_route() {
    let system = rt::System::new();
    let app = system.block_on(demo_service(web::Data::new(State::default())));
    let config = ProptestConfig {
        cases: 512,
        ..ProptestConfig::default()
    };
    proptest!(config, |(value in authorization())| {
        let header = HeaderValue::from_bytes(&value).expect("the strategy yields header bytes");
        system.block_on(async {
            for route in DemoRoute::ALL {
                let request = route.request().insert_header((header::AUTHORIZATION, header.clone()));
                let reply = Reply::of(&app, request).await;
                let context = format!("{route:?} with Authorization {value:?}");
                if PUBLIC.contains(&route) {
                    assert_eq!(reply.status, StatusCode::OK, "{context}");
                } else {
                    let secret = value.trim_ascii();
                    let rest = secret.iter().position(|&b| b == b' ').map_or(secret, |i| &secret[i..]);
                    assert_unauthorized(&reply, rest.trim_ascii(), &context);
                }
            }
        });
    });
    // Nothing got through: the one handler with a visible effect never ran.
    let reply = system.block_on(Reply::of(
        &app,
        actix_web::test::TestRequest::get().uri("/counter"),
    ));
    assert_eq!(reply.body, r#"{"count":0}"#);
}
