//! One claim per pack, line-wide: a batch of scans is claimed in one transaction
//! (`INSERT … ON CONFLICT DO NOTHING RETURNING`), the packs claimed before by someone else are
//! read back with who claimed them, and the order's counters move and are announced (NOTIFY,
//! delivered at commit) in the same transaction.
//!
//! A claim whose answer was lost (committed, then the connection dropped) is sent again; the row
//! it finds then carries this station and this scan's id, so it is recognised as its own.

use super::backlog::{FirstClaim, Outgoing};
use super::Error;
use std::collections::{BTreeMap, HashMap};

/// The channel the counters are announced on; the payload is the order id.
pub const COUNTS_CHANNEL: &str = "shopfloor_counts";

/// Claims `batch` for `station`; for each scan, in order: `None` when it is (now or already)
/// this scan's own claim, or who had claimed it first.
pub async fn claim(
    client: &mut tokio_postgres::Client,
    station: &str,
    line: &str,
    batch: &[Outgoing],
) -> Result<Vec<Option<FirstClaim>>, Error> {
    if batch.is_empty() {
        return Ok(Vec::new());
    }
    let gtins: Vec<&str> = batch.iter().map(|s| s.gtin.as_str()).collect();
    let serials: Vec<&str> = batch.iter().map(|s| s.serial.as_str()).collect();
    let packs: Vec<i64> = batch.iter().map(|s| s.scan_id).collect();
    let operators: Vec<Option<&str>> = batch.iter().map(|s| s.operator.as_deref()).collect();
    let orders: Vec<&str> = batch.iter().map(|s| s.order_id.as_str()).collect();
    let times: Vec<chrono::DateTime<chrono::Utc>> = batch.iter().map(|s| s.scanned_at).collect();

    let tx = client.transaction().await.map_err(Error::db)?;
    let inserted = tx
        .query(
            "INSERT INTO claims (gtin, serial, station, pack, operator, order_id, line, scanned_at)
             SELECT gtin, serial, $7, pack, operator, order_id, $8, scanned_at
             FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[])
                  AS t (gtin, serial, pack, operator, order_id, scanned_at)
             ON CONFLICT (gtin, serial) DO NOTHING
             RETURNING pack, order_id",
            &[&gtins, &serials, &packs, &operators, &orders, &times, &station, &line],
        )
        .await
        .map_err(Error::db)?;
    let mut new_per_order: BTreeMap<String, i64> = BTreeMap::new();
    let mut fresh = std::collections::HashSet::with_capacity(inserted.len());
    for row in &inserted {
        fresh.insert(row.get::<_, i64>(0));
        *new_per_order.entry(row.get(1)).or_default() += 1;
    }
    let mut firsts: HashMap<(String, String), FirstClaim> = HashMap::new();
    if fresh.len() < batch.len() {
        let (g, s): (Vec<&str>, Vec<&str>) =
            batch.iter().filter(|o| !fresh.contains(&o.scan_id)).map(|o| (o.gtin.as_str(), o.serial.as_str())).unzip();
        let rows = tx
            .query(
                "SELECT c.gtin, c.serial, c.station, c.pack, c.operator, c.order_id, c.scanned_at
                 FROM claims c JOIN unnest($1::text[], $2::text[]) AS t (gtin, serial)
                   ON c.gtin = t.gtin AND c.serial = t.serial",
                &[&g, &s],
            )
            .await
            .map_err(Error::db)?;
        for r in rows {
            firsts.insert(
                (r.get(0), r.get(1)),
                FirstClaim {
                    station: r.get(2),
                    pack: r.get(3),
                    operator: r.get(4),
                    order_id: r.get(5),
                    scanned_at: r.get(6),
                },
            );
        }
    }
    if !new_per_order.is_empty() {
        let (orders, counts): (Vec<String>, Vec<i64>) = new_per_order.into_iter().unzip();
        tx.execute(
            "INSERT INTO order_counts (order_id, station, line, claimed)
             SELECT o, $3, $4, n FROM unnest($1::text[], $2::bigint[]) AS t (o, n)
             ON CONFLICT (order_id, station) DO UPDATE SET claimed = order_counts.claimed + excluded.claimed",
            &[&orders, &counts, &station, &line],
        )
        .await
        .map_err(Error::db)?;
        tx.execute("SELECT pg_notify($1, o) FROM unnest($2::text[]) AS t (o)", &[&COUNTS_CHANNEL, &orders])
            .await
            .map_err(Error::db)?;
    }
    tx.commit().await.map_err(Error::db)?;

    Ok(batch
        .iter()
        .map(|o| {
            if fresh.contains(&o.scan_id) {
                return None;
            }
            match firsts.get(&(o.gtin.clone(), o.serial.clone())) {
                // Our own claim from an attempt whose answer was lost.
                Some(f) if f.station == station && f.pack == o.scan_id => None,
                Some(f) => Some(f.clone()),
                // Cannot happen (claims are never deleted); should it, the pack is unclaimed
                // and the next attempt claims it. Counted as ours meanwhile, never as a duplicate.
                None => None,
            }
        })
        .collect())
}

/// Keeps a late duplicate on the line's list for a supervisor (idempotent per station and scan).
pub async fn report_late(
    client: &tokio_postgres::Client,
    station: &str,
    c: &super::backlog::Conflict,
) -> Result<(), Error> {
    client
        .execute(
            "INSERT INTO late_duplicates (gtin, serial, station, pack, operator, order_id, scanned_at,
                 first_station, first_pack, first_operator, first_order_id, first_scanned_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
             ON CONFLICT (station, pack) DO NOTHING",
            &[
                &c.scan.gtin,
                &c.scan.serial,
                &station,
                &c.scan.scan_id,
                &c.scan.operator,
                &c.scan.order_id,
                &c.scan.scanned_at,
                &c.first.station,
                &c.first.pack,
                &c.first.operator,
                &c.first.order_id,
                &c.first.scanned_at,
            ],
        )
        .await
        .map_err(Error::db)?;
    Ok(())
}

/// The line's open late duplicates (for `shopfloor line-store duplicates`).
pub async fn late_duplicates(client: &tokio_postgres::Client, all: bool) -> Result<Vec<LateRow>, Error> {
    let rows = client
        .query(
            "SELECT id, gtin, serial, station, pack, operator, order_id, scanned_at, first_station, first_pack,
                    first_operator, first_scanned_at, found_at, resolved_at, resolved_by, resolution
             FROM late_duplicates WHERE $1 OR resolved_at IS NULL ORDER BY id",
            &[&all],
        )
        .await
        .map_err(Error::db)?;
    Ok(rows
        .into_iter()
        .map(|r| LateRow {
            id: r.get(0),
            gtin: r.get(1),
            serial: r.get(2),
            station: r.get(3),
            pack: r.get(4),
            operator: r.get(5),
            order_id: r.get(6),
            scanned_at: r.get(7),
            first_station: r.get(8),
            first_pack: r.get(9),
            first_operator: r.get(10),
            first_scanned_at: r.get(11),
            found_at: r.get(12),
            resolved_at: r.get(13),
            resolved_by: r.get(14),
            resolution: r.get(15),
        })
        .collect())
}

/// Marks a late duplicate resolved; false when there is no open one with that id.
pub async fn resolve_late(client: &tokio_postgres::Client, id: i64, by: &str, resolution: &str) -> Result<bool, Error> {
    let n = client
        .execute(
            "UPDATE late_duplicates SET resolved_at = now(), resolved_by = $2, resolution = $3
             WHERE id = $1 AND resolved_at IS NULL",
            &[&id, &by, &resolution],
        )
        .await
        .map_err(Error::db)?;
    Ok(n == 1)
}

/// One late duplicate on the line's list.
#[derive(Debug, Clone)]
pub struct LateRow {
    pub id: i64,
    pub gtin: String,
    pub serial: String,
    pub station: String,
    pub pack: i64,
    pub operator: Option<String>,
    pub order_id: String,
    pub scanned_at: chrono::DateTime<chrono::Utc>,
    pub first_station: String,
    pub first_pack: i64,
    pub first_operator: Option<String>,
    pub first_scanned_at: chrono::DateTime<chrono::Utc>,
    pub found_at: chrono::DateTime<chrono::Utc>,
    pub resolved_at: Option<chrono::DateTime<chrono::Utc>>,
    pub resolved_by: Option<String>,
    pub resolution: Option<String>,
}
