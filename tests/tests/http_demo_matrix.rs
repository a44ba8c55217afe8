//! The demo's behaviour table (`authz_tests::demo_expectations`): every identity class × every
//! route → status, challenge lines and body. A route of the demo without a row for every identity
//! fails `table_covers_every_cell`.

use actix_web::http::Method;
use authz_tests::{DemoRoute, Who, call_demo, demo_expectations, routes_declared_in_demo_source};

#[test]
fn route_list_is_the_demo_routes() {
    let key = |(method, path): &(Method, String)| (method.to_string(), path.clone());
    let mut listed: Vec<(Method, String)> = DemoRoute::ALL
        .iter()
        .map(|route| {
            let (method, path) = route.declared();
            (method, path.to_owned())
        })
        .collect();
    let mut declared = routes_declared_in_demo_source();
    listed.sort_by_key(key);
    declared.sort_by_key(key);
    assert_eq!(
        listed, declared,
        "DemoRoute::ALL differs from the demo's routes"
    );
}

#[test]
fn table_covers_every_cell() {
    let cells = demo_expectations();
    let missing: Vec<(DemoRoute, Who)> = DemoRoute::ALL
        .iter()
        .flat_map(|&route| Who::ALL.iter().map(move |&who| (route, who)))
        .filter(|cell| !cells.contains_key(cell))
        .collect();
    assert_eq!(missing, [], "cells of the demo without a row");
    assert_eq!(cells.len(), DemoRoute::ALL.len() * Who::ALL.len());
}

#[actix_web::test]
async fn every_identity_on_every_route() {
    for ((route, who), expect) in demo_expectations() {
        let (request, secrets) = who.sign(route.request());
        let reply = call_demo(request).await;
        let context = format!("{who:?} on {route:?} {:?}", route.declared());
        reply.assert(&expect, &secrets, &context);
    }
}
