/* pjlib basics as a PJSIP program uses them: init, caching pool and pools,
 * the allocation macros, pj_str and comparisons, thread registration, errors. */
#include "pjsip_auth_shim.h"
#include "test_util.h"

struct item {
    int id;
    double weight;
    char name[13];
};

static void pool_cb(pj_pool_t *pool, pj_size_t size)
{
    PJ_UNUSED_ARG(pool);
    PJ_UNUSED_ARG(size);
}

static void test_pools(void)
{
    pj_caching_pool cp;
    pj_caching_pool_init(&cp, NULL, 0);

    pj_pool_t *pool = pj_pool_create(&cp.factory, "test%p", 512, 512, NULL);
    CHECK(pool != NULL);
    CHECK(pj_pool_getobjname(pool) != NULL);
    CHECK(strncmp(pj_pool_getobjname(pool), "test", 4) == 0);

    /* Allocations are aligned, distinct, and survive many more. */
    struct item *first = PJ_POOL_ZALLOC_T(pool, struct item);
    CHECK(first != NULL);
    CHECK(((uintptr_t)first % 16) == 0);
    CHECK(first->id == 0 && first->name[0] == 0);
    first->id = 42;
    strcpy(first->name, "first");
    for (int i = 0; i < 2000; i++) {
        struct item *it = PJ_POOL_ALLOC_T(pool, struct item);
        CHECK(it != NULL && ((uintptr_t)it % 16) == 0);
        it->id = i;
        char *big = pj_pool_alloc(pool, 700 + (pj_size_t)i);
        CHECK(big != NULL);
        memset(big, 0x5a, 700 + (pj_size_t)i);
    }
    CHECK(first->id == 42 && strcmp(first->name, "first") == 0);

    unsigned char *z = pj_pool_calloc(pool, 10, 30);
    CHECK(z != NULL);
    int all_zero = 1;
    for (int i = 0; i < 300; i++)
        all_zero &= z[i] == 0;
    CHECK(all_zero);
    CHECK(pj_pool_calloc(pool, (pj_size_t)-1, 2) == NULL);
    CHECK(pj_pool_alloc(pool, (pj_size_t)-1) == NULL);
    pj_pool_release(pool);

    /* A callback in pjlib's shape is accepted (and ignored). */
    pj_pool_t *with_cb = pj_pool_create(&cp.factory, NULL, 0, 0, &pool_cb);
    CHECK(with_cb != NULL);
    pj_pool_safe_release(&with_cb);
    CHECK(with_cb == NULL);

    /* Forgotten pools are freed by the factory (valgrind checks it). */
    pj_pool_t *forgotten = pj_pool_create(&cp.factory, "forgotten", 100, 100, NULL);
    CHECK(pj_pool_alloc(forgotten, 5000) != NULL);
    pj_caching_pool_destroy(&cp);
    pj_caching_pool_destroy(&cp); /* a second destroy is ignored */
    CHECK(pj_pool_create(&cp.factory, "after", 0, 0, NULL) == NULL);

    /* A pool without factory. */
    pj_pool_t *alone = pj_pool_create(NULL, "alone", 64, 64, NULL);
    CHECK(alone != NULL);
    CHECK(pj_pool_zalloc(alone, 64) != NULL);
    pj_pool_release(alone);

    /* NULL handling. */
    CHECK(pj_pool_alloc(NULL, 1) == NULL);
    CHECK(pj_pool_zalloc(NULL, 1) == NULL);
    CHECK(pj_pool_calloc(NULL, 1, 1) == NULL);
    CHECK(pj_pool_getobjname(NULL) == NULL);
    pj_pool_release(NULL);
    pj_pool_safe_release(NULL);
    pj_caching_pool_init(NULL, NULL, 0);
    pj_caching_pool_destroy(NULL);

    /* A zero-filled (never initialised) factory is refused, not dereferenced. */
    pj_caching_pool zeroed;
    pj_bzero(&zeroed, sizeof(zeroed));
    CHECK(pj_pool_create(&zeroed.factory, "x", 0, 0, NULL) == NULL);
}

static void test_strings(void)
{
    char text[] = "Digest";
    pj_str_t s = pj_str(text);
    CHECK(s.ptr == text && s.slen == 6);
    pj_str_t empty = pj_str(NULL);
    CHECK(empty.slen == 0);

    CHECK(pj_strcmp2(&s, "Digest") == 0);
    CHECK(pj_strcmp2(&s, "digest") < 0);
    CHECK(pj_strcmp2(&s, "Digest2") < 0);
    CHECK(pj_strcmp2(&s, "Dig") > 0);
    CHECK(pj_strcmp2(&s, NULL) > 0);
    CHECK(pj_strcmp2(&empty, NULL) == 0);
    CHECK(pj_strcmp2(&empty, "") == 0);
    CHECK(pj_stricmp2(&s, "DIGEST") == 0);
    CHECK(pj_stricmp2(&s, "digesu") < 0);

    char other[] = "Digest";
    pj_str_t t = pj_str(other);
    CHECK(pj_strcmp(&s, &t) == 0);
    t.slen = 3;
    CHECK(pj_strcmp(&s, &t) > 0);
    CHECK(pj_stricmp(&t, &s) < 0);
}

static void test_threads_and_errors(void)
{
    CHECK(pj_thread_is_registered() == PJ_TRUE);
    pj_thread_desc desc;
    pj_thread_t *thread = NULL;
    pj_bzero(desc, sizeof(desc));
    CHECK_STATUS(pj_thread_register("main", desc, &thread), PJ_SUCCESS);
    CHECK(thread != NULL);
    CHECK(thread == pj_thread_this());
    CHECK_STATUS(pj_thread_register(NULL, desc, &thread), PJ_SUCCESS);
    CHECK_STATUS(pj_thread_register("x", NULL, &thread), PJ_EINVAL);
    CHECK_STATUS(pj_thread_register("x", desc, NULL), PJ_EINVAL);
    CHECK_STATUS(pj_thread_sleep(1), PJ_SUCCESS);

    char buf[PJ_ERR_MSG_SIZE];
    CHECK_STATUS(pj_strerror(PJ_ENOMEM, buf, sizeof(buf)), PJ_SUCCESS);
    CHECK(strlen(buf) > 0);
    CHECK_STATUS(pj_strerror(PJ_EGONE, buf, sizeof(buf)), PJ_SUCCESS);
    CHECK(strlen(buf) > 0);
}

int main(void)
{
    CHECK_STATUS(pj_init(), PJ_SUCCESS);
    test_pools();
    test_strings();
    test_threads_and_errors();
    pj_shutdown();
    TEST_DONE("pjlib");
}
