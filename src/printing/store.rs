//! The label states in the journal database: every serial the station puts on a label moves
//! Allocated → Sent → Printed → Verified → Commissioned, or ends Voided with a reason, and each
//! move writes its audit row in the same transaction. The database itself refuses a move
//! backwards, a changed serial and a deleted record, and GTIN + serial is unique, so a voided
//! serial can never be printed again.
//!
//! The tables are part of the journal's schema (migration 7 in `scan::journal::schema`), so
//! opening the journal creates or upgrades them. Functions take a `&Connection` (a `Transaction`
//! derefs to one) so they run inside whatever transaction the caller holds.

use crate::domain::audit::NewEntry;
use crate::scan::audit_store;
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// Audit actions of the label states.
pub mod actions {
    pub const LABEL_ALLOCATED: &str = "label.allocated";
    pub const LABEL_SENT: &str = "label.sent";
    pub const LABEL_PRINTED: &str = "label.printed";
    pub const LABEL_VERIFIED: &str = "label.verified";
    pub const LABEL_COMMISSIONED: &str = "label.commissioned";
    pub const LABEL_VOIDED: &str = "label.voided";
    pub const PRINT_RUN_STARTED: &str = "print_run.started";
    pub const PRINT_RUN_ENDED: &str = "print_run.ended";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LabelState {
    Allocated,
    Sent,
    Printed,
    Verified,
    Commissioned,
    Voided,
}

impl LabelState {
    pub fn name(self) -> &'static str {
        match self {
            LabelState::Allocated => "allocated",
            LabelState::Sent => "sent",
            LabelState::Printed => "printed",
            LabelState::Verified => "verified",
            LabelState::Commissioned => "commissioned",
            LabelState::Voided => "voided",
        }
    }

    fn parse(s: &str) -> LabelState {
        match s {
            "sent" => LabelState::Sent,
            "printed" => LabelState::Printed,
            "verified" => LabelState::Verified,
            "commissioned" => LabelState::Commissioned,
            "voided" => LabelState::Voided,
            _ => LabelState::Allocated,
        }
    }

    fn action(self) -> &'static str {
        match self {
            LabelState::Allocated => actions::LABEL_ALLOCATED,
            LabelState::Sent => actions::LABEL_SENT,
            LabelState::Printed => actions::LABEL_PRINTED,
            LabelState::Verified => actions::LABEL_VERIFIED,
            LabelState::Commissioned => actions::LABEL_COMMISSIONED,
            LabelState::Voided => actions::LABEL_VOIDED,
        }
    }
}

/// One label record.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LabelRow {
    pub id: i64,
    pub run_id: String,
    pub order_id: String,
    pub printer: String,
    pub gtin: String,
    pub batch: String,
    pub expiry: String,
    pub serial: String,
    pub state: LabelState,
    pub reason: Option<String>,
    pub allocated_at: String,
    pub sent_at: Option<String>,
    pub printed_at: Option<String>,
    pub verified_at: Option<String>,
    pub updated_at: String,
}

impl LabelRow {
    /// Voided after it was sent but before the printer confirmed it: the label may be out there
    /// and must be looked for and removed.
    pub fn to_check_and_remove(&self) -> bool {
        self.may_be_out() && self.printed_at.is_none()
    }

    /// Voided once it had gone to a printer (printed or not): it may be at the station, so its
    /// removal is confirmed by a person (the same rule as `removals_outstanding`).
    pub fn may_be_out(&self) -> bool {
        self.state == LabelState::Voided && self.sent_at.is_some()
    }
}

const COLUMNS: &str = "id, run_id, order_id, printer, gtin, batch, expiry, serial, state, reason, allocated_at, sent_at, printed_at, verified_at, updated_at";

fn read(r: &rusqlite::Row) -> rusqlite::Result<LabelRow> {
    Ok(LabelRow {
        id: r.get(0)?,
        run_id: r.get(1)?,
        order_id: r.get(2)?,
        printer: r.get(3)?,
        gtin: r.get(4)?,
        batch: r.get(5)?,
        expiry: r.get(6)?,
        serial: r.get(7)?,
        state: LabelState::parse(&r.get::<_, String>(8)?),
        reason: r.get(9)?,
        allocated_at: r.get(10)?,
        sent_at: r.get(11)?,
        printed_at: r.get(12)?,
        verified_at: r.get(13)?,
        updated_at: r.get(14)?,
    })
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the label records in the journal failed: {0}. Check the disk (space, permissions); printing is stopped until it works")]
    Sql(#[from] rusqlite::Error),
    #[error("label {serial} is {from} and cannot become {to}")]
    NotAllowed { serial: String, from: &'static str, to: &'static str },
    #[error("there is no label record {0}")]
    NoSuchLabel(i64),
}

/// Who acts, for the audit rows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Actor {
    pub station: String,
    pub operator: Option<String>,
}

fn now() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// Whether the serial is taken for this GTIN anywhere in the journal: on a label of this
/// station, or among the scans (a serial commissioned from a pack printed elsewhere).
pub fn serial_in_use(conn: &Connection, gtin: &str, serial: &str) -> rusqlite::Result<bool> {
    let labelled: bool = conn
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM printed_labels WHERE gtin = ?1 AND serial = ?2)")?
        .query_row(params![gtin, serial], |r| r.get(0))?;
    if labelled {
        return Ok(true);
    }
    let has_scans: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'scans')",
        [],
        |r| r.get(0),
    )?;
    if !has_scans {
        return Ok(false);
    }
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM scans WHERE gtin = ?1 AND serial = ?2)")?
        .query_row(params![gtin, serial], |r| r.get(0))
}

/// A new print run.
pub fn start_run(
    conn: &Connection,
    run_id: &str,
    order_id: &str,
    printer: &str,
    requested: Option<u32>,
    actor: &Actor,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO print_runs (id, order_id, printer, requested, started_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![run_id, order_id, printer, requested, now()],
    )?;
    let what = requested.map(|n| format!("{n} labels")).unwrap_or_else(|| "continuous".into());
    let e = NewEntry::new(actions::PRINT_RUN_STARTED, format!("run {run_id}"))
        .by(&actor.station, actor.operator.as_deref())
        .change(None, Some(format!("order {order_id} on {printer}, {what}")));
    audit_store::insert(conn, &e)
}

pub fn end_run(conn: &Connection, run_id: &str, reason: &str, summary: &str, actor: &Actor) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE print_runs SET ended_at = ?2, end_reason = ?3 WHERE id = ?1 AND ended_at IS NULL",
        params![run_id, now(), reason],
    )?;
    let e = NewEntry::new(actions::PRINT_RUN_ENDED, format!("run {run_id}"))
        .by(&actor.station, actor.operator.as_deref())
        .change(None, Some(summary.to_string()))
        .reason(reason);
    audit_store::insert(conn, &e)
}

/// What a new label carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLabel<'a> {
    pub run_id: &'a str,
    pub order_id: &'a str,
    pub printer: &'a str,
    pub gtin: &'a str,
    pub batch: &'a str,
    pub expiry: &'a str,
    pub serial: &'a str,
}

/// Takes the serial for a label: `None` when it is already in use for the GTIN.
pub fn allocate(conn: &Connection, l: &NewLabel, actor: &Actor) -> rusqlite::Result<Option<LabelRow>> {
    if serial_in_use(conn, l.gtin, l.serial)? {
        return Ok(None);
    }
    let t = now();
    conn.prepare_cached(
        "INSERT INTO printed_labels (run_id, order_id, printer, gtin, batch, expiry, serial, state, allocated_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'allocated', ?8, ?8)",
    )?
    .execute(params![l.run_id, l.order_id, l.printer, l.gtin, l.batch, l.expiry, l.serial, t])?;
    let id = conn.last_insert_rowid();
    let e = NewEntry::new(actions::LABEL_ALLOCATED, format!("{}/{}", l.gtin, l.serial))
        .by(&actor.station, actor.operator.as_deref())
        .change(None, Some(format!("allocated for order {} batch {} on {}", l.order_id, l.batch, l.printer)));
    audit_store::insert(conn, &e)?;
    get(conn, id)
}

pub fn get(conn: &Connection, id: i64) -> rusqlite::Result<Option<LabelRow>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM printed_labels WHERE id = ?1"))?
        .query_row(params![id], read)
        .optional()
}

pub fn find(conn: &Connection, gtin: &str, serial: &str) -> rusqlite::Result<Option<LabelRow>> {
    conn.prepare_cached(&format!("SELECT {COLUMNS} FROM printed_labels WHERE gtin = ?1 AND serial = ?2"))?
        .query_row(params![gtin, serial], read)
        .optional()
}

/// Moves a label to `to` (with a reason, which a voided label must have) and writes its audit row.
pub fn transition(
    conn: &Connection,
    id: i64,
    to: LabelState,
    reason: Option<&str>,
    actor: &Actor,
) -> Result<LabelRow, StoreError> {
    let row = get(conn, id)?.ok_or(StoreError::NoSuchLabel(id))?;
    let allowed = matches!(
        (row.state, to),
        (LabelState::Allocated, LabelState::Sent | LabelState::Voided)
            | (LabelState::Sent, LabelState::Printed | LabelState::Voided)
            | (LabelState::Printed, LabelState::Verified | LabelState::Voided)
            | (LabelState::Verified, LabelState::Commissioned | LabelState::Voided)
    );
    if !allowed {
        return Err(StoreError::NotAllowed { serial: row.serial, from: row.state.name(), to: to.name() });
    }
    let t = now();
    let stamp = match to {
        LabelState::Sent => "sent_at",
        LabelState::Printed => "printed_at",
        LabelState::Verified => "verified_at",
        _ => "updated_at",
    };
    conn.execute(
        &format!("UPDATE printed_labels SET state = ?2, reason = COALESCE(?3, reason), {stamp} = ?4, updated_at = ?4 WHERE id = ?1"),
        params![id, to.name(), reason, t],
    )?;
    let mut e = NewEntry::new(to.action(), format!("{}/{}", row.gtin, row.serial))
        .by(&actor.station, actor.operator.as_deref())
        .change(Some(row.state.name().into()), Some(to.name().into()));
    if let Some(r) = reason {
        e = e.reason(r);
    }
    audit_store::insert(conn, &e)?;
    get(conn, id)?.ok_or(StoreError::NoSuchLabel(id))
}

/// Labels of an order, in the order they were allocated.
pub fn by_order(conn: &Connection, order_id: &str) -> rusqlite::Result<Vec<LabelRow>> {
    let mut q =
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM printed_labels WHERE order_id = ?1 ORDER BY id"))?;
    let rows = q.query_map(params![order_id], read)?;
    rows.collect()
}

/// Labels of an order read from a journal file without changing it (what a report reads): none
/// when the file is older than the label tables.
pub fn read_order_labels(path: &Path, order_id: &str) -> Result<Vec<LabelRow>, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let exists: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'printed_labels')",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(Vec::new());
    }
    Ok(by_order(&conn, order_id)?)
}

/// Voided labels that may be at the station (they were sent to a printer) and that no
/// `labels.removal_confirmed` audit row names yet, as (order, serial): after a restart the
/// Print tab asks for them again, so a voided label is never forgotten on the line.
pub fn removals_outstanding(path: &Path) -> Result<Vec<(String, String)>, StoreError> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    let mut confirmed = std::collections::HashSet::new();
    let mut q = conn.prepare("SELECT object, new_value FROM audit WHERE action = ?1")?;
    let rows = q.query_map(params![crate::domain::audit::actions::LABELS_REMOVAL_CONFIRMED], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?))
    })?;
    for row in rows {
        let (order, serials) = row?;
        for s in serials.unwrap_or_default().split_whitespace() {
            confirmed.insert((order.clone(), s.to_string()));
        }
    }
    // `LabelRow::may_be_out`, in SQL. Labels voided before the oldest audit row kept here had
    // their confirmation (if any)
    // moved to an archive with it (`shopfloor archive`): they are not asked for again.
    let mut q = conn.prepare(
        "SELECT order_id, serial FROM printed_labels
         WHERE state = 'voided' AND sent_at IS NOT NULL AND updated_at >= (SELECT COALESCE(MIN(at_utc), '') FROM audit)
         ORDER BY id",
    )?;
    let voided = q.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
    let mut out = Vec::new();
    for v in voided {
        let v = v?;
        if !confirmed.contains(&v) {
            out.push(v);
        }
    }
    Ok(out)
}

/// An order's labels as the batch-release report shows them (without the removal
/// confirmations, which come from the audit trail).
pub fn report_labels(order_id: &str, rows: &[LabelRow]) -> crate::domain::batch_report::Labels {
    let rec = Reconciliation::of(order_id, rows);
    crate::domain::batch_report::Labels {
        printed: rec.printed,
        verified: rec.verified,
        voided: rec.voided,
        waiting: rec.waiting,
        to_check_and_remove: rec.to_check_and_remove,
        voided_unsent: rec.voided_unsent,
        in_flight: rec.in_flight,
        voided_labels: rows
            .iter()
            .filter(|l| l.state == LabelState::Voided)
            .map(|l| crate::domain::batch_report::PackEvent {
                at_utc: l.updated_at.clone(),
                // Label records name the printer, not the station: said so rather than passed off as one.
                station: format!("printer {}", l.printer),
                gtin: l.gtin.clone(),
                serial: l.serial.clone(),
                reason: l.reason.clone(),
            })
            .collect(),
        may_be_out: rows.iter().filter(|l| l.may_be_out()).map(|l| l.serial.clone()).collect(),
        removals: Vec::new(),
    }
}

/// Labels of a run, in order.
pub fn by_run(conn: &Connection, run_id: &str) -> rusqlite::Result<Vec<LabelRow>> {
    let mut q = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM printed_labels WHERE run_id = ?1 ORDER BY id"))?;
    let rows = q.query_map(params![run_id], read)?;
    rows.collect()
}

/// Labels of a printer not yet confirmed printed (allocated or sent).
pub fn unconfirmed(conn: &Connection, printer: &str) -> rusqlite::Result<Vec<LabelRow>> {
    let mut q = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM printed_labels WHERE printer = ?1 AND state IN ('allocated', 'sent') ORDER BY id"
    ))?;
    let rows = q.query_map(params![printer], read)?;
    rows.collect()
}

/// Why a label became Verified without its run: a scan of it reached the journal another way.
pub const VERIFIED_BY_JOURNAL: &str = "its scan is in the journal (scanned after its print run, or on the Scan tab)";

/// Brings the labels up to what the journal's scans say, so the label records and the report
/// never lag behind a scan taken outside a run: a Printed label whose own scan (same product,
/// batch, expiry and serial) the journal accepted becomes Verified, and a Verified one whose
/// serial the pipeline has commissioned becomes Commissioned. Returns how many moved.
pub fn sync_with_scans(conn: &Connection, actor: &Actor) -> Result<usize, StoreError> {
    if !has_scans(conn)? {
        return Ok(0);
    }
    let ids: Vec<i64> = {
        let mut q = conn.prepare_cached(
            "SELECT l.id FROM printed_labels l JOIN scans s ON s.gtin = l.gtin AND s.serial = l.serial
             WHERE l.state = 'printed' AND s.batch = l.batch AND s.expiry = l.expiry
               AND s.state IN ('pending', 'sent', 'commissioned') ORDER BY l.id",
        )?;
        let rows = q.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for id in &ids {
        transition(conn, *id, LabelState::Verified, Some(VERIFIED_BY_JOURNAL), actor)?;
    }
    Ok(ids.len() + sync_commissioned(conn, actor)?)
}

fn has_scans(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'scans')", [], |r| {
        r.get(0)
    })
}

/// Verified labels whose serial the commissioning pipeline has since commissioned (the scans
/// table says so) become Commissioned. Returns how many moved.
pub fn sync_commissioned(conn: &Connection, actor: &Actor) -> Result<usize, StoreError> {
    if !has_scans(conn)? {
        return Ok(0);
    }
    let ids: Vec<i64> = {
        let mut q = conn.prepare_cached(
            "SELECT l.id FROM printed_labels l JOIN scans s ON s.gtin = l.gtin AND s.serial = l.serial
             WHERE l.state = 'verified' AND s.state = 'commissioned' ORDER BY l.id",
        )?;
        let rows = q.query_map([], |r| r.get(0))?;
        rows.collect::<Result<_, _>>()?
    };
    for id in &ids {
        transition(conn, *id, LabelState::Commissioned, None, actor)?;
    }
    Ok(ids.len())
}

/// How the labels of an order add up: every label confirmed printed is verified, voided after
/// printing, or still waiting for its verifying scan.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Reconciliation {
    pub order_id: String,
    /// Confirmed printed by the printer.
    pub printed: usize,
    /// Of those, verified by a scan (commissioned ones included).
    pub verified: usize,
    pub commissioned: usize,
    /// Of those, voided after printing (with a reason).
    pub voided: usize,
    /// Of those, still waiting for their scan.
    pub waiting: usize,
    /// Sent but never confirmed, then voided: look for these labels and remove them.
    pub to_check_and_remove: usize,
    /// Voided before they were sent (nothing was printed).
    pub voided_unsent: usize,
    /// Allocated or sent right now.
    pub in_flight: usize,
}

impl Reconciliation {
    pub fn of(order_id: &str, rows: &[LabelRow]) -> Reconciliation {
        let mut r = Reconciliation { order_id: order_id.into(), ..Default::default() };
        for l in rows {
            let printed = l.printed_at.is_some();
            if printed {
                r.printed += 1;
            }
            match l.state {
                LabelState::Allocated | LabelState::Sent => r.in_flight += 1,
                LabelState::Printed => r.waiting += 1,
                LabelState::Verified => r.verified += 1,
                LabelState::Commissioned => {
                    r.verified += 1;
                    r.commissioned += 1;
                }
                LabelState::Voided if printed => r.voided += 1,
                LabelState::Voided if l.sent_at.is_some() => r.to_check_and_remove += 1,
                LabelState::Voided => r.voided_unsent += 1,
            }
        }
        r
    }

    /// The balance the screen shows: printed = verified + voided + waiting.
    /// Labels sent but never confirmed printed, then voided, are outside the balance (nothing
    /// says they came out), so they are named beside it: otherwise "voided 0" reads wrong next
    /// to a voided label.
    pub fn line(&self) -> String {
        let unconfirmed = match self.to_check_and_remove {
            0 => String::new(),
            n => format!(" · {n} never confirmed printed, voided"),
        };
        format!(
            "printed {} = verified {} + voided {} + waiting {}{unconfirmed}",
            self.printed, self.verified, self.voided, self.waiting
        )
    }

    pub fn balances(&self) -> bool {
        self.printed == self.verified + self.voided + self.waiting
    }
}

/// The label records on their own connection to the journal file (WAL lets it sit beside the
/// journal's). Every write is an IMMEDIATE transaction, so it takes the write lock before it
/// reads and never has to upgrade a read lock another connection has overtaken.
#[derive(Clone)]
pub struct LabelStore {
    conn: Arc<Mutex<Connection>>,
}

impl LabelStore {
    /// Opens (and creates where missing) the journal at `path` with the label tables.
    pub fn open(path: &Path) -> Result<LabelStore, crate::scan::journal::JournalError> {
        use crate::scan::journal::{Journal, JournalError};
        // Opening the journal creates or upgrades every table, the label tables included.
        drop(Journal::open(path)?);
        let open_err = |source| JournalError::Open { path: path.to_path_buf(), source };
        let conn = Connection::open(path).map_err(open_err)?;
        conn.pragma_update(None, "journal_mode", "WAL").map_err(open_err)?;
        conn.pragma_update(None, "synchronous", "FULL").map_err(open_err)?;
        conn.busy_timeout(std::time::Duration::from_secs(5)).map_err(open_err)?;
        Ok(LabelStore { conn: Arc::new(Mutex::new(conn)) })
    }

    /// Runs `f` in one IMMEDIATE transaction, off the async threads; commits when it succeeds.
    pub async fn write<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut guard = conn.lock().unwrap_or_else(|e| e.into_inner());
            let tx = guard.transaction_with_behavior(TransactionBehavior::Immediate)?;
            let out = f(&tx)?;
            tx.commit()?;
            Ok(out)
        })
        .await
        .unwrap_or_else(|e| Err(StoreError::Sql(rusqlite::Error::ToSqlConversionFailure(Box::new(e)))))
    }

    /// The same, for code that is not async (commands, tests).
    pub fn write_now<T>(&self, f: impl FnOnce(&Connection) -> Result<T, StoreError>) -> Result<T, StoreError> {
        let mut guard = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        let tx = guard.transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx)?;
        tx.commit()?;
        Ok(out)
    }

    pub fn order_labels(&self, order_id: &str) -> Result<Vec<LabelRow>, StoreError> {
        let guard = self.conn.lock().unwrap_or_else(|e| e.into_inner());
        Ok(by_order(&guard, order_id)?)
    }

    /// The labels of an order after `sync_with_scans`: what the report shows is what the
    /// journal knows now, not what the last run's balance knew.
    pub fn order_labels_now(&self, order_id: &str, actor: &Actor) -> Result<Vec<LabelRow>, StoreError> {
        let order = order_id.to_string();
        self.write_now(|c| {
            sync_with_scans(c, actor)?;
            Ok(by_order(c, &order)?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Reconciliation;

    #[test]
    fn voided_labels_wait_for_their_removal_across_a_restart() {
        use crate::domain::audit::{actions, NewEntry};
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("journal.db");
        let mut j = crate::scan::journal::Journal::open(&path).unwrap();
        let conn = rusqlite::Connection::open(&path).unwrap();
        // The oldest audit row kept is from now: a label voided long before it (its confirmation,
        // if any, went to an archive with the rows of its time) is not asked for again.
        j.audit(&NewEntry::new(actions::AUDIT_ARCHIVED, "checkpoint")).unwrap();
        let (old, later) = ("2000-01-01T00:00:00.000Z", "2999-01-01T00:00:00.000Z");
        for (serial, sent, at) in
            [("OLD", Some(old), old), ("V1", Some(later), later), ("V2", Some(later), later), ("U1", None, later)]
        {
            conn.execute(
                "INSERT INTO printed_labels (run_id, order_id, printer, gtin, batch, expiry, serial, state, reason,
                     allocated_at, sent_at, updated_at)
                 VALUES ('r1', 'O1', 'zebra', '02022090117459', 'B1', '290512', ?1, 'voided', 'paper out', ?3, ?2, ?3)",
                rusqlite::params![serial, sent, at],
            )
            .unwrap();
        }
        let left = super::removals_outstanding(&path).unwrap();
        assert_eq!(
            left,
            [("O1".to_string(), "V1".to_string()), ("O1".into(), "V2".into())],
            "never sent, or voided before the archive cut: nothing to ask for"
        );
        j.audit(&NewEntry::new(actions::LABELS_REMOVAL_CONFIRMED, "O1").change(None, Some("V1".into()))).unwrap();
        assert_eq!(super::removals_outstanding(&path).unwrap(), [("O1".to_string(), "V2".to_string())]);
    }

    #[test]
    fn labels_never_confirmed_printed_are_named_beside_the_balance() {
        let r = Reconciliation { printed: 7, verified: 5, waiting: 2, ..Default::default() };
        assert_eq!(r.line(), "printed 7 = verified 5 + voided 0 + waiting 2");
        let r = Reconciliation { to_check_and_remove: 1, ..r };
        assert_eq!(r.line(), "printed 7 = verified 5 + voided 0 + waiting 2 · 1 never confirmed printed, voided");
    }
}
