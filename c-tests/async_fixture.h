/* Shared fixture of the async-auth C tests: a transaction "owner" (what a SIP
 * stack hands to pjsip_auth_clt_async_impl_on_challenge), a REGISTER and its
 * 401, and a challenge callback whose behaviour each test picks. */
#ifndef PJSHIM_ASYNC_FIXTURE_H
#define PJSHIM_ASYNC_FIXTURE_H

#include <stdatomic.h>
#include <string.h>
#include "pjsip_auth_shim.h"
#include "test_util.h"

static const char REGISTER_MSG[] =
    "REGISTER sip:registrar.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc123\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@example.com>;tag=f1\r\n"
    "To: <sip:alice@example.com>\r\n"
    "Call-ID: async-test-1@127.0.0.1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "Contact: <sip:alice@127.0.0.1:5070>\r\n"
    "Expires: 300\r\n"
    "Content-Length: 0\r\n\r\n";

static const char CHALLENGE_MSG[] =
    "SIP/2.0 401 Unauthorized\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc123\r\n"
    "From: <sip:alice@example.com>;tag=f1\r\n"
    "To: <sip:alice@example.com>;tag=t1\r\n"
    "Call-ID: async-test-1@127.0.0.1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n0nce\", qop=\"auth\", algorithm=MD5\r\n"
    "Content-Length: 0\r\n\r\n";

/* The owner of one challenged transaction. */
typedef struct owner {
    pjsip_auth_clt_async_impl_token impl;
    pj_grp_lock_t *glock;
    atomic_int sends;
    atomic_int abandons;
    pjsip_auth_clt_sess *last_sess;
} owner_t;

static pj_status_t owner_send(pjsip_auth_clt_sess *sess, void *user_data,
                              pjsip_tx_data *new_request)
{
    owner_t *o = (owner_t *)user_data;
    o->last_sess = sess;
    atomic_fetch_add(&o->sends, 1);
    /* send_impl takes over the request's reference. */
    pjsip_tx_data_dec_ref(new_request);
    return PJ_SUCCESS;
}

static void owner_abandon(pjsip_auth_clt_sess *sess, void *user_data)
{
    owner_t *o = (owner_t *)user_data;
    o->last_sess = sess;
    atomic_fetch_add(&o->abandons, 1);
}

static void owner_init(owner_t *o, pj_grp_lock_t *glock)
{
    memset(o, 0, sizeof(*o));
    o->impl.user_data = o;
    o->impl.send_impl = &owner_send;
    o->impl.abandon_impl = &owner_abandon;
    o->impl.grp_lock = glock;
    o->glock = glock;
    atomic_init(&o->sends, 0);
    atomic_init(&o->abandons, 0);
}

/* What the challenge callback does. */
enum cb_mode {
    CB_KEEP,              /* store the token, return PJ_TRUE */
    CB_SEND_INSIDE,       /* send_req inside, return PJ_TRUE */
    CB_ABANDON_INSIDE,    /* abandon inside, return PJ_TRUE */
    CB_DECLINE,           /* store the token, return PJ_FALSE */
    CB_SEND_THEN_DECLINE, /* send_req inside, then return PJ_FALSE */
    CB_REENTER            /* set_credentials, a second send, deinit: see async_api.c */
};

typedef struct cb_ctx {
    enum cb_mode mode;
    void *token;
    pjsip_auth_clt_sess *sess_seen;
    void *user_data_seen;
    const pjsip_rx_data *rdata_seen;
    pjsip_tx_data *tdata_seen;
    pj_status_t inside_status;
    pj_status_t inside_status2;
    int calls;
} cb_ctx_t;

static inline pj_bool_t on_challenge(pjsip_auth_clt_sess *sess, void *token,
                              const pjsip_auth_clt_async_on_chal_param *param)
{
    cb_ctx_t *ctx = (cb_ctx_t *)param->user_data;
    ctx->calls++;
    ctx->token = token;
    ctx->sess_seen = sess;
    ctx->user_data_seen = param->user_data;
    ctx->rdata_seen = param->rdata;
    ctx->tdata_seen = param->tdata;
    switch (ctx->mode) {
    case CB_KEEP:
        return PJ_TRUE;
    case CB_SEND_INSIDE:
    case CB_SEND_THEN_DECLINE:
        pjsip_tx_data_add_ref(param->tdata);
        ctx->inside_status = pjsip_auth_clt_async_send_req(sess, token, param->tdata);
        return ctx->mode == CB_SEND_INSIDE ? PJ_TRUE : PJ_FALSE;
    case CB_ABANDON_INSIDE:
        ctx->inside_status = pjsip_auth_clt_async_abandon(sess, token);
        return PJ_TRUE;
    case CB_DECLINE:
        return PJ_FALSE;
    case CB_REENTER:
        break;
    }
    return PJ_TRUE;
}

/* Calls impl_on_challenge the way a SIP stack does: one group lock reference
 * taken before, dropped by the caller unless PJ_SUCCESS came back. */
static pj_status_t challenge(pjsip_auth_clt_sess *sess, owner_t *o, pjsip_tx_data *tdata,
                             const pjsip_rx_data *rdata)
{
    pjsip_auth_clt_async_on_chal_param prm;
    pj_status_t st;
    prm.tdata = tdata;
    prm.rdata = rdata;
    prm.user_data = NULL;
    if (o->glock)
        pj_grp_lock_add_ref(o->glock);
    st = pjsip_auth_clt_async_impl_on_challenge(sess, &o->impl, &prm);
    if (st != PJ_SUCCESS && o->glock)
        pj_grp_lock_dec_ref(o->glock);
    return st;
}

static pjsip_tx_data *make_request(void)
{
    pjsip_tx_data *t = NULL;
    CHECK_STATUS(pjshim_tx_data_parse(REGISTER_MSG, sizeof(REGISTER_MSG) - 1, &t), PJ_SUCCESS);
    return t;
}

static pjsip_rx_data *make_challenge(void)
{
    pjsip_rx_data *r = NULL;
    CHECK_STATUS(pjshim_rx_data_parse(CHALLENGE_MSG, sizeof(CHALLENGE_MSG) - 1, &r), PJ_SUCCESS);
    return r;
}

/* The token handed to the last keep_token callback on this thread. */
static _Thread_local void *kept_token;

/* A challenge callback that keeps the token (in kept_token) and accepts. */
static inline pj_bool_t keep_token(pjsip_auth_clt_sess *sess, void *token,
                                   const pjsip_auth_clt_async_on_chal_param *param)
{
    PJ_UNUSED_ARG(sess);
    PJ_UNUSED_ARG(param);
    kept_token = token;
    return PJ_TRUE;
}

static inline void configure(pjsip_auth_clt_sess *sess, cb_ctx_t *ctx)
{
    pjsip_auth_clt_async_setting opt;
    memset(&opt, 0, sizeof(opt));
    opt.cb = &on_challenge;
    opt.user_data = ctx;
    CHECK_STATUS(pjsip_auth_clt_async_configure(sess, &opt), PJ_SUCCESS);
}

#endif
