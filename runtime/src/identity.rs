//! Who the caller is: the [`Identity`] trait and the ready-made [`Principal`].

use std::any::Any;
use std::fmt;

use serde::{Deserialize, Serialize, Serializer};

/// An authenticated caller, as the requirements of `#[requires(...)]` see it.
///
/// Implement it for your own user type to keep using that type in handlers (read it back with
/// [`Caller<YourType>`](crate::Caller)); or use [`Principal`], which every built-in authenticator
/// produces. Membership tests default to `false`, so a type that knows nothing of permissions or
/// scopes never satisfies such a requirement by accident.
///
/// Implementations must not allocate or block: they run on every protected request.
///
/// # Example
///
/// ```
/// use actix_authz::Identity;
///
/// #[derive(Debug)]
/// struct User {
///     id: String,
///     is_admin: bool,
/// }
///
/// impl Identity for User {
///     fn subject(&self) -> &str {
///         &self.id
///     }
///
///     fn has_role(&self, role: &str) -> bool {
///         role == "admin" && self.is_admin
///     }
/// }
///
/// let user = User { id: "u-1".into(), is_admin: true };
/// assert!(user.has_role("admin"));
/// assert!(!user.has_permission("posts:delete"));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an identity type of actix-authz",
    label = "this type does not implement `actix_authz::Identity`",
    note = "implement `actix_authz::Identity` for `{Self}` (a `subject()` and the membership tests it supports), or use `actix_authz::Principal`"
)]
pub trait Identity: Any + Send + Sync + fmt::Debug {
    /// The stable identifier of the caller (the JWT `sub`, the Basic user id, a user id).
    fn subject(&self) -> &str;

    /// Whether the caller holds `role`.
    fn has_role(&self, role: &str) -> bool {
        let _ = role;
        false
    }

    /// Whether the caller holds `permission`.
    fn has_permission(&self, permission: &str) -> bool {
        let _ = permission;
        false
    }

    /// Whether the caller's credentials grant the OAuth `scope`.
    fn has_scope(&self, scope: &str) -> bool {
        let _ = scope;
        false
    }
}

/// A ready-made identity: a subject with roles, permissions and OAuth scopes.
///
/// The built-in [`JwtAuthenticator`](crate::JwtAuthenticator) reads it from the claims `sub`,
/// `roles` (array), `permissions` (array) and `scope` (space-separated string). It serializes to
/// the same claims (`scope` left out when there is none), so that what a session or a
/// response stores reads back as an equal principal.
///
/// # Example
///
/// ```
/// use actix_authz::{Identity, Principal};
///
/// let bob = Principal::new("bob")
///     .with_roles(["editor"])
///     .with_permissions(["posts:delete"])
///     .with_scopes(["articles:read"]);
///
/// assert_eq!(bob.subject(), "bob");
/// assert!(bob.has_role("editor"));
/// assert!(bob.has_permission("posts:delete"));
/// assert!(bob.has_scope("articles:read"));
/// assert!(!bob.has_role("admin"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(try_from = "JwtClaims")]
pub struct Principal {
    subject: String,
    roles: Vec<String>,
    permissions: Vec<String>,
    scopes: Vec<String>,
}

impl Principal {
    /// A principal with no roles, permissions or scopes.
    pub fn new(subject: impl Into<String>) -> Self {
        Self {
            subject: subject.into(),
            roles: Vec::new(),
            permissions: Vec::new(),
            scopes: Vec::new(),
        }
    }

    /// Adds roles.
    #[must_use]
    pub fn with_roles<S: Into<String>>(mut self, roles: impl IntoIterator<Item = S>) -> Self {
        self.roles.extend(roles.into_iter().map(Into::into));
        self
    }

    /// Adds permissions.
    #[must_use]
    pub fn with_permissions<S: Into<String>>(
        mut self,
        permissions: impl IntoIterator<Item = S>,
    ) -> Self {
        self.permissions
            .extend(permissions.into_iter().map(Into::into));
        self
    }

    /// Adds OAuth scopes. A string with spaces is several scopes, as in the `scope` claim
    /// (RFC 6749 §3.3); empty ones are left out.
    ///
    /// ```
    /// use actix_authz::Principal;
    ///
    /// let reader = Principal::new("r").with_scopes(["articles:read  articles:write", ""]);
    /// assert_eq!(reader.scopes(), ["articles:read", "articles:write"]);
    /// ```
    #[must_use]
    pub fn with_scopes<S: Into<String>>(mut self, scopes: impl IntoIterator<Item = S>) -> Self {
        for scope in scopes {
            let scope = scope.into();
            // A scope token never holds a space, so the `scope` claim can carry every scope.
            if scope_tokens(&scope).eq([scope.as_str()]) {
                self.scopes.push(scope);
            } else {
                self.scopes.extend(scope_tokens(&scope).map(str::to_owned));
            }
        }
        self
    }

    /// The roles, in the order they were given.
    pub fn roles(&self) -> &[String] {
        &self.roles
    }

    /// The permissions, in the order they were given.
    pub fn permissions(&self) -> &[String] {
        &self.permissions
    }

    /// The OAuth scopes, in the order they were given.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }
}

impl Identity for Principal {
    fn subject(&self) -> &str {
        &self.subject
    }

    fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|held| held == role)
    }

    fn has_permission(&self, permission: &str) -> bool {
        self.permissions.iter().any(|held| held == permission)
    }

    fn has_scope(&self, scope: &str) -> bool {
        self.scopes.iter().any(|held| held == scope)
    }
}

/// The scope tokens of a `scope` claim: separated by spaces, none empty (RFC 6749 §3.3).
fn scope_tokens(scope: &str) -> impl Iterator<Item = &str> {
    scope.split(' ').filter(|token| !token.is_empty())
}

/// The claims a [`Principal`] is written as, the ones it is read from.
#[derive(Serialize)]
#[serde(rename = "Principal")]
struct ClaimsOf<'a> {
    sub: &'a str,
    roles: &'a [String],
    permissions: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    scope: Option<String>,
}

impl Serialize for Principal {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        ClaimsOf {
            sub: &self.subject,
            roles: &self.roles,
            permissions: &self.permissions,
            scope: (!self.scopes.is_empty()).then(|| self.scopes.join(" ")),
        }
        .serialize(serializer)
    }
}

/// The claims a [`Principal`] is read from: RFC 9068 style `scope`, plus `roles`/`permissions`.
#[derive(Deserialize)]
struct JwtClaims {
    sub: String,
    #[serde(default)]
    roles: Vec<String>,
    #[serde(default)]
    permissions: Vec<String>,
    #[serde(default)]
    scope: Option<String>,
}

impl TryFrom<JwtClaims> for Principal {
    type Error = &'static str;

    fn try_from(claims: JwtClaims) -> Result<Self, Self::Error> {
        if claims.sub.is_empty() {
            return Err("the `sub` claim is empty");
        }
        Ok(Self {
            subject: claims.sub,
            roles: claims.roles,
            permissions: claims.permissions,
            scopes: scope_tokens(claims.scope.as_deref().unwrap_or_default())
                .map(str::to_owned)
                .collect(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn principal_reads_standard_claims() {
        let principal: Principal = serde_json::from_value(serde_json::json!({
            "sub": "bob",
            "roles": ["editor"],
            "permissions": ["posts:delete"],
            "scope": "articles:read  articles:write",
            "exp": 1,
        }))
        .unwrap();
        assert_eq!(principal.subject(), "bob");
        assert_eq!(principal.roles(), ["editor"]);
        assert_eq!(principal.permissions(), ["posts:delete"]);
        assert_eq!(principal.scopes(), ["articles:read", "articles:write"]);
    }

    #[test]
    fn principal_survives_a_round_trip() {
        let principals = [
            Principal::new("bob")
                .with_roles(["editor", "admin"])
                .with_permissions(["posts:delete"])
                .with_scopes(["articles:read", "articles:write"]),
            Principal::new("carol").with_scopes(["openid"]),
            Principal::new("dave"),
        ];
        for principal in principals {
            let json = serde_json::to_value(&principal).unwrap();
            let back: Principal = serde_json::from_value(json.clone()).unwrap();
            assert_eq!(back, principal, "{json}");
            let text = serde_json::to_string(&principal).unwrap();
            assert_eq!(serde_json::from_str::<Principal>(&text).unwrap(), principal);
        }
    }

    #[test]
    fn principal_is_written_as_its_claims() {
        let bob = Principal::new("bob")
            .with_roles(["editor"])
            .with_permissions(["posts:delete"])
            .with_scopes(["articles:read", "articles:write"]);
        assert_eq!(
            serde_json::to_value(&bob).unwrap(),
            serde_json::json!({
                "sub": "bob",
                "roles": ["editor"],
                "permissions": ["posts:delete"],
                "scope": "articles:read articles:write",
            })
        );
        assert_eq!(
            serde_json::to_value(Principal::new("dave")).unwrap(),
            serde_json::json!({"sub": "dave", "roles": [], "permissions": []})
        );
    }

    #[test]
    fn scopes_with_spaces_are_several_scopes() {
        let principal = Principal::new("a").with_scopes([" x  y ", "", "z"]);
        assert_eq!(principal.scopes(), ["x", "y", "z"]);
        assert!(!principal.has_scope("x  y"));
        let json = serde_json::to_value(&principal).unwrap();
        assert_eq!(json["scope"], "x y z");
        assert_eq!(
            serde_json::from_value::<Principal>(json).unwrap(),
            principal
        );
    }

    /// Only the `scope` claim grants scopes: a token's other claims never widen what it grants.
    #[test]
    fn scopes_are_read_from_the_scope_claim_only() {
        let principal: Principal = serde_json::from_value(serde_json::json!({
            "sub": "bob",
            "scopes": ["articles:write"],
            "scp": ["articles:write"],
        }))
        .unwrap();
        assert!(principal.scopes().is_empty());
    }

    #[test]
    fn principal_needs_a_subject() {
        assert!(serde_json::from_value::<Principal>(serde_json::json!({"roles": []})).is_err());
        assert!(serde_json::from_value::<Principal>(serde_json::json!({"sub": ""})).is_err());
        assert!(serde_json::from_value::<Principal>(serde_json::json!({"sub": 7})).is_err());
    }

    #[test]
    fn membership_is_exact() {
        let p = Principal::new("a").with_roles(["admin"]);
        assert!(p.has_role("admin"));
        assert!(!p.has_role("Admin"));
        assert!(!p.has_role("admi"));
        assert!(!p.has_permission("admin"));
    }
}
