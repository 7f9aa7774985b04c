use proptest::prelude::*;

use super::*;

/// Every language's plain text for a digits-only code and for a mixed-case code with a
/// special character: the per-language sentences, reviewed once here.
const TEXTS: [(Language, &str, &str); 13] = [
    (
        Language::EnUs,
        "Your code is: 4, 8, 2, 1. I repeat: 4, 8, 2, 1.",
        "Your code is: small a, capital B, 3, pound sign. I repeat: small a, capital B, 3, pound sign.",
    ),
    (
        Language::EnGb,
        "Your code is: 4, 8, 2, 1. I repeat: 4, 8, 2, 1.",
        "Your code is: small a, capital B, 3, hash. I repeat: small a, capital B, 3, hash.",
    ),
    (
        Language::ElGr,
        "Ο κωδικός σας είναι: 4, 8, 2, 1. Επαναλαμβάνω: 4, 8, 2, 1.",
        "Ο κωδικός σας είναι: μικρό a, κεφαλαίο B, 3, δίεση. Επαναλαμβάνω: μικρό a, κεφαλαίο B, 3, δίεση.",
    ),
    (
        Language::PlPl,
        "Twój kod to: 4, 8, 2, 1. Powtarzam: 4, 8, 2, 1.",
        "Twój kod to: małe a, duże B, 3, krzyżyk. Powtarzam: małe a, duże B, 3, krzyżyk.",
    ),
    (
        Language::HuHu,
        "Az Ön kódja: 4, 8, 2, 1. Megismétlem: 4, 8, 2, 1.",
        "Az Ön kódja: kis a, nagy B, 3, kettőskereszt. Megismétlem: kis a, nagy B, 3, kettőskereszt.",
    ),
    (
        Language::SvSe,
        "Din kod är: 4, 8, 2, 1. Jag upprepar: 4, 8, 2, 1.",
        "Din kod är: litet a, stort B, 3, brädgård. Jag upprepar: litet a, stort B, 3, brädgård.",
    ),
    (
        Language::DeDe,
        "Ihr Code lautet: 4, 8, 2, 1. Ich wiederhole: 4, 8, 2, 1.",
        "Ihr Code lautet: kleines a, großes B, 3, Raute. Ich wiederhole: kleines a, großes B, 3, Raute.",
    ),
    (
        Language::EsEs,
        "Su código es: 4, 8, 2, 1. Repito: 4, 8, 2, 1.",
        "Su código es: a minúscula, B mayúscula, 3, almohadilla. Repito: a minúscula, B mayúscula, 3, almohadilla.",
    ),
    (
        Language::EsLa,
        "Su código es: 4, 8, 2, 1. Repito: 4, 8, 2, 1.",
        "Su código es: a minúscula, B mayúscula, 3, numeral. Repito: a minúscula, B mayúscula, 3, numeral.",
    ),
    (
        Language::FrFr,
        "Votre code est : 4, 8, 2, 1. Je répète : 4, 8, 2, 1.",
        "Votre code est : a minuscule, B majuscule, 3, dièse. Je répète : a minuscule, B majuscule, 3, dièse.",
    ),
    (
        Language::ItIt,
        "Il suo codice è: 4, 8, 2, 1. Ripeto: 4, 8, 2, 1.",
        "Il suo codice è: a minuscola, B maiuscola, 3, cancelletto. Ripeto: a minuscola, B maiuscola, 3, cancelletto.",
    ),
    (
        Language::PtBr,
        "Seu código é: 4, 8, 2, 1. Repetindo: 4, 8, 2, 1.",
        "Seu código é: a minúsculo, B maiúsculo, 3, cerquilha. Repetindo: a minúsculo, B maiúsculo, 3, cerquilha.",
    ),
    (
        Language::RuRu,
        "Ваш код: 4, 8, 2, 1. Повторяю: 4, 8, 2, 1.",
        "Ваш код: строчная a, заглавная B, 3, решётка. Повторяю: строчная a, заглавная B, 3, решётка.",
    ),
];

#[test]
fn plain_text_per_language() {
    assert_eq!(TEXTS.map(|t| t.0), Language::ALL, "one row per language");
    for (lang, digits, mixed) in TEXTS {
        assert_eq!(
            Script::new(lang, "4821").unwrap().plain_text(),
            digits,
            "{lang}"
        );
        assert_eq!(
            Script::new(lang, "aB3#").unwrap().plain_text(),
            mixed,
            "{lang}"
        );
    }
}

/// The `say-as` contents and named specials of an SSML document, in order.
fn spoken_chars(ssml: &str, words: &Words) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = ssml;
    loop {
        const OPEN: &str = "<say-as interpret-as=\"characters\">";
        let say_as = rest.find(OPEN);
        let special = words
            .specials
            .iter()
            .filter_map(|w| rest.find(&escape(w)).map(|at| (at, *w)))
            .min();
        match (say_as, special) {
            (Some(a), s) if s.is_none_or(|(b, _)| a < b) => {
                let inner = &rest[a + OPEN.len()..];
                let end = inner.find("</say-as>").unwrap();
                found.push(inner[..end].to_string());
                rest = &inner[end..];
            }
            (_, Some((b, w))) => {
                found.push(w.to_string());
                rest = &rest[b + escape(w).len()..];
            }
            _ => return found,
        }
    }
}

#[test]
fn ssml_says_every_character_in_order_twice() {
    let codes = ["4821", "aB3#", "ON@!", "x$%&?z", "Q7", "907135"];
    for lang in Language::ALL {
        let words = lang.words();
        for code in codes {
            let ssml = Script::new(lang, code).unwrap().ssml();
            assert!(ssml.starts_with("<speak>") && ssml.ends_with("</speak>"));
            let once: Vec<String> = code
                .chars()
                .map(|c| match special_name(words, c) {
                    Some(name) => name.to_string(),
                    None => c.to_ascii_lowercase().to_string(),
                })
                .collect();
            let twice = [once.clone(), once].concat();
            assert_eq!(spoken_chars(&ssml, words), twice, "{lang} {code}");
            assert_eq!(ssml.matches(&escape(words.intro)).count(), 1, "{lang}");
            assert_eq!(ssml.matches(&escape(words.repeat)).count(), 1, "{lang}");
            // A full stop after a <break/> is read aloud as "dot" by espeak-ng.
            assert!(!ssml.contains("/>."), "{lang}");
        }
    }
}

#[test]
fn case_words_only_for_mixed_case_codes() {
    let cases = [
        ("aB3#", true),
        ("Zz", true),
        ("ABC123", false),
        ("abc123", false),
        ("483920", false),
        ("A!b", true),
        ("@#", false),
    ];
    for lang in Language::ALL {
        let w = lang.words();
        for (code, mixed) in cases {
            let script = Script::new(lang, code).unwrap();
            for text in [script.plain_text(), script.ssml()] {
                let has = text.contains(w.upper) || text.contains(w.lower);
                assert_eq!(has, mixed, "{lang} {code}: {text}");
            }
            let letters = code.chars().filter(char::is_ascii_alphabetic).count();
            let cased = script
                .tokens()
                .iter()
                .filter(|t| matches!(t, Token::Char { case: Some(_), .. }))
                .count();
            assert_eq!(cased, if mixed { 2 * letters } else { 0 }, "{lang} {code}");
        }
    }
}

#[test]
fn special_characters_are_named_in_every_language() {
    for lang in Language::ALL {
        let w = lang.words();
        let script = Script::new(lang, "!#$%&?@").unwrap();
        let text = script.plain_text();
        for (ch, name) in SPECIALS.iter().zip(w.specials) {
            assert_eq!(text.matches(name).count(), 2, "{lang} {ch}");
            assert!(!text.contains(*ch), "{lang}: bare {ch}");
        }
        let ssml = script.ssml();
        assert!(
            !ssml.contains("<say-as"),
            "{lang}: a special went to say-as"
        );
        for ch in SPECIALS {
            assert!(!ssml.contains(ch), "{lang} {ch}");
        }
    }
}

#[test]
fn the_code_never_shows_in_debug_or_errors() {
    let code = "Zq7#Kx";
    let script = Script::new(Language::FrFr, code).unwrap();
    let debug = format!("{script:?} {:?}", script.tokens());
    assert!(
        !debug.contains("Zq7") && !debug.contains('K') && !debug.contains('x'),
        "{debug}"
    );
    assert!(debug.contains("******"), "{debug}");
    let err = Script::new(Language::EnUs, "12é4").unwrap_err();
    assert_eq!(err, ScriptError::Unspeakable { position: 2 });
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("12") && !shown.contains('é'), "{shown}");
}

#[test]
fn bad_codes_are_refused() {
    let cases: [(&str, ScriptError); 5] = [
        ("", ScriptError::EmptyCode),
        ("12 4", ScriptError::Unspeakable { position: 2 }),
        ("ab*", ScriptError::Unspeakable { position: 2 }),
        ("٣", ScriptError::Unspeakable { position: 0 }),
        (&"1".repeat(33), ScriptError::CodeTooLong { len: 33 }),
    ];
    for (code, want) in cases {
        assert_eq!(Script::new(Language::EnGb, code), Err(want), "{code:?}");
    }
    assert!(Script::new(Language::EnGb, &"1".repeat(MAX_CODE_LEN)).is_ok());
}

#[test]
fn languages_parse_leniently() {
    let cases = [
        ("en-US", Some(Language::EnUs)),
        ("en_us", Some(Language::EnUs)),
        ("EN", Some(Language::EnUs)),
        ("en-GB", Some(Language::EnGb)),
        (" el-gr ", Some(Language::ElGr)),
        ("pl_PL", Some(Language::PlPl)),
        ("hu", Some(Language::HuHu)),
        ("SV-se", Some(Language::SvSe)),
        ("de", Some(Language::DeDe)),
        ("es", Some(Language::EsEs)),
        ("es-LA", Some(Language::EsLa)),
        ("es_419", Some(Language::EsLa)),
        ("fr", Some(Language::FrFr)),
        ("Fr_fR", Some(Language::FrFr)),
        ("it-IT", Some(Language::ItIt)),
        ("pt", Some(Language::PtBr)),
        ("ru-RU", Some(Language::RuRu)),
        ("en-AU", None),
        ("pt-PT", None),
        ("nl-NL", None),
        ("", None),
        ("english", None),
    ];
    for (input, want) in cases {
        assert_eq!(input.parse::<Language>().ok(), want, "{input:?}");
    }
    for lang in Language::ALL {
        assert_eq!(lang.tag().parse::<Language>(), Ok(lang));
        assert_eq!(lang.to_string(), lang.tag());
    }
    let err = "x"
        .repeat(1000)
        .parse::<Language>()
        .unwrap_err()
        .to_string();
    assert!(err.len() < 200, "the client's input is cut: {err}");
}

#[test]
fn genders_parse_leniently() {
    let cases = [
        ("male", Some(Gender::Male)),
        ("Male", Some(Gender::Male)),
        (" M ", Some(Gender::Male)),
        ("FEMALE", Some(Gender::Female)),
        ("f", Some(Gender::Female)),
        ("", None),
        ("woman", None),
    ];
    for (input, want) in cases {
        assert_eq!(input.parse::<Gender>().ok(), want, "{input:?}");
    }
    for g in Gender::ALL {
        assert_eq!(g.to_string().parse::<Gender>(), Ok(g));
    }
}

#[test]
fn clips_cover_every_character_with_unique_names() {
    let clips = Token::clips();
    assert_eq!(clips.len(), 2 + 10 + 3 * 26 + 7);
    let names: std::collections::HashSet<String> =
        clips.iter().map(|t| t.clip_name().unwrap()).collect();
    assert_eq!(names.len(), clips.len(), "names are unique");
    assert!(names.iter().all(|n| n
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')));
    // Every token of any script has its clip, whatever the case of its letter.
    let script = Script::new(Language::DeDe, "aZ9@").unwrap();
    for t in script.tokens() {
        match t.clip_name() {
            Some(n) => assert!(names.contains(&n), "{n}"),
            None => assert!(matches!(t, Token::Pause(_))),
        }
    }
    assert_eq!(
        Script::new(Language::DeDe, "Q").unwrap().tokens()[2]
            .clip_name()
            .unwrap(),
        "letter_q"
    );
    for lang in Language::ALL {
        for clip in &clips {
            let ssml = token_ssml(lang, clip).unwrap();
            assert!(
                ssml.starts_with("<speak>") && !ssml.contains("<break"),
                "{ssml}"
            );
        }
        assert_eq!(token_ssml(lang, &Token::Pause(Pause::BetweenChars)), None);
    }
}

proptest! {
    #[test]
    fn any_code_is_spoken_twice_in_order(code in "[0-9A-Za-z!#$%&?@]{1,32}", li in 0usize..13) {
        let lang = Language::ALL[li];
        let script = Script::new(lang, &code).unwrap();
        let chars: String = script.tokens().iter().filter_map(|t| match t {
            Token::Char { ch, .. } => Some(*ch),
            _ => None,
        }).collect();
        prop_assert_eq!(chars, format!("{code}{code}"));
        prop_assert_eq!(spoken_chars(&script.ssml(), lang.words()).len(), 2 * code.chars().count());
    }

    #[test]
    fn any_input_is_refused_or_spoken_without_panic(code in ".{0,40}", lang in ".{0,12}") {
        let _ = lang.parse::<Language>();
        let _ = lang.parse::<Gender>();
        if let Ok(script) = Script::new(Language::RuRu, &code) {
            prop_assert!(!script.plain_text().is_empty());
        }
    }
}
