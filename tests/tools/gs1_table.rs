//! The GS1 AI table in `src/scan/gs1/table.rs` is generated from the GS1 Barcode Syntax
//! Dictionary in `../shared/reference/gs1/`. This test is the generator: it fails when the
//! committed table differs from what the dictionary gives, and with `SHOPFLOOR_REGEN_GS1=1`
//! it writes the table instead. It uses nothing but std, so it still runs when the committed
//! table no longer fits the library's types.
//!
//! Besides the AIs themselves it writes what the decoder needs to stay linear and free of
//! string comparisons: an index from an AI's digits to its slot, `ex=`/`req=` patterns and
//! Digital Link qualifiers expanded to slots, and the lengths a lost separator can leave.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;

const DICTIONARY: &str = "../shared/reference/gs1/gs1-syntax-dictionary-2026-01-27.txt";
const TABLE: &str = "src/scan/gs1/table.rs";

struct Component {
    cset: char,
    min: u8,
    max: u8,
    optional: bool,
    linters: Vec<String>,
}

struct Entry {
    ais: Vec<String>,
    fixed: bool,
    dl_attr: bool,
    components: Vec<Component>,
    req: Vec<String>,
    ex: Vec<String>,
    dlpkey: Option<String>,
    title: String,
}

fn parse_component(tok: &str) -> Component {
    let (ty, linters) = match tok.split_once(',') {
        Some((t, l)) => (t, l.split(',').map(str::to_string).collect()),
        None => (tok, Vec::new()),
    };
    let optional = ty.starts_with('[');
    let ty = ty.trim_matches(|c| c == '[' || c == ']');
    let cset = ty.chars().next().expect("a component type");
    let len = &ty[1..];
    let (min, max) = match len.strip_prefix("..") {
        Some(m) => (1, m.parse().expect("a max length")),
        None => {
            let n = len.parse().expect("a length");
            (n, n)
        }
    };
    Component { cset, min, max, optional, linters }
}

fn expand(range: &str) -> Vec<String> {
    match range.split_once('-') {
        Some((a, b)) => {
            let (lo, hi): (u32, u32) = (a.parse().unwrap(), b.parse().unwrap());
            (lo..=hi).map(|n| format!("{n:0w$}", w = a.len())).collect()
        }
        None => vec![range.to_string()],
    }
}

fn parse(dictionary: &str) -> Vec<Entry> {
    let mut out = Vec::new();
    for line in dictionary.lines() {
        let line = line.trim_end();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let (body, title) = match line.split_once('#') {
            Some((b, t)) => (b, t.trim().to_string()),
            None => (line, String::new()),
        };
        let mut toks = body.split_whitespace().peekable();
        let ais = expand(toks.next().expect("an AI"));
        let mut fixed = false;
        let mut dl_attr = false;
        if let Some(flags) = toks.peek().filter(|t| !t.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '[')) {
            fixed = flags.contains('*');
            dl_attr = flags.contains('?');
            toks.next();
        }
        let mut e =
            Entry { ais, fixed, dl_attr, components: Vec::new(), req: Vec::new(), ex: Vec::new(), dlpkey: None, title };
        for t in toks {
            if let Some(v) = t.strip_prefix("req=") {
                e.req.push(v.to_string());
            } else if let Some(v) = t.strip_prefix("ex=") {
                e.ex.extend(v.split(',').map(str::to_string));
            } else if t == "dlpkey" {
                e.dlpkey = Some(String::new());
            } else if let Some(v) = t.strip_prefix("dlpkey=") {
                e.dlpkey = Some(v.to_string());
            } else {
                e.components.push(parse_component(t));
            }
        }
        out.push(e);
    }
    out
}

fn release(dictionary: &str) -> String {
    dictionary.lines().find_map(|l| l.strip_prefix("# Release: ")).unwrap_or("unknown").trim().to_string()
}

/// How many digits an AI starting with these two digits has (GS1 General Specifications); the
/// same rule as `spec::ai_length`, which `every_ai_has_the_length_its_prefix_says` ties together.
fn ai_length(first_two: usize) -> Option<usize> {
    match first_two {
        0..=22 | 30 | 37 | 90..=99 => Some(2),
        23..=25 | 40..=42 | 71 => Some(3),
        31..=36 | 39 | 43 | 70 | 72 | 80..=82 => Some(4),
        _ => None,
    }
}

/// Whether `ai` matches an `ex=`/`req=` pattern such as `394n` or `35nn`.
fn matches(pattern: &str, ai: &str) -> bool {
    pattern.len() == ai.len()
        && pattern.chars().zip(ai.chars()).all(|(p, a)| p == a || (p == 'n' && a.is_ascii_digit()))
}

/// The linter's variant in `spec::Linter`: its dictionary name with a capital first letter.
fn variant(linter: &str) -> String {
    let mut c = linter.chars();
    c.next().map(|f| f.to_ascii_uppercase().to_string() + c.as_str()).unwrap_or_default()
}

fn list<T: std::fmt::Display>(v: impl IntoIterator<Item = T>) -> String {
    v.into_iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")
}

fn generate(dictionary: &str) -> String {
    let entries = parse(dictionary);
    let mut rows: Vec<(String, &Entry)> =
        entries.iter().flat_map(|e| e.ais.iter().map(move |ai| (ai.clone(), e))).collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    let slot_of = |ai: &str| rows.iter().position(|(a, _)| a == ai);
    let slots_matching = |pattern: &str| -> Vec<usize> {
        rows.iter().enumerate().filter(|(_, (a, _))| matches(pattern, a)).map(|(i, _)| i).collect()
    };

    let mut s = String::new();
    let w = &mut s;
    writeln!(
        w,
        "//! GENERATED from the GS1 Barcode Syntax Dictionary, release {}, by `tests/tools/gs1_table.rs`",
        release(dictionary)
    )
    .unwrap();
    writeln!(
        w,
        "//! (`SHOPFLOOR_REGEN_GS1=1 cargo test --test tools gs1_table` writes it again). Do not edit by hand."
    )
    .unwrap();
    writeln!(w, "//! The dictionary is published by GS1 AISBL under the Apache License 2.0; see the README.").unwrap();
    writeln!(w, "//! Numbers in `ex`, `req` and `dl_qualifiers` are slots: indexes into `AIS`.").unwrap();
    writeln!(w).unwrap();
    writeln!(w, "use super::def::{{AiDef, Component, Cset, Linter, Req}};").unwrap();
    writeln!(w).unwrap();
    writeln!(w, "pub const AI_COUNT: usize = {};", rows.len()).unwrap();
    writeln!(w).unwrap();
    writeln!(w, "/// Every AI of the dictionary, ranges expanded, in ascending order.").unwrap();
    writeln!(w, "pub static AIS: [AiDef; AI_COUNT] = [").unwrap();
    for (slot, (ai, e)) in rows.iter().enumerate() {
        let comps: Vec<String> = e
            .components
            .iter()
            .map(|c| {
                let cset = match c.cset {
                    'N' => "Numeric",
                    'X' => "Cset82",
                    'Y' => "Cset39",
                    'Z' => "Base64Url",
                    other => panic!("unknown component type {other}"),
                };
                format!(
                    "Component {{ cset: Cset::{cset}, min: {}, max: {}, optional: {}, linters: &[{}] }}",
                    c.min,
                    c.max,
                    c.optional,
                    list(c.linters.iter().map(|l| format!("Linter::{}", variant(l))))
                )
            })
            .collect();
        let min_len: u32 = e.components.iter().filter(|c| !c.optional).map(|c| u32::from(c.min)).sum();
        let max_len: u32 = e.components.iter().map(|c| u32::from(c.max)).sum();
        let all_fixed = e.components.iter().all(|c| c.min == c.max && !c.optional);
        let fixed_len = if all_fixed { max_len } else { 0 };
        let req: Vec<String> = e
            .req
            .iter()
            .map(|r| {
                let alternatives: Vec<String> = r
                    .split(',')
                    .map(|alt| {
                        let groups: Vec<String> = alt
                            .split('+')
                            .map(|pattern| {
                                let slots = slots_matching(pattern);
                                assert!(!slots.is_empty(), "req={r} of ({ai}) names {pattern}, which no AI matches");
                                format!("&[{}]", list(slots))
                            })
                            .collect();
                        format!("&[{}]", groups.join(", "))
                    })
                    .collect();
                format!("Req {{ text: {r:?}, alternatives: &[{}] }}", alternatives.join(", "))
            })
            .collect();
        // An AI is not exclusive of itself even when it matches one of its patterns.
        let ex: BTreeSet<usize> = e.ex.iter().flat_map(|p| slots_matching(p)).filter(|s| *s != slot).collect();
        let qualifiers: Vec<String> = match &e.dlpkey {
            Some(seqs) if !seqs.is_empty() => seqs
                .split('|')
                .map(|seq| {
                    let slots: Vec<usize> = seq
                        .split(',')
                        .map(|q| slot_of(q).unwrap_or_else(|| panic!("dlpkey of ({ai}) names ({q}), which is no AI")))
                        .collect();
                    format!("&[{}]", list(slots))
                })
                .collect(),
            _ => Vec::new(),
        };
        writeln!(
            w,
            "    AiDef {{ ai: {ai:?}, slot: {slot}, fixed: {}, dl_attr: {}, components: &[{}], min_len: {min_len}, max_len: {max_len}, fixed_len: {fixed_len}, req: &[{}], ex: &[{}], dl_key: {}, dl_qualifiers: &[{}], title: {:?} }},",
            e.fixed,
            e.dl_attr,
            comps.join(", "),
            req.join(", "),
            list(ex),
            e.dlpkey.is_some(),
            qualifiers.join(", "),
            e.title
        )
        .unwrap();
    }
    writeln!(w, "];").unwrap();

    // The index: the two first digits give the AI's length and where its slots start; the
    // remaining digits (none, one or two) are the offset from there.
    let mut base = [0usize; 100];
    let mut slots: Vec<usize> = Vec::new();
    for (prefix, b) in base.iter_mut().enumerate() {
        let Some(len) = ai_length(prefix) else { continue };
        *b = slots.len();
        let width = 10usize.pow((len - 2) as u32);
        for rest in 0..width {
            let ai = if len == 2 { format!("{prefix:02}") } else { format!("{prefix:02}{rest:0w$}", w = len - 2) };
            slots.push(slot_of(&ai).map(|s| s + 1).unwrap_or(0));
        }
    }
    for (ai, _) in &rows {
        let prefix: usize = ai[..2].parse().unwrap();
        assert_eq!(ai_length(prefix), Some(ai.len()), "({ai}) does not have the length its first two digits give");
    }
    writeln!(w).unwrap();
    writeln!(w, "/// For each two-digit AI prefix, where its AIs start in `SLOTS`.").unwrap();
    writeln!(w, "pub static PREFIX_BASE: [u16; 100] = [{}];", list(base)).unwrap();
    writeln!(w, "/// The slot plus one of each AI, by prefix base and remaining digits; 0 where there is none.")
        .unwrap();
    writeln!(w, "pub static SLOTS: [u16; {}] = [{}];", slots.len(), list(slots)).unwrap();

    let totals: BTreeSet<usize> = rows
        .iter()
        .filter(|(_, e)| e.fixed && e.components.iter().all(|c| c.min == c.max && !c.optional))
        .map(|(ai, e)| ai.len() + e.components.iter().map(|c| usize::from(c.max)).sum::<usize>())
        .collect();
    writeln!(w, "/// AI plus value lengths of the AIs that need no separator, longest first.").unwrap();
    writeln!(w, "pub static FIXED_TOTALS: &[u8] = &[{}];", list(totals.iter().rev())).unwrap();
    s
}

fn dictionary() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(DICTIONARY);
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} cannot be read ({e}): the GS1 reference data must sit beside the clone (../shared), as it does in CI",
            path.display()
        )
    })
}

#[test]
fn committed_table_matches_the_dictionary() {
    let generated = generate(&dictionary());
    let table = Path::new(env!("CARGO_MANIFEST_DIR")).join(TABLE);
    if std::env::var_os("SHOPFLOOR_REGEN_GS1").is_some() {
        std::fs::write(&table, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&table).unwrap_or_default();
    assert!(
        committed == generated,
        "{TABLE} differs from what {DICTIONARY} gives: run `SHOPFLOOR_REGEN_GS1=1 cargo test --test tools gs1_table` and commit"
    );
}

#[test]
fn the_generator_reads_every_line() {
    let dictionary = dictionary();
    let entries = parse(&dictionary);
    let data_lines = dictionary.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).count();
    assert_eq!(entries.len(), data_lines);
    let e17 = entries.iter().find(|e| e.ais == ["17"]).unwrap();
    assert!(e17.fixed && e17.components[0].linters == ["yymmd0"]);
    let e37 = entries.iter().find(|e| e.ais == ["37"]).unwrap();
    assert_eq!(e37.req, ["00", "02,8026"]);
    // Every AI that needs no separator has one length: the parser cuts it by that length.
    for e in entries.iter().filter(|e| e.fixed) {
        assert!(e.components.iter().all(|c| c.min == c.max && !c.optional), "{:?}", e.ais);
    }
}
