/* Bearer (RFC 8898 / RFC 6750) against the embedded server's Bearer mode:
 * a Bearer credential answers `Bearer realm=..` with `Bearer <token>`
 * (Authorization, or Proxy-Authorization for a proxy); a refused token
 * (error="invalid_token") is PJSIP_EFAILEDCREDENTIAL, and an async callback
 * fetches a fresh token and answers through reinit_req + send_req; Digest
 * and Bearer in one 401 pick Digest when a Digest credential matches, else
 * Bearer; no Bearer credential is PJSIP_ENOCREDENTIAL. */
#include <string.h>
#include "pjsip_auth_shim.h"
#include "test_util.h"
#include "srv_lookup.h"

static const char REGISTER_MSG[] =
    "REGISTER sip:example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKbearer1\r\n"
    "From: <sip:alice@example.com>;tag=f1\r\n"
    "To: <sip:alice@example.com>\r\n"
    "Call-ID: bearer@127.0.0.1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "Content-Length: 0\r\n\r\n";

static pjsip_tx_data *make_request(void)
{
    pjsip_tx_data *t = NULL;
    CHECK_STATUS(pjshim_tx_data_parse(REGISTER_MSG, sizeof(REGISTER_MSG) - 1, &t), PJ_SUCCESS);
    return t;
}

static pj_caching_pool cp;
static pj_pool_t *pool;

static pjsip_cred_info bearer_cred(const char *realm, const char *token)
{
    pjsip_cred_info c;
    memset(&c, 0, sizeof c);
    c.realm = pj_str((char *)realm);
    c.scheme = pj_str("Bearer");
    c.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    c.data = pj_str((char *)token);
    return c;
}

static pjsip_cred_info digest_cred(void)
{
    pjsip_cred_info c;
    memset(&c, 0, sizeof c);
    c.realm = pj_str("example.com");
    c.scheme = pj_str("digest");
    c.username = pj_str("alice");
    c.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    c.data = pj_str("secret");
    return c;
}

/* Parses what `tx` prints as a received message. */
static pjsip_rx_data *as_rx(pjsip_tx_data *tx)
{
    char buf[8192];
    pj_size_t n = 0;
    pjsip_rx_data *r = NULL;
    CHECK_STATUS(pjshim_tx_data_print(tx, buf, sizeof buf, &n), PJ_SUCCESS);
    CHECK_STATUS(pjshim_rx_data_parse(buf, n, &r), PJ_SUCCESS);
    return r;
}

static int hdr_is(pjsip_tx_data *t, const char *name, const char *want)
{
    pj_str_t v;
    if (pjshim_tx_data_get_hdr(t, name, 0, &v) != PJ_SUCCESS)
        return 0;
    return (size_t)v.slen == strlen(want) && memcmp(v.ptr, want, (size_t)v.slen) == 0;
}

static int hdr_starts(pjsip_tx_data *t, const char *name, const char *prefix)
{
    pj_str_t v;
    if (pjshim_tx_data_get_hdr(t, name, 0, &v) != PJ_SUCCESS)
        return 0;
    return (size_t)v.slen >= strlen(prefix) && memcmp(v.ptr, prefix, strlen(prefix)) == 0;
}

/* The server's 401/407 to `req`: a Bearer challenge (with `error` when not
 * NULL), after a Digest one when `with_digest`. */
static pjsip_rx_data *server_challenge(pjsip_auth_srv *srv, pjsip_tx_data *req,
                                       const char *error, int with_digest)
{
    pjsip_rx_data *at_srv = as_rx(req);
    pjsip_tx_data *resp = NULL;
    CHECK_STATUS(pjshim_tx_data_create_response(at_srv, srv->is_proxy ? 407 : 401, NULL, &resp),
                 PJ_SUCCESS);
    if (with_digest)
        CHECK_STATUS(pjsip_auth_srv_challenge(srv, NULL, NULL, NULL, PJ_FALSE, resp), PJ_SUCCESS);
    CHECK_STATUS(pjshim_auth_srv_challenge_bearer(srv, error, resp), PJ_SUCCESS);
    pjsip_rx_data *at_clt = as_rx(resp);
    pjsip_tx_data_dec_ref(resp);
    pjsip_rx_data_free_cloned(at_srv);
    return at_clt;
}

/* The server's verdict on `req` for the expected token. */
static pj_status_t server_verify(pjsip_auth_srv *srv, pjsip_tx_data *req, const char *token,
                                 int *code)
{
    pjsip_rx_data *at_srv = as_rx(req);
    pj_str_t t = pj_str((char *)token);
    pj_status_t st = pjshim_auth_srv_verify_bearer(srv, at_srv, &t, code);
    pjsip_rx_data_free_cloned(at_srv);
    return st;
}

static void test_sync(pjsip_auth_srv *srv, pjsip_auth_srv *proxy)
{
    pjsip_auth_clt_sess s;
    pjsip_cred_info c = bearer_cred("example.com", "tok-1");
    pjsip_tx_data *req = make_request(), *out = NULL;
    int code = 0;
    CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, pool, 0), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_set_credentials(&s, 1, &c), PJ_SUCCESS);

    /* Without credentials the server says so. */
    CHECK_STATUS(server_verify(srv, req, "tok-1", &code), PJSIP_EAUTHNOAUTH);
    CHECK(code == 401);
    pjsip_rx_data *chal = server_challenge(srv, req, NULL, 0);
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, chal, req, &out), PJ_SUCCESS);
    CHECK(out == req);
    pjsip_tx_data_dec_ref(out);
    CHECK(hdr_is(req, "Authorization", "Bearer tok-1"));
    CHECK_STATUS(server_verify(srv, req, "tok-1", &code), PJ_SUCCESS);
    CHECK(code == 200);
    /* A server expecting another token refuses it; challenged again, the
     * client does not resend the refused token. */
    CHECK_STATUS(server_verify(srv, req, "tok-2", &code), PJSIP_EFAILEDCREDENTIAL);
    CHECK(code == 401);
    pjsip_rx_data *refused = server_challenge(srv, req, "invalid_token", 0);
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, refused, req, &out), PJSIP_EFAILEDCREDENTIAL);
    CHECK(hdr_is(req, "Authorization", "Bearer tok-1")); /* unchanged */
    pjsip_rx_data_free_cloned(refused);
    pjsip_rx_data_free_cloned(chal);
    CHECK_STATUS(pjsip_tx_data_dec_ref(req), PJSIP_EBUFDESTROYED);

    /* A proxy: 407, Proxy-Authenticate, answered with Proxy-Authorization. */
    req = make_request();
    chal = server_challenge(proxy, req, NULL, 0);
    CHECK(pjshim_rx_data_get_status(chal) == 407);
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, chal, req, &out), PJ_SUCCESS);
    pjsip_tx_data_dec_ref(out);
    CHECK(hdr_is(req, "Proxy-Authorization", "Bearer tok-1"));
    CHECK_STATUS(server_verify(proxy, req, "tok-1", &code), PJ_SUCCESS);
    CHECK(code == 200);
    pjsip_rx_data_free_cloned(chal);
    CHECK_STATUS(pjsip_tx_data_dec_ref(req), PJSIP_EBUFDESTROYED);

    /* initial_auth: the first request carries the token already. */
    pjsip_auth_clt_pref pref;
    memset(&pref, 0, sizeof pref);
    pref.initial_auth = PJ_TRUE;
    CHECK_STATUS(pjsip_auth_clt_set_prefs(&s, &pref), PJ_SUCCESS);
    req = make_request();
    CHECK_STATUS(pjsip_auth_clt_init_req(&s, req), PJ_SUCCESS);
    CHECK(hdr_is(req, "Authorization", "Bearer tok-1"));
    CHECK_STATUS(server_verify(srv, req, "tok-1", &code), PJ_SUCCESS);
    CHECK_STATUS(pjsip_tx_data_dec_ref(req), PJSIP_EBUFDESTROYED);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
}

/* ---- async: the callback fetches a fresh token ---------------------------- */

/* What the application's token service hands out next. */
static const char *fresh_token = "tok-fresh";

typedef struct fetch_ctx {
    pjsip_auth_srv *srv;
    const char *expected;
    int calls;
    int server_code;
    pj_status_t reinit_status, send_status;
} fetch_ctx_t;

/* The owner's send: delivers the request to the server and keeps its verdict. */
static pj_status_t deliver(pjsip_auth_clt_sess *sess, void *user_data, pjsip_tx_data *req)
{
    fetch_ctx_t *f = (fetch_ctx_t *)user_data;
    PJ_UNUSED_ARG(sess);
    server_verify(f->srv, req, f->expected, &f->server_code);
    pjsip_tx_data_dec_ref(req);
    return PJ_SUCCESS;
}

static pj_bool_t fetch_and_answer(pjsip_auth_clt_sess *sess, void *token,
                                  const pjsip_auth_clt_async_on_chal_param *param)
{
    fetch_ctx_t *f = (fetch_ctx_t *)param->user_data;
    pjsip_tx_data *out = NULL;
    f->calls++;
    /* "Fetch" a new token (an OAuth refresh in real life), then answer. */
    pjsip_cred_info c = bearer_cred("*", fresh_token);
    CHECK_STATUS(pjsip_auth_clt_set_credentials(sess, 1, &c), PJ_SUCCESS);
    f->reinit_status = pjsip_auth_clt_reinit_req(sess, param->rdata, param->tdata, &out);
    if (f->reinit_status != PJ_SUCCESS)
        return PJ_FALSE;
    f->send_status = pjsip_auth_clt_async_send_req(sess, token, out);
    return PJ_TRUE;
}

static void test_async_fresh_token(pjsip_auth_srv *srv)
{
    pjsip_auth_clt_sess s;
    pjsip_auth_clt_async_setting opt;
    fetch_ctx_t f;
    pjsip_auth_clt_async_impl_token impl;
    pjsip_tx_data *req = make_request(), *out = NULL;
    pjsip_cred_info c = bearer_cred("*", "tok-expired");
    int code = 0;
    unsigned base = pjshim_async_live_tokens();

    memset(&f, 0, sizeof f);
    f.srv = srv;
    f.expected = fresh_token;
    CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, pool, 0), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_set_credentials(&s, 1, &c), PJ_SUCCESS);
    memset(&opt, 0, sizeof opt);
    opt.cb = &fetch_and_answer;
    opt.user_data = &f;
    CHECK_STATUS(pjsip_auth_clt_async_configure(&s, &opt), PJ_SUCCESS);

    /* First round: the expired token goes out and is refused. */
    pjsip_rx_data *chal = server_challenge(srv, req, NULL, 0);
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, chal, req, &out), PJ_SUCCESS);
    pjsip_tx_data_dec_ref(out);
    CHECK_STATUS(server_verify(srv, req, fresh_token, &code), PJSIP_EFAILEDCREDENTIAL);
    pjsip_rx_data *refused = server_challenge(srv, req, "invalid_token", 0);

    /* The refusal goes to the async callback, which answers with a fresh token. */
    memset(&impl, 0, sizeof impl);
    impl.user_data = &f;
    impl.send_impl = &deliver;
    pjsip_auth_clt_async_on_chal_param prm;
    prm.tdata = req;
    prm.rdata = refused;
    prm.user_data = NULL;
    CHECK_STATUS(pjsip_auth_clt_async_impl_on_challenge(&s, &impl, &prm), PJ_SUCCESS);
    CHECK(f.calls == 1);
    CHECK_STATUS(f.reinit_status, PJ_SUCCESS);
    CHECK_STATUS(f.send_status, PJ_SUCCESS);
    CHECK(f.server_code == 200);
    CHECK(hdr_is(req, "Authorization", "Bearer tok-fresh"));
    CHECK(pjshim_async_live_tokens() == base);

    pjsip_rx_data_free_cloned(refused);
    pjsip_rx_data_free_cloned(chal);
    CHECK_STATUS(pjsip_tx_data_dec_ref(req), PJSIP_EBUFDESTROYED);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
}

/* ---- Digest and Bearer in one response ------------------------------------ */

static void test_mixed(pjsip_auth_srv *srv)
{
    pjsip_auth_clt_sess s;
    pjsip_tx_data *req, *out = NULL;
    pjsip_rx_data *chal;
    int code = 0;
    pjsip_cred_info both[2] = {bearer_cred("*", "tok-1"), digest_cred()};

    /* Both credentials: Digest, which the server verifies. */
    CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, pool, 0), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_set_credentials(&s, 2, both), PJ_SUCCESS);
    req = make_request();
    chal = server_challenge(srv, req, NULL, 1);
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, chal, req, &out), PJ_SUCCESS);
    pjsip_tx_data_dec_ref(out);
    CHECK(hdr_starts(req, "Authorization", "Digest username=\"alice\""));
    pjsip_rx_data *at_srv = as_rx(req);
    CHECK_STATUS(pjsip_auth_srv_verify(srv, at_srv, &code), PJ_SUCCESS);
    CHECK(code == 200);
    pjsip_rx_data_free_cloned(at_srv);
    pjsip_rx_data_free_cloned(chal);
    CHECK_STATUS(pjsip_tx_data_dec_ref(req), PJSIP_EBUFDESTROYED);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);

    /* Only the Bearer credential: Bearer. */
    CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, pool, 0), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_set_credentials(&s, 1, both), PJ_SUCCESS);
    req = make_request();
    chal = server_challenge(srv, req, NULL, 1);
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, chal, req, &out), PJ_SUCCESS);
    pjsip_tx_data_dec_ref(out);
    CHECK(hdr_is(req, "Authorization", "Bearer tok-1"));
    CHECK_STATUS(server_verify(srv, req, "tok-1", &code), PJ_SUCCESS);
    pjsip_rx_data_free_cloned(chal);
    CHECK_STATUS(pjsip_tx_data_dec_ref(req), PJSIP_EBUFDESTROYED);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);

    /* A Bearer challenge alone and only a Digest credential: no credential. */
    CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, pool, 0), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_set_credentials(&s, 1, &both[1]), PJ_SUCCESS);
    req = make_request();
    chal = server_challenge(srv, req, NULL, 0);
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, chal, req, &out), PJSIP_ENOCREDENTIAL);
    pj_str_t v;
    CHECK_STATUS(pjshim_tx_data_get_hdr(req, "Authorization", 0, &v), PJ_ENOTFOUND);
    pjsip_rx_data_free_cloned(chal);
    CHECK_STATUS(pjsip_tx_data_dec_ref(req), PJSIP_EBUFDESTROYED);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
}

static void test_server_arguments(pjsip_auth_srv *srv)
{
    pjsip_tx_data *req = make_request(), *resp = NULL;
    pjsip_rx_data *at_srv = as_rx(req);
    pj_str_t t = pj_str("x");
    int code = 0;
    CHECK_STATUS(pjshim_tx_data_create_response(at_srv, 401, NULL, &resp), PJ_SUCCESS);
    CHECK_STATUS(pjshim_auth_srv_challenge_bearer(srv, "bad\"quote", resp), PJ_EINVAL);
    CHECK_STATUS(pjshim_auth_srv_challenge_bearer(srv, "", resp), PJ_EINVAL);
    CHECK_STATUS(pjshim_auth_srv_challenge_bearer(NULL, NULL, resp), PJ_EINVAL);
    CHECK_STATUS(pjshim_auth_srv_challenge_bearer(srv, NULL, req), PJSIP_ENOTRESPONSEMSG);
    CHECK_STATUS(pjshim_tx_data_get_hdr(resp, "WWW-Authenticate", 0, &t), PJ_ENOTFOUND);
    CHECK_STATUS(pjshim_auth_srv_challenge_bearer(srv, "invalid_token", resp), PJ_SUCCESS);
    CHECK(hdr_is(resp, "WWW-Authenticate", "Bearer realm=\"example.com\", error=\"invalid_token\""));
    t = pj_str("x");
    CHECK_STATUS(pjshim_auth_srv_verify_bearer(srv, at_srv, NULL, &code), PJ_EINVAL);
    CHECK_STATUS(pjshim_auth_srv_verify_bearer(srv, at_srv, &t, NULL), PJ_EINVAL);
    pjsip_rx_data_free_cloned(at_srv);
    pjsip_tx_data_dec_ref(resp);
    CHECK_STATUS(pjsip_tx_data_dec_ref(req), PJSIP_EBUFDESTROYED);
}

int main(void)
{
    CHECK_STATUS(pj_init(), PJ_SUCCESS);
    pj_caching_pool_init(&cp, NULL, 0);
    pool = pj_pool_create(&cp.factory, "bearer", 4000, 4000, NULL);
    pj_str_t realm = pj_str("example.com");
    pjsip_auth_srv srv, proxy;
    CHECK_STATUS(pjsip_auth_srv_init(pool, &srv, &realm, &lookup_alice, 0), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_srv_init(pool, &proxy, &realm, &lookup_alice, PJSIP_AUTH_SRV_IS_PROXY),
                 PJ_SUCCESS);

    test_sync(&srv, &proxy);
    test_async_fresh_token(&srv);
    test_mixed(&srv);
    test_server_arguments(&srv);

    CHECK(pjshim_async_live_tokens() == 0);
    pj_pool_release(pool);
    pj_caching_pool_destroy(&cp);
    TEST_DONE("bearer");
}
