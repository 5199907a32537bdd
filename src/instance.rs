//! One dashboard per station: an exclusive `flock` on `instance.lock` in the data directory,
//! held for the dashboard's life (the kernel lets go when the process ends, however it ends).
//! The file says who holds it — pid, terminal, since when, SSH client, the operator signed in —
//! so a second dashboard can tell the person at the terminal, and, when the holder's terminal is
//! gone (a dropped SSH link that left the old process behind), the newcomer can ask it to end
//! and take over once it has. Every lock event is logged.

use rustix::fs::FlockOperation;
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::Write;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The lock file's name in the data directory.
pub const FILE_NAME: &str = "instance.lock";

/// Who holds the lock, as written into the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    /// The controlling terminal's path, e.g. `/dev/pts/3` (or "none").
    pub terminal: String,
    /// The kernel's number of that terminal (`tty_nr` in /proc), to tell whether the holder
    /// still has it; 0 when it had none.
    pub tty_nr: u64,
    /// Local time with its offset (RFC 3339).
    pub since: String,
    /// The SSH client's address, when the session came over SSH.
    pub ssh_client: Option<String>,
    pub operator: Option<String>,
}

impl Holder {
    /// This process, now.
    pub fn current() -> Holder {
        let terminal = std::fs::read_link("/proc/self/fd/0")
            .ok()
            .map(|p| p.display().to_string())
            .filter(|p| p.starts_with("/dev/"))
            .unwrap_or_else(|| "none".into());
        Holder {
            pid: std::process::id(),
            terminal,
            tty_nr: tty_nr_of("self").unwrap_or(0),
            since: chrono::Local::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, false),
            ssh_client: ssh_client(),
            operator: None,
        }
    }

    /// One line for a person: who, where, since when.
    pub fn describe(&self) -> String {
        let since = chrono::DateTime::parse_from_rfc3339(&self.since)
            .map(|t| t.format("%Y-%m-%d %H:%M (UTC%:z)").to_string())
            .unwrap_or_else(|_| self.since.clone());
        let who = match &self.operator {
            Some(op) => format!("operator {op} signed in"),
            None => "no operator signed in".into(),
        };
        let from = self.ssh_client.as_ref().map(|c| format!(", over SSH from {c}")).unwrap_or_default();
        format!("pid {} on terminal {}{from}, since {since}, {who}", self.pid, self.terminal)
    }
}

/// The SSH client's address from the session's environment (`SSH_CONNECTION`, then `SSH_CLIENT`).
pub fn ssh_client() -> Option<String> {
    ["SSH_CONNECTION", "SSH_CLIENT"].iter().find_map(|k| {
        std::env::var(k).ok().and_then(|v| v.split_whitespace().next().map(str::to_string)).filter(|s| !s.is_empty())
    })
}

/// Field 7 of /proc/<pid>/stat: the controlling terminal's device number (0: none).
fn tty_nr_of(pid: &str) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The command name is in parentheses and may hold anything; the fields follow the last ')'.
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(4)?.parse().ok()
}

fn comm_of(pid: u32) -> Option<String> {
    std::fs::read_to_string(format!("/proc/{pid}/comm")).ok().map(|s| s.trim().to_string())
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("cannot open the instance lock {}: {source}. Check that the data directory is this user's and writable", .path.display())]
    Open { path: PathBuf, source: std::io::Error },
    #[error("cannot lock {}: {source}", .path.display())]
    Lock { path: PathBuf, source: std::io::Error },
}

/// The lock as another process finds it.
#[derive(Debug, Clone)]
pub struct HeldBy {
    /// What the holder wrote; `None` if the file could not be read (it is being rewritten).
    pub holder: Option<Holder>,
}

impl HeldBy {
    /// The holder's terminal no longer exists or was hung up: nobody can use that dashboard.
    pub fn terminal_gone(&self) -> bool {
        let Some(h) = &self.holder else { return false };
        match tty_nr_of(&h.pid.to_string()) {
            // The process is gone already; the lock is about to be free.
            None => true,
            // A hang-up takes the terminal away from every process of its session.
            Some(now) => h.tty_nr != 0 && now != h.tty_nr,
        }
    }

    pub fn describe(&self) -> String {
        match &self.holder {
            Some(h) => h.describe(),
            None => "another process (its details could not be read)".into(),
        }
    }
}

struct Inner {
    file: File,
    path: PathBuf,
    holder: Mutex<Holder>,
}

impl Inner {
    fn write(&self, h: &Holder) -> std::io::Result<()> {
        let mut text = serde_json::to_string(h).map_err(std::io::Error::other)?;
        text.push('\n');
        self.file.set_len(0)?;
        self.file.write_all_at(text.as_bytes(), 0)?;
        Ok(())
    }
}

/// The held lock; dropping it (or the process ending) lets go.
pub struct InstanceLock(Arc<Inner>);

/// The lock this process holds, for [`set_operator`].
static ACTIVE: Mutex<Option<Arc<Inner>>> = Mutex::new(None);

impl InstanceLock {
    /// Takes the lock of `data_dir` if nobody holds it; otherwise says who does.
    pub fn try_acquire(data_dir: &Path) -> Result<Result<InstanceLock, HeldBy>, LockError> {
        Self::acquire(data_dir, true)
    }

    /// `log_held`: whether finding it held is worth a log line (not on every retry of a takeover).
    fn acquire(data_dir: &Path, log_held: bool) -> Result<Result<InstanceLock, HeldBy>, LockError> {
        let path = data_dir.join(FILE_NAME);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|source| LockError::Open { path: path.clone(), source })?;
        match rustix::fs::flock(&file, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => {
                let holder = read_holder(&path);
                if !log_held {
                    return Ok(Err(HeldBy { holder }));
                }
                tracing::info!(
                    target: "shopfloor::instance",
                    holder_pid = holder.as_ref().map(|h| h.pid),
                    "instance lock is held by another dashboard: {}",
                    holder.as_ref().map(Holder::describe).unwrap_or_else(|| "unreadable".into())
                );
                return Ok(Err(HeldBy { holder }));
            }
            Err(e) => return Err(LockError::Lock { path, source: e.into() }),
        }
        let holder = Holder::current();
        let inner = Arc::new(Inner { file, path, holder: Mutex::new(holder.clone()) });
        if let Err(e) = inner.write(&holder) {
            // The lock itself holds; only the note for others is missing.
            tracing::warn!(target: "shopfloor::instance", "instance lock taken but its details could not be written: {e}");
        }
        tracing::info!(
            target: "shopfloor::instance",
            pid = holder.pid,
            terminal = %holder.terminal,
            "instance lock taken: {}",
            inner.path.display()
        );
        *ACTIVE.lock().unwrap_or_else(|e| e.into_inner()) = Some(inner.clone());
        Ok(Ok(InstanceLock(inner)))
    }

    /// Records who is signed in (`None`: nobody), for a second dashboard to name.
    pub fn set_operator(&self, operator: Option<&str>) {
        self.0.set_operator(operator);
    }

    pub fn holder(&self) -> Holder {
        self.0.holder.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Inner {
    fn set_operator(&self, operator: Option<&str>) {
        let mut h = self.holder.lock().unwrap_or_else(|e| e.into_inner());
        if h.operator.as_deref() == operator {
            return;
        }
        h.operator = operator.map(str::to_string);
        match self.write(&h) {
            Ok(()) => {
                tracing::info!(target: "shopfloor::instance", operator = ?h.operator, "instance lock: operator recorded")
            }
            Err(e) => {
                tracing::warn!(target: "shopfloor::instance", "instance lock: the operator could not be recorded: {e}")
            }
        }
    }
}

impl Drop for InstanceLock {
    fn drop(&mut self) {
        let mut active = ACTIVE.lock().unwrap_or_else(|e| e.into_inner());
        if active.as_ref().is_some_and(|a| Arc::ptr_eq(a, &self.0)) {
            *active = None;
        }
        // Nobody holds it now: the file should not name a process that has gone.
        let _ = self.0.file.set_len(0);
        tracing::info!(target: "shopfloor::instance", "instance lock released: {}", self.0.path.display());
    }
}

/// Records the operator in the lock this process holds; does nothing when it holds none.
/// The dashboard calls it on every sign-in, hand-over and sign-out.
pub fn set_operator(operator: Option<&str>) {
    let active = ACTIVE.lock().unwrap_or_else(|e| e.into_inner()).clone();
    if let Some(inner) = active {
        inner.set_operator(operator);
    }
}

fn read_holder(path: &Path) -> Option<Holder> {
    // The holder rewrites the file in two steps (truncate, write): try again briefly.
    for _ in 0..5 {
        if let Some(h) = std::fs::read_to_string(path).ok().and_then(|t| serde_json::from_str(t.trim()).ok()) {
            return Some(h);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

#[derive(Debug, thiserror::Error)]
pub enum TakeOverError {
    #[error(
        "the holder's details cannot be read, so it cannot be asked to end; look for it with `ps -u $USER` and end it"
    )]
    Unknown,
    #[error("pid {0} is not a shopfloor process any more; start again")]
    NotShopfloor(u32),
    #[error("cannot signal pid {pid}: {source}. Ask IT to end it (`kill {pid}`)")]
    Signal { pid: u32, source: std::io::Error },
    #[error("pid {pid} did not end within {} s. Ask IT to end it (`kill -9 {pid}`), then start again", .waited.as_secs())]
    StillRunning { pid: u32, waited: Duration },
    #[error(transparent)]
    Lock(#[from] LockError),
}

/// Asks the holder to end (SIGHUP and SIGTERM, and SIGCONT should it be stopped), waits until
/// it has ended and let go, and takes the lock. Only for a holder whose terminal is gone.
pub fn take_over(data_dir: &Path, held: &HeldBy, wait: Duration) -> Result<InstanceLock, TakeOverError> {
    use rustix::process::{kill_process, Pid, Signal};
    let h = held.holder.as_ref().ok_or(TakeOverError::Unknown)?;
    // The file names the lock's holder while the lock is held; still, never signal a stranger.
    if let Some(comm) = comm_of(h.pid) {
        if comm != "shopfloor" {
            return Err(TakeOverError::NotShopfloor(h.pid));
        }
        let pid = i32::try_from(h.pid).ok().and_then(Pid::from_raw).ok_or(TakeOverError::NotShopfloor(h.pid))?;
        tracing::warn!(
            target: "shopfloor::instance",
            holder_pid = h.pid,
            holder_terminal = %h.terminal,
            "instance lock: taking over from a dashboard whose terminal is gone; asking it to end"
        );
        for sig in [Signal::HUP, Signal::TERM, Signal::CONT] {
            match kill_process(pid, sig) {
                Ok(()) | Err(rustix::io::Errno::SRCH) => {}
                Err(e) => return Err(TakeOverError::Signal { pid: h.pid, source: e.into() }),
            }
        }
    }
    let started = Instant::now();
    loop {
        if let Ok(lock) = InstanceLock::acquire(data_dir, false)? {
            tracing::info!(
                target: "shopfloor::instance",
                previous_pid = h.pid,
                waited_ms = started.elapsed().as_millis() as u64,
                "instance lock taken over"
            );
            return Ok(lock);
        }
        if started.elapsed() >= wait {
            tracing::error!(target: "shopfloor::instance", holder_pid = h.pid, "instance lock: the holder did not end; not taken over");
            return Err(TakeOverError::StillRunning { pid: h.pid, waited: wait });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Asks on the terminal (before it changes mode) whether to take over; reads one line.
pub fn ask_take_over(held: &HeldBy) -> bool {
    let mut err = std::io::stderr();
    let _ = write!(
        err,
        "Its terminal is gone (the connection dropped), so nobody can use it.\nEnd it and start here instead? [y/N] "
    );
    let _ = err.flush();
    let mut answer = String::new();
    let yes = std::io::stdin().read_line(&mut answer).is_ok() && matches!(answer.trim(), "y" | "Y" | "yes" | "Yes");
    tracing::info!(
        target: "shopfloor::instance",
        holder_pid = held.holder.as_ref().map(|h| h.pid),
        take_over = yes,
        "instance lock: asked whether to take over"
    );
    yes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_names_the_first_and_is_free_after_it_drops() {
        let dir = tempfile::tempdir().unwrap();
        let first = InstanceLock::try_acquire(dir.path()).unwrap().expect("free at first");
        first.set_operator(Some("op-117"));
        let held = InstanceLock::try_acquire(dir.path()).unwrap().err().expect("held by the first");
        let h = held.holder.clone().unwrap();
        assert_eq!((h.pid, h.operator.as_deref()), (std::process::id(), Some("op-117")));
        assert!(held.describe().contains("operator op-117 signed in"), "{}", held.describe());
        // This process still has its terminal (or never had one): not gone.
        assert!(!held.terminal_gone());
        set_operator(None);
        let again = InstanceLock::try_acquire(dir.path()).unwrap().err().unwrap();
        assert_eq!(again.holder.unwrap().operator, None);
        drop(first);
        assert!(InstanceLock::try_acquire(dir.path()).unwrap().is_ok());
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join(FILE_NAME)).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn a_holder_whose_terminal_changed_or_ended_counts_as_gone() {
        let mut h = Holder::current();
        h.pid = u32::MAX - 7;
        assert!(HeldBy { holder: Some(h.clone()) }.terminal_gone(), "no such process");
        h.pid = std::process::id();
        h.tty_nr = tty_nr_of("self").unwrap() + 12345;
        assert!(HeldBy { holder: Some(h) }.terminal_gone());
        assert!(!HeldBy { holder: None }.terminal_gone());
    }

    #[test]
    fn the_description_names_pid_terminal_time_and_operator() {
        let h = Holder {
            pid: 4242,
            terminal: "/dev/pts/7".into(),
            tty_nr: 34823,
            since: "2026-11-21T06:02:00+01:00".into(),
            ssh_client: Some("10.1.2.3".into()),
            operator: None,
        };
        assert_eq!(
            h.describe(),
            "pid 4242 on terminal /dev/pts/7, over SSH from 10.1.2.3, since 2026-11-21 06:02 (UTC+01:00), no operator signed in"
        );
    }
}
