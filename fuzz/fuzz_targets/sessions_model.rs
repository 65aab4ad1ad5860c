//! The session table and token protocol (`auth::sessions::Sessions`) driven
//! by a fuzzed sequence of operations, checked against a plain model of what
//! must happen.
//!
//! Operations: open, open a copy, close, set_parent, configure, issue, claim
//! (as a send: through any session; as an abandon: through the token's own
//! session), forged session ids, forged and bit-flipped tokens, pending
//! counts. The model is a list of every session ever opened (live or not,
//! its parent link, setting and home) and of every token ever issued (its
//! owner, payload, whether still pending). Checked after every operation:
//! the result is the model's (success, payload, error kind); an issued
//! token carries the acting session's setting and home; close hands back
//! exactly the payloads pending on that session; each payload ends (claimed
//! or handed back by close) exactly once; `live_tokens` equals the model's
//! pending count. At the end every session is closed and no token is live.

#![no_main]

use libfuzzer_sys::fuzz_target;
use pjsip_auth_shim::auth::session::ClientSession;
use pjsip_auth_shim::auth::sessions::{SessionId, Sessions};
use pjsip_auth_shim::status::Error;
use pjsip_auth_shim::token::Token;

/// Open sessions at most, and pending tokens at most: with at most 64 free
/// slots kept per session, 8 * 64 + 256 < the table's 1024 token slots, so
/// running out (`TooMany`) is never a legitimate answer here.
const MAX_OPEN: usize = 8;
const MAX_PENDING: usize = 256;

struct MSession {
    id: SessionId,
    live: bool,
    parent: Option<SessionId>,
    setting: Option<u32>,
    home: usize,
}

struct MToken {
    token: Token,
    owner: SessionId,
    /// The session it was issued through (the owner, or a child of it).
    via: SessionId,
    payload: u64,
    pending: bool,
}

#[derive(Default)]
struct Model {
    sessions: Vec<MSession>,
    tokens: Vec<MToken>,
    /// How often each payload ended (claimed or revoked).
    ended: Vec<u32>,
}

impl Model {
    fn find(&self, id: SessionId) -> Option<&MSession> {
        self.sessions.iter().find(|s| s.id == id && s.live)
    }

    fn find_mut(&mut self, id: SessionId) -> Option<&mut MSession> {
        self.sessions.iter_mut().find(|s| s.id == id && s.live)
    }

    /// The acting session (its parent when one is set), or the error.
    fn acting(&self, id: SessionId) -> Result<SessionId, Error> {
        let s = self.find(id).ok_or(Error::InvalidArg)?;
        match s.parent {
            None => Ok(id),
            Some(p) => self.find(p).map(|p| p.id).ok_or(Error::InvalidArg),
        }
    }

    fn open_count(&self) -> usize {
        self.sessions.iter().filter(|s| s.live).count()
    }

    fn pending_on(&self, id: SessionId) -> usize {
        self.tokens
            .iter()
            .filter(|t| t.pending && t.owner == id)
            .count()
    }

    fn total_pending(&self) -> usize {
        self.tokens.iter().filter(|t| t.pending).count()
    }

    fn end(&mut self, payload: u64) {
        self.ended[payload as usize] += 1;
        assert_eq!(
            self.ended[payload as usize], 1,
            "payload {payload} ended twice"
        );
    }

    /// What a claim of `token` through `via` must give: pending on `via`
    /// itself or on the session acting for it.
    fn expect_claim(&self, via: SessionId, token: Token) -> Result<usize, Error> {
        let t = self
            .tokens
            .iter()
            .position(|t| t.pending && t.token == token);
        if let Some(i) = t.filter(|&i| self.tokens[i].owner == via) {
            return Ok(i);
        }
        let acting = self.acting(via)?;
        t.filter(|&i| self.tokens[i].owner == acting)
            .ok_or(Error::InvalidArg)
    }
}

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }

    fn word(&mut self) -> usize {
        let mut v = 0usize;
        for _ in 0..std::mem::size_of::<usize>() {
            v = v << 8 | self.byte().unwrap_or(0) as usize;
        }
        v
    }
}

type Table = Sessions<u32, u64>;

fn claim(t: &Table, m: &mut Model, via: SessionId, token: Token) {
    let want = m.expect_claim(via, token);
    let got = t.claim(via, token);
    match (want, got) {
        (Ok(i), Ok(p)) => {
            assert_eq!(p, m.tokens[i].payload, "claim returned another payload");
            m.tokens[i].pending = false;
            m.end(p);
        }
        (Err(w), Err(g)) => assert_eq!(w, g),
        (w, g) => panic!("claim: model {w:?}, table {g:?}"),
    }
}

fn close(t: &Table, m: &mut Model, id: SessionId) {
    let got = t.close(id);
    if m.find(id).is_none() {
        assert_eq!(
            got.err(),
            Some(Error::InvalidArg),
            "close of a dead session"
        );
        return;
    }
    let mut got = got.expect("close of a live session");
    let mut want: Vec<u64> = Vec::new();
    // Its own tokens, and those issued through it onto its (live) parent.
    let parent = m
        .find(id)
        .and_then(|s| s.parent)
        .filter(|&p| m.find(p).is_some());
    for tk in m
        .tokens
        .iter_mut()
        .filter(|tk| tk.pending && (tk.owner == id || (Some(tk.owner) == parent && tk.via == id)))
    {
        tk.pending = false;
        want.push(tk.payload);
    }
    got.sort_unstable();
    want.sort_unstable();
    assert_eq!(got, want, "close handed back other payloads");
    for p in got {
        m.end(p);
    }
    m.find_mut(id).expect("live").live = false;
}

fn check_fails(got: Result<impl std::fmt::Debug, Error>) {
    assert_eq!(
        got.err(),
        Some(Error::InvalidArg),
        "a forged id was accepted"
    );
}

fuzz_target!(|data: &[u8]| {
    let t: Table = Sessions::new(16, 1024);
    let mut m = Model::default();
    let mut inp = Input(data);
    let mut next_payload = 0u64;
    let mut steps = 0;
    while let Some(op) = inp.byte() {
        steps += 1;
        if steps > 2000 {
            break;
        }
        let pick_session = |b: u8, m: &Model| {
            (!m.sessions.is_empty()).then(|| m.sessions[b as usize % m.sessions.len()].id)
        };
        match op % 12 {
            0 | 9 => {
                if m.open_count() >= MAX_OPEN {
                    continue;
                }
                let home = m.sessions.len() + 1;
                if op % 12 == 0 {
                    let id = t.open(ClientSession::default(), home).expect("open");
                    m.sessions.push(MSession {
                        id,
                        live: true,
                        parent: None,
                        setting: None,
                        home,
                    });
                } else {
                    let Some(src) = pick_session(inp.byte().unwrap_or(0), &m) else {
                        continue;
                    };
                    let got = t.open_copy(src, home);
                    match m.find(src) {
                        None => assert_eq!(got.err(), Some(Error::InvalidArg)),
                        Some(s) => {
                            let (parent, setting) = (s.parent, s.setting);
                            let id = got.expect("copy of a live session");
                            m.sessions.push(MSession {
                                id,
                                live: true,
                                parent,
                                setting,
                                home,
                            });
                        }
                    }
                }
            }
            1 => {
                if let Some(id) = pick_session(inp.byte().unwrap_or(0), &m) {
                    close(&t, &mut m, id);
                }
            }
            2 => {
                let (a, b) = (inp.byte().unwrap_or(0), inp.byte().unwrap_or(0));
                let (Some(child), Some(parent)) = (pick_session(a, &m), pick_session(b, &m)) else {
                    continue;
                };
                let got = t.set_parent(child, parent);
                let want = if m.find(child).is_none() || m.find(parent).is_none() {
                    Err(Error::InvalidArg)
                } else {
                    // Refused when child is parent or one of its ancestors
                    // (following links through live sessions).
                    let mut cur = Some(parent);
                    let mut cycle = false;
                    while let Some(c) = cur {
                        if c == child {
                            cycle = true;
                            break;
                        }
                        cur = m.find(c).and_then(|s| s.parent);
                    }
                    if cycle {
                        Err(Error::InvalidArg)
                    } else {
                        Ok(())
                    }
                };
                assert_eq!(got, want, "set_parent");
                if want.is_ok() {
                    m.find_mut(child).expect("live").parent = Some(parent);
                }
            }
            3 => {
                let Some(id) = pick_session(inp.byte().unwrap_or(0), &m) else {
                    continue;
                };
                let setting = inp.byte().unwrap_or(0) as u32;
                let got = t.configure(id, setting);
                match m.acting(id) {
                    Err(e) => assert_eq!(got, Err(e)),
                    Ok(a) => {
                        assert_eq!(got, Ok(()));
                        m.find_mut(a).expect("live").setting = Some(setting);
                    }
                }
            }
            4 => {
                let Some(id) = pick_session(inp.byte().unwrap_or(0), &m) else {
                    continue;
                };
                if m.total_pending() >= MAX_PENDING {
                    continue;
                }
                let payload = next_payload;
                let got = t.issue(id, payload);
                let want = m.acting(id).and_then(|a| {
                    let s = m.find(a).expect("acting is live");
                    s.setting.map(|st| (a, st, s.home)).ok_or(Error::InvalidOp)
                });
                match (want, got) {
                    (Ok((acting, setting, home)), Ok(issued)) => {
                        assert_eq!(issued.setting, setting);
                        assert_eq!(issued.acting.id, acting);
                        assert_eq!(issued.acting.home, home);
                        assert!(
                            m.tokens
                                .iter()
                                .all(|tk| !tk.pending || tk.token != issued.token),
                            "a pending token value was issued again"
                        );
                        m.tokens.push(MToken {
                            token: issued.token,
                            owner: acting,
                            via: id,
                            payload,
                            pending: true,
                        });
                        m.ended.push(0);
                        next_payload += 1;
                    }
                    (Err(w), Err(g)) => assert_eq!(w, g, "issue"),
                    (w, g) => panic!("issue: model {w:?}, table {:?}", g.map(|i| i.token)),
                }
            }
            5 | 6 => {
                let (a, b) = (inp.byte().unwrap_or(0), inp.byte().unwrap_or(0));
                if m.tokens.is_empty() {
                    continue;
                }
                let i = b as usize % m.tokens.len();
                let token = m.tokens[i].token;
                let via = if op % 12 == 5 {
                    match pick_session(a, &m) {
                        Some(s) => s,
                        None => continue,
                    }
                } else {
                    m.tokens[i].owner
                };
                claim(&t, &mut m, via, token);
            }
            7 => {
                let Some(via) = pick_session(inp.byte().unwrap_or(0), &m) else {
                    continue;
                };
                let token = Token::from_raw(inp.word());
                claim(&t, &mut m, via, token);
            }
            8 => {
                let id = SessionId::from_raw(inp.word());
                if m.find(id).is_some() {
                    continue; // guessed a live id: not a forgery
                }
                check_fails(t.pending(id));
                check_fails(t.configure(id, 1));
                check_fails(t.issue(id, u64::MAX).map(|i| i.token));
                check_fails(t.acting(id));
                check_fails(t.close(id));
                check_fails(t.with_client(id, |_| ()));
                if let Some(other) = pick_session(inp.byte().unwrap_or(0), &m) {
                    check_fails(t.set_parent(id, other));
                    check_fails(t.set_parent(other, id));
                }
            }
            10 => {
                let Some(id) = pick_session(inp.byte().unwrap_or(0), &m) else {
                    continue;
                };
                let got = t.pending(id);
                let want = m.acting(id).map(|a| m.pending_on(a));
                assert_eq!(got, want, "pending");
            }
            _ => {
                let (a, b) = (inp.byte().unwrap_or(0), inp.byte().unwrap_or(0));
                if m.tokens.is_empty() {
                    continue;
                }
                let i = a as usize % m.tokens.len();
                let bit = b as u32 % usize::BITS;
                let token = Token::from_raw(m.tokens[i].token.raw() ^ (1usize << bit));
                let owner = m.tokens[i].owner;
                claim(&t, &mut m, owner, token);
            }
        }
        assert_eq!(t.live_tokens(), m.total_pending(), "live tokens");
    }
    let live: Vec<SessionId> = m.sessions.iter().filter(|s| s.live).map(|s| s.id).collect();
    for id in live {
        close(&t, &mut m, id);
    }
    assert_eq!(t.live_tokens(), 0);
    assert!(
        m.ended.iter().all(|&n| n == 1),
        "a token did not end exactly once"
    );
});
