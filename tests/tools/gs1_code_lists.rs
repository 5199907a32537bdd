//! The code lists beside the AI table (`src/scan/gs1/data/`) and the linters behind them. A list
//! that changes, by intent or by a slip, changes which codes the station accepts: each list's
//! entry count and digest are pinned here, so the change fails until this file says it is meant.
//! And every linter the GS1 Barcode Syntax Dictionary names must be implemented: a linter added
//! to the dictionary without a check fails `every_dictionary_linter_is_implemented`.

use sha2::{Digest, Sha256};
use shopfloor::scan::gs1::{codes, spec::Linter};
use std::collections::BTreeSet;
use std::path::Path;

/// (file, entries, SHA-256 of the entries one per line). Update together with the file.
const PINNED: &[(&str, usize, &str)] = &[
    ("iso3166.txt", 249, "59a8c07c0ced57545068520e63f3fab57bc18cf94e08e67a28799d2d20b27556"),
    ("iso4217.txt", 179, "fddcc2613d4d7144191f67cc5b335c40105f1347ed94c268be0b6bb28c4d5b3d"),
    ("packagetype.txt", 431, "d4785135bb49a4660a382987644d2077a7380e8336fa7cc49ed7b967bdbfa676"),
    ("mediatype.txt", 2, "faab185a26e57ce4398deeac68e187293174adbf211b24343cd843682aaa74fd"),
    ("gcp.txt", 1, "1af9e4bc91345850b255f8b7e40d341ce302295470c7d3134c47657a31b928ca"),
];

/// A list's entries: its data lines, or for the package types each code.
fn entries(file: &str, text: &str) -> Vec<String> {
    let lines = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
    if file == "packagetype.txt" {
        lines.flat_map(str::split_whitespace).map(String::from).collect()
    } else {
        lines.map(|l| l.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
    }
}

#[test]
fn each_code_list_is_the_one_pinned() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/scan/gs1/data");
    let mut drifted = Vec::new();
    for (file, count, digest) in PINNED {
        let text = std::fs::read_to_string(dir.join(file)).unwrap();
        let e = entries(file, &text);
        let got = format!("{:x}", Sha256::digest(e.join("\n").as_bytes()));
        if e.len() != *count || got != *digest {
            drifted.push(format!("{file}: {} entries, digest {got} (pinned: {count}, {digest})", e.len()));
        }
    }
    assert!(
        drifted.is_empty(),
        "code lists changed; if that is meant, pin the new figures in tests/tools/gs1_code_lists.rs:\n{}",
        drifted.join("\n")
    );
}

#[test]
fn the_decoder_reads_every_entry() {
    let sizes: std::collections::BTreeMap<&str, usize> = codes::sizes().into_iter().collect();
    let count = |f: &str, text: &str| entries(f, text).len();
    assert_eq!(sizes["iso3166 numeric"], count("iso3166.txt", codes::ISO3166));
    assert_eq!(sizes["iso3166 alpha-2"], count("iso3166.txt", codes::ISO3166));
    assert_eq!(sizes["iso4217"], count("iso4217.txt", codes::ISO4217));
    assert_eq!(sizes["packagetype"], count("packagetype.txt", codes::PACKAGE_TYPES));
    assert_eq!(sizes["mediatype"], 10 + 20, "01-10 and 80-99");
    assert_eq!(sizes["gcp min_length"], 4);
}

#[test]
fn every_dictionary_linter_is_implemented() {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/gs1/gs1-syntax-dictionary-2026-01-27.txt");
    let dictionary = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!("{} cannot be read ({e}): the GS1 reference data must sit beside the clone (../shared)", path.display())
    });
    let named: BTreeSet<&str> = dictionary
        .lines()
        .filter(|l| !l.starts_with('#'))
        .flat_map(|l| l.split('#').next().unwrap_or("").split_whitespace())
        .filter(|t| t.trim_start_matches('[').starts_with(['N', 'X', 'Y', 'Z']))
        .flat_map(|t| t.split(',').skip(1))
        .collect();
    let missing: Vec<&&str> = named.iter().filter(|n| Linter::from_name(n).is_none()).collect();
    assert!(
        missing.is_empty(),
        "the dictionary names linters the decoder lacks (add them to spec.rs and lint.rs): {missing:?}"
    );
    let stale: Vec<&str> = Linter::ALL.iter().map(|l| l.name()).filter(|n| !named.contains(n)).collect();
    assert!(stale.is_empty(), "linters the dictionary no longer names: {stale:?}");
}
