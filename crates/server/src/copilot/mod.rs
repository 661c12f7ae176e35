//! The copilot: drafts a reply and next-best actions for a conversation, behind
//! `POST /v1/conversations/{id}/copilot/suggest`.
//!
//! Two engines, chosen in config (`[copilot] engine = "kb" | "llm"`):
//! - `kb` (the default, no network): BM25 retrieval over the knowledge base in
//!   `assets/kb/answers.toml`, the best answer filled in with the contact's and agent's
//!   names and the order number found in the thread ([`kb`], [`fill`]).
//! - `llm`: any OpenAI-compatible chat-completions endpoint, given the transcript and
//!   the top knowledge-base answers as reference material ([`llm`]).
//!
//! The server builds one [`Copilot`] at start-up and shares it (`Arc`) across requests;
//! it holds no per-request state. The route turns a [`Draft`] into a
//! `domain::Suggestion`. To add an engine: a variant in [`Engine`], a module with an
//! async `suggest`, and an arm in [`Copilot::suggest`].

pub mod claims;
pub mod draft;
pub mod eval;
pub mod fill;
pub mod kb;
pub mod lang;
pub mod llm;
pub mod reading;
pub mod report;
#[cfg(test)]
mod test_support;

use serde::{Deserialize, Serialize};

use frontdesk_domain::{AuthorKind, Channel, MessageKind, NextAction};

pub use kb::{Answer, Hit, KnowledgeBase};
pub use llm::LlmEngine;
pub use reading::Reading;

/// What the copilot sees of a conversation. The server fills it from the thread; text
/// is already sanitised (it was when it entered the server).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuggestContext {
    pub contact_name: String,
    /// The agent asking for the draft.
    pub agent_name: String,
    pub channel: Channel,
    pub subject: Option<String>,
    /// Oldest first.
    pub messages: Vec<ContextMessage>,
}

/// One line of the thread.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ContextMessage {
    pub author: AuthorKind,
    pub kind: MessageKind,
    pub body: String,
}

impl ContextMessage {
    /// A line as the copilot reads it: a call's body is "Voicemail · 0:48", its
    /// summary is what the caller asked, so the summary is read with it.
    #[must_use]
    pub fn read(author: AuthorKind, kind: MessageKind, body: &str, call_summary: Option<&str>) -> Self {
        let body = match call_summary.map(str::trim).filter(|s| !s.is_empty()) {
            Some(summary) => format!("{body}\n{summary}"),
            None => body.to_owned(),
        };
        Self { author, kind, body }
    }
}

/// A drafted reply, waiting for the agent; or the reason there is none.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Draft {
    /// Empty when withheld. `{agent_name}` stays a placeholder: the sender's name
    /// goes in when it is sent.
    pub body: String,
    pub actions: Vec<NextAction>,
    /// The knowledge-base answers it drew on, by id.
    pub sources: Vec<String>,
    /// `kb` or `llm`.
    pub engine: String,
    /// 0–100: how likely the draft answers the customer's last message.
    pub confidence: u8,
    /// The language the draft is in (ISO 639-1), the customer's.
    pub lang: String,
    /// What the agent must do before the draft is true ("Cancel the order in the
    /// warehouse system"); the panel shows it beside the draft.
    pub before_sending: Option<String>,
    /// Why there is no draft: "no confident suggestion …", "no article in Japanese".
    pub withheld: Option<String>,
}

impl Draft {
    /// No draft, and why.
    #[must_use]
    pub fn withheld(reason: &str, lang: &str) -> Self {
        Self {
            body: String::new(),
            actions: Vec::new(),
            sources: Vec::new(),
            engine: "kb".to_owned(),
            confidence: 0,
            lang: lang.to_owned(),
            before_sending: None,
            withheld: Some(reason.to_owned()),
        }
    }
}

/// Why no draft. Every message says what to fix and never contains the API key.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CopilotError {
    /// The `[copilot]` config, or the environment it points at, is wrong.
    #[error("copilot config: {0}")]
    Config(String),
    /// `assets/kb/answers.toml` is invalid (caught by the tests before it ships).
    #[error("copilot knowledge base: {0}")]
    KnowledgeBase(String),
    /// The LLM endpoint answered with an error status.
    #[error("the LLM endpoint answered HTTP {status}: {message}")]
    Upstream { status: u16, message: String },
    /// The LLM endpoint could not be reached or did not answer in time.
    #[error("the LLM endpoint could not be reached: {0}")]
    Network(String),
    /// The LLM endpoint answered 2xx with something that is not a usable completion.
    #[error("the LLM endpoint's answer was unusable: {0}")]
    Malformed(String),
}

/// Which engine drafts suggestions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    /// The embedded knowledge base: offline, instant, deterministic.
    #[default]
    Kb,
    /// An OpenAI-compatible chat-completions endpoint (`[copilot.llm]`).
    Llm,
}

impl Engine {
    #[must_use]
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Kb => "kb",
            Self::Llm => "llm",
        }
    }
}

/// `[copilot]` in the server's config.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CopilotConfig {
    #[serde(default)]
    pub engine: Engine,
    /// Required when `engine = "llm"`; ignored otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub llm: Option<LlmConfig>,
}

/// `[copilot.llm]`: where the LLM engine sends its requests.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmConfig {
    /// The API base, like `http://127.0.0.1:8080/v1`; requests go to
    /// `{url}/chat/completions`.
    pub url: String,
    pub model: String,
    /// The name of the environment variable holding the API key, sent as a Bearer
    /// token. Read at each call, so a rotated key needs no restart. None: no
    /// `Authorization` header (local servers).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_key_env: Option<String>,
    /// The whole request, connect to last byte.
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// None: the endpoint's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub temperature: Option<f32>,
}

fn default_timeout_secs() -> u64 {
    20
}

/// The copilot the server shares across requests.
#[derive(Debug)]
pub struct Copilot {
    engine: Engine,
    kb: KnowledgeBase,
    llm: Option<LlmEngine>,
}

impl Copilot {
    /// Loads the embedded knowledge base and, for `engine = "llm"`, prepares the client.
    ///
    /// # Errors
    /// [`CopilotError::Config`] when `engine = "llm"` comes without a usable
    /// `[copilot.llm]`; [`CopilotError::KnowledgeBase`] if the embedded KB is invalid.
    pub fn new(cfg: &CopilotConfig) -> Result<Self, CopilotError> {
        Self::with_kb(cfg, KnowledgeBase::embedded()?)
    }

    /// Like [`Self::new`], with another knowledge base.
    ///
    /// # Errors
    /// As [`Self::new`].
    pub fn with_kb(cfg: &CopilotConfig, kb: KnowledgeBase) -> Result<Self, CopilotError> {
        let llm = match (cfg.engine, &cfg.llm) {
            (Engine::Kb, _) => None,
            (Engine::Llm, Some(llm)) => Some(LlmEngine::new(llm)?),
            (Engine::Llm, None) => {
                return Err(CopilotError::Config(
                    "engine = \"llm\" needs a [copilot.llm] table with at least url and model".into(),
                ));
            }
        };
        Ok(Self { engine: cfg.engine, kb, llm })
    }

    /// A draft for the conversation, from the configured engine. The LLM engine's
    /// errors are returned, not papered over: the caller may fall back to
    /// [`Self::suggest_kb`] and tell the agent why.
    ///
    /// # Errors
    /// From the LLM engine only; see [`CopilotError`].
    pub async fn suggest(&self, ctx: &SuggestContext) -> Result<Draft, CopilotError> {
        self.suggest_other_than(ctx, &[]).await
    }

    /// As [`Self::suggest`], asked again: the embedded engine passes over the
    /// articles in `given` (already offered for this question) to the next-best.
    ///
    /// # Errors
    /// From the LLM engine only; see [`CopilotError`].
    pub async fn suggest_other_than(&self, ctx: &SuggestContext, given: &[String]) -> Result<Draft, CopilotError> {
        match (self.engine, &self.llm) {
            (Engine::Llm, Some(llm)) => llm.suggest(&self.kb, ctx).await,
            _ => Ok(self.kb.draft_other_than(ctx, given)),
        }
    }

    /// A draft from the embedded knowledge base, whatever the configured engine.
    #[must_use]
    pub fn suggest_kb(&self, ctx: &SuggestContext) -> Draft {
        self.kb.draft(ctx)
    }

    #[must_use]
    pub fn kb(&self) -> &KnowledgeBase {
        &self.kb
    }

    #[must_use]
    pub fn engine(&self) -> Engine {
        self.engine
    }
}

#[cfg(test)]
mod tests;
