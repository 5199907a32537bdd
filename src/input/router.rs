//! Tells a scanner from a person, before any screen sees a key.
//!
//! A keyboard-wedge scanner types into whatever has the focus, and a GS1 serial may hold any
//! letter a screen uses as a shortcut. So every key is classified here first:
//! - A configured prefix (an AIM identifier such as `]d2`, or a marker) starts a scan, whatever
//!   the pace: everything up to the suffix key is the scan.
//! - Otherwise the pace decides. A character key is held for a short window (`burst_window`,
//!   about 40 ms) before it is passed on; keys that keep arriving within the window form a burst.
//!   A wedge scanner types a key every 1–10 ms and OpenSSH forwards keystrokes in 20 ms packets,
//!   while people rarely type two keys within 50 ms. A burst of at least `min_scan_length`
//!   characters that ends with the suffix is a scan, whatever letters it holds; any other burst
//!   is passed on as the keys it was, each marked as typed inside a burst (such keys may type
//!   into a text field but never trigger a shortcut, answer a dialog, switch tabs or quit).
//! - Once four or more keys have come within the window of each other, the burst is clearly a
//!   machine's, and it may pause up to three windows before it is cut (scheduler hiccups and
//!   network jitter must not split a scan in two).
//! - Only character keys (and the separator) are held: arrows, F-keys and keys with Ctrl or Alt
//!   pass at once, so holding ↓ never stalls a list. A person notices no delay.
//! - A paste is passed on as a paste, never as keys.
//!
//! Time comes in with every call, so the router is a plain state machine the runtime drives
//! and the tests can drive with any clock.

use super::key::Key;
use super::scanner::ScannerSettings;
use super::Millis;

/// After a prefix, a scan is given up as ended when no key comes for this long.
const CAPTURE_IDLE: Millis = 1000;
/// Keys that could be the start of a prefix are held at most this long.
const PREFIX_HOLD: Millis = 1000;
/// A burst of this many fast keys is a machine's: it may pause a little longer (see `window`).
const STEADY_BURST: usize = 4;

/// Input as the screens receive it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A key; `burst` when it came inside a burst of fast keys (a scanner, not a person).
    Key {
        key: Key,
        burst: bool,
    },
    /// A whole scan, GS1 separators as GS, the suffix removed.
    Scan(String),
    Paste(String),
}

#[derive(Debug)]
pub struct Router {
    s: ScannerSettings,
    held: Vec<Key>,
    last_at: Millis,
    /// Some of the held keys came within the window of each other: they are a burst.
    fast: bool,
    /// After a prefix: the scan so far and when its last key came.
    capture: Option<(String, Millis)>,
}

impl Router {
    pub fn new(s: ScannerSettings) -> Self {
        Router { s, held: Vec::new(), last_at: 0, fast: false, capture: None }
    }

    pub fn settings(&self) -> &ScannerSettings {
        &self.s
    }

    /// When held input must be passed on if nothing more arrives.
    pub fn deadline(&self) -> Option<Millis> {
        if let Some((_, at)) = &self.capture {
            return Some(at + CAPTURE_IDLE);
        }
        if self.held.is_empty() {
            return None;
        }
        Some(if self.could_be_prefix() { self.last_at + PREFIX_HOLD } else { self.last_at + self.window() })
    }

    /// Passes on what has waited long enough by `now`.
    pub fn expire(&mut self, now: Millis, out: &mut Vec<Input>) {
        if self.deadline().is_some_and(|d| now >= d) {
            self.flush(out);
        }
    }

    pub fn key(&mut self, key: Key, now: Millis, out: &mut Vec<Input>) {
        self.expire(now, out);
        if let Some((mut scan, _)) = self.capture.take() {
            if self.s.is_suffix(&key) {
                out.push(Input::Scan(self.s.without_marker(&scan)));
            } else if let Some(c) = self.s.scan_char(&key) {
                scan.push(c);
                self.capture = Some((scan, now));
            } else {
                // A person's key in the middle of a prefixed scan: the scan ends there.
                out.push(Input::Scan(self.s.without_marker(&scan)));
                out.push(Input::Key { key, burst: false });
            }
            return;
        }
        // The new key belongs to the burst being held if it came within the window.
        let in_burst = !self.held.is_empty() && now <= self.last_at + self.window();
        if self.s.is_suffix(&key) && !self.held.is_empty() {
            if in_burst && self.scan_chars() >= self.s.min_scan_length {
                let scan = self.held_text();
                self.held.clear();
                self.fast = false;
                out.push(Input::Scan(scan));
            } else {
                self.fast |= in_burst;
                self.held.push(key);
                self.flush(out);
            }
            return;
        }
        if let Some(c) = self.s.scan_char(&key) {
            // Slow keys held as a possible prefix that turned out not to be one are a person's.
            if !self.held.is_empty() && !in_burst && !self.could_be_prefix_with(c) {
                self.flush(out);
            }
            self.fast |= in_burst;
            self.held.push(key);
            self.last_at = now;
            let text = self.held_text();
            if self.s.prefixes.iter().any(|p| !p.is_empty() && *p == text) {
                self.held.clear();
                self.fast = false;
                self.capture = Some((text, now));
            }
            return;
        }
        self.flush(out);
        out.push(Input::Key { key, burst: in_burst });
    }

    pub fn paste(&mut self, text: String, out: &mut Vec<Input>) {
        if let Some((scan, _)) = self.capture.take() {
            out.push(Input::Scan(self.s.without_marker(&scan)));
        }
        self.flush(out);
        out.push(Input::Paste(text));
    }

    /// Passes held keys on as keys (and a prefixed scan that stopped, as a scan).
    fn flush(&mut self, out: &mut Vec<Input>) {
        if let Some((scan, _)) = self.capture.take() {
            out.push(Input::Scan(self.s.without_marker(&scan)));
        }
        let burst = std::mem::take(&mut self.fast);
        out.extend(self.held.drain(..).map(|key| Input::Key { key, burst }));
    }

    /// How long the next key may take to belong to the burst held. Once a burst is clearly a
    /// machine's (several keys, each within the window: no person types like that), a longer
    /// pause is allowed before it is cut, so a scheduler hiccup or network jitter does not split
    /// a scan in two.
    fn window(&self) -> Millis {
        if self.fast && self.held.len() >= STEADY_BURST {
            self.s.burst_window * 3
        } else {
            self.s.burst_window
        }
    }

    fn held_text(&self) -> String {
        self.held.iter().filter_map(|k| self.s.scan_char(k)).collect()
    }

    fn scan_chars(&self) -> usize {
        self.held.iter().filter(|k| self.s.scan_char(k).is_some()).count()
    }

    /// The held keys are the beginning of a configured prefix.
    fn could_be_prefix(&self) -> bool {
        let text = self.held_text();
        self.s.prefixes.iter().any(|p| p.len() > text.len() && p.starts_with(&text))
    }

    /// The held keys and `c` are the beginning of a configured prefix (or all of it).
    fn could_be_prefix_with(&self, c: char) -> bool {
        let mut text = self.held_text();
        text.push(c);
        self.s.prefixes.iter().any(|p| p.starts_with(&text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::key::Code;
    use crate::input::scanner::{Separator, Suffix};
    use crate::input::GS;

    /// Feeds text as keys `gap` ms apart (GS as the 0x1D key, '\r' as Enter) and lets time run
    /// out at the end.
    fn run(r: &mut Router, text: &str, start: Millis, gap: Millis) -> Vec<Input> {
        let mut out = Vec::new();
        let mut t = start;
        for c in text.chars() {
            let key = match c {
                GS => Key::ctrl(']'),
                '\r' => Key::plain(Code::Enter),
                c => Key::char(c),
            };
            r.key(key, t, &mut out);
            t += gap;
        }
        r.expire(t + 5000, &mut out);
        out
    }

    fn scans(out: &[Input]) -> Vec<String> {
        out.iter().filter_map(|i| if let Input::Scan(s) = i { Some(s.clone()) } else { None }).collect()
    }

    const CODE: &str = "]d201040234560000171728110010AMX2601\u{1d}21QxyZ7\r";

    #[test]
    fn a_fast_burst_ending_in_enter_is_a_scan_whatever_its_letters() {
        for gap in [1, 5, 10] {
            let mut r = Router::new(ScannerSettings::default());
            let out = run(&mut r, CODE, 0, gap);
            assert_eq!(scans(&out), vec![CODE.trim_end_matches('\r').to_string()], "gap {gap}");
            assert_eq!(out.len(), 1, "nothing else passes: {out:?}");
        }
    }

    #[test]
    fn openssh_chunks_of_ten_keys_every_20_ms_are_one_scan() {
        let mut r = Router::new(ScannerSettings::default());
        let mut out = Vec::new();
        for (i, chunk) in CODE.chars().collect::<Vec<_>>().chunks(10).enumerate() {
            let t = i as Millis * 20;
            for c in chunk {
                let key = match c {
                    &GS => Key::ctrl(']'),
                    '\r' => Key::plain(Code::Enter),
                    c => Key::char(*c),
                };
                r.key(key, t, &mut out);
            }
        }
        r.expire(10_000, &mut out);
        assert_eq!(scans(&out).len(), 1, "{out:?}");
    }

    #[test]
    fn a_steady_burst_survives_a_pause_a_person_could_not_make() {
        let mut r = Router::new(ScannerSettings::default());
        let mut out = Vec::new();
        let code: Vec<char> = CODE.chars().collect();
        let mut t = 0;
        for (i, c) in code.iter().enumerate() {
            // A 100 ms hiccup in the middle of a scan typed a key every 5 ms.
            t += if i == 20 { 100 } else { 5 };
            let key = match c {
                &GS => Key::ctrl(']'),
                '\r' => Key::plain(Code::Enter),
                c => Key::char(*c),
            };
            r.key(key, t, &mut out);
        }
        r.expire(t + 5000, &mut out);
        assert_eq!(scans(&out).len(), 1, "{out:?}");
        // Two keys 30 ms apart and then a pause: not steady, passed on after the short window.
        let mut r = Router::new(ScannerSettings::default());
        let mut out = Vec::new();
        r.key(Key::char('a'), 0, &mut out);
        r.key(Key::char('b'), 30, &mut out);
        assert_eq!(r.deadline(), Some(70));
    }

    #[test]
    fn a_person_typing_gets_plain_keys_shortcuts_intact() {
        let mut r = Router::new(ScannerSettings::default());
        let out = run(&mut r, "xy\r", 0, 150);
        assert_eq!(
            out,
            vec![
                Input::Key { key: Key::char('x'), burst: false },
                Input::Key { key: Key::char('y'), burst: false },
                Input::Key { key: Key::plain(Code::Enter), burst: false },
            ]
        );
    }

    #[test]
    fn a_short_burst_is_replayed_as_burst_keys() {
        let mut r = Router::new(ScannerSettings::default());
        let out = run(&mut r, "ACK\r", 0, 3);
        assert!(scans(&out).is_empty());
        assert_eq!(out.len(), 4);
        assert!(out.iter().all(|i| matches!(i, Input::Key { burst: true, .. })), "{out:?}");
        // A burst without the suffix is keys too.
        let out = run(&mut r, "0123456789", 10_000, 3);
        assert!(scans(&out).is_empty() && out.len() == 10, "{out:?}");
    }

    #[test]
    fn keys_with_ctrl_and_arrows_pass_at_once() {
        let mut r = Router::new(ScannerSettings::default());
        let mut out = Vec::new();
        r.key(Key::plain(Code::Down), 0, &mut out);
        r.key(Key::ctrl('q'), 1, &mut out);
        assert_eq!(out.len(), 2, "nothing held");
        r.key(Key::char('a'), 2, &mut out);
        assert_eq!(out.len(), 2, "a character is held");
        assert_eq!(r.deadline(), Some(42));
        r.expire(42, &mut out);
        assert_eq!(out[2], Input::Key { key: Key::char('a'), burst: false });
    }

    #[test]
    fn a_prefix_decides_whatever_the_pace_and_a_marker_is_removed() {
        let s = ScannerSettings { prefixes: vec!["]C1".into(), "#S".into()], ..Default::default() };
        let mut r = Router::new(s.clone());
        assert_eq!(scans(&run(&mut r, "]C1ACK\r", 0, 200)), vec!["]C1ACK"]);
        assert_eq!(scans(&run(&mut r, "#S21X\r", 10_000, 200)), vec!["21X"]);
        // Codes without a prefix still fall under the pace rule.
        assert_eq!(scans(&run(&mut r, CODE, 20_000, 2)).len(), 1);
        // A slow person typing something else gets keys.
        let out = run(&mut r, "]x", 30_000, 200);
        assert!(scans(&out).is_empty() && out.len() == 2, "{out:?}");
    }

    #[test]
    fn other_separators_and_suffixes() {
        let s = ScannerSettings { separator: Separator::Char('|'), suffix: Suffix::Tab, ..Default::default() };
        let mut r = Router::new(s);
        let mut out = Vec::new();
        for (i, c) in "10ABCDEF|21X".chars().enumerate() {
            r.key(Key::char(c), i as Millis, &mut out);
        }
        r.key(Key::plain(Code::Tab), 20, &mut out);
        assert_eq!(scans(&out), vec![format!("10ABCDEF{GS}21X")]);
        let s = ScannerSettings { separator: Separator::F8, suffix: Suffix::Lf, ..Default::default() };
        let mut r = Router::new(s);
        let mut out = Vec::new();
        for (i, c) in "10ABCDEF".chars().enumerate() {
            r.key(Key::char(c), i as Millis, &mut out);
        }
        r.key(Key::plain(Code::F(8)), 9, &mut out);
        r.key(Key::char('2'), 10, &mut out);
        r.key(Key::ctrl('j'), 11, &mut out);
        assert_eq!(scans(&out), vec![format!("10ABCDEF{GS}2")]);
    }

    #[test]
    fn a_paste_flushes_what_was_held_and_stays_a_paste() {
        let mut r = Router::new(ScannerSettings::default());
        let mut out = Vec::new();
        r.key(Key::char('q'), 0, &mut out);
        r.paste("q\r".into(), &mut out);
        assert_eq!(out, vec![Input::Key { key: Key::char('q'), burst: false }, Input::Paste("q\r".into())]);
    }
}
