//! The requirement each handler declares, in its OpenAPI operation (feature `utoipa`).
//!
//! [`AuthzSecurity`] is a [`utoipa::Modify`]: add it to your `#[derive(OpenApi)]` and every
//! operation of an annotated handler gets, from the same attribute that enforces it:
//!
//! - `security`: one alternative per configured scheme, listing the OAuth scopes the
//!   requirement needs (`scope = "…"` at the top level or under `all(...)`); an empty list for
//!   `#[public]` handlers, which overrides a global requirement;
//! - a `401` response (no valid credentials) and a `403` response (the identity lacks the
//!   requirement), or `404` for a handler with `hide`, each with its `WWW-Authenticate` header
//!   and `application/problem+json` body documented; responses you documented yourself are
//!   kept, and only get the header when they lack it;
//! - the extensions `x-required-roles` and `x-required-permissions` (what every caller must
//!   hold), `x-authz-requirement` (the whole requirement in the attributes' syntax, including
//!   any `any(...)` alternatives and `not(...)` exclusions, which the two lists leave out; a
//!   typed role or permission that other roles stand in for, through a
//!   [`vocabulary`](crate::vocabulary), is an alternative too, spelled out as the `any(...)` of
//!   them), and `x-authz-checks` when the handler has argument-aware checks.
//!
//! The requirement comes from [`registry::entries`], so the spec
//! cannot drift from what the server enforces. An operation is matched to its handler by method
//! and path when the handler's route is known to the registry (write `#[requires]` above the
//! route attribute, `#[get("/path")]`); otherwise, or when a scope prefixes the path, by its
//! `operationId`, which `#[utoipa::path]` sets to the function's name. `#[utoipa::path]` may go
//! above or below `#[requires]`.
//!
//! # Example
//!
//! ```
//! use actix_authz::openapi::AuthzSecurity;
//! use actix_authz::requires;
//! use actix_web::get;
//! use utoipa::OpenApi;
//!
//! #[requires(role = "admin", scope = "audit:read")]
//! #[utoipa::path(get, path = "/audit-log", responses((status = 200, description = "the log")))]
//! #[get("/audit-log")]
//! async fn audit_log() -> &'static str {
//!     "log"
//! }
//!
//! #[derive(OpenApi)]
//! #[openapi(paths(audit_log), modifiers(&AuthzSecurity))]
//! struct Api;
//!
//! let spec = serde_json::to_value(Api::openapi()).unwrap();
//! let operation = &spec["paths"]["/audit-log"]["get"];
//! assert_eq!(operation["security"], serde_json::json!([{ "bearer": ["audit:read"] }]));
//! assert_eq!(operation["x-required-roles"], serde_json::json!(["admin"]));
//! assert!(operation["responses"]["401"]["headers"]["WWW-Authenticate"].is_object());
//! assert!(operation["responses"]["403"].is_object());
//! ```

use std::fmt;

use utoipa::Modify;
use utoipa::openapi::content::Content;
use utoipa::openapi::extensions::Extensions;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::response::{Response, Responses};
use utoipa::openapi::schema::{Components, Object, ObjectBuilder, Type};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{OpenApi, RefOr};

use crate::Requirement;
use crate::registry::{self, Protection, RouteEntry};

/// Documents the requirement of every annotated handler in its OpenAPI operation, with one HTTP
/// Bearer (JWT) security scheme named `bearer`. For other schemes, use [`AuthzSchemes`].
///
/// See the [module documentation](self) for what it adds and an example.
#[derive(Debug, Clone, Copy, Default)]
pub struct AuthzSecurity;

impl Modify for AuthzSecurity {
    fn modify(&self, openapi: &mut OpenApi) {
        AuthzSchemes::BEARER.modify(openapi);
    }
}

/// A security scheme the operations of annotated handlers require, by the name it has in the
/// spec's `components.securitySchemes`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scheme {
    /// HTTP Bearer with `bearerFormat: JWT`, declared under this name.
    Bearer(&'static str),
    /// HTTP Basic, declared under this name.
    Basic(&'static str),
    /// A scheme you declare yourself (an API key, OAuth 2, OpenID Connect), under this name;
    /// operations refer to it and it is left as you wrote it.
    Declared(&'static str),
}

impl Scheme {
    fn name(self) -> &'static str {
        match self {
            Self::Bearer(name) | Self::Basic(name) | Self::Declared(name) => name,
        }
    }

    fn declaration(self) -> Option<SecurityScheme> {
        match self {
            Self::Bearer(_) => {
                let mut bearer = Http::new(HttpAuthScheme::Bearer);
                bearer.bearer_format = Some("JWT".to_owned());
                Some(SecurityScheme::Http(bearer))
            }
            Self::Basic(_) => Some(SecurityScheme::Http(Http::new(HttpAuthScheme::Basic))),
            Self::Declared(_) => None,
        }
    }
}

/// Like [`AuthzSecurity`], with the security schemes of your app: an operation may be called
/// with any one of them. A `const`, so that `#[openapi(modifiers(&SECURITY))]` can name it.
///
/// ```
/// use actix_authz::openapi::{AuthzSchemes, Scheme};
/// use actix_authz::requires;
/// use utoipa::OpenApi;
///
/// const SECURITY: AuthzSchemes = AuthzSchemes::new(&[Scheme::Bearer("jwt"), Scheme::Basic("basic")]);
///
/// #[requires(permission = "posts:delete")]
/// #[utoipa::path(delete, path = "/posts/{id}", responses((status = 204)))]
/// #[actix_web::delete("/posts/{id}")]
/// async fn delete_post(id: actix_web::web::Path<u32>) -> actix_web::HttpResponse {
///     let _ = id;
///     actix_web::HttpResponse::NoContent().finish()
/// }
///
/// #[derive(OpenApi)]
/// #[openapi(paths(delete_post), modifiers(&SECURITY))]
/// struct Api;
///
/// let spec = serde_json::to_value(Api::openapi()).unwrap();
/// let operation = &spec["paths"]["/posts/{id}"]["delete"];
/// assert_eq!(operation["security"], serde_json::json!([{ "jwt": [] }, { "basic": [] }]));
/// assert_eq!(operation["x-required-permissions"], serde_json::json!(["posts:delete"]));
/// assert_eq!(spec["components"]["securitySchemes"]["basic"]["scheme"], "basic");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct AuthzSchemes {
    schemes: &'static [Scheme],
}

impl AuthzSchemes {
    /// One HTTP Bearer (JWT) scheme named `bearer`: what [`AuthzSecurity`] uses.
    pub const BEARER: Self = Self::new(&[Scheme::Bearer("bearer")]);

    /// These schemes, in this order.
    pub const fn new(schemes: &'static [Scheme]) -> Self {
        Self { schemes }
    }

    /// Documents the handlers of `entries` instead of every registered one: for tests and for
    /// apps that build their spec by hand.
    pub fn document<'a>(
        &self,
        openapi: &mut OpenApi,
        entries: impl IntoIterator<Item = &'a RouteEntry>,
    ) {
        let entries: Vec<&RouteEntry> = entries.into_iter().collect();
        self.declare_schemes(openapi);
        for (path, item) in openapi.paths.paths.iter_mut() {
            for (method, operation) in operations(item) {
                if let Some(entry) = handler_of(&entries, path, method, operation) {
                    self.document_operation(operation, entry);
                }
            }
        }
    }

    fn declare_schemes(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Components::new);
        for scheme in self.schemes {
            if let Some(declaration) = scheme.declaration() {
                components
                    .security_schemes
                    .entry(scheme.name().to_owned())
                    .or_insert(RefOr::T(declaration));
            }
        }
    }

    /// Documents the routes of an [`audit::Matrix`](crate::audit::Matrix) instead: each
    /// operation found by the route's method and full path (scopes included) gets the
    /// handler's requirement **and** the rules of the [`Require`](crate::Require) middleware
    /// of its scopes, all of which the server enforces. Use it when scopes carry rules. A route
    /// whose scopes' rules the audit could not learn (its row shows `?`) is documented with the
    /// handler's requirement and `x-authz-scope-rules-unknown: true`: its scopes may require more.
    ///
    /// ```
    /// use actix_authz::openapi::AuthzSchemes;
    /// use actix_authz::{Require, Requirement, audit, requires};
    /// use actix_web::{get, web};
    /// use utoipa::OpenApi;
    ///
    /// const STAFF: Requirement = Requirement::Role("staff");
    ///
    /// #[requires(permission = "tickets:close")]
    /// #[utoipa::path(get, path = "/desk/queue", responses((status = 200, description = "the queue")))]
    /// #[get("/queue")]
    /// async fn queue() -> &'static str {
    ///     "queue"
    /// }
    ///
    /// fn routes(config: &mut web::ServiceConfig) {
    ///     config.service(web::scope("/desk").wrap(Require::new(&STAFF)).service(queue));
    /// }
    ///
    /// #[derive(OpenApi)]
    /// #[openapi(paths(queue))]
    /// struct Api;
    ///
    /// # actix_web::rt::System::new().block_on(async {
    /// let mut spec = Api::openapi();
    /// AuthzSchemes::BEARER.document_matrix(&mut spec, &audit::matrix(routes).await.unwrap());
    /// let spec = serde_json::to_value(spec).unwrap();
    /// let operation = &spec["paths"]["/desk/queue"]["get"];
    /// assert_eq!(operation["x-required-roles"], serde_json::json!(["staff"]));
    /// assert_eq!(operation["x-required-permissions"], serde_json::json!(["tickets:close"]));
    /// assert_eq!(
    ///     operation["x-authz-requirement"],
    ///     r#"all(role = "staff", permission = "tickets:close")"#
    /// );
    /// # });
    /// ```
    pub fn document_matrix(&self, openapi: &mut OpenApi, matrix: &crate::audit::Matrix) {
        use crate::audit::Access;
        self.declare_schemes(openapi);
        for row in matrix.rows() {
            let path = without_patterns(&row.path);
            let Some(item) = openapi
                .paths
                .paths
                .iter_mut()
                .find_map(|(spec_path, item)| {
                    (without_patterns(spec_path) == path).then_some(item)
                })
            else {
                continue;
            };
            for (method, operation) in operations(item) {
                if !row.methods.contains(&method) {
                    continue;
                }
                match row.access {
                    Access::Public => operation.security = Some(Vec::new()),
                    Access::Protected {
                        requirement,
                        hidden,
                        checks,
                        shadow,
                    } => {
                        let mut requirements: Vec<&'static Requirement> = row
                            .scope_rules
                            .iter()
                            .flatten()
                            .map(|rule| rule.requirement)
                            .collect();
                        requirements.push(requirement);
                        let enforced = Enforced {
                            requirements: &requirements,
                            hidden,
                            checks,
                            shadow,
                            scope_rules_known: row.scope_rules.is_some(),
                        };
                        self.protect(operation, &enforced);
                    }
                    _ => {}
                }
            }
        }
    }

    fn document_operation(&self, operation: &mut Operation, entry: &RouteEntry) {
        match entry.protection() {
            Protection::Protected {
                requirement,
                hidden,
                checks,
                shadow,
            } => {
                let enforced = Enforced {
                    requirements: &[requirement],
                    hidden,
                    checks,
                    shadow,
                    scope_rules_known: true,
                };
                self.protect(operation, &enforced);
            }
            Protection::Public => operation.security = Some(Vec::new()),
        }
    }

    /// Documents an operation that requires all of `requirements`.
    fn protect(&self, operation: &mut Operation, enforced: &Enforced<'_>) {
        let Enforced {
            requirements,
            hidden,
            checks,
            shadow,
            scope_rules_known,
        } = *enforced;
        let mut needs = Needs::default();
        requirements.iter().for_each(|r| needs.collect(r));
        let requirement = match requirements {
            [only] => SpelledOut(only).to_string(),
            all => {
                let all: Vec<String> = all.iter().map(|r| SpelledOut(r).to_string()).collect();
                format!("all({})", all.join(", "))
            }
        };
        operation.security = Some(
            self.schemes
                .iter()
                .map(|scheme| SecurityRequirement::new(scheme.name(), needs.scopes.clone()))
                .collect(),
        );
        document_refusal(&mut operation.responses, "401", unauthorized());
        if hidden {
            document_refusal(&mut operation.responses, "404", hidden_denial());
        } else {
            document_refusal(&mut operation.responses, "403", forbidden());
        }
        let mut extensions = Extensions::builder()
            .add("x-required-roles", needs.roles)
            .add("x-required-permissions", needs.permissions)
            .add("x-authz-requirement", requirement);
        if !checks.is_empty() {
            extensions = extensions.add("x-authz-checks", checks.to_vec());
        }
        if shadow {
            // Rolled out in shadow mode: documented as it will be enforced, and said so.
            extensions = extensions.add("x-authz-shadow", true);
        }
        if !scope_rules_known {
            // The audit could not learn the rules of the route's scopes: there may be more.
            extensions = extensions.add("x-authz-scope-rules-unknown", true);
        }
        operation
            .extensions
            .get_or_insert_with(Extensions::default)
            .merge(extensions.build());
    }
}

impl Modify for AuthzSchemes {
    fn modify(&self, openapi: &mut OpenApi) {
        self.document(openapi, registry::entries());
    }
}

/// The operations of a path item, with their methods.
fn operations(item: &mut PathItem) -> impl Iterator<Item = (&'static str, &mut Operation)> {
    [
        ("GET", item.get.as_mut()),
        ("PUT", item.put.as_mut()),
        ("POST", item.post.as_mut()),
        ("DELETE", item.delete.as_mut()),
        ("OPTIONS", item.options.as_mut()),
        ("HEAD", item.head.as_mut()),
        ("PATCH", item.patch.as_mut()),
        ("TRACE", item.trace.as_mut()),
    ]
    .into_iter()
    .filter_map(|(method, operation)| Some((method, operation?)))
}

/// The handler of an operation: the one declared with its method and path (the one named by
/// its `operationId` when several are, or when it names another handler whose declared path
/// ends the operation's); else the one its `operationId` names, when exactly one handler has
/// that name and no declared route contradicts it.
fn handler_of<'a>(
    entries: &[&'a RouteEntry],
    path: &str,
    method: &str,
    operation: &Operation,
) -> Option<&'a RouteEntry> {
    let path = without_patterns(path);
    let id = operation.operation_id.as_deref();
    let by_route: Vec<&RouteEntry> = entries
        .iter()
        .copied()
        .filter(|entry| {
            entry.route().is_some_and(|route| {
                route.methods().contains(&method) && without_patterns(route.path()) == path
            })
        })
        .collect();
    let named = |candidates: &mut dyn Iterator<Item = &'a RouteEntry>| {
        let mut named = candidates.filter(|entry| Some(entry.handler()) == id);
        match (named.next(), named.next()) {
            (Some(entry), None) => Some(entry),
            _ => None,
        }
    };
    // Declared with a path the operation's ends with: mounted under a scope.
    let under_scope = || {
        entries.iter().copied().filter(|entry| {
            entry.route().is_none_or(|route| {
                route.methods().contains(&method) && path.ends_with(&without_patterns(route.path()))
            })
        })
    };
    match by_route.as_slice() {
        // Unless the `operationId` names another handler mounted there: one declared at this
        // very path may be mounted elsewhere (`#[get("/reports")]` under `/public`), while the
        // operation's is declared `""` under `/reports`.
        [only] => Some(
            id.filter(|id| *id != only.handler())
                .and_then(|_| named(&mut under_scope()))
                .unwrap_or(only),
        ),
        [] => named(&mut under_scope()),
        several => named(&mut several.iter().copied()),
    }
}

/// `/posts/{id:\d+}` as OpenAPI writes it: `/posts/{id}`.
fn without_patterns(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_pattern = false;
    let mut depth = 0usize;
    for c in path.chars() {
        match c {
            '{' => {
                depth += 1;
                if !in_pattern {
                    out.push(c);
                }
            }
            '}' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    in_pattern = false;
                    out.push(c);
                }
            }
            ':' if depth == 1 => in_pattern = true,
            _ if !in_pattern => out.push(c),
            _ => {}
        }
    }
    out
}

/// What the server enforces on an operation.
#[derive(Clone, Copy)]
struct Enforced<'a> {
    /// All of them: a handler's requirement, after its scopes' rules.
    requirements: &'a [&'static Requirement],
    hidden: bool,
    checks: &'static [&'static str],
    shadow: bool,
    /// Whether `requirements` holds every rule of the route's scopes.
    scope_rules_known: bool,
}

/// What every caller must hold for a requirement: its roles, permissions and scopes at the top
/// level and under `all(...)` (and under an `any(...)` of one item).
#[derive(Debug, Default, PartialEq, Eq)]
struct Needs {
    roles: Vec<&'static str>,
    permissions: Vec<&'static str>,
    scopes: Vec<&'static str>,
}

impl Needs {
    #[cfg(test)]
    fn of(requirement: &'static Requirement) -> Self {
        let mut needs = Self::default();
        needs.collect(requirement);
        needs
    }

    fn collect(&mut self, requirement: &'static Requirement) {
        fn push(list: &mut Vec<&'static str>, name: &'static str) {
            if !list.contains(&name) {
                list.push(name);
            }
        }
        match requirement {
            Requirement::Role(role) => push(&mut self.roles, role),
            // Held through one role (itself, when no other implies it), or a permission no
            // role grants. Otherwise the roles that stand in for it are alternatives.
            Requirement::TypedRole(term) if term.roles().len() == 1 => {
                push(&mut self.roles, term.roles()[0]);
            }
            Requirement::TypedPermission(term) if term.roles().is_empty() => {
                push(&mut self.permissions, term.name());
            }
            Requirement::Permission(permission) => push(&mut self.permissions, permission),
            Requirement::Scope(scope) => push(&mut self.scopes, scope),
            Requirement::All(all) => all.iter().for_each(|item| self.collect(item)),
            Requirement::Any([only]) => self.collect(only),
            Requirement::Authenticated
            | Requirement::TypedRole(_)
            | Requirement::TypedPermission(_)
            | Requirement::Any(_)
            | Requirement::Not(_) => {}
        }
    }
}

/// A requirement in the attributes' syntax, as a client must read it: a typed role or
/// permission that other roles stand in for is written as the `any(...)` of them all, since
/// the vocabulary that says so is not in the spec.
struct SpelledOut(&'static Requirement);

impl fmt::Display for SpelledOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list<T>(
            f: &mut fmt::Formatter<'_>,
            name: &str,
            items: impl IntoIterator<Item = T>,
            item: impl Fn(&mut fmt::Formatter<'_>, T) -> fmt::Result,
        ) -> fmt::Result {
            write!(f, "{name}(")?;
            for (index, each) in items.into_iter().enumerate() {
                if index > 0 {
                    f.write_str(", ")?;
                }
                item(f, each)?;
            }
            f.write_str(")")
        }
        let role = |f: &mut fmt::Formatter<'_>, role: &&str| write!(f, "role = {role:?}");
        match self.0 {
            Requirement::TypedRole(term) => match term.roles() {
                [only] => role(f, only),
                roles => list(f, "any", roles, role),
            },
            Requirement::TypedPermission(term) if !term.roles().is_empty() => {
                write!(f, "any(permission = {:?}", term.name())?;
                for granting in term.roles() {
                    write!(f, ", role = {granting:?}")?;
                }
                f.write_str(")")
            }
            Requirement::All(all) => {
                list(f, "all", *all, |f, item| write!(f, "{}", SpelledOut(item)))
            }
            Requirement::Any(any) => {
                list(f, "any", *any, |f, item| write!(f, "{}", SpelledOut(item)))
            }
            Requirement::Not(inner) => write!(f, "not({})", SpelledOut(inner)),
            plain => write!(f, "{plain}"),
        }
    }
}

/// Adds `response` under `status`, or, when the operation documents that status already, only
/// the `WWW-Authenticate` header it lacks.
fn document_refusal(responses: &mut Responses, status: &str, response: Response) {
    match responses.responses.get_mut(status) {
        Some(RefOr::T(existing)) => {
            for (name, header) in response.headers {
                existing.headers.entry(name).or_insert(header);
            }
        }
        Some(RefOr::Ref(_)) => {}
        None => {
            responses
                .responses
                .insert(status.to_owned(), RefOr::T(response));
        }
    }
}

fn www_authenticate(description: &str) -> Header {
    let mut header = Header::new(Object::with_type(Type::String));
    header.description = Some(description.to_owned());
    header
}

fn problem() -> Content {
    let string = || Object::with_type(Type::String);
    let schema = ObjectBuilder::new()
        .description(Some("RFC 9457 problem details"))
        .property("type", string())
        .property("title", string())
        .property("status", Object::with_type(Type::Integer))
        .property("detail", string())
        .required("type")
        .required("title")
        .required("status")
        .required("detail");
    Content::new(Some(schema))
}

fn unauthorized() -> Response {
    let mut response = Response::new(
        "No valid credentials: missing, expired, malformed or wrong. The challenges say how to \
         authenticate.",
    );
    response.headers.insert(
        "WWW-Authenticate".to_owned(),
        www_authenticate(
            "One challenge per configured scheme, e.g. `Bearer realm=\"api\"`; a rejected \
             Bearer token adds `error=\"invalid_token\"`.",
        )
        .into(),
    );
    response
        .content
        .insert("application/problem+json".to_owned(), problem().into());
    response
}

fn forbidden() -> Response {
    let mut response =
        Response::new("The authenticated identity does not satisfy the handler's requirement.");
    response.headers.insert(
        "WWW-Authenticate".to_owned(),
        www_authenticate(
            "For a Bearer token: `Bearer realm=\"api\", error=\"insufficient_scope\"`, with \
             `scope=\"…\"` listing the missing scopes. Absent for other schemes.",
        )
        .into(),
    );
    response
        .content
        .insert("application/problem+json".to_owned(), problem().into());
    response
}

fn hidden_denial() -> Response {
    Response::new(
        "Not found, or not visible to this identity: a denied caller gets the same answer as \
         for a resource that does not exist.",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_stripped_like_openapi_writes_paths() {
        assert_eq!(without_patterns("/posts/{id:\\d+}"), "/posts/{id}");
        assert_eq!(without_patterns("/a/{x:[0-9]{2}}/b/{y}"), "/a/{x}/b/{y}");
        assert_eq!(without_patterns("/plain"), "/plain");
    }

    #[test]
    fn an_operation_goes_to_the_handler_mounted_at_its_path() {
        use utoipa::openapi::path::OperationBuilder;

        use crate::registry::DeclaredRoute;

        const PROTECTED: Protection = Protection::Protected {
            requirement: &Requirement::Role("admin"),
            hidden: false,
            checks: &[],
            shadow: false,
        };
        // `index` is declared `""` and mounted under `/reports`; `summary` is declared
        // `/reports` and mounted under `/public`.
        static INDEX: RouteEntry = RouteEntry::new(
            "index",
            "app::reports",
            Some(DeclaredRoute::new(&["GET"], "", false)),
            PROTECTED,
        );
        static SUMMARY: RouteEntry = RouteEntry::new(
            "summary",
            "app::public",
            Some(DeclaredRoute::new(&["GET"], "/reports", false)),
            Protection::Public,
        );
        let entries = [&INDEX, &SUMMARY];
        let operation = |id: &str| OperationBuilder::new().operation_id(Some(id)).build();
        for (path, id, handler) in [
            ("/reports", "index", "index"),
            ("/public/reports", "summary", "summary"),
            // A custom `operationId` names no handler: the one declared at the path.
            ("/reports", "listReports", "summary"),
        ] {
            let found = handler_of(&entries, path, "GET", &operation(id));
            assert_eq!(found.map(RouteEntry::handler), Some(handler), "{path} {id}");
        }
    }

    #[test]
    fn needs_are_the_unconditional_parts() {
        const R: Requirement = Requirement::All(&[
            Requirement::Role("editor"),
            Requirement::Any(&[Requirement::Permission("p")]),
            Requirement::Any(&[Requirement::Role("a"), Requirement::Role("b")]),
            Requirement::Not(&Requirement::Role("banned")),
            Requirement::Scope("s"),
            Requirement::Role("editor"),
        ]);
        assert_eq!(
            Needs::of(&R),
            Needs {
                roles: vec!["editor"],
                permissions: vec!["p"],
                scopes: vec!["s"],
            }
        );
    }

    /// A typed term that roles stand in for is an alternative: not needed, and spelled out.
    #[test]
    fn typed_terms_are_spelled_out_with_the_roles_that_stand_in_for_them() {
        use crate::Term;

        const STAFF: Term = Term::new("staff", &["admin", "staff"]);
        const ALONE: Term = Term::new("alone", &["alone"]);
        const DELETE: Term = Term::new("posts:delete", &["admin"]);
        const UNGRANTED: Term = Term::new("posts:read", &[]);
        const R: Requirement = Requirement::All(&[
            Requirement::TypedRole(&STAFF),
            Requirement::TypedRole(&ALONE),
            Requirement::TypedPermission(&DELETE),
            Requirement::TypedPermission(&UNGRANTED),
            Requirement::Not(&Requirement::TypedRole(&STAFF)),
        ]);
        assert_eq!(
            Needs::of(&R),
            Needs {
                roles: vec!["alone"],
                permissions: vec!["posts:read"],
                scopes: vec![],
            }
        );
        assert_eq!(
            SpelledOut(&R).to_string(),
            r#"all(any(role = "admin", role = "staff"), role = "alone", "#.to_owned()
                + r#"any(permission = "posts:delete", role = "admin"), "#
                + r#"permission = "posts:read", not(any(role = "admin", role = "staff")))"#
        );
    }
}
