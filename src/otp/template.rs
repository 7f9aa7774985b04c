//! The SMS text of each dialect, built from the code.
//!
//! Every text holds the code: the recipient must get it whatever the caller wrote. Texts are
//! bounded by [`MAX_TEXT`] characters once rendered, Octopush's documented limit and 8
//! concatenated GSM-7 parts (8 x 153; more parts for a text the SMS layer must send as UCS-2
//! or with GSM-7 extension characters); the SMS layer splits them.

/// Longest text accepted, in characters.
pub const MAX_TEXT: usize = 1224;

/// Nomado's placeholder; the template must contain it.
const NOMADO_PLACEHOLDER: &str = "{{CODE}}";

/// Nomado's longest code (`length`: max 20); each placeholder is budgeted at this size.
const NOMADO_MAX_CODE: usize = 20;

/// Longest MonSMSPro `appName` kept in the text; a longer one is cut.
const MAX_APP_NAME: usize = 50;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct TemplateError(pub String);

/// Nomado: `template` with every `{{CODE}}` replaced by the code; no template (or a blank one)
/// sends the code alone.
///
/// The length check counts each placeholder as a code of the longest length Nomado allows, so
/// the HTTP layer's validation call with an empty code and the real rendering agree.
pub fn nomado(template: Option<&str>, code: &str) -> Result<String, TemplateError> {
    let template = match template {
        Some(t) if !t.trim().is_empty() => t,
        _ => return Ok(code.to_string()),
    };
    let placeholders = template.matches(NOMADO_PLACEHOLDER).count();
    if placeholders == 0 {
        return Err(TemplateError(format!(
            "must contain the literal {NOMADO_PLACEHOLDER}, which is replaced by the code"
        )));
    }
    let fixed = template
        .chars()
        .count()
        .saturating_sub(placeholders * NOMADO_PLACEHOLDER.len());
    let budget = fixed + placeholders * code.chars().count().max(NOMADO_MAX_CODE);
    if budget > MAX_TEXT {
        return Err(TemplateError(format!(
            "too long: at most {MAX_TEXT} characters once each {NOMADO_PLACEHOLDER} holds a \
             code of up to {NOMADO_MAX_CODE} characters (this one would need {budget})"
        )));
    }
    Ok(template.replace(NOMADO_PLACEHOLDER, code))
}

/// Octopush: `text` with `{code}` and `{hh:mm:ss}` (the expiry time) replaced. No text, or a
/// blank one, sends the code alone; a text without `{code}` gets the code appended after a
/// space, because Octopush reads input leniently and the recipient must get the code.
///
/// The bound of 1 to [`MAX_TEXT`] characters applies to the text sent, not to the template, so
/// placeholders cannot multiply it (1224 `{code}` of 32 characters would be 43 SMS parts).
/// A text that fits once rendered is sent as it is. A longer one is cut, leniently as the
/// provider: nothing is refused. It is then rendered left to right, piece by piece: a
/// character, or a whole placeholder at its rendered length; the first piece that would take
/// the text past [`MAX_TEXT`] ends it, so a code is never cut and only the placeholders that
/// fit are kept. Until a code is in the text, room for `" " + code` is held back: a template
/// cut before its first `{code}` still gets the code appended.
pub fn octopush(text: Option<&str>, code: &str, hh_mm_ss: &str) -> String {
    const CODE: &str = "{code}";
    const EXPIRY: &str = "{hh:mm:ss}";
    let text = match text {
        Some(t) if !t.trim().is_empty() => t,
        _ => return code.to_string(),
    };
    let whole = if text.contains(CODE) {
        text.replace(CODE, code).replace(EXPIRY, hh_mm_ss)
    } else {
        format!("{} {code}", text.replace(EXPIRY, hh_mm_ss).trim_end())
    };
    if whole.chars().count() <= MAX_TEXT {
        return whole;
    }
    let code_len = code.chars().count();
    let expiry_len = hh_mm_ss.chars().count();
    // Room for the code appended after a space, held back until a code is placed.
    let before_code = MAX_TEXT.saturating_sub(1 + code_len);
    let mut out = String::new();
    let mut len = 0;
    let mut has_code = false;
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let (piece, piece_len, is_code, consumed) = if rest.starts_with(CODE) {
            (code, code_len, true, CODE.len())
        } else if rest.starts_with(EXPIRY) {
            (hh_mm_ss, expiry_len, false, EXPIRY.len())
        } else {
            (&rest[..c.len_utf8()], 1, false, c.len_utf8())
        };
        let room = if has_code || is_code {
            MAX_TEXT
        } else {
            before_code
        };
        if len + piece_len > room {
            break;
        }
        out.push_str(piece);
        len += piece_len;
        has_code |= is_code;
        rest = &rest[consumed..];
    }
    if has_code {
        out
    } else {
        format!("{} {code}", out.trim_end())
    }
}

/// MonSMSPro: the provider's text is not documented, so a plain one that names the
/// application when `appName` is given: `My APP: your verification code is 1234. It expires
/// in 10 min.`
pub fn monsmspro(app_name: Option<&str>, code: &str, valid_minutes: u64) -> String {
    let expiry = format!("It expires in {} min.", valid_minutes.max(1));
    match app_name.map(str::trim).filter(|n| !n.is_empty()) {
        Some(name) => {
            let name: String = name.chars().take(MAX_APP_NAME).collect();
            format!("{name}: your verification code is {code}. {expiry}")
        }
        None => format!("Your verification code is {code}. {expiry}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn nomado_table() {
        let long = format!("{}{{{{CODE}}}}", "x".repeat(MAX_TEXT - NOMADO_MAX_CODE));
        let too_long = format!("x{long}");
        let cases: &[(Option<&str>, &str, Result<&str, &str>)] = &[
            (None, "1234", Ok("1234")),
            (Some(""), "1234", Ok("1234")),
            (Some("  "), "1234", Ok("1234")),
            (
                Some("Your verification code is {{CODE}}"),
                "1234",
                Ok("Your verification code is 1234"),
            ),
            (Some("{{CODE}} / {{CODE}}"), "AB12", Ok("AB12 / AB12")),
            (Some("{{CODE}}"), "", Ok("")),
            (
                Some("no placeholder"),
                "1234",
                Err("must contain the literal {{CODE}}"),
            ),
            (
                Some("{CODE}"),
                "1234",
                Err("must contain the literal {{CODE}}"),
            ),
            (
                Some("{{code}}"),
                "1234",
                Err("must contain the literal {{CODE}}"),
            ),
            (Some(&too_long), "", Err("too long")),
            (Some(&too_long), "1234", Err("too long")),
        ];
        for (template, code, want) in cases {
            let got = nomado(*template, code);
            match want {
                Ok(text) => assert_eq!(got.as_deref(), Ok(*text), "{template:?}"),
                Err(reason) => {
                    let err = got.expect_err("an error");
                    assert!(err.0.contains(reason), "{template:?}: {err}");
                }
            }
        }
        // At the limit: validation (empty code) and rendering with the longest code agree.
        assert!(nomado(Some(&long), "").is_ok());
        let rendered = nomado(Some(&long), &"9".repeat(NOMADO_MAX_CODE)).unwrap();
        assert_eq!(rendered.chars().count(), MAX_TEXT);
    }

    #[test]
    fn octopush_table() {
        let cases: &[(Option<&str>, &str)] = &[
            (None, "123456"),
            (Some(""), "123456"),
            (Some(" \n"), "123456"),
            (
                Some("Code {code}, valid until {hh:mm:ss}"),
                "Code 123456, valid until 12:34:56",
            ),
            (Some("{code}{code}"), "123456123456"),
            (Some("Your code"), "Your code 123456"),
            (Some("Your code: "), "Your code: 123456"),
            (Some("Until {hh:mm:ss}"), "Until 12:34:56 123456"),
            (Some("{CODE}"), "{CODE} 123456"),
        ];
        for (text, want) in cases {
            assert_eq!(octopush(*text, "123456", "12:34:56"), *want, "{text:?}");
        }
    }

    #[test]
    fn octopush_bounds_the_rendered_text() {
        let code = "12345678901234567890123456789012"; // 32, the longest code_length
                                                       // 1224 placeholders: only the 38 codes that fit in 1224 characters are kept.
        let text = octopush(Some(&"{code}".repeat(MAX_TEXT)), code, "12:34:56");
        assert_eq!(text, code.repeat(MAX_TEXT / code.len()));
        // The expiry is budgeted at its rendered length too, and never cut.
        let text = octopush(Some(&"{hh:mm:ss}".repeat(MAX_TEXT)), "1234", "12:34:56");
        // (room for " 1234" held back: 1219 characters, 152 expiries)
        assert_eq!(text, format!("{} 1234", "12:34:56".repeat(152)));
        assert!(text.chars().count() <= MAX_TEXT);
        // A long text before `{code}`: cut so that the code still fits, appended.
        let text = octopush(Some(&format!("{}{{code}}", "x".repeat(1300))), "123456", "");
        assert_eq!(text, format!("{} 123456", "x".repeat(MAX_TEXT - 7)));
        // No `{code}` at all: the same.
        let text = octopush(Some(&"é".repeat(2000)), "123456", "");
        assert_eq!(text, format!("{} 123456", "é".repeat(MAX_TEXT - 7)));
        // A text that fits exactly once rendered is sent as it is.
        let fits = format!("{}{{code}}", "x".repeat(MAX_TEXT - 6));
        assert_eq!(
            octopush(Some(&fits), "123456", ""),
            format!("{}123456", "x".repeat(MAX_TEXT - 6))
        );
        // One character more and it is cut: before the first code, room for " " and the
        // code is held back, so the code is appended.
        let over = format!("{}{{code}}", "x".repeat(MAX_TEXT - 5));
        assert_eq!(
            octopush(Some(&over), "123456", ""),
            format!("{} 123456", "x".repeat(MAX_TEXT - 7))
        );
        // Within the bound nothing changes.
        let fits = format!("{}{{code}}{}", "a".repeat(600), "b".repeat(600));
        assert_eq!(
            octopush(Some(&fits), "1234", ""),
            fits.replace("{code}", "1234")
        );
    }

    #[test]
    fn monsmspro_table() {
        let cases: &[(Option<&str>, u64, &str)] = &[
            (
                Some("My APP"),
                10,
                "My APP: your verification code is 1234. It expires in 10 min.",
            ),
            (
                None,
                10,
                "Your verification code is 1234. It expires in 10 min.",
            ),
            (
                Some("  "),
                1,
                "Your verification code is 1234. It expires in 1 min.",
            ),
            (
                Some(" Shop "),
                0,
                "Shop: your verification code is 1234. It expires in 1 min.",
            ),
        ];
        for (app, minutes, want) in cases {
            assert_eq!(monsmspro(*app, "1234", *minutes), *want);
        }
        let long = monsmspro(Some(&"n".repeat(500)), "1234", 5);
        assert!(long.starts_with(&format!("{}: ", "n".repeat(MAX_APP_NAME))));
    }

    proptest! {
        /// Whatever the Octopush template, the text sent holds the code and at most
        /// `MAX_TEXT` characters.
        #[test]
        fn octopush_texts_are_bounded(
            pieces in proptest::collection::vec(
                prop_oneof![Just("{code}".to_string()), Just("{hh:mm:ss}".to_string()), "[a-z {}é]{0,40}"],
                0..300,
            ),
            code in "[0-9A-Za-z!#$%&?@]{3,32}",
        ) {
            let text = pieces.concat();
            let sent = octopush(Some(&text), &code, "01:02:03");
            prop_assert!(sent.chars().count() <= MAX_TEXT, "{} characters", sent.chars().count());
            prop_assert!(sent.contains(&code));
        }

        /// Whatever the caller writes, the text carries the code.
        #[test]
        fn every_text_holds_the_code(text in ".{0,80}", app in proptest::option::of(".{0,80}"), code in "[0-9A-Z]{4,20}") {
            prop_assert!(octopush(Some(&text), &code, "01:02:03").contains(&code));
            prop_assert!(monsmspro(app.as_deref(), &code, 10).contains(&code));
            if let Ok(t) = nomado(Some(&text), &code) {
                prop_assert!(t.contains(&code));
            }
            let with = format!("{text}{{{{CODE}}}}");
            prop_assert!(nomado(Some(&with), &code).unwrap().contains(&code));
        }
    }
}
