//! What every HTTP adapter shares: turning reqwest's errors into [`ProviderError`]s
//! that say why, reading `Retry-After`, and mapping a status to what the caller can
//! do about it. The vendor's error body is read by the adapter; this file only knows
//! HTTP.

use std::time::Duration;

use reqwest::StatusCode;

use super::ProviderError;

/// The two clients an adapter needs: one for ordinary requests (each bounded by
/// `request_timeout`), one for long-lived streams (bounded only by silence).
pub fn clients(
    request_timeout: Duration,
    stream_read_timeout: Duration,
) -> Result<(reqwest::Client, reqwest::Client), ProviderError> {
    let build = |b: reqwest::ClientBuilder| {
        b.connect_timeout(Duration::from_secs(5))
            .user_agent(concat!("frontdesk/", env!("CARGO_PKG_VERSION")))
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
}
