//! The station's clock against the store's: audit rows, signatures and the order of late
//! duplicates rely on it. Measured on every connect and every hour; more than `LIMIT` apart is
//! an alarm at the station and an audit row.

use super::Error;
use chrono::{DateTime, Utc};
use std::time::Duration;

/// A skew above this raises the alarm.
pub const LIMIT: Duration = Duration::from_secs(2);
/// How often the clock is compared while connected.
pub const EVERY: Duration = Duration::from_secs(3600);

/// The station's clock minus the store's, in milliseconds (positive: the station is ahead).
/// The store's reading is taken as made half-way through the round trip.
pub fn skew_ms(sent: DateTime<Utc>, store: DateTime<Utc>, answered: DateTime<Utc>) -> i64 {
    let mid = sent + (answered - sent) / 2;
    (mid - store).num_milliseconds()
}

/// Whether a skew is worth an alarm.
pub fn too_far(skew_ms: i64) -> bool {
    skew_ms.unsigned_abs() > LIMIT.as_millis() as u64
}

/// Measures the skew once.
pub async fn measure(client: &tokio_postgres::Client) -> Result<i64, Error> {
    let sent = Utc::now();
    let row = client.query_one("SELECT clock_timestamp()", &[]).await.map_err(Error::db)?;
    let answered = Utc::now();
    Ok(skew_ms(sent, row.get(0), answered))
}

/// The operator's words for a skew.
pub fn describe(skew_ms: i64) -> String {
    let secs = skew_ms as f64 / 1000.0;
    let way = if skew_ms > 0 { "ahead of" } else { "behind" };
    format!(
        "This station's clock is {:.1} s {way} the line store's. Audit times and the order of duplicates depend on it: ask IT to set up time synchronisation (NTP) on this station.",
        secs.abs()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_round_trip_is_split_in_half() {
        let t0 = DateTime::parse_from_rfc3339("2026-11-21T10:00:00Z").unwrap().with_timezone(&Utc);
        let t1 = t0 + chrono::Duration::milliseconds(40);
        let store = t0 + chrono::Duration::milliseconds(20) - chrono::Duration::seconds(3);
        assert_eq!(skew_ms(t0, store, t1), 3000, "the station runs 3 s ahead");
        assert!(too_far(3000) && too_far(-2001) && !too_far(2000) && !too_far(-150));
        assert!(describe(-2500).contains("2.5 s behind"));
    }
}
