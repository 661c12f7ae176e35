//! A vendor's AI agents console, for providers that have one (Orbit): the agents,
//! their configuration and deployment, a chat playground, their conversations.
//! Ids are the vendor's, as text.

use futures::stream::BoxStream;

use super::ProviderFuture;
use frontdesk_domain::{
    AgentConfig, AgentConversation, AgentMessage, AgentStatus, AiAgent, AiAgentDetail, ChatEvent, Deployment, Page,
};

pub trait AiAgents: Send + Sync {
    fn list_agents(&self, status: Option<AgentStatus>, cursor: Option<String>) -> ProviderFuture<'_, Page<AiAgent>>;
    fn agent(&self, id: String) -> ProviderFuture<'_, AiAgentDetail>;
    /// A new agent from a configuration (the adapter makes the vendor's body of it).
    fn create_agent(&self, config: AgentConfig) -> ProviderFuture<'_, AiAgent>;
    fn update_agent(&self, id: String, config: AgentConfig) -> ProviderFuture<'_, AiAgent>;
    fn delete_agent(&self, id: String) -> ProviderFuture<'_, ()>;
    /// Deploys to `channels` (none: the agent's own) and, for voice and SMS, a number.
    fn deploy(&self, id: String, channels: Vec<String>, number: Option<String>) -> ProviderFuture<'_, Deployment>;
    fn pause(&self, id: String) -> ProviderFuture<'_, AiAgentDetail>;
    fn resume(&self, id: String) -> ProviderFuture<'_, AiAgentDetail>;
    /// One chat turn, streamed; it ends after `Done` or `Failed`.
    fn chat(&self, id: String, message: String, conversation: Option<String>) -> BoxStream<'static, ChatEvent>;
    fn agent_conversations(&self, id: String, cursor: Option<String>) -> ProviderFuture<'_, Page<AgentConversation>>;
    fn agent_messages(&self, id: String, conversation: String) -> ProviderFuture<'_, Vec<AgentMessage>>;
}
