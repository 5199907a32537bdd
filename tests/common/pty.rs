//! Runs the real binary in a pseudo-terminal and reads its screen back through a terminal
//! emulator (vt100). A reader thread keeps draining the PTY and answers the cursor-position
//! query a terminal would answer; tests wait for a screen state instead of sleeping.
#![allow(dead_code)]

use portable_pty::{native_pty_system, Child, CommandBuilder, MasterPty, PtySize};
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A free loopback port, never the same one twice in this test binary (tests run in parallel,
/// and a port is released before the child binds it).
pub fn free_port() -> u16 {
    static GIVEN: Mutex<Vec<u16>> = Mutex::new(Vec::new());
    loop {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut given = GIVEN.lock().unwrap();
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

pub struct Pty {
    pub parser: Arc<Mutex<vt100::Parser>>,
    /// Every byte the program wrote, with the time it arrived.
    pub log: Arc<Mutex<Vec<(Instant, usize)>>>,
    writer: Box<dyn Write + Send>,
    pub child: Box<dyn Child + Send + Sync>,
    pub master: Box<dyn MasterPty + Send>,
    replies: Option<Arc<Mutex<Vec<Vec<u8>>>>>,
    /// When the test last wrote to the terminal.
    last_sent: Instant,
}

impl Pty {
    /// `shopfloor --demo` with its data under `home`; with a port, the simulator listens there
    /// so a test can inspect it.
    pub fn demo(home: &std::path::Path, port: Option<u16>, cols: u16, rows: u16) -> Pty {
        Pty::demo_with(home, port, &[], cols, rows)
    }

    /// The same with more arguments, e.g. `--kiosk`.
    pub fn demo_with(home: &std::path::Path, port: Option<u16>, extra: &[&str], cols: u16, rows: u16) -> Pty {
        let h = home.to_str().expect("a UTF-8 temporary path");
        let listen = port.map(|p| format!("127.0.0.1:{p}"));
        let mut args = vec!["--demo"];
        args.extend_from_slice(extra);
        if let Some(l) = &listen {
            args.extend(["--sim-listen", l.as_str()]);
        }
        Pty::spawn(&args, &[("HOME", h), ("XDG_DATA_HOME", h)], cols, rows)
    }

    /// The same, in a terminal that answers no query at all (some terminal emulations and serial
    /// consoles never answer one).
    pub fn spawn_silent(args: &[&str], envs: &[(&str, &str)], cols: u16, rows: u16) -> Pty {
        let mut pty = Pty::spawn(args, envs, cols, rows);
        pty.replies = None;
        pty
    }

    pub fn spawn(args: &[&str], envs: &[(&str, &str)], cols: u16, rows: u16) -> Pty {
        Pty::spawn_program(env!("CARGO_BIN_EXE_shopfloor"), args, envs, cols, rows)
    }

    /// Any program in a pseudo-terminal (e.g. a shell that runs the binary).
    pub fn spawn_program(program: &str, args: &[&str], envs: &[(&str, &str)], cols: u16, rows: u16) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 })
            .expect("a pseudo-terminal");
        let mut cmd = CommandBuilder::new(program);
        cmd.args(args);
        // Without a working directory portable-pty uses $HOME, which tests point elsewhere.
        if let Ok(dir) = std::env::current_dir() {
            cmd.cwd(dir);
        }
        cmd.env("TERM", "xterm-256color");
        for (k, _) in std::env::vars() {
            if k.starts_with("SHOPFLOOR_") || k == "NO_COLOR" {
                cmd.env_remove(k);
            }
        }
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).expect("the binary starts");
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let parser = Arc::new(Mutex::new(vt100::Parser::new(rows, cols, 0)));
        let log = Arc::new(Mutex::new(Vec::new()));
        let (p, l) = (parser.clone(), log.clone());
        // Replies to queries go through a second handle of the same writer.
        let replies: Arc<Mutex<Vec<Vec<u8>>>> = Arc::new(Mutex::new(Vec::new()));
        let r2 = replies.clone();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => return,
                    Ok(n) => {
                        let chunk = &buf[..n];
                        l.lock().unwrap().push((Instant::now(), n));
                        let mut parser = p.lock().unwrap();
                        parser.process(chunk);
                        if chunk.windows(4).any(|w| w == b"\x1b[6n") {
                            let (row, col) = parser.screen().cursor_position();
                            r2.lock().unwrap().push(format!("\x1b[{};{}R", row + 1, col + 1).into_bytes());
                        }
                    }
                }
            }
        });
        Pty { parser, log, writer, child, master: pair.master, replies: Some(replies), last_sent: Instant::now() }
    }
}

// Replies are queued by the reader thread and written from the test thread, which owns the
// writer; `pump` does that, and every wait pumps.
impl Pty {
    fn pump(&mut self) {
        if let Some(r) = &self.replies {
            let pending: Vec<Vec<u8>> = r.lock().unwrap().drain(..).collect();
            for reply in pending {
                let _ = self.writer.write_all(&reply);
                let _ = self.writer.flush();
            }
        }
    }

    /// Writes bytes as they are. A key that is not text (Tab, Enter, an F-key) is written only
    /// once the keys before it are 150 ms old: a person's key, not part of a burst (the
    /// dashboard takes keys closer than 40 ms for a scanner's, and lets a steady burst pause
    /// up to 120 ms).
    pub fn send(&mut self, bytes: &[u8]) {
        self.pump();
        if bytes.first().is_some_and(|b| b.is_ascii_control()) {
            let due = self.last_sent + Duration::from_millis(150);
            std::thread::sleep(due.saturating_duration_since(Instant::now()));
        }
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
        self.last_sent = Instant::now();
    }

    /// Writes bytes at once, whatever came before (a scanner's burst, a stray sequence).
    pub fn send_now(&mut self, bytes: &[u8]) {
        self.pump();
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
        self.last_sent = Instant::now();
    }

    /// Sends text one key at a time, 2 ms apart (fast, as a scanner types: text lands in the
    /// field that has the cursor, but no letter acts as a shortcut).
    pub fn type_keys(&mut self, text: &str) {
        for c in text.chars() {
            let mut b = [0u8; 4];
            self.send_now(c.encode_utf8(&mut b).as_bytes());
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    /// One key as a person presses it: alone, after a pause (also long enough for a question
    /// on screen to take it as a deliberate answer).
    pub fn press(&mut self, key: &str) {
        let due = self.last_sent + Duration::from_millis(400);
        std::thread::sleep(due.saturating_duration_since(Instant::now()).max(Duration::from_millis(350)));
        self.send_now(key.as_bytes());
        std::thread::sleep(Duration::from_millis(60));
    }

    /// The demo's supervisor (sup-1, Sam Sousa, PIN 2468) unlocks a kiosk: F12, then `id` (the
    /// id typed, or the badge `OP:sup-1` scanned), then the PIN.
    pub fn unlock(&mut self, id: &str) {
        self.send(b"\x1b[24~");
        self.wait_text("Sign: unlock the station");
        self.type_keys(&format!("{id}\r"));
        self.wait_text("Signer: Sam Sousa (sup-1)");
        self.type_keys("2468\r");
        self.wait_text("Unlocked by Sam Sousa");
    }

    /// Makes an order active the way a station does: its order barcode, scanned (typed at a
    /// scanner's pace), e.g. the simulator's long run Order150 for tests that scan many packs.
    pub fn activate(&mut self, order: &str) {
        self.type_keys(&format!("ORDER:{order}\r"));
        self.wait_text(&format!("● active {order}"));
    }

    pub fn screen(&self) -> String {
        self.parser.lock().unwrap().screen().contents()
    }

    /// Waits until the screen satisfies `want`; panics with the screen after `timeout`.
    pub fn wait_for(&mut self, what: &str, timeout: Duration, want: impl Fn(&str) -> bool) {
        let start = Instant::now();
        loop {
            self.pump();
            let screen = self.screen();
            if want(&screen) {
                return;
            }
            if start.elapsed() > timeout {
                panic!("timed out waiting for {what}; the screen:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn wait_text(&mut self, text: &str) {
        let t = text.to_string();
        self.wait_for(text, Duration::from_secs(20), move |s| s.contains(&t));
    }

    /// Waits for the process to end; returns its exit code.
    pub fn wait_exit(&mut self, timeout: Duration) -> u32 {
        let start = Instant::now();
        loop {
            self.pump();
            if let Ok(Some(status)) = self.child.try_wait() {
                // Let the reader take in the last bytes.
                std::thread::sleep(Duration::from_millis(100));
                return status.exit_code();
            }
            if start.elapsed() > timeout {
                let _ = self.child.kill();
                panic!("the process did not exit; the screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Whether the terminal is back in cooked mode (line editing and echo on).
    #[cfg(unix)]
    pub fn cooked(&self) -> bool {
        let fd = self.master.as_raw_fd().expect("a unix pty");
        let mut t: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: fd is the open master of this pty and t is a valid termios to fill.
        let rc = unsafe { libc::tcgetattr(fd, &mut t) };
        assert_eq!(rc, 0, "tcgetattr");
        t.c_lflag & libc::ICANON != 0 && t.c_lflag & libc::ECHO != 0
    }
}
