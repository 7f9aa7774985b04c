//! The words of each language: the two sentence openings, the case words and the names of the
//! special characters. Data only; [`super::script`] arranges them.
//!
//! Written for the ear, not the page. Where a language has a formal and a colloquial name for
//! a symbol, the one a listener recognises fastest over a phone line wins, and it is checked
//! against espeak-ng's pronunciation: German's official "At-Zeichen" comes out of espeak-ng
//! as "Aat-Zeichen", so German says "Klammeraffe", which every German speaker knows.
//!
//! Letters and digits themselves are not listed: espeak-ng names them natively through
//! `<say-as interpret-as="characters">` in every language here (Greek and Russian voices switch
//! to English letter names for Latin letters, which is how those users dictate passwords), and
//! a modem's TTS gets the bare character.

/// The words of one language.
pub(crate) struct Words {
    /// Opens the first reading: "Your code is:".
    pub intro: &'static str,
    /// Opens the second reading: "I repeat:".
    pub repeat: &'static str,
    /// Said with an upper-case letter of a mixed-case code ("capital").
    pub upper: &'static str,
    /// Said with a lower-case letter of a mixed-case code ("small").
    pub lower: &'static str,
    /// Whether the case word follows the letter ("A majuscule") rather than precedes it.
    pub case_after: bool,
    /// The names of `! # $ % & ? @`, in that order (see [`SPECIALS`]).
    pub specials: [&'static str; 7],
}

/// The special characters a code may hold (Octopush's `allow_special_chars`), in the order of
/// [`Words::specials`].
pub(crate) const SPECIALS: [char; 7] = ['!', '#', '$', '%', '&', '?', '@'];

pub(crate) const EN_US: Words = Words {
    intro: "Your code is:",
    repeat: "I repeat:",
    upper: "capital",
    lower: "small",
    case_after: false,
    // "Pound sign" is what American phone menus call the # key.
    specials: [
        "exclamation point",
        "pound sign",
        "dollar sign",
        "percent sign",
        "ampersand",
        "question mark",
        "at sign",
    ],
};

pub(crate) const EN_GB: Words = Words {
    intro: "Your code is:",
    repeat: "I repeat:",
    upper: "capital",
    lower: "small",
    case_after: false,
    specials: [
        "exclamation mark",
        "hash",
        "dollar sign",
        "percent sign",
        "ampersand",
        "question mark",
        "at sign",
    ],
};

pub(crate) const EL_GR: Words = Words {
    intro: "Ο κωδικός σας είναι:",
    repeat: "Επαναλαμβάνω:",
    // Letter names are neuter in Greek: "κεφαλαίο Α", "μικρό β".
    upper: "κεφαλαίο",
    lower: "μικρό",
    case_after: false,
    specials: [
        "θαυμαστικό",
        "δίεση",
        "δολάριο",
        "τοις εκατό",
        "εμπορικό και",
        "ερωτηματικό",
        "παπάκι",
    ],
};

pub(crate) const PL_PL: Words = Words {
    intro: "Twój kod to:",
    repeat: "Powtarzam:",
    // Neuter, agreeing with the letter's name: "duże A", "małe b".
    upper: "duże",
    lower: "małe",
    case_after: false,
    specials: [
        "wykrzyknik",
        "krzyżyk",
        "znak dolara",
        "procent",
        "ampersand",
        "znak zapytania",
        "małpa",
    ],
};

pub(crate) const HU_HU: Words = Words {
    intro: "Az Ön kódja:",
    repeat: "Megismétlem:",
    upper: "nagy",
    lower: "kis",
    case_after: false,
    specials: [
        "felkiáltójel",
        "kettőskereszt",
        "dollárjel",
        "százalékjel",
        "és-jel",
        "kérdőjel",
        "kukac",
    ],
};

pub(crate) const SV_SE: Words = Words {
    intro: "Din kod är:",
    repeat: "Jag upprepar:",
    // Letter names are neuter in Swedish: "ett stort A", "ett litet b".
    upper: "stort",
    lower: "litet",
    case_after: false,
    specials: [
        "utropstecken",
        "brädgård",
        "dollartecken",
        "procenttecken",
        "et-tecken",
        "frågetecken",
        "snabel-a",
    ],
};

pub(crate) const DE_DE: Words = Words {
    intro: "Ihr Code lautet:",
    repeat: "Ich wiederhole:",
    upper: "großes",
    lower: "kleines",
    case_after: false,
    specials: [
        "Ausrufezeichen",
        "Raute",
        "Dollarzeichen",
        "Prozentzeichen",
        "Und-Zeichen",
        "Fragezeichen",
        "Klammeraffe",
    ],
};

pub(crate) const ES_ES: Words = Words {
    intro: "Su código es:",
    repeat: "Repito:",
    upper: "mayúscula",
    lower: "minúscula",
    case_after: true,
    specials: [
        "signo de exclamación",
        "almohadilla",
        "signo de dólar",
        "por ciento",
        "ampersand",
        "signo de interrogación",
        "arroba",
    ],
};

/// Latin American Spanish: as Spain's but "numeral" for #, the name used from Mexico to
/// Argentina ("almohadilla" is Spain's).
pub(crate) const ES_LA: Words = Words {
    intro: "Su código es:",
    repeat: "Repito:",
    upper: "mayúscula",
    lower: "minúscula",
    case_after: true,
    specials: [
        "signo de exclamación",
        "numeral",
        "signo de dólar",
        "por ciento",
        "ampersand",
        "signo de interrogación",
        "arroba",
    ],
};

pub(crate) const FR_FR: Words = Words {
    intro: "Votre code est :",
    repeat: "Je répète :",
    upper: "majuscule",
    lower: "minuscule",
    case_after: true,
    // "Dièse" is what French phone menus call the # key ("touche dièse").
    specials: [
        "point d'exclamation",
        "dièse",
        "dollar",
        "pour cent",
        "esperluette",
        "point d'interrogation",
        "arobase",
    ],
};

pub(crate) const IT_IT: Words = Words {
    intro: "Il suo codice è:",
    repeat: "Ripeto:",
    // Agreeing with "lettera" (feminine): "A maiuscola".
    upper: "maiuscola",
    lower: "minuscola",
    case_after: true,
    specials: [
        "punto esclamativo",
        "cancelletto",
        "dollaro",
        "percento",
        "e commerciale",
        "punto interrogativo",
        "chiocciola",
    ],
};

pub(crate) const PT_BR: Words = Words {
    intro: "Seu código é:",
    repeat: "Repetindo:",
    // Letter names are masculine in Portuguese: "o A maiúsculo".
    upper: "maiúsculo",
    lower: "minúsculo",
    case_after: true,
    specials: [
        "ponto de exclamação",
        "cerquilha",
        "cifrão",
        "por cento",
        "e comercial",
        "ponto de interrogação",
        "arroba",
    ],
};

pub(crate) const RU_RU: Words = Words {
    intro: "Ваш код:",
    repeat: "Повторяю:",
    // Agreeing with "буква" (feminine): "заглавная A", "строчная b".
    upper: "заглавная",
    lower: "строчная",
    case_after: false,
    specials: [
        "восклицательный знак",
        "решётка",
        "знак доллара",
        "знак процента",
        "амперсанд",
        "вопросительный знак",
        "собака",
    ],
};
