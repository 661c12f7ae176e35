//! Keys to commands. The defaults come from [`Command::default_keys`]; the config's
//! `[keys.<context>]` tables are merged over them (`"x" = "archive"`, or `"none"` to
//! unbind). Sequences ("g u") form a trie per context: a prefix waits for the next
//! key and the status bar shows what can follow, with no timeout.

use std::collections::{BTreeMap, HashMap};
use std::fmt;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::command::{Command, Context};

/// One key press, normalised: a shifted letter is its capital, without SHIFT.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
}

/// The subset of key codes a binding can name, ordered for the trie.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyCodeOrd {
    Char(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    PageUp,
    PageDown,
    Delete,
    F(u8),
}

impl Key {
    pub fn from_event(e: &KeyEvent) -> Option<Self> {
        let code = match e.code {
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab if e.modifiers.contains(KeyModifiers::SHIFT) => KeyCodeOrd::BackTab,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::F(n) => KeyCodeOrd::F(n),
            _ => return None,
        };
        Some(Self {
            code,
            ctrl: e.modifiers.contains(KeyModifiers::CONTROL),
            alt: e.modifiers.contains(KeyModifiers::ALT),
        })
    }

    pub fn to_event(self) -> KeyEvent {
        let mut mods = KeyModifiers::NONE;
        if self.ctrl {
            mods |= KeyModifiers::CONTROL;
        }
        if self.alt {
            mods |= KeyModifiers::ALT;
        }
        let code = match self.code {
            KeyCodeOrd::Char(c) => {
                if c.is_uppercase() {
                    mods |= KeyModifiers::SHIFT;
                }
                KeyCode::Char(c)
            }
            KeyCodeOrd::Enter => KeyCode::Enter,
            KeyCodeOrd::Esc => KeyCode::Esc,
            KeyCodeOrd::Tab => KeyCode::Tab,
            KeyCodeOrd::BackTab => {
                mods |= KeyModifiers::SHIFT;
                KeyCode::BackTab
            }
            KeyCodeOrd::Backspace => KeyCode::Backspace,
            KeyCodeOrd::Up => KeyCode::Up,
            KeyCodeOrd::Down => KeyCode::Down,
            KeyCodeOrd::Left => KeyCode::Left,
            KeyCodeOrd::Right => KeyCode::Right,
            KeyCodeOrd::Home => KeyCode::Home,
            KeyCodeOrd::End => KeyCode::End,
            KeyCodeOrd::PageUp => KeyCode::PageUp,
            KeyCodeOrd::PageDown => KeyCode::PageDown,
            KeyCodeOrd::Delete => KeyCode::Delete,
            KeyCodeOrd::F(n) => KeyCode::F(n),
        };
        KeyEvent::new(code, mods)
    }

    /// Parses one key: `j`, `G`, `<C-r>`, `<Enter>`, `<S-Tab>`, `<Space>`, `<lt>`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut chars = s.chars();
        if let (Some(c), None) = (chars.next(), chars.next()) {
            return Ok(Self { code: KeyCodeOrd::Char(c), ctrl: false, alt: false });
        }
        let inner = s
            .strip_prefix('<')
            .and_then(|s| s.strip_suffix('>'))
            .ok_or_else(|| format!("'{s}' is not a key: write one character, or a name in <>, like <C-r>"))?;
        let (mut ctrl, mut alt, mut shift) = (false, false, false);
        let mut rest = inner;
        loop {
            if let Some(r) = rest.strip_prefix("C-") {
                ctrl = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("A-").or_else(|| rest.strip_prefix("M-")) {
                alt = true;
                rest = r;
            } else if let Some(r) = rest.strip_prefix("S-") {
                shift = true;
                rest = r;
            } else {
                break;
            }
        }
        let mut one = rest.chars();
        let code = match (one.next(), one.next()) {
            (Some(c), None) => KeyCodeOrd::Char(if shift { c.to_ascii_uppercase() } else { c }),
            _ => match rest.to_ascii_lowercase().as_str() {
                "enter" | "cr" | "return" => KeyCodeOrd::Enter,
                "esc" | "escape" => KeyCodeOrd::Esc,
                "tab" if shift => KeyCodeOrd::BackTab,
                "tab" => KeyCodeOrd::Tab,
                "backtab" => KeyCodeOrd::BackTab,
                "bs" | "backspace" => KeyCodeOrd::Backspace,
                "space" => KeyCodeOrd::Char(' '),
                "lt" => KeyCodeOrd::Char('<'),
                "up" => KeyCodeOrd::Up,
                "down" => KeyCodeOrd::Down,
                "left" => KeyCodeOrd::Left,
                "right" => KeyCodeOrd::Right,
                "home" => KeyCodeOrd::Home,
                "end" => KeyCodeOrd::End,
                "pageup" | "pgup" => KeyCodeOrd::PageUp,
                "pagedown" | "pgdn" => KeyCodeOrd::PageDown,
                "del" | "delete" => KeyCodeOrd::Delete,
                f if f.starts_with('f') && f.len() > 1 => {
                    KeyCodeOrd::F(f[1..].parse().map_err(|_| format!("unknown key <{inner}>"))?)
                }
                _ => return Err(format!("unknown key <{inner}>")),
            },
        };
        Ok(Self { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self.code {
            KeyCodeOrd::Char(' ') => "Space".to_owned(),
            KeyCodeOrd::Char(c) if !self.ctrl && !self.alt => return write!(f, "{c}"),
            KeyCodeOrd::Char(c) => c.to_string(),
            KeyCodeOrd::Enter => "Enter".into(),
            KeyCodeOrd::Esc => "Esc".into(),
            KeyCodeOrd::Tab => "Tab".into(),
            KeyCodeOrd::BackTab => "S-Tab".into(),
            KeyCodeOrd::Backspace => "BS".into(),
            KeyCodeOrd::Up => "↑".into(),
            KeyCodeOrd::Down => "↓".into(),
            KeyCodeOrd::Left => "←".into(),
            KeyCodeOrd::Right => "→".into(),
            KeyCodeOrd::Home => "Home".into(),
            KeyCodeOrd::End => "End".into(),
            KeyCodeOrd::PageUp => "PgUp".into(),
            KeyCodeOrd::PageDown => "PgDn".into(),
            KeyCodeOrd::Delete => "Del".into(),
            KeyCodeOrd::F(n) => format!("F{n}"),
        };
        let mods = format!("{}{}", if self.ctrl { "C-" } else { "" }, if self.alt { "A-" } else { "" });
        write!(f, "{mods}{name}")
    }
}

/// A space-separated key sequence: `g u`, `<C-r>`.
pub fn parse_sequence(s: &str) -> Result<Vec<Key>, String> {
    let keys: Vec<Key> = s.split_whitespace().map(Key::parse).collect::<Result<_, _>>()?;
    if keys.is_empty() {
        return Err("an empty key".to_owned());
    }
    Ok(keys)
}

pub fn display_sequence(keys: &[Key]) -> String {
    keys.iter().map(ToString::to_string).collect::<Vec<_>>().join(" ")
}

/// What a key (after any pending prefix) means.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Lookup {
    Command(Command),
    /// A prefix of longer bindings: wait for the next key. Lists what can follow.
    Prefix(Vec<(Key, String)>),
    Unbound,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Keymap {
    bindings: HashMap<Context, BTreeMap<Vec<Key>, Command>>,
}

/// The config's overrides: context name → key sequence → command name (or "none").
pub type Overrides = BTreeMap<String, BTreeMap<String, String>>;

/// `[keys]`: a preset, and the overrides that go on top of it.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeysConfig {
    /// Another product's shortcuts mapped onto frontdesk's commands: see [`PRESETS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<String>,
    #[serde(flatten)]
    pub contexts: Overrides,
}

/// A preset's bindings: context, key sequence, command.
type Preset = &'static [(&'static str, &'static str, &'static str)];

/// The presets `keys.preset` may name, each with its table. Where each mapping comes
/// from is in the README ("Key presets").
pub const PRESETS: &[(&str, Preset)] = &[("gmail", GMAIL), ("vim", VIM)];

/// Gmail's documented shortcuts (Gmail Help, "Keyboard shortcuts for Gmail"),
/// where frontdesk has the same action.
const GMAIL: Preset = &[
    ("global", "e", "archive"),
    ("global", "#", "delete-conversation"),
    ("global", "s", "star"),
    ("global", "U", "toggle-read"),
    ("global", "I", "toggle-read"),
    ("inbox", "x", "mark"),
    ("global", "o", "open"),
    ("global", "u", "back"),
    ("global", "z", "undo"),
    ("global", "b", "snooze"),
    ("global", "l", "tags"),
    ("global", "c", "new-conversation"),
    ("global", "g i", "go-all"),
    ("global", "g a", "go-all"),
    ("global", "g s", "go-starred"),
];

/// vim's motions and verbs, where frontdesk has the like.
const VIM: Preset = &[
    ("global", "h", "back"),
    ("global", "l", "open"),
    ("global", "d d", "archive"),
    ("global", "<C-f>", "page-down"),
    ("global", "<C-b>", "page-up"),
];

impl Keymap {
    /// The defaults, with the config's overrides merged over them.
    pub fn new(overrides: &Overrides) -> Result<Self, String> {
        Self::configured(&KeysConfig { preset: None, contexts: overrides.clone() })
    }

    /// The defaults, then the preset if one is named, then the config's own
    /// overrides on top.
    pub fn configured(keys: &KeysConfig) -> Result<Self, String> {
        let mut map = Self::default();
        for &command in Command::ALL {
            for key in command.default_keys() {
                let seq = parse_sequence(key).map_err(|e| format!("default key of {}: {e}", command.name()))?;
                map.bindings.entry(command.context()).or_default().insert(seq, command);
            }
        }
        if let Some(name) = &keys.preset {
            let Some((_, table)) = PRESETS.iter().find(|(n, _)| n == name) else {
                let names: Vec<_> = PRESETS.iter().map(|(n, _)| *n).collect();
                return Err(format!("keys.preset: unknown preset {name:?} (one of {})", names.join(", ")));
            };
            let mut preset = Overrides::new();
            for (ctx, key, command) in *table {
                preset.entry((*ctx).to_owned()).or_default().insert((*key).to_owned(), (*command).to_owned());
            }
            map.merge(&preset)?;
        }
        map.merge(&keys.contexts)?;
        Ok(map)
    }

    /// Binds each key of `overrides`, taking it from whatever had it; a key that
    /// would now begin a longer sequence loses its own binding (and the other way
    /// round), so that both cannot be meant at once.
    fn merge(&mut self, overrides: &Overrides) -> Result<(), String> {
        for (context, keys) in overrides {
            let ctx = Context::parse(context).ok_or_else(|| {
                let names: Vec<_> = Context::ALL.iter().map(|c| c.name()).collect();
                format!("keys.{context}: unknown context (one of {})", names.join(", "))
            })?;
            for (key, command) in keys {
                let seq = parse_sequence(key).map_err(|e| format!("keys.{context}.\"{key}\": {e}"))?;
                let table = self.bindings.entry(ctx).or_default();
                if command == "none" {
                    table.remove(&seq);
                    continue;
                }
                let command = Command::parse(command).ok_or_else(|| {
                    format!("keys.{context}.\"{key}\": unknown command '{command}' (see `:` in the app)")
                })?;
                // `d d` takes `d` (when it was bound alone), and `g` bound alone
                // would take every `g …`.
                table.retain(|k, _| !(seq.starts_with(k) || k.starts_with(&seq)));
                table.insert(seq, command);
            }
        }
        Ok(())
    }

    fn contexts(context: Context) -> &'static [Context] {
        match context {
            Context::Inbox => &[Context::Inbox, Context::Global],
            Context::Thread => &[Context::Thread, Context::Global],
            Context::Global => &[Context::Global],
            Context::Composer => &[Context::Composer],
            Context::Review => &[Context::Review],
            Context::Agents => &[Context::Agents],
            Context::Playground => &[Context::Playground],
        }
    }

    /// Looks up `pending` followed by `key` in `context`.
    pub fn lookup(&self, context: Context, pending: &[Key], key: Key) -> Lookup {
        let mut seq = pending.to_vec();
        seq.push(key);
        let mut follow = Vec::new();
        for ctx in Self::contexts(context) {
            let Some(table) = self.bindings.get(ctx) else { continue };
            if let Some(&command) = table.get(&seq) {
                return Lookup::Command(command);
            }
            for (keys, command) in table.range(seq.clone()..) {
                if !keys.starts_with(&seq) {
                    break;
                }
                if let Some(next) = keys.get(seq.len()) {
                    follow.push((*next, command.doc().to_owned()));
                }
            }
        }
        if follow.is_empty() { Lookup::Unbound } else { Lookup::Prefix(follow) }
    }

    /// The keys bound to `command` where it applies, for help and hints.
    pub fn keys_for(&self, command: Command) -> Vec<String> {
        let mut out = Vec::new();
        for ctx in Context::ALL {
            if let Some(table) = self.bindings.get(&ctx) {
                out.extend(table.iter().filter(|(_, c)| **c == command).map(|(k, _)| display_sequence(k)));
            }
        }
        out
    }

    /// The first key for `command`, or its name for the palette.
    pub fn hint(&self, command: Command) -> String {
        self.keys_for(command).into_iter().next().unwrap_or_else(|| format!(":{}", command.name()))
    }

    /// Every binding of a context, grouped for the help overlay.
    pub fn bindings(&self, context: Context) -> Vec<(String, Command)> {
        self.bindings
            .get(&context)
            .map(|t| t.iter().map(|(k, c)| (display_sequence(k), *c)).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> Key {
        Key::parse(s).unwrap()
    }

    #[test]
    fn parses_the_notation() {
        assert_eq!(key("j"), Key { code: KeyCodeOrd::Char('j'), ctrl: false, alt: false });
        assert_eq!(key("<C-r>"), Key { code: KeyCodeOrd::Char('r'), ctrl: true, alt: false });
        assert_eq!(key("<S-Tab>").code, KeyCodeOrd::BackTab);
        assert_eq!(key("<Space>").code, KeyCodeOrd::Char(' '));
        assert_eq!(parse_sequence("g u").unwrap().len(), 2);
        assert!(Key::parse("<Hyper-x>").is_err());
        assert!(Key::parse("jj").is_err());
    }

    #[test]
    fn every_default_key_parses_and_no_two_collide() {
        let map = Keymap::new(&Overrides::new()).unwrap();
        let total: usize = Command::ALL.iter().map(|c| c.default_keys().len()).sum();
        let bound: usize = map.bindings.values().map(BTreeMap::len).sum();
        assert_eq!(total, bound, "two commands share a default key in one context");
    }

    #[test]
    fn sequences_wait_for_their_second_key() {
        let map = Keymap::new(&Overrides::new()).unwrap();
        let Lookup::Prefix(follow) = map.lookup(Context::Inbox, &[], key("g")) else { panic!("g is a prefix") };
        assert!(follow.iter().any(|(k, _)| *k == key("u")));
        assert_eq!(map.lookup(Context::Inbox, &[key("g")], key("u")), Lookup::Command(Command::GoUnread));
        assert_eq!(map.lookup(Context::Inbox, &[key("g")], key("z")), Lookup::Unbound);
    }

    #[test]
    fn the_composer_sees_only_its_own_keys() {
        let map = Keymap::new(&Overrides::new()).unwrap();
        assert_eq!(map.lookup(Context::Composer, &[], key("q")), Lookup::Unbound);
        assert_eq!(map.lookup(Context::Composer, &[], key("<C-s>")), Lookup::Command(Command::SendReview));
        assert_eq!(map.lookup(Context::Thread, &[], key("<Enter>")), Lookup::Command(Command::EditSuggestion));
        assert_eq!(map.lookup(Context::Inbox, &[], key("<Enter>")), Lookup::Command(Command::Open));
    }

    #[test]
    fn overrides_rebind_and_unbind() {
        let mut o = Overrides::new();
        o.entry("global".into()).or_default().insert("#".into(), "archive".into());
        o.entry("global".into()).or_default().insert("X".into(), "none".into());
        let map = Keymap::new(&o).unwrap();
        assert_eq!(map.lookup(Context::Inbox, &[], key("#")), Lookup::Command(Command::Archive));
        assert_eq!(map.lookup(Context::Inbox, &[], key("X")), Lookup::Unbound);
        assert_eq!(map.hint(Command::Archive), "#");
    }

    #[test]
    fn bad_overrides_say_what_is_wrong() {
        let mut o = Overrides::new();
        o.entry("global".into()).or_default().insert("x".into(), "archiv".into());
        assert!(Keymap::new(&o).unwrap_err().contains("unknown command 'archiv'"));
        let mut o = Overrides::new();
        o.entry("lists".into()).or_default().insert("x".into(), "archive".into());
        assert!(Keymap::new(&o).unwrap_err().contains("unknown context"));
    }

    fn with(preset: &str, overrides: &[(&str, &str, &str)]) -> Result<Keymap, String> {
        let mut contexts = Overrides::new();
        for (ctx, key, command) in overrides {
            contexts.entry((*ctx).to_owned()).or_default().insert((*key).to_owned(), (*command).to_owned());
        }
        Keymap::configured(&KeysConfig { preset: Some(preset.to_owned()), contexts })
    }

    fn command(map: &Keymap, ctx: Context, keys: &str) -> Option<Command> {
        let seq = parse_sequence(keys).ok()?;
        let (last, before) = seq.split_last()?;
        match map.lookup(ctx, before, *last) {
            Lookup::Command(c) => Some(c),
            _ => None,
        }
    }

    #[test]
    fn the_gmail_preset_keeps_gmails_muscle_memory() {
        let map = with("gmail", &[]).unwrap();
        assert_eq!(command(&map, Context::Inbox, "e"), Some(Command::Archive));
        assert_eq!(command(&map, Context::Inbox, "#"), Some(Command::DeleteConversation));
        assert_eq!(command(&map, Context::Inbox, "x"), Some(Command::Mark));
        assert_eq!(command(&map, Context::Thread, "u"), Some(Command::Back));
        assert_eq!(command(&map, Context::Inbox, "z"), Some(Command::Undo));
        assert_eq!(command(&map, Context::Inbox, "b"), Some(Command::Snooze));
        assert_eq!(command(&map, Context::Inbox, "g i"), Some(Command::GoAll));
        // What Gmail does not claim stays frontdesk's.
        assert_eq!(command(&map, Context::Inbox, "r"), Some(Command::Reply));
        // Help and hints follow: the keys shown are the preset's.
        assert_eq!(map.hint(Command::Undo), "z");
        // The user's own overrides go on top.
        let map = with("gmail", &[("global", "e", "close-next")]).unwrap();
        assert_eq!(command(&map, Context::Inbox, "e"), Some(Command::CloseNext));
    }

    #[test]
    fn the_vim_preset_and_an_unknown_one() {
        let map = with("vim", &[]).unwrap();
        assert_eq!(command(&map, Context::Inbox, "d d"), Some(Command::Archive));
        assert_eq!(command(&map, Context::Thread, "h"), Some(Command::Back));
        assert_eq!(command(&map, Context::Inbox, "<C-f>"), Some(Command::PageDown));
        let err = with("outlook", &[]).unwrap_err();
        assert!(err.contains("unknown preset \"outlook\" (one of gmail, vim)"), "{err}");
    }
}
