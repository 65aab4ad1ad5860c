//! One Kamailio on 127.0.0.1 with the configuration in `interop/kamailio/`,
//! for the interop tests of both crates (`tests/kamailio.rs`,
//! `pj/tests/pjsua_kamailio.rs` include this file with `#[path]`). Each
//! instance has its own port, working directory and db_text copy, and is
//! stopped on drop (TERM, then KILL to its process group).

use std::net::UdpSocket;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A program on PATH or in the sbin directories (kamailio lives in /usr/sbin).
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/usr/local/sbin", "/sbin"].map(PathBuf::from))
        .map(|d| d.join(name))
        .find(|p| p.is_file())
}

/// A loopback UDP port free at the moment of asking.
pub fn free_udp_port() -> u16 {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.local_addr().unwrap().port()
}

/// Sends `sig` to the process group `pgid` (a process started with
/// process_group(0)).
fn signal_group(sig: &str, pgid: u32) {
    let _ = Command::new("kill")
        .args([sig, "--", &format!("-{pgid}")])
        .stderr(Stdio::null())
        .status();
}

/// A Kamailio registrar with digest auth on udp:127.0.0.1:`port`.
pub struct Kamailio {
    pub child: Child,
    pub dir: PathBuf,
    pub port: u16,
    /// "MD5" or "SHA-256": the algorithm it challenges with.
    pub alg: &'static str,
}

impl Kamailio {
    /// Starts one with `bin`, the configuration under `repo`/interop; up to
    /// three ports are tried.
    pub fn start(bin: &Path, repo: &Path, alg: &'static str) -> Kamailio {
        let mut last = String::new();
        for attempt in 0..3 {
            let port = free_udp_port();
            let dir = std::env::temp_dir().join(format!(
                "pjshim-kamailio-{}-{port}-{attempt}",
                std::process::id()
            ));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(dir.join("db")).unwrap();
            // db_text writes its tables back: a copy per instance.
            for table in ["version", "subscriber"] {
                std::fs::copy(
                    repo.join("interop/kamailio/db").join(table),
                    dir.join("db").join(table),
                )
                .unwrap();
            }
            let log = std::fs::File::create(dir.join("kamailio.log")).unwrap();
            let mut cmd = Command::new(bin);
            cmd.args(["-DD", "-E", "-m", "32", "-M", "4", "-f"])
                .arg(repo.join("interop/kamailio/kamailio.cfg"))
                .arg("-Y")
                .arg(&dir)
                .arg("-P")
                .arg(dir.join("kamailio.pid"))
                .arg("-A")
                .arg(format!("SHIM_PORT={port}"))
                .arg("-A")
                .arg(format!("SHIM_DB=\"text://{}\"", dir.join("db").display()));
            if alg == "SHA-256" {
                cmd.args(["-A", "SHA256"]);
            }
            cmd.stdin(Stdio::null())
                .stdout(log.try_clone().unwrap())
                .stderr(log)
                .process_group(0);
            let child = cmd.spawn().expect("spawn kamailio");
            let mut k = Kamailio {
                child,
                dir,
                port,
                alg,
            };
            if k.wait_ready() {
                eprintln!(
                    "kamailio {alg}: pid {} on udp:127.0.0.1:{port}",
                    k.child.id()
                );
                return k;
            }
            last = k.log();
            // Dropping k stops it; try another port.
        }
        panic!("kamailio ({alg}) did not start; last log:\n{last}");
    }

    /// Up to ~10 s for a 200 to OPTIONS (the configuration answers it);
    /// false if it exited or stayed silent.
    fn wait_ready(&mut self) -> bool {
        let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
        sock.set_read_timeout(Some(Duration::from_millis(200)))
            .unwrap();
        let lport = sock.local_addr().unwrap().port();
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut n = 0;
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return false;
            }
            n += 1;
            let msg = format!(
                "OPTIONS sip:127.0.0.1:{p} SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:{lport};rport;branch=z9hG4bKready{n}\r\n\
                 Max-Forwards: 5\r\nFrom: <sip:probe@shim.test>;tag=r{n}\r\nTo: <sip:127.0.0.1:{p}>\r\n\
                 Call-ID: ready-{lport}-{n}@127.0.0.1\r\nCSeq: {n} OPTIONS\r\nContent-Length: 0\r\n\r\n",
                p = self.port
            );
            let _ = sock.send_to(msg.as_bytes(), ("127.0.0.1", self.port));
            let mut buf = [0u8; 4096];
            if let Ok(len) = sock.recv(&mut buf) {
                if buf[..len].starts_with(b"SIP/2.0 200") {
                    return true;
                }
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("kamailio.log")).unwrap_or_default()
    }
}

impl Drop for Kamailio {
    fn drop(&mut self) {
        let pid = self.child.id();
        signal_group("-TERM", pid);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Its forked children: whatever is left of the group.
        signal_group("-KILL", pid);
        let _ = self.child.wait();
        if std::thread::panicking() {
            eprintln!("kamailio log kept in {}", self.dir.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}
