/*
 * async_access.c: the async challenge structs of pjsip/sip_auth.h as the
 * Rust side (pj/src/session.rs) needs them: the setting's callback and user
 * data, the impl token's fields and signature, and calls of the
 * application's and integrator's functions with their real types.
 */
#include <pjsip.h>
#include <pjsip/sip_auth.h>
#include <pj/lock.h>
#include <pj/string.h>
#include "pjshim_glue.h"

void pjshim_glue_async_setting_view(const void *p, pjshim_fn *cb, void **user_data)
{
    const pjsip_auth_clt_async_setting *opt = (const pjsip_auth_clt_async_setting *)p;
    *cb = (pjshim_fn)opt->cb;
    *user_data = opt->user_data;
}

/* The application's challenge callback, with the caller's param but the
 * setting's user data (as PJSIP does). Returns the callback's verdict. */
int pjshim_glue_call_on_challenge(pjshim_fn cb, void *sess, void *token, const void *param,
                                  void *user_data)
{
    pjsip_auth_clt_async_on_chal_param cb_param = *(const pjsip_auth_clt_async_on_chal_param *)param;
    cb_param.user_data = user_data;
    return ((pjsip_auth_clt_async_on_challenge *)cb)((pjsip_auth_clt_sess *)sess, token,
                                                     &cb_param) != PJ_FALSE;
}

void pjshim_glue_impl_token_sign(void *p, int pending)
{
    pjsip_auth_clt_async_impl_token *t = (pjsip_auth_clt_async_impl_token *)p;
    if (pending)
        pj_memcpy(t->signature, "AUTH", 4);
    else
        pj_bzero(t->signature, 4);
}

void pjshim_glue_grp_lock_dec_ref(void *grp_lock)
{
    pj_grp_lock_dec_ref((pj_grp_lock_t *)grp_lock);
}
