//! The audit trail in one place: every row of the station's local trail is copied, as it is,
//! to the store's append-only `audit` table, whose trigger accepts only the next link of the
//! station's chain and keeps the chain's head. Since the head stays in the store, rows deleted
//! from the end of the local journal are detected (`shopfloor audit --verify`).

use super::Error;
use crate::domain::audit::Entry;
use rusqlite::{params, Connection};

/// Local rows after `after`, oldest first (read from the journal's `audit` table).
pub fn local_after(conn: &Connection, after: i64, limit: usize) -> rusqlite::Result<Vec<Entry>> {
    let mut q = conn.prepare_cached(
        "SELECT id, at_utc, utc_offset, station, operator, action, object, old_value, new_value, reason, prev_hash, hash
         FROM audit WHERE id > ?1 ORDER BY id LIMIT ?2",
    )?;
    let rows = q.query_map(params![after, limit as i64], crate::scan::audit_store::read)?;
    rows.collect()
}

/// The local row with this id, if it is there.
pub fn local_row(conn: &Connection, id: i64) -> rusqlite::Result<Option<Entry>> {
    Ok(local_after(conn, id - 1, 1)?.into_iter().find(|e| e.id == id))
}

/// The last local row's id (0 when there is none).
pub fn local_last_id(conn: &Connection) -> rusqlite::Result<i64> {
    conn.query_row("SELECT COALESCE(max(id), 0) FROM audit", [], |r| r.get(0))
}

/// The head of a station's chain in the store: (last id, its hash).
pub async fn head(client: &tokio_postgres::Client, chain: &str) -> Result<Option<(i64, String)>, Error> {
    let row = client
        .query_opt("SELECT last_id, last_hash FROM audit_heads WHERE station = $1", &[&chain])
        .await
        .map_err(Error::db)?;
    Ok(row.map(|r| (r.get(0), r.get(1))))
}

/// Copies rows (which must continue the chain) in one transaction.
pub async fn copy(client: &mut tokio_postgres::Client, chain: &str, rows: &[Entry]) -> Result<(), Error> {
    let tx = client.transaction().await.map_err(Error::db)?;
    let stmt = tx
        .prepare(
            "INSERT INTO audit (chain, id, at_utc, utc_offset, station, operator, action, object, old_value, new_value,
                 reason, prev_hash, hash)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .await
        .map_err(Error::db)?;
    for e in rows {
        tx.execute(
            &stmt,
            &[
                &chain,
                &e.id,
                &e.at_utc,
                &e.utc_offset,
                &e.station,
                &e.operator,
                &e.action,
                &e.object,
                &e.old_value,
                &e.new_value,
                &e.reason,
                &e.prev_hash,
                &e.hash,
            ],
        )
        .await
        .map_err(|err| match err.as_db_error() {
            Some(d) if d.message().contains("chain") => {
                Error::AuditDiverged { chain: chain.into(), why: d.message().into() }
            }
            _ => Error::db(err),
        })?;
    }
    tx.commit().await.map_err(Error::db)?;
    Ok(())
}

/// The whole line's trail with the `audit` command's filters, ordered by time.
pub async fn line_trail(
    client: &tokio_postgres::Client,
    filter: &crate::scan::audit_store::Filter,
) -> Result<Vec<Entry>, Error> {
    let rows = client
        .query(
            "SELECT id, at_utc, utc_offset, station, operator, action, object, old_value, new_value, reason, prev_hash, hash
             FROM audit WHERE ($1::text IS NULL OR at_utc >= $1) AND ($2::text IS NULL OR operator = $2 OR object = $2)
             ORDER BY at_utc, chain, id",
            &[&filter.since, &filter.operator],
        )
        .await
        .map_err(Error::db)?;
    Ok(rows.iter().map(entry).collect())
}

/// An audit row read in the column order `id, at_utc, utc_offset, station, operator, action,
/// object, old_value, new_value, reason, prev_hash, hash`.
pub(super) fn entry(r: &tokio_postgres::Row) -> Entry {
    Entry {
        id: r.get(0),
        at_utc: r.get(1),
        utc_offset: r.get(2),
        station: r.get(3),
        operator: r.get(4),
        action: r.get(5),
        object: r.get(6),
        old_value: r.get(7),
        new_value: r.get(8),
        reason: r.get(9),
        prev_hash: r.get(10),
        hash: r.get(11),
    }
}

/// What the store's chain head says about the local trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Comparison {
    /// The local trail holds the store's head row, unchanged (and perhaps rows not yet copied).
    Agrees { copied: i64, not_yet_copied: i64 },
    /// The store never received a row of this station.
    NothingCopied,
    /// Rows the store holds are missing from the end of the local trail.
    TailMissing { chain: String, store_last: i64, local_last: i64 },
    /// The local row at the store's head differs from what was copied.
    Differs { chain: String, id: i64 },
}

/// Compares the local trail with the store's head of its chain.
pub fn compare(chain: &str, head: Option<(i64, String)>, local_last: i64, local_at_head: Option<&Entry>) -> Comparison {
    let Some((last, hash)) = head else { return Comparison::NothingCopied };
    if local_last < last {
        return Comparison::TailMissing { chain: chain.into(), store_last: last, local_last };
    }
    match local_at_head {
        Some(e) if e.hash == hash => Comparison::Agrees { copied: last, not_yet_copied: local_last - last },
        _ => Comparison::Differs { chain: chain.into(), id: last },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_tail_names_the_rows() {
        let e = |id: i64, hash: &str| Entry {
            id,
            at_utc: String::new(),
            utc_offset: String::new(),
            station: "st".into(),
            operator: None,
            action: String::new(),
            object: String::new(),
            old_value: None,
            new_value: None,
            reason: None,
            prev_hash: String::new(),
            hash: hash.into(),
        };
        assert_eq!(compare("st", None, 5, None), Comparison::NothingCopied);
        assert_eq!(
            compare("st", Some((120, "h".into())), 100, None),
            Comparison::TailMissing { chain: "st".into(), store_last: 120, local_last: 100 }
        );
        assert_eq!(
            compare("st", Some((100, "h".into())), 103, Some(&e(100, "h"))),
            Comparison::Agrees { copied: 100, not_yet_copied: 3 }
        );
        assert_eq!(
            compare("st", Some((100, "h".into())), 100, Some(&e(100, "x"))),
            Comparison::Differs { chain: "st".into(), id: 100 }
        );
    }
}
