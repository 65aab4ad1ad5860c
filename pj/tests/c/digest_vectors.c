/* digest_vectors.c: the stateless part of sip_auth.h's client side, through
 * the real pjproject headers: pjsip_auth_create_digest*, the algorithm table
 * and lookups, pjsip_cred_info_dup/_cmp, pjsip_auth_clt_pref_dup.
 *
 * The same source is linked twice by tests/digest.rs: with our library ahead
 * of libpjsip, and with libpjsip alone (PJSIP's own sip_auth_client.o). It
 * exits non-zero if a published vector (RFC 2617 section 3.5, RFC 7616
 * section 3.9.1, the standalone tests' c-tests/digest.c) does not come out,
 * and prints one line per case (status, result->slen, result, the buffer's
 * other bytes) so that the test can require the two links to print the same.
 * Cases that make PJSIP assert (NULL arguments, a short HA1) run only with
 * PJSHIM_OURS. */
#include <pjlib.h>
#include <pjsip.h>
#include "pj_check.h"
#include <stdio.h>
#include <string.h>

extern const pjsip_auth_algorithm pjsip_auth_algorithms[];
#ifdef PJSHIM_OURS
extern int pjshim_pj_selfcheck(void);
#endif


static pjsip_cred_info cred_of(const char *user, int data_type, const char *data, int alg)
{
    pjsip_cred_info c;
    pj_bzero(&c, sizeof(c));
    c.realm = S("*");
    c.scheme = S("digest");
    c.username = S(user);
    c.data_type = data_type;
    c.data = S(data);
    c.algorithm_type = (pjsip_auth_algorithm_type)alg;
    return c;
}

/* One call; prints "name: status slen result|buffer". The buffer starts as
 * 'x' bytes so that zeroing and partial writes show. */
static pj_status_t run(const char *name, int which, pj_ssize_t cap, const char *nonce,
                       const char *nc, const char *cnonce, const char *qop, const char *uri,
                       const char *realm, const pjsip_cred_info *cred, const char *method,
                       int alg, char out[65])
{
    char buf[80];
    pj_str_t result, s_nonce, s_nc, s_cnonce, s_qop, s_uri, s_realm, s_method;
    pj_status_t st;
    int i;
    memset(buf, 'x', sizeof(buf));
    result.ptr = buf;
    result.slen = cap;
    s_nonce = S(nonce);
    s_nc = nc ? S(nc) : S("");
    s_cnonce = cnonce ? S(cnonce) : S("");
    s_qop = qop ? S(qop) : S("");
    s_uri = S(uri);
    s_realm = S(realm);
    s_method = S(method);
    if (which == 0)
        st = pjsip_auth_create_digest2(&result, &s_nonce, nc ? &s_nc : NULL,
                                       cnonce ? &s_cnonce : NULL, qop ? &s_qop : NULL, &s_uri,
                                       &s_realm, cred, &s_method,
                                       (pjsip_auth_algorithm_type)alg);
    else if (which == 1)
        st = pjsip_auth_create_digest(&result, &s_nonce, nc ? &s_nc : NULL,
                                      cnonce ? &s_cnonce : NULL, qop ? &s_qop : NULL, &s_uri,
                                      &s_realm, cred, &s_method);
    else
        st = pjsip_auth_create_digestSHA256(&result, &s_nonce, nc ? &s_nc : NULL,
                                            cnonce ? &s_cnonce : NULL, qop ? &s_qop : NULL,
                                            &s_uri, &s_realm, cred, &s_method);
    printf("%s: status=%d slen=%ld buf=", name, st, (long)result.slen);
    for (i = 0; i < 70; i++)
        putchar(buf[i] == 0 ? '.' : buf[i]);
    putchar('\n');
    if (out) {
        int n = result.slen > 0 && result.slen <= 64 ? (int)result.slen : 0;
        memcpy(out, buf, (size_t)n);
        out[n] = 0;
    }
    return st;
}

#define N7616 "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"
#define C7616 "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
#define N2617 "dcd98b7102dd2f0e8b11d0f600bfb0c093"

static void vectors(void)
{
    char out[65];
    pjsip_cred_info c7616 = cred_of("Mufasa", PJSIP_CRED_DATA_PLAIN_PASSWD, "Circle of Life", 0);
    pjsip_cred_info c2617 = cred_of("Mufasa", PJSIP_CRED_DATA_PLAIN_PASSWD, "Circle Of Life", 0);
    pjsip_cred_info ha1 =
        cred_of("Mufasa", PJSIP_CRED_DATA_DIGEST, "939e7578ed9e3c518a452acee763bce9", 0);

    EXPECT(run("7616-md5", 0, 64, N7616, "00000001", C7616, "auth", "/dir/index.html",
               "http-auth@example.org", &c7616, "GET", PJSIP_AUTH_ALGORITHM_MD5, out) == 0);
    EXPECT(strcmp(out, "8ca523f5e9506fed4657c9700eebdbec") == 0);
    EXPECT(run("7616-md5-legacy", 1, 32, N7616, "00000001", C7616, "auth", "/dir/index.html",
               "http-auth@example.org", &c7616, "GET", 0, out) == 0);
    EXPECT(strcmp(out, "8ca523f5e9506fed4657c9700eebdbec") == 0);
    EXPECT(run("7616-sha256", 0, 64, N7616, "00000001", C7616, "auth", "/dir/index.html",
               "http-auth@example.org", &c7616, "GET", PJSIP_AUTH_ALGORITHM_SHA256, out) == 0);
    EXPECT(strcmp(out, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1") == 0);
    EXPECT(run("7616-sha256-legacy", 2, 64, N7616, "00000001", C7616, "auth",
               "/dir/index.html", "http-auth@example.org", &c7616, "GET", 0, out) == 0);
    EXPECT(strcmp(out, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1") == 0);
    /* SHA-512/256 over the RFC 7616 inputs: the value of c-tests/digest.c. */
    EXPECT(run("7616-sha512-256", 0, 64, N7616, "00000001", C7616, "auth", "/dir/index.html",
               "http-auth@example.org", &c7616, "GET", PJSIP_AUTH_ALGORITHM_SHA512_256,
               out) == 0);
    EXPECT(strcmp(out, "430d05014cecc49cab6fbe03176d41a1da86cbfe24a16580e22aaad928d960d0") == 0);
    EXPECT(run("2617", 1, 32, N2617, "00000001", "0a4f113b", "auth", "/dir/index.html",
               "testrealm@host.com", &c2617, "GET", 0, out) == 0);
    EXPECT(strcmp(out, "6629fae49393a05397450978507c4ef1") == 0);
    /* The same with the HA1 given (MD5("Mufasa:testrealm@host.com:Circle Of Life")). */
    EXPECT(run("2617-ha1", 0, 32, N2617, "00000001", "0a4f113b", "auth", "/dir/index.html",
               "testrealm@host.com", &ha1, "GET", PJSIP_AUTH_ALGORITHM_MD5, out) == 0);
    EXPECT(strcmp(out, "6629fae49393a05397450978507c4ef1") == 0);
}

/* Everything else: printed, compared between the two links. */
static void edges(void)
{
    pjsip_cred_info pw = cred_of("alice", PJSIP_CRED_DATA_PLAIN_PASSWD, "secret", 0);
    pjsip_cred_info ha1_upper =
        cred_of("Mufasa", PJSIP_CRED_DATA_DIGEST, "939E7578ED9E3C518A452ACEE763BCE9", 0);
    pjsip_cred_info ha1_long = cred_of(
        "Mufasa", PJSIP_CRED_DATA_DIGEST, "939e7578ed9e3c518a452acee763bce9-and-more", 1);
    pjsip_cred_info ha1_sha = cred_of(
        "u", PJSIP_CRED_DATA_DIGEST,
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", 2);
    pjsip_cred_info aka = cred_of("u", PJSIP_CRED_DATA_EXT_AKA, "pw", 0);
    pjsip_cred_info aka_digest = cred_of("u", PJSIP_CRED_DATA_EXT_AKA | PJSIP_CRED_DATA_DIGEST,
                                         "939e7578ed9e3c518a452acee763bce9", 0);
    pjsip_cred_info bad_type = cred_of("u", 2, "pw", 0);
    int alg;
    char name[32];

    run("rfc2069", 0, 64, "n0nce", NULL, NULL, NULL, "sip:r", "realm", &pw, "REGISTER", 1, NULL);
    run("qop-empty", 0, 64, "n0nce", "1", "c", "", "sip:r", "realm", &pw, "REGISTER", 1, NULL);
    run("qop-auth-int", 0, 64, "n0nce", "00000001", "c", "auth-int", "sip:r", "realm", &pw,
        "INVITE", 1, NULL);
    run("qop-odd", 0, 64, "n0nce", "1", "c", "auth,auth-int", "sip:r", "realm", &pw, "INVITE",
        2, NULL);
    run("qop-no-nc", 0, 64, "n0nce", NULL, "c", "auth", "sip:r", "realm", &pw, "INVITE", 1, NULL);
    run("qop-no-cnonce", 0, 64, "n0nce", "1", NULL, "auth", "sip:r", "realm", &pw, "INVITE", 1,
        NULL);
    run("qop-empty-no-nc", 0, 64, "n0nce", NULL, NULL, "", "sip:r", "realm", &pw, "INVITE", 1,
        NULL);
    run("nc-without-qop", 0, 64, "n0nce", "1", "c", NULL, "sip:r", "realm", &pw, "INVITE", 1,
        NULL);
    run("empty-nonce", 0, 64, "", NULL, NULL, NULL, "", "", &pw, "", 1, NULL);
    run("cap-31", 0, 31, "n", NULL, NULL, NULL, "u", "r", &pw, "M", 1, NULL);
    run("cap-32", 0, 32, "n", NULL, NULL, NULL, "u", "r", &pw, "M", 1, NULL);
    run("cap-0", 0, 0, "n", NULL, NULL, NULL, "u", "r", &pw, "M", 1, NULL);
    run("cap-63-sha", 0, 63, "n", NULL, NULL, NULL, "u", "r", &pw, "M", 2, NULL);
    run("cap-31-legacy", 1, 31, "n", NULL, NULL, NULL, "u", "r", &pw, "M", 0, NULL);
    for (alg = -1; alg <= 8; alg++) {
        snprintf(name, sizeof(name), "alg-%d", alg);
        run(name, 0, 64, "n", NULL, NULL, NULL, "u", "r", &pw, "M", alg, NULL);
    }
    run("ha1-upper", 0, 64, N2617, "00000001", "0a4f113b", "auth", "/dir/index.html",
        "testrealm@host.com", &ha1_upper, "GET", 1, NULL);
    run("ha1-longer", 0, 64, "n", NULL, NULL, NULL, "u", "r", &ha1_long, "M", 1, NULL);
    run("ha1-md5-for-sha", 0, 64, "n", NULL, NULL, NULL, "u", "r", &ha1_long, "M", 2, NULL);
    run("ha1-sha", 0, 64, "n", NULL, NULL, NULL, "u", "r", &ha1_sha, "M", 2, NULL);
    run("ha1-sha-for-md5", 0, 64, "n", NULL, NULL, NULL, "u", "r", &ha1_sha, "M", 1, NULL);
    run("ha1-notset-for-sha", 0, 64, "n", NULL, NULL, NULL, "u", "r", &ha1_upper, "M", 1, NULL);
    run("aka-digest2", 0, 64, "n", NULL, NULL, NULL, "u", "r", &aka, "M", 1, NULL);
    run("aka-digest-digest2", 0, 64, "n", NULL, NULL, NULL, "u", "r", &aka_digest, "M", 1, NULL);
    run("bad-data-type", 0, 64, "n", NULL, NULL, NULL, "u", "r", &bad_type, "M", 1, NULL);
    run("aka-type-alg", 0, 64, "n", NULL, NULL, NULL, "u", "r", &pw, "M",
        PJSIP_AUTH_ALGORITHM_AKAV1_MD5, NULL);
}

static void algorithms(void)
{
    int i;
    static const char *const names[] = {"",           "MD5",        "md5",     "SHA-256",
                                        "sha-256",    "SHA-512-256", "AKAv1-MD5", "akav2-md5",
                                        "SHA-256-sess", "MD5-sess",  "SHA256",   "MD5 ",
                                        "bogus"};
    for (i = 0; i <= PJSIP_AUTH_ALGORITHM_COUNT; i++) {
        const pjsip_auth_algorithm *a = &pjsip_auth_algorithms[i];
        printf("table[%d]: type=%d iana=%.*s openssl=%s len=%u strlen=%u\n", i,
               (int)a->algorithm_type, (int)a->iana_name.slen, a->iana_name.ptr,
               a->openssl_name, a->digest_length, a->digest_str_length);
    }
    for (i = -1; i <= 8; i++) {
        const pjsip_auth_algorithm *a =
            pjsip_auth_get_algorithm_by_type((pjsip_auth_algorithm_type)i);
        printf("by_type(%d) = %d supported=%d\n", i, a ? (int)(a - pjsip_auth_algorithms) : -1,
               pjsip_auth_is_algorithm_supported((pjsip_auth_algorithm_type)i));
    }
    for (i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++) {
        pj_str_t n = S(names[i]);
        const pjsip_auth_algorithm *a = pjsip_auth_get_algorithm_by_iana_name(&n);
        printf("by_iana_name(\"%s\") = %d\n", names[i],
               a ? (int)(a - pjsip_auth_algorithms) : -1);
    }
    EXPECT(pjsip_auth_get_algorithm_by_iana_name(NULL) == NULL);
    for (i = 1; i < PJSIP_AUTH_ALGORITHM_COUNT; i++)
        EXPECT(pjsip_auth_get_algorithm_by_iana_name(&pjsip_auth_algorithms[i].iana_name) ==
               &pjsip_auth_algorithms[i]);
}

static int sign(int v)
{
    return v < 0 ? -1 : v > 0;
}

static void creds(pj_pool_t *pool)
{
    pjsip_cred_info a = cred_of("alice", PJSIP_CRED_DATA_PLAIN_PASSWD, "secret", 0), b, d;
    pjsip_auth_clt_pref p, q;

#define CMP(label, mod)                                                                  \
    do {                                                                                 \
        b = a;                                                                           \
        mod;                                                                             \
        printf("cmp %s: %d %d\n", label, sign(pjsip_cred_info_cmp(&a, &b)),              \
               sign(pjsip_cred_info_cmp(&b, &a)));                                       \
    } while (0)
    CMP("same", (void)0);
    CMP("realm", b.realm = S("example.org"));
    CMP("realm-prefix", b.realm = S("**"));
    CMP("realm-empty", b.realm = S(""));
    CMP("scheme-case", b.scheme = S("Digest"));
    CMP("username", b.username = S("alicf"));
    CMP("data", b.data = S("secreT"));
    CMP("data-type", b.data_type = PJSIP_CRED_DATA_DIGEST);
    CMP("algorithm", b.algorithm_type = PJSIP_AUTH_ALGORITHM_SHA256);
    CMP("ext-ignored", b.ext.aka.k = S("k"));
    a.data_type = PJSIP_CRED_DATA_EXT_AKA;
    a.ext.aka.k = S("k1");
    a.ext.aka.op = S("op");
    a.ext.aka.amf = S("am");
    CMP("aka-same", (void)0);
    CMP("aka-k", b.ext.aka.k = S("k2"));
    CMP("aka-op", b.ext.aka.op = S(""));
    CMP("aka-amf", b.ext.aka.amf = S("amf"));
#undef CMP

    /* dup: every string copied into the pool, NUL-terminated; AKA keys too. */
    pjsip_cred_info_dup(pool, &d, &a);
    printf("dup: cmp=%d\n", pjsip_cred_info_cmp(&d, &a));
    EXPECT(pjsip_cred_info_cmp(&d, &a) == 0);
    EXPECT(d.realm.ptr != a.realm.ptr && d.realm.ptr[d.realm.slen] == 0);
    EXPECT(d.username.ptr != a.username.ptr && d.username.ptr[d.username.slen] == 0);
    EXPECT(d.data.ptr != a.data.ptr && d.data.ptr[d.data.slen] == 0);
    EXPECT(d.scheme.ptr != a.scheme.ptr && d.scheme.ptr[d.scheme.slen] == 0);
    EXPECT(d.ext.aka.k.ptr != a.ext.aka.k.ptr && d.ext.aka.k.slen == 2);
    EXPECT(d.ext.aka.amf.ptr != a.ext.aka.amf.ptr);
    a.realm = S("");
    a.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    a.ext.aka.k = S("kept as is");
    pjsip_cred_info_dup(pool, &d, &a);
    printf("dup-empty: slen=%ld nul=%d cmp=%d ext-shared=%d\n", (long)d.realm.slen,
           d.realm.ptr != NULL && d.realm.ptr[0] == 0, pjsip_cred_info_cmp(&d, &a),
           d.ext.aka.k.ptr == a.ext.aka.k.ptr);

    pj_bzero(&p, sizeof(p));
    p.initial_auth = PJ_TRUE;
    p.algorithm = S("SHA-256");
    pjsip_auth_clt_pref_dup(pool, &q, &p);
    printf("pref_dup: initial=%d alg=%.*s copied=%d nul=%d\n", q.initial_auth,
           (int)q.algorithm.slen, q.algorithm.ptr, q.algorithm.ptr != p.algorithm.ptr,
           q.algorithm.ptr[q.algorithm.slen] == 0);
    EXPECT(q.initial_auth == PJ_TRUE && pj_strcmp(&q.algorithm, &p.algorithm) == 0);
}

#ifdef PJSHIM_OURS
/* Where PJSIP asserts (and aborts in a debug build), ours returns. */
static void ours_only(void)
{
    pjsip_cred_info pw = cred_of("alice", PJSIP_CRED_DATA_PLAIN_PASSWD, "secret", 0);
    pjsip_cred_info short_ha1 = cred_of("u", PJSIP_CRED_DATA_DIGEST, "939e7578", 0);
    pjsip_cred_info aka = cred_of("u", PJSIP_CRED_DATA_EXT_AKA, "pw", 0);
    pj_str_t s = S("x"), r;
    char buf[64];
    r.ptr = buf;
    r.slen = sizeof(buf);
    EXPECT(pjshim_pj_selfcheck() == 1);
    EXPECT(pjsip_auth_create_digest2(NULL, &s, NULL, NULL, NULL, &s, &s, &pw, &s, 1) ==
           PJ_EINVAL);
    EXPECT(pjsip_auth_create_digest2(&r, NULL, NULL, NULL, NULL, &s, &s, &pw, &s, 1) ==
           PJ_EINVAL);
    EXPECT(pjsip_auth_create_digest2(&r, &s, NULL, NULL, NULL, NULL, &s, &pw, &s, 1) ==
           PJ_EINVAL);
    EXPECT(pjsip_auth_create_digest2(&r, &s, NULL, NULL, NULL, &s, NULL, &pw, &s, 1) ==
           PJ_EINVAL);
    EXPECT(pjsip_auth_create_digest2(&r, &s, NULL, NULL, NULL, &s, &s, NULL, &s, 1) ==
           PJ_EINVAL);
    EXPECT(pjsip_auth_create_digest2(&r, &s, NULL, NULL, NULL, &s, &s, &pw, NULL, 1) ==
           PJ_EINVAL);
    EXPECT(pjsip_auth_create_digest(&r, &s, NULL, NULL, NULL, &s, &s, NULL, &s) == PJ_EINVAL);
    EXPECT(pjsip_auth_create_digest(&r, &s, NULL, NULL, NULL, &s, &s, &short_ha1, &s) ==
           PJ_EINVAL);
    /* PJSIP refuses AKA in the legacy calls (they would treat it as a password). */
    EXPECT(pjsip_auth_create_digest(&r, &s, NULL, NULL, NULL, &s, &s, &aka, &s) == PJ_EINVAL);
    EXPECT(pjsip_auth_create_digestSHA256(&r, &s, NULL, NULL, NULL, &s, &s, &aka, &s) ==
           PJ_EINVAL);
    s.slen = -1;
    EXPECT(pjsip_auth_create_digest(&r, &s, NULL, NULL, NULL, &s, &s, &pw, &s) == PJ_EINVAL);
    EXPECT(pjsip_cred_info_cmp(NULL, NULL) == 0);
}
#endif

int main(void)
{
    pj_caching_pool cp;
    pj_pool_t *pool;
    pj_log_set_level(0);
    if (pj_init() != PJ_SUCCESS)
        return 2;
    pj_caching_pool_init(&cp, NULL, 0);
    pool = pj_pool_create(&cp.factory, "digest_vectors", 1000, 1000, NULL);
    vectors();
    edges();
    algorithms();
    creds(pool);
#ifdef PJSHIM_OURS
    ours_only();
#endif
    pj_pool_release(pool);
    pj_caching_pool_destroy(&cp);
    pj_shutdown();
    printf("%s\n", failures ? "FAILED" : "done");
    return failures ? 1 : 0;
}
