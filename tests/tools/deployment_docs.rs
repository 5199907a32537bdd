//! The README's deployment snippets are checked by the tools that read them: the sshd `Match`
//! block with `sshd -t -f`, the `authorized_keys` line with `ssh-keygen -l -f`, the systemd
//! drop-in with `systemd-analyze verify`. A tool that is not installed is reported and skipped;
//! the snippets themselves are always found and checked for what they must contain.

use std::path::Path;
use std::process::Command;

/// The body of the README's fenced block with this info string.
fn block(info: &str) -> String {
    let readme = include_str!("../../README.md");
    let fence = format!("```{info}\n");
    let start = readme.find(&fence).unwrap_or_else(|| panic!("the README has a ```{info} block")) + fence.len();
    let end = readme[start..].find("```").expect("the block ends") + start;
    // The README indents blocks inside a list; the files do not need it.
    readme[start..end].lines().map(|l| l.strip_prefix("   ").unwrap_or(l)).collect::<Vec<_>>().join("\n") + "\n"
}

fn tool(path: &str) -> Option<&str> {
    Path::new(path).exists().then_some(path)
}

#[test]
fn the_sshd_match_block_passes_sshd_t() {
    let snippet = block("sshd_config");
    for must in ["Match User line1", "ForceCommand /usr/local/bin/shopfloor --kiosk", "AllowTcpForwarding no"] {
        assert!(snippet.contains(must), "{must} in {snippet}");
    }
    let Some(sshd) = tool("/usr/sbin/sshd") else {
        eprintln!("sshd is not installed: the Match block was not run through sshd -t");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("host_key");
    let made = Command::new("ssh-keygen").args(["-q", "-t", "ed25519", "-N", "", "-f"]).arg(&key).status().unwrap();
    assert!(made.success());
    let config = dir.path().join("sshd_config");
    std::fs::write(&config, format!("HostKey {}\nPidFile none\n\n{snippet}", key.display())).unwrap();
    // sshd -t wants its privilege separation directory even when only testing.
    let _ = std::fs::create_dir_all("/run/sshd");
    let out = Command::new(sshd).arg("-t").arg("-f").arg(&config).output().unwrap();
    assert!(out.status.success(), "sshd -t: {}", String::from_utf8_lossy(&out.stderr));
    // The check is real: a misspelt directive fails it.
    std::fs::write(&config, format!("HostKey {}\n\n{snippet}    ForceComand x\n", key.display())).unwrap();
    assert!(!Command::new(sshd).arg("-t").arg("-f").arg(&config).output().unwrap().status.success());
}

#[test]
fn the_authorized_keys_line_parses() {
    let line = block("authorized_keys");
    assert!(line.starts_with("restrict,pty,command=\"/usr/local/bin/shopfloor --kiosk\" ssh-ed25519 "), "{line}");
    if tool("/usr/bin/ssh-keygen").is_none() {
        eprintln!("ssh-keygen is not installed: the authorized_keys line was not parsed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("authorized_keys");
    std::fs::write(&file, &line).unwrap();
    let out = Command::new("ssh-keygen").arg("-l").arg("-f").arg(&file).output().unwrap();
    assert!(out.status.success(), "ssh-keygen -l: {}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("line1-terminal (ED25519)"));
}

#[test]
fn the_systemd_drop_in_verifies() {
    let drop_in = block("systemd");
    assert!(drop_in.contains("ExecStart=\nExecStart=-/sbin/agetty --autologin line1"), "{drop_in}");
    let (Some(analyze), Some(_)) = (tool("/usr/bin/systemd-analyze"), tool("/lib/systemd/system/getty@.service"))
    else {
        eprintln!("systemd is not installed: the drop-in was not verified");
        return;
    };
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
    let _ = std::fs::copy("/sbin/agetty", root.path().join("sbin/agetty"));
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
