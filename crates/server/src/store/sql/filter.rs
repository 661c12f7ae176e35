//! Turns a [`ViewFilter`] into SQL conditions on `conversations c`. One builder serves
//! listing and counting, so a view's count always matches what its list shows.

use super::engine::Engine;
use jiff::Timestamp;
use sqlx::QueryBuilder;

use frontdesk_domain::{AgentId, AssigneeFilter, OrgId, ViewFilter};

use super::{dialect, to_ms};

/// Who "me" is: one agent when listing, or every agent at once when counting
/// (grouped by assignee).
#[derive(Clone, Copy)]
pub enum Me<'a> {
    Agent(&'a AgentId),
    GroupByAssignee,
}

/// Pushes ` AND …` conditions for `filter` onto `qb`. The query must already have a
/// `WHERE c.org_id = …` (or be inside a `CASE WHEN 1 = 1`); `org` scopes the full-text
/// subquery, which must not refer to the outer row (it would run once per row).
pub fn push_conditions(
    qb: &mut QueryBuilder<Engine>,
    org: &OrgId,
    filter: &ViewFilter,
    me: Me<'_>,
    my_team: Option<&str>,
    now: Timestamp,
) {
    qb.push(" AND c.archived = ").push_bind(filter.archived);
    if !filter.status.is_empty() {
        qb.push(" AND c.status IN (");
        let mut sep = qb.separated(", ");
        for status in &filter.status {
            sep.push_bind(status.as_str());
        }
        qb.push(")");
    }
    match (&filter.assignee, me) {
        (None, _) => {}
        (Some(AssigneeFilter::Me), Me::Agent(id)) => {
            qb.push(" AND c.assignee_id = ").push_bind(id.as_str());
        }
        (Some(AssigneeFilter::Me), Me::GroupByAssignee) => {
            qb.push(" AND c.assignee_id IS NOT NULL");
        }
        (Some(AssigneeFilter::Unassigned), _) => {
            qb.push(" AND c.assignee_id IS NULL");
        }
        (Some(AssigneeFilter::Agent(id)), _) => {
            qb.push(" AND c.assignee_id = ").push_bind(id.as_str());
        }
    }
    if let Some(team) = filter.team.as_deref() {
        // "my" team, as `scope=team` asks, resolves to the caller's team.
        let team = if team == "mine" { my_team.unwrap_or("") } else { team };
        qb.push(" AND (c.team = ")
            .push_bind(team)
            .push(" OR c.assignee_id IN (SELECT id FROM agents WHERE team = ")
            .push_bind(team)
            .push("))");
    }
    if !filter.tags.is_empty() {
        qb.push(" AND EXISTS (SELECT 1 FROM ").push(dialect::TAG_VALUES).push(" WHERE json_each.value IN (");
        let mut sep = qb.separated(", ");
        for tag in &filter.tags {
            sep.push_bind(tag.as_str());
        }
        qb.push("))");
    }
    if !filter.channels.is_empty() {
        qb.push(" AND c.channel IN (");
        let mut sep = qb.separated(", ");
        for channel in &filter.channels {
            sep.push_bind(channel.as_str());
        }
        qb.push(")");
    }
    if let Some(starred) = filter.starred {
        qb.push(" AND c.starred = ").push_bind(starred);
    }
    if let Some(unread) = filter.unread {
        qb.push(" AND c.unread = ").push_bind(unread);
    }
    if filter.overdue {
        qb.push(" AND c.status IN ('open', 'pending') AND c.sla_due_at <= ").push_bind(to_ms(now));
    }
    if let Some(state) = filter.ai_state {
        qb.push(" AND c.ai_state = ").push_bind(state.as_str());
    }
    if let Some(q) = filter.q.as_deref().and_then(text_query) {
        dialect::push_text_condition(qb, q, org, TextPlan::Hits);
    }
}

/// The words as the engine runs them, and how (`dialect::plan_text`).
#[derive(Clone, Debug)]
pub struct Planned {
    pub query: String,
    pub plan: TextPlan,
    /// The search rows the words match, where the engine tells: PostgreSQL's
    /// planner estimates them, SQLite's index counts them for a seek. A seek's
    /// bound follows from it.
    pub rows: Option<f64>,
    /// How a seek tests the words by their bits first, where they have them.
    pub marks: Option<dialect::Marks>,
}

/// How a page of full-text results is found. Which is cheapest depends on how many
/// search rows the words match, which the engine estimates (`dialect::plan_text`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextPlan {
    /// Start from the hits: few enough to look each one up and sort them.
    Hits,
    /// Walk the view in its order, testing each row against the hits, gathered once:
    /// for common words, where a page fills within a few hundred rows.
    Walk,
    /// Walk the view in its order, testing each row's own search rows (on `SQLite`,
    /// for the whole words the query's prefixes begin): for very common words, whose
    /// hits would take longer to gather than a page takes to fill.
    Seek,
}

/// A user's words as the engine's full-text query: every word must match, each as a
/// prefix, with the engine's syntax characters neutralised. None when nothing
/// searchable is left.
#[must_use]
pub fn text_query(q: &str) -> Option<String> {
    let words: Vec<String> = q
        .split(|c: char| !c.is_alphanumeric() && c != '@' && c != '.' && c != '+' && c != '-' && c != '_')
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
        .take(16)
        .map(str::to_owned)
        .collect();
    (!words.is_empty()).then(|| dialect::text_query(&words))
}
