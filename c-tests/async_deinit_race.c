/* Deinit racing challenges. In each round, ISSUERS threads hand challenges to
 * a session (directly, or through a child whose parent is the session) while
 * another thread deinits the session at a random moment. Issuers send or
 * abandon some tokens at once and keep the rest pending for the deinit to
 * revoke. Afterwards, for every challenge:
 *   - impl_on_challenge said PJ_SUCCESS  <=> exactly one send_impl or
 *     abandon_impl ran (never zero: no token stranded on a dead session);
 *   - otherwise none ran (the caller dropped its own reference);
 *   - the impl token's signature is zero;
 * every group lock is back to its baseline, and pjshim_async_live_tokens()
 * is 0. PJSHIM_RACE_ROUNDS overrides the number of rounds per mode. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdlib.h>
#include <time.h>
#include "async_fixture.h"

#define ISSUERS 4
#define PER_THREAD 2000

typedef struct issuer {
    pthread_t th;
    long id;
    unsigned seed;
    pj_grp_lock_t *glock;
    owner_t owners[PER_THREAD];
    pj_status_t status[PER_THREAD];
    int used;
} issuer_t;

static pjsip_auth_clt_sess parent_sess, child_sess;
static pjsip_auth_clt_sess *issue_on;
static pjsip_tx_data *tdata;
static pjsip_rx_data *rdata;
static issuer_t issuers[ISSUERS];
static pthread_barrier_t start_barrier;
static atomic_int issued_total;
static int close_after;


static unsigned next_rand(unsigned *s)
{
    *s = *s * 1103515245u + 12345u;
    return (*s >> 16) & 0x7fff;
}

static void *issue_loop(void *arg)
{
    issuer_t *me = (issuer_t *)arg;
    int i;
    pthread_barrier_wait(&start_barrier);
    for (i = 0; i < PER_THREAD; i++) {
        owner_t *o = &me->owners[i];
        pj_status_t st;
        owner_init(o, me->glock);
        kept_token = NULL;
        st = challenge(issue_on, o, tdata, rdata);
        me->status[i] = st;
        me->used = i + 1;
        if (st != PJ_SUCCESS) {
            /* Only a closed session may refuse a challenge here. */
            if (st != PJ_EINVAL)
                me->status[i] = -1;
            break;
        }
        atomic_fetch_add(&issued_total, 1);
        switch (next_rand(&me->seed) % 4) {
        case 0:
            pjsip_tx_data_add_ref(tdata);
            if (pjsip_auth_clt_async_send_req(issue_on, kept_token, tdata) != PJ_SUCCESS)
                pjsip_tx_data_dec_ref(tdata); /* revoked meanwhile: still ours */
            break;
        case 1:
            (void)pjsip_auth_clt_async_abandon(issue_on, kept_token);
            break;
        default:
            break; /* left pending for the deinit */
        }
    }
    return NULL;
}

static void *closer(void *arg)
{
    PJ_UNUSED_ARG(arg);
    pthread_barrier_wait(&start_barrier);
    while (atomic_load(&issued_total) < close_after)
        ;
    CHECK_STATUS(pjsip_auth_clt_deinit(&parent_sess), PJ_SUCCESS);
    return NULL;
}

static int run_round(pj_pool_t *pool, int with_parent, unsigned seed, long *tokens)
{
    pthread_t close_th;
    pjsip_auth_clt_async_setting opt;
    int t, i, bad = 0;

    CHECK_STATUS(pjsip_auth_clt_init(&parent_sess, NULL, pool, 0), PJ_SUCCESS);
    memset(&opt, 0, sizeof(opt));
    opt.cb = &keep_token;
    CHECK_STATUS(pjsip_auth_clt_async_configure(&parent_sess, &opt), PJ_SUCCESS);
    issue_on = &parent_sess;
    if (with_parent) {
        CHECK_STATUS(pjsip_auth_clt_init(&child_sess, NULL, pool, 0), PJ_SUCCESS);
        CHECK_STATUS(pjsip_auth_clt_set_parent(&child_sess, &parent_sess), PJ_SUCCESS);
        issue_on = &child_sess;
    }
    atomic_store(&issued_total, 0);
    close_after = (int)(seed % (ISSUERS * PER_THREAD / 2));
    CHECK(pthread_barrier_init(&start_barrier, NULL, ISSUERS + 1) == 0);
    for (t = 0; t < ISSUERS; t++) {
        issuers[t].id = t;
        issuers[t].seed = seed * 31u + (unsigned)t;
        issuers[t].used = 0;
        CHECK(pthread_create(&issuers[t].th, NULL, issue_loop, &issuers[t]) == 0);
    }
    CHECK(pthread_create(&close_th, NULL, closer, NULL) == 0);
    for (t = 0; t < ISSUERS; t++)
        pthread_join(issuers[t].th, NULL);
    pthread_join(close_th, NULL);
    pthread_barrier_destroy(&start_barrier);

    for (t = 0; t < ISSUERS; t++) {
        for (i = 0; i < issuers[t].used; i++) {
            owner_t *o = &issuers[t].owners[i];
            int ended = atomic_load(&o->sends) + atomic_load(&o->abandons);
            int want = issuers[t].status[i] == PJ_SUCCESS ? 1 : 0;
            if (issuers[t].status[i] == -1 || ended != want || o->impl.signature[0] != 0)
                bad++;
        }
        *tokens += issuers[t].used;
        if (pj_grp_lock_get_ref(issuers[t].glock) != 1)
            bad++;
    }
    if (with_parent) {
        /* The child outlives its parent, useless but valid until deinit. */
        CHECK(pjshim_auth_clt_async_pending(&child_sess) == 0);
        CHECK_STATUS(pjsip_auth_clt_deinit(&child_sess), PJ_SUCCESS);
    }
    if (pjshim_async_live_tokens() != 0)
        bad++;
    return bad;
}

int main(void)
{
    pj_caching_pool cp;
    pj_pool_t *pool;
    const char *env = getenv("PJSHIM_RACE_ROUNDS");
    int rounds = env ? atoi(env) : 60;
    int mode, r, t, bad_rounds = 0;
    long tokens = 0;

    if (rounds < 1)
        rounds = 60;
    CHECK_STATUS(pj_init(), PJ_SUCCESS);
    pj_caching_pool_init(&cp, NULL, 0);
    pool = pj_pool_create(&cp.factory, "deinit-race", 4096, 4096, NULL);
    for (t = 0; t < ISSUERS; t++) {
        CHECK_STATUS(pj_grp_lock_create(pool, NULL, &issuers[t].glock), PJ_SUCCESS);
        pj_grp_lock_add_ref(issuers[t].glock); /* baseline 1 */
    }
    tdata = make_request();
    rdata = make_challenge();
    for (mode = 0; mode < 2; mode++) {
        for (r = 0; r < rounds; r++) {
            if (run_round(pool, mode, (unsigned)(r * 2654435761u + 17u * (unsigned)mode), &tokens))
                bad_rounds++;
        }
    }
    printf("async_deinit_race: %d rounds x 2 modes, %ld challenges, %d bad rounds\n",
           rounds, tokens, bad_rounds);
    CHECK(bad_rounds == 0);
    CHECK(pjshim_async_live_tokens() == 0);
    for (t = 0; t < ISSUERS; t++)
        CHECK(pj_grp_lock_dec_ref(issuers[t].glock) == PJ_EGONE);
    pjsip_tx_data_dec_ref(tdata);
    pjsip_rx_data_free_cloned(rdata);
    pj_pool_release(pool);
    pj_caching_pool_destroy(&cp);
    TEST_DONE("async_deinit_race");
}
