//! The common words' bits on PostgreSQL only: every prefix its parser and
//! dictionaries make of any character is read.

use std::collections::BTreeSet;

use super::test_connection;
use crate::store::words::{Read, words};

/// Every character beside ASCII letters and alone, through PostgreSQL's parser and
/// dictionaries (`frontdesk`: unaccent, then simple): where the text reads plain,
/// whatever ASCII a word PostgreSQL makes begins with, a word read from the text
/// begins with it too. (A text read unsure is sought whatever its bits; a character
/// read plain wrongly here is a search that would miss a conversation.)
#[tokio::test]
async fn every_prefix_postgresql_makes_of_any_character_is_read() {
    let mut conn = test_connection().await;
    let chars: Vec<char> = (0x80_u32..=0x3_134F).chain(0xE_0000..=0xE_01EF).filter_map(char::from_u32).collect();
    let mut missed = BTreeSet::new();
    for chunk in chars.chunks(20_000) {
        let texts: Vec<String> =
            chunk.iter().map(|c| format!("a{c}b Q{c} {c}x {c}{c}t k{c}{c}e {c}.the the-{c}")).collect();
        let rows: Vec<(i64, String)> = sqlx::query_as(
            "SELECT t.i, w.lexeme FROM unnest($1::text[]) WITH ORDINALITY AS t(text, i), \
             unnest(tsvector_to_array(to_tsvector('frontdesk', t.text))) AS w(lexeme)",
        )
        .bind(&texts)
        .fetch_all(&mut conn)
        .await
        .expect("parsed");
        for (i, lexeme) in rows {
            let text = &texts[usize::try_from(i - 1).expect("a row")];
            let start: String = lexeme.chars().take_while(char::is_ascii_alphanumeric).collect();
            if start.is_empty() {
                continue;
            }
            let mut ours = BTreeSet::new();
            if words(text, |w| {
                ours.insert(w.to_owned());
            }) != Read::Plain
            {
                continue;
            }
            if !ours.iter().any(|w| w.starts_with(&start)) {
                missed.insert(format!("U+{:04X} ({lexeme:?})", chunk[usize::try_from(i - 1).expect("a row")] as u32));
            }
        }
    }
    assert!(missed.is_empty(), "read plain, but PostgreSQL begins a word with ASCII not read: {missed:?}");
}
