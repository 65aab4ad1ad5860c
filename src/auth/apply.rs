//! Applying a plan (`auth::planner`): edit the request through
//! `AuthRequest`, then commit the session updates. The session changes only
//! after every edit succeeded, so a nonce count or cnonce is never recorded
//! for an answer that was not put in the request.

use super::planner::Plan;
use super::session::ClientSession;
use super::view::{AuthKind, AuthRequest};
#[allow(unused_imports)]
use crate::prelude::*;
use crate::status::Result;

/// Removes the replaced authorization headers, adds the planned ones,
/// prepares the retry when the plan says so, then commits the session
/// updates. On an error from the request the session is unchanged.
pub fn apply<Q: AuthRequest + ?Sized>(
    plan: &mut Plan,
    request: &mut Q,
    session: &mut ClientSession,
) -> Result<()> {
    for kind in AuthKind::both() {
        request.remove_authorizations(kind, plan.removals(kind));
    }
    for a in plan.answers() {
        request.add_authorization(a.kind, plan.value(a))?;
    }
    if plan.prepares_retry() {
        request.prepare_retry();
    }
    commit(plan, session);
    Ok(())
}

/// Writes the plan's session updates: stale counts, nonce counts, cnonces,
/// new challenges, HA1 values. Indices into the cache were taken when the
/// plan was made, from this same session, unchanged since. Updates of
/// existing entries go first: a new entry may replace the least recently
/// used one in place (`ClientSession::insert_entry`), which must not move
/// an index another answer of this plan still refers to.
fn commit(plan: &mut Plan, session: &mut ClientSession) {
    if plan.resets_stale() {
        for e in &mut session.cache {
            e.stale_count = 0;
        }
    }
    for (alg, method, uri, h) in plan.new_ha2() {
        session.store_ha2(alg, method, uri, h);
    }
    let (answers, cnonces, text) = plan.take_updates();
    for new_entries in [false, true] {
        for a in answers.iter_mut() {
            let Some(u) = a.update.as_mut() else {
                continue;
            };
            let existing = u.entry.filter(|&i| i < session.cache.len());
            if existing.is_none() != new_entries {
                continue;
            }
            if let Some(h) = u.ha1.take() {
                session.store_ha1(h);
            }
            let new_cnonce = u.cnonce_range().map(|r| &cnonces[r]);
            let new_raw = u.raw_range().map(|r| &text[r]);
            match existing {
                Some(i) => {
                    let e = &mut session.cache[i];
                    if let Some(c) = u.challenge.take() {
                        e.chal = c;
                    }
                    e.nc = u.nc;
                    if let Some(cn) = new_cnonce {
                        e.cnonce.clear();
                        e.cnonce.extend_from_slice(cn);
                    }
                    if let Some(raw) = new_raw {
                        e.raw.clear();
                        e.raw.extend_from_slice(raw);
                    }
                    e.stale_count = u.stale_count;
                    session.touch(i);
                }
                None => {
                    if let Some(chal) = u.challenge.take() {
                        session.insert_entry(
                            a.kind.is_proxy(),
                            chal,
                            u.nc,
                            new_cnonce.unwrap_or_default(),
                            new_raw.unwrap_or_default(),
                            u.stale_count,
                        );
                    }
                }
            }
        }
    }
}
