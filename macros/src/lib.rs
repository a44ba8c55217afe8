//! The attribute macros of [actix-authz](https://docs.rs/actix-authz): `#[authenticated]` and
//! `#[requires(...)]`.
//!
//! Depend on `actix-authz`, which re-exports them with their full documentation; this crate is
//! an implementation detail and its expansion names items of `actix_authz::__private`.
#![warn(missing_docs)]

mod attr;
mod errors;
mod expand;
mod model;
mod vocabulary;

use proc_macro::TokenStream;

/// Requires any authenticated caller. See `actix_authz::authenticated`.
#[proc_macro_attribute]
pub fn authenticated(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::handler(model::Origin::Authenticated, args.into(), item.into()).into()
}

/// Requires an authenticated caller satisfying the listed requirements. See
/// `actix_authz::requires`.
#[proc_macro_attribute]
pub fn requires(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::handler(model::Origin::Requires, args.into(), item.into()).into()
}

/// Marks a handler as open to everyone, also inside a scope with a requirement. See
/// `actix_authz::public`.
#[proc_macro_attribute]
pub fn public(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::handler(model::Origin::Public, args.into(), item.into()).into()
}

/// Declares typed roles and permissions with their hierarchy. See `actix_authz::vocabulary`.
#[proc_macro_attribute]
pub fn vocabulary(args: TokenStream, item: TokenStream) -> TokenStream {
    vocabulary::expand(args.into(), item.into()).into()
}
