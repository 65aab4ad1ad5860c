/* The struct layouts C sees must be the ones Rust uses (same numbers as
 * src/ffi/auth_types.rs's layout test), and status codes keep their values. */
#include <stddef.h>
#include "pjsip_auth_shim.h"
#include "test_util.h"

int main(void)
{
    CHECK(sizeof(pj_str_t) == 16);
    CHECK(sizeof(pjsip_cred_info) == 136);
    CHECK(offsetof(pjsip_cred_info, data_type) == 48);
    CHECK(offsetof(pjsip_cred_info, algorithm_type) == 72);
    CHECK(offsetof(pjsip_cred_info, ext) == 80);
    CHECK(sizeof(pjsip_auth_clt_pref) == 24);
    CHECK(sizeof(pjsip_auth_algorithm) == 40);
    CHECK(sizeof(pjsip_auth_clt_async_setting) == 16);
    CHECK(sizeof(pjsip_auth_srv) == 40);
    CHECK(sizeof(pjsip_auth_srv_init_param) == 24);
    CHECK(sizeof(pjsip_auth_lookup_cred_param) == 40);
    CHECK(sizeof(pjsip_auth_clt_async_impl_token) == 40);
    CHECK(offsetof(pjsip_auth_clt_async_impl_token, signature) == 32);
    CHECK(sizeof(pjsip_auth_clt_sess) == 64);
    CHECK(PJSIP_AUTH_ALGORITHM_SHA512_256 == 3);
    CHECK(PJSIP_CRED_DATA_EXT_AKA == 16);
    CHECK(PJ_EINVAL == 70004 && PJSIP_EAUTHNOCHAL == 171114);

    char buf[PJ_ERR_MSG_SIZE];
    CHECK_STATUS(pj_strerror(PJ_EINVAL, buf, sizeof(buf)), PJ_SUCCESS);
    CHECK(buf[0] != 0);
    CHECK_STATUS(pj_strerror(PJ_EINVAL, NULL, 10), PJ_EINVAL);
    CHECK_STATUS(pj_strerror(12345, buf, 8), PJ_SUCCESS);
    CHECK(buf[7] == 0);
    TEST_DONE("layout");
}
