//! Refusals made outside the handlers speak the API's envelope too: axum's own
//! (a method the route does not take, a path segment that cannot be read) through
//! [`envelope`], and hyper's (a request it cannot parse) through [`Listener`].

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpListener;

use crate::tls::Conn;

use super::error::{ApiError, ErrorBody, ErrorEnvelope};

/// The envelope's code for a status.
#[must_use]
pub fn code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "BAD_REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        406 => "NOT_ACCEPTABLE",
        408 => "REQUEST_TIMEOUT",
        409 => "CONFLICT",
        411 => "LENGTH_REQUIRED",
        413 => "PAYLOAD_TOO_LARGE",
        414 => "URI_TOO_LONG",
        415 => "UNSUPPORTED_MEDIA_TYPE",
        422 => "VALIDATION_ERROR",
        429 => "RATE_LIMITED",
        431 => "HEADERS_TOO_LARGE",
        501 => "NOT_IMPLEMENTED",
        503 => "UNAVAILABLE",
        505 => "HTTP_VERSION_NOT_SUPPORTED",
        s if s >= 500 => "INTERNAL_ERROR",
        _ => "ERROR",
    }
}

/// What a refusal without words of its own says.
fn plain(status: StatusCode) -> String {
    match status.as_u16() {
        400 => "the request could not be read as HTTP".to_owned(),
        414 => "the request's URI is longer than this server accepts (64 KiB)".to_owned(),
        431 => "the request's headers are larger than this server accepts".to_owned(),
        _ => status.canonical_reason().unwrap_or("refused").to_lowercase(),
    }
}

/// Middleware: an error answer that is not already the envelope (axum's 405, a
/// path it could not read) becomes one, keeping its status and headers (`Allow`).
pub async fn envelope(resp: Response) -> Response {
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let is_json = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("application/json"));
    if is_json {
        return resp;
    }
    let (parts, body) = resp.into_parts();
    // axum's rejections are a line of text; anything longer is not worth quoting.
    let text = axum::body::to_bytes(body, 4096)
        .await
        .ok()
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .filter(|t| !t.is_empty());
    let allowed = parts.headers.get(header::ALLOW).and_then(|v| v.to_str().ok());
    let message = match (status, allowed) {
        (StatusCode::METHOD_NOT_ALLOWED, Some(allow)) => {
            format!("this method is not allowed here; allowed: {}", allow.replace(',', ", "))
        }
        _ => text.unwrap_or_else(|| plain(status)),
    };
    let mut out = ApiError::new(status, code(status), message).into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            // Appended: a header may come more than once (`vary`).
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    out
}

/// The server's listener: TCP, or TLS over TCP, each connection [`Enveloped`].
pub struct Listener {
    incoming: Incoming,
    local: SocketAddr,
}

enum Incoming {
    Plain(TcpListener),
    /// Connections whose handshake is done (see [`crate::tls`]).
    Tls(tokio::sync::mpsc::Receiver<(Conn, SocketAddr)>),
}

impl Listener {
    /// Plain HTTP on `listener`; with `tls`, HTTPS.
    ///
    /// # Errors
    /// When the listener has no local address.
    pub fn new(listener: TcpListener, tls: Option<tokio_rustls::TlsAcceptor>) -> io::Result<Self> {
        let local = listener.local_addr()?;
        let incoming = match tls {
            None => Incoming::Plain(listener),
            Some(acceptor) => Incoming::Tls(crate::tls::accept_loop(listener, acceptor)),
        };
        Ok(Self { incoming, local })
    }
}

impl axum::serve::Listener for Listener {
    type Io = Enveloped<Conn>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, SocketAddr) {
        let (conn, addr) = match &mut self.incoming {
            Incoming::Plain(listener) => {
                let (io, addr) = axum::serve::Listener::accept(listener).await;
                (Conn::Plain(io), addr)
            }
            // The accept loop ends only when this receiver is dropped.
            Incoming::Tls(rx) => match rx.recv().await {
                Some(accepted) => accepted,
                None => std::future::pending().await,
            },
        };
        (Enveloped { inner: conn, replacing: None }, addr)
    }

    fn local_addr(&self) -> io::Result<SocketAddr> {
        Ok(self.local)
    }
}

/// A connection whose bare refusals are rewritten as they are written.
///
/// hyper answers a request it cannot parse (a URI past 64 KiB: 414; headers past
/// its buffer: 431; a request line that is not HTTP: 400) by itself, with an empty
/// body, and offers no hook for it. Such an answer is known by its shape, an error
/// status with `content-length: 0` in one write, which no answer of ours has (every
/// error of ours carries the envelope), and the envelope is written in its place.
pub struct Enveloped<T> {
    inner: T,
    /// The answer written instead: its bytes, how many are out, and the length of
    /// the one it replaces (what the writer is told was written).
    replacing: Option<(Vec<u8>, usize, usize)>,
}

impl<T: AsyncWrite + Unpin> Enveloped<T> {
    /// Writes the replacement out; ready with the replaced answer's length.
    fn poll_replacing(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<usize>> {
        while let Some((bytes, out, replaced)) = &mut self.replacing {
            if *out == bytes.len() {
                let n = *replaced;
                self.replacing = None;
                return Poll::Ready(Ok(n));
            }
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &bytes[*out..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            *out += n;
        }
        Poll::Ready(Ok(0))
    }
}

/// The envelope answer to put in place of `written`, if it is a bare refusal.
fn rewrite(written: &[u8]) -> Option<Vec<u8>> {
    // Every write passes here: most are let go at a glance (a bare head is short).
    if written.len() > 1024 || !written.starts_with(b"HTTP/1.") || !written.ends_with(b"\r\n\r\n") {
        return None;
    }
    let head = std::str::from_utf8(written).ok()?;
    let rest = head.strip_prefix("HTTP/1.1 ").or_else(|| head.strip_prefix("HTTP/1.0 "))?;
    let status = StatusCode::from_u16(rest.get(..3)?.parse().ok()?).ok()?;
    let lines = head.strip_suffix("\r\n\r\n")?;
    if lines.contains("\r\n\r\n") || !(status.is_client_error() || status.is_server_error()) {
        return None;
    }
    let mut headers = lines.split("\r\n").skip(1);
    if !headers.clone().any(|h| h.eq_ignore_ascii_case("content-length: 0")) {
        return None;
    }
    let body = serde_json::to_vec(&ErrorEnvelope {
        error: ErrorBody { code: code(status).to_owned(), message: plain(status), field: None },
    })
    .ok()?;
    let version = &head[..8];
    let mut out = format!("{version} {} {}\r\n", status.as_u16(), status.canonical_reason().unwrap_or("Error"));
    for h in headers.by_ref() {
        let name = h.split(':').next().unwrap_or_default();
        if !name.eq_ignore_ascii_case("content-length") && !name.eq_ignore_ascii_case("content-type") {
            out.push_str(h);
            out.push_str("\r\n");
        }
    }
    out.push_str("content-type: application/json\r\ncontent-length: ");
    out.push_str(&body.len().to_string());
    out.push_str("\r\n\r\n");
    let mut out = out.into_bytes();
    out.extend_from_slice(&body);
    Some(out)
}

impl<T: AsyncRead + Unpin> AsyncRead for Enveloped<T> {
    fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for Enveloped<T> {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        if self.replacing.is_none() {
            match rewrite(buf) {
                Some(bytes) => self.replacing = Some((bytes, 0, buf.len())),
                None => return Pin::new(&mut self.inner).poll_write(cx, buf),
            }
        }
        self.poll_replacing(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if self.replacing.is_none() {
            // A bare refusal is a head alone: one buffer.
            let mut filled = bufs.iter().filter(|b| !b.is_empty());
            let (Some(only), None) = (filled.next(), filled.next()) else {
                return Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
            };
            match rewrite(only) {
                Some(bytes) => self.replacing = Some((bytes, 0, only.len())),
                None => return Pin::new(&mut self.inner).poll_write_vectored(cx, bufs),
            }
        }
        self.poll_replacing(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_refusal_is_rewritten_and_an_answer_of_ours_is_not() {
        let bare = b"HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ncontent-length: 0\r\ndate: x\r\n\r\n";
        let out = String::from_utf8(rewrite(bare).expect("rewritten")).expect("text");
        assert!(out.starts_with("HTTP/1.1 414 URI Too Long\r\nconnection: close\r\ndate: x\r\n"), "{out}");
        let body = out.split("\r\n\r\n").nth(1).expect("a body");
        let v: serde_json::Value = serde_json::from_str(body).expect("json");
        assert_eq!(v["error"]["code"], "URI_TOO_LONG");
        assert!(out.contains(&format!("content-length: {}\r\n", body.len())));

        let ours = b"HTTP/1.1 404 Not Found\r\ncontent-type: application/json\r\ncontent-length: 52\r\n\r\n";
        assert!(rewrite(ours).is_none(), "has a body");
        assert!(rewrite(b"HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").is_none(), "not an error");
        assert!(rewrite(b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n{}").is_none(), "more than a head");
        assert!(rewrite(b"data: {\"x\": 1}\n\n").is_none(), "a stream's bytes");
    }
}
