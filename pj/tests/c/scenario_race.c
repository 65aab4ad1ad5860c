/* scenario_race.c: N threads consume one async token at once (issue 8,
 * "Races on the real thing").
 *
 * A session with async configured and no parent (PJSIP's default), a real
 * REGISTER tdata, a real 401 rdata and a real pj_grp_lock holding the token's
 * reference as a SIP module adds it. Each round: the module prepares a token
 * (one reference added), pjsip_auth_clt_async_impl_on_challenge hands it to
 * the callback, which keeps it; then N pjlib threads, released together, use
 * it: even ones pjsip_auth_clt_async_send_req, odd ones _abandon.
 *
 * Exactly once means one of send_impl / abandon_impl runs, one call returns
 * PJ_SUCCESS, and the group lock is back at its baseline count. Per N the
 * program prints (one line, "RACE n=..."):
 *   double      rounds where more than one of send_impl/abandon_impl ran
 *   double_ok   rounds where more than one call returned PJ_SUCCESS
 *   lost        rounds where none ran
 *   unbalanced  rounds that left the group lock's count off its baseline
 * and exits 0 whatever they are (the harness judges them), 2 when the
 * scenario cannot be set up.
 *
 *   scenario_race [--parent] [N...]   N default 2 4 8 16
 *   PJSHIM_RACE_ROUNDS                rounds per N (default 5000)
 *
 * --parent: the session gets a parent (pjsip_auth_clt_set_parent) and is
 * used as a child. Stock PJSIP then serializes every call under the
 * parent's mutex: the harness's control, where a correct count is 0. */
#include "scenario.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_THREADS 64
/* References held besides the token's, so that a stock run releasing the
 * token's reference several times never destroys the lock. */
#define SPARE_REFS (MAX_THREADS + 8)

static pjsip_auth_clt_sess parent, sess;
static pjsip_tx_data *tdata;
static sc_kept kept;
static sc_module mod;

static atomic_int generation; /* bumped to release the workers; -1: exit */
static atomic_int arrived;    /* workers at the start line of this generation */
static atomic_int finished;   /* workers done with this generation */
static atomic_int successes;  /* calls that returned PJ_SUCCESS */

typedef struct worker {
    int index;
    int count;
    pj_thread_t *thread;
} worker;

static void spin_pause(unsigned *spins)
{
    /* Spin briefly (the release must be as close as possible), then let
     * the other threads of a 2-core machine run. */
    if (++*spins > 5000) {
        sched_yield();
        *spins = 0;
    }
}

static int worker_main(void *arg)
{
    worker *w = arg;
    int seen = 0;
    for (;;) {
        unsigned spins = 0;
        int gen;
        while ((gen = atomic_load(&generation)) == seen)
            spin_pause(&spins);
        if (gen < 0)
            return 0;
        seen = gen;
        /* The start line: nobody goes before all are running, so that the
         * last one to arrive and those still spinning go at once. */
        atomic_fetch_add(&arrived, 1);
        spins = 0;
        while (atomic_load(&arrived) < w->count)
            spin_pause(&spins);
        {
            void *token = atomic_load(&kept.token);
            pj_status_t st = (w->index % 2 == 0)
                                 ? pjsip_auth_clt_async_send_req(&sess, token, tdata)
                                 : pjsip_auth_clt_async_abandon(&sess, token);
            if (st == PJ_SUCCESS)
                atomic_fetch_add(&successes, 1);
        }
        atomic_fetch_add(&finished, 1);
    }
}

int main(int argc, char **argv)
{
    static const int default_ns[] = {2, 4, 8, 16};
    long rounds = sc_env_long("PJSHIM_RACE_ROUNDS", 5000);
    pj_pool_t *pool;
    pjsip_rx_data *rdata;
    pj_grp_lock_t *grp;
    pjsip_auth_clt_async_setting opt;
    pjsip_auth_clt_async_on_chal_param param;
    pjsip_auth_clt_async_impl_token tok;
    int with_parent = argc > 1 && strcmp(argv[1], "--parent") == 0;
    int first_n = 1 + with_parent;
    int nns = argc > first_n ? argc - first_n : 4, baseline, i;
    pj_status_t st;

    sc_init("scenario-race", 1024 * 1024);
    pool = pjsip_endpt_create_pool(sc_endpt, "race", 4000, 4000);
    if ((st = pjsip_auth_clt_init(&sess, sc_endpt, pool, 0)) != PJ_SUCCESS)
        sc_setup_failed("pjsip_auth_clt_init", st);
    if ((st = sc_set_alice(&sess)) != PJ_SUCCESS)
        sc_setup_failed("pjsip_auth_clt_set_credentials", st);
    if (with_parent) {
        if ((st = pjsip_auth_clt_init(&parent, sc_endpt, pool, 0)) != PJ_SUCCESS)
            sc_setup_failed("pjsip_auth_clt_init (parent)", st);
        if ((st = pjsip_auth_clt_set_parent(&sess, &parent)) != PJ_SUCCESS)
            sc_setup_failed("pjsip_auth_clt_set_parent", st);
    }
    pj_bzero(&opt, sizeof(opt));
    opt.cb = &sc_keep_token;
    opt.user_data = &kept;
    if ((st = pjsip_auth_clt_async_configure(&sess, &opt)) != PJ_SUCCESS)
        sc_setup_failed("pjsip_auth_clt_async_configure", st);
    tdata = sc_register_request();
    rdata = sc_parse(pool, sc_401);
    pj_bzero(&param, sizeof(param));
    param.tdata = tdata;
    param.rdata = rdata;

    if ((st = pj_grp_lock_create(pool, NULL, &grp)) != PJ_SUCCESS)
        sc_setup_failed("pj_grp_lock_create", st);
    for (i = 0; i < SPARE_REFS; i++)
        pj_grp_lock_add_ref(grp);
    baseline = pj_grp_lock_get_ref(grp);

    for (int k = 0; k < nns; k++) {
        int n = argc > first_n ? atoi(argv[k + first_n]) : default_ns[k];
        long doubles = 0, double_ok = 0, lost = 0, unbalanced = 0, r;
        worker ws[MAX_THREADS];
        if (n < 1 || n > MAX_THREADS) {
            printf("bad N %d\n", n);
            return 64;
        }
        atomic_store(&generation, 0);
        for (i = 0; i < n; i++) {
            ws[i].index = i;
            ws[i].count = n;
            st = pj_thread_create(pool, "racer", &worker_main, &ws[i], 0, 0, &ws[i].thread);
            if (st != PJ_SUCCESS)
                sc_setup_failed("pj_thread_create", st);
        }
        for (r = 0; r < rounds; r++) {
            int ref, calls;
            sc_token_prepare(&tok, &mod, grp);
            atomic_store(&kept.token, NULL);
            st = pjsip_auth_clt_async_impl_on_challenge(&sess, &tok, &param);
            if (st != PJ_SUCCESS)
                sc_setup_failed("pjsip_auth_clt_async_impl_on_challenge", st);
            if (atomic_load(&kept.token) == NULL)
                sc_setup_failed("the callback got no token", PJ_EBUG);
            atomic_store(&mod.sends, 0);
            atomic_store(&mod.abandons, 0);
            atomic_store(&successes, 0);
            atomic_store(&finished, 0);
            atomic_store(&arrived, 0);
            atomic_store(&generation, (int)r + 1);
            /* The main thread yields at once: the workers need the cores. */
            while (atomic_load(&finished) < n)
                sched_yield();

            calls = atomic_load(&mod.sends) + atomic_load(&mod.abandons);
            doubles += calls > 1;
            lost += calls == 0;
            double_ok += atomic_load(&successes) > 1;
            ref = pj_grp_lock_get_ref(grp);
            if (ref != baseline) {
                unbalanced++;
                /* Back to baseline, so that each round is judged alone. */
                for (; ref < baseline; ref++)
                    pj_grp_lock_add_ref(grp);
                for (; ref > baseline; ref--)
                    pj_grp_lock_dec_ref(grp);
            }
        }
        atomic_store(&generation, -1);
        for (i = 0; i < n; i++) {
            pj_thread_join(ws[i].thread);
            pj_thread_destroy(ws[i].thread);
        }
        printf("RACE parent=%d n=%d rounds=%ld double=%ld double_ok=%ld lost=%ld "
               "unbalanced=%ld\n",
               with_parent, n, rounds, doubles, double_ok, lost, unbalanced);
        fflush(stdout);
    }

    pjsip_tx_data_dec_ref(tdata);
    pjsip_auth_clt_deinit(&sess);
    if (with_parent)
        pjsip_auth_clt_deinit(&parent);
    for (i = 0; i < SPARE_REFS; i++)
        pj_grp_lock_dec_ref(grp);
    pj_pool_release(pool);
    sc_shutdown();
    printf("done\n");
    return 0;
}
