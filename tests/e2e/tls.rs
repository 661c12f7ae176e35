//! HTTPS without a proxy: with `server.tls_cert` and `server.tls_key` the server
//! speaks TLS (and nothing else) on its port; a half or broken setting is an error
//! naming what is wrong. `tls/` holds a test CA (its key was thrown away) and a
//! certificate it signed for localhost and 127.0.0.1, with that certificate's key:
//! for these tests only.

use std::path::PathBuf;

use reqwest::StatusCode;

use super::script::Shell;
use super::support::{TestServer, config};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/e2e/tls").join(name)
}

fn trusting_client() -> reqwest::Client {
    let pem = std::fs::read(fixture("ca.pem")).expect("the test CA");
    let cert = reqwest::Certificate::from_pem(&pem).expect("a PEM certificate");
    reqwest::Client::builder().tls_certs_only([cert]).build().expect("client")
}

#[tokio::test]
async fn with_a_certificate_the_server_speaks_https_only() {
    let mut cfg = config();
    cfg.server.tls_cert = Some(fixture("cert.pem"));
    cfg.server.tls_key = Some(fixture("key.pem"));
    let s = TestServer::start_with(cfg).await;
    assert!(s.url.starts_with("https://"), "{}", s.url);
    let me = trusting_client().get(format!("{}/v1/me", s.url)).bearer_auth(&s.key).send().await.expect("over TLS");
    assert_eq!(me.status(), StatusCode::OK);
    let me: serde_json::Value = me.json().await.expect("json");
    assert_eq!(me["org_name"], "Org A");
    // Plain HTTP to the same port gets no answer.
    let plain = s.url.replacen("https://", "http://", 1);
    let refused = reqwest::Client::new()
        .get(format!("{plain}/v1/me"))
        .bearer_auth(&s.key)
        .timeout(std::time::Duration::from_secs(15))
        .send()
        .await;
    assert!(refused.is_err(), "plain HTTP was answered: {refused:?}");
    // A client that does not trust the certificate is turned away by its own check.
    let untrusted = reqwest::Client::new().get(format!("{}/v1/me", s.url)).send().await;
    assert!(untrusted.is_err(), "an unknown certificate was accepted");
    // And the server goes on serving after both.
    let again = trusting_client().get(format!("{}/v1/me", s.url)).bearer_auth(&s.key).send().await.expect("again");
    assert_eq!(again.status(), StatusCode::OK);
}

/// The client checks the server's certificate against what the platform trusts
/// (`SSL_CERT_FILE` here, the test CA or not), though it reads no certificate
/// before its first handshake.
#[tokio::test(flavor = "multi_thread")]
async fn the_binary_trusts_what_the_platform_trusts() {
    let mut cfg = config();
    cfg.server.tls_cert = Some(fixture("cert.pem"));
    cfg.server.tls_key = Some(fixture("key.pem"));
    let s = TestServer::start_with(cfg).await;
    let sh = Shell::new(&s);
    let list = |roots: PathBuf| {
        let out = sh.command(&["list", "--json"]).env("SSL_CERT_FILE", roots).env_remove("SSL_CERT_DIR").output();
        out.expect("the binary runs")
    };
    let trusted = list(fixture("ca.pem"));
    assert!(trusted.status.success(), "{}", String::from_utf8_lossy(&trusted.stderr));
    assert!(serde_json::from_slice::<serde_json::Value>(&trusted.stdout).is_ok_and(|v| v.is_array()));
    // The certificate itself is no CA: trusting it alone trusts nothing.
    let untrusted = list(fixture("cert.pem"));
    let said = String::from_utf8_lossy(&untrusted.stderr);
    assert!(!untrusted.status.success(), "an unknown certificate was accepted");
    assert!(said.contains("certificate"), "{said}");
}

#[tokio::test]
async fn a_half_or_broken_tls_setting_is_an_error_naming_it() {
    let dir = tempfile::tempdir().expect("dir");
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let mut half = config();
    half.server.tls_cert = Some(fixture("cert.pem"));
    let err = frontdesk_server::start(&half.server, &db, "127.0.0.1:0").await.err().map(|e| e.to_string());
    assert_eq!(err.as_deref(), Some("server.tls_cert and server.tls_key go together: set both, or neither"));
    assert_eq!(
        half.server.validate(),
        Err("server.tls_cert and server.tls_key go together: set both, or neither".into())
    );

    let mut swapped = config();
    swapped.server.tls_cert = Some(fixture("key.pem"));
    swapped.server.tls_key = Some(fixture("key.pem"));
    let err = frontdesk_server::start(&swapped.server, &db, "127.0.0.1:0")
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("TLS certificate") && err.contains("key.pem"), "{err}");

    let mut missing = config();
    missing.server.tls_cert = Some(dir.path().join("nowhere.pem"));
    missing.server.tls_key = Some(fixture("key.pem"));
    let err = frontdesk_server::start(&missing.server, &db, "127.0.0.1:0")
        .await
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("cannot read the TLS certificate") && err.contains("nowhere.pem"), "{err}");
}
