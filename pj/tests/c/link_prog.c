/* link_prog.c: a PJSIP program referencing the 23 symbols of
 * sip_auth_client.o, to show which client the linker takes.
 *
 * PJSHIM_ORDER selects how the program references them:
 *   0  all 23, in exports.txt order;
 *   1  all 23 in reverse order, after libpjsip-ua's users of them (regc,
 *      dialog, publish client), which themselves reference the 23;
 *   2  none of the 23 directly except pjsip_auth_create_digest2 (so ours is
 *      pulled in by that one reference, and regc's references must then
 *      resolve to it too);
 *   3  none of the 23 at all, only regc (the documented caveat: without
 *      -Wl,-u,pjsip_auth_clt_init the stock object is taken).
 * PJSHIM_SHARED: linked with the shared library (our symbols other than the
 * 23 are hidden there; dladdr shows where the functions come from).
 * Exit 0 when the digest vector matches and the table and functions agree. */
#define _GNU_SOURCE
#include <pjlib.h>
#include <pjsip.h>
#include <pjsip_ua.h>
#include <pjsip_simple.h>
#include <stdio.h>
#include <string.h>
#ifdef PJSHIM_SHARED
#include <dlfcn.h>
#endif

/* Defined by sip_auth_client.o (and by us), declared by no header. */
extern const pjsip_auth_algorithm pjsip_auth_algorithms[];
#if !defined(PJSHIM_SHARED) && PJSHIM_ORDER != 3
extern const char *pjshim_pj_version(void);
#endif

typedef void (*any_fn)(void);
#define FN(f) ((any_fn)(f))

/* External, so that the compiler must emit it and every reference in it. */
const any_fn link_prog_refs[] = {
#if PJSHIM_ORDER == 0
    FN(pjsip_auth_clt_async_abandon), FN(pjsip_auth_clt_async_configure),
    FN(pjsip_auth_clt_async_impl_on_challenge), FN(pjsip_auth_clt_async_send_req),
    FN(pjsip_auth_clt_clone), FN(pjsip_auth_clt_deinit), FN(pjsip_auth_clt_get_prefs),
    FN(pjsip_auth_clt_init), FN(pjsip_auth_clt_init_req), FN(pjsip_auth_clt_pref_dup),
    FN(pjsip_auth_clt_reinit_req), FN(pjsip_auth_clt_set_credentials),
    FN(pjsip_auth_clt_set_parent), FN(pjsip_auth_clt_set_prefs), FN(pjsip_auth_create_digest),
    FN(pjsip_auth_create_digest2), FN(pjsip_auth_create_digestSHA256),
    FN(pjsip_auth_get_algorithm_by_iana_name), FN(pjsip_auth_get_algorithm_by_type),
    FN(pjsip_auth_is_algorithm_supported), FN(pjsip_cred_info_cmp), FN(pjsip_cred_info_dup),
#elif PJSHIM_ORDER == 1
    FN(pjsip_regc_create), FN(pjsip_dlg_create_uac), FN(pjsip_publishc_create),
    FN(pjsip_cred_info_dup), FN(pjsip_cred_info_cmp), FN(pjsip_auth_is_algorithm_supported),
    FN(pjsip_auth_get_algorithm_by_type), FN(pjsip_auth_get_algorithm_by_iana_name),
    FN(pjsip_auth_create_digestSHA256), FN(pjsip_auth_create_digest2),
    FN(pjsip_auth_create_digest), FN(pjsip_auth_clt_set_prefs), FN(pjsip_auth_clt_set_parent),
    FN(pjsip_auth_clt_set_credentials), FN(pjsip_auth_clt_reinit_req),
    FN(pjsip_auth_clt_pref_dup), FN(pjsip_auth_clt_init_req), FN(pjsip_auth_clt_init),
    FN(pjsip_auth_clt_get_prefs), FN(pjsip_auth_clt_deinit), FN(pjsip_auth_clt_clone),
    FN(pjsip_auth_clt_async_send_req), FN(pjsip_auth_clt_async_impl_on_challenge),
    FN(pjsip_auth_clt_async_configure), FN(pjsip_auth_clt_async_abandon),
#elif PJSHIM_ORDER == 2
    FN(pjsip_regc_create), FN(pjsip_regc_set_credentials), FN(pjsip_auth_create_digest2),
#else
    FN(pjsip_regc_create), FN(pjsip_regc_set_credentials),
#endif
};

#if PJSHIM_ORDER != 3
static pj_str_t S(const char *s)
{
    return pj_str((char *)s);
}

static int check_digest(void)
{
    /* RFC 7616 section 3.9.1 (MD5 and SHA-256). */
    pjsip_cred_info cred;
    pj_str_t nonce = S("7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v"), nc = S("00000001");
    pj_str_t cnonce = S("f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"), qop = S("auth");
    pj_str_t uri = S("/dir/index.html"), realm = S("http-auth@example.org"), method = S("GET");
    char buf[64];
    pj_str_t out;
    pj_bzero(&cred, sizeof(cred));
    cred.realm = realm;
    cred.scheme = S("digest");
    cred.username = S("Mufasa");
    cred.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    cred.data = S("Circle of Life");
    out.ptr = buf;
    out.slen = sizeof(buf);
    if (pjsip_auth_create_digest2(&out, &nonce, &nc, &cnonce, &qop, &uri, &realm, &cred, &method,
                                  PJSIP_AUTH_ALGORITHM_MD5) != PJ_SUCCESS ||
        out.slen != 32 || memcmp(buf, "8ca523f5e9506fed4657c9700eebdbec", 32) != 0) {
        printf("MD5 vector: got %.*s\n", (int)out.slen, buf);
        return 0;
    }
    out.slen = sizeof(buf);
    if (pjsip_auth_create_digest2(&out, &nonce, &nc, &cnonce, &qop, &uri, &realm, &cred, &method,
                                  PJSIP_AUTH_ALGORITHM_SHA256) != PJ_SUCCESS ||
        out.slen != 64 ||
        memcmp(buf, "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", 64) != 0) {
        printf("SHA-256 vector: got %.*s\n", (int)out.slen, buf);
        return 0;
    }
    return 1;
}
#endif

int main(void)
{
    size_t i;
    const pjsip_auth_algorithm *md5;
    for (i = 0; i < sizeof(link_prog_refs) / sizeof(link_prog_refs[0]); i++) {
        if (link_prog_refs[i] == NULL) {
            printf("reference %u unresolved\n", (unsigned)i);
            return 1;
        }
    }
    pj_log_set_level(0);
    if (pj_init() != PJ_SUCCESS)
        return 1;
#if PJSHIM_ORDER != 3
    /* The table and the lookups must come from one object. */
    md5 = pjsip_auth_get_algorithm_by_type(PJSIP_AUTH_ALGORITHM_MD5);
    if (md5 != &pjsip_auth_algorithms[PJSIP_AUTH_ALGORITHM_MD5]) {
        printf("pjsip_auth_get_algorithm_by_type and pjsip_auth_algorithms disagree\n");
        return 1;
    }
    if (!check_digest())
        return 1;
#if defined(PJSHIM_SHARED)
    {
        Dl_info info;
        if (!dladdr((void *)pjsip_auth_create_digest2, &info) || info.dli_fname == NULL) {
            printf("dladdr failed\n");
            return 1;
        }
        printf("pjsip_auth_create_digest2 from %s\n", info.dli_fname);
        if (strstr(info.dli_fname, "libpjsip_auth_shim_pj") == NULL)
            return 1;
    }
#else
    printf("%s\n", pjshim_pj_version());
#endif
#else
    (void)md5;
#endif
    pj_shutdown();
    printf("ok\n");
    return 0;
}
