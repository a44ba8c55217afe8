//! Code generation: the handler keeps its name, attributes, generics, where clause, return type
//! and body; its arguments are extracted behind a guard that decides the policy first.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote};
use syn::parse::Parser as _;
use syn::{Attribute, FnArg, Ident, ItemFn, Meta, parse_quote};

use crate::attr::Items;
use crate::errors::Errors;
use crate::model::{Origin, Policy, Requirement};

/// Expands one attribute on one item. Errors become `compile_error!` here and only here, next
/// to the user's function, so that one mistake does not cascade into "cannot find function"
/// errors and the IDE keeps working.
pub(crate) fn handler(origin: Origin, args: TokenStream, item: TokenStream) -> TokenStream {
    let mut function: ItemFn = match syn::parse2(item.clone()) {
        Ok(function) => function,
        Err(_) => {
            let message = format!(
                "`{}` can only be used on an `async fn` handler",
                origin.attribute()
            );
            return with_error(syn::Error::new(Span::call_site(), message), item);
        }
    };
    match expand(origin, args, &mut function) {
        Ok(expanded) => expanded,
        // `function` has lost this crate's attributes, so they do not report again.
        Err(error) => with_error(error, function.into_token_stream()),
    }
}

fn with_error(error: syn::Error, item: TokenStream) -> TokenStream {
    let error = error.to_compile_error();
    quote!(#error #item)
}

fn expand(origin: Origin, args: TokenStream, function: &mut ItemFn) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let mut policy = Policy::default();
    let this_attribute = Ident::new(origin.name(), Span::call_site());
    add_arguments(origin, &this_attribute, args, &mut policy, &mut errors);

    // Several of this crate's attributes on one handler are one all-of policy: the outermost
    // one to expand takes the others off the function.
    let mut kept = Vec::with_capacity(function.attrs.len());
    for attribute in std::mem::take(&mut function.attrs) {
        match sibling(&attribute) {
            Some(origin) => {
                let args = match &attribute.meta {
                    Meta::Path(_) => TokenStream::new(),
                    Meta::List(list) => list.tokens.clone(),
                    Meta::NameValue(_) => {
                        errors.at(
                            &attribute,
                            format!("expected `{}(...)`, with parentheses", origin.attribute()),
                        );
                        continue;
                    }
                };
                add_arguments(origin, &attribute, args, &mut policy, &mut errors);
            }
            None => kept.push(attribute),
        }
    }
    function.attrs = kept;

    check_signature(origin, function, &mut errors);
    errors.finish(())?;
    Ok(generate(&policy, function))
}

fn add_arguments(
    origin: Origin,
    attribute: &dyn ToTokens,
    args: TokenStream,
    policy: &mut Policy,
    errors: &mut Errors,
) {
    match Items::parse_terminated.parse2(args) {
        Ok(items) => policy.add(origin, attribute, &items, errors),
        Err(error) => errors.push(error),
    }
}

/// Whether `attribute` is one of this crate's, by its last path segment (`requires`,
/// `actix_authz::requires`).
fn sibling(attribute: &Attribute) -> Option<Origin> {
    let last = attribute.path().segments.last()?;
    Origin::from_name(&last.ident.to_string())
}

fn check_signature(origin: Origin, function: &ItemFn, errors: &mut Errors) {
    let signature = &function.sig;
    if signature.asyncness.is_none() {
        errors.at(
            signature.fn_token,
            format!(
                "`{}` can only be used on an `async fn`: actix-web handlers are async",
                origin.attribute()
            ),
        );
    }
    if let Some(receiver) = signature.receiver() {
        errors.at(
            receiver,
            format!(
                "`{}` cannot be used on a method; handlers are free functions",
                origin.attribute()
            ),
        );
    }
}

fn generate(policy: &Policy, function: &mut ItemFn) -> TokenStream {
    let krate = policy
        .krate
        .clone()
        .unwrap_or_else(|| parse_quote!(::actix_authz));
    let private = quote!(#krate::__private);
    let marker = format_ident!("__authz_policy_{}", function.sig.ident);
    let visibility = &function.vis;

    let requirement = match policy.requirements.as_slice() {
        [] => quote!(#private::Requirement::Authenticated),
        [only] => requirement_tokens(&private, only),
        all => list_tokens(&private, "All", all),
    };
    let realm = match &policy.realm {
        Some(realm) => quote!(#private::Some(#realm)),
        None => quote!(#private::None),
    };

    let args = Ident::new("__authz_args", Span::mixed_site());
    let (patterns, types): (Vec<_>, Vec<_>) = function
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some((&typed.pat, &typed.ty)),
            // Refused by `check_signature`.
            FnArg::Receiver(_) => None,
        })
        .unzip();
    let guarded_inputs = quote!(#args: #private::Guarded<#marker, (#(#types,)*)>);
    let block = &function.block;
    let guarded_block = if patterns.is_empty() {
        quote!(#block)
    } else {
        quote!({
            let (#(#patterns,)*) = #args.into_inner();
            #block
        })
    };
    function.sig.inputs = parse_quote!(#guarded_inputs);
    function.block = parse_quote!(#guarded_block);

    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #visibility struct #marker;

        impl #private::Policy for #marker {
            const REQUIREMENT: &'static #private::Requirement = &#requirement;
            const REALM: #private::Option<&'static str> = #realm;
        }

        #function
    }
}

fn requirement_tokens(private: &TokenStream, requirement: &Requirement) -> TokenStream {
    match requirement {
        Requirement::Role(role) => quote!(#private::Requirement::Role(#role)),
        Requirement::Permission(permission) => {
            quote!(#private::Requirement::Permission(#permission))
        }
        Requirement::Scope(scope) => quote!(#private::Requirement::Scope(#scope)),
        Requirement::All(all) => list_tokens(private, "All", all),
        Requirement::Any(any) => list_tokens(private, "Any", any),
        Requirement::Not(inner) => {
            let inner = requirement_tokens(private, inner);
            quote!(#private::Requirement::Not(&#inner))
        }
    }
}

fn list_tokens(private: &TokenStream, variant: &str, items: &[Requirement]) -> TokenStream {
    let variant = Ident::new(variant, Span::call_site());
    let items = items.iter().map(|item| requirement_tokens(private, item));
    quote!(#private::Requirement::#variant(&[#(#items),*]))
}
