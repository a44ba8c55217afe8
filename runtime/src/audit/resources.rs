//! The resources of an app, in routing order.
//!
//! actix-web has no API that lists an app's resources; its `ResourceMap` only answers questions
//! about a given path or name. Its `Debug` output, though, writes the whole tree: every scope
//! and resource with its pattern and name. This module reads that output strictly, as a tree of
//! `Debug` values, and fails with an error rather than guessing when the output is not the
//! shape it knows, so that an actix-web upgrade that changes it makes the audit fail loudly
//! instead of passing with routes left out. The audit then checks what it read against the
//! public API (every handler placed with `url_for` must be among the listed resources).
//!
//! The audit, and the recognition of handlers behind `Require` and `DefaultDeny` (to tell an
//! annotated handler from another resource of the same name), read it once per app; when the
//! format is not the one this module knows, the audit fails and recognition falls back to what
//! `ResourceMap`'s API tells (see `routes`).

use actix_web::dev::ResourceMap;

/// One resource (a leaf of the resource map: a route's resource, or a service such as a static
/// file server).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resource {
    /// Its name (for route attributes: the function's name).
    pub(crate) name: Option<String>,
    /// Its full pattern, scopes included, as `ResourceMap::match_pattern` writes it.
    pub(crate) pattern: String,
    /// Its own pattern, without the scopes' (`/status` of `/staff/status`).
    pub(crate) own: String,
    /// The scopes it is in, outermost first.
    pub(crate) scopes: Vec<Scope>,
}

/// A scope of the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scope {
    /// Its position among the scopes of the app, which tells two scopes of one pattern apart.
    pub(crate) id: usize,
    /// Its full pattern.
    pub(crate) pattern: String,
}

/// A node of the resource map as it was written: what rebuilding its `ResourceDef` takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node {
    /// Its patterns, as registered (`/status`, or several for a multi-pattern resource).
    pub(crate) patterns: Vec<String>,
    /// Whether it matches a prefix of the path (scopes, and the app's root).
    pub(crate) prefix: bool,
    pub(crate) kind: NodeKind,
}

/// A resource, or a scope with its nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NodeKind {
    /// The resource of this index in [`Listing::resources`].
    Resource(usize),
    /// A scope (or the app's root), with its position in the app's scopes (`Scope::id`; `None`
    /// for the root).
    Scope(Option<usize>, Vec<Node>),
}

/// The resources of an app in routing order, and its resource map as a tree.
pub(crate) struct Listing {
    pub(crate) resources: Vec<Resource>,
    pub(crate) root: Node,
}

/// The resources of `map`, in routing order.
pub(crate) fn list(map: &ResourceMap) -> Result<Vec<Resource>, String> {
    listing(map).map(|listing| listing.resources)
}

/// The resources of `map`, in routing order, and the tree they are the leaves of.
pub(crate) fn listing(map: &ResourceMap) -> Result<Listing, String> {
    let text = format!("{map:?}");
    let tree = Parser::new(&text).document()?;
    let mut walk = Walk::default();
    let root = walk.node(&tree)?;
    Ok(Listing {
        resources: walk.resources,
        root,
    })
}

#[derive(Default)]
struct Walk {
    /// The scopes enclosing the current node, the app's root first.
    scopes: Vec<Scope>,
    scope_count: usize,
    resources: Vec<Resource>,
}

impl Walk {
    fn node(&mut self, node: &Value) -> Result<Node, String> {
        let map = node.fields_of("ResourceMap")?;
        let definition = field(map, "pattern")?.fields_of("ResourceDef")?;
        let patterns = match field(definition, "patterns")?.variant()? {
            ("Single", [pattern]) => vec![pattern.string()?.to_owned()],
            ("List", [Value::List(patterns)]) => patterns
                .iter()
                .map(|pattern| pattern.string().map(str::to_owned))
                .collect::<Result<Vec<_>, _>>()?,
            (other, _) => return Err(format!("unknown kind of patterns `{other}`")),
        };
        let pattern = patterns
            .first()
            .ok_or("a resource without patterns")?
            .clone();
        let prefix = match field(definition, "is_prefix")? {
            Value::Word(word) if word == "true" => true,
            Value::Word(word) if word == "false" => false,
            other => {
                return Err(format!(
                    "expected `is_prefix` to be a bool, found {other:?}"
                ));
            }
        };
        let enclosing = self
            .scopes
            .last()
            .map_or("", |scope| scope.pattern.as_str());
        let full = format!("{enclosing}{pattern}");
        let kind = match field(map, "nodes")?.variant()? {
            ("None", []) => {
                let name = match field(definition, "name")?.variant()? {
                    ("None", []) => None,
                    ("Some", [name]) => Some(name.string()?.to_owned()),
                    (other, _) => return Err(format!("unexpected resource name `{other}`")),
                };
                self.resources.push(Resource {
                    name,
                    own: pattern,
                    pattern: full,
                    // The first is the app's root, not a scope.
                    scopes: self.scopes.iter().skip(1).cloned().collect(),
                });
                NodeKind::Resource(self.resources.len() - 1)
            }
            ("Some", [Value::List(children)]) => {
                let id = self.scope_count;
                self.scopes.push(Scope { id, pattern: full });
                self.scope_count += 1;
                let nodes = children
                    .iter()
                    .map(|child| self.node(child))
                    .collect::<Result<Vec<_>, _>>()?;
                self.scopes.pop();
                // The first is the app's root.
                NodeKind::Scope((id > 0).then_some(id), nodes)
            }
            (other, _) => return Err(format!("unexpected child nodes `{other}`")),
        };
        Ok(Node {
            patterns,
            prefix,
            kind,
        })
    }
}

fn field<'a>(fields: &'a [(String, Value)], name: &str) -> Result<&'a Value, String> {
    fields
        .iter()
        .find(|(field, _)| field == name)
        .map(|(_, value)| value)
        .ok_or_else(|| format!("no field `{name}`"))
}

/// A value of `Debug` output.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Value {
    /// A string literal, unescaped.
    Str(String),
    /// A bare word: a number, `true`, `None`, a unit variant.
    Word(String),
    /// `Name { field: value, .. }`.
    Struct(String, Vec<(String, Value)>),
    /// `Name(value, ..)` or `(value, ..)`.
    Tuple(Option<String>, Vec<Value>),
    /// `[value, ..]`.
    List(Vec<Value>),
    /// `{key: value, ..}`.
    Map(Vec<(Value, Value)>),
}

impl Value {
    fn fields_of(&self, expected: &str) -> Result<&[(String, Value)], String> {
        match self {
            Self::Struct(name, fields) if name == expected => Ok(fields),
            other => Err(format!("expected `{expected} {{ .. }}`, found {other:?}")),
        }
    }

    /// An enum variant: `None` → `("None", [])`, `Some(x)` → `("Some", [x])`.
    fn variant(&self) -> Result<(&str, &[Value]), String> {
        match self {
            Self::Word(word) => Ok((word, &[])),
            Self::Tuple(Some(name), values) => Ok((name, values)),
            other => Err(format!("expected an enum variant, found {other:?}")),
        }
    }

    fn string(&self) -> Result<&str, String> {
        match self {
            Self::Str(string) => Ok(string),
            other => Err(format!("expected a string, found {other:?}")),
        }
    }
}

/// A strict parser of `Debug` output (`{:?}`, not `{:#?}`).
struct Parser<'a> {
    text: &'a str,
    position: usize,
}

impl<'a> Parser<'a> {
    fn new(text: &'a str) -> Self {
        Self { text, position: 0 }
    }

    /// One value and nothing after it.
    fn document(mut self) -> Result<Value, String> {
        let value = self.value()?;
        self.skip_spaces();
        if self.position != self.text.len() {
            return Err(self.error("trailing text"));
        }
        Ok(value)
    }

    fn error(&self, what: &str) -> String {
        format!("{what} at byte {} of the resource map", self.position)
    }

    fn rest(&self) -> &'a str {
        &self.text[self.position..]
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn skip_spaces(&mut self) {
        let rest = self.rest();
        self.position += rest.len() - rest.trim_start().len();
    }

    fn eat(&mut self, expected: char) -> bool {
        self.skip_spaces();
        if self.peek() == Some(expected) {
            self.position += expected.len_utf8();
            true
        } else {
            false
        }
    }

    fn expect(&mut self, expected: char) -> Result<(), String> {
        if self.eat(expected) {
            Ok(())
        } else {
            Err(self.error(&format!("expected `{expected}`")))
        }
    }

    fn value(&mut self) -> Result<Value, String> {
        self.skip_spaces();
        match self.peek() {
            Some('"') => self.string().map(Value::Str),
            Some('[') => {
                self.position += 1;
                self.sequence(']', Self::value).map(Value::List)
            }
            Some('(') => {
                self.position += 1;
                Ok(Value::Tuple(None, self.sequence(')', Self::value)?))
            }
            Some('{') => {
                self.position += 1;
                self.sequence('}', |parser| {
                    let key = parser.value()?;
                    parser.expect(':')?;
                    Ok((key, parser.value()?))
                })
                .map(Value::Map)
            }
            Some(_) => {
                let word = self.word()?;
                if self.eat('(') {
                    Ok(Value::Tuple(Some(word), self.sequence(')', Self::value)?))
                } else if self.eat('{') {
                    let fields = self.sequence('}', |parser| {
                        let name = parser.word()?;
                        parser.expect(':')?;
                        Ok((name, parser.value()?))
                    })?;
                    Ok(Value::Struct(word, fields))
                } else {
                    Ok(Value::Word(word))
                }
            }
            None => Err(self.error("unexpected end")),
        }
    }

    /// Items separated by commas (a trailing one allowed) up to `close`.
    fn sequence<T>(
        &mut self,
        close: char,
        mut item: impl FnMut(&mut Self) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        let mut items = Vec::new();
        loop {
            if self.eat(close) {
                return Ok(items);
            }
            items.push(item(self)?);
            if !self.eat(',') {
                self.expect(close)?;
                return Ok(items);
            }
        }
    }

    fn word(&mut self) -> Result<String, String> {
        self.skip_spaces();
        let rest = self.rest();
        let end = rest
            .find(|c: char| c.is_whitespace() || "{}[](),:\"".contains(c))
            .unwrap_or(rest.len());
        if end == 0 {
            return Err(self.error("expected a word"));
        }
        self.position += end;
        Ok(rest[..end].to_owned())
    }

    /// A string literal as `str`'s `Debug` writes it.
    fn string(&mut self) -> Result<String, String> {
        self.position += 1; // the opening quote
        let mut string = String::new();
        let mut chars = self.rest().char_indices();
        while let Some((offset, c)) = chars.next() {
            match c {
                '"' => {
                    self.position += offset + 1;
                    return Ok(string);
                }
                '\\' => {
                    let escaped = match chars.next().map(|(_, c)| c) {
                        Some('n') => '\n',
                        Some('r') => '\r',
                        Some('t') => '\t',
                        Some('0') => '\0',
                        Some(c @ ('\\' | '"' | '\'')) => c,
                        Some('u') => {
                            let digits: String = chars
                                .by_ref()
                                .map(|(_, c)| c)
                                .skip_while(|c| *c == '{')
                                .take_while(|c| *c != '}')
                                .collect();
                            u32::from_str_radix(&digits, 16)
                                .ok()
                                .and_then(char::from_u32)
                                .ok_or_else(|| self.error("bad unicode escape"))?
                        }
                        _ => return Err(self.error("unknown escape")),
                    };
                    string.push(escaped);
                }
                c => string.push(c),
            }
        }
        Err(self.error("unterminated string"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_debug_values() {
        let text = r#"S { a: Some("x\"\\\u{7f}y"), b: [1, -2.5, None], c: (Weak), d: {"k": T(true, )}, e: S2 {  } }"#;
        let value = Parser::new(text).document().unwrap();
        let fields = value.fields_of("S").unwrap();
        assert_eq!(
            field(fields, "a").unwrap(),
            &Value::Tuple(Some("Some".into()), vec![Value::Str("x\"\\\u{7f}y".into())])
        );
        assert_eq!(
            field(fields, "b").unwrap(),
            &Value::List(vec![
                Value::Word("1".into()),
                Value::Word("-2.5".into()),
                Value::Word("None".into())
            ])
        );
        assert_eq!(
            field(fields, "c").unwrap(),
            &Value::Tuple(None, vec![Value::Word("Weak".into())])
        );
        assert_eq!(
            field(fields, "d").unwrap(),
            &Value::Map(vec![(
                Value::Str("k".into()),
                Value::Tuple(Some("T".into()), vec![Value::Word("true".into())])
            )])
        );
        assert_eq!(
            field(fields, "e").unwrap(),
            &Value::Struct("S2".into(), Vec::new())
        );
    }

    #[test]
    fn refuses_what_it_does_not_understand() {
        for text in [
            r#"S { a: "open"#,
            "S { a: 1 ",
            "S { a 1 }",
            "[1, 2",
            r#""\q""#,
            "S {} trailing",
            "",
        ] {
            assert!(Parser::new(text).document().is_err(), "{text}");
        }
        let not_a_map = Parser::new("ResourceMap { nodes: None }")
            .document()
            .unwrap();
        assert_eq!(
            Walk::default().node(&not_a_map),
            Err("no field `pattern`".to_owned())
        );
    }
}
