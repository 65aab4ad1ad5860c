/* pjsip_auth_create_digest* and the algorithm table, used from C as a PJSIP
 * program would: RFC 7616 §3.9.1 and RFC 2617 §3.5 vectors, lookups,
 * NULL arguments, the pre-hashed HA1 path and its algorithm check. */
#include "pjsip_auth_shim.h"
#include "test_util.h"

static pj_str_t S(const char *s)
{
    pj_str_t r;
    r.ptr = (char *)s;
    r.slen = (pj_ssize_t)strlen(s);
    return r;
}

static int str_eq(const pj_str_t *a, const char *b)
{
    return a->slen == (pj_ssize_t)strlen(b) && memcmp(a->ptr, b, (size_t)a->slen) == 0;
}

static pjsip_cred_info password_cred(const char *user, const char *pass)
{
    pjsip_cred_info c;
    memset(&c, 0, sizeof(c));
    c.realm = S("*");
    c.scheme = S("digest");
    c.username = S(user);
    c.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    c.data = S(pass);
    return c;
}

#define NONCE_7616 "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define CNONCE_7616 "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"

static void rfc7616(void)
{
    pjsip_cred_info cred = password_cred("Mufasa", "Circle of Life");
    pj_str_t nonce = S(NONCE_7616), nc = S("00000001"), cnonce = S(CNONCE_7616);
    pj_str_t qop = S("auth"), uri = S("/dir/index.html"), realm = S("http-auth@example.org");
    pj_str_t method = S("GET");
    char buf[64];
    pj_str_t result;

    result.ptr = buf;
    result.slen = 0;
    CHECK_STATUS(pjsip_auth_create_digest2(&result, &nonce, &nc, &cnonce, &qop, &uri, &realm,
                                           &cred, &method, PJSIP_AUTH_ALGORITHM_MD5),
                 PJ_SUCCESS);
    CHECK(str_eq(&result, "8ca523f5e9506fed4657c9700eebdbec"));

    result.slen = 0;
    CHECK_STATUS(pjsip_auth_create_digest(&result, &nonce, &nc, &cnonce, &qop, &uri, &realm,
                                          &cred, &method),
                 PJ_SUCCESS);
    CHECK(str_eq(&result, "8ca523f5e9506fed4657c9700eebdbec"));

    result.slen = 0;
    CHECK_STATUS(pjsip_auth_create_digest2(&result, &nonce, &nc, &cnonce, &qop, &uri, &realm,
                                           &cred, &method, PJSIP_AUTH_ALGORITHM_SHA256),
                 PJ_SUCCESS);
    CHECK(str_eq(&result, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"));

    result.slen = 0;
    CHECK_STATUS(pjsip_auth_create_digestSHA256(&result, &nonce, &nc, &cnonce, &qop, &uri,
                                                &realm, &cred, &method),
                 PJ_SUCCESS);
    CHECK(str_eq(&result, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"));

    result.slen = 0;
    CHECK_STATUS(pjsip_auth_create_digest2(&result, &nonce, &nc, &cnonce, &qop, &uri, &realm,
                                           &cred, &method, PJSIP_AUTH_ALGORITHM_SHA512_256),
                 PJ_SUCCESS);
    CHECK(str_eq(&result, "430d05014cecc49cab6fbe03176d41a1da86cbfe24a16580e22aaad928d960d0"));
}

static void rfc2617(void)
{
    pjsip_cred_info cred = password_cred("Mufasa", "Circle Of Life");
    pj_str_t nonce = S("dcd98b7102dd2f0e8b11d0f600bfb0c093"), nc = S("00000001");
    pj_str_t cnonce = S("0a4f113b"), qop = S("auth"), uri = S("/dir/index.html");
    pj_str_t realm = S("testrealm@host.com"), method = S("GET");
    char buf[32];
    pj_str_t result;
    result.ptr = buf;
    result.slen = 0;
    CHECK_STATUS(pjsip_auth_create_digest(&result, &nonce, &nc, &cnonce, &qop, &uri, &realm,
                                          &cred, &method),
                 PJ_SUCCESS);
    CHECK(str_eq(&result, "6629fae49393a05397450978507c4ef1"));
}

static void ha1_credential(void)
{
    /* MD5("Mufasa:testrealm@host.com:Circle Of Life"), RFC 2617 §3.5. */
    pjsip_cred_info cred = password_cred("Mufasa", "939e7578ED9e3c518a452acee763bce9");
    pj_str_t nonce = S("dcd98b7102dd2f0e8b11d0f600bfb0c093"), nc = S("00000001");
    pj_str_t cnonce = S("0a4f113b"), qop = S("auth"), uri = S("/dir/index.html");
    pj_str_t realm = S("testrealm@host.com"), method = S("GET");
    char buf[64];
    pj_str_t result;
    cred.data_type = PJSIP_CRED_DATA_DIGEST;
    cred.algorithm_type = PJSIP_AUTH_ALGORITHM_NOT_SET; /* means MD5 */
    result.ptr = buf;
    result.slen = 0;
    CHECK_STATUS(pjsip_auth_create_digest(&result, &nonce, &nc, &cnonce, &qop, &uri, &realm,
                                          &cred, &method),
                 PJ_SUCCESS);
    CHECK(str_eq(&result, "6629fae49393a05397450978507c4ef1"));

    cred.algorithm_type = PJSIP_AUTH_ALGORITHM_MD5;
    CHECK_STATUS(pjsip_auth_create_digest(&result, &nonce, &nc, &cnonce, &qop, &uri, &realm,
                                          &cred, &method),
                 PJ_SUCCESS);

    /* An MD5 HA1 cannot answer SHA-256; nothing is written on error. */
    result.slen = 7;
    CHECK_STATUS(pjsip_auth_create_digest2(&result, &nonce, &nc, &cnonce, &qop, &uri, &realm,
                                           &cred, &method, PJSIP_AUTH_ALGORITHM_SHA256),
                 PJSIP_EINVALIDALGORITHM);
    CHECK(result.slen == 7);
    cred.algorithm_type = PJSIP_AUTH_ALGORITHM_SHA256;
    CHECK_STATUS(pjsip_auth_create_digest(&result, &nonce, &nc, &cnonce, &qop, &uri, &realm,
                                          &cred, &method),
                 PJSIP_EINVALIDALGORITHM);

    /* Not hex of the right length. */
    cred.algorithm_type = PJSIP_AUTH_ALGORITHM_MD5;
    cred.data = S("939e7578");
    CHECK_STATUS(pjsip_auth_create_digest(&result, &nonce, &nc, &cnonce, &qop, &uri, &realm,
                                          &cred, &method),
                 PJ_EINVAL);
    cred.data_type = 7;
    CHECK_STATUS(pjsip_auth_create_digest(&result, &nonce, &nc, &cnonce, &qop, &uri, &realm,
                                          &cred, &method),
                 PJ_EINVAL);
    CHECK(result.slen == 7);
}

static void no_qop_and_bad_qop(void)
{
    /* RFC 2069 form: H(HA1:nonce:HA2); nc and cnonce may be NULL. With
     * HA1 = 939e7578ed9e3c518a452acee763bce9 and HA2 = MD5("GET:/dir/index.html")
     * = 39aff3a2bab6126f332b942af96d3366 this is MD5 of
     * "939e...:dcd98b7102dd2f0e8b11d0f600bfb0c093:39aff3a2...". */
    pjsip_cred_info cred = password_cred("Mufasa", "Circle Of Life");
    pj_str_t nonce = S("dcd98b7102dd2f0e8b11d0f600bfb0c093"), empty = S("");
    pj_str_t uri = S("/dir/index.html"), realm = S("testrealm@host.com"), method = S("GET");
    pj_str_t conf = S("auth-conf");
    char buf1[32], buf2[32];
    pj_str_t r1, r2;
    r1.ptr = buf1;
    r2.ptr = buf2;
    CHECK_STATUS(pjsip_auth_create_digest(&r1, &nonce, NULL, NULL, NULL, &uri, &realm, &cred,
                                          &method),
                 PJ_SUCCESS);
    CHECK_STATUS(pjsip_auth_create_digest(&r2, &nonce, NULL, NULL, &empty, &uri, &realm, &cred,
                                          &method),
                 PJ_SUCCESS);
    CHECK(r1.slen == 32 && r2.slen == 32 && memcmp(buf1, buf2, 32) == 0);
    CHECK(str_eq(&r1, "670fd8c2df070c60b045671b8b24ff02"));
    CHECK_STATUS(pjsip_auth_create_digest(&r1, &nonce, NULL, NULL, &conf, &uri, &realm, &cred,
                                          &method),
                 PJSIP_EINVALIDQOP);
}

static void null_args(void)
{
    pjsip_cred_info cred = password_cred("u", "p");
    pj_str_t s = S("x"), qop = S("auth"), bad;
    char buf[64];
    pj_str_t result, noptr;
    result.ptr = buf;
    noptr.ptr = NULL;
    noptr.slen = 0;
    bad.ptr = NULL;
    bad.slen = 3;
    CHECK_STATUS(pjsip_auth_create_digest2(NULL, &s, &s, &s, &qop, &s, &s, &cred, &s,
                                           PJSIP_AUTH_ALGORITHM_MD5),
                 PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_create_digest2(&noptr, &s, &s, &s, &qop, &s, &s, &cred, &s,
                                           PJSIP_AUTH_ALGORITHM_MD5),
                 PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_create_digest2(&result, NULL, &s, &s, &qop, &s, &s, &cred, &s,
                                           PJSIP_AUTH_ALGORITHM_MD5),
                 PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_create_digest2(&result, &s, NULL, &s, &qop, &s, &s, &cred, &s,
                                           PJSIP_AUTH_ALGORITHM_MD5),
                 PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_create_digest2(&result, &s, &s, NULL, &qop, &s, &s, &cred, &s,
                                           PJSIP_AUTH_ALGORITHM_MD5),
                 PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_create_digest2(&result, &s, &s, &s, &qop, NULL, &s, &cred, &s,
                                           PJSIP_AUTH_ALGORITHM_MD5),
                 PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_create_digest2(&result, &s, &s, &s, &qop, &s, NULL, &cred, &s,
                                           PJSIP_AUTH_ALGORITHM_MD5),
                 PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_create_digest2(&result, &s, &s, &s, &qop, &s, &s, NULL, &s,
                                           PJSIP_AUTH_ALGORITHM_MD5),
                 PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_create_digest2(&result, &s, &s, &s, &qop, &s, &s, &cred, NULL,
                                           PJSIP_AUTH_ALGORITHM_MD5),
                 PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_create_digest2(&result, &bad, &s, &s, &qop, &s, &s, &cred, &s,
                                           PJSIP_AUTH_ALGORITHM_MD5),
                 PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_create_digestSHA256(NULL, &s, &s, &s, &qop, &s, &s, &cred, &s),
                 PJ_EINVAL);
    CHECK_STATUS(pjsip_auth_create_digest(NULL, &s, &s, &s, &qop, &s, &s, &cred, &s),
                 PJ_EINVAL);
    /* Unsupported algorithms. */
    CHECK_STATUS(pjsip_auth_create_digest2(&result, &s, &s, &s, &qop, &s, &s, &cred, &s,
                                           PJSIP_AUTH_ALGORITHM_NOT_SET),
                 PJSIP_EINVALIDALGORITHM);
    CHECK_STATUS(pjsip_auth_create_digest2(&result, &s, &s, &s, &qop, &s, &s, &cred, &s,
                                           PJSIP_AUTH_ALGORITHM_AKAV1_MD5),
                 PJSIP_EINVALIDALGORITHM);
    CHECK_STATUS(pjsip_auth_create_digest2(&result, &s, &s, &s, &qop, &s, &s, &cred, &s,
                                           (pjsip_auth_algorithm_type)99),
                 PJSIP_EINVALIDALGORITHM);
}

static void lookups(void)
{
    const pjsip_auth_algorithm *a;
    pj_str_t name;

    a = pjsip_auth_get_algorithm_by_type(PJSIP_AUTH_ALGORITHM_MD5);
    CHECK(a != NULL && a->algorithm_type == PJSIP_AUTH_ALGORITHM_MD5);
    CHECK(a && str_eq(&a->iana_name, "MD5") && strcmp(a->openssl_name, "MD5") == 0);
    CHECK(a && a->digest_length == 16 && a->digest_str_length == 32);

    a = pjsip_auth_get_algorithm_by_type(PJSIP_AUTH_ALGORITHM_SHA256);
    CHECK(a && str_eq(&a->iana_name, "SHA-256") && strcmp(a->openssl_name, "SHA256") == 0);
    CHECK(a && a->digest_length == 32 && a->digest_str_length == 64);

    a = pjsip_auth_get_algorithm_by_type(PJSIP_AUTH_ALGORITHM_SHA512_256);
    CHECK(a && str_eq(&a->iana_name, "SHA-512-256"));
    CHECK(a && strcmp(a->openssl_name, "SHA512-256") == 0);
    CHECK(a && a->digest_length == 32 && a->digest_str_length == 64);

    a = pjsip_auth_get_algorithm_by_type(PJSIP_AUTH_ALGORITHM_AKAV1_MD5);
    CHECK(a && str_eq(&a->iana_name, "AKAv1-MD5"));
    a = pjsip_auth_get_algorithm_by_type(PJSIP_AUTH_ALGORITHM_AKAV2_MD5);
    CHECK(a && str_eq(&a->iana_name, "AKAv2-MD5"));

    CHECK(pjsip_auth_get_algorithm_by_type(PJSIP_AUTH_ALGORITHM_NOT_SET) == NULL);
    CHECK(pjsip_auth_get_algorithm_by_type(PJSIP_AUTH_ALGORITHM_COUNT) == NULL);
    CHECK(pjsip_auth_get_algorithm_by_type((pjsip_auth_algorithm_type)-1) == NULL);

    name = S("sha-512-256");
    a = pjsip_auth_get_algorithm_by_iana_name(&name);
    CHECK(a && a->algorithm_type == PJSIP_AUTH_ALGORITHM_SHA512_256);
    name = S("Md5");
    a = pjsip_auth_get_algorithm_by_iana_name(&name);
    CHECK(a && a->algorithm_type == PJSIP_AUTH_ALGORITHM_MD5);
    name = S("akav2-md5");
    a = pjsip_auth_get_algorithm_by_iana_name(&name);
    CHECK(a && a->algorithm_type == PJSIP_AUTH_ALGORITHM_AKAV2_MD5);
    name = S("SHA256");
    CHECK(pjsip_auth_get_algorithm_by_iana_name(&name) == NULL);
    name = S("");
    CHECK(pjsip_auth_get_algorithm_by_iana_name(&name) == NULL);
    CHECK(pjsip_auth_get_algorithm_by_iana_name(NULL) == NULL);

    CHECK(pjsip_auth_is_algorithm_supported(PJSIP_AUTH_ALGORITHM_MD5) == PJ_TRUE);
    CHECK(pjsip_auth_is_algorithm_supported(PJSIP_AUTH_ALGORITHM_SHA256) == PJ_TRUE);
    CHECK(pjsip_auth_is_algorithm_supported(PJSIP_AUTH_ALGORITHM_SHA512_256) == PJ_TRUE);
    CHECK(pjsip_auth_is_algorithm_supported(PJSIP_AUTH_ALGORITHM_NOT_SET) == PJ_FALSE);
    CHECK(pjsip_auth_is_algorithm_supported(PJSIP_AUTH_ALGORITHM_AKAV1_MD5) == PJ_FALSE);
    CHECK(pjsip_auth_is_algorithm_supported(PJSIP_AUTH_ALGORITHM_AKAV2_MD5) == PJ_FALSE);
    CHECK(pjsip_auth_is_algorithm_supported(PJSIP_AUTH_ALGORITHM_COUNT) == PJ_FALSE);
}

int main(void)
{
    rfc7616();
    rfc2617();
    ha1_credential();
    no_qop_and_bad_qop();
    null_args();
    lookups();
    TEST_DONE("digest");
}
