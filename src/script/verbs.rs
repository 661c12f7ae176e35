//! What each verb does, over one account's provider.

use std::io::{IsTerminal as _, Read as _, Write};
use std::sync::Arc;

use futures::StreamExt as _;

use frontdesk_domain::{
    AgentId, AssigneeFilter, Change, Conversation, ConversationId, Op, ReplyKind, Status, SuggestionId, ViewFilter,
    ViewId,
};
use frontdesk_provider::{Applied, ListQuery, Provider, Sort, Update};

use super::failure::{Failure, apply_once, code, read};
use super::output::{self, Format};
use super::{Many, Once, Verb};
use crate::config::Config;
use crate::setup;

/// The page size when following the cursor.
const PAGE: u32 = 100;
/// What `list` prints without --limit or --all.
const DEFAULT_LIMIT: u32 = 50;

/// Runs a verb against the account named (the first by default), writing to `out`.
///
/// # Errors
/// A [`Failure`] with the exit code and the one line to print.
pub async fn run(cfg: &Config, account: Option<&str>, verb: Verb, out: &mut dyn Write) -> Result<(), Failure> {
    if let Verb::Accounts { print } = &verb {
        return accounts(cfg, print.format(), out);
    }
    let a = setup::account(cfg, account)?;
    let p = setup::provider(a)?;
    match verb {
        Verb::Accounts { .. } => Ok(()),
        Verb::List { view, query, status, tag, assignee, limit, all, print } => {
            let mut filter = filter(&*p, query, &status, assignee.as_deref()).await?;
            filter.tags = tag.into_iter().map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()).collect();
            let view = match view {
                Some(v) => Some(view_id(&*p, &v).await?),
                None => None,
            };
            let want = if all { u32::MAX } else { limit.unwrap_or(DEFAULT_LIMIT) };
            let items = list(&*p, view, filter, want).await?;
            output::list(out, print.format(), &items, output::conversation_row, &output::CONVERSATION_HEAD).map_err(io)
        }
        Verb::Show { id, limit, print } => {
            let id = ConversationId::from(id);
            let c = read("reading the conversation", || p.conversation(id.clone())).await?;
            let messages = read("reading its thread", || p.thread(id.clone(), limit)).await?;
            let doc = serde_json::json!({ "conversation": c, "messages": messages });
            output::one(out, print.format(), &doc, || output::thread_text(&c, &messages)).map_err(io)
        }
        Verb::Reply { id, body, note, close, snooze, once, print } => {
            let body = body_text(body.as_deref())?;
            let conversation = ConversationId::from(id);
            let after = match (close, snooze) {
                (true, _) => Some(Change::Close),
                (_, Some(when)) => Some(Change::Snooze { until: parse_when(&when)? }),
                _ => None,
            };
            let key = key(&once);
            let kind = if note { ReplyKind::Note } else { ReplyKind::Reply };
            let after = after.map(|change| Op::Change { conversation: conversation.clone(), change });
            let op = Op::Send { conversation, kind, body, suggestion: None, attachments: vec![] };
            // Both refused here, before anything is sent, if the account cannot.
            check(&*p, &op)?;
            if let Some(after) = &after {
                check(&*p, after)?;
            }
            let sent = apply_once(&*p, &op, &key, "sending").await?;
            let followed = match &after {
                Some(after) => apply_once(&*p, after, &format!("{key}:after"), "sent, then changing the conversation")
                    .await
                    .map(|_| ()),
                None => Ok(()),
            };
            // The reply went out whatever followed: say so, with its id.
            applied(out, print.format(), &sent).map_err(io)?;
            followed
        }
        Verb::Close(m) => many(&*p, m, Change::Close, out).await,
        Verb::Reopen(m) => many(&*p, m, Change::Reopen, out).await,
        Verb::Archive(m) => many(&*p, m, Change::Archive, out).await,
        Verb::Star(m) => many(&*p, m, Change::Star, out).await,
        Verb::Unstar(m) => many(&*p, m, Change::Unstar, out).await,
        Verb::Read(m) => many(&*p, m, Change::Read, out).await,
        Verb::Unread(m) => many(&*p, m, Change::Unread, out).await,
        Verb::Assign { id, who, once, print } => {
            let agent = agent_id(&*p, &who).await?;
            let change = Change::Assign { agent_id: Some(agent), team: None };
            one(&*p, id, change, &once, print.format(), out).await
        }
        Verb::Unassign { id, once, print } => one(&*p, id, Change::Unassign, &once, print.format(), out).await,
        Verb::Tag { id, changes, once, print } => tag(&*p, id, &changes, &once, print.format(), out).await,
        Verb::Snooze { id, when, once, print } => {
            let change = Change::Snooze { until: parse_when(&when)? };
            one(&*p, id, change, &once, print.format(), out).await
        }
        Verb::Suggest { id, print } => {
            let op = Op::RequestSuggestion { conversation: ConversationId::from(id) };
            let key = uuid::Uuid::now_v7().to_string();
            let done = apply_once(&*p, &op, &key, "asking the copilot").await?;
            applied(out, print.format(), &done).map_err(io)
        }
        Verb::SendSuggestion { id, once, print } => {
            let op = Op::SendSuggestion { suggestion: SuggestionId::from(id) };
            let done = apply_once(&*p, &op, &key(&once), "sending the suggestion").await?;
            applied(out, print.format(), &done).map_err(io)
        }
        Verb::DismissSuggestion { id, once, print } => {
            let op = Op::DismissSuggestion { suggestion: SuggestionId::from(id) };
            let done = apply_once(&*p, &op, &key(&once), "dismissing the suggestion").await?;
            applied(out, print.format(), &done).map_err(io)
        }
        Verb::Views { print } => {
            let views = read("reading the views", || p.views()).await?;
            output::list(out, print.format(), &views, output::view_row, &output::VIEW_HEAD).map_err(io)
        }
        Verb::Watch { print } => watch(p, print.format(), out).await,
    }
}

/// The idempotency key given, or a new one, said on standard error so a script can
/// run the same write again with it.
fn key(once: &Once) -> String {
    once.idempotency_key.clone().unwrap_or_else(|| {
        let key = uuid::Uuid::now_v7().to_string();
        eprintln!("idempotency key: {key}");
        key
    })
}

/// Refuses up front what the account cannot do, naming it (exit 5).
fn check(p: &dyn Provider, op: &Op) -> Result<(), Failure> {
    p.capabilities().check(op).map_err(|e| Failure::provider(p.name(), &e))
}

fn body_text(body: Option<&str>) -> Result<String, Failure> {
    let text = match body {
        Some("-") | None => {
            if std::io::stdin().is_terminal() {
                return Err(Failure::usage("no body: give --body TEXT, or pipe the text in with --body -"));
            }
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).map_err(|e| Failure::other(format!("reading the body: {e}")))?;
            s
        }
        Some(text) => text.to_owned(),
    };
    if text.trim().is_empty() {
        return Err(Failure::usage("the body is empty: nothing to send"));
    }
    Ok(text)
}

fn parse_when(text: &str) -> Result<jiff::Timestamp, Failure> {
    let tz = jiff::tz::TimeZone::system();
    frontdesk_tui::update::local::parse_when(text, jiff::Timestamp::now(), &tz).ok_or_else(|| {
        Failure::usage(format!(
            "cannot read {text:?} as a time to come: try 30m, 2h, 3d, 17:30, tomorrow, fri 14:00 or 2026-12-01"
        ))
    })
}

async fn filter(
    p: &dyn Provider,
    query: Option<String>,
    status: &[String],
    assignee: Option<&str>,
) -> Result<ViewFilter, Failure> {
    let mut f = ViewFilter { q: query.filter(|q| !q.trim().is_empty()), ..ViewFilter::default() };
    for s in status {
        let s = s.trim();
        f.status.push(
            Status::parse(s)
                .ok_or_else(|| Failure::usage(format!("unknown status {s:?}: open, pending, snoozed or closed")))?,
        );
    }
    f.assignee = match assignee {
        None => None,
        Some("me") => Some(AssigneeFilter::Me),
        Some("none") => Some(AssigneeFilter::Unassigned),
        Some(who) => Some(AssigneeFilter::Agent(agent_id(p, who).await?.to_string())),
    };
    Ok(f)
}

async fn view_id(p: &dyn Provider, wanted: &str) -> Result<ViewId, Failure> {
    let views = read("reading the views", || p.views()).await?;
    let hit = views.iter().find(|v| v.view.id.as_str() == wanted).or_else(|| {
        views
            .iter()
            .find(|v| v.view.name.eq_ignore_ascii_case(wanted) || v.view.id.as_str().eq_ignore_ascii_case(wanted))
    });
    hit.map(|v| v.view.id.clone()).ok_or_else(|| {
        let names: Vec<&str> = views.iter().map(|v| v.view.name.as_str()).collect();
        Failure { code: code::NOT_FOUND, message: format!("no view {wanted:?} (have: {})", names.join(", ")) }
    })
}

/// `me`, or an agent by id, email or name (a unique match).
async fn agent_id(p: &dyn Provider, who: &str) -> Result<AgentId, Failure> {
    if who == "me" {
        return Ok(read("finding out who you are", || p.me()).await?.agent.id);
    }
    let agents = read("reading the agents", || p.agents()).await?;
    let lower = who.to_lowercase();
    let exact: Vec<_> = agents
        .iter()
        .filter(|a| a.id.as_str() == who || a.email.eq_ignore_ascii_case(who) || a.name.to_lowercase() == lower)
        .collect();
    let found: Vec<_> = if exact.is_empty() {
        agents.iter().filter(|a| a.name.to_lowercase().contains(&lower)).collect()
    } else {
        exact
    };
    match found.as_slice() {
        [one] => Ok(one.id.clone()),
        [] => Err(Failure { code: code::NOT_FOUND, message: format!("no agent matches {who:?}") }),
        many => {
            let names: Vec<String> = many.iter().map(|a| format!("{} <{}>", a.name, a.email)).collect();
            Err(Failure::usage(format!("{who:?} matches {}: say which", names.join(", "))))
        }
    }
}

async fn list(
    p: &dyn Provider,
    view: Option<ViewId>,
    filter: ViewFilter,
    want: u32,
) -> Result<Vec<Conversation>, Failure> {
    let mut items = Vec::new();
    let mut cursor = None;
    loop {
        let left = want.saturating_sub(u32::try_from(items.len()).unwrap_or(u32::MAX));
        let q = ListQuery {
            view: view.clone(),
            filter: filter.clone(),
            sort: Sort::default(),
            cursor: cursor.clone(),
            limit: left.min(PAGE),
            ..ListQuery::default()
        };
        let page = read("listing conversations", || p.list(q.clone())).await?;
        items.extend(page.items);
        cursor = page.next_cursor;
        if cursor.is_none() || items.len() >= want as usize {
            items.truncate(want as usize);
            return Ok(items);
        }
    }
}

async fn one(
    p: &dyn Provider,
    id: String,
    change: Change,
    once: &Once,
    format: Format,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let op = Op::Change { conversation: ConversationId::from(id), change };
    check(p, &op)?;
    let done = apply_once(p, &op, &key(once), &op_label(&op)).await?;
    applied(out, format, &done).map_err(io)
}

fn op_label(op: &Op) -> String {
    match op {
        Op::Change { change, .. } | Op::Bulk { change, .. } => change.label().to_lowercase(),
        _ => "applying".to_owned(),
    }
}

/// One change to one or many conversations: in one request where the backend takes
/// bulk changes, else one by one. Any that failed are said on standard error.
async fn many(p: &dyn Provider, m: Many, change: Change, out: &mut dyn Write) -> Result<(), Failure> {
    let Many { ids, once, print } = m;
    if let [id] = ids.as_slice() {
        return one(p, id.clone(), change, &once, print.format(), out).await;
    }
    let conversations: Vec<ConversationId> = ids.into_iter().map(ConversationId::from).collect();
    let key = key(&once);
    let mut results: Vec<(ConversationId, Result<Conversation, Failure>)> = Vec::new();
    let bulk = Op::Bulk { conversations: conversations.clone(), change: change.clone() };
    if p.capabilities().bulk && check(p, &bulk).is_ok() {
        match apply_once(p, &bulk, &key, "the bulk change").await? {
            Applied::Bulk(each) => {
                for (id, r) in each {
                    results.push((id, r.map(|c| *c).map_err(Failure::other)));
                }
            }
            other => return applied(out, print.format(), &other).map_err(io),
        }
    } else {
        for (i, id) in conversations.iter().enumerate() {
            let op = Op::Change { conversation: id.clone(), change: change.clone() };
            check(p, &op)?;
            let r = apply_once(p, &op, &format!("{key}:{i}"), &op_label(&op)).await.and_then(|a| match a {
                Applied::Conversation(c) => Ok(*c),
                _ => Err(Failure::other("the backend answered with something other than the conversation")),
            });
            results.push((id.clone(), r));
        }
    }
    let done: Vec<Conversation> = results.iter().filter_map(|(_, r)| r.as_ref().ok().cloned()).collect();
    output::list(out, print.format(), &done, output::conversation_row, &output::CONVERSATION_HEAD).map_err(io)?;
    let failed: Vec<(&ConversationId, &Failure)> =
        results.iter().filter_map(|(id, r)| r.as_ref().err().map(|f| (id, f))).collect();
    for (id, f) in &failed {
        eprintln!("{id}: {f}");
    }
    match failed.first() {
        None => Ok(()),
        Some((_, first)) => {
            Err(Failure { code: first.code, message: format!("{} of {} failed", failed.len(), results.len()) })
        }
    }
}

/// `+tag` adds, `-tag` removes: as two changes where the backend has them, else
/// by reading the tags, merging and writing the list back.
async fn tag(
    p: &dyn Provider,
    id: String,
    changes: &[String],
    once: &Once,
    format: Format,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let (mut add, mut remove) = (Vec::new(), Vec::new());
    for c in changes {
        if c.starts_with("--") {
            // -tag removes, so everything after the id is read as tags.
            return Err(Failure::usage(format!(
                "{c:?} after the tags: put options first, as in frontdesk tag --json ID +new -old"
            )));
        }
        match (c.strip_prefix('+'), c.strip_prefix('-')) {
            (Some(t), _) if !t.trim().is_empty() => add.push(t.trim().to_owned()),
            (_, Some(t)) if !t.trim().is_empty() => remove.push(t.trim().to_owned()),
            _ => return Err(Failure::usage(format!("{c:?}: write +tag to add or -tag to remove"))),
        }
    }
    let conversation = ConversationId::from(id);
    let key = key(once);
    let mut last = None;
    let parts = [
        (Change::AddTags { tags: add.clone() }, !add.is_empty()),
        (Change::RemoveTags { tags: remove.clone() }, !remove.is_empty()),
    ];
    let direct = parts.iter().all(|(c, wanted)| {
        !wanted || p.capabilities().check(&Op::Change { conversation: conversation.clone(), change: c.clone() }).is_ok()
    });
    if direct {
        for (i, (change, wanted)) in parts.into_iter().enumerate() {
            if wanted {
                let op = Op::Change { conversation: conversation.clone(), change };
                last = Some(apply_once(p, &op, &format!("{key}:{i}"), "tagging").await?);
            }
        }
    } else {
        let c = read("reading the conversation", || p.conversation(conversation.clone())).await?;
        let mut tags: Vec<String> = c.tags.into_iter().filter(|t| !remove.contains(t)).collect();
        for t in add {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        let op = Op::Change { conversation, change: Change::SetTags { tags } };
        check(p, &op)?;
        last = Some(apply_once(p, &op, &key, "tagging").await?);
    }
    match last {
        Some(done) => applied(out, format, &done).map_err(io),
        None => Err(Failure::usage("no tags given")),
    }
}

/// What a write gave back.
fn applied(out: &mut dyn Write, format: Format, a: &Applied) -> std::io::Result<()> {
    match a {
        Applied::Conversation(c) => {
            output::list(out, format, std::slice::from_ref(&**c), output::conversation_row, &output::CONVERSATION_HEAD)
        }
        Applied::Message(m) => output::one(out, format, &**m, || output::message_text(m)),
        Applied::Suggestion(s) => output::one(out, format, &**s, || output::suggestion_text(s)),
        Applied::Bulk(each) => {
            let done: Vec<Conversation> =
                each.iter().filter_map(|(_, r)| r.as_ref().ok().map(|c| (**c).clone())).collect();
            output::list(out, format, &done, output::conversation_row, &output::CONVERSATION_HEAD)
        }
        Applied::Done => output::one(out, format, &serde_json::json!({ "done": true }), || "done".to_owned()),
    }
}

/// Live events until interrupted: one line each (JSON with --json/--jsonl). How
/// the link is doing goes to standard error, so standard output stays events only.
async fn watch(p: Arc<dyn Provider>, format: Format, out: &mut dyn Write) -> Result<(), Failure> {
    let mut updates = p.updates(None);
    loop {
        let next = tokio::select! {
            u = updates.next() => u,
            _ = tokio::signal::ctrl_c() => return Ok(()),
        };
        let Some(update) = next else { return Ok(()) };
        match update {
            Update::Event(e) => {
                match format {
                    Format::Table => {
                        let about = e.kind.conversation_id().map(ToString::to_string).unwrap_or_default();
                        writeln!(out, "{}  {:<22}  {about}", output::when(e.at), e.kind.name())
                    }
                    Format::Json | Format::Jsonl => {
                        serde_json::to_writer(&mut *out, &*e).map_err(std::io::Error::from).and_then(|()| writeln!(out))
                    }
                }
                .map_err(io)?;
                out.flush().map_err(io)?;
            }
            Update::Connected => eprintln!("connected: live"),
            Update::Polling { every } => eprintln!("connected: polling every {}s", every.as_secs()),
            Update::Reconnecting { after, reason } => {
                eprintln!("connection lost ({reason}); trying again in {}s", after.as_secs());
            }
            Update::Unavailable(why) => eprintln!("no live stream ({why})"),
            Update::Refused { reason, .. } => {
                return Err(Failure { code: code::AUTH, message: format!("watching: the key was refused: {reason}") });
            }
            Update::Synced => {}
        }
    }
}

/// The configured accounts and what each can do. Makes no request: what an account
/// can do is its provider's. Building the provider reads its key (`api_key_cmd`),
/// and an account whose key cannot be read says why instead.
fn accounts(cfg: &Config, format: Format, out: &mut dyn Write) -> Result<(), Failure> {
    let rows: Vec<serde_json::Value> = cfg
        .accounts
        .iter()
        .map(|a| {
            let (can, problem) = match setup::provider(a) {
                Ok(p) => (abilities(p.capabilities()).join(" "), String::new()),
                Err(e) => (String::new(), format!("{e:#}")),
            };
            serde_json::json!({ "name": a.name, "provider": a.provider, "url": a.url, "can": can, "problem": problem })
        })
        .collect();
    output::list(
        out,
        format,
        &rows,
        |r| {
            let can = r["can"].as_str().unwrap_or_default();
            let problem = r["problem"].as_str().unwrap_or_default();
            let can = if problem.is_empty() { can.to_owned() } else { format!("(cannot open: {problem})") };
            vec![
                output::cell(r["name"].as_str().unwrap_or_default(), 40),
                output::cell(r["provider"].as_str().unwrap_or_default(), 20),
                output::cell(r["url"].as_str().unwrap_or_default(), 60),
                output::cell(&can, 400),
            ]
        },
        &["NAME", "PROVIDER", "URL", "CAN"],
    )
    .map_err(io)
}

/// The names of what an account can do, as `accounts` lists them.
fn abilities(c: &frontdesk_provider::Capabilities) -> Vec<&'static str> {
    [
        ("stream", c.streaming),
        ("views", c.saved_views),
        ("copilot", c.copilot),
        ("handoff", c.handoff),
        ("bulk", c.bulk),
        ("snooze", c.snooze),
        ("tags", c.tags),
        ("notes", c.notes),
        ("search", c.search),
        ("star", c.star),
        ("read", c.read),
        ("create", c.create),
        ("attachments", c.attachments),
        ("close", c.close),
        ("reopen", c.reopen),
        ("pending", c.pending),
        ("assign", c.assign),
        ("priority", c.priority),
        ("archive", c.archive),
    ]
    .into_iter()
    .filter_map(|(name, on)| on.then_some(name))
    .collect()
}

/// Writing what a verb did failed (a closed pipe, a full disk).
#[allow(clippy::needless_pass_by_value, reason = "map_err hands the error over")]
fn io(e: std::io::Error) -> Failure {
    Failure::other(format!("writing the output: {e}"))
}
