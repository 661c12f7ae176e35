//! What every HTTP adapter shares: turning reqwest's errors into [`ProviderError`]s
//! that say why, reading `Retry-After`, and mapping a status to what the caller can
//! do about it. The vendor's error body is read by the adapter; this file only knows
//! HTTP.

use std::time::Duration;

use reqwest::StatusCode;

use super::{ProviderError, ProviderResult};

/// How long a connection may take to be made, on either client.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The most an ordinary answer may hold (no API we speak documents a larger one):
/// past it, [`body`] refuses the answer rather than buffer it.
pub const MAX_BODY: usize = 16 << 20;

/// The two clients an adapter needs: one for ordinary requests (each bounded by
/// `request_timeout`), one for long-lived streams (bounded only by silence: no byte
/// for `stream_read_timeout`, keep-alives included, ends the stream, and it is the
/// same silence as the stream's [`super::sse::Limits::silence`]).
pub fn clients(
    request_timeout: Duration,
    stream_read_timeout: Duration,
) -> Result<(reqwest::Client, reqwest::Client), ProviderError> {
    // One certificate check for every client, made on the first handshake (`tls`).
    let tls = super::tls::config().map_err(|e| ProviderError::Network(format!("cannot set up TLS: {e}")))?;
    let build = |b: reqwest::ClientBuilder| {
        b.connect_timeout(CONNECT_TIMEOUT)
            .user_agent(concat!("frontdesk/", env!("CARGO_PKG_VERSION")))
            .tls_backend_preconfigured(tls.clone())
            .build()
            .map_err(|e| ProviderError::Network(e.to_string()))
    };
    Ok((
        build(reqwest::Client::builder().timeout(request_timeout))?,
        build(reqwest::Client::builder().read_timeout(stream_read_timeout))?,
    ))
}

/// A request that did not get an answer: the whole cause chain, since reqwest's
/// own text hides it ("error sending request").
pub fn network(e: &reqwest::Error) -> ProviderError {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text = format!("{text}: {s}");
        source = s.source();
    }
    ProviderError::Network(text)
}

/// The body of `resp`, read as it arrives and refused (a [`ProviderError::Malformed`]
/// that says so) once it passes `max` bytes: a huge or endless answer never takes
/// more memory than that. Every adapter reads its answers through this.
pub async fn body(mut resp: reqwest::Response, max: usize) -> ProviderResult<Vec<u8>> {
    let too_large = || ProviderError::Malformed(format!("the answer was larger than {}", size(max)));
    // Said up front: refused before a byte of it is read.
    let declared = match resp.content_length().map(usize::try_from) {
        Some(Ok(n)) if n > max => return Err(too_large()),
        Some(Err(_)) => return Err(too_large()),
        Some(Ok(n)) => n,
        None => 0,
    };
    let mut out = Vec::with_capacity(declared);
    while let Some(chunk) = resp.chunk().await.map_err(|e| network(&e))? {
        if out.len().saturating_add(chunk.len()) > max {
            return Err(too_large());
        }
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

/// `req` with a secret (an API key) in header `name`, marked sensitive: left out of
/// any `Debug` of the request, and of HTTP/2 header compression.
pub fn secret_header(req: reqwest::RequestBuilder, name: &'static str, secret: &str) -> reqwest::RequestBuilder {
    match reqwest::header::HeaderValue::from_str(secret) {
        Ok(mut value) => {
            value.set_sensitive(true);
            req.header(name, value)
        }
        // Refused when sent, in reqwest's words, which never quote the value.
        Err(_) => req.header(name, secret),
    }
}

/// An answer's body, at most [`MAX_BODY`]. An error is known by its status even
/// when its body is too large to read: then its body is empty.
pub async fn answer_body(resp: reqwest::Response) -> ProviderResult<Vec<u8>> {
    let failed = !resp.status().is_success();
    match body(resp, MAX_BODY).await {
        Err(ProviderError::Malformed(_)) if failed => Ok(Vec::new()),
        read => read,
    }
}

/// A byte count as people read it: "16 MiB", "64 KiB", "100 bytes".
pub fn size(bytes: usize) -> String {
    const KIB: usize = 1 << 10;
    const MIB: usize = 1 << 20;
    match bytes {
        0 => "0 bytes".to_owned(),
        n if n % MIB == 0 => format!("{} MiB", n / MIB),
        n if n % KIB == 0 => format!("{} KiB", n / KIB),
        n => format!("{n} bytes"),
    }
}

/// One path segment, escaped.
pub fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// `Retry-After` in seconds or as an HTTP date, clamped to 1 s – 10 min.
pub fn retry_after(v: &str) -> Option<Duration> {
    let secs = if let Ok(secs) = v.trim().parse::<u64>() {
        secs
    } else {
        let at = jiff::fmt::rfc2822::parse(v.trim()).ok()?.timestamp();
        u64::try_from(at.as_second() - jiff::Timestamp::now().as_second()).unwrap_or(0)
    };
    Some(Duration::from_secs(secs.clamp(1, 600)))
}

/// `Retry-After-Ms` (the reference server sends it beside `Retry-After`): the wait to
/// the millisecond, clamped to 1 ms – 10 min.
pub fn retry_after_ms(v: &str) -> Option<Duration> {
    let ms = v.trim().parse::<u64>().ok()?;
    Some(Duration::from_millis(ms.clamp(1, 600_000)))
}

/// The kind of error a status means, given the vendor's code and message.
pub fn by_status(status: StatusCode, retry_after: Option<Duration>, code: String, message: String) -> ProviderError {
    match status {
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => ProviderError::Auth(message),
        StatusCode::NOT_FOUND => ProviderError::NotFound(message),
        StatusCode::CONFLICT => ProviderError::Conflict(message),
        StatusCode::TOO_MANY_REQUESTS => ProviderError::RateLimited { retry_after },
        // A body that said nothing of its own is already "HTTP 502 …": not twice.
        s if s.is_server_error() && message.contains(s.as_str()) => ProviderError::Network(message),
        s if s.is_server_error() => ProviderError::Network(format!("{message} ({status})")),
        _ => ProviderError::Permanent { code, message },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_ms_reads_milliseconds_and_clamps() {
        assert_eq!(retry_after_ms("20"), Some(Duration::from_millis(20)));
        assert_eq!(retry_after_ms("0"), Some(Duration::from_millis(1)));
        assert_eq!(retry_after_ms("99999999"), Some(Duration::from_secs(600)));
        assert_eq!(retry_after_ms("soon"), None);
    }

    #[test]
    fn retry_after_reads_seconds_and_clamps() {
        assert_eq!(retry_after("5"), Some(Duration::from_secs(5)));
        assert_eq!(retry_after("0"), Some(Duration::from_secs(1)));
        assert_eq!(retry_after("99999"), Some(Duration::from_secs(600)));
        assert_eq!(retry_after("soon"), None);
    }

    #[test]
    fn a_server_error_names_its_status_once() {
        let bare = by_status(StatusCode::BAD_GATEWAY, None, "502".into(), "HTTP 502 Bad Gateway".into());
        assert_eq!(bare, ProviderError::Network("HTTP 502 Bad Gateway".into()));
        let said = by_status(StatusCode::SERVICE_UNAVAILABLE, None, "503".into(), "maintenance".into());
        assert_eq!(said, ProviderError::Network("maintenance (503 Service Unavailable)".into()));
    }

    use crate::loopback::{Server, endless};
    use tokio::io::AsyncWriteExt;

    async fn get(server: &Server) -> reqwest::Response {
        reqwest::get(&server.url).await.expect("an answer")
    }

    // On the paused clock, a read that waited for the body would end the test's
    // guard at once instead of hanging.
    async fn guarded<T>(f: impl std::future::Future<Output = T>) -> T {
        tokio::time::timeout(Duration::from_secs(60), f).await.expect("the body is refused without waiting for it")
    }

    #[tokio::test(start_paused = true)]
    async fn an_endless_answer_is_refused_at_the_cap() {
        let server = Server::start(|_, mut socket| async move {
            // No length: the body runs until the connection closes, which it never does.
            let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n[").await;
            endless(&mut socket, &vec![b' '; 64 << 10]).await;
        })
        .await;
        let read = guarded(body(get(&server).await, 1 << 20)).await;
        assert_eq!(read, Err(ProviderError::Malformed("the answer was larger than 1 MiB".into())));
        assert_eq!(size(MAX_BODY), "16 MiB");
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_that_says_it_is_too_large_is_refused_before_it_is_read() {
        let server = Server::start(|_, mut socket| async move {
            let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 50000000\r\n\r\n").await;
            std::future::pending::<()>().await;
        })
        .await;
        let read = guarded(body(get(&server).await, MAX_BODY)).await;
        assert_eq!(read, Err(ProviderError::Malformed("the answer was larger than 16 MiB".into())));
    }

    #[tokio::test]
    async fn an_answer_within_the_cap_is_read_whole() {
        let server = Server::start(|_, mut socket| async move {
            let _ = socket.write_all(b"HTTP/1.1 200 OK\r\n\r\n{\"ok\":true}").await;
        })
        .await;
        assert_eq!(body(get(&server).await, 11).await.as_deref(), Ok(&b"{\"ok\":true}"[..]));
    }

    #[tokio::test(start_paused = true)]
    async fn an_error_too_large_to_read_is_still_known_by_its_status() {
        let server = Server::start(|_, mut socket| async move {
            let _ = socket.write_all(b"HTTP/1.1 401 Unauthorized\r\ncontent-length: 50000000\r\n\r\n").await;
            std::future::pending::<()>().await;
        })
        .await;
        let resp = get(&server).await;
        assert_eq!(resp.status(), reqwest::StatusCode::UNAUTHORIZED);
        assert_eq!(guarded(answer_body(resp)).await, Ok(Vec::new()));
        // A success that large is refused, not emptied.
        let server = Server::start(|_, mut socket| async move {
            let _ = socket.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 50000000\r\n\r\n").await;
            std::future::pending::<()>().await;
        })
        .await;
        let read = guarded(answer_body(get(&server).await)).await;
        assert_eq!(read, Err(ProviderError::Malformed("the answer was larger than 16 MiB".into())));
    }
}
