//! Configuration: where the file is looked up, how it is read, and the validated settings the
//! rest of the program uses.
//!
//! Everything is checked before the terminal changes mode, and every problem names the file,
//! the line, the key and the form that was expected, so a plant's IT person can fix it blind.

pub mod access;
pub mod file;
pub mod keys;
pub mod line_store;
pub mod secret;
pub mod theme;

use file::{FileConfig, HeaderStyle, PathsFile, TagFile, TokenMode};
pub use keys::KeyMap;
pub use secret::Secret;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;
pub use theme::Theme;
use url::Url;

/// Environment variables that may hold secrets instead of the file (they win over the file).
pub mod env_vars {
    pub const CONFIG: &str = "SHOPFLOOR_CONFIG";
    pub const MANUFACTURER_TOKEN: &str = "SHOPFLOOR_MANUFACTURER_TOKEN";
    pub const MANUFACTURER_API_KEY: &str = "SHOPFLOOR_MANUFACTURER_API_KEY";
    pub const MANUFACTURER_API_SECRET: &str = "SHOPFLOOR_MANUFACTURER_API_SECRET";
    pub const MANUFACTURER_CHANNEL_KEY: &str = "SHOPFLOOR_MANUFACTURER_CHANNEL_KEY";
    pub const PRODUCTION_API_KEY: &str = "SHOPFLOOR_PRODUCTION_API_KEY";
    pub const PRODUCTION_STORE: &str = "SHOPFLOOR_PRODUCTION_STORE";
}

/// The commented example, also printed by `print-default-config`.
pub const EXAMPLE: &str = include_str!("../../config.example.toml");

#[derive(Debug, Clone)]
pub struct Config {
    /// The file the settings came from (`None` for demo mode).
    pub source: Option<PathBuf>,
    pub station: Station,
    pub manufacturer: ManufacturerConfig,
    pub production: ProductionConfig,
    pub ui: UiConfig,
    pub keys: KeyMap,
    pub labels: Labels,
    pub scanner: crate::scan::wedge::WedgeConfig,
    pub scan: ScanConfig,
    pub kiosk: access::KioskConfig,
    pub signin: access::SigninConfig,
    /// The line store shared by the line's stations; `None`: this station works alone.
    pub line_store: Option<line_store::LineStoreConfig>,
}

#[derive(Debug, Clone)]
pub struct ScanConfig {
    pub batch_size: usize,
    pub max_wait: Duration,
    pub block_on_alarm: bool,
    pub bell: bool,
    pub ack_barcode: String,
    pub order_barcode_prefix: String,
    pub requisites: bool,
}

impl From<&file::ScanFile> for ScanConfig {
    fn from(f: &file::ScanFile) -> Self {
        ScanConfig {
            batch_size: f.batch_size.clamp(1, 10_000),
            max_wait: Duration::from_millis(f.max_wait_ms),
            block_on_alarm: f.block_on_alarm,
            bell: f.bell,
            ack_barcode: f.ack_barcode.clone(),
            order_barcode_prefix: f.order_barcode_prefix.clone(),
            requisites: f.requisites,
        }
    }
}

/// The settings of a config file that leaves `[scan]` out.
impl Default for ScanConfig {
    fn default() -> Self {
        ScanConfig::from(&file::ScanFile::default())
    }
}

#[derive(Debug, Clone)]
pub struct UiConfig {
    pub theme: Theme,
    pub refresh: Duration,
}

/// The label destinations and templates offered in the label order form.
#[derive(Debug, Clone, Default)]
pub struct Labels {
    pub destinations: Vec<TagFile>,
    pub templates: Vec<TagFile>,
}

#[derive(Debug, Clone)]
pub struct Station {
    pub id: String,
    pub packaging_line_tag: String,
}

#[derive(Debug, Clone)]
pub enum ManufacturerAuth {
    Static { token: Secret },
    Dynamic { api_key: Secret, api_secret: Secret },
}

#[derive(Debug, Clone)]
pub struct ManufacturerConfig {
    /// Always ends with `/`, so endpoint paths join under it.
    pub base_url: Url,
    pub auth_url: Url,
    pub auth: ManufacturerAuth,
    pub token_field: String,
    pub token_renew_after: Duration,
    pub header_style: HeaderStyle,
    pub channel_key: Secret,
    pub timeout: Duration,
    pub paths: PathsFile,
}

#[derive(Debug, Clone)]
pub struct ProductionConfig {
    pub base_url: Url,
    pub api_key: Secret,
    pub store: Secret,
    pub requests_per_minute: u32,
    pub timeout: Duration,
    /// Program and arguments the saved picking-list PDF's path is appended to.
    pub print_command: Option<Vec<String>>,
}

/// Splits a command line into words: blanks separate, single or double quotes keep blanks in
/// a word. No shell runs it, so nothing else is special. `None` when a quote is left open.
pub fn split_command(cmd: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for ch in cmd.chars() {
        match (quote, ch) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '\'' | '"') => {
                quote = Some(ch);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if quote.is_some() {
        return None;
    }
    if in_word {
        words.push(word);
    }
    Some(words)
}

/// One thing wrong in a config file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub line: Option<usize>,
    pub key: String,
    pub message: String,
    pub expected: String,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("no config file found (looked in: {}). Write one with `shopfloor print-default-config > FILE` and pass it with --config FILE, or try the dashboard with --demo", list_paths(.looked))]
    NotFound { looked: Vec<PathBuf> },
    #[error("cannot read config file {}: {source}. Check the path and that this user may read it", .path.display())]
    Read { path: PathBuf, source: std::io::Error },
    #[error("{}", describe_problems(.path, .problems))]
    Invalid { path: PathBuf, problems: Vec<Problem> },
}

fn list_paths(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

fn describe_problems(path: &Path, problems: &[Problem]) -> String {
    let mut out = format!(
        "config file {} has {} problem{}:",
        path.display(),
        problems.len(),
        if problems.len() == 1 { "" } else { "s" }
    );
    for p in problems {
        let at = p.line.map(|l| format!("line {l}, ")).unwrap_or_default();
        out.push_str(&format!("\n  {}: {at}key `{}`: {}", path.display(), p.key, p.message));
        if !p.expected.is_empty() {
            out.push_str(&format!("\n      expected: {}", p.expected));
        }
    }
    out
}

/// A config that loaded, with what the operator should still hear about.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<String>,
}

/// Where the config file is: `--config`, then `SHOPFLOOR_CONFIG`, then the platform's config
/// directory. Returns the candidates in order; the first is the one to use if it exists.
pub fn candidates(explicit: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Vec<PathBuf> {
    if let Some(p) = explicit {
        return vec![p.to_path_buf()];
    }
    if let Some(p) = env(env_vars::CONFIG).filter(|s| !s.is_empty()) {
        return vec![PathBuf::from(p)];
    }
    directories::ProjectDirs::from("", "", "shopfloor")
        .map(|d| vec![d.config_dir().join("config.toml")])
        .unwrap_or_default()
}

/// Reads the process environment, ignoring empty values.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// Finds, reads and validates the config file.
pub fn load(explicit: Option<&Path>, env: &dyn Fn(&str) -> Option<String>) -> Result<Loaded, ConfigError> {
    let looked = candidates(explicit, env);
    let path = match looked.first() {
        Some(p) if explicit.is_some() || p.exists() => p.clone(),
        _ => return Err(ConfigError::NotFound { looked }),
    };
    let src = std::fs::read_to_string(&path).map_err(|source| ConfigError::Read { path: path.clone(), source })?;
    let mut loaded = parse(&src, &path, env)?;
    if let Some(w) = permission_warning(&path, &src) {
        loaded.warnings.push(w);
    }
    Ok(loaded)
}

/// Parses and validates config text; `path` is only used in messages.
pub fn parse(src: &str, path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Loaded, ConfigError> {
    let file: FileConfig = toml::from_str(src)
        .map_err(|e| ConfigError::Invalid { path: path.to_path_buf(), problems: vec![problem_from_toml(src, &e)] })?;
    validate(file, src, path, env)
        .map(|config| Loaded { config: Config { source: Some(path.to_path_buf()), ..config }, warnings: Vec::new() })
        .map_err(|problems| ConfigError::Invalid { path: path.to_path_buf(), problems })
}

fn problem_from_toml(src: &str, e: &toml::de::Error) -> Problem {
    let line = e.span().map(|s| line_of(src, s.start));
    let message = plain_types(e.message().trim());
    let expected = if message.contains("expected") {
        String::new()
    } else {
        "valid TOML: `key = value` lines under `[section]` headers, text in double quotes".to_string()
    };
    Problem { line, key: line.map(|l| key_at_line(src, l)).unwrap_or_default(), message, expected }
}

/// Serde names types the way Rust does; say them the way a config author would.
fn plain_types(message: &str) -> String {
    let mut m = message.to_string();
    for (rust, plain) in [
        ("expected u64", "expected a whole number (without quotes)"),
        ("expected u32", "expected a whole number (without quotes)"),
        ("expected i64", "expected a whole number (without quotes)"),
        ("expected f64", "expected a number (without quotes)"),
        ("expected a boolean", "expected true or false (without quotes)"),
    ] {
        m = m.replace(rust, plain);
    }
    m
}

/// 1-based line of a byte offset.
fn line_of(src: &str, offset: usize) -> usize {
    src.as_bytes()[..offset.min(src.len())].iter().filter(|b| **b == b'\n').count() + 1
}

/// The dotted key named on a line: the current `[table]` plus the text before `=`.
fn key_at_line(src: &str, line: usize) -> String {
    let mut table = String::new();
    for (i, text) in src.lines().enumerate() {
        let t = text.trim();
        if let Some(h) = t.strip_prefix('[') {
            table = h.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            if i + 1 == line {
                return table;
            }
            continue;
        }
        if i + 1 == line {
            let key = t.split('=').next().unwrap_or("").trim();
            return match (table.is_empty(), key.is_empty()) {
                (_, true) => table,
                (true, false) => key.to_string(),
                (false, false) => format!("{table}.{key}"),
            };
        }
    }
    table
}

/// The line on which `section.key` is set, if it is set in the file at all.
fn find_key_line(src: &str, section: &str, key: &str) -> Option<usize> {
    let mut table = String::new();
    let dotted = format!("{section}.{key}");
    for (i, text) in src.lines().enumerate() {
        let t = text.trim();
        if t.starts_with('[') {
            table = t.trim_matches(|c| c == '[' || c == ']').trim().to_string();
            continue;
        }
        let name = t.split('=').next().unwrap_or("").trim();
        if (table == section && name == key) || (table.is_empty() && name == dotted) {
            return Some(i + 1);
        }
    }
    None
}

struct Checker<'a> {
    src: &'a str,
    problems: Vec<Problem>,
}

impl Checker<'_> {
    fn push(&mut self, section: &str, key: &str, message: impl Into<String>, expected: impl Into<String>) {
        self.problems.push(Problem {
            line: find_key_line(self.src, section, key),
            key: format!("{section}.{key}"),
            message: message.into(),
            expected: expected.into(),
        });
    }

    fn url(&mut self, section: &str, key: &str, value: &str) -> Option<Url> {
        let expected = "an http:// or https:// address, e.g. \"https://api.example.com/v1/\"";
        match Url::parse(value) {
            Ok(u) if (u.scheme() == "http" || u.scheme() == "https") && u.host().is_some() => {
                // Endpoint paths are joined under the base; without a trailing slash the last
                // segment would be replaced instead.
                let mut u = u;
                if !u.path().ends_with('/') {
                    let p = format!("{}/", u.path());
                    u.set_path(&p);
                }
                Some(u)
            }
            Ok(_) => {
                self.push(section, key, format!("\"{value}\" is not a web address"), expected);
                None
            }
            Err(e) => {
                self.push(section, key, format!("\"{value}\" is not a valid address ({e})"), expected);
                None
            }
        }
    }

    fn secret(
        &mut self,
        section: &str,
        key: &str,
        from_file: Option<Secret>,
        var: &str,
        env: &dyn Fn(&str) -> Option<String>,
        why: &str,
    ) -> Secret {
        if let Some(v) = env(var) {
            return Secret::new(v);
        }
        match from_file {
            Some(s) if !s.is_empty() => s,
            _ => {
                self.push(
                    section,
                    key,
                    format!("is missing; {why}"),
                    format!("`{key} = \"...\"` under [{section}], or the environment variable {var}"),
                );
                Secret::new("")
            }
        }
    }

    fn timeout(&mut self, section: &str, secs: u64) -> Duration {
        if !(1..=300).contains(&secs) {
            self.push(
                section,
                "timeout_secs",
                format!("{secs} is out of range"),
                "a whole number of seconds, 1 to 300",
            );
        }
        Duration::from_secs(secs.clamp(1, 300))
    }
}

fn validate(
    f: FileConfig,
    src: &str,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Config, Vec<Problem>> {
    let mut c = Checker { src, problems: Vec::new() };

    for (key, value) in [("id", &f.station.id), ("packaging_line_tag", &f.station.packaging_line_tag)] {
        if value.trim().is_empty() {
            c.push("station", key, "is missing", "a non-empty text, e.g. \"line-1-station-a\"");
        }
    }

    let m = f.manufacturer;
    let base_url = c.url("manufacturer", "base_url", &m.base_url);
    let auth_url = match (&m.auth_url, &base_url) {
        (Some(a), _) => c.url("manufacturer", "auth_url", a).map(|mut u| {
            // The auth endpoint is a full path, not a base.
            let p = u.path().trim_end_matches('/').to_string();
            u.set_path(&p);
            u
        }),
        (None, Some(b)) => b.join("/v1/api_auth").ok(),
        (None, None) => None,
    };
    let auth = match m.token_mode {
        TokenMode::Static => ManufacturerAuth::Static {
            token: c.secret(
                "manufacturer",
                "token",
                m.token,
                env_vars::MANUFACTURER_TOKEN,
                env,
                "token_mode = \"static\" needs the static token from the tenant dashboard",
            ),
        },
        TokenMode::Dynamic => ManufacturerAuth::Dynamic {
            api_key: c.secret(
                "manufacturer",
                "api_key",
                m.api_key,
                env_vars::MANUFACTURER_API_KEY,
                env,
                "token_mode = \"dynamic\" needs the API key",
            ),
            api_secret: c.secret(
                "manufacturer",
                "api_secret",
                m.api_secret,
                env_vars::MANUFACTURER_API_SECRET,
                env,
                "token_mode = \"dynamic\" needs the API secret",
            ),
        },
    };
    let channel_key = c.secret(
        "manufacturer",
        "channel_key",
        m.channel_key,
        env_vars::MANUFACTURER_CHANNEL_KEY,
        env,
        "every call carries the key of the Manufacturer V2 API channel",
    );
    if m.token_field.trim().is_empty() {
        c.push(
            "manufacturer",
            "token_field",
            "is empty",
            "the JSON field of the auth answer holding the token, e.g. \"token\"",
        );
    }
    if !(60..=86_400).contains(&m.token_renew_after_secs) {
        c.push(
            "manufacturer",
            "token_renew_after_secs",
            format!("{} is out of range", m.token_renew_after_secs),
            "seconds between 60 and 86400 (a dynamic token is valid for one day)",
        );
    }
    let m_timeout = c.timeout("manufacturer", m.timeout_secs);
    let paths = m.paths;
    for (key, value) in [
        ("packaging_order_details", &paths.packaging_order_details),
        ("open_packaging_orders", &paths.open_packaging_orders),
        ("create_packaging_order", &paths.create_packaging_order),
        ("commission", &paths.commission),
        ("decommission", &paths.decommission),
        ("label_orders", &paths.label_orders),
    ] {
        if value.trim().is_empty() || value.starts_with('/') || value.contains("://") {
            c.push(
                "manufacturer.paths",
                key,
                format!("\"{value}\" is not a path relative to base_url"),
                "a relative path such as \"serials/commission\" (no leading slash, no host)",
            );
        }
    }

    let p = f.production;
    let p_base = c.url("production", "base_url", &p.base_url);
    let p_key = c.secret(
        "production",
        "api_key",
        p.api_key,
        env_vars::PRODUCTION_API_KEY,
        env,
        "the Production orders API authenticates machines with an API key",
    );
    let store = c.secret(
        "production",
        "store",
        p.store,
        env_vars::PRODUCTION_STORE,
        env,
        "every call names the store the API key belongs to",
    );
    if !(1..=200).contains(&p.requests_per_minute) {
        c.push(
            "production",
            "requests_per_minute",
            format!("{} is out of range", p.requests_per_minute),
            "a whole number from 1 to 200 (the API refuses more than 200 a minute)",
        );
    }
    let p_timeout = c.timeout("production", p.timeout_secs);
    let print_command = match p.print_command.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(cmd) => match split_command(cmd) {
            Some(words) => Some(words),
            None => {
                c.push(
                    "production",
                    "print_command",
                    format!("\"{cmd}\" has an unclosed quote"),
                    "a program and its arguments, e.g. \"lp -d pick-printer\" (the PDF's path is added at the end)",
                );
                None
            }
        },
    };

    let theme = match load_theme(&f.ui.theme, path) {
        Ok(t) if env("NO_COLOR").is_some() => Some(t.without_colour()),
        Ok(t) => Some(t),
        Err(e) => {
            c.push("ui", "theme", e, "default, high-contrast, mono, or the path of a theme file");
            None
        }
    };
    if !(5..=3_600).contains(&f.ui.refresh_secs) {
        c.push("ui", "refresh_secs", format!("{} is out of range", f.ui.refresh_secs), "seconds between 5 and 3600");
    }
    let keys = match KeyMap::build(&f.keys) {
        Ok(k) => Some(k),
        Err(errors) => {
            for (key, message, expected) in errors {
                c.push("keys", &key, message, expected);
            }
            None
        }
    };
    for (list, what) in [(&f.labels.destinations, "destinations"), (&f.labels.templates, "templates")] {
        let mut seen = std::collections::BTreeSet::new();
        for t in list {
            if t.tag.trim().is_empty() || !seen.insert(t.tag.clone()) {
                c.problems.push(Problem {
                    line: None,
                    key: format!("labels.{what}"),
                    message: format!("tag \"{}\" is empty or listed twice", t.tag),
                    expected: "each [[labels.{what}]] with its own non-empty tag".replace("{what}", what),
                });
            }
        }
    }

    let suffix = match f.scanner.suffix.as_str() {
        "enter" => crate::scan::wedge::Suffix::Enter,
        "tab" => crate::scan::wedge::Suffix::Tab,
        "lf" => crate::scan::wedge::Suffix::Lf,
        other => {
            c.push("scanner", "suffix", format!("\"{other}\" is not a suffix"), "\"enter\", \"tab\" or \"lf\"");
            crate::scan::wedge::Suffix::Enter
        }
    };
    let separator = crate::scan::wedge::Separator::parse(&f.scanner.separator).unwrap_or_else(|e| {
        c.push("scanner", "separator", e, "\"gs\", \"ctrl+]\", \"f8\" or one character such as \"|\"");
        crate::scan::wedge::Separator::Gs
    });
    if !(1..=10_000).contains(&f.scan.batch_size) {
        c.push(
            "scan",
            "batch_size",
            format!("{} is out of range", f.scan.batch_size),
            "a whole number from 1 to 10000",
        );
    }
    if !(10..=60_000).contains(&f.scan.max_wait_ms) {
        c.push(
            "scan",
            "max_wait_ms",
            format!("{} is out of range", f.scan.max_wait_ms),
            "milliseconds from 10 to 60000",
        );
    }
    let scanner = crate::scan::wedge::WedgeConfig { prefix: f.scanner.prefix.clone(), suffix, separator };
    let scan = ScanConfig::from(&f.scan);

    let (kiosk, signin) = check_access(&mut c, &f.kiosk, &f.signin, &f.operators);
    let line_store = line_store::check(&mut c, f.line_store.as_ref(), path, env, &f.station);

    match (c.problems.is_empty(), base_url, auth_url, p_base, theme, keys) {
        (true, Some(base_url), Some(auth_url), Some(p_base), Some(theme), Some(keys)) => Ok(Config {
            source: None,
            station: Station { id: f.station.id, packaging_line_tag: f.station.packaging_line_tag },
            manufacturer: ManufacturerConfig {
                base_url,
                auth_url,
                auth,
                token_field: m.token_field,
                token_renew_after: Duration::from_secs(m.token_renew_after_secs),
                header_style: m.header_style,
                channel_key,
                timeout: m_timeout,
                paths,
            },
            production: ProductionConfig {
                base_url: p_base,
                api_key: p_key,
                store,
                requests_per_minute: p.requests_per_minute,
                timeout: p_timeout,
                print_command,
            },
            ui: UiConfig { theme, refresh: Duration::from_secs(f.ui.refresh_secs) },
            keys,
            labels: Labels { destinations: f.labels.destinations, templates: f.labels.templates },
            scanner,
            scan,
            kiosk,
            signin,
            line_store,
        }),
        _ => Err(c.problems),
    }
}

fn check_access(
    c: &mut Checker,
    k: &access::KioskFile,
    s: &access::SigninFile,
    ops: &[access::OperatorFile],
) -> (access::KioskConfig, access::SigninConfig) {
    for t in &k.tabs {
        if !access::TAB_NAMES.contains(&t.as_str()) {
            c.push("kiosk", "tabs", format!("\"{t}\" is not a tab"), "a list of packaging, labels, production, scan");
        }
    }
    let expected_hash = "an Argon2 hash as printed by `shopfloor hash-pin` (\"$argon2id$v=19$...\")";
    if let Some(h) = &k.supervisor_pin_hash {
        if let Err(e) = access::check_hash(h.expose()) {
            c.push("kiosk", "supervisor_pin_hash", e, expected_hash);
        }
    } else if k.enabled {
        c.push(
            "kiosk",
            "supervisor_pin_hash",
            "kiosk mode is on but no supervisor PIN is set, so nobody could ever quit",
            expected_hash,
        );
    }
    if !(10..=86_400).contains(&k.relock_idle_secs) {
        c.push(
            "kiosk",
            "relock_idle_secs",
            format!("{} is out of range", k.relock_idle_secs),
            "seconds from 10 to 86400",
        );
    }
    if s.idle_signout_secs != 0 && !(30..=86_400).contains(&s.idle_signout_secs) {
        c.push(
            "signin",
            "idle_signout_secs",
            format!("{} is out of range", s.idle_signout_secs),
            "0 (never) or seconds from 30 to 86400",
        );
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut operators = Vec::new();
    for o in ops {
        let id = o.id.trim();
        if id.is_empty() || id.chars().any(char::is_whitespace) || !seen.insert(id.to_string()) {
            c.problems.push(Problem {
                line: None,
                key: "operators".into(),
                message: format!("operator id \"{id}\" is empty, has blanks or is listed twice"),
                expected: "each [[operators]] with its own id, e.g. id = \"op-117\"".into(),
            });
        }
        if let Some(Err(e)) = o.pin_hash.as_ref().map(|h| access::check_hash(h.expose())) {
            c.problems.push(Problem {
                line: None,
                key: format!("operators.{id}.pin_hash"),
                message: e,
                expected: expected_hash.into(),
            });
        }
        operators.push(access::Operator { id: id.into(), name: o.name.trim().into(), pin_hash: o.pin_hash.clone() });
    }
    let mut tabs = k.tabs.clone();
    if !tabs.iter().any(|t| t == "scan") {
        tabs.push("scan".into());
    }
    (
        access::KioskConfig {
            enabled: k.enabled,
            tabs,
            supervisor_pin_hash: k.supervisor_pin_hash.clone(),
            relock_idle: Duration::from_secs(k.relock_idle_secs),
        },
        access::SigninConfig {
            badge_prefix: s.badge_prefix.clone(),
            idle_signout: (s.idle_signout_secs > 0).then(|| Duration::from_secs(s.idle_signout_secs)),
            operators,
        },
    )
}

/// A built-in theme by name, or a theme file (relative to the config file's folder).
fn load_theme(name: &str, config_path: &Path) -> Result<Theme, String> {
    if let Some(t) = Theme::built_in(name) {
        return Ok(t);
    }
    if !(name.contains('/') || name.contains('\\') || name.ends_with(".toml")) {
        return Err(format!("\"{name}\" is not a built-in theme"));
    }
    let p = config_path.parent().unwrap_or(Path::new(".")).join(name);
    let src = std::fs::read_to_string(&p).map_err(|e| format!("cannot read theme file {}: {e}", p.display()))?;
    Theme::parse(&src).map_err(|e| format!("theme file {}: {e}", p.display()))
}

/// Names the file when it holds a secret and others than its owner may read it.
#[cfg(unix)]
fn permission_warning(path: &Path, src: &str) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let holds_secret = ["token", "api_key", "api_secret", "channel_key", "store"]
        .iter()
        .any(|k| src.lines().any(|l| l.split('=').next().map(str::trim) == Some(*k)));
    let mode = std::fs::metadata(path).ok()?.permissions().mode();
    (holds_secret && mode & 0o077 != 0).then(|| {
        format!(
            "warning: {} holds secrets and can be read by other users (mode {:o}); run `chmod 600 {}`, or move the secrets into environment variables",
            path.display(),
            mode & 0o777,
            path.display()
        )
    })
}

#[cfg(not(unix))]
fn permission_warning(_path: &Path, _src: &str) -> Option<String> {
    None
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[station]
id = "st-1"
packaging_line_tag = "line-1"

[manufacturer]
base_url = "http://127.0.0.1:8787/v1/manufacturer/v2/api"
token_mode = "dynamic"
api_key = "k"
api_secret = "s"
channel_key = "c"

[production]
base_url = "http://127.0.0.1:8787/v1/production_orders/"
api_key = "pk"
store = "st"
"#;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn problems(src: &str) -> Vec<Problem> {
        match parse(src, Path::new("t.toml"), &no_env) {
            Err(ConfigError::Invalid { problems, .. }) => problems,
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn good_config_and_derived_urls() {
        let c = parse(GOOD, Path::new("t.toml"), &no_env).unwrap().config;
        assert_eq!(c.manufacturer.base_url.as_str(), "http://127.0.0.1:8787/v1/manufacturer/v2/api/");
        assert_eq!(c.manufacturer.auth_url.as_str(), "http://127.0.0.1:8787/v1/api_auth");
        assert!(matches!(c.manufacturer.auth, ManufacturerAuth::Dynamic { .. }));
        assert_eq!(c.production.requests_per_minute, 200);
        assert_eq!(c.manufacturer.paths.commission, "serials/commission");
    }

    #[test]
    fn unknown_key_names_line_and_key() {
        let p = problems(&GOOD.replace("token_mode", "tokn_mode"));
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].line, Some(8));
        assert_eq!(p[0].key, "manufacturer.tokn_mode");
        assert!(p[0].message.contains("unknown field"), "{}", p[0].message);
    }

    #[test]
    fn bad_enum_value_says_what_is_allowed() {
        let p = problems(&GOOD.replace("\"dynamic\"", "\"dyn\""));
        assert_eq!(p[0].key, "manufacturer.token_mode");
        assert!(p[0].message.contains("static") && p[0].message.contains("dynamic"), "{}", p[0].message);
    }

    #[test]
    fn semantic_problems_are_all_reported_with_lines() {
        let src = GOOD
            .replace("api_secret = \"s\"\n", "")
            .replace("\"http://127.0.0.1:8787/v1/production_orders/\"", "\"ftp:x\"");
        let p = problems(&(src + "requests_per_minute = 500\n"));
        let keys: Vec<_> = p.iter().map(|p| (p.key.as_str(), p.line)).collect();
        assert_eq!(
            keys,
            [
                ("manufacturer.api_secret", None),
                ("production.base_url", Some(13)),
                ("production.requests_per_minute", Some(16))
            ]
        );
        assert!(p[0].expected.contains("SHOPFLOOR_MANUFACTURER_API_SECRET"));
    }

    #[test]
    fn environment_fills_and_overrides_secrets() {
        let src = GOOD.replace("api_secret = \"s\"\n", "");
        let env = |k: &str| (k == env_vars::MANUFACTURER_API_SECRET).then(|| "from-env".to_string());
        let c = parse(&src, Path::new("t.toml"), &env).unwrap().config;
        match c.manufacturer.auth {
            ManufacturerAuth::Dynamic { api_secret, .. } => assert_eq!(api_secret.expose(), "from-env"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn syntax_error_points_at_the_line() {
        let p = problems(&GOOD.replace("id = \"st-1\"", "id = st-1"));
        assert_eq!(p[0].line, Some(3));
        assert_eq!(p[0].key, "station.id");
    }

    #[test]
    fn debug_output_never_holds_secrets() {
        let c = parse(GOOD, Path::new("t.toml"), &no_env).unwrap().config;
        let shown = format!("{c:?}");
        for secret in ["\"k\"", "\"s\"", "\"c\"", "\"pk\"", "\"st\""] {
            assert!(!shown.contains(secret), "{secret} leaked into {shown}");
        }
    }

    #[test]
    fn lookup_order() {
        let env = |k: &str| (k == env_vars::CONFIG).then(|| "/etc/sf.toml".to_string());
        assert_eq!(candidates(Some(Path::new("/x.toml")), &env), [PathBuf::from("/x.toml")]);
        assert_eq!(candidates(None, &env), [PathBuf::from("/etc/sf.toml")]);
        assert!(candidates(None, &no_env)[0].ends_with("shopfloor/config.toml"));
    }
}

#[cfg(test)]
mod example_tests {
    use super::*;

    #[test]
    fn example_is_valid_once_secrets_come_from_the_environment() {
        let env = |k: &str| k.starts_with("SHOPFLOOR_").then(|| "x".to_string());
        let c = parse(EXAMPLE, Path::new("config.example.toml"), &env).unwrap().config;
        assert_eq!(c.production.base_url.as_str(), file::PRODUCTION_BASE_URL);
    }

    #[test]
    fn example_without_secrets_names_every_missing_one() {
        let p = match parse(EXAMPLE, Path::new("x"), &|_| None) {
            Err(ConfigError::Invalid { problems, .. }) => problems,
            other => panic!("{other:?}"),
        };
        let keys: Vec<_> = p.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["manufacturer.token", "manufacturer.channel_key", "production.api_key", "production.store"]);
    }
}

#[cfg(test)]
mod ui_tests {
    use super::*;

    fn with(extra: &str) -> Result<Loaded, ConfigError> {
        let env = |k: &str| k.starts_with("SHOPFLOOR_").then(|| "x".to_string());
        parse(&format!("{EXAMPLE}\n{extra}"), Path::new("/etc/shopfloor/config.toml"), &env)
    }

    #[test]
    fn kiosk_and_operators_are_checked() {
        let src = EXAMPLE
            .replace("enabled = false\n# Tabs", "enabled = true\n# Tabs")
            .replace("tabs = [\"scan\"]", "tabs = [\"scan\", \"office\"]")
            + "\n[[operators]]\nid = \"op-1\"\n\n[[operators]]\nid = \"op-1\"\npin_hash = \"nope\"\n";
        let env = |k: &str| k.starts_with("SHOPFLOOR_").then(|| "x".to_string());
        let keys = keys_of(parse(&src, Path::new("c.toml"), &env));
        assert_eq!(keys, ["kiosk.tabs", "kiosk.supervisor_pin_hash", "operators", "operators.op-1.pin_hash"]);
    }

    fn keys_of(r: Result<Loaded, ConfigError>) -> Vec<String> {
        match r {
            Err(ConfigError::Invalid { problems, .. }) => problems.into_iter().map(|p| p.key).collect(),
            Ok(_) => vec![],
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn example_defaults() {
        let c = with("").unwrap().config;
        assert_eq!(c.ui.theme.name, "default");
        assert_eq!(c.labels.destinations[0].tag, "zebra-cloud-device-1");
        assert_eq!(c.keys.label(keys::Action::Submit), "Ctrl+S, F10");
    }

    #[test]
    fn a_key_bound_twice_is_a_config_error() {
        let src = EXAMPLE.replace("# refresh = [\"r\", \"ctrl+r\"]", "refresh = [\"f1\"]");
        let env = |k: &str| k.starts_with("SHOPFLOOR_").then(|| "x".to_string());
        let keys = keys_of(parse(&src, Path::new("c.toml"), &env));
        assert_eq!(keys, ["keys.refresh"]);
    }

    #[test]
    fn bad_theme_and_refresh_are_config_errors() {
        let src =
            EXAMPLE.replace("theme = \"default\"", "theme = \"neon\"").replace("refresh_secs = 30", "refresh_secs = 1");
        let env = |k: &str| k.starts_with("SHOPFLOOR_").then(|| "x".to_string());
        assert_eq!(keys_of(parse(&src, Path::new("c.toml"), &env)), ["ui.theme", "ui.refresh_secs"]);
        let missing = EXAMPLE.replace("theme = \"default\"", "theme = \"themes/missing.toml\"");
        match parse(&missing, Path::new("c.toml"), &env) {
            Err(ConfigError::Invalid { problems, .. }) => {
                assert!(problems[0].message.contains("cannot read theme file"))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn no_color_strips_colours() {
        let env = |k: &str| (k.starts_with("SHOPFLOOR_") || k == "NO_COLOR").then(|| "1".to_string());
        let c = parse(EXAMPLE, Path::new("c.toml"), &env).unwrap().config;
        assert!(c.ui.theme.style(theme::Role::Error).fg.is_none());
    }

    #[test]
    fn duplicate_label_tags_are_refused() {
        let keys = keys_of(with("[[labels.templates]]\ntag = \"data-matrix-example\""));
        assert_eq!(keys, ["labels.templates"]);
    }
}

#[cfg(test)]
mod documentation_tests {
    use super::keys::Action;
    use super::{parse, split_command, EXAMPLE};
    use std::path::Path;

    #[test]
    fn the_example_documents_every_bindable_action() {
        for a in Action::ALL {
            assert!(
                super::EXAMPLE.contains(&format!("# {} = [", a.name())),
                "config.example.toml does not document [keys] {}",
                a.name()
            );
        }
    }

    #[test]
    fn print_commands_split_like_a_shell_would_without_one() {
        assert_eq!(split_command("lp -d pick-printer").unwrap(), ["lp", "-d", "pick-printer"]);
        assert_eq!(
            split_command("lp -t 'Picking list'  -o \"a b\"").unwrap(),
            ["lp", "-t", "Picking list", "-o", "a b"]
        );
        assert_eq!(split_command("lp ''").unwrap(), ["lp", ""]);
        assert!(split_command("lp 'open").is_none());
        let text = EXAMPLE.replace("# print_command = \"lp -d pick-printer\"", "print_command = \"lp 'x\"");
        let problems = parse(&text, Path::new("c.toml"), &|_| None).unwrap_err();
        assert!(format!("{problems:?}").contains("print_command"), "{problems:?}");
    }
}
