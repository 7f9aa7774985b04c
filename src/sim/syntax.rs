//! The syntax of a command line (ITU-T V.250 §5): what follows "AT" split into basic
//! commands ("E0", "&F", "S0=1") and extended ones ("+CMEE=1", "^ICCID?") with their form
//! (execute, read, test, set). Pure; `commands` gives them meaning.

/// One command of a command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Cmd<'a> {
    /// Upper case, with its prefix: "E", "&F", "+CMGS", "^ICCID", "S0".
    pub name: String,
    pub form: Form<'a>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Form<'a> {
    Exec,
    Query,
    Test,
    Set(&'a str),
}

/// Splits what follows "AT" into commands (V.250 §5.2: basic commands run together, extended
/// ones separated by ';'). `None` is a syntax error: the line answers ERROR.
pub(super) fn parse(body: &str) -> Option<Vec<Cmd<'_>>> {
    let mut cmds = Vec::new();
    let mut rest = body;
    loop {
        rest = rest.trim_start_matches([' ', ';']);
        let Some(first) = rest.chars().next() else {
            return Some(cmds);
        };
        let (cmd, after) = match first {
            '+' | '^' | '$' | '#' => extended(rest)?,
            'D' | 'd' => (cmd("D", Form::Set(rest.get(1..)?)), ""),
            '&' => basic(rest.get(1..)?, "&")?,
            c if c.is_ascii_alphabetic() => basic(rest, "")?,
            _ => return None,
        };
        cmds.push(cmd);
        rest = after;
    }
}

fn cmd<'a>(name: &str, form: Form<'a>) -> Cmd<'a> {
    Cmd {
        name: name.to_ascii_uppercase(),
        form,
    }
}

/// A letter and its optional number ("E0", "&F", "S0=1", "S7?").
fn basic<'a>(text: &'a str, prefix: &str) -> Option<(Cmd<'a>, &'a str)> {
    let letter = text.get(..1)?;
    let rest = text.get(1..)?;
    let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    let (num, rest) = rest.split_at(digits);
    if letter.eq_ignore_ascii_case("S") {
        let name = format!("S{num}");
        return Some(match rest.strip_prefix('=') {
            Some(v) => (
                cmd(&name, Form::Set(v.get(..v.find(';').unwrap_or(v.len()))?)),
                "",
            ),
            None => (cmd(&name, Form::Query), rest.strip_prefix('?')?),
        });
    }
    let form = if num.is_empty() {
        Form::Exec
    } else {
        Form::Set(num)
    };
    Some((cmd(&format!("{prefix}{letter}"), form), rest))
}

/// "+NAME", "+NAME?", "+NAME=?", "+NAME=args" up to a ';' outside quotes.
fn extended(text: &str) -> Option<(Cmd<'_>, &str)> {
    let name_len = 1 + text
        .get(1..)?
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .count();
    let (name, rest) = text.split_at(name_len);
    if name_len == 1 {
        return None;
    }
    if let Some(rest) = rest.strip_prefix("=?") {
        return Some((cmd(name, Form::Test), rest));
    }
    if let Some(rest) = rest.strip_prefix('?') {
        return Some((cmd(name, Form::Query), rest));
    }
    let Some(args) = rest.strip_prefix('=') else {
        return Some((cmd(name, Form::Exec), rest));
    };
    let mut quoted = false;
    let end = args
        .char_indices()
        .find(|&(_, c)| {
            quoted ^= c == '"';
            c == ';' && !quoted
        })
        .map_or(args.len(), |(i, _)| i);
    let (args, rest) = args.split_at(end);
    Some((cmd(name, Form::Set(args)), rest))
}

/// The comma-separated parameters of a set command, trimmed and unquoted.
pub(super) fn params(args: &str) -> Vec<&str> {
    args.split(',')
        .map(|p| p.trim().trim_matches('"'))
        .collect()
}

/// The first `n` comma-separated parameters (trimmed), and everything after them as one
/// text parameter with its quotes removed: text may hold commas ("hello, world").
pub(super) fn head_and_text(args: &str, n: usize) -> (Vec<&str>, Option<&str>) {
    let mut head = Vec::with_capacity(n);
    let mut rest = args;
    for _ in 0..n {
        match rest.split_once(',') {
            Some((h, r)) => {
                head.push(h.trim());
                rest = r;
            }
            None => {
                head.push(rest.trim());
                return (head, None);
            }
        }
    }
    let text = rest.trim();
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    (head, Some(text))
}

/// A numeric parameter, quoted or not.
pub(super) fn number(arg: &str) -> Option<u32> {
    arg.trim().trim_matches('"').parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_command_lines() {
        let cases: &[(&str, &[(&str, Form)])] = &[
            ("", &[]),
            ("E0", &[("E", Form::Set("0"))]),
            ("e0v1", &[("E", Form::Set("0")), ("V", Form::Set("1"))]),
            ("&F", &[("&F", Form::Exec)]),
            ("Z", &[("Z", Form::Exec)]),
            ("+cmee=1", &[("+CMEE", Form::Set("1"))]),
            ("+CPIN?", &[("+CPIN", Form::Query)]),
            ("+CREG=?", &[("+CREG", Form::Test)]),
            ("^ICCID?", &[("^ICCID", Form::Query)]),
            (
                "+CMGF=0;+CMEE=1",
                &[("+CMGF", Form::Set("0")), ("+CMEE", Form::Set("1"))],
            ),
            (
                "+CSCA=\"+33;6\",145",
                &[("+CSCA", Form::Set("\"+33;6\",145"))],
            ),
            (
                "E0+CMEE=2",
                &[("E", Form::Set("0")), ("+CMEE", Form::Set("2"))],
            ),
            ("D+3361234;", &[("D", Form::Set("+3361234;"))]),
            ("S0=0", &[("S0", Form::Set("0"))]),
            (
                "+QWTTS=1,1,2,\"a, b;c\";+CSQ",
                &[
                    ("+QWTTS", Form::Set("1,1,2,\"a, b;c\"")),
                    ("+CSQ", Form::Exec),
                ],
            ),
        ];
        for (line, want) in cases {
            let got = parse(line).unwrap_or_else(|| panic!("{line:?} did not parse"));
            let got: Vec<(&str, Form)> = got.iter().map(|c| (c.name.as_str(), c.form)).collect();
            assert_eq!(&got, want, "{line:?}");
        }
    }

    #[test]
    fn splits_a_text_parameter() {
        assert_eq!(
            head_and_text("1,1,2,\"Your code: 4, 8\"", 3),
            (vec!["1", "1", "2"], Some("Your code: 4, 8"))
        );
        assert_eq!(head_and_text("2,abc", 1), (vec!["2"], Some("abc")));
        assert_eq!(head_and_text("0", 1), (vec!["0"], None));
        assert_eq!(head_and_text("1,0,0", 3), (vec!["1", "0", "0"], None));
    }
}
