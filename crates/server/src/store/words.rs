//! The most common words, one bit each, kept beside every conversation
//! (`conversations.words`): a search for a very common word walks the view testing
//! that column, where it would otherwise seek each row's many words in the index.
//!
//! A bit may be set where the word is absent (the search still tests the index for
//! the rows whose bit is set); it is never clear where the index holds the word. So a
//! bit no word has yet is set, a character the index might read several ways is read
//! every way, and a text too unsure to read sets every bit.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Bits a conversation keeps: words given one at most.
pub const BITS: u8 = 64;

/// Readings of one text's unsure characters tried at most, per run of letters.
const MAX_READINGS: usize = 256;

/// The words that have a bit, and which.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Common {
    bits: HashMap<String, u8>,
    /// The bits given, as a mask.
    taken: u64,
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

    /// The mask of a row whose text is `texts`: each word's bit set where any
    /// reading of the texts holds it; bits no word has are set.
    #[must_use]
    pub fn mask<'a>(&self, texts: impl IntoIterator<Item = &'a str>) -> i64 {
        if self.is_empty() {
            return -1;
        }
        let mut mask = !self.taken;
        for text in texts {
            let read = words(text, |word| {
                if let Some(bit) = self.bits.get(word) {
                    mask |= 1 << bit;
                }
            });
            if !read {
                return -1;
            }
        }
        i64::from_ne_bytes(mask.to_ne_bytes())
    }
}

/// How one character may be read: what it may become within a word.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Reading {
    /// It ends the word (or is a letter the index keeps as it is, never part of an
    /// ASCII word: for these words, the same).
    Apart,
    /// It is dropped, joining what is either side (a combining accent).
    Dropped,
    /// It becomes these ASCII letters or digits.
    Folded(String),
}

/// Calls `found` with every ASCII word (lower case) that a full-text index might make
/// of `text`, and more: each character outside ASCII is read every way it might be
/// (apart, dropped, folded to its base letter or transliteration). False where a run
/// of letters is too unsure to read every way: take any word as possibly there.
pub fn words(text: &str, mut found: impl FnMut(&str)) -> bool {
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
        let readings = readings(c);
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
        // The nth unsure character takes the reading the combination's nth digit names.
        let mut unsure = unsure.iter();
        for c in run {
            if let Some(c) = c {
                word.push(*c);
                continue;
            }
            let Some(readings) = unsure.next() else { break };
            let reading = &readings[combination % readings.len()];
            combination /= readings.len();
            match reading {
                Reading::Apart => {
                    if !word.is_empty() {
                        found(word);
                    }
                    word.clear();
                }
                Reading::Dropped => {}
                Reading::Folded(s) => word.push_str(s),
            }
        }
        if !word.is_empty() {
            found(word);
        }
    }
    true
}

/// The ways a character outside ASCII may be read.
fn readings(c: char) -> Vec<Reading> {
    let mut readings = vec![Reading::Apart];
    if is_combining_mark(c) {
        readings.push(Reading::Dropped);
    }
    let mut fold = |s: String| {
        if !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
            let folded = Reading::Folded(s.to_ascii_lowercase());
            if !readings.contains(&folded) {
                readings.push(folded);
            }
        }
    };
    // Its base letter, accents dropped, before and after lower-casing (`İ`, `K` the
    // kelvin sign).
    fold(c.to_string().nfd().filter(|c| !is_combining_mark(*c)).collect());
    fold(c.to_lowercase().collect::<String>().nfd().filter(|c| !is_combining_mark(*c)).collect());
    // Latin letters an accent-stripping dictionary spells out (`ß`, `ø`, `æ`, `ﬁ`).
    if is_latin(c) {
        fold(deunicode::deunicode_char(c).unwrap_or_default().to_owned());
    }
    readings
}

/// The Latin blocks beyond ASCII: transliterating other scripts would make words no
/// index makes of them.
fn is_latin(c: char) -> bool {
    matches!(c, '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' | '\u{2C60}'..='\u{2C7F}' | '\u{A720}'..='\u{A7FF}' | '\u{FB00}'..='\u{FB06}')
}

#[cfg(test)]
#[path = "words_tests.rs"]
mod tests;
