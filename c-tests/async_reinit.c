/* The async challenge API together with pjsip_auth_clt_reinit_req, as PJSIP
 * applications use it: (1) reinit_req + async_send_req inside the callback;
 * (2) the callback keeps the token, clones rdata and takes a tdata reference;
 * another thread later sets credentials, calls reinit_req and send_req. */
#include <pthread.h>
#include <string.h>
#include "pjsip_auth_shim.h"
#include "test_util.h"

static const char REQ[] =
    "REGISTER sip:registrar.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc123\r\n"
    "From: <sip:alice@example.com>;tag=f1\r\n"
    "To: <sip:alice@example.com>\r\n"
    "Call-ID: async-reinit@127.0.0.1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "Content-Length: 0\r\n\r\n";

static const char CHAL[] =
    "SIP/2.0 401 Unauthorized\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKabc123\r\n"
    "From: <sip:alice@example.com>;tag=f1\r\n"
    "To: <sip:alice@example.com>;tag=t1\r\n"
    "Call-ID: async-reinit@127.0.0.1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n0nce\", qop=\"auth\", algorithm=MD5\r\n"
    "Content-Length: 0\r\n\r\n";

typedef struct app {
    int mode; /* 1: answer inside; 2: keep for later */
    void *token;
    pjsip_rx_data *clone;
    pjsip_tx_data *tdata;
    pj_status_t inside[2];
    int sends;
    int send_saw_auth;
} app_t;

static int has_auth(pjsip_tx_data *t)
{
    pj_str_t v;
    return pjshim_tx_data_get_hdr(t, "Authorization", 0, &v) == PJ_SUCCESS && v.slen > 40 &&
           memcmp(v.ptr, "Digest username=\"alice\", realm=\"example.com\", nonce=\"n0nce\"", 58) == 0;
}

static pj_status_t send_impl(pjsip_auth_clt_sess *sess, void *user_data, pjsip_tx_data *req)
{
    app_t *a = (app_t *)user_data;
    (void)sess;
    a->sends++;
    a->send_saw_auth = has_auth(req);
    pjsip_tx_data_dec_ref(req);
    return PJ_SUCCESS;
}

static pj_bool_t on_chal(pjsip_auth_clt_sess *sess, void *token,
                         const pjsip_auth_clt_async_on_chal_param *p)
{
    app_t *a = (app_t *)p->user_data;
    a->token = token;
    if (a->mode == 1) {
        pjsip_tx_data *nr = NULL;
        a->inside[0] = pjsip_auth_clt_reinit_req(sess, p->rdata, p->tdata, &nr);
        a->inside[1] = a->inside[0] == PJ_SUCCESS ? pjsip_auth_clt_async_send_req(sess, token, nr)
                                                   : PJ_EUNKNOWN;
    } else {
        a->inside[0] = pjsip_rx_data_clone(p->rdata, 0, &a->clone);
        pjsip_tx_data_add_ref(p->tdata);
        a->tdata = p->tdata;
    }
    return PJ_TRUE;
}

static pjsip_auth_clt_sess sess;

static void *later(void *arg)
{
    app_t *a = (app_t *)arg;
    pjsip_cred_info c;
    pjsip_tx_data *nr = NULL;
    memset(&c, 0, sizeof c);
    c.realm = pj_str("example.com");
    c.scheme = pj_str("digest");
    c.username = pj_str("alice");
    c.data = pj_str("secret");
    c.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    CHECK_STATUS(pjsip_auth_clt_set_credentials(&sess, 1, &c), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&sess, a->clone, a->tdata, &nr), PJ_SUCCESS);
    CHECK(nr == a->tdata);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(&sess, a->token, nr), PJ_SUCCESS);
    pjsip_rx_data_free_cloned(a->clone);
    pjsip_tx_data_dec_ref(a->tdata);
    return NULL;
}

static void run(int mode)
{
    app_t a;
    pjsip_auth_clt_async_setting opt;
    pjsip_auth_clt_async_impl_token impl;
    pjsip_auth_clt_async_on_chal_param prm;
    pjsip_tx_data *t = NULL;
    pjsip_rx_data *r = NULL;
    pjsip_cred_info c;

    memset(&a, 0, sizeof a);
    a.mode = mode;
    CHECK_STATUS(pjsip_auth_clt_init(&sess, NULL, NULL, 0), PJ_SUCCESS);
    if (mode == 1) {
        memset(&c, 0, sizeof c);
        c.realm = pj_str("example.com");
        c.scheme = pj_str("digest");
        c.username = pj_str("alice");
        c.data = pj_str("secret");
        c.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
        CHECK_STATUS(pjsip_auth_clt_set_credentials(&sess, 1, &c), PJ_SUCCESS);
    }
    memset(&opt, 0, sizeof opt);
    opt.cb = &on_chal;
    opt.user_data = &a;
    CHECK_STATUS(pjsip_auth_clt_async_configure(&sess, &opt), PJ_SUCCESS);
    CHECK_STATUS(pjshim_tx_data_parse(REQ, sizeof REQ - 1, &t), PJ_SUCCESS);
    CHECK_STATUS(pjshim_rx_data_parse(CHAL, sizeof CHAL - 1, &r), PJ_SUCCESS);
    memset(&impl, 0, sizeof impl);
    impl.user_data = &a;
    impl.send_impl = &send_impl;
    prm.tdata = t;
    prm.rdata = r;
    prm.user_data = NULL;
    CHECK_STATUS(pjsip_auth_clt_async_impl_on_challenge(&sess, &impl, &prm), PJ_SUCCESS);
    /* The stack is done with the response and its own reference. */
    pjsip_rx_data_free_cloned(r);
    if (mode == 1) {
        CHECK_STATUS(a.inside[0], PJ_SUCCESS);
        CHECK_STATUS(a.inside[1], PJ_SUCCESS);
    } else {
        pthread_t th;
        CHECK_STATUS(a.inside[0], PJ_SUCCESS);
        CHECK(a.sends == 0);
        CHECK(pthread_create(&th, NULL, later, &a) == 0);
        pthread_join(th, NULL);
    }
    CHECK(a.sends == 1);
    CHECK(a.send_saw_auth);
    CHECK(pjshim_auth_clt_async_pending(&sess) == 0);
    CHECK_STATUS(pjsip_tx_data_dec_ref(t), PJSIP_EBUFDESTROYED);
    pjsip_auth_clt_deinit(&sess);
}

int main(void)
{
    run(1);
    run(2);
    TEST_DONE("async_reinit");
}
