//! The key a webhook is signed with, in the two formats in use.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::WebhookError;

/// The prefix of a Standard Webhooks secret (`whsec_` then base64 key bytes).
const STANDARD_PREFIX: &str = "whsec_";

/// A webhook signing secret, ready to key HMAC-SHA256.
///
/// Two formats exist, and the text alone cannot tell them apart, so the
/// constructor says which one you have:
///
/// - [`WebhookSecret::new`]: the secret exactly as Parallel shows it (Settings
///   → Webhooks). Parallel's documentation keys the HMAC with the secret's
///   text as given, so this is the one to use for deliveries from Parallel.
/// - [`WebhookSecret::standard`]: a Standard Webhooks secret, `whsec_`
///   followed by the base64 of the key bytes; the key is the decoded bytes.
///
/// The secret never appears in `Debug` output or in any error.
///
/// ```
/// use parallel_web::webhooks::WebhookSecret;
/// let from_parallel = WebhookSecret::new("my-account-secret");
/// let standard = WebhookSecret::standard("whsec_c2VjcmV0LWtleS1ieXRlcw==").unwrap();
/// assert_eq!(format!("{from_parallel:?}"), "WebhookSecret(<redacted>)");
/// # let _ = standard;
/// ```
#[derive(Clone)]
pub struct WebhookSecret {
    /// HMAC keyed once: each verification clones this state instead of
    /// hashing the key again.
    pub(super) mac: Hmac<Sha256>,
}

impl WebhookSecret {
    /// The secret as given: its UTF-8 bytes are the HMAC key (Parallel's
    /// documented format). A `whsec_` prefix is kept as part of the key; use
    /// [`WebhookSecret::standard`] for Standard Webhooks secrets.
    pub fn new(secret: impl AsRef<str>) -> Self {
        Self::from_bytes(secret.as_ref().as_bytes())
    }

    /// Raw key bytes.
    pub fn from_bytes(key: impl AsRef<[u8]>) -> Self {
        // HMAC accepts keys of any length, so this cannot fail.
        let mac = <Hmac<Sha256> as Mac>::new_from_slice(key.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        WebhookSecret { mac }
    }

    /// A Standard Webhooks secret: `whsec_` followed by standard base64 of
    /// the key bytes (the prefix may be left out).
    ///
    /// # Errors
    /// [`WebhookError::InvalidSecret`] when the rest is not base64 or is empty.
    pub fn standard(secret: &str) -> Result<Self, WebhookError> {
        let encoded = secret.strip_prefix(STANDARD_PREFIX).unwrap_or(secret);
        match STANDARD.decode(encoded.trim()) {
            Ok(key) if !key.is_empty() => Ok(Self::from_bytes(key)),
            Ok(_) => Err(WebhookError::InvalidSecret {
                reason: "the key after `whsec_` is empty",
            }),
            Err(_) => Err(WebhookError::InvalidSecret {
                reason: "the text after `whsec_` is not standard base64; if this is a secret \
                         copied from Parallel's settings, use `WebhookSecret::new`",
            }),
        }
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(<redacted>)")
    }
}

impl From<&str> for WebhookSecret {
    /// Same as [`WebhookSecret::new`].
    fn from(secret: &str) -> Self {
        WebhookSecret::new(secret)
    }
}

impl From<String> for WebhookSecret {
    /// Same as [`WebhookSecret::new`].
    fn from(secret: String) -> Self {
        WebhookSecret::new(secret)
    }
}
