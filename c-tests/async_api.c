/* Every promise of API.md section 5 except the thread race (async_race.c),
 * through the header only. */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include "async_fixture.h"

static pj_caching_pool cp;
static pj_pool_t *pool;
static pj_grp_lock_t *glock; /* baseline reference count: 1 (ours) */
static pjsip_tx_data *tdata;
static pjsip_rx_data *rdata;

static int sig_is_auth(const owner_t *o) { return memcmp(o->impl.signature, "AUTH", 4) == 0; }
static int sig_is_zero(const owner_t *o)
{
    static const pj_uint8_t zero[4] = {0, 0, 0, 0};
    return memcmp(o->impl.signature, zero, 4) == 0;
}

static void new_session(pjsip_auth_clt_sess *s, cb_ctx_t *ctx, enum cb_mode mode)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->mode = mode;
    CHECK_STATUS(pjsip_auth_clt_init(s, NULL, pool, 0), PJ_SUCCESS);
    configure(s, ctx);
}

static void test_send_inside_callback(void)
{
    pjsip_auth_clt_sess s;
    cb_ctx_t ctx;
    owner_t o;
    new_session(&s, &ctx, CB_SEND_INSIDE);
    owner_init(&o, glock);
    CHECK_STATUS(challenge(&s, &o, tdata, rdata), PJ_SUCCESS);
    CHECK(ctx.calls == 1);
    CHECK_STATUS(ctx.inside_status, PJ_SUCCESS);
    CHECK(ctx.sess_seen == &s);
    CHECK(ctx.user_data_seen == &ctx);
    CHECK(ctx.rdata_seen == rdata && ctx.tdata_seen == tdata);
    CHECK(ctx.token != NULL && ctx.token != (void *)&o.impl);
    CHECK(atomic_load(&o.sends) == 1 && atomic_load(&o.abandons) == 0);
    CHECK(o.last_sess == &s);
    CHECK(pj_grp_lock_get_ref(glock) == 1);
    CHECK(sig_is_zero(&o));
    CHECK(pjshim_auth_clt_async_pending(&s) == 0);
    /* Second use of the same token. */
    pjsip_tx_data_add_ref(tdata);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(&s, ctx.token, tdata), PJ_EINVAL);
    pjsip_tx_data_dec_ref(tdata); /* still ours after PJ_EINVAL */
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&s, ctx.token), PJ_EINVAL);
    CHECK(atomic_load(&o.sends) == 1 && atomic_load(&o.abandons) == 0);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
}

struct deferred { pjsip_auth_clt_sess *sess; void *token; pj_status_t status; };

static void *deferred_send(void *arg)
{
    struct deferred *d = (struct deferred *)arg;
    pjsip_tx_data_add_ref(tdata);
    d->status = pjsip_auth_clt_async_send_req(d->sess, d->token, tdata);
    return NULL;
}

static void test_deferred_send_from_thread(void)
{
    pjsip_auth_clt_sess s;
    cb_ctx_t ctx;
    owner_t o;
    pthread_t th;
    struct deferred d;
    new_session(&s, &ctx, CB_KEEP);
    owner_init(&o, glock);
    CHECK_STATUS(challenge(&s, &o, tdata, rdata), PJ_SUCCESS);
    CHECK(sig_is_auth(&o));
    CHECK(pj_grp_lock_get_ref(glock) == 2); /* the token holds one */
    CHECK(pjshim_auth_clt_async_pending(&s) == 1);
    CHECK(pjshim_async_live_tokens() == 1);
    d.sess = &s;
    d.token = ctx.token;
    d.status = -1;
    CHECK(pthread_create(&th, NULL, deferred_send, &d) == 0);
    pthread_join(th, NULL);
    CHECK_STATUS(d.status, PJ_SUCCESS);
    CHECK(atomic_load(&o.sends) == 1 && atomic_load(&o.abandons) == 0);
    CHECK(pj_grp_lock_get_ref(glock) == 1);
    CHECK(sig_is_zero(&o));
    CHECK(pjshim_auth_clt_async_pending(&s) == 0);
    CHECK(pjshim_async_live_tokens() == 0);
    pjsip_tx_data_add_ref(tdata);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(&s, ctx.token, tdata), PJ_EINVAL);
    pjsip_tx_data_dec_ref(tdata);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
}

static uintptr_t next_random(uintptr_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static void test_forged_and_random_tokens(void)
{
    pjsip_auth_clt_sess s, other;
    cb_ctx_t ctx, ctx2;
    owner_t o;
    /* Pointer-sized on every target (truncated on 32-bit, on purpose). */
    uintptr_t x = (uintptr_t)0x9E3779B97F4A7C15ULL;
    /* The lowest bit of a token's generation half. */
    const uintptr_t gen_bit = (uintptr_t)1 << (sizeof(void *) * 4);
    int i;
    new_session(&s, &ctx, CB_KEEP);
    new_session(&other, &ctx2, CB_KEEP);
    owner_init(&o, glock);
    CHECK_STATUS(challenge(&s, &o, tdata, rdata), PJ_SUCCESS);

    /* The impl token's address is not a token (PJSIP accepted it). */
    CHECK_STATUS(pjsip_auth_clt_async_send_req(&s, &o.impl, tdata), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&s, &o.impl), PJ_EINVAL);
    /* Near misses and random values. */
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&s, (void *)((uintptr_t)ctx.token + 1)), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&s, (void *)((uintptr_t)ctx.token ^ gen_bit)), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&s, (void *)1), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&s, (void *)~(uintptr_t)0), PJ_EINVAL);
    for (i = 0; i < 100000; i++) {
        void *forged = (void *)next_random(&x);
        if (forged == ctx.token)
            continue;
        CHECK_STATUS(pjsip_auth_clt_async_abandon(&s, forged), PJ_EINVAL);
    }
    /* Pointers into freed memory: a token from a released pool. */
    {
        pj_pool_t *p2 = pj_pool_create(&cp.factory, "gone", 256, 256, NULL);
        void *gone = pj_pool_alloc(p2, 64);
        pj_pool_release(p2);
        CHECK_STATUS(pjsip_auth_clt_async_abandon(&s, gone), PJ_EINVAL);
    }
    CHECK(atomic_load(&o.sends) == 0 && atomic_load(&o.abandons) == 0);
    CHECK(sig_is_auth(&o));
    /* The real token still works after all that. */
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&s, ctx.token), PJ_SUCCESS);
    CHECK(atomic_load(&o.abandons) == 1);
    CHECK(pj_grp_lock_get_ref(glock) == 1);
    /* Stale after the session is gone too. */
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&other, ctx.token), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&s, ctx.token), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_deinit(&other), PJ_SUCCESS);
}

static void test_abandon(void)
{
    pjsip_auth_clt_sess s;
    cb_ctx_t ctx;
    owner_t o, o2;
    new_session(&s, &ctx, CB_KEEP);
    owner_init(&o, glock);
    CHECK_STATUS(challenge(&s, &o, tdata, rdata), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&s, ctx.token), PJ_SUCCESS);
    CHECK(atomic_load(&o.abandons) == 1 && atomic_load(&o.sends) == 0);
    CHECK(o.last_sess == &s);
    CHECK(sig_is_zero(&o));
    CHECK(pj_grp_lock_get_ref(glock) == 1);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&s, ctx.token), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(&s, ctx.token, tdata), PJ_EINVAL);
    CHECK(atomic_load(&o.abandons) == 1 && atomic_load(&o.sends) == 0);

    /* Abandon inside the callback; NULL abandon_impl is allowed. */
    ctx.mode = CB_ABANDON_INSIDE;
    owner_init(&o2, glock);
    o2.impl.abandon_impl = NULL;
    CHECK_STATUS(challenge(&s, &o2, tdata, rdata), PJ_SUCCESS);
    CHECK_STATUS(ctx.inside_status, PJ_SUCCESS);
    CHECK(atomic_load(&o2.abandons) == 0 && atomic_load(&o2.sends) == 0);
    CHECK(pj_grp_lock_get_ref(glock) == 1);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
}

static void test_decline(void)
{
    pjsip_auth_clt_sess s;
    cb_ctx_t ctx;
    owner_t o;
    new_session(&s, &ctx, CB_DECLINE);
    owner_init(&o, glock);
    CHECK_STATUS(challenge(&s, &o, tdata, rdata), PJ_EIGNORED);
    CHECK(ctx.calls == 1);
    CHECK(pj_grp_lock_get_ref(glock) == 1); /* the caller dropped its own */
    CHECK(sig_is_zero(&o));
    CHECK(pjshim_auth_clt_async_pending(&s) == 0);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(&s, ctx.token, tdata), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&s, ctx.token), PJ_EINVAL);
    CHECK(atomic_load(&o.abandons) == 0 && atomic_load(&o.sends) == 0);

    /* Consumed inside, then declined: handled, one release only. */
    ctx.mode = CB_SEND_THEN_DECLINE;
    owner_init(&o, glock);
    CHECK_STATUS(challenge(&s, &o, tdata, rdata), PJ_SUCCESS);
    CHECK_STATUS(ctx.inside_status, PJ_SUCCESS);
    CHECK(atomic_load(&o.sends) == 1);
    CHECK(pj_grp_lock_get_ref(glock) == 1);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
}

static void test_not_configured(void)
{
    pjsip_auth_clt_sess s;
    owner_t o;
    CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, NULL, 0), PJ_SUCCESS);
    owner_init(&o, glock);
    CHECK_STATUS(challenge(&s, &o, tdata, rdata), PJ_EINVALIDOP);
    CHECK(pj_grp_lock_get_ref(glock) == 1);
    CHECK(pjshim_async_live_tokens() == 0);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
}

static void test_cross_session(void)
{
    pjsip_auth_clt_sess a, b;
    cb_ctx_t ca, cb;
    owner_t o;
    new_session(&a, &ca, CB_KEEP);
    new_session(&b, &cb, CB_KEEP);
    owner_init(&o, glock);
    CHECK_STATUS(challenge(&a, &o, tdata, rdata), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(&b, ca.token, tdata), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&b, ca.token), PJ_EINVAL);
    CHECK(pjshim_auth_clt_async_pending(&a) == 1 && pjshim_auth_clt_async_pending(&b) == 0);
    pjsip_tx_data_add_ref(tdata);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(&a, ca.token, tdata), PJ_SUCCESS);
    CHECK(atomic_load(&o.sends) == 1);
    CHECK(pj_grp_lock_get_ref(glock) == 1);
    CHECK_STATUS(pjsip_auth_clt_deinit(&a), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_deinit(&b), PJ_SUCCESS);
}

static void test_deinit_revokes_pending(void)
{
    pjsip_auth_clt_sess s, fresh;
    cb_ctx_t ctx, cf;
    owner_t o[3];
    void *tokens[3];
    int i;
    new_session(&s, &ctx, CB_KEEP);
    for (i = 0; i < 3; i++) {
        owner_init(&o[i], glock);
        CHECK_STATUS(challenge(&s, &o[i], tdata, rdata), PJ_SUCCESS);
        tokens[i] = ctx.token;
    }
    CHECK(pj_grp_lock_get_ref(glock) == 4);
    CHECK(pjshim_auth_clt_async_pending(&s) == 3);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
    for (i = 0; i < 3; i++) {
        CHECK(atomic_load(&o[i].abandons) == 1 && atomic_load(&o[i].sends) == 0);
        CHECK(o[i].last_sess == &s);
        CHECK(sig_is_zero(&o[i]));
    }
    CHECK(pj_grp_lock_get_ref(glock) == 1);
    CHECK(pjshim_async_live_tokens() == 0);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_EINVAL); /* twice */
    CHECK_STATUS(pjsip_auth_clt_async_send_req(&s, tokens[0], tdata), PJ_EINVAL);
    new_session(&fresh, &cf, CB_KEEP);
    for (i = 0; i < 3; i++)
        CHECK_STATUS(pjsip_auth_clt_async_abandon(&fresh, tokens[i]), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_deinit(&fresh), PJ_SUCCESS);
}

static void test_parent_session(void)
{
    pjsip_auth_clt_sess parent, child, lone;
    cb_ctx_t cp_ctx, ctx2;
    owner_t o;
    new_session(&parent, &cp_ctx, CB_KEEP);
    CHECK_STATUS(pjsip_auth_clt_init(&child, NULL, NULL, 0), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_set_parent(&child, &parent), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_set_parent(&child, &child), PJ_EINVAL);
    /* cycles are refused, and leave the links as they were */
    CHECK_STATUS(pjsip_auth_clt_set_parent(&parent, &child), PJ_EINVAL);
    {
        pjsip_auth_clt_sess x, y, z;
        CHECK_STATUS(pjsip_auth_clt_init(&x, NULL, NULL, 0), PJ_SUCCESS);
        CHECK_STATUS(pjsip_auth_clt_init(&y, NULL, NULL, 0), PJ_SUCCESS);
        CHECK_STATUS(pjsip_auth_clt_init(&z, NULL, NULL, 0), PJ_SUCCESS);
        CHECK_STATUS(pjsip_auth_clt_set_parent(&x, &y), PJ_SUCCESS);
        CHECK_STATUS(pjsip_auth_clt_set_parent(&y, &z), PJ_SUCCESS);
        CHECK_STATUS(pjsip_auth_clt_set_parent(&z, &x), PJ_EINVAL);
        CHECK_STATUS(pjsip_auth_clt_deinit(&x), PJ_SUCCESS);
        CHECK_STATUS(pjsip_auth_clt_deinit(&y), PJ_SUCCESS);
        CHECK_STATUS(pjsip_auth_clt_deinit(&z), PJ_SUCCESS);
    }
    owner_init(&o, glock);
    CHECK_STATUS(challenge(&child, &o, tdata, rdata), PJ_SUCCESS);
    CHECK(cp_ctx.sess_seen == &parent);
    CHECK(pjshim_auth_clt_async_pending(&parent) == 1);
    CHECK(pjshim_auth_clt_async_pending(&child) == 1);
    pjsip_tx_data_add_ref(tdata);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(&child, cp_ctx.token, tdata), PJ_SUCCESS);
    CHECK(atomic_load(&o.sends) == 1);

    /* configure on the child acts on the parent */
    memset(&ctx2, 0, sizeof(ctx2));
    ctx2.mode = CB_ABANDON_INSIDE;
    configure(&child, &ctx2);
    owner_init(&o, glock);
    CHECK_STATUS(challenge(&parent, &o, tdata, rdata), PJ_SUCCESS);
    CHECK(ctx2.calls == 1 && ctx2.sess_seen == &parent);
    CHECK(atomic_load(&o.abandons) == 1);

    /* a token of the parent is not valid on an unrelated session */
    new_session(&lone, &ctx2, CB_KEEP);
    ctx2.mode = CB_KEEP;
    configure(&parent, &ctx2);
    owner_init(&o, glock);
    CHECK_STATUS(challenge(&child, &o, tdata, rdata), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&lone, ctx2.token), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&parent, ctx2.token), PJ_SUCCESS);
    CHECK(pj_grp_lock_get_ref(glock) == 1);

    /* deinit of a child revokes the tokens issued through it (they are
     * pending on the parent): abandon_impl once, reference dropped, and the
     * parent's own pending count back to 0; a sibling's token is untouched */
    {
        pjsip_auth_clt_sess kid;
        owner_t o_kid, o_sib;
        CHECK_STATUS(pjsip_auth_clt_init(&kid, NULL, NULL, 0), PJ_SUCCESS);
        CHECK_STATUS(pjsip_auth_clt_set_parent(&kid, &parent), PJ_SUCCESS);
        owner_init(&o_kid, glock);
        CHECK_STATUS(challenge(&kid, &o_kid, tdata, rdata), PJ_SUCCESS);
        void *kid_token = ctx2.token;
        owner_init(&o_sib, glock);
        CHECK_STATUS(challenge(&child, &o_sib, tdata, rdata), PJ_SUCCESS);
        void *sib_token = ctx2.token;
        CHECK(pjshim_auth_clt_async_pending(&parent) == 2);
        CHECK_STATUS(pjsip_auth_clt_deinit(&kid), PJ_SUCCESS);
        CHECK(atomic_load(&o_kid.abandons) == 1 && atomic_load(&o_kid.sends) == 0);
        CHECK(o_kid.impl.signature[0] == 0);
        CHECK(pjshim_auth_clt_async_pending(&parent) == 1);
        CHECK_STATUS(pjsip_auth_clt_async_abandon(&parent, kid_token), PJ_EINVAL);
        CHECK(pj_grp_lock_get_ref(glock) == 2);
        CHECK_STATUS(pjsip_auth_clt_async_abandon(&child, sib_token), PJ_SUCCESS);
        CHECK(atomic_load(&o_sib.abandons) == 1);
        CHECK(pj_grp_lock_get_ref(glock) == 1);
    }

    /* a child whose parent is gone reports PJ_EINVAL */
    CHECK_STATUS(pjsip_auth_clt_deinit(&parent), PJ_SUCCESS);
    owner_init(&o, glock);
    CHECK_STATUS(challenge(&child, &o, tdata, rdata), PJ_EINVAL);
    CHECK(pj_grp_lock_get_ref(glock) == 1);
    CHECK_STATUS(pjsip_auth_clt_deinit(&child), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_deinit(&lone), PJ_SUCCESS);
}

/* Re-entrancy: the callback works on its own session. */
static int reenter_variant;
static pj_status_t reenter_status[4];

static pj_bool_t reenter_cb(pjsip_auth_clt_sess *sess, void *token,
                            const pjsip_auth_clt_async_on_chal_param *param)
{
    pjsip_cred_info cred;
    memset(&cred, 0, sizeof(cred));
    cred.realm = pj_str("example.com");
    cred.scheme = pj_str("digest");
    cred.username = pj_str("alice");
    cred.data = pj_str("secret");
    cred.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    reenter_status[0] = pjsip_auth_clt_set_credentials(sess, 1, &cred);
    if (reenter_variant == 0) {
        pjsip_tx_data_add_ref(param->tdata);
        reenter_status[1] = pjsip_auth_clt_async_send_req(sess, token, param->tdata);
        reenter_status[2] = pjsip_auth_clt_async_abandon(sess, token);
        reenter_status[3] = pjsip_auth_clt_deinit(sess);
        return PJ_TRUE;
    }
    /* variant 1 and 2: deinit with the token still pending */
    reenter_status[1] = pjsip_auth_clt_deinit(sess);
    reenter_status[2] = pjsip_auth_clt_async_send_req(sess, token, param->tdata);
    return reenter_variant == 1 ? PJ_TRUE : PJ_FALSE;
}

static void test_reentrancy(void)
{
    int variant;
    for (variant = 0; variant < 3; variant++) {
        pjsip_auth_clt_sess s;
        pjsip_auth_clt_async_setting opt;
        owner_t o;
        reenter_variant = variant;
        memset(reenter_status, 0x7f, sizeof(reenter_status));
        CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, NULL, 0), PJ_SUCCESS);
        opt.cb = &reenter_cb;
        opt.user_data = NULL;
        CHECK_STATUS(pjsip_auth_clt_async_configure(&s, &opt), PJ_SUCCESS);
        owner_init(&o, glock);
        CHECK_STATUS(challenge(&s, &o, tdata, rdata), PJ_SUCCESS);
        CHECK_STATUS(reenter_status[0], PJ_SUCCESS);
        if (variant == 0) {
            CHECK_STATUS(reenter_status[1], PJ_SUCCESS);
            CHECK_STATUS(reenter_status[2], PJ_EINVAL);
            CHECK_STATUS(reenter_status[3], PJ_SUCCESS);
            CHECK(atomic_load(&o.sends) == 1 && atomic_load(&o.abandons) == 0);
        } else {
            CHECK_STATUS(reenter_status[1], PJ_SUCCESS);
            CHECK_STATUS(reenter_status[2], PJ_EINVAL);
            CHECK(atomic_load(&o.sends) == 0 && atomic_load(&o.abandons) == 1);
        }
        CHECK(pj_grp_lock_get_ref(glock) == 1);
        CHECK(pjshim_async_live_tokens() == 0);
        CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_EINVAL); /* already done inside */
    }
}

static void test_null_arguments(void)
{
    pjsip_auth_clt_sess s, garbage;
    pjsip_auth_clt_async_setting opt;
    pjsip_auth_clt_async_on_chal_param prm;
    pjsip_auth_clt_pref pref;
    cb_ctx_t ctx;
    owner_t o;
    new_session(&s, &ctx, CB_KEEP);
    owner_init(&o, glock);
    opt.cb = &on_challenge;
    opt.user_data = &ctx;
    CHECK_STATUS(pjsip_auth_clt_async_configure(NULL, &opt), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_async_configure(&s, NULL), PJ_EINVAL);
    opt.cb = NULL;
    CHECK_STATUS(pjsip_auth_clt_async_configure(&s, &opt), PJ_EINVAL);

    prm.tdata = tdata;
    prm.rdata = rdata;
    prm.user_data = NULL;
    CHECK_STATUS(pjsip_auth_clt_async_impl_on_challenge(NULL, &o.impl, &prm), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_async_impl_on_challenge(&s, NULL, &prm), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_async_impl_on_challenge(&s, &o.impl, NULL), PJ_EINVAL);
    prm.tdata = NULL;
    CHECK_STATUS(pjsip_auth_clt_async_impl_on_challenge(&s, &o.impl, &prm), PJ_EINVAL);
    prm.tdata = tdata;
    prm.rdata = NULL;
    CHECK_STATUS(pjsip_auth_clt_async_impl_on_challenge(&s, &o.impl, &prm), PJ_EINVAL);
    prm.rdata = rdata;
    o.impl.send_impl = NULL;
    CHECK_STATUS(pjsip_auth_clt_async_impl_on_challenge(&s, &o.impl, &prm), PJ_EINVAL);
    CHECK(ctx.calls == 0);

    CHECK_STATUS(pjsip_auth_clt_async_send_req(NULL, (void *)1, tdata), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(&s, NULL, tdata), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(&s, (void *)1, NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(NULL, (void *)1), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&s, NULL), PJ_EINVAL);

    CHECK_STATUS(pjsip_auth_clt_init(NULL, NULL, NULL, 0), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_deinit(NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_set_credentials(NULL, 0, NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_set_credentials(&s, 1, NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_set_prefs(NULL, &pref), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_set_prefs(&s, NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_get_prefs(NULL, &pref), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_get_prefs(&s, NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_set_parent(NULL, &s), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_set_parent(&s, NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_clone(NULL, &garbage, &s), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_clone(pool, NULL, &s), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_clone(pool, &garbage, NULL), PJ_EINVAL);
    CHECK(pjshim_auth_clt_async_pending(NULL) == 0);

    /* Never-initialised and de-initialised sessions. */
    memset(&garbage, 0xAB, sizeof(garbage));
    opt.cb = &on_challenge;
    CHECK_STATUS(pjsip_auth_clt_async_configure(&garbage, &opt), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_deinit(&garbage), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_async_configure(&s, &opt), PJ_EINVAL);
    CHECK(pj_grp_lock_get_ref(glock) == 1);
}

static void test_prefs_clone_and_creds(void)
{
    pjsip_auth_clt_sess s, copy;
    pjsip_auth_clt_pref pref, got, dup;
    pjsip_cred_info cred, cred2;
    memset(&pref, 0, sizeof(pref));
    pref.initial_auth = PJ_TRUE;
    pref.algorithm = pj_str("SHA-256");
    CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, pool, 0), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_set_prefs(&s, &pref), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_get_prefs(&s, &got), PJ_SUCCESS);
    CHECK(got.initial_auth == PJ_TRUE && pj_strcmp2(&got.algorithm, "SHA-256") == 0);
    CHECK_STATUS(pjsip_auth_clt_clone(pool, &copy, &s), PJ_SUCCESS);
    memset(&got, 0, sizeof(got));
    CHECK_STATUS(pjsip_auth_clt_get_prefs(&copy, &got), PJ_SUCCESS);
    CHECK(got.initial_auth == PJ_TRUE && pj_strcmp2(&got.algorithm, "SHA-256") == 0);
    CHECK_STATUS(pjsip_auth_clt_pref_dup(pool, &dup, &pref), PJ_SUCCESS);
    CHECK(dup.algorithm.ptr != pref.algorithm.ptr && pj_strcmp2(&dup.algorithm, "SHA-256") == 0);

    memset(&cred, 0, sizeof(cred));
    cred.realm = pj_str("example.com");
    cred.scheme = pj_str("Digest");
    cred.username = pj_str("alice");
    cred.data = pj_str("secret");
    cred.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    CHECK_STATUS(pjsip_cred_info_dup(pool, &cred2, &cred), PJ_SUCCESS);
    CHECK(cred2.username.ptr != cred.username.ptr);
    CHECK(pjsip_cred_info_cmp(&cred, &cred2) == 0);
    cred2.scheme = pj_str("digest");
    CHECK(pjsip_cred_info_cmp(&cred, &cred2) == 0);
    cred2.data = pj_str("other");
    CHECK(pjsip_cred_info_cmp(&cred, &cred2) != 0);
    CHECK_STATUS(pjsip_cred_info_dup(NULL, &cred2, &cred), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_set_credentials(&s, 1, &cred), PJ_SUCCESS);
    cred.data_type = 7;
    CHECK_STATUS(pjsip_auth_clt_set_credentials(&s, 1, &cred), PJ_EINVAL);
    cred.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    cred.username.slen = -1;
    CHECK_STATUS(pjsip_auth_clt_set_credentials(&s, 1, &cred), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_deinit(&copy), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
}

int main(void)
{
    CHECK_STATUS(pj_init(), PJ_SUCCESS);
    pj_caching_pool_init(&cp, NULL, 0);
    pool = pj_pool_create(&cp.factory, "async", 4000, 4000, NULL);
    CHECK(pool != NULL);
    CHECK_STATUS(pj_grp_lock_create(pool, NULL, &glock), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_add_ref(glock), PJ_SUCCESS);
    tdata = make_request();
    rdata = make_challenge();

    test_send_inside_callback();
    test_deferred_send_from_thread();
    test_forged_and_random_tokens();
    test_abandon();
    test_decline();
    test_not_configured();
    test_cross_session();
    test_deinit_revokes_pending();
    test_parent_session();
    test_reentrancy();
    test_null_arguments();
    test_prefs_clone_and_creds();

    CHECK(pjshim_async_live_tokens() == 0);
    CHECK(pj_grp_lock_get_ref(glock) == 1);
    CHECK_STATUS(pj_grp_lock_dec_ref(glock), PJ_EGONE);
    CHECK_STATUS(pjsip_tx_data_dec_ref(tdata), PJSIP_EBUFDESTROYED);
    pjsip_rx_data_free_cloned(rdata);
    pj_pool_release(pool);
    pj_caching_pool_destroy(&cp);
    pj_shutdown();
    TEST_DONE("async_api");
}
