//! The client's part of the config file: `[ui]`, `[keys.*]`, `[[canned]]` and
//! `[notify]`. The binary assembles the whole file; these sections are checked here,
//! against the theme names, the keymap and the notification methods the client has.

use serde::{Deserialize, Serialize};

use crate::keymap::{Keymap, KeysConfig};
use crate::ui::theme::Palette;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UiConfig {
    /// `auto`, `default`, `16` or `mono`.
    pub theme: String,
    /// ASCII glyphs instead of Unicode.
    pub ascii: bool,
    pub mouse: bool,
    /// The web address of a conversation for copy-link: `{url}` is the account's
    /// URL, `{id}` the conversation's id.
    pub link_template: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifyConfig {
    /// `auto` (desktop when a session bus is there, else the terminal's OSC 9),
    /// `desktop`, `osc9`, `osc777`, `bell` or `off`.
    pub method: String,
    /// Views whose unassigned conversations notify on a new customer message;
    /// conversations assigned to me always do.
    pub views: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CannedReply {
    pub name: String,
    pub body: String,
}

/// The notification methods `notify.method` may name.
pub const NOTIFY_METHODS: [&str; 7] = ["auto", "desktop", "osc9", "osc777", "bell", "tmux", "off"];

/// What serde cannot say: a theme that does not exist, a key bound to an unknown
/// command or context, a notification method the client lacks.
pub fn validate(ui: &UiConfig, keys: &KeysConfig, notify: &NotifyConfig) -> Result<(), String> {
    Palette::choose(&ui.theme, false, "", "")?;
    Keymap::configured(keys)?;
    if !NOTIFY_METHODS.contains(&notify.method.as_str()) {
        return Err(format!(
            "notify.method: unknown method {:?} ({})",
            notify.method, "auto, desktop, osc9, osc777, bell, tmux or off"
        ));
    }
    Ok(())
}
