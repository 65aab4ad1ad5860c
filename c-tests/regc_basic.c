/* Registration client against an in-process registrar on a second endpoint,
 * over 127.0.0.1 UDP: plain 200, unregister, a lost first REGISTER (Timer E),
 * and the async challenge paths (send inside, send later, reuse of a used or
 * forged token, destroy with a token pending, abandon inside). */
#include <string.h>
#include "pjsip_auth_shim.h"
#include "test_util.h"

static pj_caching_pool cp;
static pjsip_endpoint *srv, *cli;
static unsigned srv_port;

/* Registrar behaviour. */
static int reg_seen;       /* REGISTERs seen */
static int drop_next;      /* drop this many datagrams */
static int challenge_next; /* answer 401 to this many */
static long last_cseq;
static char last_cid[256], last_via[256];

static pj_bool_t registrar(pjsip_rx_data *rdata, void *ud)
{
    pjsip_tx_data *resp = NULL;
    pj_str_t v;
    int code = 200;
    PJ_UNUSED_ARG(ud);
    reg_seen++;
    /* Within one Call-ID, CSeq grows with every new transaction (auth
     * resends included); a retransmission keeps its branch and CSeq. */
    {
        pj_str_t cid, via;
        char key[256];
        if (pjshim_rx_data_get_hdr(rdata, "CSeq", 0, &v) == PJ_SUCCESS &&
            pjshim_rx_data_get_hdr(rdata, "Call-ID", 0, &cid) == PJ_SUCCESS &&
            pjshim_rx_data_get_hdr(rdata, "Via", 0, &via) == PJ_SUCCESS) {
            long n = strtol(v.ptr, NULL, 10);
            snprintf(key, sizeof(key), "%.*s", (int)cid.slen, cid.ptr);
            if (strcmp(key, last_cid) == 0 && strncmp(via.ptr, last_via, (size_t)via.slen) != 0)
                CHECK(n > last_cseq);
            if (strcmp(key, last_cid) == 0 && strncmp(via.ptr, last_via, (size_t)via.slen) == 0)
                CHECK(n == last_cseq);
            last_cseq = n;
            snprintf(last_cid, sizeof(last_cid), "%s", key);
            snprintf(last_via, sizeof(last_via), "%.*s", (int)via.slen, via.ptr);
        }
    }
    if (drop_next > 0) {
        drop_next--;
        return PJ_TRUE;
    }
    if (challenge_next > 0) {
        challenge_next--;
        code = 401;
    }
    CHECK_STATUS(pjshim_tx_data_create_response(rdata, code, NULL, &resp), PJ_SUCCESS);
    if (resp) {
        char buf[2048];
        pj_size_t len = 0;
        pjsip_rx_data *copy = NULL;
        pjsip_tx_data *full = NULL;
        const char *extra = code == 401
            ? "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n1\", qop=\"auth\"\r\n"
            : "Contact: <sip:alice@127.0.0.1:5099>;expires=120\r\n";
        /* Add a header by re-parsing the printed response with it. */
        CHECK_STATUS(pjshim_tx_data_print(resp, buf, sizeof(buf), &len), PJ_SUCCESS);
        if (len > 4 && len + strlen(extra) < sizeof(buf)) {
            memmove(buf + len - 2 + strlen(extra), buf + len - 2, 2);
            memcpy(buf + len - 2, extra, strlen(extra));
            len += strlen(extra);
            CHECK_STATUS(pjshim_tx_data_parse(buf, len, &full), PJ_SUCCESS);
            CHECK_STATUS(pjshim_endpt_respond(srv, rdata, full), PJ_SUCCESS);
            pjsip_tx_data_dec_ref(full);
        }
        PJ_UNUSED_ARG(copy);
        pjsip_tx_data_dec_ref(resp);
    }
    return PJ_TRUE;
}

/* Registration results. */
static int cb_calls, last_code, last_exp, last_unreg;
static pj_status_t last_status;
static void on_reg(struct pjsip_regc_cbparam *p)
{
    cb_calls++;
    last_code = p->code;
    last_status = p->status;
    last_exp = p->expiration;
    last_unreg = p->is_unreg;
    CHECK(p->token == &cb_calls);
}

static void pump_until(int *counter, int want, int max_ms)
{
    int i;
    for (i = 0; i < max_ms / 5 && *counter < want; i++) {
        pj_time_val t = {0, 2};
        pjsip_endpt_handle_events(srv, &t);
        pjsip_endpt_handle_events(cli, &t);
    }
}

static pjsip_regc *new_regc(void)
{
    pjsip_regc *r = NULL;
    char url[64];
    pj_str_t srv_url, from = pj_str("sip:alice@example.com"), contact = pj_str("sip:alice@127.0.0.1:5099");
    snprintf(url, sizeof(url), "sip:127.0.0.1:%u", srv_port);
    srv_url = pj_str(url);
    CHECK_STATUS(pjsip_regc_create(cli, &cb_calls, &on_reg, &r), PJ_SUCCESS);
    CHECK_STATUS(pjsip_regc_init(r, &srv_url, &from, &from, 1, &contact, 300), PJ_SUCCESS);
    return r;
}

static void do_register(pjsip_regc *r)
{
    pjsip_tx_data *t = NULL;
    CHECK_STATUS(pjsip_regc_register(r, PJ_FALSE, &t), PJ_SUCCESS);
    CHECK_STATUS(pjsip_regc_send(r, t), PJ_SUCCESS);
}

static void test_plain(void)
{
    pjsip_regc *r = new_regc();
    pjsip_tx_data *t = NULL;
    cb_calls = 0;
    do_register(r);
    pump_until(&cb_calls, 1, 3000);
    CHECK(cb_calls == 1 && last_code == 200 && last_status == PJ_SUCCESS && last_exp == 120 && !last_unreg);
    CHECK_STATUS(pjsip_regc_unregister(r, &t), PJ_SUCCESS);
    CHECK_STATUS(pjsip_regc_send(r, t), PJ_SUCCESS);
    pump_until(&cb_calls, 2, 3000);
    CHECK(cb_calls == 2 && last_code == 200 && last_unreg && last_exp == 0);
    /* Lost first REGISTER: Timer E retransmits after T1. */
    drop_next = 1;
    reg_seen = 0;
    do_register(r);
    pump_until(&cb_calls, 3, 4000);
    CHECK(cb_calls == 3 && last_code == 200 && reg_seen == 2);
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);
}

/* Async challenge handling. */
enum mode { SEND_INSIDE, KEEP, ABANDON_INSIDE };
static enum mode mode;
static void *kept_token;
static pjsip_tx_data *kept_tdata;
static pj_bool_t on_chal(pjsip_auth_clt_sess *sess, void *token, const pjsip_auth_clt_async_on_chal_param *prm)
{
    switch (mode) {
    case SEND_INSIDE:
        pjsip_tx_data_add_ref(prm->tdata);
        CHECK_STATUS(pjsip_auth_clt_async_send_req(sess, token, prm->tdata), PJ_SUCCESS);
        break;
    case KEEP:
        kept_token = token;
        pjsip_tx_data_add_ref(prm->tdata);
        kept_tdata = prm->tdata;
        break;
    case ABANDON_INSIDE:
        CHECK_STATUS(pjsip_auth_clt_async_abandon(sess, token), PJ_SUCCESS);
        break;
    }
    return PJ_TRUE;
}

static pjsip_regc *async_regc(enum mode m)
{
    pjsip_regc *r = new_regc();
    pjsip_auth_clt_async_setting opt;
    memset(&opt, 0, sizeof(opt));
    opt.cb = &on_chal;
    mode = m;
    CHECK_STATUS(pjsip_auth_clt_async_configure(pjsip_regc_get_auth_sess(r), &opt), PJ_SUCCESS);
    return r;
}

static void test_async(void)
{
    pjsip_regc *r;
    pjsip_auth_clt_async_impl_token zero;
    /* (a) send inside the callback. */
    r = async_regc(SEND_INSIDE);
    cb_calls = 0;
    reg_seen = 0;
    challenge_next = 1;
    do_register(r);
    pump_until(&cb_calls, 1, 3000);
    CHECK(cb_calls == 1 && last_code == 200 && reg_seen == 2);
    CHECK(pjshim_async_live_tokens() == 0);
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);

    /* (b) keep the token, send from the loop later; (c) reuse it. */
    r = async_regc(KEEP);
    cb_calls = 0;
    reg_seen = 0;
    challenge_next = 1;
    do_register(r);
    pump_until(&reg_seen, 1, 3000);
    pump_until(&cb_calls, 1, 100);
    CHECK(kept_token != NULL && cb_calls == 0);
    CHECK(pjshim_auth_clt_async_pending(pjsip_regc_get_auth_sess(r)) == 1);
    pjsip_tx_data_add_ref(kept_tdata);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(pjsip_regc_get_auth_sess(r), kept_token, kept_tdata), PJ_SUCCESS);
    pump_until(&cb_calls, 1, 3000);
    CHECK(cb_calls == 1 && last_code == 200 && reg_seen == 2);
    CHECK_STATUS(pjsip_auth_clt_async_send_req(pjsip_regc_get_auth_sess(r), kept_token, kept_tdata), PJ_EINVAL);
    memset(&zero, 0, sizeof(zero));
    CHECK_STATUS(pjsip_auth_clt_async_send_req(pjsip_regc_get_auth_sess(r), &zero, kept_tdata), PJ_EINVAL);
    pjsip_tx_data_dec_ref(kept_tdata);
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);

    /* (d) destroy with a token pending. */
    r = async_regc(KEEP);
    cb_calls = 0;
    reg_seen = 0;
    kept_token = NULL;
    challenge_next = 1;
    do_register(r);
    pump_until(&reg_seen, 1, 3000);
    {
        int spin = 0;
        pump_until(&spin, 1, 100);
    }
    CHECK(kept_token != NULL && pjshim_async_live_tokens() == 1);
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);
    CHECK(pjshim_async_live_tokens() == 0);
    {
        pjsip_auth_clt_sess other;
        CHECK_STATUS(pjsip_auth_clt_init(&other, NULL, NULL, 0), PJ_SUCCESS);
        CHECK_STATUS(pjsip_auth_clt_async_send_req(&other, kept_token, kept_tdata), PJ_EINVAL);
        pjsip_auth_clt_deinit(&other);
        int spin = 0;
        pump_until(&spin, 1, 300);
    }
    pjsip_tx_data_dec_ref(kept_tdata);
    CHECK(cb_calls == 0 && reg_seen == 1);

    /* (e) abandon inside the callback. */
    r = async_regc(ABANDON_INSIDE);
    cb_calls = 0;
    challenge_next = 1;
    do_register(r);
    pump_until(&cb_calls, 1, 3000);
    CHECK(cb_calls == 1 && last_code == 401 && last_status == PJ_ECANCELLED);
    CHECK(pjshim_async_live_tokens() == 0);
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);
}

static void test_nulls(void)
{
    pjsip_regc *r = NULL;
    pjsip_tx_data *t = NULL;
    CHECK_STATUS(pjsip_regc_create(NULL, NULL, NULL, &r), PJ_EINVAL);
    CHECK_STATUS(pjsip_regc_create(cli, NULL, NULL, NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_regc_register(NULL, PJ_FALSE, &t), PJ_EINVAL);
    CHECK_STATUS(pjsip_regc_send(NULL, NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_regc_destroy(NULL), PJ_EINVAL);
    CHECK(pjsip_regc_get_auth_sess(NULL) == NULL);
    CHECK_STATUS(pjsip_regc_create(cli, NULL, NULL, &r), PJ_SUCCESS);
    CHECK_STATUS(pjsip_regc_register(r, PJ_FALSE, &t), PJ_EINVALIDOP); /* not initialised */
    CHECK_STATUS(pjsip_regc_init(r, NULL, NULL, NULL, 0, NULL, 0), PJ_EINVAL);
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);
}

int main(void)
{
    pj_caching_pool_init(&cp, NULL, 0);
    CHECK_STATUS(pjsip_endpt_create(&cp.factory, "registrar", &srv), PJ_SUCCESS);
    CHECK_STATUS(pjsip_endpt_create(&cp.factory, "client", &cli), PJ_SUCCESS);
    CHECK_STATUS(pjshim_udp_transport_start(srv, "127.0.0.1", 0, &srv_port), PJ_SUCCESS);
    CHECK_STATUS(pjshim_udp_transport_start(cli, "127.0.0.1", 0, NULL), PJ_SUCCESS);
    CHECK_STATUS(pjshim_endpt_set_request_handler(srv, &registrar, NULL), PJ_SUCCESS);
    test_plain();
    test_async();
    test_nulls();
    pjsip_endpt_destroy(cli);
    pjsip_endpt_destroy(srv);
    pj_caching_pool_destroy(&cp);
    TEST_DONE("regc_basic");
}
