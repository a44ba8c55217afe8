//! A strict parser of `WWW-Authenticate` field values (RFC 9110 §11.6.1, §11.2, §5.6), for
//! checking what the project emits.
//!
//! ```text
//! WWW-Authenticate = 1#challenge
//! challenge        = auth-scheme [ 1*SP ( token68 / #auth-param ) ]
//! auth-scheme      = token
//! auth-param       = token BWS "=" BWS ( token / quoted-string )
//! token68          = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
//! quoted-string    = DQUOTE *( qdtext / quoted-pair ) DQUOTE
//! ```
//!
//! It is strict the way RFC 9110 asks a *sender* to be: list elements are separated by
//! `OWS "," OWS` and never empty (§5.6.1.1), a field value has no leading or trailing
//! whitespace (§5.5), and `obs-text` (bytes above 0x7E), which a sender should not generate,
//! is refused. Within those rules it accepts the whole grammar (token68, token values, BWS
//! around `=`), so that [`canonical`](ParsedChallenge::canonical) can tell the project's own
//! canonical form apart from merely valid syntax.
//!
//! Commas separate both challenges and the parameters of one challenge. The grammar is
//! unambiguous all the same: after a comma, `token BWS "="` starts a parameter of the current
//! challenge, and any other token starts a new challenge.

use std::fmt;

/// One `name=value` parameter of a challenge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthParam {
    /// The name, as sent (names compare case-insensitively).
    pub name: String,
    /// The value, unescaped when it was a quoted-string.
    pub value: String,
    /// Whether the value was a quoted-string (rather than a token).
    pub quoted: bool,
}

/// One challenge: `scheme`, then a token68 or parameters (or neither).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedChallenge {
    /// The auth-scheme, as sent.
    pub scheme: String,
    /// The token68, when the challenge carries one instead of parameters.
    pub token68: Option<String>,
    /// The parameters in order.
    pub params: Vec<AuthParam>,
}

impl ParsedChallenge {
    /// The value of the parameter `name` (case-insensitive).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|param| param.name.eq_ignore_ascii_case(name))
            .map(|param| param.value.as_str())
    }

    /// The names of the parameters, in order.
    pub fn names(&self) -> Vec<&str> {
        self.params
            .iter()
            .map(|param| param.name.as_str())
            .collect()
    }

    /// The challenge written the way the project writes challenges: `scheme`, one space, and
    /// every parameter as `name="value"` with `"` and `\` escaped, separated by `", "`.
    pub fn canonical(&self) -> String {
        let mut line = self.scheme.clone();
        if let Some(token68) = &self.token68 {
            line.push(' ');
            line.push_str(token68);
        }
        for (index, param) in self.params.iter().enumerate() {
            line.push_str(if index == 0 { " " } else { ", " });
            line.push_str(&param.name);
            line.push_str("=\"");
            for c in param.value.chars() {
                if matches!(c, '"' | '\\') {
                    line.push('\\');
                }
                line.push(c);
            }
            line.push('"');
        }
        line
    }
}

/// Why a field value does not parse: what was expected, and at which byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// The byte offset in the field value.
    pub at: usize,
    /// What was wrong there.
    pub message: String,
}

impl fmt::Display for SyntaxError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} (at byte {})", self.message, self.at)
    }
}

impl std::error::Error for SyntaxError {}

/// Parses a whole `WWW-Authenticate` field value: one or more challenges.
pub fn parse_www_authenticate(value: &str) -> Result<Vec<ParsedChallenge>, SyntaxError> {
    let mut parser = Parser {
        input: value.as_bytes(),
        at: 0,
    };
    if let Some(&b) = parser.input.first().filter(|b| is_ws(**b)) {
        return parser.fail(format!("leading whitespace {:?}", char::from(b)));
    }
    if parser.input.last().is_some_and(|b| is_ws(*b)) {
        parser.at = parser.input.len() - 1;
        return parser.fail("trailing whitespace");
    }
    let mut challenges = vec![parser.challenge()?];
    while !parser.at_end() {
        parser.list_separator()?;
        challenges.push(parser.challenge()?);
    }
    Ok(challenges)
}

/// Parses a field value that must hold exactly one challenge (one header line of ours).
pub fn parse_challenge(line: &str) -> Result<ParsedChallenge, SyntaxError> {
    let mut challenges = parse_www_authenticate(line)?;
    if challenges.len() != 1 {
        return Err(SyntaxError {
            at: 0,
            message: format!("{} challenges where one was expected", challenges.len()),
        });
    }
    Ok(challenges.remove(0))
}

struct Parser<'a> {
    input: &'a [u8],
    at: usize,
}

impl Parser<'_> {
    fn fail<T>(&self, message: impl Into<String>) -> Result<T, SyntaxError> {
        Err(SyntaxError {
            at: self.at,
            message: message.into(),
        })
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.at).copied()
    }

    fn at_end(&self) -> bool {
        self.at == self.input.len()
    }

    fn skip_while(&mut self, keep: impl Fn(u8) -> bool) -> usize {
        let start = self.at;
        while self.peek().is_some_and(&keep) {
            self.at += 1;
        }
        self.at - start
    }

    fn text(&self, start: usize) -> String {
        // Every byte accepted so far is ASCII, so this is the text as sent.
        String::from_utf8_lossy(&self.input[start..self.at]).into_owned()
    }

    /// `OWS "," OWS`, refusing an empty list element (`,,`) as a sender must not send one.
    fn list_separator(&mut self) -> Result<(), SyntaxError> {
        self.skip_while(is_ws);
        if self.peek() != Some(b',') {
            return self.fail(format!("expected `,` or the end, found {}", self.found()));
        }
        self.at += 1;
        self.skip_while(is_ws);
        if matches!(self.peek(), Some(b',') | None) {
            return self.fail("an empty list element");
        }
        Ok(())
    }

    fn found(&self) -> String {
        match self.peek() {
            Some(b) => format!("{:?}", char::from(b)),
            None => "the end".to_owned(),
        }
    }

    fn token(&mut self, what: &str) -> Result<String, SyntaxError> {
        let start = self.at;
        if self.skip_while(is_tchar) == 0 {
            return self.fail(format!("expected {what} (a token), found {}", self.found()));
        }
        Ok(self.text(start))
    }

    /// `auth-scheme [ 1*SP ( token68 / #auth-param ) ]`, leaving the parser before the
    /// separator of the next list element.
    fn challenge(&mut self) -> Result<ParsedChallenge, SyntaxError> {
        let scheme = self.token("an auth-scheme")?;
        let mut challenge = ParsedChallenge {
            scheme,
            token68: None,
            params: Vec::new(),
        };
        let after_scheme = self.at;
        if self.skip_while(|b| b == b' ') == 0 {
            if self.is_element_end() {
                return Ok(challenge);
            }
            return self.fail(format!(
                "expected a space after the scheme, found {}",
                self.found()
            ));
        }
        if self.is_element_end() {
            // `scheme 1*SP` and nothing: the spaces were OWS before a comma, not `1*SP`.
            self.at = after_scheme;
            return Ok(challenge);
        }
        if let Some(token68) = self.token68() {
            challenge.token68 = Some(token68);
            return Ok(challenge);
        }
        loop {
            let param = self.auth_param()?;
            if challenge
                .params
                .iter()
                .any(|seen| seen.name.eq_ignore_ascii_case(&param.name))
            {
                return self.fail(format!(
                    "parameter {:?} appears twice in one challenge",
                    param.name
                ));
            }
            challenge.params.push(param);
            if self.at_end() || !self.next_element_is_param() {
                return Ok(challenge);
            }
            self.list_separator()?;
        }
    }

    /// Whether only `OWS` and then a comma or the end follow.
    fn is_element_end(&self) -> bool {
        let rest = &self.input[self.at..];
        let after_ws = rest.iter().position(|b| !is_ws(*b)).unwrap_or(rest.len());
        matches!(rest.get(after_ws), None | Some(b','))
    }

    /// A token68 that makes up the whole rest of the challenge, consumed; otherwise nothing
    /// is consumed.
    fn token68(&mut self) -> Option<String> {
        let start = self.at;
        let body = self.skip_while(is_token68_char);
        self.skip_while(|b| b == b'=');
        // An auth-param has a value after its `=`, so a token68-shaped element that ends the
        // challenge can only be a token68.
        if body > 0 && self.is_element_end() {
            return Some(self.text(start));
        }
        self.at = start;
        None
    }

    /// After a parameter: whether `OWS "," OWS token BWS "="` follows, i.e. whether the next
    /// list element is another parameter of this challenge rather than a new challenge.
    fn next_element_is_param(&self) -> bool {
        let mut probe = Parser {
            input: self.input,
            at: self.at,
        };
        probe.skip_while(is_ws);
        if probe.peek() != Some(b',') {
            return true; // let `list_separator` report what is there
        }
        probe.at += 1;
        probe.skip_while(is_ws);
        if probe.skip_while(is_tchar) == 0 {
            return true; // an empty element or junk: reported by the caller
        }
        probe.skip_while(is_ws);
        probe.peek() == Some(b'=')
    }

    /// `token BWS "=" BWS ( token / quoted-string )`.
    fn auth_param(&mut self) -> Result<AuthParam, SyntaxError> {
        let name = self.token("a parameter name")?;
        self.skip_while(is_ws);
        if self.peek() != Some(b'=') {
            return self.fail(format!(
                "expected `=` after parameter {name:?}, found {}",
                self.found()
            ));
        }
        self.at += 1;
        self.skip_while(is_ws);
        if self.peek() == Some(b'"') {
            let value = self.quoted_string()?;
            return Ok(AuthParam {
                name,
                value,
                quoted: true,
            });
        }
        let value = self.token(&format!("the value of {name:?}"))?;
        Ok(AuthParam {
            name,
            value,
            quoted: false,
        })
    }

    /// `DQUOTE *( qdtext / quoted-pair ) DQUOTE`, unescaped.
    fn quoted_string(&mut self) -> Result<String, SyntaxError> {
        let open = self.at;
        self.at += 1;
        let mut value = String::new();
        loop {
            match self.peek() {
                None => {
                    self.at = open;
                    return self.fail("an unterminated quoted-string");
                }
                Some(b'"') => {
                    self.at += 1;
                    return Ok(value);
                }
                Some(b'\\') => {
                    self.at += 1;
                    match self.peek() {
                        Some(b) if b == b'\t' || (b' '..=b'~').contains(&b) => {
                            value.push(char::from(b));
                            self.at += 1;
                        }
                        _ => {
                            return self.fail(format!(
                                "a quoted-pair escapes {}, which is not HTAB, SP or VCHAR",
                                self.found()
                            ));
                        }
                    }
                }
                Some(b) if is_qdtext(b) => {
                    value.push(char::from(b));
                    self.at += 1;
                }
                Some(b) => {
                    return self.fail(format!(
                        "byte 0x{b:02x} cannot appear in a quoted-string (obs-text and controls \
                         are refused)"
                    ));
                }
            }
        }
    }
}

/// `OWS` characters.
fn is_ws(b: u8) -> bool {
    b == b' ' || b == b'\t'
}

/// `tchar` (RFC 9110 §5.6.2).
fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

fn is_token68_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)
}

/// `qdtext` without `obs-text`.
fn is_qdtext(b: u8) -> bool {
    matches!(b, b'\t' | b' ' | 0x21 | 0x23..=0x5b | 0x5d..=0x7e)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assert_well_formed_challenge;

    fn param(name: &str, value: &str, quoted: bool) -> AuthParam {
        AuthParam {
            name: name.to_owned(),
            value: value.to_owned(),
            quoted,
        }
    }

    fn challenge(scheme: &str, params: Vec<AuthParam>) -> ParsedChallenge {
        ParsedChallenge {
            scheme: scheme.to_owned(),
            token68: None,
            params,
        }
    }

    #[test]
    fn the_example_of_rfc_9110_section_11_6_1() {
        let value =
            r#"Basic realm="simple", Newauth realm="apps", type=1, title="Login to \"apps\"""#;
        assert_eq!(
            parse_www_authenticate(value).unwrap(),
            [
                challenge("Basic", vec![param("realm", "simple", true)]),
                challenge(
                    "Newauth",
                    vec![
                        param("realm", "apps", true),
                        param("type", "1", false),
                        param("title", r#"Login to "apps""#, true),
                    ],
                ),
            ]
        );
        // The same challenges, one per line, as we send them.
        assert!(parse_challenge(value).is_err());
        assert_eq!(
            parse_challenge(r#"Basic realm="simple""#)
                .unwrap()
                .canonical(),
            r#"Basic realm="simple""#
        );
    }

    #[test]
    fn parses_and_unescapes() {
        let parsed =
            parse_challenge(r#"Bearer  realm="a \"q\" \\ r",error="invalid_token" , scope="x y""#)
                .unwrap();
        assert_eq!(parsed.scheme, "Bearer");
        assert_eq!(parsed.param("realm"), Some(r#"a "q" \ r"#));
        assert_eq!(parsed.param("ERROR"), Some("invalid_token"));
        assert_eq!(parsed.param("scope"), Some("x y"));
        assert_eq!(parsed.names(), ["realm", "error", "scope"]);
        // Valid, but not how we write challenges.
        assert_eq!(
            parsed.canonical(),
            r#"Bearer realm="a \"q\" \\ r", error="invalid_token", scope="x y""#
        );
    }

    #[test]
    fn token68_bare_schemes_and_bws() {
        let parsed = parse_www_authenticate(
            "Negotiate a87421000492aa874209af8bc028==, Basic, Bearer realm = demo",
        )
        .unwrap();
        assert_eq!(parsed.len(), 3);
        assert_eq!(
            parsed[0].token68.as_deref(),
            Some("a87421000492aa874209af8bc028==")
        );
        assert!(parsed[0].params.is_empty());
        assert_eq!(parsed[1], challenge("Basic", Vec::new()));
        assert_eq!(
            parsed[2],
            challenge("Bearer", vec![param("realm", "demo", false)])
        );
        // `abc=` ends the challenge: token68 padding, not a parameter without a value.
        for token68 in ["abc=", "realm="] {
            let parsed = parse_challenge(&format!("X {token68}")).unwrap();
            assert_eq!(parsed.token68.as_deref(), Some(token68));
        }
        // A token68 challenge has no parameters; what follows is another challenge.
        let two = parse_www_authenticate(r#"X abc, Y realm="r""#).unwrap();
        assert_eq!(two[1].param("realm"), Some("r"));
        assert!(parse_www_authenticate(r#"X abc, realm="r""#).is_err());
        // Quoted-pairs may escape any visible character and tabs.
        assert_eq!(
            parse_challenge("X a=\"\\a\\\t\"").unwrap().param("a"),
            Some("a\t")
        );
    }

    #[test]
    fn duplicate_parameters_are_per_challenge_and_case_insensitive() {
        for value in [
            r#"Bearer realm="demo", realm="again""#,
            r#"Bearer realm="demo", Realm="again""#,
            r#"Bearer realm="demo", error="a", REALM=x"#,
            r#"Basic realm="a", Bearer realm="b", error="x", Error="y""#,
        ] {
            let error = parse_www_authenticate(value).unwrap_err();
            assert!(error.message.contains("twice"), "{value}: {error}");
        }
        // The same name in two challenges is fine.
        assert_eq!(
            parse_www_authenticate(r#"Basic realm="a", Bearer realm="b""#)
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn refuses_what_is_not_a_challenge_list() {
        for value in [
            "",
            " Bearer",
            "Bearer ",
            "\tBearer",
            r#"Bearer realm="demo"#,
            r#"Bearer realm="demo","#,
            r#"Bearer realm="demo",,error="x""#,
            r#", Bearer realm="demo""#,
            r#"Bearer realm="demo" error="x""#,
            r#"Bearer realm="demo", ="x""#,
            r#"Bearer realm=, x=y"#,
            r#"Bear er realm="demo""#,
            "Bearer\trealm=\"demo\"",
            r#""Bearer" realm="demo""#,
            r#"Bearer realm="a\"#,
            "Bearer realm=\"tab\u{7f}\"",
            "Bearer realm=\"line\nbreak\"",
            "Bearer realm=\"esc\\\u{1}\"",
            r#"Bearer realm="é""#,
            r#"Bearer realm=a"b"#,
            r#"Bearer realm=a b"#,
            r#"Bearer a==b"#,
            r#"Bearer =abc"#,
        ] {
            assert!(
                parse_www_authenticate(value).is_err(),
                "{value:?} parsed: {:?}",
                parse_www_authenticate(value)
            );
        }
    }

    #[test]
    fn errors_say_where() {
        let error = parse_www_authenticate(r#"Bearer realm="demo" error="x""#).unwrap_err();
        assert_eq!(error.at, 20);
        assert!(error.to_string().contains("expected `,`"), "{error}");
    }

    #[test]
    #[should_panic(expected = "RFC 6750 forbids")]
    fn description_with_quote_is_refused() {
        assert_well_formed_challenge(
            r#"Bearer realm="demo", error="invalid_token", error_description="a \"b\"""#,
            &"self-test",
        );
    }

    #[test]
    #[should_panic(expected = "not in canonical form")]
    fn non_canonical_lines_are_refused() {
        assert_well_formed_challenge(r#"Bearer realm="demo",error="invalid_token""#, &"self-test");
    }

    #[test]
    #[should_panic(expected = "not a quoted-string")]
    fn a_token_realm_is_refused() {
        assert_well_formed_challenge("Bearer realm=demo", &"self-test");
    }

    #[test]
    #[should_panic(expected = "token68")]
    fn a_token68_is_refused_for_our_challenges() {
        assert_well_formed_challenge("Bearer abc==", &"self-test");
    }
}
