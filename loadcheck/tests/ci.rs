//! The load and fault test at CI size: a few thousand requests over 16 connections, every
//! status as expected, the handlers run exactly for the granted requests, and the expectations
//! agree with the demo's behaviour table.

use std::time::Duration;

use authz_tests::{Expect, Who, demo_expectations};
use loadcheck::{Cred, Fault, Options, Route, expected_status};

#[test]
fn ci_sized_load_with_faults_misclassifies_nothing() {
    let options = Options {
        requests: 5_000,
        connections: 16,
        warmup: 1_000,
        slow_fault: Duration::from_secs(2),
        deadline: Duration::from_secs(240),
        ..Options::default()
    };
    let report = loadcheck::run(&options).expect("the run completes");
    assert_eq!(report.failures, Vec::<String>::new());
    assert_eq!(report.misclassified, 0, "{report}");
    assert_eq!(report.requests, 5_000);
    assert_eq!(report.warmup_requests, 1_000);
    assert_eq!(report.increments.0, report.increments.1);
    assert!(report.increments.0 > 0, "no granted POST /counter");
    assert_eq!(report.articles.0, report.articles.1);
    assert!(report.injected_panics > 0, "no panic was injected");
    for status in [200, 201, 204, 400, 401, 403, 404, 500, 503] {
        assert!(
            report.statuses.get(&status).copied().unwrap_or(0) > 0,
            "no {status} in {:?}",
            report.statuses
        );
    }
    assert!(report.rss_kib.0 > 0, "VmRSS unreadable");
    assert_eq!(
        report.to_string(),
        format!(
            "requests 5000, misclassified 0, rss_growth_kib {}",
            report.rss_growth_kib()
        )
    );
}

#[test]
fn expectations_agree_with_the_demo_table() {
    let table = demo_expectations();
    let mut compared = 0;
    for route in Route::ALL {
        for cred in Cred::all() {
            let Cred::Who(who) = cred else {
                continue;
            };
            let status = match &table[&(route, who)] {
                Expect::Handler(status, _) | Expect::Refused(status, _) => status.as_u16(),
                Expect::Hidden => 404,
            };
            assert_eq!(
                expected_status(route, cred, Fault::None),
                status,
                "{cred:?} on {route:?}"
            );
            compared += 1;
        }
    }
    assert_eq!(compared, Route::ALL.len() * Who::ALL.len());
}
