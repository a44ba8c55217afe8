//! The served document states each operation's requirement, and the server enforces it.

use actix_web::App;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use serde_json::{Value, json};

#[actix_web::test]
async fn the_served_spec_states_what_is_enforced() {
    let app = test::init_service(
        App::new()
            .app_data(utoipa_example::authz(b"test secret"))
            .configure(utoipa_example::configure),
    )
    .await;
    let response =
        test::call_service(&app, TestRequest::get().uri("/openapi.json").to_request()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let spec: Value = test::read_body_json(response).await;

    assert_eq!(spec["paths"]["/openapi.json"]["get"]["security"], json!([]));
    let create = &spec["paths"]["/notes"]["post"];
    assert_eq!(create["security"], json!([{ "bearer": ["notes:write"] }]));
    assert_eq!(create["x-required-roles"], json!(["writer"]));
    assert_eq!(create["responses"]["201"]["description"], "Created");
    assert!(create["responses"]["401"]["headers"]["WWW-Authenticate"].is_object());
    let delete = &spec["paths"]["/notes/{id}"]["delete"];
    assert_eq!(delete["x-required-permissions"], json!(["notes:delete"]));
    assert_eq!(delete["parameters"][0]["name"], "id");
    assert_eq!(
        spec["components"]["securitySchemes"]["bearer"],
        json!({ "type": "http", "scheme": "bearer", "bearerFormat": "JWT" })
    );

    for (method, uri) in [
        ("GET", "/notes"),
        ("POST", "/notes"),
        ("DELETE", "/notes/3"),
    ] {
        let request = TestRequest::default()
            .method(method.parse().unwrap())
            .uri(uri);
        let response = test::call_service(&app, request.to_request()).await;
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {uri}"
        );
    }
}
