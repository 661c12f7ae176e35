//! Contract tests for the Orbit AI Agents adapter (`crates/provider-orbit/src/agents.rs`).
//!
//! The fixtures are Orbit's own: the example bodies of `vendors/orbit-agents.txt`,
//! field for field, plus the list-row fields `vendors/NOTES.md` adds from the newer
//! docs (`active_conversations`, `conversation_count`, `total_tokens`,
//! `last_active_at`; statuses `archived`…). The agent-conversation row was never
//! published: its fixture is modelled on the agent objects and is the one to correct.
//!
//! The plain calls run against wiremock. The streamed chat runs against a raw TCP
//! server on loopback, so the SSE body can be cut wherever a real network may cut it:
//! inside a UTF-8 character, inside `event:`/`data:`, between `\r` and `\n`.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt as _;
use futures::stream::BoxStream;
use secrecy::SecretString;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpListener;
use wiremock::matchers::{body_json, header, header_exists, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use frontdesk_domain::text::contains_escape;
use frontdesk_domain::{AgentStatus, ChatEvent};
use frontdesk_provider::agents::AiAgents;
use frontdesk_provider::{Provider as _, ProviderError};
use frontdesk_provider_orbit::OrbitProvider;

const KEY: &str = "dv_test_sk_agents_contract_9c1e";
/// Hang guard only: every scenario here ends in milliseconds.
const GUARD: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------
// Fixtures: the page's example bodies.
// ---------------------------------------------------------------------------------

fn meta(request_id: &str) -> Value {
    json!({ "request_id": request_id, "timestamp": "2026-03-08T12:00:00Z" })
}

fn paged_meta(cursor: &str, has_more: bool, total: u64) -> Value {
    json!({
        "request_id": "req_list_001",
        "timestamp": "2026-03-08T12:00:00Z",
        "pagination": { "cursor": cursor, "has_more": has_more, "total": total }
    })
}

fn ok(data: &Value, meta: &Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({ "data": data, "meta": meta }))
}

fn orbit_error(status: u16, code: &str, message: &str, details: Option<&Value>) -> ResponseTemplate {
    let mut error = json!({ "code": code, "message": message, "status": status });
    if let Some(d) = details {
        error["details"] = d.clone();
    }
    ResponseTemplate::new(status).set_body_json(json!({
        "error": error,
        "meta": {
            "request_id": "req_err_001",
            "timestamp": "2026-03-08T12:00:00Z",
            "docs_url": "https://docs.orbit.devotel.io/errors"
        }
    }))
}

/// The page's Create Agent request body.
fn create_request() -> Value {
    json!({
        "name": "Support Bot",
        "type": "conversational",
        "model": "gpt-4o",
        "system_prompt": "You are a helpful customer support agent for Acme Corp.",
        "channels": ["whatsapp", "web"],
        "tools": [
            {
                "name": "lookup_order",
                "description": "Look up order details by order ID",
                "parameters": {
                    "type": "object",
                    "properties": { "order_id": { "type": "string" } },
                    "required": ["order_id"]
                }
            }
        ],
        "guardrails": { "output_checks": ["no_pii", "no_profanity", "brand_voice"] },
        "temperature": 0.5
    })
}

/// The page's Create Agent response `data`.
fn created_agent() -> Value {
    json!({
        "id": "agt_abc123",
        "name": "Support Bot",
        "type": "conversational",
        "model": "gpt-4o",
        "status": "draft",
        "channels": ["whatsapp", "web"],
        "tools_count": 1,
        "created_at": "2026-03-08T12:00:00Z"
    })
}

/// Get Agent: "full configuration … including tools, guardrails, and deployment
/// status" — the create request's fields on the created agent, deployed.
fn agent_detail(status: &str) -> Value {
    let mut v = create_request();
    for (k, val) in [
        ("id", json!("agt_abc123")),
        ("status", json!(status)),
        ("deployed_channels", json!(["whatsapp", "voice"])),
        ("knowledge_base_ids", json!(["kb_faq_01"])),
        ("max_tokens", json!(4096)),
        ("created_at", json!("2026-03-08T12:00:00Z")),
        ("updated_at", json!("2026-03-08T12:05:00Z")),
    ] {
        v[k] = val;
    }
    v
}

/// A list row: the page's agent plus the newer docs' counters.
fn list_row(id: &str, name: &str, status: &str) -> Value {
    json!({
        "id": id,
        "name": name,
        "type": "conversational",
        "model": "claude-sonnet-4-6",
        "status": status,
        "channels": ["whatsapp", "web"],
        "tools_count": 2,
        "active_conversations": 3,
        "conversation_count": 128,
        "total_tokens": 48211,
        "last_active_at": "2026-03-08T12:30:00Z",
        "created_at": "2026-03-08T12:00:00Z"
    })
}

/// The page's non-streamed chat response `data`.
fn chat_reply() -> Value {
    json!({
        "conversation_id": "conv_abc123",
        "message_id": "amsg_001",
        "role": "assistant",
        "content": "Hi Jane! I found your order ORD-12345. It was shipped yesterday via FedEx and is expected to arrive by March 10th. The tracking number is FX-987654321.",
        "tool_calls": [
            {
                "tool": "lookup_order",
                "input": { "order_id": "ORD-12345" },
                "output": { "status": "shipped", "carrier": "FedEx", "eta": "2026-03-10" }
            }
        ],
        "tokens_used": { "input": 245, "output": 62 },
        "latency_ms": 1840
    })
}

/// The page's SSE example, byte for byte.
const PAGE_SSE: &str = r#"event: chunk
data: {"content": "Hi Jane! I found your "}

event: chunk
data: {"content": "order ORD-12345. "}

event: tool_call
data: {"tool": "lookup_order", "input": {"order_id": "ORD-12345"}}

event: tool_result
data: {"tool": "lookup_order", "output": {"status": "shipped"}}

event: chunk
data: {"content": "It was shipped yesterday..."}

event: done
data: {"conversation_id": "conv_abc123", "tokens_used": {"input": 245, "output": 62}}

"#;

fn ts(s: &str) -> jiff::Timestamp {
    s.parse().expect("a fixture timestamp")
}

async fn orbit() -> (MockServer, OrbitProvider) {
    let server = MockServer::start().await;
    let provider = provider_at(&server.uri());
    (server, provider)
}

fn provider_at(uri: &str) -> OrbitProvider {
    OrbitProvider::new("orbit-agents", &format!("{uri}/api/v1"), SecretString::from(KEY.to_owned()))
        .expect("an Orbit provider")
}

fn agents(p: &OrbitProvider) -> &dyn AiAgents {
    p.ai_agents().expect("Orbit has an agents console")
}

async fn collect(stream: BoxStream<'static, ChatEvent>) -> Vec<ChatEvent> {
    tokio::time::timeout(GUARD, stream.collect::<Vec<_>>()).await.expect("hang guard: the chat turn never ended")
}

/// Streamed `Done` carries a latency the client measured: not part of the contract.
fn without_latency(events: Vec<ChatEvent>) -> Vec<ChatEvent> {
    events
        .into_iter()
        .map(|e| match e {
            ChatEvent::Done { conversation, tokens_in, tokens_out, .. } => {
                ChatEvent::Done { conversation, tokens_in, tokens_out, latency_ms: None }
            }
            other => other,
        })
        .collect()
}

fn chunk_text(events: &[ChatEvent]) -> String {
    events.iter().filter_map(|e| if let ChatEvent::Chunk(s) = e { Some(s.as_str()) } else { None }).collect()
}

/// Every request carried the key; writes an idempotency key, reads none.
async fn assert_headers(server: &MockServer) {
    let requests = server.received_requests().await.expect("wiremock records requests");
    assert!(!requests.is_empty());
    for r in &requests {
        assert_eq!(
            r.headers.get("x-api-key").map(reqwest::header::HeaderValue::as_bytes),
            Some(KEY.as_bytes()),
            "{} {}",
            r.method,
            r.url
        );
        let idem = r.headers.get("idempotency-key");
        if r.method == wiremock::http::Method::GET {
            assert!(idem.is_none(), "a GET needs no Idempotency-Key: {}", r.url);
        } else {
            let key = idem.expect("a write carries an Idempotency-Key").to_str().expect("ascii");
            assert!(uuid::Uuid::parse_str(key).is_ok(), "the Idempotency-Key is a UUID: {key}");
        }
    }
}

// ---------------------------------------------------------------------------------
// 1. List
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn list_agents_filters_by_status_and_follows_the_cursor() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents"))
        .and(query_param("status", "paused"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ok(&json!([list_row("agt_1", "Support Bot", "paused")]), &paged_meta("cur_agt_002", true, 2)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents"))
        .and(query_param("status", "paused"))
        .and(query_param("cursor", "cur_agt_002"))
        .respond_with(ok(&json!([list_row("agt_2", "Voice Router", "paused")]), &paged_meta("cur_agt_003", false, 2)))
        .expect(1)
        .mount(&server)
        .await;

    let first = agents(&p).list_agents(Some(AgentStatus::Paused), None).await.expect("page 1");
    assert_eq!(first.next_cursor.as_deref(), Some("cur_agt_002"));
    let [a] = first.items.as_slice() else { panic!("one row: {:?}", first.items) };
    assert_eq!(a.id, "agt_1");
    assert_eq!(a.name, "Support Bot");
    assert_eq!(a.kind, "conversational");
    assert_eq!(a.model, "claude-sonnet-4-6");
    assert_eq!(a.status, AgentStatus::Paused);
    assert_eq!(a.channels, ["whatsapp", "web"]);
    assert_eq!(a.tools, Some(2));
    assert_eq!(a.active_conversations, Some(3));
    assert_eq!(a.conversations, Some(128));
    assert_eq!(a.total_tokens, Some(48211));
    assert_eq!(a.last_active_at, Some(ts("2026-03-08T12:30:00Z")));
    assert_eq!(a.created_at, Some(ts("2026-03-08T12:00:00Z")));

    let second = agents(&p).list_agents(Some(AgentStatus::Paused), first.next_cursor).await.expect("page 2");
    assert_eq!(second.items.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), ["agt_2"]);
    assert_eq!(second.next_cursor, None, "has_more false ends the paging even with a cursor");

    for r in server.received_requests().await.expect("recorded") {
        let limit: u32 =
            r.url.query_pairs().find(|(k, _)| k == "limit").and_then(|(_, v)| v.parse().ok()).expect("a limit is sent");
        assert!((1..=100).contains(&limit), "never more than 100 a page: {limit}");
    }
    assert_headers(&server).await;
}

#[tokio::test]
async fn list_agents_keeps_unknown_statuses_and_ignores_unknown_fields() {
    let (server, p) = orbit().await;
    let mut odd = list_row("agt_warm", "Warming", "warming_up");
    odd["voice_config"] = json!({ "voice": "alloy", "barge_in": true });
    odd["type"] = json!("router");
    let mut archived = list_row("agt_old", "Old Bot", "archived");
    archived["labels"] = json!(["legacy"]);
    archived["last_active_at"] = Value::Null;
    let rows =
        json!([list_row("agt_live", "Live Bot", "active"), odd, archived, list_row("agt_err", "Broken", "error")]);
    Mock::given(method("GET"))
        .and(path("/api/v1/agents"))
        .and(query_param_is_missing("status"))
        .respond_with(ok(&rows, &paged_meta("cur_agt_004", false, 4)))
        .expect(1)
        .mount(&server)
        .await;

    let page = agents(&p).list_agents(None, None).await.expect("the list");
    let got: Vec<(&str, &AgentStatus)> = page.items.iter().map(|a| (a.id.as_str(), &a.status)).collect();
    assert_eq!(
        got,
        [
            ("agt_live", &AgentStatus::Active),
            ("agt_warm", &AgentStatus::Other("warming_up".into())),
            ("agt_old", &AgentStatus::Archived),
            ("agt_err", &AgentStatus::Error),
        ]
    );
    assert_eq!(page.items[1].kind, "router");
    assert_eq!(page.items[2].last_active_at, None);
    assert_eq!(page.next_cursor, None);
}

// ---------------------------------------------------------------------------------
// 2. Get
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn get_agent_keeps_the_whole_configuration() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/agt_abc123"))
        .respond_with(ok(&agent_detail("active"), &meta("req_get_001")))
        .expect(1)
        .mount(&server)
        .await;

    let d = agents(&p).agent("agt_abc123".into()).await.expect("the agent");
    assert_eq!(d.config.system_prompt.as_deref(), Some("You are a helpful customer support agent for Acme Corp."));
    let config = serde_json::to_value(&d.config).expect("a document");
    assert_eq!(config["tools"][0]["name"], "lookup_order");
    assert_eq!(config["tools"][0]["parameters"]["required"], json!(["order_id"]));
    assert_eq!(config["guardrails"]["output_checks"], json!(["no_pii", "no_profanity", "brand_voice"]));
    assert_eq!(config["temperature"], json!(0.5));
    assert_eq!(config["knowledge_base_ids"], json!(["kb_faq_01"]));
    // What Orbit sets itself is not the agent's to edit, and is never sent back.
    for set_by_orbit in ["id", "status", "created_at", "updated_at", "deployed_channels", "total_tokens"] {
        assert!(config.get(set_by_orbit).is_none(), "{set_by_orbit} in {config}");
    }
    assert_eq!(d.agent.id, "agt_abc123");
    assert_eq!(d.agent.name, "Support Bot");
    assert_eq!(d.agent.kind, "conversational");
    assert_eq!(d.agent.model, "gpt-4o");
    assert_eq!(d.agent.status, AgentStatus::Active);
    assert_eq!(d.agent.channels, ["whatsapp", "web"]);
    assert_eq!(d.agent.tools, Some(1), "counted from the tools array when tools_count is absent");
    assert_eq!(d.agent.created_at, Some(ts("2026-03-08T12:00:00Z")));
    assert_headers(&server).await;
}

#[tokio::test]
async fn get_unknown_agent_is_not_found() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/agt_nope"))
        .respond_with(orbit_error(404, "NOT_FOUND", "Agent not found", None))
        .mount(&server)
        .await;
    let err = agents(&p).agent("agt_nope".into()).await.expect_err("404");
    assert!(matches!(err, ProviderError::NotFound(_)), "{err:?}");
}

// ---------------------------------------------------------------------------------
// 3. Create, update, delete
// ---------------------------------------------------------------------------------

/// A configuration as the agent's file says it (the request bodies of the page).
fn edited(body: Value) -> frontdesk_domain::AgentConfig {
    serde_json::from_value(body).expect("a configuration")
}

#[tokio::test]
async fn create_agent_posts_the_configuration_and_reads_the_new_agent() {
    let (server, p) = orbit().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents"))
        .and(body_json(create_request()))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "data": created_agent(),
            "meta": meta("req_agt_001"),
        })))
        .expect(1)
        .mount(&server)
        .await;

    let a = agents(&p).create_agent(edited(create_request())).await.expect("created");
    assert_eq!(a.id, "agt_abc123");
    assert_eq!(a.name, "Support Bot");
    assert_eq!(a.kind, "conversational");
    assert_eq!(a.model, "gpt-4o");
    assert_eq!(a.status, AgentStatus::Draft);
    assert_eq!(a.channels, ["whatsapp", "web"]);
    assert_eq!(a.tools, Some(1));
    assert_eq!(a.created_at, Some(ts("2026-03-08T12:00:00Z")));
    assert_eq!((a.active_conversations, a.conversations, a.total_tokens, a.last_active_at), (None, None, None, None));
    assert_headers(&server).await;
}

#[tokio::test]
async fn update_agent_puts_the_configuration() {
    let (server, p) = orbit().await;
    let mut config = create_request();
    config["system_prompt"] = json!("You are Acme's support agent. Be brief.");
    config["temperature"] = json!(0.2);
    let mut updated = created_agent();
    updated["name"] = json!("Support Bot v2");
    updated["status"] = json!("active");
    Mock::given(method("PUT"))
        .and(path("/api/v1/agents/agt_abc123"))
        .and(body_json(config.clone()))
        .respond_with(ok(&updated, &meta("req_agt_002")))
        .expect(1)
        .mount(&server)
        .await;

    let a = agents(&p).update_agent("agt_abc123".into(), edited(config)).await.expect("updated");
    assert_eq!((a.id.as_str(), a.name.as_str(), &a.status), ("agt_abc123", "Support Bot v2", &AgentStatus::Active));
    assert_headers(&server).await;
}

#[tokio::test]
async fn delete_agent_accepts_204_and_reports_404() {
    let (server, p) = orbit().await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/agents/agt_abc123"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/v1/agents/agt_gone"))
        .respond_with(orbit_error(404, "NOT_FOUND", "Agent not found", None))
        .expect(1)
        .mount(&server)
        .await;

    agents(&p).delete_agent("agt_abc123".into()).await.expect("204 No Content is success");
    let err = agents(&p).delete_agent("agt_gone".into()).await.expect_err("404");
    assert!(matches!(err, ProviderError::NotFound(_)), "{err:?}");
    assert_headers(&server).await;
}

// ---------------------------------------------------------------------------------
// 4. Deploy
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn deploy_sends_channels_and_number_and_reads_the_deployment() {
    let (server, p) = orbit().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/agt_abc123/deploy"))
        .and(body_json(json!({ "channels": ["whatsapp", "voice"], "number_id": "num_xyz789" })))
        .respond_with(ok(
            &json!({
                "id": "agt_abc123",
                "status": "active",
                "deployed_channels": ["whatsapp", "voice"],
                "bound_number": "+14155550100",
                "deployed_at": "2026-03-08T12:00:00Z"
            }),
            &meta("req_deploy_001"),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let d = agents(&p)
        .deploy("agt_abc123".into(), vec!["whatsapp".into(), "voice".into()], Some("num_xyz789".into()))
        .await
        .expect("deployed");
    assert_eq!(d.status, AgentStatus::Active);
    assert_eq!(d.channels, ["whatsapp", "voice"]);
    assert_eq!(d.number.as_deref(), Some("+14155550100"));
    assert_eq!(d.at, Some(ts("2026-03-08T12:00:00Z")));
    assert_headers(&server).await;
}

#[tokio::test]
async fn deploy_without_channels_sends_no_channels_key() {
    let (server, p) = orbit().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/agt_abc123/deploy"))
        .respond_with(ok(
            &json!({ "id": "agt_abc123", "status": "active", "deployed_channels": ["whatsapp", "web"] }),
            &meta("req_deploy_002"),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let d = agents(&p).deploy("agt_abc123".into(), Vec::new(), None).await.expect("deployed");
    assert_eq!(d.channels, ["whatsapp", "web"], "the agent's own channels, as Orbit says");
    assert_eq!(d.number, None);

    let requests = server.received_requests().await.expect("recorded");
    let body: Value = serde_json::from_slice(&requests[0].body).expect("a JSON body");
    assert!(body.get("channels").is_none(), "no override means no `channels` key: {body}");
    assert!(body.get("number_id").is_none(), "{body}");
}

// ---------------------------------------------------------------------------------
// 5. Pause / resume
// ---------------------------------------------------------------------------------

/// Orbit's agent, whose status the pause and resume calls change.
#[derive(Clone)]
struct AgentState(Arc<Mutex<&'static str>>);

struct SetStatus(AgentState, &'static str);

impl Respond for SetStatus {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        *(self.0).0.lock().expect("state lock") = self.1;
        ok(&json!({ "id": "agt_abc123", "status": self.1 }), &meta("req_state_001"))
    }
}

struct ReadAgent(AgentState);

impl Respond for ReadAgent {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        let status = *(self.0).0.lock().expect("state lock");
        ok(&agent_detail(status), &meta("req_get_002"))
    }
}

#[tokio::test]
async fn pause_and_resume_post_then_reread_the_agent() {
    let (server, p) = orbit().await;
    let state = AgentState(Arc::new(Mutex::new("active")));
    for (verb, status) in [("pause", "paused"), ("resume", "active")] {
        Mock::given(method("POST"))
            .and(path(format!("/api/v1/agents/agt_abc123/{verb}")))
            .and(header_exists("Idempotency-Key"))
            .and(header("X-API-Key", KEY))
            .respond_with(SetStatus(state.clone(), status))
            .expect(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/agt_abc123"))
        .respond_with(ReadAgent(state.clone()))
        .expect(2)
        .mount(&server)
        .await;

    let paused = agents(&p).pause("agt_abc123".into()).await.expect("paused");
    assert_eq!(paused.agent.status, AgentStatus::Paused);
    let resumed = agents(&p).resume("agt_abc123".into()).await.expect("resumed");
    assert_eq!(resumed.agent.status, AgentStatus::Active);

    let order: Vec<String> = server
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .map(|r| format!("{} {}", r.method, r.url.path()))
        .collect();
    assert_eq!(
        order,
        [
            "POST /api/v1/agents/agt_abc123/pause",
            "GET /api/v1/agents/agt_abc123",
            "POST /api/v1/agents/agt_abc123/resume",
            "GET /api/v1/agents/agt_abc123",
        ]
    );
    assert_headers(&server).await;
}

// ---------------------------------------------------------------------------------
// 6. Chat, answered in one piece
// ---------------------------------------------------------------------------------

#[tokio::test]
async fn chat_answered_as_json_becomes_the_same_events() {
    let (server, p) = orbit().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/agt_abc123/chat"))
        .and(header("X-API-Key", KEY))
        .and(header_exists("Idempotency-Key"))
        .respond_with(ok(&chat_reply(), &meta("req_chat_001")))
        .expect(1)
        .mount(&server)
        .await;

    let events =
        collect(agents(&p).chat("agt_abc123".into(), "What is the status of order ORD-12345?".into(), None)).await;
    assert_eq!(
        events,
        [
            ChatEvent::ToolCall {
                tool: "lookup_order".into(),
                input: crate::support::data(json!({ "order_id": "ORD-12345" }))
            },
            ChatEvent::ToolResult {
                tool: "lookup_order".into(),
                output: crate::support::data(json!({ "status": "shipped", "carrier": "FedEx", "eta": "2026-03-10" })),
            },
            ChatEvent::Chunk(chat_reply()["content"].as_str().expect("content").to_owned()),
            ChatEvent::Done {
                conversation: Some("conv_abc123".into()),
                tokens_in: Some(245),
                tokens_out: Some(62),
                latency_ms: Some(1840),
            },
        ]
    );
    let requests = server.received_requests().await.expect("recorded");
    let body: Value = serde_json::from_slice(&requests[0].body).expect("a JSON body");
    assert_eq!(body["message"], "What is the status of order ORD-12345?");
}

#[tokio::test]
async fn chat_rate_limited_fails_the_turn_saying_so() {
    let (server, p) = orbit().await;
    Mock::given(method("POST"))
        .and(path("/api/v1/agents/agt_abc123/chat"))
        .respond_with(orbit_error(
            429,
            "RATE_LIMITED",
            "Agent chat is limited to 20 requests per minute",
            Some(&json!({ "retry_after": 30 })),
        ))
        .expect(1)
        .mount(&server)
        .await;

    let events = collect(agents(&p).chat("agt_abc123".into(), "Hello".into(), None)).await;
    let [ChatEvent::Failed(why)] = events.as_slice() else { panic!("one Failed: {events:?}") };
    assert!(why.to_lowercase().contains("rate limit"), "{why}");
    assert!(why.contains("30"), "the wait Orbit gave is said: {why}");
}

// ---------------------------------------------------------------------------------
// 7–8. Chat, streamed, from a raw socket
// ---------------------------------------------------------------------------------

#[derive(Clone, Copy)]
enum Framing {
    /// `Transfer-Encoding: chunked`, each part its own chunk, the last chunk sent.
    Chunked,
    /// `Transfer-Encoding: chunked`, the socket closed without the last chunk.
    ChunkedCut,
    /// No length: the body ends when the socket closes.
    Close,
}

/// The request the raw server read: its head and its body.
struct Captured {
    head: String,
    body: Vec<u8>,
}

/// Serves one SSE response, written in `parts` with `pause` between them; answers
/// the request it read.
async fn raw_sse(
    parts: Vec<Vec<u8>>,
    framing: Framing,
    pause: Duration,
) -> (String, tokio::task::JoinHandle<Captured>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let uri = format!("http://{}", listener.local_addr().expect("an address"));
    let task = tokio::spawn(async move {
        let (mut sock, _) = listener.accept().await.expect("the client connects");
        sock.set_nodelay(true).expect("nodelay");
        let captured = read_request(&mut sock).await;
        let framing_header = match framing {
            Framing::Chunked | Framing::ChunkedCut => "Transfer-Encoding: chunked\r\n",
            Framing::Close => "Connection: close\r\n",
        };
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n{framing_header}\r\n"
        );
        // The client may hang up after `done`: a failed write is not the test's failure.
        if sock.write_all(head.as_bytes()).await.is_err() {
            return captured;
        }
        for part in parts {
            tokio::time::sleep(pause).await;
            let bytes = match framing {
                Framing::Chunked | Framing::ChunkedCut => {
                    [format!("{:x}\r\n", part.len()).into_bytes(), part, b"\r\n".to_vec()].concat()
                }
                Framing::Close => part,
            };
            if sock.write_all(&bytes).await.is_err() {
                return captured;
            }
        }
        if matches!(framing, Framing::Chunked) {
            sock.write_all(b"0\r\n\r\n").await.ok();
        }
        sock.shutdown().await.ok();
        captured
    });
    (uri, task)
}

async fn read_request(sock: &mut tokio::net::TcpStream) -> Captured {
    let mut buf = Vec::new();
    let mut tmp = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = sock.read(&mut tmp).await.expect("the request");
        assert!(n > 0, "the client hung up mid-request");
        buf.extend_from_slice(&tmp[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length").then(|| value.trim().parse().ok())?
        })
        .expect("a JSON body with a length");
    while buf.len() < head_end + length {
        let n = sock.read(&mut tmp).await.expect("the request body");
        assert!(n > 0, "the client hung up mid-body");
        buf.extend_from_slice(&tmp[..n]);
    }
    Captured { head, body: buf[head_end..head_end + length].to_vec() }
}

/// `body` cut just after each of `marks`, each found after the previous cut.
fn cut_after(body: &[u8], marks: &[&[u8]]) -> Vec<Vec<u8>> {
    let mut parts = Vec::new();
    let mut from = 0;
    for mark in marks {
        let at = body[from..]
            .windows(mark.len())
            .position(|w| w == *mark)
            .unwrap_or_else(|| panic!("{:?} is in the body", String::from_utf8_lossy(mark)))
            + from
            + mark.len();
        parts.push(body[from..at].to_vec());
        from = at;
    }
    parts.push(body[from..].to_vec());
    parts
}

fn bytewise(body: &[u8]) -> Vec<Vec<u8>> {
    body.iter().map(|b| vec![*b]).collect()
}

/// Runs one streamed turn against the raw server; returns the events and the request.
async fn streamed_turn(parts: Vec<Vec<u8>>, framing: Framing, pause: Duration) -> (Vec<ChatEvent>, Captured) {
    let (uri, server) = raw_sse(parts, framing, pause).await;
    let p = provider_at(&uri);
    let events =
        collect(agents(&p).chat("agt_abc123".into(), "What is the status of order ORD-12345?".into(), None)).await;
    let captured = tokio::time::timeout(GUARD, server).await.expect("hang guard: the server ended").expect("no panic");
    (events, captured)
}

fn page_events() -> Vec<ChatEvent> {
    vec![
        ChatEvent::Chunk("Hi Jane! I found your ".into()),
        ChatEvent::Chunk("order ORD-12345. ".into()),
        ChatEvent::ToolCall {
            tool: "lookup_order".into(),
            input: crate::support::data(json!({ "order_id": "ORD-12345" })),
        },
        ChatEvent::ToolResult {
            tool: "lookup_order".into(),
            output: crate::support::data(json!({ "status": "shipped" })),
        },
        ChatEvent::Chunk("It was shipped yesterday...".into()),
        ChatEvent::Done {
            conversation: Some("conv_abc123".into()),
            tokens_in: Some(245),
            tokens_out: Some(62),
            latency_ms: None,
        },
    ]
}

fn assert_chat_request(c: &Captured) {
    let request_line = c.head.lines().next().expect("a request line");
    assert_eq!(request_line, "POST /api/v1/agents/agt_abc123/chat HTTP/1.1");
    let has = |name: &str, value: Option<&str>| {
        c.head.lines().any(|l| {
            l.split_once(':').is_some_and(|(n, v)| n.eq_ignore_ascii_case(name) && value.is_none_or(|x| v.trim() == x))
        })
    };
    assert!(has("x-api-key", Some(KEY)), "{}", c.head);
    assert!(has("idempotency-key", None), "{}", c.head);
    let body: Value = serde_json::from_slice(&c.body).expect("a JSON body");
    assert_eq!(body["stream"], json!(true), "{body}");
    assert_eq!(body["message"], "What is the status of order ORD-12345?", "{body}");
}

#[tokio::test]
async fn chat_streams_the_pages_events_cut_inside_fields() {
    let body = PAGE_SSE.as_bytes();
    // Inside `event:`, inside `data:`, inside a JSON string, inside the blank line.
    let parts = cut_after(
        body,
        &[
            b"eve",
            b"da",
            b"event: ch",
            b"data:",
            b" {\"content\": \"order ORD-",
            b"\n",
            b"tool_re",
            b"yesterday..",
            b"event: do",
        ],
    );
    let (events, captured) = streamed_turn(parts, Framing::Close, Duration::from_millis(15)).await;
    assert_eq!(without_latency(events), page_events());
    assert_chat_request(&captured);
}

#[tokio::test]
async fn chat_streams_the_pages_events_one_byte_at_a_time() {
    let (events, captured) = streamed_turn(bytewise(PAGE_SSE.as_bytes()), Framing::Chunked, Duration::ZERO).await;
    assert_eq!(without_latency(events), page_events());
    assert_chat_request(&captured);
}

/// The page's stream with CRLF line ends and text that is not ASCII.
fn crlf_sse() -> (String, String) {
    let texts = ["Bonjour Jane\u{a0}! Votre café ", "est prêt ✓ — 注文 ", "ORD-12345 🚚 arrive demain."];
    let mut sse = String::new();
    for t in texts {
        write!(sse, "event: chunk\r\ndata: {}\r\n\r\n", json!({ "content": t })).expect("writing to a String");
    }
    sse.push_str(
        "event: done\r\ndata: {\"conversation_id\": \"conv_abc123\", \"tokens_used\": {\"input\": 245, \"output\": 62}}\r\n\r\n",
    );
    (sse, texts.concat())
}

fn crlf_done() -> ChatEvent {
    ChatEvent::Done {
        conversation: Some("conv_abc123".into()),
        tokens_in: Some(245),
        tokens_out: Some(62),
        latency_ms: None,
    }
}

#[tokio::test]
async fn chat_stream_cut_inside_characters_and_crlf_keeps_the_text_exact() {
    let (sse, texts) = crlf_sse();
    let parts = cut_after(
        sse.as_bytes(),
        &[
            // First event: inside é, then between the data line's \r and \n.
            b"caf\xc3",
            b"\r",
            // Second event: inside `event:`, inside `data:`, inside ✓ and 注, then
            // between the \r and \n of the blank line.
            b"eve",
            b"d",
            &"✓".as_bytes()[..2],
            &"注".as_bytes()[..1],
            b"\r\n\r",
            // Third event: inside 🚚; then `done` cut inside its event line's CRLF.
            &"🚚".as_bytes()[..3],
            b"event: done\r",
        ],
    );
    assert!(parts.iter().any(|p| std::str::from_utf8(p).is_err()), "some part ends inside a character");
    let (events, captured) = streamed_turn(parts, Framing::Close, Duration::from_millis(15)).await;
    assert_eq!(chunk_text(&events), texts);
    assert_eq!(events.iter().filter(|e| matches!(e, ChatEvent::Chunk(_))).count(), 3, "{events:?}");
    assert_eq!(without_latency(events).last(), Some(&crlf_done()));
    assert_chat_request(&captured);
}

#[tokio::test]
async fn chat_stream_with_crlf_one_byte_at_a_time_keeps_the_text_exact() {
    let (sse, texts) = crlf_sse();
    let (events, _) = streamed_turn(bytewise(sse.as_bytes()), Framing::Chunked, Duration::ZERO).await;
    assert_eq!(chunk_text(&events), texts);
    assert_eq!(without_latency(events).last(), Some(&crlf_done()));
}

#[tokio::test]
async fn chat_error_event_fails_the_turn_with_its_message() {
    let sse = "event: chunk\ndata: {\"content\": \"Let me check\"}\n\n\
               event: error\ndata: {\"message\": \"The model provider timed out\"}\n\n";
    let (events, _) = streamed_turn(vec![sse.as_bytes().to_vec()], Framing::Chunked, Duration::ZERO).await;
    assert_eq!(
        events,
        [ChatEvent::Chunk("Let me check".into()), ChatEvent::Failed("The model provider timed out".into())]
    );
}

#[tokio::test]
async fn chat_stream_closed_before_done_fails_saying_it_ended_early() {
    let sse = "event: chunk\ndata: {\"content\": \"Hi Jane! I found your \"}\n\n\
               event: tool_call\ndata: {\"tool\": \"lookup_order\", \"input\": {\"order_id\": \"ORD-12345\"}}\n\n";
    let (events, _) = streamed_turn(vec![sse.as_bytes().to_vec()], Framing::Close, Duration::ZERO).await;
    let [ChatEvent::Chunk(c), ChatEvent::ToolCall { .. }, ChatEvent::Failed(why)] = events.as_slice() else {
        panic!("a chunk, a tool call, then Failed: {events:?}")
    };
    assert_eq!(c, "Hi Jane! I found your ");
    assert!(why.contains("ended before"), "{why}");
}

#[tokio::test]
async fn chat_stream_cut_mid_chunked_body_fails_the_turn() {
    // The connection drops inside the chunked body, with half an event sent.
    let sse = "event: chunk\ndata: {\"content\": \"Hi Jane! \"}\n\nevent: done\ndata: {\"conversation_id\": \"conv_";
    let (events, _) = streamed_turn(vec![sse.as_bytes().to_vec()], Framing::ChunkedCut, Duration::ZERO).await;
    let [ChatEvent::Chunk(c), ChatEvent::Failed(why)] = events.as_slice() else {
        panic!("a chunk then Failed: {events:?}")
    };
    assert_eq!(c, "Hi Jane! ");
    assert!(why.contains("dropped before") || why.contains("ended before"), "says the stream was cut: {why}");
}

#[tokio::test]
async fn chat_stream_drops_escape_sequences() {
    let sse = concat!(
        "event: chunk\n",
        r#"data: {"content": "Copy this: \u001b]52;c;cm0gLXJmIH4=\u0007done. \u001b[31mred\u001b[0m \u009b2J"}"#,
        "\n\n",
        "event: tool_call\n",
        r#"data: {"tool": "lookup\u001b[2Korder", "input": {"order_id": "\u001b]8;;https://evil.example\u0007ORD-1"}}"#,
        "\n\n",
        "event: done\n",
        r#"data: {"conversation_id": "conv_abc123", "tokens_used": {"input": 1, "output": 2}}"#,
        "\n\n",
    );
    let (events, _) = streamed_turn(vec![sse.as_bytes().to_vec()], Framing::Chunked, Duration::ZERO).await;
    let [ChatEvent::Chunk(text), ChatEvent::ToolCall { tool, input }, ChatEvent::Done { .. }] = events.as_slice()
    else {
        panic!("chunk, tool call, done: {events:?}")
    };
    assert!(!contains_escape(text), "{text:?}");
    assert_eq!(text, "Copy this: done. red ");
    assert!(!contains_escape(tool), "{tool:?}");
    assert_eq!(tool, "lookuporder");
    let frontdesk_domain::Data::Table(input) = input else { panic!("a table: {input:?}") };
    let order_id = input.get("order_id").and_then(frontdesk_domain::Data::as_text).expect("a string");
    assert!(!contains_escape(order_id), "{order_id:?}");
    assert_eq!(order_id, "ORD-1");
}

#[tokio::test]
async fn chat_without_a_conversation_omits_conversation_id() {
    // "conversation_id: Existing conversation ID for multi-turn. Omit to start a new
    // conversation." An explicit null is not "omitted" to a strict validator.
    let (uri, server) = raw_sse(vec![PAGE_SSE.as_bytes().to_vec()], Framing::Chunked, Duration::ZERO).await;
    let p = provider_at(&uri);
    let events = collect(agents(&p).chat("agt_abc123".into(), "Hello".into(), None)).await;
    assert!(matches!(events.last(), Some(ChatEvent::Done { .. })), "{events:?}");
    let c = tokio::time::timeout(GUARD, server).await.expect("hang guard").expect("no panic");
    let body: Value = serde_json::from_slice(&c.body).expect("a JSON body");
    assert!(body.get("conversation_id").is_none(), "a new conversation sends no conversation_id: {body}");
}

#[tokio::test]
async fn chat_in_a_conversation_sends_its_id() {
    let (uri, server) = raw_sse(vec![PAGE_SSE.as_bytes().to_vec()], Framing::Chunked, Duration::ZERO).await;
    let p = provider_at(&uri);
    let events = collect(agents(&p).chat("agt_abc123".into(), "And the ETA?".into(), Some("conv_abc123".into()))).await;
    assert!(matches!(events.last(), Some(ChatEvent::Done { .. })), "{events:?}");
    let c = tokio::time::timeout(GUARD, server).await.expect("hang guard").expect("no panic");
    let body: Value = serde_json::from_slice(&c.body).expect("a JSON body");
    assert_eq!(body["conversation_id"], "conv_abc123");
    assert_eq!(body["message"], "And the ETA?");
    assert_eq!(body["stream"], json!(true));
}

// ---------------------------------------------------------------------------------
// 9. Conversations and messages
// ---------------------------------------------------------------------------------

/// Not published: modelled on the agent objects (see the module docs).
fn conversation_row(id: &str, status: &str) -> Value {
    json!({
        "id": id,
        "status": status,
        "channel": "whatsapp",
        "contact": { "id": "cust_xyz", "name": "Jane Doe", "phone": "+14155550123" },
        "message_count": 3,
        "started_at": "2026-03-08T12:00:00Z",
        "last_message_at": "2026-03-08T12:00:15Z"
    })
}

#[tokio::test]
async fn agent_conversations_page_with_the_cursor() {
    let (server, p) = orbit().await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/agt_abc123/conversations"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ok(&json!([conversation_row("conv_abc123", "completed")]), &paged_meta("cur_conv_2", true, 2)))
        .expect(1)
        .mount(&server)
        .await;
    let mut second = conversation_row("conv_def456", "abandoned");
    second["contact"] = json!("+14155550999");
    second["sentiment"] = json!("neutral");
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/agt_abc123/conversations"))
        .and(query_param("cursor", "cur_conv_2"))
        .respond_with(ok(&json!([second]), &paged_meta("cur_conv_3", false, 2)))
        .expect(1)
        .mount(&server)
        .await;

    let first = agents(&p).agent_conversations("agt_abc123".into(), None).await.expect("page 1");
    assert_eq!(first.next_cursor.as_deref(), Some("cur_conv_2"));
    let [c] = first.items.as_slice() else { panic!("one row: {:?}", first.items) };
    assert_eq!(c.id, "conv_abc123");
    assert_eq!(c.status, "completed");
    assert_eq!(c.contact.as_deref(), Some("Jane Doe"));
    assert_eq!(c.messages, Some(3));
    assert_eq!(c.started_at, Some(ts("2026-03-08T12:00:00Z")));
    assert_eq!(c.last_message_at, Some(ts("2026-03-08T12:00:15Z")));

    let next = agents(&p).agent_conversations("agt_abc123".into(), first.next_cursor).await.expect("page 2");
    assert_eq!(next.next_cursor, None);
    let [c] = next.items.as_slice() else { panic!("one row: {:?}", next.items) };
    assert_eq!((c.id.as_str(), c.status.as_str()), ("conv_def456", "abandoned"));
    assert_eq!(c.contact.as_deref(), Some("+14155550999"));
    assert_headers(&server).await;
}

#[tokio::test]
async fn agent_conversations_read_rows_with_both_created_and_started_times() {
    // Orbit's objects carry `created_at` (the agents do); a conversation row that has
    // it beside `started_at`, and `updated_at` beside `last_message_at`, is still a row.
    let (server, p) = orbit().await;
    let mut row = conversation_row("conv_abc123", "active");
    row["created_at"] = json!("2026-03-08T12:00:00Z");
    row["updated_at"] = json!("2026-03-08T12:00:15Z");
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/agt_abc123/conversations"))
        .respond_with(ok(&json!([row]), &paged_meta("cur_conv_1", false, 1)))
        .expect(1)
        .mount(&server)
        .await;

    let page = agents(&p).agent_conversations("agt_abc123".into(), None).await.expect("the page is read");
    let [c] = page.items.as_slice() else { panic!("one row: {:?}", page.items) };
    assert_eq!(c.started_at, Some(ts("2026-03-08T12:00:00Z")));
    assert_eq!(c.last_message_at, Some(ts("2026-03-08T12:00:15Z")));
}

#[tokio::test]
async fn agent_messages_are_the_pages_three_with_tool_calls() {
    let (server, p) = orbit().await;
    let data = json!([
        {
            "id": "amsg_001",
            "role": "user",
            "content": "What is the status of order ORD-12345?",
            "created_at": "2026-03-08T12:00:00Z"
        },
        {
            "id": "amsg_002",
            "role": "assistant",
            "content": "Hi Jane! Your order ORD-12345 was shipped yesterday via FedEx.",
            "tool_calls": [
                { "tool": "lookup_order", "input": { "order_id": "ORD-12345" } }
            ],
            "created_at": "2026-03-08T12:00:02Z"
        },
        {
            "id": "amsg_003",
            "role": "user",
            "content": "Great, thanks!",
            "created_at": "2026-03-08T12:00:15Z"
        }
    ]);
    let meta = json!({
        "request_id": "req_msgs_001",
        "timestamp": "2026-03-08T12:01:00Z",
        "pagination": { "cursor": "cur_amsg_003", "has_more": false, "total": 3 }
    });
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/agt_abc123/conversations/conv_abc123/messages"))
        .respond_with(ok(&data, &meta))
        .expect(1)
        .mount(&server)
        .await;

    let msgs = agents(&p).agent_messages("agt_abc123".into(), "conv_abc123".into()).await.expect("the messages");
    let summary: Vec<(&str, &str, usize)> =
        msgs.iter().map(|m| (m.id.as_str(), m.role.as_str(), m.tools.len())).collect();
    assert_eq!(summary, [("amsg_001", "user", 0), ("amsg_002", "assistant", 1), ("amsg_003", "user", 0)]);
    assert_eq!(msgs[0].content, "What is the status of order ORD-12345?");
    assert_eq!(msgs[1].content, "Hi Jane! Your order ORD-12345 was shipped yesterday via FedEx.");
    assert_eq!(msgs[2].content, "Great, thanks!");
    let t = &msgs[1].tools[0];
    assert_eq!(t.tool, "lookup_order");
    assert_eq!(t.input, crate::support::data(json!({ "order_id": "ORD-12345" })));
    assert_eq!(t.output, None);
    assert_eq!(msgs[1].created_at, Some(ts("2026-03-08T12:00:02Z")));
    assert_eq!(msgs[2].created_at, Some(ts("2026-03-08T12:00:15Z")));
    assert_headers(&server).await;
}

#[tokio::test]
async fn agent_messages_follow_the_cursor_to_the_end_of_the_conversation() {
    // The messages answer is paged like every Orbit list (default 20 a page): a long
    // conversation must not be cut at its first page without a word.
    let (server, p) = orbit().await;
    let message = |n: u32| {
        json!({
            "id": format!("amsg_{n:03}"),
            "role": if n % 2 == 1 { "user" } else { "assistant" },
            "content": format!("message {n}"),
            "created_at": "2026-03-08T12:00:00Z"
        })
    };
    let paged = |cursor: &str, has_more: bool| {
        json!({
            "request_id": "req_msgs_002",
            "timestamp": "2026-03-08T12:01:00Z",
            "pagination": { "cursor": cursor, "has_more": has_more, "total": 3 }
        })
    };
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/agt_abc123/conversations/conv_abc123/messages"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ok(&json!([message(1), message(2)]), &paged("cur_amsg_002", true)))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/v1/agents/agt_abc123/conversations/conv_abc123/messages"))
        .and(query_param("cursor", "cur_amsg_002"))
        .respond_with(ok(&json!([message(3)]), &paged("cur_amsg_003", false)))
        .mount(&server)
        .await;

    let msgs = agents(&p).agent_messages("agt_abc123".into(), "conv_abc123".into()).await.expect("the messages");
    let ids: Vec<&str> = msgs.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids, ["amsg_001", "amsg_002", "amsg_003"], "every page of the conversation");
}
