//! Every handler annotated with this crate's attributes, registered at compile time: the source
//! of the route audit, of `#[public]` exemptions from scope-level rules, and of default-deny.

use std::fmt;

use crate::Requirement;

/// How a registered handler is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Protection {
    /// `#[public]`: open to everyone, also inside a scope with a requirement.
    Public,
    /// `#[authenticated]` or `#[requires(...)]`.
    Protected {
        /// The handler's static requirement (all its attributes together).
        requirement: &'static Requirement,
        /// Whether a denied caller gets the hidden 404 instead of 403.
        hidden: bool,
        /// The argument-aware checks, as written (`is_author(caller, post)`).
        checks: &'static [&'static str],
        /// Whether it is in shadow mode (`shadow`): refusals are only recorded, and every
        /// authenticated caller gets through. `AuthzConfig::shadow`, the app-wide switch, is
        /// not part of the handler.
        shadow: bool,
    },
}

/// The route a handler's route attribute declares (`#[get("/path")]`), as far as the attribute
/// could see it: only when it is written above the route attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DeclaredRoute {
    methods: &'static [&'static str],
    path: &'static str,
    guarded: bool,
}

impl DeclaredRoute {
    #[doc(hidden)]
    pub const fn new(methods: &'static [&'static str], path: &'static str, guarded: bool) -> Self {
        Self {
            methods,
            path,
            guarded,
        }
    }

    /// Whether requests reach the handler through more than this method and path: a
    /// `guard = …` of its route attribute, or several routes (`#[routes]`, of which this is the
    /// first). [`Require`](crate::Require), [`DefaultDeny`](crate::DefaultDeny) and the audit
    /// cannot tell such a handler's requests from those of another resource at the same path,
    /// and treat it as unrecognised.
    pub fn guarded(&self) -> bool {
        self.guarded
    }

    /// The HTTP methods, upper-case (`GET`).
    pub fn methods(&self) -> &'static [&'static str] {
        self.methods
    }

    /// The path pattern as written in the route attribute, relative to any enclosing scope.
    pub fn path(&self) -> &'static str {
        self.path
    }
}

/// One annotated handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteEntry {
    handler: &'static str,
    module: &'static str,
    route: Option<DeclaredRoute>,
    protection: Protection,
}

impl RouteEntry {
    #[doc(hidden)]
    pub const fn new(
        handler: &'static str,
        module: &'static str,
        route: Option<DeclaredRoute>,
        protection: Protection,
    ) -> Self {
        Self {
            handler,
            module,
            route,
            protection,
        }
    }

    /// The handler function's name, which is also the resource name actix-web's route
    /// attributes give it.
    pub fn handler(&self) -> &'static str {
        self.handler
    }

    /// The module path of the handler (`my_app::posts`).
    pub fn module(&self) -> &'static str {
        self.module
    }

    /// The declared route, when the attribute was written above the route attribute.
    pub fn route(&self) -> Option<&DeclaredRoute> {
        self.route.as_ref()
    }

    /// How the handler is protected.
    pub fn protection(&self) -> Protection {
        self.protection
    }
}

impl fmt::Display for RouteEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}::{}", self.module, self.handler)
    }
}

inventory::collect!(RouteEntry);

/// Every annotated handler linked into this program, in no particular order.
pub fn entries() -> impl Iterator<Item = &'static RouteEntry> {
    inventory::iter::<RouteEntry>.into_iter()
}
