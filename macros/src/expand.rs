//! Code generation. The user's function is kept whole, as an inner function, under the
//! attributes that concern it; the handler registered with actix-web (a constant of the
//! runtime's `Protected` type, or a function where it cannot be one) takes one extractor that
//! decides the policy first and only then extracts the user's arguments.

use proc_macro2::{Span, TokenStream};
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::{Attribute, FnArg, GenericParam, Ident, ItemFn, LitStr, Meta, parse_quote};

use crate::attr::parse_items;
use crate::errors::Errors;
use crate::model::{Origin, Policy, Requirement};

/// What a sibling attribute becomes once the outermost one has taken its arguments: it still
/// names the attribute (so its import is used) and expands to the item unchanged.
const MERGED: &str = "__authz_merged";

/// In front of an attribute's arguments, the route attribute it stepped below
/// ([`defer_to_route`]).
const CARRIED_ROUTE: &str = "__authz_route";

/// The alias that marks the user's function kept inside a handler (`#[doc(alias = "…")]`, which
/// changes nothing else): one of this crate's attributes left on it was not recognised as a
/// sibling by the attribute that expanded.
const INNER: &str = "__authz_inner";

/// Expands one attribute on one item. Errors become `compile_error!` here and only here, next
/// to the user's function, so that one mistake does not cascade into "cannot find function"
/// errors and the IDE keeps working.
pub(crate) fn handler(origin: Origin, args: TokenStream, item: TokenStream) -> TokenStream {
    if is_merged(&args) {
        return item;
    }
    let (carried, args) = carried_route(args);
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
    if function.attrs.iter().any(is_inner_marker) {
        let message = format!(
            "this `{}` was not recognised as one of the handler's attributes by the attribute \
             of this crate above it: write it by name or as `actix_authz::{}`, or give \
             `crate = \"...\"` with the path it is written through",
            origin.attribute(),
            origin.name()
        );
        return with_error(syn::Error::new(Span::call_site(), message), item);
    }
    if let Some(deferred) = defer_to_openapi(origin, &args, &mut function) {
        return deferred;
    }
    if let Some(deferred) = defer_to_route(origin, &args, &mut function) {
        return deferred;
    }
    match expand(origin, args, carried, &mut function) {
        Ok(expanded) => expanded,
        Err(error) => {
            // Emitted as a valid async handler, so that neither the route attribute nor the
            // callers report errors of their own about it (an `async fn` cannot be `const`).
            function.sig.asyncness.get_or_insert_with(Default::default);
            function.sig.constness = None;
            with_error(error, function.into_token_stream())
        }
    }
}

/// `#[utoipa::path]` below this attribute must see the handler as the user wrote it (its
/// arguments are the operation's parameters), and must expand at module level, where
/// `#[openapi(paths(handler))]` finds what it generates: so this attribute steps below it, and
/// expands once `#[utoipa::path]` has.
fn defer_to_openapi(
    origin: Origin,
    args: &TokenStream,
    function: &mut ItemFn,
) -> Option<TokenStream> {
    if origin == Origin::Public {
        // Leaves the function as written: nothing to defer.
        return None;
    }
    let is_openapi = |attribute: &Attribute| {
        attribute
            .path()
            .segments
            .last()
            .is_some_and(|last| last.ident == "path")
    };
    let position = function.attrs.iter().position(is_openapi)?;
    let openapi: Vec<Attribute> = function.attrs.drain(..=position).collect();
    let runtime = runtime_path(args, &function.attrs);
    let name = Ident::new(origin.name(), Span::call_site());
    Some(quote! {
        #(#openapi)*
        #[#runtime::#name(#args)]
        #function
    })
}

/// The route attribute written below this one (`#[get("/admin")]`, `#[route(…)]`): this
/// attribute steps below it, so that actix-web's expands first and registers the constant this
/// one then makes of the handler, one type for every handler, as when the route attribute is
/// written above. Its route goes along, as `__authz_route(get("/admin"))` in front of the
/// arguments, so that the handler is recorded with the route it declares all the same.
///
/// Not for a generic handler, which stays a function (a constant cannot be generic), nor for
/// `#[routes]`, whose several routes must be written above their handler.
fn defer_to_route(
    origin: Origin,
    args: &TokenStream,
    function: &mut ItemFn,
) -> Option<TokenStream> {
    if origin == Origin::Public || !function.sig.generics.params.is_empty() {
        return None;
    }
    if function.attrs.iter().any(is_several) {
        return None;
    }
    let position = function.attrs.iter().position(is_route)?;
    let route = function.attrs.remove(position);
    let meta = &route.meta;
    let runtime = runtime_path(args, &function.attrs);
    let name = Ident::new(origin.name(), Span::call_site());
    let carried = Ident::new(CARRIED_ROUTE, Span::call_site());
    let separator = (!args.is_empty()).then(|| quote!(,));
    Some(quote! {
        #route
        #[#runtime::#name(#carried(#meta) #separator #args)]
        #function
    })
}

/// The route a [`defer_to_route`] carried in front of `args`, and the arguments without it.
fn carried_route(args: TokenStream) -> (Option<syn::Meta>, TokenStream) {
    let mut tokens = args.clone().into_iter();
    let (Some(proc_macro2::TokenTree::Ident(ident)), Some(proc_macro2::TokenTree::Group(group))) =
        (tokens.next(), tokens.next())
    else {
        return (None, args);
    };
    if ident != CARRIED_ROUTE {
        return (None, args);
    }
    let Ok(meta) = syn::parse2::<syn::Meta>(group.stream()) else {
        return (None, args);
    };
    // The separating comma, if arguments follow.
    let mut rest = tokens.peekable();
    if matches!(rest.peek(), Some(proc_macro2::TokenTree::Punct(punct)) if punct.as_char() == ',') {
        rest.next();
    }
    (Some(meta), rest.collect())
}

/// The path of the runtime crate, as `crate = "…"` names it among `args` or, since it is a
/// setting of the handler's one policy, among the arguments of a sibling attribute.
fn runtime_path(args: &TokenStream, attributes: &[Attribute]) -> TokenStream {
    let siblings = attributes
        .iter()
        .filter(|attribute| sibling(attribute, None).is_some())
        .filter_map(|attribute| match &attribute.meta {
            Meta::List(list) => Some(&list.tokens),
            _ => None,
        });
    match std::iter::once(args).chain(siblings).find_map(named_crate) {
        Some(path) => path.into_token_stream(),
        None => quote!(::actix_authz),
    }
}

/// The path `crate = "…"` names among `args`, if it does.
fn named_crate(args: &TokenStream) -> Option<syn::Path> {
    let mut ignored = Errors::default();
    let items = parse_items(args.clone(), &mut ignored);
    items.items.iter().find_map(|item| match &item.form {
        crate::attr::Form::Value(
            _,
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(path),
                ..
            }),
        ) if item.key == "crate" => path.parse::<syn::Path>().ok(),
        _ => None,
    })
}

fn is_inner_marker(attribute: &Attribute) -> bool {
    attribute.path().is_ident("doc") && attribute.to_token_stream().to_string().contains(INNER)
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

fn expand(
    origin: Origin,
    args: TokenStream,
    mut carried: Option<syn::Meta>,
    function: &mut ItemFn,
) -> syn::Result<TokenStream> {
    let mut errors = Errors::default();
    let mut policy = Policy::default();
    let this_attribute = Ident::new(origin.name(), Span::call_site());
    let items = parse_items(args, &mut errors);
    policy.add(origin, &this_attribute, &items, &mut errors);

    // Several of this crate's attributes on one handler are one all-of policy: the first to
    // expand takes the arguments of the others.
    let runtime = policy.krate.as_ref().map(|(path, _)| path.clone());
    for attribute in &mut function.attrs {
        let Some(origin) = sibling(attribute, runtime.as_ref()) else {
            continue;
        };
        match &attribute.meta {
            Meta::List(list) if is_merged(&list.tokens) => continue,
            Meta::List(list) => {
                // A sibling that stepped below a route attribute, while this one could not
                // expand where it was (its path did not resolve), carries that route.
                let (route, tokens) = carried_route(list.tokens.clone());
                carried = carried.or(route);
                let items = parse_items(tokens, &mut errors);
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
    let route = match carried {
        Some(meta) => route_of(&meta, false),
        None => declared_route(function),
    };
    check_public(&policy, route.is_some(), &mut errors);
    check_shadow(&policy, &mut errors);
    let arguments = arguments(&policy, function, &mut errors);
    errors.finish(())?;
    Ok(if policy.is_public() {
        generate_public(&policy, function, route)
    } else {
        generate(&policy, function, &arguments, route)
    })
}

/// `#[public]` opts out of every rule: it cannot stand next to one. All it does is record the
/// route it opens, so it must see the route attribute below it (`routed`).
fn check_public(policy: &Policy, routed: bool, errors: &mut Errors) {
    let Some((_, public)) = policy
        .origins
        .iter()
        .find(|(origin, _)| *origin == Origin::Public)
    else {
        return;
    };
    if !routed {
        errors.at(
            public,
            "`#[public]` sees no route attribute below it (`#[get(\"/path\")]`, \
             `#[route(...)]`, `#[routes]`, by those names): write it above the handler's route \
             attribute, where it records the route that `Require`, `DefaultDeny` and the route \
             audit open",
        );
    }
    if let Some((other, _)) = policy
        .origins
        .iter()
        .find(|(origin, _)| *origin != Origin::Public)
    {
        errors.at(
            public,
            format!(
                "a handler cannot be both `#[public]` and `{}`: remove one of them",
                other.attribute()
            ),
        );
    }
}

/// `shadow` is a setting of the handler's one policy, like `hide` and `realm`: written on one of
/// several attributes, it would also let through the callers the others refuse. Refused there,
/// so that adding a shadowed rule never switches off an enforced one.
fn check_shadow(policy: &Policy, errors: &mut Errors) {
    let Some(shadow) = &policy.shadow else {
        return;
    };
    if policy.origins.len() > 1 {
        errors.at(
            shadow,
            "`shadow` would stop enforcing every attribute of this handler, not only this \
             one: shadow mode covers the handler's whole policy. Keep the enforced rules \
             without `shadow`, or write all of the handler's requirements in one attribute \
             with `shadow` to shadow them all",
        );
    }
}

/// Whether `attribute` is one of this crate's, and which: written by its name alone
/// (`requires`), or by a path through `actix_authz` or through the path that `crate = "…"`
/// names, in its own arguments or in `runtime` (the expanding attribute's), or its last part
/// (`authz::requires` for `crate = "crate::routes::authz"`). An attribute of another crate that
/// shares a name (`contracts::requires`) is not.
fn sibling(attribute: &Attribute, runtime: Option<&syn::Path>) -> Option<Origin> {
    let path = attribute.path();
    let mut segments = path.segments.iter().rev();
    let origin = Origin::from_name(&segments.next()?.ident.to_string())?;
    let Some(through) = segments.next() else {
        return path.leading_colon.is_none().then_some(origin);
    };
    let names = |runtime: &syn::Path| {
        runtime
            .segments
            .last()
            .is_some_and(|last| last.ident == through.ident)
    };
    let own = match &attribute.meta {
        Meta::List(list) => named_crate(&list.tokens),
        _ => None,
    };
    (through.ident == "actix_authz"
        || runtime.is_some_and(names)
        || own.is_some_and(|own| names(&own)))
    .then_some(origin)
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
    if let syn::Safety::Unsafe(unsafety) = signature.safety {
        errors.at(
            unsafety,
            format!(
                "`{}` cannot be used on an `unsafe fn`: actix-web calls handlers as safe \
                 functions",
                origin.attribute()
            ),
        );
    }
    if let Some(abi) = &signature.abi {
        errors.at(
            abi,
            format!(
                "`{}` cannot be used on an `extern` fn: actix-web calls handlers as Rust \
                 functions",
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

/// actix-web's route attributes of one method: `#[get]`, `#[post]`…
const METHODS: [&str; 9] = [
    "get", "post", "put", "delete", "head", "connect", "options", "trace", "patch",
];

/// Whether `attribute` is one of actix-web's route attributes.
fn is_route(attribute: &Attribute) -> bool {
    attribute.path().segments.last().is_some_and(|last| {
        let name = last.ident.to_string();
        METHODS.contains(&name.as_str()) || name == "route" || name == "routes"
    })
}

fn placement(attribute: &Attribute) -> Placement {
    const HANDLER: [&str; 5] = ["doc", "cfg", "cfg_attr", "deprecated", "must_use"];
    const BOTH: [&str; 4] = ["allow", "warn", "deny", "forbid"];
    let Some(last) = attribute.path().segments.last() else {
        return Placement::Inner;
    };
    let name = last.ident.to_string();
    let merged = matches!(&attribute.meta, Meta::List(list) if is_merged(&list.tokens));
    if is_route(attribute) || HANDLER.contains(&name.as_str()) || merged {
        Placement::Handler
    } else if BOTH.contains(&name.as_str()) {
        Placement::Both
    } else {
        Placement::Inner
    }
}

/// One argument of the user's function.
struct Argument<'a> {
    ty: &'a syn::Type,
    /// The binding, when the pattern is a plain name.
    name: Option<&'a Ident>,
    /// Produced by a loader instead of extracted.
    loaded: bool,
}

/// The function's arguments, with the names loaders and checks use checked against them.
fn arguments<'a>(policy: &Policy, function: &'a ItemFn, errors: &mut Errors) -> Vec<Argument<'a>> {
    let arguments: Vec<_> = function
        .sig
        .inputs
        .iter()
        .filter_map(|input| match input {
            FnArg::Typed(typed) => Some(Argument {
                ty: &typed.ty,
                name: match &*typed.pat {
                    syn::Pat::Ident(pat) if pat.subpat.is_none() => Some(&pat.ident),
                    _ => None,
                },
                loaded: false,
            }),
            // Refused by `check_signature`.
            FnArg::Receiver(_) => None,
        })
        .collect();
    let mut arguments = arguments;
    let names: Vec<String> = arguments
        .iter()
        .filter_map(|argument| argument.name.map(ToString::to_string))
        .collect();
    let loaded_names: Vec<String> = policy.loaders.iter().map(|(n, _)| n.to_string()).collect();
    let mut known: Vec<String> = std::iter::once("identity".to_owned())
        .chain(names.iter().filter(|n| !loaded_names.contains(n)).cloned())
        .collect();
    for (name, loader) in &policy.loaders {
        check_names(loader, &known, &names, errors);
        match arguments
            .iter_mut()
            .find(|argument| argument.name.is_some_and(|n| n == name))
        {
            Some(argument) if argument.loaded => {
                errors.at(name, format!("`{name}` is loaded twice"));
            }
            Some(argument) => argument.loaded = true,
            None => errors.at(
                name,
                format!(
                    "`{name}` is not an argument of the handler; a loader produces one of its \
                     arguments, e.g. `load(post = find_post(id))` for `post: Post`{}",
                    suggestion(&name.to_string(), &names)
                ),
            ),
        }
        known.push(name.to_string());
    }
    for check in &policy.checks {
        check_names(check, &known, &names, errors);
    }
    arguments
}

/// Reports each bare name in the arguments of `expr` that is not a known name.
fn check_names(expr: &syn::Expr, known: &[String], names: &[String], errors: &mut Errors) {
    for ident in argument_names(expr) {
        let name = ident.to_string();
        if !known.contains(&name) {
            let hint = if names.contains(&name) {
                "; a loader can only use what is extracted or loaded before it".to_owned()
            } else {
                suggestion(&name, known)
            };
            let listed: Vec<String> = known.iter().map(|known| format!("`{known}`")).collect();
            errors.at(
                ident,
                format!(
                    "unknown argument `{name}`: a check or loader can use {}{hint}",
                    listed.join(", ")
                ),
            );
        }
    }
}

fn suggestion(name: &str, candidates: &[String]) -> String {
    candidates
        .iter()
        .filter(|candidate| crate::model::edit_distance(name, candidate) <= 2)
        .min_by_key(|candidate| crate::model::edit_distance(name, candidate))
        .map(|close| format!("; did you mean `{close}`?"))
        .unwrap_or_default()
}

/// The bare names passed to the calls of `expr` (`is_author(caller, post).await` names `caller`
/// and `post`), looking through references, dereferences, fields, method calls, operators
/// (`is_even(id) && **id < 100`), indexing, casts and `?`.
fn argument_names(expr: &syn::Expr) -> Vec<&Ident> {
    fn names_in<'a>(expr: &'a syn::Expr, found: &mut Vec<&'a Ident>) {
        match expr {
            syn::Expr::Path(path) if path.qself.is_none() => {
                found.extend(path.path.get_ident());
            }
            syn::Expr::Await(e) => names_in(&e.base, found),
            syn::Expr::Reference(e) => names_in(&e.expr, found),
            syn::Expr::Unary(e) => names_in(&e.expr, found),
            syn::Expr::Field(e) => names_in(&e.base, found),
            syn::Expr::Paren(e) => names_in(&e.expr, found),
            syn::Expr::Group(e) => names_in(&e.expr, found),
            syn::Expr::Try(e) => names_in(&e.expr, found),
            syn::Expr::Cast(e) => names_in(&e.expr, found),
            syn::Expr::Binary(e) => {
                names_in(&e.left, found);
                names_in(&e.right, found);
            }
            syn::Expr::Index(e) => {
                names_in(&e.expr, found);
                names_in(&e.index, found);
            }
            syn::Expr::Array(e) => e.elems.iter().for_each(|arg| names_in(arg, found)),
            syn::Expr::MethodCall(e) => {
                names_in(&e.receiver, found);
                e.args.iter().for_each(|arg| names_in(arg, found));
            }
            // The function's own path is not an argument.
            syn::Expr::Call(e) => e.args.iter().for_each(|arg| names_in(arg, found)),
            syn::Expr::Tuple(e) => e.elems.iter().for_each(|arg| names_in(arg, found)),
            _ => {}
        }
    }
    let mut found = Vec::new();
    names_in(expr, &mut found);
    found
}

/// The route the function's route attribute declares, when that attribute is still on it
/// (written below this crate's attribute).
struct Route {
    /// Upper-case.
    methods: Vec<String>,
    path: syn::LitStr,
    /// Requests reach it through more than its method and path: a `guard = …` of the route
    /// attribute, or several routes (`#[routes]`, of which only the first is kept).
    guarded: bool,
}

fn declared_route(function: &ItemFn) -> Option<Route> {
    let several = function.attrs.iter().any(is_several);
    function
        .attrs
        .iter()
        .find_map(|attribute| route_of(&attribute.meta, several))
}

/// `#[routes]`: several route attributes below it.
fn is_several(attribute: &Attribute) -> bool {
    attribute
        .path()
        .segments
        .last()
        .is_some_and(|last| last.ident == "routes")
}

/// The route a route attribute declares (`get("/admin")`, `route("/x", method = "GET")`), one of
/// `several` if it is under `#[routes]`.
fn route_of(meta: &Meta, several: bool) -> Option<Route> {
    let name = meta.path().segments.last()?.ident.to_string();
    let Meta::List(list) = meta else {
        return None;
    };
    let items = list
        .parse_args_with(syn::punctuated::Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
        .ok()?;
    let mut items = items.iter();
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(path),
        ..
    }) = items.next()?
    else {
        return None;
    };
    let mut methods = Vec::new();
    let mut guarded = several;
    if METHODS.contains(&name.as_str()) {
        methods.push(name.to_uppercase());
    } else if name != "route" {
        return None;
    }
    for item in items {
        let syn::Expr::Assign(assign) = item else {
            continue;
        };
        let syn::Expr::Path(key) = &*assign.left else {
            continue;
        };
        if key.path.is_ident("guard") {
            guarded = true;
        }
        if let (
            true,
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(method),
                ..
            }),
        ) = (key.path.is_ident("method"), &*assign.right)
        {
            methods.push(method.value().to_uppercase());
        }
    }
    (!methods.is_empty()).then(|| Route {
        methods,
        path: path.clone(),
        guarded,
    })
}

fn private_path(policy: &Policy) -> TokenStream {
    match &policy.krate {
        Some((path, span)) => quote_spanned!(*span=> #path::__private),
        None => quote!(::actix_authz::__private),
    }
}

fn registry_entry(
    private: &TokenStream,
    function: &ItemFn,
    route: Option<Route>,
    protection: TokenStream,
) -> TokenStream {
    let name = function.sig.ident.to_string();
    let route = match route {
        Some(Route {
            methods,
            path,
            guarded,
        }) => quote! {
            #private::Some(#private::DeclaredRoute::new(&[#(#methods),*], #path, #guarded))
        },
        None => quote!(#private::None),
    };
    quote! {
        #private::inventory::submit! {
            #private::RouteEntry::new(#name, ::core::module_path!(), #route, #protection)
        }
    }
}

fn generate_public(policy: &Policy, function: &ItemFn, route: Option<Route>) -> TokenStream {
    let private = private_path(policy);
    let entry = registry_entry(
        &private,
        function,
        route,
        quote!(#private::Protection::Public),
    );
    quote! {
        #entry
        #function
    }
}

/// Tokens of an expression, as the user wrote it, for logs and the route audit.
fn source_text(tokens: &impl ToTokens) -> String {
    let text = tokens.to_token_stream().to_string();
    [
        (" (", "("),
        ("( ", "("),
        (" )", ")"),
        (" ,", ","),
        (" .", "."),
        (". ", "."),
    ]
    .iter()
    .fold(text, |text, (from, to)| text.replace(from, to))
}

fn generate(
    policy: &Policy,
    function: &ItemFn,
    arguments: &[Argument<'_>],
    route: Option<Route>,
) -> TokenStream {
    let private = private_path(policy);
    let marker = format_ident!("__authz_policy_{}", function.sig.ident);
    let rules = format_ident!("__authz_rules_{}", function.sig.ident);
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
    let hide = policy.hide.is_some();
    let shadow = policy.shadow.is_some();
    let deny = match &policy.deny {
        Some(deny) => quote!(#private::Some(#deny)),
        None => quote!(#private::None),
    };
    let check_texts: Vec<String> = policy.checks.iter().map(source_text).collect();

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
    let extracted_types: Vec<_> = arguments
        .iter()
        .filter(|a| !a.loaded)
        .map(|a| a.ty)
        .collect();
    let loaded_types: Vec<_> = arguments
        .iter()
        .filter(|a| a.loaded)
        .map(|a| a.ty)
        .collect();
    let value = |index: usize| Ident::new(&format!("__authz_arg{index}"), Span::mixed_site());
    let (mut extracted_values, mut loaded_values) = (Vec::new(), Vec::new());
    for (index, argument) in arguments.iter().enumerate() {
        if argument.loaded {
            loaded_values.push(value(index));
        } else {
            extracted_values.push(value(index));
        }
    }
    let values: Vec<_> = (0..arguments.len()).map(value).collect();

    // The loaders and checks see the extracted arguments by reference, under their own names,
    // and `identity`; each loaded value joins them, by reference, once loaded.
    let used: Vec<String> = policy
        .loaders
        .iter()
        .map(|(_, loader)| loader)
        .chain(&policy.checks)
        .flat_map(argument_names)
        .map(ToString::to_string)
        .collect();
    let identity_binding = used
        .iter()
        .any(|name| name == "identity")
        .then(|| quote!(let identity = __authz_identity;));
    let extracted_bindings = arguments
        .iter()
        .filter(|argument| !argument.loaded)
        .enumerate()
        .filter_map(|(index, argument)| {
            let name = argument.name?;
            let index = syn::Index::from(index);
            used.contains(&name.to_string())
                .then(|| quote!(let #name = &__authz_args.#index;))
        });
    let loader_steps = policy
        .loaders
        .iter()
        .enumerate()
        .map(|(index, (name, loader))| {
            let slot = format_ident!("__authz_loaded{index}");
            let text = source_text(loader);
            quote! {
                let #slot = #private::LoaderOutput::into_loaded(#loader, #text)?;
                #[allow(unused_variables)]
                let #name = &#slot;
            }
        });
    let loaded_slots: Vec<_> = arguments
        .iter()
        .filter(|argument| argument.loaded)
        .map(|argument| {
            let position = policy
                .loaders
                .iter()
                .position(|(name, _)| Some(name) == argument.name)
                .unwrap_or_default();
            format_ident!("__authz_loaded{position}")
        })
        .collect();
    let check_steps = policy.checks.iter().zip(&check_texts).map(|(check, text)| {
        quote! {
            __authz_verdicts.judge(#private::CheckOutput::into_verdict(#check, #text))?;
        }
    });

    let (impl_generics, type_generics, where_clause) = signature.generics.split_for_impl();
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
    // Located at the handler's arguments, so that an argument that is no extractor is reported
    // there, and resolved apart from the user's names.
    let inputs = signature.paren_token.span.join();
    let args = Ident::new("__authz_args", inputs.resolved_at(Span::mixed_site()));
    // Where the registered handler is a function, it takes the request whole, decides, then
    // extracts the arguments. Written out rather than a modified copy of the signature:
    // re-parsing the new argument and return type would take a good part of the attribute's
    // time. The parentheses keep the user's location.
    let mut handler_inputs = TokenStream::new();
    signature
        .paren_token
        .surround(&mut handler_inputs, |tokens| {
            tokens.extend(quote!(#args: #private::Deferred));
        });
    let syn::Signature {
        constness,
        safety,
        abi,
        fn_token,
        generics,
        ..
    } = signature;
    let mut inner = function.clone();
    inner.attrs.clear();
    inner.vis = syn::Visibility::Inherited;
    let inner_marker = LitStr::new(INNER, Span::call_site());
    let inner_marker = quote!(#[doc(alias = #inner_marker)]);
    let call = quote_spanned!(name.span()=> #name #turbofish (#(#values),*));
    let entry = registry_entry(
        &private,
        function,
        route,
        quote! {
            #private::Protection::Protected {
                requirement: #rules.requirement,
                hidden: #hide,
                checks: &[#(#check_texts),*],
                shadow: #rules.options.shadow,
            }
        },
    );

    // At the arguments: the bounds on this tuple are those an argument that is no extractor
    // fails, and the error should point there.
    let args_type = quote_spanned!(inputs=> (#(#extracted_types,)*));
    let checked = !(policy.loaders.is_empty() && policy.checks.is_empty());
    // A generic handler cannot be a value, and the route attributes of `#[routes]` below this
    // one need a function to expand on (a single route attribute below it has been stepped
    // around: `defer_to_route`).
    let registered_as_value =
        signature.generics.params.is_empty() && !function.attrs.iter().any(is_route);
    // The loaders and checks, when there are any: a marker type implements them.
    let checks = checked.then(|| {
        // Generic as the handler is, so that the implementation's parameters are constrained
        // even where no argument names them (`fn list<R: Repo>()`).
        let marker_fields = (!signature.generics.params.is_empty()).then(|| {
            let parameters = signature
                .generics
                .params
                .iter()
                .filter_map(|param| match param {
                    GenericParam::Type(param) => Some(param.ident.to_token_stream()),
                    GenericParam::Lifetime(param) => {
                        let lifetime = &param.lifetime;
                        Some(quote!(&#lifetime ()))
                    }
                    GenericParam::Const(_) => None,
                });
            quote!((#(#private::PhantomData<#parameters>,)*))
        });
        quote! {
            #[doc(hidden)]
            #[allow(non_camel_case_types)]
            #visibility struct #marker #impl_generics #marker_fields #where_clause;

            impl #impl_generics #private::Checks<#args_type> for #marker #type_generics
                #where_clause
            {
                const RULES: &'static #private::Rules = #rules;
                type Loaded = (#(#loaded_types,)*);

                #[allow(clippy::needless_lifetimes, unused_variables, unused_mut)]
                fn check_arguments<'__authz>(
                    __authz_identity: &'__authz dyn #private::Identity,
                    __authz_args: &'__authz #args_type,
                    __authz_shadow: bool,
                ) -> impl #private::Future<
                    Output = #private::Result<
                        (Self::Loaded, #private::Option<&'static str>),
                        #private::CheckFailure,
                    >,
                > + '__authz {
                    async move {
                        let mut __authz_verdicts = #private::Verdicts::new(__authz_shadow);
                        #identity_binding
                        #(#extracted_bindings)*
                        #(#loader_steps)*
                        #(#check_steps)*
                        #private::Ok(((#(#loaded_slots,)*), __authz_verdicts.denied()))
                    }
                }
            }
        }
    });
    // The handler's whole future for the request: the admission, the checks if any, then the
    // user's function.
    let run = if checked {
        quote_spanned! {inputs=>
            #private::handle_checked::<#marker #type_generics, #args_type, _, _>(
                #args,
                |(#(#extracted_values,)*), (#(#loaded_values,)*)| #call,
            )
        }
    } else {
        quote_spanned! {inputs=>
            #private::handle::<#args_type, _>(#args, #rules, #name #turbofish)
        }
    };

    let registration = if registered_as_value {
        // A constant of one type for every handler: actix-web's code that serves a handler is
        // compiled once instead of once per handler.
        // `#[must_use]` means nothing on a constant: it stays on the function it was for.
        let (must_use, attributes): (Vec<_>, Vec<_>) = handler_attributes
            .into_iter()
            .partition(|attribute| attribute.path().is_ident("must_use"));
        inner_attributes.extend(must_use);
        quote! {
            #(#attributes)*
            #[allow(non_upper_case_globals)]
            #visibility const #name: #private::Protected = {
                #(#inner_attributes)*
                #inner_marker
                #inner
                #private::protected(|#args| #run)
            };
        }
    } else {
        quote! {
            #(#handler_attributes)*
            #visibility #constness #safety #abi #fn_token #name #generics #handler_inputs
                -> #private::Running #where_clause
            {
                #(#inner_attributes)*
                #inner_marker
                #inner

                #run
            }
        }
    };

    quote! {
        #[doc(hidden)]
        #[allow(non_upper_case_globals)]
        #visibility const #rules: &'static #private::Rules = &#private::Rules {
            requirement: &#requirement,
            realm: #realm,
            options: #private::Options {
                hide: #hide,
                deny: #deny,
                shadow: #shadow,
            },
            checked: #checked,
        };

        #checks

        #entry

        #registration
    }
}

fn requirement_tokens(private: &TokenStream, requirement: &Requirement) -> TokenStream {
    match requirement {
        Requirement::Role(role) => quote!(#private::Requirement::Role(#role)),
        Requirement::Permission(permission) => {
            quote!(#private::Requirement::Permission(#permission))
        }
        Requirement::Scope(scope) => quote!(#private::Requirement::Scope(#scope)),
        Requirement::TypedRole(vocabulary, role) => quote! {
            #private::Requirement::TypedRole(
                &<#vocabulary as #private::RoleVocabulary>::TERMS[#role as usize]
            )
        },
        Requirement::TypedPermission(vocabulary, permission) => quote! {
            #private::Requirement::TypedPermission(
                &<#vocabulary as #private::PermissionVocabulary>::TERMS[#permission as usize]
            )
        },
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

#[cfg(test)]
mod tests {
    use super::*;

    fn attribute(tokens: TokenStream) -> Attribute {
        parse_quote!(#tokens)
    }

    #[test]
    fn siblings_are_this_crates_attributes_only() {
        for (written, origin) in [
            (quote!(#[requires(role = "a")]), Some(Origin::Requires)),
            (quote!(#[authenticated]), Some(Origin::Authenticated)),
            (quote!(#[public]), Some(Origin::Public)),
            (
                quote!(#[actix_authz::requires(role = "a")]),
                Some(Origin::Requires),
            ),
            (
                quote!(#[::actix_authz::authenticated]),
                Some(Origin::Authenticated),
            ),
            (
                quote!(#[authz::requires(role = "a", crate = "authz")]),
                Some(Origin::Requires),
            ),
            // Another crate's attributes of the same names.
            (quote!(#[contracts::requires(x > 0)]), None),
            (quote!(#[other::public]), None),
            (quote!(#[::requires]), None),
            (quote!(#[get("/a")]), None),
        ] {
            assert_eq!(
                sibling(&attribute(written.clone()), None).map(Origin::name),
                origin.map(Origin::name),
                "{written}"
            );
        }
        // Through the path the expanding attribute's `crate = "…"` names, or its last part.
        let renamed: syn::Path = parse_quote!(crate::routes::authz);
        let through = attribute(quote!(#[authz::authenticated]));
        assert_eq!(sibling(&through, None).map(Origin::name), None);
        assert_eq!(
            sibling(&through, Some(&renamed)).map(Origin::name),
            Some("authenticated")
        );
    }

    #[test]
    fn a_deferred_attribute_takes_the_crate_a_sibling_names() {
        let item = quote! {
            #[get("/a")]
            #[requires(role = "admin", crate = "authz")]
            async fn a() -> &'static str { "a" }
        };
        let expanded = handler(Origin::Authenticated, TokenStream::new(), item).to_string();
        let deferred = quote!(#[authz::authenticated(__authz_route(get("/a")))]).to_string();
        assert!(expanded.contains(&deferred), "{expanded}");
    }

    #[test]
    fn a_sibling_carrying_a_route_is_merged_without_it() {
        // What the compiler expands next when a deferred attribute's path did not resolve.
        let item = quote! {
            #[::actix_authz::authenticated(__authz_route(get("/a")))]
            async fn a() -> &'static str { "a" }
        };
        let expanded = handler(Origin::Requires, quote!(role = "admin"), item).to_string();
        assert!(!expanded.contains("compile_error"), "{expanded}");
        assert!(expanded.contains("DeclaredRoute"), "{expanded}");
    }
}
