//! The GS1 AI table in `src/scan/gs1/table.rs` is generated from the GS1 Barcode Syntax
//! Dictionary in `../shared/reference/gs1/`. This test is the generator: it fails when the
//! committed table differs from what the dictionary gives, and with `SHOPFLOOR_REGEN_GS1=1`
//! it writes the table instead. Without `../shared` (a user's clone) it says so and passes.

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

fn generate(dictionary: &str) -> String {
    let mut s = String::new();
    writeln!(
        s,
        "//! GENERATED from the GS1 Barcode Syntax Dictionary, release {}, by `tests/tools/gs1_table.rs`",
        release(dictionary)
    )
    .unwrap();
    writeln!(
        s,
        "//! (`SHOPFLOOR_REGEN_GS1=1 cargo test --test tools gs1_table` writes it again). Do not edit by hand."
    )
    .unwrap();
    writeln!(s, "//! The dictionary is published by GS1 AISBL under the Apache License 2.0; see the README.").unwrap();
    writeln!(s).unwrap();
    writeln!(s, "use super::spec::{{AiDef, Component, Cset}};").unwrap();
    writeln!(s).unwrap();
    writeln!(s, "/// Every AI of the dictionary, ranges expanded, in ascending order.").unwrap();
    writeln!(s, "pub static AIS: &[AiDef] = &[").unwrap();
    let mut rows: Vec<(String, &Entry)> = Vec::new();
    let entries = parse(dictionary);
    for e in &entries {
        for ai in &e.ais {
            rows.push((ai.clone(), e));
        }
    }
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    for (ai, e) in rows {
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
                    c.linters.iter().map(|l| format!("{l:?}")).collect::<Vec<_>>().join(", ")
                )
            })
            .collect();
        let list = |v: &[String]| v.iter().map(|x| format!("{x:?}")).collect::<Vec<_>>().join(", ");
        writeln!(
            s,
            "    AiDef {{ ai: {ai:?}, fixed: {}, dl_attr: {}, components: &[{}], req: &[{}], ex: &[{}], dlpkey: {}, title: {:?} }},",
            e.fixed,
            e.dl_attr,
            comps.join(", "),
            list(&e.req),
            list(&e.ex),
            match &e.dlpkey {
                Some(k) => format!("Some({k:?})"),
                None => "None".into(),
            },
            e.title
        )
        .unwrap();
    }
    writeln!(s, "];").unwrap();
    s
}

#[test]
fn committed_table_matches_the_dictionary() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dict_path = root.join(DICTIONARY);
    let Ok(dictionary) = std::fs::read_to_string(&dict_path) else {
        eprintln!(
            "skipped: {} is not here (a clone without ../shared); the committed table is used as is",
            dict_path.display()
        );
        return;
    };
    let generated = generate(&dictionary);
    let table = root.join(TABLE);
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
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let Ok(dictionary) = std::fs::read_to_string(root.join(DICTIONARY)) else { return };
    let entries = parse(&dictionary);
    let data_lines = dictionary.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).count();
    assert_eq!(entries.len(), data_lines);
    let e17 = entries.iter().find(|e| e.ais == ["17"]).unwrap();
    assert!(e17.fixed && e17.components[0].linters == ["yymmd0"]);
    let e37 = entries.iter().find(|e| e.ais == ["37"]).unwrap();
    assert_eq!(e37.req, ["00", "02,8026"]);
}
