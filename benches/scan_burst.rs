//! Scanning throughput of the real binary: `cargo bench --bench scan_burst`. Types a burst of
//! 10,000 distinct scans into `shopfloor --demo` in a pseudo-terminal as fast as it takes them
//! and prints scans per second accepted into the journal and the seconds until the simulator has
//! all of them commissioned.

#[path = "../tests/common/pty.rs"]
mod pty;

use std::time::{Duration, Instant};

fn commissioned(port: u16) -> usize {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return 0 };
    let req = "GET /_sim/commissioned?product_code=02022090117459 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    if s.write_all(req.as_bytes()).is_err() {
        return 0;
    }
    let mut body = String::new();
    let _ = s.read_to_string(&mut body);
    body.split("\r\n\r\n").nth(1).map(|b| b.matches('"').count() / 2).unwrap_or(0)
}

fn main() {
    const N: usize = 10_000;
    let home = std::env::temp_dir().join(format!("shopfloor-scan-bench-{}", std::process::id()));
    std::fs::create_dir_all(&home).expect("temporary home");
    let h = home.to_str().expect("utf-8 path").to_string();
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port");
    let listen = format!("127.0.0.1:{port}");
    let mut p = pty::Pty::spawn(&["--demo", "--sim-listen", &listen], &[("HOME", &h), ("XDG_DATA_HOME", &h)], 80, 24);
    p.wait_for("active order", Duration::from_secs(30), |s| s.contains("● active Order143"));
    p.send(b"\x1b[15~");
    p.wait_for("scan tab", Duration::from_secs(10), |s| s.contains("READY"));
    // Order143 takes 10 packs; the simulator's long run takes them all.
    p.activate("Order150");
    let scans = shopfloor::sim::demo_scans("Order150", N, 99).expect("demo scans");
    let mut bytes = Vec::new();
    for s in &scans {
        bytes.extend_from_slice(s.as_bytes());
        bytes.push(b'\r');
    }
    let start = Instant::now();
    for chunk in bytes.chunks(4096) {
        p.send(chunk);
    }
    let want = format!("Scanned {N} ");
    p.wait_for("all scans journaled", Duration::from_secs(120), |s| s.contains(&want));
    let journaled = start.elapsed();
    while commissioned(port) < N && start.elapsed() < Duration::from_secs(180) {
        std::thread::sleep(Duration::from_millis(50));
    }
    let all = start.elapsed();
    println!(
        "scan burst of {N} through a pseudo-terminal: {:.0} scans/s accepted into the journal ({:.2} s); all {} commissioned in the simulator after {:.2} s",
        N as f64 / journaled.as_secs_f64(),
        journaled.as_secs_f64(),
        commissioned(port),
        all.as_secs_f64()
    );
    p.send(b"\x11");
    p.wait_exit(Duration::from_secs(10));
    let _ = std::fs::remove_dir_all(&home);
}
