//! What the sync engine reports: first data, list pages and threads (stale
//! generations dropped), answers to changes (accepted or rolled back), and live
//! events that update the screen in place.

use jiff::ToSpan as _;

use super::{compose, current, error, info, nav, triage};
use crate::effect::Effect;
use crate::state::{Connection, Focus, Going, Inflight, ListFailure, State, ViewEntry};
use frontdesk_domain::{Event, EventKind, Message, ViewKind};
use frontdesk_provider::{Applied, ProviderError, Update};
use frontdesk_sync::{Place, SyncEvent};

pub fn event(state: &mut State, event: SyncEvent) -> Vec<Effect> {
    match event {
        SyncEvent::Identity(id) => {
            state.bootstrapping = false;
            state.me = Some(id.agent);
            state.org = Some(id.org_name);
            Vec::new()
        }
        SyncEvent::Agents(agents) => {
            state.agents = agents;
            Vec::new()
        }
        SyncEvent::Teams(teams) => {
            state.teams = teams;
            Vec::new()
        }
        SyncEvent::Views(views) => {
            set_views(state, views);
            Vec::new()
        }
        SyncEvent::List { generation, page, at, cached } => list_page(state, generation, page, (at, cached)),
        SyncEvent::Older { generation, id, messages, older } => {
            older_messages(state, (generation, &id), messages, older);
            Vec::new()
        }
        SyncEvent::Thread { generation, id, messages, suggestion, older } => {
            if let Some(t) = state.thread.as_mut().filter(|t| t.id == id && t.generation == generation) {
                t.loading = false;
                t.failed = None;
                t.older = older;
                t.messages = messages;
                t.suggestion = suggestion.map(|s| *s);
                state.status.last_sync = Some(state.now);
                // A composer opened while the thread was loading has now seen it.
                let seen = compose::seen_in(t);
                if let Some(c) = state.composer.as_mut().filter(|c| c.conversation == id && c.seen.is_none()) {
                    c.seen = seen;
                }
            }
            Vec::new()
        }
        SyncEvent::ThreadFailed { generation, id, error: why } => {
            // Said where the eye is, for the thread it was about; a stale one (the
            // agent moved on) is only logged.
            if let Some(t) = state.thread.as_mut().filter(|t| t.id == id && t.generation == generation) {
                t.loading = false;
                t.failed = Some(why.to_string());
                error(state, format!("could not load thread: {why}"));
            } else {
                tracing::debug!(error = %why, "a thread no longer shown did not load");
            }
            Vec::new()
        }
        SyncEvent::Urgent(found) => urgent(state, found),
        SyncEvent::Trouble(trouble) => {
            state.trouble = trouble;
            Vec::new()
        }
        SyncEvent::Sla(sla) => {
            state.sla = sla;
            Vec::new()
        }
        SyncEvent::Degraded(why) => {
            degraded(state, why);
            Vec::new()
        }
        SyncEvent::Created(result) => super::create::created(state, result),
        SyncEvent::Applied { ticket, result } => {
            applied(state, ticket, result);
            Vec::new()
        }
        // An account that does not say who the key is (an optional endpoint it
        // lacks): said once, not as an error, and "to me" says why it cannot.
        SyncEvent::Failed { what: "sign-in", error: ProviderError::Unsupported(why) } => {
            state.bootstrapping = false;
            state.identity_unknown = true;
            degraded(state, format!("{why} is not supported by this account: assign by name (a)"));
            Vec::new()
        }
        SyncEvent::Failed { what, error: e } => {
            if what == "sign-in" {
                state.bootstrapping = false;
            }
            if what == "conversations" {
                list_failed(state, &e);
            }
            if what == "thread"
                && let Some(t) = &mut state.thread
            {
                t.loading = false;
            }
            error(state, format!("could not load {what}: {e}"));
            Vec::new()
        }
        SyncEvent::Live(update) => live(state, update),
        SyncEvent::Console(e) => super::console::event(state, *e),
        SyncEvent::Bot { conversation, call, result } => super::bot::answered(state, &conversation, &call, result),
        SyncEvent::Found(result) => super::bot::found(state, result),
        SyncEvent::Deleted { id, result } => super::delete::conversation_deleted(state, &id, result),
        SyncEvent::ViewSaved(result) => super::views::saved(state, result),
        SyncEvent::ViewDeleted { id, result } => super::views::deleted(state, &id, result),
        event @ (SyncEvent::Retrying { .. } | SyncEvent::Recovered(_) | SyncEvent::Drafts(_)) => {
            outbox(state, event);
            Vec::new()
        }
    }
}

/// A page of the list: the server's replacing the cache's, appended below or put
/// above, the view's end in place of its start, or stale.
fn list_page(
    state: &mut State,
    generation: u64,
    page: frontdesk_domain::Page<frontdesk_domain::Conversation>,
    (at, cached): (Place, bool),
) -> Vec<Effect> {
    if generation != state.list.generation || (cached && state.list.loaded) {
        // Stale, or the cache arriving after the server: nothing to show.
        return Vec::new();
    }
    // Where the agent asked to go (`G`, `g`) the selection goes; otherwise a page
    // replacing what is shown keeps the agent on the same conversation, even one
    // the new page lacks (a view switch or a search starts from an empty list).
    let jump = state.list.going.filter(|g| at == Place::Replace && !cached && *g != Going::Down);
    let keep = (at == Place::Replace && jump.is_none())
        .then(|| {
            let row = state.list.index(state.list.selected)?;
            Some((row, state.list.items.get(row)?.clone()))
        })
        .flatten();
    let list = &mut state.list;
    let (selected, offset) = (list.selected, list.offset);
    list.loading = cached;
    list.loaded = true;
    if !cached {
        list.failed = None;
    }
    list.from_cache = cached;
    match at {
        Place::Replace => {
            list.next_cursor = page.next_cursor;
            list.prev_cursor = page.prev_cursor;
            list.set_items(page.items);
            list.selected = 0;
            list.offset = 0;
        }
        Place::Below => list.append_page(page.items, page.prev_cursor, page.next_cursor),
        // The rows below were here already; the lit one stays lit (`apply_filter`).
        Place::Above => list.prepend_page(page.items, page.prev_cursor, page.next_cursor),
    }
    nav::apply_filter(state);
    current::keep(state, keep);
    if at == Place::Above {
        // What was on screen stays where it was: the rows came above it.
        state.list.offset = offset + state.list.selected.saturating_sub(selected);
        nav::keep_visible(state);
    }
    if !cached {
        state.status.last_sync = Some(state.now);
    }
    let mut arrived = Vec::new();
    if jump == Some(Going::End) && state.list.next_cursor.is_some() {
        // A server that does not know `from=end` answered with its first page:
        // the end is walked to, a page at a time, rather than this called the end.
        tracing::info!("the server gave its first page for from=end; walking to the end instead");
        state.list.going = Some(Going::Down);
        state.list.selected = state.list.len().saturating_sub(1);
        nav::keep_visible(state);
    } else if let Some(edge) = jump {
        // The view's last page (`G`) or first (`g g`): the selection at its edge,
        // the thread with it.
        state.list.selected = if edge == Going::End { state.list.len().saturating_sub(1) } else { 0 };
        state.list.going = None;
        nav::keep_visible(state);
        arrived = nav::follow_selection(state);
    } else if at == Place::Below && state.list.going == Some(Going::Down) && !cached {
        // On the way to the end, a page at a time: the selection follows each
        // page; at the last one, the thread follows it.
        state.list.selected = state.list.len().saturating_sub(1);
        nav::keep_visible(state);
        if state.list.next_cursor.is_none() {
            state.list.going = None;
            arrived = nav::follow_selection(state);
        }
    }
    if at != Place::Replace && state.list.trim() {
        nav::keep_visible(state);
    }
    let mut effects = if cached { Vec::new() } else { nav::maybe_load_more(state) };
    effects.extend(arrived);
    if at == Place::Replace
        && state.width >= crate::ui::WIDE
        && state.thread.is_none()
        && let Some(id) = state.list.current().map(|c| c.id.clone())
    {
        effects.extend(nav::open_thread(state, &id, false));
    }
    effects
}

/// A page of the list did not come: said in the list, and no jump waits for it.
fn list_failed(state: &mut State, e: &ProviderError) {
    let list = &mut state.list;
    list.loading = false;
    list.going = None;
    list.failed = Some(match e {
        ProviderError::Auth(why) => ListFailure::KeyRefused(why.clone()),
        other => ListFailure::Other(other.to_string()),
    });
}

/// Once a run: a refusal is news the first time, noise after.
fn degraded(state: &mut State, why: String) {
    if state.degraded.insert(why.clone()) {
        info(state, why);
    }
}

fn set_views(state: &mut State, views: Vec<frontdesk_domain::ViewWithCount>) {
    let active = state.view_id();
    let mut entries: Vec<ViewEntry> =
        views.into_iter().map(|v| ViewEntry { count: Some(v.count), view: v.view }).collect();
    // Built-in views first, in their usual order; saved views after, as the server sorts them.
    entries.sort_by_key(|e| (e.view.kind != ViewKind::Builtin, builtin_rank(e.view.id.as_str())));
    state.views = entries;
    state.active_view = state.views.iter().position(|v| v.view.id == active).unwrap_or(0);
    state.sidebar_cursor = state.sidebar_cursor.min(state.views.len().saturating_sub(1));
}

/// Messages from before the loaded ones, put above them.
fn older_messages(
    state: &mut State,
    (generation, id): (u64, &frontdesk_domain::ConversationId),
    messages: Vec<frontdesk_domain::Message>,
    older: Option<String>,
) {
    let Some(t) = state.thread.as_mut().filter(|t| &t.id == id && t.generation == generation) else { return };
    t.loading_older = false;
    t.older = older;
    let mut earlier: Vec<_> = messages.into_iter().filter(|m| !t.messages.iter().any(|x| x.id == m.id)).collect();
    // The view is anchored at the bottom: adding above keeps the agent's place.
    earlier.append(&mut t.messages);
    t.messages = earlier;
}

/// The server answered a change, a send or a suggestion request.
fn applied(state: &mut State, ticket: u64, result: Result<Applied, frontdesk_provider::ProviderError>) {
    let Some(inflight) = state.inflight.remove(&ticket) else { return };
    if let Some((conversation, local, draft)) = inflight.message.clone() {
        match result {
            Ok(Applied::Message(m)) => {
                super::unsent::remove_unsent(state, &conversation, &local);
                if let Some(t) = state.thread.as_mut().filter(|t| t.id == conversation)
                    && !t.messages.iter().any(|x| x.id == m.id)
                {
                    t.messages.push(*m);
                }
                info(state, inflight.label);
            }
            Ok(_) => {}
            Err(e) => {
                let suggestion = inflight.suggestion.is_some();
                if let (Some(s), Some(t)) = (inflight.suggestion, state.thread.as_mut())
                    && t.id == s.conversation_id
                {
                    t.suggestion = Some(s);
                }
                super::unsent::send_failed(state, &conversation, &local, draft, &e.to_string());
                if suggestion {
                    // The suggestion itself is back in its panel: no second copy.
                    super::unsent::remove_unsent(state, &conversation, &local);
                }
            }
        }
        return;
    }
    if let Some(s) = inflight.suggestion.clone() {
        if let Err(e) = &result {
            if let Some(t) = state.thread.as_mut().filter(|t| t.id == s.conversation_id) {
                t.suggestion = Some(s);
            }
            error(state, format!("not dismissed: {e}"));
        }
        return;
    }
    match result {
        Ok(Applied::Suggestion(s)) => {
            if let Some(t) = state.thread.as_mut().filter(|t| t.id == s.conversation_id) {
                t.suggesting = false;
                t.suggestion = Some(*s);
            }
        }
        Err(e) if inflight.label == "suggestion asked" => {
            if let Some(t) = &mut state.thread {
                t.suggesting = false;
            }
            error(state, format!("the copilot could not draft: {e}"));
        }
        result => triage::applied(state, &inflight, result),
    }
}

/// What the outbox and the store report: a wait before a retry, what an earlier run
/// left, the kept drafts.
fn outbox(state: &mut State, event: SyncEvent) {
    match event {
        SyncEvent::Retrying { ticket, after, reason } => {
            let ms = i64::try_from(after.as_millis()).unwrap_or(i64::MAX / 2);
            let at = state.now.checked_add(ms.milliseconds()).unwrap_or(state.now);
            if let Some(i) = state.inflight.get_mut(&ticket) {
                i.retry = Some((at, reason));
            }
        }
        SyncEvent::Recovered(entries) => {
            recovered(state, entries);
        }
        SyncEvent::Drafts(drafts) => {
            for d in drafts {
                state.drafts.entry(d.conversation).or_insert(crate::state::Draft {
                    kind: d.kind,
                    lines: d.body.lines().map(str::to_owned).collect(),
                    suggestion: d.suggestion,
                });
            }
        }
        _ => {}
    }
}

/// The server named the most urgent conversation (or none): open it.
fn urgent(state: &mut State, found: Option<Box<frontdesk_domain::Conversation>>) -> Vec<Effect> {
    state.seeking_urgent = false;
    let Some(c) = found else {
        info(state, "nothing urgent: no open conversation is waiting");
        return Vec::new();
    };
    state.status.flash = None;
    show(state, *c)
}

/// Opens a conversation the engine found (selected in the list when it is there).
pub fn show(state: &mut State, c: frontdesk_domain::Conversation) -> Vec<Effect> {
    let id = c.id.clone();
    // Lit in the list too, put there when the view does not hold it.
    current::light(state, c.clone());
    if state.thread.as_ref().is_none_or(|t| t.id != id) {
        state.thread = None;
    }
    let mut effects = nav::open_thread(state, &id, true);
    if let Some(t) = &mut state.thread {
        t.conversation = Some(c);
    }
    state.focus = Focus::Thread;
    effects.shrink_to_fit();
    effects
}

fn builtin_rank(id: &str) -> usize {
    frontdesk_domain::BuiltinView::ALL.iter().position(|v| v.id() == id).unwrap_or(usize::MAX)
}

fn live(state: &mut State, update: Update) -> Vec<Effect> {
    match update {
        Update::Connected | Update::Polling { .. } => {
            let was_down = state.connection.is_down();
            state.connection = match update {
                Update::Polling { every } => Connection::Polling { every },
                _ => Connection::Live,
            };
            state.status.link_error = None;
            state.status.last_sync = Some(state.now);
            // The server was away at start: what the first screen asked for and did
            // not get is asked again. What is still on its way is not asked twice.
            let who = state.me.is_none() && !state.bootstrapping && !state.identity_unknown;
            let list = !state.list.loading && (!state.list.loaded || state.list.failed.is_some());
            if who || list {
                let mut effects = Vec::new();
                if who {
                    effects.push(nav::bootstrap(state));
                }
                if list {
                    effects.push(nav::reload_list(state));
                }
                if let Some(t) = state.thread.as_mut().filter(|t| t.failed.is_some()) {
                    t.generation += 1;
                    effects.push(Effect::Sync(frontdesk_sync::SyncCommand::Thread {
                        generation: t.generation,
                        id: t.id.clone(),
                    }));
                }
                effects
            } else if was_down {
                vec![Effect::Sync(frontdesk_sync::SyncCommand::Views)]
            } else {
                Vec::new()
            }
        }
        Update::Reconnecting { after, reason } => {
            state.status.link_error = Some(reason);
            let secs = i64::try_from(after.as_secs()).unwrap_or(60);
            let attempts = match state.connection {
                Connection::Reconnecting { attempts, .. } => attempts.saturating_add(1),
                _ => 1,
            };
            state.connection =
                Connection::Reconnecting { at: state.now.checked_add(secs.seconds()).unwrap_or(state.now), attempts };
            Vec::new()
        }
        Update::Refused { reason, after } => {
            let secs = i64::try_from(after.as_secs()).unwrap_or(300);
            state.status.link_error = Some(reason);
            state.connection = Connection::Refused { at: state.now.checked_add(secs.seconds()).unwrap_or(state.now) };
            Vec::new()
        }
        Update::Synced => {
            if !state.connection.is_down() {
                state.status.last_sync = Some(state.now);
            }
            Vec::new()
        }
        // The engine polls instead; nothing reaches here, but nothing to do if it did.
        Update::Unavailable(_) => Vec::new(),
        Update::Event(e) => {
            state.status.last_sync = Some(state.now);
            apply_event(state, *e)
        }
    }
}

fn activity(c: &frontdesk_domain::Conversation) -> jiff::Timestamp {
    c.last_message.as_ref().map_or(c.updated_at, |m| m.at)
}

fn apply_event(state: &mut State, e: Event) -> Vec<Effect> {
    match e.kind {
        EventKind::MessageCreated(m) => {
            super::notify::message(state, &m);
            message_created(state, *m);
            Vec::new()
        }
        EventKind::ConversationUpdated(c) => {
            let c = *c;
            super::notify::conversation(state, &c);
            if let Some(pos) = state.list.position(&c.id) {
                let at = |c: &frontdesk_domain::Conversation| c.last_message.as_ref().map(|m| m.at);
                let newer = at(&c) > at(&state.list.items[pos]);
                let lit = state.list.current().is_some_and(|x| x.id == c.id);
                triage::accept(state, c);
                if newer && state.list.prev_cursor.is_some() && !lit && state.list.search.is_none() {
                    // Its new place is above the rows read from the end, where
                    // its page will show it; the lit row stays on its conversation.
                    let current = state.list.current().map(|x| x.id.clone());
                    state.list.remove_item(pos);
                    nav::apply_filter(state);
                    if let Some(id) = current {
                        nav::select_id(state, &id);
                    }
                } else if newer && pos > 0 && state.list.prev_cursor.is_none() && state.list.search.is_none() {
                    // New activity goes on top; the selection stays on its conversation.
                    let current = state.list.current().map(|x| x.id.clone());
                    if let Some(row) = state.list.remove_item(pos) {
                        state.list.insert_item(0, row);
                    }
                    nav::apply_filter(state);
                    if let Some(id) = current {
                        nav::select_id(state, &id);
                    }
                }
            } else {
                if let Some(t) = state.thread.as_mut().filter(|t| t.id == c.id) {
                    t.conversation = Some(c.clone());
                }
                let fits = state
                    .view()
                    .is_some_and(|v| super::local::in_view(&v.filter, &c, state.me.as_ref().map(|a| &a.id), state.now));
                // It goes where its last activity puts it (on top when new); past
                // the loaded rows, below or above them, it waits for its page.
                let at = activity(&c);
                let pos = state.list.items.iter().position(|x| activity(x) <= at);
                let pos = pos.or_else(|| state.list.next_cursor.is_none().then_some(state.list.items.len()));
                let pos = pos.filter(|&p| p > 0 || state.list.prev_cursor.is_none());
                if let Some(pos) = pos.filter(|_| fits && state.list.search.is_none() && state.list.loaded) {
                    let current = state.list.current().map(|x| x.id.clone());
                    state.list.insert_item(pos, c);
                    nav::apply_filter(state);
                    // The selection stays on its conversation.
                    if let Some(id) = current {
                        nav::select_id(state, &id);
                    }
                    nav::keep_visible(state);
                }
            }
            Vec::new()
        }
        EventKind::SuggestionCreated(s) => {
            if let Some(c) = state.list.get_mut(&s.conversation_id) {
                c.has_pending_suggestion = true;
            }
            if let Some(t) = state.thread.as_mut().filter(|t| t.id == s.conversation_id) {
                t.suggesting = false;
                t.suggestion = Some(*s);
            }
            Vec::new()
        }
        EventKind::SuggestionResolved(s) => {
            if let Some(c) = state.list.get_mut(&s.conversation_id) {
                c.has_pending_suggestion = false;
            }
            if let Some(t) = state.thread.as_mut().filter(|t| t.suggestion.as_ref().is_some_and(|x| x.id == s.id)) {
                t.suggestion = None;
            }
            Vec::new()
        }
        EventKind::ViewCountsChanged(counts) => {
            for c in counts {
                if let Some(v) = state.views.iter_mut().find(|v| v.view.id == c.view_id) {
                    v.count = Some(c.count);
                }
            }
            Vec::new()
        }
        EventKind::Presence(p) => {
            super::presence::received(state, p);
            Vec::new()
        }
        EventKind::Resync => nav::refresh(state),
    }
}

fn message_created(state: &mut State, m: Message) {
    // Our own send echoed back before its answer: it is no longer "sending".
    let mine = state.me.as_ref().is_some_and(|me| m.author.id.as_deref() == Some(me.id.as_str()));
    if mine
        && let Some(list) = state.unsent.get_mut(&m.conversation_id)
        && let Some(pos) = list.iter().position(|s| s.body.trim() == m.body.trim())
    {
        list.remove(pos);
    }
    let Some(t) = state.thread.as_mut().filter(|t| t.id == m.conversation_id) else { return };
    if t.messages.iter().any(|x| x.id == m.id) {
        return;
    }
    t.messages.push(m);
}

/// Changes an earlier run left in the outbox: shown as being sent, answered like
/// any other (their rollback is the server's reload).
fn recovered(state: &mut State, entries: Vec<(u64, frontdesk_domain::Op)>) {
    use frontdesk_domain::Op;
    let n = entries.len();
    for (ticket, op) in entries {
        let inflight = match op {
            Op::Send { conversation, kind, body, suggestion, attachments } => {
                compose::show_sending(state, &conversation, kind, &body, suggestion, &attachments)
            }
            Op::Change { change, .. } | Op::Bulk { change, .. } => Inflight::new(change.label()),
            Op::SendSuggestion { .. } => Inflight::new("suggestion sent"),
            Op::DismissSuggestion { .. } => Inflight::new("suggestion dismissed"),
            Op::RequestSuggestion { .. } => Inflight::new("suggestion asked"),
        };
        state.inflight.insert(ticket, inflight);
    }
    info(state, format!("sending {n} change(s) left from last time"));
}
