//! Any sequence of batches, over conversations an agent answered, read, marked
//! pending, snoozed or closed between them: each answer is its conversation as a read
//! gives it, and each conversation's summary is what its messages say.

use frontdesk_domain::{Channel, ConversationId, Status};
use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::SqliteStore;
use super::conversations::get;
use super::ingest_order_tests::{assert_placed_as_the_triggers_would, ingest, store_with_org};
use crate::hub::Hub;
use crate::store::Inbound;

/// One inbound message: whose (of a few handles), on which channel, with which
/// provider id (of a few, so some repeat), received how long ago (or now).
#[derive(Clone, Debug)]
struct Msg {
    handle: u8,
    email: bool,
    pid: Option<u8>,
    ago: Option<u16>,
}

/// What happens to the conversations between batches.
#[derive(Clone, Debug)]
enum Step {
    Batch(Vec<Msg>),
    /// Done to every conversation of a handle that is not closed.
    Change(u8, &'static str),
}

const CHANGES: [&str; 5] = [
    "waiting_since = NULL, sla_due_at = NULL",
    "unread = FALSE",
    "status = 'pending'",
    "status = 'snoozed', snoozed_until = 9999999999999",
    "status = 'closed', snoozed_until = NULL",
];

fn step() -> impl Strategy<Value = Step> {
    let msg = (0..4_u8, any::<bool>(), proptest::option::of(0..6_u8), proptest::option::of(0..300_u16))
        .prop_map(|(handle, email, pid, ago)| Msg { handle, email, pid, ago });
    prop_oneof![
        3 => proptest::collection::vec(msg, 1..12).prop_map(Step::Batch),
        1 => (0..4_u8, proptest::sample::select(CHANGES.to_vec())).prop_map(|(h, c)| Step::Change(h, c)),
    ]
}

async fn run(steps: Vec<Step>) {
    let dir = tempfile::tempdir().expect("a directory");
    let (store, org) = store_with_org(&dir, "props.db", Hub::default()).await;
    let now = Timestamp::now();
    for (n, step) in steps.into_iter().enumerate() {
        match step {
            Step::Change(handle, change) => change_handle(&store, handle, change).await,
            Step::Batch(msgs) => {
                let inbound: Vec<Inbound> = msgs
                    .iter()
                    .map(|m| Inbound {
                        provider_message_id: m.pid.map(|p| format!("p{p}")),
                        received_at: m.ago.map(|s| now - SignedDuration::from_secs(i64::from(s))),
                        ..Inbound::text(
                            if m.email { Channel::Email } else { Channel::Sms },
                            &format!("+1555400000{}", m.handle),
                            &format!("message {n}"),
                        )
                    })
                    .collect();
                let answers = ingest(&store, &org, inbound).await;
                assert_eq!(answers.len(), msgs.len());
                for answer in &answers {
                    let c = &answer.conversation;
                    let read = get(&store.pool, &org, &c.id).await.expect("read");
                    assert_eq!(c, &read, "an answer is its conversation as a read gives it");
                    if !answer.duplicate {
                        assert_eq!(c.status, Status::Open, "a message leaves its conversation open");
                        assert_eq!(c.snoozed_until, None);
                        let waiting = c.waiting_since.expect("a message starts the clock or leaves it running");
                        assert_eq!(c.sla_due_at, Some(waiting + SignedDuration::from_secs(3600)));
                        assert!(c.unread);
                    }
                }
            }
        }
        assert_summaries_are_their_messages(&store).await;
    }
    assert_placed_as_the_triggers_would(&store, "message").await;
}

async fn change_handle(store: &SqliteStore, handle: u8, change: &'static str) {
    let sql = format!(
        "UPDATE conversations SET {change} WHERE status != 'closed' AND contact_id IN \
         (SELECT id FROM contacts WHERE handle = '+1555400000{handle}')"
    );
    store
        .writer
        .submit(move |w| {
            Box::pin(async move {
                sqlx::query(sqlx::AssertSqlSafe(sql)).execute(w.conn()).await?;
                Ok(())
            })
        })
        .await
        .expect("changed");
}

/// A conversation's id and org; its count, search rows and last message's time as
/// kept; then the same from its messages.
type Kept = (String, String, i64, i64, Option<i64>, i64, i64, Option<i64>);

/// Every conversation's count, last message and search rows are its messages' (the
/// quiet event lines, "Woken from snooze", count for none of them).
async fn assert_summaries_are_their_messages(store: &SqliteStore) {
    let rows: Vec<Kept> = sqlx::query_as(
        "SELECT c.id, c.org_id, c.message_count, c.search_rows, c.last_message_at, \
                (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.kind != 'event'), \
                (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id AND m.kind IN ('reply', 'note', 'call')), \
                (SELECT max(created_at) FROM messages m WHERE m.conversation_id = c.id AND m.kind != 'event') \
         FROM conversations c",
    )
    .fetch_all(&store.pool)
    .await
    .expect("conversations");
    for (id, org, count, search_rows, last_at, messages, indexed, newest) in rows {
        assert_eq!(count, messages, "{id} counts its messages");
        assert_eq!(search_rows, indexed, "{id} counts its search rows");
        assert_eq!(last_at, newest, "{id}'s last message is its newest");
        let c = get(&store.pool, &org.into(), &ConversationId::from(id.clone())).await.expect("read");
        let newest_body: String = sqlx::query_scalar(
            "SELECT body FROM messages WHERE conversation_id = $1 AND created_at = $2 AND kind != 'event' \
             ORDER BY seq DESC LIMIT 1",
        )
        .bind(&id)
        .bind(newest)
        .fetch_one(&store.pool)
        .await
        .expect("the newest");
        assert_eq!(c.last_message.map(|m| m.preview), Some(newest_body), "{id}'s preview is its newest message");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_batches_leave_answers_and_summaries_as_their_messages(steps in proptest::collection::vec(step(), 1..8)) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        runtime.block_on(run(steps));
    }
}
