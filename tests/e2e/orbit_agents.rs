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

/// Sections 6 to 8: chat, in one piece and streamed.
mod chat;
/// Section 9: an agent's conversations and messages.
mod conversations;

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
