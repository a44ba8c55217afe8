//! Code generation. The user's function is kept whole, as an inner function, under the
//! attributes that concern it; the handler registered with actix-web takes one extractor that
//! decides the policy first and only then extracts the user's arguments.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::{Attribute, FnArg, GenericParam, Ident, ItemFn, Meta, parse_quote};

use crate::attr::parse_items;
use crate::errors::Errors;
use crate::model::{Origin, Policy, Requirement};

/// What a sibling attribute becomes once the outermost one has taken its arguments: it still
/// names the attribute (so its import is used) and expands to the item unchanged.
const MERGED: &str = "__authz_merged";

/// Expands one attribute on one item. Errors become `compile_error!` here and only here, next
/// to the user's function, so that one mistake does not cascade into "cannot find function"
/// errors and the IDE keeps working.
pub(crate) fn handler(origin: Origin, args: TokenStream, item: TokenStream) -> TokenStream {
    if is_merged(&args) {
        return item;
    }
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
        Err(error) => {
            // Emitted as a valid async handler, so that neither the route attribute nor the
            // callers report errors of their own about it.
            function.sig.asyncness.get_or_insert_with(Default::default);
            with_error(error, function.into_token_stream())
        }
    }
}

fn is_merged(args: &TokenStream) -> bool {
    let mut tokens = args.clone().into_iter();
    matches!(
        (tokens.next(), tokens.next()),
        (Some(proc_macro2::TokenTree::Ident(ident)), None) if ident == MERGED
    )
}

fn with_error(error: syn::Error, item: TokenStream) -> TokenStream {
    let error = error.to_compile_error();
    quote!(#error #item)
}

fn expand(origin: Origin, args: TokenStream, function: &mut ItemFn) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let mut policy = Policy::default();
    let this_attribute = Ident::new(origin.name(), Span::call_site());
    let items = parse_items(args, &mut errors);
    policy.add(origin, &this_attribute, &items, &mut errors);

    // Several of this crate's attributes on one handler are one all-of policy: the first to
    // expand takes the arguments of the others.
    for attribute in &mut function.attrs {
        let Some(origin) = sibling(attribute) else {
            continue;
        };
        match &attribute.meta {
            Meta::List(list) if is_merged(&list.tokens) => continue,
            Meta::List(list) => {
                let items = parse_items(list.tokens.clone(), &mut errors);
                policy.add(origin, &*attribute, &items, &mut errors);
            }
            Meta::Path(_) => {
                let items = parse_items(TokenStream::new(), &mut errors);
                policy.add(origin, &*attribute, &items, &mut errors);
            }
            Meta::NameValue(_) => errors.at(
                &*attribute,
                format!("expected `#[{}(...)]`, with parentheses", origin.name()),
            ),
        }
        let path = attribute.path().clone();
        let merged = Ident::new(MERGED, Span::call_site());
        *attribute = parse_quote!(#[#path(#merged)]);
    }

    check_signature(origin, function, &mut errors);
    errors.finish(())?;
    Ok(generate(&policy, function))
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

/// Where each of the function's remaining attributes goes: the registered handler, the user's
/// inner function, or both.
enum Placement {
    Handler,
    Inner,
    Both,
}

fn placement(attribute: &Attribute) -> Placement {
    const ROUTES: [&str; 11] = [
        "get", "post", "put", "delete", "head", "connect", "options", "trace", "patch", "route",
        "routes",
    ];
    const HANDLER: [&str; 5] = ["doc", "cfg", "cfg_attr", "deprecated", "must_use"];
    const BOTH: [&str; 4] = ["allow", "warn", "deny", "forbid"];
    let Some(last) = attribute.path().segments.last() else {
        return Placement::Inner;
    };
    let name = last.ident.to_string();
    if ROUTES.contains(&name.as_str())
        || HANDLER.contains(&name.as_str())
        || sibling(attribute).is_some()
    {
        Placement::Handler
    } else if BOTH.contains(&name.as_str()) {
        Placement::Both
    } else {
        Placement::Inner
    }
}

fn generate(policy: &Policy, function: &ItemFn) -> TokenStream {
    let private = match &policy.krate {
        Some((path, span)) => quote_spanned!(*span=> #path::__private),
        None => quote!(::actix_authz::__private),
    };
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

    let (mut handler_attributes, mut inner_attributes) = (Vec::new(), Vec::new());
    for attribute in &function.attrs {
        match placement(attribute) {
            Placement::Handler => handler_attributes.push(attribute),
            Placement::Inner => inner_attributes.push(attribute),
            Placement::Both => {
                handler_attributes.push(attribute);
                inner_attributes.push(attribute);
            }
        }
    }

    let signature = &function.sig;
    let name = &signature.ident;
    let types: Vec<_> = signature
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some(&typed.ty),
            // Refused by `check_signature`.
            FnArg::Receiver(_) => None,
        })
        .collect();
    let values: Vec<_> = (0..types.len())
        .map(|index| Ident::new(&format!("__authz_arg{index}"), Span::mixed_site()))
        .collect();
    let args = Ident::new("__authz_args", Span::mixed_site());
    let turbofish = {
        let params: Vec<_> = signature
            .generics
            .params
            .iter()
            .filter_map(|param| match param {
                GenericParam::Type(param) => Some(param.ident.to_token_stream()),
                GenericParam::Const(param) => Some(param.ident.to_token_stream()),
                GenericParam::Lifetime(_) => None,
            })
            .collect();
        if params.is_empty() {
            quote!()
        } else {
            quote!(::<#(#params),*>)
        }
    };
    let mut handler_signature = signature.clone();
    handler_signature.inputs = parse_quote!(#args: #private::Guarded<#marker, (#(#types,)*)>);
    let mut inner = function.clone();
    inner.attrs.clear();
    inner.vis = syn::Visibility::Inherited;
    let call_span = signature.ident.span();
    let call = quote_spanned!(call_span=> #name #turbofish (#(#values),*).await);

    quote! {
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #visibility struct #marker;

        impl #private::Policy for #marker {
            const REQUIREMENT: &'static #private::Requirement = &#requirement;
            const REALM: #private::Option<&'static str> = #realm;
        }

        #(#handler_attributes)*
        #visibility #handler_signature {
            #(#inner_attributes)*
            #inner

            let (#(#values,)*) = #args.into_inner();
            #call
        }
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
