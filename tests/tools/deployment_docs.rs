//! The README's station set-up, checked by the tools that read it and, as root, run as written
//! against a real sshd.
//!
//! Always: the drop-ins shown in the README are the files under `packaging/` (which the package
//! installs as examples), and say what a station needs. With the tools (`.ci/run` installs
//! openssh-server and systemd, then runs the ignored tests here): `sshd -t` over the drop-in
//! included the way Debian's sshd_config includes it, `ssh-keygen -l` over the
//! `authorized_keys` line, `systemd-analyze verify` over the getty drop-in, and the whole
//! sequence — install, account, config, sshd, terminal loop — against `sshd -f` on a loopback
//! port with a temporary account. A missing tool fails these tests, naming what to install.

use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const README: &str = include_str!("../../README.md");
const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The body of the README's fenced block with this info string.
fn block(info: &str) -> String {
    let fence = format!("```{info}\n");
    let start = README.find(&fence).unwrap_or_else(|| panic!("the README has a ```{info} block")) + fence.len();
    let end = README[start..].find("```").expect("the block ends") + start;
    // The README indents blocks inside a list (the closing fence too); the files do not.
    README[start..end]
        .trim_end_matches(' ')
        .lines()
        .map(|l| l.strip_prefix("   ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

fn packaged(rel: &str) -> String {
    std::fs::read_to_string(Path::new(ROOT).join("packaging").join(rel))
        .unwrap_or_else(|e| panic!("packaging/{rel}: {e}"))
}

/// The path of a tool, or a failure naming the package that brings it.
fn tool(path: &str, package: &str) -> &'static str {
    assert!(Path::new(path).exists(), "{path} is missing: install {package} (apt-get install {package})");
    Box::leak(path.to_string().into_boxed_str())
}

#[test]
fn the_readme_shows_the_drop_ins_the_package_ships() {
    let sshd = packaged("sshd_config.d/shopfloor-kiosk.conf");
    assert_eq!(block("sshd_config"), sshd, "the README's sshd drop-in is packaging/sshd_config.d/shopfloor-kiosk.conf");
    let getty = packaging_getty();
    assert_eq!(block("systemd"), getty, "the README's getty drop-in is the packaged one");
    for must in [
        "Match User line1",
        "ForceCommand /usr/bin/shopfloor-kiosk",
        "SetEnv LANG=C.UTF-8",
        "AllowTcpForwarding no",
        "AuthenticationMethods publickey",
    ] {
        assert!(sshd.contains(must), "{must} in the sshd drop-in");
    }
    // A silent drop ends the session within a minute, with room for the TCP side.
    let value = |key: &str| -> u64 {
        sshd.lines().find_map(|l| l.trim().strip_prefix(key)).and_then(|v| v.trim().parse().ok()).unwrap()
    };
    assert!(value("ClientAliveInterval") * value("ClientAliveCountMax") <= 30, "{sshd}");
    assert!(getty.contains("ExecStart=\nExecStart=-/sbin/agetty --autologin line1"), "{getty}");

    let wrapper = packaged("shopfloor-kiosk");
    let trap = wrapper.find("trap '' INT QUIT TSTP").expect("the wrapper ignores Ctrl-C, Ctrl-\\ and Ctrl-Z");
    let exec = wrapper.find("exec /usr/bin/shopfloor --kiosk").expect("the wrapper runs the kiosk");
    assert!(trap < exec, "the signals are ignored before the dashboard starts");
    let mode = std::fs::metadata(Path::new(ROOT).join("packaging/shopfloor-kiosk")).unwrap().permissions().mode();
    assert!(mode & 0o111 != 0, "the wrapper is executable in the repository");

    let install = block("sh step=install");
    assert!(install.contains("install -m 755 packaging/shopfloor-kiosk /usr/bin/shopfloor-kiosk"), "{install}");
    assert!(block("sh step=terminal").contains("reset"), "the terminal's loop puts the terminal right");
}

fn packaging_getty() -> String {
    packaged("getty@tty1.service.d/shopfloor-kiosk.conf")
}

/// What `[package.metadata.deb]` installs is what the README points at.
#[test]
fn the_package_installs_the_files_the_readme_names() {
    let cargo: toml::Table = toml::from_str(include_str!("../../Cargo.toml")).unwrap();
    let assets = cargo["package"]["metadata"]["deb"]["assets"].as_array().expect("[package.metadata.deb] assets");
    let mut installed = Vec::new();
    for a in assets {
        let a = a.as_array().unwrap();
        let (from, to) = (a[0].as_str().unwrap(), a[1].as_str().unwrap());
        if from != "target/release/shopfloor" {
            assert!(Path::new(ROOT).join(from).is_file(), "{from} exists in the repository");
        }
        let name = Path::new(from).file_name().unwrap().to_str().unwrap();
        installed.push(if to.ends_with('/') { format!("/{to}{name}") } else { format!("/{to}") });
    }
    for path in [
        "/usr/bin/shopfloor",
        "/usr/bin/shopfloor-kiosk",
        "/usr/share/doc/shopfloor/examples/sshd_config.d/shopfloor-kiosk.conf",
        "/usr/share/doc/shopfloor/examples/getty@tty1.service.d/shopfloor-kiosk.conf",
        "/usr/share/doc/shopfloor/examples/config.example.toml",
    ] {
        assert!(installed.iter().any(|p| p == path), "the package installs {path}: {installed:?}");
        if path.contains("/examples/") {
            assert!(README.contains(path.rsplit_once('/').unwrap().0), "the README names {path}");
        }
    }
}

#[test]
#[ignore = "needs openssh-server; .ci/run runs it"]
fn the_sshd_drop_in_passes_sshd_t_where_debian_includes_it() {
    let sshd = tool("/usr/sbin/sshd", "openssh-server");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    host_key(d);
    std::fs::create_dir_all(d.join("sshd_config.d")).unwrap();
    std::fs::write(d.join("sshd_config.d/shopfloor-kiosk.conf"), block("sshd_config")).unwrap();
    std::fs::write(d.join("sshd_config"), main_config(d, 22)).unwrap();
    // sshd -t wants its privilege separation directory even when only testing.
    let _ = std::fs::create_dir_all("/run/sshd");
    let out = Command::new(sshd).arg("-t").arg("-f").arg(d.join("sshd_config")).output().unwrap();
    assert!(out.status.success(), "sshd -t: {}", String::from_utf8_lossy(&out.stderr));
    // The Match block ends with the drop-in: other accounts keep the main file's settings.
    let effective = |user: &str| {
        let out = Command::new(sshd)
            .args(["-T", "-f"])
            .arg(d.join("sshd_config"))
            .args(["-C", &format!("user={user},host=terminal,addr=127.0.0.1")])
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let root = effective("root");
    assert!(root.contains("forcecommand none") && root.contains("x11forwarding yes"), "{root}");
    assert!(root.contains("subsystem sftp"), "{root}");
    // The check is real: a misspelt directive fails it.
    std::fs::write(d.join("sshd_config.d/shopfloor-kiosk.conf"), block("sshd_config") + "    ForceComand x\n").unwrap();
    assert!(!Command::new(sshd).arg("-t").arg("-f").arg(d.join("sshd_config")).output().unwrap().status.success());
}

#[test]
#[ignore = "needs openssh-client; .ci/run runs it"]
fn the_authorized_keys_line_parses() {
    let keygen = tool("/usr/bin/ssh-keygen", "openssh-client");
    let line = block("authorized_keys");
    assert!(line.starts_with("restrict,pty,command=\"/usr/bin/shopfloor-kiosk\" ssh-ed25519 "), "{line}");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("authorized_keys");
    std::fs::write(&file, &line).unwrap();
    let out = Command::new(keygen).arg("-l").arg("-f").arg(&file).output().unwrap();
    assert!(out.status.success(), "ssh-keygen -l: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("line1-terminal (ED25519)"));
}

#[test]
#[ignore = "needs systemd (systemd-analyze, getty@.service); .ci/run runs it"]
fn the_getty_drop_in_verifies() {
    let analyze = tool("/usr/bin/systemd-analyze", "systemd");
    tool("/lib/systemd/system/getty@.service", "systemd");
    tool("/sbin/agetty", "util-linux");
    let drop_in = block("systemd");
    // A root of its own: the system's units plus the drop-in.
    let root = tempfile::tempdir().unwrap();
    let units = root.path().join("usr/lib/systemd/system");
    std::fs::create_dir_all(&units).unwrap();
    for e in std::fs::read_dir("/lib/systemd/system").unwrap().flatten() {
        if e.file_type().map(|t| t.is_file()).unwrap_or(false) {
            let _ = std::fs::copy(e.path(), units.join(e.file_name()));
        }
    }
    let dir = root.path().join("etc/systemd/system/getty@tty1.service.d");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::create_dir_all(root.path().join("sbin")).unwrap();
    std::fs::copy("/sbin/agetty", root.path().join("sbin/agetty")).unwrap();
    let verify = |text: &str| {
        std::fs::write(dir.join("shopfloor-kiosk.conf"), text).unwrap();
        Command::new(analyze)
            .arg("verify")
            .arg(format!("--root={}", root.path().display()))
            .arg("getty@tty1.service")
            .output()
            .unwrap()
    };
    let out = verify(&drop_in);
    assert!(out.status.success(), "systemd-analyze verify: {}", String::from_utf8_lossy(&out.stderr));
    // The check is real: without an ExecStart the unit is refused.
    assert!(!verify("[Service]\nExecStart=\n").status.success());
}

fn host_key(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir).unwrap();
    let key = dir.join("ssh_host_ed25519_key");
    let made = Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-f"]).arg(&key).status().unwrap();
    assert!(made.success());
    key
}

/// Debian's sshd_config in short: the drop-ins first, then the main file's own settings.
fn main_config(dir: &Path, port: u16) -> String {
    format!(
        "Include {d}/sshd_config.d/*.conf\nPort {port}\nListenAddress 127.0.0.1\nHostKey {d}/ssh_host_ed25519_key\n\
         PidFile {d}/sshd.pid\nKbdInteractiveAuthentication no\nPasswordAuthentication no\nUsePAM no\n\
         X11Forwarding yes\nPrintMotd no\nAcceptEnv LANG LC_*\nSubsystem sftp /usr/lib/openssh/sftp-server\n",
        d = dir.display()
    )
}

/// Undoes what the station test did to the machine, whatever happened in between.
struct Cleanup {
    user: String,
    installed: Vec<PathBuf>,
    children: Vec<std::process::Child>,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        // -f: the account's last session may still be ending.
        let _ = Command::new("userdel").args(["-r", "-f", &self.user]).stderr(Stdio::null()).status();
        for p in &self.installed {
            let _ = std::fs::remove_file(p);
        }
    }
}

/// Runs a README block with `sh -e` in `dir`, with the substitutions given; returns stdout.
fn run_block(info: &str, dir: &Path, subs: &[(&str, &str)], drop_lines: &[&str]) -> String {
    let mut script = block(info);
    for (from, to) in subs {
        script = script.replace(from, to);
    }
    let script: String =
        script.lines().filter(|l| !drop_lines.iter().any(|d| l.trim() == *d)).map(|l| format!("{l}\n")).collect();
    let out = Command::new("/bin/sh")
        .arg("-ec")
        .arg(&script)
        .current_dir(dir)
        .env_clear()
        .env("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the README's `{info}` block failed:\n{script}\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_until(what: &str, limit: Duration, mut done: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < limit, "timed out after {limit:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(100));
    }
    start.elapsed()
}

fn lock_pid(home: &Path) -> Option<u32> {
    let text = std::fs::read_to_string(home.join(".local/share/shopfloor/instance.lock")).ok()?;
    let v: serde_json::Value = serde_json::from_str(text.trim()).ok()?;
    v["pid"].as_u64().map(|p| p as u32)
}

fn ended(pid: u32) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat.rsplit(')').next().and_then(|r| r.split_whitespace().next()) == Some("Z"),
    }
}

fn children_of(parent: u32, name: &str) -> Vec<u32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.parse::<u32>().ok()))
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let comm = stat.split_once('(').and_then(|(_, r)| r.rsplit_once(')')).map(|(c, _)| c.to_string());
            let ppid = stat.rsplit(')').next().and_then(|r| r.split_whitespace().nth(1)).and_then(|p| p.parse().ok());
            comm.as_deref() == Some(name) && ppid == Some(parent)
        })
        .collect()
}

fn signal(pid: u32, sig: i32) {
    // SAFETY: kill(2) on a process this test started.
    unsafe {
        libc::kill(pid as i32, sig);
    }
}

#[test]
#[ignore = "needs root and openssh-server; .ci/run runs it"]
fn the_station_set_up_as_written_works_over_a_real_sshd() {
    use crate::common::pty::Pty;
    assert!(
        rustix::process::geteuid().is_root(),
        "this test creates an account and installs into /usr/bin: run it as root"
    );
    let sshd = tool("/usr/sbin/sshd", "openssh-server");
    tool("/usr/bin/ssh", "openssh-client");
    tool("/usr/sbin/runuser", "util-linux");
    tool("/usr/sbin/useradd", "passwd");
    for p in ["/usr/bin/shopfloor", "/usr/bin/shopfloor-kiosk"] {
        let owned = Command::new("dpkg").args(["-S", p]).output().map(|o| o.status.success()).unwrap_or(false);
        assert!(!owned, "{p} belongs to an installed package; run this test on a machine without it (CI)");
    }
    let user = format!("sft{}", std::process::id() % 100_000);
    assert!(
        Command::new("id").arg(&user).output().map(|o| !o.status.success()).unwrap_or(true),
        "{user} exists already"
    );
    let home = PathBuf::from(format!("/home/{user}"));
    let mut cleanup = Cleanup {
        user: user.clone(),
        installed: vec!["/usr/bin/shopfloor".into(), "/usr/bin/shopfloor-kiosk".into()],
        children: Vec::new(),
    };
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let bin = env!("CARGO_BIN_EXE_shopfloor");

    // The backends: the simulator on loopback.
    let mut sim_cmd = Command::new(bin);
    sim_cmd.args(["sim", "--listen", "127.0.0.1:0"]);
    let (sim, _, sim_port) = crate::common::sim_process(sim_cmd);
    cleanup.children.push(sim);
    let snippet = shopfloor::sim::config_snippet(std::net::SocketAddr::from(([127, 0, 0, 1], sim_port)));

    // 1. Install, 2. the account, 3. the config.
    let line1 = [("line1", user.as_str())];
    run_block("sh step=install", Path::new(ROOT), &[("target/release/shopfloor", bin)], &["cargo build --release"]);
    run_block("sh step=account", t, &line1, &[]);
    let config = home.join(".config/shopfloor/config.toml");
    assert!(std::fs::read_to_string(&config).unwrap().contains("[station]"), "print-default-config wrote the file");
    let mine = snippet.replace("[kiosk]\n", "[kiosk]\nenabled = true\n");
    as_user(&user, "umask 077; cat > ~/.config/shopfloor/config.toml", &mine);
    as_user(&user, "umask 077; cat > ~/.config/shopfloor/environment", "TZ=Pacific/Auckland\nSHOPFLOOR_LOG=debug\n");
    let checked = run_block("sh step=check", t, &line1, &[]);
    assert!(checked.contains("config OK"), "{checked}");

    // 4. sshd: the drop-in, the terminal's key, sshd -t; our own sshd instead of the system's.
    let term = t.join("terminal");
    std::fs::create_dir_all(&term).unwrap();
    let made = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "terminal1", "-f"])
        .arg(term.join("id_ed25519"))
        .status()
        .unwrap();
    assert!(made.success());
    std::fs::copy(term.join("id_ed25519.pub"), t.join("terminal1.pub")).unwrap();
    std::fs::create_dir_all(t.join("ssh/sshd_config.d")).unwrap();
    host_key(&t.join("ssh"));
    let port = crate::common::pty::free_port();
    std::fs::write(t.join("ssh/sshd_config"), main_config(&t.join("ssh"), port)).unwrap();
    let _ = std::fs::create_dir_all("/run/sshd");
    let examples = format!("{ROOT}/packaging/");
    let etc_ssh = format!("{}/", t.join("ssh").display());
    let sshd_t = format!("{sshd} -t -f {}", t.join("ssh/sshd_config").display());
    run_block(
        "sh step=sshd",
        t,
        &[
            ("line1", user.as_str()),
            ("/usr/share/doc/shopfloor/examples/", examples.as_str()),
            ("/etc/ssh/", etc_ssh.as_str()),
            ("sshd -t", sshd_t.as_str()),
        ],
        &["systemctl reload ssh"],
    );
    // The drop-in names line1; this station's account has another name.
    let drop_in = t.join("ssh/sshd_config.d/shopfloor-kiosk.conf");
    std::fs::write(&drop_in, std::fs::read_to_string(&drop_in).unwrap().replace("line1", &user)).unwrap();
    let server = Command::new(sshd)
        .arg("-D")
        .arg("-e")
        .arg("-f")
        .arg(t.join("ssh/sshd_config"))
        .stderr(std::fs::File::create(t.join("sshd.log")).unwrap())
        .spawn()
        .unwrap();
    cleanup.children.push(server);
    wait_until("sshd to listen", Duration::from_secs(20), || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());

    // 5. The terminal: the host key pinned.
    let host_pub = std::fs::read_to_string(t.join("ssh/ssh_host_ed25519_key.pub")).unwrap();
    std::fs::write(term.join("known_hosts"), format!("[127.0.0.1]:{port} {host_pub}")).unwrap();
    let ssh = |known_hosts: &Path, extra: &[&str]| {
        let mut c = Command::new("ssh");
        c.args(["-p", &port.to_string(), "-i"])
            .arg(term.join("id_ed25519"))
            .args(["-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes", "-o"])
            .arg(format!("UserKnownHostsFile={}", known_hosts.display()))
            .arg(format!("{user}@127.0.0.1"))
            .args(extra)
            .env("HOME", t)
            .stdin(Stdio::null());
        c.output().unwrap()
    };
    // Another key for the station: the terminal refuses to connect.
    let other = host_key(&t.join("other"));
    std::fs::write(
        t.join("wrong_known_hosts"),
        format!("[127.0.0.1]:{port} {}", std::fs::read_to_string(other.with_extension("pub")).unwrap()),
    )
    .unwrap();
    let refused = ssh(&t.join("wrong_known_hosts"), &["true"]);
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("Host key verification failed"), "{refused:?}");
    // Asked to run something else, the account still gets only the kiosk (which needs a TTY).
    let forced = ssh(&term.join("known_hosts"), &["id"]);
    let said = format!("{}{}", String::from_utf8_lossy(&forced.stdout), String::from_utf8_lossy(&forced.stderr));
    assert!(!said.contains("uid="), "a command other than the kiosk ran: {said}");
    assert!(said.contains("the dashboard needs a terminal"), "{said}");

    // The terminal's loop, in a pseudo-terminal.
    std::fs::write(t.join("terminal.sh"), block("sh step=terminal")).unwrap();
    let station = format!("{user}@127.0.0.1");
    let (port_s, dir_s, home_s) = (port.to_string(), term.display().to_string(), t.display().to_string());
    let envs =
        [("STATION", station.as_str()), ("PORT", port_s.as_str()), ("DIR", dir_s.as_str()), ("HOME", home_s.as_str())];
    let script = t.join("terminal.sh");
    let mut terminal = Pty::spawn_program("/bin/sh", &[script.to_str().unwrap()], &envs, 80, 24);
    terminal.wait_text("Sign in");
    let first = lock_pid(&home).expect("the dashboard holds its lock");

    // The kiosk session's environment and signals, as the dashboard has them.
    let environ = std::fs::read(format!("/proc/{first}/environ")).unwrap();
    let environ = String::from_utf8_lossy(&environ).replace('\0', "\n");
    for var in ["LANG=C.UTF-8", "TZ=Pacific/Auckland", "SHOPFLOOR_LOG=debug"] {
        assert!(environ.lines().any(|l| l == var), "{var} in the kiosk's environment:\n{environ}");
    }
    let status = std::fs::read_to_string(format!("/proc/{first}/status")).unwrap();
    let ignored =
        status.lines().find_map(|l| l.strip_prefix("SigIgn:")).map(|m| u64::from_str_radix(m.trim(), 16).unwrap());
    for sig in [libc::SIGINT, libc::SIGQUIT, libc::SIGTSTP] {
        assert!(ignored.unwrap() & (1 << (sig - 1)) != 0, "signal {sig} is ignored by the kiosk: {status}");
    }
    let log = std::fs::read_to_string(home.join(".local/share/shopfloor/logs/shopfloor.log")).unwrap();
    assert!(log.contains("dashboard started") && log.contains("ssh_client=\"127.0.0.1\""), "{log}");
    // The station's files are private.
    let data = home.join(".local/share/shopfloor");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("journal.db")), 0o600);

    // A supervisor quits: the loop resets the terminal and connects again.
    terminal.unlock("sup-1");
    terminal.send(b"\x11"); // Ctrl-Q
    wait_until("the first dashboard to end", Duration::from_secs(20), || ended(first));
    let mut second = 0;
    wait_until("the loop to connect again", Duration::from_secs(30), || {
        second = lock_pid(&home).unwrap_or(0);
        second != 0 && second != first && !ended(second)
    });
    terminal.wait_text("Sign in");

    // The terminal freezes (its link drops without a word): sshd's keepalives end the session
    // and the dashboard with it, within a minute.
    let shell = terminal.child.process_id().unwrap();
    let clients = children_of(shell, "ssh");
    assert_eq!(clients.len(), 1, "one ssh client under the loop");
    signal(shell, libc::SIGSTOP);
    signal(clients[0], libc::SIGSTOP);
    let frozen = Instant::now();
    let sshd_log = || {
        let mut text = String::new();
        let _ = std::fs::File::open(t.join("sshd.log")).and_then(|mut f| f.read_to_string(&mut text));
        text
    };
    let timed_out = wait_until("sshd to give up on the frozen terminal", Duration::from_secs(60), || {
        sshd_log().contains("Timeout, client not responding")
    });
    wait_until("the dashboard of the frozen terminal to end", Duration::from_secs(60), || ended(second));
    let took = frozen.elapsed();
    eprintln!(
        "sshd ended the session {:.1} s and the dashboard had ended {:.1} s after its terminal froze",
        timed_out.as_secs_f64(),
        took.as_secs_f64()
    );
    assert!(took < Duration::from_secs(60), "within a minute: {took:?}");
    signal(clients[0], libc::SIGKILL);
    signal(shell, libc::SIGKILL);
    drop(cleanup);
    assert!(!home.exists(), "the temporary account is removed");
}

/// Feeds `input` to `sh -c script` run as `user`.
fn as_user(user: &str, script: &str, input: &str) {
    use std::io::Write;
    let mut c = Command::new("/usr/sbin/runuser")
        .args(["-u", user, "--", "sh", "-c", script])
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    assert!(c.wait().unwrap().success(), "runuser -u {user} -- sh -c {script:?}");
}
