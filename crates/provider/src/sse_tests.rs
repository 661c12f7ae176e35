//! The stream against servers that misbehave, on loopback and on tokio's paused
//! clock: the waits (30 s of silence, a 10 s answer) pass at once and exactly.

use std::time::Duration;

use futures::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

use super::*;
use crate::loopback::{EVENT_STREAM, Server, endless};
use frontdesk_domain::EventKind;

/// The native server's keep-alive.
const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// Reads `data: N` as an event with id N, and `data: garbage` as unreadable.
fn parse() -> Parse {
    Box::new(|_, data| match data {
        "garbage" => Err("expected value at line 1 column 1".to_owned()),
        n => Ok(Some(Event { id: n.parse().ok(), at: jiff::Timestamp::UNIX_EPOCH, kind: EventKind::Resync })),
    })
}

/// The stream as an adapter opens it: the stream client of `http::clients`, with a
/// read timeout of the same silence as the limits.
fn open(server: &Server, limits: Limits) -> BoxStream<'static, Update> {
    let (_, client) = crate::http::clients(Duration::from_secs(30), limits.silence).expect("clients");
    let url = format!("{}/events", server.url);
    let request = move |last: Option<&str>| {
        let req = client.get(&url);
        match last {
            Some(id) => req.header("Last-Event-ID", id),
            None => req,
        }
    };
    updates(request, None, parse(), limits)
}

async fn next(updates: &mut BoxStream<'static, Update>) -> Update {
    updates.next().await.expect("the stream never ends by itself")
}

/// The reason of a `Reconnecting`, and its `after`.
async fn dropped(updates: &mut BoxStream<'static, Update>) -> (String, Duration) {
    match next(updates).await {
        Update::Reconnecting { after, reason } => (reason, after),
        other => panic!("expected a drop, got {other:?}"),
    }
}

async fn send(socket: &mut TcpStream, bytes: &[u8]) {
    socket.write_all(bytes).await.expect("written");
}

/// Keeps the connection open and silent for as long as the test runs.
async fn hold(socket: TcpStream) {
    std::future::pending::<()>().await;
    drop(socket);
}

#[tokio::test(start_paused = true)]
async fn an_html_page_is_a_failure_with_its_reason_and_is_backed_off() {
    let server = Server::start(|_, mut socket| async move {
        let page = b"<html><body>Sign in to the wifi</body></html>";
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\n\r\n",
            page.len()
        );
        send(&mut socket, head.as_bytes()).await;
        send(&mut socket, page).await;
    })
    .await;
    let mut updates = open(&server, Limits::keep_alive(KEEP_ALIVE));
    let mut waits = Vec::new();
    for _ in 0..3 {
        // Never `Connected`: the first update of each attempt is the failure.
        let (reason, after) = dropped(&mut updates).await;
        assert_eq!(reason, "the server answered text/html, not an event stream");
        waits.push(after);
    }
    assert!(waits.is_sorted() && waits[0] < waits[2], "each failure waits longer: {waits:?}");
}

#[tokio::test(start_paused = true)]
async fn a_silent_stream_is_stalled_and_resumed_from_its_last_event() {
    let server = Server::start(|n, mut socket| async move {
        send(&mut socket, EVENT_STREAM).await;
        if n == 0 {
            send(&mut socket, b"id: 7\ndata: 7\n\n").await;
        }
        hold(socket).await;
    })
    .await;
    let mut updates = open(&server, Limits::keep_alive(KEEP_ALIVE));
    assert_eq!(next(&mut updates).await, Update::Connected);
    assert!(matches!(next(&mut updates).await, Update::Event(e) if e.id == Some(7)));
    let (reason, _) = dropped(&mut updates).await;
    assert_eq!(reason, "no data for 30 s");
    assert_eq!(next(&mut updates).await, Update::Connected);
    assert_eq!(server.header(1, "last-event-id").as_deref(), Some("7"), "resumed after what it had");
}

#[tokio::test(start_paused = true)]
async fn keep_alives_alone_keep_a_quiet_stream_live() {
    let server = Server::start(|n, mut socket| async move {
        send(&mut socket, EVENT_STREAM).await;
        if n > 0 {
            return hold(socket).await;
        }
        // Five minutes with nothing but keep-alives, 20 s apart (the silence is 30 s).
        for _ in 0..15 {
            tokio::time::sleep(Duration::from_secs(20)).await;
            send(&mut socket, b":\n\n").await;
        }
    })
    .await;
    let mut updates = open(&server, Limits::keep_alive(KEEP_ALIVE));
    let opened = tokio::time::Instant::now();
    assert_eq!(next(&mut updates).await, Update::Connected);
    let (reason, _) = dropped(&mut updates).await;
    assert_eq!(reason, "the server closed the stream", "not a stall");
    assert!(opened.elapsed() >= Duration::from_secs(300), "live all along, on the paused clock");
}

#[tokio::test(start_paused = true)]
async fn a_server_that_never_answers_times_out_and_the_countdown_is_the_real_wait() {
    let server = Server::start(|n, mut socket| async move {
        if n > 0 {
            send(&mut socket, EVENT_STREAM).await;
        }
        hold(socket).await;
    })
    .await;
    let mut updates = open(&server, Limits::keep_alive(KEEP_ALIVE));
    let (reason, after) = dropped(&mut updates).await;
    let announced = tokio::time::Instant::now();
    assert_eq!(reason, "no answer within 10 s");
    assert_eq!(next(&mut updates).await, Update::Connected);
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let waited = requests[1].at - announced;
    // The paused clock moves only by timers: the retry came when the countdown said.
    assert!(waited >= after && waited <= after + Duration::from_millis(5), "announced {after:?}, waited {waited:?}");
}

#[tokio::test(start_paused = true)]
async fn a_burst_of_unreadable_events_drops_the_connection_but_a_few_do_not() {
    let server = Server::start(|n, mut socket| async move {
        send(&mut socket, EVENT_STREAM).await;
        if n == 0 {
            let garbage = |k: usize| "data: garbage\n\n".repeat(k);
            // 99 skipped, a good one, then a burst of 100.
            let body = format!("{}data: 5\n\n{}", garbage(99), garbage(150));
            send(&mut socket, body.as_bytes()).await;
        } else {
            send(&mut socket, b"data: 6\n\n").await;
        }
        hold(socket).await;
    })
    .await;
    let mut updates = open(&server, Limits::keep_alive(KEEP_ALIVE));
    assert_eq!(next(&mut updates).await, Update::Connected);
    assert!(matches!(next(&mut updates).await, Update::Event(e) if e.id == Some(5)), "99 in a row are skipped");
    let (reason, _) = dropped(&mut updates).await;
    assert_eq!(reason, "100 unreadable events in a row (the last: expected value at line 1 column 1)");
    assert_eq!(next(&mut updates).await, Update::Connected);
    assert!(matches!(next(&mut updates).await, Update::Event(e) if e.id == Some(6)));
}

#[tokio::test(start_paused = true)]
async fn an_event_that_never_ends_drops_the_connection() {
    let server = Server::start(|n, mut socket| async move {
        send(&mut socket, EVENT_STREAM).await;
        if n == 0 {
            send(&mut socket, b"data: ").await;
            endless(&mut socket, &vec![b'x'; 64 << 10]).await;
        }
        hold(socket).await;
    })
    .await;
    let mut updates = open(&server, Limits::keep_alive(KEEP_ALIVE));
    assert_eq!(next(&mut updates).await, Update::Connected);
    let (reason, _) = dropped(&mut updates).await;
    assert_eq!(reason, "an event was larger than 1 MiB");
    assert_eq!(next(&mut updates).await, Update::Connected, "and a new connection is made");
}

#[test]
fn an_event_is_measured_to_its_blank_line_whatever_the_line_endings() {
    let max = 100;
    for end in ["\n", "\r\n", "\r"] {
        let mut size = EventSize::default();
        let event = format!("data: {}{end}{end}", "x".repeat(90));
        for _ in 0..50 {
            assert!(!size.grows_past(event.as_bytes(), max), "events of 96 bytes, each ended ({end:?})");
        }
        let lines = format!("data: {}{end}", "x".repeat(40)).repeat(3);
        assert!(size.grows_past(lines.as_bytes(), max), "three lines of one event ({end:?})");
    }
    // Split anywhere, the same count.
    let mut size = EventSize::default();
    let text = format!("data: {}\r\n\r\ndata: {}", "x".repeat(90), "y".repeat(90));
    let over = text.as_bytes().chunks(7).any(|chunk| size.grows_past(chunk, max));
    assert!(!over, "two events of 96 bytes, split mid-way");
}

#[test]
fn unreadable_events_are_logged_at_most_once_a_second_with_their_count() {
    let t = Instant::now();
    let mut u = Unreadable::default();
    assert_eq!(u.skipped(t), Some(1), "the first is logged at once");
    for ms in 1..=99 {
        assert_eq!(u.skipped(t + Duration::from_millis(ms * 10)), None);
    }
    assert_eq!(u.in_a_row, 100);
    assert_eq!(u.due(t + Duration::from_millis(999)), None);
    assert_eq!(u.due(t + Duration::from_secs(1)), Some(99), "then the count of the second that passed");
    assert_eq!(u.due(t + Duration::from_secs(5)), None, "and nothing when nothing is left");
}
