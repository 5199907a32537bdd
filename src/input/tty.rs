//! Reads the terminal's bytes on a thread of its own, each chunk with the moment it arrived
//! (the router needs the pace). A blocking read on a dedicated thread wakes as soon as bytes
//! come, whatever the async runtime is doing; the end of input (the terminal went away) and a
//! read error are reported once, and the thread ends.

use std::io::Read;
use std::time::Instant;

pub enum Chunk {
    Bytes(Vec<u8>, Instant),
    /// Input ended or failed: the terminal is gone.
    Closed,
}

/// Starts the reader; it stops when `deliver` returns false (nobody listens any more).
pub fn spawn(mut deliver: impl FnMut(Chunk) -> bool + Send + 'static) -> std::io::Result<()> {
    std::thread::Builder::new().name("input".into()).spawn(move || {
        let stdin = std::io::stdin();
        let mut lock = stdin.lock();
        // As large as stdin's own buffer, so reads bypass it and return what is there.
        let mut buf = [0u8; 8192];
        loop {
            match lock.read(&mut buf) {
                // A signal (a window resize) interrupted the read: read again.
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Ok(0) | Err(_) => {
                    deliver(Chunk::Closed);
                    return;
                }
                Ok(n) => {
                    if !deliver(Chunk::Bytes(buf[..n].to_vec(), Instant::now())) {
                        return;
                    }
                }
            }
        }
    })?;
    Ok(())
}
