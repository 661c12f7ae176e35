//! Files sent with a reply: Iron's media upload (`POST /conversations/media`, the
//! only thing the page says of it) against a wiremock Iron, and the engine's refusal
//! of files for backends that take none.
//!
//! The upload's form, its answer and the message's media fields are unpublished:
//! the field `file`, the answers under `data`/`media` with `id`/`media_id` and
//! `url`/`media_url`, and `media_ids`/`media_urls` on the message are ASSUMPTIONS
//! (see `crates/provider-crm/src/media.rs`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use secrecy::SecretString;
use serde_json::json;
use wiremock::matchers::{body_json, body_string_contains, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use frontdesk_domain::{ConversationId, Op, ReplyKind};
use frontdesk_provider::unified::{Member, Unified};
use frontdesk_provider::{Applied, Provider, ProviderError};
use frontdesk_provider_crm::MAX_FILE_BYTES;
use frontdesk_provider_native::NativeProvider;
use frontdesk_sync::cache::Cache;
use frontdesk_sync::store::Store;
use frontdesk_sync::{self as sync, SyncCommand, SyncEvent, poll};

use crate::crm::{C1, conv_path, provider, setup, token};

const MEDIA: &str = "/api/v1/conversations/media";

fn send(conversation: &str, body: &str, attachments: Vec<PathBuf>) -> Op {
    Op::Send {
        conversation: ConversationId::from(conversation),
        kind: ReplyKind::Reply,
        body: body.into(),
        suggestion: None,
        attachments,
    }
}

fn file(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).expect("write");
    p
}

async fn requests_to(server: &MockServer, to: &str) -> Vec<Request> {
    server.received_requests().await.unwrap_or_default().into_iter().filter(|r| r.url.path() == to).collect()
}

/// Whether `haystack` holds `needle` (the multipart body is bytes, not text).
fn holds(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn crm_media_uploads_each_file_then_sends_the_message_with_their_ids() {
    let (server, p) = setup().await;
    let dir = tempfile::tempdir().expect("dir");
    let pdf = file(dir.path(), "invoice.pdf", b"%PDF-1.4 the invoice\x00\x01");
    let jpg = file(dir.path(), "Photo.JPG", b"\xff\xd8\xff a photo");
    Mock::given(method("POST"))
        .and(path(MEDIA))
        .and(|r: &Request| holds(&r.body, b"filename=\"invoice.pdf\""))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "data": { "media_id": "m-1" } })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(MEDIA))
        // Binary bytes: not a string to search.
        .and(|r: &Request| holds(&r.body, b"filename=\"Photo.JPG\""))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({ "media": { "id": 7, "media_url": "https://cdn.iron.test/7.jpg" } })),
        )
        .expect(1)
        .mount(&server)
        .await;
    let message =
        json!({ "body": "Here it is", "media_ids": ["m-1", "7"], "media_urls": ["https://cdn.iron.test/7.jpg"] });
    Mock::given(method("POST"))
        .and(path(conv_path("/messages")))
        .and(body_json(message))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "id": "a13", "channel": "sms" })))
        .expect(1)
        .mount(&server)
        .await;

    let applied = p.apply(send(C1, "Here it is", vec![pdf, jpg]), "k".into()).await;
    let Ok(Applied::Message(m)) = applied else { panic!("a message: {applied:?}") };
    assert_eq!((m.id.as_str(), m.body.as_str()), ("a13", "Here it is"));
    let names: Vec<_> = m.attachments.iter().map(|a| (a.name.as_str(), a.content_type.as_str())).collect();
    assert_eq!(names, [("invoice.pdf", "application/pdf"), ("Photo.JPG", "image/jpeg")]);

    let uploads = requests_to(&server, MEDIA).await;
    assert_eq!(uploads.len(), 2);
    let first = &uploads[0];
    let content_type = first.headers.get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
    assert!(content_type.starts_with("multipart/form-data; boundary="), "{content_type}");
    assert_eq!(first.headers.get("authorization").and_then(|v| v.to_str().ok()), Some("Bearer tok-1"));
    assert!(holds(&first.body, b"name=\"file\"; filename=\"invoice.pdf\""), "the field and the file name");
    assert!(
        holds(&first.body, b"Content-Type: application/pdf") || holds(&first.body, b"content-type: application/pdf")
    );
    assert!(holds(&first.body, b"%PDF-1.4 the invoice\x00\x01"), "the bytes as they are");
}

#[tokio::test]
async fn crm_media_a_missing_file_or_a_folder_is_permanent_and_nothing_is_sent() {
    let (server, p) = setup().await;
    let dir = tempfile::tempdir().expect("dir");
    let there = file(dir.path(), "a.png", b"png");
    let missing = dir.path().join("gone.png");
    let err = p.apply(send(C1, "x", vec![there.clone(), missing.clone()]), "k".into()).await.expect_err("refused");
    assert!(
        matches!(&err, ProviderError::Permanent { message, .. } if message.contains(&missing.display().to_string())),
        "names the file: {err:?}"
    );
    let err = p.apply(send(C1, "x", vec![dir.path().to_owned()]), "k".into()).await.expect_err("refused");
    assert!(matches!(&err, ProviderError::Permanent { message, .. } if message.contains("folder")), "{err:?}");
    assert!(requests_to(&server, MEDIA).await.is_empty(), "the file that was there was not uploaded either");
    assert!(requests_to(&server, &conv_path("/messages")).await.is_empty(), "no message");
}

#[tokio::test]
async fn crm_media_a_file_over_the_cap_is_refused_without_upload() {
    let (server, p) = setup().await;
    let dir = tempfile::tempdir().expect("dir");
    let big = dir.path().join("video.mp4");
    // Sparse: the size is there without the bytes.
    std::fs::File::create(&big).and_then(|f| f.set_len(MAX_FILE_BYTES + 1)).expect("sparse file");
    let err = p.apply(send(C1, "the video", vec![big.clone()]), "k".into()).await.expect_err("refused");
    assert!(
        matches!(&err, ProviderError::Permanent { message, .. } if message.contains("video.mp4") && message.contains("20 MB")),
        "{err:?}"
    );
    assert!(server.received_requests().await.unwrap_or_default().is_empty(), "not even a sign-in");
}

#[tokio::test]
async fn crm_media_a_401_on_upload_refreshes_once_and_uploads_again() {
    let (server, p) = setup().await;
    let dir = tempfile::tempdir().expect("dir");
    let note = file(dir.path(), "terms.txt", b"the terms");
    Mock::given(method("POST"))
        .and(path("/auth/v1/token"))
        .and(query_param("grant_type", "refresh_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(token("tok-2", "refresh-2", 3600)))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(MEDIA))
        .and(header("authorization", "Bearer tok-1"))
        .respond_with(ResponseTemplate::new(401).set_body_json(json!({ "detail": "Invalid or expired token" })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(MEDIA))
        .and(header("authorization", "Bearer tok-2"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({ "id": "m-9", "url": "https://cdn.iron.test/9" })),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(conv_path("/messages")))
        .and(header("authorization", "Bearer tok-2"))
        .and(body_json(json!({ "body": "", "media_ids": ["m-9"], "media_urls": ["https://cdn.iron.test/9"] })))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "message": { "id": "a14" } })))
        .expect(1)
        .mount(&server)
        .await;
    // A file alone, without words, is a message too.
    let applied = p.apply(send(C1, "", vec![note]), "k".into()).await;
    assert!(matches!(&applied, Ok(Applied::Message(m)) if m.id.as_str() == "a14"), "{applied:?}");
    let uploads = requests_to(&server, MEDIA).await;
    assert!(uploads.iter().all(|u| holds(&u.body, b"the terms")), "the retry carries the file again");
}

#[tokio::test]
async fn crm_media_a_refused_upload_says_the_servers_detail_and_sends_nothing() {
    let (server, p) = setup().await;
    let dir = tempfile::tempdir().expect("dir");
    let exe = file(dir.path(), "setup.exe", b"MZ");
    Mock::given(method("POST"))
        .and(path(MEDIA))
        .and(body_string_contains("application/octet-stream"))
        .respond_with(ResponseTemplate::new(422).set_body_json(json!({ "detail": "Unsupported media type" })))
        .expect(1)
        .mount(&server)
        .await;
    let err = p.apply(send(C1, "x", vec![exe]), "k".into()).await.expect_err("refused");
    assert_eq!(err, ProviderError::Permanent { code: "422".into(), message: "Unsupported media type".into() });
    assert!(requests_to(&server, &conv_path("/messages")).await.is_empty());
}

#[tokio::test]
async fn crm_media_an_upload_answer_without_id_or_url_is_malformed() {
    let (server, p) = setup().await;
    let dir = tempfile::tempdir().expect("dir");
    let pic = file(dir.path(), "a.gif", b"GIF89a");
    Mock::given(method("POST"))
        .and(path(MEDIA))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({ "data": { "status": "stored" } })))
        .mount(&server)
        .await;
    let err = p.apply(send(C1, "x", vec![pic]), "k".into()).await.expect_err("unreadable");
    assert!(matches!(err, ProviderError::Malformed(_)), "{err:?}");
    assert!(requests_to(&server, &conv_path("/messages")).await.is_empty());
    assert!(p.capabilities().attachments, "Iron takes files");
}

/// Waits for the answer to `ticket`.
async fn applied(
    events: &mut tokio::sync::mpsc::UnboundedReceiver<SyncEvent>,
    ticket: u64,
) -> Result<Applied, ProviderError> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    loop {
        let ev = tokio::time::timeout_at(deadline, events.recv()).await.expect("an answer in time");
        if let Some(SyncEvent::Applied { ticket: t, result }) = ev
            && t == ticket
        {
            return result;
        }
    }
}

#[tokio::test]
async fn files_for_a_backend_without_them_are_refused_before_they_are_queued() {
    let server = MockServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let pic = file(dir.path(), "a.png", b"png");
    let native = NativeProvider::new("test", &server.uri(), SecretString::from("key".to_owned())).expect("provider");
    assert!(!native.capabilities().attachments);
    let store = Store::memory().await.expect("store");
    let account = sync::Account::new(Arc::new(native), store.clone(), Cache::memory().await.expect("cache"));
    let (engine, mut events) = sync::spawn(account);
    assert!(engine.send(SyncCommand::Apply { ticket: 1, op: send("cnv_1", "see attached", vec![pic]) }));
    assert_eq!(applied(&mut events, 1).await, Err(ProviderError::Unsupported("attachments")));
    engine.flush().await;
    assert!(store.pending().await.expect("store").is_empty(), "never queued");
    let posts = server.received_requests().await.unwrap_or_default();
    assert!(posts.iter().all(|r| r.method.as_str() != "POST"), "nothing sent: {posts:?}");
}

#[tokio::test]
async fn the_unified_inbox_refuses_files_for_an_account_without_them() {
    let native_server = MockServer::start().await;
    let iron_server = MockServer::start().await;
    let dir = tempfile::tempdir().expect("dir");
    let pic = file(dir.path(), "a.png", b"png");
    let native = NativeProvider::new("east", &native_server.uri(), SecretString::from("key".to_owned())).expect("ok");
    let every = Duration::from_secs(60);
    let u = Unified::new(
        vec![
            Member { name: "east".into(), provider: Arc::new(native), poll_every: every },
            Member { name: "iron".into(), provider: Arc::new(provider(&iron_server, None)), poll_every: every },
        ],
        poll::Clock::default().watch(),
    );
    assert!(u.capabilities().attachments, "one account takes files");
    let err = u.apply(send("east/cnv_1", "see attached", vec![pic]), "k".into()).await.expect_err("refused");
    assert_eq!(err, ProviderError::Unsupported("attachments"));
    assert!(native_server.received_requests().await.unwrap_or_default().is_empty(), "never reached the account");
}
