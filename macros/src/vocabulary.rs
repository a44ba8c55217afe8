//! `#[vocabulary]`: typed roles and permissions with a role hierarchy, checked and expanded when
//! the vocabulary compiles, so that a request only compares names.
//!
//! ```text
//! #[vocabulary]
//! mod authz {
//!     #[roles]
//!     pub enum Role {
//!         #[implies(Editor)]            // admin > editor
//!         Admin,
//!         #[implies(Viewer)]            // editor > viewer
//!         #[grants(PostsDelete)]        // a role granting a permission
//!         Editor,
//!         Viewer,
//!     }
//!     #[permissions]
//!     pub enum Permission {
//!         #[name = "posts:delete"]
//!         PostsDelete,
//!     }
//! }
//! ```

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, quote};
use syn::{Attribute, Ident, Item, ItemEnum, ItemMod, LitStr, Meta, Token};

use crate::attr::{Form, parse_items};
use crate::errors::Errors;
use crate::model::edit_distance;

pub(crate) fn expand(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut module: ItemMod = match syn::parse2(item.clone()) {
        Ok(module) => module,
        Err(_) => {
            let error = syn::Error::new(
                Span::call_site(),
                "`#[vocabulary]` goes on an inline module holding a `#[roles]` enum: \
                 `mod authz { #[roles] enum Role { ... } }`",
            );
            let error = error.to_compile_error();
            return quote!(#error #item);
        }
    };
    let mut errors = Errors::default();
    let krate = crate_path(args, &mut errors);
    let generated = generate(&mut module, &krate, &mut errors);
    match errors.finish(()) {
        Ok(()) => {
            if let Some((_, items)) = &mut module.content {
                items.push(Item::Verbatim(generated));
            }
            module.into_token_stream()
        }
        Err(error) => {
            let error = error.to_compile_error();
            quote!(#error #module)
        }
    }
}

fn crate_path(args: TokenStream, errors: &mut Errors) -> TokenStream {
    let items = parse_items(args, errors);
    let mut krate = quote!(::actix_authz);
    for item in &items.items {
        match (&item.key.to_string()[..], &item.form) {
            (
                "crate",
                Form::Value(
                    _,
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(path),
                        ..
                    }),
                ),
            ) => match path.parse::<syn::Path>() {
                Ok(path) => krate = path.into_token_stream(),
                Err(_) => errors.at(
                    path,
                    "expected a path such as `crate = \"my_crate::authz\"`",
                ),
            },
            _ => errors.at(item, "`#[vocabulary]` takes only `crate = \"path\"`"),
        }
    }
    krate
}

/// One variant of a roles or permissions enum.
struct Term {
    ident: Ident,
    name: String,
    implies: Vec<Ident>,
    grants: Vec<Ident>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Roles,
    Permissions,
}

impl Kind {
    fn marker(self) -> &'static str {
        match self {
            Self::Roles => "roles",
            Self::Permissions => "permissions",
        }
    }
}

fn generate(module: &mut ItemMod, krate: &TokenStream, errors: &mut Errors) -> TokenStream {
    let Some((_, items)) = &mut module.content else {
        errors.at(
            &module.ident,
            "`#[vocabulary]` needs an inline module: `mod authz { ... }`",
        );
        return TokenStream::new();
    };
    let mut roles: Option<(Ident, Vec<Term>)> = None;
    let mut permissions: Option<(Ident, Vec<Term>)> = None;
    for item in items.iter_mut() {
        let Item::Enum(item) = item else { continue };
        for kind in [Kind::Roles, Kind::Permissions] {
            let Some(marker) = take_marker(&mut item.attrs, kind.marker()) else {
                continue;
            };
            let slot = match kind {
                Kind::Roles => &mut roles,
                Kind::Permissions => &mut permissions,
            };
            if slot.is_some() {
                errors.at(
                    &marker,
                    format!("a vocabulary has one `#[{}]` enum", kind.marker()),
                );
                continue;
            }
            let terms = terms(item, kind, errors);
            add_derives(item);
            // A variant may be held only through the hierarchy, never named in code.
            item.attrs.push(syn::parse_quote!(#[allow(dead_code)]));
            *slot = Some((item.ident.clone(), terms));
        }
    }
    let Some((role_type, role_terms)) = roles else {
        errors.at(
            &module.ident,
            "`#[vocabulary]` needs a `#[roles]` enum in the module",
        );
        return TokenStream::new();
    };
    let permission_terms = permissions.as_ref().map_or(&[][..], |(_, t)| &t[..]);
    resolve(&role_terms, Kind::Roles, &role_terms, errors);
    resolve(&role_terms, Kind::Permissions, permission_terms, errors);
    if role_terms.iter().any(|role| !role.grants.is_empty()) && permissions.is_none() {
        errors.at(
            &role_type,
            "roles grant permissions, but the vocabulary has no `#[permissions]` enum",
        );
    }
    let Some(implied_by) = hierarchy(&role_terms, errors) else {
        return TokenStream::new();
    };

    // A role is held through itself and every role that implies it.
    let role_holders: Vec<Vec<&str>> = (0..role_terms.len())
        .map(|index| holders(&implied_by, &[index], &role_terms))
        .collect();
    let mut output = vocabulary_impls(
        krate,
        &role_type,
        &role_terms,
        &role_holders,
        quote!(RoleVocabulary),
    );
    if let Some((permission_type, permission_terms)) = &permissions {
        // A permission is held through every role that grants it, and every role above those.
        let permission_holders: Vec<Vec<&str>> = permission_terms
            .iter()
            .map(|permission| {
                let granting: Vec<usize> = role_terms
                    .iter()
                    .enumerate()
                    .filter(|(_, role)| role.grants.contains(&permission.ident))
                    .map(|(index, _)| index)
                    .collect();
                holders(&implied_by, &granting, &role_terms)
            })
            .collect();
        output.extend(vocabulary_impls(
            krate,
            permission_type,
            permission_terms,
            &permission_holders,
            quote!(PermissionVocabulary),
        ));
    }
    output
}

fn take_marker(attrs: &mut Vec<Attribute>, name: &str) -> Option<Attribute> {
    let index = attrs.iter().position(|attr| attr.path().is_ident(name))?;
    Some(attrs.remove(index))
}

/// The enum's variants as terms, taking off their `#[name]`, `#[implies]` and `#[grants]`.
fn terms(item: &mut ItemEnum, kind: Kind, errors: &mut Errors) -> Vec<Term> {
    if !item.generics.params.is_empty() {
        errors.at(&item.generics, "a vocabulary enum cannot be generic");
    }
    let mut terms: Vec<Term> = Vec::new();
    for variant in &mut item.variants {
        if !matches!(variant.fields, syn::Fields::Unit) {
            errors.at(&variant.fields, "a vocabulary variant has no fields");
        }
        if let Some((_, discriminant)) = &variant.discriminant {
            errors.at(
                discriminant,
                "a vocabulary variant has no explicit discriminant: its position is its index",
            );
        }
        let mut term = Term {
            ident: variant.ident.clone(),
            name: snake_case(&variant.ident.to_string()),
            implies: Vec::new(),
            grants: Vec::new(),
        };
        let mut kept = Vec::new();
        for attribute in std::mem::take(&mut variant.attrs) {
            let name = attribute.path().get_ident().map(ToString::to_string);
            match (name.as_deref(), kind) {
                (Some("name"), _) => match &attribute.meta {
                    Meta::NameValue(syn::MetaNameValue {
                        value:
                            syn::Expr::Lit(syn::ExprLit {
                                lit: syn::Lit::Str(value),
                                ..
                            }),
                        ..
                    }) => {
                        check_term_name(value, errors);
                        term.name = value.value();
                    }
                    _ => errors.at(&attribute, "expected `#[name = \"...\"]`"),
                },
                (Some("implies"), Kind::Roles) => term.implies.extend(idents(&attribute, errors)),
                (Some("grants"), Kind::Roles) => term.grants.extend(idents(&attribute, errors)),
                (Some(other @ ("implies" | "grants")), Kind::Permissions) => errors.at(
                    &attribute,
                    format!("`#[{other}(...)]` goes on a role, not on a permission"),
                ),
                _ => kept.push(attribute),
            }
        }
        variant.attrs = kept;
        if let Some(earlier) = terms.iter().find(|t| t.name == term.name) {
            errors.at(
                &variant.ident,
                format!(
                    "`{}` has the name {:?}, like `{}`: give one a `#[name = \"...\"]`",
                    term.ident, term.name, earlier.ident
                ),
            );
        }
        terms.push(term);
    }
    if terms.is_empty() {
        errors.at(&item.ident, "a vocabulary enum needs at least one variant");
    }
    terms
}

fn idents(attribute: &Attribute, errors: &mut Errors) -> Vec<Ident> {
    match attribute
        .parse_args_with(syn::punctuated::Punctuated::<Ident, Token![,]>::parse_terminated)
    {
        Ok(list) if !list.is_empty() => list.into_iter().collect(),
        Ok(_) => {
            errors.at(
                attribute,
                "name at least one variant inside the parentheses",
            );
            Vec::new()
        }
        Err(error) => {
            errors.push(error);
            Vec::new()
        }
    }
}

fn check_term_name(value: &LitStr, errors: &mut Errors) {
    let name = value.value();
    if name.is_empty() || name.trim() != name || name.chars().any(char::is_control) {
        errors.at(
            value,
            "a name is non-empty, without surrounding whitespace or control characters",
        );
    }
}

/// Reports every `#[implies]`/`#[grants]` entry that names no variant of `targets`.
fn resolve(roles: &[Term], kind: Kind, targets: &[Term], errors: &mut Errors) {
    for role in roles {
        let named = match kind {
            Kind::Roles => &role.implies,
            Kind::Permissions => &role.grants,
        };
        for ident in named {
            if targets.iter().any(|target| target.ident == *ident) {
                continue;
            }
            let close = targets
                .iter()
                .map(|target| &target.ident)
                .filter(|target| edit_distance(&ident.to_string(), &target.to_string()) <= 2)
                .min_by_key(|target| edit_distance(&ident.to_string(), &target.to_string()));
            let what = match kind {
                Kind::Roles => "role",
                Kind::Permissions => "permission",
            };
            errors.at(
                ident,
                match close {
                    Some(close) => {
                        format!("no {what} `{ident}` in the vocabulary; did you mean `{close}`?")
                    }
                    None => format!("no {what} `{ident}` in the vocabulary"),
                },
            );
        }
    }
}

/// For each role, the roles that imply it directly; `None` (and an error at the edge that
/// closes it) when the hierarchy has a cycle.
fn hierarchy(roles: &[Term], errors: &mut Errors) -> Option<Vec<Vec<usize>>> {
    let index_of = |ident: &Ident| roles.iter().position(|role| role.ident == *ident);
    let implies: Vec<Vec<(usize, &Ident)>> = roles
        .iter()
        .map(|role| {
            role.implies
                .iter()
                .filter_map(|ident| Some((index_of(ident)?, ident)))
                .collect()
        })
        .collect();

    // Depth-first search with colours: an edge into a role still on the stack closes a cycle.
    #[derive(Clone, Copy, PartialEq)]
    enum Colour {
        New,
        OnStack,
        Done,
    }
    fn visit(
        role: usize,
        implies: &[Vec<(usize, &Ident)>],
        colours: &mut [Colour],
        stack: &mut Vec<usize>,
        roles: &[Term],
        errors: &mut Errors,
    ) -> bool {
        colours[role] = Colour::OnStack;
        stack.push(role);
        let mut acyclic = true;
        for &(next, ident) in &implies[role] {
            match colours[next] {
                Colour::OnStack => {
                    let start = stack.iter().position(|&r| r == next).unwrap_or_default();
                    let path: Vec<String> = stack[start..]
                        .iter()
                        .chain([&next])
                        .map(|&r| format!("`{}`", roles[r].ident))
                        .collect();
                    errors.at(
                        ident,
                        format!(
                            "the role hierarchy has a cycle: {}; a role cannot imply itself",
                            path.join(" implies ")
                        ),
                    );
                    acyclic = false;
                }
                Colour::New => acyclic &= visit(next, implies, colours, stack, roles, errors),
                Colour::Done => {}
            }
        }
        stack.pop();
        colours[role] = Colour::Done;
        acyclic
    }
    let mut colours = vec![Colour::New; roles.len()];
    let mut acyclic = true;
    for role in 0..roles.len() {
        if colours[role] == Colour::New {
            acyclic &= visit(role, &implies, &mut colours, &mut Vec::new(), roles, errors);
        }
    }
    acyclic.then(|| {
        let mut implied_by = vec![Vec::new(); roles.len()];
        for (role, edges) in implies.iter().enumerate() {
            for &(implied, _) in edges {
                implied_by[implied].push(role);
            }
        }
        implied_by
    })
}

/// The names of `start` and of every role above them, each once, in declaration order.
fn holders<'a>(implied_by: &[Vec<usize>], start: &[usize], roles: &'a [Term]) -> Vec<&'a str> {
    let mut reached = vec![false; roles.len()];
    let mut pending: Vec<usize> = start.to_vec();
    while let Some(role) = pending.pop() {
        if !std::mem::replace(&mut reached[role], true) {
            pending.extend(&implied_by[role]);
        }
    }
    roles
        .iter()
        .zip(reached)
        .filter(|(_, reached)| *reached)
        .map(|(role, _)| role.name.as_str())
        .collect()
}

fn vocabulary_impls(
    krate: &TokenStream,
    ty: &Ident,
    terms: &[Term],
    holders: &[Vec<&str>],
    vocabulary: TokenStream,
) -> TokenStream {
    let variants: Vec<_> = terms.iter().map(|term| &term.ident).collect();
    let names: Vec<_> = terms.iter().map(|term| &term.name).collect();
    let holders = holders.iter().map(|names| quote!(&[#(#names),*]));
    quote! {
        impl #ty {
            /// Every variant, in declaration order.
            pub const ALL: &'static [Self] = &[#(Self::#variants),*];

            /// The name identities carry.
            pub const fn name(&self) -> &'static str {
                match self {
                    #(Self::#variants => #names,)*
                }
            }
        }

        impl #krate::#vocabulary for #ty {
            const TERMS: &'static [#krate::Term] = &[
                #(#krate::Term::new(#names, #holders)),*
            ];
        }

        impl ::core::fmt::Display for #ty {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl ::core::convert::AsRef<str> for #ty {
            fn as_ref(&self) -> &str {
                self.name()
            }
        }
    }
}

/// Adds the derives a vocabulary enum needs and does not have yet.
fn add_derives(item: &mut ItemEnum) {
    let derived: Vec<String> = item
        .attrs
        .iter()
        .filter(|attr| attr.path().is_ident("derive"))
        .filter_map(|attr| {
            attr.parse_args_with(
                syn::punctuated::Punctuated::<syn::Path, Token![,]>::parse_terminated,
            )
            .ok()
        })
        .flatten()
        .filter_map(|path| path.segments.last().map(|s| s.ident.to_string()))
        .collect();
    let missing: Vec<Ident> = ["Debug", "Clone", "Copy", "PartialEq", "Eq", "Hash"]
        .into_iter()
        .filter(|name| !derived.iter().any(|d| d == name))
        .map(|name| Ident::new(name, Span::call_site()))
        .collect();
    if !missing.is_empty() {
        item.attrs.push(syn::parse_quote!(#[derive(#(#missing),*)]));
    }
}

/// `PostsDelete` → `posts_delete`.
fn snake_case(name: &str) -> String {
    let mut snake = String::with_capacity(name.len() + 4);
    for (index, c) in name.chars().enumerate() {
        if c.is_uppercase() {
            if index > 0 {
                snake.push('_');
            }
            snake.extend(c.to_lowercase());
        } else {
            snake.push(c);
        }
    }
    snake
}

#[cfg(test)]
mod tests {
    use super::snake_case;

    #[test]
    fn snake_case_names() {
        assert_eq!(snake_case("Admin"), "admin");
        assert_eq!(snake_case("PostsDelete"), "posts_delete");
    }
}
