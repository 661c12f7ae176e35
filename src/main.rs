//! The command line: `frontdesk` (the terminal client), `serve`, `demo` and `admin`.
//! Wiring only; the work is in the library.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use clap::{Parser, Subcommand};

use frontdesk::config::{self, Config};
use frontdesk::logging;
use frontdesk_domain::AgentRole;
use frontdesk_provider_native::NativeProvider;
use frontdesk_server::{self as server, admin, demo, hub::Hub, store::Db};
use frontdesk_tui as tui;
use secrecy::SecretString;
use std::sync::Arc;

#[derive(Parser)]
#[command(name = "frontdesk", version, about = "A terminal inbox for support agents, and its reference server")]
struct Cli {
    #[arg(
        long,
        global = true,
        env = "FRONTDESK_CONFIG",
        help = "The config file (default: $XDG_CONFIG_HOME/frontdesk/config.toml)"
    )]
    config: Option<PathBuf>,
    /// The account to open or work on, by its name in the config; the first by default.
    #[arg(long, short, global = true)]
    account: Option<String>,
    /// ASCII symbols and borders instead of Unicode.
    #[arg(long)]
    ascii: bool,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the reference inbox server.
    Serve {
        /// Address to listen on (overrides server.bind).
        #[arg(long)]
        bind: Option<String>,
        /// Database URL, <sqlite://PATH> or <postgres://USER:PASSWORD@HOST/DB> (overrides server.database).
        #[arg(long)]
        database: Option<String>,
    },
    /// Run the server in-process on loopback with demo data and live simulated traffic.
    Demo {
        /// Keep the demo's data in this directory (default: a fresh temporary one).
        #[arg(long)]
        data: Option<PathBuf>,
        /// Seconds between simulated inbound messages, on average.
        #[arg(long)]
        interval: Option<f64>,
        /// No simulated traffic.
        #[arg(long)]
        quiet: bool,
        /// Address to listen on (port 0: any free one).
        #[arg(long, default_value = "127.0.0.1:0")]
        bind: String,
        /// ASCII symbols and borders instead of Unicode.
        #[arg(long)]
        ascii: bool,
        /// Run only the server and print its keys, without opening the client.
        #[arg(long)]
        headless: bool,
        /// Requests a second per key before the server answers 429 (bursts of
        /// twice as many); a small number shows what the client does when limited.
        /// The server's configured limit otherwise; 0 turns it off.
        #[arg(long, value_name = "PER_SECOND")]
        rate_limit: Option<u32>,
        /// Seed this many conversations in all when the data is new: the demo's own,
        /// then months of history made from their threads (100,000: about 20 s).
        #[arg(long, value_name = "N")]
        conversations: Option<usize>,
    },
    #[command(flatten)]
    Script(frontdesk::script::Verb),
    /// Print a shell completion script: bash, zsh, fish, elvish or powershell.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), e.g. frontdesk man > frontdesk.1
    Man,
    /// Set up orgs, agents and keys; export data.
    Admin {
        /// Database URL, <sqlite://PATH> or <postgres://USER:PASSWORD@HOST/DB> (overrides server.database).
        #[arg(long, global = true)]
        database: Option<String>,
        #[command(subcommand)]
        command: AdminCommand,
    },
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create an org with its first admin; prints the admin's API key.
    CreateOrg {
        name: String,
        #[arg(long)]
        admin_name: String,
        #[arg(long)]
        admin_email: String,
        #[arg(long, help = "First-response target in minutes (default: server.first_response_minutes)")]
        first_response_minutes: Option<u32>,
    },
    /// Add an agent to an org; prints the agent's API key.
    CreateAgent {
        /// The org, by name or id.
        #[arg(long)]
        org: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        admin: bool,
        #[arg(long)]
        team: Option<String>,
    },
    /// Make another API key for an agent; prints it.
    CreateKey {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long, default_value = "cli")]
        label: String,
    },
    #[command(about = "Revoke keys by their prefix (the first 9 characters, e.g. fd_AbC123)")]
    RevokeKey { prefix: String },
    /// What became of the copilot's drafts, per article and per agent: sent as
    /// drafted, edited (and by how much), dismissed, held back.
    CopilotReport {
        /// Only this org (name or id).
        #[arg(long)]
        org: Option<String>,
        /// Print JSON instead of tables.
        #[arg(long)]
        json: bool,
    },
    /// Run the copilot over its labelled evaluation set and print the figures: the
    /// share answered or rightly silent, false claims, language and signature
    /// checks. Uses the configured engine ([server.copilot]).
    CopilotEval,
    /// Copy everything (orgs, agents, hashed keys, conversations, messages, views,
    /// suggestions, training pairs, events, idempotency records) into an empty database,
    /// e.g. from SQLite to PostgreSQL, and check every table's count. Stop the server
    /// first.
    CopyDatabase {
        /// The database to copy, e.g. <sqlite:///var/lib/frontdesk/frontdesk.db>.
        #[arg(long)]
        from: String,
        /// The empty database to copy into, e.g. <postgres://frontdesk:PASSWORD@HOST/frontdesk>.
        #[arg(long)]
        to: String,
    },
    /// Write the (suggestion, sent reply) pairs as JSON Lines, with the edit distance.
    ExportTrainingPairs {
        /// Only this org (name or id).
        #[arg(long)]
        org: Option<String>,
        /// Write to this file instead of stdout.
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

fn database_url(cfg: &Config, flag: Option<String>) -> anyhow::Result<String> {
    if let Some(url) = flag.or_else(|| Some(cfg.server.database.clone()).filter(|d| !d.is_empty())) {
        return Ok(url);
    }
    let dir = config::default_data_dir().context("cannot find a data directory; set server.database")?;
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    Ok(format!("sqlite://{}", dir.join("server.db").display()))
}

fn log_file(name: &str) -> PathBuf {
    config::state_dir().unwrap_or_else(std::env::temp_dir).join(name)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Completions { shell }) => {
            use clap::CommandFactory as _;
            clap_complete::generate(shell, &mut Cli::command(), "frontdesk", &mut std::io::stdout());
            return std::process::ExitCode::SUCCESS;
        }
        Some(Command::Man) => {
            use clap::CommandFactory as _;
            return match clap_mangen::Man::new(Cli::command()).render(&mut std::io::stdout()) {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("frontdesk: writing the man page: {e}");
                    std::process::ExitCode::FAILURE
                }
            };
        }
        Some(Command::Script(verb)) => return script(cli.config.as_deref(), cli.account.as_deref(), verb).await,
        _ => {}
    }
    match run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("frontdesk: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// A verb from a script: its output on standard output, one line on standard error
/// and a stable exit code when it fails (see `frontdesk::script::failure::code`).
async fn script(config: Option<&Path>, account: Option<&str>, verb: frontdesk::script::Verb) -> std::process::ExitCode {
    use frontdesk::script::{self, Failure};
    let outcome: Result<(), Failure> = async {
        let cfg = config::load(config).map_err(|e| Failure::other(e.to_string()))?;
        let _guard = logging::init(logging::Target::File(&log_file("script.log")))?;
        let mut out = std::io::stdout().lock();
        script::run(&cfg, account, verb, &mut out).await
    }
    .await;
    match outcome {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(f) => {
            eprintln!("frontdesk: {f}");
            std::process::ExitCode::from(f.code)
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<()> {
    let cfg = config::load(cli.config.as_deref())?;
    let Some(command) = cli.command else {
        let _guard = logging::init(logging::Target::File(&log_file("client.log")))?;
        let name = match cli.account.as_deref() {
            Some(config::UNIFIED) if cfg.accounts.len() > 1 => config::UNIFIED.to_owned(),
            name => frontdesk::setup::account(&cfg, name)?.name.clone(),
        };
        let first = frontdesk::setup::open(&cfg, &name, cli.ascii).await?;
        return tui::run(first, frontdesk::setup::opener(cfg, cli.ascii)).await;
    };
    match command {
        // Handled in main, before the config is read.
        Command::Script(_) | Command::Completions { .. } | Command::Man => Ok(()),
        Command::Serve { bind, database } => {
            let _guard = logging::init(logging::Target::Stderr)?;
            let url = database_url(&cfg, database)?;
            let bind = bind.unwrap_or_else(|| cfg.server.bind.clone());
            let running = server::start(&cfg.server, &url, &bind).await?;
            eprintln!("frontdesk serving on {} (database {})", running.url(), server::store::redact(&url));
            shutdown_signal().await;
            running.stop().await;
            Ok(())
        }
        Command::Demo { data, interval, quiet, bind, headless, rate_limit, ascii, conversations } => {
            let mut cfg = cfg;
            if let Some(n) = rate_limit {
                cfg.server.rate_limit_per_second = n;
                cfg.server.rate_limit_burst = n.saturating_mul(2);
            }
            let log = log_file("demo.log");
            let _guard = logging::init(logging::Target::File(&log))?;
            let interval = if quiet { None } else { Some(interval.unwrap_or(cfg.demo.interval_secs)) };
            let demo = DemoOptions {
                data: data.as_deref(),
                interval,
                bind: &bind,
                log: &log,
                headless,
                ascii: ascii || cli.ascii,
                conversations: conversations.unwrap_or(0),
            };
            run_demo(&cfg, &demo).await
        }
        Command::Admin { command: AdminCommand::CopilotEval, .. } => {
            // Needs no database: the set and the copilot are compiled in.
            let _guard = logging::init(logging::Target::File(&log_file("admin.log")))?;
            copilot_eval(&cfg).await
        }
        Command::Admin { command: AdminCommand::CopyDatabase { from, to }, .. } => {
            let _guard = logging::init(logging::Target::File(&log_file("admin.log")))?;
            let copied = admin::copy_database(&from, &to).await?;
            for (table, rows) in &copied.tables {
                println!("{table:<18} {rows:>10} rows");
            }
            eprintln!("Copied into {}; every table's count matches.", server::store::redact(&to));
            Ok(())
        }
        Command::Admin { database, command } => {
            let _guard = logging::init(logging::Target::File(&log_file("admin.log")))?;
            let url = database_url(&cfg, database)?;
            let db = Db::open(&url, Hub::default()).await?;
            run_admin(&cfg, &db, command).await
        }
    }
}

struct DemoOptions<'a> {
    data: Option<&'a Path>,
    interval: Option<f64>,
    bind: &'a str,
    log: &'a Path,
    headless: bool,
    ascii: bool,
    conversations: usize,
}

async fn run_demo(cfg: &Config, o: &DemoOptions<'_>) -> anyhow::Result<()> {
    let (data, interval, bind, log) = (o.data, o.interval, o.bind, o.log);
    // A temporary directory lives until the demo ends, then goes with its data.
    let temp;
    let dir = if let Some(d) = data {
        std::fs::create_dir_all(d).with_context(|| format!("cannot create {}", d.display()))?;
        d.to_owned()
    } else {
        temp = tempfile::Builder::new().prefix("frontdesk-demo-").tempdir()?;
        temp.path().to_owned()
    };
    // The client's own files are made while the server seeds: on a fresh demo
    // each is a new database, its tables and a few fsyncs.
    let tz = (!o.headless).then(frontdesk::setup::time_zone_soon);
    let client_files = async {
        if o.headless {
            return Ok(None);
        }
        let (store, cache) = (dir.join("client.db"), dir.join("client-cache.db"));
        let (store, cache) =
            tokio::try_join!(frontdesk_sync::store::Store::open(&store), frontdesk_sync::cache::Cache::open(&cache))?;
        anyhow::Ok(Some((store, cache)))
    };
    let (demo, files) =
        tokio::join!(demo::start_with(&cfg.server, &dir, bind, interval, o.conversations), client_files);
    let demo = demo?;
    if let Some((store, cache)) = files? {
        let url = demo.running.url();
        let agent = demo.keys.first().context("the demo made no agent keys")?;
        let tz = match tz {
            Some(soon) => frontdesk::setup::time_zone(soon).await,
            None => jiff::tz::TimeZone::system(),
        };
        let settings = frontdesk::setup::settings(cfg, &format!("demo · {}", agent.name), &url, o.ascii, tz)?;
        let provider = NativeProvider::new("demo", &url, SecretString::from(agent.key.clone()))?;
        let first = tui::Opened { settings, account: frontdesk_sync::Account::new(Arc::new(provider), store, cache) };
        // The demo is one account: there is nothing to switch to.
        let none: tui::Opener =
            Box::new(|name| Box::pin(async move { anyhow::bail!("no account {name} in the demo") }));
        let result = tui::run(first, none).await;
        demo.stop().await;
        return result;
    }
    let mut out = std::io::stdout().lock();
    writeln!(out, "frontdesk demo: the reference server is running with demo data.")?;
    writeln!(out)?;
    writeln!(out, "  URL        {}", demo.running.url())?;
    for agent in &demo.keys {
        writeln!(out, "  {:<10} {}  ({})", agent.name.split(' ').next().unwrap_or(""), agent.key, agent.email)?;
    }
    writeln!(out)?;
    writeln!(
        out,
        "  try:  curl -H 'Authorization: Bearer {}' {}/v1/views",
        demo.keys.first().map_or("", |k| k.key.as_str()),
        demo.running.url()
    )?;
    writeln!(out, "  data: {}   log: {}", dir.display(), log.display())?;
    match interval {
        Some(secs) => writeln!(out, "  simulated traffic: a new inbound message every ~{secs}s")?,
        None => writeln!(out, "  simulated traffic: off (--quiet)")?,
    }
    writeln!(out, "  rate limit: {}", rate_limit_said(&cfg.server))?;
    writeln!(out, "\nPress Ctrl-C to stop.")?;
    drop(out);
    shutdown_signal().await;
    demo.stop().await;
    Ok(())
}

/// The demo's rate limit as its banner says it.
fn rate_limit_said(server: &frontdesk_server::config::ServerConfig) -> String {
    match server.rate_limit_per_second {
        0 => "off (--rate-limit 0)".to_owned(),
        n => format!(
            "{n} requests a second per key, bursts of {}; past it 429 with Retry-After (--rate-limit N to change)",
            server.rate_limit_burst.max(n)
        ),
    }
}

async fn run_admin(cfg: &Config, db: &Db, command: AdminCommand) -> anyhow::Result<()> {
    match command {
        AdminCommand::CreateOrg { name, admin_name, admin_email, first_response_minutes } => {
            let minutes = first_response_minutes.unwrap_or(cfg.server.first_response_minutes);
            let made = admin::create_org(db, &name, &admin_name, &admin_email, i64::from(minutes) * 60).await?;
            println!("org      {} ({name})", made.org);
            println!("admin    {} <{}>", made.admin.name, made.admin.email);
            println!("api key  {}", made.key);
            eprintln!("Keep the key now: it is stored hashed and cannot be shown again.");
        }
        AdminCommand::CreateAgent { org, name, email, admin, team } => {
            let role = if admin { AgentRole::Admin } else { AgentRole::Agent };
            let (agent, key) = admin::create_agent(db, &org, &name, &email, role, team.as_deref()).await?;
            println!("agent    {} {} <{}>", agent.id, agent.name, agent.email);
            println!("api key  {key}");
        }
        AdminCommand::CreateKey { org, email, label } => {
            println!("{}", admin::create_key(db, &org, &email, &label).await?);
        }
        AdminCommand::CopyDatabase { .. } => anyhow::bail!("copy-database opens its own two databases"),
        AdminCommand::RevokeKey { prefix } => {
            let n = admin::revoke_key(db, &prefix).await?;
            anyhow::ensure!(n > 0, "no live key starts with {prefix}");
            println!("revoked {n} key(s)");
        }
        AdminCommand::CopilotReport { org, json } => {
            let report = admin::copilot_report(db, org.as_deref()).await?;
            if json {
                println!("{}", report.to_json()?);
            } else {
                println!("{report}");
            }
        }
        AdminCommand::CopilotEval => copilot_eval(cfg).await?,
        AdminCommand::ExportTrainingPairs { org, out } => {
            let n = match out {
                Some(path) => {
                    let mut file = std::io::BufWriter::new(
                        std::fs::File::create(&path).with_context(|| format!("cannot create {}", path.display()))?,
                    );
                    admin::export_training_pairs(db, org.as_deref(), &mut file).await?
                }
                None => admin::export_training_pairs(db, org.as_deref(), &mut std::io::stdout().lock()).await?,
            };
            eprintln!("exported {n} training pair(s)");
        }
    }
    Ok(())
}

/// `frontdesk admin copilot-eval`: the configured copilot over the labelled set.
async fn copilot_eval(cfg: &Config) -> anyhow::Result<()> {
    use frontdesk_server::copilot::{Copilot, eval};
    let copilot = Copilot::new(&cfg.server.copilot)?;
    let cases = eval::cases()?;
    let report = eval::run(&copilot, &cases).await?;
    let (other, matched) = report.other_languages(&cases);
    println!("{report}");
    println!("other languages: {matched} of {other} in the customer's language or silent");
    Ok(())
}

/// Ctrl-C, SIGTERM or SIGHUP.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let (Ok(mut term), Ok(mut hup)) = (signal(SignalKind::terminate()), signal(SignalKind::hangup())) else {
            let _ = tokio::signal::ctrl_c().await;
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
            _ = hup.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
