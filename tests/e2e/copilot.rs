//! Copilot suggestions (kb and llm engines), training pairs, and AI handoff.

use reqwest::StatusCode;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use super::support::{TestServer, code, config};

async fn suggest(s: &TestServer, id: &str) -> Value {
    let (status, sug) = s.post(&format!("/v1/conversations/{id}/copilot/suggest"), json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{sug}");
    sug
}

async fn pairs(s: &TestServer) -> Vec<Value> {
    let db = frontdesk_server::store::Db::open(&s.db_url, frontdesk_server::hub::Hub::default()).await.expect("db");
    let mut out = Vec::new();
    frontdesk_server::admin::export_training_pairs(&db, Some("Org A"), &mut out).await.expect("export");
    String::from_utf8(out).expect("utf8").lines().map(|l| serde_json::from_str(l).expect("jsonl")).collect()
}

#[tokio::test]
async fn a_suggestion_drafts_from_the_knowledge_base() {
    let s = TestServer::start().await;
    let v = s
        .inbound_on("email", "maya@example.com", "Hi, I was charged twice for order #55123, can I get a refund?", None)
        .await;
    let id = v["conversation"]["id"].as_str().expect("id").to_owned();
    let sug = suggest(&s, &id).await;
    assert_eq!(sug["status"], "pending");
    assert_eq!(sug["engine"], "kb");
    let body = sug["body"].as_str().expect("body");
    // The sender's name is the one placeholder: filled by whoever sends it.
    assert!(!body.replace("{agent_name}", "").contains('{'), "no other placeholder survives: {body}");
    assert!(body.ends_with("\n{agent_name}"), "an email draft is signed by its sender: {body}");
    assert!(sug["confidence"].as_u64().is_some_and(|c| c >= 50), "{sug}");
    assert_eq!(sug["lang"], "en");
    assert!(!sug["sources"].as_array().expect("sources").is_empty(), "drawn from the knowledge base: {sug}");
    assert!(!sug["actions"].as_array().expect("actions").is_empty());
    let (_, c) = s.get(&format!("/v1/conversations/{id}")).await;
    assert_eq!(c["has_pending_suggestion"], true);
    let (_, pending) = s.get("/v1/suggestions").await;
    assert_eq!(pending.as_array().map(Vec::len), Some(1));
    // Asking again supersedes the first.
    let again = suggest(&s, &id).await;
    let (_, all) = s.get(&format!("/v1/conversations/{id}/suggestions")).await;
    let statuses: Vec<&str> = all.as_array().expect("list").iter().filter_map(|x| x["status"].as_str()).collect();
    assert_eq!(statuses, vec!["pending", "superseded"]);
    assert_ne!(again["id"], sug["id"]);
}

#[tokio::test]
async fn sending_a_suggestion_replies_and_records_the_pair() {
    let s = TestServer::start().await;
    let id = s.question("+15558000001").await;
    let sug = suggest(&s, &id).await;
    let sid = sug["id"].as_str().expect("id");
    let send = || {
        s.client
            .post(s.path(&format!("/v1/suggestions/{sid}/send")))
            .bearer_auth(&s.key)
            .header("Idempotency-Key", "sug-1")
            .send()
    };
    let resp = send().await.expect("sent");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let message: Value = resp.json().await.expect("json");
    assert_eq!(message["body"], sug["body"]);
    assert_eq!(message["kind"], "reply");
    // A retry with the same key replays; without a key, a second send is refused.
    let resp = send().await.expect("sent");
    assert_eq!(resp.status(), StatusCode::CREATED);
    let (status, err) = s.post(&format!("/v1/suggestions/{sid}/send"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&err), "SUGGESTION_RESOLVED");
    let (_, c) = s.get(&format!("/v1/conversations/{id}")).await;
    assert_eq!(c["message_count"], 2, "one send, not two");
    assert_eq!(c["has_pending_suggestion"], false);
    let pairs = pairs(&s).await;
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0]["edited"], false);
    assert_eq!(pairs[0]["draft"], pairs[0]["sent"]);
}

#[tokio::test]
async fn a_reply_while_a_suggestion_waits_is_an_edited_pair() {
    let s = TestServer::start().await;
    let id = s.question("+15558000002").await;
    let sug = suggest(&s, &id).await;
    let (status, _) = s
        .post(&format!("/v1/conversations/{id}/messages"), json!({"body": "My own words", "suggestion_id": sug["id"]}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let (_, all) = s.get(&format!("/v1/conversations/{id}/suggestions")).await;
    assert_eq!(all[0]["status"], "edited");
    let pairs = pairs(&s).await;
    assert_eq!(pairs.len(), 1);
    assert_eq!(pairs[0]["edited"], true);
    assert_eq!(pairs[0]["sent"], "My own words");
    assert_eq!(pairs[0]["draft"], sug["body"]);
    // A note does not resolve a pending suggestion.
    let sug2 = suggest(&s, &id).await;
    s.post(&format!("/v1/conversations/{id}/messages"), json!({"kind": "note", "body": "thinking"})).await;
    let (_, all) = s.get(&format!("/v1/conversations/{id}/suggestions")).await;
    assert_eq!(all[0]["id"], sug2["id"]);
    assert_eq!(all[0]["status"], "pending");
}

#[tokio::test]
async fn dismissing_resolves_once() {
    let s = TestServer::start().await;
    let id = s.question("+15558000003").await;
    let sug = suggest(&s, &id).await;
    let sid = sug["id"].as_str().expect("id");
    let (status, d) = s.post(&format!("/v1/suggestions/{sid}/dismiss"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(d["status"], "dismissed");
    let (status, err) = s.post(&format!("/v1/suggestions/{sid}/dismiss"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&err), "SUGGESTION_RESOLVED");
    assert!(pairs(&s).await.is_empty(), "a dismissal is no training pair");
}

#[tokio::test]
async fn the_llm_engine_drafts_through_an_openai_compatible_endpoint() {
    let llm = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "id": "x", "object": "chat.completion",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hi! Your parcel left our warehouse today."}, "finish_reason": "stop"}]
        })))
        .expect(1)
        .mount(&llm)
        .await;
    let mut cfg = config();
    cfg.server.copilot =
        toml::from_str(&format!("engine = \"llm\"\n[llm]\nurl = \"{}/v1\"\nmodel = \"test-model\"\n", llm.uri()))
            .expect("copilot config");
    let s = TestServer::start_with(cfg).await;
    let id = s.question("+15558000004").await;
    let sug = suggest(&s, &id).await;
    assert_eq!(sug["engine"], "llm");
    assert_eq!(sug["body"], "Hi! Your parcel left our warehouse today.");
}

#[tokio::test]
async fn a_failing_llm_is_a_502_that_stores_nothing() {
    let llm = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(ResponseTemplate::new(500).set_body_json(json!({"error": {"message": "model overloaded"}})))
        .mount(&llm)
        .await;
    let mut cfg = config();
    cfg.server.copilot =
        toml::from_str(&format!("engine = \"llm\"\n[llm]\nurl = \"{}/v1\"\nmodel = \"m\"\n", llm.uri()))
            .expect("copilot config");
    let s = TestServer::start_with(cfg).await;
    let id = s.question("+15558000005").await;
    let (status, err) = s.post(&format!("/v1/conversations/{id}/copilot/suggest"), json!({})).await;
    assert_eq!(status, StatusCode::BAD_GATEWAY);
    assert_eq!(code(&err), "COPILOT_FAILED");
    assert!(err["error"]["message"].as_str().is_some_and(|m| m.contains("overloaded")), "{err}");
    let (_, c) = s.get(&format!("/v1/conversations/{id}")).await;
    assert_eq!(c["has_pending_suggestion"], false);
}

#[tokio::test]
async fn handoff_moves_between_the_ai_agent_and_a_human() {
    let s = TestServer::start().await;
    let (status, v) = s
        .post("/v1/inbound", json!({"channel": "whatsapp", "contact": {"handle": "+15558000006"}, "body": "I want a human", "ai_agent": "Nova"}))
        .await;
    assert_eq!(status, StatusCode::CREATED);
    let id = v["conversation"]["id"].as_str().expect("id").to_owned();
    assert_eq!(v["conversation"]["ai_state"], "ai_led");
    assert_eq!(v["conversation"]["ai_agent"], "Nova");
    let (_, c) =
        s.post(&format!("/v1/conversations/{id}/handoff/request"), json!({"reason": "asked for a person"})).await;
    assert_eq!(c["ai_state"], "handoff_requested");
    let (_, listed) = s.get("/v1/conversations?ai_state=handoff_requested").await;
    assert_eq!(listed["items"][0]["id"], id.as_str());
    let (status, c) = s.post(&format!("/v1/conversations/{id}/handoff"), json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(c["ai_state"], "human");
    assert_eq!(c["assignee"]["email"], "ada@a.test", "whoever takes over holds it");
    let (status, err) = s.post(&format!("/v1/conversations/{id}/handoff"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(code(&err), "NOT_AI_LED");
    let (_, c) = s.post(&format!("/v1/conversations/{id}/handoff/resolve"), json!({})).await;
    assert_eq!(c["ai_state"], "ai_led");
    let (status, _) = s.post(&format!("/v1/conversations/{id}/handoff/resolve"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, thread) = s.get(&format!("/v1/conversations/{id}/messages")).await;
    let lines = super::support::event_lines(&thread);
    assert_eq!(lines, vec!["Nova asked for a human: asked for a person", "Took over from Nova", "Handed back to Nova"]);
    let human = s.conversation("+15558000007").await;
    let (status, _) = s.post(&format!("/v1/conversations/{human}/handoff"), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "a human conversation has nothing to hand off");
}

/// Issue 19, case 4, and issue 22: a draft Bo asks for on an email thread holds the
/// sender's placeholder, never a name; sent by Ada (as drafted, or edited in the
/// composer), it goes out signed by Ada.
#[tokio::test]
async fn a_draft_goes_out_signed_by_whoever_sends_it() {
    use reqwest::Method;
    let s = TestServer::start().await;
    let c =
        s.inbound_on("email", "emily@example.com", "My order confirmation never came, can you resend it?", None).await;
    let id = c["conversation"]["id"].as_str().expect("id").to_owned();
    let ask = |key: String| {
        let (s, id) = (&s, id.clone());
        async move {
            let (status, sug) = s
                .call_as(Some(&key), Method::POST, &format!("/v1/conversations/{id}/copilot/suggest"), Some(json!({})))
                .await;
            assert!(status.is_success(), "{status} {sug}");
            sug
        }
    };
    let sug = ask(s.key2.clone()).await;
    let drafted = sug["body"].as_str().expect("body").to_owned();
    assert!(drafted.trim_end().ends_with("\n{agent_name}"), "the sender signs, not who asked: {drafted}");
    assert!(!drafted.contains("Bo"), "{drafted}");

    let (status, sent) = s.post(&format!("/v1/suggestions/{}/send", sug["id"].as_str().expect("id")), json!({})).await;
    assert!(status.is_success(), "{status} {sent}");
    let body = sent["body"].as_str().expect("body");
    assert!(body.trim_end().ends_with("\nAda"), "sent under the sender: {body}");
    assert!(!body.contains("\nBo"), "{body}");

    // Edited in the composer and sent as a reply that carries the suggestion (the
    // customer wrote again: after our reply there was nothing to answer).
    s.inbound_on("email", "emily@example.com", "Still no confirmation email, can you resend it?", None).await;
    let sug = ask(s.key2.clone()).await;
    let edited = sug["body"].as_str().expect("body").replacen("Hi", "Hello", 1);
    let (status, sent) = s
        .post(
            &format!("/v1/conversations/{id}/messages"),
            json!({"kind": "reply", "body": edited, "suggestion_id": sug["id"]}),
        )
        .await;
    assert!(status.is_success(), "{status} {sent}");
    assert!(sent["body"].as_str().expect("body").trim_end().ends_with("\nAda"), "{sent}");
}

/// `c` (ask again) gives the next-best article, not the same draft; once no other
/// is confident, no draft, saying so (never the same one again, never an
/// off-topic one). A new message from the customer starts over.
#[tokio::test]
async fn asking_again_gives_the_next_best_draft() {
    let s = TestServer::start().await;
    let id = s.conversation("+15559500001").await;
    s.inbound("+15559500001", "Where is my order? It has not arrived, and I want a refund or a replacement.").await;
    let mut seen: Vec<Vec<String>> = Vec::new();
    for _ in 0..4 {
        let (status, sug) = s.post(&format!("/v1/conversations/{id}/copilot/suggest"), json!({})).await;
        assert!(status.is_success(), "{sug}");
        let sources: Vec<String> = sug["sources"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        if sources.is_empty() {
            let why = sug["withheld"].as_str().unwrap_or_default();
            assert!(why.starts_with("no other confident suggestion"), "no draft, and why: {sug}");
            assert_eq!(sug["body"], "", "{sug}");
        }
        seen.push(sources);
    }
    assert!(!seen[0].is_empty(), "the first ask drafts: {seen:?}");
    assert_ne!(seen[0], seen[1], "the second ask is another article, or none");
    let offered: Vec<&String> = seen.iter().flatten().collect();
    let unique: std::collections::HashSet<&&String> = offered.iter().collect();
    assert_eq!(unique.len(), offered.len(), "no article offered twice for one question: {seen:?}");
    // The customer writes again: the best answer may come back.
    s.inbound("+15559500001", "Where is my order? It has not arrived.").await;
    let (_, sug) = s.post(&format!("/v1/conversations/{id}/copilot/suggest"), json!({})).await;
    assert!(sug["sources"].as_array().is_some_and(|a| !a.is_empty()), "{sug}");
}

/// Issue 22: every draft's fate is recorded (sent as drafted, edited with its edit
/// distance, dismissed, held back) and `admin copilot-report` counts it per
/// article and per agent.
#[tokio::test]
async fn the_report_counts_what_became_of_each_draft_per_article_and_agent() {
    use reqwest::Method;
    let s = TestServer::start().await;
    // Ada sends one as drafted.
    let as_is = s.question("+15559700001").await;
    let sug = suggest(&s, &as_is).await;
    let (status, _) = s.post(&format!("/v1/suggestions/{}/send", sug["id"].as_str().expect("id")), json!({})).await;
    assert!(status.is_success());
    let article = sug["sources"][0].as_str().expect("an article").to_owned();
    // Ada edits one: 5 characters added.
    let edited_id = s.question("+15559700002").await;
    let sug = suggest(&s, &edited_id).await;
    let edited = format!("{} Ada.", sug["body"].as_str().expect("body"));
    let (status, _) = s
        .post(&format!("/v1/conversations/{edited_id}/messages"), json!({"body": edited, "suggestion_id": sug["id"]}))
        .await;
    assert!(status.is_success());
    // Bo dismisses one.
    let dismissed_id = s.question("+15559700003").await;
    let sug = suggest(&s, &dismissed_id).await;
    let path = format!("/v1/suggestions/{}/dismiss", sug["id"].as_str().expect("id"));
    let (status, _) = s.call_as(Some(&s.key2), Method::POST, &path, Some(json!({}))).await;
    assert!(status.is_success());
    // Nothing fits: held back, and a reply of the agent's own retires it.
    let silent = s.conversation("+15559700004").await;
    s.inbound("+15559700004", "asdkjh qwpoeiru").await;
    let sug = suggest(&s, &silent).await;
    assert!(sug["withheld"].as_str().is_some_and(|w| w.starts_with("no confident suggestion")), "{sug}");
    let (status, err) = s.post(&format!("/v1/suggestions/{}/send", sug["id"].as_str().expect("id")), json!({})).await;
    assert_eq!(status, StatusCode::CONFLICT, "nothing to send: {err}");
    assert_eq!(code(&err), "SUGGESTION_EMPTY");
    s.post(&format!("/v1/conversations/{silent}/messages"), json!({"body": "Could you tell me more?"})).await;
    let (_, conv) = s.get(&format!("/v1/conversations/{silent}")).await;
    assert_eq!(conv["has_pending_suggestion"], false);

    let db = frontdesk_server::store::Db::open(&s.db_url, frontdesk_server::hub::Hub::default()).await.expect("db");
    let report = frontdesk_server::admin::copilot_report(&db, Some("Org A")).await.expect("report");
    let t = &report.by_article[&article];
    assert_eq!((t.offered, t.sent_as_drafted, t.edited, t.dismissed), (3, 1, 1, 1), "{report}");
    assert_eq!(t.mean_edit, Some(5.0));
    assert_eq!(report.by_agent["Ada Admin"].sent_as_drafted, 1);
    assert_eq!(report.by_agent["Ada Admin"].edited, 1);
    assert_eq!(report.by_agent["Bo Agent"].dismissed, 1);
    assert_eq!(report.held_back, 1);
    let pairs = pairs(&s).await;
    assert_eq!(pairs.iter().map(|p| p["edit_distance"].as_i64()).collect::<Vec<_>>(), [Some(0), Some(5)]);
}
