//! "Never contains a submitted credential, and neither do logs": every event the runtime emits,
//! at every level, while the demo answers every identity on every route and the rejected
//! credentials of the contract.

use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{rt, web};
use authz_tests::logs::Capture;
use authz_tests::{
    Credential, Expect, Reply, SECRET, Who, admin_claims, demo_app, demo_expectations,
    forged_token, invalid_request, sign_claims, unsigned_token,
};
use demo::State;
use jsonwebtoken::Algorithm;

/// Credentials that the runtime rejects at each of its steps.
fn rejected_credentials() -> Vec<Credential> {
    let token = authz_tests::token("ada", &["admin"], &[], None);
    vec![
        Credential::bearer(forged_token()),
        Credential::bearer(unsigned_token()),
        Credential::bearer(sign_claims(SECRET, Algorithm::HS512, &admin_claims())),
        Credential::bearer(format!("{token}garbage")),
        Credential::raw(format!("Bearer {token} tail").as_bytes(), &[token.as_str()]),
        Credential::bearer("not.a.jwt-at-all".to_owned()),
        Credential::basic("mallory", "a-password"),
        Credential::basic("alice", "wonderland\n"),
        Credential::raw(
            b"Basic YWxpY2U6c2VjcmV0LXBhc3N3b3Jk",
            &["YWxpY2U6c2VjcmV0LXBhc3N3b3Jk", "secret-password"],
        ),
    ]
}

#[test]
fn logs_never_contain_a_credential() {
    let capture = Capture::default();
    let secrets = tracing::subscriber::with_default(capture.clone(), || {
        rt::System::new().block_on(async {
            let app = test::init_service(demo_app(web::Data::new(State::default()))).await;
            let mut secrets = Vec::new();
            for ((route, who), expect) in demo_expectations() {
                // One app for all: the counter and the articles change, so only refusals are
                // checked in full here (the behaviour table checks the rest on fresh apps).
                let (request, sent) = who.sign(route.request());
                let reply = Reply::of(&app, request).await;
                if let Expect::Refused(..) = expect {
                    reply.assert(&expect, &sent, &format!("{who:?} on {route:?}"));
                }
                secrets.extend(sent);
            }
            for credential in rejected_credentials() {
                let (request, sent) = credential.sign(TestRequest::get().uri("/me"));
                let reply = Reply::of(&app, request).await;
                assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
                reply.assert_no_secret(&sent, &"a rejected credential");
                secrets.extend(sent);
            }
            let (request, sent) = Who::Alice.sign(TestRequest::get().uri("/admin"));
            let (request, more) = Who::AdminToken.sign(request);
            let sent: Vec<String> = sent.into_iter().chain(more).collect();
            Reply::of(&app, request)
                .await
                .assert(&invalid_request(), &sent, &"two headers");
            secrets.extend(sent);
            secrets
        })
    });
    let logs = capture.text();
    // The capture works: refusals and grants were logged.
    for expected in [
        "bearer token refused",
        "basic credentials undecodable",
        "denied",
    ] {
        assert!(
            logs.contains(expected),
            "no {expected:?} in the logs:\n{logs}"
        );
    }
    assert!(secrets.len() > 30, "{} secrets", secrets.len());
    for secret in &secrets {
        assert!(
            !logs.contains(secret.as_str()),
            "the logs contain a credential:\n{logs}"
        );
    }
}
