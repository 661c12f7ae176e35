//! `frontdesk demo --conversations N`: an inbox of any size, so every figure in the
//! README can be reproduced. Beyond the demo's own conversations come N more, its
//! history: each takes the thread of one of the demo's conversations (its words,
//! channels, tags, notes, calls), a customer of its own, its own order numbers
//! (rare words beside the common ones), and a place in the last six months, mostly
//! closed. Written by multi-row INSERTs in writer jobs of a few thousand, the search
//! index filling through the schema's triggers. Measured here (release): the demo is
//! ready to serve 20–23 s after `--conversations 100000` on a fresh directory.

use std::sync::{Arc, LazyLock};

use jiff::Timestamp;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use regex::Regex;

use super::plan::{DemoAuthor, DemoConversation, DemoPlan};
use crate::AppState;
use crate::error::ApiResult;
use crate::store::rows::{ContactRow, ConversationRow, MessageRow};
use crate::store::to_ms;
use frontdesk_domain::{Channel, ContactId, ConversationId, MessageId, MessageKind, OrgId, Priority};

const MINUTE: i64 = 60_000;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// How far back the history goes.
const SPAN: i64 = 180 * DAY;
/// Conversations a writer job carries (the writer is shared: other writes wait
/// no longer than one job).
const JOB: usize = 5_000;

/// The demo's order numbers, swapped for each conversation's own.
static ORDER: LazyLock<Regex> = LazyLock::new(|| {
    #[allow(clippy::expect_used)] // a literal pattern, checked by the tests
    Regex::new(r"KH-\d{6}").expect("order pattern")
});

/// One conversation of the history, ready to write.
struct Row {
    id: String,
    contact: usize,
    channel: Channel,
    subject: Option<String>,
    status: &'static str,
    assignee: Option<usize>,
    team: Option<String>,
    tags: String,
    starred: bool,
    unread: bool,
    archived: bool,
    priority: Priority,
    waiting_since: Option<i64>,
    activity_at: i64,
    messages: Vec<Msg>,
}

struct Msg {
    id: String,
    author: Author,
    kind: MessageKind,
    body: String,
    call: Option<String>,
    at: i64,
}

enum Author {
    Contact,
    Agent(usize),
    Ai(String),
}

struct Person {
    id: String,
    name: String,
    handle: String,
    email: Option<String>,
    phone: Option<String>,
}

/// Adds `n` conversations of history to the demo org. Returns how many were written.
///
/// # Errors
/// When the database refuses a write.
pub async fn seed(state: &AppState, org: &OrgId, plan: &DemoPlan, n: usize, seed: u64) -> ApiResult<usize> {
    if n == 0 || plan.conversations.is_empty() {
        return Ok(0);
    }
    let agents: Vec<(String, String, Option<String>)> =
        state.db.agents(org).await?.into_iter().map(|a| (a.id.as_str().to_owned(), a.name, a.team)).collect();
    let mut rng = StdRng::seed_from_u64(seed);
    let now = to_ms(Timestamp::now());
    let people: Arc<Vec<Person>> = Arc::new((0..n).map(|i| person(plan, i, &mut rng)).collect());
    let agents = Arc::new(agents);
    for from in (0..n).step_by(JOB) {
        let to = (from + JOB).min(n);
        let chunk: Vec<Row> = (from..to).map(|i| row(plan, &people, &agents, i, now, &mut rng)).collect();
        let contacts = contact_rows(&people[from..to], now);
        let conversations: Vec<ConversationRow> = chunk.iter().map(|r| conversation_row(r, &people, &agents)).collect();
        let messages: Vec<MessageRow> = chunk.iter().flat_map(|r| message_rows(r, &people, &agents)).collect();
        let org = org.clone();
        state
            .db
            .write(move |w| {
                Box::pin(async move {
                    w.load_contacts(&org, &contacts).await?;
                    w.load_conversations(&org, &conversations).await?;
                    w.load_messages(&org, &messages).await
                })
            })
            .await?;
    }
    state.db.write(|w| Box::pin(async move { w.bulk_loaded().await })).await?;
    Ok(n)
}

/// A customer of their own: a first name and a last name from the demo's people,
/// and a handle nobody else has.
fn person(plan: &DemoPlan, i: usize, rng: &mut StdRng) -> Person {
    let names: Vec<&str> = plan.conversations.iter().map(|c| c.contact.name.as_str()).collect();
    let pick = |rng: &mut StdRng| names[rng.random_range(0..names.len())];
    let first = pick(rng).split_whitespace().next().unwrap_or("Alex").to_owned();
    let last = pick(rng).split_whitespace().last().unwrap_or("Smith").to_owned();
    let slug: String = format!("{first}.{last}").chars().filter(char::is_ascii_alphanumeric).collect::<String>();
    let email =
        format!("{}.{i}@example.com", if slug.is_empty() { "customer".to_owned() } else { slug.to_lowercase() });
    // 555-01xx is the fictional range; the suffix keeps each number apart.
    let phone = format!("+1555{:07}", i % 10_000_000);
    let use_phone = rng.random_bool(0.35);
    Person {
        id: ContactId::generate().as_str().to_owned(),
        name: format!("{first} {last}"),
        handle: if use_phone { phone.clone() } else { email.clone() },
        email: (!use_phone || rng.random_bool(0.5)).then_some(email),
        phone: use_phone.then_some(phone),
    }
}

fn row(
    plan: &DemoPlan,
    people: &[Person],
    agents: &[(String, String, Option<String>)],
    i: usize,
    now: i64,
    rng: &mut StdRng,
) -> Row {
    let t: &DemoConversation = &plan.conversations[rng.random_range(0..plan.conversations.len())];
    let who = &people[i];
    let was = t.contact.name.split_whitespace().next().unwrap_or_default().to_owned();
    let now_first = who.name.split_whitespace().next().unwrap_or_default().to_owned();
    let order = format!("KH-{:06}", rng.random_range(100_000..1_000_000));
    let words = |s: &str| {
        let s = if was.len() > 1 { s.replace(&was, &now_first) } else { s.to_owned() };
        ORDER.replace_all(&s, order.as_str()).into_owned()
    };
    // Older conversations are more often closed; a few weeks' worth is still live.
    // Squared, so recent weeks are busier than months ago.
    let x = rng.random_range(0..=1_000_i64);
    let age = SPAN / 1_000_000 * x * x + rng.random_range(0..HOUR);
    let activity_at = now - age;
    let live = age < 14 * DAY && rng.random_bool(0.4);
    let status = match (live, rng.random_range(0..10)) {
        (true, 0..=5) => "open",
        (true, _) => "pending",
        (false, _) => "closed",
    };
    let agent = rng.random_range(0..agents.len().max(1));
    let mut at = activity_at;
    let mut messages: Vec<Msg> = t
        .messages
        .iter()
        .rev()
        .filter(|m| m.kind != MessageKind::Event)
        .map(|m| {
            let msg = Msg {
                id: MessageId::generate().as_str().to_owned(),
                author: match &m.author {
                    DemoAuthor::Contact | DemoAuthor::System => Author::Contact,
                    DemoAuthor::Agent(_) => Author::Agent(agent),
                    DemoAuthor::Ai(name) => Author::Ai(name.clone()),
                },
                kind: m.kind,
                body: words(&m.body),
                call: m.call.as_ref().and_then(|c| serde_json::to_string(c).ok()),
                at,
            };
            at -= rng.random_range(2 * MINUTE..6 * HOUR);
            msg
        })
        .collect();
    messages.reverse();
    let last_inbound = messages.last().is_some_and(|m| matches!(m.author, Author::Contact));
    let waiting = status == "open" && last_inbound;
    let archived = status == "closed" && rng.random_bool(0.1);
    Row {
        id: ConversationId::generate().as_str().to_owned(),
        contact: i,
        channel: t.channel.clone(),
        subject: t.subject.as_deref().map(words),
        status,
        assignee: (!agents.is_empty() && (status == "closed" || rng.random_bool(0.7))).then_some(agent),
        team: t.team.clone(),
        tags: serde_json::to_string(&t.tags).unwrap_or_else(|_| "[]".to_owned()),
        starred: rng.random_bool(0.03),
        unread: waiting && rng.random_bool(0.7),
        archived,
        priority: t.priority.clone(),
        waiting_since: waiting.then_some(activity_at),
        activity_at,
        messages,
    }
}

fn contact_rows(people: &[Person], now: i64) -> Vec<ContactRow> {
    people
        .iter()
        .map(|p| ContactRow {
            id: p.id.clone(),
            name: p.name.clone(),
            handle: p.handle.clone(),
            email: p.email.clone(),
            phone: p.phone.clone(),
            company: None,
            created_at: now - SPAN,
        })
        .collect()
}

fn conversation_row(r: &Row, people: &[Person], agents: &[(String, String, Option<String>)]) -> ConversationRow {
    let last = r.messages.last();
    ConversationRow {
        id: r.id.clone(),
        contact_id: people[r.contact].id.clone(),
        channel: r.channel.as_str().to_owned(),
        subject: r.subject.clone(),
        status: r.status.to_owned(),
        snoozed_until: None,
        assignee_id: r.assignee.and_then(|a| agents.get(a)).map(|a| a.0.clone()),
        team: r.team.clone(),
        tags: r.tags.clone(),
        starred: r.starred,
        unread: r.unread,
        archived: r.archived,
        priority: r.priority.as_str().to_owned(),
        last_preview: last.map(|m| preview(&m.body)),
        last_direction: last.map(|m| if matches!(m.author, Author::Contact) { "inbound" } else { "outbound" }),
        last_message_at: last.map(|m| m.at),
        waiting_since: r.waiting_since,
        sla_due_at: None,
        ai_state: "human".to_owned(),
        ai_agent: None,
        message_count: i64::try_from(r.messages.len()).unwrap_or(i64::MAX),
        activity_at: r.activity_at,
        created_at: r.messages.first().map_or(r.activity_at, |m| m.at),
        updated_at: r.activity_at,
    }
}

fn message_rows<'a>(
    r: &'a Row,
    people: &'a [Person],
    agents: &'a [(String, String, Option<String>)],
) -> impl Iterator<Item = MessageRow> + 'a {
    r.messages.iter().map(move |m| {
        let (direction, author_kind, author_id, author_name) = match &m.author {
            Author::Contact => {
                ("inbound", "contact", Some(people[r.contact].id.clone()), people[r.contact].name.clone())
            }
            Author::Agent(a) => match agents.get(*a) {
                Some((id, name, _)) => ("outbound", "agent", Some(id.clone()), name.clone()),
                None => ("outbound", "agent", None, "Support".to_owned()),
            },
            Author::Ai(name) => ("outbound", "ai", None, name.clone()),
        };
        MessageRow {
            id: m.id.clone(),
            conversation_id: r.id.clone(),
            direction,
            author_kind,
            author_id,
            author_name,
            kind: m.kind.as_str(),
            body: m.body.clone(),
            attachments: "[]".to_owned(),
            call: m.call.clone(),
            delivery: if direction == "inbound" { "delivered" } else { "sent" },
            created_at: m.at,
        }
    })
}

/// The list's preview: the first line or so of the body.
fn preview(body: &str) -> String {
    let line = body.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default();
    line.chars().take(140).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_numbers_and_previews() {
        assert_eq!(ORDER.replace_all("order KH-158556 and KH-1", "KH-000001"), "order KH-000001 and KH-1");
        assert_eq!(preview("\n\n  Hello there,\nsecond line"), "Hello there,");
        assert_eq!(preview(&"x".repeat(500)).len(), 140);
    }

    #[test]
    fn history_is_made_from_the_demos_threads_with_customers_of_its_own() {
        let plan = crate::demo::plan::plan(Timestamp::now(), 7).expect("plan");
        let mut rng = StdRng::seed_from_u64(1);
        let people: Vec<Person> = (0..50).map(|i| person(&plan, i, &mut rng)).collect();
        let handles: std::collections::HashSet<&str> = people.iter().map(|p| p.handle.as_str()).collect();
        assert_eq!(handles.len(), 50, "every customer their own handle");
        let agents = vec![("agt_1".to_owned(), "Ana Lima".to_owned(), None)];
        let now = to_ms(Timestamp::now());
        for i in 0..50 {
            let r = row(&plan, &people, &agents, i, now, &mut rng);
            assert!(!r.messages.is_empty());
            assert!(r.messages.windows(2).all(|w| w[0].at < w[1].at), "oldest first");
            assert_eq!(r.messages.last().map(|m| m.at), Some(r.activity_at));
            assert!(r.activity_at <= now && r.activity_at > now - SPAN - HOUR);
            assert!(r.messages.iter().all(|m| !m.body.contains("KH-") || !m.body.contains("KH-000000")));
        }
    }
}
