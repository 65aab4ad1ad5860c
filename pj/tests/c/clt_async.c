/* clt_async.c: the async challenge API and the session lifecycle of the
 * drop-in, driven as PJSIP's modules drive them (an impl token in a pool,
 * one reference on a real pj_grp_lock taken before
 * pjsip_auth_clt_async_impl_on_challenge and dropped by the caller unless
 * it returns PJ_SUCCESS), on real pjsip_tx_data / pjsip_rx_data.
 *
 * Checked: each token ends exactly once (send_impl or abandon_impl once,
 * the group lock balanced), forged / reused / revoked tokens get PJ_EINVAL,
 * the signature is "AUTH" exactly while pending, deinit revokes pending
 * tokens (references released, abandon_impl not run), init again on a live
 * session and clone onto one leak no session, a parent's callback may call
 * the child session (no deadlock), cycles are refused, and threads racing
 * send_req/abandon on one token consume it once. */
#include <pjlib.h>
#include <pjlib-util.h>
#include <pjsip.h>
#include "pj_check.h"
#include <sched.h>
#include <stdio.h>
#include <string.h>

extern size_t pjshim_pj_session_count(void);
extern size_t pjshim_pj_live_tokens(void);
extern size_t pjshim_pj_async_pending(const pjsip_auth_clt_sess *sess);
extern pj_ssize_t pjshim_pj_describe_session(const pjsip_auth_clt_sess *sess, char *buf,
                                             size_t size);


static pjsip_endpoint *endpt;
static pj_caching_pool cp;
static pj_pool_t *pool;
static pj_grp_lock_t *glock;
static pjsip_rx_data *rdata;
static pjsip_tx_data *tdata;

/* ---- The integrator side (what sip_reg.c / sip_inv.c do) ---- */

static pj_atomic_t *sends, *abandons;
static pjsip_auth_clt_sess *last_send_sess;

static pj_status_t send_impl(pjsip_auth_clt_sess *sess, void *user_data, pjsip_tx_data *req)
{
    (void)user_data;
    (void)req;
    last_send_sess = sess;
    pj_atomic_inc(sends);
    return PJ_SUCCESS;
}

static void abandon_impl(pjsip_auth_clt_sess *sess, void *user_data)
{
    (void)sess;
    (void)user_data;
    pj_atomic_inc(abandons);
}

static void init_token(pjsip_auth_clt_async_impl_token *t)
{
    pj_bzero(t, sizeof(*t));
    t->user_data = &sends;
    t->send_impl = &send_impl;
    t->abandon_impl = &abandon_impl;
    t->grp_lock = glock;
}

/* As a PJSIP module: a reference for the token, dropped unless handled. */
static pj_status_t challenge(pjsip_auth_clt_sess *sess, pjsip_auth_clt_async_impl_token *t)
{
    pjsip_auth_clt_async_on_chal_param p;
    pj_status_t st;
    pj_bzero(&p, sizeof(p));
    p.rdata = rdata;
    p.tdata = tdata;
    pj_grp_lock_add_ref(glock);
    st = pjsip_auth_clt_async_impl_on_challenge(sess, t, &p);
    if (st != PJ_SUCCESS)
        pj_grp_lock_dec_ref(glock);
    return st;
}

static int signed_pending(const pjsip_auth_clt_async_impl_token *t)
{
    return memcmp(t->signature, "AUTH", 4) == 0;
}

static int signed_ended(const pjsip_auth_clt_async_impl_token *t)
{
    static const pj_uint8_t zero[4];
    return memcmp(t->signature, zero, 4) == 0;
}

/* ---- The application side ---- */

enum action { KEEP, DECLINE, SEND_INSIDE, CHILD_INSIDE };
static enum action action;
static void *kept;
static pjsip_auth_clt_sess *cb_sess;
static pjsip_auth_clt_sess *child_of_parent;
static void *cb_user_data;
static pj_status_t inside_status;

static pj_bool_t on_challenge(pjsip_auth_clt_sess *sess, void *token,
                              const pjsip_auth_clt_async_on_chal_param *param)
{
    kept = token;
    cb_sess = sess;
    cb_user_data = param->user_data;
    EXPECT(param->tdata == tdata && param->rdata == rdata);
    switch (action) {
    case KEEP:
        return PJ_TRUE;
    case DECLINE:
        return PJ_FALSE;
    case SEND_INSIDE:
        inside_status = pjsip_auth_clt_async_send_req(sess, token, tdata);
        return PJ_FALSE;
    case CHILD_INSIDE: {
        /* The child session, from inside its parent's callback: PJSIP's
         * own parent lock is held here and this deadlocks with it. */
        pjsip_tx_data *out = NULL;
        pj_status_t st = pjsip_auth_clt_reinit_req(child_of_parent, rdata, tdata, &out);
        EXPECT(st == PJ_SUCCESS && out == tdata);
        if (st == PJ_SUCCESS)
            pjsip_tx_data_dec_ref(out);
        inside_status = pjsip_auth_clt_async_send_req(child_of_parent, token, tdata);
        return PJ_TRUE;
    }
    }
    return PJ_FALSE;
}

static void configure(pjsip_auth_clt_sess *sess, void *user_data)
{
    pjsip_auth_clt_async_setting opt;
    pj_bzero(&opt, sizeof(opt));
    opt.cb = &on_challenge;
    opt.user_data = user_data;
    EXPECT(pjsip_auth_clt_async_configure(sess, &opt) == PJ_SUCCESS);
}

static void set_creds(pjsip_auth_clt_sess *sess)
{
    pjsip_cred_info c;
    pj_bzero(&c, sizeof(c));
    c.realm = S("example.test");
    c.scheme = S("digest");
    c.username = S("alice");
    c.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    c.data = S("secret");
    EXPECT(pjsip_auth_clt_set_credentials(sess, 1, &c) == PJ_SUCCESS);
}

static void reset_counts(void)
{
    pj_atomic_set(sends, 0);
    pj_atomic_set(abandons, 0);
}

/* ---- Cases ---- */

static void send_once_then_refused(void)
{
    pjsip_auth_clt_sess sess;
    pjsip_auth_clt_async_impl_token t;
    int refs = pj_grp_lock_get_ref(glock);
    reset_counts();
    EXPECT(pjsip_auth_clt_init(&sess, endpt, pool, 0) == PJ_SUCCESS);
    init_token(&t);
    /* Not configured: PJSIP's status, nothing issued. */
    EXPECT(challenge(&sess, &t) == PJ_EINVALIDOP);
    EXPECT(signed_ended(&t));
    configure(&sess, (void *)0x1234);
    action = KEEP;
    EXPECT(challenge(&sess, &t) == PJ_SUCCESS);
    EXPECT(cb_sess == &sess && cb_user_data == (void *)0x1234);
    /* The application's token is ours, not the impl token's address. */
    EXPECT(kept != NULL && kept != (void *)&t);
    EXPECT(signed_pending(&t));
    EXPECT(pj_grp_lock_get_ref(glock) == refs + 1);
    EXPECT(pjshim_pj_async_pending(&sess) == 1);
    /* The impl token's address, as stock PJSIP would take: refused. */
    EXPECT(pjsip_auth_clt_async_send_req(&sess, &t, tdata) == PJ_EINVAL);
    EXPECT(pjsip_auth_clt_async_send_req(&sess, (void *)0x5a5a5a5a, tdata) == PJ_EINVAL);
    EXPECT(pjsip_auth_clt_async_send_req(&sess, kept, tdata) == PJ_SUCCESS);
    EXPECT(pj_atomic_get(sends) == 1 && last_send_sess == &sess);
    EXPECT(signed_ended(&t));
    EXPECT(pj_grp_lock_get_ref(glock) == refs);
    /* Reused: refused, nothing runs again. */
    EXPECT(pjsip_auth_clt_async_send_req(&sess, kept, tdata) == PJ_EINVAL);
    EXPECT(pjsip_auth_clt_async_abandon(&sess, kept) == PJ_EINVAL);
    EXPECT(pj_atomic_get(sends) == 1 && pj_atomic_get(abandons) == 0);
    EXPECT(pj_grp_lock_get_ref(glock) == refs);
    EXPECT(pjshim_pj_async_pending(&sess) == 0);
    EXPECT(pjsip_auth_clt_deinit(&sess) == PJ_SUCCESS);
}

static void abandon_decline_and_inside(void)
{
    pjsip_auth_clt_sess sess;
    pjsip_auth_clt_async_impl_token t;
    int refs = pj_grp_lock_get_ref(glock);
    reset_counts();
    EXPECT(pjsip_auth_clt_init(&sess, endpt, pool, 0) == PJ_SUCCESS);
    configure(&sess, NULL);
    init_token(&t);
    action = KEEP;
    EXPECT(challenge(&sess, &t) == PJ_SUCCESS);
    EXPECT(pjsip_auth_clt_async_abandon(&sess, kept) == PJ_SUCCESS);
    EXPECT(pj_atomic_get(abandons) == 1 && pj_atomic_get(sends) == 0);
    EXPECT(pjsip_auth_clt_async_send_req(&sess, kept, tdata) == PJ_EINVAL);
    EXPECT(signed_ended(&t) && pj_grp_lock_get_ref(glock) == refs);

    /* Declined: PJ_EIGNORED, the token dead, the caller kept its reference. */
    action = DECLINE;
    EXPECT(challenge(&sess, &t) == PJ_EIGNORED);
    EXPECT(signed_ended(&t) && pj_grp_lock_get_ref(glock) == refs);
    EXPECT(pjsip_auth_clt_async_send_req(&sess, kept, tdata) == PJ_EINVAL);

    /* Consumed inside the callback, then declined: handled (PJ_SUCCESS). */
    action = SEND_INSIDE;
    EXPECT(challenge(&sess, &t) == PJ_SUCCESS);
    EXPECT(inside_status == PJ_SUCCESS && pj_atomic_get(sends) == 1);
    EXPECT(signed_ended(&t) && pj_grp_lock_get_ref(glock) == refs);
    EXPECT(pjshim_pj_live_tokens() == 0);
    EXPECT(pjsip_auth_clt_deinit(&sess) == PJ_SUCCESS);
}

static void deinit_revokes(void)
{
    pjsip_auth_clt_sess sess, other;
    pjsip_auth_clt_async_impl_token t1, t2;
    void *k1, *k2;
    int refs = pj_grp_lock_get_ref(glock);
    size_t live = pjshim_pj_session_count();
    reset_counts();
    EXPECT(pjsip_auth_clt_init(&sess, endpt, pool, 0) == PJ_SUCCESS);
    EXPECT(pjsip_auth_clt_init(&other, endpt, pool, 0) == PJ_SUCCESS);
    configure(&sess, NULL);
    action = KEEP;
    init_token(&t1);
    init_token(&t2);
    EXPECT(challenge(&sess, &t1) == PJ_SUCCESS);
    k1 = kept;
    EXPECT(challenge(&sess, &t2) == PJ_SUCCESS);
    k2 = kept;
    EXPECT(pj_grp_lock_get_ref(glock) == refs + 2);
    EXPECT(pjsip_auth_clt_deinit(&sess) == PJ_SUCCESS);
    /* Both references released, signatures cleared, abandon_impl not run
     * (deinit comes from pjsip_regc_destroy with the regc half gone). */
    EXPECT(pj_grp_lock_get_ref(glock) == refs);
    EXPECT(signed_ended(&t1) && signed_ended(&t2));
    EXPECT(pj_atomic_get(abandons) == 0 && pj_atomic_get(sends) == 0);
    /* Revoked: refused through the dead session and through a live one. */
    EXPECT(pjsip_auth_clt_async_send_req(&sess, k1, tdata) == PJ_EINVAL);
    EXPECT(pjsip_auth_clt_async_send_req(&other, k1, tdata) == PJ_EINVAL);
    EXPECT(pjsip_auth_clt_async_abandon(&other, k2) == PJ_EINVAL);
    EXPECT(pj_atomic_get(abandons) == 0 && pj_atomic_get(sends) == 0);
    EXPECT(pjsip_auth_clt_deinit(&sess) == PJ_EINVAL);
    EXPECT(pjsip_auth_clt_deinit(&other) == PJ_SUCCESS);
    EXPECT(pjshim_pj_session_count() == live);
}

static void reinit_and_clone_in_place(void)
{
    pjsip_auth_clt_sess a, b, copy;
    pjsip_auth_clt_async_impl_token t;
    char text[512];
    size_t live = pjshim_pj_session_count();
    int refs = pj_grp_lock_get_ref(glock);
    void *k;
    int i;
    reset_counts();
    EXPECT(pjsip_auth_clt_init(&a, endpt, pool, 0) == PJ_SUCCESS);
    configure(&a, NULL);
    set_creds(&a);
    action = KEEP;
    init_token(&t);
    EXPECT(challenge(&a, &t) == PJ_SUCCESS);
    k = kept;
    /* pjsua's pattern: init again on the live session, many times. */
    for (i = 0; i < 100; ++i)
        EXPECT(pjsip_auth_clt_init(&a, endpt, pool, 0) == PJ_SUCCESS);
    EXPECT(pjshim_pj_session_count() == live + 1);
    /* Its pending token was revoked, its state reset. */
    EXPECT(pj_grp_lock_get_ref(glock) == refs && signed_ended(&t));
    EXPECT(pjsip_auth_clt_async_send_req(&a, k, tdata) == PJ_EINVAL);
    EXPECT(challenge(&a, &t) == PJ_EINVALIDOP);
    /* Init on a byte copy of a live session makes a new one and leaves the
     * original alone. */
    set_creds(&a);
    memcpy(&copy, &a, sizeof(copy));
    EXPECT(pjsip_auth_clt_init(&copy, endpt, pool, 0) == PJ_SUCCESS);
    EXPECT(pjshim_pj_session_count() == live + 2);
    EXPECT(pjshim_pj_describe_session(&a, text, sizeof(text)) > 0);
    EXPECT(strstr(text, "cred realm=example.test") != NULL);
    EXPECT(pjsip_auth_clt_deinit(&copy) == PJ_SUCCESS);
    EXPECT(pjsip_auth_clt_init(&a, endpt, pool, 0) == PJ_SUCCESS);
    EXPECT(pjshim_pj_describe_session(&a, text, sizeof(text)) > 0);
    EXPECT(strstr(text, "cred ") == NULL);

    /* pjsip_dlg_fork: clone onto an initialised session. */
    configure(&a, (void *)0x77);
    set_creds(&a);
    EXPECT(pjsip_auth_clt_init(&b, endpt, pool, 0) == PJ_SUCCESS);
    EXPECT(pjshim_pj_session_count() == live + 2);
    for (i = 0; i < 100; ++i)
        EXPECT(pjsip_auth_clt_clone(pool, &b, &a) == PJ_SUCCESS);
    EXPECT(pjshim_pj_session_count() == live + 2);
    EXPECT(pjshim_pj_describe_session(&b, text, sizeof(text)) > 0);
    EXPECT(strstr(text, "cred realm=example.test scheme=digest username=alice") != NULL);
    /* The async setting came along. */
    EXPECT(challenge(&b, &t) == PJ_SUCCESS && cb_user_data == (void *)0x77 && cb_sess == &b);
    EXPECT(pjsip_auth_clt_async_abandon(&b, kept) == PJ_SUCCESS);
    /* A byte copy of a session is not a session. */
    memcpy(&copy, &a, sizeof(copy));
    EXPECT(pjsip_auth_clt_set_credentials(&copy, 0, (pjsip_cred_info *)&t) == PJ_EINVAL);
    EXPECT(pjsip_auth_clt_deinit(&copy) == PJ_EINVAL);
    EXPECT(pjsip_auth_clt_deinit(&b) == PJ_SUCCESS);
    EXPECT(pjsip_auth_clt_deinit(&a) == PJ_SUCCESS);
    EXPECT(pjshim_pj_session_count() == live);
    EXPECT(pj_grp_lock_get_ref(glock) == refs);
}

/* pjsua's bridge hands the application its account's session with a token
 * the regc's own session issued; PJSIP accepts the token through it, and so
 * do we (a live session of any kind), exactly once. */
static void token_through_another_session(void)
{
    pjsip_auth_clt_sess regc_sess, account;
    pjsip_auth_clt_async_impl_token t;
    int refs = pj_grp_lock_get_ref(glock);
    void *k;
    reset_counts();
    EXPECT(pjsip_auth_clt_init(&regc_sess, endpt, pool, 0) == PJ_SUCCESS);
    EXPECT(pjsip_auth_clt_init(&account, endpt, pool, 0) == PJ_SUCCESS);
    configure(&regc_sess, NULL);
    action = KEEP;
    init_token(&t);
    EXPECT(challenge(&regc_sess, &t) == PJ_SUCCESS);
    k = kept;
    EXPECT(pjsip_auth_clt_async_send_req(&account, k, tdata) == PJ_SUCCESS);
    EXPECT(pj_atomic_get(sends) == 1 && last_send_sess == &account);
    EXPECT(pjsip_auth_clt_async_send_req(&regc_sess, k, tdata) == PJ_EINVAL);
    EXPECT(pjsip_auth_clt_async_abandon(&account, k) == PJ_EINVAL);
    EXPECT(pj_atomic_get(sends) == 1 && pj_atomic_get(abandons) == 0);
    EXPECT(pj_grp_lock_get_ref(glock) == refs && signed_ended(&t));
    /* Through a session that is not live: refused, the token stays. */
    EXPECT(challenge(&regc_sess, &t) == PJ_SUCCESS);
    k = kept;
    EXPECT(pjsip_auth_clt_deinit(&account) == PJ_SUCCESS);
    EXPECT(pjsip_auth_clt_async_abandon(&account, k) == PJ_EINVAL);
    EXPECT(signed_pending(&t) && pjshim_pj_async_pending(&regc_sess) == 1);
    EXPECT(pjsip_auth_clt_async_abandon(&regc_sess, k) == PJ_SUCCESS);
    EXPECT(pj_atomic_get(abandons) == 1 && pj_grp_lock_get_ref(glock) == refs);
    EXPECT(pjsip_auth_clt_deinit(&regc_sess) == PJ_SUCCESS);
}

static void parent_and_child(void)
{
    pjsip_auth_clt_sess parent, child, grandchild;
    pjsip_auth_clt_async_impl_token t;
    int refs = pj_grp_lock_get_ref(glock);
    reset_counts();
    EXPECT(pjsip_auth_clt_init(&parent, endpt, pool, 0) == PJ_SUCCESS);
    EXPECT(pjsip_auth_clt_init(&child, endpt, pool, 0) == PJ_SUCCESS);
    EXPECT(pjsip_auth_clt_init(&grandchild, endpt, pool, 0) == PJ_SUCCESS);
    set_creds(&parent);
    EXPECT(pjsip_auth_clt_set_parent(&child, &parent) == PJ_SUCCESS);
    /* Configured through the child: set on the parent. */
    configure(&child, NULL);
    /* Cycles are refused. */
    EXPECT(pjsip_auth_clt_set_parent(&parent, &child) == PJ_EINVAL);
    EXPECT(pjsip_auth_clt_set_parent(&parent, &parent) == PJ_EINVAL);
    EXPECT(pjsip_auth_clt_set_parent(&grandchild, &child) == PJ_SUCCESS);
    EXPECT(pjsip_auth_clt_set_parent(&parent, &grandchild) == PJ_EINVAL);

    child_of_parent = &child;
    action = CHILD_INSIDE;
    init_token(&t);
    EXPECT(challenge(&child, &t) == PJ_SUCCESS);
    /* The callback got the parent (as PJSIP), and consumed the token
     * through the child without deadlock. */
    EXPECT(cb_sess == &parent);
    EXPECT(inside_status == PJ_SUCCESS && pj_atomic_get(sends) == 1);
    EXPECT(last_send_sess == &parent);
    EXPECT(pj_grp_lock_get_ref(glock) == refs && signed_ended(&t));
    EXPECT(pjsip_auth_clt_deinit(&grandchild) == PJ_SUCCESS);
    EXPECT(pjsip_auth_clt_deinit(&child) == PJ_SUCCESS);
    EXPECT(pjsip_auth_clt_deinit(&parent) == PJ_SUCCESS);
}

/* ---- Threads racing on one token ---- */

#define THREADS 4
#define ROUNDS 2000
static void *race_token;
static pjsip_auth_clt_sess race_sess;
static pj_atomic_t *arrived, *round_no;
static pj_atomic_t *wins;

static int racer(void *arg)
{
    int me = (int)(pj_ssize_t)arg, r;
    for (r = 1; r <= ROUNDS; ++r) {
        pj_status_t st;
        while (pj_atomic_get(round_no) < r)
            sched_yield();
        st = (me & 1) ? pjsip_auth_clt_async_abandon(&race_sess, race_token)
                      : pjsip_auth_clt_async_send_req(&race_sess, race_token, tdata);
        if (st == PJ_SUCCESS)
            pj_atomic_inc(wins);
        else
            EXPECT(st == PJ_EINVAL);
        pj_atomic_inc(arrived);
    }
    return 0;
}

static void racing_consumers(void)
{
    pj_thread_t *th[THREADS];
    pjsip_auth_clt_async_impl_token t;
    int refs = pj_grp_lock_get_ref(glock), i, r;
    reset_counts();
    pj_atomic_create(pool, 0, &arrived);
    pj_atomic_create(pool, 0, &round_no);
    pj_atomic_create(pool, 0, &wins);
    EXPECT(pjsip_auth_clt_init(&race_sess, endpt, pool, 0) == PJ_SUCCESS);
    configure(&race_sess, NULL);
    action = KEEP;
    for (i = 0; i < THREADS; ++i)
        pj_thread_create(pool, "racer", &racer, (void *)(pj_ssize_t)i, 0, 0, &th[i]);
    for (r = 1; r <= ROUNDS; ++r) {
        init_token(&t);
        EXPECT(challenge(&race_sess, &t) == PJ_SUCCESS);
        race_token = kept;
        pj_atomic_set(arrived, 0);
        pj_atomic_set(round_no, r);
        while (pj_atomic_get(arrived) < THREADS)
            sched_yield();
    }
    for (i = 0; i < THREADS; ++i) {
        pj_thread_join(th[i]);
        pj_thread_destroy(th[i]);
    }
    printf("race: %d rounds, %ld wins, %ld sends, %ld abandons\n", ROUNDS,
           (long)pj_atomic_get(wins), (long)pj_atomic_get(sends), (long)pj_atomic_get(abandons));
    EXPECT(pj_atomic_get(wins) == ROUNDS);
    EXPECT(pj_atomic_get(sends) + pj_atomic_get(abandons) == ROUNDS);
    EXPECT(pj_grp_lock_get_ref(glock) == refs);
    EXPECT(pjsip_auth_clt_deinit(&race_sess) == PJ_SUCCESS);
}

static const char *const response_401 =
    "SIP/2.0 401 Unauthorized\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-first\r\n"
    "From: <sip:alice@example.test>;tag=a\r\n"
    "To: <sip:alice@example.test>;tag=b\r\n"
    "Call-ID: c1\r\nCSeq: 1 REGISTER\r\n"
    "WWW-Authenticate: Digest realm=\"example.test\", nonce=\"n1\", qop=\"auth\"\r\n"
    "Content-Length: 0\r\n\r\n";

int main(void)
{
    pj_str_t target = S("sip:example.test"), from = S("<sip:alice@example.test>");
    pj_str_t call_id = S("c1");
    pjsip_via_hdr *via;
    size_t live;
    pj_log_set_level(1);
    if (pj_init() != PJ_SUCCESS || pjlib_util_init() != PJ_SUCCESS)
        return 2;
    pj_caching_pool_init(&cp, NULL, 0);
    if (pjsip_endpt_create(&cp.factory, "clt_async", &endpt) != PJ_SUCCESS)
        return 2;
    pool = pjsip_endpt_create_pool(endpt, "clt_async", 4000, 4000);
    live = pjshim_pj_session_count();
    pj_atomic_create(pool, 0, &sends);
    pj_atomic_create(pool, 0, &abandons);
    EXPECT(pj_grp_lock_create(pool, NULL, &glock) == PJ_SUCCESS);
    pj_grp_lock_add_ref(glock); /* the "transaction's" own reference */
    EXPECT(pjsip_endpt_create_request(endpt, &pjsip_register_method, &target, &from, &from,
                                      NULL, &call_id, 1, NULL, &tdata) == PJ_SUCCESS);
    via = pjsip_via_hdr_create(tdata->pool);
    via->transport = S("UDP");
    via->sent_by.host = S("127.0.0.1");
    via->sent_by.port = 5070;
    pjsip_msg_insert_first_hdr(tdata->msg, (pjsip_hdr *)via);
    rdata = parse_rdata(pool, response_401);
    EXPECT(rdata != NULL);

    send_once_then_refused();
    abandon_decline_and_inside();
    deinit_revokes();
    reinit_and_clone_in_place();
    token_through_another_session();
    parent_and_child();
    racing_consumers();

    EXPECT(pjshim_pj_live_tokens() == 0);
    EXPECT(pjshim_pj_session_count() == live);
    EXPECT(pj_grp_lock_get_ref(glock) == 1);
    pj_grp_lock_dec_ref(glock);
    pjsip_tx_data_dec_ref(tdata);
    pjsip_endpt_release_pool(endpt, pool);
    pjsip_endpt_destroy(endpt);
    pj_caching_pool_destroy(&cp);
    pj_shutdown();
    printf("%s\n", failures ? "FAILED" : "done");
    return failures ? 1 : 0;
}
