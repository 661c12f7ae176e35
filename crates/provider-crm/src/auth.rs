//! Signing in to Iron: Supabase Auth's password grant gives an access token (a JWT
//! for `Authorization: Bearer`) and a refresh token. Both live in memory only (never
//! on disk, never in a log): a restart signs in again with the configured password.
//!
//! Supabase's hosted gateway refuses any request without an `apikey` header (the
//! project's public anon key: "No API key found in request"). It is sent on the
//! password grant and on refresh when the config gives one (`auth_anon_key`, or
//! `auth_anon_key_env`); it is public, but kept out of logs like any key.

use std::time::Duration;

use reqwest::{StatusCode, header};
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::wire;
use frontdesk_provider::http::{answer_body, network, retry_after, secret_header};
use frontdesk_provider::{ProviderError, ProviderResult};

/// A token with less than this left is refreshed before it is used, so a request
/// never leaves with a token that expires on the way.
const REFRESH_MARGIN: Duration = Duration::from_secs(60);
/// Supabase's default lifetime, for an answer without `expires_in`.
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// Who signed in, as Supabase describes the user.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct User {
    pub id: Option<String>,
    pub email: Option<String>,
    pub name: Option<String>,
}

struct Session {
    access: SecretString,
    refresh: Option<SecretString>,
    expires_at: Instant,
    user: User,
}

pub struct Auth {
    /// `{auth_url}/auth/v1/token`.
    token_url: String,
    email: String,
    password: SecretString,
    /// The Supabase project's public anon key, for its gateway's `apikey` header.
    anon_key: Option<SecretString>,
    http: reqwest::Client,
    /// A tokio mutex: held across the sign-in request, so concurrent callers wait
    /// for one sign-in instead of starting their own.
    session: Mutex<Option<Session>>,
}

impl Auth {
    pub fn new(auth_url: &str, email: &str, password: SecretString, http: reqwest::Client) -> Self {
        let trimmed = auth_url.trim().trim_end_matches('/');
        let trimmed = trimmed.strip_suffix("/auth/v1").unwrap_or(trimmed);
        Self {
            token_url: format!("{trimmed}/auth/v1/token"),
            email: email.trim().to_owned(),
            password,
            anon_key: None,
            http,
            session: Mutex::new(None),
        }
    }

    /// Sends the project's public anon key as `apikey` on every sign-in request.
    pub fn set_anon_key(&mut self, key: SecretString) {
        self.anon_key = Some(key).filter(|k| !k.expose_secret().trim().is_empty());
    }

    /// A token good for at least a minute: signs in the first time, refreshes one
    /// that is about to expire.
    pub async fn token(&self) -> ProviderResult<SecretString> {
        let mut guard = self.session.lock().await;
        let fresh = match guard.as_ref() {
            Some(s) if s.expires_at.saturating_duration_since(Instant::now()) > REFRESH_MARGIN => {
                return Ok(s.access.clone());
            }
            Some(s) => self.renewed(s).await?,
            None => {
                self.grant("password", json!({ "email": self.email, "password": self.password.expose_secret() }), None)
                    .await?
            }
        };
        let access = fresh.access.clone();
        *guard = Some(fresh);
        Ok(access)
    }

    /// After a 401 with `stale`: a new token, unless another request already got one.
    pub async fn renew(&self, stale: &SecretString) -> ProviderResult<SecretString> {
        let mut guard = self.session.lock().await;
        let fresh = match guard.as_ref() {
            Some(s) if s.access.expose_secret() != stale.expose_secret() => return Ok(s.access.clone()),
            Some(s) => self.renewed(s).await?,
            None => {
                self.grant("password", json!({ "email": self.email, "password": self.password.expose_secret() }), None)
                    .await?
            }
        };
        let access = fresh.access.clone();
        *guard = Some(fresh);
        Ok(access)
    }

    /// The signed-in user (signing in if need be).
    pub async fn user(&self) -> ProviderResult<User> {
        self.token().await?;
        Ok(self.session.lock().await.as_ref().map(|s| s.user.clone()).unwrap_or_default())
    }

    /// The refresh grant; a refresh token that no longer works (revoked, or already
    /// used by another client) falls back to the password.
    async fn renewed(&self, old: &Session) -> ProviderResult<Session> {
        if let Some(refresh) = &old.refresh {
            let body = json!({ "refresh_token": refresh.expose_secret() });
            match self.grant("refresh_token", body, Some(&old.user)).await {
                Ok(s) => return Ok(s),
                Err(ProviderError::Auth(why)) => tracing::info!(%why, "Iron refresh refused; signing in again"),
                Err(e) => return Err(e),
            }
        }
        let body = json!({ "email": self.email, "password": self.password.expose_secret() });
        self.grant("password", body, Some(&old.user)).await
    }

    async fn grant(&self, grant_type: &str, body: Value, known: Option<&User>) -> ProviderResult<Session> {
        let mut req = self.http.post(&self.token_url).query(&[("grant_type", grant_type)]).json(&body);
        if let Some(key) = &self.anon_key {
            req = secret_header(req, "apikey", key.expose_secret());
        }
        let resp = req.send().await.map_err(|e| network(&e))?;
        let status = resp.status();
        let wait = resp.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(retry_after);
        let bytes = answer_body(resp).await?;
        if !status.is_success() {
            let detail = wire::error_text(&bytes).unwrap_or_else(|| format!("HTTP {status}"));
            return Err(match status {
                StatusCode::TOO_MANY_REQUESTS => ProviderError::RateLimited { retry_after: wait },
                s if s.is_server_error() => ProviderError::Network(format!("Iron sign-in: {detail} ({status})")),
                // Supabase answers a wrong password with 400 invalid_grant.
                _ => ProviderError::Auth(format!("Iron sign-in failed: {detail}")),
            });
        }
        let v: Value = serde_json::from_slice(&bytes)
            .map_err(|e| ProviderError::Malformed(format!("Iron sign-in answer: {e}")))?;
        let access = v
            .get("access_token")
            .and_then(Value::as_str)
            .filter(|t| !t.trim().is_empty())
            .ok_or_else(|| ProviderError::Malformed("Iron sign-in answered without an access token".into()))?;
        let refresh = v.get("refresh_token").and_then(Value::as_str).filter(|t| !t.trim().is_empty());
        let lifetime = v.get("expires_in").and_then(Value::as_u64).map_or(DEFAULT_LIFETIME, Duration::from_secs);
        let user = v.get("user").map(wire::user_of).filter(|u| u.id.is_some() || u.email.is_some());
        Ok(Session {
            access: SecretString::from(access.to_owned()),
            refresh: refresh.map(|r| SecretString::from(r.to_owned())),
            expires_at: Instant::now() + lifetime,
            user: user.or_else(|| known.cloned()).unwrap_or_default(),
        })
    }
}
