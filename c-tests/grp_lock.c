/* Group locks as PJSIP's transaction layer uses them: reference counting from
 * any thread, destroy handlers, the recursive lock, and NULL handling. */
#include <pthread.h>
#include "pjsip_auth_shim.h"
#include "test_util.h"

#define MAX_LOG 16
static int log_buf[MAX_LOG];
static int log_len;

static void record(void *member)
{
    if (log_len < MAX_LOG)
        log_buf[log_len++] = *(int *)member;
}

static void test_counting_and_handlers(void)
{
    static int one = 1, two = 2, three = 3, four = 4;
    pj_grp_lock_t *glock = NULL;
    log_len = 0;

    CHECK_STATUS(pj_grp_lock_create_w_handler(NULL, NULL, &one, &record, &glock), PJ_SUCCESS);
    CHECK(glock != NULL);
    CHECK(pj_grp_lock_get_ref(glock) == 0);
    CHECK_STATUS(pj_grp_lock_dec_ref(glock), PJ_EINVALIDOP);
    CHECK_STATUS(pj_grp_lock_add_handler(glock, NULL, &two, &record), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_add_handler(glock, NULL, &three, &record), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_add_handler(glock, NULL, &four, &record), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_del_handler(glock, &three, &record), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_del_handler(glock, &three, &record), PJ_ENOTFOUND);

    CHECK_STATUS(pj_grp_lock_add_ref(glock), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_add_ref(glock), PJ_SUCCESS);
    CHECK(pj_grp_lock_get_ref(glock) == 2);
    CHECK_STATUS(pj_grp_lock_dec_ref(glock), PJ_SUCCESS);
    CHECK(log_len == 0);
    CHECK_STATUS(pj_grp_lock_dec_ref(glock), PJ_EGONE); /* freed now */
    CHECK(log_len == 3);
    CHECK(log_buf[0] == 1 && log_buf[1] == 2 && log_buf[2] == 4);

    /* Explicit destroy with references outstanding. */
    log_len = 0;
    pj_grp_lock_config cfg;
    pj_grp_lock_config_default(&cfg);
    CHECK_STATUS(pj_grp_lock_create(NULL, &cfg, &glock), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_add_handler(glock, NULL, &two, &record), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_add_ref(glock), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_destroy(glock), PJ_SUCCESS);
    CHECK(log_len == 1 && log_buf[0] == 2);

    /* A lock nobody references is freed by destroy (no leak). */
    CHECK_STATUS(pj_grp_lock_create(NULL, NULL, &glock), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_destroy(glock), PJ_SUCCESS);
}

static void test_recursive_lock(void)
{
    pj_grp_lock_t *glock = NULL;
    CHECK_STATUS(pj_grp_lock_create(NULL, NULL, &glock), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_acquire(glock), PJ_EINVALIDOP); /* count 0 */
    CHECK_STATUS(pj_grp_lock_add_ref(glock), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_release(glock), PJ_EINVALIDOP); /* not held */
    CHECK_STATUS(pj_grp_lock_acquire(glock), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_acquire(glock), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_tryacquire(glock), PJ_SUCCESS);
    CHECK(pj_grp_lock_get_ref(glock) == 4); /* each hold keeps a reference */
    CHECK_STATUS(pj_grp_lock_release(glock), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_release(glock), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_release(glock), PJ_SUCCESS);
    CHECK(pj_grp_lock_get_ref(glock) == 1);
    /* The owner's reference goes while the lock is held: the release frees it. */
    CHECK_STATUS(pj_grp_lock_acquire(glock), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_dec_ref(glock), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_release(glock), PJ_EGONE);
}

struct race {
    pj_grp_lock_t *glock;
    int failures;
    int try_status;
};

static void *add_dec_worker(void *arg)
{
    struct race *r = arg;
    for (int i = 0; i < 10000; i++) {
        if (pj_grp_lock_add_ref(r->glock) != PJ_SUCCESS)
            r->failures++;
        if (pj_grp_lock_dec_ref(r->glock) != PJ_SUCCESS)
            r->failures++;
    }
    return NULL;
}

static void *try_worker(void *arg)
{
    struct race *r = arg;
    r->try_status = pj_grp_lock_tryacquire(r->glock);
    return NULL;
}

static void test_threads(void)
{
    enum { N = 8 };
    pj_grp_lock_t *glock = NULL;
    CHECK_STATUS(pj_grp_lock_create(NULL, NULL, &glock), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_add_ref(glock), PJ_SUCCESS);

    pthread_t threads[N];
    struct race races[N];
    for (int i = 0; i < N; i++) {
        races[i].glock = glock;
        races[i].failures = 0;
        CHECK(pthread_create(&threads[i], NULL, add_dec_worker, &races[i]) == 0);
    }
    for (int i = 0; i < N; i++) {
        pthread_join(threads[i], NULL);
        CHECK(races[i].failures == 0);
    }
    CHECK(pj_grp_lock_get_ref(glock) == 1);

    /* tryacquire from another thread fails while this one holds the lock. */
    CHECK_STATUS(pj_grp_lock_acquire(glock), PJ_SUCCESS);
    struct race r = {glock, 0, 0};
    pthread_t t;
    CHECK(pthread_create(&t, NULL, try_worker, &r) == 0);
    pthread_join(t, NULL);
    CHECK_STATUS(r.try_status, PJ_EBUSY);
    CHECK(pj_grp_lock_get_ref(glock) == 2);
    CHECK_STATUS(pj_grp_lock_release(glock), PJ_SUCCESS);

    CHECK_STATUS(pj_grp_lock_dec_ref(glock), PJ_EGONE);
}

static void test_null_arguments(void)
{
    static int member;
    pj_grp_lock_t *glock = NULL;
    CHECK_STATUS(pj_grp_lock_create(NULL, NULL, NULL), PJ_EINVAL);
    CHECK_STATUS(pj_grp_lock_create_w_handler(NULL, NULL, &member, NULL, &glock), PJ_EINVAL);
    CHECK_STATUS(pj_grp_lock_create_w_handler(NULL, NULL, &member, &record, NULL), PJ_EINVAL);
    CHECK(glock == NULL);
    CHECK_STATUS(pj_grp_lock_destroy(NULL), PJ_EINVAL);
    CHECK_STATUS(pj_grp_lock_acquire(NULL), PJ_EINVAL);
    CHECK_STATUS(pj_grp_lock_tryacquire(NULL), PJ_EINVAL);
    CHECK_STATUS(pj_grp_lock_release(NULL), PJ_EINVAL);
    CHECK_STATUS(pj_grp_lock_add_handler(NULL, NULL, &member, &record), PJ_EINVAL);
    CHECK_STATUS(pj_grp_lock_del_handler(NULL, &member, &record), PJ_EINVAL);
    CHECK_STATUS(pj_grp_lock_add_ref(NULL), PJ_EINVAL);
    CHECK_STATUS(pj_grp_lock_dec_ref(NULL), PJ_EINVAL);
    CHECK(pj_grp_lock_get_ref(NULL) == PJ_EINVAL);
    pj_grp_lock_config_default(NULL);

    CHECK_STATUS(pj_grp_lock_create(NULL, NULL, &glock), PJ_SUCCESS);
    CHECK_STATUS(pj_grp_lock_add_handler(glock, NULL, &member, NULL), PJ_EINVAL);
    CHECK_STATUS(pj_grp_lock_del_handler(glock, &member, NULL), PJ_EINVAL);
    CHECK_STATUS(pj_grp_lock_destroy(glock), PJ_SUCCESS);
}

int main(void)
{
    test_counting_and_handlers();
    test_recursive_lock();
    test_threads();
    test_null_arguments();
    TEST_DONE("grp_lock");
}
