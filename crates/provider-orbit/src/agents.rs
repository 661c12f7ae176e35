//! Orbit's Agents API (`vendors/orbit-agents.txt`): the console's list, detail,
//! create/update from the agent's own file, deploy, pause, resume, delete, the
//! streamed chat, and the agents' conversations. Shapes are the page's; the fields
//! the newer docs add (`active_conversations`, `total_tokens`…) are read when there.

use std::time::Instant;

use futures::StreamExt;
use futures::stream::BoxStream;
use reqwest::Method;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{Value, json};

use super::wire::Envelope;
use super::{MAX_PAGE, OrbitProvider};
use frontdesk_domain::text::{sanitize, sanitize_line};
use frontdesk_domain::{
    AgentConfig, AgentConversation, AgentMessage, AgentStatus, AiAgent, AiAgentDetail, ChatEvent, Data, Deployment,
    Page, ToolUse,
};
use frontdesk_provider::agents::AiAgents;
use frontdesk_provider::http::{answer_body, network, secret_header, urlencode};
use frontdesk_provider::{ProviderError, ProviderFuture};

#[derive(Deserialize)]
struct WireAgent {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    channels: Option<Vec<String>>,
    #[serde(default)]
    deployed_channels: Option<Vec<String>>,
    #[serde(default)]
    tools_count: Option<u32>,
    #[serde(default)]
    tools: Option<Vec<Value>>,
    #[serde(default)]
    active_conversations: Option<u32>,
    #[serde(default)]
    conversation_count: Option<u32>,
    #[serde(default)]
    total_tokens: Option<u64>,
    #[serde(default)]
    last_active_at: Option<jiff::Timestamp>,
    #[serde(default)]
    created_at: Option<jiff::Timestamp>,
}

impl WireAgent {
    fn into_domain(self) -> AiAgent {
        let line = |s: Option<String>| sanitize_line(s.as_deref().unwrap_or_default());
        AiAgent {
            name: sanitize_line(self.name.as_deref().unwrap_or(&self.id)),
            id: self.id,
            kind: line(self.kind),
            model: line(self.model),
            status: AgentStatus::parse(self.status.as_deref().unwrap_or("draft")),
            channels: self
                .channels
                .or(self.deployed_channels)
                .unwrap_or_default()
                .iter()
                .map(|c| sanitize_line(c))
                .collect(),
            tools: self.tools_count.or_else(|| self.tools.as_ref().and_then(|t| u32::try_from(t.len()).ok())),
            active_conversations: self.active_conversations,
            conversations: self.conversation_count,
            total_tokens: self.total_tokens,
            last_active_at: self.last_active_at,
            created_at: self.created_at,
        }
    }
}

#[derive(Deserialize)]
struct WireDeployment {
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    deployed_channels: Vec<String>,
    #[serde(default)]
    bound_number: Option<String>,
    #[serde(default)]
    deployed_at: Option<jiff::Timestamp>,
}

#[derive(Deserialize)]
struct WireConversation {
    id: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    contact: Option<Value>,
    #[serde(default)]
    message_count: Option<u32>,
    #[serde(default)]
    started_at: Option<jiff::Timestamp>,
    #[serde(default)]
    created_at: Option<jiff::Timestamp>,
    #[serde(default)]
    last_message_at: Option<jiff::Timestamp>,
    #[serde(default)]
    updated_at: Option<jiff::Timestamp>,
}

#[derive(Deserialize)]
struct WireTool {
    #[serde(default, alias = "name")]
    tool: String,
    #[serde(default)]
    input: Value,
    #[serde(default)]
    output: Option<Value>,
}

#[derive(Deserialize)]
struct WireMessage {
    #[serde(default)]
    id: Option<String>,
    #[serde(default)]
    role: Option<String>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<WireTool>,
    #[serde(default)]
    created_at: Option<jiff::Timestamp>,
}

/// The one-shot answer, when Orbit does not stream.
#[derive(Deserialize)]
struct WireReply {
    #[serde(default)]
    conversation_id: Option<String>,
    #[serde(default)]
    content: Option<String>,
    #[serde(default)]
    tool_calls: Vec<WireTool>,
    #[serde(default)]
    tokens_used: Option<Tokens>,
    #[serde(default)]
    latency_ms: Option<u64>,
}

#[derive(Default, Deserialize)]
struct Tokens {
    #[serde(default)]
    input: Option<u64>,
    #[serde(default)]
    output: Option<u64>,
}

#[derive(Deserialize)]
struct WireDone {
    #[serde(default)]
    conversation_id: Option<String>,
    #[serde(default)]
    tokens_used: Option<Tokens>,
    #[serde(default)]
    latency_ms: Option<u64>,
}

fn agent_path(id: &str, rest: &str) -> String {
    format!("/agents/{}{rest}", urlencode(id))
}

/// A tool's input or output as the thread can show it: escapes and all gone.
/// Orbit's JSON as the domain's typed value, its text sanitised on the way.
fn clean_value(v: Value) -> Data {
    match v {
        Value::Null => Data::Null,
        Value::Bool(b) => Data::Bool(b),
        Value::Number(n) => n.as_i64().map_or_else(|| Data::Float(n.as_f64().unwrap_or_default()), Data::Integer),
        Value::String(s) => Data::Text(sanitize(&s)),
        Value::Array(a) => Data::List(a.into_iter().map(clean_value).collect()),
        Value::Object(o) => Data::Table(o.into_iter().map(|(k, v)| (sanitize_line(&k), clean_value(v))).collect()),
    }
}

/// One SSE event of a chat turn.
fn chat_event(name: Option<&str>, data: &str, started: Instant) -> Option<ChatEvent> {
    let Ok(v) = serde_json::from_str::<Value>(data) else {
        // An error said in plain text is still the error.
        return (name == Some("error")).then(|| ChatEvent::Failed(sanitize_line(data)));
    };
    let text = |key: &str| v.get(key).and_then(Value::as_str).map(sanitize);
    Some(match name.unwrap_or("chunk") {
        "chunk" | "message" | "delta" => ChatEvent::Chunk(text("content").or_else(|| text("text"))?),
        "tool_call" => ChatEvent::ToolCall {
            tool: text("tool").or_else(|| text("name")).unwrap_or_default(),
            input: clean_value(v.get("input").cloned().unwrap_or(Value::Null)),
        },
        "tool_result" => ChatEvent::ToolResult {
            tool: text("tool").or_else(|| text("name")).unwrap_or_default(),
            output: clean_value(v.get("output").cloned().unwrap_or(Value::Null)),
        },
        "done" => {
            let d: WireDone = serde_json::from_value(v).ok()?;
            let t = d.tokens_used.unwrap_or_default();
            ChatEvent::Done {
                conversation: d.conversation_id,
                tokens_in: t.input,
                tokens_out: t.output,
                latency_ms: d.latency_ms.or_else(|| u64::try_from(started.elapsed().as_millis()).ok()),
            }
        }
        "error" if v.is_null() => return None,
        "error" => ChatEvent::Failed(
            text("message")
                .or_else(|| v.pointer("/error/message").and_then(Value::as_str).map(sanitize))
                .unwrap_or_else(|| "the agent failed".into()),
        ),
        _ => return None,
    })
}

fn reply_events(r: WireReply, started: Instant) -> Vec<ChatEvent> {
    let mut out = Vec::new();
    for t in r.tool_calls {
        let tool = sanitize_line(&t.tool);
        out.push(ChatEvent::ToolCall { tool: tool.clone(), input: clean_value(t.input) });
        if let Some(output) = t.output {
            out.push(ChatEvent::ToolResult { tool, output: clean_value(output) });
        }
    }
    if let Some(c) = r.content {
        out.push(ChatEvent::Chunk(sanitize(&c)));
    }
    let t = r.tokens_used.unwrap_or_default();
    out.push(ChatEvent::Done {
        conversation: r.conversation_id,
        tokens_in: t.input,
        tokens_out: t.output,
        latency_ms: r.latency_ms.or_else(|| u64::try_from(started.elapsed().as_millis()).ok()),
    });
    out
}

/// The fields Orbit sets itself: not the agent's to edit, and never sent back.
const SET_BY_ORBIT: [&str; 12] = [
    "id",
    "status",
    "created_at",
    "updated_at",
    "tools_count",
    "deployed_channels",
    "deployed_at",
    "bound_number",
    "active_conversations",
    "conversation_count",
    "total_tokens",
    "last_active_at",
];

/// An Orbit agent as the configuration the agent edits: its `system_prompt` apart,
/// the rest as settings, without what Orbit sets and without nulls (no file can say
/// null), their text sanitised.
pub(crate) fn config_of(data: Value) -> AgentConfig {
    let Value::Object(fields) = without_nulls(data) else { return AgentConfig::default() };
    let mut config = AgentConfig::default();
    for (name, value) in fields {
        if SET_BY_ORBIT.contains(&name.as_str()) {
            continue;
        }
        if name == "system_prompt" {
            config.system_prompt = value.as_str().map(str::to_owned);
            continue;
        }
        config.settings.insert(sanitize_line(&name), clean_value(value));
    }
    config
}

/// The configuration as Orbit's create and update calls take it.
pub(crate) fn body_of(config: &AgentConfig) -> Value {
    let mut body = serde_json::Map::new();
    if let Some(prompt) = &config.system_prompt {
        body.insert("system_prompt".to_owned(), Value::String(prompt.clone()));
    }
    for (name, setting) in &config.settings {
        // `Data` serialises as the JSON it reads like (a float that is not a number as null).
        body.insert(name.clone(), serde_json::to_value(setting).unwrap_or(Value::Null));
    }
    Value::Object(body)
}

fn without_nulls(v: Value) -> Value {
    match v {
        Value::Object(o) => {
            Value::Object(o.into_iter().filter(|(_, v)| !v.is_null()).map(|(k, v)| (k, without_nulls(v))).collect())
        }
        Value::Array(a) => Value::Array(a.into_iter().filter(|v| !v.is_null()).map(without_nulls).collect()),
        other => other,
    }
}

impl OrbitProvider {
    async fn get_agent(&self, id: &str) -> Result<AiAgentDetail, ProviderError> {
        let e: Envelope<Value> = self.call(self.request(Method::GET, &agent_path(id, ""))).await?;
        let agent: WireAgent = serde_json::from_value(e.data.clone())
            .map_err(|err| ProviderError::Malformed(format!("Orbit agent: {err}")))?;
        Ok(AiAgentDetail { agent: agent.into_domain(), config: config_of(e.data) })
    }

    async fn agent_answer(&self, req: reqwest::RequestBuilder) -> Result<AiAgent, ProviderError> {
        let e: Envelope<WireAgent> = self.call(req).await?;
        Ok(e.data.into_domain())
    }
}

impl AiAgents for OrbitProvider {
    fn list_agents(&self, status: Option<AgentStatus>, cursor: Option<String>) -> ProviderFuture<'_, Page<AiAgent>> {
        Box::pin(async move {
            let mut params = vec![("limit", MAX_PAGE.to_string())];
            if let Some(s) = status {
                params.push(("status", s.as_str().to_owned()));
            }
            if let Some(c) = cursor {
                params.push(("cursor", c));
            }
            let e: Envelope<Vec<Value>> = self.call(self.request(Method::GET, "/agents").query(&params)).await?;
            let items = e
                .data
                .into_iter()
                .filter_map(|v| {
                    serde_json::from_value::<WireAgent>(v)
                        .inspect_err(|err| tracing::warn!(error = %err, "skipped an unreadable agent"))
                        .ok()
                })
                .map(WireAgent::into_domain)
                .collect();
            Ok(Page { items, next_cursor: e.meta.next(), prev_cursor: None })
        })
    }

    fn agent(&self, id: String) -> ProviderFuture<'_, AiAgentDetail> {
        Box::pin(async move { self.get_agent(&id).await })
    }

    fn create_agent(&self, config: AgentConfig) -> ProviderFuture<'_, AiAgent> {
        Box::pin(async move { self.agent_answer(self.request(Method::POST, "/agents").json(&body_of(&config))).await })
    }

    fn update_agent(&self, id: String, config: AgentConfig) -> ProviderFuture<'_, AiAgent> {
        Box::pin(async move {
            self.agent_answer(self.request(Method::PUT, &agent_path(&id, "")).json(&body_of(&config))).await
        })
    }

    fn delete_agent(&self, id: String) -> ProviderFuture<'_, ()> {
        Box::pin(async move { self.send(self.request(Method::DELETE, &agent_path(&id, ""))).await.map(|_| ()) })
    }

    fn deploy(&self, id: String, channels: Vec<String>, number: Option<String>) -> ProviderFuture<'_, Deployment> {
        Box::pin(async move {
            let mut body = json!({});
            if !channels.is_empty() {
                body["channels"] = json!(channels);
            }
            if let Some(n) = number {
                body["number_id"] = json!(n);
            }
            let e: Envelope<WireDeployment> =
                self.call(self.request(Method::POST, &agent_path(&id, "/deploy")).json(&body)).await?;
            Ok(Deployment {
                status: AgentStatus::parse(e.data.status.as_deref().unwrap_or("active")),
                channels: e.data.deployed_channels.iter().map(|c| sanitize_line(c)).collect(),
                number: e.data.bound_number.map(|n| sanitize_line(&n)),
                at: e.data.deployed_at,
            })
        })
    }

    fn pause(&self, id: String) -> ProviderFuture<'_, AiAgentDetail> {
        Box::pin(async move {
            self.send(self.request(Method::POST, &agent_path(&id, "/pause")).json(&json!({}))).await?;
            self.get_agent(&id).await
        })
    }

    fn resume(&self, id: String) -> ProviderFuture<'_, AiAgentDetail> {
        Box::pin(async move {
            self.send(self.request(Method::POST, &agent_path(&id, "/resume")).json(&json!({}))).await?;
            self.get_agent(&id).await
        })
    }

    fn chat(&self, id: String, message: String, conversation: Option<String>) -> BoxStream<'static, ChatEvent> {
        let post = self.stream_http.post(format!("{}{}", self.base, agent_path(&id, "/chat")));
        let req = secret_header(post, "X-API-Key", self.key.expose_secret())
            .header("Idempotency-Key", uuid::Uuid::now_v7().to_string())
            .header(reqwest::header::ACCEPT, "text/event-stream")
            .json(&{
                let mut body = json!({ "message": message, "stream": true });
                // Omitted, not null, to start a new conversation (as the page says).
                if let Some(c) = conversation {
                    body["conversation_id"] = json!(c);
                }
                body
            });
        let key = self.key.clone();
        Box::pin(async_stream::stream! {
            let started = Instant::now();
            let resp = match req.send().await {
                Ok(r) => r,
                Err(e) => {
                    yield ChatEvent::Failed(network(&e).to_string());
                    return;
                }
            };
            let status = resp.status();
            if !status.is_success() {
                let headers = resp.headers().clone();
                let body = answer_body(resp).await.unwrap_or_default();
                yield ChatEvent::Failed(super::error_for(status, &headers, &body).redacted(key.expose_secret()).to_string());
                return;
            }
            // Asked to stream, it streams, unless it says the answer is JSON.
            let streamed = !resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|t| t.contains("json"));
            if !streamed {
                // Orbit answered in one piece: the same events, all at once.
                match answer_body(resp).await.map(|body| serde_json::from_slice::<Envelope<WireReply>>(&body)) {
                    Ok(Ok(e)) => for ev in reply_events(e.data, started) { yield ev; },
                    Ok(Err(e)) => yield ChatEvent::Failed(format!("unexpected answer: {e}")),
                    Err(e) => yield ChatEvent::Failed(e.to_string()),
                }
                return;
            }
            let mut events = sse_stream::SseByteStream::new(resp.bytes_stream());
            while let Some(item) = events.next().await {
                match item {
                    Ok(sse) => {
                        let Some(data) = sse.data else { continue };
                        if let Some(ev) = chat_event(sse.event.as_deref(), &data, started) {
                            let end = matches!(ev, ChatEvent::Done { .. } | ChatEvent::Failed(_));
                            yield ev;
                            if end {
                                return;
                            }
                        }
                    }
                    Err(e) => {
                        tracing::info!(error = %e, "chat stream broke");
                        yield ChatEvent::Failed("the connection dropped before the agent finished".into());
                        return;
                    }
                }
            }
            yield ChatEvent::Failed("the stream ended before the agent finished".into());
        })
    }

    fn agent_conversations(&self, id: String, cursor: Option<String>) -> ProviderFuture<'_, Page<AgentConversation>> {
        Box::pin(async move {
            let mut params = vec![("limit", MAX_PAGE.to_string())];
            if let Some(c) = cursor {
                params.push(("cursor", c));
            }
            let req = self.request(Method::GET, &agent_path(&id, "/conversations")).query(&params);
            let e: Envelope<Vec<Value>> = self.call(req).await?;
            let items = e
                .data
                .into_iter()
                .filter_map(|v| {
                    serde_json::from_value::<WireConversation>(v)
                        .inspect_err(|err| tracing::warn!(error = %err, "skipped an unreadable agent conversation"))
                        .ok()
                })
                .map(|c| AgentConversation {
                    id: c.id,
                    status: sanitize_line(c.status.as_deref().unwrap_or("")),
                    contact: c.contact.as_ref().and_then(|v| {
                        v.as_str()
                            .map(str::to_owned)
                            .or_else(|| v.get("name").and_then(Value::as_str).map(str::to_owned))
                            .map(|s| sanitize_line(&s))
                    }),
                    messages: c.message_count,
                    started_at: c.started_at.or(c.created_at),
                    last_message_at: c.last_message_at.or(c.updated_at),
                })
                .collect();
            Ok(Page { items, next_cursor: e.meta.next(), prev_cursor: None })
        })
    }

    fn agent_messages(&self, id: String, conversation: String) -> ProviderFuture<'_, Vec<AgentMessage>> {
        Box::pin(async move {
            let path = agent_path(&id, &format!("/conversations/{}/messages", urlencode(&conversation)));
            let mut all = Vec::new();
            let mut cursor: Option<String> = None;
            // The whole conversation, page by page (bounded: a runaway cursor ends).
            for _ in 0..50 {
                let mut req = self.request(Method::GET, &path).query(&[("limit", MAX_PAGE)]);
                if let Some(c) = &cursor {
                    req = req.query(&[("cursor", c)]);
                }
                let e: Envelope<Vec<Value>> = self.call(req).await?;
                all.extend(e.data.into_iter().filter_map(|v| serde_json::from_value::<WireMessage>(v).ok()));
                cursor = e.meta.next();
                if cursor.is_none() {
                    break;
                }
            }
            Ok(all
                .into_iter()
                .enumerate()
                .map(|(n, m)| AgentMessage {
                    id: m.id.unwrap_or_else(|| format!("message-{n}")),
                    role: sanitize_line(m.role.as_deref().unwrap_or("assistant")),
                    content: sanitize(m.content.as_deref().unwrap_or_default()),
                    tools: m
                        .tool_calls
                        .into_iter()
                        .map(|t| ToolUse {
                            tool: sanitize_line(&t.tool),
                            input: clean_value(t.input),
                            output: t.output.map(clean_value),
                        })
                        .collect(),
                    created_at: m.created_at,
                })
                .collect())
        })
    }
}
