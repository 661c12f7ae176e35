//! The AI agents console's requests: each runs on its own task and answers with
//! [`AgentsEvent`]s; a chat turn answers piece by piece as it streams.

use futures::StreamExt;
use tokio::sync::mpsc;

use super::SyncEvent;
use frontdesk_domain::{
    AgentConfig, AgentConversation, AgentMessage, AgentStatus, AiAgent, AiAgentDetail, ChatEvent, Deployment, Page,
};
use frontdesk_provider::{Provider, ProviderError};

#[derive(Clone, Debug, PartialEq)]
pub enum AgentsCommand {
    List {
        status: Option<AgentStatus>,
        cursor: Option<String>,
    },
    Detail {
        id: String,
    },
    Create {
        config: AgentConfig,
    },
    Update {
        id: String,
        config: AgentConfig,
    },
    Delete {
        id: String,
    },
    Deploy {
        id: String,
        channels: Vec<String>,
        number: Option<String>,
    },
    Pause {
        id: String,
    },
    Resume {
        id: String,
    },
    /// One turn of the playground; `session` tells turns of different chats apart.
    Chat {
        session: u64,
        id: String,
        message: String,
        conversation: Option<String>,
    },
    Conversations {
        id: String,
    },
    Messages {
        id: String,
        conversation: String,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub enum AgentsEvent {
    List {
        page: Page<AiAgent>,
        append: bool,
    },
    Detail(AiAgentDetail),
    /// Paused (or resumed): the agent as it now is.
    Switched {
        detail: AiAgentDetail,
        paused: bool,
    },
    /// Created or updated.
    Saved {
        agent: AiAgent,
        created: bool,
    },
    Deleted {
        id: String,
    },
    Deployed {
        id: String,
        deployment: Deployment,
    },
    Chat {
        session: u64,
        event: ChatEvent,
    },
    Conversations {
        id: String,
        page: Page<AgentConversation>,
    },
    Messages {
        id: String,
        conversation: String,
        messages: Vec<AgentMessage>,
    },
    Failed {
        what: &'static str,
        error: ProviderError,
    },
}

/// Runs one console request against the provider's console, if it has one.
pub async fn run(p: &dyn Provider, command: AgentsCommand, events: &mpsc::UnboundedSender<SyncEvent>) {
    let send = |e: AgentsEvent| {
        let _ = events.send(SyncEvent::Console(Box::new(e)));
    };
    let Some(a) = p.ai_agents() else {
        send(AgentsEvent::Failed { what: "agents", error: ProviderError::Unsupported("an AI agents console") });
        return;
    };
    let failed = |what: &'static str| move |error| AgentsEvent::Failed { what, error };
    let event = match command {
        AgentsCommand::List { status, cursor } => {
            let append = cursor.is_some();
            a.list_agents(status, cursor).await.map_or_else(failed("agents"), |page| AgentsEvent::List { page, append })
        }
        AgentsCommand::Detail { id } => a.agent(id).await.map_or_else(failed("the agent"), AgentsEvent::Detail),
        AgentsCommand::Create { config } => a
            .create_agent(config)
            .await
            .map_or_else(failed("create"), |agent| AgentsEvent::Saved { agent, created: true }),
        AgentsCommand::Update { id, config } => a
            .update_agent(id, config)
            .await
            .map_or_else(failed("update"), |agent| AgentsEvent::Saved { agent, created: false }),
        AgentsCommand::Delete { id } => {
            a.delete_agent(id.clone()).await.map_or_else(failed("delete"), |()| AgentsEvent::Deleted { id })
        }
        AgentsCommand::Deploy { id, channels, number } => a
            .deploy(id.clone(), channels, number)
            .await
            .map_or_else(failed("deploy"), |deployment| AgentsEvent::Deployed { id, deployment }),
        AgentsCommand::Pause { id } => {
            a.pause(id).await.map_or_else(failed("pause"), |detail| AgentsEvent::Switched { detail, paused: true })
        }
        AgentsCommand::Resume { id } => {
            a.resume(id).await.map_or_else(failed("resume"), |detail| AgentsEvent::Switched { detail, paused: false })
        }
        AgentsCommand::Chat { session, id, message, conversation } => {
            let mut turn = a.chat(id, message, conversation);
            while let Some(event) = turn.next().await {
                send(AgentsEvent::Chat { session, event });
            }
            return;
        }
        AgentsCommand::Conversations { id } => a
            .agent_conversations(id.clone(), None)
            .await
            .map_or_else(failed("conversations"), |page| AgentsEvent::Conversations { id, page }),
        AgentsCommand::Messages { id, conversation } => a
            .agent_messages(id.clone(), conversation.clone())
            .await
            .map_or_else(failed("messages"), |messages| AgentsEvent::Messages { id, conversation, messages }),
    };
    send(event);
}
