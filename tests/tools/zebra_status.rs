//! `~HS` and `~HQES` answers as a Zebra printer writes them, read field by field: healthy, busy
//! with labels remaining, paper out, head open, paused, and a reply split across reads. The
//! fixtures are written by hand from Zebra's field table (not by the code under test), with
//! distinct non-zero values where a field shifted by one place would be read as its neighbour.

use shopfloor::domain::zebra::{ErrorStatus, FrameReader, HostStatus, PrinterState};

/// The three strings of a `~HS` answer, framed and each followed by CR LF.
fn reply(s1: &str, s2: &str, s3: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for s in [s1, s2, s3] {
        out.push(0x02);
        out.extend_from_slice(s.as_bytes());
        out.push(0x03);
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn parse(bytes: &[u8]) -> HostStatus {
    let mut r = FrameReader::new();
    r.push(bytes).unwrap();
    assert_eq!(r.frames().len(), 3, "three strings");
    HostStatus::parse(r.frames()).unwrap()
}

const HEALTHY_1: &str = "030,0,0,0406,000,0,0,0,000,0,0,0";
const HEALTHY_2: &str = "001,0,0,0,1,2,6,0,00000000,1,000";
const HEALTHY_3: &str = "1234,0";

#[test]
fn healthy_printer_every_field() {
    let h = parse(&reply(HEALTHY_1, HEALTHY_2, HEALTHY_3));
    // String 1
    assert_eq!(h.comm_settings, 30);
    assert!(!h.paper_out);
    assert!(!h.paused);
    assert_eq!(h.label_length_dots, 406);
    assert_eq!(h.formats_in_buffer, 0);
    assert!(!h.buffer_full);
    assert!(!h.diagnostic_mode);
    assert!(!h.partial_format);
    assert!(!h.corrupt_ram);
    assert!(!h.under_temperature);
    assert!(!h.over_temperature);
    // String 2 (eleven fields; index 1 is unused)
    assert_eq!(h.function_settings, 1);
    assert!(!h.head_up);
    assert!(!h.ribbon_out);
    assert!(h.thermal_transfer);
    assert_eq!(h.print_mode, 2, "tear-off");
    assert_eq!(h.print_width_mode, 6);
    assert!(!h.label_waiting);
    assert_eq!(h.labels_remaining, 0);
    assert!(h.format_while_printing);
    assert_eq!(h.graphics_stored, 0);
    // String 3
    assert_eq!(h.password, "1234");
    assert!(!h.static_ram);
    assert_eq!(PrinterState::from_host(&h), PrinterState::Ready);
}

#[test]
fn busy_printer_with_labels_remaining() {
    // Three formats waiting; the one printing has 7 labels left; a peel-off label waits to be
    // taken (index 7) — which a parser shifted by one would read as the label count.
    let h = parse(&reply("030,0,0,0406,003,0,0,1,000,0,0,0", "001,0,0,0,1,1,6,1,00000007,1,002", HEALTHY_3));
    assert_eq!(h.formats_in_buffer, 3);
    assert!(h.partial_format);
    assert_eq!(h.print_mode, 1, "peel-off");
    assert!(h.label_waiting);
    assert_eq!(h.labels_remaining, 7);
    assert_eq!(h.graphics_stored, 2);
    assert_eq!(PrinterState::from_host(&h), PrinterState::Printing { pending: 11 });
    assert!(PrinterState::from_host(&h).accepts_jobs());
}

#[test]
fn paper_out() {
    let h = parse(&reply("030,1,0,0406,001,0,0,0,000,0,0,0", HEALTHY_2, HEALTHY_3));
    assert!(h.paper_out);
    assert!(!h.paused);
    assert_eq!(h.formats_in_buffer, 1);
    assert_eq!(PrinterState::from_host(&h), PrinterState::PaperOut);
    assert!(!PrinterState::from_host(&h).accepts_jobs());
}

#[test]
fn head_open_is_index_two_of_string_two_not_the_unused_field() {
    let h = parse(&reply(HEALTHY_1, "001,0,1,0,1,2,6,0,00000000,1,000", HEALTHY_3));
    assert!(h.head_up);
    assert!(!h.ribbon_out);
    assert_eq!(PrinterState::from_host(&h), PrinterState::HeadOpen);
    // The unused field (index 1) set, everything else healthy: no fault.
    let h = parse(&reply(HEALTHY_1, "001,1,0,0,1,2,6,0,00000000,1,000", HEALTHY_3));
    assert!(!h.head_up && !h.ribbon_out);
    assert_eq!(PrinterState::from_host(&h), PrinterState::Ready);
    let h = parse(&reply(HEALTHY_1, "001,0,0,1,1,2,6,0,00000000,1,000", HEALTHY_3));
    assert!(h.ribbon_out && !h.head_up);
    assert_eq!(PrinterState::from_host(&h), PrinterState::RibbonOut);
}

#[test]
fn paused() {
    let h = parse(&reply("030,0,1,0406,002,0,0,0,000,0,0,0", "001,0,0,0,1,2,6,0,00000001,1,000", HEALTHY_3));
    assert!(h.paused);
    assert_eq!(h.formats_in_buffer, 2);
    assert_eq!(h.labels_remaining, 1);
    assert_eq!(PrinterState::from_host(&h), PrinterState::Paused);
    assert!(!PrinterState::from_host(&h).accepts_jobs());
}

#[test]
fn a_reply_split_across_reads_at_every_place_reads_the_same() {
    let whole = reply("030,0,0,0406,003,0,0,0,000,0,0,0", "001,0,0,0,1,2,6,0,00000012,1,000", HEALTHY_3);
    let expected = parse(&whole);
    for cut in 1..whole.len() {
        let mut r = FrameReader::new();
        r.push(&whole[..cut]).unwrap();
        assert!(r.frames().len() < 3 || cut >= whole.len() - 2, "complete too early at {cut}");
        r.push(&whole[cut..]).unwrap();
        assert_eq!(HostStatus::parse(r.frames()).unwrap(), expected, "cut at {cut}");
    }
    // One byte at a time, with noise before the first frame.
    let mut r = FrameReader::new();
    r.push(b"\r\n").unwrap();
    for b in &whole {
        r.push(std::slice::from_ref(b)).unwrap();
    }
    assert_eq!(HostStatus::parse(r.frames()).unwrap().labels_remaining, 12);
}

#[test]
fn too_few_fields_or_strings_are_errors_that_say_so() {
    let mut r = FrameReader::new();
    r.push(&reply(HEALTHY_1, "001,0,0,0,1,2,6,0,00000000,1", HEALTHY_3)).unwrap();
    let e = HostStatus::parse(r.frames()).unwrap_err().to_string();
    assert!(e.contains("string 2") && e.contains("10 fields") && e.contains("11"), "{e}");
    let e = HostStatus::parse(&r.frames()[..2]).unwrap_err().to_string();
    assert!(e.contains("2 strings"), "{e}");
}

fn hqes(errors: &str, warnings: &str) -> Vec<u8> {
    format!("\x02\r\n  PRINTER STATUS\r\n   ERRORS:         {errors}\r\n   WARNINGS:       {warnings}\r\n\x03\r\n")
        .into_bytes()
}

#[test]
fn hqes_names_the_fault_hs_is_silent_about() {
    let ok = ErrorStatus::parse(&hqes("0 00000000 00000000", "0 00000000 00000000")).unwrap();
    assert_eq!(PrinterState::from_errors(&ok), None);
    let paper = ErrorStatus::parse(&hqes("1 00000000 00000001", "0 00000000 00000000")).unwrap();
    assert!(paper.any_error);
    assert_eq!(PrinterState::from_errors(&paper), Some(PrinterState::PaperOut));
    let ribbon = ErrorStatus::parse(&hqes("1 00000000 00000002", "0 00000000 00000000")).unwrap();
    assert_eq!(PrinterState::from_errors(&ribbon), Some(PrinterState::RibbonOut));
    // Media out and head open together: the head comes first (close it, then load paper).
    let both = ErrorStatus::parse(&hqes("1 00000000 00000005", "1 00000000 00000002")).unwrap();
    assert_eq!(PrinterState::from_errors(&both), Some(PrinterState::HeadOpen));
    assert!(both.any_warning);
    assert_eq!(both.warnings, 2);
    let hot = ErrorStatus::parse(&hqes("1 00000000 00000010", "0 00000000 00000000")).unwrap();
    assert_eq!(PrinterState::from_errors(&hot), Some(PrinterState::Fault("print head too hot".into())));
    let e = ErrorStatus::parse(b"PRINTER STATUS\r\n ERRORS: 1 0000\r\n").unwrap_err().to_string();
    assert!(e.contains("ERRORS:"), "{e}");
}
