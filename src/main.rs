//! The `shopfloor` binary: parse the command line and dispatch.

use clap::Parser;

fn main() -> std::process::ExitCode {
    // A kiosk must not be ended by Ctrl-C typed before the terminal is in raw mode: ignore the
    // keyboard's signals before anything else runs (the config may turn kiosk mode on too;
    // that is handled once it is read).
    if std::env::args_os().any(|a| a == "--kiosk") {
        shopfloor::commands::ignore_keyboard_signals();
    }
    shopfloor::commands::run(shopfloor::cli::Cli::parse())
}
