/*
 * auth_client.c: the drop-in's replacement of PJSIP's sip_auth_client.o.
 *
 * This one object defines all 23 global symbols of that object (the 22
 * functions of pjsip/sip_auth.h's client side and the pjsip_auth_algorithms
 * table) and nothing else of PJSIP's namespaces, so that when our archive is
 * placed before libpjsip the linker takes all 23 from here, whatever order a
 * program references them in, and never pulls the stock object in.
 *
 * Each function only converts: it checks the pointers, turns PJSIP's
 * pj_str_t / structs (laid out by the user's own headers) into the plain
 * types of pjshim_glue.h, and forwards to the Rust side (pjshim_pj_*), which
 * decides everything. Struct accessors the Rust side calls back are at the
 * end of this file (credentials, preferences) and in msg_access.c (messages).
 */
#include <pjsip.h>
#include <pjsip/sip_auth.h>
#include <pj/string.h>
#include <pj/pool.h>
#include "pjshim_glue.h"

/* The pj_status_t values the Rust side returns, checked against the user's
 * headers. */
_Static_assert(PJ_SUCCESS == 0 && PJ_EUNKNOWN == 70001 && PJ_EINVAL == 70004 &&
                   PJ_ENOMEM == 70007 && PJ_EBUG == 70008 && PJ_ETOOMANY == 70010 &&
                   PJ_ENOTSUP == 70012 && PJ_EINVALIDOP == 70013 && PJ_ETOOBIG == 70017 &&
                   PJ_EIGNORED == 70020,
               "pjlib status values of pj/src/status.rs");
_Static_assert(PJSIP_ENOTINITIALIZED == 171004 && PJSIP_ENOTREQUESTMSG == 171021 &&
                   PJSIP_ENOTRESPONSEMSG == 171022 && PJSIP_EINVALIDSTATUS == 171030 &&
                   PJSIP_EMISSINGHDR == 171050 && PJSIP_EFAILEDCREDENTIAL == 171100 &&
                   PJSIP_ENOCREDENTIAL == 171101 && PJSIP_EINVALIDALGORITHM == 171102 &&
                   PJSIP_EINVALIDQOP == 171103 && PJSIP_EINVALIDAUTHSCHEME == 171104 &&
                   PJSIP_EAUTHNOAUTH == 171106 && PJSIP_EAUTHSTALECOUNT == 171111 &&
                   PJSIP_EAUTHNOCHAL == 171114,
               "pjsip status values of pj/src/status.rs");

/* The enum values the Rust side numbers algorithms and credential kinds by
 * (PJSIP's ABI, pj/src/algorithm.rs). */
_Static_assert(PJSIP_AUTH_ALGORITHM_NOT_SET == 0 && PJSIP_AUTH_ALGORITHM_MD5 == 1 &&
                   PJSIP_AUTH_ALGORITHM_SHA256 == 2 && PJSIP_AUTH_ALGORITHM_SHA512_256 == 3 &&
                   PJSIP_AUTH_ALGORITHM_AKAV1_MD5 == 4 && PJSIP_AUTH_ALGORITHM_AKAV2_MD5 == 5 &&
                   PJSIP_AUTH_ALGORITHM_COUNT == 6,
               "pjsip_auth_algorithm_type values");
_Static_assert(PJSIP_CRED_DATA_PLAIN_PASSWD == 0 && PJSIP_CRED_DATA_DIGEST == 1 &&
                   PJSIP_CRED_DATA_EXT_AKA == 16 && PJSIP_CRED_DATA_PASSWD_MASK == 0x0f &&
                   PJSIP_CRED_DATA_EXT_MASK == 0xf0,
               "pjsip_cred_data_type values");

/* The session's state lives on the Rust side; the struct the application
 * embeds (pjsip_regc, pjsip_dialog, pjsua accounts...) keeps the size
 * PJSIP's header gives it and holds our pjshim_sess_words at its start. */
_Static_assert(sizeof(pjsip_auth_clt_sess) >= sizeof(pjshim_sess_words),
               "pjsip_auth_clt_sess is too small for the drop-in's session handle");

/* Sets the handle slot; with magic 0 the whole struct is cleared first (a
 * fresh or retired session holds nothing but zeros, as after PJSIP's init). */
void pjshim_glue_sess_set(void *sess, unsigned long long magic, unsigned long long handle)
{
    pjshim_sess_words *st = (pjshim_sess_words *)sess;
    if (magic == 0)
        pj_bzero(sess, sizeof(pjsip_auth_clt_sess));
    st->magic = magic;
    st->handle = handle;
}

/* A symbol only this library defines, in the object that defines the 23:
 * present in every program linked with ours (nm prog | grep pjshim_pj_version)
 * and in none linked with PJSIP's. PJSHIM_PJ_VERSION comes from build.rs. */
const char *pjshim_pj_version(void)
{
    return "pjsip-auth-shim-pj " PJSHIM_PJ_VERSION;
}

/* The algorithm table, PJSIP's values: indexed by pjsip_auth_algorithm_type
 * (PJSIP's own code does pjsip_auth_algorithms[type]), NOT_SET and COUNT
 * entries empty. */
const pjsip_auth_algorithm pjsip_auth_algorithms[] = {
    {PJSIP_AUTH_ALGORITHM_NOT_SET, {(char *)"", 0}, "", 0, 0},
    {PJSIP_AUTH_ALGORITHM_MD5, {(char *)"MD5", 3}, "MD5", 16, 32},
    {PJSIP_AUTH_ALGORITHM_SHA256, {(char *)"SHA-256", 7}, "SHA256", 32, 64},
    {PJSIP_AUTH_ALGORITHM_SHA512_256, {(char *)"SHA-512-256", 11}, "SHA512-256", 32, 64},
    {PJSIP_AUTH_ALGORITHM_AKAV1_MD5, {(char *)"AKAv1-MD5", 9}, "", 16, 32},
    {PJSIP_AUTH_ALGORITHM_AKAV2_MD5, {(char *)"AKAv2-MD5", 9}, "", 16, 32},
    {PJSIP_AUTH_ALGORITHM_COUNT, {(char *)"", 0}, "", 0, 0},
};
_Static_assert(sizeof(pjsip_auth_algorithms) / sizeof(pjsip_auth_algorithms[0]) ==
                   PJSIP_AUTH_ALGORITHM_COUNT + 1,
               "one table entry per algorithm type");

/* pj_str_t -> pjshim_bytes. 0 for a string no caller may pass (negative
 * length, or NULL with a length). */
static int to_bytes(const pj_str_t *s, pjshim_bytes *out)
{
    if (s->slen < 0 || (s->ptr == NULL && s->slen != 0))
        return 0;
    out->ptr = s->ptr;
    out->len = (size_t)s->slen;
    return 1;
}

/* An optional pj_str_t argument: *slot NULL when absent. */
static int opt_bytes(const pj_str_t *s, pjshim_bytes *storage, const pjshim_bytes **slot)
{
    *slot = NULL;
    if (s == NULL)
        return 1;
    if (!to_bytes(s, storage))
        return 0;
    *slot = storage;
    return 1;
}

void pjshim_glue_cred_view(const void *p, pjshim_cred *out)
{
    const pjsip_cred_info *c = (const pjsip_cred_info *)p;
    pj_bzero(out, sizeof(*out));
    /* Invalid strings (negative length) read as empty: a view never
     * points outside what the caller passed. */
    if (!to_bytes(&c->realm, &out->realm))
        out->realm.len = 0;
    if (!to_bytes(&c->scheme, &out->scheme))
        out->scheme.len = 0;
    if (!to_bytes(&c->username, &out->username))
        out->username.len = 0;
    if (!to_bytes(&c->data, &out->data))
        out->data.len = 0;
    out->data_type = c->data_type;
    out->algorithm_type = (int)c->algorithm_type;
    if (PJSIP_CRED_DATA_IS_AKA(c)) {
        if (!to_bytes(&c->ext.aka.k, &out->aka_k))
            out->aka_k.len = 0;
        if (!to_bytes(&c->ext.aka.op, &out->aka_op))
            out->aka_op.len = 0;
        if (!to_bytes(&c->ext.aka.amf, &out->aka_amf))
            out->aka_amf.len = 0;
    }
}

void pjshim_glue_cred_copy(void *dst, const void *src)
{
    pj_memcpy(dst, src, sizeof(pjsip_cred_info));
}

static void set_str(pj_str_t *dst, const pjshim_bytes *b)
{
    dst->ptr = (char *)b->ptr;
    dst->slen = (pj_ssize_t)b->len;
}

void pjshim_glue_cred_store(void *p, const pjshim_cred *in)
{
    pjsip_cred_info *c = (pjsip_cred_info *)p;
    set_str(&c->realm, &in->realm);
    set_str(&c->scheme, &in->scheme);
    set_str(&c->username, &in->username);
    set_str(&c->data, &in->data);
    c->data_type = in->data_type;
    c->algorithm_type = (pjsip_auth_algorithm_type)in->algorithm_type;
    if (PJSIP_CRED_DATA_IS_AKA(c)) {
        set_str(&c->ext.aka.k, &in->aka_k);
        set_str(&c->ext.aka.op, &in->aka_op);
        set_str(&c->ext.aka.amf, &in->aka_amf);
    }
}

void pjshim_glue_pref_view(const void *p, int *initial_auth, pjshim_bytes *algorithm)
{
    const pjsip_auth_clt_pref *pref = (const pjsip_auth_clt_pref *)p;
    *initial_auth = pref->initial_auth;
    if (!to_bytes(&pref->algorithm, algorithm))
        algorithm->len = 0;
}

void pjshim_glue_pref_copy(void *dst, const void *src)
{
    pj_memcpy(dst, src, sizeof(pjsip_auth_clt_pref));
}

void pjshim_glue_pref_store(void *p, int initial_auth, const pjshim_bytes *algorithm)
{
    pjsip_auth_clt_pref *pref = (pjsip_auth_clt_pref *)p;
    pref->initial_auth = initial_auth;
    set_str(&pref->algorithm, algorithm);
}

/* The index-th element of an array of pjsip_cred_info. */
const void *pjshim_glue_cred_at(const void *array, int index)
{
    return (const pjsip_cred_info *)array + index;
}

void *pjshim_glue_pool_alloc(void *pool, size_t size)
{
    return pj_pool_alloc((pj_pool_t *)pool, size);
}

/* ---- The 23 ---- */

PJ_DEF(const pjsip_auth_algorithm *)
pjsip_auth_get_algorithm_by_type(pjsip_auth_algorithm_type algorithm_type)
{
    int i = pjshim_pj_algorithm_by_type((int)algorithm_type);
    return i < 0 ? NULL : &pjsip_auth_algorithms[i];
}

PJ_DEF(const pjsip_auth_algorithm *)
pjsip_auth_get_algorithm_by_iana_name(const pj_str_t *iana_name)
{
    pjshim_bytes name;
    int i;
    if (iana_name == NULL || !to_bytes(iana_name, &name))
        return NULL;
    i = pjshim_pj_algorithm_by_iana_name(&name);
    return i < 0 ? NULL : &pjsip_auth_algorithms[i];
}

PJ_DEF(pj_bool_t) pjsip_auth_is_algorithm_supported(pjsip_auth_algorithm_type algorithm_type)
{
    return pjshim_pj_algorithm_supported((int)algorithm_type) ? PJ_TRUE : PJ_FALSE;
}

PJ_DEF(pj_status_t)
pjsip_auth_create_digest2(pj_str_t *result, const pj_str_t *nonce, const pj_str_t *nc,
                          const pj_str_t *cnonce, const pj_str_t *qop, const pj_str_t *uri,
                          const pj_str_t *realm, const pjsip_cred_info *cred_info,
                          const pj_str_t *method,
                          const pjsip_auth_algorithm_type algorithm_type)
{
    pjshim_bytes b_nonce, b_nc, b_cnonce, b_qop, b_uri, b_realm, b_method;
    pjshim_digest_in in;
    ptrdiff_t len;
    int status;

    if (!result || !nonce || !uri || !realm || !cred_info || !method)
        return PJ_EINVAL;
    if (result->ptr == NULL && result->slen != 0)
        return PJ_EINVAL;
    if (!opt_bytes(nonce, &b_nonce, &in.nonce) || !opt_bytes(nc, &b_nc, &in.nc) ||
        !opt_bytes(cnonce, &b_cnonce, &in.cnonce) || !opt_bytes(qop, &b_qop, &in.qop) ||
        !opt_bytes(uri, &b_uri, &in.uri) || !opt_bytes(realm, &b_realm, &in.realm) ||
        !opt_bytes(method, &b_method, &in.method))
        return PJ_EINVAL;
    pjshim_glue_cred_view(cred_info, &in.cred);

    len = result->slen;
    status = pjshim_pj_create_digest2(&in, (int)algorithm_type, result->ptr, &len);
    result->slen = (pj_ssize_t)len;
    return status;
}

PJ_DEF(pj_status_t)
pjsip_auth_create_digest(pj_str_t *result, const pj_str_t *nonce, const pj_str_t *nc,
                         const pj_str_t *cnonce, const pj_str_t *qop, const pj_str_t *uri,
                         const pj_str_t *realm, const pjsip_cred_info *cred_info,
                         const pj_str_t *method)
{
    /* As PJSIP: an AKA credential is refused here (create_digest2 would
     * treat its password part as a plain password). */
    if (!cred_info || PJSIP_CRED_DATA_IS_AKA(cred_info))
        return PJ_EINVAL;
    return pjsip_auth_create_digest2(result, nonce, nc, cnonce, qop, uri, realm, cred_info,
                                     method, PJSIP_AUTH_ALGORITHM_MD5);
}

PJ_DEF(pj_status_t)
pjsip_auth_create_digestSHA256(pj_str_t *result, const pj_str_t *nonce, const pj_str_t *nc,
                               const pj_str_t *cnonce, const pj_str_t *qop,
                               const pj_str_t *uri, const pj_str_t *realm,
                               const pjsip_cred_info *cred_info, const pj_str_t *method)
{
    if (!cred_info || PJSIP_CRED_DATA_IS_AKA(cred_info))
        return PJ_EINVAL;
    return pjsip_auth_create_digest2(result, nonce, nc, cnonce, qop, uri, realm, cred_info,
                                     method, PJSIP_AUTH_ALGORITHM_SHA256);
}

PJ_DEF(void) pjsip_cred_info_dup(pj_pool_t *pool, pjsip_cred_info *dst,
                                 const pjsip_cred_info *src)
{
    if (!pool || !dst || !src)
        return;
    pjshim_pj_cred_dup(pool, dst, src);
}

PJ_DEF(int) pjsip_cred_info_cmp(const pjsip_cred_info *cred1, const pjsip_cred_info *cred2)
{
    pjshim_cred a, b;
    if (cred1 == cred2)
        return 0;
    if (!cred1 || !cred2)
        return cred1 ? 1 : -1;
    pjshim_glue_cred_view(cred1, &a);
    pjshim_glue_cred_view(cred2, &b);
    return pjshim_pj_cred_cmp(&a, &b);
}

PJ_DEF(void) pjsip_auth_clt_pref_dup(pj_pool_t *pool, pjsip_auth_clt_pref *dst,
                                     const pjsip_auth_clt_pref *src)
{
    if (!pool || !dst || !src)
        return;
    pjshim_pj_pref_dup(pool, dst, src);
}

/* Sessions: the state is the Rust side's; these only forward. */

PJ_DEF(pj_status_t) pjsip_auth_clt_init(pjsip_auth_clt_sess *sess, pjsip_endpoint *endpt,
                                        pj_pool_t *pool, unsigned options)
{
    if (!sess || !endpt || !pool || options != 0)
        return PJ_EINVAL;
    return pjshim_pj_clt_init(sess, endpt, pool, options);
}

PJ_DEF(pj_status_t) pjsip_auth_clt_deinit(pjsip_auth_clt_sess *sess)
{
    if (!sess)
        return PJ_EINVAL;
    return pjshim_pj_clt_deinit(sess);
}

PJ_DEF(pj_status_t) pjsip_auth_clt_clone(pj_pool_t *pool, pjsip_auth_clt_sess *sess,
                                         const pjsip_auth_clt_sess *rhs)
{
    if (!pool || !sess || !rhs)
        return PJ_EINVAL;
    return pjshim_pj_clt_clone(pool, sess, rhs);
}

PJ_DEF(pj_status_t) pjsip_auth_clt_set_credentials(pjsip_auth_clt_sess *sess, int cred_cnt,
                                                   const pjsip_cred_info *c)
{
    /* As PJSIP: c may not be NULL even with cred_cnt 0. */
    if (!sess || !c || cred_cnt < 0)
        return PJ_EINVAL;
    return pjshim_pj_clt_set_credentials(sess, cred_cnt, c);
}

PJ_DEF(pj_status_t) pjsip_auth_clt_set_prefs(pjsip_auth_clt_sess *sess,
                                             const pjsip_auth_clt_pref *p)
{
    if (!sess || !p)
        return PJ_EINVAL;
    return pjshim_pj_clt_set_prefs(sess, p);
}

PJ_DEF(pj_status_t) pjsip_auth_clt_get_prefs(pjsip_auth_clt_sess *sess,
                                             pjsip_auth_clt_pref *p)
{
    if (!sess || !p)
        return PJ_EINVAL;
    return pjshim_pj_clt_get_prefs(sess, p);
}

PJ_DEF(pj_status_t) pjsip_auth_clt_set_parent(pjsip_auth_clt_sess *sess,
                                              pjsip_auth_clt_sess *p)
{
    if (!sess)
        return PJ_EINVAL;
    return pjshim_pj_clt_set_parent(sess, p);
}

PJ_DEF(pj_status_t) pjsip_auth_clt_init_req(pjsip_auth_clt_sess *sess, pjsip_tx_data *tdata)
{
    if (!sess || !tdata)
        return PJ_EINVAL;
    return pjshim_pj_clt_init_req(sess, tdata);
}

PJ_DEF(pj_status_t) pjsip_auth_clt_reinit_req(pjsip_auth_clt_sess *sess,
                                              const pjsip_rx_data *rdata,
                                              pjsip_tx_data *old_request,
                                              pjsip_tx_data **new_request)
{
    void *out = NULL;
    pj_status_t status;
    if (!sess || !rdata || !old_request || !new_request)
        return PJ_EINVAL;
    status = pjshim_pj_clt_reinit_req(sess, rdata, old_request, &out);
    if (status == PJ_SUCCESS)
        *new_request = (pjsip_tx_data *)out;
    return status;
}

PJ_DEF(pj_status_t) pjsip_auth_clt_async_configure(pjsip_auth_clt_sess *sess,
                                                   const pjsip_auth_clt_async_setting *opt)
{
    if (!sess || !opt || !opt->cb)
        return PJ_EINVAL;
    return pjshim_pj_clt_async_configure(sess, opt);
}

/* send_req and abandon: the Rust side claims the token (or refuses it,
 * having touched nothing); the claimer finishes it here, with no lock held:
 * signature zeroed, the impl function once, then the group-lock reference
 * (PJSIP's own calls, on PJSIP's own structs). */
static void end_signature(const pjshim_claimed *c)
{
    pj_bzero(((pjsip_auth_clt_async_impl_token *)c->impl_token)->signature, 4);
}

PJ_DEF(pj_status_t) pjsip_auth_clt_async_send_req(pjsip_auth_clt_sess *sess, void *token,
                                                  pjsip_tx_data *new_request)
{
    pjshim_claimed c;
    pj_status_t status;
    if (!sess || !token || !new_request)
        return PJ_EINVAL;
    status = pjshim_pj_clt_async_claim(sess, token, &c);
    if (status != PJ_SUCCESS)
        return status;
    end_signature(&c);
    status = ((pjsip_auth_clt_async_impl_send *)c.send_impl)((pjsip_auth_clt_sess *)c.sess,
                                                             c.user_data, new_request);
    if (c.grp_lock)
        pj_grp_lock_dec_ref((pj_grp_lock_t *)c.grp_lock);
    return status;
}

PJ_DEF(pj_status_t) pjsip_auth_clt_async_abandon(pjsip_auth_clt_sess *sess, void *token)
{
    pjshim_claimed c;
    pj_status_t status;
    if (!sess || !token)
        return PJ_EINVAL;
    status = pjshim_pj_clt_async_claim(sess, token, &c);
    if (status != PJ_SUCCESS)
        return status;
    end_signature(&c);
    if (c.abandon_impl)
        ((pjsip_auth_clt_async_impl_abandon *)c.abandon_impl)((pjsip_auth_clt_sess *)c.sess,
                                                              c.user_data);
    if (c.grp_lock)
        pj_grp_lock_dec_ref((pj_grp_lock_t *)c.grp_lock);
    return PJ_SUCCESS;
}

PJ_DEF(pj_status_t)
pjsip_auth_clt_async_impl_on_challenge(pjsip_auth_clt_sess *sess,
                                       pjsip_auth_clt_async_impl_token *impl_token,
                                       const pjsip_auth_clt_async_on_chal_param *param)
{
    pj_status_t status;
    if (!sess || !impl_token || !param || !param->rdata || !param->tdata)
        return PJ_EINVAL;
    /* "AUTH" before the token exists, so that its end (which zeroes it)
     * cannot come first; zeroed again when none lives on (any failure,
     * PJ_EIGNORED included: the token is dead then). */
    pj_memcpy(impl_token->signature, "AUTH", 4);
    status = pjshim_pj_clt_async_impl_on_challenge(
        sess, impl_token, param, impl_token->user_data, (pjshim_fn)impl_token->send_impl,
        (pjshim_fn)impl_token->abandon_impl, impl_token->grp_lock);
    if (status != PJ_SUCCESS)
        pj_bzero(impl_token->signature, 4);
    return status;
}
