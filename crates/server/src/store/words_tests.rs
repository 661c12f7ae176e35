use std::collections::{BTreeSet, HashMap};

use proptest::prelude::*;
use sqlx::{Connection as _, SqliteConnection};

use super::{BITS, Common, Read, UNSURE, words};

fn read(text: &str) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let read = words(text, |w| {
        found.insert(w.to_owned());
    });
    assert_ne!(read, Read::Unreadable);
    found
}

fn set(words: &[&str]) -> BTreeSet<String> {
    words.iter().map(|w| (*w).to_owned()).collect()
}

#[test]
fn ascii_is_read_as_the_index_splits_it() {
    assert_eq!(
        read("Hello, the ORDER #KH-374296 ships; thé"),
        set(&["hello", "the", "order", "kh", "374296", "ships"])
    );
    assert_eq!(read(""), set(&[]));
    assert_eq!(read("a_b.c@d"), set(&["a", "b", "c", "d"]));
}

#[test]
fn an_accent_is_read_as_the_index_reads_it_or_every_way() {
    // Stripped, where the index surely strips it.
    assert_eq!(read("Thé"), set(&["the"]));
    assert_eq!(read("\u{130}t"), set(&["it"]));
    // Spelled out (as an index that transliterates reads it) and apart (as one that keeps it).
    assert_eq!(read("Straße"), set(&["strasse", "stra", "e"]));
    assert_eq!(read("\u{212A}ind"), set(&["kind", "ind"]));
    // A combining accent may be dropped, joining its neighbours, or split them.
    assert_eq!(read("the\u{301}re"), set(&["there", "the", "re"]));
}

#[test]
fn punctuation_ends_a_word_and_other_scripts_and_symbols_stay_in_it() {
    assert_eq!(read("the’s"), set(&["the", "s"]));
    assert_eq!(read("the→x"), set(&["the", "x"]));
    // The word goes on past the letter, no longer ASCII: "the" begins no word.
    assert_eq!(read("订单the Привет the"), set(&["the"]));
    assert_eq!(read("ok订单the"), set(&["ok"]));
}

#[test]
fn too_unsure_a_run_is_not_read() {
    // Each ß is read two ways: 2^9 readings is past the bound.
    assert_eq!(words("ßßßßßßßßßthe", |_| {}), Read::Unreadable);
    let common = Common::new([(0, "the".to_owned())]);
    assert_eq!(common.mask(["ßßßßßßßßßthe"]), -1);
}

#[test]
fn plain_is_what_the_index_surely_reads_one_way() {
    for plain in ["Hello, the order #4 ships", "it’s here — “ok”…\u{a0}yes, «5» → ±2", "thé 订单 ok Привет"]
    {
        assert_eq!(words(plain, |_| {}), Read::Plain, "{plain:?}");
    }
    for unsure in ["the\u{301}", "Straße", "\u{e000}", "€5", "a\u{200b}b", "\u{212A}", "ok 🙂", "①"] {
        assert_eq!(words(unsure, |_| {}), Read::Unsure, "{unsure:?}");
    }
}

/// Bits as a `u64`, for reading.
fn mask(common: &Common, texts: &[&str]) -> u64 {
    u64::from_ne_bytes(common.mask(texts.iter().copied()).to_ne_bytes())
}

#[test]
fn a_words_bit_is_set_where_a_word_begins_with_it() {
    let common = Common::new([(0, "the".to_owned()), (5, "order".to_owned()), (62, "your".to_owned())]);
    let others = !((1_u64 << 0) | (1 << 5) | (1 << 62) | (1 << UNSURE));
    assert_eq!(mask(&common, &["where is my order?"]), others | 1 << 5);
    assert_eq!(mask(&common, &["THE", "Yours, ORDERED"]), others | 1 | 1 << 5 | 1 << 62);
    assert_eq!(mask(&common, &["thermostat"]), others | 1, "the begins thermostat");
    assert_eq!(mask(&common, &["nothing common", "or ord the"]), others | 1);
    assert_eq!(mask(&common, &["thé order"]), others | 1 | 1 << 5);
    assert_eq!(mask(&common, &["the\u{301}re order"]), others | 1 | 1 << 5 | 1 << UNSURE, "read unsure");
    assert_eq!(Common::default().mask(["the"]), -1);
}

#[test]
fn bits_out_of_range_are_left_out() {
    let common = Common::new([(63, "the".to_owned()), (-1, "a".to_owned()), (2, "ok".to_owned())]);
    assert_eq!(common.bit("the"), None, "the unsure bit is no word's");
    assert_eq!(common.bit("a"), None);
    assert_eq!(common.bit("ok"), Some(2));
    assert_eq!(common.free().count(), usize::from(BITS) - 1);
    assert!(common.free().all(|b| b != 2 && b != UNSURE));
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
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT DISTINCT doc, term FROM v").fetch_all(&mut *conn).await.expect("the words");
    let mut by_row: HashMap<i64, BTreeSet<String>> = HashMap::new();
    for (doc, term) in rows {
        by_row.entry(doc).or_default().insert(term);
    }
    by_row
}

/// The ASCII each of the index's words begins with (where it begins with any): what
/// a search for a prefix finds.
fn ascii_starts(terms: &BTreeSet<String>) -> BTreeSet<String> {
    terms
        .iter()
        .map(|t| t.chars().take_while(char::is_ascii_alphanumeric).collect::<String>())
        .filter(|s| !s.is_empty())
        .collect()
}

/// Whatever ASCII an index's word begins with, a word read from the text begins with
/// it too (a text too unsure to read takes every word as there: nothing to check);
/// and where the text reads plain, the words read are exactly the ASCII the index's
/// words begin with.
fn assert_read_as_indexed(texts: &[String], by_row: &HashMap<i64, BTreeSet<String>>) {
    for (i, text) in texts.iter().enumerate() {
        let terms = by_row.get(&i64::try_from(i).expect("a row")).cloned().unwrap_or_default();
        let mut ours = BTreeSet::new();
        let read = words(text, |w| {
            ours.insert(w.to_owned());
        });
        let shown = || text.chars().map(|c| format!("U+{:04X}", c as u32)).collect::<Vec<_>>();
        let starts = ascii_starts(&terms);
        match read {
            Read::Unreadable => {}
            Read::Unsure => {
                let missed: Vec<&String> = starts.iter().filter(|s| !ours.iter().any(|w| w.starts_with(*s))).collect();
                assert!(
                    missed.is_empty(),
                    "{text:?} ({:?}): the index's {terms:?} begin {missed:?}, read as {ours:?}",
                    shown()
                );
            }
            Read::Plain => assert_eq!(starts, ours, "{text:?} ({:?}) reads plain; the index holds {terms:?}", shown()),
        }
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
