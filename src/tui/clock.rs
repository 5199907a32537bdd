//! Time as the dashboard's state sees it. The runtime reads the clocks; `update` only receives
//! them in messages, so every behaviour that depends on time (a dialog's settle time, dates
//! typed into forms, the clock on screen) is the same in a test, in every time zone.

use crate::input::Millis;
use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};

/// When something happened: the runtime's monotonic milliseconds and the wall clock (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp {
    pub mono: Millis,
    pub utc: DateTime<Utc>,
}

/// The station's time zone: the system's (`TZ`, /etc/localtime), or a fixed offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Zone {
    System,
    Fixed(FixedOffset),
}

impl Zone {
    pub fn utc() -> Zone {
        Zone::Fixed(Utc.fix())
    }

    /// Local wall time of an instant.
    pub fn local(&self, t: DateTime<Utc>) -> NaiveDateTime {
        match self {
            Zone::System => t.with_timezone(&chrono::Local).naive_local(),
            Zone::Fixed(o) => t.with_timezone(o).naive_local(),
        }
    }

    /// The offset from UTC at an instant, as shown next to times ("UTC+01:00").
    pub fn offset_at(&self, t: DateTime<Utc>) -> FixedOffset {
        match self {
            Zone::System => *t.with_timezone(&chrono::Local).offset(),
            Zone::Fixed(o) => *o,
        }
    }

    /// Epoch milliseconds of a local date's midnight (the earliest, across a DST change).
    pub fn midnight_ms(&self, d: NaiveDate) -> Option<i64> {
        let at = d.and_hms_opt(0, 0, 0)?;
        match self {
            Zone::System => chrono::Local.from_local_datetime(&at).earliest().map(|t| t.timestamp_millis()),
            Zone::Fixed(o) => o.from_local_datetime(&at).earliest().map(|t| t.timestamp_millis()),
        }
    }

    /// The local date of epoch milliseconds.
    pub fn date_of_ms(&self, ms: i64) -> Option<NaiveDate> {
        DateTime::<Utc>::from_timestamp_millis(ms).map(|t| self.local(t).date())
    }
}

/// The time as `update` last heard it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Clock {
    pub now: Stamp,
    pub zone: Zone,
}

impl Clock {
    pub fn new(now: Stamp, zone: Zone) -> Self {
        Clock { now, zone }
    }

    pub fn mono(&self) -> Millis {
        self.now.mono
    }

    pub fn local(&self) -> NaiveDateTime {
        self.zone.local(self.now.utc)
    }

    pub fn year(&self) -> i32 {
        self.local().year()
    }

    /// "HH:MM", local, for the status bar.
    pub fn hh_mm(&self) -> String {
        self.local().format("%H:%M").to_string()
    }

    /// "YYYY-MM-DD HH:MM", local.
    pub fn minute(&self) -> String {
        self.local().format("%Y-%m-%d %H:%M").to_string()
    }

    /// An RFC 3339 UTC time (as the journal keeps it) shown as local "HH:MM:SS".
    pub fn local_time_of(&self, rfc3339: &str) -> String {
        match DateTime::parse_from_rfc3339(rfc3339) {
            Ok(t) => self.zone.local(t.with_timezone(&Utc)).format("%H:%M:%S").to_string(),
            Err(_) => rfc3339.get(11..19).unwrap_or(rfc3339).to_string(),
        }
    }

    /// The zone's name as shown once on screen, beside the clock: "UTC", "UTC+1", "UTC+5:30".
    /// Every other time on screen is in this zone and does not repeat it.
    pub fn zone_name(&self) -> String {
        zone_label(self.zone.offset_at(self.now.utc).local_minus_utc())
    }

    /// "HH:MM UTC+1": the clock with its zone, the one place the zone is named.
    pub fn hh_mm_zone(&self) -> String {
        format!("{} {}", self.hh_mm(), self.zone_name())
    }
}

/// A UTC offset in seconds as people read it: "UTC", "UTC+1", "UTC-3:30".
pub fn zone_label(secs: i32) -> String {
    let sign = if secs < 0 { '-' } else { '+' };
    let m = secs.abs() / 60;
    match (m / 60, m % 60) {
        (0, 0) => "UTC".into(),
        (h, 0) => format!("UTC{sign}{h}"),
        (h, min) => format!("UTC{sign}{h}:{min:02}"),
    }
}
