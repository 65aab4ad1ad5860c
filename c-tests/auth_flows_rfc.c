/* The section-4 answer rules through the header, each response recomputed
 * independently: one answer per realm (topmost of SHA-256 + MD5, RFC 8760),
 * two realms at once, an MD5 HA1 credential, auth-int over a body, userhash.
 * Expected hashes were computed outside the library (Python hashlib). */
#include <stdlib.h>
#include <string.h>
#include "pjsip_auth_shim.h"
#include "test_util.h"

static const char REQ_HEAD[] =
    "REGISTER sip:registrar.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKrfc\r\n"
    "From: <sip:alice@example.com>;tag=f1\r\n"
    "To: <sip:alice@example.com>\r\n"
    "Call-ID: rfc@127.0.0.1\r\n"
    "CSeq: 1 REGISTER\r\n";

static pjsip_tx_data *request(const char *body)
{
    char buf[1024];
    pjsip_tx_data *t = NULL;
    int n = snprintf(buf, sizeof(buf), "%sContent-Length: %d\r\n\r\n%s", REQ_HEAD, (int)strlen(body), body);
    CHECK_STATUS(pjshim_tx_data_parse(buf, (pj_size_t)n, &t), PJ_SUCCESS);
    return t;
}

static pjsip_rx_data *challenge(const char *hdrs)
{
    char buf[2048];
    pjsip_rx_data *r = NULL;
    int n = snprintf(buf, sizeof(buf),
                     "SIP/2.0 401 Unauthorized\r\n"
                     "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKrfc\r\n"
                     "From: <sip:alice@example.com>;tag=f1\r\nTo: <sip:alice@example.com>;tag=t\r\n"
                     "Call-ID: rfc@127.0.0.1\r\nCSeq: 1 REGISTER\r\n%sContent-Length: 0\r\n\r\n",
                     hdrs);
    CHECK_STATUS(pjshim_rx_data_parse(buf, (pj_size_t)n, &r), PJ_SUCCESS);
    return r;
}

static void cred(pjsip_cred_info *c, const char *realm, const char *data, int type, int alg)
{
    pj_bzero(c, sizeof(*c));
    c->realm = pj_str((char *)realm);
    c->scheme = pj_str("digest");
    c->username = pj_str("alice");
    c->data = pj_str((char *)data);
    c->data_type = type;
    c->algorithm_type = (pjsip_auth_algorithm_type)alg;
}

/* Copies the value of `name` (quoted or not) from a header value into out. */
static int param(const pj_str_t *hdr, const char *name, char *out, size_t size)
{
    char text[1024], key[64];
    const char *p, *end;
    size_t n;
    snprintf(text, sizeof(text), "%.*s", (int)hdr->slen, hdr->ptr);
    snprintf(key, sizeof(key), " %s=", name);
    p = strstr(text, key);
    if (!p)
        return 0;
    p += strlen(key);
    if (*p == '"') {
        p++;
        end = strchr(p, '"');
    } else {
        end = p + strcspn(p, ",");
    }
    n = end ? (size_t)(end - p) : strlen(p);
    if (n >= size)
        return 0;
    memcpy(out, p, n);
    out[n] = 0;
    return 1;
}

/* Recomputes the response of Authorization `idx` with create_digest2. */
static void check_response(pjsip_tx_data *t, unsigned idx, const pjsip_cred_info *c, int alg)
{
    pj_str_t h;
    char nonce[128], nc[16], cnonce[128], qop[16], uri[128], realm[64], response[80], buf[80];
    pj_str_t result, snonce, snc, scnonce, sqop, suri, srealm, method = pj_str("REGISTER");
    CHECK_STATUS(pjshim_tx_data_get_hdr(t, "Authorization", idx, &h), PJ_SUCCESS);
    CHECK(param(&h, "nonce", nonce, sizeof(nonce)) && param(&h, "nc", nc, sizeof(nc)) &&
          param(&h, "cnonce", cnonce, sizeof(cnonce)) && param(&h, "qop", qop, sizeof(qop)) &&
          param(&h, "uri", uri, sizeof(uri)) && param(&h, "realm", realm, sizeof(realm)) &&
          param(&h, "response", response, sizeof(response)));
    snonce = pj_str(nonce);
    snc = pj_str(nc);
    scnonce = pj_str(cnonce);
    sqop = pj_str(qop);
    suri = pj_str(uri);
    srealm = pj_str(realm);
    result.ptr = buf;
    result.slen = 0;
    CHECK_STATUS(pjsip_auth_create_digest2(&result, &snonce, &snc, &scnonce, &sqop, &suri, &srealm, c, &method,
                                           (pjsip_auth_algorithm_type)alg),
                 PJ_SUCCESS);
    CHECK((size_t)result.slen == strlen(response) && memcmp(result.ptr, response, strlen(response)) == 0);
}

static pjsip_tx_data *answer(pjsip_auth_clt_sess *s, const char *body, const char *hdrs, pj_status_t want)
{
    pjsip_tx_data *t = request(body), *out = NULL;
    pjsip_rx_data *r = challenge(hdrs);
    CHECK_STATUS(pjsip_auth_clt_reinit_req(s, r, t, &out), want);
    if (out)
        pjsip_tx_data_dec_ref(out);
    pjsip_rx_data_free_cloned(r);
    return t;
}

static int has(pjsip_tx_data *t, unsigned idx, const char *needle)
{
    pj_str_t h;
    char text[1024];
    if (pjshim_tx_data_get_hdr(t, "Authorization", idx, &h) != PJ_SUCCESS)
        return 0;
    snprintf(text, sizeof(text), "%.*s", (int)h.slen, h.ptr);
    return strstr(text, needle) != NULL;
}

int main(void)
{
    pjsip_auth_clt_sess s;
    pjsip_cred_info c[2];
    pjsip_tx_data *t;
    pj_str_t h;

    /* One realm offering SHA-256 then MD5: one answer, the topmost. */
    CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, NULL, 0), PJ_SUCCESS);
    cred(&c[0], "example.com", "secret", PJSIP_CRED_DATA_PLAIN_PASSWD, 0);
    CHECK_STATUS(pjsip_auth_clt_set_credentials(&s, 1, c), PJ_SUCCESS);
    t = answer(&s, "",
               "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n256\", qop=\"auth\", algorithm=SHA-256\r\n"
               "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n5\", qop=\"auth\", algorithm=MD5\r\n",
               PJ_SUCCESS);
    CHECK(has(t, 0, "algorithm=SHA-256") && has(t, 0, "nonce=\"n256\""));
    CHECK_STATUS(pjshim_tx_data_get_hdr(t, "Authorization", 1, &h), PJ_ENOTFOUND);
    check_response(t, 0, &c[0], PJSIP_AUTH_ALGORITHM_SHA256);
    pjsip_tx_data_dec_ref(t);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);

    /* Two realms at once: one answer each, each right. */
    CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, NULL, 0), PJ_SUCCESS);
    cred(&c[0], "a.example", "pa", PJSIP_CRED_DATA_PLAIN_PASSWD, 0);
    cred(&c[1], "b.example", "pb", PJSIP_CRED_DATA_PLAIN_PASSWD, 0);
    CHECK_STATUS(pjsip_auth_clt_set_credentials(&s, 2, c), PJ_SUCCESS);
    t = answer(&s, "",
               "WWW-Authenticate: Digest realm=\"a.example\", nonce=\"na\", qop=\"auth\"\r\n"
               "WWW-Authenticate: Digest realm=\"b.example\", nonce=\"nb\", qop=\"auth\", algorithm=SHA-256\r\n",
               PJ_SUCCESS);
    CHECK(has(t, 0, "realm=\"a.example\"") && has(t, 1, "realm=\"b.example\""));
    check_response(t, 0, &c[0], PJSIP_AUTH_ALGORITHM_MD5);
    check_response(t, 1, &c[1], PJSIP_AUTH_ALGORITHM_SHA256);
    pjsip_tx_data_dec_ref(t);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);

    /* An MD5 HA1 credential: answers MD5 (same response as the password),
     * cannot answer a SHA-256-only challenge. */
    CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, NULL, 0), PJ_SUCCESS);
    cred(&c[0], "example.com", "b1726872c344b6dc8365b774f8fd6412", PJSIP_CRED_DATA_DIGEST,
         PJSIP_AUTH_ALGORITHM_NOT_SET);
    CHECK_STATUS(pjsip_auth_clt_set_credentials(&s, 1, c), PJ_SUCCESS);
    t = answer(&s, "", "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"nh\", qop=\"auth\"\r\n", PJ_SUCCESS);
    cred(&c[1], "example.com", "secret", PJSIP_CRED_DATA_PLAIN_PASSWD, 0);
    check_response(t, 0, &c[1], PJSIP_AUTH_ALGORITHM_MD5);
    pjsip_tx_data_dec_ref(t);
    t = answer(&s, "",
               "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"nh2\", qop=\"auth\", algorithm=SHA-256\r\n",
               PJSIP_ENOCREDENTIAL);
    CHECK_STATUS(pjshim_tx_data_get_hdr(t, "Authorization", 0, &h), PJ_ENOTFOUND); /* untouched */
    pjsip_tx_data_dec_ref(t);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);

    /* auth-int alone: chosen and hashed over the body (so it differs from the
     * auth-int response over an empty body); auth preferred from a list. */
    CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, NULL, 0), PJ_SUCCESS);
    cred(&c[0], "example.com", "secret", PJSIP_CRED_DATA_PLAIN_PASSWD, 0);
    CHECK_STATUS(pjsip_auth_clt_set_credentials(&s, 1, c), PJ_SUCCESS);
    t = answer(&s, "", "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"ni0\", qop=\"auth-int\"\r\n",
               PJ_SUCCESS);
    CHECK(has(t, 0, "qop=auth-int"));
    check_response(t, 0, &c[0], PJSIP_AUTH_ALGORITHM_MD5); /* empty body: create_digest2's auth-int */
    pjsip_tx_data_dec_ref(t);
    t = answer(&s, "v=0\r\n", "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"ni1\", qop=\"auth-int\"\r\n",
               PJ_SUCCESS);
    CHECK(has(t, 0, "qop=auth-int"));
    {
        /* Over a body the response must not be the empty-body one. */
        pj_str_t hv;
        char resp[80], expect[80], nc[16], cn[128];
        pj_str_t result = {expect, 0}, sn = pj_str("ni1"), snc, scn, sq = pj_str("auth-int"),
                 su = pj_str("sip:registrar.example.com"), sr = pj_str("example.com"), sm = pj_str("REGISTER");
        CHECK_STATUS(pjshim_tx_data_get_hdr(t, "Authorization", 0, &hv), PJ_SUCCESS);
        CHECK(param(&hv, "response", resp, sizeof(resp)) && param(&hv, "nc", nc, sizeof(nc)) &&
              param(&hv, "cnonce", cn, sizeof(cn)));
        snc = pj_str(nc);
        scn = pj_str(cn);
        CHECK_STATUS(pjsip_auth_create_digest2(&result, &sn, &snc, &scn, &sq, &su, &sr, &c[0], &sm,
                                               PJSIP_AUTH_ALGORITHM_MD5),
                     PJ_SUCCESS);
        CHECK(strlen(resp) == 32 && memcmp(resp, expect, 32) != 0);
    }
    pjsip_tx_data_dec_ref(t);
    t = answer(&s, "", "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"ni2\", qop=\"auth,auth-int\"\r\n",
               PJ_SUCCESS);
    CHECK(has(t, 0, "qop=auth, nc="));
    CHECK(!has(t, 0, "auth-int"));
    check_response(t, 0, &c[0], PJSIP_AUTH_ALGORITHM_MD5);
    pjsip_tx_data_dec_ref(t);

    /* userhash=true (RFC 7616): username is H(user:realm), flagged. */
    t = answer(&s, "",
               "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"nu\", qop=\"auth\", algorithm=SHA-256, "
               "userhash=true\r\n",
               PJ_SUCCESS);
    CHECK(has(t, 0, "username=\"182821e63518db2dd774c82f8142291d0376025311d4a5988d61e5a5dfafbbde\""));
    CHECK(has(t, 0, "userhash=true"));
    CHECK(!has(t, 0, "username=\"alice\""));
    pjsip_tx_data_dec_ref(t);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
    TEST_DONE("auth_flows_rfc");
}
