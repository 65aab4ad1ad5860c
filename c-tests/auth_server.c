/* Server-side digest authentication through the C API: challenge a REGISTER,
 * answer it with pjsip_auth_create_digest2, verify. Header only. */
#include "pjsip_auth_shim.h"
#include "test_util.h"
#include "srv_lookup.h"
#include <string.h>

static const char *REG =
    "REGISTER sip:example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP host;branch=z9hG4bK776\r\n"
    "From: <sip:alice@example.com>;tag=1\r\n"
    "To: <sip:alice@example.com>\r\n"
    "Call-ID: call1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "%s"
    "Content-Length: 0\r\n\r\n";

static pj_status_t lookup2(pj_pool_t *pool, const pjsip_auth_lookup_cred_param *param,
                           pjsip_cred_info *cred) {
    CHECK(param->rdata != NULL);
    return lookup_alice(pool, &param->realm, &param->acc_name, cred);
}

static pjsip_rx_data *parse_req(const char *auth_line) {
    static char buf[2048];
    pjsip_rx_data *r = NULL;
    int n = snprintf(buf, sizeof buf, REG, auth_line);
    CHECK_STATUS(pjshim_rx_data_parse(buf, (pj_size_t)n, &r), PJ_SUCCESS);
    return r;
}

/* Challenges, answers with `password`, verifies; returns the verify status. */
static pj_status_t round_trip(pjsip_auth_srv *srv, const char *password, int *code) {
    pjsip_rx_data *req = parse_req("");
    pjsip_tx_data *resp = NULL;
    int is_proxy = srv->is_proxy;
    CHECK_STATUS(pjshim_tx_data_create_response(req, is_proxy ? 407 : 401, NULL, &resp), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_srv_challenge2(srv, NULL, NULL, NULL, PJ_FALSE, resp,
                                           PJSIP_AUTH_ALGORITHM_SHA256), PJ_SUCCESS);
    pj_str_t chal;
    CHECK_STATUS(pjshim_tx_data_get_hdr(resp, is_proxy ? "Proxy-Authenticate" : "WWW-Authenticate",
                                        0, &chal), PJ_SUCCESS);
    char chal_s[512];
    snprintf(chal_s, sizeof chal_s, "%.*s", (int)chal.slen, chal.ptr);
    CHECK(strstr(chal_s, "algorithm=SHA-256") != NULL);
    CHECK(strstr(chal_s, "qop=\"auth\"") != NULL);
    char nonce_s[128] = "";
    const char *p = strstr(chal_s, "nonce=\"");
    CHECK(p != NULL);
    if (p) {
        p += 7;
        size_t len = strcspn(p, "\"");
        memcpy(nonce_s, p, len);
        nonce_s[len] = 0;
    }
    pjsip_cred_info cred;
    memset(&cred, 0, sizeof cred);
    cred.username = pj_str("alice");
    cred.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    cred.data = pj_str((char *)password);
    char digest[64];
    pj_str_t result = {digest, 0};
    pj_str_t nonce = pj_str(nonce_s), nc = pj_str("00000001"), cnonce = pj_str("abcdef01"),
             qop = pj_str("auth"), uri = pj_str("sip:example.com"),
             realm = pj_str("example.com"), method = pj_str("REGISTER");
    CHECK_STATUS(pjsip_auth_create_digest2(&result, &nonce, &nc, &cnonce, &qop, &uri, &realm, &cred,
                                           &method, PJSIP_AUTH_ALGORITHM_SHA256), PJ_SUCCESS);
    char line[1024];
    snprintf(line, sizeof line,
             "%s: Digest username=\"alice\", realm=\"example.com\", nonce=\"%s\", "
             "uri=\"sip:example.com\", response=\"%.*s\", algorithm=SHA-256, "
             "cnonce=\"abcdef01\", qop=auth, nc=00000001\r\n",
             is_proxy ? "Proxy-Authorization" : "Authorization", nonce_s, (int)result.slen, digest);
    pjsip_rx_data *answer = parse_req(line);
    pj_status_t st = pjsip_auth_srv_verify(srv, answer, code);
    pjsip_rx_data_free_cloned(answer);
    pjsip_tx_data_dec_ref(resp);
    pjsip_rx_data_free_cloned(req);
    return st;
}

int main(void) {
    pj_caching_pool cp;
    pj_caching_pool_init(&cp, NULL, 0);
    pj_pool_t *pool = pj_pool_create(&cp.factory, "srv", 1024, 1024, NULL);
    pj_str_t realm = pj_str("example.com");
    pjsip_auth_srv srv;
    int code = 0;

    CHECK_STATUS(pjsip_auth_srv_init(pool, &srv, &realm, &lookup_alice, 0), PJ_SUCCESS);
    CHECK(srv.is_proxy == PJ_FALSE && srv.realm.slen == 11 && srv.lookup == &lookup_alice);
    CHECK_STATUS(round_trip(&srv, "secret", &code), PJ_SUCCESS);
    CHECK(code == 200);
    CHECK_STATUS(round_trip(&srv, "wrong", &code), PJSIP_EFAILEDCREDENTIAL);
    CHECK(code == 401);

    /* No credentials at all. */
    pjsip_rx_data *bare = parse_req("");
    code = 0;
    CHECK_STATUS(pjsip_auth_srv_verify(&srv, bare, &code), PJSIP_EAUTHNOAUTH);
    CHECK(code == 401);

    /* Unknown user (a valid nonce is needed to get as far as the lookup). */
    pjsip_tx_data *resp = NULL;
    CHECK_STATUS(pjshim_tx_data_create_response(bare, 401, NULL, &resp), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_srv_challenge(&srv, NULL, NULL, NULL, PJ_FALSE, resp), PJ_SUCCESS);
    pj_str_t chal;
    CHECK_STATUS(pjshim_tx_data_get_hdr(resp, "WWW-Authenticate", 0, &chal), PJ_SUCCESS);
    char nonce_s[128] = "";
    char chal_s[512];
    snprintf(chal_s, sizeof chal_s, "%.*s", (int)chal.slen, chal.ptr);
    const char *p = strstr(chal_s, "nonce=\"");
    if (p) {
        p += 7;
        size_t len = strcspn(p, "\"");
        memcpy(nonce_s, p, len);
        nonce_s[len] = 0;
    }
    char line[512];
    snprintf(line, sizeof line,
             "Authorization: Digest username=\"bob\", realm=\"example.com\", nonce=\"%s\", "
             "uri=\"sip:example.com\", response=\"00000000000000000000000000000000\"\r\n",
             nonce_s);
    pjsip_rx_data *bob = parse_req(line);
    CHECK_STATUS(pjsip_auth_srv_verify(&srv, bob, &code), PJSIP_EAUTHACCNOTFOUND);
    CHECK(code == 401);
    pjsip_rx_data_free_cloned(bob);
    /* A given nonce and opaque are written as given. */
    pj_str_t n = pj_str("given"), o = pj_str("opq");
    CHECK_STATUS(pjsip_auth_srv_challenge(&srv, NULL, &n, &o, PJ_TRUE, resp), PJ_SUCCESS);
    CHECK_STATUS(pjshim_tx_data_get_hdr(resp, "WWW-Authenticate", 1, &chal), PJ_SUCCESS);
    CHECK(chal.slen > 0 &&
          strncmp(chal.ptr, "Digest realm=\"example.com\", nonce=\"given\", opaque=\"opq\", "
                            "qop=\"auth\", algorithm=MD5, stale=true", (size_t)chal.slen) == 0);
    pjsip_tx_data_dec_ref(resp);

    /* Proxy via init2. */
    pjsip_auth_srv psrv;
    pjsip_auth_srv_init_param param = {&realm, &lookup2, PJSIP_AUTH_SRV_IS_PROXY};
    CHECK_STATUS(pjsip_auth_srv_init2(pool, &psrv, &param), PJ_SUCCESS);
    CHECK(psrv.is_proxy == PJ_TRUE && psrv.lookup2 == &lookup2);
    CHECK_STATUS(round_trip(&psrv, "secret", &code), PJ_SUCCESS);
    CHECK(code == 200);
    CHECK_STATUS(pjsip_auth_srv_verify(&psrv, bare, &code), PJSIP_EAUTHNOAUTH);
    CHECK(code == 407);

    /* NULL arguments. */
    CHECK_STATUS(pjsip_auth_srv_init(NULL, &srv, &realm, &lookup_alice, 0), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_srv_init(pool, NULL, &realm, &lookup_alice, 0), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_srv_init(pool, &srv, NULL, &lookup_alice, 0), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_srv_init(pool, &srv, &realm, NULL, 0), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_srv_init2(pool, &srv, NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_srv_verify(NULL, bare, &code), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_srv_verify(&srv, NULL, &code), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_srv_verify(&srv, bare, NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_srv_challenge(NULL, NULL, NULL, NULL, 0, NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_srv_challenge(&srv, NULL, NULL, NULL, 0, NULL), PJ_EINVAL);
    CHECK(sizeof(pjsip_auth_srv) == 40);

    pjsip_rx_data_free_cloned(bare);
    pj_pool_release(pool);
    pj_caching_pool_destroy(&cp);
    TEST_DONE("auth_server");
}
