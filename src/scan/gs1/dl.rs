//! GS1 Digital Link URIs: `https://host/[stem/]KEY/value[/QUALIFIER/value…][?AI=value&…]`.

use super::spec::{lookup, AiDef};
use super::{check_value, fail, push, DecodeError, Decoded, ErrorKind, Options};

/// `http://` or `https://`, all lower or all upper case.
pub fn is_uri(s: &str) -> bool {
    ["http://", "https://", "HTTP://", "HTTPS://"].iter().any(|p| s.starts_with(p))
}

fn decode_percent(s: &str, plus_is_space: bool) -> Result<String, DecodeError> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let hex = s.get(i + 1..i + 3).and_then(|h| u8::from_str_radix(h, 16).ok());
                let Some(v) = hex else { return fail(ErrorKind::InvalidUri, format!("bad %-escape in \"{s}\"")) };
                out.push(v);
                i += 3;
            }
            b'+' if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            c => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).map_err(|_| DecodeError {
        kind: ErrorKind::InvalidCharacter,
        message: format!("\"{s}\" decodes to invalid text"),
    })
}

fn key_def(seg: &str) -> Option<&'static AiDef> {
    if !(2..=4).contains(&seg.len()) || !seg.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    lookup(seg).filter(|d| d.dlpkey.is_some())
}

pub fn parse(text: &str, opts: &Options, out: &mut Decoded) -> Result<(), DecodeError> {
    if !is_uri(text) {
        return fail(ErrorKind::InvalidUri, "a Digital Link starts with http:// or https://");
    }
    let after = &text[text.find("://").map(|p| p + 3).unwrap_or(0)..];
    let after = after.split('#').next().unwrap_or("");
    let (host_path, query) = match after.split_once('?') {
        Some((hp, q)) => (hp, Some(q)),
        None => (after, None),
    };
    let Some((host, path)) = host_path.split_once('/') else {
        return fail(ErrorKind::InvalidUri, "the link has no path");
    };
    if host.is_empty() {
        return fail(ErrorKind::InvalidUri, "the link has no host");
    }
    let segs: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let keys: Vec<usize> = (0..segs.len()).filter(|k| key_def(segs[*k]).is_some()).collect();
    let Some(k) = keys.iter().copied().find(|k| (segs.len() - k) % 2 == 0) else {
        if keys.is_empty() {
            return fail(ErrorKind::InvalidUri, "the link holds no GS1 key (such as /01/ and a GTIN)");
        }
        return fail(ErrorKind::DlInvalidPath, "the link's path does not pair each AI with a value");
    };
    let key = key_def(segs[k]).ok_or(DecodeError { kind: ErrorKind::InvalidUri, message: "no key".into() })?;
    let qualifiers: Vec<&str> = segs[k + 2..].iter().step_by(2).copied().collect();
    let allowed = key.dlpkey.unwrap_or("");
    let fits = |alt: &str| {
        let seq: Vec<&str> = alt.split(',').filter(|s| !s.is_empty()).collect();
        let mut at = 0;
        qualifiers.iter().all(|q| match seq[at..].iter().position(|s| s == q) {
            Some(p) => {
                at += p + 1;
                true
            }
            None => false,
        })
    };
    if !(qualifiers.is_empty() || allowed.split('|').any(fits)) {
        return fail(
            ErrorKind::DlInvalidPath,
            format!("({}) may not be followed by ({}) in a link's path", key.ai, qualifiers.join(")(")),
        );
    }
    let mut pairs: Vec<(String, String)> = Vec::new();
    for p in segs[k..].chunks(2) {
        pairs.push((p[0].to_string(), decode_percent(p[1], false)?));
    }
    let mut from_query = Vec::new();
    for part in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let Some((name, value)) = part.split_once('=') else { continue };
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit()) {
            continue; // not an AI (linkType and the like)
        }
        from_query.push((name.to_string(), decode_percent(value, true)?));
    }
    let mut seen = std::collections::HashSet::new();
    for (i, (ai, value)) in pairs.iter().chain(from_query.iter()).enumerate() {
        if !seen.insert(ai.clone()) {
            return fail(ErrorKind::DuplicateAi, format!("({ai}) appears twice in the link"));
        }
        let Some(def) = lookup(ai) else { return fail(ErrorKind::UnknownAi, format!("({ai}) is not a GS1 AI")) };
        let in_query = i >= pairs.len();
        if in_query && (!def.dl_attr || def.dlpkey.is_some()) {
            return fail(ErrorKind::DlAiInWrongPlace, format!("({ai}) may not be a query attribute of a link"));
        }
        let mut value = value.clone();
        if ai == "01" && value.bytes().all(|b| b.is_ascii_digit()) && value.len() != 14 {
            if opts.permit_zero_suppressed_gtin_in_dl && [8, 12, 13].contains(&value.len()) {
                value = format!("{value:0>14}");
            } else {
                return fail(
                    ErrorKind::GtinNot14Digits,
                    format!("the GTIN in a link has 14 digits, \"{value}\" has {}", value.len()),
                );
            }
        }
        check_value(def, &value, opts)?;
        push(out, ai, value)?;
    }
    Ok(())
}
