//! Sections 6 to 8: chat with an agent, answered in one piece and streamed.

use super::*;

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
