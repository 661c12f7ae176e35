//! Pickers: the command palette, agents (with "me" first), snooze times (presets
//! and typed), tags (toggle several; type a new one to create it) and canned
//! replies. Matching is fuzzy (nucleo, helix's matcher).

use std::collections::BTreeSet;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};

use super::local::{parse_when, snooze_presets};
use super::{command, no_target, triage, unavailable};
use crate::command::{Command, Context};
use crate::effect::Effect;
use crate::state::{Overlay, PickItem, PickPurpose, PickValue, Picker, State};
use crate::ui::text::when;
use frontdesk_domain::{Change, ConversationId};

pub(super) fn open(state: &mut State, title: &str, purpose: PickPurpose, items: Vec<PickItem>) -> Vec<Effect> {
    let matches = (0..items.len()).collect();
    state.overlay = Some(Overlay::Picker(Picker {
        title: title.to_owned(),
        purpose,
        query: String::new(),
        items,
        matches,
        cursor: 0,
    }));
    Vec::new()
}

pub fn open_palette(state: &mut State) -> Vec<Effect> {
    let ctx = state.context();
    let keymap = state.settings.keymap.clone();
    let items = Command::ALL
        .iter()
        .filter(|c| match c.context() {
            Context::Global => matches!(ctx, Context::Inbox | Context::Thread),
            other => other == ctx,
        })
        .map(|c| PickItem {
            label: if c.available(&state.caps) {
                c.doc().to_owned()
            } else {
                format!("not on this account: {}", c.doc())
            },
            detail: format!("{} {}", c.name(), keymap.keys_for(*c).first().cloned().unwrap_or_default()),
            value: PickValue::Command(*c),
        })
        .collect();
    open(state, "Commands", PickPurpose::Palette, items)
}

pub fn open_assign(state: &mut State) -> Vec<Effect> {
    let ids = state.targets();
    if ids.is_empty() {
        return no_target(state);
    }
    let me = state.me.clone();
    let mut items: Vec<PickItem> = Vec::new();
    if let Some(me) = &me {
        items.push(PickItem {
            label: format!("me ({})", me.name),
            detail: me.team.clone().unwrap_or_default(),
            value: PickValue::Agent(Some(me.id.clone())),
        });
    }
    let mut others: Vec<_> = state.agents.iter().filter(|a| me.as_ref().is_none_or(|m| m.id != a.id)).collect();
    others.sort_by(|a, b| a.name.cmp(&b.name));
    items.extend(others.into_iter().map(|a| PickItem {
        label: a.name.clone(),
        detail: a.team.clone().unwrap_or_default(),
        value: PickValue::Agent(Some(a.id.clone())),
    }));
    items.extend(state.teams.iter().map(|t| PickItem {
        label: format!("Team: {t}"),
        detail: "a team".to_owned(),
        value: PickValue::Team(t.clone()),
    }));
    items.push(PickItem { label: "Unassigned".into(), detail: String::new(), value: PickValue::Agent(None) });
    let title = if ids.len() > 1 { format!("Assign {} conversations to", ids.len()) } else { "Assign to".into() };
    open(state, &title, PickPurpose::Assign(ids), items)
}

fn snooze_items(state: &State, query: &str) -> Vec<PickItem> {
    let tz = &state.settings.tz;
    let mut items = Vec::new();
    if let Some(t) = parse_when(query, state.now, tz) {
        items.push(PickItem {
            label: format!("Until {}", when(state.now, t, tz)),
            detail: query.to_owned(),
            value: PickValue::Until(t),
        });
    }
    items.extend(snooze_presets(state.now, tz).into_iter().map(|(name, t)| PickItem {
        label: name.to_owned(),
        detail: when(state.now, t, tz),
        value: PickValue::Until(t),
    }));
    items
}

pub fn open_priority(state: &mut State) -> Vec<Effect> {
    use frontdesk_domain::Priority;
    let ids = state.targets();
    let Some(current) = state.target().map(|c| c.priority.clone()) else {
        return no_target(state);
    };
    // The backend's own levels (Chatwoot's "medium") sit between high and normal; a
    // level of its own that is current is offered too, so picking it keeps it.
    let mut levels = vec![Priority::Urgent, Priority::High];
    levels.extend(state.caps.own_priorities.iter().map(|p| Priority::from_wire(p)));
    levels.extend([Priority::Normal, Priority::Low]);
    if !levels.contains(&current) {
        levels.push(current.clone());
    }
    let items = levels
        .into_iter()
        .map(|p| {
            let mut label = p.as_str().to_owned();
            if let Some(first) = label.get_mut(..1) {
                first.make_ascii_uppercase();
            }
            PickItem {
                label,
                detail: if p == current { "now".to_owned() } else { String::new() },
                value: PickValue::Priority(p),
            }
        })
        .collect();
    open(state, "Priority", PickPurpose::Priority(ids), items)
}

pub fn open_snooze(state: &mut State) -> Vec<Effect> {
    let ids = state.targets();
    if ids.is_empty() {
        return no_target(state);
    }
    let items = snooze_items(state, "");
    open(state, "Snooze until (or type: 2h, fri 14:00, 2026-12-01)", PickPurpose::Snooze(ids), items)
}

fn known_tags(state: &State) -> BTreeSet<String> {
    let mut tags: BTreeSet<String> = state.list.items.iter().flat_map(|c| c.tags.iter().cloned()).collect();
    if let Some(c) = state.target() {
        tags.extend(c.tags.iter().cloned());
    }
    tags
}

fn tag_items(tags: &BTreeSet<String>, chosen: &BTreeSet<String>, query: &str) -> Vec<PickItem> {
    let mut items: Vec<PickItem> = tags
        .iter()
        .chain(chosen.iter().filter(|t| !tags.contains(*t)))
        .map(|t| PickItem { label: t.clone(), detail: String::new(), value: PickValue::Tag(t.clone()) })
        .collect();
    let q = query.trim();
    if !q.is_empty() && !items.iter().any(|i| i.label == q) {
        items.insert(
            0,
            PickItem { label: format!("Create tag '{q}'"), detail: "new".into(), value: PickValue::Tag(q.to_owned()) },
        );
    }
    items
}

pub fn open_tags(state: &mut State) -> Vec<Effect> {
    let Some(c) = state.target() else { return no_target(state) };
    let (conversation, chosen): (ConversationId, BTreeSet<String>) = (c.id.clone(), c.tags.iter().cloned().collect());
    let items = tag_items(&known_tags(state), &chosen, "");
    open(state, "Tags", PickPurpose::Tags { conversation, chosen }, items)
}

pub fn open_canned(state: &mut State) -> Vec<Effect> {
    if state.settings.canned.is_empty() {
        return unavailable(state, "no canned replies: add [[canned]] entries to the config");
    }
    let items = state
        .settings
        .canned
        .iter()
        .map(|c| PickItem {
            label: c.name.clone(),
            detail: frontdesk_domain::text::preview(&c.body, 30),
            value: PickValue::Text(c.body.clone()),
        })
        .collect();
    open(state, "Canned replies", PickPurpose::Canned, items)
}

/// The accounts in the config, and "all" (every account in one list).
pub fn open_accounts(state: &mut State) -> Vec<Effect> {
    if state.settings.accounts.len() < 2 {
        return unavailable(state, "one account only: add more [[accounts]] to the config to switch");
    }
    let items = state
        .settings
        .accounts
        .iter()
        .map(|name| PickItem {
            label: if name == frontdesk_provider::unified::UNIFIED {
                "All accounts, one list".to_owned()
            } else {
                name.clone()
            },
            detail: if *name == state.settings.account { "this one".to_owned() } else { String::new() },
            value: PickValue::Text(name.clone()),
        })
        .collect();
    open(state, "Switch to", PickPurpose::Account, items)
}

fn deploy_items(channels: &str, query: &str) -> Vec<PickItem> {
    let mut items = Vec::new();
    if !query.trim().is_empty() {
        items.push(PickItem {
            label: format!("Deploy to: {}", query.trim()),
            detail: "typed".to_owned(),
            value: PickValue::Text(query.trim().to_owned()),
        });
    }
    let own = if channels.is_empty() { "its configured channels".to_owned() } else { channels.to_owned() };
    items.push(PickItem {
        label: format!("Its own channels ({own})"),
        detail: String::new(),
        value: PickValue::Text(String::new()),
    });
    items
}

/// Where to deploy an agent: its channels, or typed ones and a number.
pub fn open_deploy(state: &mut State, agent: String, name: &str, channels: &str) -> Vec<Effect> {
    let items = deploy_items(channels, "");
    let title = format!("Deploy {name} (or type: whatsapp,voice number=num_…)");
    open(state, &title, PickPurpose::Deploy { agent, channels: channels.to_owned() }, items)
}

/// Re-ranks the items for the query; pickers with items that depend on the query
/// (snooze, tags) rebuild them first.
pub fn refilter(state: &mut State) {
    let rebuilt = match &state.overlay {
        Some(Overlay::Picker(p)) => match &p.purpose {
            PickPurpose::Snooze(_) => Some(snooze_items(state, &p.query)),
            PickPurpose::Tags { chosen, .. } => Some(tag_items(&known_tags(state), chosen, &p.query)),
            PickPurpose::Deploy { channels, .. } => Some(deploy_items(channels, &p.query)),
            purpose @ (PickPurpose::Bot { .. } | PickPurpose::Find) => Some(super::bot::items(purpose, &p.query)),
            PickPurpose::Attach => Some(super::attach::items(state, &p.query)),
            purpose @ PickPurpose::ViewName { .. } => Some(super::views::items(state, purpose, &p.query)),
            _ => None,
        },
        _ => None,
    };
    let Some(Overlay::Picker(p)) = &mut state.overlay else { return };
    if let Some(items) = rebuilt {
        p.items = items;
    }
    p.matches = rank(&p.items, &p.query, &p.purpose);
    p.cursor = p.cursor.min(p.matches.len().saturating_sub(1));
}

fn rank(items: &[PickItem], query: &str, purpose: &PickPurpose) -> Vec<usize> {
    // Typed snooze times and new tags are built from the query: always shown.
    let always = |i: &PickItem| {
        matches!(
            purpose,
            PickPurpose::Bot { .. } | PickPurpose::Find | PickPurpose::Attach | PickPurpose::ViewName { .. }
        ) || matches!(purpose, PickPurpose::Snooze(_)) && i.detail == query
            || matches!(purpose, PickPurpose::Tags { .. }) && i.detail == "new"
    };
    if query.trim().is_empty() {
        return (0..items.len()).collect();
    }
    let pattern = Pattern::parse(query, CaseMatching::Ignore, Normalization::Smart);
    let mut matcher = Matcher::new(Config::DEFAULT);
    let mut buf = Vec::new();
    let mut scored: Vec<(u32, usize)> = items
        .iter()
        .enumerate()
        .filter_map(|(i, item)| {
            if always(item) {
                return Some((u32::MAX, i));
            }
            // Commands match on their name first, then on what they do.
            let hay = if matches!(purpose, PickPurpose::Palette) {
                format!("{} {}", item.detail, item.label)
            } else {
                format!("{} {}", item.label, item.detail)
            };
            pattern.score(Utf32Str::new(&hay, &mut buf), &mut matcher).map(|s| (s, i))
        })
        .collect();
    // A command whose name starts with what was typed comes before one that merely
    // mentions it.
    let named = |i: usize| {
        matches!(purpose, PickPurpose::Palette)
            && items[i].detail.split_whitespace().next().is_some_and(|n| n.starts_with(query.trim()))
    };
    scored.sort_by(|a, b| named(b.1).cmp(&named(a.1)).then(b.0.cmp(&a.0)).then(a.1.cmp(&b.1)));
    scored.into_iter().map(|(_, i)| i).collect()
}

pub fn key(state: &mut State, ev: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Picker(p)) = &mut state.overlay else { return Vec::new() };
    let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
    match ev.code {
        KeyCode::Esc => state.overlay = None,
        KeyCode::Down | KeyCode::Tab => p.cursor = (p.cursor + 1).min(p.matches.len().saturating_sub(1)),
        KeyCode::Char('n' | 'j') if ctrl => p.cursor = (p.cursor + 1).min(p.matches.len().saturating_sub(1)),
        KeyCode::Up | KeyCode::BackTab => p.cursor = p.cursor.saturating_sub(1),
        KeyCode::Char('p' | 'k') if ctrl => p.cursor = p.cursor.saturating_sub(1),
        KeyCode::Char(' ') if matches!(p.purpose, PickPurpose::Tags { .. }) => {
            toggle_tag(p);
            refilter(state);
        }
        KeyCode::Enter => return choose(state),
        KeyCode::Backspace => {
            p.query.pop();
            refilter(state);
        }
        KeyCode::Char(c) if !ctrl => {
            p.query.push(c);
            p.cursor = 0;
            refilter(state);
        }
        _ => {}
    }
    Vec::new()
}

fn toggle_tag(p: &mut Picker) {
    let Some(PickValue::Tag(tag)) = p.matches.get(p.cursor).and_then(|&i| p.items.get(i)).map(|i| i.value.clone())
    else {
        return;
    };
    if let PickPurpose::Tags { chosen, .. } = &mut p.purpose
        && !chosen.remove(&tag)
    {
        chosen.insert(tag);
        p.query.clear();
    }
}

fn choose(state: &mut State) -> Vec<Effect> {
    let Some(Overlay::Picker(p)) = state.overlay.take() else { return Vec::new() };
    let value = p.matches.get(p.cursor).and_then(|&i| p.items.get(i)).map(|i| i.value.clone());
    match (p.purpose.clone(), value) {
        (PickPurpose::Palette, Some(PickValue::Command(c))) => command(state, c),
        (PickPurpose::Assign(ids), Some(PickValue::Agent(agent_id))) => {
            state.list.marked.clear();
            let acted = super::current::acting_in_thread(state).filter(|id| ids == [id.clone()]);
            let effects = triage::change(state, &ids, &Change::Assign { agent_id, team: None }, true);
            super::current::move_on(state, acted);
            effects
        }
        (PickPurpose::Assign(ids), Some(PickValue::Team(team))) => {
            state.list.marked.clear();
            let acted = super::current::acting_in_thread(state).filter(|id| ids == [id.clone()]);
            let effects = triage::change(state, &ids, &Change::Assign { agent_id: None, team: Some(team) }, true);
            super::current::move_on(state, acted);
            effects
        }
        (PickPurpose::Priority(ids), Some(PickValue::Priority(priority))) => {
            triage::change(state, &ids, &Change::SetPriority { priority }, false)
        }
        (PickPurpose::Snooze(ids), Some(PickValue::Until(until))) => {
            state.list.marked.clear();
            let acted = super::current::acting_in_thread(state).filter(|id| ids == [id.clone()]);
            let effects = triage::change(state, &ids, &Change::Snooze { until }, true);
            super::current::move_on(state, acted);
            effects
        }
        (PickPurpose::Tags { conversation, chosen }, value) => {
            let before: BTreeSet<String> = state
                .target()
                .filter(|c| c.id == conversation)
                .map(|c| c.tags.iter().cloned().collect())
                .unwrap_or_default();
            // Enter alone toggles the highlighted tag (or creates the typed one); after
            // Space has toggled some, Enter just applies them.
            let mut chosen = chosen;
            if chosen == before
                && let Some(PickValue::Tag(t)) = value
                && !chosen.remove(&t)
            {
                chosen.insert(t);
            }
            if before == chosen {
                return Vec::new();
            }
            // Sent as what changed, not the whole list: a backend whose write
            // replaces the list (Orbit) reads and merges it then, so a tag a
            // colleague added meanwhile is not wiped by this one's stale picture.
            let added: Vec<String> = chosen.difference(&before).cloned().collect();
            let removed: Vec<String> = before.difference(&chosen).cloned().collect();
            let ids = [conversation];
            let mut effects = Vec::new();
            if !added.is_empty() {
                effects.extend(triage::change(state, &ids, &Change::AddTags { tags: added }, false));
            }
            if !removed.is_empty() {
                effects.extend(triage::change(state, &ids, &Change::RemoveTags { tags: removed }, false));
            }
            effects
        }
        (purpose @ (PickPurpose::Bot { .. } | PickPurpose::Find), _) => super::bot::chosen(state, purpose, &p.query),
        (PickPurpose::Attach, value) => super::attach::chosen(state, value),
        (PickPurpose::ViewName { filter }, _) => super::views::chosen(state, filter, &p.query),
        (PickPurpose::Deploy { agent, .. }, Some(PickValue::Text(typed))) => {
            super::console::deploy(state, agent, &typed)
        }
        (PickPurpose::Account, Some(PickValue::Text(name))) => {
            if name == state.settings.account {
                Vec::new()
            } else {
                vec![Effect::SwitchAccount(name)]
            }
        }
        (PickPurpose::Canned, Some(PickValue::Text(body))) => {
            if let Some(c) = &mut state.composer {
                let joint = canned_joint(&c.editor, &body);
                c.editor.insert_str(format!("{joint}{body}"));
            }
            Vec::new()
        }
        _ => Vec::new(),
    }
}

/// What goes between the text before the cursor and a canned reply: nothing at the
/// start of a line or after a space; a line break before a reply of several lines;
/// a space otherwise. Never glued to the word before.
fn canned_joint(editor: &ratatui_textarea::TextArea<'_>, body: &str) -> &'static str {
    let ratatui_textarea::DataCursor(row, col) = editor.cursor();
    let before: String = editor.lines().get(row).map(|l| l.chars().take(col).collect()).unwrap_or_default();
    if before.is_empty() || before.ends_with(char::is_whitespace) {
        ""
    } else if body.contains('\n') {
        "\n"
    } else {
        " "
    }
}
