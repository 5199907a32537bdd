//! Who may do what at the station: kiosk mode (`[kiosk]`), operator sign-in (`[signin]`) and
//! the operators (`[[operators]]`). PINs are kept only as Argon2 hashes (`shopfloor hash-pin`
//! makes one); checking a PIN against a hash lives here too, so every caller checks the same way.

use super::secret::Secret;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use serde::Deserialize;
use std::time::Duration;

/// The tab names `[kiosk] tabs` takes.
pub const TAB_NAMES: [&str; 5] = ["packaging", "labels", "production", "scan", "print"];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KioskFile {
    pub enabled: bool,
    /// Tabs an operator reaches without the supervisor PIN; the Scan tab always.
    pub tabs: Vec<String>,
    pub supervisor_pin_hash: Option<Secret>,
    /// Seconds without a key after which an unlocked station locks again.
    pub relock_idle_secs: u64,
}

impl Default for KioskFile {
    fn default() -> Self {
        KioskFile { enabled: false, tabs: vec!["scan".into()], supervisor_pin_hash: None, relock_idle_secs: 120 }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SigninFile {
    /// A scanned code starting with this is an operator's badge; the rest is the operator id.
    pub badge_prefix: String,
    /// Seconds without a key after which the operator is signed out (0: never).
    pub idle_signout_secs: u64,
}

impl Default for SigninFile {
    fn default() -> Self {
        SigninFile { badge_prefix: "OP:".into(), idle_signout_secs: 1800 }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorFile {
    pub id: String,
    #[serde(default)]
    pub name: String,
    pub pin_hash: Option<Secret>,
    /// "operator" (the default), "supervisor" or "qa".
    pub role: Option<String>,
}

/// What a person at the station may do: operators scan; supervisors and QA also sign (unlock,
/// decommission, allow more, …).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Role {
    #[default]
    Operator,
    Supervisor,
    Qa,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "operator" => Some(Role::Operator),
            "supervisor" => Some(Role::Supervisor),
            "qa" => Some(Role::Qa),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Supervisor => "supervisor",
            Role::Qa => "qa",
        }
    }

    pub fn signs(self) -> bool {
        self != Role::Operator
    }
}

#[derive(Debug, Clone, Default)]
pub struct KioskConfig {
    pub enabled: bool,
    pub tabs: Vec<String>,
    pub supervisor_pin_hash: Option<Secret>,
    pub relock_idle: Duration,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Operator {
    pub id: String,
    pub name: String,
    pub pin_hash: Option<Secret>,
    pub role: Role,
}

impl Operator {
    /// "Anna Berg (op-117)", or the id alone.
    pub fn shown(&self) -> String {
        if self.name.is_empty() {
            self.id.clone()
        } else {
            format!("{} ({})", self.name, self.id)
        }
    }

    /// A person who may sign: a supervisor or QA with a PIN.
    pub fn signs(&self) -> bool {
        self.role.signs() && self.pin_hash.is_some()
    }

    /// The printed name under a signature (the id when no name is configured).
    pub fn printed_name(&self) -> &str {
        if self.name.is_empty() {
            &self.id
        } else {
            &self.name
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct SigninConfig {
    pub badge_prefix: String,
    pub idle_signout: Option<Duration>,
    pub operators: Vec<Operator>,
}

/// A hash as `hash-pin` writes it, or why it is not one.
pub fn check_hash(hash: &str) -> Result<(), String> {
    let parsed = PasswordHash::new(hash.trim()).map_err(|e| format!("not a PHC hash string ({e})"))?;
    if !parsed.algorithm.as_str().starts_with("argon2") {
        return Err(format!("made with {}, not Argon2", parsed.algorithm));
    }
    Ok(())
}

/// Whether the PIN matches the hash (constant-time comparison inside argon2).
pub fn pin_matches(pin: &Secret, hash: &Secret) -> bool {
    match PasswordHash::new(hash.expose().trim()) {
        Ok(h) => Argon2::default().verify_password(pin.expose().as_bytes(), &h).is_ok(),
        Err(_) => false,
    }
}

/// A new Argon2id hash of the PIN with a random salt.
pub fn hash_pin(pin: &Secret) -> Result<String, String> {
    let mut bytes = [0u8; 16];
    getrandom(&mut bytes)?;
    let salt = SaltString::encode_b64(&bytes).map_err(|e| e.to_string())?;
    Argon2::default().hash_password(pin.expose().as_bytes(), &salt).map(|h| h.to_string()).map_err(|e| e.to_string())
}

/// Random bytes from the operating system.
fn getrandom(buf: &mut [u8]) -> Result<(), String> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(buf))
        .map_err(|e| format!("cannot read random bytes from /dev/urandom: {e}"))
}

/// The person's id in a badge scan (`[signin] badge_prefix` then the id), if it is one.
pub fn badge_id(prefix: &str, raw: &str) -> Option<String> {
    let text = crate::input::scanner::strip_symbology(raw);
    (!prefix.is_empty()).then(|| text.strip_prefix(prefix).map(|id| id.trim().to_string())).flatten()
}

/// A PIN people can type on a line terminal: 4 to 32 characters, no blanks or control keys.
pub fn check_pin(pin: &str) -> Result<(), &'static str> {
    let n = pin.chars().count();
    if !(4..=32).contains(&n) {
        return Err("a PIN has 4 to 32 characters");
    }
    if pin.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("a PIN has no spaces or control characters");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hashed_pin_matches_only_itself() {
        let h = Secret::new(hash_pin(&Secret::new("2468")).unwrap());
        assert!(h.expose().starts_with("$argon2id$"));
        check_hash(h.expose()).unwrap();
        assert!(pin_matches(&Secret::new("2468"), &h));
        assert!(!pin_matches(&Secret::new("2469"), &h));
        assert!(!pin_matches(&Secret::new("2468"), &Secret::new("garbage")));
        assert!(check_hash("$pbkdf2-sha256$i=1$c2FsdA$aGFzaA").is_err());
        assert_eq!(check_pin("12"), Err("a PIN has 4 to 32 characters"));
    }
}
