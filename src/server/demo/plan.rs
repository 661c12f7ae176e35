//! The demo's seed data: turns the TOML files under `assets/demo/` into a
//! [`DemoPlan`] (the org, its agents and ~170 conversations with their threads), and
//! feeds the traffic simulator its inbound lines ([`Simulator`]).
//!
//! Pure: the files are compiled in with `include_str!`; nothing here reads the clock,
//! the disk or the database. The demo seeder calls [`plan`] with the current time and
//! writes what it returns. Timestamps are laid out backwards from `now`, so the inbox
//! looks alive whenever the demo starts.
//!
//! How a conversation is made: a *script* (`assets/demo/scripts/*.toml`) is a whole
//! conversation as it would go uninterrupted. [`QUOTAS`] fixes the mix of the inbox as
//! *shapes* (overdue, just arrived, pending, snoozed, closed, AI-led, handed off …).
//! For each slot the generator takes the least-used script that can stand in that
//! shape, cuts it there, picks a channel the script allows, a contact and agents,
//! fills the placeholders and lays the messages out in time. Every random choice
//! comes from one seeded RNG and none depends on `now`: a seed always gives the same
//! inbox, only shifted in time (which is how [`Simulator::new`] knows the plan's live
//! conversations without being given `now`).
//!
//! To extend: add scripts, contacts or simulator lines to the TOML files (their
//! format is in `assets/demo/README.md`); loading validates them, and the tests below
//! check every rule the seeded inbox must honour. To change the mix, edit [`QUOTAS`].

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::Duration;

use jiff::civil::Weekday;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use rand::rngs::StdRng;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::domain::{AgentRole, AiState, Attachment, CallInfo, Channel, MessageKind, Priority, Status};

// ---------------------------------------------------------------------------------
// Public API
// ---------------------------------------------------------------------------------

/// Everything the demo seeder writes into a fresh database.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoPlan {
    pub org_name: String,
    /// The first admin is the one the demo client signs in as.
    pub agents: Vec<DemoAgent>,
    /// The AI agents' names (chat first, then voice), as message authors use them.
    pub ai_agents: Vec<String>,
    /// Oldest last activity first, so inserting in order gives ids that sort by age.
    pub conversations: Vec<DemoConversation>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoAgent {
    pub name: String,
    pub email: String,
    pub role: AgentRole,
    pub team: Option<String>,
}

/// A customer as seen on one conversation's channel. The same person appears with a
/// different `handle` on different channels (phone for sms/whatsapp/voice, email for
/// email/api, email or a visitor id on web); match people by email or phone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoContact {
    pub name: String,
    pub handle: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
#[allow(clippy::struct_excessive_bools)] // the inbox flags, one for one with the domain's Conversation
pub struct DemoConversation {
    pub contact: DemoContact,
    pub channel: Channel,
    pub subject: Option<String>,
    pub status: Status,
    /// Set exactly when `status` is snoozed; always in the future.
    pub snoozed_until: Option<Timestamp>,
    /// One of the plan's agents.
    pub assignee_email: Option<String>,
    pub team: Option<String>,
    pub tags: Vec<String>,
    pub starred: bool,
    pub unread: bool,
    pub archived: bool,
    pub priority: Priority,
    pub ai_state: AiState,
    /// The AI agent that led or leads it, when one took part.
    pub ai_agent: Option<String>,
    /// Seed a pending copilot suggestion (only on open conversations whose last
    /// message is the customer's).
    pub wants_suggestion: bool,
    /// Oldest first, strictly increasing, all before `now`.
    pub messages: Vec<DemoMessage>,
    /// The script it came from (assets/demo/scripts): for logs and tests.
    pub script: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DemoAuthor {
    Contact,
    /// An agent, by email.
    Agent(String),
    /// An AI agent, by name.
    Ai(String),
    System,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoMessage {
    pub at: Timestamp,
    pub author: DemoAuthor,
    pub kind: MessageKind,
    pub body: String,
    pub attachments: Vec<Attachment>,
    pub call: Option<CallInfo>,
}

/// A line the traffic simulator sends as a new inbound message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimulatedInbound {
    pub contact: DemoContact,
    pub channel: Channel,
    pub subject: Option<String>,
    pub body: String,
    /// True when the contact already has a live conversation on this channel in the
    /// plan (so the line threads into it); false for someone new.
    pub existing: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// A file is not valid TOML or does not have the expected fields.
    #[error("assets/demo/{file}: {message}")]
    Parse { file: &'static str, message: String },
    /// A file parsed but breaks a rule of the demo data (unknown team, a placeholder
    /// that does not exist, an email script without a subject …).
    #[error("assets/demo/{file}: {message}")]
    Invalid { file: &'static str, message: String },
    /// Laying out timestamps left jiff's range (only with a `now` near the end of time).
    #[error("demo timestamps out of range: {0}")]
    Time(#[from] jiff::Error),
}

/// Builds the demo inbox as of `now`. The same seed gives the same conversations,
/// contacts, threads and states; only the timestamps follow `now`.
///
/// # Errors
/// When a file under `assets/demo/` does not parse or breaks a rule (the tests
/// catch both), or when `now` is so close to the end of time that it cannot be
/// shifted.
pub fn plan(now: Timestamp, seed: u64) -> Result<DemoPlan, DemoError> {
    let assets = Assets::load()?;
    Generator::new(&assets, seed).run(now)
}

/// The traffic simulator's source of inbound lines: follow-ups from contacts with a
/// live conversation in the plan (about 60%) and openers from new people (about 40%).
/// Deterministic from its seed; the pacing (every few seconds) is the caller's, with
/// [`Simulator::next_delay`] as a suggestion.
#[derive(Debug)]
pub struct Simulator {
    rng: StdRng,
    live: Vec<LiveThread>,
    followups: Vec<FollowupEntry>,
    openers: Vec<OpenerEntry>,
    walkins: Vec<WalkinEntry>,
    walkin_uses: Vec<u32>,
    recent_bodies: VecDeque<String>,
    recent_threads: VecDeque<usize>,
}

impl Simulator {
    /// A simulator for the plan that [`plan`] builds with the same `seed`. The plan's
    /// structure does not depend on `now`, so this finds the same live conversations
    /// whatever time the plan was made at.
    ///
    /// # Errors
    /// As [`plan`].
    pub fn new(seed: u64) -> Result<Self, DemoError> {
        // Any instant works: only which conversations are live matters here.
        let reference_now = Timestamp::from_second(1_767_225_600)?;
        Self::from_plan(&plan(reference_now, seed)?, seed)
    }

    /// A simulator for a plan the caller already holds.
    ///
    /// # Errors
    /// When `inbound.toml` or `contacts.toml` does not parse or breaks a rule.
    pub fn from_plan(plan: &DemoPlan, seed: u64) -> Result<Self, DemoError> {
        let inbound: InboundFile = parse(&INBOUND)?;
        inbound.validate()?;
        let contacts: ContactsFile = parse(&CONTACTS)?;
        let langs: HashMap<&str, (&str, String)> =
            contacts.contact.iter().map(|c| (c.name.as_str(), (c.lang.as_str(), c.greeting()))).collect();
        let mut threaded = HashSet::new();
        let live = plan
            .conversations
            .iter()
            .filter(|c| c.status != Status::Closed && !c.archived)
            .filter(|c| threaded.insert((c.channel, c.contact.handle.clone())))
            .map(|c| {
                let (lang, first) =
                    langs.get(c.contact.name.as_str()).cloned().unwrap_or(("en", first_word(&c.contact.name)));
                LiveThread {
                    contact: c.contact.clone(),
                    channel: c.channel,
                    subject: c.subject.clone(),
                    lang: lang.to_owned(),
                    first,
                }
            })
            .collect();
        let walkin_uses = vec![0; inbound.walkin.len()];
        Ok(Self {
            // A different stream from the plan's, so lines do not echo its choices.
            rng: StdRng::seed_from_u64(seed ^ 0x51a1_a7ed_1b0b_d5e7),
            live,
            followups: inbound.followup,
            openers: inbound.opener,
            walkins: inbound.walkin,
            walkin_uses,
            recent_bodies: VecDeque::new(),
            recent_threads: VecDeque::new(),
        })
    }

    /// The next inbound message.
    #[allow(clippy::should_implement_trait)] // an endless stream: an Iterator would never return None
    pub fn next(&mut self) -> SimulatedInbound {
        if !self.live.is_empty() && self.rng.random_bool(0.6) { self.followup() } else { self.newcomer() }
    }

    /// How long to wait before the next line: a few seconds, varied so traffic does not
    /// tick like a metronome.
    pub fn next_delay(&mut self) -> Duration {
        Duration::from_millis(self.rng.random_range(2_000..=7_000))
    }

    fn followup(&mut self) -> SimulatedInbound {
        let mut index = self.rng.random_range(0..self.live.len());
        for _ in 0..8 {
            if !self.recent_threads.contains(&index) {
                break;
            }
            index = self.rng.random_range(0..self.live.len());
        }
        remember(&mut self.recent_threads, index, 5);
        let thread = &self.live[index];
        // Someone who wrote in their own language mostly follows up in it.
        let fitting = |i: &usize| self.followups[*i].fits(thread.channel);
        let own: Vec<usize> =
            (0..self.followups.len()).filter(fitting).filter(|&i| self.followups[i].lang == thread.lang).collect();
        let mut pool: Vec<usize> =
            (0..self.followups.len()).filter(fitting).filter(|&i| self.followups[i].lang == "en").collect();
        if thread.lang != "en" && !own.is_empty() && (pool.is_empty() || self.rng.random_bool(0.5)) {
            pool = own;
        }
        let line = pick_fresh(&mut self.rng, &pool, &self.recent_bodies, |i| self.followups[i].body.as_str());
        let vars = Vars::for_simulator(&mut self.rng, &thread.first);
        let body = render_or_raw(&self.followups[line].body, &vars);
        let subject = match thread.channel {
            Channel::Email | Channel::Api => thread.subject.as_ref().map(|s| reply_subject(s)),
            _ => None,
        };
        remember(&mut self.recent_bodies, self.followups[line].body.clone(), 10);
        SimulatedInbound { contact: thread.contact.clone(), channel: thread.channel, subject, body, existing: true }
    }

    fn newcomer(&mut self) -> SimulatedInbound {
        let all: Vec<usize> = (0..self.openers.len()).collect();
        let line = pick_fresh(&mut self.rng, &all, &self.recent_bodies, |i| self.openers[i].body.as_str());
        let opener = &self.openers[line];
        remember(&mut self.recent_bodies, opener.body.clone(), 10);
        // A line in another language comes from someone who speaks it.
        let mut people: Vec<usize> = (0..self.walkins.len()).filter(|&i| self.walkins[i].lang == opener.lang).collect();
        if people.is_empty() {
            people = (0..self.walkins.len()).collect();
        }
        let fewest = people.iter().map(|&i| self.walkin_uses[i]).min().unwrap_or(0);
        people.retain(|&i| self.walkin_uses[i] == fewest);
        let who = people.choose(&mut self.rng).copied().unwrap_or(0);
        let cycle = self.walkin_uses[who];
        self.walkin_uses[who] += 1;
        let walkin = &self.walkins[who];
        // Each round through the list gets new addresses, so a "new" contact is new.
        let email = walkin.email.as_deref().map(|e| vary_email(e, cycle));
        let phone = walkin.phone.as_deref().map(|p| vary_phone(p, cycle));
        let allowed: Vec<Channel> = opener
            .channels()
            .into_iter()
            .filter(|c| match c {
                Channel::Email | Channel::Api => email.is_some(),
                Channel::Sms | Channel::Whatsapp | Channel::Voice => phone.is_some(),
                Channel::Web => true,
            })
            .collect();
        let channel = allowed.choose(&mut self.rng).copied().unwrap_or(Channel::Web);
        let subject = match channel {
            Channel::Email | Channel::Api => opener.subject.clone(),
            _ => None,
        };
        let handle = handle_for(channel, email.as_deref(), phone.as_deref(), &walkin.name, cycle);
        let contact = DemoContact { name: walkin.name.clone(), handle, email, phone, company: None };
        let vars = Vars::for_simulator(&mut self.rng, &first_word(&walkin.name));
        let body = render_or_raw(&opener.body, &vars);
        SimulatedInbound { contact, channel, subject, body, existing: false }
    }
}

// ---------------------------------------------------------------------------------
// The files
// ---------------------------------------------------------------------------------

struct Asset {
    file: &'static str,
    text: &'static str,
}

const ORG: Asset = Asset { file: "org.toml", text: include_str!("../../../assets/demo/org.toml") };
const CONTACTS: Asset = Asset { file: "contacts.toml", text: include_str!("../../../assets/demo/contacts.toml") };
const INBOUND: Asset = Asset { file: "inbound.toml", text: include_str!("../../../assets/demo/inbound.toml") };
const SCRIPTS: [Asset; 7] = [
    Asset { file: "scripts/orders.toml", text: include_str!("../../../assets/demo/scripts/orders.toml") },
    Asset { file: "scripts/billing.toml", text: include_str!("../../../assets/demo/scripts/billing.toml") },
    Asset { file: "scripts/account.toml", text: include_str!("../../../assets/demo/scripts/account.toml") },
    Asset { file: "scripts/tech.toml", text: include_str!("../../../assets/demo/scripts/tech.toml") },
    Asset { file: "scripts/voice.toml", text: include_str!("../../../assets/demo/scripts/voice.toml") },
    Asset { file: "scripts/ai.toml", text: include_str!("../../../assets/demo/scripts/ai.toml") },
    Asset { file: "scripts/long.toml", text: include_str!("../../../assets/demo/scripts/long.toml") },
];

fn parse<T: DeserializeOwned>(asset: &Asset) -> Result<T, DemoError> {
    toml::from_str(asset.text).map_err(|e| DemoError::Parse { file: asset.file, message: e.to_string() })
}

fn invalid(file: &'static str, message: impl Into<String>) -> DemoError {
    DemoError::Invalid { file, message: message.into() }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct OrgFile {
    name: String,
    agent: Vec<AgentEntry>,
    ai: AiEntry,
    product: Vec<Priced>,
    plan: Vec<Priced>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AgentEntry {
    name: String,
    email: String,
    role: AgentRole,
    team: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AiEntry {
    chat: String,
    voice: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Priced {
    name: String,
    price: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactsFile {
    contact: Vec<ContactEntry>,
}

fn english() -> String {
    "en".to_owned()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ContactEntry {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    company: Option<String>,
    #[serde(default = "english")]
    lang: String,
    first: Option<String>,
}

impl ContactEntry {
    fn greeting(&self) -> String {
        self.first.clone().unwrap_or_else(|| first_word(&self.name))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptsFile {
    script: Vec<Script>,
}

/// Which of the org's AI agents leads a script.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum AiRole {
    Chat,
    Voice,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(clippy::struct_excessive_bools)] // independent switches of the file format
struct Script {
    id: String,
    team: String,
    team2: Option<String>,
    channels: Vec<Channel>,
    subject: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    priority: Priority,
    lang: Option<String>,
    #[serde(default)]
    company: bool,
    #[serde(default)]
    lead: bool,
    #[serde(default)]
    long: bool,
    ai: Option<AiRole>,
    message: Vec<ScriptMessage>,
    /// Filled in on load: the file it came from, for error messages.
    #[serde(skip)]
    file: &'static str,
    #[serde(skip)]
    needs_email: bool,
    #[serde(skip)]
    needs_phone: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Speaker {
    Contact,
    Agent,
    Agent2,
    Ai,
    System,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ScriptMessage {
    from: Speaker,
    kind: Option<MessageKind>,
    body: String,
    #[serde(default)]
    variants: Vec<String>,
    after: Option<String>,
    #[serde(default)]
    attachments: Vec<AttachmentEntry>,
    call: Option<CallEntry>,
    #[serde(default)]
    handoff: bool,
}

impl ScriptMessage {
    fn kind(&self) -> MessageKind {
        self.kind.unwrap_or(if self.from == Speaker::System { MessageKind::Event } else { MessageKind::Reply })
    }

    /// A message the customer sees as an answer (or, from the contact, as asking).
    fn is_spoken(&self) -> bool {
        matches!(self.kind(), MessageKind::Reply | MessageKind::Call)
    }

    fn is_agent_answer(&self) -> bool {
        matches!(self.from, Speaker::Agent | Speaker::Agent2) && self.is_spoken()
    }

    fn after_secs(&self) -> Option<i64> {
        self.after.as_deref().and_then(parse_span)
    }

    fn texts(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.body.as_str())
            .chain(self.variants.iter().map(String::as_str))
            .chain(self.attachments.iter().map(|a| a.name.as_str()))
            .chain(self.call.iter().map(|c| c.summary.as_str()))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AttachmentEntry {
    name: String,
    content_type: String,
    size: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CallEntry {
    duration_secs: u32,
    summary: String,
    #[serde(default)]
    recording: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct InboundFile {
    followup: Vec<FollowupEntry>,
    opener: Vec<OpenerEntry>,
    walkin: Vec<WalkinEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FollowupEntry {
    body: String,
    #[serde(default)]
    channels: Vec<Channel>,
    #[serde(default = "english")]
    lang: String,
}

impl FollowupEntry {
    fn fits(&self, channel: Channel) -> bool {
        typed_or_listed(&self.channels).contains(&channel)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenerEntry {
    body: String,
    subject: Option<String>,
    #[serde(default)]
    channels: Vec<Channel>,
    #[serde(default = "english")]
    lang: String,
}

impl OpenerEntry {
    fn channels(&self) -> Vec<Channel> {
        typed_or_listed(&self.channels)
    }
}

/// The channels a simulator line suits: those listed, or by default every channel but
/// voice (a typed line reads wrong as a phone call; voice lines say so explicitly).
fn typed_or_listed(listed: &[Channel]) -> Vec<Channel> {
    if listed.is_empty() {
        Channel::ALL.into_iter().filter(|c| *c != Channel::Voice).collect()
    } else {
        listed.to_vec()
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WalkinEntry {
    name: String,
    email: Option<String>,
    phone: Option<String>,
    #[serde(default = "english")]
    lang: String,
}

impl InboundFile {
    fn validate(&self) -> Result<(), DemoError> {
        let file = INBOUND.file;
        if self.opener.is_empty() || self.walkin.is_empty() {
            return Err(invalid(file, "needs at least one opener and one walkin"));
        }
        // Every live conversation must have something to follow up with.
        for channel in Channel::ALL {
            if !self.followup.iter().any(|f| f.lang == "en" && f.fits(channel)) {
                return Err(invalid(file, format!("no English followup suits {}", channel.as_str())));
            }
        }
        let probe = Vars::probe();
        for text in self.followup.iter().map(|f| &f.body).chain(self.opener.iter().map(|o| &o.body)) {
            render(text, &probe).map_err(|e| invalid(file, format!("{e} in {text:?}")))?;
        }
        for opener in &self.opener {
            let typed = opener.channels().iter().any(|c| matches!(c, Channel::Email | Channel::Api));
            if typed && opener.subject.is_none() {
                return Err(invalid(
                    file,
                    format!("opener {:?} may go by email or api but has no subject", opener.body),
                ));
            }
        }
        if let Some(w) = self.walkin.iter().find(|w| w.email.is_none() && w.phone.is_none()) {
            return Err(invalid(file, format!("walkin {} has neither email nor phone", w.name)));
        }
        Ok(())
    }
}

/// A customer of the pool, ready to be put on a channel.
struct PoolContact {
    name: String,
    first: String,
    email: Option<String>,
    phone: Option<String>,
    company: Option<String>,
    lang: String,
}

/// The validated contents of `assets/demo/`.
struct Assets {
    org: OrgFile,
    contacts: Vec<PoolContact>,
    scripts: Vec<Script>,
}

impl Assets {
    fn load() -> Result<Self, DemoError> {
        let org: OrgFile = parse(&ORG)?;
        let contacts: ContactsFile = parse(&CONTACTS)?;
        let mut scripts = Vec::new();
        for asset in &SCRIPTS {
            let file: ScriptsFile = parse(asset)?;
            for mut script in file.script {
                script.file = asset.file;
                scripts.push(script);
            }
        }
        let contacts = contacts
            .contact
            .into_iter()
            .map(|c| PoolContact {
                first: c.greeting(),
                name: c.name,
                email: c.email,
                phone: c.phone,
                company: c.company,
                lang: c.lang,
            })
            .collect();
        let mut assets = Self { org, contacts, scripts };
        assets.validate()?;
        Ok(assets)
    }

    fn validate(&mut self) -> Result<(), DemoError> {
        self.validate_org()?;
        self.validate_contacts()?;
        let teams: HashSet<&str> = self.org.agent.iter().filter_map(|a| a.team.as_deref()).collect();
        let mut ids = HashSet::new();
        let probe = Vars::probe();
        for script in &mut self.scripts {
            let file = script.file;
            let id = script.id.clone();
            let err = |message: String| invalid(file, format!("script {id}: {message}"));
            if !ids.insert(id.clone()) {
                return Err(err("duplicate id".into()));
            }
            if script.message.is_empty() || script.channels.is_empty() {
                return Err(err("needs messages and channels".into()));
            }
            for team in std::iter::once(&script.team).chain(script.team2.iter()) {
                if !teams.contains(team.as_str()) {
                    return Err(err(format!("no agent is in team {team:?}")));
                }
            }
            let typed = script.channels.iter().any(|c| matches!(c, Channel::Email | Channel::Api));
            if typed && script.subject.is_none() {
                return Err(err("email and api conversations need a subject".into()));
            }
            if script.message[0].from == Speaker::System {
                return Err(err("cannot open with a system line".into()));
            }
            let mut texts: Vec<&str> = script.subject.iter().map(String::as_str).collect();
            for (n, m) in script.message.iter().enumerate() {
                let at = |message: &str| err(format!("message {}: {message}", n + 1));
                let kind = m.kind();
                let allowed = match m.from {
                    Speaker::Contact | Speaker::Ai => {
                        matches!(kind, MessageKind::Reply | MessageKind::Call)
                    }
                    Speaker::Agent | Speaker::Agent2 => kind != MessageKind::Event,
                    Speaker::System => kind == MessageKind::Event,
                };
                if !allowed {
                    return Err(at(&format!("{:?} cannot write a {}", m.from, kind.as_str())));
                }
                if (kind == MessageKind::Call) != m.call.is_some() {
                    return Err(at("a call needs `call = {…}` and only a call has one"));
                }
                if m.handoff && m.from != Speaker::Ai {
                    return Err(at("only the AI hands off"));
                }
                if m.after.is_some() && m.after_secs().is_none() {
                    return Err(at("`after` is a number and a unit: 45s, 20m, 3h, 2d"));
                }
                if m.from == Speaker::Ai && script.ai.is_none() {
                    return Err(at("an AI line in a script without `ai`"));
                }
                texts.extend(m.texts());
            }
            for text in &texts {
                render(text, &probe).map_err(|e| err(format!("{e} in {text:?}")))?;
            }
            script.needs_email = texts.iter().any(|t| t.contains("{email}"));
            script.needs_phone = texts.iter().any(|t| t.contains("{phone}"));
            script.company |= texts.iter().any(|t| t.contains("{company}"));
            let pool = &self.contacts;
            for &channel in &script.channels {
                if !pool.iter().any(|c| suits(script, c, channel)) {
                    return Err(err(format!("no contact fits it on {}", channel.as_str())));
                }
            }
        }
        Ok(())
    }

    fn validate_org(&self) -> Result<(), DemoError> {
        let file = ORG.file;
        if self.org.product.is_empty() || self.org.plan.is_empty() {
            return Err(invalid(file, "needs at least one product and one plan"));
        }
        if self.org.agent.len() < 2 {
            return Err(invalid(file, "needs at least two agents: notes are written to a colleague"));
        }
        if !self.org.agent.iter().any(|a| a.role == AgentRole::Admin) {
            return Err(invalid(file, "needs an admin: the demo signs in as the first one"));
        }
        let mut seen = HashSet::new();
        for agent in &self.org.agent {
            if !agent.email.contains('@') || !seen.insert(agent.email.as_str()) {
                return Err(invalid(file, format!("agent email {:?} is malformed or repeated", agent.email)));
            }
        }
        Ok(())
    }

    fn validate_contacts(&self) -> Result<(), DemoError> {
        let file = CONTACTS.file;
        let mut seen = HashSet::new();
        for c in &self.contacts {
            if c.email.is_none() && c.phone.is_none() {
                return Err(invalid(file, format!("{} has neither email nor phone", c.name)));
            }
            for handle in c.email.iter().chain(c.phone.iter()) {
                if !seen.insert(handle.as_str()) {
                    return Err(invalid(file, format!("{handle} is used twice")));
                }
            }
        }
        Ok(())
    }
}

/// Whether a contact can carry a script on a channel.
fn suits(script: &Script, contact: &PoolContact, channel: Channel) -> bool {
    let reachable = match channel {
        Channel::Email | Channel::Api => contact.email.is_some(),
        Channel::Sms | Channel::Whatsapp | Channel::Voice => contact.phone.is_some(),
        Channel::Web => true,
    };
    reachable
        && script.lang.as_ref().is_none_or(|l| *l == contact.lang)
        && (!script.company || contact.company.is_some())
        && (!script.needs_email || contact.email.is_some())
        && (!script.needs_phone || contact.phone.is_some())
}

// ---------------------------------------------------------------------------------
// Placeholders
// ---------------------------------------------------------------------------------

const VAR_NAMES: [&str; 22] = [
    "first",
    "name",
    "email",
    "phone",
    "company",
    "agent",
    "agent_name",
    "agent2",
    "agent2_name",
    "mention",
    "ai",
    "team",
    "org",
    "order",
    "tracking",
    "ticket",
    "rma",
    "last4",
    "product",
    "price",
    "plan",
    "plan_price",
];

struct Vars(HashMap<&'static str, String>);

impl Vars {
    /// Every placeholder set: rendering a template with it finds unknown names.
    fn probe() -> Self {
        Self(VAR_NAMES.iter().map(|&k| (k, String::new())).collect())
    }

    /// The few values simulator lines use.
    fn for_simulator(rng: &mut StdRng, first: &str) -> Self {
        let mut vars = Self::probe();
        vars.set("first", first.to_owned());
        vars.set("order", order_number(rng));
        vars
    }

    fn set(&mut self, key: &'static str, value: String) {
        self.0.insert(key, value);
    }
}

/// Fills `{name}` placeholders; `{{` and `}}` are literal braces.
fn render(template: &str, vars: &Vars) -> Result<String, String> {
    let mut out = String::with_capacity(template.len() + 32);
    let mut rest = template;
    while let Some(pos) = rest.find(['{', '}']) {
        out.push_str(&rest[..pos]);
        let tail = &rest[pos..];
        if let Some(after) = tail.strip_prefix("{{") {
            out.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            out.push('}');
            rest = after;
        } else if let Some(after) = tail.strip_prefix('{') {
            let end = after.find('}').ok_or("unclosed '{' (write '{{' for a brace)")?;
            let key = &after[..end];
            let value = vars.0.get(key).ok_or_else(|| format!("unknown placeholder {{{key}}}"))?;
            out.push_str(value);
            rest = &after[end + 1..];
        } else {
            return Err("lone '}' (write '}}' for a brace)".to_owned());
        }
    }
    out.push_str(rest);
    Ok(out)
}

/// For templates already validated on load: a failure cannot happen, and showing the
/// raw line beats losing it.
fn render_or_raw(template: &str, vars: &Vars) -> String {
    render(template, vars).unwrap_or_else(|_| template.to_owned())
}

fn order_number(rng: &mut StdRng) -> String {
    format!("KH-{}", rng.random_range(104_000..=398_999))
}

fn first_word(name: &str) -> String {
    name.split_whitespace().next().unwrap_or(name).to_owned()
}

/// "45s", "20m", "3h", "2d" in seconds.
fn parse_span(text: &str) -> Option<i64> {
    let text = text.trim();
    let unit = text.chars().last()?;
    let number: i64 = text[..text.len() - unit.len_utf8()].trim().parse().ok()?;
    let scale = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3_600,
        'd' => 86_400,
        _ => return None,
    };
    (number > 0).then(|| number * scale)
}

fn reply_subject(subject: &str) -> String {
    if subject.to_ascii_lowercase().starts_with("re:") { subject.to_owned() } else { format!("Re: {subject}") }
}

/// The contact's address on a channel; web visitors without an email get a stable
/// visitor id.
fn handle_for(channel: Channel, email: Option<&str>, phone: Option<&str>, name: &str, salt: u32) -> String {
    let visitor = || format!("visitor-{:08x}", fnv1a(name) ^ salt);
    match channel {
        Channel::Email | Channel::Api | Channel::Web => email.map_or_else(visitor, str::to_owned),
        Channel::Sms | Channel::Whatsapp | Channel::Voice => phone.map_or_else(visitor, str::to_owned),
    }
}

/// A small stable hash (std's hasher may change between releases; visitor ids must not).
fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5_u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

fn vary_email(email: &str, cycle: u32) -> String {
    match (cycle, email.split_once('@')) {
        (0, _) | (_, None) => email.to_owned(),
        (n, Some((local, domain))) => format!("{local}{}@{domain}", n + 1),
    }
}

/// Changes the last two digits only, so the number stays in its fictional range.
fn vary_phone(phone: &str, cycle: u32) -> String {
    if cycle == 0 || phone.len() < 3 || !phone.is_char_boundary(phone.len() - 2) {
        return phone.to_owned();
    }
    let (head, tail) = phone.split_at(phone.len() - 2);
    let last: u32 = tail.parse().unwrap_or(0);
    format!("{head}{:02}", (last + 37 * cycle) % 100)
}

fn remember<T: PartialEq>(recent: &mut VecDeque<T>, item: T, keep: usize) {
    recent.push_back(item);
    while recent.len() > keep {
        recent.pop_front();
    }
}

/// A random index from `pool` whose text was not sent lately (after a few tries, any).
fn pick_fresh<'a>(
    rng: &mut StdRng,
    pool: &[usize],
    recent: &VecDeque<String>,
    text: impl Fn(usize) -> &'a str,
) -> usize {
    let mut choice = pool.choose(rng).copied().unwrap_or(0);
    for _ in 0..8 {
        if !recent.iter().any(|r| r == text(choice)) {
            break;
        }
        choice = pool.choose(rng).copied().unwrap_or(0);
    }
    choice
}

// ---------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------

/// Where a conversation stands when the demo starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Shape {
    /// The AI asked for a human; nobody has picked it up yet.
    Handoff,
    /// The AI is answering.
    AiLed,
    /// Open, only the customer has written, 2–30 hours ago: past a 1-hour target.
    Overdue,
    /// Open, the customer wrote last, under 30 minutes ago.
    Fresh,
    /// Open, the customer wrote last, 35–110 minutes ago.
    Waiting,
    /// Open, an agent answered last.
    Replied,
    /// Waiting on the customer.
    Pending,
    Snoozed,
    Closed,
}

impl Shape {
    fn status(self) -> Status {
        match self {
            Self::Pending => Status::Pending,
            Self::Snoozed => Status::Snoozed,
            Self::Closed => Status::Closed,
            _ => Status::Open,
        }
    }
}

/// The mix of the seeded inbox, in the order it is filled: the shapes few scripts can
/// take go first, so they get those scripts. 174 conversations.
const QUOTAS: [(Shape, usize); 9] = [
    (Shape::Handoff, 8),
    (Shape::AiLed, 8),
    (Shape::Overdue, 18),
    (Shape::Fresh, 18),
    (Shape::Waiting, 10),
    (Shape::Replied, 8),
    (Shape::Snoozed, 14),
    (Shape::Pending, 24),
    (Shape::Closed, 66),
];

/// Snoozed conversations whose snooze ends within minutes, so the demo shows one wake.
const WAKING_SOON: usize = 4;
/// Open, customer-last conversations that get a pending copilot suggestion, per shape.
const SUGGESTIONS: [(Shape, usize); 3] = [(Shape::Overdue, 6), (Shape::Fresh, 6), (Shape::Waiting, 2)];
/// Nothing older than this (13.5 days), so every thread fits the "last two weeks".
const MAX_AGE: i64 = 27 * 43_200;
/// How the channels should be shared out, roughly (email leads, as in most inboxes).
const CHANNEL_SHARE: [(Channel, f64); 6] = [
    (Channel::Email, 0.30),
    (Channel::Web, 0.18),
    (Channel::Whatsapp, 0.16),
    (Channel::Sms, 0.12),
    (Channel::Voice, 0.12),
    (Channel::Api, 0.12),
];

/// Where a script is cut, and who leads it at that point.
#[derive(Clone, Copy, Debug)]
struct Cut {
    end: usize,
    ai_state: AiState,
    ai_seen: bool,
}

/// The places a script can be cut to take a shape.
fn cuts(script: &Script, shape: Shape) -> Vec<Cut> {
    let msgs = &script.message;
    let mut out = Vec::new();
    let mut answered = false;
    let mut ai_seen = false;
    let mut handed_off = false;
    let mut human_after_ai = false;
    for (i, m) in msgs.iter().enumerate() {
        match m.from {
            Speaker::Agent | Speaker::Agent2 if m.is_spoken() => {
                answered = true;
                human_after_ai = ai_seen;
            }
            Speaker::Ai => {
                answered = true;
                ai_seen = true;
                handed_off |= m.handoff;
            }
            _ => {}
        }
        let ai_state = match (ai_seen, human_after_ai, handed_off) {
            (false, _, _) | (true, true, _) => AiState::Human,
            (true, false, true) => AiState::HandoffRequested,
            (true, false, false) => AiState::AiLed,
        };
        let next_from = msgs.get(i + 1).map(|n| n.from);
        let customer_last = m.from == Speaker::Contact && next_from != Some(Speaker::Contact);
        // An AI script before the AI spoke would be a chat the AI ignored: not believable.
        let human_led = ai_state == AiState::Human && (script.ai.is_none() || ai_seen);
        let fits = match shape {
            Shape::Overdue => customer_last && !answered && script.ai.is_none() && !script.long,
            Shape::Fresh | Shape::Waiting => customer_last && human_led,
            Shape::Replied | Shape::Pending | Shape::Snoozed | Shape::Closed => m.is_agent_answer() && human_led,
            Shape::AiLed => m.from == Speaker::Ai && ai_state == AiState::AiLed,
            // The AI's handoff line and the system lines logged with it; a later one
            // ("… joined") already belongs to the human's part.
            Shape::Handoff => {
                let logged_with = |p: &ScriptMessage| p.from == Speaker::System && p.after.is_none();
                ai_state == AiState::HandoffRequested
                    && !msgs.get(i + 1).is_some_and(logged_with)
                    && msgs[..=i].iter().rev().take_while(|p| !p.handoff).all(logged_with)
            }
        };
        if fits {
            out.push(Cut { end: i + 1, ai_state, ai_seen });
        }
    }
    match shape {
        // Closed keeps the whole story; the others stop before the wrap-up line.
        Shape::Closed => out.split_off(out.len().saturating_sub(1)),
        Shape::Replied | Shape::Pending | Shape::Snoozed if out.len() > 1 => {
            out.pop();
            out
        }
        _ => out,
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Family {
    Chat,
    Mail,
    Voice,
}

fn family(channel: Channel) -> Family {
    match channel {
        Channel::Sms | Channel::Whatsapp | Channel::Web => Family::Chat,
        Channel::Email | Channel::Api => Family::Mail,
        Channel::Voice => Family::Voice,
    }
}

/// A message before it has a time.
struct Draft {
    author: DemoAuthor,
    kind: MessageKind,
    body: String,
    attachments: Vec<Attachment>,
    call: Option<CallInfo>,
    /// Seconds since the previous message.
    gap: i64,
}

/// When a snoozed conversation wakes, as chosen before `now` is known.
#[derive(Clone, Copy)]
enum Snooze {
    /// Snoozed for `length` minutes, of which `left` remain.
    Soon { length: i64, left: i64 },
    /// Snoozed `age` seconds ago for `hours` hours.
    Hours { age: i64, hours: i64 },
    /// Until 09:00 (UTC) on the first day after the snooze that is still ahead.
    NextMorning { age: i64 },
    /// Until Monday 09:00 (UTC).
    Monday { age: i64 },
}

impl Snooze {
    /// When the snooze was set, in seconds before now.
    fn set_age(self) -> i64 {
        match self {
            Self::Soon { length, left } => (length - left) * 60,
            Self::Hours { age, .. } | Self::NextMorning { age } | Self::Monday { age } => age,
        }
    }
}

struct Generator<'a> {
    assets: &'a Assets,
    rng: StdRng,
    script_uses: Vec<u32>,
    contact_uses: Vec<u32>,
    channel_uses: HashMap<Channel, u32>,
    /// (channel, handle) of every live conversation: one live thread per address, so
    /// an inbound message has one place to go.
    live: HashSet<(Channel, String)>,
    cut_table: HashMap<(usize, Shape), Vec<Cut>>,
}

/// One conversation being made, before its times are known.
#[derive(Clone, Copy)]
struct Slot {
    shape: Shape,
    /// Its index among the slots of its shape.
    nth: usize,
}

impl<'a> Generator<'a> {
    fn new(assets: &'a Assets, seed: u64) -> Self {
        let mut cut_table = HashMap::new();
        for (i, script) in assets.scripts.iter().enumerate() {
            for (shape, _) in QUOTAS {
                cut_table.insert((i, shape), cuts(script, shape));
            }
        }
        Self {
            assets,
            rng: StdRng::seed_from_u64(seed),
            script_uses: vec![0; assets.scripts.len()],
            contact_uses: vec![0; assets.contacts.len()],
            channel_uses: HashMap::new(),
            live: HashSet::new(),
            cut_table,
        }
    }

    fn run(mut self, now: Timestamp) -> Result<DemoPlan, DemoError> {
        let mut conversations = Vec::new();
        // The long threads first, each closed whole, so the demo always has a few
        // threads worth scrolling whatever the seed.
        let long: Vec<usize> = (0..self.assets.scripts.len()).filter(|&i| self.assets.scripts[i].long).collect();
        let mut closed_done = 0;
        for &script in &long {
            conversations.push(self.make(Slot { shape: Shape::Closed, nth: closed_done }, Some(script), now)?);
            closed_done += 1;
        }
        for (shape, count) in QUOTAS {
            let start = if shape == Shape::Closed { closed_done } else { 0 };
            for nth in start..count {
                conversations.push(self.make(Slot { shape, nth }, None, now)?);
            }
        }
        self.archive(&mut conversations);
        conversations.sort_by_key(|c| c.messages.last().map(|m| m.at));
        let org = &self.assets.org;
        Ok(DemoPlan {
            org_name: org.name.clone(),
            agents: org
                .agent
                .iter()
                .map(|a| DemoAgent { name: a.name.clone(), email: a.email.clone(), role: a.role, team: a.team.clone() })
                .collect(),
            ai_agents: vec![org.ai.chat.clone(), org.ai.voice.clone()],
            conversations,
        })
    }

    /// About a tenth of the inbox is archived: closed conversations, never the long
    /// threads (they are there to be seen).
    fn archive(&mut self, conversations: &mut [DemoConversation]) {
        let long: HashSet<&str> = self.assets.scripts.iter().filter(|s| s.long).map(|s| s.id.as_str()).collect();
        let mut closed: Vec<usize> = (0..conversations.len())
            .filter(|&i| conversations[i].status == Status::Closed && !long.contains(conversations[i].script.as_str()))
            .collect();
        closed.shuffle(&mut self.rng);
        for &i in closed.iter().take(conversations.len() / 10) {
            let c = &mut conversations[i];
            c.archived = true;
            c.starred = false;
            c.unread = false;
        }
    }

    fn make(&mut self, slot: Slot, script: Option<usize>, now: Timestamp) -> Result<DemoConversation, DemoError> {
        let (script_index, cut, channel, contact_index) = self.choose(&slot, script)?;
        let assets = self.assets;
        let script = &assets.scripts[script_index];
        self.script_uses[script_index] += 1;
        self.contact_uses[contact_index] += 1;
        *self.channel_uses.entry(channel).or_default() += 1;
        let contact = &assets.contacts[contact_index];
        let handle = handle_for(channel, contact.email.as_deref(), contact.phone.as_deref(), &contact.name, 0);
        if slot.shape != Shape::Closed {
            self.live.insert((channel, handle.clone()));
        }

        let (agent, agent2) = self.agents_for(script);
        let ai_name = match script.ai {
            Some(AiRole::Voice) => &assets.org.ai.voice,
            _ => &assets.org.ai.chat,
        };
        let vars = self.vars(script, contact, agent, agent2, ai_name);
        let err = |e: String| invalid(script.file, format!("script {}: {e}", script.id));
        let subject = match (channel, &script.subject) {
            (Channel::Email | Channel::Api, Some(s)) => Some(render(s, &vars).map_err(err)?),
            // Web chats started from the contact form carry a subject; chats do not.
            (Channel::Web, Some(s)) if self.rng.random_bool(0.5) => Some(render(s, &vars).map_err(err)?),
            _ => None,
        };

        let spoken_by_agents =
            script.message[..cut.end].iter().any(|m| matches!(m.from, Speaker::Agent | Speaker::Agent2));
        let assignee = match slot.shape {
            Shape::Handoff | Shape::AiLed => None,
            // Nobody has answered yet: some are still in the team queue.
            _ if !spoken_by_agents && self.rng.random_bool(0.5) => None,
            _ => Some(agent),
        };

        let mut drafts = self.drafts(script, cut.end, channel, &vars, agent, agent2, ai_name)?;
        if let Some(assignee) = assignee {
            self.note_assignment(&mut drafts, script, assignee);
        }
        let (end_age, snooze) = self.end_age(&slot);
        let (messages, snoozed_until) = Self::timeline(drafts, end_age, snooze, now)?;

        let customer_last = matches!(slot.shape, Shape::Overdue | Shape::Fresh | Shape::Waiting);
        let wants_suggestion = SUGGESTIONS.iter().any(|&(shape, n)| shape == slot.shape && slot.nth < n);
        let unread = match slot.shape {
            Shape::Handoff => true,
            _ if wants_suggestion => true,
            _ if customer_last => self.rng.random_bool(0.85),
            Shape::AiLed => self.rng.random_bool(0.5),
            Shape::Closed => false,
            _ => self.rng.random_bool(0.1),
        };
        let starred = self.rng.random_bool(if slot.shape == Shape::Closed { 0.05 } else { 0.14 });
        let mut tags = script.tags.clone();
        if self.rng.random_bool(0.07) {
            tags.push("vip".to_owned());
        }
        Ok(DemoConversation {
            contact: DemoContact {
                name: contact.name.clone(),
                handle,
                email: contact.email.clone(),
                phone: contact.phone.clone(),
                company: contact.company.clone(),
            },
            channel,
            subject,
            status: slot.shape.status(),
            snoozed_until,
            assignee_email: assignee.map(|a| a.email.clone()),
            team: Some(script.team.clone()),
            tags,
            starred,
            unread,
            archived: false,
            priority: self.priority(script.priority, &slot, end_age),
            ai_state: cut.ai_state,
            ai_agent: cut.ai_seen.then(|| ai_name.clone()),
            wants_suggestion,
            messages,
            script: script.id.clone(),
        })
    }

    /// The script, cut and channel and contact for a slot: the least-used script that
    /// can take the shape, on a channel and with a contact still free for it.
    fn choose(&mut self, slot: &Slot, only: Option<usize>) -> Result<(usize, Cut, Channel, usize), DemoError> {
        let mut candidates: Vec<(u32, u32, usize)> = (0..self.assets.scripts.len())
            .filter(|&i| only.is_none_or(|o| o == i))
            .filter(|&i| self.cut_table.get(&(i, slot.shape)).is_some_and(|c| !c.is_empty()))
            .map(|i| (self.script_uses[i], self.rng.random::<u32>(), i))
            .collect();
        candidates.sort_unstable();
        let assets = self.assets;
        for (_, _, index) in candidates {
            let script = &assets.scripts[index];
            let Some(channel) = self.pick_channel(script, slot.shape) else {
                continue;
            };
            let Some(contact) = self.pick_contact(script, channel, slot.shape) else {
                continue;
            };
            let Some(options) = self.cut_table.get(&(index, slot.shape)) else {
                continue;
            };
            // Long threads stay long; other scripts stop anywhere the shape allows.
            let cut = if script.long { options.last() } else { options.choose(&mut self.rng) };
            if let Some(&cut) = cut {
                return Ok((index, cut, channel, contact));
            }
        }
        Err(invalid("contacts.toml", format!("not enough free contacts for a {:?} conversation", slot.shape)))
    }

    fn pick_channel(&mut self, script: &Script, shape: Shape) -> Option<Channel> {
        let total: u32 = self.channel_uses.values().sum();
        let mut best: Option<(f64, Channel)> = None;
        for &channel in &script.channels {
            if !self.assets.contacts.iter().any(|c| self.free(script, c, channel, shape)) {
                continue;
            }
            let target = CHANNEL_SHARE.iter().find(|(c, _)| *c == channel).map_or(0.1, |(_, s)| *s);
            let used = f64::from(self.channel_uses.get(&channel).copied().unwrap_or(0));
            // The channel furthest behind its share wins, with a little noise.
            let score = target * f64::from(total + 1) - used + self.rng.random_range(0.0..0.6);
            if best.is_none_or(|(b, _)| score > b) {
                best = Some((score, channel));
            }
        }
        best.map(|(_, c)| c)
    }

    fn free(&self, script: &Script, contact: &PoolContact, channel: Channel, shape: Shape) -> bool {
        suits(script, contact, channel)
            && (shape == Shape::Closed || {
                let handle = handle_for(channel, contact.email.as_deref(), contact.phone.as_deref(), &contact.name, 0);
                !self.live.contains(&(channel, handle))
            })
    }

    fn pick_contact(&mut self, script: &Script, channel: Channel, shape: Shape) -> Option<usize> {
        let contacts = &self.assets.contacts;
        let mut fit: Vec<usize> =
            (0..contacts.len()).filter(|&i| self.free(script, &contacts[i], channel, shape)).collect();
        // Spread the pool: the least-seen customers first. English scripts prefer
        // English speakers, keeping the others for the scripts in their language.
        let rank = |i: usize| (self.contact_uses[i], u32::from(script.lang.is_none() && contacts[i].lang != "en"));
        let best = fit.iter().map(|&i| rank(i)).min()?;
        fit.retain(|&i| rank(i) == best);
        fit.choose(&mut self.rng).copied()
    }

    fn agents_for(&mut self, script: &Script) -> (&'a AgentEntry, &'a AgentEntry) {
        let everyone = &self.assets.org.agent;
        let in_team = |team: &str| everyone.iter().filter(|a| a.team.as_deref() == Some(team)).collect::<Vec<_>>();
        let mut team = in_team(&script.team);
        if script.lead && team.iter().any(|a| a.role == AgentRole::Admin) {
            team.retain(|a| a.role == AgentRole::Admin);
        }
        // Validation guarantees the team has someone; the fallback keeps this total.
        let agent = team.choose(&mut self.rng).copied().unwrap_or(&everyone[0]);
        let mut colleagues: Vec<&AgentEntry> = match &script.team2 {
            Some(t) => in_team(t),
            None => everyone.iter().collect(),
        };
        colleagues.retain(|a| a.email != agent.email);
        if colleagues.is_empty() {
            colleagues = everyone.iter().filter(|a| a.email != agent.email).collect();
        }
        let agent2 = colleagues.choose(&mut self.rng).copied().unwrap_or(agent);
        (agent, agent2)
    }

    fn vars(
        &mut self,
        script: &Script,
        contact: &PoolContact,
        agent: &AgentEntry,
        agent2: &AgentEntry,
        ai: &str,
    ) -> Vars {
        let org = &self.assets.org;
        let rng = &mut self.rng;
        let product = org.product.choose(rng).unwrap_or(&org.product[0]);
        let plan = org.plan.choose(rng).unwrap_or(&org.plan[0]);
        let mut v = Vars::probe();
        v.set("first", contact.first.clone());
        v.set("name", contact.name.clone());
        v.set("email", contact.email.clone().unwrap_or_default());
        v.set("phone", contact.phone.clone().unwrap_or_default());
        v.set("company", contact.company.clone().unwrap_or_default());
        v.set("agent", first_word(&agent.name));
        v.set("agent_name", agent.name.clone());
        v.set("agent2", first_word(&agent2.name));
        v.set("agent2_name", agent2.name.clone());
        v.set("mention", format!("@{}", agent2.email.split('@').next().unwrap_or(&agent2.email)));
        v.set("ai", ai.to_owned());
        v.set("team", script.team.clone());
        v.set("org", org.name.clone());
        v.set("order", order_number(rng));
        v.set(
            "tracking",
            format!("1Z{:03}E7{:010}", rng.random_range(100..999), rng.random_range(0..9_999_999_999_u64)),
        );
        v.set("ticket", rng.random_range(10_000..99_999).to_string());
        v.set("rma", format!("RMA-{}", rng.random_range(20_000..69_999)));
        v.set("last4", format!("{:04}", rng.random_range(0..10_000)));
        v.set("product", product.name.clone());
        v.set("price", product.price.clone());
        v.set("plan", plan.name.clone());
        v.set("plan_price", plan.price.clone());
        v
    }

    #[allow(clippy::too_many_arguments)] // one call site; a struct for it would only rename the list
    fn drafts(
        &mut self,
        script: &Script,
        end: usize,
        channel: Channel,
        vars: &Vars,
        agent: &AgentEntry,
        agent2: &AgentEntry,
        ai: &str,
    ) -> Result<Vec<Draft>, DemoError> {
        let err = |e: String| invalid(script.file, format!("script {}: {e}", script.id));
        let mut drafts = Vec::with_capacity(end + 2);
        let mut previous: Option<&ScriptMessage> = None;
        for m in &script.message[..end] {
            let variant = self.rng.random_range(0..=m.variants.len());
            let body = if variant == 0 { &m.body } else { &m.variants[variant - 1] };
            let author = match m.from {
                Speaker::Contact => DemoAuthor::Contact,
                Speaker::Agent => DemoAuthor::Agent(agent.email.clone()),
                Speaker::Agent2 => DemoAuthor::Agent(agent2.email.clone()),
                Speaker::Ai => DemoAuthor::Ai(ai.to_owned()),
                Speaker::System => DemoAuthor::System,
            };
            let attachments = m
                .attachments
                .iter()
                .map(|a| {
                    Ok(Attachment {
                        name: render(&a.name, vars)?,
                        content_type: a.content_type.clone(),
                        size: a.size,
                        url: None,
                    })
                })
                .collect::<Result<Vec<_>, String>>()
                .map_err(err)?;
            let call = match &m.call {
                Some(c) => Some(CallInfo {
                    duration_secs: c.duration_secs,
                    summary: Some(render(&c.summary, vars).map_err(err)?),
                    recording_url: c.recording.then(|| {
                        format!(
                            "https://voice.demo.frontdesk.test/recordings/rec_{:012x}.mp3",
                            self.rng.random::<u64>() >> 16
                        )
                    }),
                }),
                None => None,
            };
            let gap = previous.map_or(0, |p| self.gap(p, m, channel));
            drafts.push(Draft {
                author,
                kind: m.kind(),
                body: render(body, vars).map_err(err)?,
                attachments,
                call,
                gap,
            });
            previous = Some(m);
        }
        Ok(drafts)
    }

    /// Adds "Assigned to …" just before the first agent message, unless the script
    /// tells its own assignment story ("Assigned to …", "… joined the conversation").
    fn note_assignment(&mut self, drafts: &mut Vec<Draft>, script: &Script, assignee: &AgentEntry) {
        let told = |m: &ScriptMessage| m.body.starts_with("Assigned to") || m.body.contains("joined the conversation");
        if script.message.iter().any(|m| m.from == Speaker::System && told(m)) {
            return;
        }
        let Some(pos) = drafts.iter().position(|d| matches!(d.author, DemoAuthor::Agent(_))) else {
            return;
        };
        if pos == 0 {
            return;
        }
        let before = drafts[pos].gap;
        let lead = self.rng.random_range(30..=300).min(before - 1);
        if lead < 1 {
            return;
        }
        drafts[pos].gap = lead;
        drafts.insert(
            pos,
            Draft {
                author: DemoAuthor::System,
                kind: MessageKind::Event,
                body: format!("Assigned to {}", assignee.name),
                attachments: Vec::new(),
                call: None,
                gap: before - lead,
            },
        );
    }

    /// Seconds between two script lines: the script's `after`, or what is usual for
    /// the channel and who speaks.
    fn gap(&mut self, prev: &ScriptMessage, next: &ScriptMessage, channel: Channel) -> i64 {
        if let Some(after) = next.after_secs() {
            let jitter = self.rng.random_range(0.8..1.25);
            return round_secs(after, jitter);
        }
        let fam = family(channel);
        let (lo, hi) = match (next.from, next.kind()) {
            (Speaker::System, _) => (5, 90),
            (Speaker::Agent | Speaker::Agent2, MessageKind::Note) => (120, 1_500),
            (Speaker::Ai, _) if prev.from == Speaker::Ai => (2, 8),
            (Speaker::Ai, _) => (4, 20),
            (Speaker::Agent | Speaker::Agent2, _) => match (prev.from, fam) {
                (Speaker::Contact, Family::Chat) => (180, 2_400),
                (Speaker::Contact, Family::Mail) => (1_500, 18_000),
                (Speaker::Contact, Family::Voice) => (1_200, 10_800),
                (Speaker::Ai, _) => (300, 2_400),
                (_, Family::Chat) => (60, 600),
                (_, _) => (300, 3_600),
            },
            (Speaker::Contact, _) => match (prev.from, fam) {
                (Speaker::Contact, Family::Chat) => (15, 180),
                (Speaker::Contact, Family::Mail) => (1_200, 14_400),
                (Speaker::Contact, Family::Voice) => (600, 2_400),
                (_, Family::Chat) => (60, 1_800),
                (_, Family::Mail) => (3_600, 43_200),
                (_, Family::Voice) => (1_800, 21_600),
            },
        };
        self.rng.random_range(lo..=hi)
    }

    /// How long ago the last message was, by shape; for snoozed ones also the snooze.
    fn end_age(&mut self, slot: &Slot) -> (i64, Option<Snooze>) {
        const MIN: i64 = 60;
        const HOUR: i64 = 3_600;
        const DAY: i64 = 86_400;
        let rng = &mut self.rng;
        let age = match slot.shape {
            Shape::Handoff => rng.random_range(3 * MIN..=5 * HOUR),
            Shape::AiLed => rng.random_range(MIN..=4 * HOUR),
            // Strictly inside 2–30 hours, whatever the seconds of `now`.
            Shape::Overdue => rng.random_range(2 * HOUR + 5 * MIN..=29 * HOUR + 50 * MIN),
            Shape::Fresh => rng.random_range(MIN..=28 * MIN),
            Shape::Waiting => rng.random_range(35 * MIN..=110 * MIN),
            Shape::Replied => rng.random_range(20 * MIN..=20 * HOUR),
            Shape::Pending if rng.random_bool(0.6) => rng.random_range(HOUR..=DAY),
            Shape::Pending => rng.random_range(DAY..=5 * DAY),
            // Most of the inbox's activity is in the last two days.
            Shape::Closed if rng.random_bool(0.35) => rng.random_range(2 * HOUR..=2 * DAY),
            Shape::Closed => rng.random_range(2 * DAY..=13 * DAY),
            Shape::Snoozed => {
                let snooze = if slot.nth < WAKING_SOON {
                    let length = *[15, 30, 60].choose(rng).unwrap_or(&30);
                    Snooze::Soon { length, left: rng.random_range(2..=9) }
                } else {
                    match rng.random_range(0..3) {
                        0 => {
                            Snooze::Hours { age: rng.random_range(10 * MIN..=2 * HOUR), hours: rng.random_range(3..=6) }
                        }
                        1 => Snooze::NextMorning { age: rng.random_range(10 * MIN..=10 * HOUR) },
                        _ => Snooze::Monday { age: rng.random_range(HOUR..=2 * DAY) },
                    }
                };
                // The agent answered, then snoozed it a minute or two later.
                return (snooze.set_age() + rng.random_range(40..=180), Some(snooze));
            }
        };
        (age, None)
    }

    /// The drafts with their times, the last `end_age` seconds before now, and the
    /// snooze line and wake time of a snoozed conversation.
    fn timeline(
        mut drafts: Vec<Draft>,
        end_age: i64,
        snooze: Option<Snooze>,
        now: Timestamp,
    ) -> Result<(Vec<DemoMessage>, Option<Timestamp>), DemoError> {
        let mut ages = Self::ages(&drafts, end_age);
        let mut snoozed_until = None;
        if let Some(snooze) = snooze {
            let (until, text) = snooze_times(snooze, now)?;
            drafts.push(Draft {
                author: DemoAuthor::System,
                kind: MessageKind::Event,
                body: text,
                attachments: Vec::new(),
                call: None,
                gap: 0,
            });
            ages.push(snooze.set_age());
            snoozed_until = Some(until);
        }
        let messages = drafts
            .into_iter()
            .zip(ages)
            .map(|(d, age)| {
                Ok(DemoMessage {
                    at: now.checked_sub(SignedDuration::from_secs(age))?,
                    author: d.author,
                    kind: d.kind,
                    body: d.body,
                    attachments: d.attachments,
                    call: d.call,
                })
            })
            .collect::<Result<Vec<_>, jiff::Error>>()?;
        Ok((messages, snoozed_until))
    }

    /// Ages (seconds before now) of each draft, the last at `end_age`; squeezed if the
    /// story would reach further back than [`MAX_AGE`].
    fn ages(drafts: &[Draft], end_age: i64) -> Vec<i64> {
        let gaps: Vec<i64> = drafts.iter().skip(1).map(|d| d.gap.max(1)).collect();
        let total: i64 = gaps.iter().sum();
        let room = (MAX_AGE - end_age).max(i64::try_from(gaps.len()).unwrap_or(i64::MAX));
        let gaps: Vec<i64> = if end_age + total > MAX_AGE {
            #[allow(clippy::cast_precision_loss)] // seconds within weeks: exact in f64
            let factor = room as f64 / total as f64;
            gaps.iter().map(|&g| round_secs(g, factor).max(1)).collect()
        } else {
            gaps
        };
        let mut ages = vec![end_age; drafts.len()];
        for i in (0..gaps.len()).rev() {
            ages[i] = ages[i + 1] + gaps[i];
        }
        ages
    }

    fn priority(&mut self, base: Priority, slot: &Slot, end_age: i64) -> Priority {
        let index = Priority::ALL.iter().position(|p| *p == base).unwrap_or(1);
        let roll = self.rng.random_range(0..100);
        let mut index = match roll {
            0..=14 => index.saturating_sub(1),
            15..=29 => (index + 1).min(Priority::ALL.len() - 1),
            _ => index,
        };
        // A customer waiting most of a day gets bumped up by whoever triages.
        if slot.shape == Shape::Overdue && end_age > 20 * 3_600 {
            index = index.max(2);
        }
        Priority::ALL[index]
    }
}

#[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)] // seconds within weeks
fn round_secs(secs: i64, factor: f64) -> i64 {
    (secs as f64 * factor).round() as i64
}

/// When a snooze ends, and its event line.
fn snooze_times(snooze: Snooze, now: Timestamp) -> Result<(Timestamp, String), DemoError> {
    let utc = |t: Timestamp| t.to_zoned(TimeZone::UTC);
    let set = utc(now.checked_sub(SignedDuration::from_secs(snooze.set_age()))?);
    let nine = |day: jiff::civil::Date| day.at(9, 0, 0, 0).to_zoned(TimeZone::UTC).map(|z| z.timestamp());
    let until = match snooze {
        Snooze::Soon { left, .. } => now.checked_add(SignedDuration::from_mins(left))?,
        Snooze::Hours { hours, .. } => set.timestamp().checked_add(SignedDuration::from_hours(hours))?,
        Snooze::NextMorning { .. } => {
            let mut day = set.date().checked_add(1.day())?;
            while nine(day)? <= now {
                day = day.checked_add(1.day())?;
            }
            nine(day)?
        }
        Snooze::Monday { .. } => {
            let mut day = utc(now).date().checked_add(1.day())?;
            while day.weekday() != Weekday::Monday {
                day = day.checked_add(1.day())?;
            }
            nine(day)?
        }
    };
    // Worded from when it was set, as the line was written then.
    let wake = utc(until);
    let days = (wake.date() - set.date()).get_days();
    let text = match days {
        0 => format!("Snoozed until {}", wake.strftime("%H:%M")),
        1 => format!("Snoozed until tomorrow {}", wake.strftime("%H:%M")),
        _ => format!("Snoozed until {}", wake.strftime("%A %H:%M")),
    };
    Ok((until, text))
}

/// One of the plan's live conversations, as the simulator writes into it.
#[derive(Debug)]
struct LiveThread {
    contact: DemoContact,
    channel: Channel,
    subject: Option<String>,
    lang: String,
    first: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEEDS: [u64; 3] = [1, 42, 20_260_101];

    fn now() -> Timestamp {
        // A Wednesday afternoon, with sub-second noise like a real clock.
        Timestamp::from_nanosecond(1_767_799_813_123_456_789).expect("valid instant")
    }

    fn demo(seed: u64) -> DemoPlan {
        plan(now(), seed).expect("the demo data loads and plans")
    }

    fn age(at: Timestamp) -> SignedDuration {
        now().duration_since(at)
    }

    fn last(c: &DemoConversation) -> &DemoMessage {
        c.messages.last().expect("every conversation has messages")
    }

    fn is_answer(m: &DemoMessage) -> bool {
        matches!(m.author, DemoAuthor::Agent(_) | DemoAuthor::Ai(_))
            && matches!(m.kind, MessageKind::Reply | MessageKind::Call)
    }

    fn overdue(c: &DemoConversation) -> bool {
        let hours = age(last(c).at).as_secs_f64() / 3_600.0;
        c.status == Status::Open
            && last(c).author == DemoAuthor::Contact
            && !c.messages.iter().any(is_answer)
            && (2.0..=30.0).contains(&hours)
    }

    fn fresh(c: &DemoConversation) -> bool {
        c.status == Status::Open
            && last(c).author == DemoAuthor::Contact
            && age(last(c).at) < SignedDuration::from_mins(30)
    }

    #[test]
    fn the_files_parse_and_validate() {
        let assets = Assets::load().expect("assets load");
        assert!(assets.scripts.len() >= 45, "{} scripts", assets.scripts.len());
        assert!(assets.contacts.len() >= 80, "{} contacts", assets.contacts.len());
        assert!((5..=8).contains(&assets.org.agent.len()));
        let long = assets.scripts.iter().filter(|s| s.long && s.message.len() >= 25).count();
        assert!(long >= 3, "{long} long scripts");
    }

    #[test]
    fn a_plan_has_enough_conversations_on_every_channel_and_status() {
        for seed in SEEDS {
            let plan = demo(seed);
            assert!(plan.conversations.len() >= 160);
            for channel in Channel::ALL {
                assert!(plan.conversations.iter().any(|c| c.channel == channel), "seed {seed}: no {channel:?}");
            }
            for status in Status::ALL {
                assert!(plan.conversations.iter().any(|c| c.status == status), "seed {seed}: no {status:?}");
            }
            assert!(plan.agents.len() >= 5);
            assert_eq!(plan.org_name, "Kestrel Home");
        }
    }

    #[test]
    fn every_script_is_used() {
        let plan = demo(42);
        let used: HashSet<&str> = plan.conversations.iter().map(|c| c.script.as_str()).collect();
        let assets = Assets::load().expect("assets load");
        let unused: Vec<&str> = assets.scripts.iter().map(|s| s.id.as_str()).filter(|id| !used.contains(id)).collect();
        assert!(unused.is_empty(), "never used: {unused:?}");
    }

    #[test]
    fn the_same_seed_gives_the_same_plan_and_another_seed_another() {
        assert_eq!(demo(7), demo(7));
        assert_ne!(demo(7), demo(8));
    }

    #[test]
    fn the_plan_does_not_depend_on_now_except_for_times() {
        let shape = |p: &DemoPlan| {
            p.conversations
                .iter()
                .map(|c| (c.contact.handle.clone(), c.channel, c.status, c.script.clone(), c.messages.len()))
                .collect::<Vec<_>>()
        };
        let later = now().checked_add(SignedDuration::from_hours(77)).expect("in range");
        assert_eq!(shape(&demo(3)), shape(&plan(later, 3).expect("plans")));
    }

    #[test]
    fn messages_are_in_the_past_in_order_and_spread_over_two_weeks() {
        for seed in SEEDS {
            let plan = demo(seed);
            let two_days = SignedDuration::from_hours(48);
            for c in &plan.conversations {
                assert!(c.messages.windows(2).all(|w| w[0].at < w[1].at), "{}: not sorted", c.script);
                assert!(c.messages.iter().all(|m| m.at < now()), "{}: message in the future", c.script);
                assert!(age(c.messages[0].at) <= SignedDuration::from_hours(15 * 24), "{}: too old", c.script);
            }
            let recent = plan.conversations.iter().filter(|c| age(last(c).at) < two_days).count();
            assert!(recent * 2 > plan.conversations.len(), "seed {seed}: only {recent} active in 48h");
            let old = plan
                .conversations
                .iter()
                .filter(|c| age(c.messages[0].at) > SignedDuration::from_hours(7 * 24))
                .count();
            assert!(old >= 10, "seed {seed}: only {old} started over a week ago");
            let sorted = plan.conversations.windows(2).all(|w| last(&w[0]).at <= last(&w[1]).at);
            assert!(sorted, "conversations come oldest activity first");
        }
    }

    #[test]
    fn snoozed_conversations_wake_in_the_future_some_within_minutes() {
        for seed in SEEDS {
            let plan = demo(seed);
            let mut soon = 0;
            for c in &plan.conversations {
                match (c.status, c.snoozed_until) {
                    (Status::Snoozed, Some(until)) => {
                        assert!(until > now(), "{}: snoozed into the past", c.script);
                        let wait = until.duration_since(now());
                        if wait >= SignedDuration::from_mins(2) && wait <= SignedDuration::from_mins(10) {
                            soon += 1;
                        }
                        assert!(last(c).body.starts_with("Snoozed until"), "{}", last(c).body);
                    }
                    (Status::Snoozed, None) => panic!("{}: snoozed without an end", c.script),
                    (_, Some(_)) => panic!("{}: snoozed_until on a {:?} conversation", c.script, c.status),
                    (_, None) => {}
                }
            }
            assert!(soon >= 3, "seed {seed}: {soon} wake within 2-10 min");
        }
    }

    #[test]
    fn closed_conversations_end_with_an_agent_answer() {
        for c in demo(42).conversations.iter().filter(|c| c.status == Status::Closed) {
            let m = last(c);
            assert!(
                matches!(m.author, DemoAuthor::Agent(_)) && matches!(m.kind, MessageKind::Reply | MessageKind::Call),
                "{}: ends with {:?} {:?}",
                c.script,
                m.author,
                m.kind
            );
        }
    }

    #[test]
    fn there_are_overdue_and_fresh_unanswered_conversations() {
        for seed in SEEDS {
            let plan = demo(seed);
            let overdue = plan.conversations.iter().filter(|c| overdue(c)).count();
            let fresh = plan.conversations.iter().filter(|c| fresh(c)).count();
            assert!(overdue >= 15, "seed {seed}: {overdue} overdue");
            assert!(fresh >= 15, "seed {seed}: {fresh} fresh");
        }
    }

    #[test]
    fn ai_led_conversations_have_ai_replies_and_handoffs_say_so() {
        for seed in SEEDS {
            let plan = demo(seed);
            let ai: Vec<&DemoConversation> =
                plan.conversations.iter().filter(|c| c.ai_state != AiState::Human).collect();
            assert!(ai.len() >= 10, "seed {seed}: {} AI-led", ai.len());
            for c in &ai {
                let name = c.ai_agent.as_deref().expect("an AI-led conversation names its AI");
                assert!(plan.ai_agents.iter().any(|a| a == name));
                assert!(
                    c.messages.iter().any(|m| m.author == DemoAuthor::Ai(name.to_owned())),
                    "{}: no AI line",
                    c.script
                );
                assert_eq!(c.status, Status::Open);
            }
            let handoffs: Vec<&&DemoConversation> =
                ai.iter().filter(|c| c.ai_state == AiState::HandoffRequested).collect();
            assert!(handoffs.len() >= 6, "seed {seed}: {} handoffs", handoffs.len());
            for c in handoffs {
                let said = c.messages.iter().rev().find(|m| matches!(m.author, DemoAuthor::Ai(_))).expect("an AI line");
                let text = said.body.to_lowercase();
                assert!(
                    ["colleague", "human", "teammate", "person"].iter().any(|w| text.contains(w)),
                    "{}: the AI's last line does not bring in a human: {}",
                    c.script,
                    said.body
                );
            }
        }
    }

    #[test]
    fn suggestions_are_wanted_only_where_the_customer_waits() {
        for seed in SEEDS {
            let plan = demo(seed);
            let wanted: Vec<&DemoConversation> = plan.conversations.iter().filter(|c| c.wants_suggestion).collect();
            assert!(wanted.len() >= 12, "seed {seed}: {}", wanted.len());
            for c in wanted {
                assert_eq!(c.status, Status::Open);
                assert_eq!(last(c).author, DemoAuthor::Contact, "{}", c.script);
            }
        }
    }

    #[test]
    fn voice_conversations_are_mostly_calls_with_summaries() {
        let plan = demo(42);
        let voice: Vec<&DemoConversation> = plan.conversations.iter().filter(|c| c.channel == Channel::Voice).collect();
        let (mut calls, mut spoken) = (0, 0);
        for c in &voice {
            assert!(
                c.messages
                    .iter()
                    .any(|m| m.kind == MessageKind::Call && m.call.as_ref().is_some_and(|i| i.summary.is_some())),
                "{}: no summarised call",
                c.script
            );
            calls += c.messages.iter().filter(|m| m.kind == MessageKind::Call).count();
            spoken += c.messages.iter().filter(|m| matches!(m.kind, MessageKind::Call | MessageKind::Reply)).count();
        }
        assert!(calls * 2 >= spoken, "{calls} calls of {spoken} messages");
        for c in &plan.conversations {
            for m in &c.messages {
                assert_eq!(m.kind == MessageKind::Call, m.call.is_some(), "{}", c.script);
            }
        }
    }

    #[test]
    fn email_conversations_have_subjects_and_chats_have_none() {
        for c in &demo(42).conversations {
            match c.channel {
                Channel::Email | Channel::Api => {
                    assert!(c.subject.as_deref().is_some_and(|s| !s.trim().is_empty()), "{}", c.script);
                }
                Channel::Sms | Channel::Whatsapp | Channel::Voice => {
                    assert_eq!(c.subject, None, "{}", c.script);
                }
                Channel::Web => {}
            }
        }
    }

    #[test]
    fn about_a_tenth_is_archived_and_only_closed_ones() {
        let plan = demo(42);
        let archived: Vec<&DemoConversation> = plan.conversations.iter().filter(|c| c.archived).collect();
        let share = archived.len() * 100 / plan.conversations.len();
        assert!((8..=12).contains(&share), "{share}% archived");
        assert!(archived.iter().all(|c| c.status == Status::Closed));
    }

    #[test]
    fn every_agent_email_belongs_to_an_agent() {
        for seed in SEEDS {
            let plan = demo(seed);
            let emails: HashSet<&str> = plan.agents.iter().map(|a| a.email.as_str()).collect();
            for c in &plan.conversations {
                if let Some(a) = &c.assignee_email {
                    assert!(emails.contains(a.as_str()), "{a}");
                }
                for m in &c.messages {
                    if let DemoAuthor::Agent(a) = &m.author {
                        assert!(emails.contains(a.as_str()), "{a}");
                    }
                    if let DemoAuthor::Ai(a) = &m.author {
                        assert!(plan.ai_agents.contains(a), "{a}");
                    }
                }
                let team_ok = c.team.as_ref().is_none_or(|t| plan.agents.iter().any(|a| a.team.as_ref() == Some(t)));
                assert!(team_ok, "{:?}", c.team);
            }
        }
    }

    #[test]
    fn one_live_conversation_per_address_and_channel() {
        let plan = demo(42);
        let mut seen = HashSet::new();
        for c in plan.conversations.iter().filter(|c| c.status != Status::Closed) {
            assert!(seen.insert((c.channel, c.contact.handle.clone())), "{:?} {} twice", c.channel, c.contact.handle);
        }
    }

    #[test]
    fn the_inbox_reads_like_a_real_one() {
        let plan = demo(42);
        let all: Vec<&DemoMessage> = plan.conversations.iter().flat_map(|c| &c.messages).collect();
        let long = plan.conversations.iter().filter(|c| c.messages.len() >= 25).count();
        assert!(long >= 3, "{long} long threads");
        let notes = all.iter().filter(|m| m.kind == MessageKind::Note).count();
        assert!(notes >= 20, "{notes} notes");
        assert!(all.iter().any(|m| m.kind == MessageKind::Note && m.body.contains('@')), "a note mentions someone");
        for event in ["Assigned to ", "Snoozed until ", "Conversation reopened"] {
            assert!(all.iter().any(|m| m.kind == MessageKind::Event && m.body.starts_with(event)), "no {event:?}");
        }
        assert!(all.iter().all(|m| (m.kind == MessageKind::Event) == (m.author == DemoAuthor::System)));
        assert!(all.iter().any(|m| m.body.chars().any(|c| ('\u{1F300}'..='\u{1FAFF}').contains(&c))), "emoji");
        assert!(all.iter().any(|m| m.body.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c))), "CJK");
        assert!(
            all.iter().any(|m| m.body.contains("\n> ") && m.body.matches("\n\n").count() >= 3),
            "a quoted email chain"
        );
        assert!(all.iter().any(|m| !m.attachments.is_empty()), "attachments");
        for m in &all {
            let unfilled = VAR_NAMES.iter().any(|v| m.body.contains(&format!("{{{v}}}")));
            assert!(!unfilled, "an unfilled placeholder in {:?}", m.body);
        }
        let untagged: Vec<&str> =
            plan.conversations.iter().filter(|c| c.tags.is_empty()).map(|c| c.script.as_str()).collect();
        assert!(untagged.is_empty(), "no tags: {untagged:?}");
        let priorities: HashSet<Priority> = plan.conversations.iter().map(|c| c.priority).collect();
        assert_eq!(priorities.len(), 4, "every priority appears");
        assert!(plan.conversations.iter().any(|c| c.starred) && plan.conversations.iter().any(|c| c.unread));
        let assignees: HashSet<&String> = plan.conversations.iter().filter_map(|c| c.assignee_email.as_ref()).collect();
        assert!(assignees.len() >= 5, "work is spread over the team");
        assert!(plan.conversations.iter().any(|c| c.assignee_email.is_none() && c.status == Status::Open));
    }

    #[test]
    fn contacts_are_fictional_unique_and_diverse() {
        let assets = Assets::load().expect("assets load");
        let fictional_phone = |p: &str| {
            let north_america = p.len() == 12 && p.starts_with("+1") && p[5..10] == *"55501";
            let uk = p.len() == 13 && p.starts_with("+447700900");
            (north_america || uk) && p[1..].chars().all(|c| c.is_ascii_digit())
        };
        let fictional_email = |e: &str| e.ends_with("@example.com") || e.ends_with("@example.org");
        for c in &assets.contacts {
            assert!(c.phone.as_deref().is_none_or(fictional_phone), "{:?}", c.phone);
            assert!(c.email.as_deref().is_none_or(fictional_email), "{:?}", c.email);
        }
        // Arabic, CJK, Hangul …: everything past the Latin, Greek and Cyrillic blocks.
        let non_latin = assets.contacts.iter().filter(|c| c.name.chars().any(|ch| ch >= '\u{0590}')).count();
        assert!(non_latin >= 4, "{non_latin} names in non-Latin scripts");
        assert!(assets.contacts.iter().any(|c| c.name.contains('é') || c.name.contains('ö') || c.name.contains('á')));
        assert!(assets.contacts.iter().filter(|c| c.company.is_some()).count() >= 10);
        let inbound: InboundFile = parse(&INBOUND).expect("inbound parses");
        for w in &inbound.walkin {
            assert!(w.phone.as_deref().is_none_or(fictional_phone), "{:?}", w.phone);
            assert!(w.email.as_deref().is_none_or(fictional_email), "{:?}", w.email);
            let clash = assets.contacts.iter().any(|c| {
                c.name == w.name
                    || (c.email.is_some() && c.email == w.email)
                    || (c.phone.is_some() && c.phone == w.phone)
            });
            assert!(!clash, "walk-in {} is already a contact", w.name);
        }
        let plan = demo(42);
        let agents_fictional = plan.agents.iter().all(|a| a.email.ends_with("@demo.frontdesk.test"));
        assert!(agents_fictional);
    }

    #[test]
    fn templates_reject_unknown_placeholders_and_keep_literal_braces() {
        let vars = Vars::probe();
        assert_eq!(render("{{ \"a\": 1 }}", &vars).as_deref(), Ok("{ \"a\": 1 }"));
        assert!(render("Hi {frist}", &vars).is_err());
        assert!(render("Hi {first", &vars).is_err());
        assert!(render("a } b", &vars).is_err());
        assert_eq!(parse_span("3h"), Some(10_800));
        assert_eq!(parse_span("45s"), Some(45));
        assert_eq!(parse_span("2 weeks"), None);
    }

    #[test]
    fn the_simulator_is_deterministic_and_varied() {
        let run = |seed| {
            let mut sim = Simulator::new(seed).expect("simulator builds");
            (0..60).map(|_| sim.next()).collect::<Vec<_>>()
        };
        let lines = run(5);
        assert_eq!(lines, run(5));
        assert_ne!(lines, run(6));
        let bodies: HashSet<&str> = lines.iter().map(|l| l.body.as_str()).collect();
        assert!(bodies.len() >= 30, "{} distinct lines of 60", bodies.len());
        assert!(lines.windows(2).all(|w| w[0].body != w[1].body), "a line repeats at once");
        let inbound: InboundFile = parse(&INBOUND).expect("inbound parses");
        assert!(inbound.followup.len() + inbound.opener.len() >= 60);
        assert!(
            inbound.followup.iter().chain(inbound.opener.iter().map(|_| &inbound.followup[0])).any(|f| f.lang != "en")
        );
    }

    #[test]
    fn the_simulator_threads_most_lines_into_live_conversations() {
        let seed = 11;
        let plan = demo(seed);
        let live: HashSet<(Channel, &str)> = plan
            .conversations
            .iter()
            .filter(|c| c.status != Status::Closed && !c.archived)
            .map(|c| (c.channel, c.contact.handle.as_str()))
            .collect();
        let known: HashSet<&str> = plan.conversations.iter().map(|c| c.contact.handle.as_str()).collect();
        let mut sim = Simulator::new(seed).expect("simulator builds");
        let lines: Vec<SimulatedInbound> = (0..500).map(|_| sim.next()).collect();
        let existing = lines.iter().filter(|l| l.existing).count();
        assert!((250..=350).contains(&existing), "{existing} of 500 follow up");
        for line in &lines {
            if line.existing {
                assert!(live.contains(&(line.channel, line.contact.handle.as_str())), "{:?}", line.contact);
            } else {
                assert!(!known.contains(line.contact.handle.as_str()), "{} is not new", line.contact.handle);
            }
            if matches!(line.channel, Channel::Email | Channel::Api) {
                assert!(line.subject.is_some(), "{:?}", line.body);
            }
            assert!(!line.body.contains('{'), "{}", line.body);
        }
        let channels: HashSet<Channel> = lines.iter().filter(|l| !l.existing).map(|l| l.channel).collect();
        assert!(channels.len() >= 4, "{channels:?}");
        let delay = sim.next_delay();
        assert!(delay >= Duration::from_secs(2) && delay <= Duration::from_secs(7));
    }

    #[test]
    #[ignore = "prints the inbox for a human to read: cargo test -- --ignored --nocapture"]
    fn print_the_inbox() {
        for c in &demo(42).conversations {
            let m = last(c);
            println!(
                "{:<8} {:<8} {:<17} {:>3} msgs  {:>7}m ago  {:<28} {:<26} {:?}/{:?} {:?}",
                c.channel.as_str(),
                c.status.as_str(),
                c.ai_state.as_str(),
                c.messages.len(),
                age(m.at).as_secs() / 60,
                c.script,
                c.contact.name,
                c.assignee_email.as_deref().map(|e| e.split('@').next()),
                c.priority.as_str(),
                text::preview_of(&m.body),
            );
        }
    }

    mod text {
        pub fn preview_of(body: &str) -> String {
            body.split_whitespace().collect::<Vec<_>>().join(" ").chars().take(60).collect()
        }
    }
}
