/* Golden-file test of a whole challenge/answer exchange under the harness
 * hooks: with a deterministic random source and clock, a REGISTER, the
 * embedded server's 401, the client's reinit_req answer and the 200 print
 * byte for byte as c-tests/golden/register_digest.txt, twice in a row. */
#include "hooks_util.h"
#include "srv_lookup.h"

static const char REG[] =
    "REGISTER sip:example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070\r\n" /* no branch: drawn at first print */
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@example.com>;tag=f1\r\n"
    "To: <sip:alice@example.com>\r\n"
    "Call-ID: golden@127.0.0.1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "Contact: <sip:alice@127.0.0.1:5070>\r\n"
    "Content-Length: 0\r\n\r\n";

static void exchange(pjsip_auth_srv *srv, transcript_t *t)
{
    pjsip_auth_clt_sess sess;
    pjsip_cred_info c;
    pjsip_tx_data *reg = NULL, *chal = NULL, *out = NULL, *ok = NULL;
    int code = 0;

    memset(&c, 0, sizeof c);
    c.realm = pj_str("example.com");
    c.scheme = pj_str("digest");
    c.username = pj_str("alice");
    c.data = pj_str("secret");
    c.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    CHECK_STATUS(pjsip_auth_clt_init(&sess, NULL, NULL, 0), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_set_credentials(&sess, 1, &c), PJ_SUCCESS);

    CHECK_STATUS(pjshim_tx_data_parse(REG, strlen(REG), &reg), PJ_SUCCESS);
    add_tx(t, "=== client sends\r\n", reg);

    pjsip_rx_data *srv_rx = as_rx(reg);
    CHECK_STATUS(pjshim_tx_data_create_response(srv_rx, 401, NULL, &chal), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_srv_challenge2(srv, NULL, NULL, NULL, PJ_FALSE, chal,
                                           PJSIP_AUTH_ALGORITHM_SHA256), PJ_SUCCESS);
    add_tx(t, "=== server answers\r\n", chal);

    pjsip_rx_data *clt_rx = as_rx(chal);
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&sess, clt_rx, reg, &out), PJ_SUCCESS);
    add_tx(t, "=== client retries\r\n", out);

    pjsip_rx_data *srv_rx2 = as_rx(out);
    CHECK_STATUS(pjsip_auth_srv_verify(srv, srv_rx2, &code), PJ_SUCCESS);
    CHECK(code == 200);
    CHECK_STATUS(pjshim_tx_data_create_response(srv_rx2, 200, NULL, &ok), PJ_SUCCESS);
    add_tx(t, "=== server answers\r\n", ok);

    pjsip_tx_data_dec_ref(ok);
    pjsip_rx_data_free_cloned(srv_rx2);
    pjsip_rx_data_free_cloned(clt_rx);
    pjsip_tx_data_dec_ref(out); /* the reference reinit_req added */
    pjsip_tx_data_dec_ref(reg);
    pjsip_rx_data_free_cloned(srv_rx);
    pjsip_tx_data_dec_ref(chal);
    CHECK_STATUS(pjsip_auth_clt_deinit(&sess), PJ_SUCCESS);
}

static transcript_t runs[3];

int main(void)
{
    pj_caching_pool cp;
    pj_caching_pool_init(&cp, NULL, 0);
    pj_pool_t *pool = pj_pool_create(&cp.factory, "golden", 1024, 1024, NULL);
    pj_str_t realm = pj_str("example.com");
    pjsip_auth_srv srv;
    CHECK_STATUS(pjsip_auth_srv_init(pool, &srv, &realm, &lookup_alice, 0), PJ_SUCCESS);

    CHECK_STATUS(pjshim_set_random_source(&det_random, NULL), PJ_SUCCESS);
    CHECK_STATUS(pjshim_set_time_source(&det_time, NULL), PJ_SUCCESS);
    /* The server's nonce key is drawn once per process, at its first
     * challenge: a warm-up exchange draws it under the hook, so that the two
     * runs below draw the same sequence. */
    prng_state = 7;
    exchange(&srv, &runs[2]);
    for (int i = 0; i < 2; i++) {
        prng_state = 42;
        exchange(&srv, &runs[i]);
    }
    CHECK(runs[0].len == runs[1].len && memcmp(runs[0].text, runs[1].text, runs[0].len) == 0);
    check_golden(&runs[1], "register_digest.txt");

    /* Back to the defaults: a run now differs (branch, tag, cnonce, nonce). */
    CHECK_STATUS(pjshim_set_random_source(NULL, NULL), PJ_SUCCESS);
    CHECK_STATUS(pjshim_set_time_source(NULL, NULL), PJ_SUCCESS);
    prng_state = 42;
    exchange(&srv, &runs[2]);
    CHECK(runs[2].len != runs[1].len || memcmp(runs[2].text, runs[1].text, runs[1].len) != 0);

    pj_pool_release(pool);
    pj_caching_pool_destroy(&cp);
    TEST_DONE("hooks_golden");
}
