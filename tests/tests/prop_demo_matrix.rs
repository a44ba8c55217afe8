//! Property tests of the demo against its declared behaviour table
//! (`authz_tests::demo_expectations`):
//!
//! - the identity classes of the table, sending their credentials in any of the forms the
//!   contract allows (scheme in any case, several spaces after it, surrounding whitespace),
//!   get exactly their cell;
//! - random identities (tokens with any roles, permissions, scopes and subject) get what the
//!   demo's route protections say, as written in [`allowed`]; and [`allowed`] itself is
//!   checked against the table for every identity class, so the two cannot drift apart.

use std::collections::BTreeSet;

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{rt, web};
use authz_tests::{
    Credential, DemoRoute, Expect, Reply, Who, call_demo, demo_expectations, insufficient_scope,
    token,
};
use demo::State;
use proptest::prelude::*;

/// A caller in the demo's terms.
#[derive(Debug, Clone)]
struct Identity {
    sub: &'static str,
    roles: BTreeSet<&'static str>,
    permissions: BTreeSet<&'static str>,
    scopes: BTreeSet<&'static str>,
}

impl Identity {
    fn token(&self) -> String {
        let roles: Vec<&str> = self.roles.iter().copied().collect();
        let permissions: Vec<&str> = self.permissions.iter().copied().collect();
        let scope = self.scopes.iter().copied().collect::<Vec<_>>().join(" ");
        token(
            self.sub,
            &roles,
            &permissions,
            Some(scope.as_str()).filter(|s| !s.is_empty()),
        )
    }
}

fn identity(
    sub: &'static str,
    roles: &[&'static str],
    permissions: &[&'static str],
    scopes: &[&'static str],
) -> Identity {
    Identity {
        sub,
        roles: roles.iter().copied().collect(),
        permissions: permissions.iter().copied().collect(),
        scopes: scopes.iter().copied().collect(),
    }
}

/// The identity of a table class that has a valid one.
fn identity_of(who: Who) -> Option<Identity> {
    Some(match who {
        Who::Alice => identity("alice", &["admin"], &[], &[]),
        Who::Bob => identity("bob", &["editor"], &["posts:delete"], &[]),
        Who::Carol => identity("carol", &[], &[], &[]),
        Who::AdminToken => identity("ada", &["admin"], &[], &[]),
        Who::EditorToken => identity("ed", &["editor"], &["posts:delete"], &[]),
        Who::AuditorToken => identity("audrey", &["auditor"], &[], &[]),
        Who::ReaderToken => identity("rita", &[], &[], &["articles:read"]),
        Who::WriterToken => identity("walt", &[], &[], &["articles:write"]),
        Who::BareToken => identity("nemo", &[], &[], &[]),
        Who::Anonymous | Who::ForgedToken | Who::WrongPassword => return None,
    })
}

/// Whether the demo lets `caller` through `route` (as its attributes declare; see the demo's
/// route table): the status of a granted request, or of a refused one.
fn allowed(route: DemoRoute, caller: &Identity) -> bool {
    let role = |name| caller.roles.contains(name);
    match route {
        DemoRoute::Health
        | DemoRoute::Counter
        | DemoRoute::Me
        | DemoRoute::Item
        | DemoRoute::OpenApi
        | DemoRoute::StaffStatus => true,
        DemoRoute::Admin | DemoRoute::Increment => role("admin"),
        // Admins are auditors through the demo's hierarchy.
        DemoRoute::Reports => role("admin") || role("auditor"),
        // Post 1 is alice's.
        DemoRoute::ReadPost => caller.sub == "alice" || role("admin"),
        DemoRoute::DeletePost => role("editor") && caller.permissions.contains("posts:delete"),
        DemoRoute::ListArticles => caller.scopes.contains("articles:read"),
        DemoRoute::CreateArticle => caller.scopes.contains("articles:write"),
        // The `/staff` scope's rule, then the handler's.
        DemoRoute::StaffModeration => role("editor") && caller.permissions.contains("posts:delete"),
    }
}

fn granted_status(route: DemoRoute) -> StatusCode {
    match route {
        DemoRoute::DeletePost => StatusCode::NO_CONTENT,
        DemoRoute::CreateArticle => StatusCode::CREATED,
        _ => StatusCode::OK,
    }
}

/// What a Bearer identity gets on `route`: the granted status, the hidden 404, or a 403 with
/// `insufficient_scope` (naming the missing scope on the article routes).
fn expected_for_token(route: DemoRoute, caller: &Identity) -> Result<StatusCode, Expect> {
    if allowed(route, caller) {
        return Ok(granted_status(route));
    }
    Err(match route {
        DemoRoute::ReadPost => Expect::Hidden,
        DemoRoute::ListArticles => insufficient_scope(Some("articles:read")),
        DemoRoute::CreateArticle => insufficient_scope(Some("articles:write")),
        _ => insufficient_scope(None),
    })
}

#[test]
fn the_protection_model_is_the_table() {
    for ((route, who), expect) in demo_expectations() {
        let Some(caller) = identity_of(who) else {
            continue;
        };
        let granted = matches!(expect, Expect::Handler(..));
        assert_eq!(allowed(route, &caller), granted, "{who:?} on {route:?}");
        if let Expect::Handler(status, _) = expect {
            assert_eq!(status, granted_status(route), "{who:?} on {route:?}");
        }
    }
}

/// The header of `credential` rewritten in an equivalent form: scheme case, spaces after the
/// scheme, surrounding whitespace.
fn rewrite(
    credential: &Credential,
    case: u8,
    spaces: usize,
    padding: (usize, usize),
) -> Credential {
    let header = credential.header.to_str().expect("ASCII credentials");
    let (scheme, rest) = header.split_once(' ').expect("scheme and credentials");
    let scheme: String = scheme
        .chars()
        .enumerate()
        .map(|(i, c)| match case {
            0 => c,
            1 => c.to_ascii_lowercase(),
            2 => c.to_ascii_uppercase(),
            _ if i % 2 == 0 => c.to_ascii_uppercase(),
            _ => c.to_ascii_lowercase(),
        })
        .collect();
    let value = format!(
        "{}{scheme}{}{rest}{}",
        " ".repeat(padding.0),
        " ".repeat(spaces),
        "\t".repeat(padding.1)
    );
    Credential {
        header: HeaderValue::from_str(&value).expect("a header value"),
        secrets: credential.secrets.clone(),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// A table cell, whatever equivalent form its credential takes.
    #[test]
    fn table_cells_hold_in_every_header_form(
        who in proptest::sample::select(Who::ALL.to_vec()),
        route in proptest::sample::select(DemoRoute::ALL.to_vec()),
        case in 0u8..4,
        spaces in 1usize..4,
        padding in (0usize..3, 0usize..3),
    ) {
        let expect = demo_expectations().remove(&(route, who)).expect("a cell");
        let (request, secrets) = match who.credential() {
            None => (route.request(), Vec::new()),
            Some(credential) => rewrite(&credential, case, spaces, padding).sign(route.request()),
        };
        let reply = rt::System::new().block_on(call_demo(request));
        reply.assert(&expect, &secrets, &format!("{who:?} on {route:?}"));
    }
}

fn random_identity() -> impl Strategy<Value = Identity> {
    let subset = |names: &'static [&'static str]| {
        proptest::sample::subsequence(names, 0..=names.len())
            .prop_map(|names| names.into_iter().collect::<BTreeSet<_>>())
    };
    (
        proptest::sample::select(&["alice", "bob", "carol", "ada", "zed"][..]),
        subset(&["admin", "editor", "auditor", "viewer", "Admin"]),
        subset(&["posts:delete", "posts:write", "posts"]),
        subset(&["articles:read", "articles:write", "articles", "other"]),
    )
        .prop_map(|(sub, roles, permissions, scopes)| Identity {
            sub,
            roles,
            permissions,
            scopes,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Random identities on every route, on a fresh demo each.
    #[test]
    fn random_identities_get_what_the_protections_say(caller in random_identity()) {
        let system = rt::System::new();
        let token = caller.token();
        system.block_on(async {
            let app = authz_tests::demo_service(web::Data::new(State::default())).await;
            for route in DemoRoute::ALL {
                let (request, secrets) = Credential::bearer(token.clone()).sign(route.request());
                let reply = Reply::of(&app, request).await;
                let context = format!("{caller:?} on {route:?}");
                match expected_for_token(route, &caller) {
                    Ok(status) => {
                        assert_eq!(reply.status, status, "{context}: {:?}", reply.body);
                        assert_eq!(reply.challenges(), Vec::<String>::new(), "{context}");
                        assert_eq!(reply.headers.get(header::CACHE_CONTROL), None, "{context}");
                        reply.assert_no_secret(&secrets, &context);
                    }
                    Err(expect) => reply.assert(&expect, &secrets, &context),
                }
            }
        });
    }
}
