//! The label orders this station created, kept across restarts in a JSON-lines file under the
//! data directory: one line per order, appended and flushed to disk as each answer arrives.

use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LabelRecord {
    /// Local time, to the minute.
    pub at: String,
    pub order_id: String,
    pub product_code: String,
    pub batch: String,
    pub quantity: i64,
    pub destination_tag: String,
    pub template_tag: String,
    pub execute: bool,
    /// "Released", "Created", or why the order was suspended.
    pub outcome: String,
}

/// Reads the history; a damaged line is skipped (and counted) rather than losing the rest.
pub fn load(path: &Path) -> (Vec<LabelRecord>, usize) {
    let Ok(text) = std::fs::read_to_string(path) else { return (Vec::new(), 0) };
    let mut bad = 0;
    let records = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str(l).map_err(|_| bad += 1).ok())
        .collect();
    (records, bad)
}

pub fn append(path: &Path, record: &LabelRecord) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    // Private (0600): the station's files hold production data.
    let mut f = std::os::unix::fs::OpenOptionsExt::mode(std::fs::OpenOptions::new().create(true).append(true), 0o600)
        .open(path)?;
    let line = serde_json::to_string(record).map_err(std::io::Error::other)?;
    f.write_all(format!("{line}\n").as_bytes())?;
    f.sync_data()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_a_restart_and_a_damaged_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("labels.jsonl");
        let r = LabelRecord {
            at: "2026-11-21 10:00".into(),
            order_id: "L1".into(),
            product_code: "02026041310005".into(),
            batch: "MCS36042".into(),
            quantity: 10,
            destination_tag: "d".into(),
            template_tag: "t".into(),
            execute: true,
            outcome: "Released".into(),
        };
        append(&path, &r).unwrap();
        std::fs::OpenOptions::new().append(true).open(&path).unwrap().write_all(b"{broken\n").unwrap();
        append(&path, &r).unwrap();
        let (records, bad) = load(&path);
        assert_eq!((records.len(), bad), (2, 1));
        assert_eq!(records[0], r);
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600, "private to the station");
    }
}
