//! Keeps each conversation's bits of the most common words (`store/words.rs`): gives
//! the words their bits from a sample of conversations, then reads every
//! conversation's text for its bits, a chunk per write, so the writer takes inbound
//! traffic between. A conversation inbound traffic opens gets its bits as it opens
//! (`ingest`); one made another way (a bulk load) starts at -1 ("may hold any word")
//! and is read a few seconds later. Messages add their own bits as they come (the
//! search trigger). Conversations are read in the order `dialect::WORDS_ORDER` gives.

use std::collections::{HashMap, HashSet};
use std::time::Duration;

use sqlx::{AssertSqlSafe, QueryBuilder};
use tokio::task::AbortHandle;

use super::dialect;
use super::engine::{Conn, Engine};
use super::writer::{WriteCtx, Writer, stored_common};
use crate::error::ApiResult;
use crate::store::words::{Common, words};

/// Conversations sampled for the words to give bits to.
const SAMPLE: usize = 1_000;

/// Fewer conversations than this, and no word is given a bit yet: a search walks them
/// all within a few milliseconds anyway, and a sample that small says little.
const FEWEST: usize = 200;

/// A word takes a bit where at least this share of the sampled conversations hold
/// it, or a word it begins.
const MIN_SHARE: usize = 20;

/// Words shorter than this take no bit: a search for one or two letters is a prefix
/// of too much to be sought (`sqlite/dialect.rs`'s `MAX_TERMS`).
const SHORTEST: usize = 3;

/// Conversations read per write.
const CHUNK: i64 = 500;

/// After the server starts, how long before the first look: not during a demo's
/// first screen.
const START_AFTER: Duration = Duration::from_secs(5);

/// How often new conversations are read.
const CATCH_UP: Duration = Duration::from_secs(5);

/// How often the sample is taken again while bits are free.
const RESAMPLE: Duration = Duration::from_secs(3600);

/// Where the last conversation read with the words as they are now is, in
/// `dialect::WORDS_ORDER` (empty: none yet).
const READ_UPTO: &str = "words_read_upto";

/// Where the last conversation was when the words last took bits: those up to it are
/// all read again; those after it were opened with the words as they are (`ingest`)
/// and are read only where they hold -1 (a bulk load's).
const GIVEN_AT: &str = "words_given_at";

/// Starts keeping the bits in the background, through `writer`.
pub fn start(writer: Writer) -> AbortHandle {
    tokio::spawn(async move {
        tokio::time::sleep(START_AFTER).await;
        let mut next_sample = tokio::time::Instant::now();
        loop {
            if tokio::time::Instant::now() >= next_sample {
                next_sample += RESAMPLE;
                match writer.submit(|w| Box::pin(give_bits(w))).await {
                    Ok(0) => {}
                    Ok(given) => tracing::info!(given, "common words given bits"),
                    Err(err) => tracing::warn!(error = %err, "cannot sample the common words"),
                }
            }
            loop {
                match writer.submit(|w| Box::pin(read_some(w, CHUNK))).await {
                    Ok(true) => tokio::task::yield_now().await,
                    Ok(false) => break,
                    Err(err) => {
                        tracing::warn!(error = %err, "cannot read conversations' common words");
                        break;
                    }
                }
            }
            tokio::time::sleep(CATCH_UP).await;
        }
    })
    .abort_handle()
}

/// Gives free bits to the words most of a sample of conversations hold; returns how
/// many. They count for the writer's own writes once the batch commits.
pub async fn give_bits(w: &mut WriteCtx) -> ApiResult<usize> {
    if !dialect::words_turn(w.conn()).await? {
        return Ok(0);
    }
    let common = stored(w).await?;
    let Some(given) = give_bits_on(w.conn(), &common).await? else { return Ok(0) };
    let n = given.len() - common.len();
    w.give_common(given);
    Ok(n)
}

/// The words with bits as stored. Another instance may have given bits since this
/// writer read them: its own writes use them too once this batch commits.
async fn stored(w: &mut WriteCtx) -> ApiResult<Common> {
    let stored = stored_common(w.conn()).await?;
    if stored != *w.common().await? {
        w.give_common(stored.clone());
    }
    Ok(stored)
}

/// [`give_bits`] on `conn`, the words having bits being `common`: the words with
/// bits after, if any were given. Every conversation is then read again.
pub(super) async fn give_bits_on(conn: &mut Conn, common: &Common) -> ApiResult<Option<Common>> {
    let free: Vec<u8> = common.free().collect();
    if free.is_empty() {
        return Ok(None);
    }
    let mut qb = QueryBuilder::new(format!(
        "{} WHERE c.id IN (SELECT id FROM conversations ORDER BY random() LIMIT ",
        conversation_text()
    ));
    qb.push_bind(i64::try_from(SAMPLE).unwrap_or(i64::MAX)).push(")");
    let sampled = texts(&mut *conn, qb).await?;
    if sampled.len() < FEWEST {
        return Ok(None);
    }
    // Per conversation, the words it holds and what they begin with; a word's share
    // is of the conversations holding a word it begins, as a search for it asks.
    let mut whole: HashSet<String> = HashSet::new();
    let mut held: HashMap<String, usize> = HashMap::new();
    let mut begun = HashSet::new();
    for (_, texts) in &sampled {
        begun.clear();
        for text in texts {
            words(text, |word| {
                if word.len() < SHORTEST {
                    return;
                }
                if !whole.contains(word) {
                    whole.insert(word.to_owned());
                }
                for end in SHORTEST..=word.len() {
                    if let Some(prefix) = word.get(..end)
                        && !begun.contains(prefix)
                    {
                        begun.insert(prefix.to_owned());
                    }
                }
            });
        }
        for prefix in begun.drain() {
            *held.entry(prefix).or_default() += 1;
        }
    }
    let mut most: Vec<(String, usize)> = held
        .into_iter()
        .filter(|(word, n)| whole.contains(word) && common.bit(word).is_none() && n * MIN_SHARE >= sampled.len())
        .collect();
    most.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    most.truncate(free.len());
    if most.is_empty() {
        return Ok(None);
    }
    let mut given = common.clone();
    let mut qb: QueryBuilder<Engine> = QueryBuilder::new("INSERT INTO common_words (bit, word) ");
    qb.push_values(free.iter().zip(&most), |mut b, (bit, (word, _))| {
        b.push_bind(i64::from(*bit)).push_bind(word.clone());
    });
    qb.build().execute(&mut *conn).await?;
    for (bit, (word, _)) in free.iter().zip(&most) {
        given.give(*bit, word.clone());
    }
    let newest = newest(&mut *conn).await?;
    set_meta(&mut *conn, GIVEN_AT, &newest).await?;
    set_meta(&mut *conn, READ_UPTO, "").await?;
    Ok(Some(given))
}

/// Reads the bits of up to `n` conversations not yet read with the words as they are;
/// true when more are left.
pub async fn read_some(w: &mut WriteCtx, n: i64) -> ApiResult<bool> {
    if !dialect::words_turn(w.conn()).await? {
        return Ok(false);
    }
    let common = stored(w).await?;
    read_some_on(w.conn(), &common, n).await
}

/// [`read_some`] on `conn`, the words having bits being `common`.
pub(super) async fn read_some_on(conn: &mut Conn, common: &Common, n: i64) -> ApiResult<bool> {
    if common.is_empty() {
        return Ok(false);
    }
    let upto = meta(&mut *conn, READ_UPTO).await?;
    let given_at = meta(&mut *conn, GIVEN_AT).await?;
    let mut qb = QueryBuilder::new(format!("{} WHERE ", conversation_text()));
    dialect::push_words_after(&mut qb, upto.clone());
    qb.push(" AND (c.words = -1 OR NOT ");
    dialect::push_words_after(&mut qb, given_at);
    qb.push(format!(") ORDER BY {} LIMIT ", dialect::WORDS_ORDER)).push_bind(n).push(dialect::LOCK_WORDS_READ);
    let read = texts(&mut *conn, qb).await?;
    let more = i64::try_from(read.len()).unwrap_or(i64::MAX) >= n;
    // Read to the end: past the conversations passed over too, or each look would
    // pass over them again.
    let last = if more { read.last().map(|(c, _)| c.at.clone()) } else { Some(newest(&mut *conn).await?) };
    // Nothing new: nothing written either (this runs every few seconds).
    let Some(last) = last.filter(|l| !l.is_empty() && *l != upto) else { return Ok(false) };
    let masks: Vec<(String, i64)> =
        read.iter().map(|(c, texts)| (c.id.clone(), common.mask(texts.iter().map(String::as_str)))).collect();
    for chunk in masks.chunks(400) {
        let mut qb: QueryBuilder<Engine> = QueryBuilder::new("WITH v (id, words) AS (");
        qb.push_values(chunk, |mut b, (id, mask)| {
            b.push_bind(id.clone()).push_bind(*mask);
        });
        qb.push(") UPDATE conversations SET words = v.words FROM v WHERE conversations.id = v.id");
        qb.build().execute(&mut *conn).await?;
    }
    set_meta(&mut *conn, READ_UPTO, &last).await?;
    Ok(more)
}

/// Where the newest conversation is, in the keeper's order (empty: none).
async fn newest(conn: &mut Conn) -> Result<String, sqlx::Error> {
    let sql =
        format!("SELECT {} FROM conversations c ORDER BY {} DESC LIMIT 1", dialect::WORDS_AT, dialect::WORDS_ORDER);
    Ok(sqlx::query_scalar(AssertSqlSafe(sql)).fetch_optional(conn).await?.unwrap_or_default())
}

async fn meta(conn: &mut Conn, key: &str) -> Result<String, sqlx::Error> {
    let value = sqlx::query_scalar("SELECT value FROM meta WHERE key = $1").bind(key).fetch_optional(conn).await?;
    Ok(value.unwrap_or_default())
}

async fn set_meta(conn: &mut Conn, key: &str, value: &str) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO meta (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
        .bind(key)
        .bind(value)
        .execute(conn)
        .await
        .map(|_| ())
}

/// A conversation's own search row: its subject and contact; and where it is in
/// the keeper's order.
fn conversation_text() -> String {
    format!(
        "SELECT c.id, {} AS at, coalesce(c.subject, '') AS subject, ct.name, ct.handle, \
         coalesce(ct.email, '') AS email, coalesce(ct.company, '') AS company \
         FROM conversations c JOIN contacts ct ON ct.id = c.contact_id",
        dialect::WORDS_AT
    )
}

#[derive(sqlx::FromRow)]
struct Read {
    id: String,
    at: String,
    subject: String,
    name: String,
    handle: String,
    email: String,
    company: String,
}

/// The conversations `query` selects, each with every text its search rows hold: its
/// subject and contact, then each reply, note and call with the call's summary.
async fn texts(conn: &mut Conn, mut query: QueryBuilder<Engine>) -> Result<Vec<(Read, Vec<String>)>, sqlx::Error> {
    let read: Vec<Read> = query.build_query_as().fetch_all(&mut *conn).await?;
    let mut by_id: HashMap<String, usize> = HashMap::with_capacity(read.len());
    let mut out: Vec<(Read, Vec<String>)> = Vec::with_capacity(read.len());
    for (i, r) in read.into_iter().enumerate() {
        by_id.insert(r.id.clone(), i);
        let texts = vec![r.subject.clone(), r.name.clone(), r.handle.clone(), r.email.clone(), r.company.clone()];
        out.push((r, texts));
    }
    for chunk in out.iter().map(|(r, _)| r.id.clone()).collect::<Vec<_>>().chunks(400) {
        let mut qb: QueryBuilder<Engine> = QueryBuilder::new(format!(
            "SELECT conversation_id, body, coalesce({}, '') FROM messages \
             WHERE kind IN ('reply', 'note', 'call') AND conversation_id IN (",
            dialect::CALL_SUMMARY
        ));
        let mut sep = qb.separated(", ");
        for id in chunk {
            sep.push_bind(id.clone());
        }
        qb.push(")");
        let rows: Vec<(String, String, String)> = qb.build_query_as().fetch_all(&mut *conn).await?;
        for (id, body, summary) in rows {
            if let Some(i) = by_id.get(&id) {
                out[*i].1.push(body);
                out[*i].1.push(summary);
            }
        }
    }
    Ok(out)
}
