//! From the config file to the client's [`Settings`]: theme and glyphs chosen from
//! the config and the environment, the keymap with its overrides, canned replies,
//! and the account's API key (from `api_key_cmd` or an environment variable; never
//! logged, never stored).

use std::sync::Arc;

use anyhow::{Context as _, bail};
use jiff::tz::TimeZone;
use secrecy::SecretString;

use crate::config::{AccountConfig, Config, UNIFIED, Updates};
use frontdesk_provider::Provider;
use frontdesk_provider::unified::{Member, Unified};
use frontdesk_provider_chatcaptain::ChatCaptainProvider;
use frontdesk_provider_chatwoot::ChatwootProvider;
use frontdesk_provider_crm::CrmProvider;
use frontdesk_provider_helpdesk::HelpdeskProvider;
use frontdesk_provider_native::NativeProvider;
use frontdesk_provider_orbit::OrbitProvider;
use frontdesk_sync::Account;
use frontdesk_sync::cache::Cache;
use frontdesk_sync::poll::Clock;
use frontdesk_sync::store::{Store, StoreError};
use frontdesk_tui::keymap::Keymap;
use frontdesk_tui::state::{Canned, Settings};
use frontdesk_tui::ui::theme::{Glyphs, Palette, Theme};
use frontdesk_tui::{Opened, Opener};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_default()
}

/// The machine's time zone, looked up on a blocking thread. The first lookup reads
/// the name of every zone in the zoneinfo directory (0.7–1.0 ms measured alone here,
/// on the first screen's path), better spent while the client's databases open.
pub fn time_zone_soon() -> tokio::task::JoinHandle<TimeZone> {
    tokio::task::spawn_blocking(TimeZone::system)
}

/// The time zone looked up by [`time_zone_soon`] (looked up here if that task died).
pub async fn time_zone(soon: tokio::task::JoinHandle<TimeZone>) -> TimeZone {
    soon.await.unwrap_or_else(|_| TimeZone::system())
}

pub fn settings(cfg: &Config, account: &str, url: &str, force_ascii: bool, tz: TimeZone) -> anyhow::Result<Settings> {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    let palette =
        Palette::choose(&cfg.ui.theme, no_color, &env("TERM"), &env("COLORTERM")).map_err(anyhow::Error::msg)?;
    let utf8 = Glyphs::locale_is_utf8(&env("LC_ALL"), &env("LC_CTYPE"), &env("LANG"));
    let glyphs = if force_ascii || cfg.ui.ascii || !utf8 { Glyphs::ASCII } else { Glyphs::UNICODE };
    let keymap = Keymap::configured(&cfg.keys).map_err(anyhow::Error::msg)?;
    let mut accounts: Vec<String> = cfg.accounts.iter().map(|a| a.name.clone()).collect();
    if accounts.len() > 1 {
        accounts.push(UNIFIED.to_owned());
    }
    Ok(Settings {
        account: account.to_owned(),
        accounts,
        link_template: link(cfg, url),
        account_links: Vec::new(),
        theme: Theme::new(palette),
        glyphs,
        tz,
        canned: cfg.canned.iter().map(|c| Canned { name: c.name.clone(), body: c.body.clone() }).collect(),
        keymap: Arc::new(keymap),
        mouse: cfg.ui.mouse,
        notify: cfg.notify.method != "off",
        notify_method: frontdesk_tui::notifier::Method::choose(
            &cfg.notify.method,
            std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some_and(|v| !v.is_empty()),
        ),
        notify_views: cfg.notify.views.iter().map(|v| frontdesk_domain::ViewId::from(v.as_str())).collect(),
    })
}

fn link(cfg: &Config, url: &str) -> String {
    cfg.ui.link_template.replace("{url}", url.trim_end_matches('/'))
}

/// Opens an account by name (or "all", the unified inbox) for the client.
pub async fn open(cfg: &Config, name: &str, ascii: bool) -> anyhow::Result<Opened> {
    let tz = time_zone_soon();
    let activity = Clock::default();
    if name == UNIFIED && cfg.accounts.len() > 1 {
        let mut members = Vec::new();
        let mut links = Vec::new();
        for a in &cfg.accounts {
            members.push(Member { name: a.name.clone(), provider: provider(a)?, poll_every: poll_every(a) });
            links.push((a.name.clone(), link(cfg, &a.url)));
        }
        // Keyed by every member's server, so a changed config starts a fresh cache.
        let servers: Vec<String> = cfg.accounts.iter().map(|a| format!("{}={}", a.name, a.url)).collect();
        // Opened side by side: each is a file, a lock and a pool of connections,
        // all before the first screen.
        let servers = servers.join(" ");
        let (store, cache) = tokio::try_join!(store(UNIFIED), cache(UNIFIED, &servers))?;
        let mut settings = settings(cfg, UNIFIED, "", ascii, time_zone(tz).await)?;
        settings.account_links = links;
        let account = Account {
            provider: Arc::new(Unified::new(members, activity.watch())),
            store,
            cache,
            poll_every: Account::DEFAULT_POLL,
            activity,
        };
        return Ok(Opened { settings, account });
    }
    let a = account(cfg, Some(name))?;
    let provider = provider(a)?;
    let (store, cache) = tokio::try_join!(store(&a.name), cache(&a.name, &a.url))?;
    let settings = settings(cfg, &a.name, &a.url, ascii, time_zone(tz).await)?;
    Ok(Opened { settings, account: Account { provider, store, cache, poll_every: poll_every(a), activity } })
}

/// Opens accounts when the agent switches to them.
pub fn opener(cfg: Config, ascii: bool) -> Opener {
    let cfg = Arc::new(cfg);
    Box::new(move |name| {
        let cfg = Arc::clone(&cfg);
        Box::pin(async move { open(&cfg, &name, ascii).await })
    })
}

fn poll_every(a: &AccountConfig) -> std::time::Duration {
    std::time::Duration::from_secs(a.poll_secs)
}

/// The account's provider, with its key.
pub fn provider(a: &AccountConfig) -> anyhow::Result<Arc<dyn Provider>> {
    if a.provider == "crm" {
        // People sign in to Iron; there are no API keys.
        let password = secret(&a.name, a.password_cmd.as_deref(), a.password_env.as_deref(), "password")?;
        let (email, auth) = (a.email.as_deref().unwrap_or_default(), a.auth_url.as_deref().unwrap_or_default());
        let mut p = CrmProvider::new(&a.name, &a.url, auth, email, password, a.org_id.clone())?;
        if let Some(key) = anon_key(a)? {
            p = p.with_anon_key(key);
        }
        return Ok(Arc::new(p));
    }
    let key = api_key(a)?;
    match a.provider.as_str() {
        "native" => {
            let mut p = NativeProvider::new(&a.name, &a.url, key)?;
            if a.updates == Updates::Poll {
                p = p.polling();
            }
            Ok(Arc::new(p))
        }
        "orbit" => {
            let mut p = OrbitProvider::new(&a.name, &a.url, key)?;
            if a.updates == Updates::Poll {
                p = p.polling();
            }
            Ok(Arc::new(p))
        }
        "chatwoot" => {
            let id = a.account_id.with_context(|| format!("account {}: account_id is needed", a.name))?;
            Ok(Arc::new(ChatwootProvider::new(&a.name, &a.url, id, key)?))
        }
        "helpdesk" => {
            let email =
                a.agent_email.as_deref().with_context(|| format!("account {}: agent_email is needed", a.name))?;
            Ok(Arc::new(HelpdeskProvider::new(&a.name, &a.url, key, email)?))
        }
        "chatcaptain" => {
            let bot = a.chatbot_id.as_deref().with_context(|| format!("account {}: chatbot_id is needed", a.name))?;
            let url = if a.url.trim().is_empty() { "https://api.chatcaptain.com" } else { a.url.as_str() };
            Ok(Arc::new(ChatCaptainProvider::new(&a.name, url, bot, key)?))
        }
        other => bail!("account {}: unknown provider {other:?}", a.name),
    }
}

/// Iron's public anon key: `auth_anon_key` in the file, or `auth_anon_key_env`.
fn anon_key(a: &AccountConfig) -> anyhow::Result<Option<SecretString>> {
    if let Some(key) = a.auth_anon_key.as_deref().map(str::trim).filter(|k| !k.is_empty()) {
        return Ok(Some(SecretString::from(key.to_owned())));
    }
    let Some(var) = a.auth_anon_key_env.as_deref() else { return Ok(None) };
    match std::env::var(var) {
        Ok(key) if !key.trim().is_empty() => Ok(Some(SecretString::from(key.trim().to_owned()))),
        _ => bail!("account {}: auth_anon_key_env names {var}, which is not set", a.name),
    }
}

/// The account's local store (outbox and drafts) under the XDG state directory,
/// or in memory when there is no such directory.
pub async fn store(account: &str) -> anyhow::Result<Store> {
    let Some(dir) = crate::config::state_dir() else {
        tracing::warn!("no state directory: the outbox and drafts last only this session");
        return Ok(Store::memory().await?);
    };
    let path = dir.join("accounts").join(format!("{}.db", file_name(account)));
    match Store::open(&path).await {
        Ok(store) => Ok(store),
        // Two clients on one outbox would each send its replies.
        Err(StoreError::Locked { .. }) => bail!(
            "another frontdesk is using account {account} (its store {} is locked); close it first",
            path.display()
        ),
        Err(e) => Err(e).with_context(|| format!("cannot open the local store {}", path.display())),
    }
}

/// The account's cache under the XDG cache directory (in memory without one, or
/// when it cannot be opened: busy, or held by another frontdesk). A damaged cache
/// is set aside and started anew, so this fails only when memory does.
pub async fn cache(account: &str, url: &str) -> anyhow::Result<Cache> {
    use etcetera::BaseStrategy as _;
    use sha2::Digest as _;
    let Ok(dirs) = etcetera::choose_base_strategy() else { return Ok(Cache::memory().await?) };
    // Keyed by the server too: an account pointed elsewhere must not show the old
    // server's conversations.
    let server: String =
        sha2::Sha256::digest(url.trim_end_matches('/').as_bytes()).iter().take(6).fold(String::new(), |mut s, b| {
            let _ = std::fmt::Write::write_fmt(&mut s, format_args!("{b:02x}"));
            s
        });
    let path = dirs.cache_dir().join("frontdesk").join("accounts").join(format!("{}-{server}.db", file_name(account)));
    match Cache::open(&path).await {
        Ok(c) => Ok(c),
        Err(e) => {
            tracing::warn!(error = %e, "no cache this session");
            Ok(Cache::memory().await?)
        }
    }
}

fn file_name(account: &str) -> String {
    account.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

/// The account to open: the one named, or the first.
pub fn account<'a>(cfg: &'a Config, name: Option<&str>) -> anyhow::Result<&'a AccountConfig> {
    match name.filter(|n| *n != UNIFIED || cfg.accounts.len() < 2) {
        // An Iron account split by org opens at its first org by the bare name.
        Some(n) => cfg
            .accounts
            .iter()
            .find(|a| a.name == n)
            .or_else(|| cfg.accounts.iter().find(|a| a.name.strip_prefix(n).is_some_and(|r| r.starts_with(" ("))))
            .with_context(|| {
                let names: Vec<_> = cfg.accounts.iter().map(|a| a.name.as_str()).collect();
                let file = cfg.source.as_ref().map_or_else(|| "the config".to_owned(), |p| p.display().to_string());
                format!("no account named {n:?} in {file} (have: {})", names.join(", "))
            }),
        None => cfg.accounts.first().with_context(|| {
            let at = match &cfg.source {
                Some(path) => format!("no account in {}", path.display()),
                None => match crate::config::default_path() {
                    Some(path) => format!("no config file ({} does not exist)", path.display()),
                    None => "no config file".to_owned(),
                },
            };
            format!("{at}: add an [[accounts]] entry (see config.example.toml), or try `frontdesk demo`")
        }),
    }
}

/// The account's API key: `api_key_cmd`'s output, else the environment variable.
pub fn api_key(a: &AccountConfig) -> anyhow::Result<SecretString> {
    secret(&a.name, a.api_key_cmd.as_deref(), a.api_key_env.as_deref(), "api_key")
}

/// A secret from a command that prints it, or from an environment variable.
fn secret(account: &str, cmd: Option<&str>, env: Option<&str>, what: &str) -> anyhow::Result<SecretString> {
    if let Some(cmd) = cmd {
        let out = std::process::Command::new("sh")
            .arg("-c")
            .arg(cmd)
            .stderr(std::process::Stdio::inherit())
            .output()
            .with_context(|| format!("account {account}: cannot run {what}_cmd"))?;
        if !out.status.success() {
            bail!("account {account}: {what}_cmd failed ({})", out.status);
        }
        let value = String::from_utf8(out.stdout)
            .with_context(|| format!("account {account}: {what}_cmd printed non-UTF-8"))?;
        let value = value.trim();
        if value.is_empty() {
            bail!("account {account}: {what}_cmd printed nothing");
        }
        return Ok(SecretString::from(value.to_owned()));
    }
    if let Some(var) = env {
        return match std::env::var(var) {
            Ok(k) if !k.trim().is_empty() => Ok(SecretString::from(k.trim().to_owned())),
            _ => bail!("account {account}: the environment variable {var} holds no {what}"),
        };
    }
    bail!("account {account}: set {what}_cmd or {what}_env to say where it comes from")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_iron_account_split_by_org_opens_by_its_bare_name_at_its_first_org() {
        let text = "[[accounts]]\nname = \"iron\"\nprovider = \"crm\"\nurl = \"http://127.0.0.1:1\"\n\
                    email = \"a@b.c\"\nauth_url = \"http://127.0.0.1:2\"\npassword_env = \"P\"\n\
                    orgs = { East = \"3f0c1a2b-0000-4000-8000-00000000000e\", \
                    West = \"3f0c1a2b-0000-4000-8000-00000000000f\" }\n";
        let cfg = crate::config::parse(text, std::path::Path::new("t.toml")).expect("parses");
        let a = account(&cfg, Some("iron")).expect("found");
        assert_eq!(a.name, "iron (East)");
        assert_eq!(
            account(&cfg, Some("iron (West)")).map(|a| a.org_id.clone()).ok().flatten().as_deref(),
            Some("3f0c1a2b-0000-4000-8000-00000000000f")
        );
        assert!(account(&cfg, Some("iro")).is_err(), "a prefix of the name is not the name");
        let names = settings(&cfg, &a.name, &a.url, true, TimeZone::UTC).expect("settings").accounts;
        assert_eq!(names, ["iron (East)", "iron (West)", crate::config::UNIFIED]);
    }
}
