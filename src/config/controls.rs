//! The config as the audit trail records it at each start (`config.loaded`): the file's TOML
//! flattened to dotted keys with every secret replaced by a short fingerprint, the hash of that,
//! and — against the snapshot of the start before — which keys changed and which changes weaken
//! a control (a signature turned off, a tolerance or idle time raised, a supervisor added).
//!
//! Pure: it reads text and returns text. It works on the raw TOML, so a setting the typed config
//! does not know yet is recorded as well.

use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Dotted key → value as text.
pub type Values = BTreeMap<String, String>;

/// What a `config.loaded` row records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    /// SHA-256 (hex) of the canonical flattened config (secrets already replaced).
    pub hash: String,
    pub values: Values,
}

impl Snapshot {
    /// From the config file's text. A file that is no TOML cannot have been loaded, but the
    /// error is passed on rather than assumed.
    pub fn of_toml(text: &str) -> Result<Snapshot, String> {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| e.message().to_string())?;
        Ok(Snapshot::of_values(flatten(&table)))
    }

    pub fn of_values(values: Values) -> Snapshot {
        Snapshot { hash: sha256_hex(canonical(&values).as_bytes()), values }
    }

    /// The row's `new_value`: `{"hash": …, "values": {…}}`.
    pub fn to_json(&self) -> String {
        serde_json::json!({"hash": self.hash, "values": self.values}).to_string()
    }

    /// A snapshot read back from an earlier row's `new_value`; `None` when it is not one.
    pub fn from_json(text: &str) -> Option<Snapshot> {
        let v: serde_json::Value = serde_json::from_str(text).ok()?;
        let hash = v.get("hash")?.as_str()?.to_string();
        let values = v
            .get("values")?
            .as_object()?
            .iter()
            .map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
            .collect::<Option<Values>>()?;
        Some(Snapshot { hash, values })
    }
}

/// One line per key, sorted, as JSON (so no key or value can run into the next).
fn canonical(values: &Values) -> String {
    serde_json::to_string(values).unwrap_or_default()
}

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// Words that make a key's value a secret: it is never recorded, only its fingerprint.
const SECRET_WORDS: &[&str] = &["pin", "hash", "secret", "password", "token", "key"];

/// Keys the config keeps as a `Secret` whose names carry none of those words.
const SECRET_KEYS: &[&str] = &["production.store"];

/// Whether the value under this dotted key is a secret. Only the last part of the key counts
/// (`keys.quit` is a key binding; `manufacturer.api_key` is a secret).
fn is_secret(key: &str) -> bool {
    let leaf = key.rsplit('.').next().unwrap_or(key).to_ascii_lowercase();
    SECRET_WORDS.iter().any(|w| leaf.contains(w)) || SECRET_KEYS.contains(&key)
}

/// What is recorded instead of a secret: enough to see that it changed, never what it is.
fn fingerprint(value: &str) -> String {
    format!("sha256:{}", &sha256_hex(value.as_bytes())[..16])
}

/// A web address with a password in it (`scheme://user:password@host`) is a secret too.
fn holds_password(value: &str) -> bool {
    match value.split_once("://") {
        Some((_, rest)) => {
            let authority = rest.split('/').next().unwrap_or(rest);
            authority.split_once('@').is_some_and(|(user, _)| user.contains(':'))
        }
        None => false,
    }
}

/// The table flattened to dotted keys; tables in an array are named by their `id` or `name`
/// (`operators.sup-1.role`), else by their place (`labels.templates.0.file`). Secrets are
/// replaced by their fingerprint.
fn flatten(table: &toml::Table) -> Values {
    let mut out = Values::new();
    walk_table(table, "", &mut out);
    out
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn walk_table(t: &toml::Table, prefix: &str, out: &mut Values) {
    for (k, v) in t {
        walk(v, &join(prefix, k), out);
    }
}

fn walk(v: &toml::Value, key: &str, out: &mut Values) {
    match v {
        toml::Value::Table(t) => walk_table(t, key, out),
        toml::Value::Array(items) if !items.is_empty() && items.iter().all(toml::Value::is_table) => {
            for (i, item) in items.iter().enumerate() {
                let Some(t) = item.as_table() else { continue };
                let named = ["id", "name"].iter().find_map(|n| t.get(*n).and_then(toml::Value::as_str));
                let mut at = join(key, named.unwrap_or(&i.to_string()));
                // Two items of the same name are both kept: the second by its place.
                if out.keys().any(|k| k.starts_with(&format!("{at}."))) {
                    at = join(key, &i.to_string());
                }
                walk_table(t, &at, out);
            }
        }
        other => {
            let text = match other {
                toml::Value::String(s) => s.clone(),
                v => v.to_string(),
            };
            let shown = if is_secret(key) || holds_password(&text) { fingerprint(&text) } else { text };
            out.insert(key.to_string(), shown);
        }
    }
}

/// Keys added, removed or changed between two snapshots, sorted.
fn changed_keys(old: &Values, new: &Values) -> Vec<String> {
    let mut keys: Vec<String> = old.keys().chain(new.keys()).filter(|k| old.get(*k) != new.get(*k)).cloned().collect();
    keys.sort();
    keys.dedup();
    keys
}

/// Switches that protect a record when on: turning one off (or removing it while on) weakens.
fn is_guard_switch(key: &str) -> bool {
    let parts: Vec<&str> = key.split('.').collect();
    match parts.as_slice() {
        ["signatures", "enabled"] | ["kiosk", "enabled"] => true,
        ["signatures", _, leaf] => matches!(*leaf, "enabled" | "two_person" | "reason_required"),
        _ => false,
    }
}

/// Limits where a larger number lets more through (or keeps a session open longer).
const LIMITS: &[&str] = &[
    "signatures.session_idle_secs",
    "signatures.max_pin_failures",
    "scan.overfill_tolerance_percent",
    "kiosk.relock_idle_secs",
    "signin.idle_signout_secs",
];

/// A limit's value when the file leaves it out: the typed config's own default, read from it.
fn default_of(key: &str) -> Option<f64> {
    let n = match key {
        "scan.overfill_tolerance_percent" => u64::from(super::file::ScanFile::default().overfill_tolerance_percent),
        "kiosk.relock_idle_secs" => super::access::KioskFile::default().relock_idle_secs,
        "signin.idle_signout_secs" => super::access::SigninFile::default().idle_signout_secs,
        "signatures.session_idle_secs" => super::signatures::DEFAULT_SESSION_IDLE,
        "signatures.max_pin_failures" => u64::from(super::signatures::DEFAULT_MAX_FAILURES),
        _ => return None,
    };
    Some(n as f64)
}

const STRONG_ROLES: &[&str] = &["supervisor", "qa"];

/// Each change that weakens a control, in words, e.g.
/// `signatures.decommission.enabled true → false`, `scan.overfill_tolerance_percent 2 → 10`,
/// `supervisor added: operators.sup-9`, `kiosk.supervisor_pin_hash changed`.
fn weakened(old: &Values, new: &Values) -> Vec<String> {
    let mut out = Vec::new();
    for key in changed_keys(old, new) {
        let (was, now) = (old.get(&key).map(String::as_str), new.get(&key).map(String::as_str));
        if is_guard_switch(&key) {
            if was == Some("true") && now != Some("true") {
                out.push(format!("{key} true → {}", now.unwrap_or("removed")));
            }
        } else if LIMITS.contains(&key.as_str()) {
            // A limit the file leaves out is the typed config's default, named as such.
            let shown = |v: Option<&str>| {
                v.map(String::from)
                    .or_else(|| default_of(&key).map(|n| n.to_string()))
                    .unwrap_or_else(|| "unset".into())
            };
            let number = |v: Option<&str>| v.and_then(|v| v.parse::<f64>().ok()).or_else(|| default_of(&key));
            let raised = match (number(was), number(now)) {
                (Some(a), Some(b)) => b > a,
                _ => false,
            };
            let never = key == "signin.idle_signout_secs" && now == Some("0") && was != Some("0");
            if never {
                out.push(format!("{key} {} → 0 (never signs out)", shown(was)));
            } else if raised {
                out.push(format!("{key} {} → {}", shown(was), shown(now)));
            }
        } else if key == "kiosk.supervisor_pin_hash" {
            match (was, now) {
                (None, Some(_)) => out.push(format!("{key} added")),
                (Some(_), Some(_)) => out.push(format!("{key} changed")),
                _ => {}
            }
        } else if let Some(person) = key.strip_prefix("operators.").and_then(|r| r.strip_suffix(".role")) {
            let Some(role) = now.filter(|r| STRONG_ROLES.contains(r)) else { continue };
            let existed = old.keys().any(|k| k.starts_with(&format!("operators.{person}.")));
            if !existed {
                out.push(format!("{role} added: operators.{person}"));
            } else if was != Some(role) {
                out.push(format!("role raised: operators.{person} {} → {role}", was.unwrap_or("operator")));
            }
        }
    }
    out
}

/// What the new row records besides the snapshot: the previous hash (when it differs) and why,
/// e.g. `changed: a.b, c.d. weakened: scan.overfill_tolerance_percent 2 → 10`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Comparison {
    pub old_hash: Option<String>,
    pub reason: Option<String>,
}

/// Compares this start's snapshot with the one the last `config.loaded` row recorded (`None`:
/// no earlier start, or a row that cannot be read).
pub fn compare(previous: Option<&Snapshot>, now: &Snapshot) -> Comparison {
    let Some(prev) = previous else { return Comparison { old_hash: None, reason: None } };
    if prev.hash == now.hash {
        return Comparison { old_hash: None, reason: Some("unchanged since the last start".into()) };
    }
    let keys = changed_keys(&prev.values, &now.values);
    let weak = weakened(&prev.values, &now.values);
    let mut reason = format!("changed: {}", keys.join(", "));
    if !weak.is_empty() {
        reason.push_str(&format!(". weakened: {}", weak.join("; ")));
    }
    Comparison { old_hash: Some(prev.hash.clone()), reason: Some(reason) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(pairs: &[(&str, &str)]) -> Values {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn snap(text: &str) -> Snapshot {
        Snapshot::of_toml(text).unwrap()
    }

    #[test]
    fn flattening_names_tables_in_arrays_by_id_or_name_and_hides_every_secret() {
        let s = snap(
            r#"
[station]
id = "line-1"
[manufacturer]
token = "tok-123"
api_secret = "s3cr3t"
channel_key = "ck"
[production]
store = "store-9"
base_url = "https://u:pw@example.org/api"
[keys]
quit = "q"
[kiosk]
supervisor_pin_hash = "$argon2id$abc"
tabs = ["scan", "orders"]
[[operators]]
id = "sup-1"
role = "supervisor"
pin_hash = "$argon2id$xyz"
[[operators]]
name = "unnamed-id"
[[labels.templates]]
file = "a.zpl"
[[printers]]
name = "zebra-1"
address = "10.0.0.9:9100"
[scan]
overfill_tolerance_percent = 2
"#,
        );
        let v = &s.values;
        assert_eq!(v["station.id"], "line-1");
        assert_eq!(v["operators.sup-1.role"], "supervisor");
        assert_eq!(v["operators.unnamed-id.name"], "unnamed-id");
        assert_eq!(v["labels.templates.0.file"], "a.zpl");
        assert_eq!(v["printers.zebra-1.address"], "10.0.0.9:9100");
        assert_eq!(v["scan.overfill_tolerance_percent"], "2");
        assert_eq!(v["kiosk.tabs"], r#"["scan", "orders"]"#);
        assert_eq!(v["keys.quit"], "q", "a key binding is no secret");
        for secret in [
            "manufacturer.token",
            "manufacturer.api_secret",
            "manufacturer.channel_key",
            "production.store",
            "production.base_url",
            "kiosk.supervisor_pin_hash",
            "operators.sup-1.pin_hash",
        ] {
            assert!(v[secret].starts_with("sha256:") && v[secret].len() == 7 + 16, "{secret}: {}", v[secret]);
        }
        let json = s.to_json();
        for clear in ["tok-123", "s3cr3t", "store-9", "argon2id", "pw@"] {
            assert!(!json.contains(clear), "{clear} in {json}");
        }
        assert_eq!(Snapshot::from_json(&json), Some(s.clone()));
        assert_eq!(s.hash.len(), 64);
        let reordered = snap("[scan]\noverfill_tolerance_percent = 2\n[station]\nid = \"line-1\"\n");
        let same = snap("[station]\nid = \"line-1\"\n\n# a comment\n[scan]\noverfill_tolerance_percent = 2\n");
        assert_eq!(reordered.hash, same.hash, "order and comments do not change the hash");
    }

    #[test]
    fn a_changed_secret_changes_the_hash_but_shows_no_value() {
        let a = snap("[manufacturer]\ntoken = \"one\"\n");
        let b = snap("[manufacturer]\ntoken = \"two\"\n");
        assert_ne!(a.hash, b.hash);
        let c = compare(Some(&a), &b);
        assert_eq!(c.reason.as_deref(), Some("changed: manufacturer.token"));
        assert_eq!(c.old_hash.as_deref(), Some(a.hash.as_str()));
    }

    #[test]
    fn the_same_config_is_recorded_as_unchanged_and_a_first_start_has_nothing_to_compare() {
        let a = snap("[station]\nid = \"x\"\n");
        assert_eq!(compare(Some(&a), &a.clone()).old_hash, None);
        assert_eq!(compare(None, &a), Comparison { old_hash: None, reason: None });
    }

    fn weak(old: &[(&str, &str)], new: &[(&str, &str)]) -> Vec<String> {
        weakened(&values(old), &values(new))
    }

    #[test]
    fn signature_switches_weaken_when_turned_off_or_removed_while_on() {
        for key in [
            "signatures.enabled",
            "signatures.decommission.enabled",
            "signatures.decommission.two_person",
            "signatures.unlock.reason_required",
            "kiosk.enabled",
        ] {
            assert_eq!(weak(&[(key, "true")], &[(key, "false")]), [format!("{key} true → false")], "{key}");
            assert_eq!(weak(&[(key, "true")], &[]), [format!("{key} true → removed")], "{key}");
            assert!(weak(&[(key, "false")], &[(key, "true")]).is_empty(), "turning on is no weakening: {key}");
            assert!(weak(&[], &[(key, "false")]).is_empty(), "{key}");
        }
        assert!(weak(&[("signatures.decommission.meaning", "approved")], &[]).is_empty());
        assert!(weak(&[("scan.bell", "true")], &[("scan.bell", "false")]).is_empty(), "not a control");
    }

    #[test]
    fn limits_weaken_when_raised_and_idle_signout_when_set_to_zero() {
        for key in LIMITS {
            assert_eq!(weak(&[(key, "2")], &[(key, "10")]), [format!("{key} 2 → 10")], "{key}");
            assert!(weak(&[(key, "10")], &[(key, "2")]).is_empty(), "lowered is stricter: {key}");
        }
        assert_eq!(weak(&[], &[("scan.overfill_tolerance_percent", "5")]), ["scan.overfill_tolerance_percent 0 → 5"]);
        assert_eq!(
            weak(&[("scan.overfill_tolerance_percent", "5")], &[]),
            Vec::<String>::new(),
            "removed: back to the default 0"
        );
        assert_eq!(weak(&[("kiosk.relock_idle_secs", "60")], &[]), ["kiosk.relock_idle_secs 60 → 120"]);
        assert_eq!(
            weak(&[], &[("signatures.max_pin_failures", "10")]),
            ["signatures.max_pin_failures 5 → 10"],
            "a signature limit raised from its default is named too"
        );
        assert_eq!(weak(&[("signatures.session_idle_secs", "60")], &[]), ["signatures.session_idle_secs 60 → 300"]);
        assert_eq!(
            weak(&[("signin.idle_signout_secs", "300")], &[("signin.idle_signout_secs", "0")]),
            ["signin.idle_signout_secs 300 → 0 (never signs out)"]
        );
        assert_eq!(
            weak(&[], &[("signin.idle_signout_secs", "0")]),
            ["signin.idle_signout_secs 1800 → 0 (never signs out)"]
        );
    }

    #[test]
    fn a_new_supervisor_or_qa_person_or_a_raised_role_weakens() {
        let op = [("operators.op-1.role", "operator"), ("operators.op-1.name", "Ann")];
        let mut with_sup = op.to_vec();
        with_sup.push(("operators.sup-9.role", "supervisor"));
        assert_eq!(weak(&op, &with_sup), ["supervisor added: operators.sup-9"]);
        let mut with_qa = op.to_vec();
        with_qa.push(("operators.qa-2.role", "qa"));
        assert_eq!(weak(&op, &with_qa), ["qa added: operators.qa-2"]);
        let mut with_op = op.to_vec();
        with_op.push(("operators.op-2.role", "operator"));
        assert!(weak(&op, &with_op).is_empty(), "an operator is no control");
        let raised = [("operators.op-1.role", "supervisor"), ("operators.op-1.name", "Ann")];
        assert_eq!(weak(&op, &raised), ["role raised: operators.op-1 operator → supervisor"]);
        let no_role = [("operators.op-1.name", "Ann")];
        assert_eq!(weak(&no_role, &raised), ["role raised: operators.op-1 operator → supervisor"]);
    }

    #[test]
    fn a_shared_supervisor_pin_added_or_changed_weakens() {
        let k = "kiosk.supervisor_pin_hash";
        assert_eq!(weak(&[], &[(k, "sha256:aa")]), [format!("{k} added")]);
        assert_eq!(weak(&[(k, "sha256:aa")], &[(k, "sha256:bb")]), [format!("{k} changed")]);
        assert!(weak(&[(k, "sha256:aa")], &[]).is_empty());
    }

    #[test]
    fn the_reason_names_changed_keys_then_weakenings() {
        let a =
            snap("[signatures.decommission]\nenabled = true\n[scan]\noverfill_tolerance_percent = 2\nbell = true\n");
        let b = snap(
            "[signatures.decommission]\nenabled = false\n[scan]\noverfill_tolerance_percent = 10\n\
             [[operators]]\nid = \"sup-9\"\nrole = \"supervisor\"\n",
        );
        let c = compare(Some(&a), &b);
        assert_eq!(
            c.reason.as_deref(),
            Some(
                "changed: operators.sup-9.id, operators.sup-9.role, scan.bell, scan.overfill_tolerance_percent, \
                 signatures.decommission.enabled. weakened: supervisor added: operators.sup-9; \
                 scan.overfill_tolerance_percent 2 → 10; signatures.decommission.enabled true → false"
            )
        );
    }
}
