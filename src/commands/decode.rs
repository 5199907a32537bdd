//! `shopfloor decode`: one scan per line on standard input (the GS byte as it is), one JSON
//! object per line on standard output. Exits 0 once every line was read, whatever they held.

use crate::cli::DecodeArgs;
use crate::scan::gs1::{decode, Mode, Options};
use std::io::{BufRead, Write};
use std::process::ExitCode;

pub fn run(args: DecodeArgs) -> anyhow::Result<ExitCode> {
    let mode = match args.mode.as_str() {
        "scan" => Mode::Scan,
        "bare" => Mode::Bare,
        "hri" => Mode::Hri,
        "dl" => Mode::Dl,
        _ => Mode::Auto,
    };
    let opts = Options { mode, separator: args.separator, requisites: args.requisites, ..Options::default() };
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.lock().split(b'\n') {
        let line = line?;
        // Bytes that are not UTF-8 are shown as such rather than stopping the run.
        let text = String::from_utf8_lossy(&line);
        let text = text.strip_suffix('\r').unwrap_or(&text);
        let json = match decode(text, &opts) {
            Ok(d) => d.to_json(),
            Err(e) => e.to_json(),
        };
        writeln!(out, "{json}")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
