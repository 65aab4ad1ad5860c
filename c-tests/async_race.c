/* Exactly once under a race: NTHREADS threads call send_req and/or abandon on
 * each of NTOKENS pending tokens at the same moment. Per token: exactly one
 * call succeeds, exactly one send_impl or abandon_impl runs, exactly one
 * group lock reference is dropped. PJSHIM_RACE_TOKENS overrides the count. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include "async_fixture.h"

#define NTHREADS 8
#define NLOCKS 16
#define BATCH 500

static pjsip_auth_clt_sess sess;
static pj_grp_lock_t *locks[NLOCKS];
static pjsip_tx_data *tdata;
static owner_t *owners;
static void **tokens;
static atomic_int *wins;
static int ntokens;
static int batch_start, batch_end;
static pthread_barrier_t start_barrier, end_barrier;
static atomic_int double_wins;

static void *racer(void *arg)
{
    long id = (long)arg;
    int b, i;
    for (b = 0; b < ntokens; b += BATCH) {
        pthread_barrier_wait(&start_barrier);
        for (i = batch_start; i < batch_end; i++) {
            /* Mix: odd threads abandon, even threads send; rotate per token. */
            pj_status_t st;
            if ((id + i) % 2 == 0) {
                pjsip_tx_data_add_ref(tdata);
                st = pjsip_auth_clt_async_send_req(&sess, tokens[i], tdata);
                if (st != PJ_SUCCESS)
                    pjsip_tx_data_dec_ref(tdata); /* still ours after PJ_EINVAL */
            } else {
                st = pjsip_auth_clt_async_abandon(&sess, tokens[i]);
            }
            if (st == PJ_SUCCESS) {
                if (atomic_fetch_add(&wins[i], 1) != 0)
                    atomic_fetch_add(&double_wins, 1);
            } else if (st != PJ_EINVAL) {
                atomic_fetch_add(&double_wins, 1000000); /* unexpected status */
            }
        }
        pthread_barrier_wait(&end_barrier);
    }
    return NULL;
}

int main(void)
{
    pj_caching_pool cp;
    pj_pool_t *pool;
    pjsip_rx_data *rdata;
    cb_ctx_t ctx;
    pthread_t th[NTHREADS];
    int i, bad_impl = 0, bad_wins = 0;
    long t;
    const char *env = getenv("PJSHIM_RACE_TOKENS");

    ntokens = env ? atoi(env) : 10000;
    if (ntokens < 1)
        ntokens = 10000;
    CHECK_STATUS(pj_init(), PJ_SUCCESS);
    pj_caching_pool_init(&cp, NULL, 0);
    pool = pj_pool_create(&cp.factory, "race", 4096, 4096, NULL);
    for (i = 0; i < NLOCKS; i++) {
        CHECK_STATUS(pj_grp_lock_create(pool, NULL, &locks[i]), PJ_SUCCESS);
        pj_grp_lock_add_ref(locks[i]); /* baseline 1 */
    }
    tdata = make_request();
    rdata = make_challenge();
    owners = (owner_t *)calloc((size_t)ntokens, sizeof(owner_t));
    tokens = (void **)calloc((size_t)ntokens, sizeof(void *));
    wins = (atomic_int *)calloc((size_t)ntokens, sizeof(atomic_int));
    atomic_init(&double_wins, 0);

    memset(&ctx, 0, sizeof(ctx));
    ctx.mode = CB_KEEP;
    CHECK_STATUS(pjsip_auth_clt_init(&sess, NULL, pool, 0), PJ_SUCCESS);
    configure(&sess, &ctx);
    pthread_barrier_init(&start_barrier, NULL, NTHREADS + 1);
    pthread_barrier_init(&end_barrier, NULL, NTHREADS + 1);
    for (t = 0; t < NTHREADS; t++)
        pthread_create(&th[t], NULL, racer, (void *)t);

    /* Batches: issue BATCH tokens, release all threads on them at once. */
    for (batch_start = 0; batch_start < ntokens; batch_start += BATCH) {
        batch_end = batch_start + BATCH < ntokens ? batch_start + BATCH : ntokens;
        for (i = batch_start; i < batch_end; i++) {
            owner_init(&owners[i], locks[i % NLOCKS]);
            atomic_init(&wins[i], 0);
            CHECK_STATUS(challenge(&sess, &owners[i], tdata, rdata), PJ_SUCCESS);
            tokens[i] = ctx.token;
        }
        pthread_barrier_wait(&start_barrier);
        pthread_barrier_wait(&end_barrier);
    }
    for (t = 0; t < NTHREADS; t++)
        pthread_join(th[t], NULL);

    for (i = 0; i < ntokens; i++) {
        int impl = atomic_load(&owners[i].sends) + atomic_load(&owners[i].abandons);
        if (impl != 1)
            bad_impl++;
        if (atomic_load(&wins[i]) != 1)
            bad_wins++;
    }
    printf("async_race: %d tokens x %d threads: %d double consumptions, %d tokens "
           "with impl calls != 1, %d tokens without exactly one winner\n",
           ntokens, NTHREADS, atomic_load(&double_wins), bad_impl, bad_wins);
    CHECK(atomic_load(&double_wins) == 0);
    CHECK(bad_impl == 0);
    CHECK(bad_wins == 0);
    for (i = 0; i < NLOCKS; i++) {
        CHECK(pj_grp_lock_get_ref(locks[i]) == 1);
        CHECK_STATUS(pj_grp_lock_dec_ref(locks[i]), PJ_EGONE);
    }
    CHECK(pjshim_auth_clt_async_pending(&sess) == 0);
    CHECK(pjshim_async_live_tokens() == 0);

    CHECK_STATUS(pjsip_auth_clt_deinit(&sess), PJ_SUCCESS);
    pthread_barrier_destroy(&start_barrier);
    pthread_barrier_destroy(&end_barrier);
    free(owners);
    free(tokens);
    free(wins);
    CHECK_STATUS(pjsip_tx_data_dec_ref(tdata), PJSIP_EBUFDESTROYED);
    pjsip_rx_data_free_cloned(rdata);
    pj_pool_release(pool);
    pj_caching_pool_destroy(&cp);
    TEST_DONE("async_race");
}
