//! The harness: a real server on an ephemeral loopback port, on a temp `SQLite` file
//! or a fresh PostgreSQL database (`Server<Postgres>`: the API suite runs on both),
//! two orgs with keys, and a small HTTP client that returns (status, JSON).

use std::future::Future;
use std::marker::PhantomData;
use std::path::Path;

use frontdesk::config::Config;
use frontdesk_server::{self as server, Running, admin, hub::Hub, store::Db};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

/// The engine a server under test stores in.
pub trait Engine: Send + Sync + 'static {
    const NAME: &'static str;
    /// A database of its own for one server, kept in (or beside) `dir`.
    fn database_url(dir: &Path) -> impl Future<Output = String> + Send;
}

pub struct Sqlite;
pub struct Postgres;

impl Engine for Sqlite {
    const NAME: &'static str = "sqlite";
    async fn database_url(dir: &Path) -> String {
        format!("sqlite://{}", dir.join("test.db").display())
    }
}

impl Engine for Postgres {
    const NAME: &'static str = "postgres";
    async fn database_url(_: &Path) -> String {
        crate::postgres::database().await
    }
}

/// The server on the embedded default, `SQLite`.
pub type TestServer = Server<Sqlite>;

pub struct Server<E: Engine> {
    pub running: Running,
    pub url: String,
    /// An admin of org A.
    pub key: String,
    /// A second agent of org A.
    pub key2: String,
    /// An admin of org B: must never see org A.
    pub other_key: String,
    pub client: reqwest::Client,
    pub db_url: String,
    pub dir: tempfile::TempDir,
    engine: PhantomData<E>,
}

pub fn config() -> Config {
    let mut cfg = Config::default();
    cfg.server.rate_limit_per_second = 0;
    cfg
}

impl<E: Engine> Server<E> {
    pub async fn start() -> Self {
        Self::start_with(config()).await
    }

    pub async fn start_with(cfg: Config) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let db_url = E::database_url(dir.path()).await;
        // Keys are made before the server starts, through the admin path a team uses.
        let (key, key2, other_key) = {
            let db = Db::open(&db_url, Hub::default()).await.expect("open db");
            let a = admin::create_org(&db, "Org A", "Ada Admin", "ada@a.test", 3600).await.expect("org a");
            let (_, key2) = admin::create_agent(
                &db,
                "Org A",
                "Bo Agent",
                "bo@a.test",
                frontdesk_domain::AgentRole::Agent,
                Some("billing"),
            )
            .await
            .expect("agent");
            let b = admin::create_org(&db, "Org B", "Bea Admin", "bea@b.test", 3600).await.expect("org b");
            (a.key, key2, b.key)
        };
        let running = server::start(&cfg.server, &db_url, "127.0.0.1:0").await.expect("server starts");
        let url = running.url();
        Self { running, url, key, key2, other_key, client: reqwest::Client::new(), db_url, dir, engine: PhantomData }
    }

    /// A server on a database filled elsewhere (a copy), reached with the keys of the
    /// server it was copied from.
    pub async fn on_database<F: Engine>(db_url: String, from: &Stopped<F>) -> Self {
        let running = server::start(&config().server, &db_url, "127.0.0.1:0").await.expect("server starts");
        let url = running.url();
        Self {
            running,
            url,
            key: from.key.clone(),
            key2: from.key2.clone(),
            other_key: from.other_key.clone(),
            client: reqwest::Client::new(),
            db_url,
            dir: tempfile::tempdir().expect("temp dir"),
            engine: PhantomData,
        }
    }

    /// Another instance of the server on the same database, with the same keys (only
    /// PostgreSQL takes one: `SQLite` refuses a second server on its file).
    pub async fn another_instance(&self) -> Self {
        let running = server::start(&config().server, &self.db_url, "127.0.0.1:0").await.expect("another instance");
        let url = running.url();
        Self {
            running,
            url,
            key: self.key.clone(),
            key2: self.key2.clone(),
            other_key: self.other_key.clone(),
            client: reqwest::Client::new(),
            db_url: self.db_url.clone(),
            dir: tempfile::tempdir().expect("temp dir"),
            engine: PhantomData,
        }
    }

    /// Stops the server and starts a new one on the same database.
    pub async fn restart(self) -> Self {
        let Self { running, key, key2, other_key, client, db_url, dir, engine, .. } = self;
        running.stop().await;
        let running = server::start(&config().server, &db_url, "127.0.0.1:0").await.expect("server restarts");
        let url = running.url();
        Self { running, url, key, key2, other_key, client, db_url, dir, engine }
    }

    /// Stops the server, keeping its address and database to come back on.
    pub async fn stop(self) -> Stopped<E> {
        let Self { running, url, key, key2, other_key, client, db_url, dir, engine } = self;
        let addr = running.addr;
        running.stop().await;
        Stopped { addr, url, key, key2, other_key, client, db_url, dir, engine }
    }

    /// Runs one statement on the server's database itself, with text arguments: to
    /// plant what the API would refuse.
    pub async fn plant(&self, sql: &'static str, args: &[&str]) {
        use sqlx::Connection as _;
        if self.db_url.starts_with("postgres") {
            let mut conn = sqlx::PgConnection::connect(&self.db_url).await.expect("connect");
            let mut q = sqlx::query(sql);
            for a in args {
                q = q.bind(*a);
            }
            q.execute(&mut conn).await.expect("plant");
        } else {
            let mut conn = sqlx::SqliteConnection::connect(&self.db_url).await.expect("connect");
            let mut q = sqlx::query(sql);
            for a in args {
                q = q.bind(*a);
            }
            q.execute(&mut conn).await.expect("plant");
        }
    }

    /// `sqlite` or `postgres`: for the few assertions that differ by design.
    #[allow(clippy::unused_self, reason = "read as the server's engine, where the server is at hand")]
    pub fn engine(&self) -> &'static str {
        E::NAME
    }

    pub fn path(&self, p: &str) -> String {
        format!("{}{}", self.url, p)
    }

    pub async fn call_as(
        &self,
        key: Option<&str>,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut req = self.client.request(method, self.path(path));
        if let Some(k) = key {
            req = req.bearer_auth(k);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let resp = req.send().await.expect("request sent");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        let value =
            if text.is_empty() { Value::Null } else { serde_json::from_str(&text).unwrap_or(Value::String(text)) };
        (status, value)
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call_as(Some(&self.key), Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call_as(Some(&self.key), Method::POST, path, Some(body)).await
    }

    pub async fn put(&self, path: &str, body: Value) -> (StatusCode, Value) {
        self.call_as(Some(&self.key), Method::PUT, path, Some(body)).await
    }

    /// A customer message; returns the `Ingested` answer.
    pub async fn inbound(&self, handle: &str, body: &str) -> Value {
        self.inbound_on("sms", handle, body, None).await
    }

    pub async fn inbound_on(&self, channel: &str, handle: &str, body: &str, provider_id: Option<&str>) -> Value {
        let (status, v) = self
            .post(
                "/v1/inbound",
                json!({"channel": channel, "contact": {"handle": handle, "name": format!("Customer {handle}")},
                       "body": body, "provider_message_id": provider_id}),
            )
            .await;
        assert!(status.is_success(), "inbound failed: {status} {v}");
        v
    }

    /// A new conversation with one inbound message; returns its id.
    pub async fn conversation(&self, handle: &str) -> String {
        let v = self.inbound(handle, "Hello, I need help with my order #4821").await;
        v["conversation"]["id"].as_str().expect("conversation id").to_owned()
    }

    /// A conversation whose customer asks something the copilot's knowledge base
    /// answers with confidence (a double charge), so a suggestion has a draft.
    pub async fn question(&self, handle: &str) -> String {
        let v = self.inbound(handle, "Hi, I was charged twice this month for the same order, can you check?").await;
        v["conversation"]["id"].as_str().expect("conversation id").to_owned()
    }
}

/// The `code` of an error envelope.
pub fn code(v: &Value) -> &str {
    v["error"]["code"].as_str().unwrap_or("")
}

/// The event lines ("Closed", "Took over from Nova", …) of a thread page, in order.
pub fn event_lines(thread: &Value) -> Vec<&str> {
    thread["items"]
        .as_array()
        .map(|items| items.iter().filter(|m| m["kind"] == "event").filter_map(|m| m["body"].as_str()).collect())
        .unwrap_or_default()
}

/// A server that went away; `start` brings it back on the same address.
pub struct Stopped<E: Engine> {
    addr: std::net::SocketAddr,
    pub url: String,
    pub key: String,
    key2: String,
    other_key: String,
    client: reqwest::Client,
    db_url: String,
    dir: tempfile::TempDir,
    engine: PhantomData<E>,
}

impl<E: Engine> Stopped<E> {
    pub async fn start(self) -> Server<E> {
        let Self { addr, url, key, key2, other_key, client, db_url, dir, engine } = self;
        let running = server::start(&config().server, &db_url, &addr.to_string()).await.expect("server comes back");
        Server { running, url, key, key2, other_key, client, db_url, dir, engine }
    }
}

/// The engine's next event that `want` picks, skipping others (10 s at most: the
/// engine answers on loopback in milliseconds; this only bounds a hung test).
pub async fn next_event(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<frontdesk_sync::SyncEvent>,
    want: impl Fn(&frontdesk_sync::SyncEvent) -> bool,
) -> frontdesk_sync::SyncEvent {
    loop {
        let e = tokio::time::timeout(std::time::Duration::from_secs(10), events.recv())
            .await
            .expect("in time")
            .expect("open");
        if want(&e) {
            return e;
        }
    }
}

/// A poller's updates without its "a quiet round went through" marks, for tests
/// about what the rounds found.
pub fn changes(
    updates: futures::stream::BoxStream<'static, frontdesk_provider::Update>,
) -> futures::stream::BoxStream<'static, frontdesk_provider::Update> {
    use futures::StreamExt;
    updates.filter(|u| std::future::ready(*u != frontdesk_provider::Update::Synced)).boxed()
}

/// An account of any provider at `url`, its key printed by `echo key`, with every
/// provider's own required fields filled (Iron signs in at `url` too).
pub fn any_account(provider: &str, url: &str, key: &str) -> frontdesk::config::AccountConfig {
    let text = format!(
        r#"
        name = "{provider}"
        provider = "{provider}"
        url = "{url}"
        api_key_cmd = "echo {key}"
        account_id = 1
        agent_email = "ana@example.com"
        chatbot_id = "bot"
        email = "ana@example.com"
        password_cmd = "echo secret"
        auth_url = "{url}"
        "#
    );
    toml::from_str(&text).expect("an account")
}

/// JSON as the domain's typed value (tool inputs, metadata), for building and
/// comparing expected values.
pub fn data(v: serde_json::Value) -> frontdesk_domain::Data {
    serde_json::from_value(v).expect("plain JSON")
}
