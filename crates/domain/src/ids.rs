//! Typed ids. Every id is an opaque string on the wire (vendors use strings too), so
//! one newtype per entity keeps a message id from being passed where a conversation
//! id belongs. Ids minted here are UUID v7: time-ordered, so they sort by creation.

use std::fmt;

use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident, $prefix:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema)]
        #[serde(transparent)]
        #[schema(value_type = String)]
        pub struct $name(pub CompactString);

        impl $name {
            /// A fresh id with this entity's prefix.
            #[must_use]
            pub fn generate() -> Self {
                Self(compact_str::format_compact!(concat!($prefix, "_{}"), uuid::Uuid::now_v7().simple()))
            }

            #[must_use]
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(CompactString::from(s))
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self(CompactString::from(s))
            }
        }
    };
}

id_type!(/// An organisation (tenant): the boundary of every query.
    OrgId, "org");
id_type!(/// A conversation: one contact on one channel.
    ConversationId, "cnv");
id_type!(/// A message, note, call or event line in a thread.
    MessageId, "msg");
id_type!(/// A customer.
    ContactId, "ctc");
id_type!(/// A person on the team.
    AgentId, "agt");
id_type!(/// A built-in or saved view.
    ViewId, "view");
id_type!(/// A copilot suggestion.
    SuggestionId, "sug");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_carry_their_prefix_and_sort_by_creation() {
        let a = ConversationId::generate();
        let b = ConversationId::generate();
        assert!(a.as_str().starts_with("cnv_"));
        assert!(a < b, "v7 ids must sort by creation: {a} !< {b}");
    }

    #[test]
    fn ids_are_plain_strings_on_the_wire() {
        let id = MessageId::from("msg_1");
        assert_eq!(serde_json::to_string(&id).ok().as_deref(), Some("\"msg_1\""));
    }
}
