/* Source compatibility with PJSIP programs: their include paths, their
 * idioms (callbacks declared with the function typedefs, the default pool
 * policy, pjlib macros), compiled with -Werror -pedantic. */
#include <pjlib.h>
#include <pjsip.h>
#include <pjsip_ua.h>
#include <pjsip/sip_auth.h>
#include "test_util.h"

/* Declared through the typedefs: only valid if they are function types. */
static pjsip_auth_clt_async_on_challenge my_on_challenge;
static pjsip_auth_clt_async_impl_send my_send;
static pjsip_auth_clt_async_impl_abandon my_abandon;

static pj_bool_t my_on_challenge(pjsip_auth_clt_sess *sess, void *token,
                                 const pjsip_auth_clt_async_on_chal_param *param)
{
    PJ_UNUSED_ARG(param);
    return pjsip_auth_clt_async_abandon(sess, token) == PJ_SUCCESS;
}

static pj_status_t my_send(pjsip_auth_clt_sess *sess, void *user_data, pjsip_tx_data *req)
{
    PJ_UNUSED_ARG(sess);
    PJ_UNUSED_ARG(user_data);
    return pjsip_tx_data_dec_ref(req) == PJSIP_EBUFDESTROYED ? PJ_SUCCESS : PJ_SUCCESS;
}

static int abandoned;
static void my_abandon(pjsip_auth_clt_sess *sess, void *user_data)
{
    PJ_UNUSED_ARG(sess);
    PJ_UNUSED_ARG(user_data);
    abandoned++;
}

static pj_status_t check_arg(int x)
{
    PJ_ASSERT_RETURN(x > 0, PJ_EINVAL);
    return PJ_SUCCESS;
}

int main(void)
{
    pj_caching_pool cp;
    pj_pool_t *pool;
    pjsip_auth_clt_sess sess;
    pjsip_auth_clt_async_setting opt;
    pjsip_auth_clt_async_impl_token impl;
    pjsip_auth_clt_async_on_chal_param prm;
    pjsip_auth_clt_async_on_challenge *cb = &my_on_challenge;
    pj_thread_desc desc;
    pj_thread_t *thread = NULL;
    char errmsg[PJ_ERR_MSG_SIZE];
    int numbers[5];
    struct { int a; char b; } *obj;
    static const char req[] = "OPTIONS sip:x@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx\r\n"
                              "From: <sip:y@127.0.0.1>;tag=1\r\nTo: <sip:x@127.0.0.1>\r\nCall-ID: c\r\n"
                              "CSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n";
    static const char resp[] = "SIP/2.0 407 Proxy Authentication Required\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bKx\r\n"
                               "From: <sip:y@127.0.0.1>;tag=1\r\nTo: <sip:x@127.0.0.1>;tag=2\r\nCall-ID: c\r\n"
                               "CSeq: 1 OPTIONS\r\nProxy-Authenticate: Digest realm=\"p\", nonce=\"n\"\r\n"
                               "Content-Length: 0\r\n\r\n";

    CHECK_STATUS(pj_init(), PJ_SUCCESS);
    memset(desc, 0, sizeof(desc));
    CHECK_STATUS(pj_thread_register("compat", desc, &thread), PJ_SUCCESS);
    CHECK(pj_thread_is_registered());
    pj_caching_pool_init(&cp, &pj_pool_factory_default_policy, 0);
    pool = pj_pool_create(&cp.factory, "compat", 512, 512, NULL);
    CHECK(pool != NULL);
    obj = PJ_POOL_ZALLOC_T(pool, __typeof__(*obj));
    CHECK(obj != NULL && obj->a == 0);
    CHECK(PJ_ARRAY_SIZE(numbers) == 5);
    CHECK_STATUS(check_arg(0), PJ_EINVAL);
    pj_bzero(numbers, sizeof(numbers));
    pj_ansi_snprintf(errmsg, sizeof(errmsg), "%d", 42);
    CHECK(strcmp(errmsg, "42") == 0);

    pj_bzero(&opt, sizeof(opt));
    opt.cb = cb;
    CHECK_STATUS(pjsip_auth_clt_init(&sess, NULL, pool, 0), PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_clt_async_configure(&sess, &opt), PJ_SUCCESS);
    pj_bzero(&impl, sizeof(impl));
    impl.send_impl = &my_send;
    impl.abandon_impl = &my_abandon;
    CHECK_STATUS(pjshim_tx_data_parse(req, sizeof(req) - 1, &prm.tdata), PJ_SUCCESS);
    {
        pjsip_rx_data *r = NULL;
        CHECK_STATUS(pjshim_rx_data_parse(resp, sizeof(resp) - 1, &r), PJ_SUCCESS);
        prm.rdata = r;
        prm.user_data = NULL;
        CHECK_STATUS(pjsip_auth_clt_async_impl_on_challenge(&sess, &impl, &prm), PJ_SUCCESS);
        CHECK(abandoned == 1);
        CHECK(pjshim_rx_data_get_status(r) == 407);
        pjsip_rx_data_free_cloned(r);
    }
    pj_strerror(PJSIP_EAUTHSTALECOUNT, errmsg, sizeof(errmsg));
    CHECK(errmsg[0] != '\0');
    CHECK_STATUS(pjsip_auth_clt_deinit(&sess), PJ_SUCCESS);
    pjsip_tx_data_dec_ref(prm.tdata);
    pj_pool_release(pool);
    pj_caching_pool_destroy(&cp);
    pj_shutdown();
    TEST_DONE("pjsip_compat");
}
