//! Word diff between a copilot draft and what the agent is about to send, for the
//! review line: the agent sees what they changed before it goes out, and the team
//! learns which drafts need rewriting (the server records the same edit).

/// A run of words, whitespace kept, that both texts share or one of them has.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Chunk {
    Same(String),
    Removed(String),
    Added(String),
}

/// The longest drafts compared word by word; past this the diff is one
/// replacement, which is still true, and the table stays small.
const MAX_WORDS: usize = 600;

/// The word diff of `old` into `new` (longest common subsequence of words), with
/// neighbouring chunks of the same kind merged.
#[must_use]
pub fn words(old: &str, new: &str) -> Vec<Chunk> {
    let a: Vec<&str> = old.split_inclusive(char::is_whitespace).collect();
    let b: Vec<&str> = new.split_inclusive(char::is_whitespace).collect();
    if a.len() > MAX_WORDS || b.len() > MAX_WORDS {
        return merge(vec![Chunk::Removed(old.to_owned()), Chunk::Added(new.to_owned())]);
    }
    let same = |x: &str, y: &str| x.trim_end() == y.trim_end();
    // lcs[i][j]: the longest common run of a[i..] and b[j..].
    let mut lcs = vec![vec![0_u16; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if same(a[i], b[j]) { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, Vec::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && same(a[i], b[j]) {
            out.push(Chunk::Same(b[j].to_owned()));
            (i, j) = (i + 1, j + 1);
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            // What went out reads before what came in.
            out.push(Chunk::Removed(a[i].to_owned()));
            i += 1;
        } else {
            out.push(Chunk::Added(b[j].to_owned()));
            j += 1;
        }
    }
    merge(out)
}

fn merge(chunks: Vec<Chunk>) -> Vec<Chunk> {
    let mut out: Vec<Chunk> = Vec::new();
    for c in chunks {
        match (out.last_mut(), c) {
            (Some(Chunk::Same(x)), Chunk::Same(y))
            | (Some(Chunk::Removed(x)), Chunk::Removed(y))
            | (Some(Chunk::Added(x)), Chunk::Added(y)) => x.push_str(&y),
            (_, c) => out.push(c),
        }
    }
    out.retain(|c| !matches!(c, Chunk::Same(s) | Chunk::Removed(s) | Chunk::Added(s) if s.is_empty()));
    out
}

/// How many words were taken out and put in.
#[must_use]
pub fn changed_words(chunks: &[Chunk]) -> (usize, usize) {
    chunks.iter().fold((0, 0), |(out, inn), c| match c {
        Chunk::Removed(s) => (out + s.split_whitespace().count(), inn),
        Chunk::Added(s) => (out, inn + s.split_whitespace().count()),
        Chunk::Same(_) => (out, inn),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_word_changed_and_a_sentence_added() {
        let d = words("We have shipped it today.", "I can ship it today. Thanks!");
        assert_eq!(
            d,
            [
                Chunk::Removed("We have shipped ".into()),
                Chunk::Added("I can ship ".into()),
                Chunk::Same("it today. ".into()),
                Chunk::Added("Thanks!".into()),
            ]
        );
        assert_eq!(changed_words(&d), (3, 4));
        assert_eq!(words("same text", "same text"), [Chunk::Same("same text".into())]);
    }

    proptest! {
        /// Whatever the texts, the diff gives back both word for word: the old
        /// from its same and removed chunks, the new from its same and added ones.
        #[test]
        fn the_diff_rebuilds_both_texts(old in "[a-c \n]{0,40}", new in "[a-c \n]{0,40}") {
            let d = words(&old, &new);
            let words_of = |keep: fn(&Chunk) -> Option<&str>| -> Vec<String> {
                d.iter().filter_map(keep).flat_map(str::split_whitespace).map(str::to_owned).collect()
            };
            let old_words = words_of(|c| match c { Chunk::Same(s) | Chunk::Removed(s) => Some(s), Chunk::Added(_) => None });
            let new_words = words_of(|c| match c { Chunk::Same(s) | Chunk::Added(s) => Some(s), Chunk::Removed(_) => None });
            prop_assert_eq!(old_words, old.split_whitespace().collect::<Vec<_>>());
            prop_assert_eq!(new_words, new.split_whitespace().collect::<Vec<_>>());
        }
    }
}
