/* Interop client: registers with a real registrar (Kamailio, see
 * interop/kamailio/) through this library's pjsip_regc, answering the digest
 * challenge asynchronously from another thread, the way an application that
 * asks a user or a key store for the password would.
 *
 * Written only against the C contract (shared API.md sections 1-6): it
 * includes nothing of the project but "pjsip_auth_shim.h".
 *
 * Usage:
 *   kamailio_register PORT USER PASSWORD ALGORITHM MODE [REALM]
 *     PORT       the registrar's UDP port on 127.0.0.1
 *     ALGORITHM  MD5 or SHA-256: what the registrar's challenge must name
 *                (MD5 also accepts a challenge without algorithm)
 *     MODE       ok        REGISTER -> 200, then unregister -> 200
 *                ok-keep   REGISTER -> 200 and keep the binding (the caller
 *                          checks it at the registrar)
 *                wrongpass REGISTER ends with a final non-2xx and an error
 *                          status after a bounded number of challenges
 *                abandon   the challenge is abandoned: the registration
 *                          callback reports a non-2xx code and an error
 *                          status, and no credentials are ever sent
 *     REALM      domain of the AoR (default shim.test)
 *
 * Prints "contact: sip:USER@127.0.0.1:N" once the transport is up, one line per
 * event, and exits 0 only if every expectation held. Every wait is bounded
 * (10 s per transaction), and the number of challenges answered is bounded.
 */
#define _POSIX_C_SOURCE 200809L

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pjsip_auth_shim.h"

#define DEADLINE_MS 10000
#define ANSWER_DELAY_MS 200
/* Challenges seen in one run: more means a loop, which fails the run. */
#define MAX_CHALLENGES 6

enum mode { MODE_OK, MODE_OK_KEEP, MODE_WRONGPASS, MODE_ABANDON };

static int failures;

#define CHECK(cond)                                                            \
    do {                                                                       \
        if (!(cond)) {                                                         \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__,   \
                    #cond);                                                    \
            failures++;                                                        \
        }                                                                      \
    } while (0)

static void say(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
    fflush(stdout);
}

static const char *errstr(pj_status_t st, char *buf, size_t len)
{
    pj_strerror(st, buf, len);
    return buf;
}

/* What the registration callback saw last. */
struct reg_result {
    int fired;
    pjsip_regc *regc;
    pj_status_t status;
    int code;
    char reason[64];
    pj_int32_t expiration;
    int contact_cnt;
    pj_bool_t is_unreg;
};

/* One challenge being answered on its own thread. */
struct job {
    struct app *app;
    pjsip_auth_clt_sess *sess;
    void *token;
    pjsip_rx_data *rdata; /* our clone of the 401 */
    pjsip_tx_data *tdata; /* the challenged request, one reference ours */
    int index;
};

struct app {
    enum mode mode;
    const char *user;
    const char *password;
    const char *algorithm;

    pthread_mutex_t lock; /* guards everything below */
    struct reg_result result;
    int challenges;
    int answered;      /* send_req calls that returned PJ_SUCCESS */
    int abandoned;     /* abandon calls that returned PJ_SUCCESS */
    int auth_sent;     /* requests that left with an Authorization */
    pj_status_t last_reinit;
    int bad_algorithm; /* a challenge or an answer named another algorithm */
    int thread_errors;
    pthread_t threads[MAX_CHALLENGES];
    int thread_cnt;
};

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Does a header value name the expected algorithm? An absent algorithm means
 * MD5 (RFC 2617). */
static int algorithm_matches(const pj_str_t *value, const char *want)
{
    char buf[1024];
    const char *p;
    size_t n = value->slen < (pj_ssize_t)sizeof(buf) - 1 ? (size_t)value->slen
                                                         : sizeof(buf) - 1;
    size_t i, wl = strlen(want);
    memcpy(buf, value->ptr, n);
    buf[n] = '\0';
    for (i = 0; i < n; i++) /* parameter names are case-insensitive */
        if (buf[i] >= 'A' && buf[i] <= 'Z')
            buf[i] = (char)(buf[i] - 'A' + 'a');
    p = strstr(buf, "algorithm=");
    if (!p)
        return strcmp(want, "MD5") == 0;
    p += strlen("algorithm=");
    if (*p == '"')
        p++;
    for (i = 0; i < wl; i++) {
        char c = want[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (p[i] != c)
            return 0;
    }
    return p[wl] == '\0' || p[wl] == ',' || p[wl] == '"' || p[wl] == ' ' ||
           p[wl] == '\t' || p[wl] == '\r' || p[wl] == ';';
}

static void *answer_thread(void *arg)
{
    struct job *job = (struct job *)arg;
    struct app *app = job->app;
    char ebuf[PJ_ERR_MSG_SIZE];
    pj_status_t st;

    pj_thread_sleep(ANSWER_DELAY_MS);

    if (app->mode == MODE_ABANDON) {
        st = pjsip_auth_clt_async_abandon(job->sess, job->token);
        say("challenge %d: abandoned: %s", job->index, errstr(st, ebuf, sizeof ebuf));
        pthread_mutex_lock(&app->lock);
        if (st == PJ_SUCCESS)
            app->abandoned++;
        else
            app->thread_errors++;
        pthread_mutex_unlock(&app->lock);
        /* The token is spent: a second use must be refused (and must leave
         * the request with us; if it was taken, do not drop it twice). */
        st = pjsip_auth_clt_async_send_req(job->sess, job->token, job->tdata);
        if (st != PJ_EINVAL) {
            pthread_mutex_lock(&app->lock);
            app->thread_errors++;
            pthread_mutex_unlock(&app->lock);
            job->tdata = NULL;
        }
    } else {
        pjsip_cred_info cred;
        pjsip_tx_data *new_req = NULL;

        memset(&cred, 0, sizeof cred);
        cred.realm = pj_str((char *)"*");
        cred.scheme = pj_str((char *)"digest");
        cred.username = pj_str((char *)app->user);
        cred.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
        cred.data = pj_str((char *)app->password);
        st = pjsip_auth_clt_set_credentials(job->sess, 1, &cred);
        if (st != PJ_SUCCESS) {
            say("challenge %d: set_credentials: %s", job->index,
                errstr(st, ebuf, sizeof ebuf));
            pthread_mutex_lock(&app->lock);
            app->thread_errors++;
            pthread_mutex_unlock(&app->lock);
        }

        st = pjsip_auth_clt_reinit_req(job->sess, job->rdata, job->tdata, &new_req);
        pthread_mutex_lock(&app->lock);
        app->last_reinit = st;
        pthread_mutex_unlock(&app->lock);

        if (st == PJ_SUCCESS && new_req) {
            pj_str_t authz;
            if (pjshim_tx_data_get_hdr(new_req, "Authorization", 0, &authz) ==
                PJ_SUCCESS) {
                say("challenge %d: answering with: %.*s", job->index,
                    (int)authz.slen, authz.ptr);
                if (!algorithm_matches(&authz, app->algorithm)) {
                    pthread_mutex_lock(&app->lock);
                    app->bad_algorithm++;
                    pthread_mutex_unlock(&app->lock);
                }
            } else {
                say("challenge %d: the new request has no Authorization", job->index);
                pthread_mutex_lock(&app->lock);
                app->thread_errors++;
                pthread_mutex_unlock(&app->lock);
            }
            st = pjsip_auth_clt_async_send_req(job->sess, job->token, new_req);
            say("challenge %d: send_req: %s", job->index, errstr(st, ebuf, sizeof ebuf));
            pthread_mutex_lock(&app->lock);
            if (st == PJ_SUCCESS) {
                app->answered++;
                app->auth_sent++;
            } else if (st == PJ_EINVAL) {
                /* Refused: the request is still ours. */
                app->thread_errors++;
            }
            pthread_mutex_unlock(&app->lock);
            if (st == PJ_EINVAL)
                pjsip_tx_data_dec_ref(new_req);
        } else {
            /* The credentials failed (or the challenge cannot be answered):
             * give up on this transaction, which ends the registration. */
            say("challenge %d: reinit_req: %s; abandoning", job->index,
                errstr(st, ebuf, sizeof ebuf));
            st = pjsip_auth_clt_async_abandon(job->sess, job->token);
            pthread_mutex_lock(&app->lock);
            if (st == PJ_SUCCESS)
                app->abandoned++;
            else
                app->thread_errors++;
            pthread_mutex_unlock(&app->lock);
        }
    }

    pjsip_rx_data_free_cloned(job->rdata);
    if (job->tdata)
        pjsip_tx_data_dec_ref(job->tdata);
    free(job);
    return NULL;
}

/* The async challenge callback: runs on the thread that received the 401.
 * Keeps the token, clones what it needs and answers later from a thread. */
static pj_bool_t on_challenge(pjsip_auth_clt_sess *sess, void *token,
                              const pjsip_auth_clt_async_on_chal_param *param)
{
    struct app *app = (struct app *)param->user_data;
    struct job *job;
    pj_str_t chal;
    char ebuf[PJ_ERR_MSG_SIZE];
    pj_status_t st;
    int index, too_many, rc;

    pthread_mutex_lock(&app->lock);
    index = ++app->challenges;
    too_many = index > MAX_CHALLENGES || app->thread_cnt >= MAX_CHALLENGES;
    pthread_mutex_unlock(&app->lock);

    if (pjshim_rx_data_get_hdr(param->rdata, "WWW-Authenticate", 0, &chal) ==
        PJ_SUCCESS) {
        say("challenge %d: %d %.*s", index, pjshim_rx_data_get_status(param->rdata),
            (int)chal.slen, chal.ptr);
        if (!algorithm_matches(&chal, app->algorithm)) {
            pthread_mutex_lock(&app->lock);
            app->bad_algorithm++;
            pthread_mutex_unlock(&app->lock);
        }
    } else {
        say("challenge %d: %d without WWW-Authenticate", index,
            pjshim_rx_data_get_status(param->rdata));
    }

    if (too_many) {
        /* A loop: stop it here (the callback may consume its own token). */
        st = pjsip_auth_clt_async_abandon(sess, token);
        say("challenge %d: too many challenges, abandoned: %s", index,
            errstr(st, ebuf, sizeof ebuf));
        return PJ_TRUE;
    }

    job = (struct job *)calloc(1, sizeof *job);
    if (!job)
        return PJ_FALSE; /* the library falls back to the synchronous path */
    job->app = app;
    job->sess = sess;
    job->token = token;
    job->index = index;
    st = pjsip_rx_data_clone(param->rdata, 0, &job->rdata);
    if (st != PJ_SUCCESS) {
        say("challenge %d: rx_data_clone: %s", index, errstr(st, ebuf, sizeof ebuf));
        free(job);
        return PJ_FALSE;
    }
    job->tdata = param->tdata;
    pjsip_tx_data_add_ref(job->tdata);

    pthread_mutex_lock(&app->lock);
    rc = pthread_create(&app->threads[app->thread_cnt], NULL, answer_thread, job);
    if (rc == 0)
        app->thread_cnt++;
    pthread_mutex_unlock(&app->lock);
    if (rc != 0) {
        say("challenge %d: pthread_create failed (%d)", index, rc);
        pjsip_rx_data_free_cloned(job->rdata);
        pjsip_tx_data_dec_ref(job->tdata);
        free(job);
        pjsip_auth_clt_async_abandon(sess, token);
        return PJ_TRUE;
    }
    return PJ_TRUE;
}

/* The registration callback: on the event thread, or on the thread that
 * abandoned the challenge. */
static void on_reg(struct pjsip_regc_cbparam *param)
{
    struct app *app = (struct app *)param->token;
    char ebuf[PJ_ERR_MSG_SIZE];
    int rlen;

    pthread_mutex_lock(&app->lock);
    app->result.fired++;
    app->result.regc = param->regc;
    app->result.status = param->status;
    app->result.code = param->code;
    rlen = param->reason.slen < 0 ? 0 : (int)param->reason.slen;
    if (rlen > (int)sizeof app->result.reason - 1)
        rlen = (int)sizeof app->result.reason - 1;
    if (rlen && param->reason.ptr)
        memcpy(app->result.reason, param->reason.ptr, (size_t)rlen);
    app->result.reason[rlen] = '\0';
    app->result.expiration = param->expiration;
    app->result.contact_cnt = param->contact_cnt;
    app->result.is_unreg = param->is_unreg;
    pthread_mutex_unlock(&app->lock);

    say("regc: code=%d reason=\"%.*s\" status=%d (%s) expiration=%d contacts=%d unreg=%d",
        param->code, rlen, param->reason.ptr ? param->reason.ptr : "", param->status,
        errstr(param->status, ebuf, sizeof ebuf), (int)param->expiration,
        param->contact_cnt, param->is_unreg);
}

/* Pumps the endpoint until the registration callback fired once more than
 * `before`, or the deadline passed. Returns 1 if it fired. */
static int wait_for_reg(pjsip_endpoint *endpt, struct app *app, int before)
{
    long deadline = now_ms() + DEADLINE_MS;
    pj_time_val tick;
    int fired;

    tick.sec = 0;
    tick.msec = 50;
    for (;;) {
        pthread_mutex_lock(&app->lock);
        fired = app->result.fired;
        pthread_mutex_unlock(&app->lock);
        if (fired > before)
            return 1;
        if (now_ms() > deadline)
            return 0;
        pjsip_endpt_handle_events(endpt, &tick);
    }
}

/* Joins every answering thread started so far. */
static void join_threads(struct app *app)
{
    for (;;) {
        pthread_t t;
        int have;
        pthread_mutex_lock(&app->lock);
        have = app->thread_cnt > 0;
        if (have)
            t = app->threads[--app->thread_cnt];
        pthread_mutex_unlock(&app->lock);
        if (!have)
            return;
        pthread_join(t, NULL);
    }
}

static struct reg_result snapshot(struct app *app)
{
    struct reg_result r;
    pthread_mutex_lock(&app->lock);
    r = app->result;
    pthread_mutex_unlock(&app->lock);
    return r;
}

int main(int argc, char **argv)
{
    struct app app;
    pj_caching_pool cp;
    pjsip_endpoint *endpt = NULL;
    pjsip_regc *regc = NULL;
    pjsip_tx_data *tdata = NULL;
    pjsip_auth_clt_async_setting async;
    unsigned reg_port, our_port = 0;
    char srv[64], aor[128], contact[128], ebuf[PJ_ERR_MSG_SIZE];
    const char *realm;
    pj_str_t srv_url, aor_url, contact_url;
    struct reg_result r;
    pj_status_t st;
    int fired;

    if (argc < 6 || argc > 7) {
        fprintf(stderr,
                "usage: %s PORT USER PASSWORD MD5|SHA-256 ok|ok-keep|wrongpass|abandon "
                "[REALM]\n",
                argv[0]);
        return 2;
    }
    memset(&app, 0, sizeof app);
    reg_port = (unsigned)strtoul(argv[1], NULL, 10);
    app.user = argv[2];
    app.password = argv[3];
    app.algorithm = argv[4];
    if (strcmp(argv[5], "ok") == 0)
        app.mode = MODE_OK;
    else if (strcmp(argv[5], "ok-keep") == 0)
        app.mode = MODE_OK_KEEP;
    else if (strcmp(argv[5], "wrongpass") == 0)
        app.mode = MODE_WRONGPASS;
    else if (strcmp(argv[5], "abandon") == 0)
        app.mode = MODE_ABANDON;
    else {
        fprintf(stderr, "unknown mode %s\n", argv[5]);
        return 2;
    }
    if (reg_port == 0 || reg_port > 65535 ||
        (strcmp(app.algorithm, "MD5") != 0 && strcmp(app.algorithm, "SHA-256") != 0)) {
        fprintf(stderr, "bad port or algorithm\n");
        return 2;
    }
    realm = argc == 7 ? argv[6] : "shim.test";
    pthread_mutex_init(&app.lock, NULL);
    app.last_reinit = PJ_SUCCESS;

    st = pj_init();
    CHECK(st == PJ_SUCCESS);
    pj_caching_pool_init(&cp, NULL, 0);
    st = pjsip_endpt_create(&cp.factory, "kamailio-interop", &endpt);
    CHECK(st == PJ_SUCCESS && endpt != NULL);
    if (!endpt)
        return 1;
    st = pjshim_udp_transport_start(endpt, "127.0.0.1", 0, &our_port);
    CHECK(st == PJ_SUCCESS && our_port != 0);
    if (st != PJ_SUCCESS) {
        pjsip_endpt_destroy(endpt);
        pj_caching_pool_destroy(&cp);
        return 1;
    }

    snprintf(srv, sizeof srv, "sip:127.0.0.1:%u", reg_port);
    snprintf(aor, sizeof aor, "<sip:%s@%s>", app.user, realm);
    snprintf(contact, sizeof contact, "<sip:%s@127.0.0.1:%u>", app.user, our_port);
    say("contact: sip:%s@127.0.0.1:%u", app.user, our_port);
    srv_url = pj_str(srv);
    aor_url = pj_str(aor);
    contact_url = pj_str(contact);

    st = pjsip_regc_create(endpt, &app, &on_reg, &regc);
    CHECK(st == PJ_SUCCESS && regc != NULL);
    if (!regc) {
        pjsip_endpt_destroy(endpt);
        pj_caching_pool_destroy(&cp);
        return 1;
    }
    st = pjsip_regc_init(regc, &srv_url, &aor_url, &aor_url, 1, &contact_url, 60);
    CHECK(st == PJ_SUCCESS);

    /* No credentials up front: the answering thread sets them. */
    memset(&async, 0, sizeof async);
    async.cb = &on_challenge;
    async.user_data = &app;
    st = pjsip_auth_clt_async_configure(pjsip_regc_get_auth_sess(regc), &async);
    CHECK(st == PJ_SUCCESS);

    /* REGISTER (no automatic refresh). */
    st = pjsip_regc_register(regc, PJ_FALSE, &tdata);
    CHECK(st == PJ_SUCCESS && tdata != NULL);
    if (st == PJ_SUCCESS) {
        st = pjsip_regc_send(regc, tdata);
        CHECK(st == PJ_SUCCESS);
    }
    fired = wait_for_reg(endpt, &app, 0);
    CHECK(fired);
    join_threads(&app);
    r = snapshot(&app);
    if (!fired)
        say("no registration result within %d ms", DEADLINE_MS);

    switch (app.mode) {
    case MODE_OK:
    case MODE_OK_KEEP:
        CHECK(r.code == 200);
        CHECK(r.status == PJ_SUCCESS);
        CHECK(r.regc == regc);
        CHECK(!r.is_unreg);
        CHECK(r.expiration > 0 && r.expiration <= 60);
        CHECK(r.contact_cnt >= 1);
        CHECK(app.challenges >= 1);
        CHECK(app.answered >= 1);
        CHECK(app.abandoned == 0);
        break;
    case MODE_WRONGPASS:
        CHECK(fired && (r.code < 200 || r.code >= 300));
        CHECK(r.code == 401 || r.code == 403 || r.code == 407);
        CHECK(r.status != PJ_SUCCESS);
        CHECK(app.challenges >= 2); /* the wrong answer was challenged again */
        CHECK(app.answered >= 1);
        say("wrongpass: last reinit_req status %d (%s)", app.last_reinit,
            errstr(app.last_reinit, ebuf, sizeof ebuf));
        break;
    case MODE_ABANDON:
        CHECK(fired && (r.code < 200 || r.code >= 300));
        CHECK(r.status != PJ_SUCCESS);
        CHECK(app.challenges == 1);
        CHECK(app.abandoned == 1);
        CHECK(app.answered == 0);
        CHECK(app.auth_sent == 0);
        break;
    }
    CHECK(app.challenges <= MAX_CHALLENGES);
    CHECK(app.bad_algorithm == 0);
    CHECK(app.thread_errors == 0);
    CHECK(pjshim_auth_clt_async_pending(pjsip_regc_get_auth_sess(regc)) == 0);

    if (app.mode == MODE_OK && r.code == 200) {
        int before = r.fired;
        tdata = NULL;
        st = pjsip_regc_unregister(regc, &tdata);
        CHECK(st == PJ_SUCCESS && tdata != NULL);
        if (st == PJ_SUCCESS) {
            st = pjsip_regc_send(regc, tdata);
            CHECK(st == PJ_SUCCESS);
        }
        fired = wait_for_reg(endpt, &app, before);
        CHECK(fired);
        join_threads(&app);
        r = snapshot(&app);
        CHECK(r.code == 200);
        CHECK(r.status == PJ_SUCCESS);
        CHECK(r.is_unreg);
        CHECK(app.bad_algorithm == 0);
        CHECK(app.thread_errors == 0);
        CHECK(app.abandoned == 0);
    }

    /* Pump a little longer: a late retransmission or a stray callback must
     * not appear (one result per request). */
    {
        long until = now_ms() + 300;
        pj_time_val tick;
        int expect = app.mode == MODE_OK && r.code == 200 ? 2 : 1;
        tick.sec = 0;
        tick.msec = 50;
        while (now_ms() < until)
            pjsip_endpt_handle_events(endpt, &tick);
        join_threads(&app);
        r = snapshot(&app);
        CHECK(r.fired == expect);
    }

    pjsip_regc_destroy(regc);
    CHECK(pjshim_async_live_tokens() == 0);
    pjsip_endpt_destroy(endpt);
    pj_caching_pool_destroy(&cp);
    pj_shutdown();
    pthread_mutex_destroy(&app.lock);

    say("challenges=%d answered=%d abandoned=%d", app.challenges, app.answered,
        app.abandoned);
    if (failures) {
        fprintf(stderr, "kamailio_register %s: %d check(s) failed\n", argv[5], failures);
        return 1;
    }
    say("kamailio_register %s: ok", argv[5]);
    return 0;
}
