//! `shopfloor decode`: one scan per line on standard input (the GS byte as it is), one JSON
//! object per line on standard output. Exits 0 once every line was read, whatever they held;
//! with `--strict`, 1 when any line could not be decoded (and says how many on stderr).
//!
//! A line longer than any GS1 code is answered with `scan_too_long` without being kept in
//! memory whole, so a stray multi-gigabyte line cannot exhaust the machine.

use crate::cli::DecodeArgs;
use crate::scan::gs1::{decode, DecodeError, Mode, Options, MAX_BRACKETED_CHARS, MAX_SCAN_CHARS};
use std::io::{BufRead, Write};
use std::process::ExitCode;

/// Exit status with `--strict` when a line could not be decoded.
const EXIT_UNDECODED: u8 = 1;

/// Reads one line (without its `\n`) into `buf`, keeping at most `keep` bytes of it. Returns
/// the line's whole length in characters (`None` at the end of input).
fn read_line(input: &mut impl BufRead, buf: &mut Vec<u8>, keep: usize) -> std::io::Result<Option<usize>> {
    buf.clear();
    let (mut chars, mut any) = (0usize, false);
    loop {
        let chunk = input.fill_buf()?;
        if chunk.is_empty() {
            return Ok(any.then_some(chars));
        }
        any = true;
        let (part, done) = match chunk.iter().position(|b| *b == b'\n') {
            Some(nl) => (&chunk[..nl], Some(nl + 1)),
            None => (chunk, None),
        };
        // Continuation bytes of UTF-8 do not start a character.
        chars += part.iter().filter(|b| (**b & 0xc0) != 0x80).count();
        let room = keep.saturating_sub(buf.len());
        buf.extend_from_slice(&part[..part.len().min(room)]);
        let used = done.unwrap_or(part.len());
        input.consume(used);
        if done.is_some() {
            return Ok(Some(chars));
        }
    }
}

pub fn run(args: DecodeArgs) -> anyhow::Result<ExitCode> {
    let mode = match args.mode.as_str() {
        "scan" => Mode::Scan,
        "bare" => Mode::Bare,
        "hri" => Mode::Hri,
        "dl" => Mode::Dl,
        _ => Mode::Auto,
    };
    let opts = Options { mode, separator: args.separator, requisites: args.requisites, ..Options::default() };
    let mut input = std::io::stdin().lock();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let (mut line, mut json) = (Vec::new(), String::new());
    let (mut lines, mut failed) = (0usize, 0usize);
    while let Some(chars) = read_line(&mut input, &mut line, MAX_BRACKETED_CHARS + 2)? {
        lines += 1;
        json.clear();
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.len() > MAX_BRACKETED_CHARS {
            let limit = if line.first() == Some(&b'(') { MAX_BRACKETED_CHARS } else { MAX_SCAN_CHARS };
            DecodeError::scan_too_long(chars, limit).write_json(&mut json);
            failed += 1;
        } else {
            // Bytes that are not UTF-8 are shown as such rather than stopping the run.
            match decode(&String::from_utf8_lossy(&line), &opts) {
                Ok(d) => d.write_json(&mut json),
                Err(e) => {
                    e.write_json(&mut json);
                    failed += 1;
                }
            }
        }
        json.push('\n');
        out.write_all(json.as_bytes())?;
    }
    out.flush()?;
    if args.strict && failed > 0 {
        eprintln!("decode: {failed} of {lines} lines could not be decoded (see their \"error\" and \"message\")");
        return Ok(ExitCode::from(EXIT_UNDECODED));
    }
    Ok(ExitCode::SUCCESS)
}
