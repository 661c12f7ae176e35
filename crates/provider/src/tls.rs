//! The certificate check every HTTP client of ours makes, on the platform's roots,
//! built on the first TLS handshake instead of with the client.
//!
//! Building the platform's verifier reads and parses every certificate the system
//! trusts (some 140 files in `/etc/ssl/certs` here: 14 ms of a 40 ms start), and
//! reqwest builds one per client. A client only talking plain HTTP (our own server
//! on loopback) never needs it; one talking HTTPS builds it once, for every client
//! in the process, when the first connection is made, after the first screen is drawn.

use std::sync::{Arc, OnceLock};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::{DigitallySignedStruct, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};
use rustls_platform_verifier::Verifier;

/// TLS settings for reqwest: the platform's verifier, made when first asked, and
/// one for the whole process (the unified inbox's accounts share it too).
pub fn config() -> Result<rustls::ClientConfig, rustls::Error> {
    static SHARED: OnceLock<Arc<Lazy>> = OnceLock::new();
    let verifier = Arc::clone(SHARED.get_or_init(|| {
        // What reqwest itself would use: a provider installed by the program, or its own.
        let provider = CryptoProvider::get_default()
            .cloned()
            .unwrap_or_else(|| Arc::new(rustls::crypto::aws_lc_rs::default_provider()));
        Arc::new(Lazy { algorithms: provider.signature_verification_algorithms, provider, made: OnceLock::new() })
    }));
    Ok(rustls::ClientConfig::builder_with_provider(Arc::clone(&verifier.provider))
        .with_safe_default_protocol_versions()?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth())
}

#[derive(Debug)]
struct Lazy {
    provider: Arc<CryptoProvider>,
    algorithms: WebPkiSupportedAlgorithms,
    /// The platform's verifier, or why it could not be made (said on every handshake).
    made: OnceLock<Result<Verifier, rustls::Error>>,
}

/// How many platform verifiers were made, for the test that none is made early.
#[cfg(test)]
static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

impl Lazy {
    fn verifier(&self) -> Result<&Verifier, rustls::Error> {
        self.made
            .get_or_init(|| {
                #[cfg(test)]
                MADE.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                Verifier::new(Arc::clone(&self.provider))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

impl ServerCertVerifier for Lazy {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.verifier()?.verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::Ordering;
    use std::time::Duration;

    use super::MADE;

    /// Making an adapter's clients reads no certificate: the verifier waits for a
    /// handshake (the end-to-end test `tls::the_binary_trusts_what_the_platform_trusts`
    /// shows the check made when one comes).
    #[test]
    fn the_platform_roots_wait_for_the_first_handshake() {
        for _ in 0..2 {
            assert!(crate::http::clients(Duration::from_secs(5), Duration::from_secs(5)).is_ok());
        }
        assert_eq!(MADE.load(Ordering::SeqCst), 0);
    }
}
