//! `[network]`: how this station reaches the backends through a plant's network — a proxy
//! (kiosk sessions get no environment, so `HTTPS_PROXY` cannot be relied on) and the plant's
//! own CA certificate (a TLS-inspecting proxy signs with it) on top of the operating system's
//! store. Also the rules on addresses: nothing secret goes over plain `http://` to another
//! machine, and a password written into an address is never echoed.

use super::Secret;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use url::Url;

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkFile {
    /// `http://proxy.plant.example:3128` (user and password may be written into it).
    pub proxy: Option<Secret>,
    /// A PEM file of CA certificates trusted besides the operating system's store.
    pub ca_file: Option<String>,
}

/// The validated settings every HTTP client of the station is built with.
#[derive(Debug, Clone, Default)]
pub struct NetworkConfig {
    /// The proxy's address; a `Secret` because it may hold the proxy's password.
    pub proxy: Option<Secret>,
    /// An absolute path (a relative one was resolved against the config file's folder).
    pub ca_file: Option<PathBuf>,
}

/// Whether `url` names this machine (the simulator, a local tunnel).
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(a)) => a.is_loopback(),
        Some(url::Host::Ipv6(a)) => a.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Why `url` must not be used for calls that carry a token or key, if it must not.
pub fn plain_http_refusal(url: &Url) -> Option<String> {
    (url.scheme() == "http" && !is_loopback(url)).then(|| {
        format!(
            "{} is plain http:// to another machine: every call carries a token or API key, which anyone on the \
             network could read. Use https:// (http:// is only accepted for this machine, e.g. the simulator)",
            redact(url.as_str())
        )
    })
}

/// `text` with the password of every address written in it (`scheme://user:password@host`)
/// replaced by `***`, so a credential in a URL is never printed or logged.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        // The authority ends at the first '/', '?', '#', blank or quote.
        let end = tail.find(|c: char| matches!(c, '/' | '?' | '#' | '"' | '\'' | '`') || c.is_whitespace());
        let authority = &tail[..end.unwrap_or(tail.len())];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.find(':') {
                    Some(colon) => {
                        out.push_str(&userinfo[..colon]);
                        out.push_str(":***");
                    }
                    // A lone user part may be a token (`https://TOKEN@host`): hide it too.
                    None => out.push_str("***"),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        rest = &tail[authority.len()..];
    }
    out.push_str(rest);
    out
}

pub(super) fn check(c: &mut super::Checker, f: &NetworkFile, config_path: &Path) -> NetworkConfig {
    let proxy = match f.proxy.as_ref().filter(|p| !p.is_empty()) {
        None => None,
        Some(p) => {
            let expected =
                "the proxy's address, e.g. \"http://proxy.plant.example:3128\" (user:password@ may go before the host)";
            match Url::parse(p.expose().trim()) {
                Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Some(p.clone()),
                Ok(u) => {
                    c.push(
                        "network",
                        "proxy",
                        format!("\"{}\" is not an http:// or https:// proxy", redact(u.as_str())),
                        expected,
                    );
                    None
                }
                Err(e) => {
                    c.push(
                        "network",
                        "proxy",
                        format!("\"{}\" is not a valid address ({e})", redact(p.expose())),
                        expected,
                    );
                    None
                }
            }
        }
    };
    let ca_file = match f.ca_file.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(name) => {
            let path = config_path.parent().unwrap_or(Path::new(".")).join(name);
            let expected = "a PEM file of CA certificates (\"-----BEGIN CERTIFICATE-----\"), e.g. \"/usr/local/share/ca-certificates/plant-ca.crt\"";
            match super::read_small_file(&path, super::MAX_CONFIG_BYTES * 4).map_err(|e| e.to_string()).and_then(
                |pem| match reqwest::Certificate::from_pem_bundle(pem.as_bytes()) {
                    Ok(certs) if !certs.is_empty() => Ok(()),
                    Ok(_) => Err("holds no PEM certificate".to_string()),
                    Err(e) => Err(format!("is not a readable PEM certificate ({e})")),
                },
            ) {
                Ok(()) => Some(path),
                Err(e) => {
                    c.push("network", "ca_file", format!("{}: {e}", path.display()), expected);
                    None
                }
            }
        }
    };
    NetworkConfig { proxy, ca_file }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_addresses_are_hidden() {
        assert_eq!(redact("https://user:secret@host/x"), "https://user:***@host/x");
        assert_eq!(redact("\"http://u:p@h:3128\" and https://tok@h/"), "\"http://u:***@h:3128\" and https://***@h/");
        assert_eq!(redact("https://host/a@b"), "https://host/a@b");
        assert_eq!(redact("no address"), "no address");
        assert_eq!(redact("https://a:b:c@d"), "https://a:***@d");
    }

    #[test]
    fn plain_http_is_only_for_this_machine() {
        for ok in ["http://127.0.0.1:8787/", "http://localhost/", "http://[::1]:1/", "https://api.example.com/"] {
            assert!(plain_http_refusal(&Url::parse(ok).unwrap()).is_none(), "{ok}");
        }
        let why = plain_http_refusal(&Url::parse("http://u:pw@api.example.com/").unwrap()).unwrap();
        assert!(why.contains("https://") && why.contains("token or API key") && !why.contains("pw"), "{why}");
    }
}
