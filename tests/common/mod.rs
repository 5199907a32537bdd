//! Shared set-up for the integration tests: a simulator on a free loopback port and configs
//! that point the real clients at it over HTTP.
#![allow(dead_code)]

use shopfloor::config::{self, Config};
use shopfloor::sim::{self, SimHandle, SimOptions};
use std::path::Path;

pub async fn start_sim() -> SimHandle {
    sim::start(SimOptions::default()).await.expect("simulator starts on loopback")
}

/// The config `shopfloor sim` prints for this simulator, parsed and validated like a user's.
pub fn config_for(sim: &SimHandle, extra: &str) -> Config {
    let text = merge(&sim::config_snippet(sim.addr), extra);
    match config::parse(&text, Path::new("test.toml"), &|_| None) {
        Ok(l) => l.config,
        Err(e) => panic!("{e}\n--- config ---\n{text}"),
    }
}

/// Puts `key = value` lines from `extra` into their `[section]` of `base` (replacing a key
/// already there), so a test can change one setting of the snippet.
fn merge(base: &str, extra: &str) -> String {
    let mut out: Vec<String> = base.lines().map(str::to_string).collect();
    let mut section = String::new();
    for line in extra.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with('[') {
            section = line.to_string();
            continue;
        }
        let key = line.split('=').next().unwrap_or("").trim();
        let start = out.iter().position(|l| l.trim() == section).expect("section exists in the snippet");
        // Only the plain sections take settings here; stop before any [[array]] table.
        let end = out[start + 1..].iter().position(|l| l.starts_with('[')).map(|i| start + 1 + i).unwrap_or(out.len());
        let _ = &end;
        match out[start + 1..end].iter().position(|l| l.split('=').next().map(str::trim) == Some(key)) {
            Some(i) => out[start + 1 + i] = line.to_string(),
            None => out.insert(start + 1, line.to_string()),
        }
    }
    out.join("\n")
}

pub async fn get_json(sim: &SimHandle, path: &str) -> serde_json::Value {
    reqwest::get(format!("{}{path}", sim.base_url())).await.unwrap().json().await.unwrap()
}

pub async fn put_json(sim: &SimHandle, path: &str, body: serde_json::Value) {
    let r = reqwest::Client::new().put(format!("{}{path}", sim.base_url())).json(&body).send().await.unwrap();
    assert!(r.status().is_success(), "PUT {path}: {}", r.status());
}

/// How many logged requests went to a path (ending with `suffix`).
pub async fn requests_to(sim: &SimHandle, suffix: &str) -> usize {
    let log = get_json(sim, "/_sim/requests").await;
    log.as_array().unwrap().iter().filter(|e| e["path"].as_str().unwrap().ends_with(suffix)).count()
}
