use actix_web::get;

// Re-exports the attribute but not the hidden module its expansion names.
mod authz {
    pub use actix_authz::requires;
}

#[get("/admin")]
#[authz::requires(role = "admin", crate = "crate::authz")]
async fn admin() -> &'static str {
    "admin area"
}

fn main() {}
