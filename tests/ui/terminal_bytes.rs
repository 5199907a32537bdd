//! The bytes a terminal really sends, through the real input chain: the decoder (bytes → keys),
//! the router (a scanner's burst → a scan) and, for keys typed at a person's pace, the scan
//! field (keys → a scan); then GS1 decoding and the dashboard itself. Every `[scanner] separator`
//! setting with every suffix: a separator lost on the way would let the batch (10) swallow the
//! serial (21) after it and raise WRONG BATCH.

use crate::common::dashboard::*;
use shopfloor::input::decode::{Decoder, Event};
use shopfloor::input::router::{Input, Router};
use shopfloor::input::scanner::{ScannerSettings, Separator, Suffix};
use shopfloor::input::Millis;
use shopfloor::scan::gs1;
use shopfloor::scan::wedge::{Fed, ScanField};
use shopfloor::tui::app::{update, App};
use shopfloor::tui::clock::Stamp;
use shopfloor::tui::msg::{Effect, Msg, Tab};
use shopfloor::worker::Job;

/// Each separator setting with the bytes a terminal sends for it: "gs" and "ctrl+]" are both
/// the byte 0x1D (crossterm would call it Ctrl+'5'), F8 is xterm's and the Linux console's
/// `ESC [ 1 9 ~`, a character is itself.
const SEPARATORS: [(&str, &[u8]); 4] = [("gs", b"\x1d"), ("ctrl+]", b"\x1d"), ("f8", b"\x1b[19~"), ("|", b"|")];
/// Each suffix setting with its byte: Enter is CR, Tab is HT, LF is LF.
const SUFFIXES: [(&str, &[u8]); 3] = [("enter", b"\r"), ("tab", b"\t"), ("lf", b"\n")];

fn scanner(separator: &str, suffix: &str) -> ScannerSettings {
    ScannerSettings {
        separator: Separator::parse(separator).unwrap(),
        suffix: Suffix::parse(suffix).unwrap(),
        ..Default::default()
    }
}

/// The units a scanner or a person sends: one character's bytes, or one key's whole sequence
/// (a terminal writes a key's escape sequence at once).
fn units(code: &str, sep: &[u8], suffix: &[u8]) -> Vec<Vec<u8>> {
    let mut out: Vec<Vec<u8>> = Vec::new();
    for c in code.chars() {
        if c == '\u{1d}' {
            out.push(sep.to_vec());
        } else {
            out.push(c.to_string().into_bytes());
        }
    }
    out.push(suffix.to_vec());
    out
}

/// The runtime's reader without a terminal: decoder then router, on a clock the test drives.
struct Terminal {
    decoder: Decoder,
    router: Router,
}

impl Terminal {
    fn new(s: ScannerSettings) -> Self {
        Terminal { decoder: Decoder::new(), router: Router::new(s) }
    }

    fn bytes(&mut self, bytes: &[u8], now: Millis, out: &mut Vec<Input>) {
        let mut decoded = Vec::new();
        self.decoder.expire(now, &mut decoded);
        self.decoder.feed(bytes, now, &mut decoded);
        self.route(decoded, now, out);
    }

    fn expire(&mut self, now: Millis, out: &mut Vec<Input>) {
        let mut decoded = Vec::new();
        self.decoder.expire(now, &mut decoded);
        self.route(decoded, now, out);
    }

    fn route(&mut self, decoded: Vec<Event>, now: Millis, out: &mut Vec<Input>) {
        self.router.expire(now, out);
        for d in decoded {
            match d {
                Event::Key(k) => self.router.key(k, now, out),
                Event::Paste(p) => self.router.paste(p, out),
            }
        }
        assert_eq!(self.decoder.take_dropped(), 0, "no byte of a scan is given up");
    }

    /// Sends the units `gap` ms apart, then lets every timer run out.
    fn send(&mut self, units: &[Vec<u8>], gap: Millis) -> Vec<Input> {
        let mut out = Vec::new();
        let mut t = 1_000;
        for u in units {
            self.bytes(u, t, &mut out);
            t += gap;
        }
        self.expire(t + 10_000, &mut out);
        out
    }
}

/// (01) GTIN, (17) expiry, (10) batch, GS, (21) serial: the batch is variable length, so only the
/// separator ends it.
fn pack() -> String {
    "0102022090117459172905121".to_string() + "0B2405121\u{1d}21WEDGEB4"
}

fn batch_and_serial(scan: &str) -> (String, String) {
    let opts = gs1::Options { mode: gs1::Mode::Auto, ..Default::default() };
    let d = gs1::decode(scan, &opts).unwrap_or_else(|e| panic!("{scan:?} does not decode: {e:?}"));
    (d.get("10").unwrap_or("").to_string(), d.get("21").unwrap_or("").to_string())
}

#[test]
fn a_scanners_burst_keeps_the_separator_for_every_setting() {
    for (sep_name, sep) in SEPARATORS {
        for (suffix_name, suffix) in SUFFIXES {
            for aim in ["", "]d2"] {
                let code = format!("{aim}{}", pack());
                let mut term = Terminal::new(scanner(sep_name, suffix_name));
                let out = term.send(&units(&code, sep, suffix), 2);
                let case = format!("separator {sep_name:?}, suffix {suffix_name:?}, prefix {aim:?}");
                let scans: Vec<&String> =
                    out.iter().filter_map(|i| if let Input::Scan(s) = i { Some(s) } else { None }).collect();
                assert_eq!(scans.len(), 1, "{case}: one scan, nothing else: {out:?}");
                assert_eq!(out.len(), 1, "{case}: no stray keys: {out:?}");
                assert_eq!(
                    batch_and_serial(scans[0]),
                    ("B2405121".to_string(), "WEDGEB4".to_string()),
                    "{case}: {:?}",
                    scans[0]
                );
            }
        }
    }
}

#[test]
fn keys_at_a_persons_pace_into_the_scan_field_keep_the_separator_for_every_setting() {
    for (sep_name, sep) in SEPARATORS {
        for (suffix_name, suffix) in SUFFIXES {
            let s = scanner(sep_name, suffix_name);
            let mut term = Terminal::new(s.clone());
            // Far apart: the router passes each as a key, as it would a person's typing.
            let out = term.send(&units(&pack(), sep, suffix), 150);
            let mut field = ScanField::new(s);
            let mut frames = Vec::new();
            for i in out {
                let Input::Key { key, .. } = i else { panic!("only keys at this pace: {i:?}") };
                if let Fed::Frame(f) = field.feed(&key) {
                    frames.push(f);
                }
            }
            let case = format!("separator {sep_name:?}, suffix {suffix_name:?}");
            assert_eq!(frames.len(), 1, "{case}: {frames:?}");
            assert_eq!(
                batch_and_serial(&frames[0]),
                ("B2405121".to_string(), "WEDGEB4".to_string()),
                "{case}: {:?}",
                frames[0]
            );
        }
    }
}

/// The whole chain into the dashboard: "ctrl+]" as the byte 0x1D, a scanner's pace, the Scan
/// tab with Order143 (batch B2405121) active: journaled, not a WRONG BATCH.
#[test]
fn the_byte_0x1d_with_separator_ctrl_bracket_is_accepted_by_the_scan_panel() {
    let mut s = settings();
    s.scanner = scanner("ctrl+]", "enter");
    let (mut app, first) = App::new(s.clone(), Vec::new(), None, clock(), (80, 24));
    load_orders(&mut app, &first, vec![sample_order("Order143")]);
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::F(5));
    assert_eq!(app.tab, Tab::Scan);
    let mut term = Terminal::new(s.scanner.clone());
    let effects = feed(&mut app, term.send(&units(&pack(), b"\x1d", b"\r"), 2));
    let journaled: Vec<_> =
        effects.iter().filter_map(|e| if let Effect::Journal(s) = e { Some(s) } else { None }).collect();
    assert_eq!(journaled.len(), 1, "{effects:?} {:?}", app.scan.last);
    assert_eq!((journaled[0].batch.as_str(), journaled[0].serial.as_str()), ("B2405121", "WEDGEB4"));
    assert!(app.scan.alarm.is_none(), "no alarm");
}

/// Inputs into the dashboard, a second apart.
fn feed(app: &mut App, inputs: Vec<Input>) -> Vec<Effect> {
    let mut effects = Vec::new();
    for i in inputs {
        let now = app.clock.now;
        let at = Stamp { mono: now.mono + 1000, utc: now.utc + chrono::Duration::seconds(1) };
        effects.extend(update(app, Msg::Input(i, at)));
    }
    effects
}

/// The demo's operators and badge prefix, on an ordinary (not kiosk) station.
fn with_operators(mut s: shopfloor::tui::msg::Settings) -> shopfloor::tui::msg::Settings {
    use shopfloor::config::access::Operator;
    s.access.badge_prefix = "OP:".into();
    s.access.operators =
        vec![Operator { id: "op-1".into(), name: "Anna Berg".into(), pin_hash: None, role: Default::default() }];
    s
}

/// Command barcodes read the same with an AIM identifier (as `scanner-check` recommends turning
/// them on) as without, each one, from the bytes a scanner sends; with the identifiers listed as
/// prefixes and without.
#[test]
fn command_barcodes_work_with_and_without_an_aim_identifier() {
    let prefixes: Vec<String> = ["]C0", "]Q3", "]d2"].map(String::from).to_vec();
    for listed in [false, true] {
        for aim in ["", "]C0", "]Q3", "]d2"] {
            let case = format!("{aim:?}, prefixes listed: {listed}");
            let station = || {
                let mut s = with_operators(settings());
                if listed {
                    s.scanner.prefixes = prefixes.clone();
                }
                let (mut app, first) = App::new(s, Vec::new(), None, clock(), (80, 24));
                load_orders(&mut app, &first, vec![sample_order("Order143")]);
                app
            };
            let send = |app: &mut App, code: &str| {
                let mut term = Terminal::new(app.settings.scanner.clone());
                feed(app, term.send(&units(code, b"\x1d", b"\r"), 2))
            };

            // ORDER: looks the order up to make it active.
            let mut app = station();
            press(&mut app, KeyCode::F(5));
            let effects = send(&mut app, &format!("{aim}ORDER:Order143"));
            let looked_up = requests(&effects)
                .into_iter()
                .any(|r| matches!(&r.job, Job::OrderDetails { order_id } if order_id == "Order143"));
            assert!(looked_up, "{case}: ORDER: looks the order up: {effects:?} {:?}", app.scan.last);
            assert!(app.scan.alarm.is_none(), "{case}: ORDER: raises no alarm");

            // ACK acknowledges an alarm.
            let mut app = station();
            press(&mut app, KeyCode::Char('a'));
            press(&mut app, KeyCode::F(5));
            send(&mut app, &format!("{aim}010202209011745917290512" /* no serial */));
            assert!(app.scan.alarm.is_some(), "{case}: a pack without a serial raises an alarm");
            let effects = send(&mut app, &format!("{aim}ACK"));
            assert!(effects.iter().any(|e| matches!(e, Effect::AckAlarms(_))), "{case}: ACK acknowledges: {effects:?}");
            assert!(app.scan.alarm.is_none(), "{case}: ACK clears the alarm");

            // OP: signs the operator in.
            let mut app = station();
            press(&mut app, KeyCode::F(5));
            send(&mut app, &format!("{aim}OP:op-1"));
            assert_eq!(app.access.operator_id(), Some("op-1"), "{case}: OP: signs in");
        }
    }
}
