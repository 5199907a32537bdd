//! Configuration: where the file is looked up, how it is read, and the validated settings the
//! rest of the program uses.
//!
//! Everything is checked before the terminal changes mode, and every problem names the file,
//! the line, the key and the form that was expected, so a plant's IT person can fix it blind.

pub mod access;
pub mod controls;
pub mod file;
pub mod keys;
pub mod line_store;
pub mod log;
pub mod network;
pub mod printers;
pub mod secret;
pub mod signatures;
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
    pub scanner: crate::input::scanner::ScannerSettings,
    pub scan: ScanConfig,
    pub kiosk: access::KioskConfig,
    pub signin: access::SigninConfig,
    pub signatures: signatures::SignaturesConfig,
    /// The station's own label printers and how their serials are made.
    pub printers: Vec<printers::Printer>,
    pub printing: printers::PrintingConfig,
    pub log: log::LogConfig,
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
    /// Packs an order may take beyond its quantity, in percent of it.
    pub overfill_tolerance_percent: u32,
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
            overfill_tolerance_percent: f.overfill_tolerance_percent.min(100),
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
    /// Draw with ASCII only (a terminal that is no UTF-8 one: `[ui] charset`, or the locale).
    pub ascii: bool,
}

/// Whether the locale names a codeset other than UTF-8. The first of LC_ALL, LC_CTYPE and LANG
/// that is set decides; none set (a kiosk session often has no locale), or one that names no
/// codeset ("C", "POSIX"), counts as UTF-8.
pub fn locale_is_ascii(env: &dyn Fn(&str) -> Option<String>) -> bool {
    let Some(locale) = ["LC_ALL", "LC_CTYPE", "LANG"].iter().find_map(|k| env(k)) else { return false };
    let codeset = locale.split_once('.').map(|(_, c)| c.split('@').next().unwrap_or(c));
    match codeset {
        None => false,
        Some(c) => {
            let c = c.to_ascii_lowercase().replace('-', "");
            c != "utf8"
        }
    }
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
    pub network: network::NetworkConfig,
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
    pub network: network::NetworkConfig,
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
    #[error("{} is not a config file: {source}. Pass the path of the TOML file (`shopfloor print-default-config` writes one)", .path.display())]
    NotAConfig { path: PathBuf, source: std::io::Error },
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
    // A message may quote what the file holds; a password written into an address stays hidden.
    network::redact(&out)
}

/// The largest config (or theme, or CA) file read: a real one is a few KB. Anything bigger,
/// or anything that is not a regular file (`/dev/zero`, a pipe), would never finish reading.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// Reads a small text file, refusing what is not a regular file or is over `limit` bytes
/// before reading a byte of it (the error's kind is `InvalidInput` for those).
pub fn read_small_file(path: &Path, limit: u64) -> std::io::Result<String> {
    use std::io::Read;
    let invalid = |m: String| std::io::Error::new(std::io::ErrorKind::InvalidInput, m);
    // stat, not open: opening a FIFO would wait for a writer.
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        let kind = if meta.is_dir() { "a directory" } else { "a device, pipe or socket, not a regular file" };
        return Err(invalid(format!("it is {kind}")));
    }
    if meta.len() > limit {
        return Err(invalid(format!(
            "it is {} bytes long, more than a config file can be ({limit} bytes at most)",
            meta.len()
        )));
    }
    let mut text = String::new();
    // The size may change between stat and read; never read past the limit either way.
    std::fs::File::open(path)?.take(limit + 1).read_to_string(&mut text)?;
    if text.len() as u64 > limit {
        return Err(invalid(format!("it grew past {limit} bytes while being read")));
    }
    Ok(text)
}

/// A config that loaded, with what the operator should still hear about.
#[derive(Debug)]
pub struct Loaded {
    pub config: Config,
    pub warnings: Vec<String>,
    /// The file's settings as the audit trail records them at each start (secrets replaced).
    pub controls: controls::Snapshot,
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
    let src = read_small_file(&path, MAX_CONFIG_BYTES).map_err(|source| match source.kind() {
        std::io::ErrorKind::InvalidInput => ConfigError::NotAConfig { path: path.clone(), source },
        _ => ConfigError::Read { path: path.clone(), source },
    })?;
    let mut loaded = parse(&src, &path, env)?;
    if let Some(w) = permission_warning(&path, &src) {
        loaded.warnings.push(w);
    }
    Ok(loaded)
}

/// Parses and validates config text; `path` is only used in messages. Every problem of the
/// file is reported at once: syntax errors, each key that cannot be read, and every rule the
/// values break.
pub fn parse(src: &str, path: &Path, env: &dyn Fn(&str) -> Option<String>) -> Result<Loaded, ConfigError> {
    let (file, mut problems) = read_all(src);
    match validate(file, src, path, env) {
        Ok(config) if problems.is_empty() => {
            let warnings = access_warnings(&config);
            Ok(Loaded {
                config: Config { source: Some(path.to_path_buf()), ..config },
                warnings,
                controls: controls::Snapshot::of_toml(src).unwrap_or_else(|e| {
                    controls::Snapshot::of_values([("(unreadable)".to_string(), e)].into_iter().collect())
                }),
            })
        }
        Ok(_) => Err(ConfigError::Invalid { path: path.to_path_buf(), problems }),
        Err(more) => {
            // A value the reader had to drop falls back to its default, which can break a rule
            // of its own ("token is missing" after an unreadable token_mode): those would only
            // send the reader after a second, imaginary problem.
            let touched: Vec<String> = problems.iter().map(|p| section_of(&p.key)).collect();
            let follows = |p: &Problem| {
                problems.iter().any(|q| q.key == p.key)
                    || (touched.contains(&section_of(&p.key)) && p.message.starts_with("is missing"))
            };
            let more: Vec<Problem> = more.into_iter().filter(|p| !follows(p)).collect();
            problems.extend(more);
            Err(ConfigError::Invalid { path: path.to_path_buf(), problems })
        }
    }
}

fn section_of(key: &str) -> String {
    key.split('.').next().unwrap_or("").to_string()
}

/// Reads the file into its typed form, however broken: a syntax error is reported and the rest
/// of the file is still read; a key that cannot be read (unknown, wrong type, bad value) is
/// reported and left out, so it takes its default while the others are read.
fn read_all(src: &str) -> (FileConfig, Vec<Problem>) {
    use serde::Deserialize;
    let (mut table, errors) = toml::de::DeTable::parse_recoverable(src);
    let mut problems: Vec<Problem> = errors.iter().map(|e| problem_from_toml(src, e)).collect();
    // Each pass removes the key serde stopped at; a file has only so many keys.
    for _ in 0..500 {
        match FileConfig::deserialize(toml::de::Deserializer::from(table.clone())) {
            Ok(file) => return (file, problems),
            Err(e) => {
                let span = e.span();
                let mut p = problem_from_toml(src, &e);
                if let Some(span) = &span {
                    // The error points into a table, an array or a value: name its key.
                    if let Some(key) = key_path_at(table.get_ref(), span, "") {
                        p.key = key;
                    }
                }
                problems.push(p);
                let removed = span.is_some_and(|s| remove_at(table.get_mut(), &s));
                if !removed {
                    break;
                }
            }
        }
    }
    (FileConfig::default(), problems)
}

type DeTable<'a> = toml::de::DeTable<'a>;
type DeValue<'a> = toml::de::DeValue<'a>;

fn covers(outer: &std::ops::Range<usize>, inner: &std::ops::Range<usize>) -> bool {
    outer.start <= inner.start && inner.end <= outer.end && outer != &(0..0)
}

/// The dotted key whose key or value holds `span`, descending into tables.
fn key_path_at(t: &DeTable, span: &std::ops::Range<usize>, prefix: &str) -> Option<String> {
    for (k, v) in t.iter() {
        let name = if prefix.is_empty() { k.get_ref().to_string() } else { format!("{prefix}.{}", k.get_ref()) };
        if covers(&k.span(), span) {
            return Some(name);
        }
        if covers(&v.span(), span) || matches!(v.get_ref(), DeValue::Table(_) | DeValue::Array(_)) {
            let deeper = match v.get_ref() {
                DeValue::Table(inner) => key_path_at(inner, span, &name),
                DeValue::Array(items) => items.iter().find_map(|item| match item.get_ref() {
                    DeValue::Table(inner) if covers(&item.span(), span) || !inner.is_empty() => {
                        key_path_at(inner, span, &name)
                    }
                    _ => None,
                }),
                _ => None,
            };
            if deeper.is_some() {
                return deeper;
            }
            if covers(&v.span(), span) {
                return Some(name);
            }
        }
    }
    None
}

/// Removes the innermost entry (or array item) whose key or value holds `span`.
fn remove_at(t: &mut DeTable, span: &std::ops::Range<usize>) -> bool {
    let mut hit = None;
    for (k, v) in t.iter_mut() {
        if covers(&k.span(), span) {
            hit = Some(k.clone());
            break;
        }
        let descended = match v.get_mut() {
            DeValue::Table(inner) => remove_at(inner, span),
            DeValue::Array(items) => {
                let mut done = false;
                for item in items.iter_mut() {
                    let item_span = item.span();
                    if let DeValue::Table(inner) = item.get_mut() {
                        if remove_at(inner, span) {
                            done = true;
                            break;
                        }
                    }
                    if covers(&item_span, span) {
                        // A whole item is wrong (a missing field): the array goes.
                        break;
                    }
                }
                done
            }
            _ => false,
        };
        if descended {
            return true;
        }
        if covers(&v.span(), span) {
            hit = Some(k.clone());
            break;
        }
    }
    match hit {
        Some(k) => t.remove(&k).is_some(),
        None => false,
    }
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

    let network = network::check(&mut c, &f.network, path);
    let log = log::check(&mut c, &f.log);

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
    for (key, url) in [("base_url", &base_url), ("auth_url", &auth_url)] {
        if let Some(why) = url.as_ref().and_then(network::plain_http_refusal) {
            c.push("manufacturer", key, why, "an https:// address");
        }
    }
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
    if let Some(why) = p_base.as_ref().and_then(network::plain_http_refusal) {
        c.push("production", "base_url", why, "an https:// address");
    }
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

    let scanner = check_scanner(&mut c, &f.scanner);
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
    let scan = ScanConfig::from(&f.scan);
    if f.scan.overfill_tolerance_percent > 100 {
        c.push(
            "scan",
            "overfill_tolerance_percent",
            format!("{} is more than twice the order", f.scan.overfill_tolerance_percent),
            "a whole number of percent from 0 to 100 (0: not one pack beyond the quantity)",
        );
    }

    let ascii = match f.ui.charset.to_ascii_lowercase().as_str() {
        "auto" => locale_is_ascii(env),
        "utf-8" | "utf8" => false,
        "ascii" => true,
        other => {
            c.push("ui", "charset", format!("\"{other}\" is not a character set"), "\"auto\", \"utf-8\" or \"ascii\"");
            false
        }
    };
    let (kiosk, signin) = check_access(&mut c, &f.kiosk, &f.signin, &f.operators);
    let (signatures, sig_problems) = signatures::SignaturesConfig::from_file(&f.signatures, f.kiosk.enabled);
    for (key, message, expected) in sig_problems {
        c.push("signatures", &key, message, expected);
    }
    let (printers, printing) = printers::check(&mut c, &f.printers, &f.printing, path);
    let line_store =
        line_store::check(&mut c, f.line_store.as_ref(), path, env, &f.station.id, &f.station.packaging_line_tag);

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
                network: network.clone(),
            },
            production: ProductionConfig {
                base_url: p_base,
                api_key: p_key,
                store,
                requests_per_minute: p.requests_per_minute,
                timeout: p_timeout,
                print_command,
                network,
            },
            ui: UiConfig { theme, refresh: Duration::from_secs(f.ui.refresh_secs), ascii },
            keys,
            labels: Labels { destinations: f.labels.destinations, templates: f.labels.templates },
            scanner,
            scan,
            kiosk,
            signin,
            signatures,
            printers,
            printing,
            log,
            line_store,
        }),
        _ => Err(c.problems),
    }
}

/// A supervisor or QA person who can sign (has a PIN).
fn signs(o: &access::OperatorFile) -> bool {
    o.pin_hash.is_some() && o.role.as_deref().and_then(access::Role::parse).is_some_and(access::Role::signs)
}

/// What `check-config` and the dashboard say about a config that loads: a shared supervisor
/// PIN records no one by name.
fn access_warnings(c: &Config) -> Vec<String> {
    let named = c.signin.operators.iter().any(access::Operator::signs);
    match (&c.kiosk.supervisor_pin_hash, named) {
        (Some(_), false) => vec![
            "warning: [kiosk] supervisor_pin_hash is a shared PIN: it identifies no one, so unlocks and overrides are recorded under no supervisor's name. Add each supervisor to [[operators]] with role = \"supervisor\" and their own pin_hash".into(),
        ],
        (Some(_), true) => vec![
            "warning: [kiosk] supervisor_pin_hash is not used: supervisors are named in [[operators]], and each signs with their own PIN. Remove it".into(),
        ],
        _ => Vec::new(),
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
            c.push(
                "kiosk",
                "tabs",
                format!("\"{t}\" is not a tab"),
                "a list of packaging, labels, production, scan, print",
            );
        }
    }
    let expected_hash = "an Argon2 hash as printed by `shopfloor hash-pin` (\"$argon2id$v=19$...\")";
    if let Some(h) = &k.supervisor_pin_hash {
        if let Err(e) = access::check_hash(h.expose()) {
            c.push("kiosk", "supervisor_pin_hash", e, expected_hash);
        }
    } else if k.enabled && !ops.iter().any(signs) {
        c.push(
            "kiosk",
            "supervisor_pin_hash",
            "kiosk mode is on but no supervisor (or shared supervisor PIN) is set, so nobody could ever quit",
            "a supervisor in [[operators]] with role = \"supervisor\" and a pin_hash, or an Argon2 hash as printed by `shopfloor hash-pin`",
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
        let role = match o.role.as_deref().map(access::Role::parse) {
            None => access::Role::Operator,
            Some(Some(r)) => r,
            Some(None) => {
                c.problems.push(Problem {
                    line: None,
                    key: format!("operators.{id}.role"),
                    message: format!("\"{}\" is not a role", o.role.as_deref().unwrap_or_default()),
                    expected: "\"operator\", \"supervisor\" or \"qa\"".into(),
                });
                access::Role::Operator
            }
        };
        if role.signs() && o.pin_hash.is_none() {
            c.problems.push(Problem {
                line: None,
                key: format!("operators.{id}.pin_hash"),
                message: format!("{id} is a {} but has no PIN, so they could never sign", role.name()),
                expected: expected_hash.into(),
            });
        }
        operators.push(access::Operator {
            id: id.into(),
            name: o.name.trim().into(),
            pin_hash: o.pin_hash.clone(),
            role,
        });
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

/// `[scanner]`: how the scanner types, and the pace that tells it from a person.
fn check_scanner(c: &mut Checker, f: &file::ScannerFile) -> crate::input::scanner::ScannerSettings {
    use crate::input::scanner::{ScannerSettings, Separator, Suffix};
    let suffix = Suffix::parse(&f.suffix).unwrap_or_else(|e| {
        c.push("scanner", "suffix", e, "\"enter\", \"tab\" or \"lf\"");
        Suffix::Enter
    });
    let separator = Separator::parse(&f.separator).unwrap_or_else(|e| {
        c.push("scanner", "separator", e, "\"gs\", \"ctrl+]\", \"f8\" or one character such as \"|\"");
        Separator::Gs
    });
    if !(5..=200).contains(&f.burst_window_ms) {
        c.push(
            "scanner",
            "burst_window_ms",
            format!("{} is out of range", f.burst_window_ms),
            "milliseconds from 5 to 200 (40 suits scanners and OpenSSH's 20 ms packets)",
        );
    }
    if !(2..=64).contains(&f.min_scan_length) {
        c.push(
            "scanner",
            "min_scan_length",
            format!("{} is out of range", f.min_scan_length),
            "a whole number of characters from 2 to 64",
        );
    }
    let mut prefixes: Vec<String> = f.prefixes.iter().chain(std::iter::once(&f.prefix)).cloned().collect();
    prefixes.retain(|p| !p.is_empty());
    prefixes.dedup();
    if let Some(bad) = prefixes.iter().find(|p| p.chars().any(char::is_control) || p.chars().count() > 8) {
        c.push(
            "scanner",
            "prefixes",
            format!("\"{}\" cannot be a prefix", bad.escape_debug()),
            "up to 8 printable characters, e.g. \"]d2\" or \"]C1\"",
        );
    }
    ScannerSettings {
        prefixes,
        suffix,
        separator,
        burst_window: f.burst_window_ms.clamp(5, 200),
        min_scan_length: f.min_scan_length.clamp(2, 64),
    }
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
    let src =
        read_small_file(&p, MAX_CONFIG_BYTES).map_err(|e| format!("cannot read theme file {}: {e}", p.display()))?;
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

#[cfg(test)]
mod every_problem_tests {
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

    fn problems(src: &str) -> Vec<Problem> {
        match parse(src, Path::new("t.toml"), &|_| None) {
            Err(ConfigError::Invalid { problems, .. }) => problems,
            other => panic!("expected problems, got {other:?}"),
        }
    }

    #[test]
    fn four_problems_of_every_kind_are_reported_in_one_run() {
        let src = GOOD
            .replace("token_mode", "tokn_mode")
            .replace("store = \"st\"", "store = \"st\"\ntimeout_secs = \"ten\"\nrequests_per_minute = 500")
            + "\n[ui]\nrefresh_secs = 1\n";
        let p = problems(&src);
        let keys: Vec<_> = p.iter().map(|p| (p.key.as_str(), p.line)).collect();
        assert_eq!(
            keys,
            [
                ("manufacturer.tokn_mode", Some(8)),
                ("production.timeout_secs", Some(17)),
                ("production.requests_per_minute", Some(18)),
                ("ui.refresh_secs", Some(21)),
            ],
            "{p:#?}"
        );
    }

    #[test]
    fn several_syntax_errors_and_an_unknown_section_are_all_named() {
        let src = GOOD.replace("id = \"st-1\"", "id = st-1").replace("channel_key = \"c\"", "channel_key = \"c")
            + "\n[nonsense]\nx = 1\n";
        let p = problems(&src);
        let lines: Vec<_> = p.iter().map(|p| p.line).collect();
        assert!(lines.contains(&Some(3)) && lines.contains(&Some(11)), "{p:#?}");
        assert!(p.iter().any(|p| p.key == "nonsense"), "{p:#?}");
    }

    #[test]
    fn a_password_in_an_address_is_never_echoed() {
        let src = GOOD.replace(
            "\"http://127.0.0.1:8787/v1/production_orders/\"",
            "\"ftp://user:hunter2@capi.example.com/v1/production_orders/\"",
        ) + "\n[ui]\nrefresh_secs = \"https://u:hunter2@x/\"\n";
        let text = match parse(&src, Path::new("t.toml"), &|_| None) {
            Err(e) => e.to_string(),
            Ok(_) => panic!("accepted"),
        };
        assert!(text.contains("production.base_url") && text.contains("ui.refresh_secs"), "{text}");
        assert!(!text.contains("hunter2"), "{text}");
        assert!(text.contains("user:***@capi.example.com"), "{text}");
    }

    #[test]
    fn plain_http_to_another_machine_is_refused_with_the_reason() {
        let src = GOOD.replace("http://127.0.0.1:8787/v1/production_orders/", "http://capi.example.com/v1/");
        let p = problems(&src);
        assert_eq!(p.len(), 1, "{p:#?}");
        assert_eq!(p[0].key, "production.base_url");
        assert!(p[0].message.contains("anyone on the network could read"), "{}", p[0].message);
    }

    #[test]
    fn network_and_log_sections_are_read_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("c.toml");
        let src = GOOD.to_string()
            + "\n[network]\nproxy = \"http://me:pw@proxy.plant:3128\"\nca_file = \"missing.pem\"\n[log]\nmax_file_mb = 0\n";
        let p = match parse(&src, &cfg, &|_| None) {
            Err(ConfigError::Invalid { problems, .. }) => problems,
            other => panic!("{other:?}"),
        };
        let keys: Vec<_> = p.iter().map(|p| p.key.as_str()).collect();
        assert_eq!(keys, ["network.ca_file", "log.max_file_mb"]);
        assert!(p[0].message.contains("missing.pem"), "{}", p[0].message);
        std::fs::write(dir.path().join("ca.pem"), "not a certificate").unwrap();
        let src = GOOD.to_string() + "\n[network]\nca_file = \"ca.pem\"\n";
        let p = match parse(&src, &cfg, &|_| None) {
            Err(ConfigError::Invalid { problems, .. }) => problems,
            other => panic!("{other:?}"),
        };
        assert!(p[0].message.contains("no PEM certificate"), "{}", p[0].message);
        let src = GOOD.to_string()
            + "\n[network]\nproxy = \"http://me:pw@proxy.plant:3128\"\n[log]\nsyslog = true\nkeep_files = 3\n";
        let c = parse(&src, &cfg, &|_| None).unwrap().config;
        assert!(c.log.syslog && c.log.keep_files == 3);
        assert_eq!(c.production.network.proxy.as_ref().map(|s| s.expose()), Some("http://me:pw@proxy.plant:3128"));
        assert!(!format!("{c:?}").contains("pw@"), "the proxy's password stays out of Debug");
    }

    #[test]
    fn devices_pipes_and_huge_files_are_refused_without_reading_them() {
        for path in ["/dev/zero", "/dev/null", "/"] {
            match load(Some(Path::new(path)), &|_| None) {
                Err(e @ ConfigError::NotAConfig { .. }) => assert!(e.to_string().contains("not a config file"), "{e}"),
                other => panic!("{path}: {other:?}"),
            }
        }
        let dir = tempfile::tempdir().unwrap();
        let big = dir.path().join("big.toml");
        let f = std::fs::File::create(&big).unwrap();
        f.set_len(MAX_CONFIG_BYTES + 1).unwrap();
        let e = load(Some(&big), &|_| None).unwrap_err().to_string();
        assert!(e.contains("more than a config file can be"), "{e}");
    }
}
