//! `shopfloor decode` as a filter and as a check: exit 0 whatever the lines held, or with
//! `--strict` exit 1 when any line could not be decoded; a line longer than any GS1 code is
//! answered (`scan_too_long`) and the lines after it still decoded.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn decode(args: &[&str], input: &[u8]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_shopfloor"))
        .arg("decode")
        .args(args)
        .env("HOME", home.path())
        .env("XDG_DATA_HOME", home.path().join("data"))
        .env("XDG_CONFIG_HOME", home.path().join("config"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_vec();
    // Written from a thread: the output pipe fills while a long input is still being written.
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    out
}

fn lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

const GOOD: &[u8] = b"]d20109520123456788172806001012345A\x1d21SN0001\n";
const BAD: &[u8] = b"(17)281301\n";

#[test]
fn strict_exits_1_when_a_line_fails_and_says_how_many() {
    let input = [GOOD, BAD, GOOD].concat();
    let plain = decode(&[], &input);
    assert_eq!(plain.status.code(), Some(0), "without --strict decode is a filter");
    assert_eq!(lines(&plain).len(), 3);
    let strict = decode(&["--strict"], &input);
    assert_eq!(strict.status.code(), Some(1));
    assert_eq!(lines(&strict).len(), 3, "every line is still answered");
    let err = String::from_utf8_lossy(&strict.stderr);
    assert!(err.contains("1 of 3 lines could not be decoded"), "{err}");
    let all_good = decode(&["--strict"], &[GOOD, GOOD].concat());
    assert_eq!(all_good.status.code(), Some(0));
    assert!(all_good.stderr.is_empty());
    let help = Command::new(env!("CARGO_BIN_EXE_shopfloor")).args(["decode", "--help"]).output().unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("--strict"));
}

#[test]
fn a_line_longer_than_any_code_is_answered_and_the_rest_decoded() {
    let mut input = vec![b'0'; 3_000_000];
    input.push(b'\n');
    input.extend_from_slice(GOOD);
    let out = decode(&["--strict"], &input);
    assert_eq!(out.status.code(), Some(1));
    let got = lines(&out);
    assert_eq!(got.len(), 2);
    assert_eq!(got[0]["error"], "scan_too_long");
    assert!(got[0]["message"].as_str().unwrap().contains("3,000,000 characters"), "{}", got[0]);
    assert_eq!(got[1]["ais"]["21"], "SN0001");
}
