//! People: the customers who write in (`Contact`) and the team who answers (`Agent`).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AgentId, ContactId};

/// A customer, as known on the conversation's channel.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Contact {
    pub id: ContactId,
    pub name: String,
    /// The address on the channel: a phone number, an email address, a web visitor id.
    pub handle: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
}

/// What an agent may do in the org.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema, Default)]
#[serde(rename_all = "snake_case")]
pub enum AgentRole {
    Admin,
    #[default]
    Agent,
}

/// A person on the team.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Agent {
    pub id: AgentId,
    pub name: String,
    pub email: String,
    #[serde(default)]
    pub role: AgentRole,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
}
