//! The syntax of the attribute arguments, parsed leniently so that validation (in `model`) can
//! report every mistake at once with a precise message.
//!
//! ```text
//! args  := item (',' item)* ','?
//! item  := key '=' expr | key '(' args? ')' | key
//! ```

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::{Expr, Ident, Token, token};

pub(crate) type Items = Punctuated<Item, Token![,]>;

pub(crate) struct Item {
    pub(crate) key: Ident,
    pub(crate) form: Form,
}

pub(crate) enum Form {
    /// `key = value`
    Value(Expr),
    /// `key(items)`
    List(token::Paren, Items),
    /// `key` alone
    Bare,
}

impl ToTokens for Item {
    /// The item as written, so that errors about it underline all of it.
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.key.to_tokens(tokens);
        match &self.form {
            Form::Value(value) => {
                <Token![=]>::default().to_tokens(tokens);
                value.to_tokens(tokens);
            }
            Form::List(paren, items) => paren.surround(tokens, |inner| items.to_tokens(inner)),
            Form::Bare => {}
        }
    }
}

impl Parse for Item {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        // `parse_any` admits keywords, for `crate = "..."`.
        let key = Ident::parse_any(input).map_err(|e| {
            syn::Error::new(
                e.span(),
                "expected a requirement such as `role = \"admin\"`",
            )
        })?;
        let lookahead = input.lookahead1();
        let form = if lookahead.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            Form::Value(input.parse()?)
        } else if lookahead.peek(token::Paren) {
            let content;
            let paren = syn::parenthesized!(content in input);
            Form::List(paren, content.parse_terminated(Item::parse, Token![,])?)
        } else if input.is_empty() || input.peek(Token![,]) {
            Form::Bare
        } else {
            return Err(lookahead.error());
        };
        Ok(Self { key, form })
    }
}
