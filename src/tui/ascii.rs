//! Drawing for terminals that are no UTF-8 ones (VT220 emulations on rugged handhelds): every
//! cell of a finished frame is turned into ASCII. Lines become `-`, `|` and `+`, marks become
//! letters and signs; the words beside them (ACCEPTED, WRONG BATCH, online) and reverse video
//! keep the meaning. Done on the whole frame, so no screen can be missed.

use ratatui::buffer::Buffer;

/// The ASCII stand-in for one drawn symbol.
fn ascii(symbol: &str) -> &str {
    match symbol {
        "─" | "━" | "═" | "—" | "–" => "-",
        "│" | "┃" | "║" => "|",
        "┌" | "┐" | "└" | "┘" | "├" | "┤" | "┬" | "┴" | "┼" | "╭" | "╮" | "╯" | "╰" => "+",
        "✓" | "✔" => "+",
        "✗" | "✘" => "x",
        "●" | "•" => "*",
        "○" => "o",
        "◐" => "~",
        "⧗" => "~",
        "▸" | "›" | "→" => ">",
        "←" | "‹" => "<",
        "↑" => "^",
        "↓" => "v",
        "·" => ".",
        "…" => ".",
        "█" | "▉" | "▊" | "▋" | "▌" | "▍" | "▎" | "▏" | "▇" | "▆" | "▅" | "▄" | "▃" | "▂" | "▁" => {
            "#"
        }
        "×" => "x",
        "°" => "o",
        "€" => "E",
        s if s.is_ascii() => s,
        // Anything else (a letter of another alphabet in a name) cannot be shown as it is.
        _ => "?",
    }
}

/// Turns every cell of the frame into ASCII.
pub fn transliterate(buf: &mut Buffer) {
    for cell in buf.content.iter_mut() {
        let symbol = cell.symbol();
        if !symbol.is_ascii() {
            let plain = ascii(symbol).to_string();
            cell.set_symbol(&plain);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_symbol_the_screens_use_has_an_ascii_stand_in() {
        for s in ["─", "│", "┌", "✓", "✗", "●", "○", "◐", "⧗", "▸", "→", "↑", "↓", "·", "…", "█", "—", "•", "›"]
        {
            let a = ascii(s);
            assert!(a.is_ascii() && a != "?", "{s} -> {a}");
        }
        assert_eq!(ascii("ß"), "?");
    }
}
