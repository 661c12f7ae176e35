//! The server's part of the config file: `[server]` (with `[server.copilot]`) and
//! `[demo]`. The binary assembles the whole file; each section is checked here, by
//! the layer that knows what its numbers mean.

use serde::{Deserialize, Serialize};

use crate::copilot::CopilotConfig;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerConfig {
    /// Address to listen on.
    pub bind: String,
    /// `sqlite://PATH`; empty means the XDG data directory.
    pub database: String,
    /// Request bodies larger than this are refused with 413.
    pub body_limit_bytes: usize,
    /// Requests per second per API key (0: no limit), and the burst allowed.
    pub rate_limit_per_second: u32,
    pub rate_limit_burst: u32,
    /// How long the event log keeps events for `Last-Event-ID` resume.
    pub event_retention_hours: u32,
    /// Seconds between keep-alive comments on idle event streams.
    pub event_keep_alive_secs: u32,
    /// First-response target for orgs made by `admin create-org`.
    pub first_response_minutes: u32,
    /// PEM certificate chain and private key: with both, `serve` speaks HTTPS.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_cert: Option<std::path::PathBuf>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tls_key: Option<std::path::PathBuf>,
    pub copilot: CopilotConfig,
}

impl ServerConfig {
    /// What serde cannot say: numbers that parse but cannot work.
    pub fn validate(&self) -> Result<(), String> {
        if self.body_limit_bytes < 1024 {
            return Err("server.body_limit_bytes must be at least 1024".into());
        }
        if self.event_keep_alive_secs == 0 {
            return Err("server.event_keep_alive_secs must be at least 1".into());
        }
        if self.first_response_minutes == 0 {
            return Err("server.first_response_minutes must be at least 1".into());
        }
        if self.tls_cert.is_some() != self.tls_key.is_some() {
            return Err("server.tls_cert and server.tls_key go together: set both, or neither".into());
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DemoConfig {
    /// Seconds between simulated inbound messages, on average.
    pub interval_secs: f64,
}

impl DemoConfig {
    pub fn validate(&self) -> Result<(), String> {
        if self.interval_secs.is_finite() && self.interval_secs > 0.0 {
            Ok(())
        } else {
            Err("demo.interval_secs must be a positive number of seconds".into())
        }
    }
}
