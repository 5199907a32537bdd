//! The one place requests go out: builds the HTTP client as the plant's network needs it
//! (the operating system's CA store plus `[network] ca_file`, the configured proxy), sends,
//! reads the whole answer, logs every failure with its reason, and classifies transport
//! failures. A failure after the request left is "dropped" (ambiguous), never "refused".

use super::ApiError;
use crate::config::network::{self, NetworkConfig};
use bytes::Bytes;
use reqwest::header::HeaderMap;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::CertificateDer;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use url::Url;

pub(crate) struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

/// The operating system's CA certificates, read once per process (they are a few hundred).
fn os_roots() -> &'static (Vec<CertificateDer<'static>>, usize) {
    static ROOTS: OnceLock<(Vec<CertificateDer<'static>>, usize)> = OnceLock::new();
    ROOTS.get_or_init(|| {
        let found = rustls_native_certs::load_native_certs();
        if !found.errors.is_empty() {
            tracing::warn!(errors = found.errors.len(), first = %found.errors[0], "some of the system's CA certificates could not be read");
        }
        (found.certs, found.errors.len())
    })
}

fn setup_error(detail: String) -> ApiError {
    ApiError::Setup(detail)
}

/// TLS that trusts what the machine trusts (a plant installs its proxy's CA there) and the
/// config's `ca_file`; nothing compiled in.
fn tls_config(net: &NetworkConfig, needs_tls: bool) -> Result<rustls::ClientConfig, ApiError> {
    let mut roots = rustls::RootCertStore::empty();
    let (os_added, os_ignored) = roots.add_parsable_certificates(os_roots().0.iter().cloned());
    let mut from_file = 0;
    if let Some(path) = &net.ca_file {
        let pem = crate::config::read_small_file(path, crate::config::MAX_CONFIG_BYTES * 4).map_err(|e| {
            setup_error(format!(
                "cannot read [network] ca_file {}: {e}; check the path and its permissions",
                path.display()
            ))
        })?;
        for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
            let cert = cert.map_err(|e| {
                setup_error(format!("[network] ca_file {} is not a PEM certificate file ({e})", path.display()))
            })?;
            roots.add(cert).map_err(|e| {
                setup_error(format!(
                    "[network] ca_file {} holds a certificate that cannot be used ({e})",
                    path.display()
                ))
            })?;
            from_file += 1;
        }
    }
    if needs_tls && roots.is_empty() {
        return Err(setup_error(
            "no CA certificate to check the servers' certificates with: the system's store is empty (install the \
             ca-certificates package) and [network] ca_file is not set"
                .into(),
        ));
    }
    tracing::debug!(os_added, os_ignored, from_file, "TLS roots loaded");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| setup_error(format!("cannot set up TLS: {e}")))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config)
}

/// The client for calls to `urls` (every one of them carries a secret). Refuses plain
/// `http://` to another machine, and never follows a redirect to another host or down to
/// `http://`: the token and key headers would go along.
pub(crate) fn build_client(timeout: Duration, net: &NetworkConfig, urls: &[&Url]) -> Result<reqwest::Client, ApiError> {
    if let Some(why) = urls.iter().find_map(|u| network::plain_http_refusal(u)) {
        return Err(ApiError::Insecure(why));
    }
    let needs_tls = urls.iter().any(|u| u.scheme() == "https");
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(5)))
        .user_agent(concat!("shopfloor/", env!("CARGO_PKG_VERSION")))
        .use_preconfigured_tls(tls_config(net, needs_tls)?)
        .redirect(reqwest::redirect::Policy::custom(|attempt| {
            let first = attempt.previous().first().cloned();
            let next = attempt.url();
            let same_origin = first.as_ref().is_some_and(|f| f.host_str() == next.host_str());
            let downgrade = next.scheme() == "http" && !network::is_loopback(next);
            if attempt.previous().len() > 3 || !same_origin || downgrade {
                attempt.stop()
            } else {
                attempt.follow()
            }
        }));
    if let Some(proxy) = &net.proxy {
        // The simulator and local tunnels are reached directly.
        let p = reqwest::Proxy::all(proxy.expose())
            .map_err(|e| setup_error(format!("[network] proxy cannot be used: {}", network::redact(&e.to_string()))))?
            .no_proxy(reqwest::NoProxy::from_string("localhost,127.0.0.1,::1"));
        builder = builder.proxy(p);
    }
    builder.build().map_err(|e| setup_error(format!("cannot set up HTTP: {}", network::redact(&e.to_string()))))
}

fn host_of(u: Option<&Url>) -> String {
    u.and_then(|u| {
        u.host_str().map(|h| match u.port() {
            Some(p) => format!("{h}:{p}"),
            None => h.to_string(),
        })
    })
    .unwrap_or_else(|| "the server".into())
}

/// The TLS problem behind a failed request, if that is what it was.
fn tls_reason(e: &reqwest::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(err) = source {
        if let Some(t) = err.downcast_ref::<rustls::Error>() {
            return Some(describe_tls(t));
        }
        // io::Error hides the error it wraps from `source()`.
        if let Some(t) = err.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref()) {
            if let Some(t) = t.downcast_ref::<rustls::Error>() {
                return Some(describe_tls(t));
            }
        }
        source = err.source();
    }
    None
}

fn describe_tls(e: &rustls::Error) -> String {
    use rustls::CertificateError as C;
    match e {
        rustls::Error::InvalidCertificate(C::UnknownIssuer) => {
            "its certificate is signed by a CA this station does not trust".into()
        }
        rustls::Error::InvalidCertificate(C::Expired | C::ExpiredContext { .. }) => {
            "its certificate has expired (or this machine's clock is wrong)".into()
        }
        rustls::Error::InvalidCertificate(C::NotValidForName | C::NotValidForNameContext { .. }) => {
            "its certificate is made out to another name".into()
        }
        other => format!("TLS failed ({other})"),
    }
}

fn classify(e: &reqwest::Error, timeout: Duration) -> ApiError {
    if let Some(reason) = tls_reason(e) {
        ApiError::Tls { host: host_of(e.url()), reason }
    } else if e.is_timeout() {
        ApiError::Timeout(timeout)
    } else if e.is_connect() {
        ApiError::ConnectionRefused { host: host_of(e.url()) }
    } else {
        ApiError::ConnectionDropped
    }
}

pub(crate) async fn send(req: reqwest::RequestBuilder, timeout: Duration) -> Result<Answer, ApiError> {
    let (client, req) = req.build_split();
    let req = req.map_err(|e| setup_error(format!("cannot build the request: {}", network::redact(&e.to_string()))))?;
    // The last line of defence: a client built for https never sends a secret in clear.
    if let Some(why) = network::plain_http_refusal(req.url()) {
        return Err(ApiError::Insecure(why));
    }
    let (method, host, path) = (req.method().clone(), host_of(Some(req.url())), req.url().path().to_string());
    let started = Instant::now();
    let result = async {
        let resp = client.execute(req).await.map_err(|e| classify(&e, timeout))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let body = resp.bytes().await.map_err(|e| classify(&e, timeout))?;
        Ok(Answer { status, headers, body })
    }
    .await;
    let ms = started.elapsed().as_millis() as u64;
    match &result {
        Err(e) => tracing::warn!(target: "shopfloor::api", %method, %host, %path, ms, "request failed: {e}"),
        Ok(a) if a.status >= 400 => tracing::warn!(
            target: "shopfloor::api",
            %method, %host, %path, ms, status = a.status,
            "backend answered HTTP {}: {}", a.status, excerpt(&a.body)
        ),
        Ok(_) => tracing::debug!(target: "shopfloor::api", %method, %host, %path, ms, "answered"),
    }
    result
}

/// A short, printable excerpt of an unexpected body (never the whole thing).
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let t: String = text.chars().take(120).collect();
    if t.trim().is_empty() {
        "empty body".into()
    } else {
        t.replace(['\n', '\r'], " ")
    }
}
