//! C credentials to core ones: `pjsip_cred_info` to `auth::credential::Credential`.
//! The one place the C numbering of credentials (`data_type`, and through
//! `digest::cred_algorithm` the `algorithm_type` of a pre-hashed HA1) is
//! turned into core types.

use super::auth_types::pjsip_cred_info;
use super::cast::str_bytes;
use super::digest::{cred_algorithm, CRED_DATA_DIGEST, CRED_DATA_PLAIN_PASSWD};
use super::types::pj_str_t;
use crate::auth::credential::{Credential, SecretKind};
use crate::status::{Error, Result};
use std::os::raw::c_int;

/// `PJSIP_CRED_DATA_EXT_AKA`: a flag bit of `data_type`.
const CRED_DATA_EXT_AKA: c_int = 16;

/// The kind of secret a C credential holds: AKA when the AKA bit is set, a
/// password, or a pre-hashed HA1 for its `algorithm_type` (NOT_SET meaning
/// MD5; a type this library cannot compute is kept as `Ha1Unsupported`).
/// Any other `data_type` is `InvalidArg`.
pub(crate) fn secret_kind(c: &pjsip_cred_info) -> Result<SecretKind> {
    if c.data_type & CRED_DATA_EXT_AKA != 0 {
        return Ok(SecretKind::Aka);
    }
    match c.data_type {
        CRED_DATA_PLAIN_PASSWD => Ok(SecretKind::Password),
        CRED_DATA_DIGEST => Ok(match cred_algorithm(c.algorithm_type) {
            Some(algorithm) => SecretKind::Ha1 { algorithm },
            None => SecretKind::Ha1Unsupported,
        }),
        _ => Err(Error::InvalidArg),
    }
}

/// The core credential for a C one (strings copied).
///
/// # Safety
/// The strings of `c` must be readable for their lengths.
pub(crate) unsafe fn credential_from_c(c: &pjsip_cred_info) -> Result<Credential> {
    let kind = secret_kind(c)?;
    // SAFETY: forwarded from the caller.
    let s = |p: &pj_str_t| unsafe { str_bytes(p) }.map(<[u8]>::to_vec);
    Ok(Credential {
        realm: s(&c.realm)?,
        scheme: s(&c.scheme)?,
        username: s(&c.username)?,
        data: s(&c.data)?,
        kind,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::digest::Algorithm;

    fn info(data_type: c_int, algorithm_type: c_int) -> pjsip_cred_info {
        // SAFETY: pjsip_cred_info is plain C data; all-zero is a valid value
        // (NULL strings of length 0).
        let mut c: pjsip_cred_info = unsafe { std::mem::zeroed() };
        c.data_type = data_type;
        c.algorithm_type = algorithm_type;
        c
    }

    #[test]
    fn kinds_from_c_numbers() {
        let k = |d, a| secret_kind(&info(d, a));
        assert_eq!(k(0, 0), Ok(SecretKind::Password));
        assert_eq!(k(0, 2), Ok(SecretKind::Password));
        let md5 = SecretKind::Ha1 {
            algorithm: Algorithm::Md5,
        };
        assert_eq!(k(1, 0), Ok(md5), "NOT_SET means MD5");
        assert_eq!(k(1, 1), Ok(md5));
        assert_eq!(
            k(1, 2),
            Ok(SecretKind::Ha1 {
                algorithm: Algorithm::Sha256
            })
        );
        assert_eq!(
            k(1, 3),
            Ok(SecretKind::Ha1 {
                algorithm: Algorithm::Sha512_256
            })
        );
        assert_eq!(k(1, 4), Ok(SecretKind::Ha1Unsupported));
        assert_eq!(k(1, 99), Ok(SecretKind::Ha1Unsupported));
        assert_eq!(k(16, 0), Ok(SecretKind::Aka));
        assert_eq!(k(17, 0), Ok(SecretKind::Aka));
        assert_eq!(k(2, 0), Err(Error::InvalidArg));
    }

    #[test]
    fn strings_are_copied() {
        let mut c = info(0, 0);
        let realm = b"example.com";
        c.realm = pj_str_t {
            ptr: realm.as_ptr() as *mut _,
            slen: realm.len() as _,
        };
        // SAFETY: every string of `c` is NULL/0 or points at `realm`, alive here.
        let cred = unsafe { credential_from_c(&c) }.unwrap();
        assert_eq!(cred.realm, realm);
        assert!(cred.username.is_empty());
        assert_eq!(cred.kind, SecretKind::Password);
    }
}
