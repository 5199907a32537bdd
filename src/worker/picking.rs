//! Picking-list PDFs: saved under the data directory with a name a person can find again, then
//! handed to the configured print command (no shell: the words are the program and its
//! arguments, the file's path comes last).

use super::{Picking, PickingOutput};
use crate::api::ApiError;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A print command that has not finished by then is left running and reported as stuck.
const PRINT_TIMEOUT: Duration = Duration::from_secs(30);

/// Saves the PDF as `<dir>/<stem>.pdf` (never overwriting an older one) and prints it when a
/// command is set. A failed save or print is reported as such: the API call itself worked.
pub async fn save_and_print(out: &PickingOutput, stem: &str, pdf: &[u8]) -> Result<Picking, ApiError> {
    let path = match save(&out.dir, stem, pdf).await {
        Ok(p) => p,
        Err(e) => return Ok(Picking::NotSaved { dir: out.dir.clone(), why: e.to_string() }),
    };
    let printed = match &out.print_command {
        None => None,
        Some(words) => Some(print(words, &path).await),
    };
    Ok(Picking::Pdf { path, printed })
}

async fn save(dir: &Path, stem: &str, pdf: &[u8]) -> std::io::Result<PathBuf> {
    tokio::fs::create_dir_all(dir).await?;
    let safe: String =
        stem.chars().map(|c| if c.is_ascii_alphanumeric() || "-_.".contains(c) { c } else { '_' }).collect();
    for n in 0..1000 {
        let name = if n == 0 { format!("{safe}.pdf") } else { format!("{safe}-{n}.pdf") };
        let path = dir.join(name);
        // create_new: an older list of the same name is kept, never replaced.
        match tokio::fs::OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path).await {
            Ok(mut f) => {
                use tokio::io::AsyncWriteExt;
                f.write_all(pdf).await?;
                f.sync_all().await?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("a thousand picking lists of this name exist already"))
}

async fn print(words: &[String], path: &Path) -> Result<String, String> {
    let Some((program, args)) = words.split_first() else { return Err("the print command is empty".into()) };
    let shown = words.join(" ");
    let child = tokio::process::Command::new(program)
        .args(args)
        .arg(path)
        .stdin(std::process::Stdio::null())
        .kill_on_drop(false)
        .output();
    match tokio::time::timeout(PRINT_TIMEOUT, child).await {
        Err(_) => Err(format!("`{shown}` did not finish within {} s", PRINT_TIMEOUT.as_secs())),
        Ok(Err(e)) => Err(format!("`{shown}` could not be started: {e}")),
        Ok(Ok(out)) if out.status.success() => Ok(shown),
        Ok(Ok(out)) => {
            let said = String::from_utf8_lossy(&out.stderr);
            let said = said.trim().lines().next().unwrap_or("").chars().take(120).collect::<String>();
            Err(format!(
                "`{shown}` failed ({}){}",
                out.status,
                if said.is_empty() { String::new() } else { format!(": {said}") }
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn saves_without_overwriting_and_names_safely() {
        let dir = tempfile::tempdir().unwrap();
        let out = PickingOutput { dir: dir.path().join("picking-lists"), print_command: None };
        let a = save_and_print(&out, "PR 1001/x", b"%PDF-1").await.unwrap();
        let b = save_and_print(&out, "PR 1001/x", b"%PDF-2").await.unwrap();
        let (Picking::Pdf { path: a, printed: None }, Picking::Pdf { path: b, .. }) = (a, b) else { panic!() };
        assert_eq!(a.file_name().unwrap(), "PR_1001_x.pdf");
        assert_eq!(b.file_name().unwrap(), "PR_1001_x-1.pdf");
        assert_eq!(std::fs::read(&a).unwrap(), b"%PDF-1");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(&a).unwrap().permissions().mode() & 0o777, 0o600, "private to the station");
    }

    #[tokio::test]
    async fn a_failing_print_command_is_reported_with_the_saved_file() {
        let dir = tempfile::tempdir().unwrap();
        let out = PickingOutput { dir: dir.path().into(), print_command: Some(vec!["false".into()]) };
        let Picking::Pdf { path, printed: Some(Err(msg)) } = save_and_print(&out, "p", b"%PDF").await.unwrap() else {
            panic!("expected a failed print")
        };
        assert!(path.exists());
        assert!(msg.contains("`false` failed"), "{msg}");
        let out = PickingOutput { dir: dir.path().into(), print_command: Some(vec!["true".into()]) };
        let Picking::Pdf { printed: Some(Ok(cmd)), .. } = save_and_print(&out, "p", b"%PDF").await.unwrap() else {
            panic!("expected a print")
        };
        assert_eq!(cmd, "true");
    }

    #[tokio::test]
    async fn a_place_that_cannot_be_written_is_reported_not_an_api_error() {
        let out = PickingOutput { dir: "/proc/no/such/place".into(), print_command: None };
        let r = save_and_print(&out, "p", b"%PDF").await.unwrap();
        assert!(matches!(r, Picking::NotSaved { .. }), "{r:?}");
    }
}
