//! Views: named filters over the inbox. Five are built in (they cannot be deleted);
//! the rest are saved by the team.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::{AiState, Channel, Status, ViewId};

/// Whose conversations a filter keeps.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AssigneeFilter {
    /// The agent asking.
    Me,
    Unassigned,
    /// A given agent, by id.
    Agent(String),
}

/// A filter over conversations. Every field narrows; an empty filter keeps all that
/// are not archived.
#[derive(Clone, Debug, PartialEq, Eq, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ViewFilter {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<Status>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub assignee: Option<AssigneeFilter>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Any of these tags.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub channels: Vec<Channel>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub starred: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unread: Option<bool>,
    /// Only conversations past their first-response target.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub overdue: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ai_state: Option<AiState>,
    /// Archived conversations instead of live ones.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub archived: bool,
    /// Full-text query over subject, contact and messages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub q: Option<String>,
}

impl ViewFilter {
    /// Whether the filter's statuses take this one. A vendor's own state (`Other`) is
    /// taken wherever open is: in front of an agent rather than hidden, and shown by
    /// its own name.
    #[must_use]
    pub fn takes_status(&self, s: &Status) -> bool {
        self.status.is_empty()
            || self.status.contains(s)
            || (matches!(s, Status::Other(_)) && self.status.contains(&Status::Open))
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ViewKind {
    Builtin,
    Saved,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct View {
    pub id: ViewId,
    pub name: String,
    pub kind: ViewKind,
    pub filter: ViewFilter,
}

/// A view and how many conversations it holds now.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ViewCount {
    pub view_id: ViewId,
    pub count: u64,
}

/// The views every inbox has. Their ids are their names, so `?view=unread` works.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BuiltinView {
    Unread,
    Starred,
    Mine,
    All,
    Overdue,
}

impl BuiltinView {
    pub const ALL: [Self; 5] = [Self::Unread, Self::Starred, Self::Mine, Self::All, Self::Overdue];

    #[must_use]
    pub fn id(self) -> &'static str {
        match self {
            Self::Unread => "unread",
            Self::Starred => "starred",
            Self::Mine => "mine",
            Self::All => "all",
            Self::Overdue => "overdue",
        }
    }

    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Self::Unread => "Unread",
            Self::Starred => "Starred",
            Self::Mine => "Mine",
            Self::All => "All",
            Self::Overdue => "Overdue",
        }
    }

    #[must_use]
    pub fn parse(id: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|v| v.id() == id)
    }

    /// The working views (Unread, Mine) hold what needs an agent now: open or pending,
    /// not snoozed (it comes back when it wakes), not closed. Starred is a bookmark and
    /// keeps whatever was starred; All keeps everything not archived; Overdue is what
    /// has passed its first-response target.
    #[must_use]
    pub fn filter(self) -> ViewFilter {
        let live = vec![Status::Open, Status::Pending];
        match self {
            Self::Unread => ViewFilter { unread: Some(true), status: live, ..ViewFilter::default() },
            Self::Starred => ViewFilter { starred: Some(true), ..ViewFilter::default() },
            Self::Mine => ViewFilter { assignee: Some(AssigneeFilter::Me), status: live, ..ViewFilter::default() },
            Self::All => ViewFilter::default(),
            Self::Overdue => ViewFilter { overdue: true, ..ViewFilter::default() },
        }
    }

    #[must_use]
    pub fn view(self) -> View {
        View {
            id: ViewId::from(self.id()),
            name: self.name().to_owned(),
            kind: ViewKind::Builtin,
            filter: self.filter(),
        }
    }
}

/// A view with its count, as the sidebar shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ViewWithCount {
    #[serde(flatten)]
    pub view: View,
    pub count: u64,
}
