//! `check-config` as an IT person meets it: every problem of a file in one run, no password of
//! an address ever echoed, devices and pipes refused at once, and output into a closed pipe
//! (`| head`) ending quietly — the same for `audit` and `print-default-config`.

use shopfloor::domain::audit::{actions, NewEntry};
use shopfloor::scan::journal::Journal;
use std::os::fd::{FromRawFd, OwnedFd};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_shopfloor");

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

/// Runs to the end, or fails the test if it has not ended after `limit` (it would hang forever).
fn output_within(mut c: Command, limit: Duration) -> Output {
    let mut child = c.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            panic!("still running after {limit:?}: it would never return");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A pipe whose reading end is already closed, as `| head` leaves it once it has its lines.
fn closed_pipe() -> Stdio {
    let mut fds = [0; 2];
    // SAFETY: pipe(2) fills two new descriptors, which are owned from here on.
    assert_eq!(unsafe { libc::pipe(fds.as_mut_ptr()) }, 0);
    // SAFETY: both descriptors were just created and are owned by nothing else.
    let (read, write) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(read);
    Stdio::from(write)
}

const FOUR_PROBLEMS: &str = r#"[station]
id = "line-1-a"
packaging_line_tag = "line-1"

[manufacturer]
base_url = "https://api-acc.movilitas.cloud/v1/manufacturer/v2/api/"
tokn_mode = "static"
token = "t0k3n"
channel_key = "c"

[production]
base_url = "https://ops:hunter2@capi.lagerkoll.com/v1/production_orders/"
api_key = "k"
store = "s"
timeout_secs = "ten"
requests_per_minute = 500

[ui]
refresh_secs = "https://ops:hunter2@example.com/"
"#;

#[test]
fn every_problem_of_a_file_is_reported_in_one_run_and_no_password_is_echoed() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("station.toml");
    std::fs::write(&path, FOUR_PROBLEMS).unwrap();
    let out = output_within(
        {
            let mut c = shopfloor(home.path());
            c.args(["check-config", path.to_str().unwrap()]);
            c
        },
        Duration::from_secs(30),
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("has 4 problems"), "{err}");
    for (line, key) in [
        (7, "manufacturer.tokn_mode"),
        (15, "production.timeout_secs"),
        (16, "production.requests_per_minute"),
        (19, "ui.refresh_secs"),
    ] {
        assert!(err.contains(&format!("line {line}, key `{key}`")), "{key} on line {line}:\n{err}");
    }
    assert!(!err.contains("hunter2") && !String::from_utf8_lossy(&out.stdout).contains("hunter2"), "{err}");

    // Fixed, the summary shows the address without its password.
    let fixed = FOUR_PROBLEMS
        .replace("tokn_mode", "token_mode")
        .replace("timeout_secs = \"ten\"", "timeout_secs = 10")
        .replace("requests_per_minute = 500", "requests_per_minute = 200")
        .replace("refresh_secs = \"https://ops:hunter2@example.com/\"", "refresh_secs = 30");
    std::fs::write(&path, fixed).unwrap();
    let out = shopfloor(home.path()).args(["check-config", path.to_str().unwrap()]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("https://ops:***@capi.lagerkoll.com/"), "{said}");
    assert!(!said.contains("hunter2"), "{said}");
}

#[test]
fn devices_pipes_and_directories_are_refused_at_once() {
    let home = tempfile::tempdir().unwrap();
    let fifo = home.path().join("config.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().expect("mkfifo (coreutils) is installed");
    assert!(made.success());
    for path in ["/dev/zero", "/dev/urandom", fifo.to_str().unwrap(), home.path().to_str().unwrap()] {
        let mut c = shopfloor(home.path());
        c.args(["check-config", path]);
        let out = output_within(c, Duration::from_secs(30));
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{path}: {err}");
        assert!(err.contains(&format!("{path} is not a config file")), "{err}");
    }
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let home = tempfile::tempdir().unwrap();
    let config = home.path().join("c.toml");
    std::fs::write(
        &config,
        FOUR_PROBLEMS
            .replace("tokn_mode", "token_mode")
            .replace("\"ten\"", "10")
            .replace("500", "200")
            .replace("\"https://ops:hunter2@example.com/\"", "30"),
    )
    .unwrap();
    // A file with secrets that others may read gets a warning on stderr; this one is private.
    std::fs::set_permissions(&config, std::os::unix::fs::PermissionsExt::from_mode(0o600)).unwrap();
    let journal = home.path().join("journal.db");
    {
        let mut j = Journal::open(&journal).unwrap();
        for i in 0..50 {
            j.audit(&NewEntry::new(actions::OPERATOR_SIGNED_IN, format!("op-{i}")).by("line-1", Some("op-1"))).unwrap();
        }
    }
    let j = journal.to_str().unwrap();
    let cases: [&[&str]; 5] = [
        &["check-config", config.to_str().unwrap()],
        &["audit", "--journal", j],
        &["audit", "--journal", j, "--format", "csv"],
        &["audit", "--journal", j, "--verify"],
        &["print-default-config"],
    ];
    for args in cases {
        let out = shopfloor(home.path()).args(args).stdout(closed_pipe()).stderr(Stdio::piped()).output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.is_empty(), "{args:?} printed on stderr: {err}");
        assert_eq!(out.status.code(), Some(0), "{args:?}");
    }
}
