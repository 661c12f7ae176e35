//! `GET /v1/events`: the org's events as Server-Sent Events.
//!
//! Order of work, and why it cannot lose an event: subscribe to the hub first, then
//! replay the log after `Last-Event-ID`, then forward live events whose id is above
//! the last one sent. Anything committed during the replay is either read from the
//! log or arrives live (and duplicates are skipped by id). A client that falls behind
//! the hub is disconnected and resumes from the log.

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use futures::Stream;
use jiff::Timestamp;
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use utoipa::IntoParams;

use crate::AppState;
use crate::auth::{Caller, KEY_TTL};
use crate::error::{ApiError, ApiResult, ErrorEnvelope};
use crate::extract::Query;
use crate::hub::{Payload, Published};
use frontdesk_domain::{Event, EventKind};

/// How long a client should wait before reconnecting (the SSE `retry:` field).
const RETRY: Duration = Duration::from_secs(2);
/// Log rows read per query while replaying.
const REPLAY_BATCH: i64 = 500;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// Same as the `Last-Event-ID` header, for clients that cannot set headers.
    pub last_event_id: Option<i64>,
}

fn sse(id: Option<i64>, name: &str, data: &str) -> SseEvent {
    let event = SseEvent::default().event(name).data(data);
    match id {
        Some(id) => event.id(id.to_string()),
        None => event,
    }
}

fn render(p: &Published, caller: &Caller) -> Option<SseEvent> {
    match &p.payload {
        Payload::Json { name, data } => Some(sse(p.id, name, data)),
        Payload::Counts(counts) => {
            let event = Event {
                id: None,
                at: Timestamp::now(),
                kind: EventKind::ViewCountsChanged(counts.for_agent(&caller.agent.id)),
            };
            serde_json::to_string(&event).ok().map(|data| sse(None, "view_counts_changed", &data))
        }
    }
}

/// Live events. A fresh connection starts with `ready`, carrying the id to resume
/// from; a resume (`Last-Event-ID`) starts with the missed events, or with `resync`
/// when that id is older than the log keeps or unknown. Persisted events carry ids;
/// `view_counts_changed` and `presence` do not.
#[utoipa::path(get, path = "/v1/events", tag = "events",
    params(StreamParams, ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event")),
    responses((status = 200, description = "text/event-stream of events", content_type = "text/event-stream",
               headers(("frontdesk-keep-alive" = u64, description = "Seconds between keep-alive comments: a client may take twice this without a byte as a stalled link"))),
              (status = 400, body = ErrorEnvelope), (status = 401, body = ErrorEnvelope)))]
pub async fn stream(
    State(st): State<AppState>,
    caller: Caller,
    headers: HeaderMap,
    Query(p): Query<StreamParams>,
) -> ApiResult<([(&'static str, String); 1], Sse<impl Stream<Item = Result<SseEvent, Infallible>>>)> {
    let header_id = match headers.get("last-event-id").map(|v| v.to_str().map(str::trim)) {
        None | Some(Ok("")) => None,
        Some(Ok(v)) => Some(v.parse::<i64>().map_err(|_| {
            ApiError::bad_request("INVALID_LAST_EVENT_ID", "Last-Event-ID must be an event id this server sent")
        })?),
        Some(Err(_)) => {
            return Err(ApiError::bad_request(
                "INVALID_LAST_EVENT_ID",
                "Last-Event-ID must be an event id this server sent",
            ));
        }
    };
    let resume = header_id.or(p.last_event_id);
    // Subscribe before reading anything, so nothing falls between replay and live.
    let mut live = st.hub.subscribe();
    let listening = st.hub.listen(&caller.org);
    let (newest, pruned) = st.db.event_bounds(&caller.org).await?;
    let mut stopping = st.stopping.clone();
    let keep_alive = st.keep_alive;
    let stream = async_stream::stream! {
        // Counts are taken for the org while it has a stream open.
        let _listening = listening;
        let mut cursor = match resume {
            Some(id) if id >= pruned && id <= newest => id,
            Some(_) => {
                // Too old (pruned) or from another database: the client must reload.
                let event = Event { id: Some(newest), at: Timestamp::now(), kind: EventKind::Resync };
                yield Ok(sse(Some(newest), "resync", &serde_json::to_string(&event).unwrap_or_default()));
                newest
            }
            None => {
                yield Ok(sse(Some(newest), "ready", "{}"));
                newest
            }
        };
        loop {
            match st.db.events_after(&caller.org, cursor, REPLAY_BATCH).await {
                Ok(batch) if batch.is_empty() => break,
                Ok(batch) => {
                    for event in &batch {
                        cursor = event.id.unwrap_or(cursor);
                        if let Some(e) = render(event, &caller) {
                            yield Ok(e);
                        }
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "event replay failed; closing the stream");
                    return;
                }
            }
        }
        // The key is asked after again as often as the key cache forgets it: a
        // revoked key, a removed agent or a deleted org ends the stream within that.
        let mut recheck = tokio::time::interval_at(tokio::time::Instant::now() + KEY_TTL, KEY_TTL);
        recheck.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = crate::stopped(&mut stopping) => return,
                _ = recheck.tick() => match caller.still_stands(&st).await {
                    Ok(true) => {}
                    Ok(false) => {
                        tracing::info!(agent = %caller.agent.id.0, "key no longer stands; closing its event stream");
                        yield Ok(sse(None, "revoked", r#"{"reason":"the API key was revoked, or its agent or org removed"}"#));
                        return;
                    }
                    // A database hiccup is no revocation: asked again next tick.
                    Err(err) => tracing::warn!(error = %err, "cannot check the stream's key"),
                },
                received = live.recv() => match received {
                    Ok(event) => {
                        if event.org_id != caller.org {
                            continue;
                        }
                        if let Some(id) = event.id {
                            if id <= cursor {
                                continue;
                            }
                            cursor = id;
                        }
                        if let Some(e) = render(&event, &caller) {
                            yield Ok(e);
                        }
                    }
                    // Too slow for the hub: close, and the client resumes from the log.
                    Err(RecvError::Lagged(n)) => {
                        tracing::info!(skipped = n, "event stream lagged; closing so the client resumes");
                        return;
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        }
    };
    let first = futures::stream::once(async { Ok(SseEvent::default().retry(RETRY)) });
    // Said in a header so that a client judges silence by this server's interval.
    let announced = [(frontdesk_domain::KEEP_ALIVE_HEADER, keep_alive.as_secs().to_string())];
    Ok((
        announced,
        Sse::new(futures::StreamExt::chain(first, stream)).keep_alive(KeepAlive::new().interval(keep_alive)),
    ))
}
