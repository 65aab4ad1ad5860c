/* The async challenge flow from C, against an installed pjsip-auth-shim:
 * a REGISTER is challenged by an in-process registrar (pjsip_auth_srv), the
 * challenge callback defers it to a worker thread that fetches the password
 * from a (simulated, slow) vault, and that thread answers with
 * pjsip_auth_clt_reinit_req + pjsip_auth_clt_async_send_req. The registrar then
 * verifies the answer. No thread is registered with the library: none needs to be.
 *
 * Built by examples/c-make (Makefile) and examples/c-cmake (CMake), both
 * through pkg-config. Exits 0 when the registrar accepted the answer and no
 * token or group-lock reference was left behind; non-zero otherwise. */
/* nanosleep and clock_gettime under -std=c11. */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <pjsip_auth_shim.h>

#define REALM "example.com"

static const char REGISTER_MSG[] =
    "REGISTER sip:registrar.example.com SIP/2.0\r\n"
    "Via: SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bKvault1\r\n"
    "Max-Forwards: 70\r\n"
    "From: <sip:alice@example.com>;tag=a1\r\n"
    "To: <sip:alice@example.com>\r\n"
    "Call-ID: vault-example@127.0.0.1\r\n"
    "CSeq: 1 REGISTER\r\n"
    "Contact: <sip:alice@127.0.0.1:5070>\r\n"
    "Content-Length: 0\r\n\r\n";

static int failures;
#define EXPECT(cond)                                                                   \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);        \
            failures++;                                                                \
        }                                                                              \
    } while (0)

/* ---- The vault: the one place the password lives (slow on purpose). ---- */
static pj_status_t vault_fetch(const char *user, char *out, size_t size)
{
    struct timespec delay = {0, 20 * 1000 * 1000};
    nanosleep(&delay, NULL);
    if (strcmp(user, "alice") != 0)
        return PJ_ENOTFOUND;
    snprintf(out, size, "%s", "correct horse battery staple");
    return PJ_SUCCESS;
}

/* ---- The registrar: challenges a request, or verifies its answer. ---- */
static pjsip_auth_srv registrar;
static char registrar_secret[64];

static pj_status_t registrar_lookup(pj_pool_t *pool, const pj_str_t *realm,
                                    const pj_str_t *acc_name, pjsip_cred_info *cred)
{
    char user[32];
    PJ_UNUSED_ARG(pool);
    PJ_UNUSED_ARG(realm);
    if (acc_name->slen <= 0 || (size_t)acc_name->slen >= sizeof user)
        return PJ_ENOTFOUND;
    memcpy(user, acc_name->ptr, (size_t)acc_name->slen);
    user[acc_name->slen] = '\0';
    if (vault_fetch(user, registrar_secret, sizeof registrar_secret) != PJ_SUCCESS)
        return PJ_ENOTFOUND;
    memset(cred, 0, sizeof *cred);
    cred->realm = pj_str((char *)REALM);
    cred->username = *acc_name;
    cred->data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    cred->data = pj_str(registrar_secret);
    return PJ_SUCCESS;
}

/* What the registrar received: the request as the wire would carry it. */
static pjsip_rx_data *over_the_wire(const pjsip_tx_data *tdata)
{
    char buf[4096];
    pj_size_t len = 0;
    pjsip_rx_data *rdata = NULL;
    if (pjshim_tx_data_print(tdata, buf, sizeof buf, &len) != PJ_SUCCESS ||
        pjshim_rx_data_parse(buf, len, &rdata) != PJ_SUCCESS)
        return NULL;
    return rdata;
}

/* The registrar's 401 for `request`, as the client receives it. */
static pjsip_rx_data *registrar_challenge(const pjsip_tx_data *request)
{
    pjsip_rx_data *req = over_the_wire(request), *resp = NULL;
    pjsip_tx_data *chal = NULL;
    if (!req)
        return NULL;
    if (pjshim_tx_data_create_response(req, 401, "Unauthorized", &chal) == PJ_SUCCESS &&
        pjsip_auth_srv_challenge(&registrar, NULL, NULL, NULL, PJ_FALSE, chal) == PJ_SUCCESS)
        resp = over_the_wire(chal);
    if (chal)
        pjsip_tx_data_dec_ref(chal);
    pjsip_rx_data_free_cloned(req);
    printf("  alice            registrar\n");
    printf("    |--- REGISTER --->|\n");
    printf("    |<--- 401 --------|   (challenge handed to the vault thread)\n");
    return resp;
}

/* ---- The transaction that was challenged (what a SIP stack owns). ---- */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t changed = PTHREAD_COND_INITIALIZER;
static int done;        /* the transaction ended: answered or abandoned */
static int final_code;  /* the registrar's verdict on the answer */

static void finish(int code)
{
    pthread_mutex_lock(&lock);
    final_code = code;
    done = 1;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
}

static pj_status_t tsx_send(pjsip_auth_clt_sess *sess, void *user_data, pjsip_tx_data *req)
{
    pjsip_rx_data *rx = over_the_wire(req);
    int code = 500;
    PJ_UNUSED_ARG(sess);
    PJ_UNUSED_ARG(user_data);
    if (rx) {
        pjsip_auth_srv_verify(&registrar, rx, &code);
        pjsip_rx_data_free_cloned(rx);
    }
    printf("    |--- REGISTER --->|   (Authorization, sent from the vault thread)\n");
    printf("    |<--- %d --------|\n", code);
    pjsip_tx_data_dec_ref(req); /* send_impl owns the new request's reference */
    finish(code);
    return PJ_SUCCESS;
}

static void tsx_abandon(pjsip_auth_clt_sess *sess, void *user_data)
{
    PJ_UNUSED_ARG(sess);
    PJ_UNUSED_ARG(user_data);
    printf("    (challenge abandoned)\n");
    finish(0);
}

/* ---- The application: defers each challenge to the vault thread. ---- */
typedef struct job {
    pjsip_auth_clt_sess *sess;
    void *token;
    pjsip_rx_data *challenge; /* a clone: the stack frees its own */
    pjsip_tx_data *request;   /* one reference of ours */
} job_t;

static job_t pending_job;
static int have_job, stopping;

static pj_bool_t on_challenge(pjsip_auth_clt_sess *sess, void *token,
                              const pjsip_auth_clt_async_on_chal_param *param)
{
    job_t j;
    PJ_UNUSED_ARG(param->user_data);
    j.sess = sess;
    j.token = token;
    if (pjsip_rx_data_clone(param->rdata, 0, &j.challenge) != PJ_SUCCESS)
        return PJ_FALSE; /* the library invalidates the token; stack falls back */
    pjsip_tx_data_add_ref(param->tdata);
    j.request = param->tdata;
    pthread_mutex_lock(&lock);
    pending_job = j;
    have_job = 1;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    return PJ_TRUE; /* handled: the token will be consumed later, elsewhere */
}

static void *vault_thread(void *arg)
{
    PJ_UNUSED_ARG(arg);
    for (;;) {
        job_t j;
        char secret[64];
        pjsip_cred_info cred;
        pjsip_tx_data *answer = NULL;
        pj_status_t st;

        pthread_mutex_lock(&lock);
        while (!have_job && !stopping)
            pthread_cond_wait(&changed, &lock);
        if (!have_job) {
            pthread_mutex_unlock(&lock);
            return NULL;
        }
        j = pending_job;
        have_job = 0;
        pthread_mutex_unlock(&lock);

        st = vault_fetch("alice", secret, sizeof secret);
        if (st == PJ_SUCCESS) {
            memset(&cred, 0, sizeof cred);
            cred.realm = pj_str((char *)REALM);
            cred.scheme = pj_str((char *)"digest");
            cred.username = pj_str((char *)"alice");
            cred.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
            cred.data = pj_str(secret);
            st = pjsip_auth_clt_set_credentials(j.sess, 1, &cred);
        }
        if (st == PJ_SUCCESS)
            st = pjsip_auth_clt_reinit_req(j.sess, j.challenge, j.request, &answer);
        if (st == PJ_SUCCESS)
            st = pjsip_auth_clt_async_send_req(j.sess, j.token, answer);
        else
            pjsip_auth_clt_async_abandon(j.sess, j.token);
        EXPECT(st == PJ_SUCCESS);
        pjsip_rx_data_free_cloned(j.challenge);
        pjsip_tx_data_dec_ref(j.request);
    }
}

int main(void)
{
    pj_caching_pool cp;
    pj_pool_t *pool;
    pj_grp_lock_t *glock = NULL;
    pjsip_auth_clt_sess sess;
    pjsip_auth_clt_async_setting opt;
    pjsip_auth_clt_async_impl_token impl;
    pjsip_auth_clt_async_on_chal_param prm;
    pjsip_tx_data *request = NULL;
    pjsip_rx_data *challenge;
    pthread_t vault;
    pj_str_t realm = pj_str((char *)REALM);
    struct timespec deadline;
    pj_status_t st;

    EXPECT(pj_init() == PJ_SUCCESS);
    pj_caching_pool_init(&cp, NULL, 0);
    pool = pj_pool_create(&cp.factory, "example", 4000, 4000, NULL);
    EXPECT(pool != NULL);
    EXPECT(pj_grp_lock_create(pool, NULL, &glock) == PJ_SUCCESS);
    pj_grp_lock_add_ref(glock); /* the transaction's own reference */
    EXPECT(pjsip_auth_srv_init(pool, &registrar, &realm, &registrar_lookup, 0) == PJ_SUCCESS);

    EXPECT(pjsip_auth_clt_init(&sess, NULL, pool, 0) == PJ_SUCCESS); /* no credentials yet */
    memset(&opt, 0, sizeof opt);
    opt.cb = &on_challenge;
    EXPECT(pjsip_auth_clt_async_configure(&sess, &opt) == PJ_SUCCESS);
    EXPECT(pthread_create(&vault, NULL, vault_thread, NULL) == 0);

    /* Send the REGISTER; the registrar challenges it. */
    EXPECT(pjshim_tx_data_parse(REGISTER_MSG, sizeof REGISTER_MSG - 1, &request) == PJ_SUCCESS);
    challenge = request ? registrar_challenge(request) : NULL;
    EXPECT(challenge != NULL);

    /* The stack's side: one group-lock reference for the token, as API.md says. */
    memset(&impl, 0, sizeof impl);
    impl.send_impl = &tsx_send;
    impl.abandon_impl = &tsx_abandon;
    impl.grp_lock = glock;
    prm.tdata = request;
    prm.rdata = challenge;
    prm.user_data = NULL;
    if (challenge) {
        pj_grp_lock_add_ref(glock);
        st = pjsip_auth_clt_async_impl_on_challenge(&sess, &impl, &prm);
        if (st != PJ_SUCCESS)
            pj_grp_lock_dec_ref(glock);
        EXPECT(st == PJ_SUCCESS);
        pjsip_rx_data_free_cloned(challenge); /* the callback kept a clone */

        clock_gettime(CLOCK_REALTIME, &deadline);
        deadline.tv_sec += 10;
        pthread_mutex_lock(&lock);
        while (!done && st == PJ_SUCCESS)
            if (pthread_cond_timedwait(&changed, &lock, &deadline) != 0)
                break;
        pthread_mutex_unlock(&lock);
    }
    EXPECT(done);
    EXPECT(final_code == 200);

    pthread_mutex_lock(&lock);
    stopping = 1;
    pthread_cond_broadcast(&changed);
    pthread_mutex_unlock(&lock);
    pthread_join(vault, NULL);

    /* Nothing left behind: no pending token, the token's reference dropped. */
    EXPECT(pjshim_auth_clt_async_pending(&sess) == 0);
    EXPECT(pjshim_async_live_tokens() == 0);
    EXPECT(pj_grp_lock_get_ref(glock) == 1);
    EXPECT(pjsip_auth_clt_deinit(&sess) == PJ_SUCCESS);
    if (request)
        pjsip_tx_data_dec_ref(request);
    pj_grp_lock_dec_ref(glock);
    pj_pool_release(pool);
    pj_caching_pool_destroy(&cp);
    pj_shutdown();

    if (failures) {
        fprintf(stderr, "vault_async: %d expectation(s) failed\n", failures);
        return 1;
    }
    printf("vault_async: registered as alice with credentials fetched on a worker thread\n");
    return 0;
}
