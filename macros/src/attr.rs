//! The syntax of the attribute arguments, parsed leniently so that validation (in `model`) can
//! report every mistake of an attribute in one compile, each with a precise message.
//!
//! ```text
//! items := item (',' item)* ','?
//! item  := key '=' expr | key '(' tokens ')' | key
//! ```
//!
//! The tokens of `key(...)` are kept raw: only `model` knows whether `key` takes a list.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::ext::IdentExt as _;
use syn::parse::{ParseStream, Parser as _};
use syn::{Expr, Ident, Token, token};

use crate::errors::Errors;

pub(crate) struct Item {
    pub(crate) key: Ident,
    pub(crate) form: Form,
}

pub(crate) enum Form {
    /// `key = value`
    Value(Token![=], Expr),
    /// `key(tokens)`
    List(token::Paren, TokenStream),
    /// `key` alone
    Bare,
}

impl ToTokens for Item {
    /// The item as written, so that errors about it underline all of it.
    fn to_tokens(&self, tokens: &mut TokenStream) {
        self.key.to_tokens(tokens);
        match &self.form {
            Form::Value(eq, value) => {
                eq.to_tokens(tokens);
                value.to_tokens(tokens);
            }
            Form::List(paren, inner) => paren.surround(tokens, |t| inner.to_tokens(t)),
            Form::Bare => {}
        }
    }
}

/// A comma-separated list of items, and whether any could not be parsed.
pub(crate) struct Items {
    pub(crate) items: Vec<Item>,
    pub(crate) malformed: bool,
}

/// Parses a comma-separated list of items. A malformed item is reported and skipped up to the
/// next comma, so that the items after it are still checked.
pub(crate) fn parse_items(tokens: TokenStream, errors: &mut Errors) -> Items {
    let mut malformed = false;
    let parser = |input: ParseStream<'_>| -> syn::Result<Vec<Item>> {
        let mut items = Vec::new();
        while !input.is_empty() {
            match parse_item(input) {
                Ok(item) => items.push(item),
                Err(error) => {
                    errors.push(error);
                    malformed = true;
                    skip_to_comma(input)?;
                }
            }
            if input.is_empty() {
                break;
            }
            if !input.peek(Token![,]) {
                errors.push(input.error("expected `,` between requirements"));
                malformed = true;
                skip_to_comma(input)?;
            }
            if input.peek(Token![,]) {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(items)
    };
    let items = parser.parse2(tokens).unwrap_or_else(|error| {
        errors.push(error);
        malformed = true;
        Vec::new()
    });
    Items { items, malformed }
}

fn parse_item(input: ParseStream<'_>) -> syn::Result<Item> {
    // `parse_any` admits keywords, for `crate = "..."`.
    let key = Ident::parse_any(input).map_err(|_| {
        input.error("expected a requirement such as `role = \"admin\"` or `any(...)`")
    })?;
    let form = if input.peek(Token![=]) {
        Form::Value(input.parse()?, input.parse()?)
    } else if input.peek(token::Paren) {
        let content;
        let paren = syn::parenthesized!(content in input);
        Form::List(paren, content.parse()?)
    } else if input.is_empty() || input.peek(Token![,]) {
        Form::Bare
    } else {
        return Err(input.error(format!("expected `=` or `(...)` after `{key}`")));
    };
    Ok(Item { key, form })
}

fn skip_to_comma(input: ParseStream<'_>) -> syn::Result<()> {
    input.step(|cursor| {
        let mut rest = *cursor;
        while let Some((tree, next)) = rest.token_tree() {
            if matches!(&tree, proc_macro2::TokenTree::Punct(p) if p.as_char() == ',') {
                return Ok(((), rest));
            }
            rest = next;
        }
        Ok(((), rest))
    })
}
