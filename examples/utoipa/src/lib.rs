//! An API whose OpenAPI document states what each operation requires, from the same
//! attributes that enforce it: `cargo run -p utoipa-example`, then `GET /openapi.json`.
//!
//! `#[utoipa::path]` describes each operation as usual (stacked above or below
//! `#[requires]`); [`AuthzSecurity`] adds the `security` requirement, the 401/403 responses
//! and the `x-required-roles`/`x-required-permissions` extensions.
//!
//! | route | protection |
//! | --- | --- |
//! | `GET /openapi.json` | public |
//! | `GET /notes` | scope `notes:read` |
//! | `POST /notes` | role `writer` and scope `notes:write` |
//! | `DELETE /notes/{id}` | permission `notes:delete` |

use actix_authz::openapi::AuthzSecurity;
use actix_authz::{AuthzConfig, JwtAuthenticator, public, requires};
use actix_web::{HttpResponse, delete, get, post, web};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

/// The realm of the challenges.
pub const REALM: &str = "notes";

/// A note.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Note {
    /// Its text.
    pub text: String,
}

/// The API's document.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Notes", description = "An actix-authz API documented with utoipa"),
    paths(spec, list_notes, create_note, delete_note),
    modifiers(&AuthzSecurity)
)]
pub struct ApiDoc;

/// The API's authorization: Bearer tokens signed with `secret` (HS256).
pub fn authz(secret: &[u8]) -> AuthzConfig {
    AuthzConfig::new(REALM).authenticator(JwtAuthenticator::hs256(secret))
}

/// The API's routes. The app also needs [`authz`].
///
/// ```
/// use actix_web::{App, test};
///
/// # actix_web::rt::System::new().block_on(async {
/// let app = test::init_service(
///     App::new().app_data(utoipa_example::authz(b"secret")).configure(utoipa_example::configure),
/// )
/// .await;
/// let response = test::call_service(&app, test::TestRequest::get().uri("/openapi.json").to_request()).await;
/// let spec: serde_json::Value = test::read_body_json(response).await;
/// assert_eq!(spec["paths"]["/notes"]["get"]["security"], serde_json::json!([{ "bearer": ["notes:read"] }]));
/// # });
/// ```
pub fn configure(config: &mut web::ServiceConfig) {
    config
        .service(spec)
        .service(list_notes)
        .service(create_note)
        .service(delete_note);
}

#[public]
#[utoipa::path(responses((status = 200, description = "This document")))]
#[get("/openapi.json")]
async fn spec() -> HttpResponse {
    HttpResponse::Ok().json(ApiDoc::openapi())
}

// `#[requires]` above `#[utoipa::path]`…
#[requires(scope = "notes:read")]
#[utoipa::path(responses((status = 200, description = "The notes", body = [Note])))]
#[get("/notes")]
async fn list_notes() -> web::Json<Vec<Note>> {
    web::Json(vec![Note {
        text: "buy milk".to_owned(),
    }])
}

// … or below it.
#[utoipa::path(responses((status = 201, description = "Created", body = Note)))]
#[requires(role = "writer", scope = "notes:write")]
#[post("/notes")]
async fn create_note(note: web::Json<Note>) -> HttpResponse {
    HttpResponse::Created().json(note.into_inner())
}

#[requires(permission = "notes:delete")]
#[utoipa::path(responses((status = 204, description = "Deleted")))]
#[delete("/notes/{id}")]
async fn delete_note(id: web::Path<u32>) -> HttpResponse {
    let _deleted = id.into_inner();
    HttpResponse::NoContent().finish()
}
