//! The unified inbox's list: a k-way merge of the members' own lists.

use std::collections::VecDeque;

use super::tag::{self, Tagger};
use super::{Unified, activity, urgency};
use crate::{ListQuery, ProviderError, ProviderResult, Sort, Towards};
use frontdesk_domain::{AssigneeFilter, Conversation, Page, ViewId};

/// Where one member's part of a merged list stands: the rows fetched and not yet
/// handed out (in the list's order), and the member's own cursor for the rest, the
/// way the list is read (its `next_cursor`, or its `prev_cursor` read from the end).
#[derive(Clone, Debug)]
pub(super) struct Lane {
    member: usize,
    rows: VecDeque<Conversation>,
    cursor: Option<String>,
    /// Nothing more to fetch (the last page came, or the member cannot answer).
    done: bool,
}

/// Merged lists being paged, kept under their cursor token, with the way each
/// is read.
pub(super) type Kept = VecDeque<(u64, Towards, Vec<Lane>)>;

/// Merged lists being paged, by cursor token. Lists are paged by one client, a few
/// at a time: the oldest are forgotten past this many.
const KEPT_CURSORS: usize = 32;

impl Unified {
    /// A k-way merge of the members' lists, newest activity first (or most urgent),
    /// fetching a member's next page only when its rows run out, so no row is handed
    /// out before a newer one the member has yet to send. Rows are handed out exactly
    /// once: the unsent ones wait here, under the cursor token, not re-fetched.
    ///
    /// Read from the end (`G`, where every member can), the same merge runs
    /// backwards: each member's last page, the oldest row of them all handed out
    /// first, and the page above asked of a member when its rows run out; the rows
    /// come out in the list's order, and the page above is the cursor's.
    pub(super) async fn merged_list(&self, query: ListQuery) -> ProviderResult<Page<Conversation>> {
        let up = query.towards == Towards::Up;
        if up && query.sort != Sort::Activity {
            return Err(ProviderError::Unsupported("reading a list by urgency from its end"));
        }
        // A saved view belongs to one account; built-in ones to all.
        let (only, view) = match query.view.as_ref().and_then(|v| tag::split(v.as_str())) {
            Some((account, raw)) => (Some(account.to_owned()), Some(ViewId::from(raw))),
            None => (None, query.view.clone()),
        };
        let mut lanes = match &query.cursor {
            Some(token) => self.take_cursor(token, query.towards)?,
            None => (0..self.members.len())
                .filter(|&i| only.as_deref().is_none_or(|o| o == self.members[i].name))
                .map(|member| Lane { member, rows: VecDeque::new(), cursor: None, done: false })
                .collect(),
        };
        let q = ListQuery { view, cursor: None, ..query.clone() };
        let limit = usize::try_from(query.limit.max(1)).unwrap_or(usize::MAX);
        let mut out = Vec::new();
        let mut answered = query.cursor.is_some();
        let mut error = None;
        while out.len() < limit {
            let refills = futures::future::join_all(
                lanes.iter().filter(|l| l.rows.is_empty() && !l.done).map(|l| self.fetch(l, &q)),
            )
            .await;
            let mut refills = refills.into_iter();
            for lane in lanes.iter_mut().filter(|l| l.rows.is_empty() && !l.done) {
                match refills.next() {
                    Some(Ok(page)) => {
                        answered = true;
                        lane.rows = page.items.into();
                        lane.cursor = if up { page.prev_cursor } else { page.next_cursor };
                        lane.done = lane.cursor.is_none();
                    }
                    Some(Err(e)) => {
                        // Left out, said in the log and the sidebar; the others still list.
                        tracing::warn!(account = %self.members[lane.member].name, error = %e, "list unavailable");
                        self.note(&self.members[lane.member].name, Some(&e));
                        lane.done = true;
                        error.get_or_insert(e);
                    }
                    None => {}
                }
            }
            let row = if up {
                // The row the list ends with: the oldest (the last lane's, when even).
                let tail = lanes
                    .iter()
                    .enumerate()
                    .filter_map(|(i, l)| l.rows.back().map(|c| (i, c)))
                    .max_by(|a, b| activity(b.1).cmp(&activity(a.1)))
                    .map(|(i, _)| i);
                tail.and_then(|i| lanes[i].rows.pop_back())
            } else {
                let head = lanes
                    .iter()
                    .enumerate()
                    .filter_map(|(i, l)| l.rows.front().map(|c| (i, c)))
                    .min_by(|a, b| match query.sort {
                        Sort::Activity => activity(b.1).cmp(&activity(a.1)),
                        Sort::Urgency => urgency(a.1).cmp(&urgency(b.1)),
                    })
                    .map(|(i, _)| i);
                head.and_then(|i| lanes[i].rows.pop_front())
            };
            let Some(row) = row else { break };
            out.push(row);
        }
        if !answered && let Some(e) = error {
            return Err(e);
        }
        let more = query.sort == Sort::Activity && lanes.iter().any(|l| !l.rows.is_empty() || !l.done);
        let rest = more.then(|| self.keep_cursor(query.towards, lanes));
        Ok(if up {
            out.reverse();
            // The rows below were handed out from lanes that are gone: not read again.
            Page { items: out, next_cursor: None, prev_cursor: rest }
        } else {
            Page { items: out, next_cursor: rest, prev_cursor: None }
        })
    }

    /// A member's next page, its ids tagged.
    async fn fetch(&self, lane: &Lane, q: &ListQuery) -> ProviderResult<Page<Conversation>> {
        let m = &self.members[lane.member];
        let mut q = q.clone();
        q.cursor.clone_from(&lane.cursor);
        // A filter on an agent lists only that agent's account.
        if let Some(AssigneeFilter::Agent(id)) = &mut q.filter.assignee {
            match tag::split(id) {
                Some((account, raw)) if account == m.name => *id = raw.to_owned(),
                Some(_) => return Ok(Page { items: Vec::new(), next_cursor: None, prev_cursor: None }),
                None => {}
            }
        }
        let mut page = m.provider.list(q).await?;
        let (account, me) = self.tagger_parts(m).await;
        let t = Tagger { account: &account, me: me.as_deref() };
        for c in &mut page.items {
            t.conversation(c);
        }
        Ok(page)
    }

    fn keep_cursor(&self, towards: Towards, lanes: Vec<Lane>) -> String {
        let n = self.next_cursor.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if let Ok(mut kept) = self.cursors.lock() {
            if kept.len() >= KEPT_CURSORS {
                kept.pop_front();
            }
            kept.push_back((n, towards, lanes));
        }
        format!("unified-{n}")
    }

    /// The lanes kept under `token`, for a read the same way they were made.
    fn take_cursor(&self, token: &str, towards: Towards) -> ProviderResult<Vec<Lane>> {
        let expired = || ProviderError::Permanent {
            code: "INVALID_CURSOR".into(),
            message: "that page of the list is no longer kept: reload the list".into(),
        };
        let n: u64 = token.strip_prefix("unified-").and_then(|n| n.parse().ok()).ok_or_else(expired)?;
        let mut kept = self.cursors.lock().map_err(|_| expired())?;
        let at = kept.iter().position(|(k, way, _)| *k == n && *way == towards).ok_or_else(expired)?;
        Ok(kept.remove(at).map(|(_, _, lanes)| lanes).unwrap_or_default())
    }
}
