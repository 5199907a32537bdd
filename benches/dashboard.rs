//! Dashboard figures: `cargo bench --bench dashboard`. Prints
//! - the time to render a full frame at 80×24 and 200×60 with 1,000 orders in the table;
//! - the bytes written to the terminal while the demo dashboard sits idle for 10 s;
//! - the time from start to the first frame (and to the first orders) in demo mode.
//!
//! Figures, not verdicts: targets are in the README; nothing here fails on a slow machine.

#[path = "../tests/common/pty.rs"]
mod pty;

use ratatui::backend::TestBackend;
use ratatui::Terminal;
use shopfloor::config::KeyMap;
use shopfloor::domain::manufacturer::PackagingOrder;
use shopfloor::input::key::{Code, Key};
use shopfloor::input::router::Input;
use shopfloor::tui::app::{update, App};
use shopfloor::tui::clock::{Clock, Stamp, Zone};
use shopfloor::tui::msg::{Effect, Msg, Settings};
use shopfloor::tui::theme::Theme;
use shopfloor::tui::view::view;
use shopfloor::worker::{Backend, Job, Outcome, Response};
use std::time::{Duration, Instant};

fn orders(n: usize) -> Vec<PackagingOrder> {
    (0..n)
        .map(|i| PackagingOrder {
            order_id: format!("PO-{i:06}"),
            order_description: Some(format!("Benchmark order {i}")),
            product_code: "02022090117459".into(),
            product_code_schema: "GTIN".into(),
            batch: Some(format!("B{:07}", i * 7)),
            expiry_date: Some("291231".into()),
            quantity: (i as i64 * 37) % 100_000,
            extra_percentage: Some((i % 10) as i64),
            serialized: Some(true),
            packaging_line_tag: Some("test-packaging-line-1".into()),
            market: Some("EU".into()),
            status: ["Open", "In progress", "Pending release", "Suspended"][i % 4].into(),
        })
        .collect()
}

fn app_with(n: usize) -> App {
    let settings = Settings {
        station_id: "bench".into(),
        line: "test-packaging-line-1".into(),
        keys: KeyMap::default(),
        theme: Theme::built_in("default").expect("built-in theme"),
        destinations: vec![],
        templates: vec![],
        scanner: Default::default(),
        scan: Default::default(),
        demo: true,
        access: Default::default(),
        line_store: false,
        ascii: false,
        printers: vec![],
    };
    let (mut app, first) = App::new(settings, vec![], None, clock(0), (200, 60));
    for e in first {
        if let Effect::Api(r) = e {
            if let Job::OpenOrders { .. } = r.job {
                let outcome = Outcome::OpenOrders(Ok(orders(n)));
                let resp = Response { id: r.id, backend: Backend::Manufacturer, elapsed: Duration::ZERO, outcome };
                update(&mut app, Msg::Api(Box::new(resp)));
            }
        }
    }
    app
}

fn clock(mono: u64) -> Clock {
    Clock::new(Stamp { mono, utc: chrono::Utc::now() }, Zone::utc())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[v.len() / 2]
}

fn render_figures() {
    let mut app = app_with(1_000);
    for (w, h) in [(80u16, 24u16), (200, 60)] {
        let mut term = Terminal::new(TestBackend::new(w, h)).expect("test backend");
        let mut samples = Vec::new();
        for i in 0..2_000 {
            // Move the selection so every frame differs from the last one.
            let key = if i % 2 == 0 { Code::Down } else { Code::Up };
            let input = Input::Key { key: Key::plain(key), burst: false };
            update(&mut app, Msg::Input(input, clock(i).now));
            let t = Instant::now();
            term.draw(|f| view(&app, f)).expect("draw");
            samples.push(t.elapsed().as_secs_f64() * 1e6);
        }
        let max = samples.iter().cloned().fold(0.0, f64::max);
        println!(
            "render full frame {w}x{h}, 1,000 orders: median {:.0} µs, max {:.0} µs (2,000 frames)",
            median(samples),
            max
        );
    }
}

fn demo_figures() {
    let home = std::env::temp_dir().join(format!("shopfloor-bench-{}", std::process::id()));
    std::fs::create_dir_all(&home).expect("a temporary home");
    let h = home.to_str().expect("utf-8 temp path").to_string();
    let envs = [("HOME", h.as_str()), ("XDG_DATA_HOME", h.as_str())];
    let mut first_frame = Vec::new();
    let mut first_orders = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let mut p = pty::Pty::spawn(&["--demo"], &envs, 80, 24);
        p.wait_for("first frame", Duration::from_secs(20), |s| s.contains("Packaging F2"));
        first_frame.push(start.elapsed().as_secs_f64() * 1e3);
        p.wait_for("orders", Duration::from_secs(20), |s| s.contains("Order143"));
        first_orders.push(start.elapsed().as_secs_f64() * 1e3);
        p.send(b"\x11");
        p.wait_exit(Duration::from_secs(10));
    }
    println!(
        "start to first frame (--demo, release build): median {:.0} ms; to the first orders on screen: median {:.0} ms (5 runs)",
        median(first_frame),
        median(first_orders)
    );

    let mut p = pty::Pty::spawn(&["--demo"], &envs, 80, 24);
    p.wait_for("online", Duration::from_secs(20), |s| s.contains("Lagerkoll ●") && !s.contains("in flight"));
    std::thread::sleep(Duration::from_millis(500));
    let clock_before = chrono::Local::now().format("%H:%M").to_string();
    let from = Instant::now();
    std::thread::sleep(Duration::from_secs(10));
    let to = Instant::now();
    let clock_after = chrono::Local::now().format("%H:%M").to_string();
    let bytes: usize = p.log.lock().expect("log").iter().filter(|(t, _)| *t >= from && *t < to).map(|(_, n)| n).sum();
    let tick = if clock_before != clock_after { " (a minute tick fell in the window)" } else { "" };
    println!("bytes written while idle for 10 s: {bytes}{tick}");
    p.send(b"\x11");
    p.wait_exit(Duration::from_secs(10));
    let _ = std::fs::remove_dir_all(&home);
}

fn main() {
    // `cargo bench` passes --bench; any other argument is a filter we do not need.
    render_figures();
    demo_figures();
}
