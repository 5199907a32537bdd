//! What a Zebra printer says about itself, without I/O: the `~HS` host status (three
//! STX…ETX strings, read from Zebra's own field table), the `~HQES` error status, a frame reader
//! that takes the reply in whatever pieces TCP delivers it, and the printer state the station
//! acts on. The simulator's fake printer writes its answers with the same types, so both sides
//! agree on every field's place.

use std::time::SystemTime;

pub const STX: u8 = 0x02;
pub const ETX: u8 = 0x03;
/// No status string of a real printer comes near this; a longer frame means the stream is not
/// a Zebra status reply, and the reader gives up instead of growing without end.
pub const MAX_FRAME: usize = 512;

/// The `~HS` reply, field by field (0-based indices of Zebra's table in the comments).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct HostStatus {
    // String 1: aaa,b,c,dddd,eee,f,g,h,iii,j,k,l
    /// 0: communication settings (a bit field).
    pub comm_settings: u32,
    /// 1: paper out.
    pub paper_out: bool,
    /// 2: pause active.
    pub paused: bool,
    /// 3: label length in dots.
    pub label_length_dots: u32,
    /// 4: formats waiting in the receive buffer.
    pub formats_in_buffer: u32,
    /// 5: receive buffer full.
    pub buffer_full: bool,
    /// 6: communications diagnostic mode.
    pub diagnostic_mode: bool,
    /// 7: a format is still being received.
    pub partial_format: bool,
    // 8: unused (000).
    /// 9: corrupt RAM (configuration lost).
    pub corrupt_ram: bool,
    /// 10: under temperature.
    pub under_temperature: bool,
    /// 11: over temperature.
    pub over_temperature: bool,
    // String 2: mmm,n,o,p,q,r,s,t,uuuuuuuu,v,www
    /// 0: function settings (a bit field).
    pub function_settings: u32,
    // 1: unused.
    /// 2: the print head is up (open).
    pub head_up: bool,
    /// 3: ribbon out.
    pub ribbon_out: bool,
    /// 4: thermal-transfer mode.
    pub thermal_transfer: bool,
    /// 5: print mode: 0 rewind, 1 peel-off, 2 tear-off, 3 cutter, 4 applicator, 5 delayed cut.
    pub print_mode: u8,
    /// 6: print width mode.
    pub print_width_mode: u32,
    /// 7: a label waits to be taken (peel-off).
    pub label_waiting: bool,
    /// 8: labels left to print in the current batch.
    pub labels_remaining: u32,
    /// 9: format while printing (always 1).
    pub format_while_printing: bool,
    /// 10: graphics stored in memory.
    pub graphics_stored: u32,
    // String 3: xxxx,y
    /// 0: password.
    pub password: String,
    /// 1: static RAM installed.
    pub static_ram: bool,
}

/// Why a reply is not the status it should be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatusError {
    #[error("the printer's ~HS answer has {0} strings instead of 3")]
    FrameCount(usize),
    #[error("string {string} of the printer's ~HS answer has {found} fields, at least {needed} expected")]
    FieldCount { string: usize, found: usize, needed: usize },
    #[error("field {field} of string {string} of the printer's ~HS answer is \"{value}\", not a number")]
    NotANumber { string: usize, field: usize, value: String },
    #[error("the printer's ~HQES answer has no {0} line")]
    NoLine(&'static str),
    #[error("the printer's ~HQES {line} line \"{text}\" is not a flag and two hexadecimal groups")]
    BadLine { line: &'static str, text: String },
    #[error("a status string from the printer is longer than {MAX_FRAME} bytes: this is not a Zebra status answer")]
    TooLong,
}

fn fields(frame: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(frame).split(',').map(|s| s.trim().to_string()).collect()
}

fn number(f: &[String], string: usize, field: usize) -> Result<u32, StatusError> {
    f[field].parse().map_err(|_| StatusError::NotANumber { string, field, value: f[field].clone() })
}

fn flag(f: &[String], string: usize, field: usize) -> Result<bool, StatusError> {
    number(f, string, field).map(|n| n != 0)
}

impl HostStatus {
    /// Reads the three strings (their content between STX and ETX).
    pub fn parse(frames: &[Vec<u8>]) -> Result<HostStatus, StatusError> {
        if frames.len() != 3 {
            return Err(StatusError::FrameCount(frames.len()));
        }
        let (a, b, c) = (fields(&frames[0]), fields(&frames[1]), fields(&frames[2]));
        for (i, f, needed) in [(1, &a, 12), (2, &b, 11), (3, &c, 2)] {
            if f.len() < needed {
                return Err(StatusError::FieldCount { string: i, found: f.len(), needed });
            }
        }
        Ok(HostStatus {
            comm_settings: number(&a, 1, 0)?,
            paper_out: flag(&a, 1, 1)?,
            paused: flag(&a, 1, 2)?,
            label_length_dots: number(&a, 1, 3)?,
            formats_in_buffer: number(&a, 1, 4)?,
            buffer_full: flag(&a, 1, 5)?,
            diagnostic_mode: flag(&a, 1, 6)?,
            partial_format: flag(&a, 1, 7)?,
            corrupt_ram: flag(&a, 1, 9)?,
            under_temperature: flag(&a, 1, 10)?,
            over_temperature: flag(&a, 1, 11)?,
            function_settings: number(&b, 2, 0)?,
            head_up: flag(&b, 2, 2)?,
            ribbon_out: flag(&b, 2, 3)?,
            thermal_transfer: flag(&b, 2, 4)?,
            print_mode: number(&b, 2, 5)?.min(255) as u8,
            print_width_mode: number(&b, 2, 6)?,
            label_waiting: flag(&b, 2, 7)?,
            labels_remaining: number(&b, 2, 8)?,
            format_while_printing: flag(&b, 2, 9)?,
            graphics_stored: number(&b, 2, 10)?,
            password: c[0].clone(),
            static_ram: flag(&c, 3, 1)?,
        })
    }

    /// The reply as a printer sends it (three framed strings, each followed by CR LF).
    pub fn to_reply(&self) -> Vec<u8> {
        let b = |v: bool| u8::from(v);
        let s1 = format!(
            "{:03},{},{},{:04},{:03},{},{},{},000,{},{},{}",
            self.comm_settings,
            b(self.paper_out),
            b(self.paused),
            self.label_length_dots,
            self.formats_in_buffer,
            b(self.buffer_full),
            b(self.diagnostic_mode),
            b(self.partial_format),
            b(self.corrupt_ram),
            b(self.under_temperature),
            b(self.over_temperature)
        );
        let s2 = format!(
            "{:03},0,{},{},{},{},{},{},{:08},{},{:03}",
            self.function_settings,
            b(self.head_up),
            b(self.ribbon_out),
            b(self.thermal_transfer),
            self.print_mode,
            self.print_width_mode,
            b(self.label_waiting),
            self.labels_remaining,
            b(self.format_while_printing),
            self.graphics_stored
        );
        let s3 = format!("{},{}", self.password, b(self.static_ram));
        let mut out = Vec::new();
        for s in [s1, s2, s3] {
            out.push(STX);
            out.extend_from_slice(s.as_bytes());
            out.push(ETX);
            out.extend_from_slice(b"\r\n");
        }
        out
    }
}

/// Error bits of `~HQES` (the low nibbles of the second group; Zebra's ~WQ/~HQ table).
pub mod error_bits {
    pub const MEDIA_OUT: u64 = 0x1;
    pub const RIBBON_OUT: u64 = 0x2;
    pub const HEAD_OPEN: u64 = 0x4;
    pub const CUTTER_FAULT: u64 = 0x8;
    pub const HEAD_OVER_TEMP: u64 = 0x10;
    pub const MOTOR_OVER_TEMP: u64 = 0x20;
    pub const BAD_HEAD_ELEMENT: u64 = 0x40;
    pub const HEAD_DETECTION: u64 = 0x80;
    pub const INVALID_FIRMWARE_CONFIG: u64 = 0x100;
    pub const HEAD_THERMISTOR_OPEN: u64 = 0x200;
}

/// The `~HQES` answer: whether any error or warning is set, and their bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ErrorStatus {
    pub any_error: bool,
    pub errors: u64,
    pub any_warning: bool,
    pub warnings: u64,
}

fn hqes_line(text: &str, name: &'static str) -> Result<(bool, u64), StatusError> {
    let line = text.lines().find_map(|l| l.trim().strip_prefix(name)).ok_or(StatusError::NoLine(name))?;
    let bad = || StatusError::BadLine { line: name, text: line.trim().to_string() };
    let parts: Vec<&str> = line.split_whitespace().collect();
    let [f, hi, lo] = parts[..] else { return Err(bad()) };
    let any = match f {
        "0" => false,
        "1" => true,
        _ => return Err(bad()),
    };
    let hi = u64::from_str_radix(hi, 16).map_err(|_| bad())?;
    let lo = u64::from_str_radix(lo, 16).map_err(|_| bad())?;
    Ok((any, (hi << 32) | lo))
}

impl ErrorStatus {
    /// Reads the reply text (with or without its STX/ETX).
    pub fn parse(reply: &[u8]) -> Result<ErrorStatus, StatusError> {
        let text = String::from_utf8_lossy(reply);
        let (any_error, errors) = hqes_line(&text, "ERRORS:")?;
        let (any_warning, warnings) = hqes_line(&text, "WARNINGS:")?;
        Ok(ErrorStatus { any_error, errors, any_warning, warnings })
    }

    pub fn to_reply(&self) -> Vec<u8> {
        let group = |any: bool, bits: u64| format!("{} {:08X} {:08X}", u8::from(any), bits >> 32, bits & 0xFFFF_FFFF);
        let text = format!(
            "\r\n  PRINTER STATUS\r\n   ERRORS:         {}\r\n   WARNINGS:       {}\r\n",
            group(self.any_error, self.errors),
            group(self.any_warning, self.warnings)
        );
        let mut out = vec![STX];
        out.extend_from_slice(text.as_bytes());
        out.push(ETX);
        out.extend_from_slice(b"\r\n");
        out
    }

    pub fn has(&self, bit: u64) -> bool {
        self.errors & bit != 0
    }
}

/// Collects STX…ETX frames from a byte stream that may arrive in any pieces; bytes between
/// frames (CR LF) are skipped. No length header exists, so counting frames is how a reply ends.
#[derive(Debug, Default)]
pub struct FrameReader {
    frames: Vec<Vec<u8>>,
    current: Option<Vec<u8>>,
}

impl FrameReader {
    pub fn new() -> Self {
        FrameReader::default()
    }

    pub fn push(&mut self, bytes: &[u8]) -> Result<(), StatusError> {
        for &b in bytes {
            match (&mut self.current, b) {
                (None, STX) => self.current = Some(Vec::new()),
                (None, _) => {}
                (Some(cur), ETX) => {
                    let frame = std::mem::take(cur);
                    self.frames.push(frame);
                    self.current = None;
                }
                // A new STX inside a frame: the earlier one was cut off; start again.
                (Some(cur), STX) => cur.clear(),
                (Some(cur), b) => {
                    if cur.len() >= MAX_FRAME {
                        return Err(StatusError::TooLong);
                    }
                    cur.push(b);
                }
            }
        }
        Ok(())
    }

    /// Frames completed so far.
    pub fn frames(&self) -> &[Vec<u8>] {
        &self.frames
    }

    pub fn take(&mut self) -> Vec<Vec<u8>> {
        std::mem::take(&mut self.frames)
    }
}

/// What the station makes of a printer's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrinterState {
    /// Nothing asked yet.
    Unknown,
    Ready,
    /// Labels still to come out: formats in the buffer plus labels left in the current one.
    Printing {
        pending: u32,
    },
    Paused,
    PaperOut,
    HeadOpen,
    RibbonOut,
    /// Another error the printer reports (over temperature, cutter, corrupt RAM, …).
    Fault(String),
    /// Not reachable (or not answering) since then.
    Offline {
        since: SystemTime,
        reason: String,
    },
}

impl PrinterState {
    /// From a `~HS` answer. Head, ribbon and paper come first: a job must never go to such a
    /// printer, whatever else it says.
    pub fn from_host(h: &HostStatus) -> PrinterState {
        if h.head_up {
            PrinterState::HeadOpen
        } else if h.paper_out {
            PrinterState::PaperOut
        } else if h.ribbon_out {
            PrinterState::RibbonOut
        } else if h.over_temperature {
            PrinterState::Fault("the print head is too hot".into())
        } else if h.under_temperature {
            PrinterState::Fault("the print head is too cold".into())
        } else if h.corrupt_ram {
            PrinterState::Fault("the printer lost its configuration (corrupt RAM)".into())
        } else if h.paused {
            PrinterState::Paused
        } else if h.formats_in_buffer > 0 || h.labels_remaining > 0 || h.partial_format {
            PrinterState::Printing { pending: pending_labels(h) }
        } else {
            PrinterState::Ready
        }
    }

    /// From a `~HQES` answer (asked when `~HS` stays silent, as it does during some faults).
    pub fn from_errors(e: &ErrorStatus) -> Option<PrinterState> {
        use error_bits::*;
        if e.has(HEAD_OPEN) {
            Some(PrinterState::HeadOpen)
        } else if e.has(MEDIA_OUT) {
            Some(PrinterState::PaperOut)
        } else if e.has(RIBBON_OUT) {
            Some(PrinterState::RibbonOut)
        } else if e.any_error || e.errors != 0 {
            let what = [
                (CUTTER_FAULT, "cutter fault"),
                (HEAD_OVER_TEMP, "print head too hot"),
                (MOTOR_OVER_TEMP, "motor too hot"),
                (BAD_HEAD_ELEMENT, "bad print head element"),
                (HEAD_DETECTION, "print head not detected"),
                (INVALID_FIRMWARE_CONFIG, "invalid firmware configuration"),
                (HEAD_THERMISTOR_OPEN, "print head thermistor open"),
            ]
            .iter()
            .filter(|(bit, _)| e.has(*bit))
            .map(|(_, w)| *w)
            .collect::<Vec<_>>();
            let text = if what.is_empty() { format!("printer error {:016X}", e.errors) } else { what.join(", ") };
            Some(PrinterState::Fault(text))
        } else {
            None
        }
    }

    /// A job may be sent: ready, or still printing earlier labels of ours.
    pub fn accepts_jobs(&self) -> bool {
        matches!(self, PrinterState::Ready | PrinterState::Printing { .. })
    }

    /// Paper, head, ribbon or another error: an operator must act at the printer.
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            PrinterState::PaperOut | PrinterState::HeadOpen | PrinterState::RibbonOut | PrinterState::Fault(_)
        )
    }

    /// A short word for a status bar ("offline since …" is completed by the caller, who knows
    /// the local time).
    pub fn word(&self) -> String {
        match self {
            PrinterState::Unknown => "not asked yet".into(),
            PrinterState::Ready => "ready".into(),
            PrinterState::Printing { pending } => format!("printing {pending}"),
            PrinterState::Paused => "paused".into(),
            PrinterState::PaperOut => "paper out".into(),
            PrinterState::HeadOpen => "head open".into(),
            PrinterState::RibbonOut => "ribbon out".into(),
            PrinterState::Fault(w) => format!("fault: {w}"),
            PrinterState::Offline { .. } => "offline".into(),
        }
    }

    /// What the operator should do about it, for a fault or an offline printer.
    pub fn what_to_do(&self) -> Option<&'static str> {
        Some(match self {
            PrinterState::PaperOut => "load labels and close the printer",
            PrinterState::HeadOpen => "close the print head",
            PrinterState::RibbonOut => "load a new ribbon",
            PrinterState::Paused => "press the printer's pause key to go on",
            PrinterState::Fault(_) => "look at the printer's display and clear the error",
            PrinterState::Offline { .. } => "check that the printer is on and its network cable is in",
            _ => return None,
        })
    }
}

/// Labels the printer still has to print, counted the safe way round: every format in the buffer
/// and the labels left in the one being printed, so a label is never thought printed too early.
pub fn pending_labels(h: &HostStatus) -> u32 {
    h.formats_in_buffer.saturating_add(h.labels_remaining).saturating_add(u32::from(h.partial_format))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_reply_written_is_read_back_field_by_field() {
        let h = HostStatus {
            paper_out: true,
            formats_in_buffer: 3,
            head_up: true,
            labels_remaining: 12,
            print_mode: 2,
            password: "1234".into(),
            ..HostStatus::default()
        };
        let mut r = FrameReader::new();
        r.push(&h.to_reply()).unwrap();
        assert_eq!(HostStatus::parse(r.frames()).unwrap(), h);
    }

    #[test]
    fn hqes_round_trips_and_names_the_fault() {
        let e = ErrorStatus {
            any_error: true,
            errors: error_bits::MEDIA_OUT | error_bits::HEAD_OPEN,
            ..Default::default()
        };
        let back = ErrorStatus::parse(&e.to_reply()).unwrap();
        assert_eq!(back, e);
        assert_eq!(PrinterState::from_errors(&back), Some(PrinterState::HeadOpen));
        let cutter = ErrorStatus { any_error: true, errors: error_bits::CUTTER_FAULT, ..Default::default() };
        assert_eq!(PrinterState::from_errors(&cutter), Some(PrinterState::Fault("cutter fault".into())));
        assert_eq!(PrinterState::from_errors(&ErrorStatus::default()), None);
    }

    #[test]
    fn an_overlong_frame_is_refused() {
        let mut r = FrameReader::new();
        let mut junk = vec![STX];
        junk.extend(std::iter::repeat_n(b'1', MAX_FRAME + 1));
        assert_eq!(r.push(&junk), Err(StatusError::TooLong));
    }
}
