//! The client's sync engine: one actor that owns the provider and turns the
//! terminal client's requests ([`SyncCommand`]) into provider calls, sending back
//! owned results ([`SyncEvent`]). Requests run concurrently; replies carry the
//! generation they were asked with, so the client drops stale ones. The live update
//! stream runs beside them and arrives as [`SyncEvent::Live`].
//!
//! Changes go through the durable outbox ([`outbox`], [`store`]): written before
//! they are sent, retried with the same idempotency key until the server answers,
//! across restarts. Drafts are kept in the same store. The client sees only these
//! two enums, never a provider.

pub mod agents;
pub mod cache;
pub mod local;
mod message;
pub mod outbox;
mod patience;
pub use frontdesk_provider::poll;
mod sqlite;
pub mod store;

pub use message::{Place, SyncCommand, SyncEvent};

use std::sync::Arc;

use futures::StreamExt;
use tokio::sync::mpsc;

use cache::Cache;
use frontdesk_domain::{ConversationId, Op};
use frontdesk_provider::{Capabilities, ListQuery, Provider, ProviderError, Update};
use patience::patiently;
use store::Store;

/// How many of a thread's newest messages are loaded when it opens.
pub const THREAD_PAGE: u32 = 100;

/// How long the end waits for the cache's connections to come back.
const CLOSE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// What the command loop takes: the client's commands, and a flush that answers
/// once everything before it is written.
enum Cmd {
    Command(Box<SyncCommand>),
    Flush(tokio::sync::oneshot::Sender<()>),
    /// The program is ending: everything written, the cache closed.
    Finish(tokio::sync::oneshot::Sender<()>),
}

/// The engine's tasks: they stop when the last handle goes, as if the process had.
struct Tasks(Vec<tokio::task::AbortHandle>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}

/// The client's end of the engine. Dropping the last clone stops the engine.
#[derive(Clone)]
pub struct SyncHandle {
    tx: mpsc::UnboundedSender<Cmd>,
    caps: Capabilities,
    activity: poll::Clock,
    _tasks: Arc<Tasks>,
}

/// One account, as the engine needs it.
pub struct Account {
    pub provider: Arc<dyn Provider>,
    pub store: Store,
    pub cache: Cache,
    /// How often to ask for changes when the backend cannot stream them.
    pub poll_every: std::time::Duration,
    /// Keys pressed, for pollers that slow down while the agent is away.
    pub activity: poll::Clock,
}

impl Account {
    pub const DEFAULT_POLL: std::time::Duration = std::time::Duration::from_secs(20);

    pub fn new(provider: Arc<dyn Provider>, store: Store, cache: Cache) -> Self {
        Self { provider, store, cache, poll_every: Self::DEFAULT_POLL, activity: poll::Clock::default() }
    }
}

impl SyncHandle {
    /// Sends a command; false when the engine has stopped.
    pub fn send(&self, command: SyncCommand) -> bool {
        self.tx.send(Cmd::Command(Box::new(command))).is_ok()
    }

    /// Waits until every command sent so far that writes (outbox entries, drafts)
    /// is on disk: called before the program exits.
    pub async fn flush(&self) {
        let (done, wait) = tokio::sync::oneshot::channel();
        if self.tx.send(Cmd::Flush(done)).is_ok() {
            let _ = wait.await;
        }
    }

    /// [`Self::flush`], then closes the cache: its journal is folded into the file
    /// and removed, where a process that just ended left it for the next start to
    /// read through (a run writes close to a megabyte of it). Called as the program
    /// exits; the cache answers nothing after it.
    pub async fn finish(&self) {
        let (done, wait) = tokio::sync::oneshot::channel();
        if self.tx.send(Cmd::Finish(done)).is_ok() {
            let _ = wait.await;
        }
    }

    pub fn capabilities(&self) -> &Capabilities {
        &self.caps
    }

    /// The agent pressed a key: a poller stretched by idleness comes back to pace.
    pub fn touch(&self) {
        self.activity.touch();
    }
}

/// Starts the engine on a provider and its account's store. The update stream and
/// the outbox start at once.
pub fn spawn(account: Account) -> (SyncHandle, mpsc::UnboundedReceiver<SyncEvent>) {
    let Account { provider, store, cache, poll_every, activity } = account;
    let keys = activity.watch();
    let (tx, mut commands) = mpsc::unbounded_channel::<Cmd>();
    // Everything for the client passes one forwarder, which lays the local flags
    // (stars, read marks a backend cannot keep) over it.
    let (events, mut inner) = mpsc::unbounded_channel::<SyncEvent>();
    let (to_client, rx) = mpsc::unbounded_channel();
    let local: Arc<tokio::sync::OnceCell<local::Local>> = Arc::new(tokio::sync::OnceCell::new());
    let local_for = |store: &Store, caps: &Capabilities, cell: &Arc<tokio::sync::OnceCell<local::Local>>| {
        let (store, caps, cell) = (store.clone(), caps.clone(), Arc::clone(cell));
        async move { cell.get_or_init(|| local::Local::load(store, &caps)).await.clone() }
    };
    let (outbox_tx, outbox_rx) = mpsc::unbounded_channel();
    let caps = provider.capabilities().clone();
    let mut tasks =
        vec![tokio::spawn(outbox::run(store.clone(), Arc::clone(&provider), outbox_rx, events.clone())).abort_handle()];
    {
        let (store, events, cache) = (store.clone(), events.clone(), cache.clone());
        tokio::spawn(async move {
            // The views as last seen draw the sidebar before the server answers.
            if let Ok(views) = cache.views().await
                && !views.is_empty()
            {
                let _ = events.send(SyncEvent::Views(views));
            }
            match store.drafts().await {
                Ok(drafts) if !drafts.is_empty() => {
                    let _ = events.send(SyncEvent::Drafts(drafts));
                }
                Ok(_) => {}
                Err(e) => tracing::error!(error = %e, "drafts unreadable"),
            }
        });
    }
    {
        let (events, outbox, cache, provider) =
            (events.clone(), outbox_tx.clone(), cache.clone(), Arc::clone(&provider));
        let stream = tokio::spawn(async move {
            // Resume where the last run stopped: the server replays what was missed.
            let resume = cache.last_event().await.ok().flatten();
            let mut updates = poll::stream_or_poll(provider, resume, poll_every, keys);
            while let Some(update) = updates.next().await {
                if matches!(update, Update::Connected | Update::Polling { .. }) {
                    let _ = outbox.send(outbox::Msg::Wake);
                }
                cache::live(&cache, &update).await;
                if events.send(SyncEvent::Live(update)).is_err() {
                    break;
                }
            }
        });
        tasks.push(stream.abort_handle());
    }
    {
        let flags = local_for(&store, &caps, &local);
        let forward = tokio::spawn(async move {
            let flags = flags.await;
            while let Some(mut event) = inner.recv().await {
                flags.overlay_event(&mut event);
                if to_client.send(event).is_err() {
                    break;
                }
                // The local Unread view's count follows what the event changed.
                if let Some(counts) = flags.unread_moved()
                    && to_client.send(counts).is_err()
                {
                    break;
                }
            }
        });
        tasks.push(forward.abort_handle());
    }
    let flags = local_for(&store, &caps, &local);
    let engine = Engine { provider, threads: Arc::default(), store, cache, events, outbox: outbox_tx };
    let commands_task = tokio::spawn(async move { engine.serve(&mut commands, flags.await).await });
    tasks.push(commands_task.abort_handle());
    (SyncHandle { tx, caps, activity, _tasks: Arc::new(Tasks(tasks)) }, rx)
}

/// The command loop's share of the engine.
struct Engine {
    provider: Arc<dyn Provider>,
    /// Thread requests so far: one superseded while it settles is not fetched.
    threads: Arc<std::sync::atomic::AtomicU64>,
    store: Store,
    cache: Cache,
    events: mpsc::UnboundedSender<SyncEvent>,
    outbox: mpsc::UnboundedSender<outbox::Msg>,
}

impl Engine {
    async fn serve(&self, commands: &mut mpsc::UnboundedReceiver<Cmd>, flags: local::Local) {
        while let Some(cmd) = commands.recv().await {
            let command = match cmd {
                Cmd::Command(c) => *c,
                Cmd::Flush(done) => {
                    // Writes below are awaited in order, so all before this are done.
                    let _ = done.send(());
                    continue;
                }
                Cmd::Finish(done) => {
                    // A connection held by a write still under way is waited for, a
                    // while: quitting never hangs on the cache.
                    if tokio::time::timeout(CLOSE_WAIT, self.cache.close()).await.is_err() {
                        tracing::info!("the cache was still busy at the end; left for the next start to settle");
                    }
                    let _ = done.send(());
                    continue;
                }
            };
            // Which way the list goes (the backend, or kept here) is known once
            // the views are: asked first when the first screen's list comes sooner.
            if let SyncCommand::List { query, .. } = &command
                && flags.undecided(query.view.as_ref())
            {
                match patiently(|| self.provider.views()).await {
                    Ok(mut views) => flags.add_view(&mut views),
                    Err(e) => tracing::info!(error = %e, "views unknown before the first list"),
                }
            }
            match command {
                // Changes are durable: written here, before anything is sent, then
                // the outbox owns them.
                SyncCommand::Apply { ticket, op } if !matches!(op, Op::RequestSuggestion { .. }) => {
                    // What the backend cannot take is refused before it is promised.
                    if let Err(error) = self.provider.capabilities().check(&op) {
                        let _ = self.events.send(SyncEvent::Applied { ticket, result: Err(error) });
                        continue;
                    }
                    // Kept on this machine when the backend has no such thing.
                    if let Some(result) = flags.apply(&op).await {
                        let _ = self.events.send(SyncEvent::Applied { ticket, result });
                        if let Some(counts) = flags.starred_counts() {
                            let _ = self.events.send(counts);
                        }
                        continue;
                    }
                    match self.store.enqueue(&op).await {
                        Ok(entry) => {
                            let _ = self.outbox.send(outbox::Msg::Added { seq: entry.seq, ticket });
                        }
                        Err(e) => {
                            // Not written means not promised: say so at once.
                            let error = ProviderError::Permanent { code: "LOCAL_STORE".into(), message: e.to_string() };
                            let _ = self.events.send(SyncEvent::Applied { ticket, result: Err(error) });
                        }
                    }
                }
                SyncCommand::SaveDraft(draft) => {
                    if let Err(e) = self.store.save_draft(&draft).await {
                        tracing::error!(error = %e, "cannot keep a draft");
                    }
                }
                SyncCommand::DeleteDraft(id) => {
                    if let Err(e) = self.store.delete_draft(&id).await {
                        tracing::error!(error = %e, "cannot delete a draft");
                    }
                }
                SyncCommand::List { generation, query, at } if flags.serves(query.view.as_ref()) => {
                    let (provider, events, flags) = (Arc::clone(&self.provider), self.events.clone(), flags.clone());
                    tokio::spawn(async move {
                        let event = match patiently(|| flags.list(&*provider, query.clone())).await {
                            Ok(page) => SyncEvent::List { generation, page, at, cached: false },
                            Err(error) => SyncEvent::Failed { what: "conversations", error },
                        };
                        let _ = events.send(event);
                    });
                }
                SyncCommand::Console(command) => {
                    let (provider, events) = (Arc::clone(&self.provider), self.events.clone());
                    tokio::spawn(async move { agents::run(&*provider, command, &events).await });
                }
                command => {
                    let (provider, events, cache) =
                        (Arc::clone(&self.provider), self.events.clone(), self.cache.clone());
                    // Threads asked one after another (j held down the list, each
                    // row's thread following it) are fetched only once the asking
                    // rests: a thread superseded within THREAD_SETTLE is not fetched.
                    let turn = matches!(command, SyncCommand::Thread { .. })
                        .then(|| self.threads.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1);
                    let threads = Arc::clone(&self.threads);
                    tokio::spawn(async move {
                        // What is kept shows at once; the server's answer follows.
                        for event in cache::before(&cache, &command).await {
                            let _ = events.send(event);
                        }
                        if let Some(turn) = turn {
                            tokio::time::sleep(THREAD_SETTLE).await;
                            if threads.load(std::sync::atomic::Ordering::SeqCst) != turn {
                                return;
                            }
                        }
                        for event in run(&*provider, command.clone()).await {
                            cache::after(&cache, &command, &event).await;
                            if events.send(event).is_err() {
                                break;
                            }
                        }
                    });
                }
            }
        }
    }
}

/// How long a thread request waits for a newer one before it is fetched: longer
/// than a key repeat, shorter than a reader notices.
const THREAD_SETTLE: std::time::Duration = std::time::Duration::from_millis(80);

/// Who am I, the team, the views, the SLA line, what cannot be reached: the first screen.
async fn bootstrap(p: &dyn Provider) -> Vec<SyncEvent> {
    let (me, agents, views, sla, teams) = tokio::join!(
        patiently(|| p.me()),
        patiently(|| p.agents()),
        patiently(|| p.views()),
        patiently(|| p.sla()),
        p.teams()
    );
    let mut out = Vec::new();
    // Teams are a convenience of the assign picker: a backend without them is fine.
    match teams {
        Ok(teams) if !teams.is_empty() => out.push(SyncEvent::Teams(teams)),
        Ok(_) => {}
        Err(e) => tracing::info!(error = %e, "no teams listed"),
    }
    match me {
        Ok(me) => out.push(SyncEvent::Identity(me)),
        Err(error) => out.push(SyncEvent::Failed { what: "sign-in", error }),
    }
    match agents {
        Ok(a) => out.push(SyncEvent::Agents(a)),
        Err(error) => out.push(SyncEvent::Failed { what: "team", error }),
    }
    match views {
        Ok(v) => out.push(SyncEvent::Views(v)),
        Err(error) => out.push(SyncEvent::Failed { what: "views", error }),
    }
    out.push(SyncEvent::Trouble(p.trouble()));
    out.push(SyncEvent::Sla(sla.unwrap_or_default()));
    out
}

/// A thread's newest page and its pending suggestion.
async fn thread(p: &dyn Provider, generation: u64, id: ConversationId) -> Vec<SyncEvent> {
    let (page, suggestions) = tokio::join!(patiently(|| p.thread_page(id.clone(), None, THREAD_PAGE)), async {
        if p.capabilities().copilot { patiently(|| p.suggestions(id.clone())).await } else { Ok(Vec::new()) }
    });
    match page {
        Ok(page) => {
            let suggestion = suggestions
                .unwrap_or_default()
                .into_iter()
                .find(|s| s.status == frontdesk_domain::SuggestionStatus::Pending)
                .map(Box::new);
            vec![SyncEvent::Thread { generation, id, messages: page.items, suggestion, older: page.next_cursor }]
        }
        Err(error) => vec![SyncEvent::ThreadFailed { generation, id, error }],
    }
}

async fn run(p: &dyn Provider, command: SyncCommand) -> Vec<SyncEvent> {
    let failed = |what| move |error| vec![SyncEvent::Failed { what, error }];
    match command {
        SyncCommand::Bootstrap => bootstrap(p).await,
        SyncCommand::Views => {
            let (views, sla) = tokio::join!(patiently(|| p.views()), patiently(|| p.sla()));
            let mut out = views.map_or_else(failed("views"), |v| vec![SyncEvent::Views(v)]);
            out.push(SyncEvent::Trouble(p.trouble()));
            out.push(SyncEvent::Sla(sla.unwrap_or_else(|e| {
                tracing::debug!(error = %e, "no SLA line");
                None
            })));
            out
        }
        SyncCommand::List { generation, query, at } => patiently(|| p.list(query.clone()))
            .await
            .map_or_else(failed("conversations"), |page| vec![SyncEvent::List { generation, page, at, cached: false }]),
        SyncCommand::Thread { generation, id } => thread(p, generation, id).await,
        SyncCommand::Create(new) => vec![SyncEvent::Created(p.create_conversation(*new).await.map(Box::new))],
        SyncCommand::Bot { conversation, call } => {
            let result = match p.bot() {
                Some(bot) => bot.call(conversation.clone(), call.clone()).await,
                None => Err(ProviderError::Unsupported("calls to a chatbot")),
            };
            vec![SyncEvent::Bot { conversation, call, result }]
        }
        SyncCommand::Find { channel_id, provider_id } => {
            let result = match p.bot() {
                Some(bot) => bot.find(channel_id, provider_id).await.map(|c| c.map(Box::new)),
                None => Err(ProviderError::Unsupported("finding conversations by channel ids")),
            };
            vec![SyncEvent::Found(result)]
        }
        SyncCommand::Delete(id) => vec![SyncEvent::Deleted { result: p.delete_conversation(id.clone()).await, id }],
        SyncCommand::SaveView { name, filter } => vec![SyncEvent::ViewSaved(p.save_view(name, filter).await)],
        SyncCommand::DeleteView(id) => vec![SyncEvent::ViewDeleted { result: p.delete_view(id.clone()).await, id }],
        SyncCommand::Older { generation, id, cursor } => {
            let older = patiently(|| p.thread_page(id.clone(), Some(cursor.clone()), THREAD_PAGE)).await;
            older.map_or_else(failed("older messages"), |page| {
                vec![SyncEvent::Older { generation, id, messages: page.items, older: page.next_cursor }]
            })
        }
        SyncCommand::Urgent => {
            let query = ListQuery {
                view: Some("all".into()),
                filter: frontdesk_domain::ViewFilter {
                    status: vec![frontdesk_domain::Status::Open, frontdesk_domain::Status::Pending],
                    ..Default::default()
                },
                sort: frontdesk_provider::Sort::Urgency,
                limit: 1,
                ..ListQuery::default()
            };
            patiently(|| p.list(query.clone())).await.map_or_else(failed("most urgent"), |page| {
                vec![SyncEvent::Urgent(page.items.into_iter().next().map(Box::new))]
            })
        }
        SyncCommand::Apply { ticket, op } => {
            // Only a request for a new suggestion comes here: it is not a promise to
            // keep, and a fresh key per request is right.
            let key = uuid::Uuid::now_v7().to_string();
            vec![SyncEvent::Applied { ticket, result: p.apply(op, key).await }]
        }
        SyncCommand::SaveDraft(_) | SyncCommand::DeleteDraft(_) | SyncCommand::Console(_) => Vec::new(),
        SyncCommand::Presence { conversation, state } => {
            if !p.capabilities().presence {
                return Vec::new();
            }
            match p.presence(conversation, state).await {
                Ok(()) => Vec::new(),
                // The backend will not take it: said (the client says it once).
                Err(ProviderError::Unsupported(why)) => vec![SyncEvent::Degraded(why.to_owned())],
                Err(e) => {
                    // Presence is a courtesy: a miss is logged, not shown.
                    tracing::debug!(error = %e, "presence not sent");
                    Vec::new()
                }
            }
        }
    }
}
