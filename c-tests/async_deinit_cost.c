/* Deinit after a burst: a session's deinit walks only its own pending
 * tokens. A burst of BURST tokens on another session (all consumed, so the
 * library's slot storage has grown to that size) must not change what a
 * later deinit of a small session does or costs. Checked: every token of the
 * burst and of the small session ends exactly once, the counters return to
 * 0, the group lock to its baseline. Reported (not asserted: timings are for
 * benchmarks): the deinit time of a session with K pending tokens before
 * and after the burst. */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <time.h>
#include "async_fixture.h"

#define BURST 200000
#define K 10



static double now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static void open_session(pjsip_auth_clt_sess *s)
{
    pjsip_auth_clt_async_setting opt;
    memset(&opt, 0, sizeof(opt));
    opt.cb = &keep_token;
    CHECK_STATUS(pjsip_auth_clt_init(s, NULL, NULL, 0), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_async_configure(s, &opt), PJ_SUCCESS);
}

/* Deinit of a session with K pending tokens; returns microseconds. */
static double small_deinit(pj_grp_lock_t *glock, pjsip_tx_data *tdata, pjsip_rx_data *rdata)
{
    pjsip_auth_clt_sess s;
    owner_t o[K];
    double t0, t1;
    int i;
    open_session(&s);
    for (i = 0; i < K; i++) {
        owner_init(&o[i], glock);
        CHECK_STATUS(challenge(&s, &o[i], tdata, rdata), PJ_SUCCESS);
    }
    CHECK(pjshim_auth_clt_async_pending(&s) == K);
    t0 = now_us();
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
    t1 = now_us();
    for (i = 0; i < K; i++)
        CHECK(atomic_load(&o[i].abandons) == 1 && atomic_load(&o[i].sends) == 0);
    return t1 - t0;
}

int main(void)
{
    pj_caching_pool cp;
    pj_pool_t *pool;
    pj_grp_lock_t *glock;
    pjsip_tx_data *tdata;
    pjsip_rx_data *rdata;
    pjsip_auth_clt_sess big;
    owner_t *owners;
    void **tokens;
    double before, after;
    int i, ended_once = 0;

    CHECK_STATUS(pj_init(), PJ_SUCCESS);
    pj_caching_pool_init(&cp, NULL, 0);
    pool = pj_pool_create(&cp.factory, "deinit-cost", 4096, 4096, NULL);
    CHECK_STATUS(pj_grp_lock_create(pool, NULL, &glock), PJ_SUCCESS);
    pj_grp_lock_add_ref(glock);
    tdata = make_request();
    rdata = make_challenge();

    before = small_deinit(glock, tdata, rdata);

    owners = (owner_t *)calloc(BURST, sizeof(owner_t));
    tokens = (void **)calloc(BURST, sizeof(void *));
    open_session(&big);
    for (i = 0; i < BURST; i++) {
        owner_init(&owners[i], glock);
        CHECK_STATUS(challenge(&big, &owners[i], tdata, rdata), PJ_SUCCESS);
        tokens[i] = kept_token;
    }
    CHECK(pjshim_async_live_tokens() == BURST);
    for (i = 0; i < BURST; i++)
        CHECK_STATUS(pjsip_auth_clt_async_abandon(&big, tokens[i]), PJ_SUCCESS);
    for (i = 0; i < BURST; i++)
        ended_once += atomic_load(&owners[i].abandons) == 1;
    CHECK(ended_once == BURST);
    CHECK(pjshim_async_live_tokens() == 0);

    after = small_deinit(glock, tdata, rdata);
    CHECK_STATUS(pjsip_auth_clt_deinit(&big), PJ_SUCCESS);
    CHECK(pjshim_async_live_tokens() == 0);
    CHECK(pj_grp_lock_get_ref(glock) == 1);
    printf("async_deinit_cost: deinit with %d pending: %.1f us before a burst of %d, %.1f us after\n",
           K, before, BURST, after);

    free(owners);
    free(tokens);
    CHECK(pj_grp_lock_dec_ref(glock) == PJ_EGONE);
    pjsip_tx_data_dec_ref(tdata);
    pjsip_rx_data_free_cloned(rdata);
    pj_pool_release(pool);
    pj_caching_pool_destroy(&cp);
    TEST_DONE("async_deinit_cost");
}
