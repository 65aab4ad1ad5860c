/* Fixed-capacity mode from C (issue 11): pjshim_set_capacity() before any
 * session call fixes the budget; past it init and impl_on_challenge return
 * PJ_ETOOMANY with nothing changed (the group lock reference stays the
 * caller's, the impl token's signature zero); freed places are reused;
 * a second call, or one after the table exists, is PJ_EINVALIDOP. The
 * allocation count of the token path is checked by tests/fixed_capacity.rs,
 * which can watch Rust's allocator. */
#include "async_fixture.h"

#define SESSIONS 3
#define TOKENS 4

static int sig_is_zero(const owner_t *o)
{
    static const pj_uint8_t zero[4] = {0, 0, 0, 0};
    return memcmp(o->impl.signature, zero, 4) == 0;
}

int main(void)
{
    pj_caching_pool cp;
    pj_pool_t *pool;
    pj_grp_lock_t *glock;
    pjsip_auth_clt_sess s[SESSIONS + 1];
    owner_t o[TOKENS + 1];
    void *tok[TOKENS];
    cb_ctx_t ctx;
    int i;

    CHECK_STATUS(pjshim_set_capacity(0, TOKENS), PJ_EINVAL);
    CHECK_STATUS(pjshim_set_capacity(SESSIONS, 0), PJ_EINVAL);
    CHECK_STATUS(pjshim_set_capacity(SESSIONS, TOKENS), PJ_SUCCESS);
    CHECK_STATUS(pjshim_set_capacity(SESSIONS, TOKENS), PJ_EINVALIDOP);

    CHECK_STATUS(pj_init(), PJ_SUCCESS);
    pj_caching_pool_init(&cp, NULL, 0);
    pool = pj_pool_create(&cp.factory, "fixed", 4000, 4000, NULL);
    CHECK(pool != NULL);
    CHECK_STATUS(pj_grp_lock_create(pool, NULL, &glock), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_add_ref(glock), PJ_SUCCESS);
    pjsip_tx_data *tdata = make_request();
    pjsip_rx_data *rdata = make_challenge();

    /* Sessions: the budget, one refused, a freed place reused. */
    for (i = 0; i < SESSIONS; i++)
        CHECK_STATUS(pjsip_auth_clt_init(&s[i], NULL, pool, 0), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_init(&s[SESSIONS], NULL, pool, 0), PJ_ETOOMANY);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s[2]), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_init(&s[SESSIONS], NULL, pool, 0), PJ_SUCCESS);

    /* Tokens: shared by every session of the process. */
    memset(&ctx, 0, sizeof(ctx));
    ctx.mode = CB_KEEP;
    configure(&s[0], &ctx);
    configure(&s[1], &ctx);
    for (i = 0; i < TOKENS; i++) {
        owner_init(&o[i], glock);
        CHECK_STATUS(challenge(&s[i % 2], &o[i], tdata, rdata), PJ_SUCCESS);
        tok[i] = ctx.token;
    }
    CHECK(pjshim_async_live_tokens() == TOKENS);
    CHECK(pj_grp_lock_get_ref(glock) == 1 + TOKENS);
    owner_init(&o[TOKENS], glock);
    CHECK_STATUS(challenge(&s[0], &o[TOKENS], tdata, rdata), PJ_ETOOMANY);
    CHECK_STATUS(challenge(&s[1], &o[TOKENS], tdata, rdata), PJ_ETOOMANY);
    CHECK(sig_is_zero(&o[TOKENS]));
    CHECK(pjshim_async_live_tokens() == TOKENS);
    CHECK(pj_grp_lock_get_ref(glock) == 1 + TOKENS); /* the refused ones' went back */

    /* A token ended on session 1 frees a place session 0 can use. */
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&s[1], tok[1]), PJ_SUCCESS);
    CHECK(atomic_load(&o[1].abandons) == 1);
    CHECK_STATUS(challenge(&s[0], &o[TOKENS], tdata, rdata), PJ_SUCCESS);
    tok[1] = ctx.token;
    CHECK(pjshim_async_live_tokens() == TOKENS);

    /* Everything ends once: sent, abandoned, revoked by deinit. */
    pjsip_tx_data_add_ref(tdata);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(&s[0], tok[0], tdata), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&s[0], tok[1]), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s[0]), PJ_SUCCESS); /* revokes tok[2] */
    CHECK_STATUS(pjsip_auth_clt_deinit(&s[1]), PJ_SUCCESS); /* revokes tok[3] */
    CHECK_STATUS(pjsip_auth_clt_deinit(&s[SESSIONS]), PJ_SUCCESS);
    CHECK(atomic_load(&o[0].sends) == 1);
    CHECK(atomic_load(&o[TOKENS].abandons) == 1);
    CHECK(atomic_load(&o[2].abandons) == 1 && atomic_load(&o[3].abandons) == 1);
    CHECK(pjshim_async_live_tokens() == 0);
    CHECK(pj_grp_lock_get_ref(glock) == 1);

    CHECK_STATUS(pj_grp_lock_dec_ref(glock), PJ_EGONE);
    CHECK_STATUS(pjsip_tx_data_dec_ref(tdata), PJSIP_EBUFDESTROYED);
    pjsip_rx_data_free_cloned(rdata);
    pj_pool_release(pool);
    pj_caching_pool_destroy(&cp);
    printf("fixed_capacity: ok\n");
    return 0;
}
