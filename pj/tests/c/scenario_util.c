/* scenario_util.c: the shared parts of the scenario programs (scenario.h). */
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

pjsip_endpoint *sc_endpt;
static pj_caching_pool cp;

static pj_str_t S(const char *s)
{
    return pj_str((char *)s);
}

void sc_setup_failed(const char *what, pj_status_t status)
{
    char msg[PJ_ERR_MSG_SIZE];
    pj_strerror(status, msg, sizeof(msg));
    printf("SETUP FAILED: %s: status %d (%s)\n", what, status, msg);
    fflush(stdout);
    exit(2);
}

void sc_init(const char *name, pj_size_t capacity)
{
    pj_status_t st;
    pj_log_set_level(sc_env_long("PJSHIM_SCENARIO_LOG", 1));
    if ((st = pj_init()) != PJ_SUCCESS)
        sc_setup_failed("pj_init", st);
    if ((st = pjlib_util_init()) != PJ_SUCCESS)
        sc_setup_failed("pjlib_util_init", st);
    pj_caching_pool_init(&cp, NULL, capacity);
    if ((st = pjsip_endpt_create(&cp.factory, name, &sc_endpt)) != PJ_SUCCESS)
        sc_setup_failed("pjsip_endpt_create", st);
}

void sc_shutdown(void)
{
    pjsip_endpt_destroy(sc_endpt);
    sc_endpt = NULL;
    pj_caching_pool_destroy(&cp);
    pj_shutdown();
}

pjsip_tx_data *sc_register_request(void)
{
    pj_str_t target = S("sip:example.test"), from = S("<sip:alice@example.test>");
    pj_str_t contact = S("<sip:alice@127.0.0.1:5070>"), call_id = S("scenario-1");
    pjsip_tx_data *tdata = NULL;
    pjsip_via_hdr *via;
    pj_status_t st = pjsip_endpt_create_request(sc_endpt, &pjsip_register_method, &target,
                                                &from, &from, &contact, &call_id, 1, NULL,
                                                &tdata);
    if (st != PJ_SUCCESS)
        sc_setup_failed("pjsip_endpt_create_request", st);
    via = pjsip_via_hdr_create(tdata->pool);
    via->transport = S("UDP");
    via->sent_by.host = S("127.0.0.1");
    via->sent_by.port = 5070;
    via->branch_param = S("z9hG4bK-scenario");
    pjsip_msg_insert_first_hdr(tdata->msg, (pjsip_hdr *)via);
    return tdata;
}

const char sc_401[] =
    "SIP/2.0 401 Unauthorized\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK-scenario\r\n"
    "From: <sip:alice@example.test>;tag=a\r\n"
    "To: <sip:alice@example.test>;tag=b\r\n"
    "Call-ID: scenario-1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "WWW-Authenticate: Digest realm=\"example.test\", nonce=\"n-scenario\", "
    "opaque=\"op\", algorithm=MD5, qop=\"auth\"\r\n"
    "Content-Length: 0\r\n\r\n";

pjsip_rx_data *sc_parse(pj_pool_t *pool, const char *text)
{
    pjsip_rx_data *rdata = PJ_POOL_ZALLOC_T(pool, pjsip_rx_data);
    char *buf = pj_pool_alloc(pool, strlen(text) + 1);
    strcpy(buf, text);
    rdata->tp_info.pool = pool;
    pj_list_init(&rdata->msg_info.parse_err);
    if (pjsip_parse_rdata(buf, strlen(buf), rdata) == NULL)
        sc_setup_failed("pjsip_parse_rdata", PJSIP_EINVALIDMSG);
    return rdata;
}

pj_status_t sc_set_alice(pjsip_auth_clt_sess *sess)
{
    pjsip_cred_info cred;
    pj_bzero(&cred, sizeof(cred));
    cred.realm = S("example.test");
    cred.scheme = S("digest");
    cred.username = S("alice");
    cred.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    cred.data = S("secret");
    return pjsip_auth_clt_set_credentials(sess, 1, &cred);
}

pj_status_t sc_send_impl(pjsip_auth_clt_sess *sess, void *user_data, pjsip_tx_data *tdata)
{
    sc_module *mod = user_data;
    char buf[2000];
    (void)sess;
    atomic_fetch_add(&mod->sends, 1);
    /* The work of a real module's send (a transport prints the request),
     * without sending anything. */
    return pjsip_msg_print(tdata->msg, buf, sizeof(buf)) > 0 ? PJ_SUCCESS : PJ_ETOOBIG;
}

void sc_abandon_impl(pjsip_auth_clt_sess *sess, void *user_data)
{
    sc_module *mod = user_data;
    (void)sess;
    atomic_fetch_add(&mod->abandons, 1);
}

void sc_token_prepare(pjsip_auth_clt_async_impl_token *tok, sc_module *mod,
                      pj_grp_lock_t *grp_lock)
{
    pj_bzero(tok, sizeof(*tok));
    tok->user_data = mod;
    tok->send_impl = &sc_send_impl;
    tok->abandon_impl = &sc_abandon_impl;
    tok->grp_lock = grp_lock;
    pj_grp_lock_add_ref(grp_lock);
}

pj_bool_t sc_keep_token(pjsip_auth_clt_sess *sess, void *token,
                        const pjsip_auth_clt_async_on_chal_param *param)
{
    sc_kept *kept = param->user_data;
    kept->sess = sess;
    atomic_store(&kept->token, token);
    atomic_fetch_add(&kept->calls, 1);
    return PJ_TRUE;
}

long sc_env_long(const char *name, long dflt)
{
    const char *v = getenv(name);
    char *end;
    long n;
    if (v == NULL || *v == 0)
        return dflt;
    n = strtol(v, &end, 10);
    return *end == 0 ? n : dflt;
}
