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
    /// A role of a typed vocabulary: the identity holds it or a role that implies it.
    TypedRole(&'static Term),
    /// A permission of a typed vocabulary: the identity holds it or a role that grants it.
    TypedPermission(&'static Term),
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
            Self::TypedRole(term) => term.held_through_roles(identity),
            Self::TypedPermission(term) => {
                identity.has_permission(term.name) || term.held_through_roles(identity)
            }
            Self::All(all) => all.iter().all(|r| r.is_satisfied_by(identity)),
            Self::Any(any) => any.iter().any(|r| r.is_satisfied_by(identity)),
            Self::Not(inner) => !inner.is_satisfied_by(identity),
        }
    }

    /// The part of the requirement that `identity` fails: the first failing item of an
    /// all-of (searched recursively), or the whole `any(...)`/`not(...)` that fails; `None` when
    /// the requirement is satisfied.
    ///
    /// ```
    /// use actix_authz::{Principal, Requirement};
    ///
    /// const R: Requirement = Requirement::All(&[Requirement::Role("editor"), Requirement::Scope("w")]);
    /// let editor = Principal::new("e").with_roles(["editor"]);
    /// assert_eq!(R.unmet_by(&editor), Some(&Requirement::Scope("w")));
    /// ```
    pub fn unmet_by(&self, identity: &dyn Identity) -> Option<&Requirement> {
        match self {
            Self::All(all) => all.iter().find_map(|r| r.unmet_by(identity)),
            _ if self.is_satisfied_by(identity) => None,
            _ => Some(self),
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

impl Requirement {
    /// Whether a `not(...)` is part of the requirement. Without one, holding more never fails
    /// it: if an identity that holds nothing satisfies it, every identity does.
    #[cfg(feature = "test-util")]
    pub(crate) fn has_negation(&self) -> bool {
        match self {
            Self::Not(_) => true,
            Self::All(items) | Self::Any(items) => items.iter().any(Self::has_negation),
            _ => false,
        }
    }

    /// Whether `identity` satisfies the requirement with every `not(...)` taken as holding:
    /// an identity that does, and fails the requirement, is refused by a `not(...)`.
    #[cfg(feature = "test-util")]
    pub(crate) fn is_satisfied_ignoring_negations(&self, identity: &dyn Identity) -> bool {
        match self {
            Self::Not(_) => true,
            Self::All(items) => items
                .iter()
                .all(|item| item.is_satisfied_ignoring_negations(identity)),
            Self::Any(items) => items
                .iter()
                .any(|item| item.is_satisfied_ignoring_negations(identity)),
            other => other.is_satisfied_by(identity),
        }
    }

    /// Panics unless `#[requires(...)]` could have written the requirement: no empty
    /// `all(...)`/`any(...)` (one would grant everyone, the other no one), and every role,
    /// permission and scope non-empty, without surrounding whitespace or control characters,
    /// each scope an RFC 6750 scope token (it goes into `WWW-Authenticate`). The attributes
    /// check this at compile time; requirements written by hand are checked where they are
    /// used, at compile time too when that is a constant.
    pub(crate) const fn assert_well_formed(&self) {
        match *self {
            Self::Authenticated | Self::TypedRole(_) | Self::TypedPermission(_) => {}
            Self::Role(name) | Self::Permission(name) => assert_name(name),
            Self::Scope(scope) => {
                assert_name(scope);
                assert!(
                    is_scope_token(scope),
                    "a scope of the requirement is not a scope token (RFC 6750 §3: printable \
                     ASCII without spaces, `\"` or `\\`); give several scopes as separate items"
                );
            }
            Self::All(items) | Self::Any(items) => {
                assert!(
                    !items.is_empty(),
                    "the requirement has an empty all(...) or any(...), which decides nothing"
                );
                let mut index = 0;
                while index < items.len() {
                    items[index].assert_well_formed();
                    index += 1;
                }
            }
            Self::Not(inner) => inner.assert_well_formed(),
        }
    }
}

/// Panics unless `name` is a role, permission or scope name the attributes would accept.
const fn assert_name(name: &str) {
    let bytes = name.as_bytes();
    assert!(
        !bytes.is_empty(),
        "a role, permission or scope of the requirement is empty"
    );
    assert!(
        !bytes[0].is_ascii_whitespace() && !bytes[bytes.len() - 1].is_ascii_whitespace(),
        "a role, permission or scope of the requirement has leading or trailing whitespace"
    );
    let mut index = 0;
    while index < bytes.len() {
        // C0 controls and DEL, or a C1 control (U+0080 to U+009F: 0xC2 0x80 to 0xC2 0x9F).
        let c1 = bytes[index] == 0xC2
            && index + 1 < bytes.len()
            && matches!(bytes[index + 1], 0x80..=0x9F);
        assert!(
            !bytes[index].is_ascii_control() && !c1,
            "a role, permission or scope of the requirement holds a control character"
        );
        index += 1;
    }
}

/// `scope-token` of RFC 6750 §3: `1*( %x21 / %x23-5B / %x5D-7E )`.
const fn is_scope_token(scope: &str) -> bool {
    let bytes = scope.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if !matches!(bytes[index], 0x21 | 0x23..=0x5B | 0x5D..=0x7E) {
            return false;
        }
        index += 1;
    }
    !bytes.is_empty()
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
            Self::TypedRole(term) => write!(f, "role = {:?}", term.name),
            Self::TypedPermission(term) => write!(f, "permission = {:?}", term.name),
            Self::All(all) => list(f, "all", all),
            Self::Any(any) => list(f, "any", any),
            Self::Not(inner) => write!(f, "not({inner})"),
        }
    }
}

/// A role or permission of a typed vocabulary (`#[actix_authz::vocabulary]`), with the roles
/// that stand in for it through the hierarchy: computed when the vocabulary is compiled, so a
/// request only compares names.
///
/// ```
/// use actix_authz::{Principal, Requirement, Term};
///
/// // `editor`, implied by `admin`.
/// const EDITOR: Term = Term::new("editor", &["editor", "admin"]);
/// let admin = Principal::new("a").with_roles(["admin"]);
/// assert!(Requirement::TypedRole(&EDITOR).is_satisfied_by(&admin));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Term {
    name: &'static str,
    roles: &'static [&'static str],
}

impl Term {
    /// A term named `name`, held through any of `roles` (for a role: itself and every role
    /// that implies it; for a permission: every role that grants it).
    pub const fn new(name: &'static str, roles: &'static [&'static str]) -> Self {
        Self { name, roles }
    }

    /// The name, as identities carry it.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The roles through which an identity holds it.
    pub const fn roles(&self) -> &'static [&'static str] {
        self.roles
    }

    fn held_through_roles(&self, identity: &dyn Identity) -> bool {
        self.roles.iter().any(|role| identity.has_role(role))
    }
}

/// A roles enum of a typed vocabulary: its [`Term`]s, one per variant in declaration order.
/// Implemented by `#[actix_authz::vocabulary]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a roles enum of an actix-authz vocabulary",
    label = "`role = ...` needs a variant of a `#[roles]` enum",
    note = "declare it inside `#[actix_authz::vocabulary] mod ... {{ #[roles] enum {Self} {{ ... }} }}`, or give the role as a string"
)]
pub trait RoleVocabulary {
    /// The terms, indexed by variant.
    const TERMS: &'static [Term];
}

/// A permissions enum of a typed vocabulary: its [`Term`]s, one per variant in declaration
/// order. Implemented by `#[actix_authz::vocabulary]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a permissions enum of an actix-authz vocabulary",
    label = "`permission = ...` needs a variant of a `#[permissions]` enum",
    note = "declare it inside `#[actix_authz::vocabulary] mod ... {{ #[permissions] enum {Self} {{ ... }} }}`, or give the permission as a string"
)]
pub trait PermissionVocabulary {
    /// The terms, indexed by variant.
    const TERMS: &'static [Term];
}

#[cfg(test)]
mod tests {
    use super::Requirement::{self, *};
    use crate::Principal;

    #[test]
    fn what_the_attributes_could_write_is_well_formed() {
        const R: Requirement = All(&[
            Role("editor"),
            Any(&[Permission("posts:delete"), Scope("articles:write")]),
            Not(&Role("banned")),
            Authenticated,
        ]);
        R.assert_well_formed();
        Scope("a!#[]~").assert_well_formed();
        Role("régie").assert_well_formed();
    }

    /// Each requirement `#[requires(...)]` refuses panics, with the reason.
    #[test]
    fn what_the_attributes_refuse_is_not() {
        let cases: [(Requirement, &str); 10] = [
            (All(&[]), "empty all(...) or any(...)"),
            (Any(&[Role("a"), Any(&[])]), "empty all(...) or any(...)"),
            (Role(""), "is empty"),
            (Permission(" posts:read"), "leading or trailing whitespace"),
            (Not(&Role("admin\t")), "leading or trailing whitespace"),
            (Role("ad\nmin"), "control character"),
            (Role("ad\u{85}min"), "control character"),
            (Scope("a b"), "not a scope token"),
            (Scope("x\"y"), "not a scope token"),
            (All(&[Role("a"), Scope("é")]), "not a scope token"),
        ];
        for (requirement, reason) in cases {
            let panic = std::panic::catch_unwind(|| requirement.assert_well_formed())
                .expect_err(&format!("{requirement} was accepted"));
            let message = panic.downcast_ref::<&str>().copied().unwrap_or_default();
            assert!(message.contains(reason), "{requirement}: {message:?}");
        }
    }

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
    fn typed_terms_follow_the_hierarchy() {
        use super::Term;
        const VIEWER: Term = Term::new("viewer", &["viewer", "editor", "admin"]);
        const DELETE: Term = Term::new("posts:delete", &["admin"]);
        let editor = Principal::new("e").with_roles(["editor"]);
        let holder = Principal::new("h").with_permissions(["posts:delete"]);
        let admin = Principal::new("a").with_roles(["admin"]);
        assert!(TypedRole(&VIEWER).is_satisfied_by(&editor));
        assert!(!TypedRole(&VIEWER).is_satisfied_by(&holder));
        assert!(TypedPermission(&DELETE).is_satisfied_by(&holder));
        assert!(TypedPermission(&DELETE).is_satisfied_by(&admin));
        assert!(!TypedPermission(&DELETE).is_satisfied_by(&editor));
        assert_eq!(TypedRole(&VIEWER).to_string(), r#"role = "viewer""#);
    }

    #[test]
    fn unmet_names_the_failing_part() {
        const R: Requirement = All(&[Role("a"), All(&[Role("b"), Any(&[Role("c"), Role("d")])])]);
        let ab = Principal::new("x").with_roles(["a", "b"]);
        assert_eq!(R.unmet_by(&ab), Some(&Any(&[Role("c"), Role("d")])));
        let abc = Principal::new("x").with_roles(["a", "b", "c"]);
        assert_eq!(R.unmet_by(&abc), None);
        assert_eq!(Not(&Role("a")).unmet_by(&ab), Some(&Not(&Role("a"))));
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
