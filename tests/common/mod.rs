//! Shared set-up for the integration tests: a simulator on a free loopback port and configs
//! that point the real clients at it over HTTP.
#![allow(dead_code)]

#[cfg(unix)]
pub mod pg;
#[cfg(unix)]
pub mod pty;

use shopfloor::config::{self, Config};
use shopfloor::sim::{self, SimHandle, SimOptions};
use std::path::Path;

/// Runs `shopfloor sim …` (as prepared in `cmd`) as its own process and reads the config
/// snippet it prints. Returns the child, the snippet and the port it chose. Its output keeps
/// being drained, so the simulator never writes into a closed pipe.
pub fn sim_process(mut cmd: std::process::Command) -> (std::process::Child, String, u16) {
    use std::io::{BufRead, BufReader};
    let mut child = cmd
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("shopfloor sim starts");
    let mut lines = BufReader::new(child.stdout.take().expect("piped stdout")).lines();
    let mut snippet = String::new();
    for line in lines.by_ref() {
        let line = line.expect("the snippet is text");
        let done = line.starts_with("description = \"GS1-128");
        snippet.push_str(&line);
        snippet.push('\n');
        if done {
            break;
        }
    }
    std::thread::spawn(move || for _ in lines {});
    let port = snippet
        .lines()
        .find_map(|l| l.strip_prefix("base_url = \"http://127.0.0.1:"))
        .and_then(|rest| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("the snippet names the simulator's port:\n{snippet}"));
    (child, snippet, port)
}

/// A real station beside its own simulator process: the simulator started, the config file
/// written (mode 0600, with `extra` appended) into `home`. The simulator ends with the guard,
/// however the test ends.
#[cfg(unix)]
pub fn station_with_sim(home: &Path, extra: &str) -> (SimGuard, std::path::PathBuf) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_shopfloor"));
    cmd.args(["sim", "--listen", "127.0.0.1:0"]);
    let (sim, _, port) = sim_process(cmd);
    let guard = SimGuard(sim);
    // The whole snippet, with its [kiosk] and people (the process's first lines stop short).
    let snippet = sim::config_snippet(std::net::SocketAddr::from(([127, 0, 0, 1], port))) + extra;
    let config = home.join("config.toml");
    std::fs::write(&config, snippet).unwrap();
    std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    (guard, config)
}

/// Kills the simulator process when dropped.
pub struct SimGuard(pub std::process::Child);

impl Drop for SimGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

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

pub mod dashboard {
    //! Building the dashboard's state without a terminal, and driving it with messages.
    use shopfloor::config::file::TagFile;
    use shopfloor::config::KeyMap;
    use shopfloor::domain::manufacturer::PackagingOrder;
    pub use shopfloor::input::key::{Code as KeyCode, Key, Mods};
    use shopfloor::input::router::Input;
    use shopfloor::tui::app::{update, App};
    use shopfloor::tui::clock::{Clock, Stamp, Zone};
    use shopfloor::tui::msg::{Effect, Msg, Settings};
    use shopfloor::tui::theme::Theme;
    use shopfloor::worker::{Backend, Job, Outcome, Request, Response};
    use std::time::Duration;

    /// The tests' "now" as the screen shows it (to the minute, local = UTC here).
    pub const NOW: &str = "2026-11-21 10:07";

    /// The tests' "now": 2026-11-21 10:07 UTC, shown in UTC (so they pass in every time zone).
    pub fn clock() -> Clock {
        let utc = chrono::DateTime::parse_from_rfc3339("2026-11-21T10:07:00Z").unwrap().with_timezone(&chrono::Utc);
        Clock::new(Stamp { mono: 0, utc }, Zone::utc())
    }

    pub fn settings() -> Settings {
        let tag = |t: &str, d: &str| TagFile { tag: t.into(), description: d.into() };
        Settings {
            station_id: "demo-station-1".into(),
            line: "test-packaging-line-1".into(),
            keys: KeyMap::default(),
            theme: Theme::built_in("default").unwrap(),
            destinations: vec![
                tag("zebra-cloud-device-1", "Line 1 carton printer"),
                tag("zebra-cloud-device-2", "Line 2"),
            ],
            templates: vec![tag("data-matrix-example", "GS1 DataMatrix carton label")],
            scanner: Default::default(),
            scan: Default::default(),
            demo: true,
            access: Default::default(),
            line_store: false,
            ascii: false,
            printers: vec![],
        }
    }

    /// The demo's Order143 as the update tests use it.
    pub fn sample_order(id: &str) -> PackagingOrder {
        PackagingOrder {
            order_id: id.into(),
            order_description: None,
            product_code: "02022090117459".into(),
            product_code_schema: "GTIN".into(),
            batch: Some("B2405121".into()),
            expiry_date: Some("290512".into()),
            quantity: 10,
            extra_percentage: None,
            serialized: Some(true),
            packaging_line_tag: Some("test-packaging-line-1".into()),
            market: None,
            status: "Open".into(),
        }
    }

    /// The frame `view` draws at this size.
    pub fn render(app: &App, w: u16, h: u16) -> ratatui::buffer::Buffer {
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(w, h)).unwrap();
        t.draw(|f| shopfloor::tui::view::view(app, f)).unwrap();
        t.backend().buffer().clone()
    }

    /// A frame as text, one line per row without trailing blanks.
    pub fn text(buf: &ratatui::buffer::Buffer) -> String {
        let area = buf.area;
        (0..area.height)
            .map(|y| {
                (0..area.width).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>().trim_end().to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// What the screen shows at this size.
    pub fn screen(app: &App, w: u16, h: u16) -> String {
        text(&render(app, w, h))
    }

    pub fn new_app() -> (App, Vec<Effect>) {
        App::new(settings(), Vec::new(), None, clock(), (80, 24))
    }

    /// The next moment: input comes a second apart, as a person's would (so questions have
    /// been on screen long enough to be answered).
    pub fn later(app: &App, ms: u64) -> Stamp {
        let now = app.clock.now;
        Stamp { mono: now.mono + ms, utc: now.utc + chrono::Duration::milliseconds(ms as i64) }
    }

    pub fn input(app: &mut App, i: Input) -> Vec<Effect> {
        let at = later(app, 1000);
        update(app, Msg::Input(i, at))
    }

    pub fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
        input(app, Input::Key { key: Key::plain(code), burst: false })
    }

    pub fn press_mod(app: &mut App, code: KeyCode, mods: Mods) -> Vec<Effect> {
        input(app, Input::Key { key: Key::new(code, mods), burst: false })
    }

    /// A key typed inside a burst (a scanner typing something that was not a scan).
    pub fn burst_key(app: &mut App, code: KeyCode) -> Vec<Effect> {
        input(app, Input::Key { key: Key::plain(code), burst: true })
    }

    /// A whole scan, as the input router hands it over.
    pub fn scan_in(app: &mut App, raw: &str) -> Vec<Effect> {
        input(app, Input::Scan(raw.to_string()))
    }

    pub fn paste(app: &mut App, text: &str) -> Vec<Effect> {
        input(app, Input::Paste(text.to_string()))
    }

    pub fn type_text(app: &mut App, text: &str) {
        for c in text.chars() {
            press(app, KeyCode::Char(c));
        }
    }

    /// What the runtime does with `Effect::CheckPin`, done here at once (hashes really checked).
    pub fn pins_checked(app: &mut App, effects: Vec<Effect>) -> Vec<Effect> {
        let mut out = Vec::new();
        for e in effects {
            if let Effect::CheckPin { pin, hash, purpose } = e {
                let ok = shopfloor::config::access::pin_matches(&pin, &hash);
                out.extend(update(app, Msg::PinChecked { purpose, ok }));
            } else {
                out.push(e);
            }
        }
        out
    }

    /// The effects without the message line's own timers.
    pub fn acting(effects: Vec<Effect>) -> Vec<Effect> {
        use shopfloor::tui::msg::Timer;
        effects.into_iter().filter(|e| !matches!(e, Effect::After(_, Timer::FlashExpired(_)))).collect()
    }

    /// The API requests among the effects.
    pub fn requests(effects: &[Effect]) -> Vec<Request> {
        effects.iter().filter_map(|e| if let Effect::Api(r) = e { Some(r.clone()) } else { None }).collect()
    }

    pub fn answer(app: &mut App, id: u64, backend: Backend, outcome: Outcome) -> Vec<Effect> {
        update(app, Msg::Api(Box::new(Response { id, backend, elapsed: Duration::from_millis(40), outcome })))
    }

    /// Answers the app's first refresh with these orders.
    pub fn load_orders(app: &mut App, first: &[Effect], orders: Vec<PackagingOrder>) {
        for r in requests(first) {
            match r.job {
                Job::OpenOrders { .. } => {
                    answer(app, r.id, Backend::Manufacturer, Outcome::OpenOrders(Ok(orders.clone())));
                }
                Job::ProductionProbe => {
                    answer(app, r.id, Backend::Production, Outcome::ProductionProbe(Ok(())));
                }
                _ => {}
            }
        }
    }

    /// The demo's open orders of line 1, as the simulator serves them.
    pub async fn demo_orders() -> Vec<PackagingOrder> {
        let sim = super::start_sim().await;
        let c = shopfloor::api::ManufacturerClient::new(super::config_for(&sim, "").manufacturer).unwrap();
        c.open_packaging_orders(Some("test-packaging-line-1")).await.unwrap()
    }
}
