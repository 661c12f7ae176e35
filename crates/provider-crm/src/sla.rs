//! Iron's SLA at a glance for the status bar: how many threads are overdue
//! (`GET /conversations/overdue/count`) and the first-reply target from the SLA
//! config (`GET /conversations/sla`, whose shape is unpublished).

use reqwest::Method;
use serde_json::Value;

use super::{CrmProvider, wire};
use frontdesk_provider::{ProviderError, ProviderResult, Sla};

impl CrmProvider {
    /// Iron's SLA-overdue count (`GET /conversations/overdue/count`).
    pub async fn overdue_count(&self) -> ProviderResult<u64> {
        let v = self.call(Method::GET, "/conversations/overdue/count", &[], None).await?;
        wire::count_of(&v)
            .or_else(|| ["count", "overdue", "total"].iter().find_map(|k| v.get(*k).and_then(wire::count_of)))
            .ok_or_else(|| ProviderError::Malformed("Iron sent an overdue count without a number".into()))
    }

    /// The SLA config as Iron sends it (unpublished shape, so left as JSON).
    pub async fn sla_config(&self) -> ProviderResult<Value> {
        self.call(Method::GET, "/conversations/sla", &[], None).await
    }

    pub(super) async fn sla_line(&self) -> ProviderResult<Option<Sla>> {
        let overdue = self.overdue_count().await?;
        // A target in minutes, if the config has one under a name we know.
        let target = self.sla_config().await.ok().and_then(|v| {
            ["first_response_minutes", "response_minutes", "minutes", "target_minutes"]
                .iter()
                .find_map(|k| v.get(*k).and_then(Value::as_u64))
                .map(|m| format!("first reply in {m} min"))
        });
        Ok(Some(Sla { overdue, target }))
    }
}
