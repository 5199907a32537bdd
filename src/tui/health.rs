//! How each backend looks after a call (online, slow, offline with why), in a few words for the
//! status bar.

use super::msg::Health;
use crate::api::ApiError;
use crate::worker::Response;
use std::time::Duration;

/// Calls slower than this show the backend as slow.
pub const SLOW: Duration = Duration::from_secs(2);

/// An answer, even a refusal, means the backend is up; no answer means it is not.
pub fn after(resp: &Response) -> Health {
    match resp.outcome.error() {
        Some(
            e @ (ApiError::Timeout(_)
            | ApiError::ConnectionRefused { .. }
            | ApiError::ConnectionDropped
            | ApiError::Server { .. }
            | ApiError::RateLimited { .. }
            | ApiError::NoToken
            | ApiError::TokenRejected
            | ApiError::AuthFailed(_)
            | ApiError::ChannelKeyMissing
            | ApiError::UnexpectedResponse { .. }
            | ApiError::Tls { .. }
            | ApiError::Insecure(_)
            | ApiError::Setup(_)),
        ) => Health::Offline(short(e)),
        _ if resp.elapsed >= SLOW => Health::Slow(resp.elapsed.as_millis() as u64),
        _ => Health::Online,
    }
}

/// A few words for the status bar.
pub fn short(e: &ApiError) -> String {
    match e {
        ApiError::Timeout(_) => "no answer (timeout)".into(),
        ApiError::ConnectionRefused { .. } => "unreachable".into(),
        ApiError::ConnectionDropped => "connection dropped".into(),
        ApiError::Server { status } => format!("server error {status}"),
        ApiError::RateLimited { retry_after } => format!("rate limited, retry in {} s", retry_after.as_secs()),
        ApiError::NoToken | ApiError::TokenRejected | ApiError::AuthFailed(_) => {
            "login refused: check token/API key".into()
        }
        ApiError::ChannelKeyMissing => "channel key refused".into(),
        ApiError::UnexpectedResponse { .. } => "unexpected answers: check base_url".into(),
        ApiError::Production { code_number, .. } => format!("error {code_number}"),
        ApiError::Tls { .. } => "certificate not trusted: see [network] ca_file".into(),
        ApiError::Insecure(_) => "refused plain http: use https".into(),
        ApiError::Setup(_) => "connection set-up failed: run check-config".into(),
        other => other.to_string(),
    }
}
