//! The most common words, one bit each, kept beside every conversation
//! (`conversations.words`): a search for a very common word walks the view testing
//! that column, where it would otherwise seek each row's many words in the index.
//!
//! A word's bit says the conversation holds a word that begins with it, as a search
//! for it asks ("the" for "the", "them", "thermostat", …). It may be set where no
//! such word is (the search then tests the index), never clear where one is. So a
//! bit no word has yet is set, a character the index might read several ways is read
//! every way, and a text too unsure to read sets every bit. One more bit, [`UNSURE`],
//! says some text was read with such characters: where it is clear, the words' bits
//! are what the index holds, and a search of one word may take them at their word.

use std::collections::HashMap;

use unicode_normalization::char::is_combining_mark;

/// Bits words are given: the conversation's 64 but [`UNSURE`].
pub const BITS: u8 = 63;

/// The bit set where some text was read unsure, or not read at all.
pub const UNSURE: u8 = 63;

/// [`UNSURE`] as a mask, as SQL compares it.
pub const UNSURE_MASK: i64 = i64::MIN;

/// Readings of one text's unsure characters tried at most, per run of letters.
const MAX_READINGS: usize = 256;

/// The words that have a bit, and which.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Common {
    bits: HashMap<String, u8>,
    /// The bits given, as a mask.
    taken: u64,
    /// The longest word with a bit, in bytes.
    longest: usize,
}

impl Common {
    /// From stored `(bit, word)` rows; rows with a bit out of range are left out.
    pub fn new(rows: impl IntoIterator<Item = (i64, String)>) -> Self {
        let mut common = Self::default();
        for (bit, word) in rows {
            if let Ok(bit) = u8::try_from(bit)
                && bit < BITS
            {
                common.give(bit, word);
            }
        }
        common
    }

    /// Gives `word` the bit `bit`.
    pub fn give(&mut self, bit: u8, word: String) {
        self.taken |= 1 << bit;
        self.longest = self.longest.max(word.len());
        self.bits.insert(word, bit);
    }

    pub fn bit(&self, word: &str) -> Option<u8> {
        self.bits.get(word).copied()
    }

    pub fn is_empty(&self) -> bool {
        self.taken == 0
    }

    /// How many words have a bit.
    pub fn len(&self) -> usize {
        self.bits.len()
    }

    /// The bits no word has yet, lowest first.
    pub fn free(&self) -> impl Iterator<Item = u8> + '_ {
        (0..BITS).filter(|b| self.taken & (1 << b) == 0)
    }

    /// The mask of a row whose text is `texts`: a word's bit set where any reading of
    /// the texts holds a word beginning with it; bits no word has are set, and
    /// [`UNSURE`] where a text was read unsure.
    #[must_use]
    pub fn mask<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> i64 {
        if self.is_empty() {
            return -1;
        }
        let mut mask = !self.taken & !(1 << UNSURE);
        for text in texts {
            let read = words(text, |word| {
                for end in 1..=word.len().min(self.longest) {
                    // ASCII: every byte ends a character.
                    if let Some(bit) = word.get(..end).and_then(|p| self.bits.get(p)) {
                        mask |= 1 << bit;
                    }
                }
            });
            match read {
                Read::Plain => {}
                Read::Unsure => mask |= 1 << UNSURE,
                Read::Unreadable => return -1,
            }
        }
        i64::from_ne_bytes(mask.to_ne_bytes())
    }
}

/// How a text was read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Read {
    /// Every character ASCII or one that surely ends a word: the words found are the
    /// index's own.
    Plain,
    /// Some character was read several ways: the words found include the index's.
    Unsure,
    /// Too unsure to read every way: any word may be there.
    Unreadable,
}

/// How one character may be read: what it may become within a word.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reading {
    /// It ends the word. For a character read several ways this also stands for
    /// its staying in the word: every word the index could begin is then read, and
    /// more.
    Apart,
    /// It is dropped, joining what is either side (a combining accent).
    Dropped,
    /// It becomes these ASCII letters or digits.
    Folded(String),
    /// It stays in the word as it is: the word goes on, no longer ASCII, and what
    /// follows up to the word's end begins no word.
    Kept,
}

/// Calls `found` with every ASCII word (lower case) that a full-text index might make
/// of `text`, and more: each character outside ASCII is read every way it might be
/// (apart, dropped, folded to its base letter or transliteration).
pub fn words(text: &str, mut found: impl FnMut(&str)) -> Read {
    let mut plain = true;
    let read = words_of(text, &mut plain, &mut found);
    match (read, plain) {
        (false, _) => Read::Unreadable,
        (true, true) => Read::Plain,
        (true, false) => Read::Unsure,
    }
}

/// [`words`]; false where a run of letters is too unsure to read every way, and
/// `plain` cleared where a character is not ASCII nor one that surely ends a word.
fn words_of(text: &str, plain: &mut bool, mut found: impl FnMut(&str)) -> bool {
    let mut word = String::new();
    // The current run: its characters, and the readings of each unsure one.
    let mut run: Vec<Option<char>> = Vec::new();
    let mut unsure: Vec<Vec<Reading>> = Vec::new();
    let mut flush = |run: &mut Vec<Option<char>>, unsure: &mut Vec<Vec<Reading>>, word: &mut String| -> bool {
        let ok = read_run(run, unsure, word, &mut found);
        run.clear();
        unsure.clear();
        ok
    };
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            run.push(Some(c.to_ascii_lowercase()));
            continue;
        }
        if c.is_ascii() {
            if !flush(&mut run, &mut unsure, &mut word) {
                return false;
            }
            continue;
        }
        let (readings, sure) = readings(c);
        if !sure {
            *plain = false;
        }
        if readings == [Reading::Apart] {
            if !flush(&mut run, &mut unsure, &mut word) {
                return false;
            }
        } else if !(readings == [Reading::Apart, Reading::Dropped]
            && run.last() == Some(&None)
            && unsure.last() == Some(&readings))
        {
            // Accents in a row read as one: each apart or all dropped.
            run.push(None);
            unsure.push(readings);
        }
    }
    flush(&mut run, &mut unsure, &mut word)
}

/// Every word of one run, under every combination of its unsure characters' readings.
fn read_run(run: &[Option<char>], unsure: &[Vec<Reading>], word: &mut String, found: &mut impl FnMut(&str)) -> bool {
    // Without ASCII or a letter that folds to it, no reading makes an ASCII word.
    if run.iter().all(Option::is_none) && unsure.iter().flatten().all(|r| !matches!(r, Reading::Folded(_))) {
        return true;
    }
    let combinations = unsure.iter().try_fold(1_usize, |n, r| n.checked_mul(r.len()).filter(|n| *n <= MAX_READINGS));
    let Some(combinations) = combinations else { return false };
    for mut combination in 0..combinations {
        word.clear();
        // After a character kept as it is, nothing begins a word until one ends.
        let mut kept = false;
        // The nth unsure character takes the reading the combination's nth digit names.
        let mut unsure = unsure.iter();
        for c in run {
            if let Some(c) = c {
                if !kept {
                    word.push(*c);
                }
                continue;
            }
            let Some(readings) = unsure.next() else { break };
            let reading = &readings[combination % readings.len()];
            combination /= readings.len();
            match reading {
                Reading::Apart | Reading::Kept => {
                    if !word.is_empty() {
                        found(word);
                    }
                    word.clear();
                    kept = *reading == Reading::Kept;
                }
                Reading::Dropped => {}
                Reading::Folded(s) => {
                    if !kept {
                        word.push_str(s);
                    }
                }
            }
        }
        if !word.is_empty() {
            found(word);
        }
    }
    true
}

/// The ways a character outside ASCII may be read, and whether the index is known to
/// read it so (one way only, held to the index by the test over every character).
fn readings(c: char) -> (Vec<Reading>, bool) {
    // The two sure readings most text outside ASCII takes, before any folding: a
    // message in Japanese reads every character here.
    if ends_a_word(c) {
        return (vec![Reading::Apart], true);
    }
    if is_kept(c) {
        return (vec![Reading::Kept], true);
    }
    // Its base letter, accents dropped (`é`), before and after lower-casing (`İ`, `K`
    // the kelvin sign).
    let base = ascii_base(std::iter::once(c));
    let lower = ascii_base(c.to_lowercase());
    // Latin letters an accent-stripping dictionary spells out (`ß`, `ø`, `æ`, `ﬁ`).
    let spelled = is_latin(c)
        .then(|| deunicode::deunicode_char(c))
        .flatten()
        .filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()))
        .map(str::to_ascii_lowercase);
    let mut folds: Vec<String> = Vec::new();
    for fold in [base.map(String::from), lower.map(String::from), spelled].into_iter().flatten() {
        if !folds.contains(&fold) {
            folds.push(fold);
        }
    }
    // An accented letter of Latin-1 and Latin Extended-A, a base letter and accents,
    // whose spellings agree: the index strips its accent.
    if let [fold] = folds.as_slice()
        && base.is_some()
        && matches!(c, '\u{C0}'..='\u{17F}')
        && c.is_alphabetic()
    {
        return (vec![Reading::Folded(fold.clone())], true);
    }
    let mut readings = vec![Reading::Apart];
    if is_combining_mark(c) {
        readings.push(Reading::Dropped);
    }
    readings.extend(folds.into_iter().map(Reading::Folded));
    (readings, false)
}

/// The one ASCII letter or digit (lower case) that `chars` decompose to once their
/// accents are dropped, if that is what they make.
fn ascii_base(chars: impl Iterator<Item = char>) -> Option<char> {
    let mut base = None;
    let mut other = false;
    for c in chars {
        unicode_normalization::char::decompose_canonical(c, |d| {
            if is_combining_mark(d) {
                return;
            }
            if base.is_none() && d.is_ascii_alphanumeric() {
                base = Some(d.to_ascii_lowercase());
            } else {
                other = true;
            }
        });
    }
    base.filter(|_| !other)
}

/// Whether `c` ends a word in the index, surely: the spaces, punctuation and symbols
/// of Latin-1, the general punctuation (dashes, quotes, bullets, ellipsis), arrows,
/// mathematical operators, box drawing, shapes and the symbols beside them. The test
/// over every character holds each one here to `SQLite`'s tokenizer, whose own
/// Unicode tables decide.
fn ends_a_word(c: char) -> bool {
    matches!(c, '\u{A0}'..='\u{A9}' | '\u{AB}'..='\u{B1}' | '\u{B4}' | '\u{B6}'..='\u{B8}' | '\u{BB}' | '\u{BF}'
        | '\u{D7}' | '\u{F7}' | '\u{2000}'..='\u{200A}' | '\u{2010}'..='\u{2029}' | '\u{202F}'..='\u{205F}'
        | '\u{2190}'..='\u{23F3}' | '\u{2500}'..='\u{26FF}' | '\u{2701}'..='\u{2775}' | '\u{2794}'..='\u{27BF}')
}

/// Whether the index keeps `c` in its word as it is, surely: letters and digits of
/// the scripts most written (Greek, Cyrillic, Hebrew, Arabic, Thai, Chinese, Japanese,
/// Korean). Not emoji: the tokenizer's Unicode tables end words at the older ones and
/// keep the newer. Not the full-width forms either: PostgreSQL's `unaccent` spells
/// them as ASCII, where `SQLite` keeps them (the test on PostgreSQL found them).
fn is_kept(c: char) -> bool {
    let script = matches!(c, '\u{370}'..='\u{52F}' | '\u{590}'..='\u{6FF}' | '\u{E00}'..='\u{E7F}'
        | '\u{3040}'..='\u{30FF}' | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{AC00}'..='\u{D7AF}'
        | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{2FFFF}');
    script && (c.is_alphabetic() || c.is_numeric()) && !is_combining_mark(c)
}

/// The Latin blocks beyond ASCII: transliterating other scripts would make words no
/// index makes of them.
fn is_latin(c: char) -> bool {
    matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' | '\u{2C60}'..='\u{2C7F}' | '\u{A720}'..='\u{A7FF}' | '\u{FB00}'..='\u{FB06}')
}

#[cfg(test)]
#[path = "words_tests.rs"]
mod tests;
