/* Messages from C (API.md section 3): pjsip_tx_data / pjsip_rx_data, parse,
 * header lookup, print, reference counts, clone, responses, errors. */
#include "pjsip_auth_shim.h"
#include "test_util.h"

static const char REGISTER[] =
    "REGISTER sip:example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bKabc123\r\n"
    "Max-Forwards: 70\r\n"
    "From: \"Alice\" <sip:alice@example.com>;tag=a73kszlfl\r\n"
    "To: \"Alice\" <sip:alice@example.com>\r\n"
    "Call-ID: 1j9FpLxk3uxtm8tn@192.0.2.1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "Contact: <sip:alice@192.0.2.1:5060>\r\n"
    "Contact: <sip:alice@198.51.100.7:5060>\r\n"
    "Expires: 3600\r\n"
    "Content-Length: 0\r\n"
    "\r\n";

static const char UNAUTHORIZED[] =
    "SIP/2.0 401 Unauthorized\n"
    "v: SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc123\n"
    "f: \"Alice\" <sip:alice@example.com>;tag=a73kszlfl\n"
    "t: \"Alice\" <sip:alice@example.com>;tag=1410948204\n"
    "i: 1j9FpLxk3uxtm8tn@192.0.2.1\n"
    "CSeq: 1 REGISTER\n"
    "WWW-Authenticate: Digest realm=\"example.com\",\n"
    "  nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", qop=\"auth\"\n"
    "l: 0\n"
    "\n";

/* True when the pj_str_t equals the C string. */
static int str_is(const pj_str_t *s, const char *want)
{
    size_t n = strlen(want);
    return s->slen == (pj_ssize_t)n && memcmp(s->ptr, want, n) == 0;
}

static void test_tx_parse_and_headers(void)
{
    pjsip_tx_data *tdata = NULL;
    pj_str_t v;

    CHECK_STATUS(pjshim_tx_data_parse(REGISTER, strlen(REGISTER), &tdata), PJ_SUCCESS);
    CHECK(tdata != NULL);
    CHECK(pjshim_tx_data_get_status(tdata) == 0);

    CHECK_STATUS(pjshim_tx_data_get_hdr(tdata, "Call-ID", 0, &v), PJ_SUCCESS);
    CHECK(str_is(&v, "1j9FpLxk3uxtm8tn@192.0.2.1"));
    /* Compact and case-insensitive names. */
    CHECK_STATUS(pjshim_tx_data_get_hdr(tdata, "i", 0, &v), PJ_SUCCESS);
    CHECK(str_is(&v, "1j9FpLxk3uxtm8tn@192.0.2.1"));
    CHECK_STATUS(pjshim_tx_data_get_hdr(tdata, "cSeQ", 0, &v), PJ_SUCCESS);
    CHECK(str_is(&v, "1 REGISTER"));
    /* The index-th header of a name. */
    CHECK_STATUS(pjshim_tx_data_get_hdr(tdata, "m", 1, &v), PJ_SUCCESS);
    CHECK(str_is(&v, "<sip:alice@198.51.100.7:5060>"));
    /* Absent: not found, and the out-param is left alone. */
    v.ptr = NULL;
    v.slen = 12345;
    CHECK_STATUS(pjshim_tx_data_get_hdr(tdata, "Contact", 2, &v), PJ_ENOTFOUND);
    CHECK_STATUS(pjshim_tx_data_get_hdr(tdata, "Authorization", 0, &v), PJ_ENOTFOUND);
    CHECK(v.ptr == NULL && v.slen == 12345);

    CHECK_STATUS(pjsip_tx_data_dec_ref(tdata), PJSIP_EBUFDESTROYED);
}

static void test_rx_parse_and_headers(void)
{
    pjsip_rx_data *rdata = NULL;
    pj_str_t v;

    CHECK_STATUS(pjshim_rx_data_parse(UNAUTHORIZED, strlen(UNAUTHORIZED), &rdata), PJ_SUCCESS);
    CHECK(rdata != NULL);
    CHECK(pjshim_rx_data_get_status(rdata) == 401);

    /* Full names find compact headers; folded lines are joined. */
    CHECK_STATUS(pjshim_rx_data_get_hdr(rdata, "Via", 0, &v), PJ_SUCCESS);
    CHECK(str_is(&v, "SIP/2.0/UDP 192.0.2.1:5060;branch=z9hG4bKabc123"));
    CHECK_STATUS(pjshim_rx_data_get_hdr(rdata, "www-authenticate", 0, &v), PJ_SUCCESS);
    CHECK(str_is(&v, "Digest realm=\"example.com\", nonce=\"ea9c8e88df84f1cec4341ae6cbe5a359\", qop=\"auth\""));
    CHECK_STATUS(pjshim_rx_data_get_hdr(rdata, "WWW-Authenticate", 1, &v), PJ_ENOTFOUND);
    CHECK_STATUS(pjshim_rx_data_get_hdr(rdata, "Content-Length", 0, &v), PJ_SUCCESS);
    CHECK(str_is(&v, "0"));

    CHECK_STATUS(pjsip_rx_data_free_cloned(rdata), PJ_SUCCESS);

    /* A request parses as rx_data too (server side). */
    CHECK_STATUS(pjshim_rx_data_parse(REGISTER, strlen(REGISTER), &rdata), PJ_SUCCESS);
    CHECK(pjshim_rx_data_get_status(rdata) == 0);
    CHECK_STATUS(pjsip_rx_data_free_cloned(rdata), PJ_SUCCESS);
}

static void test_print(void)
{
    pjsip_tx_data *tdata = NULL;
    pjsip_tx_data *again = NULL;
    char buf[1024];
    char small[16];
    pj_size_t len = 0;
    pj_size_t needed = 0;

    CHECK_STATUS(pjshim_tx_data_parse(REGISTER, strlen(REGISTER), &tdata), PJ_SUCCESS);

    /* Size query, then a buffer too short, then the real thing. */
    CHECK_STATUS(pjshim_tx_data_print(tdata, NULL, 0, &needed), PJ_ETOOBIG);
    CHECK(needed == strlen(REGISTER));
    memset(small, 'Z', sizeof(small));
    len = 0;
    CHECK_STATUS(pjshim_tx_data_print(tdata, small, sizeof(small), &len), PJ_ETOOBIG);
    CHECK(len == needed);
    CHECK(small[0] == 'Z');

    CHECK_STATUS(pjshim_tx_data_print(tdata, buf, sizeof(buf), &len), PJ_SUCCESS);
    CHECK(len == strlen(REGISTER));
    CHECK(buf[len] == '\0');
    CHECK(memcmp(buf, REGISTER, len) == 0);

    /* Exactly the right size: fits, without the NUL. */
    buf[len] = 'Z';
    CHECK_STATUS(pjshim_tx_data_print(tdata, buf, len, &len), PJ_SUCCESS);
    CHECK(buf[len] == 'Z');

    /* Round trip through the parser. */
    CHECK_STATUS(pjshim_tx_data_parse(buf, len, &again), PJ_SUCCESS);
    {
        char buf2[1024];
        pj_size_t len2 = 0;
        CHECK_STATUS(pjshim_tx_data_print(again, buf2, sizeof(buf2), &len2), PJ_SUCCESS);
        CHECK(len2 == len && memcmp(buf, buf2, len) == 0);
    }
    CHECK_STATUS(pjsip_tx_data_dec_ref(again), PJSIP_EBUFDESTROYED);
    CHECK_STATUS(pjsip_tx_data_dec_ref(tdata), PJSIP_EBUFDESTROYED);
}

static void test_branch_generated_when_missing(void)
{
    static const char NO_BRANCH[] =
        "OPTIONS sip:bob@example.com SIP/2.0\r\n"
        "Via: SIP/2.0/UDP 192.0.2.1:5060;rport\r\n"
        "From: <sip:alice@example.com>;tag=1\r\n"
        "To: <sip:bob@example.com>\r\n"
        "Call-ID: x\r\n"
        "CSeq: 7 OPTIONS\r\n"
        "\r\n";
    pjsip_tx_data *tdata = NULL;
    char a[512], b[512];
    pj_size_t la = 0, lb = 0;
    pj_str_t v;

    CHECK_STATUS(pjshim_tx_data_parse(NO_BRANCH, strlen(NO_BRANCH), &tdata), PJ_SUCCESS);
    CHECK_STATUS(pjshim_tx_data_print(tdata, a, sizeof(a), &la), PJ_SUCCESS);
    CHECK_STATUS(pjshim_tx_data_print(tdata, b, sizeof(b), &lb), PJ_SUCCESS);
    CHECK(la == lb && memcmp(a, b, la) == 0); /* stable once generated */
    CHECK(strstr(a, "Via: SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK") != NULL);
    CHECK_STATUS(pjshim_tx_data_get_hdr(tdata, "v", 0, &v), PJ_SUCCESS);
    CHECK(v.slen >= (pj_ssize_t)strlen("SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bK") + 16);
    CHECK(strstr(a, "Content-Length: 0\r\n\r\n") != NULL);
    CHECK_STATUS(pjsip_tx_data_dec_ref(tdata), PJSIP_EBUFDESTROYED);
}

static void test_refcount(void)
{
    pjsip_tx_data *tdata = NULL;
    CHECK_STATUS(pjshim_tx_data_parse(REGISTER, strlen(REGISTER), &tdata), PJ_SUCCESS);
    CHECK_STATUS(pjsip_tx_data_add_ref(tdata), PJ_SUCCESS);
    CHECK_STATUS(pjsip_tx_data_add_ref(tdata), PJ_SUCCESS);
    CHECK_STATUS(pjsip_tx_data_dec_ref(tdata), PJ_SUCCESS);
    CHECK_STATUS(pjsip_tx_data_dec_ref(tdata), PJ_SUCCESS);
    CHECK(pjshim_tx_data_get_status(tdata) == 0); /* still alive */
    CHECK_STATUS(pjsip_tx_data_dec_ref(tdata), PJSIP_EBUFDESTROYED);
}

static void test_clone(void)
{
    pjsip_rx_data *rdata = NULL;
    pjsip_rx_data *copy = NULL;
    pj_str_t v;
    char buf[1024];
    pj_size_t len = 0;

    CHECK_STATUS(pjshim_rx_data_parse(UNAUTHORIZED, strlen(UNAUTHORIZED), &rdata), PJ_SUCCESS);
    CHECK_STATUS(pjsip_rx_data_clone(rdata, 0, &copy), PJ_SUCCESS);
    CHECK(copy != NULL && copy != rdata);
    /* The clone outlives the original. */
    CHECK_STATUS(pjsip_rx_data_free_cloned(rdata), PJ_SUCCESS);
    CHECK(pjshim_rx_data_get_status(copy) == 401);
    CHECK_STATUS(pjshim_rx_data_get_hdr(copy, "To", 0, &v), PJ_SUCCESS);
    CHECK(str_is(&v, "\"Alice\" <sip:alice@example.com>;tag=1410948204"));
    CHECK_STATUS(pjshim_rx_data_print(copy, buf, sizeof(buf), &len), PJ_SUCCESS);
    CHECK(strncmp(buf, "SIP/2.0 401 Unauthorized\r\nv: SIP/2.0/UDP", 40) == 0);
    CHECK(strstr(buf, "\r\nl: 0\r\n\r\n") != NULL);
    CHECK_STATUS(pjsip_rx_data_free_cloned(copy), PJ_SUCCESS);
}

static void test_create_response(void)
{
    pjsip_rx_data *req = NULL;
    pjsip_rx_data *resp_rx = NULL;
    pjsip_tx_data *resp = NULL;
    pjsip_tx_data *custom = NULL;
    pj_str_t v;
    char buf[1024];
    pj_size_t len = 0;

    CHECK_STATUS(pjshim_rx_data_parse(REGISTER, strlen(REGISTER), &req), PJ_SUCCESS);
    CHECK_STATUS(pjshim_tx_data_create_response(req, 401, NULL, &resp), PJ_SUCCESS);
    CHECK(pjshim_tx_data_get_status(resp) == 401);

    CHECK_STATUS(pjshim_tx_data_get_hdr(resp, "Via", 0, &v), PJ_SUCCESS);
    CHECK(str_is(&v, "SIP/2.0/UDP 192.0.2.1:5060;rport;branch=z9hG4bKabc123"));
    CHECK_STATUS(pjshim_tx_data_get_hdr(resp, "From", 0, &v), PJ_SUCCESS);
    CHECK(str_is(&v, "\"Alice\" <sip:alice@example.com>;tag=a73kszlfl"));
    CHECK_STATUS(pjshim_tx_data_get_hdr(resp, "Call-ID", 0, &v), PJ_SUCCESS);
    CHECK(str_is(&v, "1j9FpLxk3uxtm8tn@192.0.2.1"));
    CHECK_STATUS(pjshim_tx_data_get_hdr(resp, "CSeq", 0, &v), PJ_SUCCESS);
    CHECK(str_is(&v, "1 REGISTER"));
    CHECK_STATUS(pjshim_tx_data_get_hdr(resp, "To", 0, &v), PJ_SUCCESS);
    {
        const char *prefix = "\"Alice\" <sip:alice@example.com>;tag=";
        size_t n = strlen(prefix);
        CHECK(v.slen > (pj_ssize_t)n + 8 && memcmp(v.ptr, prefix, n) == 0);
    }
    CHECK_STATUS(pjshim_tx_data_get_hdr(resp, "Contact", 0, &v), PJ_ENOTFOUND);

    CHECK_STATUS(pjshim_tx_data_print(resp, buf, sizeof(buf), &len), PJ_SUCCESS);
    CHECK(strncmp(buf, "SIP/2.0 401 Unauthorized\r\n", 26) == 0);
    /* The response is a valid received message, required headers and all. */
    CHECK_STATUS(pjshim_rx_data_parse(buf, len, &resp_rx), PJ_SUCCESS);
    CHECK(pjshim_rx_data_get_status(resp_rx) == 401);
    CHECK_STATUS(pjsip_rx_data_free_cloned(resp_rx), PJ_SUCCESS);

    CHECK_STATUS(pjshim_tx_data_create_response(req, 200, "Fine Thanks", &custom), PJ_SUCCESS);
    CHECK_STATUS(pjshim_tx_data_print(custom, buf, sizeof(buf), &len), PJ_SUCCESS);
    CHECK(strncmp(buf, "SIP/2.0 200 Fine Thanks\r\n", 25) == 0);
    CHECK_STATUS(pjsip_tx_data_dec_ref(custom), PJSIP_EBUFDESTROYED);

    /* Bad code; a response is not a request. */
    custom = NULL;
    CHECK_STATUS(pjshim_tx_data_create_response(req, 99, NULL, &custom), PJ_EINVAL);
    CHECK_STATUS(pjshim_tx_data_create_response(req, 700, NULL, &custom), PJ_EINVAL);
    CHECK_STATUS(pjshim_tx_data_create_response(req, -1, NULL, &custom), PJ_EINVAL);
    CHECK(custom == NULL);
    {
        pjsip_rx_data *r401 = NULL;
        CHECK_STATUS(pjshim_rx_data_parse(UNAUTHORIZED, strlen(UNAUTHORIZED), &r401), PJ_SUCCESS);
        CHECK_STATUS(pjshim_tx_data_create_response(r401, 200, NULL, &custom), PJSIP_ENOTREQUESTMSG);
        CHECK(custom == NULL);
        CHECK_STATUS(pjsip_rx_data_free_cloned(r401), PJ_SUCCESS);
    }

    CHECK_STATUS(pjsip_tx_data_dec_ref(resp), PJSIP_EBUFDESTROYED);
    CHECK_STATUS(pjsip_rx_data_free_cloned(req), PJ_SUCCESS);
}

static void test_malformed(void)
{
    static const char *const bad_msg[] = {
        "",
        "REGISTER sip:x\r\n\r\n",
        "REGISTER sip:x SIP/3.0\r\n\r\n",
        "SIP/2.0 999 Nope\r\n\r\n",
        "SIP/2.0 20 OK\r\n\r\n",
        "SIP/2.0 200 OK\r\nContent-Length: 50\r\n\r\nshort",
    };
    static const char *const bad_hdr[] = {
        "SIP/2.0 200 OK\r\nNo colon here\r\n\r\n",
        "SIP/2.0 200 OK\r\n: no name\r\n\r\n",
        "SIP/2.0 200 OK\r\nContent-Length: many\r\n\r\n",
        "SIP/2.0 200 OK\r\nCSeq: x REGISTER\r\n\r\n",
    };
    static const char missing[] =
        "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP h;branch=z9hG4bK1\r\nFrom: <sip:a@b>;tag=1\r\n"
        "To: <sip:a@b>\r\nCSeq: 1 REGISTER\r\n\r\n"; /* no Call-ID */
    pjsip_tx_data *tdata = NULL;
    pjsip_rx_data *rdata = NULL;
    size_t i;
    char huge[70000];

    for (i = 0; i < sizeof(bad_msg) / sizeof(bad_msg[0]); i++) {
        CHECK_STATUS(pjshim_tx_data_parse(bad_msg[i], strlen(bad_msg[i]), &tdata), PJSIP_EINVALIDMSG);
        CHECK_STATUS(pjshim_rx_data_parse(bad_msg[i], strlen(bad_msg[i]), &rdata), PJSIP_EINVALIDMSG);
    }
    for (i = 0; i < sizeof(bad_hdr) / sizeof(bad_hdr[0]); i++) {
        CHECK_STATUS(pjshim_tx_data_parse(bad_hdr[i], strlen(bad_hdr[i]), &tdata), PJSIP_EINVALIDHDR);
        CHECK_STATUS(pjshim_rx_data_parse(bad_hdr[i], strlen(bad_hdr[i]), &rdata), PJSIP_EINVALIDHDR);
    }
    /* Required headers: needed on receive only. */
    CHECK_STATUS(pjshim_rx_data_parse(missing, strlen(missing), &rdata), PJSIP_EMISSINGHDR);
    CHECK(rdata == NULL);
    CHECK(tdata == NULL);
    CHECK_STATUS(pjshim_tx_data_parse(missing, strlen(missing), &tdata), PJ_SUCCESS);
    CHECK_STATUS(pjsip_tx_data_dec_ref(tdata), PJSIP_EBUFDESTROYED);

    memset(huge, 'a', sizeof(huge));
    memcpy(huge, REGISTER, strlen(REGISTER));
    CHECK_STATUS(pjshim_rx_data_parse(huge, sizeof(huge), &rdata), PJSIP_EMSGTOOLONG);
    /* Embedded NUL: only len counts, and NUL is not allowed in a header. */
    CHECK_STATUS(pjshim_tx_data_parse("SIP/2.0 200 OK\r\nX: a\0b\r\n\r\n", 26, &tdata), PJSIP_EINVALIDHDR);
}

static void test_null_arguments(void)
{
    pjsip_tx_data *tdata = NULL;
    pjsip_rx_data *rdata = NULL;
    pjsip_rx_data *out_rx = NULL;
    pjsip_tx_data *out_tx = NULL;
    pj_str_t v;
    char buf[256];
    pj_size_t len = 0;

    CHECK_STATUS(pjshim_tx_data_parse(REGISTER, strlen(REGISTER), &tdata), PJ_SUCCESS);
    CHECK_STATUS(pjshim_rx_data_parse(REGISTER, strlen(REGISTER), &rdata), PJ_SUCCESS);

    CHECK_STATUS(pjsip_tx_data_add_ref(NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_tx_data_dec_ref(NULL), PJ_EINVAL);

    CHECK_STATUS(pjshim_tx_data_parse(NULL, 10, &out_tx), PJ_EINVAL);
    CHECK_STATUS(pjshim_tx_data_parse(REGISTER, strlen(REGISTER), NULL), PJ_EINVAL);
    CHECK_STATUS(pjshim_tx_data_parse(NULL, 0, &out_tx), PJSIP_EINVALIDMSG);
    CHECK_STATUS(pjshim_rx_data_parse(NULL, 10, &out_rx), PJ_EINVAL);
    CHECK_STATUS(pjshim_rx_data_parse(REGISTER, strlen(REGISTER), NULL), PJ_EINVAL);

    CHECK_STATUS(pjsip_rx_data_clone(NULL, 0, &out_rx), PJ_EINVAL);
    CHECK_STATUS(pjsip_rx_data_clone(rdata, 0, NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_rx_data_free_cloned(NULL), PJ_EINVAL);

    CHECK_STATUS(pjshim_tx_data_create_response(NULL, 200, NULL, &out_tx), PJ_EINVAL);
    CHECK_STATUS(pjshim_tx_data_create_response(rdata, 200, NULL, NULL), PJ_EINVAL);

    CHECK_STATUS(pjshim_tx_data_print(NULL, buf, sizeof(buf), &len), PJ_EINVAL);
    CHECK_STATUS(pjshim_tx_data_print(tdata, NULL, sizeof(buf), &len), PJ_EINVAL);
    CHECK_STATUS(pjshim_tx_data_print(tdata, buf, sizeof(buf), NULL), PJ_EINVAL);
    CHECK_STATUS(pjshim_rx_data_print(NULL, buf, sizeof(buf), &len), PJ_EINVAL);
    CHECK_STATUS(pjshim_rx_data_print(rdata, NULL, sizeof(buf), &len), PJ_EINVAL);
    CHECK_STATUS(pjshim_rx_data_print(rdata, buf, sizeof(buf), NULL), PJ_EINVAL);

    CHECK_STATUS(pjshim_tx_data_get_hdr(NULL, "Via", 0, &v), PJ_EINVAL);
    CHECK_STATUS(pjshim_tx_data_get_hdr(tdata, NULL, 0, &v), PJ_EINVAL);
    CHECK_STATUS(pjshim_tx_data_get_hdr(tdata, "Via", 0, NULL), PJ_EINVAL);
    CHECK_STATUS(pjshim_rx_data_get_hdr(NULL, "Via", 0, &v), PJ_EINVAL);
    CHECK_STATUS(pjshim_rx_data_get_hdr(rdata, NULL, 0, &v), PJ_EINVAL);
    CHECK_STATUS(pjshim_rx_data_get_hdr(rdata, "Via", 0, NULL), PJ_EINVAL);

    CHECK(pjshim_rx_data_get_status(NULL) == 0);
    CHECK(pjshim_tx_data_get_status(NULL) == 0);

    CHECK(out_tx == NULL && out_rx == NULL); /* never written on failure */

    CHECK_STATUS(pjsip_tx_data_dec_ref(tdata), PJSIP_EBUFDESTROYED);
    CHECK_STATUS(pjsip_rx_data_free_cloned(rdata), PJ_SUCCESS);
}

int main(void)
{
    test_tx_parse_and_headers();
    test_rx_parse_and_headers();
    test_print();
    test_branch_generated_when_missing();
    test_refcount();
    test_clone();
    test_create_response();
    test_malformed();
    test_null_arguments();
    TEST_DONE("messages");
}
