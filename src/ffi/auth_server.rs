//! Server-side digest authentication (PJSIP's `pjsip_auth_srv_*`): the C
//! face of `auth::server`. `pjsip_auth_srv` and the lookup typedefs are
//! written by hand in the header (function-type pointers); these Rust types
//! mirror them.

use super::auth_types::pjsip_cred_info;
use super::cast::{cstr_bytes, str_bytes, try_mut, try_ref, write_out};
use super::digest::{cred_algorithm, CRED_DATA_DIGEST, CRED_DATA_PLAIN_PASSWD};
use super::msg::{pjsip_rx_data, pjsip_tx_data, rx_data_ref, tx_data_ref};
use super::panic::guard;
use super::pool::{pj_pool_t, pool_ref, pool_strdup};
use super::status::{status_of, to_status, PJ_EBUG};
use super::types::{pj_bool_t, pj_status_t, pj_str_t, PJ_FALSE, PJ_TRUE};
use crate::auth::server::{now_secs, ServerAuth, StoredSecret};
use crate::digest::Algorithm;
use crate::hooks::log;
use crate::pool::Pool;
use crate::status::{Error, Result};
use std::os::raw::{c_char, c_int, c_uint};

/// Option bit of pjsip_auth_srv_init(): the server is a proxy (407,
/// Proxy-Authenticate / Proxy-Authorization).
pub const PJSIP_AUTH_SRV_IS_PROXY: c_uint = 1;

/// Credential lookup by realm and account name (function type, written by hand in the header).
pub type pjsip_auth_lookup_cred = unsafe extern "C" fn(
    pool: *mut pj_pool_t,
    realm: *const pj_str_t,
    acc_name: *const pj_str_t,
    cred_info: *mut pjsip_cred_info,
) -> pj_status_t;

/// A nullable pointer to a pjsip_auth_lookup_cred (hand-written typedef in the header).
pub type pjsip_auth_lookup_cred_ptr = Option<pjsip_auth_lookup_cred>;

/// Parameter of pjsip_auth_lookup_cred2.
#[repr(C)]
pub struct pjsip_auth_lookup_cred_param {
    /// The realm of the credentials.
    pub realm: pj_str_t,
    /// The account name (username parameter).
    pub acc_name: pj_str_t,
    /// The request being verified.
    pub rdata: *mut pjsip_rx_data,
}

/// Credential lookup with the request (function type, written by hand in the header).
pub type pjsip_auth_lookup_cred2 = unsafe extern "C" fn(
    pool: *mut pj_pool_t,
    param: *const pjsip_auth_lookup_cred_param,
    cred_info: *mut pjsip_cred_info,
) -> pj_status_t;

/// A server authentication instance, embedded by the application (written by hand in the header).
#[repr(C)]
pub struct pjsip_auth_srv {
    /// The realm, in pool memory.
    pub realm: pj_str_t,
    /// PJ_TRUE for a proxy.
    pub is_proxy: pj_bool_t,
    /// Lookup set by pjsip_auth_srv_init().
    pub lookup: Option<pjsip_auth_lookup_cred>,
    /// Lookup set by pjsip_auth_srv_init2().
    pub lookup2: Option<pjsip_auth_lookup_cred2>,
}

/// Parameter of pjsip_auth_srv_init2() (written by hand in the header).
#[repr(C)]
pub struct pjsip_auth_srv_init_param {
    /// The realm (copied).
    pub realm: *const pj_str_t,
    /// The lookup; must not be NULL.
    pub lookup2: Option<pjsip_auth_lookup_cred2>,
    /// PJSIP_AUTH_SRV_IS_PROXY or 0.
    pub options: c_uint,
}

unsafe fn init(
    pool: *mut pj_pool_t,
    srv: *mut pjsip_auth_srv,
    realm: *const pj_str_t,
    lookup: Option<pjsip_auth_lookup_cred>,
    lookup2: Option<pjsip_auth_lookup_cred2>,
    options: c_uint,
) -> Result<()> {
    // SAFETY: the caller's pool, checked for NULL.
    let pool = unsafe { pool_ref(pool) }?;
    // SAFETY: the caller's struct, checked for NULL.
    let srv = unsafe { try_mut(srv) }?;
    // SAFETY: the caller's realm, checked for NULL; its bytes are readable.
    let realm = unsafe { str_bytes(try_ref(realm)?) }?;
    if lookup.is_none() && lookup2.is_none() {
        return Err(Error::InvalidArg);
    }
    // Written whole, without reading the (possibly uninitialised) struct.
    // SAFETY: srv is a valid, exclusive pointer.
    unsafe {
        write_out(
            srv,
            pjsip_auth_srv {
                realm: pool_strdup(pool, realm),
                is_proxy: if options & PJSIP_AUTH_SRV_IS_PROXY != 0 {
                    PJ_TRUE
                } else {
                    PJ_FALSE
                },
                lookup,
                lookup2,
            },
        )
    };
    Ok(())
}

/// Initialises `srv` for `realm` (copied into `pool`, which must outlive
/// `srv`) with credential lookup `lookup`; `options` PJSIP_AUTH_SRV_IS_PROXY
/// makes it a proxy. NULL pool, srv, realm or lookup: PJ_EINVAL. Nothing to
/// free; `srv` may be shared by threads once initialised.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_srv_init(
    pool: *mut pj_pool_t,
    srv: *mut pjsip_auth_srv,
    realm: *const pj_str_t,
    lookup: pjsip_auth_lookup_cred_ptr,
    options: c_uint,
) -> pj_status_t {
    // SAFETY: forwarded C arguments, checked in init().
    guard(PJ_EBUG, || {
        status_of(unsafe { init(pool, srv, realm, lookup, None, options) })
    })
}

/// As pjsip_auth_srv_init() with the realm, lookup2 (called with the request)
/// and options from `param`. NULL pool, srv, param, param->realm or
/// param->lookup2: PJ_EINVAL.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_srv_init2(
    pool: *mut pj_pool_t,
    srv: *mut pjsip_auth_srv,
    param: *const pjsip_auth_srv_init_param,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: the caller's param, checked for NULL.
            let p = unsafe { try_ref(param) }?;
            let lookup2 = p.lookup2.ok_or(Error::InvalidArg)?;
            // SAFETY: forwarded C arguments, checked in init().
            unsafe { init(pool, srv, p.realm, None, Some(lookup2), p.options) }
        })())
    })
}

fn server_of(srv: &pjsip_auth_srv) -> Result<ServerAuth> {
    // SAFETY: the realm was copied into the caller's pool by init.
    let realm = unsafe { str_bytes(&srv.realm) }?;
    Ok(ServerAuth {
        realm: realm.to_vec(),
        is_proxy: srv.is_proxy != PJ_FALSE,
    })
}

/// Calls the application's lookup for `acc_name` and converts the credential.
unsafe fn lookup(
    srv: &pjsip_auth_srv,
    rdata: *const pjsip_rx_data,
    acc_name: &[u8],
) -> Option<StoredSecret> {
    let pool = Pool::new(Some(b"authsrv"), 512, 512);
    let pool_ptr = &pool as *const Pool as *mut pj_pool_t;
    let name = pj_str_t {
        ptr: acc_name.as_ptr() as *mut _,
        slen: acc_name.len() as _,
    };
    // SAFETY: pjsip_cred_info is plain C data (pointers, ints, a union of
    // them, an Option fn pointer): all-zero is a valid value.
    let mut cred: pjsip_cred_info = unsafe { std::mem::zeroed() };
    let st = if let Some(f) = srv.lookup2 {
        let param = pjsip_auth_lookup_cred_param {
            realm: srv.realm,
            acc_name: name,
            rdata: rdata as *mut _,
        };
        // SAFETY: the application's callback, with valid pointers alive for the call.
        unsafe { f(pool_ptr, &param, &mut cred) }
    } else if let Some(f) = srv.lookup {
        // SAFETY: as above.
        unsafe { f(pool_ptr, &srv.realm, &name, &mut cred) }
    } else {
        return None;
    };
    if st != 0 {
        return None;
    }
    // SAFETY: the callback filled `data` with memory valid at least until the pool goes.
    let data = unsafe { str_bytes(&cred.data) }.ok()?.to_vec();
    match cred.data_type {
        CRED_DATA_PLAIN_PASSWD => Some(StoredSecret::Password(data)),
        CRED_DATA_DIGEST => Some(StoredSecret::Ha1Hex {
            algorithm: cred_algorithm(cred.algorithm_type)?,
            hex: data,
        }),
        _ => None,
    }
}

/// Verifies the credentials of request `rdata` (Authorization, or
/// Proxy-Authorization for a proxy, for this realm). Returns PJ_SUCCESS and
/// sets `*status_code` to 200 when authenticated. Otherwise, with
/// `*status_code` also written (401/407 unless stated): PJSIP_ENOTREQUESTMSG
/// (400) for a response; PJSIP_EAUTHNOAUTH when no credentials for the realm;
/// PJSIP_EINVALIDHDR (400) for malformed ones; PJSIP_EMSGTOOLONG (513,
/// RFC 3261 "Message Too Large") for a value over 64 KiB; PJSIP_EINVALIDQOP (400);
/// PJSIP_EINVALIDALGORITHM for an unknown algorithm or an HA1 credential of
/// another hash; PJ_ENOTSUP for userhash=true (unsupported); PJSIP_EAUTHINNONCE
/// for a nonce not minted by this library, forged or older than 5 minutes
/// (challenge again, with stale=true); PJSIP_EAUTHACCNOTFOUND when the lookup
/// fails or returns a data_type other than PLAIN_PASSWD/DIGEST; PJ_EINVAL
/// (500) for a DIGEST credential whose data is not hex of the right length;
/// PJSIP_EFAILEDCREDENTIAL for a
/// wrong response (compared in constant time). NULL srv, rdata or
/// status_code: PJ_EINVAL, nothing written. The lookup runs on the calling
/// thread with a temporary pool released on return.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_srv_verify(
    srv: *mut pjsip_auth_srv,
    rdata: *mut pjsip_rx_data,
    status_code: *mut c_int,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        let r = (|| {
            // SAFETY: the caller's initialised struct, checked for NULL.
            let s = unsafe { try_ref(srv) }?;
            // SAFETY: the caller's rx_data, checked for NULL.
            let rd = unsafe { rx_data_ref(rdata) }?;
            if status_code.is_null() {
                return Err(Error::InvalidArg);
            }
            let server = server_of(s)?;
            // SAFETY: s and rdata are valid for this call.
            let v = server.verify(rd.msg(), now_secs(), |name| unsafe {
                lookup(s, rdata, name)
            });
            if let Err(e) = v.result {
                log::log(log::WARN, || {
                    format!("auth_srv: credentials refused: {e:?}")
                });
            }
            // SAFETY: checked for NULL above.
            unsafe { write_out(status_code, c_int::from(v.status_code)) };
            Ok(v.result)
        })();
        match r {
            Ok(inner) => status_of(inner),
            Err(e) => to_status(e),
        }
    })
}

unsafe fn opt_str<'a>(p: *const pj_str_t) -> Result<Option<&'a [u8]>> {
    if p.is_null() {
        return Ok(None);
    }
    // SAFETY: non-NULL; the caller's string.
    Ok(Some(unsafe { str_bytes(&*p) }?))
}

unsafe fn challenge(
    srv: *mut pjsip_auth_srv,
    qop: *const pj_str_t,
    nonce: *const pj_str_t,
    opaque: *const pj_str_t,
    stale: pj_bool_t,
    tdata: *mut pjsip_tx_data,
    alg: Algorithm,
) -> Result<()> {
    // SAFETY: the caller's struct, checked for NULL.
    let s = unsafe { try_ref(srv) }?;
    // SAFETY: the caller's tx_data, checked for NULL.
    let t = unsafe { tx_data_ref(tdata) }?;
    // SAFETY: the caller's strings (NULL allowed).
    let (qop, nonce, opaque) = unsafe { (opt_str(qop)?, opt_str(nonce)?, opt_str(opaque)?) };
    let server = server_of(s)?;
    t.with_msg(|m| {
        if m.is_request() {
            return Err(Error::NotResponseMsg);
        }
        server.challenge(m, qop, nonce, opaque, stale != PJ_FALSE, alg);
        Ok(())
    })
}

/// Adds a challenge to response `tdata`: WWW-Authenticate (Proxy-Authenticate
/// for a proxy) `Digest realm="..", nonce="..", opaque="..", qop="..",
/// algorithm=MD5` plus `, stale=true` when `stale`. NULL `qop` means "auth";
/// NULL `nonce` mints a fresh one (the only kind pjsip_auth_srv_verify()
/// accepts: an explicit nonce is sent as given but later rejected with
/// PJSIP_EAUTHINNONCE); NULL `opaque` makes a random one. NULL srv or tdata:
/// PJ_EINVAL; a request tdata: PJSIP_ENOTRESPONSEMSG.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_srv_challenge(
    srv: *mut pjsip_auth_srv,
    qop: *const pj_str_t,
    nonce: *const pj_str_t,
    opaque: *const pj_str_t,
    stale: pj_bool_t,
    tdata: *mut pjsip_tx_data,
) -> pj_status_t {
    // SAFETY: forwarded C arguments, checked in challenge().
    guard(PJ_EBUG, || {
        status_of(unsafe { challenge(srv, qop, nonce, opaque, stale, tdata, Algorithm::Md5) })
    })
}

/// As pjsip_auth_srv_challenge() with `algorithm_type` MD5, SHA256 or
/// SHA512_256 (NOT_SET means MD5); any other: PJSIP_EINVALIDALGORITHM.
#[no_mangle]
pub unsafe extern "C" fn pjsip_auth_srv_challenge2(
    srv: *mut pjsip_auth_srv,
    qop: *const pj_str_t,
    nonce: *const pj_str_t,
    opaque: *const pj_str_t,
    stale: pj_bool_t,
    tdata: *mut pjsip_tx_data,
    algorithm_type: c_int,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        match cred_algorithm(algorithm_type) {
            // SAFETY: forwarded C arguments, checked in challenge().
            Some(a) => status_of(unsafe { challenge(srv, qop, nonce, opaque, stale, tdata, a) }),
            None => to_status(Error::InvalidAlgorithm),
        }
    })
}

/// Bearer mode of the embedded server (RFC 8898 / RFC 6750), for testing
/// clients: adds `WWW-Authenticate: Bearer realm="<realm>"` (Proxy-Authenticate
/// for a proxy) to response `tdata`, with `, error="<error>"` when `error` is
/// not NULL (NUL-terminated; "invalid_token" tells the client its token was
/// refused). NULL srv or tdata, or an error with characters other than
/// letters, digits, `_` and `-`: PJ_EINVAL; a request tdata:
/// PJSIP_ENOTRESPONSEMSG.
#[no_mangle]
pub unsafe extern "C" fn pjshim_auth_srv_challenge_bearer(
    srv: *mut pjsip_auth_srv,
    error: *const c_char,
    tdata: *mut pjsip_tx_data,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        status_of((|| {
            // SAFETY: the caller's struct, checked for NULL.
            let s = unsafe { try_ref(srv) }?;
            // SAFETY: the caller's tx_data, checked for NULL.
            let t = unsafe { tx_data_ref(tdata) }?;
            let error = if error.is_null() {
                None
            } else {
                // SAFETY: non-NULL and NUL-terminated by the caller's promise.
                Some(unsafe { cstr_bytes(error) }?)
            };
            let server = server_of(s)?;
            t.with_msg(|m| {
                if m.is_request() {
                    return Err(Error::NotResponseMsg);
                }
                server.challenge_bearer(m, error)
            })
        })())
    })
}

/// Bearer mode: checks that request `rdata` carries `Authorization: Bearer
/// <token>` (Proxy-Authorization for a proxy) with exactly `*token` (compared
/// in constant time). PJ_SUCCESS with `*status_code` 200; otherwise, with
/// `*status_code` written: PJSIP_ENOTREQUESTMSG (400) for a response,
/// PJSIP_EAUTHNOAUTH (401/407) without a Bearer authorization,
/// PJSIP_EFAILEDCREDENTIAL (401/407) for another token (challenge again with
/// error "invalid_token"). NULL srv, rdata, token or status_code: PJ_EINVAL,
/// nothing written.
#[no_mangle]
pub unsafe extern "C" fn pjshim_auth_srv_verify_bearer(
    srv: *mut pjsip_auth_srv,
    rdata: *mut pjsip_rx_data,
    token: *const pj_str_t,
    status_code: *mut c_int,
) -> pj_status_t {
    guard(PJ_EBUG, || {
        let r = (|| {
            // SAFETY: the caller's initialised struct, checked for NULL.
            let s = unsafe { try_ref(srv) }?;
            // SAFETY: the caller's rx_data, checked for NULL.
            let rd = unsafe { rx_data_ref(rdata) }?;
            // SAFETY: the caller's string, checked for NULL.
            let expected = unsafe { str_bytes(try_ref(token)?) }?;
            if status_code.is_null() {
                return Err(Error::InvalidArg);
            }
            let v = server_of(s)?.verify_bearer(rd.msg(), expected);
            if v.result.is_err() {
                log::log(log::WARN, || "auth_srv: Bearer token refused".into());
            }
            // SAFETY: checked for NULL above.
            unsafe { write_out(status_code, c_int::from(v.status_code)) };
            Ok(v.result)
        })();
        match r {
            Ok(inner) => status_of(inner),
            Err(e) => to_status(e),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::mem::size_of;

    #[test]
    fn layout_matches_pjsip_lp64() {
        // Also asserted from C in c-tests/layout.c.
        assert_eq!(size_of::<pjsip_auth_srv>(), 40);
        assert_eq!(size_of::<pjsip_auth_srv_init_param>(), 24);
        assert_eq!(size_of::<pjsip_auth_lookup_cred_param>(), 40);
    }
}
