/* Harness hooks: pjshim_transport_fail_next() makes send_req return the
 * "transport's" status with the token consumed (dead afterwards, live tokens
 * and the group lock back to their baseline, the request released), and
 * pjshim_set_log_cb() captures the notable events at their levels, nothing
 * by default. */
#include <pthread.h>
#include "async_fixture.h"

static pj_caching_pool cp;
static pj_pool_t *pool;
static pj_grp_lock_t *glock;

/* Captured log: levels and messages, one line each. */
static pthread_mutex_t log_mu = PTHREAD_MUTEX_INITIALIZER;
static char log_text[16384];
static size_t log_len;
static int log_count[7];

static void capture(int level, const char *data, int len)
{
    pthread_mutex_lock(&log_mu);
    CHECK(level >= 1 && level <= 6);
    CHECK((int)strlen(data) == len); /* NUL-terminated as documented */
    if (level >= 1 && level <= 6)
        log_count[level]++;
    int n = snprintf(log_text + log_len, sizeof log_text - log_len, "%d %.*s\n", level, len, data);
    if (n > 0 && (size_t)n < sizeof log_text - log_len)
        log_len += (size_t)n;
    pthread_mutex_unlock(&log_mu);
}

static void log_reset(void)
{
    pthread_mutex_lock(&log_mu);
    log_len = 0;
    log_text[0] = 0;
    memset(log_count, 0, sizeof log_count);
    pthread_mutex_unlock(&log_mu);
}

static int logged(int level, const char *needle)
{
    char want[256];
    snprintf(want, sizeof want, "%d %s", level, needle);
    return strstr(log_text, want) != NULL;
}

static int total_logged(void)
{
    int n = 0;
    for (int i = 1; i <= 6; i++)
        n += log_count[i];
    return n;
}

/* One challenge whose token the callback keeps; returns it. */
static void *issue(pjsip_auth_clt_sess *s, cb_ctx_t *ctx, owner_t *o, pjsip_tx_data *t,
                   pjsip_rx_data *r)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->mode = CB_KEEP;
    configure(s, ctx);
    owner_init(o, glock);
    CHECK_STATUS(challenge(s, o, t, r), PJ_SUCCESS);
    return ctx->token;
}

static void test_fail_next(pjsip_tx_data *t, pjsip_rx_data *r)
{
    pjsip_auth_clt_sess s;
    cb_ctx_t ctx;
    owner_t o;
    unsigned base = pjshim_async_live_tokens();
    CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, pool, 0), PJ_SUCCESS);

    CHECK_STATUS(pjshim_transport_fail_next(2, PJ_ETIMEDOUT), PJ_SUCCESS);
    CHECK(pjshim_transport_fail_pending() == 2);
    for (int i = 0; i < 2; i++) {
        void *tok = issue(&s, &ctx, &o, t, r);
        CHECK(tok != NULL);
        CHECK(pjshim_async_live_tokens() == base + 1);
        CHECK(pj_grp_lock_get_ref(glock) == 2);
        pjsip_tx_data_add_ref(t); /* the reference send_req takes over */
        CHECK_STATUS(pjsip_auth_clt_async_send_req(&s, tok, t), PJ_ETIMEDOUT);
        CHECK(atomic_load(&o.sends) == 0); /* it never reached send_impl */
        CHECK(pjshim_async_live_tokens() == base);
        CHECK(pjshim_auth_clt_async_pending(&s) == 0);
        CHECK(pj_grp_lock_get_ref(glock) == 1); /* the token's reference dropped */
        /* The token is dead: a second send is refused, the request stays ours. */
        pjsip_tx_data_add_ref(t);
        CHECK_STATUS(pjsip_auth_clt_async_send_req(&s, tok, t), PJ_EINVAL);
        pjsip_tx_data_dec_ref(t);
        CHECK_STATUS(pjsip_auth_clt_async_abandon(&s, tok), PJ_EINVAL);
        CHECK(atomic_load(&o.abandons) == 0);
    }
    CHECK(pjshim_transport_fail_pending() == 0);

    /* Disarmed after n: the next send reaches send_impl. */
    void *tok = issue(&s, &ctx, &o, t, r);
    pjsip_tx_data_add_ref(t);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(&s, tok, t), PJ_SUCCESS);
    CHECK(atomic_load(&o.sends) == 1);
    CHECK(pj_grp_lock_get_ref(glock) == 1);

    /* n = 0 disarms; a PJ_SUCCESS "failure" is refused. */
    CHECK_STATUS(pjshim_transport_fail_next(3, PJ_ETIMEDOUT), PJ_SUCCESS);
    CHECK_STATUS(pjshim_transport_fail_next(0, 0), PJ_SUCCESS);
    CHECK(pjshim_transport_fail_pending() == 0);
    CHECK_STATUS(pjshim_transport_fail_next(1, PJ_SUCCESS), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
}

static void test_log(pjsip_tx_data *t, pjsip_rx_data *r)
{
    pjsip_auth_clt_sess s;
    cb_ctx_t ctx;
    owner_t o;
    pjsip_cred_info c;
    pjsip_tx_data *out = NULL;

    /* Nothing by default: a whole flow logs nothing. */
    log_reset();
    CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, pool, 0), PJ_SUCCESS);
    void *tok = issue(&s, &ctx, &o, t, r);
    pjsip_tx_data_add_ref(t);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(&s, tok, t), PJ_SUCCESS);
    CHECK(total_logged() == 0);

    /* Everything up to trace. */
    CHECK_STATUS(pjshim_set_log_cb(6, &capture), PJ_SUCCESS);
    tok = issue(&s, &ctx, &o, t, r);
    CHECK(logged(4, "challenge received: token"));
    CHECK_STATUS(pjshim_transport_fail_next(1, PJ_ETIMEDOUT), PJ_SUCCESS);
    pjsip_tx_data_add_ref(t);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(&s, tok, t), PJ_ETIMEDOUT);
    CHECK(logged(2, "send_req: token"));
    CHECK(strstr(log_text, "send failed with status 70009") != NULL);
    tok = issue(&s, &ctx, &o, t, r);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&s, tok), PJ_SUCCESS);
    CHECK(logged(4, "abandon: token"));
    tok = issue(&s, &ctx, &o, t, r);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS); /* revokes it */
    CHECK(logged(4, "deinit: 1 pending token(s) revoked"));

    /* Credentials refused: the same nonce again, without stale=true. */
    CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, pool, 0), PJ_SUCCESS);
    memset(&c, 0, sizeof c);
    c.realm = pj_str("example.com");
    c.scheme = pj_str("digest");
    c.username = pj_str("alice");
    c.data = pj_str("secret");
    c.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    CHECK_STATUS(pjsip_auth_clt_set_credentials(&s, 1, &c), PJ_SUCCESS);
    pjsip_tx_data *t2 = make_request();
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, r, t2, &out), PJ_SUCCESS);
    pjsip_tx_data_dec_ref(out);
    CHECK(logged(4, "reinit_req: challenge answered"));
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, r, t2, &out), PJSIP_EFAILEDCREDENTIAL);
    CHECK(logged(2, "reinit_req: challenge not answered: FailedCredential"));
    CHECK_STATUS(pjsip_tx_data_dec_ref(t2), PJSIP_EBUFDESTROYED);

    /* A lower level filters: only warnings and errors now. */
    log_reset();
    CHECK_STATUS(pjshim_set_log_cb(2, &capture), PJ_SUCCESS);
    tok = issue(&s, &ctx, &o, t, r);
    CHECK(log_count[4] == 0);
    CHECK_STATUS(pjshim_transport_fail_next(1, PJ_ECANCELLED), PJ_SUCCESS);
    pjsip_tx_data_add_ref(t);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(&s, tok, t), PJ_ECANCELLED);
    CHECK(log_count[2] == 1 && total_logged() == 1);

    /* Off again. */
    log_reset();
    CHECK_STATUS(pjshim_set_log_cb(6, NULL), PJ_SUCCESS);
    tok = issue(&s, &ctx, &o, t, r);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(&s, tok), PJ_SUCCESS);
    CHECK(total_logged() == 0);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
}

int main(void)
{
    CHECK_STATUS(pj_init(), PJ_SUCCESS);
    pj_caching_pool_init(&cp, NULL, 0);
    pool = pj_pool_create(&cp.factory, "hooks", 4000, 4000, NULL);
    CHECK_STATUS(pj_grp_lock_create(pool, NULL, &glock), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_add_ref(glock), PJ_SUCCESS);
    pjsip_tx_data *t = make_request();
    pjsip_rx_data *r = make_challenge();

    test_fail_next(t, r);
    test_log(t, r);

    CHECK(pjshim_async_live_tokens() == 0);
    CHECK(pj_grp_lock_get_ref(glock) == 1);
    CHECK_STATUS(pj_grp_lock_dec_ref(glock), PJ_EGONE);
    /* Every request reference the injected failures took over was released. */
    CHECK_STATUS(pjsip_tx_data_dec_ref(t), PJSIP_EBUFDESTROYED);
    pjsip_rx_data_free_cloned(r);
    pj_pool_release(pool);
    pj_caching_pool_destroy(&cp);
    TEST_DONE("hooks_fault_log");
}
