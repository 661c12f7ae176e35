//! What the benches share about the demo's history (`frontdesk demo --conversations N`,
//! `demo::bulk`): the words to search it by.

use anyhow::{Context, Result, bail};
use serde_json::Value;

/// An order number that one conversation's thread holds.
pub async fn rare_word(http: &reqwest::Client, key: &str, url: &str) -> Result<String> {
    let page: Value =
        http.get(format!("{url}/v1/conversations?limit=20&q=KH")).bearer_auth(key).send().await?.json().await?;
    for c in page["items"].as_array().context("items")? {
        let id = c["id"].as_str().context("id")?;
        let thread: Value =
            http.get(format!("{url}/v1/conversations/{id}/messages")).bearer_auth(key).send().await?.json().await?;
        for m in thread["items"].as_array().context("messages")? {
            if let Some(at) = m["body"].as_str().and_then(|b| b.find("KH-")) {
                let body = m["body"].as_str().unwrap_or_default();
                return Ok(body[at..].chars().take(9).collect());
            }
        }
    }
    bail!("no order number in the first conversations")
}
