//! `#[evloop::main]` and `#[evloop::test]`: an `async fn` becomes a plain
//! function that builds an evloop runtime and runs the body on it. Use
//! them through `evloop` (feature `macros`, on by default), not from this
//! crate; the examples are in evloop's documentation of them.
//!
//! Written on `proc_macro` alone, without syn or quote: the attributes
//! only need to find a few tokens of the signature (the `async`, the
//! arguments, the body) and pass everything else through untouched, so a
//! real Rust parser would be a large dependency for a small job. The
//! function is read as a flat list of token trees:
//!
//! ```text
//! #[attr]...  pub(crate)  async  fn  name  <generics>  ( args )  -> Ret where ...  { body }
//! attributes  visibility  quals  fn  name  ---- everything up to the args ----   ---- tail ----
//! ```
//!
//! The body's tokens are moved into the new function unchanged, spans and
//! all, so an error in user code points at user code. An error of ours is
//! a `compile_error!` placed at the tokens it is about.

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// Runs an `async fn main` on an evloop runtime.
///
/// ```text
/// #[evloop::main]
/// async fn main() { ... }
/// ```
///
/// becomes a plain `fn main` that builds a runtime with
/// `evloop::Runtime::builder()` and `block_on`s the body; the return type,
/// attributes and visibility stay. Options (each at most once):
///
/// - `start_paused = true | false`: [`Builder::start_paused`], the paused
///   clock;
/// - `event_interval = N` (1 or more): [`Builder::event_interval`].
///
/// Unlike tokio's, there is no `flavor` or `worker_threads`: evloop's
/// runtime is the current thread.
///
/// [`Builder::start_paused`]: https://docs.rs/evloop/latest/evloop/struct.Builder.html#method.start_paused
/// [`Builder::event_interval`]: https://docs.rs/evloop/latest/evloop/struct.Builder.html#method.event_interval
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Main, args, item)
}

/// Runs an `async fn` test on an evloop runtime of its own: as
/// [`macro@main`], plus `#[test]`. The function may return what a test may
/// return (a `Result`, for `?`); the body's value is returned as it is.
/// Same options as [`macro@main`]; `start_paused = true` makes timers of
/// any length fire at once.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Test, args, item)
}

/// Which attribute is expanding: they differ in `#[test]` and in words.
#[derive(Clone, Copy)]
enum Kind {
    Main,
    Test,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Main => "#[evloop::main]",
            Kind::Test => "#[evloop::test]",
        }
    }
}

/// A mistake in the user's code: what to say, and where.
struct Error {
    span: Span,
    message: String,
}

impl Error {
    fn new(span: Span, message: impl Into<String>) -> Error {
        Error {
            span,
            message: message.into(),
        }
    }

    /// `::core::compile_error!("message")`, every token at the span, so
    /// the compiler underlines what the message is about.
    fn to_compile_error(&self) -> TokenStream {
        let mut message = Literal::string(&self.message);
        message.set_span(self.span);
        let mut args = Group::new(
            Delimiter::Parenthesis,
            TokenStream::from(TokenTree::from(message)),
        );
        args.set_span(self.span);
        let tokens: Vec<TokenTree> = vec![
            punct(':', Spacing::Joint, self.span),
            punct(':', Spacing::Alone, self.span),
            Ident::new("core", self.span).into(),
            punct(':', Spacing::Joint, self.span),
            punct(':', Spacing::Alone, self.span),
            Ident::new("compile_error", self.span).into(),
            punct('!', Spacing::Alone, self.span),
            args.into(),
            punct(';', Spacing::Alone, self.span),
        ];
        tokens.into_iter().collect()
    }
}

fn punct(ch: char, spacing: Spacing, span: Span) -> TokenTree {
    let mut punct = Punct::new(ch, spacing);
    punct.set_span(span);
    punct.into()
}

/// Both attributes: read the options and the function, write the new one.
///
/// On a mistake, the error comes with a stand-in for the function, so that
/// the compiler reports ours and not a cascade of others about it (such as
/// "`main` function is not allowed to be `async`"): with a bad option, the
/// rewrite with the default options; with a bad function, the function as
/// it came, or, once it is known to be an `async fn`, one that compiles.
fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let options = parse_options(args);
    let (error, stand_in) = match (options, Function::parse(kind, item.clone())) {
        (Ok(options), Ok(function)) => return function.rewrite(kind, &options),
        (Err(error), Ok(function)) => (error, function.rewrite(kind, &Options::default())),
        (_, Err(Failure { error, stand_in })) => (error, stand_in.unwrap_or(item)),
    };
    let mut tokens = error.to_compile_error();
    tokens.extend(stand_in);
    tokens
}

/// Why a function cannot be rewritten, and what to put in its place.
struct Failure {
    error: Error,
    /// `None`: the item as it came.
    stand_in: Option<TokenStream>,
}

impl From<Error> for Failure {
    fn from(error: Error) -> Failure {
        Failure {
            error,
            stand_in: None,
        }
    }
}

/// The options of the attribute, checked.
#[derive(Default)]
struct Options {
    start_paused: Option<bool>,
    event_interval: Option<u32>,
}

const OPTIONS: &str = "`start_paused` and `event_interval`";

/// Reads `name = value, name = value` (a trailing comma allowed).
fn parse_options(args: TokenStream) -> Result<Options, Error> {
    let mut options = Options::default();
    let mut tokens = args.into_iter().peekable();
    while let Some(token) = tokens.next() {
        let name = match &token {
            TokenTree::Ident(ident) => ident.clone(),
            other => {
                return Err(Error::new(
                    other.span(),
                    format!(
                    "expected an option, such as `start_paused = true`; the options are {OPTIONS}"
                ),
                ))
            }
        };
        let name_text = name.to_string();
        match tokens.next() {
            Some(TokenTree::Punct(eq)) if eq.as_char() == '=' => {}
            Some(other) => {
                return Err(Error::new(
                    other.span(),
                    format!("expected `=` after `{name_text}`"),
                ))
            }
            None => {
                return Err(Error::new(
                    name.span(),
                    format!("expected `= <value>` after `{name_text}`"),
                ))
            }
        }
        let value = tokens.next().ok_or_else(|| {
            Error::new(
                name.span(),
                format!("expected a value after `{name_text} =`"),
            )
        })?;
        match name_text.as_str() {
            "start_paused" => {
                let paused = parse_bool(&value, &name_text)?;
                set_once(&mut options.start_paused, paused, &name)?;
            }
            "event_interval" => {
                let polls = parse_polls(&value, &name_text)?;
                set_once(&mut options.event_interval, polls, &name)?;
            }
            _ => return Err(unknown_option(&name)),
        }
        match tokens.next() {
            None => break,
            Some(TokenTree::Punct(comma)) if comma.as_char() == ',' => {}
            Some(other) => return Err(Error::new(other.span(), "expected `,` between options")),
        }
    }
    Ok(options)
}

fn unknown_option(name: &Ident) -> Error {
    let text = name.to_string();
    let hint = match text.as_str() {
        "flavor" | "worker_threads" => {
            " (evloop's runtime always runs on the current thread, so tokio's `flavor` and `worker_threads` have nothing to set)"
        }
        _ => "",
    };
    Error::new(
        name.span(),
        format!("unknown option `{text}`: the options are {OPTIONS}{hint}"),
    )
}

fn set_once<T>(slot: &mut Option<T>, value: T, name: &Ident) -> Result<(), Error> {
    if slot.is_some() {
        return Err(Error::new(
            name.span(),
            format!("the option `{name}` is given twice"),
        ));
    }
    *slot = Some(value);
    Ok(())
}

fn parse_bool(value: &TokenTree, name: &str) -> Result<bool, Error> {
    match value {
        TokenTree::Ident(ident) if ident.to_string() == "true" => Ok(true),
        TokenTree::Ident(ident) if ident.to_string() == "false" => Ok(false),
        other => Err(Error::new(
            other.span(),
            format!("`{name}` takes `true` or `false`, not `{other}`"),
        )),
    }
}

/// A whole number of polls, 1 to `u32::MAX`.
fn parse_polls(value: &TokenTree, name: &str) -> Result<u32, Error> {
    let number = match value {
        TokenTree::Literal(literal) => integer_literal(&literal.to_string()),
        _ => None,
    };
    match number {
        Some(0) => Err(Error::new(
            value.span(),
            format!("`{name}` must be at least 1"),
        )),
        Some(polls) => Ok(polls),
        None => Err(Error::new(
            value.span(),
            format!(
                "`{name}` takes a whole number of polls from 1 to {}, not `{value}`",
                u32::MAX
            ),
        )),
    }
}

/// The number a decimal integer literal spells, written as Rust allows
/// (`61`, `1_000`, `61u32`), if it fits in a `u32`.
fn integer_literal(text: &str) -> Option<u32> {
    let text = text.replace('_', "");
    let digits = text.strip_suffix("u32").unwrap_or(&text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// The function the attribute is on, in the pieces the rewrite needs.
struct Function {
    /// Outer attributes (`#` and its `[...]`), doc comments included.
    attributes: Vec<TokenTree>,
    /// Everything from after the attributes to the argument list, less the
    /// `async`: visibility, other qualifiers, `fn`, name, generics.
    head: Vec<TokenTree>,
    /// The `( ... )` of the arguments, which must be empty.
    arguments: Group,
    /// After the arguments and before the body: return type, `where`.
    tail: Vec<TokenTree>,
    /// The `{ ... }`, untouched.
    body: Group,
}

impl Function {
    fn parse(kind: Kind, item: TokenStream) -> Result<Function, Failure> {
        let mut tokens: Vec<TokenTree> = item.into_iter().collect();
        let not_a_fn = |span| Error::new(span, format!("{} goes on an `async fn`", kind.name()));

        let body = match tokens.pop() {
            Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Brace => group,
            Some(other) => return Err(not_a_fn(other.span()).into()),
            None => return Err(not_a_fn(Span::call_site()).into()),
        };

        let mut rest = tokens.into_iter().peekable();
        let mut attributes = Vec::new();
        while let Some(TokenTree::Punct(hash)) = rest.peek() {
            if hash.as_char() != '#' {
                break;
            }
            attributes.extend(rest.next());
            attributes.extend(rest.next()); // the `[...]`
        }
        if let (Kind::Test, Some(test)) = (
            kind,
            attributes.iter().find(|token| is_test_attribute(token)),
        ) {
            return Err(Error::new(
                test.span(),
                "a second `#[test]`: `#[evloop::test]` makes the function a test already",
            )
            .into());
        }

        // Up to and including the name, looking for `async` and `fn`.
        let mut head = Vec::new();
        let mut is_async = false;
        let fn_token = loop {
            match rest.next() {
                Some(TokenTree::Ident(ident)) if ident.to_string() == "fn" => break ident,
                Some(TokenTree::Ident(ident)) if ident.to_string() == "async" => is_async = true,
                Some(token) => head.push(token),
                None => return Err(not_a_fn(body.span()).into()),
            }
        };
        if !is_async {
            // The function as it came compiles: a plain `fn`.
            return Err(Error::new(
                fn_token.span(),
                "the `async` keyword is missing from the function declaration",
            )
            .into());
        }
        head.push(fn_token.into());

        // The name and any generics, up to the arguments.
        let arguments = loop {
            match rest.next() {
                Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis => {
                    break group
                }
                Some(token) => head.push(token),
                None => return Err(not_a_fn(body.span()).into()),
            }
        };
        let tail: Vec<TokenTree> = rest.collect();
        if !arguments.stream().is_empty() {
            let message = match kind {
                Kind::Main => {
                    "the `main` function cannot take arguments (read them with `std::env::args`)"
                }
                Kind::Test => "a test function cannot take arguments",
            };
            // Stand-in: the same function without arguments or `async`,
            // whose body never returns (so any return type will do).
            let mut stand_in = TokenStream::new();
            stand_in.extend(attributes);
            stand_in.extend(head);
            stand_in.extend(code("()"));
            stand_in.extend(tail);
            stand_in.extend(code("{ loop {} }"));
            return Err(Failure {
                error: Error::new(arguments.span(), message),
                stand_in: Some(stand_in),
            });
        }

        Ok(Function {
            attributes,
            head,
            arguments,
            tail,
            body,
        })
    }

    /// The plain function: same attributes, visibility, name and return
    /// type, with a body that builds the runtime and runs the old body.
    fn rewrite(self, kind: Kind, options: &Options) -> TokenStream {
        let mut builder = String::from("::evloop::Runtime::builder()");
        if let Some(paused) = options.start_paused {
            builder.push_str(&format!(".start_paused({paused})"));
        }
        if let Some(polls) = options.event_interval {
            builder.push_str(&format!(".event_interval({polls})"));
        }

        // `let body = async { ... };` with the user's braces as they came,
        // then the runtime; written as source text and parsed, which gives
        // our tokens the attribute's own span.
        let mut block = code("let body = async");
        block.extend([TokenTree::Group(self.body)]);
        block.extend(code(&format!(
            "; {builder}.build().expect(\"{}: the evloop runtime could not be built\").block_on(body)",
            kind.name()
        )));

        let mut output = TokenStream::new();
        output.extend(self.attributes);
        if let Kind::Test = kind {
            output.extend(code("#[::core::prelude::v1::test]"));
        }
        output.extend(self.head);
        output.extend([TokenTree::Group(self.arguments)]);
        output.extend(self.tail);
        output.extend([TokenTree::Group(Group::new(Delimiter::Brace, block))]);
        output
    }
}

/// Whether an attribute's `[...]` is `[test]`.
fn is_test_attribute(token: &TokenTree) -> bool {
    match token {
        TokenTree::Group(group) => {
            group.delimiter() == Delimiter::Bracket && group.stream().to_string() == "test"
        }
        _ => false,
    }
}

/// Our own code, from source text.
fn code(source: &str) -> TokenStream {
    source.parse().expect("the macro's own code parses")
}

#[cfg(test)]
mod tests {
    // The `proc_macro` types only work inside a macro's expansion, so the
    // tests here are of the plain-text helpers; the attributes themselves
    // are tested through evloop (tests/macros_attr.rs and the
    // compile_fail doctests of `evloop::macros::AttributeErrors`).
    use super::integer_literal;

    #[test]
    fn integer_literals_read_as_rust_writes_them() {
        let cases = [
            ("61", Some(61)),
            ("1_000", Some(1000)),
            ("61u32", Some(61)),
            ("0", Some(0)),
            ("4294967295", Some(u32::MAX)),
            ("4294967296", None),
            ("3u8", None),
            ("1.5", None),
            ("0x10", None),
            ("\"3\"", None),
            ("u32", None),
            ("", None),
        ];
        for (text, expected) in cases {
            assert_eq!(integer_literal(text), expected, "{text}");
        }
    }
}
