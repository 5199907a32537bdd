//! What each station tells the store about itself (operator, active order, counters, last
//! alarm, clock skew, backlog) and when it was last heard from: the board reads it. A station
//! reports on every change and every few seconds; silence means it is gone.

use super::Error;
use chrono::{DateTime, Utc};

/// The channel the board listens on; a station's report is announced there.
pub const BOARD_CHANNEL: &str = "shopfloor_board";
/// How often a station reports even when nothing changed.
pub const EVERY: std::time::Duration = std::time::Duration::from_secs(5);
/// A station not heard from for this long is shown as silent.
pub const SILENT_AFTER: std::time::Duration = std::time::Duration::from_secs(15);

/// What a station reports (see `LineStore::report`). Counters are of the active order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StationState {
    pub operator: Option<String>,
    pub active_order: Option<String>,
    pub accepted: i64,
    pub commissioned: i64,
    pub pending: i64,
    pub per_minute: i64,
    /// The last alarm's headline and when it was raised.
    pub last_alarm: Option<(String, DateTime<Utc>)>,
}

/// Writes the station's row (and announces it to the board).
pub async fn report(
    client: &tokio_postgres::Client,
    station: &str,
    line: &str,
    s: &StationState,
    skew_ms: Option<i64>,
    backlog: i64,
    stopping: bool,
) -> Result<(), Error> {
    let (alarm, alarm_at) = match &s.last_alarm {
        Some((a, t)) => (Some(a.as_str()), Some(*t)),
        None => (None, None),
    };
    client
        .execute(
            "INSERT INTO stations (station, line, operator, active_order, accepted, commissioned, pending, per_minute,
                 backlog, last_alarm, last_alarm_at, clock_skew_ms, last_seen, stopped_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, now(), CASE WHEN $13 THEN now() END)
             ON CONFLICT (station) DO UPDATE SET line = $2, operator = $3, active_order = $4, accepted = $5,
                 commissioned = $6, pending = $7, per_minute = $8, backlog = $9, last_alarm = $10, last_alarm_at = $11,
                 clock_skew_ms = COALESCE($12, stations.clock_skew_ms), last_seen = now(),
                 stopped_at = CASE WHEN $13 THEN now() END",
            &[
                &station,
                &line,
                &s.operator,
                &s.active_order,
                &s.accepted,
                &s.commissioned,
                &s.pending,
                &s.per_minute,
                &backlog,
                &alarm,
                &alarm_at,
                &skew_ms,
                &stopping,
            ],
        )
        .await
        .map_err(Error::db)?;
    client.execute("SELECT pg_notify($1, $2)", &[&BOARD_CHANNEL, &station]).await.map_err(Error::db)?;
    Ok(())
}

/// A station as the board shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BoardRow {
    pub line: String,
    pub station: String,
    pub state: StationState,
    pub backlog: i64,
    pub clock_skew_ms: Option<i64>,
    pub last_seen: DateTime<Utc>,
    pub stopped: bool,
}

/// Every station of the plant, by line, with the store's time now (to age `last_seen`).
pub async fn board(client: &tokio_postgres::Client) -> Result<(DateTime<Utc>, Vec<BoardRow>), Error> {
    let now: DateTime<Utc> = client.query_one("SELECT now()", &[]).await.map_err(Error::db)?.get(0);
    let rows = client
        .query(
            "SELECT line, station, operator, active_order, accepted, commissioned, pending, per_minute, last_alarm,
                    last_alarm_at, backlog, clock_skew_ms, last_seen, stopped_at IS NOT NULL
             FROM stations ORDER BY line, station",
            &[],
        )
        .await
        .map_err(Error::db)?;
    let rows = rows
        .into_iter()
        .map(|r| BoardRow {
            line: r.get(0),
            station: r.get(1),
            state: StationState {
                operator: r.get(2),
                active_order: r.get(3),
                accepted: r.get(4),
                commissioned: r.get(5),
                pending: r.get(6),
                per_minute: r.get(7),
                last_alarm: match (r.get::<_, Option<String>>(8), r.get::<_, Option<DateTime<Utc>>>(9)) {
                    (Some(a), Some(t)) => Some((a, t)),
                    _ => None,
                },
            },
            backlog: r.get(10),
            clock_skew_ms: r.get(11),
            last_seen: r.get(12),
            stopped: r.get(13),
        })
        .collect();
    Ok((now, rows))
}
