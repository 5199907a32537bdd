//! The clients on a plant's network: through the `[network] proxy`, past a TLS-inspecting proxy
//! whose CA is given as `[network] ca_file`, and never over plain http to another machine.
//!
//! The "plant proxy" here listens on loopback: it answers CONNECT, then presents a certificate
//! for backend.example signed by its own CA (tests/fixtures/tls: made with `openssl ca`, valid
//! 2020–2120) and answers the request itself, as an inspecting proxy would pass it on. Nothing
//! is resolved or sent beyond this machine.

use shopfloor::api::{ApiError, ManufacturerClient};
use shopfloor::config::{self, Config};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/tls").join(name)
}

fn config(proxy_port: u16, ca_file: Option<&Path>) -> Config {
    let ca = ca_file.map(|p| format!("ca_file = \"{}\"\n", p.display())).unwrap_or_default();
    let text = format!(
        r#"[station]
id = "st-1"
packaging_line_tag = "line-1"
[manufacturer]
base_url = "https://backend.example/v1/manufacturer/v2/api/"
token = "static-token"
channel_key = "channel"
[production]
base_url = "https://backend.example/v1/production_orders/"
api_key = "pk"
store = "store"
[network]
proxy = "http://plant:proxy-pw@127.0.0.1:{proxy_port}"
{ca}"#
    );
    match config::parse(&text, Path::new("/etc/shopfloor/config.toml"), &|_| None) {
        Ok(l) => l.config,
        Err(e) => panic!("{e}"),
    }
}

async fn read_head<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> String {
    let mut head = Vec::new();
    let mut b = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if s.read(&mut b).await.unwrap_or(0) == 0 {
            break;
        }
        head.push(b[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// Starts the inspecting proxy; returns its port and what it saw (CONNECT heads and the
/// requests inside the tunnels).
async fn plant_proxy() -> (u16, Arc<Mutex<Vec<String>>>) {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer> =
        CertificateDer::pem_file_iter(fixture("backend.pem")).unwrap().collect::<Result<_, _>>().unwrap();
    let key = PrivateKeyDer::from_pem_file(fixture("backend.key")).unwrap();
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let log = log.clone();
            tokio::spawn(async move {
                let connect = read_head(&mut tcp).await;
                log.lock().unwrap().push(connect);
                tcp.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await.unwrap();
                // A client that does not trust the certificate ends the handshake here.
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let request = read_head(&mut tls).await;
                log.lock().unwrap().push(request);
                let body = br#"{"success":true,"message":"ok","data":[]}"#;
                let head = format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = tls.write_all(head.as_bytes()).await;
                let _ = tls.write_all(body).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (port, seen)
}

#[tokio::test]
async fn through_the_plant_proxy_with_its_ca_in_ca_file() {
    let (port, seen) = plant_proxy().await;
    let cfg = config(port, Some(&fixture("plant-ca.pem")));
    let client = ManufacturerClient::new(cfg.manufacturer).unwrap();
    let orders = client.open_packaging_orders(None).await.expect("the call goes through the proxy and TLS holds");
    assert!(orders.is_empty());
    let seen = seen.lock().unwrap().clone();
    assert!(seen[0].starts_with("CONNECT backend.example:443 HTTP/1.1"), "{seen:?}");
    // "plant:proxy-pw" in Basic: the proxy's credentials from the address.
    assert!(seen[0].to_ascii_lowercase().contains("proxy-authorization: basic cgxhbnq6chjvehktchc="), "{seen:?}");
    assert!(seen[1].starts_with("GET /v1/manufacturer/v2/api/packaging_order/open HTTP/1.1"), "{seen:?}");
    assert!(seen[1].to_ascii_lowercase().contains("x-access-token: static-token"), "{seen:?}");
}

#[tokio::test]
async fn without_the_plant_ca_the_error_says_to_set_ca_file_and_the_call_is_retried() {
    let (port, _seen) = plant_proxy().await;
    let cfg = config(port, None);
    let client = ManufacturerClient::new(cfg.manufacturer).unwrap();
    let e = client.open_packaging_orders(None).await.unwrap_err();
    assert!(matches!(e, ApiError::Tls { .. }), "{e:?}");
    let text = e.to_string();
    assert!(text.contains("backend.example"), "{text}");
    assert!(text.contains("signed by a CA this station does not trust"), "{text}");
    assert!(text.contains("[network] ca_file"), "{text}");
    // Serials waiting to be commissioned stay queued rather than rejected.
    assert!(e.is_retryable());
}

#[tokio::test]
async fn a_client_never_sends_secrets_over_plain_http_to_another_machine() {
    let mut cfg = config(9, None);
    cfg.manufacturer.base_url = url::Url::parse("http://backend.example/v1/manufacturer/v2/api/").unwrap();
    let e = ManufacturerClient::new(cfg.manufacturer).err().expect("refused before anything is sent");
    let text = e.to_string();
    assert!(text.contains("plain http://") && text.contains("Use https://"), "{text}");
}
