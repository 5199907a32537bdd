//! A real PostgreSQL server for one test: `initdb` into a temporary directory, `pg_ctl` on a
//! free loopback port (as the `postgres` user when the tests run as root, since the server
//! refuses to run as root), stopped when dropped. The server's binaries are found on PATH or
//! under /usr/lib/postgresql/*/bin; where they are missing the test fails saying what to install.

use shopfloor::config::line_store::{LineStoreConfig, SslMode};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const MISSING: &str = "the PostgreSQL server binaries (initdb, pg_ctl, postgres) are not installed: \
    on Debian/Ubuntu `apt-get install postgresql` (they land in /usr/lib/postgresql/<version>/bin)";

pub struct Pg {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
    owner: Option<(u32, u32)>,
    running: bool,
}

fn find_bin() -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|d| d.join("pg_ctl").is_file() && d.join("initdb").is_file());
    if let Some(d) = on_path {
        return d;
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|r| {
            r.filter_map(|e| e.ok()).map(|e| e.path().join("bin")).filter(|b| b.join("pg_ctl").is_file()).collect()
        })
        .unwrap_or_default();
    versions.sort_by_key(|p| {
        p.parent().and_then(|v| v.file_name()).and_then(|v| v.to_str()).and_then(|v| v.parse::<u32>().ok()).unwrap_or(0)
    });
    versions.pop().unwrap_or_else(|| panic!("{MISSING}"))
}

/// The uid and gid to run the server as: `postgres` when we are root, else ourselves.
fn owner() -> Option<(u32, u32)> {
    // SAFETY: plain libc calls; getpwnam's result is read at once, before any other call.
    unsafe {
        if libc::geteuid() != 0 {
            return None;
        }
        let name = std::ffi::CString::new("postgres").unwrap();
        let pw = libc::getpwnam(name.as_ptr());
        if pw.is_null() {
            panic!("running as root, the test server needs the `postgres` user to run as: {MISSING}");
        }
        Some(((*pw).pw_uid, (*pw).pw_gid))
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Pg {
    /// A fresh server. fsync is off (the machine does not crash under a test), but a commit is
    /// still answered only once it is written: a stopped server keeps every answered claim.
    pub fn start() -> Pg {
        Self::start_with(&["-c", "fsync=off", "-c", "full_page_writes=off"])
    }

    /// A fresh server with these extra `postgres` options.
    pub fn start_with(options: &[&str]) -> Pg {
        let mut pg = Self::prepare(options);
        pg.start_again();
        pg
    }

    /// A fresh server that speaks TLS with a certificate for 127.0.0.1 signed by a test CA;
    /// answers the server and the CA's PEM file (made with the `openssl` command).
    pub fn start_tls() -> (Pg, PathBuf) {
        let mut pg = Self::prepare(&["-c", "fsync=off", "-c", "ssl=on"]);
        let dir = pg.dir.path().join("tls");
        std::fs::create_dir(&dir).unwrap();
        let openssl = |args: &[&str]| {
            let out = Command::new("openssl")
                .args(args)
                .current_dir(&dir)
                .output()
                .unwrap_or_else(|e| panic!("openssl: {e}: install it (Debian: apt-get install openssl)"));
            assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
        };
        std::fs::write(
            dir.join("ext.cnf"),
            "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-subj",
            "/CN=shopfloor test CA",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
        ]);
        openssl(&[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=127.0.0.1",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
        ]);
        openssl(&[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.crt",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-days",
            "2",
            "-extfile",
            "ext.cnf",
            "-out",
            "server.crt",
        ]);
        for f in ["server.crt", "server.key"] {
            let to = pg.data().join(f);
            std::fs::copy(dir.join(f), &to).unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&to, std::fs::Permissions::from_mode(0o600)).unwrap();
            if let Some((uid, gid)) = pg.owner {
                std::os::unix::fs::chown(&to, Some(uid), Some(gid)).unwrap();
            }
        }
        pg.start_again();
        (pg, dir.join("ca.crt"))
    }

    fn prepare(options: &[&str]) -> Pg {
        let bin = find_bin();
        let dir = tempfile::Builder::new().prefix("shopfloor-pg-").tempdir().unwrap();
        let owner = owner();
        let data = dir.path().join("data");
        std::fs::create_dir(&data).unwrap();
        if let Some((uid, gid)) = owner {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
            std::os::unix::fs::chown(&data, Some(uid), Some(gid)).unwrap();
        }
        let pg = Pg { dir, bin, port: free_port(), owner, running: false };
        pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap(),
                "-U",
                "postgres",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-sync",
                "--no-instructions",
            ],
        );
        let conf = data.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).unwrap();
        text.push_str(&format!(
            "\nlisten_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = ''\nmax_connections = 60\n",
            pg.port
        ));
        for pair in options.chunks(2) {
            if let [_, kv] = pair {
                let (k, v) = kv.split_once('=').unwrap();
                text.push_str(&format!("{k} = '{v}'\n"));
            }
        }
        std::fs::write(&conf, text).unwrap();
        pg
    }

    fn command(&self, tool: &str) -> Command {
        let mut c = Command::new(self.bin.join(tool));
        if let Some((uid, gid)) = self.owner {
            c.uid(uid).gid(gid);
        }
        c.current_dir(self.dir.path()).stdin(Stdio::null());
        c
    }

    fn run(&self, tool: &str, args: &[&str]) {
        let out = self.command(tool).args(args).output().unwrap_or_else(|e| panic!("{tool}: {e}; {MISSING}"));
        assert!(
            out.status.success(),
            "{tool} {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Starts the server (again, after `stop`), on the same port, and waits until it answers.
    pub fn start_again(&mut self) {
        let log = self.data().join("server.log");
        self.run(
            "pg_ctl",
            &["-D", self.data().to_str().unwrap(), "-l", log.to_str().unwrap(), "-w", "-t", "60", "start"],
        );
        self.running = true;
    }

    /// Stops the server at once, as a crash or a pulled cable would (`-m immediate`).
    pub fn stop(&mut self) {
        self.run("pg_ctl", &["-D", self.data().to_str().unwrap(), "-m", "immediate", "-w", "stop"]);
        self.running = false;
    }

    /// The settings a station (or the admin) uses to reach this server.
    pub fn config(&self, user: &str, station: &str, line: &str) -> LineStoreConfig {
        LineStoreConfig {
            host: "127.0.0.1".into(),
            port: self.port,
            user: user.into(),
            dbname: "postgres".into(),
            password: None,
            sslmode: SslMode::Disable,
            ca_file: None,
            station: station.into(),
            line: line.into(),
        }
    }

    /// The `[line_store]` section for a config file.
    pub fn section(&self, user: &str) -> String {
        format!("[line_store]\nurl = \"postgres://{user}@127.0.0.1:{}/postgres\"\nsslmode = \"disable\"\n", self.port)
    }

    /// Creates the schema as the owner and a login for each station in the station role.
    pub async fn init(&self, stations: &[&str]) {
        let (mut client, _n) = shopfloor::line_store::connect::connect(&self.config("postgres", "admin", "-"), "test")
            .await
            .expect("the test server answers");
        shopfloor::line_store::schema::init(&mut client).await.expect("the schema is created");
        for s in stations {
            client
                .batch_execute(&format!(
                    "DO $$ BEGIN CREATE ROLE \"{s}\" LOGIN IN ROLE shopfloor_station; EXCEPTION WHEN duplicate_object THEN NULL; END $$"
                ))
                .await
                .unwrap();
        }
    }

    /// A connection as the owner, for looking at what the stations wrote.
    pub async fn admin(&self) -> tokio_postgres::Client {
        shopfloor::line_store::connect::connect(&self.config("postgres", "admin", "-"), "test").await.unwrap().0
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        if self.running {
            let _ = self
                .command("pg_ctl")
                .args(["-D", self.data().to_str().unwrap_or_default(), "-m", "immediate", "-w", "stop"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
    }
}
