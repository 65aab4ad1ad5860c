//! The UDP transport: one socket, datagrams in and out.
//!
//! Receiving waits at most a short tick per call, so that an event loop
//! thread notices timers scheduled from other threads and deadlines promptly.

use crate::status::{Error, Result};
use std::io::ErrorKind;
use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

/// Longest a single receive blocks.
pub const RECV_TICK: Duration = Duration::from_millis(10);

/// Largest datagram read (the SIP parser accepts at most 64 KiB).
const MAX_DATAGRAM: usize = 65_535;

/// A bound UDP socket.
#[derive(Debug)]
pub struct UdpTransport {
    socket: UdpSocket,
    local: SocketAddr,
}

impl UdpTransport {
    /// Binds `addr` (port 0: an ephemeral port).
    pub fn bind(addr: SocketAddr) -> Result<UdpTransport> {
        let socket = UdpSocket::bind(addr).map_err(|e| match e.kind() {
            ErrorKind::AddrInUse => Error::Exists,
            _ => Error::InvalidArg,
        })?;
        let local = socket.local_addr().map_err(|_| Error::Unknown)?;
        Ok(UdpTransport { socket, local })
    }

    /// The bound address (with the real port when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Sends one datagram.
    pub fn send_to(&self, bytes: &[u8], dest: SocketAddr) -> Result<()> {
        match self.socket.send_to(bytes, dest) {
            Ok(n) if n == bytes.len() => Ok(()),
            Ok(_) => Err(Error::TooBig),
            Err(_) => Err(Error::Unknown),
        }
    }

    /// Receives one datagram, waiting at most `wait` (clamped to 1 ms ..
    /// `RECV_TICK`). `None` when nothing came.
    pub fn recv(&self, wait: Duration) -> Option<(Vec<u8>, SocketAddr)> {
        let wait = wait.clamp(Duration::from_millis(1), RECV_TICK);
        self.socket.set_read_timeout(Some(wait)).ok()?;
        let mut buf = vec![0u8; MAX_DATAGRAM];
        match self.socket.recv_from(&mut buf) {
            Ok((n, src)) => {
                buf.truncate(n);
                Some((buf, src))
            }
            Err(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_round_trip() {
        let a = UdpTransport::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        let b = UdpTransport::bind("127.0.0.1:0".parse().unwrap()).unwrap();
        assert_ne!(a.local_addr().port(), 0);
        assert!(b.recv(Duration::from_millis(1)).is_none());
        a.send_to(b"hello", b.local_addr()).unwrap();
        let mut got = None;
        for _ in 0..200 {
            got = b.recv(RECV_TICK);
            if got.is_some() {
                break;
            }
        }
        let (bytes, src) = got.expect("datagram");
        assert_eq!(bytes, b"hello");
        assert_eq!(src, a.local_addr());
        assert_eq!(
            UdpTransport::bind(a.local_addr()).map(|_| ()),
            Err(Error::Exists)
        );
    }
}
