//! A scanner typing on every screen of the real binary. A keyboard-wedge scanner types into
//! whatever has the focus, and GS1 serials hold letters that are shortcuts somewhere (q quits,
//! x cancels, y confirms, - removes, …). A corpus of valid and damaged codes whose serials are
//! made of those letters is typed on every tab, list, form, open question, help overlay and the
//! PIN prompt, at a scanner's pace (all at once, one key every 5 ms, and in OpenSSH's chunks of
//! ten keys every 20 ms), with and without a scanner prefix configured. Afterwards the program
//! still runs, no order changed in the simulator, the active order is the same, no field but the
//! screen's own scan field holds scan text, and every valid pack that went to the scan panel is
//! in the journal exactly once. A person typing at 150 ms a key still has every shortcut.
#![cfg(unix)]

use crate::common::pty::Pty;
use std::process::Command;
use std::time::{Duration, Instant};

const F1: &[u8] = b"\x1bOP";
const F2: &[u8] = b"\x1bOQ";
const F3: &[u8] = b"\x1bOR";
const F4: &[u8] = b"\x1bOS";
const F5: &[u8] = b"\x1b[15~";
const F7: &[u8] = b"\x1b[18~";
const F10: &[u8] = b"\x1b[21~";
const ESC: &[u8] = b"\x1b";
const DOWN: &[u8] = b"\x1b[B";
const TAB: &[u8] = b"\t";
const ENTER: &[u8] = b"\r";

/// The active order of these tests: PO-2611-001 (5,000 packs, room for every valid scan).
const PACK: &str = "]d20104023456000017172811001";

/// Serial parts made of every letter that is a shortcut somewhere, and `-`, `/`, `y`, `n`.
const SHORTCUTS: [&str; 12] =
    ["qxyZ7", "Q-yZ", "B7q4", "/n-y", "rnasp", "fxocw", "Neimt", "vl?d", "uyxn", "ptfx-", "a/q", "eim-"];

/// One code of the corpus.
struct Code {
    text: String,
    /// A pack of the active order that the scan panel accepts.
    valid: bool,
}

/// `n` codes whose serials start with `tag`: about two thirds valid, the rest damaged in the
/// ways a real line damages them.
fn corpus(tag: &str, n: usize) -> Vec<Code> {
    (0..n)
        .map(|i| {
            let serial = format!("{tag}{i:03}{}", SHORTCUTS[i % SHORTCUTS.len()]);
            let (text, valid) = match i % 6 {
                // A wrong GTIN check digit.
                4 => (format!("]d20104023456000018172811001{}\u{1d}21{serial}", "0AMX2601"), false),
                // Cut short by a bad read.
                5 => (format!("]d2010402345600{serial}"), false),
                _ => (format!("{PACK}0AMX2601\u{1d}21{serial}"), true),
            };
            Code { text, valid }
        })
        .collect()
}

#[derive(Clone, Copy, Debug)]
enum Pace {
    /// All at once (the scanner's USB reports arrive faster than the terminal is read).
    Burst,
    /// One key every 5 ms (a slow wedge).
    Wedge,
    /// Chunks of ten keys every 20 ms (OpenSSH 9.5 and later).
    Ssh,
}

fn type_codes(pty: &mut Pty, codes: &[Code], pace: Pace) {
    let mut bytes = Vec::new();
    for c in codes {
        bytes.extend_from_slice(c.text.as_bytes());
        bytes.push(b'\r');
    }
    match pace {
        Pace::Burst => {
            for chunk in bytes.chunks(4096) {
                pty.send_now(chunk);
            }
        }
        Pace::Wedge => {
            for b in bytes {
                pty.send_now(&[b]);
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        Pace::Ssh => {
            for chunk in bytes.chunks(10) {
                pty.send_now(chunk);
                std::thread::sleep(Duration::from_millis(20));
            }
        }
    }
    // Whatever the pace, a person's next key comes later.
    std::thread::sleep(Duration::from_millis(100));
}

/// A station against a simulator process of its own, with alarms that do not block (so every
/// valid pack after a damaged one is still accepted and can be counted).
struct Station {
    pty: Pty,
    sim: std::process::Child,
    port: u16,
    home: tempfile::TempDir,
}

impl Drop for Station {
    fn drop(&mut self) {
        let _ = self.pty.child.kill();
        let _ = self.sim.kill();
        let _ = self.sim.wait();
    }
}

fn station(prefix: &str) -> Station {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_shopfloor"));
    cmd.args(["sim", "--listen", "127.0.0.1:0"]);
    let (sim, snippet, port) = crate::common::sim_process(cmd);
    let pin = shopfloor::config::access::hash_pin(&shopfloor::config::secret::Secret::new("1357")).unwrap();
    let config = format!(
        "{snippet}\n[scanner]\nprefixes = [{prefix}]\n\n[scan]\nblock_on_alarm = false\nbell = false\n\n\
         [signin]\nbadge_prefix = \"OP:\"\n\n[[operators]]\nid = \"op-2\"\nname = \"Ben Ek\"\npin_hash = \"{pin}\"\n"
    );
    let path = home.path().join("config.toml");
    std::fs::write(&path, config).unwrap();
    let h = home.path().to_str().unwrap().to_string();
    let cfg = path.to_str().unwrap().to_string();
    let mut pty = Pty::spawn(&["--config", &cfg], &[("HOME", &h), ("XDG_DATA_HOME", &h)], 80, 24);
    pty.wait_text("PO-2611-001");
    // The order barcode, scanned: PO-2611-001 becomes the active order.
    pty.send_now(b"ORDER:PO-2611-001\r");
    pty.wait_text("● active PO-2611-001");
    Station { pty, sim, port, home }
}

impl Station {
    fn journal(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.home.path().join("shopfloor/journal.db")).unwrap()
    }

    /// Scans journaled with serials that start with `tag`.
    fn journaled(&self, tag: &str) -> i64 {
        let like = format!("{tag}%");
        self.journal().query_row("SELECT COUNT(*) FROM scans WHERE serial LIKE ?1", [like], |r| r.get(0)).unwrap()
    }

    fn alive(&mut self, screen: &str) {
        assert!(self.pty.child.try_wait().unwrap().is_none(), "the program ended on {screen}:\n{}", self.pty.screen());
    }

    async fn orders(&self) -> (serde_json::Value, serde_json::Value) {
        let get = |path: &'static str| {
            let url = format!("http://127.0.0.1:{}{path}", self.port);
            async move { reqwest::get(url).await.unwrap().json::<serde_json::Value>().await.unwrap() }
        };
        (get("/_sim/packaging_orders").await, get("/_sim/production_orders").await)
    }
}

/// Where a screen sends scans.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Takes {
    /// The scan panel: valid packs are journaled.
    Panel,
    /// The screen's own scan field (the order lookup, the report form): nothing is journaled.
    OwnField,
    /// The PIN prompt: every scan is refused and kept nowhere.
    Pin,
}

struct Screen {
    name: &'static str,
    /// Keys that open it, from the Packaging list.
    open: fn(&mut Pty),
    /// Text that shows it is open.
    shows: &'static str,
    takes: Takes,
    /// Keys that leave it, back to a tab's top screen (none for a tab's top screen).
    close: Option<fn(&mut Pty)>,
}

fn esc(p: &mut Pty) {
    p.send(ESC);
}

fn answer_no(p: &mut Pty) {
    p.press("n");
    p.wait_text("Cancelled; nothing was sent");
}

fn fill_packaging_form(p: &mut Pty) {
    p.press("n");
    p.wait_text("New packaging order");
    for (text, tabs) in [("RT-1", 1), ("", 1), ("04023456000017", 2), ("AMX2601", 1), ("281100", 1), ("5", 0)] {
        p.type_keys(text);
        for _ in 0..tabs {
            p.send(TAB);
        }
    }
}

fn screens() -> Vec<Screen> {
    vec![
        Screen {
            name: "packaging list",
            open: |p| p.send(F2),
            shows: "Open packaging orders",
            takes: Takes::Panel,
            close: None,
        },
        Screen {
            name: "packaging help",
            open: |p| {
                p.send(F2);
                p.send(F1)
            },
            shows: "Keys — Packaging",
            takes: Takes::Panel,
            close: Some(esc),
        },
        Screen {
            name: "order lookup",
            open: |p| {
                p.send(F2);
                p.press("/")
            },
            shows: "Look up order",
            takes: Takes::OwnField,
            close: Some(esc),
        },
        Screen {
            name: "packaging form",
            open: |p| {
                p.send(F2);
                p.press("n")
            },
            shows: "New packaging order",
            takes: Takes::Panel,
            close: Some(esc),
        },
        Screen {
            name: "create packaging order question",
            open: |p| {
                p.send(F2);
                fill_packaging_form(p);
                p.send(F10)
            },
            shows: "Create packaging order?",
            takes: Takes::Panel,
            close: Some(|p| {
                answer_no(p);
                p.send(ESC)
            }),
        },
        Screen { name: "label form", open: |p| p.send(F3), shows: "New label order", takes: Takes::Panel, close: None },
        Screen {
            name: "create label order question",
            open: |p| {
                p.send(F3);
                p.type_keys("LBL-RT-1");
                for _ in 0..3 {
                    p.send(TAB);
                }
                p.type_keys("10");
                p.send(F10)
            },
            shows: "Create label order?",
            takes: Takes::Panel,
            close: Some(|p| {
                answer_no(p);
                p.send(F2)
            }),
        },
        Screen {
            name: "production list",
            open: |p| p.send(F4),
            shows: "Production orders —",
            takes: Takes::Panel,
            close: None,
        },
        Screen {
            name: "production help",
            open: |p| {
                p.send(F4);
                p.send(F1)
            },
            shows: "Keys — Production",
            takes: Takes::Panel,
            close: Some(esc),
        },
        Screen {
            name: "production search form",
            open: |p| {
                p.send(F4);
                p.press("/")
            },
            shows: "Search production orders",
            takes: Takes::Panel,
            close: Some(esc),
        },
        Screen {
            name: "customer order form",
            open: |p| {
                p.send(F4);
                p.press("c")
            },
            shows: "Orders of a customer order",
            takes: Takes::Panel,
            close: Some(esc),
        },
        Screen {
            name: "article form",
            open: |p| {
                p.send(F4);
                p.press("w")
            },
            shows: "Orders that contain an article",
            takes: Takes::Panel,
            close: Some(esc),
        },
        Screen {
            name: "new production order form",
            open: |p| {
                p.send(F4);
                p.press("n")
            },
            shows: "New production order",
            takes: Takes::Panel,
            close: Some(esc),
        },
        Screen {
            name: "from customer order form",
            open: |p| {
                p.send(F4);
                p.press("N")
            },
            shows: "from a customer order",
            takes: Takes::Panel,
            close: Some(esc),
        },
        Screen {
            name: "start question",
            open: |p| {
                p.send(F4);
                p.press("p")
            },
            shows: "Start production of",
            takes: Takes::Panel,
            close: Some(answer_no),
        },
        Screen {
            name: "finish question",
            open: |p| {
                p.send(F4);
                p.press("f")
            },
            shows: "Finish PR-",
            takes: Takes::Panel,
            close: Some(answer_no),
        },
        Screen {
            name: "cancel question",
            open: |p| {
                p.send(F4);
                p.press("x")
            },
            shows: "Cancel PR-",
            takes: Takes::Panel,
            close: Some(answer_no),
        },
        Screen {
            name: "production order",
            open: |p| {
                p.send(F4);
                p.send(ENTER)
            },
            shows: "Batches & serials",
            takes: Takes::Panel,
            close: Some(esc),
        },
        Screen {
            name: "edit order form",
            open: |p| {
                p.send(F4);
                p.send(ENTER);
                p.wait_text("Batches & serials");
                p.press("e")
            },
            shows: "Edit production order",
            takes: Takes::Panel,
            close: Some(|p| {
                p.send(ESC);
                p.send(ESC)
            }),
        },
        Screen {
            name: "add article form",
            open: |p| {
                p.send(F4);
                p.send(ENTER);
                p.wait_text("Batches & serials");
                p.press("i")
            },
            shows: "Add an article",
            takes: Takes::Panel,
            close: Some(|p| {
                p.send(ESC);
                p.send(ESC)
            }),
        },
        Screen {
            name: "edit article form",
            open: |p| {
                p.send(F4);
                p.send(ENTER);
                p.wait_text("ART-");
                p.press("m")
            },
            shows: "Edit article",
            takes: Takes::Panel,
            close: Some(|p| {
                p.send(ESC);
                p.send(ESC)
            }),
        },
        Screen {
            name: "remove article question",
            open: |p| {
                p.send(F4);
                p.send(ENTER);
                p.wait_text("ART-");
                p.press("-")
            },
            shows: "Remove ART-",
            takes: Takes::Panel,
            close: Some(|p| {
                answer_no(p);
                p.send(ESC)
            }),
        },
        Screen {
            name: "picking list form",
            open: |p| {
                p.send(F4);
                p.send(ENTER);
                p.wait_text("Batches & serials");
                p.press("l")
            },
            shows: "Picking list —",
            takes: Takes::Panel,
            close: Some(|p| {
                p.send(ESC);
                p.send(ESC)
            }),
        },
        Screen {
            name: "product filter form",
            open: |p| {
                p.send(F4);
                p.send(ENTER);
                p.wait_text("Batches & serials");
                p.press("/")
            },
            shows: "Filter the product list",
            takes: Takes::Panel,
            close: Some(|p| {
                p.send(ESC);
                p.send(ESC)
            }),
        },
        Screen {
            name: "report form",
            open: |p| {
                // PR-1002 is DEVELOPING: production can be reported on it.
                p.send(F4);
                p.send(DOWN);
                p.send(ENTER);
                p.wait_text("PR-1002");
                p.wait_text("ART-");
                p.press("t")
            },
            shows: "Report production of",
            takes: Takes::OwnField,
            close: Some(|p| {
                p.send(ESC);
                p.send(ESC)
            }),
        },
        Screen { name: "scan panel", open: |p| p.send(F5), shows: "Last scans", takes: Takes::Panel, close: None },
        Screen {
            name: "scan help",
            open: |p| {
                p.send(F5);
                p.send(F1)
            },
            shows: "Keys — Scan",
            takes: Takes::Panel,
            close: Some(esc),
        },
        Screen {
            name: "decommission question",
            open: |p| {
                p.send(F5);
                p.wait_for("all commissioned", Duration::from_secs(60), |s| s.contains("queue 0 to send"));
                // Refused scans are listed too: go down to the first commissioned serial.
                for _ in 0..12 {
                    p.send(DOWN);
                    p.send(F7);
                    std::thread::sleep(Duration::from_millis(300));
                    if p.screen().contains("Decommission serial") {
                        break;
                    }
                }
            },
            shows: "Decommission serial",
            takes: Takes::Panel,
            close: Some(answer_no),
        },
        Screen {
            name: "PIN prompt",
            open: |p| {
                p.send(F5);
                p.type_keys("OP:op-2\r")
            },
            shows: "PIN for Ben Ek",
            takes: Takes::Pin,
            close: Some(esc),
        },
    ]
}

/// The screen without its last two lines (the message line may quote a scan).
fn body(screen: &str) -> String {
    let lines: Vec<&str> = screen.lines().collect();
    lines[..lines.len().saturating_sub(2)].join("\n")
}

async fn every_screen(prefix: &str) {
    let mut st = station(prefix);
    let before = st.orders().await;
    let mut expected_total = 0i64;
    for (i, s) in screens().into_iter().enumerate() {
        (s.open)(&mut st.pty);
        st.pty.wait_text(s.shows);
        for (j, (pace, n)) in [(Pace::Burst, 200), (Pace::Wedge, 3), (Pace::Ssh, 6)].into_iter().enumerate() {
            // A tag per screen and pace: "K" then two digits, in no text of the demo.
            let tag = format!("K{i:02}{j}");
            let codes = corpus(&tag, n);
            let valid = codes.iter().filter(|c| c.valid).count() as i64;
            type_codes(&mut st.pty, &codes, pace);
            let want = if s.takes == Takes::Panel { valid } else { 0 };
            let start = Instant::now();
            while st.journaled(&tag) < want && start.elapsed() < Duration::from_secs(30) {
                std::thread::sleep(Duration::from_millis(50));
            }
            assert_eq!(st.journaled(&tag), want, "{} at {pace:?}: valid packs journaled once", s.name);
            expected_total += want;
            st.alive(s.name);
            let screen = st.pty.screen();
            assert!(screen.contains(s.shows), "{} at {pace:?}: the screen is still shown:\n{screen}", s.name);
            match s.takes {
                Takes::Panel if !s.name.starts_with("scan") && !s.name.starts_with("decommission") => {
                    assert!(!body(&screen).contains(&tag), "{} at {pace:?}: scan text in a field:\n{screen}", s.name);
                }
                Takes::Pin => {
                    // A scan is refused as one; keys a pause cut off a scan are too long for a PIN.
                    let said = screen.contains("A scan is not a PIN") || screen.contains("too long for a PIN");
                    assert!(said, "{}: the prompt says why:\n{screen}", s.name);
                    assert!(!screen.contains(&tag), "{}: the scan is kept nowhere:\n{screen}", s.name);
                }
                _ => {}
            }
        }
        if let Some(close) = s.close {
            close(&mut st.pty);
            st.pty.wait_for(&format!("{} to close", s.name), Duration::from_secs(10), |scr| !scr.contains(s.shows));
        }
    }
    // Nothing changed behind the operator's back, and the station still works for a person.
    assert_eq!(st.orders().await, before, "no packaging or production order changed");
    let active: String =
        st.journal().query_row("SELECT value FROM station WHERE key = 'active_order'", [], |r| r.get(0)).unwrap();
    assert!(active.contains("PO-2611-001"), "the active order is unchanged: {active}");
    let total: i64 = st.journal().query_row("SELECT COUNT(*) FROM scans", [], |r| r.get(0)).unwrap();
    assert_eq!(total, expected_total, "no pack journaled twice or from elsewhere");
    st.pty.send(F5);
    st.pty.send(b"\x11");
    assert_eq!(st.pty.wait_exit(Duration::from_secs(10)), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn scans_typed_on_every_screen_never_act_as_commands() {
    every_screen("").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn scans_typed_on_every_screen_never_act_as_commands_with_a_prefix_configured() {
    every_screen("\"]d2\", \"]C1\"").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_person_typing_150_ms_a_key_keeps_every_shortcut() {
    let mut st = station("");
    let slow = |p: &mut Pty, text: &str| {
        for c in text.chars() {
            p.send_now(c.to_string().as_bytes());
            std::thread::sleep(Duration::from_millis(150));
        }
    };
    st.pty.send(F4);
    st.pty.wait_text("Production orders — all states");
    slow(&mut st.pty, "s");
    st.pty.wait_text("Production orders — NEW");
    slow(&mut st.pty, "/");
    st.pty.wait_text("Search production orders");
    slow(&mut st.pty, "Line trial");
    st.pty.wait_text("Line trial");
    st.pty.send(ESC);
    st.pty.send(F2);
    slow(&mut st.pty, "q");
    st.pty.wait_text("Quit shopfloor?");
    // An answer typed before the question has been on screen 300 ms is not taken.
    st.pty.press("y");
    assert_eq!(st.pty.wait_exit(Duration::from_secs(10)), 0);
}
