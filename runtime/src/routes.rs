//! Which annotated handler a request targets, read from the app's resource map: the recognition
//! behind the `#[public]` exemption of [`Require`](crate::Require), behind
//! [`DefaultDeny`](crate::DefaultDeny) and behind the [`audit`](crate::audit).
//!
//! actix-web has no API that names the handler a request will reach before routing, so the
//! target is worked out from what the resource map does expose:
//!
//! - once per app, each registered handler that declares its route is *placed*: its URL is built
//!   with `url_for(handler name, sample segments)` and matched back to the full pattern of its
//!   resource (`/staff/status`), which must be the resource of that name and end with the
//!   declared path. The app's resources are listed too (from the resource map's `Debug` output,
//!   as the audit reads them): the handler must be the only resource of the app with its name,
//!   and that resource's own pattern must be the declared path, so that another resource of
//!   the same name (a handler without attributes in another module) is never taken for it;
//! - per request, the resource map names the first resource whose pattern matches the path
//!   (routing order, guards aside). When that resource is a placed handler that accepts the
//!   method and no later resource can be reached instead, it is the target;
//! - otherwise routing is followed step by step, on the resource map rebuilt from its listing
//!   with actix-web's own `ResourceDef`s: every resource that matches the path and every scope
//!   the path enters, in routing order. `ResourceMap` cannot tell these: it stops at the first
//!   scope whose prefix matches, even when no resource in it does, while routing goes on past a
//!   scope whose guard turns the request away. A placed handler whose method guard refuses the
//!   method is passed; the first that accepts it is the target, unless a resource without
//!   attributes, or a scope's end (where its default service takes what no resource in it
//!   took), comes first. Guards of scopes cannot be seen: a handler in a scope is the target
//!   only when every later resource or scope that matches the path is also a placed handler
//!   (the target is then a protected one among them, if any), since the scope's guard may send
//!   the request on to them.
//!
//! Whatever cannot be recognised is treated as unrecognised, never as a match: callers fail
//! closed on it.

use std::collections::HashSet;
use std::sync::{Mutex, OnceLock};

use actix_web::HttpRequest;
use actix_web::dev::{ResourceDef, ResourceMap};
use actix_web::error::UrlGenerationError;
use actix_web::http::Method;

use crate::audit::resources::{self, Listing, Node, NodeKind, Resource};
use crate::registry::{DeclaredRoute, Protection, RouteEntry};

/// Values tried, in turn, for every dynamic segment when building a URL of a handler: the first
/// that its pattern (scopes included) accepts places it.
const SAMPLES: [&str; 5] = ["1", "a", "A", "a1", "1a"];

/// More dynamic segments than any real pattern has; `url_for` ignores those it does not need.
const MAX_SEGMENTS: usize = 32;

/// A registered handler found in the app, with the full pattern of its resource.
#[derive(Debug, Clone)]
pub(crate) struct Placed {
    pub(crate) entry: &'static RouteEntry,
    pub(crate) route: DeclaredRoute,
    /// The full pattern, scopes included, as the resource map writes it (`/staff/status`).
    pub(crate) pattern: String,
    /// A path of this handler, as `url_for` wrote it with `sample` in every segment.
    pub(crate) sample_path: String,
    pub(crate) sample: &'static str,
    /// Whether its resource is the first to match that path (rather than a sibling that only
    /// method guards tell apart).
    pub(crate) first: bool,
    /// Its resource's position in the app's listing, when the app could be listed.
    index: Option<usize>,
    /// Whether it is in a scope, and a resource or scope after it in routing order may match
    /// one of its paths: the scope's guard (which cannot be seen) may send its requests there.
    may_be_passed: bool,
}

impl Placed {
    fn accepts(&self, method: &Method) -> bool {
        self.route
            .methods()
            .iter()
            .any(|declared| *declared == method.as_str())
    }

    fn is_public(&self) -> bool {
        self.entry.protection() == Protection::Public
    }

    /// Whether a request for one of its paths may be routed past it, to something after its
    /// scope, when the scope's guard (which cannot be seen) turns it away.
    pub(crate) fn may_be_passed(&self) -> bool {
        self.may_be_passed
    }
}

/// Why a registered handler whose name the app knows cannot be recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Unplaceable {
    /// Its attribute is written below the route attribute, so it does not know its route.
    NoDeclaredRoute,
    /// Several resources of the app have this name: annotated handlers, or one without
    /// attributes (actix-web keeps one resource per name).
    Ambiguous,
    /// No sample URL built for it leads back to its resource: a path parameter whose regex none
    /// of the samples satisfies, or an earlier resource that shadows it.
    NoSamplePath,
    /// Requests reach it through more than its method and path ([`DeclaredRoute::guarded`]):
    /// one its guard turns away goes on to whatever other resource matches.
    Guarded,
}

/// The placed handlers of one app, and the registered ones that the app names but that
/// recognition cannot use.
#[derive(Debug, Default)]
pub(crate) struct RouteTable {
    placed: Vec<Placed>,
    unplaceable: Vec<(&'static RouteEntry, Unplaceable)>,
    /// Every registered handler without a declared route, in this app or not: one registered
    /// with `web::resource(...).to(...)` has no name to find it by.
    undeclared: Vec<&'static RouteEntry>,
    /// The app's resource map, rebuilt, when the app could be listed.
    routing: Option<Routing>,
}

/// The app's resource map, rebuilt from its listing with actix-web's own `ResourceDef`s.
#[derive(Debug)]
struct Routing {
    root: Tree,
    resources: Vec<Resource>,
    /// The full pattern of each scope, by its id.
    scopes: Vec<(usize, String)>,
}

#[derive(Debug)]
struct Tree {
    definition: ResourceDef,
    kind: TreeKind,
}

#[derive(Debug)]
enum TreeKind {
    /// The resource of this index in the listing.
    Resource(usize),
    /// A scope (its id; `None` for the app's root) and its nodes.
    Scope(Option<usize>, Vec<Tree>),
}

/// A step of routing a path: a resource that matches it, or the end of a scope whose prefix it
/// matches, where the scope's default service (or the app's) takes what no resource in it took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Step {
    Resource(usize),
    ScopeEnd(usize),
}

impl Tree {
    fn new(node: &Node) -> Self {
        let definition = if node.prefix {
            ResourceDef::prefix(node.patterns.clone())
        } else {
            ResourceDef::new(node.patterns.clone())
        };
        let kind = match &node.kind {
            NodeKind::Resource(index) => TreeKind::Resource(*index),
            NodeKind::Scope(id, nodes) => {
                TreeKind::Scope(*id, nodes.iter().map(Self::new).collect())
            }
        };
        Self { definition, kind }
    }

    /// The steps of routing `path`, in order, guards aside (as actix-web's router takes them).
    fn steps(&self, path: &str, steps: &mut Vec<Step>) {
        let Some(matched) = self.definition.find_match(path) else {
            return;
        };
        match &self.kind {
            TreeKind::Resource(index) => steps.push(Step::Resource(*index)),
            TreeKind::Scope(id, nodes) => {
                let rest = path.get(matched..).unwrap_or_default();
                for node in nodes {
                    node.steps(rest, steps);
                }
                steps.extend(id.map(Step::ScopeEnd));
            }
        }
    }
}

/// A step routing may take, with its full patterns.
struct Reach {
    step: Step,
    /// The full patterns, scopes included.
    patterns: Vec<String>,
    /// The literal beginnings of the paths it matches (each pattern up to its first dynamic
    /// segment): what the step matches can only start with one of them.
    literals: Vec<String>,
}

/// Every step routing may take, in order.
fn all_steps(node: &Node, enclosing: &str, steps: &mut Vec<Reach>) {
    let patterns: Vec<String> = node
        .patterns
        .iter()
        .map(|pattern| format!("{enclosing}{pattern}"))
        .collect();
    let literals = patterns
        .iter()
        .map(|full| literal(full).to_owned())
        .collect();
    let step = match &node.kind {
        NodeKind::Resource(index) => Step::Resource(*index),
        NodeKind::Scope(id, nodes) => {
            let full = patterns.first().map_or("", String::as_str);
            for child in nodes {
                all_steps(child, full, steps);
            }
            let Some(id) = id else {
                return;
            };
            Step::ScopeEnd(*id)
        }
    };
    steps.push(Reach {
        step,
        patterns,
        literals,
    });
}

/// The steps of `steps` after the end of the scope `innermost` (the innermost scope of a
/// resource among the first steps): those a request that one of the resource's scopes turns
/// away may reach. None when the resource is in no scope.
fn past_scope<T>(steps: &[T], innermost: Option<usize>, step: impl Fn(&T) -> Step) -> &[T] {
    let Some(innermost) = innermost else {
        return &[];
    };
    steps
        .iter()
        .position(|candidate| step(candidate) == Step::ScopeEnd(innermost))
        .map_or(&[], |end| &steps[end + 1..])
}

/// `pattern` up to its first dynamic segment.
fn literal(pattern: &str) -> &str {
    pattern.find('{').map_or(pattern, |brace| &pattern[..brace])
}

/// Whether some path can start with both `a` and `b`.
fn may_overlap(a: &[String], b: &[String]) -> bool {
    a.iter().any(|a| {
        b.iter()
            .any(|b| a.starts_with(b.as_str()) || b.starts_with(a.as_str()))
    })
}

/// What a request targets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// No resource of the app matches the path: routing ends in the default service (404).
    Unmatched,
    /// A registered handler.
    Handler(&'static RouteEntry),
    /// A resource that cannot be recognised as a registered handler.
    Unrecognised {
        /// Its full pattern (`None` in the unlikely case the map cannot write it).
        pattern: Option<String>,
        /// The name of the first resource matching the path, if it has one.
        resource: Option<String>,
    },
}

impl RouteTable {
    /// Places `entries` in the app of `request`. Entries the app does not know are left out.
    pub(crate) fn build(
        request: &HttpRequest,
        entries: impl IntoIterator<Item = &'static RouteEntry>,
    ) -> Self {
        let mut table = Self::default();
        let listing = listing(request);
        let listed = listing.as_ref().map(|listing| listing.resources.as_slice());
        for entry in entries {
            if entry.route().is_none() {
                table.undeclared.push(entry);
            }
            match place(request, entry, listed) {
                Placement::Absent => {}
                Placement::Placed(placed) => table.placed.push(placed),
                Placement::Unplaceable(why) => table.unplaceable.push((entry, why)),
            }
        }
        table.remove_ambiguous();
        if let Some(listing) = listing {
            table.locate(listing);
        }
        table
    }

    /// Finds each placed handler in the listing, and keeps the rebuilt resource map.
    fn locate(&mut self, listing: Listing) {
        let mut steps = Vec::new();
        all_steps(&listing.root, "", &mut steps);
        for placed in &mut self.placed {
            let resources = &listing.resources;
            placed.index = resources.iter().position(|resource| {
                resource.name.as_deref() == Some(placed.entry.handler())
                    && resource.pattern == placed.pattern
            });
            let Some(index) = placed.index else {
                continue;
            };
            let scopes: Vec<usize> = resources[index].scopes.iter().map(|s| s.id).collect();
            let Some(position) = steps
                .iter()
                .position(|reach| reach.step == Step::Resource(index))
            else {
                continue;
            };
            let own = &steps[position].literals;
            let after = past_scope(&steps[position + 1..], scopes.last().copied(), |reach| {
                reach.step
            });
            placed.may_be_passed = after.iter().any(|reach| {
                let enclosing = matches!(reach.step, Step::ScopeEnd(id) if scopes.contains(&id));
                !enclosing && may_overlap(own, &reach.literals)
            });
        }
        let scopes = steps
            .into_iter()
            .filter_map(|reach| match reach.step {
                Step::ScopeEnd(id) => Some((id, reach.patterns.into_iter().next()?)),
                Step::Resource(_) => None,
            })
            .collect();
        self.routing = Some(Routing {
            root: Tree::new(&listing.root),
            resources: listing.resources,
            scopes,
        });
    }

    /// Handlers that share a name cannot be told apart: when more than one of those the app
    /// may hold has a name, none of them is used.
    fn remove_ambiguous(&mut self) {
        let names = self
            .placed
            .iter()
            .map(|placed| placed.entry.handler())
            .chain(self.unplaceable.iter().map(|(entry, _)| entry.handler()));
        let mut seen = HashSet::new();
        let shared: HashSet<&str> = names.filter(|name| !seen.insert(*name)).collect();
        if shared.is_empty() {
            return;
        }
        let (ambiguous, placed): (Vec<Placed>, Vec<Placed>) = std::mem::take(&mut self.placed)
            .into_iter()
            .partition(|placed| shared.contains(placed.entry.handler()));
        self.placed = placed;
        for (entry, why) in &mut self.unplaceable {
            if shared.contains(entry.handler()) {
                *why = Unplaceable::Ambiguous;
            }
        }
        self.unplaceable.extend(
            ambiguous
                .into_iter()
                .map(|placed| (placed.entry, Unplaceable::Ambiguous)),
        );
    }

    /// The handlers found in the app.
    pub(crate) fn placed(&self) -> &[Placed] {
        &self.placed
    }

    /// The registered handlers that the app may hold but that cannot be recognised.
    pub(crate) fn unplaceable(&self) -> &[(&'static RouteEntry, Unplaceable)] {
        &self.unplaceable
    }

    /// Logs, once per process, each registered handler that cannot be recognised.
    pub(crate) fn warn_unplaceable(&self) {
        let undeclared = self
            .undeclared
            .iter()
            .map(|entry| (*entry, Unplaceable::NoDeclaredRoute));
        for (entry, why) in self.unplaceable.iter().copied().chain(undeclared) {
            warn_once(format!("{entry} {why:?}"), || {
                tracing::warn!(
                    handler = %entry,
                    reason = why.explain(),
                    "actix-authz cannot recognise this handler's requests: #[public] does not \
                     exempt it from Require, and DefaultDeny refuses it"
                );
            });
        }
    }

    /// What the request for `path` (as routing sees it: `match_info().as_str()`) with `method`
    /// targets in the app of `map`.
    pub(crate) fn target(&self, map: &ResourceMap, method: &Method, path: &str) -> Target {
        let Some(routing) = &self.routing else {
            return self.target_by_map(map, method, path);
        };
        // Most requests: the first resource matching the path is a handler that takes the
        // method, and nothing after it can be reached instead.
        if let Some(first) = self.first(map, path)
            && first.accepts(method)
            && !first.may_be_passed
        {
            return Target::Handler(first.entry);
        }
        let mut steps = Vec::new();
        routing.root.steps(path, &mut steps);
        self.follow(routing, &steps, method)
    }

    /// The placed handler of the first resource matching `path`, as `map` names it.
    fn first(&self, map: &ResourceMap, path: &str) -> Option<&Placed> {
        let name = map.match_name(path)?;
        let pattern = map.match_pattern(path)?;
        self.placed
            .iter()
            .find(|placed| placed.entry.handler() == name && placed.pattern == pattern)
    }

    /// The target of routing through `steps`, a placed handler only if routing cannot end
    /// anywhere else (see the module's documentation).
    fn follow(&self, routing: &Routing, steps: &[Step], method: &Method) -> Target {
        let unrecognised = |step: Step| match step {
            Step::Resource(index) => Target::Unrecognised {
                pattern: Some(routing.resources[index].pattern.clone()),
                resource: routing.resources[index].name.clone(),
            },
            Step::ScopeEnd(id) => Target::Unrecognised {
                pattern: routing
                    .scopes
                    .iter()
                    .find(|(scope, _)| *scope == id)
                    .map(|(_, pattern)| pattern.clone()),
                resource: None,
            },
        };
        let placed_at = |index: usize| {
            self.placed
                .iter()
                .find(|placed| placed.index == Some(index))
        };
        let mut steps = steps.iter().copied();
        let first = loop {
            match steps.next() {
                None => return Target::Unmatched,
                Some(Step::Resource(index)) => match placed_at(index) {
                    // Its method guard turns the request away: routing goes on.
                    Some(placed) if !placed.accepts(method) => {}
                    Some(placed) => break placed,
                    None => return unrecognised(Step::Resource(index)),
                },
                Some(step @ Step::ScopeEnd(_)) => return unrecognised(step),
            }
        };
        let Some(index) = first.index else {
            return Target::Handler(first.entry);
        };
        let scopes = &routing.resources[index].scopes;
        if scopes.is_empty() {
            return Target::Handler(first.entry);
        }
        // A guard of one of its scopes may send the request on, past that scope.
        let later: Vec<Step> = steps.collect();
        let mut target = first;
        for &step in past_scope(&later, scopes.last().map(|scope| scope.id), |step| *step) {
            match step {
                Step::Resource(index) => match placed_at(index) {
                    Some(placed) if !placed.accepts(method) => {}
                    Some(placed) => {
                        if target.is_public() && !placed.is_public() {
                            target = placed;
                        }
                    }
                    None => return unrecognised(step),
                },
                Step::ScopeEnd(id) if scopes.iter().any(|scope| scope.id == id) => {}
                Step::ScopeEnd(_) => return unrecognised(step),
            }
        }
        Target::Handler(target.entry)
    }

    /// [`target`](Self::target) from the resource map's API alone, for an app that could not
    /// be listed.
    fn target_by_map(&self, map: &ResourceMap, method: &Method, path: &str) -> Target {
        if !map.has_resource(path) {
            return Target::Unmatched;
        }
        let pattern = map.match_pattern(path);
        let resource = map.match_name(path);
        let unrecognised = || Target::Unrecognised {
            pattern: pattern.clone(),
            resource: resource.map(str::to_owned),
        };
        let Some(pattern_str) = pattern.as_deref() else {
            return unrecognised();
        };
        let first = resource.and_then(|name| {
            self.placed
                .iter()
                .find(|placed| placed.entry.handler() == name && placed.pattern == pattern_str)
        });
        match first {
            Some(first) if first.accepts(method) => Target::Handler(first.entry),
            // The first resource's method guard refuses: routing tries the next resources
            // matching the path, among which only placed handlers can be told.
            Some(_) => {
                let mut candidates = self
                    .placed
                    .iter()
                    .filter(|placed| placed.pattern == pattern_str && placed.accepts(method));
                match (candidates.next(), candidates.next()) {
                    (Some(only), None) => Target::Handler(only.entry),
                    _ => unrecognised(),
                }
            }
            None => unrecognised(),
        }
    }
}

impl Unplaceable {
    /// What to do about it, for logs and the audit.
    pub(crate) fn explain(self) -> &'static str {
        match self {
            Self::NoDeclaredRoute => {
                "its attribute does not see the route: write it above `#[get(...)]`/`#[route(...)]`"
            }
            Self::Ambiguous => {
                "several resources of the app share its name (annotated handlers, or one without \
                 attributes): give handlers distinct function names"
            }
            Self::NoSamplePath => {
                "no sample URL reaches its resource: a path parameter rejects the samples \
                 (`1`, `a`, `A`, `a1`, `1a`) or an earlier resource shadows it"
            }
            Self::Guarded => {
                "its route has a `guard = ...` or is one of several (`#[routes]`): a request it \
                 turns away may reach another resource at the same path"
            }
        }
    }
}

enum Placement {
    Absent,
    Placed(Placed),
    Unplaceable(Unplaceable),
}

/// The resources of the app of `request`, or `None` (logged once) when its resource map's
/// `Debug` output is not the shape [`resources`] knows: recognition then rests on
/// `ResourceMap`'s API alone, and cannot tell an annotated handler from another resource of
/// its name whose path ends with its declared path, nor follow routing past its first match.
fn listing(request: &HttpRequest) -> Option<Listing> {
    resources::listing(request.resource_map())
        .inspect_err(|reason| {
            warn_once(format!("unlisted: {reason}"), || {
                tracing::error!(
                    reason,
                    "actix-authz cannot list the app's resources (this actix-web's resource map \
                     has a Debug format it does not know): handlers are recognised by name and \
                     path alone"
                );
            });
        })
        .ok()
}

fn place(
    request: &HttpRequest,
    entry: &'static RouteEntry,
    listed: Option<&[Resource]>,
) -> Placement {
    let map = request.resource_map();
    let name = entry.handler();
    if let Err(UrlGenerationError::ResourceNotFound) = sample_path(request, name, SAMPLES[0]) {
        return Placement::Absent;
    }
    let Some(route) = entry.route() else {
        return Placement::Unplaceable(Unplaceable::NoDeclaredRoute);
    };
    if route.guarded() {
        return Placement::Unplaceable(Unplaceable::Guarded);
    }
    if let Some(resources) = listed {
        let mut named = resources
            .iter()
            .filter(|resource| resource.name.as_deref() == Some(name));
        match (named.next(), named.next()) {
            // `url_for` and the resource map name one of them, which may be either.
            (Some(_), Some(_)) => return Placement::Unplaceable(Unplaceable::Ambiguous),
            // The resource of this name is another handler: its own path is not the declared
            // one, whatever the scopes around it.
            (Some(only), None) if only.own != route.path() => return Placement::Absent,
            _ => {}
        }
    }
    for sample in SAMPLES {
        let Ok(path) = sample_path(request, name, sample) else {
            continue;
        };
        let path = path.as_str();
        let Some(pattern) = map.match_pattern(path) else {
            continue;
        };
        let placed = |first| {
            Placement::Placed(Placed {
                entry,
                route: *route,
                pattern: pattern.clone(),
                sample_path: path.to_owned(),
                sample,
                first,
                index: None,
                may_be_passed: false,
            })
        };
        if map.match_name(path) == Some(name) {
            return if pattern.ends_with(route.path()) {
                placed(true)
            } else {
                // The app gives the name to a resource at another path: not this handler.
                Placement::Absent
            };
        }
        // An earlier resource matches first. When it has this handler's very pattern, it is a
        // sibling that only guards (methods) tell apart, like `GET` and `POST /counter`.
        if pattern.ends_with(route.path()) && same_shape(request, name, &pattern) {
            return placed(false);
        }
    }
    Placement::Unplaceable(Unplaceable::NoSamplePath)
}

/// The path of the URL that `url_for` builds for the resource `name` with `sample` for every
/// dynamic segment.
fn sample_path(
    request: &HttpRequest,
    name: &str,
    sample: &str,
) -> Result<String, UrlGenerationError> {
    request
        .url_for(name, std::iter::repeat_n(sample, MAX_SEGMENTS))
        .map(|url| url.path().to_owned())
}

/// Whether `pattern` has the literal parts and segments of the resource named `name`: both
/// write the same URLs, for two samples that no literal can equal both of.
fn same_shape(request: &HttpRequest, name: &str, pattern: &str) -> bool {
    ["1", "a"].into_iter().all(|sample| {
        sample_path(request, name, sample).is_ok_and(|path| path == instantiate(pattern, sample))
    })
}

/// `pattern` with every dynamic segment (`{id}`, `{id:\\d{4}}`, `{tail}*`) replaced by `sample`.
pub(crate) fn instantiate(pattern: &str, sample: &str) -> String {
    let mut path = String::with_capacity(pattern.len());
    let mut depth = 0_usize;
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, depth) {
            ('{', 0) => {
                depth = 1;
                path.push_str(sample);
            }
            ('{', _) => depth += 1,
            ('}', 1) => {
                depth = 0;
                chars.next_if_eq(&'*');
            }
            ('}', _) if depth > 0 => depth -= 1,
            (c, 0) => path.push(c),
            _ => {}
        }
    }
    path
}

/// Runs `log` the first time `key` is seen in this process.
pub(crate) fn warn_once(key: String, log: impl FnOnce()) {
    static SEEN: OnceLock<Mutex<HashSet<String>>> = OnceLock::new();
    let first = SEEN
        .get_or_init(Default::default)
        .lock()
        .map_or(true, |mut seen| seen.insert(key));
    if first {
        log();
    }
}

#[cfg(test)]
mod tests {
    use std::cell::RefCell;
    use std::rc::Rc;

    use actix_web::dev::Service as _;
    use actix_web::{App, HttpResponse, test, web};

    use super::*;
    use crate::Requirement;
    use crate::registry::Protection;

    const PROTECTED: Protection = Protection::Protected {
        requirement: &Requirement::Authenticated,
        hidden: false,
        checks: &[],
        shadow: false,
    };

    const fn entry(
        handler: &'static str,
        methods: &'static [&'static str],
        path: &'static str,
    ) -> RouteEntry {
        RouteEntry::new(
            handler,
            "app",
            Some(DeclaredRoute::new(methods, path, false)),
            PROTECTED,
        )
    }

    static STATUS: RouteEntry = entry("status", &["GET"], "/status");
    static READ: RouteEntry = entry("read", &["GET"], "/counter");
    static BUMP: RouteEntry = entry("bump", &["POST"], "/counter");
    static POST: RouteEntry = entry("post", &["GET", "HEAD"], "/posts/{id:\\d+}");
    static BELOW: RouteEntry = RouteEntry::new("below", "app", None, PROTECTED);
    static ELSEWHERE: RouteEntry = entry("elsewhere", &["GET"], "/elsewhere");
    static STATUS_TWIN: RouteEntry = entry("status", &["GET"], "/status");
    static FIRST: RouteEntry = entry("first", &["GET"], "/first/{x}");

    fn ok() -> HttpResponse {
        HttpResponse::Ok().finish()
    }

    fn routes(config: &mut web::ServiceConfig) {
        let named = |path: &str, name: &str, method: fn() -> actix_web::Route| {
            web::resource(path)
                .name(name)
                .route(method().to(|| async { ok() }))
        };
        config
            .service(web::scope("/staff").service(named("/status", "status", web::get)))
            .service(named("/counter", "read", web::get))
            .service(named("/counter", "bump", web::post))
            .service(web::scope("/blog").service(named("/posts/{id:\\d+}", "post", web::get)))
            .service(named("/below", "below", web::get))
            .service(web::resource("/legacy").to(|| async { ok() }))
            .service(named("/first/{x}", "first", web::get))
            .service(named("/first/{x:[a-z]+}/deeper", "first_deeper", web::get))
            .service(named("/shadow/{any}", "any", web::get))
            .service(named("/shadow/fixed", "fixed", web::get));
    }

    /// The request the app's own middleware sees for `GET /`.
    async fn app_request() -> HttpRequest {
        let seen: Rc<RefCell<Option<HttpRequest>>> = Rc::default();
        let keep = Rc::clone(&seen);
        let app = test::init_service(App::new().configure(routes).wrap_fn(move |request, _| {
            *keep.borrow_mut() = Some(request.request().clone());
            let response = request.into_response(ok());
            async { Ok(response) }
        }))
        .await;
        app.call(test::TestRequest::get().to_request())
            .await
            .unwrap();
        seen.borrow_mut().take().unwrap()
    }

    fn table(request: &HttpRequest, entries: &[&'static RouteEntry]) -> RouteTable {
        RouteTable::build(request, entries.iter().copied())
    }

    fn target(table: &RouteTable, request: &HttpRequest, method: Method, path: &str) -> Target {
        table.target(request.resource_map(), &method, path)
    }

    #[actix_web::test]
    async fn places_handlers_under_their_full_pattern() {
        let request = app_request().await;
        let table = table(
            &request,
            &[&STATUS, &READ, &BUMP, &POST, &BELOW, &ELSEWHERE],
        );
        let placed: Vec<(&str, &str)> = table
            .placed()
            .iter()
            .map(|placed| (placed.entry.handler(), placed.pattern.as_str()))
            .collect();
        assert_eq!(
            placed,
            [
                ("status", "/staff/status"),
                ("read", "/counter"),
                ("bump", "/counter"),
                ("post", "/blog/posts/{id:\\d+}"),
            ]
        );
        assert_eq!(
            table.unplaceable(),
            [(&BELOW, Unplaceable::NoDeclaredRoute)]
        );
    }

    #[actix_web::test]
    async fn recognises_by_pattern_name_and_method() {
        let request = app_request().await;
        let table = table(&request, &[&STATUS, &READ, &BUMP, &POST, &BELOW]);
        let unrecognised = |pattern: &str, resource: Option<&str>| Target::Unrecognised {
            pattern: Some(pattern.to_owned()),
            resource: resource.map(str::to_owned),
        };
        let unscoped = |scope: &str| unrecognised(scope, None);
        for (method, path, expected) in [
            (Method::GET, "/staff/status", Target::Handler(&STATUS)),
            (Method::GET, "/counter", Target::Handler(&READ)),
            // The first resource refuses POST; the only placed one that takes it is next.
            (Method::POST, "/counter", Target::Handler(&BUMP)),
            // Both refuse PUT: routing ends in the app's default service.
            (Method::PUT, "/counter", Target::Unmatched),
            (Method::GET, "/blog/posts/12", Target::Handler(&POST)),
            (Method::HEAD, "/blog/posts/12", Target::Handler(&POST)),
            // In a scope that no resource of takes it: the scope's default service, unseen.
            (Method::GET, "/blog/posts/x", unscoped("/blog")),
            (Method::POST, "/staff/status", unscoped("/staff")),
            (Method::GET, "/staff/status/", unscoped("/staff")),
            (Method::GET, "/below", unrecognised("/below", Some("below"))),
            (Method::GET, "/legacy", unrecognised("/legacy", None)),
            (Method::GET, "/nowhere", Target::Unmatched),
        ] {
            assert_eq!(
                target(&table, &request, method.clone(), path),
                expected,
                "{method} {path}"
            );
        }
    }

    #[actix_web::test]
    async fn a_name_shared_by_two_handlers_is_recognised_for_neither() {
        let request = app_request().await;
        let table = table(&request, &[&STATUS, &STATUS_TWIN, &READ]);
        assert_eq!(table.placed().len(), 1);
        assert_eq!(
            table.unplaceable(),
            [
                (&STATUS, Unplaceable::Ambiguous),
                (&STATUS_TWIN, Unplaceable::Ambiguous)
            ]
        );
        assert!(matches!(
            target(&table, &request, Method::GET, "/staff/status"),
            Target::Unrecognised { .. }
        ));
    }

    #[actix_web::test]
    async fn samples_satisfy_regexes_and_shadowed_resources_are_not_placed() {
        static DEEPER: RouteEntry = entry("first_deeper", &["GET"], "/first/{x:[a-z]+}/deeper");
        static FIXED: RouteEntry = entry("fixed", &["GET"], "/shadow/fixed");
        static NOT_HERE: RouteEntry = entry("first_deeper", &["GET"], "/not/here");
        let request = app_request().await;
        let table = table(&request, &[&FIRST, &DEEPER, &FIXED]);
        let placed: Vec<&str> = table
            .placed()
            .iter()
            .map(|placed| placed.pattern.as_str())
            .collect();
        assert_eq!(placed, ["/first/{x}", "/first/{x:[a-z]+}/deeper"]);
        assert_eq!(table.unplaceable(), [(&FIXED, Unplaceable::NoSamplePath)]);
        assert_eq!(
            super::instantiate("/a/{b}/c/{d:\\d{2,4}}/{tail}*", "1"),
            "/a/1/c/1/1"
        );
        // `/shadow/fixed` routes to `/shadow/{any}`, registered first.
        assert_eq!(
            target(&table, &request, Method::GET, "/shadow/fixed"),
            Target::Unrecognised {
                pattern: Some("/shadow/{any}".to_owned()),
                resource: Some("any".to_owned()),
            }
        );
        // A handler whose name the app gives to a resource at another path is not in the app.
        let table = super::RouteTable::build(&request, [&NOT_HERE]);
        assert!(table.placed().is_empty() && table.unplaceable().is_empty());
    }
}
