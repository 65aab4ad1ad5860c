/* Endpoint basics through the header only: create/destroy, pools, timers
 * (order, cancel, PJ_EEXISTS, rescheduling from a callback), the UDP
 * transport on 127.0.0.1, and NULL arguments. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include "pjsip_auth_shim.h"
#include "test_util.h"

static pj_caching_pool cp;
static pjsip_endpoint *endpt;
static int fired[8];
static int nfired;
static pj_timer_heap_t *heap_seen;

static void on_timer(pj_timer_heap_t *th, pj_timer_entry *e)
{
    heap_seen = th;
    if (nfired < 8)
        fired[nfired++] = e->id;
}

/* Reschedules itself twice, then stops. */
static int resched_count;
static void on_resched(pj_timer_heap_t *th, pj_timer_entry *e)
{
    pj_time_val d = {0, 1};
    PJ_UNUSED_ARG(th);
    resched_count++;
    if (resched_count < 3)
        CHECK_STATUS(pjsip_endpt_schedule_timer(endpt, e, &d), PJ_SUCCESS);
}

static void poll_for(int ms)
{
    pj_time_val t = {0, 10};
    int i;
    for (i = 0; i < ms / 10; i++)
        CHECK_STATUS(pjsip_endpt_handle_events(endpt, &t), PJ_SUCCESS);
}

static void test_timers(void)
{
    pj_timer_entry a, b, c, d, r;
    pj_time_val da = {0, 600}, db = {0, 200}, dc = {0, 400}, dd = {0, 300}, zero = {0, 0};
    int i;
    CHECK(pj_timer_entry_init(&a, 1, NULL, &on_timer) == &a);
    pj_timer_entry_init(&b, 2, NULL, &on_timer);
    pj_timer_entry_init(&c, 3, NULL, &on_timer);
    pj_timer_entry_init(&d, 4, NULL, &on_timer);
    CHECK(a.id == 1 && a.cb == &on_timer && a.user_data == NULL);
    CHECK_STATUS(pjsip_endpt_schedule_timer(endpt, &a, &da), PJ_SUCCESS);
    CHECK_STATUS(pjsip_endpt_schedule_timer(endpt, &b, &db), PJ_SUCCESS);
    CHECK_STATUS(pjsip_endpt_schedule_timer(endpt, &c, &dc), PJ_SUCCESS);
    CHECK_STATUS(pjsip_endpt_schedule_timer(endpt, &d, &dd), PJ_SUCCESS);
    CHECK_STATUS(pjsip_endpt_schedule_timer(endpt, &a, &zero), PJ_EEXISTS);
    pjsip_endpt_cancel_timer(endpt, &d);
    pjsip_endpt_cancel_timer(endpt, &d); /* not scheduled: harmless */
    for (i = 0; i < 200 && nfired < 3; i++)
        poll_for(10);
    CHECK(nfired == 3);
    CHECK(fired[0] == 2 && fired[1] == 3 && fired[2] == 1);
    CHECK(heap_seen == pjsip_endpt_get_timer_heap(endpt) && heap_seen != NULL);
    /* A fired entry can be scheduled again. */
    CHECK_STATUS(pjsip_endpt_schedule_timer(endpt, &a, &zero), PJ_SUCCESS);
    for (i = 0; i < 100 && nfired < 4; i++)
        poll_for(10);
    CHECK(nfired == 4 && fired[3] == 1);

    pj_timer_entry_init(&r, 9, NULL, &on_resched);
    CHECK_STATUS(pjsip_endpt_schedule_timer(endpt, &r, &zero), PJ_SUCCESS);
    for (i = 0; i < 100 && resched_count < 3; i++)
        poll_for(10);
    CHECK(resched_count == 3);
}

static void test_pools(void)
{
    pj_pool_t *pool = pjsip_endpt_create_pool(endpt, "ep-pool", 512, 512);
    char *m;
    CHECK(pool != NULL);
    m = (char *)pj_pool_alloc(pool, 100);
    CHECK(m != NULL);
    memset(m, 'x', 100);
    pjsip_endpt_release_pool(endpt, pool);
}

static unsigned ep_port;
static void test_transport(void)
{
    unsigned port = 0, port2 = 0;
    pjsip_endpoint *other = NULL;
    CHECK_STATUS(pjshim_udp_transport_start(endpt, "127.0.0.1", 0, &port), PJ_SUCCESS);
    CHECK(port != 0);
    ep_port = port;
    CHECK_STATUS(pjshim_udp_transport_start(endpt, NULL, 0, &port2), PJ_EEXISTS);
    CHECK_STATUS(pjsip_endpt_create(&cp.factory, NULL, &other), PJ_SUCCESS);
    CHECK_STATUS(pjshim_udp_transport_start(other, "127.0.0.1", port, NULL), PJ_EEXISTS);
    CHECK_STATUS(pjshim_udp_transport_start(other, "not-an-ip", 0, NULL), PJ_EINVAL);
    CHECK_STATUS(pjshim_udp_transport_start(other, NULL, 70000, NULL), PJ_EINVAL);
    CHECK_STATUS(pjshim_udp_transport_start(other, NULL, 0, NULL), PJ_SUCCESS);
    pjsip_endpt_destroy(other);
}

static int handled_count;
static pj_bool_t answer_ok(pjsip_rx_data *rdata, void *user_data)
{
    pjsip_tx_data *resp = NULL;
    pj_str_t v;
    CHECK(user_data == &handled_count);
    handled_count++;
    if (pjshim_rx_data_get_hdr(rdata, "X-Decline", 0, &v) == PJ_SUCCESS)
        return PJ_FALSE;
    CHECK_STATUS(pjshim_tx_data_create_response(rdata, 200, NULL, &resp), PJ_SUCCESS);
    CHECK_STATUS(pjshim_endpt_respond(endpt, rdata, resp), PJ_SUCCESS);
    CHECK_STATUS(pjshim_endpt_respond(endpt, NULL, resp), PJ_EINVAL);
    pjsip_tx_data_dec_ref(resp);
    return PJ_TRUE;
}

/* Sends `req` from a plain UDP socket and returns the status code of the
 * answer (0 if none within a second). */
static int exchanges;
static int exchange(unsigned port, const char *extra)
{
    char req[512], buf[2048];
    struct sockaddr_in to;
    struct timeval tv = {0, 20000};
    int fd = socket(AF_INET, SOCK_DGRAM, 0), i, code = 0, n;
    memset(&to, 0, sizeof(to));
    to.sin_family = AF_INET;
    to.sin_port = htons((unsigned short)port);
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    snprintf(req, sizeof(req),
             "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bKc1\r\n"
             "From: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: cid-%d\r\nCSeq: 1 OPTIONS\r\n%s"
             "Content-Length: 0\r\n\r\n", ++exchanges, extra);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    CHECK(sendto(fd, req, strlen(req), 0, (struct sockaddr *)&to, sizeof(to)) > 0);
    for (i = 0; i < 50 && code == 0; i++) {
        pj_time_val t = {0, 10};
        pjsip_endpt_handle_events(endpt, &t);
        n = (int)recv(fd, buf, sizeof(buf) - 1, 0);
        if (n > 12) {
            buf[n] = 0;
            code = atoi(buf + 8);
        }
    }
    close(fd);
    return code;
}

static void test_request_handler(unsigned port)
{
    CHECK_STATUS(pjshim_endpt_set_request_handler(NULL, &answer_ok, NULL), PJ_EINVAL);
    /* No handler: 501. */
    CHECK(exchange(port, "") == 501);
    CHECK_STATUS(pjshim_endpt_set_request_handler(endpt, &answer_ok, &handled_count), PJ_SUCCESS);
    CHECK(exchange(port, "") == 200);
    CHECK(exchange(port, "X-Decline: 1\r\n") == 501);
    CHECK(handled_count == 2);
    CHECK_STATUS(pjshim_endpt_set_request_handler(endpt, NULL, NULL), PJ_SUCCESS);
}

static void test_nulls(void)
{
    pjsip_endpoint *e = NULL;
    pj_timer_entry t;
    pj_time_val d = {0, 0}, neg = {-1, 0};
    pj_timer_entry_init(&t, 0, NULL, &on_timer);
    CHECK_STATUS(pjsip_endpt_create(NULL, "x", &e), PJ_EINVAL);
    CHECK_STATUS(pjsip_endpt_create(&cp.factory, "x", NULL), PJ_EINVAL);
    CHECK(e == NULL);
    CHECK_STATUS(pjsip_endpt_handle_events(NULL, &d), PJ_EINVAL);
    CHECK_STATUS(pjsip_endpt_handle_events(endpt, &neg), PJ_EINVAL);
    CHECK_STATUS(pjsip_endpt_handle_events(endpt, NULL), PJ_SUCCESS);
    CHECK_STATUS(pjsip_endpt_schedule_timer(NULL, &t, &d), PJ_EINVAL);
    CHECK_STATUS(pjsip_endpt_schedule_timer(endpt, NULL, &d), PJ_EINVAL);
    CHECK_STATUS(pjsip_endpt_schedule_timer(endpt, &t, NULL), PJ_EINVAL);
    CHECK_STATUS(pjsip_endpt_schedule_timer(endpt, &t, &neg), PJ_EINVAL);
    pjsip_endpt_cancel_timer(NULL, &t);
    pjsip_endpt_cancel_timer(endpt, NULL);
    CHECK(pj_timer_entry_init(NULL, 0, NULL, NULL) == NULL);
    CHECK(pjsip_endpt_create_pool(NULL, "p", 0, 0) == NULL);
    CHECK(pjsip_endpt_get_timer_heap(NULL) == NULL);
    CHECK_STATUS(pjshim_udp_transport_start(NULL, NULL, 0, NULL), PJ_EINVAL);
    pjsip_endpt_destroy(NULL);
}

int main(void)
{
    pj_caching_pool_init(&cp, NULL, 0);
    CHECK_STATUS(pjsip_endpt_create(&cp.factory, "basic", &endpt), PJ_SUCCESS);
    test_timers();
    test_pools();
    test_transport();
    test_request_handler(ep_port);
    test_nulls();
    {
        /* Destroy with a timer still pending: forgotten, no leak. */
        static pj_timer_entry late;
        pj_time_val d = {60, 0};
        pj_timer_entry_init(&late, 0, NULL, &on_timer);
        CHECK_STATUS(pjsip_endpt_schedule_timer(endpt, &late, &d), PJ_SUCCESS);
    }
    pjsip_endpt_destroy(endpt);
    pj_caching_pool_destroy(&cp);
    TEST_DONE("endpoint_basic");
}
