//! Reaching the line store: the connection settings from `[line_store]`, TLS through rustls with
//! the server's certificate verified (against `ca_file` or the operating system's store), a
//! small pool for short calls, and single connections for the claimer and LISTEN.

use super::Error;
use crate::config::line_store::{LineStoreConfig, SslMode};
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::sync::Arc;
use std::time::Duration;
use tokio_postgres::AsyncMessage;
use tokio_postgres_rustls::MakeRustlsConnect;

/// How long a connection attempt may take before the store counts as unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The schema every table of the line store lives in.
pub const SCHEMA: &str = "shopfloor";

/// The connection settings (the password goes in here and nowhere else).
pub fn pg_config(cfg: &LineStoreConfig, application: &str) -> tokio_postgres::Config {
    let mut c = tokio_postgres::Config::new();
    c.host(&cfg.host)
        .port(cfg.port)
        .user(&cfg.user)
        .dbname(&cfg.dbname)
        .application_name(application)
        .connect_timeout(CONNECT_TIMEOUT)
        .keepalives_idle(Duration::from_secs(30))
        .options(format!("-c search_path={SCHEMA}"))
        .ssl_mode(match cfg.sslmode {
            SslMode::Disable => tokio_postgres::config::SslMode::Disable,
            SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
            SslMode::Require => tokio_postgres::config::SslMode::Require,
        });
    if let Some(p) = &cfg.password {
        c.password(p.expose());
    }
    c
}

/// The TLS side: rustls with the CA file's certificates, or else the operating system's.
pub fn tls(cfg: &LineStoreConfig) -> Result<MakeRustlsConnect, Error> {
    let mut roots = rustls::RootCertStore::empty();
    match &cfg.ca_file {
        Some(path) => {
            let pem =
                std::fs::read(path).map_err(|e| Error::Tls(format!("cannot read ca_file {}: {e}", path.display())))?;
            let mut n = 0;
            for cert in rustls::pki_types::pem::PemObject::pem_slice_iter(&pem) {
                let cert: rustls::pki_types::CertificateDer<'static> =
                    cert.map_err(|e| Error::Tls(format!("ca_file {} is not PEM: {e}", path.display())))?;
                roots.add(cert).map_err(|e| Error::Tls(format!("ca_file {}: {e}", path.display())))?;
                n += 1;
            }
            if n == 0 {
                return Err(Error::Tls(format!("ca_file {} holds no certificate", path.display())));
            }
        }
        None if cfg.sslmode != SslMode::Disable => {
            // Only what loads is used; an unreadable system file is no reason to stop.
            let found = rustls_native_certs::load_native_certs();
            roots.add_parsable_certificates(found.certs);
        }
        None => {}
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Tls(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(config))
}

/// A pool of connections for short calls (heartbeats, audit copies, the budget, reading).
pub fn pool(cfg: &LineStoreConfig, size: usize) -> Result<Pool, Error> {
    let manager = Manager::from_config(
        pg_config(cfg, "shopfloor"),
        tls(cfg)?,
        ManagerConfig { recycling_method: RecyclingMethod::Fast },
    );
    Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(CONNECT_TIMEOUT))
        .create_timeout(Some(CONNECT_TIMEOUT))
        .runtime(deadpool_postgres::Runtime::Tokio1)
        .build()
        .map_err(|e| Error::Tls(format!("cannot set up the connection pool: {e}")))
}

/// One connection of its own, driven by a task; notifications (LISTEN) arrive on the channel.
pub async fn connect(
    cfg: &LineStoreConfig,
    application: &str,
) -> Result<(tokio_postgres::Client, tokio::sync::mpsc::UnboundedReceiver<tokio_postgres::Notification>), Error> {
    let (client, mut connection) =
        pg_config(cfg, application).connect(tls(cfg)?).await.map_err(|e| Error::unreachable(cfg, &e))?;
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        use futures_util::StreamExt;
        while let Some(m) = messages.next().await {
            match m {
                Ok(AsyncMessage::Notification(n)) => {
                    let _ = tx.send(n);
                }
                Ok(_) => {}
                Err(e) => {
                    tracing::warn!("line store connection ended: {e}");
                    break;
                }
            }
        }
    });
    Ok((client, rx))
}

/// A client from the pool, or the reason none could be had.
pub async fn get(pool: &Pool, cfg: &LineStoreConfig) -> Result<deadpool_postgres::Object, Error> {
    pool.get().await.map_err(|e| match e {
        deadpool_postgres::PoolError::Backend(e) => Error::unreachable(cfg, &e),
        other => Error::Unreachable { at: cfg.describe(), why: other.to_string() },
    })
}
