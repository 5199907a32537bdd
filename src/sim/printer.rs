//! A fake Zebra printer for tests and integrators: takes ZPL on raw TCP, prints each format
//! after a short while (records its fields, read from the ZPL, with the DataMatrix's FNC1 shown
//! as GS), and answers `~HS` and `~HQES` from its state the way a real one does: `~HS` gets no
//! answer at all during paper out, ribbon out and head open, while `~HQES` still answers.
//! `~JA` cancels every format not yet printed. A label cut short by a fault is printed again
//! after the fault is cleared unless its format said `^JZN`, as on a real printer.
//!
//! Faults are switched over HTTP (`/_sim/printers/NAME/faults`): paper out after label N, head
//! open, ribbon out, pause, a connection reset after the next N formats received, and slow
//! printing.

use crate::domain::zebra::{error_bits, ErrorStatus, HostStatus};
use crate::domain::zpl::{self, ParsedLabel};
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;

/// The demo station's printer (`--demo`).
pub const DEMO_PRINTER: &str = "line1-zebra";
/// How long one label takes to come out.
const PRINT_MS: u64 = 15;

/// One label the printer put out.
#[derive(Debug, Clone, Serialize)]
pub struct LabelRecord {
    /// 1, 2, … in the order they came out.
    pub n: usize,
    /// "printed", or "partial" when a fault cut it short.
    pub status: String,
    #[serde(flatten)]
    pub label: ParsedLabel,
    /// The DataMatrix data as the bracketed GS1 element string, when it is GS1.
    pub gs1: Option<String>,
}

/// The fault switches (`GET`/`PUT /_sim/printers/NAME/faults`); a PUT changes only the fields
/// it names.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrinterFaults {
    /// Paper runs out when this many labels have been printed in all (0: never).
    #[serde(default)]
    pub paper_out_after: Option<u32>,
    #[serde(default)]
    pub paper_out: Option<bool>,
    #[serde(default)]
    pub head_open: Option<bool>,
    #[serde(default)]
    pub ribbon_out: Option<bool>,
    #[serde(default)]
    pub paused: Option<bool>,
    /// The connection is reset right after the next N formats are received (0: never).
    #[serde(default)]
    pub reset_after: Option<u32>,
    /// Extra milliseconds per label.
    #[serde(default)]
    pub slow_ms: Option<u64>,
}

struct Format {
    parsed: ParsedLabel,
}

#[derive(Default)]
struct State {
    paper_out_after: Option<u32>,
    paper_out: bool,
    head_open: bool,
    ribbon_out: bool,
    paused: bool,
    reset_after: Option<u32>,
    slow_ms: u64,
    queue: VecDeque<Format>,
    /// Copies of the front format left to print, once it has started.
    front_left: Option<u32>,
    partial_format: bool,
    labels: Vec<LabelRecord>,
    /// Bumped to reset every open connection.
    reset_generation: u64,
}

impl State {
    fn faulted(&self) -> bool {
        self.paper_out || self.head_open || self.ribbon_out
    }

    fn faults(&self) -> PrinterFaults {
        PrinterFaults {
            paper_out_after: Some(self.paper_out_after.unwrap_or(0)),
            paper_out: Some(self.paper_out),
            head_open: Some(self.head_open),
            ribbon_out: Some(self.ribbon_out),
            paused: Some(self.paused),
            reset_after: Some(self.reset_after.unwrap_or(0)),
            slow_ms: Some(self.slow_ms),
        }
    }

    fn host_status(&self) -> HostStatus {
        HostStatus {
            paper_out: self.paper_out,
            paused: self.paused,
            label_length_dots: 406,
            formats_in_buffer: self.queue.len() as u32,
            partial_format: self.partial_format,
            head_up: self.head_open,
            ribbon_out: self.ribbon_out,
            thermal_transfer: true,
            print_mode: 2,
            labels_remaining: self.front_left.unwrap_or(0),
            format_while_printing: true,
            password: "1234".into(),
            static_ram: false,
            ..HostStatus::default()
        }
    }

    fn error_status(&self) -> ErrorStatus {
        let mut errors = 0;
        if self.paper_out {
            errors |= error_bits::MEDIA_OUT;
        }
        if self.ribbon_out {
            errors |= error_bits::RIBBON_OUT;
        }
        if self.head_open {
            errors |= error_bits::HEAD_OPEN;
        }
        ErrorStatus { any_error: errors != 0, errors, any_warning: false, warnings: 0 }
    }

    fn record(&mut self, parsed: &ParsedLabel, status: &str) {
        let gs1 = parsed.scan.as_deref().and_then(|s| s.strip_prefix("]d2")).map(bracketed);
        let n = self.labels.len() + 1;
        self.labels.push(LabelRecord { n, status: status.into(), label: parsed.clone(), gs1 });
    }

    /// The front format met a fault: its label is partial; with ^JZN it is dropped, otherwise it
    /// comes out again once the fault is cleared.
    fn cut_short(&mut self) {
        if let Some(f) = self.queue.pop_front() {
            self.record(&f.parsed, "partial");
            if f.parsed.reprint_after_error.as_deref() == Some("N") {
                self.front_left = None;
            } else {
                self.queue.push_front(f);
                self.front_left = None;
            }
        }
    }
}

/// The bracketed form of an element string with GS separators, for reading in JSON. Only the
/// AIs a pack label carries are known here (the simulator has no GS1 dictionary).
fn bracketed(data: &str) -> String {
    let mut out = String::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (ai, fixed) = match &rest[..rest.len().min(2)] {
            "01" | "02" => ("01", Some(14)),
            "11" | "13" | "15" | "17" => (&rest[..2], Some(6)),
            _ => (&rest[..rest.len().min(2)], None),
        };
        let body = &rest[ai.len()..];
        let (value, next) = match fixed {
            Some(n) if body.len() >= n => (&body[..n], &body[n..]),
            _ => match body.find(zpl::GS) {
                Some(i) => (&body[..i], &body[i + 1..]),
                None => (body, ""),
            },
        };
        out.push_str(&format!("({}){value}", &rest[..ai.len()]));
        rest = next.strip_prefix(zpl::GS).unwrap_or(next);
    }
    out
}

pub struct FakePrinter {
    pub name: String,
    pub addr: SocketAddr,
    state: Mutex<State>,
    wake: Notify,
}

impl FakePrinter {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn labels(&self) -> Vec<LabelRecord> {
        self.state().labels.clone()
    }

    pub fn faults(&self) -> PrinterFaults {
        self.state().faults()
    }

    pub fn set_faults(&self, f: &PrinterFaults) {
        let mut s = self.state();
        if let Some(n) = f.paper_out_after {
            s.paper_out_after = (n > 0).then_some(n);
        }
        if let Some(v) = f.paper_out {
            s.paper_out = v;
        }
        if let Some(v) = f.head_open {
            s.head_open = v;
        }
        if let Some(v) = f.ribbon_out {
            s.ribbon_out = v;
        }
        if let Some(v) = f.paused {
            s.paused = v;
        }
        if let Some(n) = f.reset_after {
            s.reset_after = (n > 0).then_some(n);
        }
        if let Some(ms) = f.slow_ms {
            s.slow_ms = ms.min(60_000);
        }
        drop(s);
        self.wake.notify_one();
    }

    /// Takes one format off the stream: queues it, and says whether the connection must now be
    /// reset (the `reset_after` fault).
    fn receive(&self, zpl_text: &str) -> bool {
        let parsed = zpl::parse_label(zpl_text);
        let mut s = self.state();
        s.queue.push_back(Format { parsed });
        let reset = match s.reset_after {
            Some(1) => {
                s.reset_after = None;
                true
            }
            Some(n) => {
                s.reset_after = Some(n - 1);
                false
            }
            None => false,
        };
        drop(s);
        self.wake.notify_one();
        reset
    }

    /// The print mechanism: one label at a time while nothing stops it.
    async fn print_loop(self: Arc<Self>) {
        loop {
            let wait = {
                let mut s = self.state();
                if s.queue.is_empty() || s.faulted() || s.paused {
                    None
                } else {
                    let printed = s.labels.iter().filter(|l| l.status == "printed").count() as u32;
                    if s.paper_out_after.is_some_and(|k| printed >= k) {
                        s.paper_out_after = None;
                        s.paper_out = true;
                        s.cut_short();
                        continue;
                    }
                    if s.front_left.is_none() {
                        let q = s.queue.front().map(|f| f.parsed.quantity.max(1)).unwrap_or(1);
                        s.front_left = Some(q);
                    }
                    Some(Duration::from_millis(PRINT_MS + s.slow_ms))
                }
            };
            match wait {
                None => {
                    let _ = tokio::time::timeout(Duration::from_millis(50), self.wake.notified()).await;
                }
                Some(d) => {
                    tokio::time::sleep(d).await;
                    let mut s = self.state();
                    if s.front_left.is_none() {
                        continue; // cancelled (~JA) while printing
                    }
                    if s.faulted() {
                        s.cut_short();
                        continue;
                    }
                    let Some(front) = s.queue.front().map(|f| f.parsed.clone()) else { continue };
                    s.record(&front, "printed");
                    let left = s.front_left.unwrap_or(1).saturating_sub(1);
                    if left == 0 {
                        s.queue.pop_front();
                        s.front_left = None;
                    } else {
                        s.front_left = Some(left);
                    }
                }
            }
        }
    }

    async fn serve(self: Arc<Self>, listener: TcpListener) {
        loop {
            let Ok((stream, _)) = listener.accept().await else { continue };
            tokio::spawn(self.clone().connection(stream));
        }
    }

    async fn connection(self: Arc<Self>, mut stream: TcpStream) {
        let generation = self.state().reset_generation;
        let mut buf: Vec<u8> = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            let read = tokio::time::timeout(Duration::from_millis(100), stream.read(&mut chunk)).await;
            if self.state().reset_generation != generation {
                let _ = stream.set_zero_linger();
                return;
            }
            let n = match read {
                Err(_) => continue,
                Ok(Ok(0)) | Ok(Err(_)) => return,
                Ok(Ok(n)) => n,
            };
            buf.extend_from_slice(&chunk[..n]);
            loop {
                match next_command(&buf) {
                    Next::Incomplete { partial_format } => {
                        self.state().partial_format = partial_format;
                        break;
                    }
                    Next::Command(end, cmd) => {
                        let text = String::from_utf8_lossy(&buf[..end]).into_owned();
                        buf.drain(..end);
                        let reply = match cmd {
                            Cmd::Format(start) => {
                                self.state().partial_format = false;
                                if self.receive(&text[start..]) {
                                    let _ = stream.set_zero_linger();
                                    return;
                                }
                                None
                            }
                            Cmd::HostStatus => {
                                let s = self.state();
                                (!s.faulted()).then(|| s.host_status().to_reply())
                            }
                            Cmd::ErrorStatus => Some(self.state().error_status().to_reply()),
                            Cmd::CancelAll => {
                                let mut s = self.state();
                                s.queue.clear();
                                s.front_left = None;
                                None
                            }
                        };
                        if let Some(r) = reply {
                            if stream.write_all(&r).await.is_err() {
                                return;
                            }
                        }
                    }
                }
            }
        }
    }
}

enum Cmd {
    /// A format; the number is where `^XA` starts in the taken text.
    Format(usize),
    HostStatus,
    ErrorStatus,
    CancelAll,
}

enum Next {
    Incomplete {
        partial_format: bool,
    },
    /// How many bytes the command took, and which it was.
    Command(usize, Cmd),
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

/// The next command in the buffer. Bytes before it (line ends, commands the fake ignores) are
/// taken with it.
fn next_command(buf: &[u8]) -> Next {
    let candidates =
        [(find(buf, b"^XA"), 0u8), (find(buf, b"~HQES"), 1), (find(buf, b"~HS"), 2), (find(buf, b"~JA"), 3)];
    let Some((pos, which)) = candidates.iter().filter_map(|(p, w)| p.map(|p| (p, *w))).min() else {
        return Next::Incomplete { partial_format: false };
    };
    match which {
        0 => match find(&buf[pos..], b"^XZ") {
            Some(end) => Next::Command(pos + end + 3, Cmd::Format(pos)),
            None => Next::Incomplete { partial_format: true },
        },
        // "~HQES" also starts with "~HQ", never "~HS", so the two cannot be confused.
        1 => Next::Command(pos + 5, Cmd::ErrorStatus),
        2 => Next::Command(pos + 3, Cmd::HostStatus),
        _ => Next::Command(pos + 3, Cmd::CancelAll),
    }
}

/// The simulator's printers.
#[derive(Default)]
pub struct Fleet {
    pub printers: Vec<Arc<FakePrinter>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Fleet {
    pub fn get(&self, name: &str) -> Option<&Arc<FakePrinter>> {
        self.printers.iter().find(|p| p.name == name)
    }

    pub fn stop(&mut self) {
        for t in self.tasks.drain(..) {
            t.abort();
        }
    }
}

impl Drop for Fleet {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Starts one fake printer per (name, loopback address); port 0 picks a free one.
pub async fn start_fleet(specs: &[(String, SocketAddr)]) -> Result<Fleet, super::SimError> {
    let mut fleet = Fleet::default();
    for (name, addr) in specs {
        if !addr.ip().is_loopback() {
            return Err(super::SimError::NotLoopback(*addr));
        }
        let listener = TcpListener::bind(addr).await.map_err(|source| super::SimError::Bind { addr: *addr, source })?;
        let bound = listener.local_addr().map_err(|source| super::SimError::Bind { addr: *addr, source })?;
        let p = Arc::new(FakePrinter {
            name: name.clone(),
            addr: bound,
            state: Mutex::new(State::default()),
            wake: Notify::new(),
        });
        fleet.tasks.push(tokio::spawn(p.clone().serve(listener)));
        fleet.tasks.push(tokio::spawn(p.clone().print_loop()));
        fleet.printers.push(p);
        tracing::info!(printer = %name, addr = %bound, "fake printer listening");
    }
    Ok(fleet)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_found_in_order_and_a_format_waits_for_its_end() {
        assert!(matches!(next_command(b"~HS\r\n^XA^FDx"), Next::Command(3, Cmd::HostStatus)));
        assert!(matches!(next_command(b"^XA^FDx"), Next::Incomplete { partial_format: true }));
        assert!(matches!(next_command(b"\r\n~HQES\r\n"), Next::Command(7, Cmd::ErrorStatus)));
        assert!(matches!(next_command(b"^XA^FDx^FS^XZ~HS"), Next::Command(13, Cmd::Format(0))));
    }

    #[test]
    fn element_strings_are_bracketed() {
        assert_eq!(
            bracketed("010202209011745917290512 10B1\u{1d}21AB".replace(' ', "").as_str()),
            "(01)02022090117459(17)290512(10)B1(21)AB"
        );
    }
}
