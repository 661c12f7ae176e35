//! A conversation an agent opens (a helpdesk ticket, an outbound chat): who it is
//! with, what about, and the first words. Each backend takes what it can of it.

use super::{Priority, Settings};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct NewConversation {
    /// What it is about (helpdesks require one).
    pub subject: String,
    /// The customer, found or created by their address; none makes an anonymous one
    /// where the backend allows it.
    pub user_email: Option<String>,
    pub user_first_name: Option<String>,
    pub user_last_name: Option<String>,
    /// The first message, or context.
    pub description: Option<String>,
    pub priority: Option<Priority>,
    /// The backend's own channel name (web, email, api, callback…).
    pub channel: Option<String>,
    /// Free-form (a phone number, a preferred callback time); empty sends none.
    pub metadata: Settings,
    /// The backend's own record of the customer (an Iron CRM contact), for
    /// backends that open conversations for one.
    pub contact_id: Option<String>,
}
