//! Differential tests of the requirement evaluator.
//!
//! - Random nested requirement trees (roles, permissions, scopes, typed roles and permissions of
//!   a vocabulary with a hierarchy, `all`/`any`/`not`, bounded depth) evaluated by
//!   `Requirement::is_satisfied_by` agree with a small reference evaluator written here, which
//!   walks the hierarchy as a graph instead of using the expanded role lists; `unmet_by`,
//!   `for_each_missing_scope` and `Display` agree with it too.
//! - The requirements that the attributes build, read back from `actix_authz::registry`,
//!   are the hand-written trees their attributes mean; and the handlers, called through an app
//!   with random identities, answer as the reference evaluator says for those trees.

use std::collections::BTreeSet;

use actix_authz::registry::{self, Protection};
use actix_authz::{
    AuthzConfig, PermissionVocabulary, Principal, Requirement, RoleVocabulary, Term,
    attach_identity, authenticated, requires, vocabulary,
};
use actix_web::dev::Service as _;
use actix_web::http::StatusCode;
use actix_web::test::{self, TestRequest};
use actix_web::{App, get, rt};
use proptest::prelude::*;

#[vocabulary]
mod authz {
    #[roles]
    pub(crate) enum Role {
        #[implies(Editor, Auditor)]
        Admin,
        #[implies(Viewer)]
        #[grants(PostsDelete)]
        Editor,
        Viewer,
        Auditor,
    }

    #[permissions]
    pub(crate) enum Permission {
        #[name = "posts:delete"]
        PostsDelete,
        #[name = "posts:write"]
        PostsWrite,
    }
}
use authz::{Permission, Role};

// ---------------------------------------------------------------------------------------------
// The reference

/// The hierarchy, as declared above: (role, implied role) and (role, granted permission).
const IMPLIES: &[(&str, &str)] = &[
    ("admin", "editor"),
    ("admin", "auditor"),
    ("editor", "viewer"),
];
const GRANTS: &[(&str, &str)] = &[("editor", "posts:delete")];

const ROLES: &[&str] = &["admin", "editor", "viewer", "auditor", "banned"];
const PERMISSIONS: &[&str] = &["posts:delete", "posts:write"];
const SCOPES: &[&str] = &["read", "write", "admin"];

/// A caller, as sets.
#[derive(Debug, Clone)]
struct Caller {
    roles: BTreeSet<&'static str>,
    permissions: BTreeSet<&'static str>,
    scopes: BTreeSet<&'static str>,
}

impl Caller {
    fn principal(&self) -> Principal {
        Principal::new("someone")
            .with_roles(self.roles.iter().copied())
            .with_permissions(self.permissions.iter().copied())
            .with_scopes(self.scopes.iter().copied())
    }

    /// Every role held directly or through the hierarchy, by a graph walk.
    fn effective_roles(&self) -> BTreeSet<&'static str> {
        let mut held: BTreeSet<&'static str> = self.roles.clone();
        let mut frontier: Vec<&'static str> = held.iter().copied().collect();
        while let Some(role) = frontier.pop() {
            for &(from, to) in IMPLIES {
                if from == role && held.insert(to) {
                    frontier.push(to);
                }
            }
        }
        held
    }
}

/// A requirement in the reference's own terms.
#[derive(Debug, Clone)]
enum Node {
    Authenticated,
    Role(&'static str),
    Permission(&'static str),
    Scope(&'static str),
    TypedRole(Role),
    TypedPermission(Permission),
    All(Vec<Node>),
    Any(Vec<Node>),
    Not(Box<Node>),
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Admin => "admin",
        Role::Editor => "editor",
        Role::Viewer => "viewer",
        Role::Auditor => "auditor",
    }
}

fn permission_name(permission: Permission) -> &'static str {
    match permission {
        Permission::PostsDelete => "posts:delete",
        Permission::PostsWrite => "posts:write",
    }
}

impl Node {
    fn holds_for(&self, caller: &Caller) -> bool {
        match self {
            Self::Authenticated => true,
            Self::Role(role) => caller.roles.contains(role),
            Self::Permission(permission) => caller.permissions.contains(permission),
            Self::Scope(scope) => caller.scopes.contains(scope),
            Self::TypedRole(role) => caller.effective_roles().contains(role_name(*role)),
            Self::TypedPermission(permission) => {
                let name = permission_name(*permission);
                caller.permissions.contains(name)
                    || caller.effective_roles().iter().any(|role| {
                        GRANTS
                            .iter()
                            .any(|&(from, granted)| from == *role && granted == name)
                    })
            }
            Self::All(nodes) => nodes.iter().all(|node| node.holds_for(caller)),
            Self::Any(nodes) => nodes.iter().any(|node| node.holds_for(caller)),
            Self::Not(node) => !node.holds_for(caller),
        }
    }

    /// The scopes needed unconditionally (top level or under `all`) that `caller` lacks.
    fn missing_scopes(&self, caller: &Caller, missing: &mut Vec<&'static str>) {
        match self {
            Self::Scope(scope) if !caller.scopes.contains(scope) => missing.push(scope),
            Self::All(nodes) => nodes.iter().for_each(|n| n.missing_scopes(caller, missing)),
            _ => {}
        }
    }

    /// The attribute syntax.
    fn display(&self) -> String {
        let list = |name: &str, nodes: &[Node]| {
            let items: Vec<String> = nodes.iter().map(Node::display).collect();
            format!("{name}({})", items.join(", "))
        };
        match self {
            Self::Authenticated => "authenticated".to_owned(),
            Self::Role(role) => format!("role = \"{role}\""),
            Self::Permission(permission) => format!("permission = \"{permission}\""),
            Self::Scope(scope) => format!("scope = \"{scope}\""),
            Self::TypedRole(role) => format!("role = \"{}\"", role_name(*role)),
            Self::TypedPermission(p) => format!("permission = \"{}\"", permission_name(*p)),
            Self::All(nodes) => list("all", nodes),
            Self::Any(nodes) => list("any", nodes),
            Self::Not(node) => format!("not({})", node.display()),
        }
    }

    /// The runtime's requirement for this node. The runtime's trees are `'static` (the
    /// attributes build constants), so the test leaks its few small trees.
    fn requirement(&self) -> Requirement {
        let leak = |nodes: &[Node]| -> &'static [Requirement] {
            Box::leak(nodes.iter().map(Node::requirement).collect::<Box<[_]>>())
        };
        match self {
            Self::Authenticated => Requirement::Authenticated,
            Self::Role(role) => Requirement::Role(role),
            Self::Permission(permission) => Requirement::Permission(permission),
            Self::Scope(scope) => Requirement::Scope(scope),
            Self::TypedRole(role) => {
                Requirement::TypedRole(&<Role as RoleVocabulary>::TERMS[*role as usize])
            }
            Self::TypedPermission(permission) => Requirement::TypedPermission(
                &<Permission as PermissionVocabulary>::TERMS[*permission as usize],
            ),
            Self::All(nodes) => Requirement::All(leak(nodes)),
            Self::Any(nodes) => Requirement::Any(leak(nodes)),
            Self::Not(node) => Requirement::Not(Box::leak(Box::new(node.requirement()))),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Strategies

fn leaf() -> impl Strategy<Value = Node> {
    prop_oneof![
        Just(Node::Authenticated),
        proptest::sample::select(ROLES).prop_map(Node::Role),
        proptest::sample::select(PERMISSIONS).prop_map(Node::Permission),
        proptest::sample::select(SCOPES).prop_map(Node::Scope),
        proptest::sample::select(vec![Role::Admin, Role::Editor, Role::Viewer, Role::Auditor])
            .prop_map(Node::TypedRole),
        proptest::sample::select(vec![Permission::PostsDelete, Permission::PostsWrite])
            .prop_map(Node::TypedPermission),
    ]
}

/// Trees up to four levels deep, with up to four children per `all`/`any` (empty included).
fn tree() -> impl Strategy<Value = Node> {
    leaf().prop_recursive(4, 48, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Node::All),
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Node::Any),
            inner.prop_map(|node| Node::Not(Box::new(node))),
        ]
    })
}

fn caller() -> impl Strategy<Value = Caller> {
    let subset = |names: &'static [&'static str]| {
        proptest::sample::subsequence(names, 0..=names.len())
            .prop_map(|names| names.into_iter().collect::<BTreeSet<_>>())
    };
    (subset(ROLES), subset(PERMISSIONS), subset(SCOPES)).prop_map(|(roles, permissions, scopes)| {
        Caller {
            roles,
            permissions,
            scopes,
        }
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn evaluation_agrees_with_the_reference(node in tree(), callers in proptest::collection::vec(caller(), 1..6)) {
        let requirement = node.requirement();
        prop_assert_eq!(requirement.to_string(), node.display());
        for caller in &callers {
            let principal = caller.principal();
            let expected = node.holds_for(caller);
            prop_assert_eq!(requirement.is_satisfied_by(&principal), expected, "{:?}", caller);
            match requirement.unmet_by(&principal) {
                None => prop_assert!(expected, "nothing unmet, yet refused: {:?}", caller),
                Some(unmet) => {
                    prop_assert!(!expected, "{} unmet, yet granted: {:?}", unmet, caller);
                    prop_assert!(!unmet.is_satisfied_by(&principal), "{} is met", unmet);
                }
            }
            let mut missing = Vec::new();
            requirement.for_each_missing_scope(&principal, &mut |scope| missing.push(scope.to_owned()));
            let mut expected_missing = Vec::new();
            node.missing_scopes(caller, &mut expected_missing);
            prop_assert_eq!(missing, expected_missing);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What the attributes build

#[get("/nested")]
#[requires(role = "editor", any(permission = "posts:delete", role = "admin"))]
async fn nested() -> &'static str {
    "nested"
}

#[get("/deep")]
#[requires(
    not(role = "banned"),
    any(all(scope = "read", scope = "write"), role = Role::Admin, not(any(role = "viewer")))
)]
async fn deep() -> &'static str {
    "deep"
}

#[get("/stacked")]
#[requires(role = Role::Viewer)]
#[requires(permission = Permission::PostsDelete)]
async fn stacked() -> &'static str {
    "stacked"
}

#[get("/single")]
#[requires(scope = "write")]
async fn single() -> &'static str {
    "single"
}

#[get("/anyone")]
#[authenticated]
async fn anyone() -> &'static str {
    "anyone"
}

/// The handlers above and the trees their attributes mean.
fn declared() -> Vec<(&'static str, Node)> {
    use Node::*;
    vec![
        (
            "nested",
            All(vec![
                Role("editor"),
                Any(vec![Permission("posts:delete"), Role("admin")]),
            ]),
        ),
        (
            "deep",
            All(vec![
                Not(Box::new(Role("banned"))),
                Any(vec![
                    All(vec![Scope("read"), Scope("write")]),
                    TypedRole(authz::Role::Admin),
                    Not(Box::new(Any(vec![Role("viewer")]))),
                ]),
            ]),
        ),
        (
            "stacked",
            All(vec![
                TypedRole(authz::Role::Viewer),
                TypedPermission(authz::Permission::PostsDelete),
            ]),
        ),
        ("single", Scope("write")),
        ("anyone", Authenticated),
    ]
}

/// `all(x)` and `x` mean the same; the attributes may write either for a single item.
fn normalized(requirement: &Requirement) -> Requirement {
    match requirement {
        Requirement::All([only]) => normalized(only),
        other => *other,
    }
}

fn registered(handler: &str) -> &'static Requirement {
    let module = module_path!();
    let entries: Vec<_> = registry::entries()
        .filter(|entry| entry.handler() == handler && entry.module() == module)
        .collect();
    assert_eq!(entries.len(), 1, "registry entries of {module}::{handler}");
    match entries[0].protection() {
        Protection::Protected { requirement, .. } => requirement,
        other => panic!("{handler} is registered as {other:?}"),
    }
}

#[test]
fn the_attributes_build_the_declared_trees() {
    for (handler, node) in declared() {
        let built = registered(handler);
        assert_eq!(
            normalized(built),
            normalized(&node.requirement()),
            "{handler}: built {built}, declared {}",
            node.display()
        );
        // The typed terms carry the hierarchy the reference walks.
        assert_eq!(
            built.to_string(),
            normalized(&node.requirement()).to_string()
        );
    }
    let viewer: &Term = &<Role as RoleVocabulary>::TERMS[Role::Viewer as usize];
    let mut roles = viewer.roles().to_vec();
    roles.sort_unstable();
    assert_eq!(roles, ["admin", "editor", "viewer"]);
}

#[test]
fn the_demo_registers_its_requirements() {
    // Link the demo's handlers (and so their registry entries) into this test.
    std::hint::black_box(demo::configure as fn(&mut actix_web::web::ServiceConfig));
    let demo_role = |name: &str| -> Vec<&'static str> {
        let entry = registry::entries()
            .find(|entry| entry.module() == "demo" && entry.handler() == name)
            .unwrap_or_else(|| panic!("demo::{name} is not registered"));
        let Protection::Protected { requirement, .. } = entry.protection() else {
            panic!("demo::{name} is not protected");
        };
        match normalized(requirement) {
            Requirement::TypedRole(term) => {
                let mut roles = term.roles().to_vec();
                roles.sort_unstable();
                roles
            }
            other => panic!("demo::{name} requires {other}"),
        }
    };
    // `Role::Admin` implies `Auditor` in the demo's vocabulary.
    assert_eq!(demo_role("admin"), ["admin"]);
    assert_eq!(demo_role("reports"), ["admin", "auditor"]);
    assert_eq!(demo_role("increment"), ["admin"]);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// The generated handlers decide as the reference says for their declared trees.
    #[test]
    fn generated_handlers_agree_with_the_reference(caller in caller()) {
        let system = rt::System::new();
        let principal = caller.principal();
        system.block_on(async {
            let app = test::init_service(
                App::new()
                    .app_data(AuthzConfig::new("differential"))
                    .wrap_fn(move |request, service| {
                        attach_identity(&request, principal.clone());
                        service.call(request)
                    })
                    .service(nested)
                    .service(deep)
                    .service(stacked)
                    .service(single)
                    .service(anyone),
            )
            .await;
            for (handler, node) in declared() {
                let request = TestRequest::get().uri(&format!("/{handler}")).to_request();
                let response = test::call_service(&app, request).await;
                let expected = if node.holds_for(&caller) {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(response.status(), expected, "{handler} for {caller:?}");
                let body = test::read_body(response).await;
                if expected == StatusCode::OK {
                    assert_eq!(body, handler.as_bytes(), "{handler}");
                }
            }
        });
    }
}
