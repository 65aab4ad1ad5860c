/* The embedded server's credential lookup shared by the server-side C tests:
 * one user, "alice", password "secret". */
#ifndef PJSHIM_SRV_LOOKUP_H
#define PJSHIM_SRV_LOOKUP_H

#include <string.h>

#include "pjsip_auth_shim.h"

static inline pj_status_t lookup_alice(pj_pool_t *pool, const pj_str_t *realm,
                                       const pj_str_t *acc_name, pjsip_cred_info *cred)
{
    PJ_UNUSED_ARG(pool);
    PJ_UNUSED_ARG(realm);
    if (acc_name->slen != 5 || memcmp(acc_name->ptr, "alice", 5) != 0)
        return PJ_ENOTFOUND;
    memset(cred, 0, sizeof(*cred));
    cred->data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    cred->data = pj_str("secret");
    return PJ_SUCCESS;
}

#endif
