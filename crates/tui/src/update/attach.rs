//! Files for the composer, where the account takes them: a path typed (`~` is the
//! home directory; a relative path is taken from where frontdesk started), looked
//! at as it is typed so a typo shows before sending. The file itself is read only
//! when the message goes out (the adapter checks it again, and its size).

use std::path::{Path, PathBuf};

use super::{info, unavailable};
use crate::effect::Effect;
use crate::state::{PickItem, PickPurpose, PickValue, State};
use frontdesk_domain::Attachment;

/// Marks a sending message's attachment as a local file, so that sending it again
/// finds the file.
const LOCAL: &str = "file://";

pub fn open(state: &mut State) -> Vec<Effect> {
    if state.composer.is_none() {
        return unavailable(state, "open the composer first (r)");
    }
    let items = items(state, "");
    super::pickers::open(state, "Attach a file (type its path; ~ for home)", PickPurpose::Attach, items)
}

/// The typed path, if there is one, then what is attached (Enter takes it off).
pub fn items(state: &State, query: &str) -> Vec<PickItem> {
    let mut items = Vec::new();
    let typed = query.trim();
    if !typed.is_empty() {
        let path = resolve(typed);
        // One stat per key typed: cheap, and a wrong path is seen at once.
        let (label, ok) = match std::fs::metadata(&path) {
            Ok(m) if m.is_file() => (format!("Attach {} ({})", path.display(), crate::ui::text::bytes(m.len())), true),
            Ok(_) => (format!("{} is not a file", path.display()), false),
            Err(e) => (format!("{}: {}", path.display(), reason(&e)), false),
        };
        let value = if ok { path.to_string_lossy().into_owned() } else { String::new() };
        items.push(PickItem { label, detail: String::new(), value: PickValue::Text(value) });
    }
    if let Some(c) = &state.composer {
        items.extend(c.attachments.iter().map(|f| PickItem {
            label: format!("Take off {}", name(f)),
            detail: "attached".to_owned(),
            value: PickValue::Text(f.to_string_lossy().into_owned()),
        }));
    }
    if items.is_empty() {
        items.push(PickItem {
            label: "type a file's path".to_owned(),
            detail: String::new(),
            value: PickValue::Text(String::new()),
        });
    }
    items
}

pub fn chosen(state: &mut State, value: Option<PickValue>) -> Vec<Effect> {
    let Some(PickValue::Text(path)) = value.filter(|v| !matches!(v, PickValue::Text(p) if p.is_empty())) else {
        return unavailable(state, "no file attached: type the path of one");
    };
    let Some(c) = &mut state.composer else { return Vec::new() };
    let path = PathBuf::from(path);
    let what = name(&path);
    if let Some(pos) = c.attachments.iter().position(|f| *f == path) {
        c.attachments.remove(pos);
        info(state, format!("took off {what}"));
    } else {
        c.attachments.push(path);
        info(state, format!("attached {what}"));
    }
    Vec::new()
}

fn resolve(typed: &str) -> PathBuf {
    let home = || std::env::var_os("HOME").map(PathBuf::from);
    let path = match typed.strip_prefix("~/") {
        Some(rest) => home().map_or_else(|| PathBuf::from(typed), |h| h.join(rest)),
        None if typed == "~" => home().unwrap_or_else(|| PathBuf::from(typed)),
        None => PathBuf::from(typed),
    };
    if path.is_absolute() {
        return path;
    }
    std::env::current_dir().map_or(path.clone(), |cwd| cwd.join(path))
}

fn reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".to_owned(),
        std::io::ErrorKind::PermissionDenied => "not readable (permission denied)".to_owned(),
        _ => e.to_string(),
    }
}

pub fn name(path: &Path) -> String {
    frontdesk_domain::text::sanitize_line(
        &path.file_name().map_or_else(|| path.to_string_lossy(), |n| n.to_string_lossy()),
    )
}

/// How a file being sent shows in the thread.
pub fn shown(path: &Path) -> Attachment {
    Attachment {
        name: name(path),
        content_type: "file".to_owned(),
        size: 0,
        url: Some(format!("{LOCAL}{}", path.to_string_lossy())),
    }
}

/// The file behind an attachment shown while sending.
pub fn path_of(a: &Attachment) -> Option<PathBuf> {
    a.url.as_deref()?.strip_prefix(LOCAL).map(PathBuf::from)
}
