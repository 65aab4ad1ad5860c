/* msg_access.c: the drop-in's view of real PJSIP messages, and its edits,
 * checked with PJSIP itself.
 *
 * A REGISTER built by pjsip_endpt_create_request (with a Via, a body, an
 * empty Authorization for the challenged realm and one for another realm)
 * and a 401/407 parsed by pjsip_parse_rdata go through the glue's accessors
 * (pjshim_pj_describe prints what the Rust side reads), then through
 * pjshim_pj_selftest_answer (remove, add a typed header in the tdata pool,
 * prepare the retry, add a reference). The request is then printed by PJSIP,
 * parsed back, and verified by PJSIP's own server, pjsip_auth_srv_verify. */
#include <pjlib.h>
#include <pjlib-util.h>
#include <pjsip.h>
#include "pj_check.h"
#include <stdio.h>
#include <string.h>

extern pj_ssize_t pjshim_pj_describe(const pjsip_rx_data *rdata, pjsip_tx_data *tdata,
                                     char *buf, size_t size);
extern pj_status_t pjshim_pj_selftest_answer(const pjsip_rx_data *rdata, pjsip_tx_data *tdata,
                                             const char *username, const char *password);
extern int pjshim_pj_selfcheck(void);


static pjsip_endpoint *endpt;
static pj_caching_pool cp;
static const char *lookup_password = "secret";

static pjsip_tx_data *make_register(void)
{
    pj_str_t target = S("sip:example.test"), from = S("<sip:alice@example.test>");
    pj_str_t contact = S("<sip:alice@127.0.0.1:5070>"), call_id = S("c1");
    pjsip_tx_data *tdata = NULL;
    pjsip_via_hdr *via;
    pjsip_authorization_hdr *a;
    pj_str_t type = S("text"), subtype = S("plain"), text = S("hello body");
    if (pjsip_endpt_create_request(endpt, &pjsip_register_method, &target, &from, &from,
                                   &contact, &call_id, 1, NULL, &tdata) != PJ_SUCCESS)
        return NULL;
    via = pjsip_via_hdr_create(tdata->pool);
    via->transport = S("UDP");
    via->sent_by.host = S("127.0.0.1");
    via->sent_by.port = 5070;
    via->branch_param = S("z9hG4bK-first");
    pjsip_msg_insert_first_hdr(tdata->msg, (pjsip_hdr *)via);
    tdata->msg->body = pjsip_msg_body_create(tdata->pool, &type, &subtype, &text);
    /* An empty Authorization for the realm to be challenged (as
     * initial_auth sends) and a full one for another realm. */
    a = pjsip_authorization_hdr_create(tdata->pool);
    a->scheme = S("Digest");
    a->credential.digest.realm = S("example.test");
    a->credential.digest.username = S("alice");
    a->credential.digest.uri = S("sip:example.test");
    pjsip_msg_add_hdr(tdata->msg, (pjsip_hdr *)a);
    a = pjsip_authorization_hdr_create(tdata->pool);
    a->scheme = S("Digest");
    a->credential.digest.realm = S("other.test");
    a->credential.digest.username = S("bob");
    a->credential.digest.nonce = S("n-other");
    a->credential.digest.response = S("0123");
    pjsip_msg_add_hdr(tdata->msg, (pjsip_hdr *)a);
    return tdata;
}

static const char *const response_401 =
    "SIP/2.0 401 Unauthorized\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-first\r\n"
    "From: <sip:alice@example.test>;tag=a\r\n"
    "To: <sip:alice@example.test>;tag=b\r\n"
    "Call-ID: c1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "WWW-Authenticate: Bearer realm=\"tokens\"\r\n"
    "WWW-Authenticate: Digest realm=\"example.test\", domain=\"sip:example.test\", "
    "nonce=\"abc123\", opaque=\"op4\", algorithm=MD5, qop=\"auth,auth-int\", stale=FALSE\r\n"
    "Proxy-Authenticate: Digest realm=\"proxy.test\", nonce=\"n2\", algorithm=SHA-256, "
    "stale=true\r\n"
    "Content-Length: 0\r\n\r\n";

static const char *const response_407 =
    "SIP/2.0 407 Proxy Authentication Required\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-first\r\n"
    "From: <sip:alice@example.test>;tag=a\r\n"
    "To: <sip:alice@example.test>;tag=b\r\n"
    "Call-ID: c1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "Proxy-Authenticate: Digest realm=\"example.test\", nonce=\"n7\", algorithm=SHA-256\r\n"
    "Content-Length: 0\r\n\r\n";

static pj_status_t lookup(pj_pool_t *pool, const pj_str_t *realm, const pj_str_t *acc_name,
                          pjsip_cred_info *cred)
{
    (void)pool;
    if (pj_strcmp2(acc_name, "alice") != 0)
        return PJ_ENOTFOUND;
    pj_bzero(cred, sizeof(*cred));
    cred->realm = *realm;
    cred->username = *acc_name;
    cred->scheme = S("digest");
    cred->data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    cred->data = S(lookup_password);
    return PJ_SUCCESS;
}

/* Prints the request as PJSIP sends it, parses it back as a received
 * request and has PJSIP's server verify it. Returns the verify status. */
static pj_status_t verify(pj_pool_t *pool, pjsip_tx_data *tdata, pj_bool_t proxy, int *code)
{
    char buf[4000];
    int len = pjsip_msg_print(tdata->msg, buf, sizeof(buf) - 1);
    pjsip_rx_data *req;
    pjsip_auth_srv srv;
    pj_str_t realm = S("example.test");
    if (len <= 0)
        return PJ_ETOOBIG;
    buf[len] = 0;
    req = parse_rdata(pool, buf);
    if (req == NULL)
        return PJSIP_EINVALIDMSG;
    if (pjsip_auth_srv_init(pool, &srv, &realm, &lookup, proxy ? PJSIP_AUTH_SRV_IS_PROXY : 0) !=
        PJ_SUCCESS)
        return PJ_EBUG;
    return pjsip_auth_srv_verify(&srv, req, code);
}

static void check_401(pj_pool_t *pool)
{
    char text[4000];
    pjsip_tx_data *tdata = make_register();
    pjsip_rx_data *rdata = parse_rdata(pool, response_401);
    pjsip_via_hdr *via;
    int code = 0;
    long refs;
    EXPECT(tdata != NULL && rdata != NULL);
    if (!tdata || !rdata)
        return;

    EXPECT(pjshim_pj_describe(rdata, tdata, text, sizeof(text)) > 0);
    printf("%s", text);
    EXPECT(strcmp(text,
                  "status 401\n"
                  "challenge www scheme=Digest realm=example.test domain=sip:example.test "
                  "nonce=abc123 opaque=op4 algorithm=MD5 qop=auth,auth-int stale=0\n"
                  "challenge proxy scheme=Digest realm=proxy.test domain= nonce=n2 opaque= "
                  "algorithm=SHA-256 qop= stale=1\n"
                  "request method=REGISTER uri=sip:example.test body=hello body\n"
                  "authorization www scheme=Digest realm=example.test username=alice nonce= "
                  "uri=sip:example.test response= algorithm= cnonce= opaque= qop= nc=\n"
                  "authorization www scheme=Digest realm=other.test username=bob nonce=n-other "
                  "uri= response=0123 algorithm= cnonce= opaque= qop= nc=\n") == 0);

    refs = pj_atomic_get(tdata->ref_cnt);
    EXPECT(pjshim_pj_selftest_answer(rdata, tdata, "alice", "secret") == PJ_SUCCESS);
    EXPECT(pj_atomic_get(tdata->ref_cnt) == refs + 1);
    EXPECT(tdata->auth_retry == PJ_TRUE);
    via = (pjsip_via_hdr *)pjsip_msg_find_hdr(tdata->msg, PJSIP_H_VIA, NULL);
    EXPECT(via != NULL && via->branch_param.slen == 0);

    EXPECT(pjshim_pj_describe(NULL, tdata, text, sizeof(text)) > 0);
    printf("%s", text);
    /* The empty one is gone, the other realm's stays, ours is last. */
    EXPECT(strstr(text, "username=alice nonce= ") == NULL);
    EXPECT(strstr(text, "realm=other.test username=bob") != NULL);
    EXPECT(strstr(text, "authorization www scheme=Digest realm=example.test username=alice "
                        "nonce=abc123 uri=sip:example.test response=") != NULL);
    EXPECT(strstr(text, "algorithm=MD5 cnonce=") != NULL);
    EXPECT(strstr(text, "opaque=op4 qop=auth nc=00000001\n") != NULL);

    EXPECT(verify(pool, tdata, PJ_FALSE, &code) == PJ_SUCCESS);
    lookup_password = "wrong";
    EXPECT(verify(pool, tdata, PJ_FALSE, &code) == PJSIP_EAUTHINVALIDDIGEST);
    lookup_password = "secret";
    pjsip_tx_data_dec_ref(tdata);
    pjsip_tx_data_dec_ref(tdata);
}

static void check_407_sha256(pj_pool_t *pool)
{
    char text[4000];
    pjsip_tx_data *tdata = make_register();
    pjsip_rx_data *rdata = parse_rdata(pool, response_407);
    int code = 0;
    EXPECT(tdata != NULL && rdata != NULL);
    if (!tdata || !rdata)
        return;
    EXPECT(pjshim_pj_selftest_answer(rdata, tdata, "alice", "secret") == PJ_SUCCESS);
    EXPECT(pjshim_pj_describe(NULL, tdata, text, sizeof(text)) > 0);
    printf("%s", text);
    /* Both Authorization headers stay (they answer 401s), and a
     * Proxy-Authorization is added (no qop offered: RFC 2069 form). */
    EXPECT(strstr(text, "authorization www scheme=Digest realm=example.test username=alice "
                        "nonce= ") != NULL);
    EXPECT(strstr(text, "authorization proxy scheme=Digest realm=example.test username=alice "
                        "nonce=n7 uri=sip:example.test response=") != NULL);
    EXPECT(strstr(text, "algorithm=SHA-256 cnonce= opaque= qop= nc=\n") != NULL);
    EXPECT(verify(pool, tdata, PJ_TRUE, &code) == PJ_SUCCESS);
    pjsip_tx_data_dec_ref(tdata);
    pjsip_tx_data_dec_ref(tdata);
}

static void check_refusals(pj_pool_t *pool)
{
    pjsip_tx_data *tdata = make_register();
    pjsip_rx_data *req;
    pjsip_hdr *via;
    pjsip_rx_data *rdata = parse_rdata(pool, response_401);
    char small[8];
    /* A request where a response is expected, and the other way round. */
    req = parse_rdata(pool, "REGISTER sip:example.test SIP/2.0\r\n"
                      "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-x\r\n"
                      "From: <sip:a@example.test>;tag=a\r\nTo: <sip:a@example.test>\r\n"
                      "Call-ID: c2\r\nCSeq: 1 REGISTER\r\nContent-Length: 0\r\n\r\n");
    EXPECT(req != NULL);
    EXPECT(pjshim_pj_selftest_answer(req, tdata, "alice", "secret") == PJ_EINVAL);
    /* The buffer too small: the length needed comes back. */
    EXPECT(pjshim_pj_describe(rdata, NULL, small, sizeof(small)) > (pj_ssize_t)sizeof(small));
    /* No Via: the retry cannot be prepared (PJSIP would dereference NULL). */
    while ((via = (pjsip_hdr *)pjsip_msg_find_hdr(tdata->msg, PJSIP_H_VIA, NULL)) != NULL)
        pj_list_erase(via);
    EXPECT(pjshim_pj_selftest_answer(rdata, tdata, "alice", "secret") == PJSIP_EMISSINGHDR);
    pjsip_tx_data_dec_ref(tdata);
}

int main(void)
{
    pj_pool_t *pool;
    pj_log_set_level(1);
    if (pj_init() != PJ_SUCCESS || pjlib_util_init() != PJ_SUCCESS)
        return 2;
    pj_caching_pool_init(&cp, NULL, 0);
    if (pjsip_endpt_create(&cp.factory, "msg_access", &endpt) != PJ_SUCCESS)
        return 2;
    pool = pjsip_endpt_create_pool(endpt, "msg_access", 4000, 4000);
    EXPECT(pjshim_pj_selfcheck() == 1);
    check_401(pool);
    check_407_sha256(pool);
    check_refusals(pool);
    pjsip_endpt_release_pool(endpt, pool);
    pjsip_endpt_destroy(endpt);
    pj_caching_pool_destroy(&cp);
    pj_shutdown();
    printf("%s\n", failures ? "FAILED" : "done");
    return failures ? 1 : 0;
}
