/* Registration client: automatic refresh and one transaction at a time,
 * against an in-process registrar over 127.0.0.1 UDP that grants 2 seconds.
 * (1) A second pjsip_regc_send() while a REGISTER is in flight is refused with
 * PJSIP_EBUSY (as PJSIP's sip_reg.c). (2) With autoreg, a refresh REGISTER goes
 * out about one second after each 2xx (a 2 s grant is refreshed 1 s early),
 * same Call-ID, CSeq one higher each time, and each is reported. (3) After an
 * unregistration, and (4) after pjsip_regc_destroy(), no refresh is sent. */
#define _POSIX_C_SOURCE 200809L
#include <string.h>
#include <time.h>
#include "pjsip_auth_shim.h"
#include "test_util.h"

static pj_caching_pool cp;
static pjsip_endpoint *srv, *cli;
static unsigned srv_port;

#define MAX_REGS 32
static struct {
    long cseq;
    char call_id[128];
    int unreg;
    long at_ms;
} regs[MAX_REGS];
static int nregs;

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Answers 200, with the binding granted for 2 s (or removed). */
static pj_bool_t registrar(pjsip_rx_data *rdata, void *ud)
{
    pjsip_tx_data *resp = NULL, *full = NULL;
    pj_str_t v;
    char buf[2048];
    pj_size_t len = 0;
    const char *extra = "Contact: <sip:alice@127.0.0.1:5099>;expires=2\r\n";
    int unreg = 0;
    PJ_UNUSED_ARG(ud);
    if (pjshim_rx_data_get_hdr(rdata, "Expires", 0, &v) == PJ_SUCCESS)
        unreg = v.slen == 1 && v.ptr[0] == '0';
    if (nregs < MAX_REGS) {
        if (pjshim_rx_data_get_hdr(rdata, "CSeq", 0, &v) == PJ_SUCCESS)
            regs[nregs].cseq = strtol(v.ptr, NULL, 10);
        if (pjshim_rx_data_get_hdr(rdata, "Call-ID", 0, &v) == PJ_SUCCESS)
            snprintf(regs[nregs].call_id, sizeof(regs[nregs].call_id), "%.*s", (int)v.slen, v.ptr);
        regs[nregs].unreg = unreg;
        regs[nregs].at_ms = now_ms();
    }
    nregs++;
    CHECK_STATUS(pjshim_tx_data_create_response(rdata, 200, NULL, &resp), PJ_SUCCESS);
    if (!resp)
        return PJ_TRUE;
    if (unreg) {
        CHECK_STATUS(pjshim_endpt_respond(srv, rdata, resp), PJ_SUCCESS);
    } else {
        /* Add the Contact by re-parsing the printed response with it. */
        CHECK_STATUS(pjshim_tx_data_print(resp, buf, sizeof(buf), &len), PJ_SUCCESS);
        if (len > 4 && len + strlen(extra) < sizeof(buf)) {
            memmove(buf + len - 2 + strlen(extra), buf + len - 2, 2);
            memcpy(buf + len - 2, extra, strlen(extra));
            len += strlen(extra);
            CHECK_STATUS(pjshim_tx_data_parse(buf, len, &full), PJ_SUCCESS);
            CHECK_STATUS(pjshim_endpt_respond(srv, rdata, full), PJ_SUCCESS);
            pjsip_tx_data_dec_ref(full);
        }
    }
    pjsip_tx_data_dec_ref(resp);
    return PJ_TRUE;
}

#define MAX_CBS 32
static struct {
    pj_status_t status;
    int code, expiration, unreg;
} cbs[MAX_CBS];
static int ncbs;

static void on_reg(struct pjsip_regc_cbparam *p)
{
    if (ncbs < MAX_CBS) {
        cbs[ncbs].status = p->status;
        cbs[ncbs].code = p->code;
        cbs[ncbs].expiration = p->expiration;
        cbs[ncbs].unreg = p->is_unreg;
    }
    ncbs++;
}

/* Runs both endpoints until *counter reaches want or max_ms passed. */
static void pump_until(int *counter, int want, int max_ms)
{
    long end = now_ms() + max_ms;
    while (*counter < want && now_ms() < end) {
        pj_time_val t = {0, 2};
        pjsip_endpt_handle_events(srv, &t);
        pjsip_endpt_handle_events(cli, &t);
    }
}

static pjsip_regc *new_regc(void)
{
    pjsip_regc *r = NULL;
    char url[64];
    pj_str_t srv_url, aor = pj_str("sip:alice@example.com"), contact = pj_str("sip:alice@127.0.0.1:5099");
    snprintf(url, sizeof(url), "sip:127.0.0.1:%u", srv_port);
    srv_url = pj_str(url);
    CHECK_STATUS(pjsip_regc_create(cli, NULL, &on_reg, &r), PJ_SUCCESS);
    CHECK_STATUS(pjsip_regc_init(r, &srv_url, &aor, &aor, 1, &contact, 2), PJ_SUCCESS);
    return r;
}

static void reset(void)
{
    memset(regs, 0, sizeof(regs));
    memset(cbs, 0, sizeof(cbs));
    nregs = ncbs = 0;
}

static void test_busy_and_refresh(void)
{
    pjsip_regc *r;
    pjsip_tx_data *t1 = NULL, *t2 = NULL, *t3 = NULL;
    int i, never = 0;
    reset();
    r = new_regc();
    CHECK_STATUS(pjsip_regc_register(r, PJ_TRUE, &t1), PJ_SUCCESS);
    CHECK_STATUS(pjsip_regc_register(r, PJ_TRUE, &t2), PJ_SUCCESS);
    CHECK_STATUS(pjsip_regc_send(r, t1), PJ_SUCCESS);
    /* (1) the first is in flight (no event has run): busy. The refused
     * request's reference is taken over anyway. */
    CHECK_STATUS(pjsip_regc_send(r, t2), PJSIP_EBUSY);

    /* (2) the initial REGISTER and two refreshes, each granted 2 s. */
    pump_until(&ncbs, 3, 6000);
    CHECK(ncbs == 3 && nregs == 3);
    for (i = 0; i < 3 && i < ncbs; i++) {
        CHECK(cbs[i].status == PJ_SUCCESS && cbs[i].code == 200);
        CHECK(cbs[i].expiration == 2 && !cbs[i].unreg);
    }
    for (i = 1; i < 3 && i < nregs; i++) {
        long gap = regs[i].at_ms - regs[i - 1].at_ms;
        CHECK(strcmp(regs[i].call_id, regs[0].call_id) == 0 && regs[0].call_id[0] != '\0');
        CHECK(regs[i].cseq == regs[i - 1].cseq + 1);
        CHECK(!regs[i].unreg);
        /* Refreshed one second early: about 1 s after the previous one. */
        CHECK(gap >= 800 && gap <= 1900);
        if (gap < 800 || gap > 1900)
            fprintf(stderr, "refresh %d came %ld ms after the previous REGISTER\n", i, gap);
    }

    /* (3) unregister: reported, and no refresh follows. */
    CHECK_STATUS(pjsip_regc_unregister(r, &t3), PJ_SUCCESS);
    CHECK_STATUS(pjsip_regc_send(r, t3), PJ_SUCCESS);
    pump_until(&ncbs, 4, 3000);
    CHECK(ncbs == 4 && cbs[3].code == 200 && cbs[3].unreg && cbs[3].expiration == 0);
    CHECK(nregs == 4 && regs[3].unreg && regs[3].cseq == regs[2].cseq + 1);
    pump_until(&never, 1, 2500);
    CHECK(nregs == 4 && ncbs == 4);
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);
}

/* One REGISTER answered 200 (granted 2 s); the client is returned. */
static pjsip_regc *register_once(pj_bool_t autoreg)
{
    pjsip_regc *r;
    pjsip_tx_data *t = NULL;
    reset();
    r = new_regc();
    CHECK_STATUS(pjsip_regc_register(r, autoreg, &t), PJ_SUCCESS);
    CHECK_STATUS(pjsip_regc_send(r, t), PJ_SUCCESS);
    pump_until(&ncbs, 1, 3000);
    CHECK(ncbs == 1 && cbs[0].code == 200 && cbs[0].expiration == 2 && nregs == 1);
    return r;
}

static void test_destroy_stops_refresh(void)
{
    int never = 0;
    pjsip_regc *r = register_once(PJ_TRUE);
    /* (4) the refresh is armed; destroying the client disarms it. */
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);
    pump_until(&never, 1, 2500);
    CHECK(nregs == 1 && ncbs == 1);
}

static void test_no_autoreg_no_refresh(void)
{
    int never = 0;
    pjsip_regc *r = register_once(PJ_FALSE);
    pump_until(&never, 1, 2500);
    CHECK(nregs == 1 && ncbs == 1);
    CHECK_STATUS(pjsip_regc_destroy(r), PJ_SUCCESS);
}

int main(void)
{
    pj_caching_pool_init(&cp, NULL, 0);
    CHECK_STATUS(pjsip_endpt_create(&cp.factory, "registrar", &srv), PJ_SUCCESS);
    CHECK_STATUS(pjsip_endpt_create(&cp.factory, "client", &cli), PJ_SUCCESS);
    CHECK_STATUS(pjshim_udp_transport_start(srv, "127.0.0.1", 0, &srv_port), PJ_SUCCESS);
    CHECK_STATUS(pjshim_udp_transport_start(cli, "127.0.0.1", 0, NULL), PJ_SUCCESS);
    CHECK_STATUS(pjshim_endpt_set_request_handler(srv, &registrar, NULL), PJ_SUCCESS);
    test_busy_and_refresh();
    test_destroy_stops_refresh();
    test_no_autoreg_no_refresh();
    CHECK(pjshim_async_live_tokens() == 0);
    pjsip_endpt_destroy(cli);
    pjsip_endpt_destroy(srv);
    pj_caching_pool_destroy(&cp);
    TEST_DONE("regc_refresh");
}
