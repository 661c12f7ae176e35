//! Local mirrors of server rules, for optimistic updates: what a change does to a
//! conversation, whether a conversation still belongs in a view, the inverse of a
//! change (for undo), and snooze times (presets and what an agent types).

use jiff::civil::{Time, Weekday};
use jiff::tz::TimeZone;
use jiff::{Timestamp, ToSpan as _, Zoned};

use frontdesk_domain::{Agent, AgentId, AssigneeFilter, Change, Conversation, Status, ViewFilter};

/// What `change` does to `c`, as the server would do it.
pub fn apply_change(c: &mut Conversation, change: &Change, agents: &[Agent], me: Option<&AgentId>, now: Timestamp) {
    let agent = |id: &AgentId| agents.iter().find(|a| &a.id == id).cloned();
    match change {
        Change::Star => c.starred = true,
        Change::Unstar => c.starred = false,
        Change::Read => c.unread = false,
        Change::Unread => c.unread = true,
        Change::Archive => c.archived = true,
        Change::Unarchive => c.archived = false,
        Change::Close => {
            c.status = Status::Closed;
            c.snoozed_until = None;
        }
        Change::Reopen => {
            c.status = Status::Open;
            c.snoozed_until = None;
        }
        Change::Pending => {
            c.status = Status::Pending;
            c.snoozed_until = None;
        }
        Change::Snooze { until } => {
            c.status = Status::Snoozed;
            c.snoozed_until = Some(*until);
        }
        Change::Assign { agent_id, team } => {
            c.assignee = agent_id.as_ref().and_then(agent).map(std::sync::Arc::new);
            if team.is_some() {
                c.team.clone_from(team);
            }
        }
        Change::Unassign => c.assignee = None,
        Change::SetTags { tags } => c.tags.clone_from(tags),
        Change::AddTags { tags } => {
            for t in tags {
                if !c.tags.contains(t) {
                    c.tags.push(t.clone());
                }
            }
        }
        Change::RemoveTags { tags } => c.tags.retain(|t| !tags.contains(t)),
        Change::SetPriority { priority } => c.priority = priority.clone(),
        Change::RequestHandoff { .. } => c.ai_state = frontdesk_domain::AiState::HandoffRequested,
        Change::Handoff { .. } => {
            // The human has it now; it is theirs if nobody held it (as the server does).
            c.ai_state = frontdesk_domain::AiState::Human;
            if c.assignee.is_none() {
                c.assignee = me.and_then(agent).map(std::sync::Arc::new);
            }
        }
        Change::ResolveHandoff => c.ai_state = frontdesk_domain::AiState::AiLed,
    }
    c.updated_at = now;
}

/// Whether a change can move a conversation out of the view (and so may take it
/// off the list). Marking read or starring never does while the agent looks.
pub fn moves_out(change: &Change) -> bool {
    !matches!(
        change,
        Change::Star
            | Change::Unstar
            | Change::Read
            | Change::Unread
            | Change::SetTags { .. }
            | Change::AddTags { .. }
            | Change::RemoveTags { .. }
            | Change::SetPriority { .. }
    )
}

/// The view's filter, checked locally (text search excepted).
pub fn in_view(f: &ViewFilter, c: &Conversation, me: Option<&AgentId>, now: Timestamp) -> bool {
    f.takes_status(&c.status)
        && f.archived == c.archived
        && f.starred.is_none_or(|s| s == c.starred)
        && f.unread.is_none_or(|u| u == c.unread)
        && (!f.overdue || c.is_overdue(now))
        && f.ai_state.is_none_or(|s| s == c.ai_state)
        && (f.channels.is_empty() || f.channels.contains(&c.channel))
        && (f.tags.is_empty() || f.tags.iter().any(|t| c.tags.contains(t)))
        && f.team.as_ref().is_none_or(|t| c.team.as_ref() == Some(t))
        && match &f.assignee {
            None => true,
            Some(AssigneeFilter::Me) => c.assignee.as_ref().map(|a| &a.id) == me && me.is_some(),
            Some(AssigneeFilter::Unassigned) => c.assignee.is_none(),
            Some(AssigneeFilter::Agent(id)) => c.assignee.as_ref().is_some_and(|a| a.id.as_str() == id),
        }
}

/// The change that puts `before` back after `change`.
pub fn inverse(change: &Change, before: &Conversation) -> Change {
    match change {
        Change::Star => Change::Unstar,
        Change::Unstar => Change::Star,
        Change::Read => Change::Unread,
        Change::Unread => Change::Read,
        Change::Archive => Change::Unarchive,
        Change::Unarchive => Change::Archive,
        Change::Close | Change::Reopen | Change::Pending | Change::Snooze { .. } => match before.status {
            // A vendor's own state has no change of ours that restores it: open is the
            // nearest, in front of the agent rather than hidden.
            Status::Open | Status::Other(_) => Change::Reopen,
            Status::Pending => Change::Pending,
            Status::Closed => Change::Close,
            Status::Snoozed => match before.snoozed_until {
                Some(until) => Change::Snooze { until },
                None => Change::Reopen,
            },
        },
        Change::Assign { .. } | Change::Unassign => match &before.assignee {
            Some(a) => Change::Assign { agent_id: Some(a.id.clone()), team: None },
            None => Change::Unassign,
        },
        Change::SetTags { .. } | Change::AddTags { .. } | Change::RemoveTags { .. } => {
            Change::SetTags { tags: before.tags.clone() }
        }
        Change::SetPriority { .. } => Change::SetPriority { priority: before.priority.clone() },
        Change::RequestHandoff { .. } | Change::Handoff { .. } | Change::ResolveHandoff => match before.ai_state {
            frontdesk_domain::AiState::AiLed => Change::ResolveHandoff,
            frontdesk_domain::AiState::HandoffRequested => Change::RequestHandoff { reason: None },
            frontdesk_domain::AiState::Human => Change::Handoff { reason: None },
        },
    }
}

fn at(z: &Zoned, days: i64, time: Time) -> Option<Timestamp> {
    let date = z.date().checked_add(days.days()).ok()?;
    date.to_datetime(time).to_zoned(z.time_zone().clone()).ok().map(|z| z.timestamp())
}

const NINE: Time = Time::constant(9, 0, 0, 0);
const EVENING: Time = Time::constant(18, 0, 0, 0);

pub fn tomorrow_morning(now: Timestamp, tz: &TimeZone) -> Timestamp {
    at(&now.to_zoned(tz.clone()), 1, NINE).unwrap_or_else(|| now + 24.hours())
}

/// The snooze presets that make sense now: 1 hour, this evening (while it is still
/// ahead), tomorrow morning, next Monday morning.
pub fn snooze_presets(now: Timestamp, tz: &TimeZone) -> Vec<(&'static str, Timestamp)> {
    let z = now.to_zoned(tz.clone());
    let mut out = vec![("In 1 hour", now + 1.hour())];
    if let Some(evening) = at(&z, 0, EVENING).filter(|e| e.as_second() - now.as_second() > 2 * 3600) {
        out.push(("This evening", evening));
    }
    out.push(("Tomorrow morning", tomorrow_morning(now, tz)));
    let to_monday = i64::from(7 - z.weekday().to_monday_zero_offset());
    if let Some(next_week) = at(&z, to_monday, NINE) {
        out.push(("Next week", next_week));
    }
    out
}

/// A time an agent types: `30m`, `2h`, `3d`, `1w`, `17:30`, `tomorrow`, `fri`,
/// `fri 14:00`, `2026-12-01`, `2026-12-01 14:00`. Only future times count.
pub fn parse_when(text: &str, now: Timestamp, tz: &TimeZone) -> Option<Timestamp> {
    let text = text.trim().to_ascii_lowercase();
    if text.is_empty() {
        return None;
    }
    let z = now.to_zoned(tz.clone());
    let t = parse_relative(&text, now).or_else(|| parse_absolute(&text, &z))?;
    (t > now).then_some(t)
}

fn parse_relative(text: &str, now: Timestamp) -> Option<Timestamp> {
    let digits: String = text.chars().take_while(char::is_ascii_digit).collect();
    let n: i64 = digits.parse().ok()?;
    let unit = text[digits.len()..].trim();
    let secs = match unit {
        "m" | "min" | "mins" | "minute" | "minutes" => 60,
        "h" | "hr" | "hour" | "hours" => 3600,
        "d" | "day" | "days" => 86_400,
        "w" | "week" | "weeks" => 7 * 86_400,
        _ => return None,
    };
    now.checked_add(n.checked_mul(secs)?.seconds()).ok()
}

fn parse_time(s: &str) -> Option<Time> {
    let (h, m) = s.split_once(':').unwrap_or((s, "0"));
    Time::new(h.parse().ok()?, m.parse().ok()?, 0, 0).ok()
}

fn parse_absolute(text: &str, z: &Zoned) -> Option<Timestamp> {
    let mut words = text.split_whitespace();
    let first = words.next()?;
    let time = match words.next() {
        Some(t) => Some(parse_time(t)?),
        None => None,
    };
    if words.next().is_some() {
        return None;
    }
    if let Ok(date) = first.parse::<jiff::civil::Date>() {
        let dt = date.to_datetime(time.unwrap_or(NINE));
        return dt.to_zoned(z.time_zone().clone()).ok().map(|z| z.timestamp());
    }
    if first == "tomorrow" {
        return at(z, 1, time.unwrap_or(NINE));
    }
    if first == "today" {
        return at(z, 0, time?);
    }
    if let Some(day) = weekday(first) {
        let ahead =
            (i64::from(day.to_monday_zero_offset()) - i64::from(z.weekday().to_monday_zero_offset())).rem_euclid(7);
        let ahead = if ahead == 0 { 7 } else { ahead };
        return at(z, ahead, time.unwrap_or(NINE));
    }
    if time.is_none() && first.contains(':') {
        let t = parse_time(first)?;
        let today = at(z, 0, t)?;
        return if today > z.timestamp() { Some(today) } else { at(z, 1, t) };
    }
    None
}

fn weekday(s: &str) -> Option<Weekday> {
    let days = [
        ("monday", Weekday::Monday),
        ("tuesday", Weekday::Tuesday),
        ("wednesday", Weekday::Wednesday),
        ("thursday", Weekday::Thursday),
        ("friday", Weekday::Friday),
        ("saturday", Weekday::Saturday),
        ("sunday", Weekday::Sunday),
    ];
    days.into_iter().find(|(name, _)| s.len() >= 3 && name.starts_with(s)).map(|(_, d)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn typed_times() {
        let now = ts("2026-11-25T10:00:00Z"); // Wednesday
        let tz = TimeZone::UTC;
        let p = |s| parse_when(s, now, &tz);
        assert_eq!(p("30m"), Some(ts("2026-11-25T10:30:00Z")));
        assert_eq!(p("2h"), Some(ts("2026-11-25T12:00:00Z")));
        assert_eq!(p("3 days"), Some(ts("2026-11-28T10:00:00Z")));
        assert_eq!(p("17:30"), Some(ts("2026-11-25T17:30:00Z")));
        assert_eq!(p("09:00"), Some(ts("2026-11-26T09:00:00Z")), "a time already past means tomorrow");
        assert_eq!(p("tomorrow"), Some(ts("2026-11-26T09:00:00Z")));
        assert_eq!(p("fri 14:00"), Some(ts("2026-11-27T14:00:00Z")));
        assert_eq!(p("wednesday"), Some(ts("2026-12-02T09:00:00Z")), "today's weekday means next week");
        assert_eq!(p("2026-12-01 08:15"), Some(ts("2026-12-01T08:15:00Z")));
        assert_eq!(p("2026-01-01"), None, "the past");
        assert_eq!(p("soonish"), None);
        assert_eq!(p("25:00"), None);
    }

    #[test]
    fn presets_follow_the_clock() {
        let tz = TimeZone::UTC;
        let morning = snooze_presets(ts("2026-11-25T10:00:00Z"), &tz);
        let names: Vec<_> = morning.iter().map(|(n, _)| *n).collect();
        assert_eq!(names, ["In 1 hour", "This evening", "Tomorrow morning", "Next week"]);
        assert_eq!(morning[3].1, ts("2026-11-30T09:00:00Z"));
        let late = snooze_presets(ts("2026-11-25T17:00:00Z"), &tz);
        assert!(!late.iter().any(|(n, _)| *n == "This evening"));
    }
}
