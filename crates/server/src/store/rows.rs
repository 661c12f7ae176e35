//! Rows as stored, for loading many at once without events: the demo's starting
//! state and its history. Times are unix milliseconds and lists are JSON text, as
//! in the tables; the org is given beside the rows.

/// A customer. A handle already known to the org is skipped.
#[derive(Clone, Debug)]
pub struct ContactRow {
    pub id: String,
    pub name: String,
    pub handle: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    pub created_at: i64,
}

/// A conversation with its summary columns already worked out.
#[derive(Clone, Debug)]
pub struct ConversationRow {
    pub id: String,
    pub contact_id: String,
    pub channel: String,
    pub subject: Option<String>,
    pub status: String,
    pub snoozed_until: Option<i64>,
    pub assignee_id: Option<String>,
    pub team: Option<String>,
    /// JSON array of tags.
    pub tags: String,
    pub starred: bool,
    pub unread: bool,
    pub archived: bool,
    pub priority: String,
    pub last_preview: Option<String>,
    /// `inbound` or `outbound`.
    pub last_direction: Option<&'static str>,
    pub last_message_at: Option<i64>,
    pub waiting_since: Option<i64>,
    pub sla_due_at: Option<i64>,
    pub ai_state: String,
    pub ai_agent: Option<String>,
    pub message_count: i64,
    pub activity_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A message of a thread; search indexes it as it is loaded.
#[derive(Clone, Debug)]
pub struct MessageRow {
    pub id: String,
    pub conversation_id: String,
    pub direction: &'static str,
    pub author_kind: &'static str,
    pub author_id: Option<String>,
    pub author_name: String,
    pub kind: &'static str,
    pub body: String,
    /// JSON array of attachments.
    pub attachments: String,
    /// The call's JSON, for call messages.
    pub call: Option<String>,
    pub delivery: &'static str,
    pub created_at: i64,
}
