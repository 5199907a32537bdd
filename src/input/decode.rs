//! Terminal bytes → keys and pastes. Written here rather than taken from a terminal library
//! because a line station's input is hostile: a non-GS1 code with an embedded ESC, a stray
//! terminal reply or line noise may start an escape sequence that never ends, and a parser that
//! waits for its end eats every scan after it. So an unfinished sequence is given up after a
//! short time (a lone ESC becomes the Esc key, anything longer is dropped), an overlong or
//! malformed one gives its bytes back as plain input, a bracketed paste that does not end
//! within a second ends, and every byte dropped is counted so the screen can say so.
//!
//! Control bytes map the way terminals send them: CR is Enter, LF is Ctrl+J, 0x1D (the GS1
//! separator) is Ctrl+], 0x01–0x1A are Ctrl+A–Z.

use super::key::{Code, Key, Mods};
use super::Millis;

/// An unfinished escape sequence is given up after this long (a terminal sends a key's whole
/// sequence at once; over SSH it travels in one packet).
pub const ESCAPE_TIMEOUT: Millis = 60;
/// A bracketed paste that has not ended after this long ends.
pub const PASTE_TIMEOUT: Millis = 1000;
/// A paste longer than this is cut (no scan or field needs more); the rest is counted as dropped.
pub const PASTE_MAX: usize = 16 * 1024;
/// No key's escape sequence is longer than this.
const SEQUENCE_MAX: usize = 24;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    Key(Key),
    Paste(String),
}

#[derive(Debug, Default)]
pub struct Decoder {
    /// An escape sequence being read (starts with ESC).
    seq: Vec<u8>,
    seq_since: Millis,
    /// The bytes of a UTF-8 character read so far.
    utf8: Vec<u8>,
    utf8_since: Millis,
    paste: Option<Paste>,
    dropped: u64,
}

#[derive(Debug)]
struct Paste {
    text: Vec<u8>,
    since: Millis,
}

const PASTE_START: &[u8] = b"\x1b[200~";
const PASTE_END: &[u8] = b"\x1b[201~";

enum Parsed {
    /// More bytes are needed.
    Incomplete,
    /// A whole sequence: the key it stands for, if any (terminal replies stand for none).
    Done(Option<Key>),
    PasteStart,
    /// Not a sequence a terminal sends for a key.
    Invalid,
}

impl Decoder {
    pub fn new() -> Self {
        Decoder::default()
    }

    /// Decodes bytes that arrived at `now`.
    pub fn feed(&mut self, bytes: &[u8], now: Millis, out: &mut Vec<Event>) {
        for &b in bytes {
            self.byte(b, now, out);
        }
    }

    /// When an unfinished sequence or paste must be given up, if one is waiting.
    pub fn deadline(&self) -> Option<Millis> {
        let seq = (!self.seq.is_empty()).then_some(self.seq_since + ESCAPE_TIMEOUT);
        let utf8 = (!self.utf8.is_empty()).then_some(self.utf8_since + ESCAPE_TIMEOUT);
        let paste = self.paste.as_ref().map(|p| p.since + PASTE_TIMEOUT);
        [seq, utf8, paste].into_iter().flatten().min()
    }

    /// Gives up what has waited too long by `now`.
    pub fn expire(&mut self, now: Millis, out: &mut Vec<Event>) {
        if !self.seq.is_empty() && now >= self.seq_since + ESCAPE_TIMEOUT {
            let seq = std::mem::take(&mut self.seq);
            match seq.as_slice() {
                [0x1b] => out.push(Event::Key(Key::plain(Code::Esc))),
                [0x1b, b'O'] => out.push(Event::Key(Key::new(Code::Char('O'), Mods::ALT))),
                _ => self.dropped += seq.len() as u64,
            }
        }
        if !self.utf8.is_empty() && now >= self.utf8_since + ESCAPE_TIMEOUT {
            self.dropped += self.utf8.len() as u64;
            self.utf8.clear();
        }
        if self.paste.as_ref().is_some_and(|p| now >= p.since + PASTE_TIMEOUT) {
            if let Some(p) = self.paste.take() {
                out.push(Event::Paste(String::from_utf8_lossy(&p.text).into_owned()));
            }
        }
    }

    /// Bytes given up since the last call.
    pub fn take_dropped(&mut self) -> u64 {
        std::mem::take(&mut self.dropped)
    }

    fn byte(&mut self, b: u8, now: Millis, out: &mut Vec<Event>) {
        if let Some(p) = self.paste.as_mut() {
            if p.text.len() < PASTE_MAX + PASTE_END.len() {
                p.text.push(b);
            } else {
                // Keep only what is needed to see the end marker.
                p.text.remove(PASTE_MAX);
                p.text.push(b);
                self.dropped += 1;
            }
            if p.text.ends_with(PASTE_END) {
                let n = p.text.len() - PASTE_END.len();
                p.text.truncate(n);
                if let Some(p) = self.paste.take() {
                    out.push(Event::Paste(String::from_utf8_lossy(&p.text).into_owned()));
                }
            }
            return;
        }
        if self.seq == [0x1b] && b == 0x1b {
            // Esc pressed twice: the first is a key of its own.
            out.push(Event::Key(Key::plain(Code::Esc)));
            self.seq_since = now;
            return;
        }
        if !self.seq.is_empty() {
            self.seq.push(b);
            match parse_escape(&self.seq) {
                Parsed::Incomplete if self.seq.len() <= SEQUENCE_MAX => {}
                Parsed::Incomplete | Parsed::Invalid => {
                    // Not a key's sequence: the ESC is dropped and the rest read again as
                    // plain input, so a scan that followed is not lost.
                    let rest = self.seq.split_off(1);
                    self.seq.clear();
                    self.dropped += 1;
                    for r in rest {
                        self.byte(r, now, out);
                    }
                }
                Parsed::Done(key) => {
                    let n = self.seq.len();
                    self.seq.clear();
                    match key {
                        Some(k) => out.push(Event::Key(k)),
                        None => self.dropped += n as u64,
                    }
                }
                Parsed::PasteStart => {
                    self.seq.clear();
                    self.paste = Some(Paste { text: Vec::new(), since: now });
                }
            }
            return;
        }
        if !self.utf8.is_empty() {
            if b & 0xC0 == 0x80 {
                self.utf8.push(b);
                if let Ok(s) = std::str::from_utf8(&self.utf8) {
                    if let Some(c) = s.chars().next() {
                        out.push(Event::Key(Key::char(c)));
                    }
                    self.utf8.clear();
                } else if self.utf8.len() >= 4 {
                    self.dropped += self.utf8.len() as u64;
                    self.utf8.clear();
                }
                return;
            }
            // A character cut short: drop it and read this byte afresh.
            self.dropped += self.utf8.len() as u64;
            self.utf8.clear();
        }
        let key = match b {
            0x1b => {
                self.seq.push(b);
                self.seq_since = now;
                return;
            }
            b'\r' => Key::plain(Code::Enter),
            b'\n' => Key::ctrl('j'),
            b'\t' => Key::plain(Code::Tab),
            0x7f | 0x08 => Key::plain(Code::Backspace),
            0x00 => Key::ctrl(' '),
            0x01..=0x1a => Key::ctrl((b'a' + b - 1) as char),
            0x1c => Key::ctrl('\\'),
            0x1d => Key::ctrl(']'),
            0x1e => Key::ctrl('^'),
            0x1f => Key::ctrl('_'),
            0x20..=0x7e => Key::char(b as char),
            0xC2..=0xF4 => {
                self.utf8.push(b);
                self.utf8_since = now;
                return;
            }
            _ => {
                self.dropped += 1;
                return;
            }
        };
        out.push(Event::Key(key));
    }
}

/// Modifiers in xterm's encoding: 1 + (shift 1, alt 2, ctrl 4).
fn modifiers(param: Option<&str>) -> Mods {
    let n: u8 = param.and_then(|p| p.parse().ok()).unwrap_or(1);
    let bits = n.saturating_sub(1);
    let mut m = Mods::NONE;
    if bits & 1 != 0 {
        m |= Mods::SHIFT;
    }
    if bits & 2 != 0 {
        m |= Mods::ALT;
    }
    if bits & 4 != 0 {
        m |= Mods::CTRL;
    }
    m
}

fn parse_escape(seq: &[u8]) -> Parsed {
    let Some(&second) = seq.get(1) else { return Parsed::Incomplete };
    match second {
        b'[' => parse_csi(seq),
        b'O' => match seq.get(2) {
            None => Parsed::Incomplete,
            Some(&c) => Parsed::Done(match c {
                b'P' => Some(Key::plain(Code::F(1))),
                b'Q' => Some(Key::plain(Code::F(2))),
                b'R' => Some(Key::plain(Code::F(3))),
                b'S' => Some(Key::plain(Code::F(4))),
                b'A' => Some(Key::plain(Code::Up)),
                b'B' => Some(Key::plain(Code::Down)),
                b'C' => Some(Key::plain(Code::Right)),
                b'D' => Some(Key::plain(Code::Left)),
                b'H' => Some(Key::plain(Code::Home)),
                b'F' => Some(Key::plain(Code::End)),
                b'M' => Some(Key::plain(Code::Enter)),
                0x20..=0x7e => None,
                _ => return Parsed::Invalid,
            }),
        },
        // Alt with a printable key.
        0x20..=0x7e => Parsed::Done(Some(Key::new(Code::Char(second as char), Mods::ALT))),
        0x7f => Parsed::Done(Some(Key::new(Code::Backspace, Mods::ALT))),
        _ => Parsed::Invalid,
    }
}

fn parse_csi(seq: &[u8]) -> Parsed {
    let body = &seq[2..];
    // The Linux console's F1–F5: ESC [ [ A … E.
    if body.first() == Some(&b'[') {
        return match body.get(1) {
            None => Parsed::Incomplete,
            Some(&c @ b'A'..=b'E') => Parsed::Done(Some(Key::plain(Code::F(c - b'A' + 1)))),
            Some(_) => Parsed::Invalid,
        };
    }
    let Some(&last) = body.last() else { return Parsed::Incomplete };
    if body[..body.len() - 1].iter().any(|b| !(0x20..=0x3f).contains(b)) {
        return Parsed::Invalid;
    }
    match last {
        0x20..=0x3f => return Parsed::Incomplete,
        0x40..=0x7e => {}
        _ => return Parsed::Invalid,
    }
    if seq == PASTE_START {
        return Parsed::PasteStart;
    }
    let params = std::str::from_utf8(&body[..body.len() - 1]).unwrap_or("");
    // Private replies (device attributes, mouse reports): nothing a key sends.
    if params.starts_with(['?', '<', '>', '=']) {
        return Parsed::Done(None);
    }
    let mut parts = params.split(';');
    let first = parts.next().filter(|p| !p.is_empty());
    let mods = modifiers(parts.next());
    let code = match last {
        b'A' => Code::Up,
        b'B' => Code::Down,
        b'C' => Code::Right,
        b'D' => Code::Left,
        b'H' => Code::Home,
        b'F' => Code::End,
        b'Z' => return Parsed::Done(Some(Key::plain(Code::BackTab))),
        b'P' => Code::F(1),
        b'Q' => Code::F(2),
        b'R' if first == Some("1") => Code::F(3),
        b'S' => Code::F(4),
        b'~' => match first.and_then(|n| n.parse::<u16>().ok()) {
            Some(1 | 7) => Code::Home,
            Some(2) => Code::Insert,
            Some(3) => Code::Delete,
            Some(4 | 8) => Code::End,
            Some(5) => Code::PageUp,
            Some(6) => Code::PageDown,
            Some(n @ 11..=15) => Code::F((n - 10) as u8),
            Some(n @ 17..=21) => Code::F((n - 11) as u8),
            Some(n @ 23..=26) => Code::F((n - 12) as u8),
            Some(n @ 28..=29) => Code::F((n - 13) as u8),
            Some(n @ 31..=34) => Code::F((n - 14) as u8),
            _ => return Parsed::Done(None),
        },
        _ => return Parsed::Done(None),
    };
    Parsed::Done(Some(Key::new(code, mods)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(chunks: &[(&[u8], Millis)], end: Millis) -> (Vec<Event>, u64) {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        for (bytes, at) in chunks {
            d.expire(*at, &mut out);
            d.feed(bytes, *at, &mut out);
        }
        d.expire(end, &mut out);
        (out, d.take_dropped())
    }

    fn keys(events: &[Event]) -> Vec<Key> {
        events.iter().filter_map(|e| if let Event::Key(k) = e { Some(*k) } else { None }).collect()
    }

    #[test]
    fn plain_bytes_controls_and_utf8() {
        let (ev, dropped) = decode(&[(b"a\x1d\r\n\t\x7f\x03", 0), ("é✓".as_bytes(), 1)], 10);
        assert_eq!(
            keys(&ev),
            vec![
                Key::char('a'),
                Key::ctrl(']'),
                Key::plain(Code::Enter),
                Key::ctrl('j'),
                Key::plain(Code::Tab),
                Key::plain(Code::Backspace),
                Key::ctrl('c'),
                Key::char('é'),
                Key::char('✓'),
            ]
        );
        assert_eq!(dropped, 0);
    }

    #[test]
    fn keys_sent_as_escape_sequences() {
        let (ev, _) = decode(&[(b"\x1b[A\x1b[1;5B\x1bOP\x1b[15~\x1b[24~\x1b[3~\x1b[Z\x1b[[A\x1bx", 0)], 100);
        assert_eq!(
            keys(&ev),
            vec![
                Key::plain(Code::Up),
                Key::new(Code::Down, Mods::CTRL),
                Key::plain(Code::F(1)),
                Key::plain(Code::F(5)),
                Key::plain(Code::F(12)),
                Key::plain(Code::Delete),
                Key::plain(Code::BackTab),
                Key::plain(Code::F(1)),
                Key::new(Code::Char('x'), Mods::ALT),
            ]
        );
    }

    #[test]
    fn a_lone_escape_is_the_esc_key_once_nothing_follows() {
        let (ev, dropped) = decode(&[(b"\x1b", 0)], 100);
        assert_eq!(keys(&ev), vec![Key::plain(Code::Esc)]);
        assert_eq!(dropped, 0);
        let (ev, dropped) = decode(&[(b"\x1b\x1b", 0)], 100);
        assert_eq!(keys(&ev), vec![Key::plain(Code::Esc), Key::plain(Code::Esc)], "Esc twice");
        assert_eq!(dropped, 0);
    }

    #[test]
    fn an_unfinished_sequence_is_given_up_and_later_input_is_read() {
        for junk in [&b"\x1b[?"[..], b"\x1b[<", b"\x1b[1;"] {
            let (ev, dropped) = decode(&[(junk, 0), (b"]d2010", 200)], 300);
            let typed: String = keys(&ev).iter().filter_map(|k| k.text()).collect();
            assert_eq!(typed, "]d2010", "{junk:?}");
            assert_eq!(dropped, junk.len() as u64, "{junk:?}");
        }
    }

    #[test]
    fn a_sequence_broken_by_a_scan_gives_the_scan_back() {
        // A control byte inside a sequence ends it: only the ESC is lost.
        let (ev, dropped) = decode(&[(b"\x1b[?0102\x1d21X\r", 0)], 10);
        let k = keys(&ev);
        assert!(k.contains(&Key::ctrl(']')) && k.contains(&Key::plain(Code::Enter)), "{k:?}");
        let typed: String = k.iter().filter_map(|k| k.text()).collect();
        assert_eq!(typed, "[?010221X");
        assert_eq!(dropped, 1);
    }

    #[test]
    fn bracketed_paste_and_a_paste_that_never_ends() {
        let (ev, _) = decode(&[(b"\x1b[200~(01)1\r\n(01)2\x1b[201~x", 0)], 10);
        assert_eq!(ev, vec![Event::Paste("(01)1\r\n(01)2".into()), Event::Key(Key::char('x'))]);
        let (ev, _) = decode(&[(b"\x1b[200~abc", 0), (b"\x1b[20~", 1500)], 1600);
        assert_eq!(ev, vec![Event::Paste("abc".into()), Event::Key(Key::plain(Code::F(9)))]);
    }

    #[test]
    fn a_huge_paste_is_cut_and_counted() {
        let mut big = b"\x1b[200~".to_vec();
        big.extend(std::iter::repeat_n(b'0', PASTE_MAX + 100));
        big.extend_from_slice(b"\x1b[201~");
        let (ev, dropped) = decode(&[(&big, 0)], 10);
        let Event::Paste(p) = &ev[0] else { panic!("{ev:?}") };
        assert_eq!(p.len(), PASTE_MAX);
        assert_eq!(dropped, 100);
    }

    #[test]
    fn terminal_replies_are_dropped_not_typed() {
        let (ev, dropped) = decode(&[(b"\x1b[?62;c\x1b[<0;10;5M", 0)], 10);
        assert!(ev.is_empty(), "{ev:?}");
        assert_eq!(dropped, 17);
    }
}
