//! One claim per pack, line-wide: a batch of scans is claimed in one transaction
//! (`INSERT … ON CONFLICT DO NOTHING RETURNING`), the packs claimed before by someone else are
//! read back with who claimed them, and the order's counters move and are announced (NOTIFY,
//! delivered at commit) in the same transaction.
//!
//! A claim whose answer was lost (committed, then the connection dropped) is sent again; the row
//! it finds then carries this station and this scan's id, so it is recognised as its own.

use super::backlog::{FirstClaim, Outgoing};
use super::Error;
use std::collections::{HashMap, HashSet};

/// The channel the counters are announced on; the payload is the order id.
pub const COUNTS_CHANNEL: &str = "shopfloor_counts";

/// One statement claims a batch (in key order, so two stations claiming the same packs take
/// their locks in the same order and never deadlock), moves and announces the counters, and reads back who holds
/// the packs it could not claim: one round trip, committed on its own. (Rows other CTEs insert
/// are invisible to the statement's read of `claims`, so that read finds exactly the packs
/// claimed before.)
const CLAIM: &str = "
WITH input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::timestamptz[])
        AS t (gtin, serial, pack, operator, order_id, scanned_at)),
ins AS (
    INSERT INTO claims (gtin, serial, station, pack, operator, order_id, line, scanned_at)
    SELECT gtin, serial, $7, pack, operator, order_id, $8, scanned_at FROM input ORDER BY gtin, serial
    ON CONFLICT (gtin, serial) DO NOTHING
    RETURNING pack, order_id),
cnt AS (
    INSERT INTO order_counts (order_id, station, line, claimed)
    SELECT order_id, $7, $8, count(*) FROM ins GROUP BY order_id
    ON CONFLICT (order_id, station) DO UPDATE SET claimed = order_counts.claimed + excluded.claimed
    RETURNING order_id),
note AS (SELECT pg_notify('shopfloor_counts', order_id) FROM cnt)
SELECT pack, NULL::text, NULL::bigint, NULL::text, NULL::text, NULL::timestamptz FROM ins
UNION ALL
SELECT i.pack, c.station, c.pack, c.operator, c.order_id, c.scanned_at
    FROM claims c JOIN input i ON c.gtin = i.gtin AND c.serial = i.serial
UNION ALL
SELECT -1, NULL, NULL, NULL, NULL, NULL FROM (SELECT count(*) FROM note) AS announced";

/// Who holds these packs, read afresh (for a pack claimed by a transaction that committed
/// while our statement ran: our statement waited for it but could not see its row).
const HOLDERS: &str = "
SELECT c.gtin, c.serial, c.station, c.pack, c.operator, c.order_id, c.scanned_at
FROM claims c JOIN unnest($1::text[], $2::text[]) AS t (gtin, serial) ON c.gtin = t.gtin AND c.serial = t.serial";

/// A connection that claims, with its statements prepared once.
pub struct Claimer {
    client: tokio_postgres::Client,
    claim: tokio_postgres::Statement,
    holders: tokio_postgres::Statement,
}

impl Claimer {
    pub async fn new(client: tokio_postgres::Client) -> Result<Claimer, Error> {
        let claim = client.prepare(CLAIM).await.map_err(Error::db)?;
        let holders = client.prepare(HOLDERS).await.map_err(Error::db)?;
        Ok(Claimer { client, claim, holders })
    }

    pub fn client(&self) -> &tokio_postgres::Client {
        &self.client
    }

    /// Claims `batch` for `station`; for each scan, in order: `None` when it is (now or
    /// already) this scan's own claim, or who had claimed it first.
    pub async fn claim(&self, station: &str, line: &str, batch: &[Outgoing]) -> Result<Vec<Option<FirstClaim>>, Error> {
        if batch.is_empty() {
            return Ok(Vec::new());
        }
        let gtins: Vec<&str> = batch.iter().map(|s| s.gtin.as_str()).collect();
        let serials: Vec<&str> = batch.iter().map(|s| s.serial.as_str()).collect();
        let packs: Vec<i64> = batch.iter().map(|s| s.scan_id).collect();
        let operators: Vec<Option<&str>> = batch.iter().map(|s| s.operator.as_deref()).collect();
        let orders: Vec<&str> = batch.iter().map(|s| s.order_id.as_str()).collect();
        let times: Vec<chrono::DateTime<chrono::Utc>> = batch.iter().map(|s| s.scanned_at).collect();
        let rows = self
            .client
            .query(&self.claim, &[&gtins, &serials, &packs, &operators, &orders, &times, &station, &line])
            .await
            .map_err(Error::db)?;
        let mut fresh = HashSet::with_capacity(rows.len());
        let mut firsts: HashMap<i64, FirstClaim> = HashMap::new();
        for r in rows {
            let pack: i64 = r.get(0);
            match r.get::<_, Option<String>>(1) {
                None => {
                    fresh.insert(pack);
                }
                Some(holder) => {
                    firsts.insert(
                        pack,
                        FirstClaim {
                            station: holder,
                            pack: r.get(2),
                            operator: r.get(3),
                            order_id: r.get(4),
                            scanned_at: r.get(5),
                        },
                    );
                }
            }
        }
        let unseen: Vec<&Outgoing> =
            batch.iter().filter(|o| !fresh.contains(&o.scan_id) && !firsts.contains_key(&o.scan_id)).collect();
        if !unseen.is_empty() {
            let (g, s): (Vec<&str>, Vec<&str>) = unseen.iter().map(|o| (o.gtin.as_str(), o.serial.as_str())).unzip();
            let held = self.client.query(&self.holders, &[&g, &s]).await.map_err(Error::db)?;
            for r in held {
                let (gtin, serial): (String, String) = (r.get(0), r.get(1));
                if let Some(o) = unseen.iter().find(|o| o.gtin == gtin && o.serial == serial) {
                    firsts.insert(
                        o.scan_id,
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
        }
        Ok(batch
            .iter()
            .map(|o| {
                if fresh.contains(&o.scan_id) {
                    return None;
                }
                match firsts.get(&o.scan_id) {
                    // Our own claim from an attempt whose answer was lost.
                    Some(f) if f.station == station && f.pack == o.scan_id => None,
                    Some(f) => Some(f.clone()),
                    // Cannot happen (claims are never deleted); should it, the pack is
                    // unclaimed and the next attempt claims it. Never a duplicate meanwhile.
                    None => None,
                }
            })
            .collect())
    }
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

/// Takes a serial the station generated for a label, before it is printed: `true` when it is
/// now this station's (no station printed it, and no pack of the line carries it), `false` when
/// it is taken and another serial must be drawn.
pub async fn claim_printed_serial(
    client: &tokio_postgres::Client,
    station: &str,
    line: &str,
    order_id: &str,
    gtin: &str,
    serial: &str,
) -> Result<bool, Error> {
    let row = client
        .query_one(
            "WITH ins AS (
                 INSERT INTO printed_serials (gtin, serial, station, line, order_id)
                 SELECT $1, $2, $3, $4, $5
                 WHERE NOT EXISTS (SELECT 1 FROM claims WHERE gtin = $1 AND serial = $2)
                 ON CONFLICT (gtin, serial) DO NOTHING
                 RETURNING 1)
             SELECT count(*) FROM ins",
            &[&gtin, &serial, &station, &line, &order_id],
        )
        .await
        .map_err(Error::db)?;
    Ok(row.get::<_, i64>(0) == 1)
}
