//! `[line_store]`: the PostgreSQL server the stations of a line share (one claim per pack, one
//! audit trail, one budget, the board). Absent, nothing changes: the station works alone.
//!
//! The password never sits in the URL or the file: it comes from `SHOPFLOOR_LINE_STORE_PASSWORD`
//! or from `password_file`, and is kept as a `Secret`.

use super::{Checker, Secret};
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// The environment variable that holds the line store's password (it wins over `password_file`).
pub const PASSWORD_ENV: &str = "SHOPFLOOR_LINE_STORE_PASSWORD";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LineStoreFile {
    /// `postgres://user@host:port/database`, without a password.
    pub url: String,
    /// A file holding the password alone (relative to the config file's folder).
    pub password_file: Option<String>,
    /// "disable", "prefer" or "require", as tokio-postgres names them.
    pub sslmode: String,
    /// PEM file of the certificate authority the server's certificate is checked against
    /// (otherwise the operating system's store). Moves to `[network] ca_file` once that exists.
    pub ca_file: Option<String>,
    /// The line this station belongs to on the board (default: `[station] packaging_line_tag`).
    pub line: Option<String>,
}

impl Default for LineStoreFile {
    fn default() -> Self {
        LineStoreFile { url: String::new(), password_file: None, sslmode: "prefer".into(), ca_file: None, line: None }
    }
}

/// Whether the connection is encrypted, as tokio-postgres names the modes. When TLS is used the
/// server's certificate is always verified (against `ca_file` or the operating system's store).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
}

#[derive(Debug, Clone)]
pub struct LineStoreConfig {
    pub host: String,
    pub port: u16,
    pub user: String,
    pub dbname: String,
    pub password: Option<Secret>,
    pub sslmode: SslMode,
    pub ca_file: Option<PathBuf>,
    /// This station's id and line, as the other stations and the board see them.
    pub station: String,
    pub line: String,
}

impl LineStoreConfig {
    /// Where the store is, for messages (never with the password).
    pub fn describe(&self) -> String {
        format!("postgres://{}@{}:{}/{}", self.user, self.host, self.port, self.dbname)
    }
}

const URL_FORM: &str =
    "\"postgres://user@host:5432/database\" (the password goes in password_file or SHOPFLOOR_LINE_STORE_PASSWORD)";

/// Checks the section (when present) and builds the runtime settings.
pub(super) fn check(
    c: &mut Checker,
    f: Option<&LineStoreFile>,
    config_path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
    station_id: &str,
    line_tag: &str,
) -> Option<LineStoreConfig> {
    let f = f?;
    const S: &str = "line_store";
    let url = match url::Url::parse(f.url.trim()) {
        Ok(u) if matches!(u.scheme(), "postgres" | "postgresql") && u.host_str().is_some_and(|h| !h.is_empty()) => u,
        Ok(_) => {
            c.push(S, "url", format!("\"{}\" is not a postgres:// address", f.url), URL_FORM);
            return None;
        }
        Err(e) => {
            // The text may hold a password: it is not repeated.
            c.push(S, "url", format!("is not a valid address ({e})"), URL_FORM);
            return None;
        }
    };
    if url.password().is_some() {
        c.push(S, "url", "holds a password, which would show in logs and on screens", URL_FORM);
        return None;
    }
    if url.query().is_some() {
        c.push(S, "url", "has options after `?`; set sslmode with its own key", URL_FORM);
    }
    let dbname = url.path().trim_start_matches('/').to_string();
    if url.username().is_empty() || dbname.is_empty() || dbname.contains('/') {
        c.push(S, "url", "needs a user and a database name", URL_FORM);
    }
    let sslmode = match f.sslmode.as_str() {
        "disable" => SslMode::Disable,
        "prefer" => SslMode::Prefer,
        "require" => SslMode::Require,
        other => {
            c.push(S, "sslmode", format!("\"{other}\" is not a mode"), "\"disable\", \"prefer\" or \"require\"");
            SslMode::Prefer
        }
    };
    let base = config_path.parent().unwrap_or(Path::new("."));
    let password = match (env(PASSWORD_ENV), f.password_file.as_deref()) {
        (Some(p), _) => Some(Secret::new(p)),
        (None, Some(file)) => {
            let p = base.join(file);
            match std::fs::read_to_string(&p) {
                Ok(text) => Some(Secret::new(text.trim_end_matches(['\n', '\r']))),
                Err(e) => {
                    c.push(
                        S,
                        "password_file",
                        format!("cannot read {}: {e}", p.display()),
                        "a file this user may read, holding the password alone",
                    );
                    None
                }
            }
        }
        (None, None) => None,
    };
    let ca_file = f.ca_file.as_deref().map(|p| base.join(p));
    if let Some(p) = &ca_file {
        if !p.is_file() {
            c.push(S, "ca_file", format!("{} is not a file", p.display()), "the path of a PEM certificate file");
        }
    }
    let line = f.line.clone().unwrap_or_else(|| line_tag.to_string());
    Some(LineStoreConfig {
        host: url.host_str().unwrap_or_default().trim_matches(['[', ']']).to_string(),
        port: url.port().unwrap_or(5432),
        user: percent_decode(url.username()),
        dbname: percent_decode(&dbname),
        password,
        sslmode,
        ca_file,
        station: station_id.to_string(),
        line,
    })
}

fn percent_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes()).next().map(|(_, v)| v.into_owned()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use crate::config::{parse, ConfigError};
    use std::path::Path;

    fn with(section: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<super::LineStoreConfig, Vec<String>> {
        let text = format!("{}\n{section}", crate::config::EXAMPLE);
        let env =
            |k: &str| env(k).or_else(|| (k.starts_with("SHOPFLOOR_") && k != super::PASSWORD_ENV).then(|| "x".into()));
        match parse(&text, Path::new("/nowhere/c.toml"), &env) {
            Ok(l) => Ok(l.config.line_store.expect("the section is read")),
            Err(ConfigError::Invalid { problems, .. }) => Err(problems.into_iter().map(|p| p.to_string()).collect()),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn a_url_with_password_from_the_environment() {
        let env = |k: &str| (k == super::PASSWORD_ENV).then(|| "s3cret".to_string());
        let c = with("[line_store]\nurl = \"postgres://station_a@db.plant:6543/line1\"\nsslmode = \"require\"", &env)
            .unwrap();
        assert_eq!(
            (c.host.as_str(), c.port, c.user.as_str(), c.dbname.as_str()),
            ("db.plant", 6543, "station_a", "line1")
        );
        assert_eq!(c.password.as_ref().map(|p| p.expose()), Some("s3cret"));
        assert_eq!(c.sslmode, super::SslMode::Require);
        assert_eq!(c.line, "test-packaging-line-1", "the line defaults to the packaging line tag");
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn a_password_in_the_url_is_refused_without_repeating_it() {
        let e = with("[line_store]\nurl = \"postgres://a:hunter2@db/line1\"", &|_| None).unwrap_err();
        assert!(e[0].contains("line_store.url") && e[0].contains("password"), "{e:?}");
        assert!(!e.concat().contains("hunter2"), "{e:?}");
    }

    #[test]
    fn bad_mode_and_missing_files_are_named() {
        let e = with(
            "[line_store]\nurl = \"postgres://a@db/l\"\nsslmode = \"verify-full\"\npassword_file = \"nope\"\nca_file = \"ca.pem\"",
            &|_| None,
        )
        .unwrap_err();
        assert_eq!(e.len(), 3, "{e:?}");
        assert!(e[0].contains("sslmode") && e[1].contains("password_file") && e[2].contains("ca_file"), "{e:?}");
    }

    #[test]
    fn a_password_file_is_read_without_its_newline() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("pw"), "p4ss\n").unwrap();
        let text = format!(
            "{}\n[line_store]\nurl = \"postgresql://a@127.0.0.1/l\"\npassword_file = \"pw\"",
            crate::config::EXAMPLE
        );
        let env = |k: &str| (k.starts_with("SHOPFLOOR_") && k != super::PASSWORD_ENV).then(|| "x".to_string());
        let c = parse(&text, &dir.path().join("c.toml"), &env).unwrap().config.line_store.unwrap();
        assert_eq!(c.password.unwrap().expose(), "p4ss");
        assert_eq!(c.port, 5432);
    }
}
