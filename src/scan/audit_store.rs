//! The audit trail's table in the journal database: rows are appended with their hash chained
//! to the row before, never updated or deleted (triggers refuse both), read back with filters,
//! and checked. The rules themselves (hashing, CSV) are in `domain::audit`; the journal opens
//! the database and calls these inside its own transactions.

use crate::domain::audit::{self, Break, Entry, NewEntry, GENESIS};
use rusqlite::{params, Connection, OptionalExtension};

/// Appends one row inside the caller's transaction (so a scan and its audit row are one write);
/// a signed record is followed at once by its signature row, which carries the record's id and
/// hash (in the same transaction, so no other row can come between them).
pub(crate) fn insert(conn: &Connection, e: &NewEntry) -> rusqlite::Result<()> {
    let (id, hash) = insert_one(conn, e)?;
    if let Some(s) = &e.signature {
        insert_one(conn, &s.entry(&e.station, id, &hash))?;
    }
    Ok(())
}

fn insert_one(conn: &Connection, e: &NewEntry) -> rusqlite::Result<(i64, String)> {
    let last: Option<(i64, String)> = conn
        .query_row("SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let (id, prev_hash) = match last {
        Some((id, hash)) => (id + 1, hash),
        None => (1, GENESIS.to_string()),
    };
    let now = chrono::Local::now();
    let mut row = Entry {
        id,
        at_utc: now.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        utc_offset: now.format("%:z").to_string(),
        station: e.station.clone(),
        operator: e.operator.clone(),
        action: e.action.clone(),
        object: e.object.clone(),
        old_value: e.old_value.clone(),
        new_value: e.new_value.clone(),
        reason: e.reason.clone(),
        prev_hash,
        hash: String::new(),
    };
    row.hash = row.expected_hash();
    conn.prepare_cached(
        "INSERT INTO audit (id, at_utc, utc_offset, station, operator, action, object, old_value, new_value, reason, prev_hash, hash)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        row.id,
        row.at_utc,
        row.utc_offset,
        row.station,
        row.operator,
        row.action,
        row.object,
        row.old_value,
        row.new_value,
        row.reason,
        row.prev_hash,
        row.hash
    ])?;
    Ok((row.id, row.hash))
}

/// Which rows `audit` prints.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// RFC 3339 UTC; rows at or after it.
    pub since: Option<String>,
    pub operator: Option<String>,
}

/// An audit row read in the column order `SELECT id, at_utc, utc_offset, station, operator,
/// action, object, old_value, new_value, reason, prev_hash, hash` (the line store's copy reads the
/// local rows with it too).
pub fn read(r: &rusqlite::Row) -> rusqlite::Result<Entry> {
    Ok(Entry {
        id: r.get(0)?,
        at_utc: r.get(1)?,
        utc_offset: r.get(2)?,
        station: r.get(3)?,
        operator: r.get(4)?,
        action: r.get(5)?,
        object: r.get(6)?,
        old_value: r.get(7)?,
        new_value: r.get(8)?,
        reason: r.get(9)?,
        prev_hash: r.get(10)?,
        hash: r.get(11)?,
    })
}

const COLUMNS: &str =
    "id, at_utc, utc_offset, station, operator, action, object, old_value, new_value, reason, prev_hash, hash";

/// The rows that match, in order.
pub(super) fn entries(conn: &Connection, f: &Filter) -> rusqlite::Result<Vec<Entry>> {
    let mut q = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM audit WHERE (?1 IS NULL OR at_utc >= ?1) AND (?2 IS NULL OR operator = ?2 OR object = ?2) ORDER BY id"
    ))?;
    let rows = q.query_map(params![f.since, f.operator], read)?;
    rows.collect()
}

/// Walks the chain in id order without holding it in memory: the number of rows and the last
/// row's id, or where it first breaks. With a checkpoint (`id`, `hash`: the rows before it are
/// in an archive) the chain must start at that row, carrying that hash.
pub(super) fn verify(
    conn: &Connection,
    checkpoint: Option<(i64, &str)>,
) -> rusqlite::Result<Result<(usize, Option<i64>), Break>> {
    let mut q = conn.prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY id"))?;
    let mut rows = q.query_map([], read)?.peekable();
    let start = match rows.peek() {
        None => return Ok(Ok((0, None))),
        Some(Err(_)) => return Err(rows.next().and_then(Result::err).unwrap_or(rusqlite::Error::InvalidQuery)),
        Some(Ok(first)) => match checkpoint {
            None => GENESIS.to_string(),
            Some((id, hash)) if first.id == id && first.hash == hash => first.prev_hash.clone(),
            Some((id, _)) if first.id == id => {
                let why = "it is the checkpoint row the trail continues from, but its hash is not the one recorded \
                           when the rows before it were archived (the row was edited)";
                return Ok(Err(Break { id, why: why.into() }));
            }
            Some((id, _)) => {
                let why = format!(
                    "the trail should start at checkpoint row {id} (the rows before it are in an archive) but \
                     starts here: rows were removed"
                );
                return Ok(Err(Break { id: first.id, why }));
            }
        },
    };
    let mut failed = None;
    let mut last = None;
    let checked = audit::verify_from(
        &start,
        rows.map_while(|r| match r {
            Ok(e) => {
                last = Some(e.id);
                Some(e)
            }
            Err(e) => {
                failed = Some(e);
                None
            }
        }),
    );
    if let Some(e) = failed {
        return Err(e);
    }
    Ok(checked.map(|n| (n, last)))
}
