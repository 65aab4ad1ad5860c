/* The two hostile-input findings of issue 9, through the C API:
 *   - 20 challenges for 20 realms in one WWW-Authenticate line get 20
 *     Authorization headers (a cap of 16 per header value used to drop the
 *     rest silently);
 *   - a valid Digest challenge value over 8 KiB is PJSIP_EMSGTOOLONG (it was
 *     PJSIP_EINVALIDAUTHSCHEME, which API.md reserves for "only non-Digest
 *     schemes"), and the request is left as it was.
 * The Rust side of the same limits: tests/hostile_input.rs. */
#include <string.h>
#include "pjsip_auth_shim.h"
#include "test_util.h"

#define HEAD "SIP/2.0 401 Unauthorized\r\n"                                 \
             "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKh\r\n"         \
             "From: <sip:alice@example.com>;tag=f1\r\n"                    \
             "To: <sip:alice@example.com>;tag=t1\r\n"                      \
             "Call-ID: hostile@127.0.0.1\r\n"                              \
             "CSeq: 1 REGISTER\r\n"

static const char REQ[] =
    "REGISTER sip:example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKh\r\n"
    "From: <sip:alice@example.com>;tag=f1\r\n"
    "To: <sip:alice@example.com>\r\n"
    "Call-ID: hostile@127.0.0.1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "Content-Length: 0\r\n\r\n";

static char buf[32 * 1024];

static pjsip_rx_data *resp_with(const char *value)
{
    pjsip_rx_data *r = NULL;
    int n = snprintf(buf, sizeof buf, HEAD "WWW-Authenticate: %s\r\nContent-Length: 0\r\n\r\n",
                     value);
    CHECK(n > 0 && (size_t)n < sizeof buf);
    CHECK_STATUS(pjshim_rx_data_parse(buf, (pj_size_t)n, &r), PJ_SUCCESS);
    return r;
}

static pjsip_tx_data *req(void)
{
    pjsip_tx_data *t = NULL;
    CHECK_STATUS(pjshim_tx_data_parse(REQ, strlen(REQ), &t), PJ_SUCCESS);
    return t;
}

static void session(pjsip_auth_clt_sess *s, const char *realm)
{
    pjsip_cred_info c;
    memset(&c, 0, sizeof c);
    c.realm = pj_str((char *)realm);
    c.scheme = pj_str("digest");
    c.username = pj_str("alice");
    c.data = pj_str("secret");
    c.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    CHECK_STATUS(pjsip_auth_clt_init(s, NULL, NULL, 0), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_set_credentials(s, 1, &c), PJ_SUCCESS);
}

static int count_hdr(pjsip_tx_data *t, const char *name)
{
    pj_str_t v;
    unsigned i = 0;
    while (pjshim_tx_data_get_hdr(t, name, i, &v) == PJ_SUCCESS)
        i++;
    return (int)i;
}

static void twenty_realms(void)
{
    static char value[4096];
    size_t len = 0;
    pjsip_auth_clt_sess s;
    pjsip_tx_data *t = req(), *out = NULL;
    pjsip_rx_data *r;
    int i;
    for (i = 0; i < 20; i++)
        len += (size_t)snprintf(value + len, sizeof value - len,
                                "%sDigest realm=\"r%d.example\", nonce=\"n%d\", qop=\"auth\"",
                                i ? ", " : "", i, i);
    r = resp_with(value);
    session(&s, "*");
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, r, t, &out), PJ_SUCCESS);
    CHECK(out == t);
    CHECK(count_hdr(t, "Authorization") == 20);
    if (out)
        pjsip_tx_data_dec_ref(out); /* the extra reference reinit returned */
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
    pjsip_tx_data_dec_ref(t);
    pjsip_rx_data_free_cloned(r);
}

static void over_8k(void)
{
    static char value[9 * 1024];
    char before[2048], after[2048];
    pj_size_t blen = 0, alen = 0;
    pjsip_auth_clt_sess s;
    pjsip_tx_data *t = req(), *out = NULL;
    pjsip_rx_data *r;
    int n = snprintf(value, sizeof value, "Digest realm=\"example.com\", nonce=\"n1\", opaque=\"");
    memset(value + n, 'o', 8 * 1024);
    strcpy(value + n + 8 * 1024, "\"");
    r = resp_with(value);
    session(&s, "example.com");
    CHECK_STATUS(pjshim_tx_data_print(t, before, sizeof before, &blen), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_reinit_req(&s, r, t, &out), PJSIP_EMSGTOOLONG);
    CHECK(out == NULL);
    CHECK_STATUS(pjshim_tx_data_print(t, after, sizeof after, &alen), PJ_SUCCESS);
    CHECK(blen == alen && memcmp(before, after, blen) == 0);
    CHECK_STATUS(pjsip_auth_clt_deinit(&s), PJ_SUCCESS);
    pjsip_tx_data_dec_ref(t);
    pjsip_rx_data_free_cloned(r);
}

int main(void)
{
    twenty_realms();
    over_8k();
    TEST_DONE("hostile_limits");
}
