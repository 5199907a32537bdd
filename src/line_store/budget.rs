//! One Lagerkoll budget per API key, shared by every station that uses the key: a window in
//! the store (`budget_acquire`, serialised per key by an advisory lock) holds the places taken
//! in the last minute, and a person's request waiting anywhere on the line keeps every
//! station's background refreshes back until it has its place.

use crate::api::budget::{Priority, SharedWindow};
use crate::config::line_store::LineStoreConfig;
use crate::config::Secret;
use deadpool_postgres::Pool;
use futures_util::future::BoxFuture;
use sha2::{Digest, Sha256};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The shared window of one API key.
pub struct SharedBudget {
    pool: Pool,
    cfg: LineStoreConfig,
    /// SHA-256 of the key and store: the key itself never leaves the station.
    key_hash: String,
    per_minute: i32,
    window: Duration,
    next_waiter: AtomicU64,
}

/// The store's name for an API key: a hash, so the key itself is never stored.
pub fn key_hash(api_key: &Secret, store: &Secret) -> String {
    let mut h = Sha256::new();
    h.update(api_key.expose().as_bytes());
    h.update([0]);
    h.update(store.expose().as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

impl SharedBudget {
    pub fn new(pool: Pool, cfg: LineStoreConfig, key_hash: String, per_minute: u32, window: Duration) -> Arc<Self> {
        Arc::new(SharedBudget {
            pool,
            cfg,
            key_hash,
            per_minute: per_minute.min(i32::MAX as u32) as i32,
            window,
            next_waiter: AtomicU64::new(0),
        })
    }

    async fn try_acquire(&self, waiter: &str, user: bool) -> Result<Result<i64, Duration>, super::Error> {
        let client = super::connect::get(&self.pool, &self.cfg).await?;
        let window_ms = self.window.as_millis().min(i32::MAX as u128) as i32;
        let row = client
            .query_one(
                "SELECT slot, wait_ms FROM budget_acquire($1, $2, $3, $4, $5, $6)",
                &[&self.key_hash, &self.cfg.station, &waiter, &self.per_minute, &window_ms, &user],
            )
            .await
            .map_err(super::Error::db)?;
        Ok(match row.get::<_, Option<i64>>(0) {
            Some(slot) => Ok(slot),
            None => Err(Duration::from_millis(row.get::<_, i64>(1).max(1) as u64)),
        })
    }
}

impl SharedWindow for SharedBudget {
    fn acquire(&self, priority: Priority) -> BoxFuture<'_, Option<i64>> {
        Box::pin(async move {
            let n = self.next_waiter.fetch_add(1, Ordering::Relaxed);
            let waiter = format!("{}#{}#{n}", self.cfg.station, std::process::id());
            loop {
                match self.try_acquire(&waiter, priority == Priority::User).await {
                    Ok(Ok(slot)) => return Some(slot),
                    Ok(Err(wait)) => tokio::time::sleep(wait).await,
                    Err(e) => {
                        tracing::warn!("shared Lagerkoll budget not reachable, this station's own budget applies: {e}");
                        return None;
                    }
                }
            }
        })
    }

    fn release(&self, slot: i64) {
        let Ok(rt) = tokio::runtime::Handle::try_current() else { return };
        let (pool, cfg) = (self.pool.clone(), self.cfg.clone());
        rt.spawn(async move {
            let done = async {
                let c = super::connect::get(&pool, &cfg).await?;
                c.execute("UPDATE budget_slots SET done_at = clock_timestamp() WHERE id = $1", &[&slot])
                    .await
                    .map_err(super::Error::db)
            };
            // Unreleased, the place frees itself two minutes after the send.
            if let Err(e) = done.await {
                tracing::warn!("could not give a place back to the shared budget: {e}");
            }
        });
    }
}
