//! The standard's edge cases, each with the rule it follows: code lists and company prefixes,
//! separators in element strings, GS1 Digital Link URIs, and scans longer than any code.
//! Where the GS1 Digital Link standard (its URI grammar, on RFC 3986) and the reference engine
//! (GS1 Syntax Engine 1.4.1) disagree, the standard is followed and the case says so.

use shopfloor::scan::gs1::{decode, ErrorKind, Mode, Options};

enum Want {
    Ok(&'static [(&'static str, &'static str)]),
    Err(ErrorKind),
}
use Want::{Err as Refused, Ok as Reads};

struct Case {
    input: &'static str,
    want: Want,
    rule: &'static str,
    /// Where the reference engine gives another verdict: what it does.
    reference_differs: Option<&'static str>,
}

const fn case(input: &'static str, want: Want, rule: &'static str) -> Case {
    Case { input, want, rule, reference_differs: None }
}

const fn standard_wins(input: &'static str, want: Want, rule: &'static str, reference: &'static str) -> Case {
    Case { input, want, rule, reference_differs: Some(reference) }
}

fn check(cases: &[Case], mode: Mode) {
    let opts = Options { mode, this_year: 2026, ..Options::default() };
    let mut failures = Vec::new();
    for c in cases {
        let got = decode(c.input, &opts);
        let ok = match (&got, &c.want) {
            (Ok(d), Reads(want)) => d.iter().collect::<Vec<_>>() == *want,
            (Err(e), Refused(kind)) => e.kind == *kind,
            _ => false,
        };
        if !ok {
            let want = match &c.want {
                Reads(ais) => format!("{ais:?}"),
                Refused(kind) => kind.name().to_string(),
            };
            let note =
                c.reference_differs.map(|r| format!(" (the reference {r}; the standard wins)")).unwrap_or_default();
            failures.push(format!("{:?}: want {want} by the rule \"{}\"{note}; got {got:?}", c.input, c.rule));
        }
    }
    assert!(failures.is_empty(), "{} case(s) break their rule:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn code_lists_and_company_prefixes() {
    use ErrorKind::*;
    check(
        &[
            case("(422)752", Reads(&[("422", "752")]), "ISO 3166-1 numeric: 752 is Sweden (linter iso3166)"),
            case("(422)999", Refused(InvalidValue), "ISO 3166-1 numeric: 999 is no country (linter iso3166)"),
            case("(423)752246999", Refused(InvalidValue), "every country of (423) is an ISO 3166 code"),
            case("(7030)999ABC", Reads(&[("7030", "999ABC")]), "linter iso3166999: 999 stands for 'unknown'"),
            case("(7030)998ABC", Refused(InvalidValue), "linter iso3166999: a country code or 999"),
            case("(4307)SE", Reads(&[("4307", "SE")]), "ISO 3166-1 alpha-2 (linter iso3166alpha2)"),
            case("(4307)XX", Refused(InvalidValue), "ISO 3166-1 alpha-2: XX is assigned to no country"),
            case("(3912)978100", Reads(&[("3912", "978100")]), "ISO 4217: 978 is the euro (linter iso4217)"),
            case("(3912)191100", Refused(InvalidValue), "ISO 4217 list one: 191 (HRK) was withdrawn in 2023"),
            case("(7041)BX", Reads(&[("7041", "BX")]), "GS1 PackageTypeCode list (linter packagetype)"),
            case("(7041)QQQ", Refused(InvalidValue), "GS1 PackageTypeCode list: QQQ is no package type"),
            case("(7241)01", Reads(&[("7241", "01")]), "AIDC media types 01-10 are ICCBBA's"),
            case("(7241)50", Refused(InvalidValue), "AIDC media types 11-79 are reserved"),
            case("(7040)1AB_", Reads(&[("7040", "1AB_")]), "importer index: one of - 0-9 A-Z _ a-z"),
            case("(7040)1AB!", Refused(InvalidValue), "importer index: ! is in set 82 but no index"),
            case("(7258)2/3", Reads(&[("7258", "2/3")]), "birth sequence: position/last"),
            case("(7258)3/2", Refused(InvalidValue), "birth sequence: the position is not past the last"),
            case("(8007)XX36123456789012", Refused(InvalidValue), "IBAN (ISO 13616): starts with an ISO 3166 country"),
            case(
                "(8013)1987654Ad4X4bL5ttr2310c2K",
                Reads(&[("8013", "1987654Ad4X4bL5ttr2310c2K")]),
                "GMN: GS1 alphanumeric check character pair (linter csumalpha)",
            ),
            case("(8013)1987654Ad4X4bL5ttr2310cXK", Refused(BadCheckDigit), "GMN: wrong check character pair"),
            case("(8110)012345612345611110123", Reads(&[("8110", "012345612345611110123")]), "NACC coupon fields"),
            case("(8110)712345678901231110123", Refused(InvalidValue), "NACC: a company prefix length digit is 0-6"),
            case("(8112)001234561234560123456", Reads(&[("8112", "001234561234560123456")]), "positive offer coupon"),
            case(
                "(8112)0012345612345601234567",
                Refused(InvalidValue),
                "positive offer coupon: nothing after the serial",
            ),
            case("]d28004ABC", Refused(InvalidValue), "GCP-keyed (8004): starts with a company prefix of 4+ digits"),
            case("]d280049520ABC", Reads(&[("8004", "9520ABC")]), "GCP-keyed (8004): 4 digits, then anything"),
            case("(401)952", Refused(InvalidValue), "GCP-keyed (401): too short to hold a company prefix"),
            case(
                "(01)09520123456788",
                Reads(&[("01", "09520123456788")]),
                "GCP-keyed (01): the prefix starts after the indicator digit (gcppos2)",
            ),
        ],
        Mode::Auto,
    );
}

#[test]
fn separators_in_element_strings() {
    use ErrorKind::*;
    check(
        &[
            case(
                "]d2\u{1d}0109520123456788",
                Refused(EmptyElement),
                "GS1 General Specifications: ]d2 is the FNC1 in first position; a separator may not follow it",
            ),
            case(
                "\u{1d}0109520123456788",
                Reads(&[("01", "09520123456788")]),
                "bare data: a leading GS stands for the FNC1 in first position (scanners without AIM identifier)",
            ),
            case("]d20109520123456788\u{1d}\u{1d}10A", Refused(EmptyElement), "two separators in a row hold nothing"),
            case(
                "]d20109520123456788\u{1d}10A\u{1d}",
                Reads(&[("01", "09520123456788"), ("10", "A")]),
                "a separator at the very end is tolerated",
            ),
            case(
                "]d20109520123456788\u{1d}17280600",
                Reads(&[("01", "09520123456788"), ("17", "280600")]),
                "a separator after a pre-defined length AI is superfluous and tolerated",
            ),
            case(
                "]d2010952012345678\u{1d}17280600",
                Refused(ValueTooShort),
                "a separator inside a pre-defined length value cuts it short",
            ),
            case(
                "]d20109520123456788\u{1d}0109520123456788",
                Reads(&[("01", "09520123456788")]),
                "the same AI twice with the same value is one AI",
            ),
        ],
        Mode::Auto,
    );
}

const GTIN_LINK: &str = "https://id.gs1.org/01/09520123456788";

#[test]
fn digital_link_uris() {
    use ErrorKind::*;
    const GTIN: (&str, &str) = ("01", "09520123456788");
    check(
        &[
            // Path: keys, qualifiers, stems, segments.
            case(
                "https://example.com/some/stem/01/09520123456788/10/ABC",
                Reads(&[GTIN, ("10", "ABC")]),
                "DL URI syntax: a stem (path before the key) is allowed and is not data",
            ),
            case(
                "https://example.com/01/stem/01/09520123456788",
                Reads(&[GTIN]),
                "DL URI syntax: the path is read from its end back to the last key; what precedes is stem",
            ),
            case(
                "https://example.com//01/09520123456788",
                Reads(&[GTIN]),
                "DL URI syntax: a stem segment may be empty (segment = *pchar)",
            ),
            case(
                "https://id.gs1.org/01/09520123456788/",
                Refused(DlInvalidPath),
                "DL URI syntax: the path ends with the last value; a trailing / leaves a pair without value",
            ),
            case(
                "https://id.gs1.org/01//09520123456788",
                Refused(DlInvalidPath),
                "DL URI syntax: AI and value are each one non-empty segment; // leaves the key without value",
            ),
            case(
                "https://id.gs1.org/01/09520123456788/22/A/10/B/21/C",
                Reads(&[GTIN, ("22", "A"), ("10", "B"), ("21", "C")]),
                "DL URI syntax: qualifiers in the key's order (dlpkey=22,10,21)",
            ),
            case(
                "https://id.gs1.org/01/09520123456788/21/C/10/B",
                Refused(DlInvalidPath),
                "DL URI syntax: qualifiers out of the key's order",
            ),
            case("https://id.gs1.org/01/09520123456788/10/A/10/A", Refused(DlInvalidPath), "each qualifier once"),
            case(
                "https://id.gs1.org/01/09520123456788/235/X/21/Y",
                Refused(DlInvalidPath),
                "DL URI syntax: one qualifier order (22,10,21 or 235), never a mix",
            ),
            case("https://id.gs1.org/01/09520123456788/99/X", Refused(DlInvalidPath), "(99) qualifies no key"),
            case(
                "https://id.gs1.org/01/09520123456788/21/A+B",
                Reads(&[GTIN, ("21", "A+B")]),
                "RFC 3986: + is a plus in the path (only query values use it for a space)",
            ),
            standard_wins(
                "https://id.gs1.org/01/09520123456788/10/%ZZ",
                Refused(InvalidUri),
                "RFC 3986 §2.1: % is followed by two hex digits (pct-encoded)",
                "keeps %ZZ as three characters of the value",
            ),
            case(
                "https://id.gs1.org/01/09520123456788/10/A%2FB",
                Reads(&[GTIN, ("10", "A/B")]),
                "RFC 3986 §2.1: %2F decodes to / inside a value",
            ),
            case(
                "https://id.gs1.org/01/0952012345678",
                Refused(GtinNot14Digits),
                "DL: a GTIN is written with 14 digits",
            ),
            case("https://example.com/foo/bar", Refused(InvalidUri), "a link without a GS1 key is no Digital Link"),
            // Host.
            case(
                "https://user@id.gs1.org/01/09520123456788",
                Refused(InvalidUri),
                "DL URI syntax: hostname = host [\":\" port]; user information is not part of it",
            ),
            case(
                "https://id.gs1.org:8443/01/09520123456788",
                Reads(&[GTIN]),
                "DL URI syntax: a numeric port may follow the host",
            ),
            standard_wins(
                "https://id.gs1.org:84x3/01/09520123456788",
                Refused(InvalidUri),
                "RFC 3986 §3.2.3: port = *DIGIT",
                "accepts any host characters before the path, ':' and letters included",
            ),
            standard_wins(
                "https://my_host.example/01/09520123456788",
                Reads(&[GTIN]),
                "RFC 3986 §3.2.2: a registered name may hold unreserved characters such as _",
                "refuses _ ~ and sub-delims in a host",
            ),
            case("https://[2001:db8::1]/01/09520123456788", Reads(&[GTIN]), "RFC 3986 §3.2.2: an IPv6 literal host"),
            case(
                "https://[fe80::1%25lo]/01/09520123456788",
                Refused(InvalidUri),
                "RFC 3986 §3.2.2: an IP literal holds no zone identifier",
            ),
            case("https:///01/09520123456788", Refused(InvalidUri), "a link has a host"),
            // Scheme and characters.
            standard_wins(
                "HtTpS://id.gs1.org/01/09520123456788",
                Reads(&[GTIN]),
                "RFC 3986 §3.1 and ABNF (RFC 5234 §2.3): the scheme is case-insensitive",
                "accepts only all-lower or all-upper case",
            ),
            case(
                "https://id.gs1.org/01/09520123456788/10/A B",
                Refused(InvalidUri),
                "RFC 3986 §2: a space is no URI character",
            ),
            case("https://id.gs1.org/01/09520123456788#top", Reads(&[GTIN]), "RFC 3986 §3.5: a fragment is not data"),
            // Query.
            case(
                "https://id.gs1.org/01/09520123456788?10=ABC",
                Refused(DlAiInWrongPlace),
                "DL URI syntax: a qualifier of the path's key belongs in the path, not the query",
            ),
            case(
                "https://id.gs1.org/01/09520123456788/235/XYZ?10=ABC",
                Reads(&[GTIN, ("235", "XYZ"), ("10", "ABC")]),
                "with the 235 order chosen, (10) can no longer qualify the key: a data attribute",
            ),
            case(
                "https://id.gs1.org/01/09520123456788?21=SN1",
                Refused(DlAiInWrongPlace),
                "the dictionary does not permit (21) as a data attribute (no ? flag)",
            ),
            case(
                "https://id.gs1.org/01/09520123456788?00=006141411234567890",
                Reads(&[GTIN, ("00", "006141411234567890")]),
                "the dictionary permits (00) as a data attribute (? flag); DL ABNF ssccParameter",
            ),
            standard_wins(
                "https://id.gs1.org/01/09520123456788?17=290512;3103=000195",
                Reads(&[GTIN, ("17", "290512"), ("3103", "000195")]),
                "DL URI syntax: queryStringDelim = \"&\" / \";\"",
                "separates only at &, so (17) reads \"290512;3103=000195\"",
            ),
            case(
                "https://id.gs1.org/01/09520123456788?linkType=gs1:pip&99=X",
                Reads(&[GTIN, ("99", "X")]),
                "DL URI syntax: parameters with a non-numeric name are extensions, not AIs",
            ),
            case("https://id.gs1.org/01/09520123456788?123456=X", Refused(UnknownAi), "a numeric name is an AI"),
            case("https://id.gs1.org/01/09520123456788?99=", Refused(EmptyValue), "an AI in the query has a value"),
            case(
                "https://id.gs1.org/01/09520123456788?99=A+B",
                Refused(InvalidCharacter),
                "in a query value + is a space, which (99) may not hold",
            ),
            case(
                "https://id.gs1.org/01/09520123456788?99=X&99=X",
                Refused(DuplicateAi),
                "an AI once per link, even with the same value",
            ),
            case(
                "https://id.gs1.org/01/09520123456788?01=09520123456788",
                Refused(DuplicateAi),
                "an AI once per link: the key may not repeat in the query",
            ),
        ],
        Mode::Dl,
    );
    // In auto mode too (what the scan panel uses), and behind a plain-data identifier.
    let d = decode(&format!("]Q1{GTIN_LINK}/10/ABC"), &Options::default()).unwrap();
    assert_eq!(d.get("10"), Some("ABC"));
    assert!(decode(&format!("{GTIN_LINK}/"), &Options::default()).is_err());
}

#[test]
fn a_scan_longer_than_any_code_is_refused_unread() {
    for input in ["0".repeat(800_000), "0".repeat(1_600_000), "0109520123456788".repeat(50_000)] {
        let e = decode(&input, &Options::default()).unwrap_err();
        assert_eq!(e.kind, ErrorKind::ScanTooLong, "{} characters", input.len());
        assert_eq!(e.kind.name(), "scan_too_long");
        assert!(e.message.contains("scan one pack at a time"), "{}", e.message);
    }
    // Just below the bound the same data decode: 354 SSCCs of zeros (check digit 0), one AI.
    let largest = "00000000000000000000".repeat(354);
    assert!(largest.len() <= shopfloor::scan::gs1::MAX_SCAN_CHARS);
    let d = decode(&largest, &Options::default()).unwrap();
    assert_eq!(d.iter().collect::<Vec<_>>(), [("00", "000000000000000000")]);
    // The bracketed form of a long code may be longer than its scan data.
    let typed = "(00)000000000000000000".repeat(600);
    assert!(typed.len() > shopfloor::scan::gs1::MAX_SCAN_CHARS);
    assert!(decode(&typed, &Options::default()).is_ok());
}
