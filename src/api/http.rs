//! The one place requests go out: sends, reads the whole answer, and classifies transport
//! failures. A failure after the request left is "dropped" (ambiguous), never "refused".

use super::ApiError;
use bytes::Bytes;
use reqwest::header::HeaderMap;
use std::time::Duration;

pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

pub(crate) fn build_client(timeout: Duration) -> Result<reqwest::Client, ApiError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("shopfloor/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| ApiError::UnexpectedResponse { status: 0, detail: format!("cannot set up HTTP: {e}") })
}

fn classify(e: &reqwest::Error, timeout: Duration) -> ApiError {
    if e.is_timeout() {
        ApiError::Timeout(timeout)
    } else if e.is_connect() {
        let host = e.url().and_then(|u| {
            u.host_str().map(|h| match u.port() {
                Some(p) => format!("{h}:{p}"),
                None => h.to_string(),
            })
        });
        ApiError::ConnectionRefused { host: host.unwrap_or_else(|| "the server".into()) }
    } else {
        ApiError::ConnectionDropped
    }
}

pub(crate) async fn send(req: reqwest::RequestBuilder, timeout: Duration) -> Result<Answer, ApiError> {
    let resp = req.send().await.map_err(|e| classify(&e, timeout))?;
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let body = resp.bytes().await.map_err(|e| classify(&e, timeout))?;
    Ok(Answer { status, headers, body })
}

/// A short, printable excerpt of an unexpected body (never the whole thing).
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let t: String = text.chars().take(120).collect();
    if t.trim().is_empty() {
        "empty body".into()
    } else {
        t
    }
}
