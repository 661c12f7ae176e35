//! The customer's language: which one they write in (detected with `whatlang`, by
//! script and trigrams), named as ISO 639-1 where the knowledge base uses it.
//!
//! Short messages are where trigrams fail: `whatlang` calls "does it cost extra?"
//! Latin and "nope that's it, thanks!" Tagalog, both unreliably. So: CJK is told by
//! script (reliable on a single character: "谢谢" is Chinese, "ありがとう" Japanese);
//! Latin script by `whatlang` when it is sure, else by the function words of the
//! languages customers write to us in ([`FUNCTION_WORDS`]), which settle short texts;
//! then everything the customer wrote; and failing all that, the team's language
//! ([`DEFAULT`]) rather than a guess.

use std::sync::LazyLock;

use regex::Regex;
use whatlang::{Lang, Script};

/// The team's own language: what a draft is in when the customer's cannot be told.
pub const DEFAULT: &str = "en";

/// The language of a customer who wrote `latest` (their newest turn) and, before it,
/// `earlier`: the newest turn when it can be told, then everything together.
#[must_use]
pub fn detect(latest: &str, earlier: &str) -> String {
    if let Some(code) = reliable(latest) {
        return code;
    }
    let all = format!("{earlier}\n{latest}");
    reliable(&all).unwrap_or_else(|| DEFAULT.to_owned())
}

/// The language of `text` when it can be told.
fn reliable(text: &str) -> Option<String> {
    let text = CODES.replace_all(text, " ");
    if let Some(cjk) = by_script(&text) {
        return Some(cjk.to_owned());
    }
    let info = whatlang::detect(&text);
    if let Some(info) = info.as_ref().filter(|i| i.is_reliable()) {
        return Some(code(info.lang()));
    }
    if let Some(lang) = by_function_words(&text) {
        return Some(lang.to_owned());
    }
    // Not "reliable", but clearly ahead of the next language.
    info.filter(|i| i.confidence() >= 0.5 && i.script() == Script::Latin).map(|i| code(i.lang()))
}

/// Chinese, Japanese or Korean by their characters. A brand name in Latin letters
/// ("Kestrel Doorbell Pro") does not make a Chinese message English: one Han
/// character carries about as much as three Latin letters.
fn by_script(text: &str) -> Option<&'static str> {
    let (mut kana, mut han, mut hangul, mut latin) = (0, 0, 0, 0);
    for c in text.chars() {
        match c {
            '\u{3040}'..='\u{30ff}' => kana += 1,
            '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' => han += 1,
            '\u{ac00}'..='\u{d7af}' => hangul += 1,
            c if c.is_ascii_alphabetic() => latin += 1,
            _ => {}
        }
    }
    let cjk = kana + han + hangul;
    if cjk == 0 || cjk * 3 < latin {
        return None;
    }
    Some(if kana > 0 {
        "ja"
    } else if hangul > han {
        "ko"
    } else {
        "zh"
    })
}

/// Words that carry grammar rather than meaning, by language: short, frequent and
/// distinct enough that two of them settle a short message. Words shared between
/// the languages ("a", "no", "de") are left out.
const FUNCTION_WORDS: &[(&str, &[&str])] = &[
    (
        "en",
        &[
            "the", "is", "it", "and", "to", "my", "you", "your", "i", "this", "that", "of", "for", "with", "does",
            "did", "was", "just", "thanks", "what", "how", "can", "it's", "that's", "don't", "doesn't", "nope", "ok",
            "please", "now", "make", "sure", "got", "been", "have", "has", "but", "not", "extra", "cost", "again",
        ],
    ),
    (
        "es",
        &[
            "el", "la", "los", "las", "que", "y", "mi", "por", "para", "con", "una", "es", "está", "hola", "gracias",
            "pedido", "todavía", "ya", "cuándo", "dónde", "qué", "muchas", "hace", "he", "lo", "del", "pero",
        ],
    ),
    (
        "fr",
        &[
            "le", "les", "et", "je", "ma", "mon", "est", "une", "pour", "avec", "pas", "merci", "bonjour", "où",
            "commande", "depuis", "vous", "mais", "j'ai", "c'est", "du", "au", "en",
        ],
    ),
    (
        "de",
        &[
            "der", "die", "das", "und", "ich", "ist", "nicht", "danke", "hallo", "mein", "meine", "eine", "für", "mit",
            "auf", "seit", "bitte", "wann", "wo", "sie", "können", "zwei",
        ],
    ),
    (
        "pt",
        &[
            "o", "os", "as", "que", "e", "meu", "minha", "obrigado", "obrigada", "olá", "não", "pedido", "uma", "com",
            "para", "ainda", "você", "está", "quando",
        ],
    ),
    (
        "it",
        &[
            "il", "gli", "che", "di", "mio", "mia", "grazie", "ciao", "ordine", "non", "per", "con", "sono", "ancora",
            "quando", "dove",
        ],
    ),
];

/// The language most of the text's function words belong to, when at least two do
/// and no other language has as many.
fn by_function_words(text: &str) -> Option<&'static str> {
    let lower = text.to_lowercase().replace('’', "'");
    let words: Vec<&str> = lower.split(|c: char| !(c.is_alphabetic() || c == '\'')).filter(|w| !w.is_empty()).collect();
    let mut scores: Vec<(&str, usize)> =
        FUNCTION_WORDS.iter().map(|(lang, list)| (*lang, words.iter().filter(|w| list.contains(w)).count())).collect();
    scores.sort_by_key(|s| std::cmp::Reverse(s.1));
    match scores.as_slice() {
        [(lang, best), (_, next), ..] if *best >= 2 && best > next => Some(lang),
        _ => None,
    }
}

/// Order numbers, tracking codes, addresses and links say nothing of the language
/// and skew trigram counts on short texts. Only the code goes: in Chinese or
/// Japanese it sits inside a run of text with no spaces.
static CODES: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // a literal pattern, checked by the tests
    Regex::new(r"\S+@\S+|\S+://\S+|[A-Za-z0-9#_-]*[0-9][A-Za-z0-9#_-]*").expect("codes pattern")
});

/// ISO 639-1 for the languages a knowledge base is likely to have; the ISO 639-3
/// code `whatlang` gives for the rest.
fn code(lang: Lang) -> String {
    let two = match lang {
        Lang::Eng => "en",
        Lang::Spa => "es",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Por => "pt",
        Lang::Ita => "it",
        Lang::Nld => "nl",
        Lang::Cmn => "zh",
        Lang::Jpn => "ja",
        Lang::Kor => "ko",
        Lang::Ara => "ar",
        Lang::Rus => "ru",
        Lang::Pol => "pl",
        Lang::Tur => "tr",
        Lang::Swe => "sv",
        Lang::Dan => "da",
        Lang::Hin => "hi",
        other => return other.code().to_owned(),
    };
    two.to_owned()
}

/// The language's name in English, for what the panel says ("no article in
/// Japanese"); the code itself when it is not one we know.
#[must_use]
pub fn name(code: &str) -> String {
    let lang = match code {
        "en" => Some(Lang::Eng),
        "es" => Some(Lang::Spa),
        "fr" => Some(Lang::Fra),
        "de" => Some(Lang::Deu),
        "pt" => Some(Lang::Por),
        "it" => Some(Lang::Ita),
        "nl" => Some(Lang::Nld),
        "zh" => Some(Lang::Cmn),
        "ja" => Some(Lang::Jpn),
        "ko" => Some(Lang::Kor),
        "ar" => Some(Lang::Ara),
        "ru" => Some(Lang::Rus),
        "pl" => Some(Lang::Pol),
        "tr" => Some(Lang::Tur),
        "sv" => Some(Lang::Swe),
        "da" => Some(Lang::Dan),
        "hi" => Some(Lang::Hin),
        other => Lang::from_code(other),
    };
    match lang {
        Some(Lang::Cmn) => "Chinese".to_owned(),
        Some(l) => l.eng_name().to_owned(),
        None => code.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_languages_the_demo_customers_write() {
        let cases = [
            ("Hola, ¿mi pedido KH-385875 ya salió? Lo necesito para el viernes", "es"),
            ("我上周订购了 Kestrel Doorbell Pro（订单号 KH-213263），到现在还没有收到发货通知。", "zh"),
            ("先週購入したKestrel Cam Outdoorですが、アプリでQRコードを読み取っても表示されます。", "ja"),
            ("Bonjour, où en est ma commande ? Je l'attends depuis une semaine.", "fr"),
            ("Hallo, ich warte seit zwei Wochen auf meine Rückerstattung.", "de"),
            ("My new thermostat won't connect to my Wi-Fi. It finds the network but fails.", "en"),
            ("谢谢", "zh"),
            ("ありがとう", "ja"),
            ("That worked, thanks!", "en"),
            ("nope that's it, thanks!", "en"),
            ("does it cost extra?", "en"),
            ("ok. make sure it doesn't happen again", "en"),
            ("Found it in spam, all done. Thanks!", "en"),
            ("¡Ya llegó! Muchas gracias por todo.", "es"),
            ("收到了，谢谢！", "zh"),
        ];
        for (text, want) in cases {
            assert_eq!(detect(text, ""), want, "{text}");
        }
    }

    #[test]
    fn a_short_turn_is_read_with_what_came_before() {
        let earlier = "Hola, devolví el termostato hace dos semanas y todavía no he recibido el reembolso.";
        assert_eq!(detect("ok", earlier), "es");
        // Nothing to tell from: the team's language, not a guess.
        assert_eq!(detect("ok", ""), DEFAULT);
        assert_eq!(detect("KH-2041?", ""), DEFAULT);
    }

    #[test]
    fn names_for_the_panel() {
        assert_eq!(name("ja"), "Japanese");
        assert_eq!(name("zh"), "Chinese");
        assert_eq!(name("fr"), "French");
        assert_eq!(name("xx"), "xx");
    }
}
