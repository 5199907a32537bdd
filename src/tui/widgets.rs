//! Small drawing helpers shared by the screens.

use ratatui::layout::Rect;

/// A box of at most `width`×`height` in the middle of `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h }
}

/// Rows a text takes when wrapped at word boundaries to `width` columns (as `Wrap` does).
pub fn wrapped_rows(text: &str, width: u16) -> u16 {
    let width = usize::from(width.max(1));
    let (mut rows, mut used) = (1u16, 0usize);
    // Runs of blanks count (a padded key column); a row never starts with a blank.
    for word in text.split(' ') {
        let w = word.chars().count();
        if w == 0 {
            // One more blank, unless the row is full (then the next row starts without it).
            if used > 0 && used < width {
                used += 1;
            }
            continue;
        }
        let need = if used == 0 { w } else { used + 1 + w };
        if need <= width {
            used = need;
            continue;
        }
        if used > 0 {
            rows += 1;
        }
        // A word longer than a row is broken across rows.
        rows += ((w - 1) / width) as u16;
        used = (w - 1) % width + 1;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::wrapped_rows;

    #[test]
    fn rows_of_wrapped_text() {
        assert_eq!(wrapped_rows("", 10), 1);
        assert_eq!(wrapped_rows("aaaa bbbb", 9), 1);
        assert_eq!(wrapped_rows("aaaa bbbb", 8), 2);
        assert_eq!(wrapped_rows("aaaaaaaaaaaaaaaaaaaa", 10), 2, "a long first word");
        assert_eq!(wrapped_rows("aaaaaaaaaa  b", 10), 2, "blanks at a full row");
        assert_eq!(wrapped_rows("a  b", 10), 1);
    }
}
