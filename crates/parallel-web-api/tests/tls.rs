//! Building a client leaves process-wide TLS state alone: an application
//! that installs its own rustls provider, or none, keeps it that way.
//!
//! One test in its own binary, so no other test installs a provider first.
#![cfg(feature = "rustls")]

use parallel_web_api::{Client, ClientConfig, DEFAULT_BASE_URL};

#[test]
fn building_clients_installs_no_process_wide_tls_provider() {
    ClientConfig::new(DEFAULT_BASE_URL, "my-api-key")
        .build_http_client()
        .unwrap();
    Client::with_api_key(DEFAULT_BASE_URL, "my-api-key").unwrap();
    assert!(rustls::crypto::CryptoProvider::get_default().is_none());
}
