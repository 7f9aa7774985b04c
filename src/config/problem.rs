//! Where a configuration problem is: the key it is about ([`KeyPath`], such as `modem[1].pin`)
//! found in the file's text as a line and column ([`Locator`]).
//!
//! Pure: text in, positions out. Validation (in [`crate::config`]) names keys, not offsets, so
//! it stays independent of the parser; the [`Locator`] reads the same text a second time with
//! toml_edit, which keeps the span of every key.

use std::fmt;
use std::ops::Range;
use std::path::Path;
use toml_edit::{ImDocument, Item};

/// A parser's message about the file with the values it quotes taken out: toml and serde
/// write "invalid type: integer `1234`, expected a string", and the value may be a PIN or a
/// secret that must not reach a terminal or the journal. Keeps what kind of value it was and
/// what was expected; messages about keys (`unknown field`, `missing field`, `duplicate
/// field`) name the key, which is not secret, and stay as they are.
pub fn without_values(message: &str) -> String {
    const ABOUT_KEYS: [&str; 3] = ["unknown field", "missing field", "duplicate field"];
    if ABOUT_KEYS.iter().any(|p| message.starts_with(p)) {
        return message.to_string();
    }
    // What was found comes before ", expected"; what was expected is the program's own text.
    let (found, expected) = message
        .find(", expected")
        .map_or((message, ""), |i| message.split_at(i));
    let mut out = String::new();
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in found.chars() {
        match quote {
            Some(q) => {
                if escaped {
                    escaped = false;
                } else if c == '\\' && q == '"' {
                    escaped = true;
                } else if c == q {
                    quote = None;
                }
            }
            None if c == '`' || c == '"' || c == '\'' => quote = Some(c),
            None => out.push(c),
        }
    }
    let found = out.split_whitespace().collect::<Vec<_>>().join(" ");
    format!("{found}{expected}")
}

/// One step of a [`KeyPath`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// A key of the file: `listen`, `modem[1].pin`, `modem[0].routes[2]`, `tls.cert`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath(Vec<Step>);

impl KeyPath {
    /// The whole file.
    pub fn root() -> Self {
        Self::default()
    }

    /// The key `name` under this one.
    pub fn key(&self, name: &str) -> Self {
        let mut steps = self.0.clone();
        steps.push(Step::Key(name.to_string()));
        Self(steps)
    }

    /// Element `i` (from 0) of the array at this key.
    pub fn index(&self, i: usize) -> Self {
        let mut steps = self.0.clone();
        steps.push(Step::Index(i));
        Self(steps)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (n, step) in self.0.iter().enumerate() {
            match step {
                Step::Key(k) if n == 0 => write!(f, "{k}")?,
                Step::Key(k) => write!(f, ".{k}")?,
                Step::Index(i) => write!(f, "[{i}]")?,
            }
        }
        Ok(())
    }
}

/// A problem with a key of the file, before it is located.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub key: KeyPath,
    pub message: String,
}

impl Problem {
    pub fn new(key: KeyPath, message: impl Into<String>) -> Self {
        Self {
            key,
            message: message.into(),
        }
    }
}

/// A line and a column, both from 1; the column counts characters, not bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Position {
    pub line: usize,
    pub col: usize,
}

/// The position of byte `offset` in `text` (an offset past the end is the end).
pub fn position(text: &str, offset: usize) -> Position {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Position {
        line: before.matches('\n').count() + 1,
        col: before[line_start..].chars().count() + 1,
    }
}

/// A problem with its place in the file, when the file has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub at: Option<Position>,
    pub message: String,
}

impl Located {
    /// `PATH:LINE:COL: message`, or `PATH: message` without a position.
    pub fn render(&self, path: &Path) -> String {
        match self.at {
            Some(p) => format!("{}:{}:{}: {}", path.display(), p.line, p.col, self.message),
            None => format!("{}: {}", path.display(), self.message),
        }
    }
}

/// One line per problem, as [`Located::render`] writes them.
pub fn render_all(path: &Path, problems: &[Located]) -> String {
    problems
        .iter()
        .map(|p| p.render(path))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Finds keys in a file's text.
pub struct Locator<'t> {
    text: &'t str,
    doc: Option<ImDocument<&'t str>>,
}

impl<'t> Locator<'t> {
    /// Reads `text`; text that does not parse locates nothing.
    pub fn new(text: &'t str) -> Self {
        Self {
            text,
            doc: ImDocument::parse(text).ok(),
        }
    }

    /// Where `key` is written: its key (or, for an array element, the element). A key that
    /// is not in the file (a required companion left out) is placed at the nearest enclosing
    /// one that is, such as its `[[modem]]` header; `None` when not even that exists.
    pub fn find(&self, key: &KeyPath) -> Option<Position> {
        let doc = self.doc.as_ref()?;
        span_of(doc.as_item(), &key.0).map(|span| position(self.text, span.start))
    }

    /// Locates each problem.
    pub fn locate(&self, problems: Vec<Problem>) -> Vec<Located> {
        problems
            .into_iter()
            .map(|p| Located {
                at: self.find(&p.key),
                message: p.message,
            })
            .collect()
    }
}

fn span_of(root: &Item, steps: &[Step]) -> Option<Range<usize>> {
    let mut item = root;
    let mut best = None;
    for step in steps {
        let (span, next) = match step {
            Step::Key(k) => match item.as_table_like().and_then(|t| t.get_key_value(k)) {
                Some((key, next)) => (key.span(), next),
                None => break,
            },
            Step::Index(i) => match item.get(*i) {
                Some(next) => (next.span(), next),
                None => break,
            },
        };
        best = span.or(best);
        item = next;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parser_messages_lose_the_values_they_quote() {
        for (message, clean) in [
            (
                "invalid type: integer `1234`, expected a string",
                "invalid type: integer, expected a string",
            ),
            (
                "invalid type: string \"s3\\\"cret\", expected u64",
                "invalid type: string, expected u64",
            ),
            (
                "invalid value: floating point `1.5`, expected an integer",
                "invalid value: floating point, expected an integer",
            ),
            (
                "unknown variant `hunter2`, expected `text` or `json`",
                "unknown variant, expected `text` or `json`",
            ),
            ("a custom `secret` problem", "a custom problem"),
            (
                "unknown field `pinn`, expected one of `id`, `pin`",
                "unknown field `pinn`, expected one of `id`, `pin`",
            ),
            ("missing field `id`", "missing field `id`"),
            ("invalid string", "invalid string"),
        ] {
            assert_eq!(without_values(message), clean, "{message}");
        }
    }

    fn at(line: usize, col: usize) -> Option<Position> {
        Some(Position { line, col })
    }

    #[test]
    fn offsets_become_lines_and_columns() {
        let text = "a = 1\nbb = 2\r\n\nné = \"x\"\n";
        for (offset, line, col) in [
            (0, 1, 1),
            (4, 1, 5),
            (5, 1, 6),  // the newline itself ends line 1
            (6, 2, 1),  // first byte of line 2
            (13, 2, 8), // the \n of a CRLF line: \r counted as a character
            (14, 3, 1),
            (15, 4, 1),
            (16, 4, 2),  // é
            (18, 4, 3),  // after é (2 bytes), one character further
            (17, 4, 2),  // inside é: its start
            (999, 5, 1), // past the end: the end
        ] {
            assert_eq!(
                Some(position(text, offset)),
                at(line, col),
                "offset {offset}"
            );
        }
        assert_eq!(position("", 0), Position { line: 1, col: 1 });
    }

    #[test]
    fn key_paths_read_like_the_file() {
        let k = KeyPath::root().key("modem").index(1).key("routes").index(0);
        assert_eq!(k.to_string(), "modem[1].routes[0]");
        assert_eq!(
            KeyPath::root().key("tls").key("cert").to_string(),
            "tls.cert"
        );
        assert_eq!(KeyPath::root().to_string(), "");
    }

    #[test]
    fn keys_are_found_where_written() {
        let text = "\
listen = \"x\"
[tls]
cert = \"/c\"

[[modem]]
id = \"a\"
device = \"/d\"

[[modem]]
id = \"b\"
  pin = \"12\"
routes = [\"+33\", \"bad\"]
voice = { kind = \"x\" }
";
        let l = Locator::new(text);
        let root = KeyPath::root();
        let m1 = root.key("modem").index(1);
        for (key, want) in [
            (root.key("listen"), at(1, 1)),
            (root.key("tls").key("cert"), at(3, 1)),
            (root.key("modem").index(0).key("device"), at(7, 1)),
            (m1.key("id"), at(10, 1)),
            (m1.key("pin"), at(11, 3)),
            (m1.key("routes").index(1), at(12, 18)),
            (m1.key("voice").key("kind"), at(13, 11)),
            // Missing keys: the nearest enclosing key or table that is there.
            (m1.key("voice_device"), at(9, 1)),
            (root.key("tls").key("key"), at(2, 2)),
            (root.key("webhook").key("url"), None),
            // No such element: the array's key (its first header).
            (root.key("modem").index(5).key("id"), at(5, 3)),
            (root, None),
        ] {
            assert_eq!(l.find(&key), want, "{key}");
        }
    }

    #[test]
    fn unparsable_text_locates_nothing() {
        let l = Locator::new("listen = \n");
        assert_eq!(l.find(&KeyPath::root().key("listen")), None);
    }

    #[test]
    fn rendering() {
        let p = Path::new("/etc/o.toml");
        let a = Located {
            at: at(3, 7),
            message: "bad".into(),
        };
        let b = Located {
            at: None,
            message: "worse".into(),
        };
        assert_eq!(
            render_all(p, &[a, b]),
            "/etc/o.toml:3:7: bad\n/etc/o.toml: worse"
        );
    }
}
