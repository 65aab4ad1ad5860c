/* pjsip_auth_clt_reinit_req / pjsip_auth_clt_init_req through the header:
 * statuses, NULLs, reference counts, header text, parent sessions. The
 * response digests themselves are checked exactly in tests/auth_client.rs. */
#include <string.h>
#include "pjsip_auth_shim.h"
#include "test_util.h"

static const char REQ[] =
    "REGISTER sip:example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKold\r\n"
    "From: <sip:alice@example.com>;tag=f1\r\n"
    "To: <sip:alice@example.com>\r\n"
    "Call-ID: flows@127.0.0.1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "Content-Length: 0\r\n\r\n";

static pjsip_rx_data *resp(const char *status, const char *hdrs)
{
    char buf[2048];
    pjsip_rx_data *r = NULL;
    int n = snprintf(buf, sizeof buf,
                     "SIP/2.0 %s\r\n"
                     "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKold\r\n"
                     "From: <sip:alice@example.com>;tag=f1\r\n"
                     "To: <sip:alice@example.com>;tag=t1\r\n"
                     "Call-ID: flows@127.0.0.1\r\n"
                     "CSeq: 1 REGISTER\r\n%s"
                     "Content-Length: 0\r\n\r\n",
                     status, hdrs);
    CHECK_STATUS(pjshim_rx_data_parse(buf, (pj_size_t)n, &r), PJ_SUCCESS);
    return r;
}

static pjsip_tx_data *req(void)
{
    pjsip_tx_data *t = NULL;
    CHECK_STATUS(pjshim_tx_data_parse(REQ, strlen(REQ), &t), PJ_SUCCESS);
    return t;
}

static void set_cred(pjsip_auth_clt_sess *s, const char *realm, const char *user)
{
    pjsip_cred_info c;
    memset(&c, 0, sizeof c);
    c.realm = pj_str((char *)realm);
    c.scheme = pj_str("digest");
    c.username = pj_str((char *)user);
    c.data = pj_str("secret");
    c.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    CHECK_STATUS(pjsip_auth_clt_set_credentials(s, 1, &c), PJ_SUCCESS);
}

static int hdr_contains(pjsip_tx_data *t, const char *name, unsigned idx, const char *needle)
{
    pj_str_t v;
    char buf[1024];
    if (pjshim_tx_data_get_hdr(t, name, idx, &v) != PJ_SUCCESS || v.slen >= (pj_ssize_t)sizeof buf)
        return 0;
    memcpy(buf, v.ptr, (size_t)v.slen);
    buf[v.slen] = 0;
    return strstr(buf, needle) != NULL;
}

#define MD5_CHAL "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n1\", qop=\"auth\"\r\n"

static void basic_flow(void)
{
    pjsip_auth_clt_sess s;
    pjsip_tx_data *t = req(), *out = NULL;
    pjsip_rx_data *r = resp("401 Unauthorized", MD5_CHAL);
    char wire[4096];
    pj_size_t len = 0;

    CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, NULL, 0), PJ_SUCCESS);
    set_cred(&s, "example.com", "alice");
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, r, t, &out), PJ_SUCCESS);
    CHECK(out == t);
    CHECK(hdr_contains(t, "Authorization", 0,
                       "Digest username=\"alice\", realm=\"example.com\", nonce=\"n1\", "
                       "uri=\"sip:example.com\", response=\""));
    CHECK(hdr_contains(t, "Authorization", 0, "qop=auth, nc=00000001"));
    CHECK(!hdr_contains(t, "Via", 0, "z9hG4bKold"));
    CHECK_STATUS(pjshim_tx_data_print(t, wire, sizeof wire, &len), PJ_SUCCESS);
    CHECK(hdr_contains(t, "Via", 0, "branch=z9hG4bK"));
    CHECK(hdr_contains(t, "CSeq", 0, "1 REGISTER"));

    /* Now a 407 on the same request: both headers present. */
    pjsip_rx_data *r2 = resp("407 Proxy Authentication Required",
                             "Proxy-Authenticate: Digest realm=\"example.com\", nonce=\"p1\", algorithm=SHA-256\r\n");
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, r2, t, &out), PJ_SUCCESS);
    CHECK(hdr_contains(t, "Authorization", 0, "nonce=\"n1\""));
    CHECK(hdr_contains(t, "Proxy-Authorization", 0, "algorithm=SHA-256"));

    /* Pre-emptive reuse: nc 2. */
    pjsip_tx_data *t2 = req();
    CHECK_STATUS(pjsip_auth_clt_init_req(&s, t2), PJ_SUCCESS);
    CHECK(hdr_contains(t2, "Authorization", 0, "nc=00000002"));

    /* Same nonce again: wrong credentials; request left alone. */
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, r, t2, &out), PJSIP_EFAILEDCREDENTIAL);
    CHECK(hdr_contains(t2, "Authorization", 0, "nc=00000002"));

    /* Two references from the two successful reinit_req calls + the original. */
    CHECK_STATUS(pjsip_tx_data_dec_ref(t), PJ_SUCCESS);
    CHECK_STATUS(pjsip_tx_data_dec_ref(t), PJ_SUCCESS);
    CHECK_STATUS(pjsip_tx_data_dec_ref(t), PJSIP_EBUFDESTROYED);
    CHECK_STATUS(pjsip_tx_data_dec_ref(t2), PJSIP_EBUFDESTROYED);
    pjsip_rx_data_free_cloned(r);
    pjsip_rx_data_free_cloned(r2);
    pjsip_auth_clt_deinit(&s);
}

static void statuses(void)
{
    pjsip_auth_clt_sess s;
    pjsip_tx_data *t = req(), *out = NULL;
    struct { const char *status; const char *hdrs; pj_status_t want; } cases[] = {
        {"200 OK", "", PJSIP_EINVALIDSTATUS},
        {"401 Unauthorized", "", PJSIP_EAUTHNOCHAL},
        /* A Bearer challenge and no Bearer credential (c-tests/bearer.c has the rest). */
        {"401 Unauthorized", "WWW-Authenticate: Bearer realm=\"x\"\r\n", PJSIP_ENOCREDENTIAL},
        {"401 Unauthorized", "WWW-Authenticate: Newauth realm=\"x\"\r\n", PJSIP_EINVALIDAUTHSCHEME},
        {"401 Unauthorized", "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"n\", algorithm=FOO\r\n",
         PJSIP_EINVALIDALGORITHM},
        {"401 Unauthorized", "WWW-Authenticate: Digest realm=\"other\", nonce=\"n\"\r\n", PJSIP_ENOCREDENTIAL},
    };
    unsigned i;
    CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, NULL, 0), PJ_SUCCESS);
    set_cred(&s, "example.com", "alice");
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        pjsip_rx_data *r = resp(cases[i].status, cases[i].hdrs);
        out = NULL;
        CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, r, t, &out), cases[i].want);
        CHECK(out == NULL);
        pjsip_rx_data_free_cloned(r);
    }
    /* stale three times, then the 4th fails */
    {
        const char *hs[] = {
            "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"s0\"\r\n",
            "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"s1\", stale=true\r\n",
            "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"s2\", stale=true\r\n",
            "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"s3\", stale=true\r\n",
            "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"s4\", stale=true\r\n",
        };
        for (i = 0; i < 5; i++) {
            pjsip_rx_data *r = resp("401 Unauthorized", hs[i]);
            CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, r, t, &out), i < 4 ? PJ_SUCCESS : PJSIP_EAUTHSTALECOUNT);
            if (i < 4)
                pjsip_tx_data_dec_ref(out);
            pjsip_rx_data_free_cloned(r);
        }
    }
    pjsip_tx_data_dec_ref(t);
    pjsip_auth_clt_deinit(&s);
}

static void nulls_and_parent(void)
{
    pjsip_auth_clt_sess s, child, uninit;
    pjsip_tx_data *t = req(), *out = NULL;
    pjsip_rx_data *r = resp("401 Unauthorized", MD5_CHAL);
    memset(&uninit, 0, sizeof uninit);
    CHECK_STATUS(pjsip_auth_clt_init(&s, NULL, NULL, 0), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_init(&child, NULL, NULL, 0), PJ_SUCCESS);
    set_cred(&s, "*", "parentuser");
    CHECK_STATUS(pjsip_auth_clt_reinit_req(NULL, r, t, &out), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, NULL, t, &out), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, r, NULL, &out), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, r, t, NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&uninit, r, t, &out), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_init_req(NULL, t), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_init_req(&s, NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_clt_init_req(&uninit, t), PJ_EINVAL);
    CHECK(out == NULL);
    /* The child has no credentials; the parent's wildcard one answers. */
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&child, r, t, &out), PJSIP_ENOCREDENTIAL);
    CHECK_STATUS(pjsip_auth_clt_set_parent(&child, &s), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&child, r, t, &out), PJ_SUCCESS);
    CHECK(out == t);
    CHECK(hdr_contains(t, "Authorization", 0, "username=\"parentuser\""));
    pjsip_tx_data_dec_ref(out);
    pjsip_tx_data_dec_ref(t);
    pjsip_rx_data_free_cloned(r);
    pjsip_auth_clt_deinit(&child);
    pjsip_auth_clt_deinit(&s);
}

int main(void)
{
    basic_flow();
    statuses();
    nulls_and_parent();
    TEST_DONE("auth_flows");
}
