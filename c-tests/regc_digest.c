/* Registration against an in-process registrar built on the server-side auth
 * of API.md section 7 (pjsip_auth_srv_verify checks every digest), over
 * 127.0.0.1 UDP: the synchronous path (reinit_req inside regc), a wrong
 * password that ends instead of looping, a stale nonce that recovers, and
 * SHA-256 credentials supplied from another thread 200 ms after the 401, and
 * PJSIP's five async-auth scenarios: (1) reinit_req + send_req inside the
 * callback, (2) token kept and sent later from the event loop, (3) a used token
 * and a zeroed impl token refused, (4) regc destroyed with the token pending,
 * (5) abandon inside the callback. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <string.h>
#include <time.h>
#include "pjsip_auth_shim.h"
#include "test_util.h"

static pj_caching_pool cp;
static pj_pool_t *pool;
static pjsip_endpoint *srv, *cli;
static unsigned srv_port;
static pjsip_auth_srv asrv;

/* Registrar state. */
static int regs, with_auth, verified, stale_mode;
static pjsip_auth_algorithm_type chal_alg = PJSIP_AUTH_ALGORITHM_MD5;

static pj_status_t lookup(pj_pool_t *p, const pj_str_t *realm, const pj_str_t *acc, pjsip_cred_info *ci)
{
    PJ_UNUSED_ARG(p);
    PJ_UNUSED_ARG(realm);
    if (pj_strcmp2(acc, "alice") != 0)
        return PJ_ENOTFOUND;
    pj_bzero(ci, sizeof(*ci));
    ci->realm = pj_str("shim.test");
    ci->scheme = pj_str("digest");
    ci->username = pj_str("alice");
    ci->data = pj_str("secret");
    ci->data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    return PJ_SUCCESS;
}

static pj_bool_t registrar(pjsip_rx_data *rdata, void *ud)
{
    pjsip_tx_data *resp = NULL;
    pj_str_t v;
    int code = 0;
    pj_status_t st;
    PJ_UNUSED_ARG(ud);
    regs++;
    if (pjshim_rx_data_get_hdr(rdata, "Authorization", 0, &v) == PJ_SUCCESS)
        with_auth++;
    st = pjsip_auth_srv_verify(&asrv, rdata, &code);
    if (st == PJ_SUCCESS) {
        verified++;
        CHECK(code == 200);
        CHECK_STATUS(pjshim_tx_data_create_response(rdata, 200, NULL, &resp), PJ_SUCCESS);
    } else {
        CHECK(code == 401);
        CHECK_STATUS(pjshim_tx_data_create_response(rdata, 401, NULL, &resp), PJ_SUCCESS);
        if (stale_mode == 1) {
            /* An explicit nonce, which verify never accepts: the next answer
             * gets PJSIP_EAUTHINNONCE and a stale=true challenge. */
            pj_str_t old = pj_str("0123456789abcdef-old");
            CHECK_STATUS(pjsip_auth_srv_challenge2(&asrv, NULL, &old, NULL, PJ_FALSE, resp, chal_alg), PJ_SUCCESS);
            stale_mode = 2;
        } else {
            CHECK_STATUS(pjsip_auth_srv_challenge2(&asrv, NULL, NULL, NULL, st == PJSIP_EAUTHINNONCE, resp,
                                                   chal_alg),
                         PJ_SUCCESS);
        }
    }
    CHECK_STATUS(pjshim_endpt_respond(srv, rdata, resp), PJ_SUCCESS);
    pjsip_tx_data_dec_ref(resp);
    return PJ_TRUE;
}

/* Registration results. */
static int fired, last_code;
static pj_status_t last_status;
static void on_reg(struct pjsip_regc_cbparam *p)
{
    fired++;
    last_code = p->code;
    last_status = p->status;
}

static void pump(int want, int max_ms)
{
    int i;
    for (i = 0; i < max_ms / 4 && fired < want; i++) {
        pj_time_val t = {0, 2};
        pjsip_endpt_handle_events(srv, &t);
        pjsip_endpt_handle_events(cli, &t);
    }
}

static void set_cred(pjsip_auth_clt_sess *sess, const char *password)
{
    pjsip_cred_info c;
    pj_bzero(&c, sizeof(c));
    c.realm = pj_str("*");
    c.scheme = pj_str("digest");
    c.username = pj_str("alice");
    c.data = pj_str((char *)password);
    c.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    CHECK_STATUS(pjsip_auth_clt_set_credentials(sess, 1, &c), PJ_SUCCESS);
}

static pjsip_regc *new_regc(void)
{
    pjsip_regc *r = NULL;
    char url[64];
    pj_str_t srv_url, aor = pj_str("sip:alice@shim.test"), contact = pj_str("sip:alice@127.0.0.1:5099");
    snprintf(url, sizeof(url), "sip:127.0.0.1:%u", srv_port);
    srv_url = pj_str(url);
    CHECK_STATUS(pjsip_regc_create(cli, NULL, &on_reg, &r), PJ_SUCCESS);
    CHECK_STATUS(pjsip_regc_init(r, &srv_url, &aor, &aor, 1, &contact, 60), PJ_SUCCESS);
    return r;
}

static void reset(void)
{
    regs = with_auth = verified = stale_mode = 0;
    fired = last_code = 0;
    last_status = -1;
}

static void do_register(pjsip_regc *r)
{
    pjsip_tx_data *t = NULL;
    CHECK_STATUS(pjsip_regc_register(r, PJ_FALSE, &t), PJ_SUCCESS);
    CHECK_STATUS(pjsip_regc_send(r, t), PJ_SUCCESS);
}

static void test_sync(void)
{
    pjsip_regc *r;
    reset();
    r = new_regc();
    set_cred(pjsip_regc_get_auth_sess(r), "secret");
    do_register(r);
    pump(1, 4000);
    CHECK(fired == 1 && last_code == 200 && last_status == PJ_SUCCESS);
    CHECK(regs == 2 && with_auth == 1 && verified == 1);
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);
}

static void test_wrong_password_ends(void)
{
    pjsip_regc *r;
    reset();
    r = new_regc();
    set_cred(pjsip_regc_get_auth_sess(r), "wrong");
    do_register(r);
    pump(1, 6000);
    CHECK(fired == 1 && last_code == 401);
    CHECK(last_status == PJSIP_EFAILEDCREDENTIAL || last_status == PJSIP_EAUTHSTALECOUNT);
    CHECK(verified == 0 && regs >= 2 && regs <= 5);
    /* Nothing more goes out afterwards: no loop. */
    {
        int before = regs;
        fired = 0;
        pump(1, 600);
        CHECK(regs == before);
    }
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);
}

static void test_stale_nonce_recovers(void)
{
    pjsip_regc *r;
    reset();
    stale_mode = 1;
    r = new_regc();
    set_cred(pjsip_regc_get_auth_sess(r), "secret");
    do_register(r);
    pump(1, 4000);
    CHECK(fired == 1 && last_code == 200 && last_status == PJ_SUCCESS);
    CHECK(regs == 3 && verified == 1);
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);
}

/* Async: credentials from another thread, 200 ms after the challenge. */
struct later {
    pjsip_auth_clt_sess *sess;
    void *token;
    pjsip_rx_data *rdata;
    pjsip_tx_data *tdata;
    pj_status_t reinit_status, send_status;
    pthread_t thread;
    int started;
};
static struct later later;

static void *credentials_arrive(void *arg)
{
    struct later *l = (struct later *)arg;
    struct timespec ts = {0, 200 * 1000 * 1000};
    pjsip_tx_data *new_req = NULL;
    nanosleep(&ts, NULL);
    set_cred(l->sess, "secret");
    l->reinit_status = pjsip_auth_clt_reinit_req(l->sess, l->rdata, l->tdata, &new_req);
    l->send_status = l->reinit_status == PJ_SUCCESS
        ? pjsip_auth_clt_async_send_req(l->sess, l->token, new_req)
        : pjsip_auth_clt_async_abandon(l->sess, l->token);
    return NULL;
}

static pj_bool_t on_chal(pjsip_auth_clt_sess *sess, void *token, const pjsip_auth_clt_async_on_chal_param *prm)
{
    later.sess = sess;
    later.token = token;
    CHECK_STATUS(pjsip_rx_data_clone(prm->rdata, 0, &later.rdata), PJ_SUCCESS);
    pjsip_tx_data_add_ref(prm->tdata);
    later.tdata = prm->tdata;
    later.started = pthread_create(&later.thread, NULL, credentials_arrive, &later) == 0;
    CHECK(later.started);
    return PJ_TRUE;
}

static void test_async_sha256_from_thread(void)
{
    pjsip_regc *r;
    pjsip_auth_clt_async_setting opt;
    reset();
    chal_alg = PJSIP_AUTH_ALGORITHM_SHA256;
    memset(&later, 0, sizeof(later));
    r = new_regc();
    opt.cb = &on_chal;
    opt.user_data = NULL;
    CHECK_STATUS(pjsip_auth_clt_async_configure(pjsip_regc_get_auth_sess(r), &opt), PJ_SUCCESS);
    do_register(r);
    pump(1, 5000);
    if (later.started)
        pthread_join(later.thread, NULL);
    CHECK_STATUS(later.reinit_status, PJ_SUCCESS);
    CHECK_STATUS(later.send_status, PJ_SUCCESS);
    CHECK(fired == 1 && last_code == 200 && last_status == PJ_SUCCESS);
    CHECK(regs == 2 && verified == 1);
    CHECK(pjshim_async_live_tokens() == 0);
    if (later.rdata)
        pjsip_rx_data_free_cloned(later.rdata);
    if (later.tdata)
        pjsip_tx_data_dec_ref(later.tdata);
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);
    chal_alg = PJSIP_AUTH_ALGORITHM_MD5;
}

/* PJSIP's five scenarios. */
enum scenario { S_INSIDE = 1, S_LATER, S_REUSE, S_DESTROY, S_ABANDON };
static enum scenario scen;
static void *scen_token;
static pjsip_rx_data *scen_rdata;
static pjsip_tx_data *scen_tdata;
static pjsip_auth_clt_sess *scen_sess;
static pj_status_t scen_status;

static pj_bool_t on_scenario(pjsip_auth_clt_sess *sess, void *token,
                             const pjsip_auth_clt_async_on_chal_param *prm)
{
    pjsip_tx_data *new_req = NULL;
    scen_token = token;
    scen_sess = sess;
    switch (scen) {
    case S_INSIDE:
    case S_REUSE:
        set_cred(sess, "secret");
        scen_status = pjsip_auth_clt_reinit_req(sess, prm->rdata, prm->tdata, &new_req);
        if (scen_status == PJ_SUCCESS)
            scen_status = pjsip_auth_clt_async_send_req(sess, token, new_req);
        return PJ_TRUE;
    case S_LATER:
        CHECK_STATUS(pjsip_rx_data_clone(prm->rdata, 0, &scen_rdata), PJ_SUCCESS);
        pjsip_tx_data_add_ref(prm->tdata);
        scen_tdata = prm->tdata;
        return PJ_TRUE;
    case S_DESTROY:
        return PJ_TRUE; /* never answered */
    case S_ABANDON:
        scen_status = pjsip_auth_clt_async_abandon(sess, token);
        return PJ_TRUE;
    }
    return PJ_FALSE;
}

static pjsip_regc *scenario_regc(enum scenario which)
{
    pjsip_regc *r;
    pjsip_auth_clt_async_setting opt;
    reset();
    scen = which;
    scen_token = NULL;
    scen_rdata = NULL;
    scen_tdata = NULL;
    scen_status = -1;
    r = new_regc();
    opt.cb = &on_scenario;
    opt.user_data = NULL;
    CHECK_STATUS(pjsip_auth_clt_async_configure(pjsip_regc_get_auth_sess(r), &opt), PJ_SUCCESS);
    do_register(r);
    return r;
}

static void test_pjsip_scenarios(void)
{
    pjsip_regc *r;
    pjsip_auth_clt_async_impl_token zeroed;

    /* (1) reinit_req and send_req inside the callback. */
    r = scenario_regc(S_INSIDE);
    pump(1, 4000);
    CHECK_STATUS(scen_status, PJ_SUCCESS);
    CHECK(fired == 1 && last_code == 200 && last_status == PJ_SUCCESS && verified == 1);
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);

    /* (2) the token is kept; the application loop sends it later. */
    r = scenario_regc(S_LATER);
    pump(1, 300); /* the 401 arrives; nothing answers yet */
    CHECK(scen_token != NULL && fired == 0 && regs == 1);
    CHECK(pjshim_auth_clt_async_pending(pjsip_regc_get_auth_sess(r)) == 1);
    {
        pjsip_tx_data *new_req = NULL;
        set_cred(scen_sess, "secret");
        CHECK_STATUS(pjsip_auth_clt_reinit_req(scen_sess, scen_rdata, scen_tdata, &new_req), PJ_SUCCESS);
        CHECK_STATUS(pjsip_auth_clt_async_send_req(scen_sess, scen_token, new_req), PJ_SUCCESS);
        pjsip_rx_data_free_cloned(scen_rdata);
        pjsip_tx_data_dec_ref(scen_tdata);
    }
    pump(1, 4000);
    CHECK(fired == 1 && last_code == 200 && verified == 1);
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);

    /* (3) a second send with the used token, and a zeroed impl token. */
    r = scenario_regc(S_REUSE);
    pump(1, 4000);
    CHECK(fired == 1 && last_code == 200);
    {
        pjsip_tx_data *t = NULL;
        CHECK_STATUS(pjsip_regc_register(r, PJ_FALSE, &t), PJ_SUCCESS);
        CHECK_STATUS(pjsip_auth_clt_async_send_req(scen_sess, scen_token, t), PJ_EINVAL);
        pj_bzero(&zeroed, sizeof(zeroed));
        CHECK_STATUS(pjsip_auth_clt_async_send_req(scen_sess, &zeroed, t), PJ_EINVAL);
        CHECK_STATUS(pjsip_auth_clt_async_abandon(scen_sess, &zeroed), PJ_EINVAL);
        pjsip_tx_data_dec_ref(t); /* still ours after PJ_EINVAL */
    }
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);

    /* (4) never answered; the regc is destroyed with the token pending. */
    r = scenario_regc(S_DESTROY);
    pump(1, 300);
    CHECK(scen_token != NULL && pjshim_async_live_tokens() == 1);
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);
    CHECK(pjshim_async_live_tokens() == 0);
    pump(1, 300);
    CHECK(fired == 0);                   /* no callback after destroy */
    CHECK(with_auth == 0 && regs == 1);  /* the server never saw credentials */

    /* (5) abandon inside the callback. */
    r = scenario_regc(S_ABANDON);
    pump(1, 2000);
    CHECK_STATUS(scen_status, PJ_SUCCESS);
    CHECK(fired == 1 && last_code == 401 && last_status != PJ_SUCCESS);
    CHECK(with_auth == 0 && regs == 1);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(scen_sess, scen_token, NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_async_abandon(scen_sess, scen_token), PJ_EINVAL);
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);
    CHECK(pjshim_async_live_tokens() == 0);
}

int main(void)
{
    pj_str_t realm = pj_str("shim.test");
    pj_caching_pool_init(&cp, NULL, 0);
    pool = pj_pool_create(&cp.factory, "regc_digest", 1024, 1024, NULL);
    CHECK_STATUS(pjsip_auth_srv_init(pool, &asrv, &realm, &lookup, 0), PJ_SUCCESS);
    CHECK_STATUS(pjsip_endpt_create(&cp.factory, "registrar", &srv), PJ_SUCCESS);
    CHECK_STATUS(pjsip_endpt_create(&cp.factory, "client", &cli), PJ_SUCCESS);
    CHECK_STATUS(pjshim_udp_transport_start(srv, "127.0.0.1", 0, &srv_port), PJ_SUCCESS);
    CHECK_STATUS(pjshim_udp_transport_start(cli, "127.0.0.1", 0, NULL), PJ_SUCCESS);
    CHECK_STATUS(pjshim_endpt_set_request_handler(srv, &registrar, NULL), PJ_SUCCESS);
    test_sync();
    test_wrong_password_ends();
    test_stale_nonce_recovers();
    test_async_sha256_from_thread();
    test_pjsip_scenarios();
    CHECK(pjshim_async_live_tokens() == 0);
    pjsip_endpt_destroy(cli);
    pjsip_endpt_destroy(srv);
    pj_pool_release(pool);
    pj_caching_pool_destroy(&cp);
    TEST_DONE("regc_digest");
}
