//! Authenticators that answer at once and authenticators that wait, mixed in one chain: each is
//! asked in order and at most once per request, the first answer that is not anonymous decides,
//! and a panic while answering is a 500 whether it happens before or inside the future.

use std::sync::{Arc, Mutex};

use actix_authz::{
    Authentication, Authenticator, AuthzConfig, Caller, Credentials, Identity, Outcome, Principal,
    requires,
};
use actix_web::http::StatusCode;
use actix_web::{App, HttpRequest, get, test};
use authz_tests::Reply;

/// How an authenticator of the chain answers.
#[derive(Clone, Copy)]
enum Answer {
    /// At once: anonymous.
    Pass,
    /// At once: the named subject, an admin.
    Now(&'static str),
    /// After yielding to the runtime once: anonymous.
    PassLater,
    /// After yielding to the runtime once: the named subject, an admin.
    Later(&'static str),
    /// Panics before returning.
    Panic,
}

/// An authenticator that answers as told and writes its name in the shared log when asked.
struct Scripted {
    name: &'static str,
    answer: Answer,
    log: Arc<Mutex<Vec<&'static str>>>,
}

fn admin(subject: &'static str) -> Outcome {
    Outcome::authenticated(Principal::new(subject).with_roles(["admin"]))
}

async fn later(outcome: Outcome) -> Outcome {
    actix_web::rt::task::yield_now().await;
    outcome
}

impl Authenticator for Scripted {
    fn authenticate(&self, _: &HttpRequest, _: Option<Credentials<'_>>) -> Authentication {
        self.log.lock().unwrap().push(self.name);
        match self.answer {
            Answer::Pass => Outcome::Anonymous.into(),
            Answer::Now(subject) => admin(subject).into(),
            Answer::PassLater => Authentication::pending(later(Outcome::Anonymous)),
            Answer::Later(subject) => Authentication::pending(later(admin(subject))),
            Answer::Panic => panic!("the authenticator broke"),
        }
    }
}

#[get("/admin")]
#[requires(role = "admin")]
async fn admin_area(caller: Caller, again: Caller) -> String {
    format!("{} {}", caller.subject(), again.subject())
}

async fn run(answers: &[Answer]) -> (Reply, Vec<&'static str>) {
    const NAMES: [&str; 4] = ["first", "second", "third", "fourth"];
    let log = Arc::new(Mutex::new(Vec::new()));
    let config =
        answers
            .iter()
            .zip(NAMES)
            .fold(AuthzConfig::new("chain"), |config, (&answer, name)| {
                config.authenticator(Scripted {
                    name,
                    answer,
                    log: Arc::clone(&log),
                })
            });
    let app = test::init_service(App::new().app_data(config).service(admin_area)).await;
    let reply = Reply::of(&app, test::TestRequest::get().uri("/admin")).await;
    let asked = log.lock().unwrap().clone();
    (reply, asked)
}

#[actix_web::test]
async fn the_first_answer_that_is_not_anonymous_decides_whenever_it_comes() {
    use Answer::*;
    let cases: [(&[Answer], &str, &[&str]); 6] = [
        (&[Now("a"), Later("b")], "a a", &["first"]),
        (&[Later("a"), Now("b")], "a a", &["first"]),
        (&[Pass, Later("b"), Now("c")], "b b", &["first", "second"]),
        (
            &[PassLater, Now("b"), Later("c")],
            "b b",
            &["first", "second"],
        ),
        (
            &[PassLater, Pass, PassLater, Later("d")],
            "d d",
            &["first", "second", "third", "fourth"],
        ),
        (
            &[Pass, PassLater, Now("c")],
            "c c",
            &["first", "second", "third"],
        ),
    ];
    for (answers, body, asked) in cases {
        let (reply, log) = run(answers).await;
        assert_eq!(reply.status, StatusCode::OK, "{asked:?}: {:?}", reply.body);
        assert_eq!(reply.body, body, "{asked:?}");
        assert_eq!(log, asked, "each authenticator is asked once, in order");
    }
}

#[actix_web::test]
async fn a_chain_of_anonymous_answers_is_a_401() {
    let (reply, log) = run(&[Answer::Pass, Answer::PassLater, Answer::Pass]).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(log, ["first", "second", "third"]);
}

#[actix_web::test]
async fn a_panic_before_the_answer_is_a_500_at_once_or_after_waiting() {
    for (answers, asked) in [
        (&[Answer::Panic, Answer::Now("b")][..], &["first"][..]),
        (&[Answer::PassLater, Answer::Panic], &["first", "second"]),
    ] {
        let (reply, log) = run(answers).await;
        assert_eq!(
            reply.status,
            StatusCode::INTERNAL_SERVER_ERROR,
            "{asked:?}: {:?}",
            reply.body
        );
        assert_eq!(reply.challenges(), Vec::<String>::new());
        assert!(!String::from_utf8_lossy(&reply.body).contains("broke"));
        assert_eq!(log, asked);
    }
}
