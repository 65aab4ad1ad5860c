/* pj_check.h: what the drop-in's one-program C tests (clt_async.c,
 * clt_reinit.c, msg_access.c, digest_vectors.c) share: a failure counter with
 * EXPECT, a pj_str_t from a literal, and a received message parsed from text.
 * Header-only: each of those tests is one translation unit, built against
 * the user's PJSIP headers and linked with stock PJSIP or with ours. */
#ifndef PJSHIM_PJ_CHECK_H
#define PJSHIM_PJ_CHECK_H

#include <pjlib.h>
#include <pjsip.h>
#include <stdio.h>
#include <string.h>

static int failures;
#define EXPECT(cond)                                                                     \
    do {                                                                                 \
        if (!(cond)) {                                                                   \
            printf("FAILED %s:%d: %s\n", __FILE__, __LINE__, #cond);                     \
            failures++;                                                                  \
        }                                                                                \
    } while (0)

static inline pj_str_t S(const char *s)
{
    return pj_str((char *)s);
}

/* `text` parsed as a received message into an rx_data in `pool`; NULL (with
 * the text printed) when PJSIP cannot parse it. */
static inline pjsip_rx_data *parse_rdata(pj_pool_t *pool, const char *text)
{
    pjsip_rx_data *rdata = PJ_POOL_ZALLOC_T(pool, pjsip_rx_data);
    char *buf = pj_pool_alloc(pool, strlen(text) + 1);
    strcpy(buf, text);
    rdata->tp_info.pool = pool;
    pj_list_init(&rdata->msg_info.parse_err);
    if (pjsip_parse_rdata(buf, strlen(buf), rdata) == NULL) {
        printf("cannot parse:\n%s\n", text);
        return NULL;
    }
    return rdata;
}

#endif /* PJSHIM_PJ_CHECK_H */
