//! When the screen next changes by itself. The loop sleeps until then and no
//! longer: there is no tick. A screen with nothing time-based on it never wakes.

use jiff::{Timestamp, ToSpan as _};

use super::state::{Connection, State};
use super::ui::text::next_minute;

pub fn next_wake(state: &State) -> Option<Timestamp> {
    let mut wake: Option<Timestamp> = None;
    let mut at = |t: Timestamp| wake = Some(wake.map_or(t, |w| w.min(t)));
    if let Some(until) = state.status.flash.as_ref().and_then(|f| f.until) {
        at(until);
    }
    if let Some(u) = &state.status.undo {
        // The offer counts down in seconds.
        at(u.until.min(state.now + 1.second()));
    }
    if state.inflight.values().any(|i| i.retry.is_some()) {
        // "queued, retry in Ns" counts down.
        at(state.now + 1.second());
    }
    if let Some(t) = super::update::presence_change(state) {
        at(t);
    }
    if let Some(due) = super::update::notify::due(state) {
        at(due);
    }
    if let Some(dirty) = state.draft_dirty {
        at(dirty + super::update::compose::DRAFT_DEBOUNCE_MS.milliseconds());
    }
    if let Connection::Reconnecting { at: when, .. } = state.connection {
        at(when.min(state.now + 1.second()));
    }
    // Relative times ("5m", "synced 2m ago", SLA badges) change on the minute.
    let shows_times = !state.list.items.is_empty() || state.thread.is_some() || state.status.last_sync.is_some();
    if shows_times {
        at(next_minute(state.now));
    }
    wake
}
