//! `shopfloor board`: checks the config before the terminal changes mode, then runs the board.

use std::io::IsTerminal;
use std::path::Path;
use std::process::ExitCode;

pub fn run(config: Option<&Path>) -> anyhow::Result<ExitCode> {
    let c = match super::load_config(config) {
        Ok(c) => c,
        Err(code) => return Ok(code),
    };
    let Some(ls) = c.line_store else {
        eprintln!("error: the board reads the line store: add a [line_store] section with its url to the config");
        return Ok(ExitCode::from(super::EXIT_CONFIG));
    };
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        eprintln!("error: the board needs a terminal (its input and output are not one). Run it in a terminal or over `ssh -t`.");
        return Ok(ExitCode::from(super::EXIT_CONFIG));
    }
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(crate::board::run(ls))?;
    Ok(ExitCode::SUCCESS)
}
