//! The config file: `$XDG_CONFIG_HOME/frontdesk/config.toml`, or `--config PATH`,
//! assembled from the sections each layer owns (`[server]` and `[demo]` from the
//! server, `[ui]`, `[keys]`, `[[canned]]` and `[notify]` from the client); the
//! accounts are the wiring's own.
//! Its defaults are `config.example.toml` itself (compiled in), so the documented
//! example and the real defaults cannot drift; a test holds them equal. Unknown keys
//! are errors that name the file, line and column: a typo never passes silently.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use frontdesk_provider::unified::UNIFIED;
pub use frontdesk_server::config::{DemoConfig, ServerConfig};
pub use frontdesk_tui::config::{CannedReply, NotifyConfig, UiConfig};

pub const EXAMPLE: &str = include_str!("../config.example.toml");

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub server: ServerConfig,
    pub demo: DemoConfig,
    #[serde(default)]
    pub accounts: Vec<AccountConfig>,
    pub ui: UiConfig,
    /// A preset (`[keys] preset = "gmail"`) and key overrides by context:
    /// `[keys.global]` `"#" = "archive"`.
    #[serde(default)]
    pub keys: frontdesk_tui::keymap::KeysConfig,
    /// Canned replies for the composer's picker.
    #[serde(default)]
    pub canned: Vec<CannedReply>,
    pub notify: NotifyConfig,
    /// The file this was read from; none for the built-in defaults.
    #[serde(skip)]
    pub source: Option<PathBuf>,
}

/// An inbox the client works.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    pub name: String,
    pub provider: String,
    /// The API's base URL; Orbit's has a default.
    #[serde(default)]
    pub url: String,
    /// Environment variable holding the API key.
    #[serde(default)]
    pub api_key_env: Option<String>,
    /// A command printing the API key (e.g. `pass show frontdesk`).
    #[serde(default)]
    pub api_key_cmd: Option<String>,
    /// How live updates arrive: the provider's stream, or polling.
    #[serde(default)]
    pub updates: Updates,
    /// The helpdesk (Bancroft): the agent's email address, which replies are sent as.
    #[serde(default)]
    pub agent_email: Option<String>,
    /// The CRM inbox (Iron): the sign-in address, the password's source, the auth
    /// service's URL and the sub-account (`X-Org-Id`; the earliest joined if none).
    #[serde(default)]
    pub email: Option<String>,
    #[serde(default)]
    pub password_cmd: Option<String>,
    #[serde(default)]
    pub password_env: Option<String>,
    #[serde(default)]
    pub auth_url: Option<String>,
    /// Iron: the Supabase project's public anon key (its gateway's `apikey`
    /// header), in the file or in an environment variable.
    #[serde(default)]
    pub auth_anon_key: Option<String>,
    #[serde(default)]
    pub auth_anon_key_env: Option<String>,
    #[serde(default)]
    pub org_id: Option<String>,
    /// Iron: the sub-accounts the agent works, by name (`"Acme East" = "<uuid>"`).
    /// Each becomes an account of its own, `name (Acme East)`, in the account
    /// picker and the unified inbox (Iron publishes no way to list them).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub orgs: std::collections::BTreeMap<String, String>,
    /// `ChatCaptain`: the chatbot the key belongs to.
    #[serde(default)]
    pub chatbot_id: Option<String>,
    /// Chatwoot: the account's number (in its URLs: `/app/accounts/N/…`).
    #[serde(default)]
    pub account_id: Option<u64>,
    /// Seconds between polls, when polling (longer while the agent is away).
    #[serde(default = "default_poll_secs")]
    pub poll_secs: u64,
}

/// The providers an account may name.
pub const PROVIDERS: [&str; 6] = ["native", "orbit", "chatwoot", "helpdesk", "chatcaptain", "crm"];

fn default_poll_secs() -> u64 {
    20
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Updates {
    /// The event stream when the provider has one, polling otherwise.
    #[default]
    Stream,
    /// Always poll (a proxy that cuts long-lived connections, say).
    Poll,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    // `why`, not `source`: said once, not again as the error's cause.
    #[error("cannot read {path}: {why}")]
    Read { path: PathBuf, why: std::io::Error },
    #[error("{path}:{line}:{column}: {message}")]
    Parse { path: PathBuf, line: usize, column: usize, message: String },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

impl Default for Config {
    fn default() -> Self {
        // The example is part of the binary and tested to parse; failing here is a
        // build defect, not a user error.
        #[allow(clippy::expect_used)]
        parse(EXAMPLE, Path::new("config.example.toml")).expect("config.example.toml parses")
    }
}

/// Parses config text, layering it over the defaults: a file need only say what it
/// changes.
pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
    let mut merged: toml::Table = if path == Path::new("config.example.toml") {
        toml::Table::new()
    } else {
        toml::from_str(EXAMPLE).map_err(|e| located(EXAMPLE, Path::new("config.example.toml"), &e))?
    };
    let user: toml::Table = toml::from_str(text).map_err(|e| located(text, path, &e))?;
    merge(&mut merged, user);
    let config: Config =
        serde_path_to_error::deserialize(toml::Value::Table(merged)).map_err(|e| misplaced(text, path, &e))?;
    let mut config = config;
    // Before the orgs are expanded, so an entry's index is its place in the file.
    check_urls(&config.accounts).map_err(|(key, message)| match find_key(text, &key) {
        Some((line, column)) => ConfigError::Parse { path: path.to_owned(), line, column, message },
        None => ConfigError::Invalid { path: path.to_owned(), message },
    })?;
    config.accounts = expand_orgs(std::mem::take(&mut config.accounts))
        .map_err(|message| ConfigError::Invalid { path: path.to_owned(), message })?;
    validate(&config).map_err(|message| ConfigError::Invalid { path: path.to_owned(), message })?;
    Ok(config)
}

/// A key's place in the file: `accounts[1].url` as `[("accounts", Some(1)), ("url", None)]`.
type KeyPath = Vec<(String, Option<usize>)>;

/// Every address an account names must be an http(s) URL: said here, where the
/// file can be named, rather than retried forever against nothing.
fn check_urls(accounts: &[AccountConfig]) -> Result<(), (KeyPath, String)> {
    for (i, a) in accounts.iter().enumerate() {
        for (field, value) in [("url", Some(a.url.as_str())), ("auth_url", a.auth_url.as_deref())] {
            let Some(value) = value.filter(|v| !v.trim().is_empty()) else { continue };
            let why = match reqwest::Url::parse(value.trim()) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => continue,
                Ok(u) if u.host().is_none() => "it names no host".to_owned(),
                Ok(u) => format!("{}: is not http or https", u.scheme()),
                Err(e) => e.to_string(),
            };
            let key = vec![("accounts".to_owned(), Some(i)), (field.to_owned(), None)];
            return Err((
                key,
                format!(
                    "account {}: {field} = {value:?} is not a web address ({why}); e.g. https://inbox.example.com",
                    a.name
                ),
            ));
        }
    }
    Ok(())
}

/// An Iron account with `orgs` becomes one account per org, named after it, each
/// with its own `X-Org-Id` (and its own outbox and cache).
fn expand_orgs(accounts: Vec<AccountConfig>) -> Result<Vec<AccountConfig>, String> {
    let mut out = Vec::with_capacity(accounts.len());
    for a in accounts {
        if a.orgs.is_empty() {
            if let Some(org) = &a.org_id {
                check_org_id(&a.name, "org_id", org)?;
            }
            out.push(a);
            continue;
        }
        if a.provider != "crm" {
            return Err(format!("account {}: orgs is for crm accounts (Iron's sub-accounts)", a.name));
        }
        if a.org_id.is_some() {
            return Err(format!("account {}: give either org_id or orgs, not both", a.name));
        }
        for (org, id) in &a.orgs {
            check_org_id(&a.name, &format!("orgs.{org:?}"), id)?;
            let mut one = a.clone();
            one.name = format!("{} ({})", a.name, org.trim());
            one.org_id = Some(id.trim().to_owned());
            one.orgs.clear();
            out.push(one);
        }
    }
    Ok(out)
}

/// Iron answers a malformed org id with a bare 400: said here instead, by name.
fn check_org_id(account: &str, key: &str, id: &str) -> Result<(), String> {
    let id = id.trim();
    let shaped = id.len() == 36
        && id.char_indices().all(|(i, c)| if [8, 13, 18, 23].contains(&i) { c == '-' } else { c.is_ascii_hexdigit() });
    if shaped {
        Ok(())
    } else {
        Err(format!("account {account}: {key} = {id:?} is not an org id (a UUID such as 3f0c…-…)"))
    }
}

fn merge(base: &mut toml::Table, over: toml::Table) {
    for (key, value) in over {
        match (base.get_mut(&key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(key, v);
            }
        }
    }
}

/// An error found after merging carries no span into the user's text: it is placed
/// by its key's path (`server.body_limit_bytes`, `accounts[1].poll_secs`), and an
/// unknown key by the name its message gives. The message says the key either way.
fn misplaced(text: &str, path: &Path, e: &serde_path_to_error::Error<toml::de::Error>) -> ConfigError {
    let message = e.inner().message();
    let mut keys: KeyPath = Vec::new();
    for segment in e.path() {
        match segment {
            serde_path_to_error::Segment::Map { key } => keys.push((key.clone(), None)),
            serde_path_to_error::Segment::Seq { index } => {
                if let Some(last) = keys.last_mut() {
                    last.1 = Some(*index);
                }
            }
            _ => {}
        }
    }
    let unknown = message.starts_with("unknown field").then(|| message.split('`').nth(1)).flatten();
    let message = match unknown {
        Some(_) => message.to_owned(),
        None if keys.is_empty() => message.to_owned(),
        None => format!("{}: {message}", e.path()),
    };
    // The path may stop at the table or name the unknown key itself.
    if let Some(key) = unknown
        && keys.last().is_none_or(|(last, _)| last != key)
    {
        keys.push((key.to_owned(), None));
    }
    match find_key(text, &keys) {
        Some((line, column)) => ConfigError::Parse { path: path.to_owned(), line, column, message },
        None => ConfigError::Invalid { path: path.to_owned(), message },
    }
}

/// The line and column where `keys` is set in the text: `a.b` as `b = …` under
/// `[a]` (or `[[a]]`, counting its entries for an index), or as `a.b = …` at the top.
fn find_key(text: &str, keys: &[(String, Option<usize>)]) -> Option<(usize, usize)> {
    let ((last, _), tables) = keys.split_last()?;
    let mut section: Vec<String> = Vec::new();
    let mut entries: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    let wanted: Vec<String> = tables
        .iter()
        .map(|(k, i)| match i {
            Some(i) => format!("{k}[{i}]"),
            None => k.clone(),
        })
        .collect();
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if let Some(header) = trimmed.strip_prefix("[[").and_then(|h| h.split("]]").next()) {
            let name = header.trim().to_owned();
            let n = entries.entry(name.clone()).or_insert(0);
            section = vec![format!("{name}[{n}]")];
            *n += 1;
            continue;
        }
        if let Some(header) = trimmed.strip_prefix('[').and_then(|h| h.split(']').next()) {
            section = header.split('.').map(|s| s.trim().trim_matches('"').to_owned()).collect();
            continue;
        }
        let Some((key, _)) = trimmed.split_once('=') else { continue };
        let key: Vec<String> = key.split('.').map(|s| s.trim().trim_matches('"').to_owned()).collect();
        let full: Vec<String> = section.iter().cloned().chain(key).collect();
        let expected: Vec<String> = wanted.iter().cloned().chain(std::iter::once(last.clone())).collect();
        if full == expected {
            return Some((i + 1, line.len() - trimmed.len() + 1));
        }
    }
    None
}

fn located(text: &str, path: &Path, e: &toml::de::Error) -> ConfigError {
    let (line, column) = e.span().map_or((0, 0), |span| {
        let before = &text[..span.start.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        (line, column)
    });
    ConfigError::Parse { path: path.to_owned(), line, column, message: e.message().to_owned() }
}

/// Each layer checks its own sections; the accounts are the wiring's.
fn validate(c: &Config) -> Result<(), String> {
    c.server.validate()?;
    c.demo.validate()?;
    frontdesk_tui::config::validate(&c.ui, &c.keys, &c.notify)?;
    let mut names = std::collections::HashSet::new();
    for a in &c.accounts {
        if !PROVIDERS.contains(&a.provider.as_str()) {
            return Err(format!(
                "account {}: unknown provider {:?} (known: {})",
                a.name,
                a.provider,
                PROVIDERS.join(", ")
            ));
        }
        if a.provider == "helpdesk" && !a.agent_email.as_deref().is_some_and(|e| e.contains('@')) {
            return Err(format!("account {}: a helpdesk account needs agent_email (replies are sent as it)", a.name));
        }
        if a.provider == "chatcaptain" && a.chatbot_id.as_deref().is_none_or(|c| c.trim().is_empty()) {
            return Err(format!(
                "account {}: a chatcaptain account needs chatbot_id (its key belongs to one chatbot)",
                a.name
            ));
        }
        if a.provider == "crm" && (a.email.is_none() || a.auth_url.is_none()) {
            return Err(format!(
                "account {}: a crm account needs email and auth_url (and password_cmd or password_env)",
                a.name
            ));
        }
        if a.provider == "chatwoot" && a.account_id.is_none() {
            return Err(format!("account {}: a chatwoot account needs account_id (the N in /app/accounts/N)", a.name));
        }
        if a.url.trim().is_empty() && !matches!(a.provider.as_str(), "orbit" | "chatcaptain") {
            return Err(format!("account {}: url is needed (the server's base URL)", a.name));
        }
        if a.name.trim().is_empty() || a.name.contains(frontdesk_provider::unified::SEPARATOR) || a.name == UNIFIED {
            return Err(format!(
                "account {:?}: a name must be non-empty, not {UNIFIED:?} (the unified inbox), without {:?}",
                a.name,
                frontdesk_provider::unified::SEPARATOR
            ));
        }
        if !names.insert(a.name.as_str()) {
            return Err(format!("account {}: two accounts have this name", a.name));
        }
        if a.poll_secs < 2 || a.poll_secs > 3600 {
            return Err(format!("account {}: poll_secs must be between 2 and 3600", a.name));
        }
    }
    Ok(())
}

/// Loads the config from `path`, or from the XDG location if it exists, or defaults.
pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
    let path = match path {
        Some(p) => p.to_owned(),
        None => match default_path() {
            Some(p) if p.exists() => p,
            _ => return Ok(Config::default()),
        },
    };
    let text = std::fs::read_to_string(&path).map_err(|why| ConfigError::Read { path: path.clone(), why })?;
    let mut cfg = parse(&text, &path)?;
    cfg.source = Some(path);
    Ok(cfg)
}

#[must_use]
pub fn default_path() -> Option<PathBuf> {
    use etcetera::BaseStrategy as _;
    etcetera::choose_base_strategy().ok().map(|s| s.config_dir().join("frontdesk").join("config.toml"))
}

/// Where the server keeps its database when none is configured.
#[must_use]
pub fn default_data_dir() -> Option<PathBuf> {
    use etcetera::BaseStrategy as _;
    etcetera::choose_base_strategy().ok().map(|s| s.data_dir().join("frontdesk"))
}

/// Where logs go: the XDG state directory.
#[must_use]
pub fn state_dir() -> Option<PathBuf> {
    use etcetera::BaseStrategy as _;
    etcetera::choose_base_strategy().ok().map(|s| s.state_dir().unwrap_or_else(|| s.data_dir()).join("frontdesk"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("test.toml")
    }

    #[test]
    fn the_example_is_the_defaults() {
        let from_example = parse(EXAMPLE, Path::new("config.example.toml")).ok();
        assert_eq!(from_example, Some(Config::default()));
        // An empty user file changes nothing.
        assert_eq!(parse("", p()).ok(), Some(Config::default()));
    }

    #[test]
    fn a_demo_of_the_defaults_starts_from_the_seeds_copy() {
        assert!(frontdesk_server::demo::snapshot::fits(&Config::default().server));
    }

    #[test]
    fn a_partial_file_overrides_only_what_it_says() {
        let c = parse("[server]\nbind = \"0.0.0.0:9000\"\n", p()).ok();
        assert_eq!(c.as_ref().map(|c| c.server.bind.as_str()), Some("0.0.0.0:9000"));
        assert_eq!(c.map(|c| c.server.body_limit_bytes), Some(Config::default().server.body_limit_bytes));
    }

    #[test]
    fn a_typo_names_file_line_and_key() {
        let err = parse("[server]\nbind = \"x\"\nbdoy_limit_bytes = 5\n", p()).err().map(|e| e.to_string());
        let err = err.unwrap_or_default();
        assert!(err.starts_with("test.toml:3:1:"), "{err}");
        assert!(err.contains("bdoy_limit_bytes"), "{err}");
    }

    #[test]
    fn bad_syntax_names_the_line() {
        let err = parse("[server]\nbind = \n", p()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.starts_with("test.toml:2:"), "{err}");
    }

    #[test]
    fn a_key_preset_with_overrides_on_top_is_read_and_a_wrong_one_is_said() {
        let cfg = parse("[keys]\npreset = \"gmail\"\n[keys.global]\n\"#\" = \"none\"\n", p()).expect("read");
        assert_eq!(cfg.keys.preset.as_deref(), Some("gmail"));
        assert_eq!(cfg.keys.contexts["global"]["#"], "none");
        let err = parse("[keys]\npreset = \"front\"\n", p()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("keys.preset: unknown preset \"front\" (one of gmail, vim)"), "{err}");
    }

    #[test]
    fn a_wrong_type_names_file_line_column_and_key() {
        let err = parse("[server]\nbody_limit_bytes = \"big\"\n", p()).err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(err, "test.toml:2:1: server.body_limit_bytes: invalid type: string \"big\", expected usize");
        let text = "[[accounts]]\nname = \"a\"\nprovider = \"native\"\nurl = \"http://127.0.0.1\"\n\n\
                    [[accounts]]\nname = \"b\"\nprovider = \"native\"\nurl = \"http://127.0.0.1\"\n  poll_secs = \"often\"\n";
        let err = parse(text, p()).err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(err, "test.toml:10:3: accounts[1].poll_secs: invalid type: string \"often\", expected u64");
        let err = parse("ui.mouse = 3\n", p()).err().map(|e| e.to_string()).unwrap_or_default();
        assert_eq!(err, "test.toml:1:1: ui.mouse: invalid type: integer `3`, expected a boolean");
    }

    #[test]
    fn a_url_that_does_not_parse_names_file_line_and_column() {
        let text = "[[accounts]]\nname = \"x\"\nprovider = \"native\"\n  url = \"not a url\"\napi_key_env = \"K\"\n";
        let err = parse(text, p()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.starts_with("test.toml:4:3: account x: url = \"not a url\" is not a web address"), "{err}");
        let ftp = text.replace("not a url", "ftp://files.example.com");
        let err = parse(&ftp, p()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("ftp: is not http or https"), "{err}");
        assert!(parse(&text.replace("not a url", "http://127.0.0.1:8600"), p()).is_ok());
    }

    #[test]
    fn impossible_values_are_refused() {
        let err = parse("[demo]\ninterval_secs = -1\n", p()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("interval_secs"), "{err}");
        let err = parse("[[accounts]]\nname = \"x\"\nprovider = \"nope\"\nurl = \"http://127.0.0.1\"\n", p())
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains("unknown provider"), "{err}");
    }

    #[test]
    fn key_overrides_are_checked_at_load() {
        let ok = parse("[keys.global]\n\"#\" = \"archive\"\n", p());
        assert!(ok.is_ok(), "{ok:?}");
        let err = parse("[keys.global]\n\"#\" = \"archiv\"\n", p()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("unknown command 'archiv'"), "{err}");
        let err = parse("[keys.inbx]\n\"x\" = \"archive\"\n", p()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("unknown context"), "{err}");
        let err = parse("[ui]\ntheme = \"neon\"\n", p()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("ui.theme"), "{err}");
    }

    const IRON: &str = "[[accounts]]\nname = \"iron\"\nprovider = \"crm\"\nurl = \"http://127.0.0.1:1\"\n\
        email = \"a@b.c\"\nauth_url = \"http://127.0.0.1:2\"\npassword_env = \"P\"\n";

    #[test]
    fn iron_orgs_become_accounts_of_their_own() {
        let text = format!(
            "{IRON}orgs = {{ \"Acme East\" = \"3f0c1a2b-0000-4000-8000-00000000000e\", \
             West = \"3f0c1a2b-0000-4000-8000-00000000000f\" }}\n"
        );
        let c = parse(&text, p()).expect("parses");
        let got: Vec<(&str, Option<&str>)> =
            c.accounts.iter().map(|a| (a.name.as_str(), a.org_id.as_deref())).collect();
        assert_eq!(
            got,
            [
                ("iron (Acme East)", Some("3f0c1a2b-0000-4000-8000-00000000000e")),
                ("iron (West)", Some("3f0c1a2b-0000-4000-8000-00000000000f"))
            ]
        );
        assert!(c.accounts.iter().all(|a| a.orgs.is_empty() && a.provider == "crm"));
    }

    #[test]
    fn org_ids_that_cannot_be_iron_ones_are_refused_by_name() {
        let err = |extra: &str| parse(&format!("{IRON}{extra}"), p()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err("org_id = \"acme\"\n").contains("org_id = \"acme\" is not an org id"));
        assert!(err("orgs = { East = \"12\" }\n").contains("orgs.\"East\" = \"12\" is not an org id"));
        let both = "org_id = \"3f0c1a2b-0000-4000-8000-00000000000e\"\n\
                    orgs = { East = \"3f0c1a2b-0000-4000-8000-00000000000e\" }\n";
        assert!(err(both).contains("either org_id or orgs"));
        let native = "[[accounts]]\nname = \"n\"\nprovider = \"native\"\nurl = \"http://127.0.0.1\"\n\
                      orgs = { East = \"3f0c1a2b-0000-4000-8000-00000000000e\" }\n";
        let e = parse(native, p()).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("orgs is for crm accounts"), "{e}");
    }
}
