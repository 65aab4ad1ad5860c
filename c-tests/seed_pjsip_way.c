/* The PJSIP-level async flow of PJSIP's "Asynchronous SIP Authentication"
 * page (../shared/seeds/), written the PJSIP way: PJSIP include paths only,
 * a pj_bzero'd pjsip_auth_clt_async_setting, a callback with PJSIP's
 * signature that clones rdata, adds a tdata reference and returns PJ_TRUE,
 * and a later step on another thread that sets credentials, calls
 * reinit_req, then async_send_req (or async_abandon), and frees what the
 * callback kept. Nothing here names a pjshim_* function except the
 * transaction stand-in at the bottom (async_fixture.h) and the final counters.
 * Runs both endings: credentials found (sent once, with Authorization) and
 * none (reinit fails, the token is abandoned once). */
#include <pjlib.h>
#include <pjsip.h>
#include <pthread.h>
#include "async_fixture.h"

struct auth_ctx {
    pjsip_auth_clt_sess *auth_sess;
    void *token;
    pjsip_tx_data *tdata;
    pjsip_rx_data *rdata_clone;
    pj_bool_t give_password;
};

static struct auth_ctx *pending_ctx;

static void *on_creds_ready(void *arg)
{
    struct auth_ctx *ctx = (struct auth_ctx *)arg;
    pjsip_tx_data *new_req = NULL;
    pj_status_t status;

    if (ctx->give_password) {
        pjsip_cred_info cred;
        pj_bzero(&cred, sizeof(cred));
        cred.scheme = pj_str("digest");
        cred.realm = pj_str("*");
        cred.username = pj_str("alice");
        cred.data = pj_str("secret");
        cred.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
        pjsip_auth_clt_set_credentials(ctx->auth_sess, 1, &cred);
    }

    status = pjsip_auth_clt_reinit_req(ctx->auth_sess, ctx->rdata_clone, ctx->tdata, &new_req);
    CHECK_STATUS(status, ctx->give_password ? PJ_SUCCESS : PJSIP_ENOCREDENTIAL);
    if (status == PJ_SUCCESS && new_req) {
        pj_str_t auth;
        CHECK_STATUS(pjshim_tx_data_get_hdr(new_req, "Authorization", 0, &auth), PJ_SUCCESS);
        CHECK(auth.slen > 40 && memcmp(auth.ptr, "Digest username=\"alice\"", 23) == 0);
        CHECK_STATUS(pjsip_auth_clt_async_send_req(ctx->auth_sess, ctx->token, new_req),
                     PJ_SUCCESS);
    } else {
        CHECK_STATUS(pjsip_auth_clt_async_abandon(ctx->auth_sess, ctx->token), PJ_SUCCESS);
    }
    /* Single use: the same token again is refused, whichever way it went. */
    CHECK_STATUS(pjsip_auth_clt_async_abandon(ctx->auth_sess, ctx->token), PJ_EINVAL);

    pjsip_rx_data_free_cloned(ctx->rdata_clone);
    pjsip_tx_data_dec_ref(ctx->tdata);
    free(ctx);
    return NULL;
}

static pj_bool_t my_on_challenge(pjsip_auth_clt_sess *sess, void *token,
                                 const pjsip_auth_clt_async_on_chal_param *param)
{
    struct auth_ctx *ctx = (struct auth_ctx *)malloc(sizeof(*ctx));
    if (!ctx)
        return PJ_FALSE;
    ctx->auth_sess = sess;
    ctx->token = token;
    ctx->tdata = param->tdata;
    ctx->give_password = *(pj_bool_t *)param->user_data;
    if (pjsip_rx_data_clone(param->rdata, 0, &ctx->rdata_clone) != PJ_SUCCESS) {
        free(ctx);
        return PJ_FALSE;
    }
    pjsip_tx_data_add_ref(ctx->tdata);
    pending_ctx = ctx;
    return PJ_TRUE;
}

static void run(pj_bool_t give_password)
{
    pjsip_auth_clt_sess auth_sess;
    pjsip_auth_clt_async_setting async_opt;
    pj_caching_pool cp;
    pj_pool_t *pool;
    pj_grp_lock_t *glock = NULL;
    owner_t owner;
    pjsip_tx_data *tdata;
    pjsip_rx_data *rdata;
    pthread_t worker;

    pj_caching_pool_init(&cp, NULL, 0);
    pool = pj_pool_create(&cp.factory, "seed", 1000, 1000, NULL);
    CHECK(pool != NULL);
    CHECK_STATUS(pj_grp_lock_create(pool, NULL, &glock), PJ_SUCCESS);
    pj_grp_lock_add_ref(glock);

    CHECK_STATUS(pjsip_auth_clt_init(&auth_sess, NULL, pool, 0), PJ_SUCCESS);
    pj_bzero(&async_opt, sizeof(async_opt));
    async_opt.cb = &my_on_challenge;
    async_opt.user_data = &give_password;
    CHECK_STATUS(pjsip_auth_clt_async_configure(&auth_sess, &async_opt), PJ_SUCCESS);

    /* The transaction layer's part: a 401 arrives for a sent REGISTER. */
    owner_init(&owner, glock);
    tdata = make_request();
    rdata = make_challenge();
    pending_ctx = NULL;
    CHECK_STATUS(challenge(&auth_sess, &owner, tdata, rdata), PJ_SUCCESS);
    pjsip_rx_data_free_cloned(rdata);
    pjsip_tx_data_dec_ref(tdata);
    CHECK(pending_ctx != NULL);
    CHECK(pjshim_auth_clt_async_pending(&auth_sess) == 1);

    /* Credentials arrive later, on a thread no one registered. */
    CHECK(pthread_create(&worker, NULL, on_creds_ready, pending_ctx) == 0);
    pthread_join(worker, NULL);

    CHECK(atomic_load(&owner.sends) == (give_password ? 1 : 0));
    CHECK(atomic_load(&owner.abandons) == (give_password ? 0 : 1));
    CHECK(pjshim_auth_clt_async_pending(&auth_sess) == 0);
    CHECK(pjshim_async_live_tokens() == 0);
    /* The token's group lock reference was dropped exactly once. */
    CHECK(pj_grp_lock_get_ref(glock) == 1);

    pjsip_auth_clt_deinit(&auth_sess);
    pj_grp_lock_dec_ref(glock);
    pj_pool_release(pool);
    pj_caching_pool_destroy(&cp);
}

int main(void)
{
    CHECK_STATUS(pj_init(), PJ_SUCCESS);
    run(PJ_TRUE);
    run(PJ_FALSE);
    pj_shutdown();
    TEST_DONE("seed_pjsip_way");
}
