//! What reaches the dashboard from the keyboard and the scanner, read from the terminal's bytes:
//! `key` (the key types and their names), `decode` (bytes → keys and pastes, giving up on
//! unfinished escape sequences after a short time), `scanner` (how the station's scanner types)
//! and `router` (tells a scanner's burst from a person's keystrokes by prefix and pace).
//! No terminal library and no screen here: the runtime feeds bytes and the time, and gets
//! classified input back.

pub mod decode;
pub mod key;
pub mod router;
pub mod scanner;
pub mod tty;

pub use key::{Code, Key, Mods};

/// The GS1 group separator (FNC1 inside a code), ASCII 0x1D.
pub const GS: char = '\u{1d}';

/// Milliseconds on the runtime's monotonic clock (since the dashboard started).
pub type Millis = u64;
