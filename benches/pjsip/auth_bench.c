/* Side-by-side benchmark: the same operations through pjsip-auth-shim's header
 * and through stock PJSIP 2.17's, from this one source compiled twice.
 *
 *   ours:  cc -O2 -Iinclude auth_bench.c target/release/libpjsip_auth_shim.a -lpthread -ldl -lm
 *   PJSIP: cc -O2 -DBENCH_PJSIP $(PJ_CFLAGS) auth_bench.c $(PJ_LDFLAGS) $(PJ_LDLIBS)
 *
 * benches/pjsip/run.sh does both and prints the comparison table.
 *
 * Only the setup differs between the two builds (how a tdata and an rdata are
 * made from text, how an rdata is freed, and cleanup after deinit, where PJSIP
 * leaves tokens pending): it is confined to the BENCH_PJSIP blocks below. Every
 * timed region calls the same public functions, declared by each library's own
 * header. Each result is the median over several repetitions of the mean time
 * per operation within one repetition, measured with CLOCK_MONOTONIC.
 *
 * Usage: auth_bench [--quick] SECTION
 *   basic    create_digest2, reinit_req, token and abandon cycles (with and
 *            without a parent session)
 *   cycles   the token and abandon cycles alone (for a profiler)
 *   deinit   deinit with k pending tokens, before and after a burst of tokens
 *            on another session, and while another session holds a burst
 *   pending  issue and claim latency with many tokens pending at once,
 *            against an empty table; bytes per pending token (RSS delta)
 * Each section runs in its own process so that one's table state cannot
 * colour another's figures. Output: one line per figure,
 *   RESULT <TAB> key <TAB> value <TAB> unit <TAB> description
 * and INFO lines; exit status 0 only if every operation returned what it must.
 */
#define _DEFAULT_SOURCE /* clock_gettime, sysconf; bzero for pjlib's inline pj_bzero */

#include <pjsip.h>
#include <pjsip/sip_auth.h>
#include <pjlib.h>
#ifdef BENCH_PJSIP
#include <pjlib-util.h>
#define LIB_NAME "pjsip-2.17"
#else
#define LIB_NAME "pjsip-auth-shim"
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---------------------------------------------------------------- inputs */

static const char REQ[] =
    "REGISTER sip:example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKbench1\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@example.com>;tag=f1\r\n"
    "To: <sip:alice@example.com>\r\n"
    "Call-ID: bench-1@127.0.0.1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "Contact: <sip:alice@127.0.0.1:5070>\r\n"
    "Expires: 300\r\n"
    "Content-Length: 0\r\n\r\n";

#define CHAL_HEAD                                                    \
    "SIP/2.0 401 Unauthorized\r\n"                                   \
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKbench1\r\n"       \
    "From: <sip:alice@example.com>;tag=f1\r\n"                       \
    "To: <sip:alice@example.com>;tag=t1\r\n"                         \
    "Call-ID: bench-1@127.0.0.1\r\n"                                 \
    "CSeq: 1 REGISTER\r\n"

static const char CHAL_MD5[] =
    CHAL_HEAD
    "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"5f1c2a7e9b3d\", "
    "opaque=\"0a1b2c\", qop=\"auth\", algorithm=MD5\r\n"
    "Content-Length: 0\r\n\r\n";

static const char CHAL_SHA256[] =
    CHAL_HEAD
    "WWW-Authenticate: Digest realm=\"example.com\", nonce=\"5f1c2a7e9b3d\", "
    "opaque=\"0a1b2c\", qop=\"auth\", algorithm=SHA-256\r\n"
    "Content-Length: 0\r\n\r\n";

/* ------------------------------------------------------------ bookkeeping */

static int g_failures;

#define CHECK(cond, what)                                                    \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "auth_bench[%s]: %s failed (%s:%d)\n", LIB_NAME, \
                    what, __FILE__, __LINE__);                               \
            g_failures++;                                                    \
        }                                                                    \
    } while (0)

#define MUST(cond, what)                                                     \
    do {                                                                     \
        if (!(cond)) {                                                       \
            fprintf(stderr, "auth_bench[%s]: %s failed (%s:%d), stopping\n", \
                    LIB_NAME, what, __FILE__, __LINE__);                     \
            exit(2);                                                         \
        }                                                                    \
    } while (0)

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof v[0], cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static void result(const char *key, double value, const char *unit, const char *what)
{
    printf("RESULT\t%s\t%.1f\t%s\t%s\n", key, value, unit, what);
    fflush(stdout);
}

/* A timed body: runs `iters` operations and returns the nanoseconds spent in
 * the timed part only (it may do untimed setup around it). */
typedef double (*timed_fn)(void *ctx, long iters);

#define MAX_REPS 31

/* Median over `reps` repetitions of ns per operation, after one short
 * warm-up repetition that is not counted. */
static double measure(timed_fn fn, void *ctx, long iters, int reps)
{
    double v[MAX_REPS];
    if (reps > MAX_REPS)
        reps = MAX_REPS;
    (void)fn(ctx, iters / 10 + 1);
    for (int r = 0; r < reps; r++)
        v[r] = fn(ctx, iters) / (double)iters;
    return median(v, reps);
}

static long rss_bytes(void)
{
    long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2)
        resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * sysconf(_SC_PAGESIZE);
}

/* ------------------------------------------------- library setup (differs) */

static pj_caching_pool g_cp;
static pjsip_endpoint *g_endpt;
static pj_pool_t *g_pool;

static void lib_start(void)
{
#ifdef BENCH_PJSIP
    pj_log_set_level(1); /* before pj_init, which logs its banner at level 4 */
#endif
    MUST(pj_init() == PJ_SUCCESS, "pj_init");
#ifdef BENCH_PJSIP
    MUST(pjlib_util_init() == PJ_SUCCESS, "pjlib_util_init");
#endif
    pj_caching_pool_init(&g_cp, NULL, 0);
    MUST(pjsip_endpt_create(&g_cp.factory, "bench", &g_endpt) == PJ_SUCCESS,
         "pjsip_endpt_create");
    g_pool = pjsip_endpt_create_pool(g_endpt, "bench", 4000, 4000);
    MUST(g_pool != NULL, "pjsip_endpt_create_pool");
}

static void lib_stop(void)
{
    pjsip_endpt_release_pool(g_endpt, g_pool);
    pjsip_endpt_destroy(g_endpt);
    pj_caching_pool_destroy(&g_cp);
    pj_shutdown();
}

/* A REGISTER to send, holding one reference. */
static pjsip_tx_data *make_tdata(void)
{
    pjsip_tx_data *tdata = NULL;
#ifdef BENCH_PJSIP
    char *buf;
    MUST(pjsip_endpt_create_tdata(g_endpt, &tdata) == PJ_SUCCESS, "create_tdata");
    pjsip_tx_data_add_ref(tdata);
    /* The parser keeps pointers into its input: give it a copy in the pool. */
    buf = (char *)pj_pool_alloc(tdata->pool, sizeof REQ);
    memcpy(buf, REQ, sizeof REQ);
    tdata->msg = pjsip_parse_msg(tdata->pool, buf, sizeof REQ - 1, NULL);
    MUST(tdata->msg != NULL, "pjsip_parse_msg(REGISTER)");
#else
    MUST(pjshim_tx_data_parse(REQ, sizeof REQ - 1, &tdata) == PJ_SUCCESS,
         "pjshim_tx_data_parse");
#endif
    return tdata;
}

/* A received 401. */
static pjsip_rx_data *make_rdata(const char *text, size_t len)
{
    pjsip_rx_data *rdata = NULL;
#ifdef BENCH_PJSIP
    pj_pool_t *pool = pjsip_endpt_create_pool(g_endpt, "rdata", 4000, 4000);
    char *buf;
    MUST(pool != NULL, "rdata pool");
    rdata = PJ_POOL_ZALLOC_T(pool, pjsip_rx_data);
    rdata->tp_info.pool = pool;
    pj_list_init(&rdata->msg_info.parse_err);
    buf = (char *)pj_pool_alloc(pool, len + 1);
    memcpy(buf, text, len);
    buf[len] = '\0';
    MUST(pjsip_parse_rdata(buf, len, rdata) != NULL, "pjsip_parse_rdata(401)");
#else
    MUST(pjshim_rx_data_parse(text, len, &rdata) == PJ_SUCCESS, "pjshim_rx_data_parse");
#endif
    return rdata;
}

static void free_rdata(pjsip_rx_data *rdata)
{
#ifdef BENCH_PJSIP
    pjsip_endpt_release_pool(g_endpt, rdata->tp_info.pool);
#else
    pjsip_rx_data_free_cloned(rdata);
#endif
}

/* Prints the request's Authorization header as an INFO line, so that a run
 * shows both libraries answered alike (same nc progression, same fields). */
static void show_authorization(const char *label, pjsip_tx_data *tdata)
{
#ifdef BENCH_PJSIP
    char buf[1024];
    pjsip_hdr *h = (pjsip_hdr *)pjsip_msg_find_hdr(tdata->msg, PJSIP_H_AUTHORIZATION, NULL);
    int len = h ? pjsip_hdr_print_on(h, buf, sizeof buf - 1) : -1;
    MUST(len > 0, "Authorization header present");
    printf("INFO\t%s: %.*s\n", label, len, buf);
#else
    pj_str_t v;
    MUST(pjshim_tx_data_get_hdr(tdata, "Authorization", 0, &v) == PJ_SUCCESS,
         "Authorization header present");
    printf("INFO\t%s: Authorization: %.*s\n", label, (int)v.slen, v.ptr);
#endif
}

/* Tokens still pending on a session that was de-initialised: PJSIP leaves
 * them valid (its deinit does not know them), so consume them to give the
 * group lock its references back; ours has revoked them already. The PJSIP
 * build's object also runs linked with the drop-in (run_dropin.sh), whose
 * deinit revokes as ours does: which of the two it is shows in the first
 * abandon, and every other one must then agree with it. */
static void after_deinit_cleanup(pjsip_auth_clt_sess *sess, void **tokens, long k)
{
#ifdef BENCH_PJSIP
    pj_status_t expected = PJ_SUCCESS;
    for (long i = 0; i < k; i++) {
        pj_status_t st = pjsip_auth_clt_async_abandon(sess, tokens[i]);
        if (i == 0 && st == PJ_EINVAL)
            expected = PJ_EINVAL; /* revoked by deinit: the drop-in */
        CHECK(st == expected, "abandon after deinit: all valid (PJSIP) or all revoked");
    }
#else
    for (long i = 0; i < k; i++)
        CHECK(pjsip_auth_clt_async_abandon(sess, tokens[i]) == PJ_EINVAL,
              "revoked token refused after deinit");
#endif
}

/* ------------------------------------------------------- common fixtures */

static void set_cred(pjsip_auth_clt_sess *sess)
{
    pjsip_cred_info cred;
    memset(&cred, 0, sizeof cred);
    cred.realm = pj_str("example.com");
    cred.scheme = pj_str("digest");
    cred.username = pj_str("alice");
    cred.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    cred.data = pj_str("secret");
    MUST(pjsip_auth_clt_set_credentials(sess, 1, &cred) == PJ_SUCCESS, "set_credentials");
}

/* The challenge callback keeps the token and returns PJ_TRUE; the loop
 * consumes it afterwards, outside the callback. */
static void *g_token;

static pj_bool_t keep_token(pjsip_auth_clt_sess *sess, void *token,
                            const pjsip_auth_clt_async_on_chal_param *param)
{
    (void)sess;
    (void)param;
    g_token = token;
    return PJ_TRUE;
}

static pj_status_t trivial_send(pjsip_auth_clt_sess *sess, void *user_data,
                                pjsip_tx_data *new_request)
{
    (void)sess;
    (void)user_data;
    (void)new_request;
    return PJ_SUCCESS;
}

static void trivial_abandon(pjsip_auth_clt_sess *sess, void *user_data)
{
    (void)sess;
    (void)user_data;
}

static void init_async_sess(pjsip_auth_clt_sess *sess, pj_pool_t *pool)
{
    pjsip_auth_clt_async_setting opt;
    memset(sess, 0, sizeof *sess);
    MUST(pjsip_auth_clt_init(sess, g_endpt, pool, 0) == PJ_SUCCESS, "auth_clt_init");
    opt.cb = &keep_token;
    opt.user_data = NULL;
    MUST(pjsip_auth_clt_async_configure(sess, &opt) == PJ_SUCCESS, "async_configure");
}

static void init_impl_token(pjsip_auth_clt_async_impl_token *t, pj_grp_lock_t *glock)
{
    memset(t, 0, sizeof *t);
    t->user_data = NULL;
    t->send_impl = &trivial_send;
    t->abandon_impl = &trivial_abandon;
    t->grp_lock = glock;
}

/* A group lock with one base reference held by the benchmark. */
static pj_grp_lock_t *make_glock(void)
{
    pj_grp_lock_t *glock = NULL;
    MUST(pj_grp_lock_create(g_pool, NULL, &glock) == PJ_SUCCESS, "grp_lock_create");
    pj_grp_lock_add_ref(glock);
    return glock;
}

static int has_quick_flag(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--quick") == 0)
            return 1;
    return 0;
}

/* --------------------------------------------------------- 1. digest2 */

struct digest_ctx {
    pjsip_auth_algorithm_type alg;
    pjsip_cred_info cred;
    pj_str_t nonce, nc, cnonce, qop, uri, realm, method;
};

static double run_digest(void *p, long iters)
{
    struct digest_ctx *c = (struct digest_ctx *)p;
    char buf[160];
    pj_str_t out;
    int bad = 0;
    double t0 = now_ns();
    for (long i = 0; i < iters; i++) {
        out.ptr = buf;
        out.slen = 64;
        bad |= pjsip_auth_create_digest2(&out, &c->nonce, &c->nc, &c->cnonce, &c->qop,
                                         &c->uri, &c->realm, &c->cred, &c->method,
                                         c->alg) != PJ_SUCCESS;
    }
    double t1 = now_ns();
    CHECK(!bad, "pjsip_auth_create_digest2");
    return t1 - t0;
}

static void bench_digest(long iters, int reps)
{
    struct digest_ctx c;
    memset(&c, 0, sizeof c);
    c.cred.realm = pj_str("example.com");
    c.cred.scheme = pj_str("digest");
    c.cred.username = pj_str("alice");
    c.cred.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    c.cred.data = pj_str("secret");
    c.nonce = pj_str("5f1c2a7e9b3d");
    c.nc = pj_str("00000001");
    c.cnonce = pj_str("0a4f113b");
    c.qop = pj_str("auth");
    c.uri = pj_str("sip:example.com");
    c.realm = pj_str("example.com");
    c.method = pj_str("REGISTER");

    /* Both libraries must give the same answer before their speed matters. */
    {
        char buf[160];
        pj_str_t out = {buf, 64};
        c.alg = PJSIP_AUTH_ALGORITHM_MD5;
        MUST(pjsip_auth_create_digest2(&out, &c.nonce, &c.nc, &c.cnonce, &c.qop, &c.uri,
                                       &c.realm, &c.cred, &c.method, c.alg) == PJ_SUCCESS,
             "create_digest2 MD5");
        printf("INFO\tdigest MD5 = %.*s\n", (int)out.slen, out.ptr);
        out.slen = 64;
        c.alg = PJSIP_AUTH_ALGORITHM_SHA256;
        MUST(pjsip_auth_create_digest2(&out, &c.nonce, &c.nc, &c.cnonce, &c.qop, &c.uri,
                                       &c.realm, &c.cred, &c.method, c.alg) == PJ_SUCCESS,
             "create_digest2 SHA-256");
        printf("INFO\tdigest SHA-256 = %.*s\n", (int)out.slen, out.ptr);
    }

    c.alg = PJSIP_AUTH_ALGORITHM_MD5;
    result("digest2.md5", measure(run_digest, &c, iters, reps), "ns",
           "pjsip_auth_create_digest2 MD5, qop=auth");
    c.alg = PJSIP_AUTH_ALGORITHM_SHA256;
    result("digest2.sha256", measure(run_digest, &c, iters, reps), "ns",
           "pjsip_auth_create_digest2 SHA-256, qop=auth");
}

/* ------------------------------------------------------- 2. reinit_req */

/* One session, reused for every call; each call answers the same 401 (same
 * nonce, so nc goes up by one each time in both libraries) for a fresh
 * REGISTER carrying no Authorization yet. Fresh requests are made in batches
 * outside the timed region; only reinit_req is timed. Each returned request
 * must be the one given, with one more reference: both are released after. */
#define REINIT_BATCH 256

struct reinit_ctx {
    pjsip_auth_clt_sess *sess;
    pjsip_rx_data *rdata;
};

static double run_reinit(void *p, long iters)
{
    struct reinit_ctx *c = (struct reinit_ctx *)p;
    pjsip_tx_data *batch[REINIT_BATCH];
    double total = 0;
    int bad = 0;
    for (long done = 0; done < iters;) {
        long n = iters - done < REINIT_BATCH ? iters - done : REINIT_BATCH;
        for (long i = 0; i < n; i++)
            batch[i] = make_tdata();
        double t0 = now_ns();
        for (long i = 0; i < n; i++) {
            pjsip_tx_data *out = NULL;
            bad |= pjsip_auth_clt_reinit_req(c->sess, c->rdata, batch[i], &out) != PJ_SUCCESS;
            bad |= out != batch[i];
        }
        total += now_ns() - t0;
        for (long i = 0; i < n; i++) {
            pjsip_tx_data_dec_ref(batch[i]);
            pjsip_tx_data_dec_ref(batch[i]);
        }
        done += n;
    }
    CHECK(!bad, "pjsip_auth_clt_reinit_req returns PJ_SUCCESS and the same tdata");
    return total;
}

static void bench_reinit(long iters, int reps)
{
    static const struct {
        const char *key, *what, *msg;
        size_t len;
    } cases[] = {
        {"reinit.md5", "pjsip_auth_clt_reinit_req, one MD5 challenge, session reused",
         CHAL_MD5, sizeof CHAL_MD5 - 1},
        {"reinit.sha256", "pjsip_auth_clt_reinit_req, one SHA-256 challenge, session reused",
         CHAL_SHA256, sizeof CHAL_SHA256 - 1},
    };
    for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
        pjsip_auth_clt_sess sess;
        struct reinit_ctx c;
        memset(&sess, 0, sizeof sess);
        MUST(pjsip_auth_clt_init(&sess, g_endpt, g_pool, 0) == PJ_SUCCESS, "auth_clt_init");
        set_cred(&sess);
        c.sess = &sess;
        c.rdata = make_rdata(cases[k].msg, cases[k].len);
        /* The second answer to the same nonce: nc 2 in both. */
        for (int i = 0; i < 2; i++) {
            pjsip_tx_data *t = make_tdata(), *out = NULL;
            MUST(pjsip_auth_clt_reinit_req(&sess, c.rdata, t, &out) == PJ_SUCCESS && out == t,
                 "reinit_req");
            if (i == 1)
                show_authorization(cases[k].key, t);
            pjsip_tx_data_dec_ref(t);
            pjsip_tx_data_dec_ref(t);
        }
        result(cases[k].key, measure(run_reinit, &c, iters, reps), "ns", cases[k].what);
        free_rdata(c.rdata);
        pjsip_auth_clt_deinit(&sess);
    }
}

/* --------------------------------------------------- 3./4. token cycles */

/* One transaction's cycle: the owner takes a group-lock reference, the
 * library issues a token through the callback (which keeps it), and the
 * owner consumes it with send_req (send_impl trivial) or abandon; the library
 * drops the reference. */
struct cycle_ctx {
    pjsip_auth_clt_sess *sess; /* the session the owner calls: child if a parent is set */
    pjsip_auth_clt_async_impl_token impl;
    pjsip_auth_clt_async_on_chal_param prm;
    pjsip_tx_data *tdata;
    pj_grp_lock_t *glock;
    int abandon;
};

static double run_cycle(void *p, long iters)
{
    struct cycle_ctx *c = (struct cycle_ctx *)p;
    int bad = 0;
    double t0 = now_ns();
    if (c->abandon) {
        for (long i = 0; i < iters; i++) {
            pj_grp_lock_add_ref(c->glock);
            bad |= pjsip_auth_clt_async_impl_on_challenge(c->sess, &c->impl, &c->prm) != PJ_SUCCESS;
            bad |= pjsip_auth_clt_async_abandon(c->sess, g_token) != PJ_SUCCESS;
        }
    } else {
        for (long i = 0; i < iters; i++) {
            pj_grp_lock_add_ref(c->glock);
            bad |= pjsip_auth_clt_async_impl_on_challenge(c->sess, &c->impl, &c->prm) != PJ_SUCCESS;
            bad |= pjsip_auth_clt_async_send_req(c->sess, g_token, c->tdata) != PJ_SUCCESS;
        }
    }
    double t1 = now_ns();
    CHECK(!bad, "token cycle statuses");
    CHECK(pj_grp_lock_get_ref(c->glock) == 1, "group lock back to its base reference");
    return t1 - t0;
}

static void bench_cycles(long iters, int reps)
{
    pjsip_auth_clt_sess sess, parent, child;
    pjsip_rx_data *rdata = make_rdata(CHAL_MD5, sizeof CHAL_MD5 - 1);
    struct cycle_ctx c;

    memset(&c, 0, sizeof c);
    c.glock = make_glock();
    c.tdata = make_tdata();
    init_impl_token(&c.impl, c.glock);
    c.prm.tdata = c.tdata;
    c.prm.rdata = rdata;
    c.prm.user_data = NULL;

    init_async_sess(&sess, g_pool);
    c.sess = &sess;
    c.abandon = 0;
    result("cycle.send", measure(run_cycle, &c, iters, reps), "ns",
           "token cycle: add_ref + impl_on_challenge + send_req, no parent");
    c.abandon = 1;
    result("cycle.abandon", measure(run_cycle, &c, iters, reps), "ns",
           "abandon cycle: add_ref + impl_on_challenge + abandon, no parent");
    pjsip_auth_clt_deinit(&sess);

    /* With a parent: configure, issue and consume are called on the child
     * and act on the parent (PJSIP under the parent's mutex). */
    memset(&parent, 0, sizeof parent);
    MUST(pjsip_auth_clt_init(&parent, g_endpt, g_pool, 0) == PJ_SUCCESS, "init parent");
    init_async_sess(&child, g_pool);
    MUST(pjsip_auth_clt_set_parent(&child, &parent) == PJ_SUCCESS, "set_parent");
    {
        pjsip_auth_clt_async_setting opt = {&keep_token, NULL};
        MUST(pjsip_auth_clt_async_configure(&child, &opt) == PJ_SUCCESS, "configure via child");
    }
    c.sess = &child;
    c.abandon = 0;
    result("cycle_parent.send", measure(run_cycle, &c, iters, reps), "ns",
           "token cycle with a parent session");
    c.abandon = 1;
    result("cycle_parent.abandon", measure(run_cycle, &c, iters, reps), "ns",
           "abandon cycle with a parent session");
    pjsip_auth_clt_deinit(&child);
    pjsip_auth_clt_deinit(&parent);

    free_rdata(rdata);
    pjsip_tx_data_dec_ref(c.tdata);
    pj_grp_lock_dec_ref(c.glock);
}

/* ------------------------------------------------- 5. many tokens pending */

/* A set of pending tokens: each needs its own impl token (both libraries
 * write its signature while it is pending) and holds one group-lock
 * reference. */
struct pending_set {
    long n;
    pjsip_auth_clt_async_impl_token *impl;
    void **tok;
};

static void pending_alloc(struct pending_set *s, long n, pj_grp_lock_t *glock)
{
    s->n = n;
    s->impl = (pjsip_auth_clt_async_impl_token *)calloc((size_t)n, sizeof s->impl[0]);
    s->tok = (void **)calloc((size_t)n, sizeof s->tok[0]);
    MUST(s->impl && s->tok, "calloc");
    for (long i = 0; i < n; i++) {
        init_impl_token(&s->impl[i], glock);
        s->tok[i] = s; /* touch every page now, so that RSS deltas count only the library */
    }
}

static void pending_free(struct pending_set *s)
{
    free(s->impl);
    free(s->tok);
}

/* Issues the set's tokens [from, to) on `sess`; returns the ns spent. */
static double issue_range(struct pending_set *s, long from, long to, pjsip_auth_clt_sess *sess,
                          const pjsip_auth_clt_async_on_chal_param *prm, pj_grp_lock_t *glock)
{
    pj_status_t first_bad = PJ_SUCCESS;
    double t0 = now_ns();
    for (long i = from; i < to; i++) {
        pj_grp_lock_add_ref(glock);
        pj_status_t st = pjsip_auth_clt_async_impl_on_challenge(sess, &s->impl[i], prm);
        if (st != PJ_SUCCESS && first_bad == PJ_SUCCESS)
            first_bad = st;
        s->tok[i] = g_token;
    }
    double t1 = now_ns();
    if (first_bad != PJ_SUCCESS)
        fprintf(stderr, "auth_bench[%s]: impl_on_challenge returned %d\n", LIB_NAME, first_bad);
    CHECK(first_bad == PJ_SUCCESS, "issue pending tokens");
    return t1 - t0;
}

/* Claims the set's tokens [from, to) with send_req; returns the ns spent. */
static double claim_range(struct pending_set *s, long from, long to, pjsip_auth_clt_sess *sess,
                          pjsip_tx_data *tdata)
{
    int bad = 0;
    double t0 = now_ns();
    for (long i = from; i < to; i++)
        bad |= pjsip_auth_clt_async_send_req(sess, s->tok[i], tdata) != PJ_SUCCESS;
    double t1 = now_ns();
    CHECK(!bad, "claim pending tokens");
    return t1 - t0;
}

static double pending_issue(struct pending_set *s, pjsip_auth_clt_sess *sess,
                            const pjsip_auth_clt_async_on_chal_param *prm, pj_grp_lock_t *glock)
{
    return issue_range(s, 0, s->n, sess, prm, glock);
}

static double pending_claim(struct pending_set *s, pjsip_auth_clt_sess *sess,
                            pjsip_tx_data *tdata)
{
    return claim_range(s, 0, s->n, sess, tdata);
}

/* A probe round: the probe set issued and claimed in chunks, so that at most
 * PROBE_CHUNK tokens are added to what is pending (ours refuses more than
 * 2^20 pending at once, PJ_ETOOMANY); issue and claim time per token. */
#define PROBE_CHUNK 1000

static void probe_round(struct pending_set *p, pjsip_auth_clt_sess *sess,
                        const pjsip_auth_clt_async_on_chal_param *prm, pj_grp_lock_t *glock,
                        pjsip_tx_data *tdata, double *issue_ns, double *claim_ns)
{
    double ti = 0, tc = 0;
    for (long from = 0; from < p->n; from += PROBE_CHUNK) {
        long to = from + PROBE_CHUNK < p->n ? from + PROBE_CHUNK : p->n;
        ti += issue_range(p, from, to, sess, prm, glock);
        tc += claim_range(p, from, to, sess, tdata);
    }
    *issue_ns = ti / (double)p->n;
    *claim_ns = tc / (double)p->n;
}

static void bench_pending(long n_pending, long n_probe, int reps)
{
    pjsip_auth_clt_sess sess;
    pjsip_rx_data *rdata = make_rdata(CHAL_MD5, sizeof CHAL_MD5 - 1);
    pjsip_tx_data *tdata = make_tdata();
    pj_grp_lock_t *glock = make_glock();
    pjsip_auth_clt_async_on_chal_param prm = {tdata, rdata, NULL};
    struct pending_set big, probe;
    double e_issue[MAX_REPS], e_claim[MAX_REPS], f_issue[MAX_REPS], f_claim[MAX_REPS];
    double fill[MAX_REPS], drain[MAX_REPS];
    double bytes_per_token = -1;
    char what[160];

    if (reps > MAX_REPS)
        reps = MAX_REPS;
    init_async_sess(&sess, g_pool);
    pending_alloc(&big, n_pending, glock);
    pending_alloc(&probe, n_probe, glock);

    /* Warm-up: one probe round on the empty table. */
    probe_round(&probe, &sess, &prm, glock, tdata, &e_issue[0], &e_claim[0]);

    for (int r = 0; r < reps; r++) {
        /* Empty table: issue the probe tokens, then claim them. */
        probe_round(&probe, &sess, &prm, glock, tdata, &e_issue[r], &e_claim[r]);

        /* Fill: n_pending tokens outstanding at once. */
        long before = rss_bytes();
        fill[r] = pending_issue(&big, &sess, &prm, glock) / (double)n_pending;
        long after = rss_bytes();
        if (r == 0 && before >= 0 && after >= 0)
            bytes_per_token = (double)(after - before) / (double)n_pending;
        CHECK(pj_grp_lock_get_ref(glock) == 1 + n_pending, "one reference per pending token");
#ifndef BENCH_PJSIP
        CHECK(pjshim_auth_clt_async_pending(&sess) == (unsigned)n_pending, "pending count");
#endif

        /* Full table: the same probe round. */
        probe_round(&probe, &sess, &prm, glock, tdata, &f_issue[r], &f_claim[r]);

        /* Drain the big set. */
        drain[r] = pending_claim(&big, &sess, tdata) / (double)n_pending;
        CHECK(pj_grp_lock_get_ref(glock) == 1, "group lock back to its base reference");
    }

    snprintf(what, sizeof what, "issue (add_ref + impl_on_challenge), table empty");
    result("pending.empty.issue", median(e_issue, reps), "ns", what);
    snprintf(what, sizeof what, "claim (send_req), table empty");
    result("pending.empty.claim", median(e_claim, reps), "ns", what);
    snprintf(what, sizeof what, "issue, %ld tokens pending", n_pending);
    result("pending.full.issue", median(f_issue, reps), "ns", what);
    snprintf(what, sizeof what, "claim, %ld tokens pending", n_pending);
    result("pending.full.claim", median(f_claim, reps), "ns", what);
    snprintf(what, sizeof what, "issue while filling 0 -> %ld pending (per token)", n_pending);
    result("pending.fill", median(fill, reps), "ns", what);
    snprintf(what, sizeof what, "claim while draining %ld -> 0 pending (per token)", n_pending);
    result("pending.drain", median(drain, reps), "ns", what);
    snprintf(what, sizeof what,
             "library memory per pending token (RSS delta / %ld; the caller's %u-byte "
             "impl token not counted)",
             n_pending, (unsigned)sizeof(pjsip_auth_clt_async_impl_token));
    result("pending.bytes", bytes_per_token, "bytes", what);

    pjsip_auth_clt_deinit(&sess);
    pending_free(&big);
    pending_free(&probe);
    free_rdata(rdata);
    pjsip_tx_data_dec_ref(tdata);
    pj_grp_lock_dec_ref(glock);
}

/* ------------------------------------------- 5b. deinit with k pending */

/* The cost of one clock_gettime pair (median), subtracted from figures
 * that time a single call. */
static double clock_overhead_ns(void)
{
    double v[MAX_REPS];
    for (int r = 0; r < MAX_REPS; r++) {
        double t0 = now_ns();
        v[r] = now_ns() - t0;
    }
    return median(v, MAX_REPS);
}

/* ns for one pjsip_auth_clt_deinit of a session with k tokens pending: each
 * repetition sets one session up untimed and times its deinit alone (other
 * sessions' tokens would change what is measured), less the clock's own
 * cost; the median over reps. Ours revokes the k tokens inside deinit
 * (abandon_impl and a reference dropped each); PJSIP's deinit leaves them
 * pending, and they are consumed afterwards, untimed. */
static double deinit_with_pending(long k, int reps, pj_grp_lock_t *glock,
                                  const pjsip_auth_clt_async_on_chal_param *prm, int base_refs)
{
    double v[MAX_REPS];
    struct pending_set s;
    const double overhead = clock_overhead_ns();
    if (reps > MAX_REPS)
        reps = MAX_REPS;
    pending_alloc(&s, k > 0 ? k : 1, glock);
    s.n = k;
    for (int r = 0; r < reps; r++) {
        pjsip_auth_clt_sess sess;
        pj_pool_t *pool = pjsip_endpt_create_pool(g_endpt, "deinit", 1000, 1000);
        MUST(pool != NULL, "pool");
        init_async_sess(&sess, pool);
        pending_issue(&s, &sess, prm, glock);
        double t0 = now_ns();
        pj_status_t st = pjsip_auth_clt_deinit(&sess);
        double t = now_ns() - t0 - overhead;
        v[r] = t > 0 ? t : 0;
        CHECK(st == PJ_SUCCESS, "deinit");
        after_deinit_cleanup(&sess, s.tok, k);
        CHECK(pj_grp_lock_get_ref(glock) == base_refs, "group lock back to its base reference");
        pjsip_endpt_release_pool(g_endpt, pool);
    }
    pending_free(&s);
    return median(v, reps);
}

static void bench_deinit(long burst, int reps)
{
    static const long ks[] = {0, 10, 1000};
    pjsip_rx_data *rdata = make_rdata(CHAL_MD5, sizeof CHAL_MD5 - 1);
    pjsip_tx_data *tdata = make_tdata();
    pj_grp_lock_t *glock = make_glock();
    pjsip_auth_clt_async_on_chal_param prm = {tdata, rdata, NULL};
    pjsip_auth_clt_sess other;
    struct pending_set b;
    char key[64], what[160];
    const int nk = (int)(sizeof ks / sizeof ks[0]);

    for (int i = 0; i < nk; i++) {
        snprintf(key, sizeof key, "deinit.k%ld.fresh", ks[i]);
        snprintf(what, sizeof what, "deinit with %ld pending, no earlier burst", ks[i]);
        result(key, deinit_with_pending(ks[i], reps, glock, &prm, 1), "ns", what);
    }

    /* A burst on another session: all pending at once, then all consumed. */
    init_async_sess(&other, g_pool);
    pending_alloc(&b, burst, glock);
    pending_issue(&b, &other, &prm, glock);
    pending_claim(&b, &other, tdata);
    CHECK(pj_grp_lock_get_ref(glock) == 1, "burst consumed");
    for (int i = 0; i < nk; i++) {
        snprintf(key, sizeof key, "deinit.k%ld.after_burst", ks[i]);
        snprintf(what, sizeof what, "deinit with %ld pending, after a %ld-token burst elsewhere",
                 ks[i], burst);
        result(key, deinit_with_pending(ks[i], reps, glock, &prm, 1), "ns", what);
    }

    /* The burst again, this time left pending on the other session. */
    pending_issue(&b, &other, &prm, glock);
    for (int i = 0; i < nk; i++) {
        snprintf(key, sizeof key, "deinit.k%ld.burst_pending", ks[i]);
        snprintf(what, sizeof what, "deinit with %ld pending, %ld pending on another session",
                 ks[i], burst);
        result(key, deinit_with_pending(ks[i], reps, glock, &prm, 1 + (int)burst), "ns", what);
    }
    pending_claim(&b, &other, tdata);
    CHECK(pj_grp_lock_get_ref(glock) == 1, "second burst consumed");
    pjsip_auth_clt_deinit(&other);
    pending_free(&b);
    free_rdata(rdata);
    pjsip_tx_data_dec_ref(tdata);
    pj_grp_lock_dec_ref(glock);
}

/* ----------------------------------------------------------------- main */

int main(int argc, char **argv)
{
    const int quick = has_quick_flag(argc, argv);
    const char *section = NULL;
    for (int i = 1; i < argc; i++)
        if (argv[i][0] != '-')
            section = argv[i];
    if (!section) {
        fprintf(stderr, "usage: %s [--quick] basic|cycles|deinit|pending\n", argv[0]);
        return 64;
    }
    /* Full: about a second per figure; quick: a smoke run of a few seconds. */
    const int reps = quick ? 3 : 7;
    lib_start();
    printf("INFO\tlibrary %s, section %s, %s\n", LIB_NAME, section, quick ? "quick" : "full");
    if (strcmp(section, "basic") == 0) {
        bench_digest(quick ? 5000 : 300000, reps);
        bench_reinit(quick ? 1000 : 40000, reps);
        bench_cycles(quick ? 20000 : 2000000, reps);
    } else if (strcmp(section, "cycles") == 0) {
        /* The token cycles alone (for a profiler or perf stat). */
        bench_cycles(quick ? 20000 : 2000000, reps);
    } else if (strcmp(section, "deinit") == 0) {
        bench_deinit(quick ? 20000 : 200000, quick ? 5 : 31);
    } else if (strcmp(section, "pending") == 0) {
        bench_pending(quick ? 50000 : 1000000, quick ? 5000 : 100000, quick ? 1 : 7);
    } else {
        fprintf(stderr, "unknown section %s\n", section);
        return 64;
    }
#ifndef BENCH_PJSIP
    CHECK(pjshim_async_live_tokens() == 0, "no token left live");
#endif
    lib_stop();
    if (g_failures) {
        fprintf(stderr, "auth_bench[%s]: %d check(s) failed\n", LIB_NAME, g_failures);
        return 1;
    }
    return 0;
}
