use std::collections::{BTreeSet, HashMap};

use proptest::prelude::*;
use sqlx::{Connection as _, SqliteConnection};

use super::{BITS, Common, words};

fn read(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    assert!(words(text, |w| {
        found.insert(w.to_owned());
    }));
    found
}

fn set(words: &[&str]) -> BTreeSet<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

#[test]
fn ascii_is_read_as_the_index_splits_it() {
    assert_eq!(
        read("Hello, the ORDER #KH-374296 ships; thé"),
        set(&["hello", "the", "order", "kh", "374296", "ships", "th"])
    );
    assert_eq!(read(""), set(&[]));
    assert_eq!(read("a_b.c@d"), set(&["a", "b", "c", "d"]));
}

#[test]
fn an_accent_is_read_both_ways() {
    // Folded (as an index that strips accents reads it) and apart (as one that keeps it).
    assert_eq!(read("Thé"), set(&["the", "th"]));
    assert_eq!(read("Straße"), set(&["strasse", "stra", "e"]));
    // A combining accent may be dropped, joining its neighbours, or split them.
    assert_eq!(read("the\u{301}re"), set(&["there", "the", "re"]));
    // The kelvin sign lower-cases to k; the dotted capital I to i.
    assert_eq!(read("\u{212A}ind \u{130}t"), set(&["kind", "ind", "it", "t"]));
}

#[test]
fn other_scripts_and_symbols_end_a_word() {
    assert_eq!(read("the’s"), set(&["the", "s"]));
    assert_eq!(read("order🙂ok"), set(&["order", "ok"]));
    assert_eq!(read("Привет the"), set(&["the"]));
    assert_eq!(read("订单the"), set(&["the"]));
}

#[test]
fn too_unsure_a_run_is_not_read() {
    // Each accented letter is read two ways: 2^9 readings is past the bound.
    assert!(!words("éééééééééthe", |_| {}));
    let common = Common::new([(0, "the".to_owned())]);
    assert_eq!(common.mask(["éééééééééthe"]), -1);
}

#[test]
fn a_mask_sets_the_words_present_and_every_bit_no_word_has() {
    let common = Common::new([(0, "the".to_owned()), (5, "order".to_owned()), (63, "your".to_owned())]);
    let others = !((1_u64 << 0) | (1 << 5) | (1 << 63));
    let mask = |texts: &[&str]| u64::from_ne_bytes(common.mask(texts.iter().copied()).to_ne_bytes());
    assert_eq!(mask(&["where is my order?"]), others | 1 << 5);
    assert_eq!(mask(&["THE", "Your ORDER"]), others | 1 | 1 << 5 | 1 << 63);
    assert_eq!(mask(&["nothing common"]), others);
    assert_eq!(Common::default().mask(["the"]), -1);
    assert_eq!(common.free().count(), usize::from(BITS) - 3);
    assert!(common.free().all(|b| b != 0 && b != 5 && b != 63));
}

#[test]
fn bits_out_of_range_are_left_out() {
    let common = Common::new([(64, "the".to_owned()), (-1, "a".to_owned()), (2, "ok".to_owned())]);
    assert_eq!(common.bit("the"), None);
    assert_eq!(common.bit("a"), None);
    assert_eq!(common.bit("ok"), Some(2));
}

/// An FTS5 index built as the server's (`migrations/sqlite/0004`), and its words.
async fn index() -> SqliteConnection {
    let mut conn = SqliteConnection::connect("sqlite::memory:").await.expect("an in-memory database");
    sqlx::raw_sql(
        "CREATE VIRTUAL TABLE t USING fts5 (body, content = '', tokenize = 'unicode61 remove_diacritics 2'); \
         CREATE VIRTUAL TABLE v USING fts5vocab (t, instance);",
    )
    .execute(&mut conn)
    .await
    .expect("an index");
    conn
}

/// Indexes `texts` (row i holds texts[i]) and returns each row's ASCII words.
async fn indexed(conn: &mut SqliteConnection, texts: &[String]) -> HashMap<i64, BTreeSet<String>> {
    sqlx::query("INSERT INTO t (t) VALUES ('delete-all')").execute(&mut *conn).await.expect("emptied");
    let mut tx = conn.begin().await.expect("a transaction");
    for (chunk_at, chunk) in texts.chunks(400).enumerate() {
        let mut qb = sqlx::QueryBuilder::new("INSERT INTO t (rowid, body) ");
        qb.push_values(chunk.iter().enumerate(), |mut b, (i, text)| {
            b.push_bind(i64::try_from(chunk_at * 400 + i).expect("a row")).push_bind(text);
        });
        qb.build().execute(&mut *tx).await.expect("indexed");
    }
    tx.commit().await.expect("committed");
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT DISTINCT doc, term FROM v WHERE term NOT GLOB '*[^a-z0-9]*'")
        .fetch_all(&mut *conn)
        .await
        .expect("the words");
    let mut by_row: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for (doc, term) in rows {
        by_row.entry(doc).or_default().insert(term);
    }
    by_row
}

/// Every ASCII word the index makes of a row is among those read from its text (a
/// text too unsure to read takes every word as there: nothing to check).
fn assert_read_as_indexed(texts: &[String], by_row: &HashMap<i64, BTreeSet<String>>) {
    for (row, terms) in by_row {
        let text = &texts[usize::try_from(*row).expect("a row")];
        let mut ours = BTreeSet::new();
        if !words(text, |w| {
            ours.insert(w.to_owned());
        }) {
            continue;
        }
        let missed: Vec<&String> = terms.difference(&ours).collect();
        assert!(
            missed.is_empty(),
            "{text:?} ({:?}): the index holds {missed:?}, read as {ours:?}",
            text.chars().map(|c| format!("U+{:04X}", c as u32)).collect::<Vec<_>>()
        );
    }
}

/// Every character the index knows, beside ASCII letters and alone: the index never
/// makes an ASCII word the reading does not. (A character read wrongly here is a
/// search that would miss a conversation.)
#[tokio::test]
async fn every_character_is_read_at_least_as_the_index_reads_it() {
    let mut conn = index().await;
    let chars: Vec<char> = (0x80_u32..=0x3_134F).chain(0xE_0000..=0xE_01EF).filter_map(char::from_u32).collect();
    for chunk in chars.chunks(20_000) {
        let texts: Vec<String> = chunk.iter().map(|c| format!("a{c}b Q{c} {c}x {c}{c}t k{c}{c}e")).collect();
        let by_row = indexed(&mut conn, &texts).await;
        assert_read_as_indexed(&texts, &by_row);
    }
}

/// Characters where readings differ, mixed with ASCII.
fn tricky() -> impl Strategy<Value = String> {
    let pool: Vec<char> = "aeiostTHE019 -_.,'’“—…\u{a0}\u{301}\u{308}\u{327}éÉüßøæﬁ\u{212A}\u{130}ıſǅⅫ²①ｔ\u{200b}\u{200d}\u{fe0f}🙂Жй订\u{e000}"
        .chars()
        .collect();
    proptest::collection::vec(proptest::sample::select(pool), 0..24).prop_map(|cs| cs.into_iter().collect())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Any mix of them: every ASCII word the index makes is read.
    #[test]
    fn any_text_is_read_at_least_as_the_index_reads_it(texts in proptest::collection::vec(tricky(), 1..64)) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().expect("a runtime");
        runtime.block_on(async {
            let mut conn = index().await;
            let by_row = indexed(&mut conn, &texts).await;
            assert_read_as_indexed(&texts, &by_row);
        });
    }
}
