//! The real binary's commands: `check-config` on good and broken files (non-zero exit with file,
//! line, key and expected form, before anything else happens), `print-default-config`, and
//! `sim` in the foreground.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_shopfloor");

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/config").join(name)
}

/// The binary with none of the user's own shopfloor settings in its environment.
fn shopfloor(home: &Path) -> Command {
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("SHOPFLOOR_") {
            c.env_remove(k);
        }
    }
    c.env("HOME", home).env("XDG_CONFIG_HOME", home.join("config")).env("XDG_DATA_HOME", home.join("data"));
    c.stdin(Stdio::null());
    c
}

fn run(args: &[&str]) -> (Output, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let out = shopfloor(home.path()).args(args).output().unwrap();
    (out, home)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A private copy of a fixture (git does not keep file modes), with the given mode.
fn private_copy(name: &str, mode: u32, dir: &Path) -> PathBuf {
    let to = dir.join(name);
    std::fs::copy(fixture(name), &to).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&to, std::fs::Permissions::from_mode(mode)).unwrap();
    }
    to
}

#[test]
fn broken_configs_exit_2_naming_file_line_key_and_expected_form() {
    // (fixture, line, key, words the message must hold)
    let cases: &[(&str, Option<usize>, &str, &[&str])] = &[
        ("unknown_key.toml", Some(7), "manufacturer.tokn_mode", &["unknown field", "token_mode"]),
        ("bad_token_mode.toml", Some(7), "manufacturer.token_mode", &["static", "dynamic"]),
        ("syntax_error.toml", Some(2), "station.id", &["expected"]),
        ("missing_secret.toml", None, "manufacturer.api_secret", &["missing", "SHOPFLOOR_MANUFACTURER_API_SECRET"]),
        ("bad_url.toml", Some(6), "manufacturer.base_url", &["http:// or https://"]),
        ("rate_too_high.toml", Some(15), "production.requests_per_minute", &["1 to 200"]),
        ("absolute_path.toml", Some(17), "manufacturer.paths.commission", &["relative path"]),
        ("wrong_type.toml", Some(6), "manufacturer.timeout_secs", &["a whole number (without quotes)"]),
        ("unknown_section.toml", Some(12), "prodcution", &["unknown field", "production"]),
    ];
    for (name, line, key, words) in cases {
        let path = fixture(name);
        let (out, _home) = run(&["check-config", path.to_str().unwrap()]);
        let err = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {err}");
        assert!(err.contains(path.to_str().unwrap()), "{name} names the file: {err}");
        if let Some(l) = line {
            assert!(err.contains(&format!("line {l},")), "{name} names line {l}: {err}");
        }
        assert!(err.contains(&format!("key `{key}`")), "{name} names key {key}: {err}");
        for w in *words {
            assert!(err.contains(w), "{name} says {w:?}: {err}");
        }
        assert!(
            !err.contains("fixture-api-secret-4711") && !err.contains("fixture-channel-key-4711"),
            "{name} leaks a secret: {err}"
        );
    }
}

#[test]
fn a_good_config_passes_without_showing_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let path = private_copy("good.toml", 0o600, dir.path());
    let (out, _home) = run(&["check-config", path.to_str().unwrap()]);
    let (stdout, stderr) = (text(&out.stdout), text(&out.stderr));
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stdout.contains("config OK") && stdout.contains("line-1-station-a"), "{stdout}");
    assert!(stdout.contains("dynamic token"), "{stdout}");
    assert!(!stdout.contains("4711") && !stderr.contains("4711"), "a secret was printed: {stdout}{stderr}");
    assert!(stderr.is_empty(), "a private file draws no warning: {stderr}");
}

#[cfg(unix)]
#[test]
fn a_config_with_secrets_readable_by_others_draws_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let path = private_copy("good.toml", 0o644, dir.path());
    let (out, _home) = run(&["check-config", path.to_str().unwrap()]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0));
    assert!(stderr.contains("warning") && stderr.contains("chmod 600"), "{stderr}");
}

#[test]
fn secrets_from_the_environment_complete_a_config() {
    let dir = tempfile::tempdir().unwrap();
    let path = private_copy("missing_secret.toml", 0o600, dir.path());
    let home = tempfile::tempdir().unwrap();
    let out = shopfloor(home.path())
        .env("SHOPFLOOR_MANUFACTURER_API_SECRET", "from-the-environment")
        .args(["check-config", path.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
}

#[test]
fn config_lookup_order() {
    let home = tempfile::tempdir().unwrap();
    // Nothing anywhere: a clear message listing where it looked.
    let out = shopfloor(home.path()).arg("check-config").output().unwrap();
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        err.contains("no config file found") && err.contains("shopfloor/config.toml") && err.contains("--demo"),
        "{err}"
    );

    // SHOPFLOOR_CONFIG is used when --config is not given.
    let good = private_copy("good.toml", 0o600, home.path());
    let out = shopfloor(home.path()).env("SHOPFLOOR_CONFIG", &good).arg("check-config").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // --config wins over SHOPFLOOR_CONFIG.
    let out = shopfloor(home.path())
        .env("SHOPFLOOR_CONFIG", &good)
        .args(["--config", fixture("bad_url.toml").to_str().unwrap(), "check-config"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));

    // The platform config directory comes last.
    let dir = home.path().join("config/shopfloor");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::rename(&good, dir.join("config.toml")).unwrap();
    let out = shopfloor(home.path()).arg("check-config").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));

    // A path that does not exist says so.
    let (out, _h) = run(&["check-config", "/nonexistent/shopfloor.toml"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("cannot read config file /nonexistent/shopfloor.toml"));
}

#[test]
fn print_default_config_prints_the_documented_example() {
    let (out, _home) = run(&["print-default-config"]);
    assert_eq!(out.status.code(), Some(0));
    let example = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml")).unwrap();
    assert_eq!(text(&out.stdout), example);
}

#[test]
fn every_subcommand_has_help() {
    for cmd in
        ["sim", "check-config", "print-default-config", "decode", "scanner-check", "demo-scans", "hash-pin", "audit"]
            .into_iter()
            .map(|c| vec![c, "--help"])
            .chain([vec!["--help"]])
    {
        let args = cmd;
        let (out, _home) = run(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        assert!(text(&out.stdout).contains("Usage: shopfloor"), "{args:?}");
    }
}

#[test]
fn sim_prints_a_working_config_and_stops_on_sigterm() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = shopfloor(home.path());
    cmd.args(["sim", "--listen", "127.0.0.1:0", "--seed", "7"]);
    let (mut child, snippet, _port) = crate::common::sim_process(cmd);
    let path = home.path().join("sim.toml");
    std::fs::write(&path, &snippet).unwrap();
    let out = shopfloor(home.path()).args(["check-config", path.to_str().unwrap()]).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "the printed snippet is a valid config: {}\n{snippet}", text(&out.stderr));
    assert!(snippet.contains("base_url = \"http://127.0.0.1:"), "{snippet}");

    #[cfg(unix)]
    {
        let pid = child.id().to_string();
        Command::new("kill").args(["-TERM", &pid]).status().unwrap();
        let status = child.wait().unwrap();
        assert!(status.success(), "SIGTERM stops the simulator cleanly: {status:?}");
    }
    #[cfg(not(unix))]
    {
        child.kill().unwrap();
        child.wait().unwrap();
    }
}

#[test]
fn sim_refuses_to_listen_beyond_loopback_and_bad_fault_values() {
    let (out, _h) = run(&["sim", "--listen", "0.0.0.0:0"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("loopback"), "{}", text(&out.stderr));
    let (out, _h) = run(&["sim", "--listen", "127.0.0.1:0", "--error-rate", "2"]);
    assert_ne!(out.status.code(), Some(0));
    assert!(text(&out.stderr).contains("error_rate must be between 0 and 1"), "{}", text(&out.stderr));
}

#[test]
fn decode_prints_one_json_object_per_line_and_exits_0() {
    use std::io::Write;
    let home = tempfile::tempdir().unwrap();
    let mut child = shopfloor(home.path())
        .args(["decode", "--separator", "|"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"]d20109520123456788172806001012345A\x1d21SN0001\r\n(17)281301\n0109520123456788|21X\n\n")
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    let lines: Vec<serde_json::Value> = text(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["ok"], true);
    assert_eq!(lines[0]["symbology"], "]d2");
    assert_eq!(lines[0]["ais"]["21"], "SN0001");
    assert_eq!((lines[1]["ok"].as_bool(), lines[1]["error"].as_str()), (Some(false), Some("bad_date")));
    assert_eq!(lines[2]["ais"]["21"], "X", "the substitute separator ends (01)'s neighbour");
    assert_eq!(lines[3]["error"], "empty_data");
    let first = text(&out.stdout).lines().next().unwrap().to_string();
    assert!(first.starts_with("{\"ok\":true,\"symbology\":\"]d2\",\"ais\":{\"01\""), "AIs keep their order: {first}");
    let (help, _h) = run(&["decode", "--help"]);
    assert!(text(&help.stdout).contains("--separator"));
}

#[test]
fn hash_pin_prints_a_hash_the_config_accepts_and_never_the_pin() {
    let home = tempfile::tempdir().unwrap();
    let hash_of = |pin: &str| {
        let mut c = shopfloor(home.path());
        c.arg("hash-pin").stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped());
        let mut child = c.spawn().unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(format!("{pin}\n").as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = hash_of("7391");
    assert!(out.status.success(), "{}", text(&out.stderr));
    let hash = text(&out.stdout).trim().to_string();
    assert!(hash.starts_with("$argon2id$") && !hash.contains("7391"), "{hash}");
    assert!(!text(&out.stderr).contains("7391"));
    assert!(shopfloor::config::access::pin_matches(
        &shopfloor::config::secret::Secret::new("7391"),
        &shopfloor::config::secret::Secret::new(hash.clone())
    ));
    // The hash goes into a config that check-config accepts.
    let config = std::fs::read_to_string(fixture("good.toml")).unwrap()
        + &format!("\n[kiosk]\nenabled = true\nsupervisor_pin_hash = \"{hash}\"\n");
    let path = home.path().join("kiosk.toml");
    std::fs::write(&path, config).unwrap();
    let checked = shopfloor(home.path()).args(["check-config", path.to_str().unwrap()]).output().unwrap();
    assert!(checked.status.success(), "{}{}", text(&checked.stdout), text(&checked.stderr));
    // A shared PIN names no one: check-config says so.
    assert!(text(&checked.stderr).contains("identifies no one"), "{}", text(&checked.stderr));
    // With a supervisor named, the station signs by person and the shared PIN is not used.
    let named = std::fs::read_to_string(&path).unwrap()
        + &format!(
            "\n[[operators]]\nid = \"sup-1\"\nname = \"Sam Sousa\"\nrole = \"supervisor\"\npin_hash = \"{hash}\"\n"
        );
    std::fs::write(&path, named).unwrap();
    let checked = shopfloor(home.path()).args(["check-config", path.to_str().unwrap()]).output().unwrap();
    let (out, err) = (text(&checked.stdout), text(&checked.stderr));
    assert!(checked.status.success(), "{out}{err}");
    assert!(out.contains("supervisors: sup-1") && out.contains("decommission (approved)"), "{out}");
    assert!(err.contains("supervisor_pin_hash is not used"), "{err}");
    assert!(!out.contains(&hash) && !err.contains(&hash), "no PIN hash is printed");
    // A role that does not exist, and a supervisor without a PIN, are problems.
    let bad = std::fs::read_to_string(fixture("good.toml")).unwrap()
        + "\n[[operators]]\nid = \"sup-2\"\nrole = \"boss\"\n\n[[operators]]\nid = \"sup-3\"\nrole = \"supervisor\"\n";
    std::fs::write(&path, bad).unwrap();
    let checked = shopfloor(home.path()).args(["check-config", path.to_str().unwrap()]).output().unwrap();
    let err = text(&checked.stderr);
    assert_eq!(checked.status.code(), Some(2), "{err}");
    assert!(err.contains("operators.sup-2.role") && err.contains("could never sign"), "{err}");
    // Too short a PIN: nothing printed.
    let short = hash_of("12");
    assert_eq!(short.status.code(), Some(1));
    assert!(text(&short.stdout).is_empty() && text(&short.stderr).contains("4 to 32 characters"));
}
