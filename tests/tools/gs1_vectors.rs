//! The GS1 sample vectors in `../shared/reference/gs1/` through the decoder, each with its own
//! parser policy; plus the decoder's own cases and a no-panic sweep over damaged inputs.
//! The standard's edge cases, each with the rule it follows, are in `gs1_edge_cases.rs`.

use shopfloor::scan::gs1::{decode, ErrorKind, Mode, Options};
use std::path::Path;

fn options(mode: &str, config: Option<&serde_json::Value>) -> Options {
    let flag = |k: &str| config.and_then(|c| c.get(k)).and_then(|v| v.as_bool()).unwrap_or(false);
    Options {
        mode: match mode {
            "scan" => Mode::Scan,
            "bare" => Mode::Bare,
            "hri" => Mode::Hri,
            "dl" => Mode::Dl,
            _ => Mode::Auto,
        },
        requisites: flag("requisites"),
        strip_whitespace: flag("strip_whitespace"),
        permit_zero_suppressed_gtin_in_dl: flag("permit_zero_suppressed_gtin_in_dl"),
        hhmm_9999_means_no_time: flag("hhmm_9999_means_no_time"),
        this_year: 2026,
        ..Options::default()
    }
}

#[test]
fn sample_vectors() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/gs1/sample-vectors.jsonl");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "{} cannot be read ({e}): the GS1 reference data must sit beside the clone (../shared), as in CI",
            path.display()
        )
    });
    let mut failures = Vec::new();
    let mut n = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        n += 1;
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let input = v["input"].as_str().unwrap();
        let opts = options(v["mode"].as_str().unwrap(), v.get("config"));
        let got = decode(input, &opts);
        let ok = match (&got, v["valid"].as_bool().unwrap()) {
            (Ok(d), true) => {
                let expect: Vec<(String, String)> = v["expect"]
                    .as_object()
                    .unwrap()
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string()))
                    .collect();
                let mut have: Vec<(String, String)> = d.iter().map(|(a, v)| (a.to_string(), v.to_string())).collect();
                let mut want = expect.clone();
                have.sort();
                want.sort();
                have == want
            }
            (Err(e), false) => e.kind.name() == v["error"].as_str().unwrap(),
            _ => false,
        };
        if !ok {
            failures.push(format!(
                "{input:?} ({}): got {got:?}, want {}",
                v["mode"],
                v.get("error").filter(|e| !e.is_null()).unwrap_or(&v["expect"])
            ));
        }
    }
    assert_eq!(n, 78);
    assert!(failures.is_empty(), "{} of {n} vectors fail:\n{}", failures.len(), failures.join("\n"));
}

fn kind(input: &str) -> ErrorKind {
    decode(input, &Options { this_year: 2026, ..Options::default() }).unwrap_err().kind
}

#[test]
fn pharma_pack_codes() {
    let d =
        decode("]d20109520123456788172806001012345A\u{1d}21SN0001", &Options { this_year: 2026, ..Options::default() })
            .unwrap();
    assert_eq!(d.symbology, Some("]d2"));
    assert_eq!(d.get("01"), Some("09520123456788"));
    assert_eq!(d.get("17"), Some("280600"));
    assert_eq!(d.get("21"), Some("SN0001"));
    assert_eq!(d.hri(), "(01)09520123456788(17)280600(10)12345A(21)SN0001");
    // The same typed from a damaged label.
    let h = decode("(01)09520123456788(17)280600(10)12345A(21)SN0001", &Options::default()).unwrap();
    assert_eq!(h.iter().collect::<Vec<_>>(), d.iter().collect::<Vec<_>>());
    // A substitute separator.
    let s = Options { separator: Some('|'), ..Options::default() };
    assert_eq!(decode("]d20109520123456788|21A|10B", &s).unwrap().get("10"), Some("B"));
}

#[test]
fn error_kinds_of_our_own() {
    assert_eq!(kind("0109520123456788\u{1d}\u{1d}21A"), ErrorKind::EmptyElement);
    assert_eq!(kind("2612345"), ErrorKind::UnknownAi);
    assert_eq!(kind("(26)1"), ErrorKind::UnknownAi);
    assert_eq!(kind("(017)1"), ErrorKind::InvalidAi);
    assert_eq!(kind("]d2"), ErrorKind::EmptyData);
    assert_eq!(kind("]Z1234"), ErrorKind::NotGs1);
    assert_eq!(kind("]d2ABC"), ErrorKind::InvalidAi);
    assert_eq!(kind("(7003)2501011260"), ErrorKind::BadTime);
    assert_eq!(kind("(8001)00001234567890"), ErrorKind::InvalidValue, "nonzero linter");
    assert_eq!(kind("https://a/01/09520123456788?01=09520123456788"), ErrorKind::DuplicateAi);
    assert_eq!(kind("https://a/01/09520123456788?21=SN1"), ErrorKind::DlAiInWrongPlace, "21 is no data attribute");
    let scan_only = Options { mode: Mode::Scan, ..Options::default() };
    assert_eq!(decode("0109520123456788", &scan_only).unwrap_err().kind, ErrorKind::MissingSymbologyId);
    let req = Options { requisites: true, this_year: 2026, ..Options::default() };
    assert_eq!(decode("(21)SN1", &req).unwrap_err().kind, ErrorKind::MissingRequisiteAi);
    assert!(decode("(21)SN1", &Options::default()).is_ok(), "requisites are a policy switch");
}

#[test]
fn a_lost_separator_is_warned_about() {
    // (10) runs to the end and swallows what reads as (17) with a date.
    let d = decode("]d2010952012345678810ABC17280600", &Options { this_year: 2026, ..Options::default() }).unwrap();
    assert_eq!(d.get("10"), Some("ABC17280600"));
    assert_eq!(d.warnings.len(), 1, "{:?}", d.warnings);
    assert!(d.warnings[0].contains("(17) 280600") && d.warnings[0].contains("separator"));
    let clean = decode("]d20109520123456788172806001012345A", &Options::default()).unwrap();
    assert!(clean.warnings.is_empty());
}

#[test]
fn messages_say_what_to_do() {
    let e = decode("]C101123123123133^10ABC", &Options::default()).unwrap_err();
    assert!(e.message.contains("separator"), "{}", e.message);
    let e = decode("0112345678901234", &Options::default()).unwrap_err();
    assert!(e.message.contains("should be"), "{}", e.message);
    assert_eq!(
        e.to_json(),
        format!(
            "{{\"ok\":false,\"error\":\"bad_check_digit\",\"message\":{}}}",
            serde_json::Value::String(e.message.clone())
        )
    );
}

/// A small deterministic generator, so the sweep is repeatable.
struct Xs(u64);
impl Xs {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn no_input_makes_the_decoder_panic() {
    let seeds = [
        "]d20109520123456788172806001012345A\u{1d}21SN0001",
        "(01)09520123456788(17)280600(10)12345A(21)SN0001",
        "https://id.gs1.org/01/09520123456788/10/ABC?17=280600",
        "]E496385074",
        "8003070713240010220859520",
    ];
    let alphabet: Vec<char> = "0123456789()\\/?&=%+]dCEQJ^|:ABCxyz é\u{1d}\u{0}".chars().collect();
    let mut rng = Xs(0x5eed);
    let modes = [Mode::Auto, Mode::Scan, Mode::Bare, Mode::Hri, Mode::Dl];
    for round in 0..20_000 {
        let mut s: Vec<char> = seeds[round % seeds.len()].chars().collect();
        for _ in 0..(rng.next() % 6) {
            let at = (rng.next() as usize) % (s.len() + 1);
            match rng.next() % 3 {
                0 if at < s.len() => {
                    s.remove(at);
                }
                1 => s.insert(at, alphabet[(rng.next() as usize) % alphabet.len()]),
                _ if at < s.len() => s[at] = alphabet[(rng.next() as usize) % alphabet.len()],
                _ => {}
            }
        }
        let input: String = s.into_iter().collect();
        let opts = Options { mode: modes[round % modes.len()], requisites: round % 2 == 0, ..Options::default() };
        let _ = decode(&input, &opts);
    }
}
