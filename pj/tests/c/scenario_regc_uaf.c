/* scenario_regc_uaf.c: a token deferred by the application and used after
 * pjsip_regc_destroy (issue 8, "The use-after-free scenario on PJSIP's own
 * regc").
 *
 * A real pjsip_regc registers over UDP to a tiny registrar in this process
 * (a plain socket on 127.0.0.1 that answers every REGISTER with a 401 and
 * counts them). Async is configured on the regc's own session
 * (pjsip_regc_get_auth_sess); the callback builds the authenticated
 * request with pjsip_auth_clt_reinit_req (the rdata lives only during the
 * callback; PJSIP's own auth_async_test does the same), keeps it and the
 * token for later, and watches the transaction's group lock for its
 * destruction. Then pjsip_regc_destroy, then the token is used:
 *
 *   scenario_regc_uaf send-first      send_req, then abandon
 *   scenario_regc_uaf abandon-first   abandon, then send_req
 *   ... --keep-regc                   the same without destroying the regc
 *                                     first: the harness's control (a send
 *                                     that goes out is counted)
 *
 * It prints one line "UAF order=... send_req=S abandon=A registers=R
 * tsx_destroyed=D regc_callbacks=C" (statuses as numbers; R counts the
 * REGISTERs the registrar got in all, the first one included), then "done",
 * and exits 0: the harness judges the figures. Exit 2: not set up. */
#include "scenario.h"

#include <pjsip_ua.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <errno.h>
#include <unistd.h>

/* ---- The registrar: every REGISTER gets a 401. */

static int reg_sock = -1;
static int reg_port;
static int registers;

static void registrar_start(void)
{
    struct sockaddr_in a;
    socklen_t len = sizeof(a);
    reg_sock = socket(AF_INET, SOCK_DGRAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (reg_sock < 0 || bind(reg_sock, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(reg_sock, (struct sockaddr *)&a, &len) != 0)
        sc_setup_failed("registrar socket", PJ_RETURN_OS_ERROR(errno));
    reg_port = ntohs(a.sin_port);
}

/* Appends the header lines of `req` named `name` to `out`, `extra` added to
 * the first (a To tag). */
static void copy_header(const char *req, const char *name, const char *extra, char *out,
                        size_t size)
{
    size_t n = strlen(name);
    const char *line = req;
    int first = 1;
    while (line && *line) {
        const char *end = strstr(line, "\r\n");
        if (end == NULL || end == line)
            break;
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            size_t used = strlen(out);
            snprintf(out + used, size - used, "%.*s%s\r\n", (int)(end - line), line,
                     first && extra ? extra : "");
            first = 0;
        }
        line = end + 2;
    }
}

static void registrar_poll(void)
{
    char req[8000], resp[8000];
    struct sockaddr_in from;
    socklen_t flen = sizeof(from);
    ssize_t len = recvfrom(reg_sock, req, sizeof(req) - 1, MSG_DONTWAIT,
                           (struct sockaddr *)&from, &flen);
    if (len <= 0)
        return;
    req[len] = 0;
    if (strncmp(req, "REGISTER ", 9) != 0)
        return;
    registers++;
    strcpy(resp, "SIP/2.0 401 Unauthorized\r\n");
    copy_header(req, "Via", NULL, resp, sizeof(resp));
    copy_header(req, "From", NULL, resp, sizeof(resp));
    copy_header(req, "To", ";tag=registrar", resp, sizeof(resp));
    copy_header(req, "Call-ID", NULL, resp, sizeof(resp));
    copy_header(req, "CSeq", NULL, resp, sizeof(resp));
    strcat(resp, "WWW-Authenticate: Digest realm=\"example.test\", nonce=\"n-regc\", "
                 "algorithm=MD5, qop=\"auth\"\r\nContent-Length: 0\r\n\r\n");
    sendto(reg_sock, resp, strlen(resp), 0, (struct sockaddr *)&from, flen);
}

/* Runs the endpoint and the registrar for `ms`, or until *until is set. */
static void pump(int ms, const atomic_int *until)
{
    pj_time_val start, now;
    pj_gettickcount(&start);
    for (;;) {
        pj_time_val t = {0, 5};
        registrar_poll();
        pjsip_endpt_handle_events(sc_endpt, &t);
        registrar_poll();
        if (until && atomic_load(until))
            return;
        pj_gettickcount(&now);
        PJ_TIME_VAL_SUB(now, start);
        if (PJ_TIME_VAL_MSEC(now) >= ms)
            return;
    }
}

/* ---- The application. */

static pj_pool_t *app_pool;
static sc_kept kept;
static pjsip_tx_data *kept_request; /* the authenticated retry, kept for later */
static atomic_int tsx_destroyed;
static atomic_int regc_callbacks;

static void on_tsx_lock_destroyed(void *member)
{
    (void)member;
    atomic_store(&tsx_destroyed, 1);
}

static pj_bool_t defer_challenge(pjsip_auth_clt_sess *sess, void *token,
                                 const pjsip_auth_clt_async_on_chal_param *param)
{
    pjsip_transaction *tsx = pjsip_rdata_get_tsx((pjsip_rx_data *)param->rdata);
    pj_status_t st;
    /* Later challenges (the control's retry is challenged again): PJSIP's
     * synchronous path. */
    if (atomic_load(&kept.calls) > 0)
        return PJ_FALSE;
    if (tsx == NULL)
        sc_setup_failed("no transaction on the 401", PJ_EBUG);
    pj_grp_lock_add_handler(tsx->grp_lock, app_pool, NULL, &on_tsx_lock_destroyed);
    st = pjsip_auth_clt_reinit_req(sess, param->rdata, param->tdata, &kept_request);
    if (st != PJ_SUCCESS)
        sc_setup_failed("pjsip_auth_clt_reinit_req in the callback", st);
    return sc_keep_token(sess, token, param);
}

static void on_regc(struct pjsip_regc_cbparam *param)
{
    (void)param;
    atomic_fetch_add(&regc_callbacks, 1);
}

int main(int argc, char **argv)
{
    int send_first = argc > 1 && strcmp(argv[1], "send-first") == 0;
    int keep_regc = argc == 3 && strcmp(argv[2], "--keep-regc") == 0;
    char srv[64], contact_buf[80];
    pj_str_t srv_uri, aor = pj_str("<sip:alice@example.test>"), contact;
    pj_sockaddr_in bind_addr;
    pjsip_transport *tp;
    pjsip_regc *regc;
    pjsip_auth_clt_sess *sess;
    pjsip_auth_clt_async_setting opt;
    pjsip_cred_info cred;
    pjsip_tx_data *tdata;
    pj_status_t st, st_send, st_abandon;
    void *token;

    if (argc < 2 || argc > 3 || (argc == 3 && !keep_regc) ||
        (!send_first && strcmp(argv[1], "abandon-first") != 0)) {
        printf("usage: %s send-first|abandon-first [--keep-regc]\n", argv[0]);
        return 64;
    }
    /* No pool cache: a released pool is freed at once, so that a later
     * read of the regc is a read of freed memory under valgrind. */
    sc_init("scenario-regc", 0);
    /* Timer K (T4) short, so that the transaction ends within the run. */
    pjsip_tsx_set_timers(0, 0, 100, 0);
    if ((st = pjsip_tsx_layer_init_module(sc_endpt)) != PJ_SUCCESS)
        sc_setup_failed("pjsip_tsx_layer_init_module", st);
    app_pool = pjsip_endpt_create_pool(sc_endpt, "app", 4000, 4000);
    pj_sockaddr_in_init(&bind_addr, NULL, 0);
    bind_addr.sin_addr.s_addr = pj_htonl(0x7f000001);
    if ((st = pjsip_udp_transport_start(sc_endpt, &bind_addr, NULL, 1, &tp)) != PJ_SUCCESS)
        sc_setup_failed("pjsip_udp_transport_start", st);
    registrar_start();

    pj_ansi_snprintf(srv, sizeof(srv), "sip:127.0.0.1:%d", reg_port);
    srv_uri = pj_str(srv);
    pj_ansi_snprintf(contact_buf, sizeof(contact_buf), "<sip:alice@127.0.0.1:%d>",
                     tp->local_name.port);
    contact = pj_str(contact_buf);
    if ((st = pjsip_regc_create(sc_endpt, NULL, &on_regc, &regc)) != PJ_SUCCESS)
        sc_setup_failed("pjsip_regc_create", st);
    if ((st = pjsip_regc_init(regc, &srv_uri, &aor, &aor, 1, &contact, 60)) != PJ_SUCCESS)
        sc_setup_failed("pjsip_regc_init", st);
    pj_bzero(&cred, sizeof(cred));
    cred.realm = pj_str("example.test");
    cred.scheme = pj_str("digest");
    cred.username = pj_str("alice");
    cred.data_type = PJSIP_CRED_DATA_PLAIN_PASSWD;
    cred.data = pj_str("secret");
    if ((st = pjsip_regc_set_credentials(regc, 1, &cred)) != PJ_SUCCESS)
        sc_setup_failed("pjsip_regc_set_credentials", st);
    sess = pjsip_regc_get_auth_sess(regc);
    pj_bzero(&opt, sizeof(opt));
    opt.cb = &defer_challenge;
    opt.user_data = &kept;
    if ((st = pjsip_auth_clt_async_configure(sess, &opt)) != PJ_SUCCESS)
        sc_setup_failed("pjsip_auth_clt_async_configure on the regc's session", st);

    if ((st = pjsip_regc_register(regc, PJ_FALSE, &tdata)) != PJ_SUCCESS)
        sc_setup_failed("pjsip_regc_register", st);
    if ((st = pjsip_regc_send(regc, tdata)) != PJ_SUCCESS)
        sc_setup_failed("pjsip_regc_send", st);
    pump(3000, &kept.calls);
    token = atomic_load(&kept.token);
    if (token == NULL)
        sc_setup_failed("no challenge reached the callback", PJ_ETIMEDOUT);
    pump(20, NULL);

    /* The application destroys the regc while the token is deferred. */
    if (!keep_regc) {
        if ((st = pjsip_regc_destroy(regc)) != PJ_SUCCESS)
            sc_setup_failed("pjsip_regc_destroy", st);
        printf("regc destroyed, token deferred\n");
    } else {
        printf("regc kept, token deferred\n");
    }
    fflush(stdout);

    if (send_first) {
        st_send = pjsip_auth_clt_async_send_req(kept.sess, token, kept_request);
        st_abandon = pjsip_auth_clt_async_abandon(kept.sess, token);
    } else {
        st_abandon = pjsip_auth_clt_async_abandon(kept.sess, token);
        st_send = pjsip_auth_clt_async_send_req(kept.sess, token, kept_request);
    }
    /* Long enough for a REGISTER to arrive and the transaction to end. */
    pump(400, NULL);
    pump(3000, &tsx_destroyed);
    printf("UAF regc=%s order=%s send_req=%d abandon=%d registers=%d tsx_destroyed=%d "
           "regc_callbacks=%d\n",
           keep_regc ? "kept" : "destroyed", argv[1], st_send, st_abandon, registers, atomic_load(&tsx_destroyed),
           atomic_load(&regc_callbacks));
    fflush(stdout);

    /* The refused send left the request with us. */
    if (st_send != PJ_SUCCESS)
        pjsip_tx_data_dec_ref(kept_request);
    if (keep_regc && (st = pjsip_regc_destroy(regc)) != PJ_SUCCESS)
        printf("pjsip_regc_destroy at the end: %d\n", st);
    pjsip_transport_shutdown(tp);
    pump(50, NULL);
    close(reg_sock);
    pj_pool_release(app_pool);
    sc_shutdown();
    printf("done\n");
    return 0;
}
