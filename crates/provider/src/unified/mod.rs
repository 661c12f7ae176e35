//! The unified inbox: several accounts behind one [`Provider`]. Lists are merged by
//! latest activity, built-in views are merged by name with their counts added up,
//! saved views keep their account's name, and every op goes to the account its ids
//! say (see [`tag`]). An account that cannot be reached is left out of the answer
//! (and logged) while the others keep working; only when all fail is it an error.

mod bot;
mod list;
mod ops;
pub mod tag;

/// The name of the unified inbox over every account, as `--account` and the
/// account picker say it.
pub const UNIFIED: &str = "all";

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use futures::stream::BoxStream;

pub use tag::SEPARATOR;
use tag::{ME, Tagger};

use super::{Applied, Capabilities, Identity, ListQuery, Provider, ProviderError, ProviderFuture, ProviderResult};
use crate::Update;
use crate::poll::{self, Activity};
use frontdesk_domain::{
    Agent, AgentId, BuiltinView, Change, Conversation, ConversationId, Event, EventKind, Message, Op, Page,
    PresenceState, Suggestion, ViewCount, ViewId, ViewWithCount,
};

/// One account inside the unified inbox.
pub struct Member {
    pub name: String,
    pub provider: Arc<dyn Provider>,
    pub poll_every: Duration,
}

pub struct Unified {
    members: Vec<Member>,
    caps: Capabilities,
    /// Each member's own agent id, once known.
    me: Arc<Mutex<HashMap<String, AgentId>>>,
    /// Each member's latest view counts, to add up when one changes.
    counts: Arc<Mutex<HashMap<String, Vec<ViewCount>>>>,
    activity: Activity,
    cursors: Mutex<list::Kept>,
    /// Members that failed their last views or list request, with the error.
    down: Mutex<HashMap<String, String>>,
    next_cursor: std::sync::atomic::AtomicU64,
}

impl Unified {
    pub fn new(members: Vec<Member>, activity: Activity) -> Self {
        let mut caps = Capabilities {
            streaming: true,
            bulk: true,
            saved_views: true,
            copilot: false,
            handoff: false,
            snooze: false,
            tags: false,
            notes: false,
            search: false,
            urgency_sort: false,
            // The merged list read backwards, where every account reads from its end.
            list_upward: !members.is_empty(),
            presence: false,
            // Kept on the server only when every account can; else all here.
            star: true,
            read: true,
            // Which account would it go to? Open it from that account.
            create: false,
            attachments: false,
            delete: false,
            bot: false,
            close: false,
            reopen: false,
            pending: false,
            assign: false,
            priority: false,
            archive: false,
            edit_views: false,
            // Whose levels? A conversation's own level is still offered while it is current.
            own_priorities: &[],
        };
        for m in &members {
            let c = m.provider.capabilities();
            caps.copilot |= c.copilot;
            caps.handoff |= c.handoff;
            caps.snooze |= c.snooze;
            caps.tags |= c.tags;
            caps.notes |= c.notes;
            caps.search |= c.search;
            caps.urgency_sort |= c.urgency_sort;
            caps.presence |= c.presence;
            caps.attachments |= c.attachments;
            caps.delete |= c.delete;
            caps.bot |= c.bot;
            caps.close |= c.close;
            caps.reopen |= c.reopen;
            caps.pending |= c.pending;
            caps.assign |= c.assign;
            caps.priority |= c.priority;
            caps.archive |= c.archive;
            caps.star &= c.star;
            caps.list_upward &= c.list_upward;
            caps.read &= c.read;
        }
        Self {
            members,
            caps,
            me: Arc::new(Mutex::new(HashMap::new())),
            counts: Arc::new(Mutex::new(HashMap::new())),
            activity,
            cursors: Mutex::new(VecDeque::new()),
            down: Mutex::new(HashMap::new()),
            next_cursor: std::sync::atomic::AtomicU64::new(1),
        }
    }

    /// A member answered (`None`) or failed: remembered for the sidebar.
    fn note(&self, account: &str, error: Option<&ProviderError>) {
        if let Ok(mut down) = self.down.lock() {
            match error {
                Some(e) => {
                    down.insert(account.to_owned(), e.to_string());
                }
                None => {
                    down.remove(account);
                }
            }
        }
    }

    fn member(&self, account: &str) -> ProviderResult<&Member> {
        self.members
            .iter()
            .find(|m| m.name == account)
            .ok_or_else(|| ProviderError::NotFound(format!("no account named {account:?} in the config")))
    }

    fn known_me(&self, account: &str) -> Option<AgentId> {
        self.me.lock().ok().and_then(|m| m.get(account).cloned())
    }

    /// The member's own agent id, asked for once.
    async fn me_of(&self, m: &Member) -> Option<AgentId> {
        if let Some(id) = self.known_me(&m.name) {
            return Some(id);
        }
        let id = m.provider.me().await.ok()?.agent.id;
        if let Ok(mut map) = self.me.lock() {
            map.insert(m.name.clone(), id.clone());
        }
        Some(id)
    }

    async fn tagger_parts(&self, m: &Member) -> (String, Option<String>) {
        (m.name.clone(), self.me_of(m).await.map(|id| id.0.to_string()))
    }

    /// The member a conversation belongs to, and its own id there.
    fn route(&self, id: &ConversationId) -> ProviderResult<(&Member, ConversationId)> {
        let (account, raw) =
            tag::conversation(id).ok_or_else(|| ProviderError::NotFound(format!("{id} names no account")))?;
        Ok((self.member(account)?, raw))
    }

    /// A change as the member understands it: "me" and tagged agents made its own.
    async fn change_for(&self, m: &Member, change: &Change) -> ProviderResult<Change> {
        let Change::Assign { agent_id: Some(agent), team } = change else { return Ok(change.clone()) };
        let own = if agent.0 == ME {
            self.me_of(m).await.ok_or_else(|| ProviderError::Auth(format!("{}: who am I is unknown", m.name)))?
        } else {
            match tag::split(&agent.0) {
                Some((account, raw)) if account == m.name => AgentId::from(raw),
                _ => {
                    return Err(ProviderError::Permanent {
                        code: "OTHER_ACCOUNT".into(),
                        message: format!("that agent is not in the {} account", m.name),
                    });
                }
            }
        };
        Ok(Change::Assign { agent_id: Some(own), team: team.clone() })
    }
}

/// Most urgent first: overdue, then the nearest deadline, then the longest wait.
fn urgency(c: &Conversation) -> (bool, Option<jiff::Timestamp>, Option<jiff::Timestamp>) {
    (c.sla_due_at.is_none(), c.sla_due_at, c.waiting_since)
}

fn activity(c: &Conversation) -> jiff::Timestamp {
    c.last_message.as_ref().map_or(c.updated_at, |m| m.at)
}

fn unsupported(what: &'static str) -> ProviderFuture<'static, ()> {
    Box::pin(async move { Err(ProviderError::Unsupported(what)) })
}

impl Provider for Unified {
    fn name(&self) -> &str {
        UNIFIED
    }

    fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    fn me(&self) -> ProviderFuture<'_, Identity> {
        Box::pin(async move {
            let answers = futures::future::join_all(self.members.iter().map(|m| m.provider.me())).await;
            let mut first: Option<Identity> = None;
            let mut error = None;
            for (m, answer) in self.members.iter().zip(answers) {
                match answer {
                    Ok(id) => {
                        if let Ok(mut map) = self.me.lock() {
                            map.insert(m.name.clone(), id.agent.id.clone());
                        }
                        first.get_or_insert(id);
                    }
                    Err(e) => {
                        tracing::warn!(account = %m.name, error = %e, "account unreachable");
                        error.get_or_insert(e);
                    }
                }
            }
            let Some(mut id) = first else {
                return Err(error.unwrap_or(ProviderError::Unsupported("accounts")));
            };
            id.agent.id = AgentId::from(ME);
            id.org_name = format!("{} accounts", self.members.len());
            Ok(id)
        })
    }

    fn agents(&self) -> ProviderFuture<'_, Vec<Agent>> {
        Box::pin(async move {
            let answers = futures::future::join_all(self.members.iter().map(|m| m.provider.agents())).await;
            let mut out = Vec::new();
            for (m, answer) in self.members.iter().zip(answers) {
                let Ok(agents) = answer.inspect_err(|e| tracing::warn!(account = %m.name, error = %e, "no team"))
                else {
                    continue;
                };
                let (account, me) = self.tagger_parts(m).await;
                let t = Tagger { account: &account, me: me.as_deref() };
                for mut a in agents {
                    t.agent(&mut a);
                    // "me" once, however many accounts; the others say where they are.
                    if a.id.0 == ME && out.iter().any(|x: &Agent| x.id.0 == ME) {
                        continue;
                    }
                    if a.id.0 != ME {
                        a.team = Some(match a.team {
                            Some(team) => format!("{account} · {team}"),
                            None => account.clone(),
                        });
                    }
                    out.push(a);
                }
            }
            Ok(out)
        })
    }

    fn views(&self) -> ProviderFuture<'_, Vec<ViewWithCount>> {
        Box::pin(async move {
            let answers = futures::future::join_all(self.members.iter().map(|m| m.provider.views())).await;
            let mut builtin: Vec<ViewWithCount> = Vec::new();
            let mut saved = Vec::new();
            let mut error = None;
            let mut any = false;
            for (m, answer) in self.members.iter().zip(answers) {
                let views = match answer {
                    Ok(v) => v,
                    Err(e) => {
                        tracing::warn!(account = %m.name, error = %e, "views unavailable");
                        self.note(&m.name, Some(&e));
                        error.get_or_insert(e);
                        continue;
                    }
                };
                self.note(&m.name, None);
                any = true;
                if let Ok(mut counts) = self.counts.lock() {
                    let mine = views.iter().map(|v| ViewCount { view_id: v.view.id.clone(), count: v.count });
                    counts.insert(m.name.clone(), mine.collect());
                }
                let (account, me) = self.tagger_parts(m).await;
                let t = Tagger { account: &account, me: me.as_deref() };
                for mut v in views {
                    if BuiltinView::parse(v.view.id.as_str()).is_some() {
                        match builtin.iter_mut().find(|b| b.view.id == v.view.id) {
                            Some(b) => b.count += v.count,
                            None => builtin.push(v),
                        }
                    } else {
                        v.view.id = ViewId::from(tag::tag(&account, v.view.id.as_str()));
                        v.view.name = format!("{} · {account}", v.view.name);
                        t.filter(&mut v.view.filter);
                        saved.push(v);
                    }
                }
            }
            if !any {
                return Err(error.unwrap_or(ProviderError::Unsupported("views")));
            }
            builtin.sort_by_key(|v| BuiltinView::ALL.iter().position(|b| b.id() == v.view.id.as_str()));
            builtin.extend(saved);
            Ok(builtin)
        })
    }

    fn list(&self, query: ListQuery) -> ProviderFuture<'_, Page<Conversation>> {
        Box::pin(self.merged_list(query))
    }

    fn conversation(&self, id: ConversationId) -> ProviderFuture<'_, Conversation> {
        Box::pin(async move {
            let (m, raw) = self.route(&id)?;
            let mut c = m.provider.conversation(raw).await?;
            let (account, me) = self.tagger_parts(m).await;
            Tagger { account: &account, me: me.as_deref() }.conversation(&mut c);
            Ok(c)
        })
    }

    fn thread(&self, id: ConversationId, limit: u32) -> ProviderFuture<'_, Vec<Message>> {
        Box::pin(async move {
            let (m, raw) = self.route(&id)?;
            let mut messages = m.provider.thread(raw, limit).await?;
            let (account, me) = self.tagger_parts(m).await;
            let t = Tagger { account: &account, me: me.as_deref() };
            for x in &mut messages {
                t.message(x);
            }
            Ok(messages)
        })
    }

    fn thread_page(&self, id: ConversationId, cursor: Option<String>, limit: u32) -> ProviderFuture<'_, Page<Message>> {
        Box::pin(async move {
            let (m, raw) = self.route(&id)?;
            let mut page = m.provider.thread_page(raw, cursor, limit).await?;
            let (account, me) = self.tagger_parts(m).await;
            let t = Tagger { account: &account, me: me.as_deref() };
            for x in &mut page.items {
                t.message(x);
            }
            Ok(page)
        })
    }

    fn suggestions(&self, id: ConversationId) -> ProviderFuture<'_, Vec<Suggestion>> {
        Box::pin(async move {
            let (m, raw) = self.route(&id)?;
            if !m.provider.capabilities().copilot {
                return Ok(Vec::new());
            }
            let mut out = m.provider.suggestions(raw).await?;
            let (account, me) = self.tagger_parts(m).await;
            let t = Tagger { account: &account, me: me.as_deref() };
            for s in &mut out {
                t.suggestion(s);
            }
            Ok(out)
        })
    }

    fn presence(&self, id: ConversationId, state: PresenceState) -> ProviderFuture<'_, ()> {
        let Ok((m, raw)) = self.route(&id) else { return unsupported("presence") };
        if !m.provider.capabilities().presence {
            return unsupported("presence");
        }
        m.provider.presence(raw, state)
    }

    fn apply(&self, op: Op, key: String) -> ProviderFuture<'_, Applied> {
        Box::pin(self.apply_op(op, key))
    }

    fn bot(&self) -> Option<&dyn crate::bot::BotBuilder> {
        self.caps.bot.then_some(self as &dyn crate::bot::BotBuilder)
    }

    fn delete_conversation(&self, id: ConversationId) -> ProviderFuture<'_, ()> {
        Box::pin(self.delete(id))
    }

    /// None for the whole: each member is polled by a poller of its own (see
    /// `updates`), which probes that member. One fingerprint for all would stand
    /// still only when every member does, and nothing polls the unified inbox as
    /// one (it claims a stream).
    fn probe(&self) -> ProviderFuture<'_, Option<String>> {
        Box::pin(async { Ok(None) })
    }

    fn already_applied(&self, op: &Op, since: jiff::Timestamp) -> ProviderFuture<'_, Option<Applied>> {
        Box::pin(self.already_applied_op(op.clone(), since))
    }

    fn trouble(&self) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> =
            self.down.lock().map(|d| d.iter().map(|(a, e)| (a.clone(), e.clone())).collect()).unwrap_or_default();
        out.sort();
        out
    }

    fn updates(&self, _resume: Option<String>) -> BoxStream<'static, Update> {
        // Each member resumes from now: its own ids cannot ride in one resume token.
        // The client reloads its list on connecting, so nothing shown is stale.
        let streams = self.members.iter().enumerate().map(|(i, m)| {
            poll::stream_or_poll(Arc::clone(&m.provider), None, m.poll_every, self.activity.clone())
                .map(move |u| (i, u))
                .boxed()
        });
        let names: Vec<String> = self.members.iter().map(|m| m.name.clone()).collect();
        let me = Arc::clone(&self.me);
        let counts = Arc::clone(&self.counts);
        let mut merged = futures::stream::select_all(streams);
        let n = names.len();
        Box::pin(async_stream::stream! {
            // Up when every member is; polling when any polls (at the quickest pace).
            let mut up: Vec<Option<Option<Duration>>> = vec![None; n];
            while let Some((i, update)) = merged.next().await {
                let account = &names[i];
                match update {
                    Update::Connected | Update::Polling { .. } => {
                        up[i] = Some(match update { Update::Polling { every } => Some(every), _ => None });
                        if up.iter().all(Option::is_some) {
                            let polls = up.iter().filter_map(|u| u.flatten()).min();
                            yield polls.map_or(Update::Connected, |every| Update::Polling { every });
                        }
                    }
                    Update::Reconnecting { after, reason } => {
                        up[i] = None;
                        yield Update::Reconnecting { after, reason: format!("{account}: {reason}") };
                    }
                    Update::Refused { reason, after } => {
                        up[i] = None;
                        yield Update::Refused { reason: format!("{account}: {reason}"), after };
                    }
                    Update::Synced => {
                        if up.iter().all(Option::is_some) {
                            yield Update::Synced;
                        }
                    }
                    Update::Unavailable(_) => {}
                    Update::Event(e) => {
                        let Event { at, mut kind, .. } = *e;
                        if let EventKind::ViewCountsChanged(mine) = kind {
                            kind = EventKind::ViewCountsChanged(summed(&counts, account, mine));
                        } else {
                            let own = me.lock().ok().and_then(|m| m.get(account).map(|id| id.0.clone()));
                            Tagger { account, me: own.as_deref() }.event(&mut kind);
                        }
                        yield Update::Event(Box::new(Event { id: None, at, kind }));
                    }
                }
            }
        })
    }
}

/// One member's new counts, added to the others' latest.
fn summed(counts: &Mutex<HashMap<String, Vec<ViewCount>>>, account: &str, mine: Vec<ViewCount>) -> Vec<ViewCount> {
    let Ok(mut all) = counts.lock() else { return Vec::new() };
    all.insert(account.to_owned(), mine);
    let mut out: Vec<ViewCount> = Vec::new();
    for (name, list) in all.iter() {
        for c in list {
            if BuiltinView::parse(c.view_id.as_str()).is_some() {
                match out.iter_mut().find(|o| o.view_id == c.view_id) {
                    Some(o) => o.count += c.count,
                    None => out.push(c.clone()),
                }
            } else {
                out.push(ViewCount { view_id: ViewId::from(tag::tag(name, c.view_id.as_str())), count: c.count });
            }
        }
    }
    out
}

#[cfg(test)]
#[path = "tests.rs"]
mod tests;
