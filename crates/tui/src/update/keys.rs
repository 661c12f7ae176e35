//! Key presses: overlays and prompts take text first, the composer passes unbound
//! keys to its editor, everything else goes through the keymap (with multi-key
//! sequences waiting for their next key).

use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

use super::{command, info, nav, pickers};
use crate::effect::Effect;
use crate::keymap::{Key, Lookup, display_sequence};
use crate::state::{Focus, Level, Overlay, State};

pub fn key(state: &mut State, ev: KeyEvent) -> Vec<Effect> {
    if ev.kind == KeyEventKind::Release {
        return Vec::new();
    }
    // An error stays until the agent has seen it, which a key press shows.
    if state.status.flash.as_ref().is_some_and(|f| f.level == Level::Error) {
        state.status.flash = None;
    }
    if let Some(effects) = overlay(state, ev) {
        return effects;
    }
    if state.prompt.is_some() {
        return nav::prompt_key(state, ev);
    }
    // Esc and the next key arriving in one read (a slow SSH link, fast fingers)
    // read as Alt+key. Unbound, it is what was typed: Esc, then the key.
    // (After a prefix, `g` then Esc-j, the Esc cancels the prefix the same way.)
    if ev.modifiers == KeyModifiers::ALT
        && matches!(ev.code, KeyCode::Char(_))
        && state.overlay.is_none()
        && let Some(k) = Key::from_event(&ev)
        && state.settings.keymap.lookup(state.context(), &state.chord, k) == Lookup::Unbound
        && (state.chord.is_empty() || state.settings.keymap.lookup(state.context(), &[], k) == Lookup::Unbound)
    {
        let mut effects = key(state, KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE));
        effects.extend(key(state, KeyEvent::new(ev.code, KeyModifiers::NONE)));
        return effects;
    }
    if ev.code == KeyCode::Char('c') && ev.modifiers.contains(KeyModifiers::CONTROL) {
        // Ctrl-C is how terminals quit. From the composer it asks first, with the
        // draft already kept whatever the answer.
        if state.focus == Focus::Composer && state.composer.is_some() && state.overlay.is_none() {
            let effects: Vec<Effect> = state
                .composer
                .as_ref()
                .and_then(super::compose::stored)
                .map(|d| Effect::Sync(frontdesk_sync::SyncCommand::SaveDraft(d)))
                .into_iter()
                .collect();
            state.overlay = Some(crate::state::Overlay::ConfirmQuit);
            return effects;
        }
        return nav::quit(state);
    }
    if state.console.as_ref().is_some_and(|c| c.confirm_delete.is_some()) {
        return super::console::confirm_key(state, ev);
    }
    let Some(k) = Key::from_event(&ev) else { return Vec::new() };
    let context = state.context();
    let pending = std::mem::take(&mut state.chord);
    match state.settings.keymap.lookup(context, &pending, k) {
        Lookup::Command(c) => command(state, c),
        Lookup::Prefix(_) => {
            state.chord = pending;
            state.chord.push(k);
            Vec::new()
        }
        Lookup::Unbound if state.focus == Focus::Composer && pending.is_empty() => {
            if let Some(c) = &mut state.composer
                && !c.reviewing
                && c.editor.input(ev)
            {
                state.draft_dirty = Some(state.now);
                let id = c.conversation.clone();
                return super::presence::typed(state, &id);
            }
            Vec::new()
        }
        // The console keeps help and the palette, which live with the inbox's keys.
        Lookup::Unbound
            if context == crate::command::Context::Agents
                && pending.is_empty()
                && matches!(ev.code, KeyCode::Char('?' | ':')) =>
        {
            let c = if ev.code == KeyCode::Char('?') {
                crate::command::Command::Help
            } else {
                crate::command::Command::Palette
            };
            command(state, c)
        }
        Lookup::Unbound if context == crate::command::Context::Playground && pending.is_empty() => {
            super::console::typed(state, ev);
            Vec::new()
        }
        // Esc after a prefix (`g`, `S`) is a change of mind, not a key to explain.
        Lookup::Unbound if !pending.is_empty() && ev.code == KeyCode::Esc => Vec::new(),
        Lookup::Unbound => {
            let mut typed = pending;
            typed.push(k);
            info(
                state,
                format!(
                    "{} does nothing here ({} shows the keys)",
                    display_sequence(&typed),
                    state.settings.keymap.hint(crate::command::Command::Help)
                ),
            );
            Vec::new()
        }
    }
}

pub fn paste(state: &mut State, text: &str) -> Vec<Effect> {
    let text = frontdesk_domain::text::sanitize(text);
    if let Some(Overlay::Picker(p)) = &mut state.overlay {
        p.query.push_str(&frontdesk_domain::text::sanitize_line(&text));
        pickers::refilter(state);
    } else if let Some(p) = &mut state.prompt {
        p.text.push_str(&frontdesk_domain::text::sanitize_line(&text));
        nav::apply_filter(state);
    } else if let (Focus::Composer, Some(c)) = (state.focus, &mut state.composer) {
        c.editor.insert_str(text);
        state.draft_dirty = Some(state.now);
    }
    Vec::new()
}

/// A key for the open overlay (it takes every key); `None` when none is open.
fn overlay(state: &mut State, ev: KeyEvent) -> Option<Vec<Effect>> {
    Some(match &mut state.overlay {
        Some(Overlay::ConfirmQuit) => {
            state.overlay = None;
            if ev.code == KeyCode::Char('y') {
                state.quit = true;
                vec![Effect::Quit]
            } else {
                Vec::new()
            }
        }
        Some(Overlay::ConfirmDelete { .. }) => super::delete::confirm_key(state, ev),
        Some(Overlay::Text { text, scroll, .. }) => match ev.code {
            KeyCode::Char('Y' | 'y') => {
                let text = text.clone();
                state.overlay = None;
                vec![Effect::Copy { text, what: "the text".to_owned() }]
            }
            KeyCode::Char('j') | KeyCode::Down => {
                *scroll += 1;
                Vec::new()
            }
            KeyCode::Char('k') | KeyCode::Up => {
                *scroll = scroll.saturating_sub(1);
                Vec::new()
            }
            _ => {
                state.overlay = None;
                Vec::new()
            }
        },
        Some(Overlay::ConfirmDiscard) => {
            state.overlay = None;
            if ev.code == KeyCode::Char('y') { super::compose::discard(state) } else { Vec::new() }
        }
        Some(Overlay::ConfirmBulk { .. }) => super::triage::confirm_bulk(state, ev.code == KeyCode::Char('y')),
        Some(Overlay::Help { scroll }) => {
            match ev.code {
                KeyCode::Char('j') | KeyCode::Down => *scroll += 1,
                KeyCode::Char('k') | KeyCode::Up => *scroll = scroll.saturating_sub(1),
                KeyCode::PageDown | KeyCode::Char(' ') => *scroll += 10,
                KeyCode::PageUp => *scroll = scroll.saturating_sub(10),
                _ => state.overlay = None,
            }
            Vec::new()
        }
        Some(Overlay::Picker(_)) => pickers::key(state, ev),
        None => return None,
    })
}
