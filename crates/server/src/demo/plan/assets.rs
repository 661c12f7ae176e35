//! The files under `assets/demo/`: their TOML formats, compiled in with
//! `include_str!`, parsed and validated into [`Assets`] (the org, the contact pool and
//! the scripts) and, for the simulator, [`InboundFile`].
//!
//! To extend a format: add the field to its entry struct here (unknown fields are
//! rejected), check it in the `validate` functions, and describe it in
//! `assets/demo/README.md`.

use std::collections::HashSet;

use serde::Deserialize;
use serde::de::DeserializeOwned;

use frontdesk_domain::{AgentRole, Channel, MessageKind, Priority};

use super::DemoError;
use super::render::{Vars, first_word, parse_span, render};

pub(super) struct Asset {
    file: &'static str,
    text: &'static str,
}

const ORG: Asset = Asset { file: "org.toml", text: include_str!("../../../assets/demo/org.toml") };
pub(super) const CONTACTS: Asset =
    Asset { file: "contacts.toml", text: include_str!("../../../assets/demo/contacts.toml") };
pub(super) const INBOUND: Asset =
    Asset { file: "inbound.toml", text: include_str!("../../../assets/demo/inbound.toml") };
const SCRIPTS: [Asset; 7] = [
    Asset { file: "scripts/orders.toml", text: include_str!("../../../assets/demo/scripts/orders.toml") },
    Asset { file: "scripts/billing.toml", text: include_str!("../../../assets/demo/scripts/billing.toml") },
    Asset { file: "scripts/account.toml", text: include_str!("../../../assets/demo/scripts/account.toml") },
    Asset { file: "scripts/tech.toml", text: include_str!("../../../assets/demo/scripts/tech.toml") },
    Asset { file: "scripts/voice.toml", text: include_str!("../../../assets/demo/scripts/voice.toml") },
    Asset { file: "scripts/ai.toml", text: include_str!("../../../assets/demo/scripts/ai.toml") },
    Asset { file: "scripts/long.toml", text: include_str!("../../../assets/demo/scripts/long.toml") },
];

pub(super) fn parse<T: DeserializeOwned>(asset: &Asset) -> Result<T, DemoError> {
    toml::from_str(asset.text).map_err(|e| DemoError::Parse { file: asset.file, message: e.to_string() })
}

pub(super) fn invalid(file: &'static str, message: impl Into<String>) -> DemoError {
    DemoError::Invalid { file, message: message.into() }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OrgFile {
    pub(super) name: String,
    pub(super) agent: Vec<AgentEntry>,
    pub(super) ai: AiEntry,
    pub(super) product: Vec<Priced>,
    pub(super) plan: Vec<Priced>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AgentEntry {
    pub(super) name: String,
    pub(super) email: String,
    pub(super) role: AgentRole,
    pub(super) team: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct AiEntry {
    pub(super) chat: String,
    pub(super) voice: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Priced {
    pub(super) name: String,
    pub(super) price: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ContactsFile {
    pub(super) contact: Vec<ContactEntry>,
}

fn english() -> String {
    "en".to_owned()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ContactEntry {
    pub(super) name: String,
    email: Option<String>,
    phone: Option<String>,
    company: Option<String>,
    #[serde(default = "english")]
    pub(super) lang: String,
    first: Option<String>,
}

impl ContactEntry {
    pub(super) fn greeting(&self) -> String {
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
pub(super) enum AiRole {
    Chat,
    Voice,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(clippy::struct_excessive_bools)] // independent switches of the file format
pub(super) struct Script {
    pub(super) id: String,
    pub(super) team: String,
    pub(super) team2: Option<String>,
    pub(super) channels: Vec<Channel>,
    pub(super) subject: Option<String>,
    #[serde(default)]
    pub(super) tags: Vec<String>,
    #[serde(default)]
    pub(super) priority: Priority,
    pub(super) lang: Option<String>,
    #[serde(default)]
    company: bool,
    #[serde(default)]
    pub(super) lead: bool,
    #[serde(default)]
    pub(super) long: bool,
    pub(super) ai: Option<AiRole>,
    pub(super) message: Vec<ScriptMessage>,
    /// Filled in on load: the file it came from, for error messages.
    #[serde(skip)]
    pub(super) file: &'static str,
    #[serde(skip)]
    needs_email: bool,
    #[serde(skip)]
    needs_phone: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(super) enum Speaker {
    Contact,
    Agent,
    Agent2,
    Ai,
    System,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScriptMessage {
    pub(super) from: Speaker,
    kind: Option<MessageKind>,
    pub(super) body: String,
    #[serde(default)]
    pub(super) variants: Vec<String>,
    pub(super) after: Option<String>,
    #[serde(default)]
    pub(super) attachments: Vec<AttachmentEntry>,
    pub(super) call: Option<CallEntry>,
    #[serde(default)]
    pub(super) handoff: bool,
}

impl ScriptMessage {
    pub(super) fn kind(&self) -> MessageKind {
        self.kind.unwrap_or(if self.from == Speaker::System { MessageKind::Event } else { MessageKind::Reply })
    }

    /// A message the customer sees as an answer (or, from the contact, as asking).
    pub(super) fn is_spoken(&self) -> bool {
        matches!(self.kind(), MessageKind::Reply | MessageKind::Call)
    }

    pub(super) fn is_agent_answer(&self) -> bool {
        matches!(self.from, Speaker::Agent | Speaker::Agent2) && self.is_spoken()
    }

    pub(super) fn after_secs(&self) -> Option<i64> {
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
pub(super) struct AttachmentEntry {
    pub(super) name: String,
    pub(super) content_type: String,
    pub(super) size: u64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CallEntry {
    pub(super) duration_secs: u32,
    pub(super) summary: String,
    #[serde(default)]
    pub(super) recording: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct InboundFile {
    pub(super) followup: Vec<FollowupEntry>,
    pub(super) opener: Vec<OpenerEntry>,
    pub(super) walkin: Vec<WalkinEntry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct FollowupEntry {
    pub(super) body: String,
    #[serde(default)]
    channels: Vec<Channel>,
    #[serde(default = "english")]
    pub(super) lang: String,
}

impl FollowupEntry {
    pub(super) fn fits(&self, channel: &Channel) -> bool {
        typed_or_listed(&self.channels).contains(channel)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct OpenerEntry {
    pub(super) body: String,
    pub(super) subject: Option<String>,
    #[serde(default)]
    channels: Vec<Channel>,
    #[serde(default = "english")]
    pub(super) lang: String,
}

impl OpenerEntry {
    pub(super) fn channels(&self) -> Vec<Channel> {
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
pub(super) struct WalkinEntry {
    pub(super) name: String,
    pub(super) email: Option<String>,
    pub(super) phone: Option<String>,
    #[serde(default = "english")]
    pub(super) lang: String,
}

impl InboundFile {
    pub(super) fn validate(&self) -> Result<(), DemoError> {
        let file = INBOUND.file;
        if self.opener.is_empty() || self.walkin.is_empty() {
            return Err(invalid(file, "needs at least one opener and one walkin"));
        }
        // Every live conversation must have something to follow up with.
        for channel in Channel::ALL {
            if !self.followup.iter().any(|f| f.lang == "en" && f.fits(&channel)) {
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
pub(super) struct PoolContact {
    pub(super) name: String,
    pub(super) first: String,
    pub(super) email: Option<String>,
    pub(super) phone: Option<String>,
    pub(super) company: Option<String>,
    pub(super) lang: String,
}

/// The validated contents of `assets/demo/`.
pub(super) struct Assets {
    pub(super) org: OrgFile,
    pub(super) contacts: Vec<PoolContact>,
    pub(super) scripts: Vec<Script>,
}

impl Assets {
    pub(super) fn load() -> Result<Self, DemoError> {
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
            for channel in &script.channels {
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
pub(super) fn suits(script: &Script, contact: &PoolContact, channel: &Channel) -> bool {
    let reachable = match channel {
        Channel::Email | Channel::Api => contact.email.is_some(),
        Channel::Sms | Channel::Whatsapp | Channel::Voice => contact.phone.is_some(),
        Channel::Web | Channel::Other(_) => true,
    };
    reachable
        && script.lang.as_ref().is_none_or(|l| *l == contact.lang)
        && (!script.company || contact.company.is_some())
        && (!script.needs_email || contact.email.is_some())
        && (!script.needs_phone || contact.phone.is_some())
}
