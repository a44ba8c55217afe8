//! The validated model of a handler's policy: what the attributes require, checked for every
//! mistake a user can make, each reported at its own tokens.

use std::fmt::Write as _;

use quote::ToTokens as _;
use syn::{Expr, ExprLit, Ident, Lit, LitStr};

use crate::attr::{Form, Item, Items, parse_items};
use crate::errors::Errors;

/// Which attribute an argument list came from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Authenticated,
    Requires,
    Public,
}

impl Origin {
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        match name {
            "authenticated" => Some(Self::Authenticated),
            "requires" => Some(Self::Requires),
            "public" => Some(Self::Public),
            _ => None,
        }
    }

    /// The attribute's name, as written after `#[`.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Authenticated => "authenticated",
            Self::Requires => "requires",
            Self::Public => "public",
        }
    }

    pub(crate) fn attribute(self) -> &'static str {
        match self {
            Self::Authenticated => "#[authenticated]",
            Self::Requires => "#[requires]",
            Self::Public => "#[public]",
        }
    }
}

pub(crate) enum Requirement {
    Role(LitStr),
    /// `role = Role::Admin`: the vocabulary type and the whole path.
    TypedRole(syn::Path, syn::ExprPath),
    Permission(LitStr),
    TypedPermission(syn::Path, syn::ExprPath),
    Scope(LitStr),
    All(Vec<Requirement>),
    Any(Vec<Requirement>),
    Not(Box<Requirement>),
}

/// Everything the attributes on one handler declare together.
#[derive(Default)]
pub(crate) struct Policy {
    /// All of these must hold; empty means any authenticated caller.
    pub(crate) requirements: Vec<Requirement>,
    pub(crate) realm: Option<LitStr>,
    /// The path of the runtime crate, and the span of the string that named it.
    pub(crate) krate: Option<(syn::Path, proc_macro2::Span)>,
    /// `hide`: denied callers get the app's not-found response.
    pub(crate) hide: Option<Ident>,
    /// `shadow`: would-deny decisions are recorded and the request goes through.
    pub(crate) shadow: Option<Ident>,
    /// `deny = path`: the handler's denial responder.
    pub(crate) deny: Option<syn::ExprPath>,
    /// `check = expr`: argument-aware checks, all of which must pass.
    pub(crate) checks: Vec<Expr>,
    /// `load(name = expr, ...)`: loaders, in order, each producing the argument `name`.
    pub(crate) loaders: Vec<(Ident, Expr)>,
    /// Which attributes were given, with the tokens that named them, for conflicts.
    pub(crate) origins: Vec<(Origin, proc_macro2::TokenStream)>,
}

const LEAVES: [&str; 3] = ["role", "permission", "scope"];
const GROUPS: [&str; 3] = ["any", "all", "not"];
const SETTINGS: [&str; 7] = ["realm", "crate", "hide", "shadow", "deny", "check", "load"];

impl Policy {
    /// Whether `#[public]` is among the attributes.
    pub(crate) fn is_public(&self) -> bool {
        self.origins
            .iter()
            .any(|(origin, _)| *origin == Origin::Public)
    }

    /// Adds one attribute's arguments. `attribute` is what an error about the attribute as a
    /// whole underlines.
    pub(crate) fn add(
        &mut self,
        origin: Origin,
        attribute: &dyn quote::ToTokens,
        items: &Items,
        errors: &mut Errors,
    ) {
        self.origins.push((origin, attribute.to_token_stream()));
        let mut requirements = Vec::new();
        let mut any_requirement_item = false;
        for item in &items.items {
            let key = item.key.to_string();
            match key.as_str() {
                "crate" | "realm" | "hide" | "shadow" | "deny" | "check" | "load"
                    if origin == Origin::Public && key != "crate" =>
                {
                    errors.at(
                        item,
                        format!("`#[public]` takes no `{key}`: a public handler is not checked"),
                    );
                }
                "hide" => match &item.form {
                    Form::Bare => set_once(&mut self.hide, item.key.clone(), item, errors),
                    _ => errors.at(item, "expected `hide` alone, without a value"),
                },
                "shadow" => match &item.form {
                    Form::Bare => set_once(&mut self.shadow, item.key.clone(), item, errors),
                    _ => errors.at(
                        item,
                        "expected `shadow` alone, without a value: remove the attribute's \
                         `shadow` to enforce the policy",
                    ),
                },
                "deny" => match &item.form {
                    Form::Value(_, Expr::Path(path)) => {
                        set_once(&mut self.deny, path.clone(), item, errors)
                    }
                    _ => errors.at(
                        item,
                        "expected `deny = path::to::responder`, naming a \
                         `fn(&actix_authz::Denial<'_>) -> HttpResponse`",
                    ),
                },
                "check" => match &item.form {
                    Form::Value(_, check) => {
                        any_requirement_item = true;
                        self.checks.push(check.clone());
                    }
                    _ => errors.at(
                        item,
                        "expected `check = predicate(arguments...)`, with `.await` after the \
                         call for an async predicate",
                    ),
                },
                "load" => match &item.form {
                    Form::List(_, tokens) => {
                        any_requirement_item = true;
                        let Items { items, .. } = parse_items(tokens.clone(), errors);
                        for loader in &items {
                            match &loader.form {
                                Form::Value(_, expr) => {
                                    self.loaders.push((loader.key.clone(), expr.clone()))
                                }
                                _ => errors.at(
                                    loader,
                                    format!(
                                        "expected `{} = loader(arguments...)`, naming the \
                                         handler argument the loader produces",
                                        loader.key
                                    ),
                                ),
                            }
                        }
                        if items.is_empty() {
                            errors.at(item, "`load()` is empty; give `argument = loader(...)`");
                        }
                    }
                    _ => errors.at(
                        item,
                        "expected `load(argument = loader(...))`, with parentheses",
                    ),
                },
                "realm" => {
                    if let Some(realm) = setting(item, errors) {
                        check_realm(&realm, errors);
                        set_once(&mut self.realm, realm, item, errors);
                    }
                }
                "crate" => {
                    if let Some(path) = setting(item, errors) {
                        match path.parse::<syn::Path>() {
                            Ok(parsed) => {
                                set_once(&mut self.krate, (parsed, path.span()), item, errors)
                            }
                            Err(_) => errors.at(
                                &path,
                                "expected a path such as `crate = \"my_crate::authz\"`",
                            ),
                        }
                    }
                }
                _ if origin == Origin::Public => {
                    errors.at(&item.key, unknown_key(&key, &["crate"]));
                }
                _ if origin == Origin::Authenticated => {
                    let requirement_key = LEAVES
                        .iter()
                        .chain(&GROUPS)
                        .find(|candidate| edit_distance(&key, candidate) <= 1);
                    match requirement_key {
                        Some(intended) => {
                            // Written with the key it is closest to: `roles = "x"` suggests
                            // `#[requires(role = "x")]`.
                            let written = item.to_token_stream().to_string().replace(" (", "(");
                            let rest = written.strip_prefix(key.as_str()).unwrap_or_default();
                            errors.at(
                                item,
                                format!(
                                    "`#[authenticated]` takes no requirement; \
                                     use `#[requires({intended}{rest})]` instead"
                                ),
                            );
                        }
                        None => errors.at(&item.key, unknown_key(&key, &SETTINGS)),
                    }
                }
                _ => {
                    any_requirement_item = true;
                    if let Some(requirement) = requirement(item, false, errors) {
                        requirements.push((item, requirement));
                    }
                }
            }
        }
        // A malformed item was meant as a requirement: it is reported already.
        if origin == Origin::Requires && !any_requirement_item && !items.malformed {
            errors.at(
                attribute,
                "`#[requires]` needs at least one requirement, e.g. \
                 `#[requires(role = \"admin\")]`; use `#[authenticated]` to admit any \
                 authenticated caller",
            );
        }
        reject_repeats(&requirements, errors);
        // And across the handler's attributes, which are one list.
        for (item, requirement) in &requirements {
            if leaf(requirement).is_some_and(|leaf| {
                self.requirements
                    .iter()
                    .any(|earlier| self::leaf(earlier).as_ref() == Some(&leaf))
            }) {
                errors.at(
                    *item,
                    "this requirement is listed by another attribute of this handler too; \
                     remove one",
                );
            }
        }
        self.requirements
            .extend(requirements.into_iter().map(|(_, r)| r));
    }
}

/// One requirement; `nested` inside `any/all/not(...)`, where settings have no place.
fn requirement(item: &Item, nested: bool, errors: &mut Errors) -> Option<Requirement> {
    let key = item.key.to_string();
    match (key.as_str(), &item.form) {
        ("role" | "permission", Form::Value(_, Expr::Path(path)))
            if path.qself.is_none() && path.path.segments.len() >= 2 =>
        {
            // `Role::Admin`: the vocabulary is the path without its last segment.
            let mut vocabulary = path.path.clone();
            vocabulary.segments.pop();
            vocabulary.segments.pop_punct();
            Some(if key == "role" {
                Requirement::TypedRole(vocabulary, path.clone())
            } else {
                Requirement::TypedPermission(vocabulary, path.clone())
            })
        }
        ("role" | "permission" | "scope", Form::Value(_, value)) => {
            let value = string_literal(&key, value, errors)?;
            check_name(&key, &value, errors);
            Some(match key.as_str() {
                "role" => Requirement::Role(value),
                "permission" => Requirement::Permission(value),
                _ => Requirement::Scope(value),
            })
        }
        ("role" | "permission" | "scope", _) => {
            errors.at(
                item,
                format!("expected `{key} = \"...\"`, with the {key} as a string literal"),
            );
            None
        }
        ("any" | "all" | "not", Form::List(_, tokens)) => {
            let Items { items, malformed } = parse_items(tokens.clone(), errors);
            let children: Vec<_> = items
                .iter()
                .filter_map(|child| Some((child, requirement(child, true, errors)?)))
                .collect();
            reject_repeats(&children, errors);
            let children: Vec<_> = children.into_iter().map(|(_, r)| r).collect();
            match key.as_str() {
                _ if malformed => None,
                "not" if items.is_empty() => {
                    errors.at(
                        item,
                        "`not()` is empty; give the one requirement to negate, \
                         e.g. `not(role = \"banned\")`",
                    );
                    None
                }
                "not" if items.len() != 1 => {
                    errors.at(
                        item,
                        "`not(...)` takes exactly one requirement; \
                         combine several with `any(...)` or `all(...)` inside it",
                    );
                    None
                }
                _ if items.is_empty() => {
                    errors.at(
                        item,
                        format!("`{key}()` is empty; list at least one requirement inside it"),
                    );
                    None
                }
                // A child with an error was reported already; build nothing.
                _ if children.len() != items.len() => None,
                "not" => Some(Requirement::Not(Box::new(children.into_iter().next()?))),
                "any" => Some(Requirement::Any(children)),
                _ => Some(Requirement::All(children)),
            }
        }
        ("any" | "all" | "not", _) => {
            errors.at(
                item,
                format!(
                    "`{key}` takes its requirements in parentheses, \
                     e.g. `{key}(role = \"admin\", role = \"auditor\")`"
                ),
            );
            None
        }
        (setting, _) if nested && SETTINGS.contains(&setting) => {
            errors.at(
                item,
                format!("`{key}` can only be set at the top level of the attribute"),
            );
            None
        }
        _ => {
            let mut accepted: Vec<_> = LEAVES.iter().chain(&GROUPS).copied().collect();
            if !nested {
                accepted.extend(SETTINGS);
            }
            errors.at(&item.key, unknown_key(&key, &accepted));
            None
        }
    }
}

fn setting(item: &Item, errors: &mut Errors) -> Option<LitStr> {
    match &item.form {
        Form::Value(_, value) => string_literal(&item.key.to_string(), value, errors),
        _ => {
            errors.at(
                item,
                format!("expected `{} = \"...\"`, with a string literal", item.key),
            );
            None
        }
    }
}

fn set_once<T>(slot: &mut Option<T>, value: T, item: &Item, errors: &mut Errors) {
    if slot.is_some() {
        errors.at(item, format!("duplicate key `{}`: set it once", item.key));
    } else {
        *slot = Some(value);
    }
}

fn string_literal(key: &str, value: &Expr, errors: &mut Errors) -> Option<LitStr> {
    if let Expr::Lit(ExprLit {
        lit: Lit::Str(value),
        ..
    }) = value
    {
        return Some(value.clone());
    }
    let example = match key {
        "crate" => "my_crate::authz",
        "realm" => "api",
        "permission" => "posts:delete",
        "scope" => "articles:read",
        _ => "admin",
    };
    let typed = match key {
        "role" => " or a vocabulary path such as `role = Role::Admin`",
        "permission" => " or a vocabulary path such as `permission = Permission::PostsDelete`",
        _ => "",
    };
    errors.at(
        value,
        format!("expected a string literal, e.g. `{key} = \"{example}\"`{typed}"),
    );
    None
}

fn check_name(key: &str, value: &LitStr, errors: &mut Errors) {
    let name = value.value();
    if name.is_empty() {
        errors.at(value, format!("empty {key}: give the {key}'s name"));
    } else if name.trim() != name {
        errors.at(
            value,
            format!("the {key} has leading or trailing whitespace; remove it"),
        );
    } else if let Some(c) = name.chars().find(|c| c.is_control()) {
        errors.at(value, format!("invalid character {c:?} in {key}"));
    } else if key == "scope" {
        // RFC 6750 §3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
        if let Some(c) = name
            .chars()
            .find(|&c| !matches!(c, '\x21' | '\x23'..='\x5b' | '\x5d'..='\x7e'))
        {
            errors.at(
                value,
                format!(
                    "invalid character {c:?} in scope: a scope token is printable ASCII \
                     without spaces, `\"` or `\\`; give several scopes as separate \
                     `scope = \"...\"` items"
                ),
            );
        }
    }
}

fn check_realm(realm: &LitStr, errors: &mut Errors) {
    let value = realm.value();
    if value.trim().is_empty() {
        errors.at(realm, "empty realm: give the realm's name");
    } else if let Some(c) = value.chars().find(|c| !(' '..='~').contains(c)) {
        errors.at(
            realm,
            format!(
                "invalid character {c:?} in realm: a realm must be printable ASCII \
                 (space to `~`) to be sent in a `WWW-Authenticate` header"
            ),
        );
    }
}

/// The same leaf twice in one list is a copy-and-paste slip: say so.
fn reject_repeats(items: &[(&Item, Requirement)], errors: &mut Errors) {
    for (index, (item, requirement)) in items.iter().enumerate() {
        let Some(leaf) = leaf(requirement) else {
            continue;
        };
        if items[..index]
            .iter()
            .any(|(_, earlier)| self::leaf(earlier).as_ref() == Some(&leaf))
        {
            errors.at(*item, "this requirement is listed twice; remove one");
        }
    }
}

fn leaf(requirement: &Requirement) -> Option<(&'static str, String)> {
    match requirement {
        Requirement::TypedRole(_, path) => Some(("role", path.to_token_stream().to_string())),
        Requirement::TypedPermission(_, path) => {
            Some(("permission", path.to_token_stream().to_string()))
        }
        Requirement::Role(value) => Some(("role", value.value())),
        Requirement::Permission(value) => Some(("permission", value.value())),
        Requirement::Scope(value) => Some(("scope", value.value())),
        _ => None,
    }
}

fn unknown_key(key: &str, accepted: &[&str]) -> String {
    let mut message = format!("unknown key `{key}`, expected ");
    if let [only, other] = accepted {
        write!(message, "`{only}` or `{other}`").unwrap();
    } else {
        message.push_str("one of ");
        let list: Vec<_> = accepted.iter().map(|k| format!("`{k}`")).collect();
        message.push_str(&list.join(", "));
    }
    if let Some(close) = accepted
        .iter()
        .filter(|candidate| edit_distance(key, candidate) <= 2)
        .min_by_key(|candidate| edit_distance(key, candidate))
    {
        write!(message, "; did you mean `{close}`?").unwrap();
    }
    message
}

pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggestions() {
        assert_eq!(edit_distance("roles", "role"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("perm", "permission"), 6);
        let message = unknown_key("roles", &["role", "permission"]);
        assert_eq!(
            message,
            "unknown key `roles`, expected `role` or `permission`; did you mean `role`?"
        );
        assert!(!unknown_key("zzzzzz", &LEAVES).contains("did you mean"));
    }
}
