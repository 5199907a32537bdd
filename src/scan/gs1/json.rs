//! JSON strings written straight into the output line, escaped as serde_json does, so a
//! decode's line is built without intermediate values.

/// Appends `s` as a JSON string literal.
pub fn string(out: &mut String, s: &str) {
    out.push('"');
    let b = s.as_bytes();
    let mut run = 0;
    for (i, &c) in b.iter().enumerate() {
        let esc: &str = match c {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Escapes sit at ASCII bytes, so both slices end on character boundaries.
        out.push_str(&s[run..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(char::from(HEX[usize::from(c >> 4)]));
            out.push(char::from(HEX[usize::from(c & 0xf)]));
        } else {
            out.push_str(esc);
        }
        run = i + 1;
    }
    out.push_str(&s[run..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    #[test]
    fn matches_serde_json() {
        for s in ["", "plain", "q\"b\\s", "\u{1d}\u{0}\u{1f}\u{7f}", "\n\r\t\u{8}\u{c}", "é€ ok"] {
            let mut out = String::new();
            super::string(&mut out, s);
            assert_eq!(out, serde_json::Value::String(s.into()).to_string(), "{s:?}");
        }
    }
}
