//! What a handler asks of its caller: the [`Requirement`] tree that `#[requires(...)]` builds.

use std::fmt;

use crate::Identity;

/// A requirement on an authenticated caller, as declared by `#[authenticated]` or
/// `#[requires(...)]`.
///
/// The attributes build it as a constant, so evaluating it neither allocates nor locks.
/// Every requirement implies authentication: an anonymous caller never reaches
/// [`is_satisfied_by`](Self::is_satisfied_by).
///
/// # Example
///
/// ```
/// use actix_authz::{Principal, Requirement};
///
/// // #[requires(role = "editor", any(permission = "posts:delete", role = "admin"))]
/// const DELETE: Requirement = Requirement::All(&[
///     Requirement::Role("editor"),
///     Requirement::Any(&[Requirement::Permission("posts:delete"), Requirement::Role("admin")]),
/// ]);
///
/// let bob = Principal::new("bob").with_roles(["editor"]).with_permissions(["posts:delete"]);
/// let eve = Principal::new("eve").with_roles(["editor"]);
/// assert!(DELETE.is_satisfied_by(&bob));
/// assert!(!DELETE.is_satisfied_by(&eve));
/// assert_eq!(
///     DELETE.to_string(),
///     r#"all(role = "editor", any(permission = "posts:delete", role = "admin"))"#
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Requirement {
    /// Any authenticated identity (`#[authenticated]`).
    Authenticated,
    /// The identity holds this role.
    Role(&'static str),
    /// The identity holds this permission.
    Permission(&'static str),
    /// The credentials grant this OAuth scope.
    Scope(&'static str),
    /// Every one of these holds (`all(...)`, and several items at the top level).
    All(&'static [Requirement]),
    /// At least one of these holds (`any(...)`).
    Any(&'static [Requirement]),
    /// This does not hold (`not(...)`); the caller must still be authenticated.
    Not(&'static Requirement),
}

impl Requirement {
    /// Whether `identity` satisfies this requirement.
    pub fn is_satisfied_by(&self, identity: &dyn Identity) -> bool {
        match *self {
            Self::Authenticated => true,
            Self::Role(role) => identity.has_role(role),
            Self::Permission(permission) => identity.has_permission(permission),
            Self::Scope(scope) => identity.has_scope(scope),
            Self::All(all) => all.iter().all(|r| r.is_satisfied_by(identity)),
            Self::Any(any) => any.iter().any(|r| r.is_satisfied_by(identity)),
            Self::Not(inner) => !inner.is_satisfied_by(identity),
        }
    }

    /// Calls `missing` with each scope that `identity` lacks and that the requirement needs
    /// unconditionally (top level or under `all(...)`), for the `scope` parameter of an RFC 6750
    /// `insufficient_scope` challenge. Scopes under `any(...)` or `not(...)` are alternatives,
    /// not needs, and are not reported.
    pub fn for_each_missing_scope(&self, identity: &dyn Identity, missing: &mut impl FnMut(&str)) {
        match *self {
            Self::Scope(scope) if !identity.has_scope(scope) => missing(scope),
            Self::All(all) => all
                .iter()
                .for_each(|r| r.for_each_missing_scope(identity, missing)),
            _ => {}
        }
    }
}

impl fmt::Display for Requirement {
    /// Writes the requirement in the syntax of `#[requires(...)]`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn list(f: &mut fmt::Formatter<'_>, name: &str, items: &[Requirement]) -> fmt::Result {
            write!(f, "{name}(")?;
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{item}")?;
            }
            f.write_str(")")
        }
        match self {
            Self::Authenticated => f.write_str("authenticated"),
            Self::Role(role) => write!(f, "role = {role:?}"),
            Self::Permission(permission) => write!(f, "permission = {permission:?}"),
            Self::Scope(scope) => write!(f, "scope = {scope:?}"),
            Self::All(all) => list(f, "all", all),
            Self::Any(any) => list(f, "any", any),
            Self::Not(inner) => write!(f, "not({inner})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Requirement::{self, *};
    use crate::Principal;

    #[test]
    fn nested_evaluation() {
        const R: Requirement = All(&[
            Role("editor"),
            Not(&Role("banned")),
            Any(&[Permission("p"), Scope("s")]),
        ]);
        let ok = Principal::new("a")
            .with_roles(["editor"])
            .with_scopes(["s"]);
        let banned = Principal::new("b")
            .with_roles(["editor", "banned"])
            .with_scopes(["s"]);
        let neither = Principal::new("c").with_roles(["editor"]);
        assert!(R.is_satisfied_by(&ok));
        assert!(!R.is_satisfied_by(&banned));
        assert!(!R.is_satisfied_by(&neither));
        assert!(Authenticated.is_satisfied_by(&neither));
        assert!(All(&[]).is_satisfied_by(&neither));
        assert!(!Any(&[]).is_satisfied_by(&neither));
    }

    #[test]
    fn missing_scopes_are_the_needed_ones_only() {
        const R: Requirement = All(&[
            Scope("a"),
            All(&[Scope("b"), Scope("c")]),
            Any(&[Scope("d")]),
            Not(&Scope("e")),
        ]);
        let p = Principal::new("x").with_scopes(["b"]);
        let mut missing = Vec::new();
        R.for_each_missing_scope(&p, &mut |s| missing.push(s.to_owned()));
        assert_eq!(missing, ["a", "c"]);
    }
}
