//! GS1 Digital Link URIs, read as the GS1 Digital Link standard (URI syntax, its ABNF) and
//! RFC 3986 say: `scheme://host[:port][/stem…]/KEY/value[/QUALIFIER/value…][?AI=value&…]`.
//!
//! - Scheme `http` or `https`, in any case (RFC 3986 §3.1).
//! - Every character is one a URI may hold (RFC 3986 §2); `%` is always followed by two hex
//!   digits (§2.1).
//! - The host is a registered name, an IPv4 address or a bracketed IP literal, optionally with
//!   a numeric port; user information (`user@`) is not part of the DL grammar.
//! - The path is read from its end: AI/value pairs back to the last GS1 primary key; whatever
//!   comes before is the stem (so a stem may even hold what looks like a key). A trailing `/`
//!   or an empty segment inside the key's path leaves no valid pairing.
//! - Qualifiers follow the key in one of the key's qualifier orders (`dlpkey`), each once.
//! - Query parameters with a numeric name are AIs: data attributes the dictionary permits
//!   (`?`), never a qualifier of the path's key (those belong in the path), never twice;
//!   other names (linkType, …) are extensions and left alone. `&` and `;` separate them, and
//!   `+` is a space there (but a plus in the path).
//! - A fragment (`#…`) is not part of what identifies the item (RFC 3986 §3.5): ignored.
//!
//! The reference engine differs on four of these and the standard is followed: it refuses a
//! mixed-case scheme, refuses `_ ~ ! $ & ' ( ) * + , ; = %` in a host name, keeps an invalid
//! `%ZZ` escape as text, and does not separate query parameters at `;`.

use super::spec::{self, AiDef};
use super::{check_value, fail, shown, Ctx, DecodeError, ErrorKind};

/// `http://` or `https://` in any case: the length of that prefix.
fn scheme_len(s: &str) -> Option<usize> {
    // `| 0x20` lower-cases an ASCII letter, and only `H` and `h` become `h` (and so on).
    let lower = |b: Option<&u8>| b.map(|b| b | 0x20);
    let b = s.as_bytes();
    if (lower(b.first()), lower(b.get(1)), lower(b.get(2)), lower(b.get(3)))
        != (Some(b'h'), Some(b't'), Some(b't'), Some(b'p'))
    {
        return None;
    }
    let at = if lower(b.get(4)) == Some(b's') { 5 } else { 4 };
    (b.get(at..at + 3) == Some(b"://")).then_some(at + 3)
}

/// Whether `s` starts like a Digital Link (an http or https URI).
pub fn is_uri(s: &str) -> bool {
    scheme_len(s).is_some()
}

const fn mask(chars: &[u8]) -> u128 {
    let mut m = 0u128;
    let mut i = 0;
    while i < chars.len() {
        m |= 1u128 << chars[i];
        i += 1;
    }
    m
}

const ALNUM: u128 = mask(b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz");
const UNRESERVED: u128 = ALNUM | mask(b"-._~");
const SUB_DELIMS: u128 = mask(b"!$&'()*+,;=");
/// Everything RFC 3986 lets a URI hold: unreserved, reserved and `%`.
const URI_CHARS: u128 = UNRESERVED | SUB_DELIMS | mask(b":/?#[]@%");
/// A registered host name: unreserved, sub-delims and percent-escapes.
const REG_NAME: u128 = UNRESERVED | SUB_DELIMS | mask(b"%");

fn in_set(set: u128, b: u8) -> bool {
    b < 128 && set >> b & 1 == 1
}

/// Byte classes, one table look-up per byte: a URI character, one a host name may hold, and
/// the delimiters that end the host, path and query.
const IN_URI: u8 = 1;
const IN_HOST: u8 = 2;
const DELIMITER: u8 = 4;

const fn classes() -> [u8; 256] {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 128 {
        t[b] = if URI_CHARS >> b & 1 == 1 { IN_URI } else { 0 }
            | if REG_NAME >> b & 1 == 1 { IN_HOST } else { 0 }
            | if mask(b"/?#") >> b & 1 == 1 { DELIMITER } else { 0 };
        b += 1;
    }
    t
}

static CLASS: [u8; 256] = classes();

fn class(b: u8) -> u8 {
    CLASS[usize::from(b)]
}

/// Where the last `/` before `end` is.
fn last_slash(p: &[u8], end: usize) -> Option<usize> {
    p[..end].iter().rposition(|&c| c == b'/')
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

/// Every `%` followed by two hex digits.
fn escapes_ok(s: &str) -> bool {
    let b = s.as_bytes();
    b.iter().enumerate().all(|(i, c)| {
        *c != b'%' || (b.get(i + 1).and_then(|x| hex(*x)).is_some() && b.get(i + 2).and_then(|x| hex(*x)).is_some())
    })
}

fn bad_uri<T>(message: String) -> Result<T, DecodeError> {
    fail(ErrorKind::InvalidUri, message)
}

/// `host[:port]` as the DL grammar allows it.
fn check_authority(a: &str) -> Result<(), DecodeError> {
    // The usual host name and port, in one pass.
    let b = a.as_bytes();
    if b.first() != Some(&b'[') {
        let colon = b.iter().position(|&c| c == b':').unwrap_or(b.len());
        let plain_host = colon > 0 && b[..colon].iter().all(|&c| c != b'%' && class(c) & IN_HOST != 0);
        if plain_host && b[colon..].iter().skip(1).all(u8::is_ascii_digit) {
            return Ok(());
        }
    }
    if a.contains('@') {
        return bad_uri(format!(
            "the link's host \"{a}\" holds a user name (…@): a GS1 Digital Link has none; the code is not a valid Digital Link"
        ));
    }
    let (host, port) = if a.starts_with('[') {
        match a.find(']') {
            Some(e) => a.split_at(e + 1),
            None => return bad_uri(format!("the link's host \"{a}\" opens [ without closing it")),
        }
    } else {
        a.split_at(a.find(':').unwrap_or(a.len()))
    };
    if host.is_empty() {
        return bad_uri("the link has no host (https://host/…): the code is not a valid Digital Link".into());
    }
    if !port.is_empty() && !port[1..].bytes().all(|b| b.is_ascii_digit()) {
        return bad_uri(format!("the link's port \"{}\" is not a number", &port[1..]));
    }
    if let Some(literal) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        let ipv6 = literal.parse::<std::net::Ipv6Addr>().is_ok();
        let future = literal.strip_prefix(['v', 'V']).and_then(|f| f.split_once('.')).is_some_and(|(v, rest)| {
            !v.is_empty()
                && v.bytes().all(|b| b.is_ascii_hexdigit())
                && !rest.is_empty()
                && rest.bytes().all(|b| in_set(UNRESERVED | SUB_DELIMS | mask(b":"), b))
        });
        if !(ipv6 || future) {
            return bad_uri(format!("the link's host [{literal}] is not an IP address"));
        }
        return Ok(());
    }
    if let Some(i) = host.bytes().position(|b| !in_set(REG_NAME, b)) {
        return bad_uri(format!("the link's host \"{host}\" may not hold {}", shown(host.as_bytes(), i)));
    }
    if !escapes_ok(host) {
        return bad_uri(format!("the link's host \"{host}\" has a % not followed by two hex digits"));
    }
    Ok(())
}

/// Percent-decodes `raw` into `buf`; `+` is a space in a query value. The length, or `None`
/// when the value does not fit (no AI's value is that long).
fn unescape(raw: &str, plus_is_space: bool, buf: &mut [u8]) -> Result<Option<usize>, DecodeError> {
    let b = raw.as_bytes();
    let (mut i, mut n) = (0, 0);
    while i < b.len() {
        let c = match b[i] {
            b'%' => match (b.get(i + 1).and_then(|x| hex(*x)), b.get(i + 2).and_then(|x| hex(*x))) {
                (Some(h), Some(l)) => {
                    i += 3;
                    h << 4 | l
                }
                _ => {
                    return bad_uri(format!(
                        "\"{raw}\" has a % not followed by two hex digits: the link is damaged (RFC 3986 §2.1)"
                    ))
                }
            },
            b'+' if plus_is_space => {
                i += 1;
                b' '
            }
            c => {
                i += 1;
                c
            }
        };
        let Some(slot) = buf.get_mut(n) else { return Ok(None) };
        *slot = c;
        n += 1;
    }
    Ok(Some(n))
}

/// Whether `quals` appear in `order`, in its order, each once.
fn in_order(quals: &[u16], order: &[u16]) -> bool {
    let mut at = 0;
    quals.iter().all(|q| match order[at..].iter().position(|s| s == q) {
        Some(p) => {
            at += p + 1;
            true
        }
        None => false,
    })
}

/// The most AI/value pairs a key's path can hold: the key and its longest qualifier order.
const MAX_PATH_PAIRS: usize = 8;

impl Ctx<'_> {
    pub(super) fn dl(&mut self, text: &str) -> Result<(), DecodeError> {
        let Some(scheme) = scheme_len(text) else {
            return bad_uri("a Digital Link starts with http:// or https://".into());
        };
        // One pass: every character a URI may hold, and where host, path and query end.
        let b = text.as_bytes();
        let (mut auth_end, mut query_at, mut end) = (None, None, b.len());
        for (i, &c) in b.iter().enumerate().skip(scheme) {
            let k = class(c);
            if k & IN_URI == 0 {
                return bad_uri(format!(
                    "the link holds {}, which a web address may not hold: the code is damaged or is no Digital Link",
                    shown(b, i)
                ));
            }
            if k & DELIMITER == 0 {
                continue;
            }
            match c {
                b'#' if end == b.len() => end = i,
                b'/' if auth_end.is_none() && end == b.len() => auth_end = Some(i),
                b'?' if query_at.is_none() && end == b.len() => {
                    auth_end.get_or_insert(i);
                    query_at = Some(i);
                }
                _ => {}
            }
        }
        let auth_end = auth_end.unwrap_or(end);
        check_authority(&text[scheme..auth_end])?;
        let (path, query) = match query_at {
            Some(q) => (&text[auth_end..q], &text[q + 1..end]),
            None => (&text[auth_end..end], ""),
        };
        if path.is_empty() {
            return bad_uri("the link has no path: it holds no GS1 key (such as /01/ and a GTIN)".into());
        }

        // From the end: AI/value pairs back to the last primary key.
        let p = path.as_bytes();
        let mut end = path.len();
        let mut key: Option<(&'static AiDef, usize)> = None;
        while let Some(v) = last_slash(p, end) {
            let Some(a) = last_slash(p, v) else { break };
            let value = &path[v + 1..end];
            let Some(def) = spec::lookup(&path[a + 1..v]).filter(|_| !value.is_empty()) else { break };
            if def.dl_key {
                key = Some((def, a));
                break;
            }
            end = a;
        }
        let Some((key, key_at)) = key else { return no_key(path) };

        let mut pairs: [(&'static AiDef, &str); MAX_PATH_PAIRS] = [(key, ""); MAX_PATH_PAIRS];
        let mut slots = [0u16; MAX_PATH_PAIRS];
        let mut count = 0;
        let mut segs = path[key_at + 1..].split('/');
        while let (Some(ai), Some(value)) = (segs.next(), segs.next()) {
            let def = spec::lookup(ai).unwrap_or(key);
            if count == MAX_PATH_PAIRS {
                return fail(
                    ErrorKind::DlInvalidPath,
                    format!("({}) is followed by more AIs than any key may have in a link's path", key.ai),
                );
            }
            pairs[count] = (def, value);
            slots[count] = def.slot;
            count += 1;
        }
        let quals = &slots[1..count];
        if !quals.is_empty() && !key.dl_qualifiers.iter().any(|order| in_order(quals, order)) {
            let named: Vec<&str> = pairs[1..count].iter().map(|(d, _)| d.ai).collect();
            return fail(
                ErrorKind::DlInvalidPath,
                format!(
                    "({}) may not be followed by ({}) in a link's path: the code is not a valid Digital Link",
                    key.ai,
                    named.join(")(")
                ),
            );
        }
        for (def, raw) in &pairs[..count] {
            self.dl_value(def, raw, false)?;
        }

        for param in query.split(['&', ';']) {
            let Some(eq) = param.bytes().position(|c| c == b'=') else { continue };
            let (name, raw) = (&param[..eq], &param[eq + 1..]);
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_digit()) {
                continue; // an extension such as linkType, not an AI
            }
            let Some(def) = spec::lookup(name) else {
                return fail(ErrorKind::UnknownAi, format!("({name}) in the link's query is not a GS1 AI"));
            };
            if raw.is_empty() {
                return fail(ErrorKind::EmptyValue, format!("({name}) has no value in the link's query"));
            }
            if self.has(def.slot) {
                return fail(ErrorKind::DuplicateAi, format!("({name}) appears twice in the link"));
            }
            if !def.dl_attr {
                return fail(ErrorKind::DlAiInWrongPlace, format!("({name}) may not be a query attribute of a link"));
            }
            if key.dl_qualifiers.iter().any(|order| order.contains(&def.slot) && in_order(quals, order)) {
                return fail(
                    ErrorKind::DlAiInWrongPlace,
                    format!(
                        "({name}) qualifies ({}): it belongs in the link's path (/{}/…/{name}/…), not in its query",
                        key.ai, key.ai
                    ),
                );
            }
            self.dl_value(def, raw, true)?;
        }
        Ok(())
    }

    /// Decodes one value of the link and keeps it.
    fn dl_value(&mut self, def: &'static AiDef, raw: &str, in_query: bool) -> Result<(), DecodeError> {
        let is_gtin = def.ai.as_bytes() == b"01";
        let plain = !raw.bytes().any(|c| c == b'%' || (in_query && c == b'+'));
        if plain && !(is_gtin && raw.len() != 14) {
            // Nothing to decode: the value is kept as written (the common case).
            let start = self.out.data.len();
            self.out.data.push_str(raw);
            return self.commit(def, start, false);
        }
        let mut buf = [0u8; 128];
        let Some(mut n) = unescape(raw, in_query, &mut buf)? else {
            return fail(
                ErrorKind::ValueTooLong,
                format!("({}) \"{raw}\" is too long: at most {} characters", def.ai, def.max_len),
            );
        };
        if is_gtin && n != 14 && buf[..n].iter().all(u8::is_ascii_digit) {
            if self.opts.permit_zero_suppressed_gtin_in_dl && [8, 12, 13].contains(&n) {
                buf.copy_within(..n, 14 - n);
                buf[..14 - n].fill(b'0');
                n = 14;
            } else {
                return fail(
                    ErrorKind::GtinNot14Digits,
                    format!("the GTIN in a link has 14 digits, \"{}\" has {n}", String::from_utf8_lossy(&buf[..n])),
                );
            }
        }
        let value = &buf[..n];
        let Ok(text) = std::str::from_utf8(value) else {
            // Not text at all: let the AI's own checks say which character is wrong.
            check_value(def, value, &self.policy)?;
            return fail(ErrorKind::InvalidCharacter, format!("({}) decodes to bytes that are no text", def.ai));
        };
        let start = self.out.data.len();
        self.out.data.push_str(text);
        self.commit(def, start, false)
    }
}

/// No pairing back to a key: say why as precisely as the path allows.
fn no_key(path: &str) -> Result<(), DecodeError> {
    let segs: Vec<&str> = path[1..].split('/').collect();
    let Some(first_key) = segs.iter().position(|s| spec::lookup(s).is_some_and(|d| d.dl_key)) else {
        return bad_uri("the link holds no GS1 key (such as /01/ and a GTIN): it is no GS1 Digital Link".into());
    };
    let why = if path.ends_with('/') {
        "ends in /, where a GS1 Digital Link ends with its last value"
    } else if segs[first_key..].iter().any(|s| s.is_empty()) {
        "has an empty segment (//) where an AI or value belongs"
    } else {
        "does not pair each AI with a value"
    };
    fail(ErrorKind::DlInvalidPath, format!("the link's path {why}: the code is not a valid Digital Link"))
}
