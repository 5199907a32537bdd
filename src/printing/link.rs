//! One raw TCP connection to a Zebra printer (port 9100): sending a job, and asking `~HS` and
//! `~HQES`. Replies carry no length, so a reply is read frame by frame (STX…ETX) until it is
//! complete or the wait is over; a printer that stays silent is a result, not an error, since
//! Zebra printers do not answer `~HS` at all during paper out, ribbon out and head open.

use crate::domain::zebra::{ErrorStatus, FrameReader, HostStatus, StatusError};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

#[derive(Debug, thiserror::Error)]
pub enum LinkError {
    #[error("cannot reach the printer at {addr}: {reason}. Check that it is on, its network cable is in, and the address in [[printers]] is right")]
    Connect { addr: String, reason: String },
    #[error("the connection to the printer at {addr} broke: {reason}")]
    Broken { addr: String, reason: String },
    #[error("the printer at {addr} closed the connection")]
    Closed { addr: String },
    #[error("the printer at {addr} answered something that is not a Zebra status: {source}")]
    Status { addr: String, source: StatusError },
}

pub struct Link {
    addr: String,
    stream: TcpStream,
}

impl Link {
    pub async fn connect(addr: &str, wait: Duration) -> Result<Link, LinkError> {
        let err = |reason: String| LinkError::Connect { addr: addr.to_string(), reason };
        let stream = match tokio::time::timeout(wait, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => return Err(err(e.to_string())),
            Err(_) => return Err(err(format!("no answer within {} ms", wait.as_millis()))),
        };
        let _ = stream.set_nodelay(true);
        Ok(Link { addr: addr.to_string(), stream })
    }

    fn broken(&self, e: impl ToString) -> LinkError {
        LinkError::Broken { addr: self.addr.clone(), reason: e.to_string() }
    }

    /// Writes the bytes (a job or a command) and flushes them.
    pub async fn send(&mut self, data: &[u8], wait: Duration) -> Result<(), LinkError> {
        match tokio::time::timeout(wait, async {
            self.stream.write_all(data).await?;
            self.stream.flush().await
        })
        .await
        {
            Ok(Ok(())) => Ok(()),
            Ok(Err(e)) => Err(self.broken(e)),
            Err(_) => Err(self.broken(format!("the printer took no data for {} ms", wait.as_millis()))),
        }
    }

    /// Drops whatever arrived unasked (a late answer to an earlier question), so it is not
    /// taken for the answer to the next one.
    fn drain(&mut self) -> Result<(), LinkError> {
        let mut buf = [0u8; 512];
        loop {
            match self.stream.try_read(&mut buf) {
                Ok(0) => return Err(LinkError::Closed { addr: self.addr.clone() }),
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return Ok(()),
                Err(e) => return Err(self.broken(e)),
            }
        }
    }

    /// Sends `command` and collects frames until `done` says the reply is complete; `None` when
    /// the printer stayed silent for `wait`.
    async fn ask(
        &mut self,
        command: &[u8],
        wait: Duration,
        done: impl Fn(&[Vec<u8>]) -> bool,
    ) -> Result<Option<Vec<Vec<u8>>>, LinkError> {
        self.drain()?;
        self.send(command, wait).await?;
        let deadline = tokio::time::Instant::now() + wait;
        let mut reader = FrameReader::new();
        let mut buf = [0u8; 512];
        loop {
            if done(reader.frames()) {
                return Ok(Some(reader.take()));
            }
            let n = match tokio::time::timeout_at(deadline, self.stream.read(&mut buf)).await {
                Err(_) => return Ok(None),
                Ok(Ok(0)) => return Err(LinkError::Closed { addr: self.addr.clone() }),
                Ok(Ok(n)) => n,
                Ok(Err(e)) => return Err(self.broken(e)),
            };
            reader.push(&buf[..n]).map_err(|source| LinkError::Status { addr: self.addr.clone(), source })?;
        }
    }

    /// `~HS`: the host status, or `None` when the printer does not answer (as during paper out,
    /// ribbon out and head open).
    pub async fn host_status(&mut self, wait: Duration) -> Result<Option<HostStatus>, LinkError> {
        let Some(frames) = self.ask(b"~HS\r\n", wait, |f| f.len() >= 3).await? else { return Ok(None) };
        HostStatus::parse(&frames[..3])
            .map(Some)
            .map_err(|source| LinkError::Status { addr: self.addr.clone(), source })
    }

    /// `~HQES`: the error and warning bits, or `None` when the printer does not answer.
    pub async fn error_status(&mut self, wait: Duration) -> Result<Option<ErrorStatus>, LinkError> {
        let is_hqes = |f: &Vec<u8>| f.windows(9).any(|w| w == b"WARNINGS:");
        let Some(frames) = self.ask(b"~HQES\r\n", wait, |f| f.iter().any(is_hqes)).await? else {
            return Ok(None);
        };
        let frame = frames.iter().find(|f| is_hqes(f)).map(Vec::as_slice).unwrap_or_default();
        ErrorStatus::parse(frame).map(Some).map_err(|source| LinkError::Status { addr: self.addr.clone(), source })
    }
}
