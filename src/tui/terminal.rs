//! The terminal's modes: entered once, undone on every exit path — normal return, error,
//! panic (through the hook), and signals (the loop ends and the guard drops). Nothing here may
//! panic or unwrap: a failure to restore must not hide the original problem.

use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    disable_raw_mode, enable_raw_mode, Clear, ClearType, EnterAlternateScreen, LeaveAlternateScreen,
};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::io::{stdout, Stdout};
use std::sync::Once;

pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Undoes every mode `enter` set. Safe to call more than once.
pub fn restore() {
    let _ = execute!(stdout(), DisableBracketedPaste, LeaveAlternateScreen, Show);
    let _ = disable_raw_mode();
}

/// Restores the terminal when dropped.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

static HOOK: Once = Once::new();

/// The largest screen drawn. A window size is what the client says it is, and a client may say
/// 65535×65535: drawing that would take gigabytes. Beyond this the screen stays blank.
pub const MAX_WIDTH: u16 = 500;
pub const MAX_HEIGHT: u16 = 200;

/// The area drawn for a window of this size.
pub fn drawn_area(width: u16, height: u16) -> Rect {
    Rect::new(0, 0, width.min(MAX_WIDTH), height.min(MAX_HEIGHT))
}

/// Raw mode, alternate screen, bracketed paste, hidden cursor, a cleared screen. Nothing here
/// asks the terminal anything (some terminal emulations and serial consoles never answer a
/// query): the size comes from the kernel, and the screen is cleared by a plain command.
pub fn enter(size: (u16, u16)) -> std::io::Result<(Term, Guard)> {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
    enable_raw_mode()?;
    let guard = Guard;
    execute!(stdout(), EnterAlternateScreen, EnableBracketedPaste, Hide, Clear(ClearType::All))?;
    let viewport = Viewport::Fixed(drawn_area(size.0, size.1));
    let terminal = Terminal::with_options(CrosstermBackend::new(stdout()), TerminalOptions { viewport })?;
    Ok((terminal, guard))
}
