/*
 * msg_access.c: what the Rust side of the drop-in reads from and does to
 * PJSIP's own messages, compiled against the user's headers (pjsip_rx_data
 * and pjsip_tx_data move with config_site.h, so no offset is known to Rust).
 *
 * Readers hand out borrowed views (pjshim_bytes into the message's own
 * memory, valid while the message is); appliers edit a request the way
 * PJSIP's own client does: typed Authorization headers allocated in the
 * request's pool, and the retry prepared with PJSIP's own calls.
 */
#include <pjsip.h>
#include <pj/string.h>
#include <string.h>
#include "pjshim_glue.h"

size_t pjshim_glue_sizes(int which)
{
    switch (which) {
    case PJSHIM_SIZE_BYTES:
        return sizeof(pjshim_bytes);
    case PJSHIM_SIZE_CRED:
        return sizeof(pjshim_cred);
    case PJSHIM_SIZE_DIGEST_IN:
        return sizeof(pjshim_digest_in);
    case PJSHIM_SIZE_CHALLENGE:
        return sizeof(pjshim_challenge);
    case PJSHIM_SIZE_AUTHORIZATION:
        return sizeof(pjshim_authorization);
    case PJSHIM_SIZE_SESS_WORDS:
        return sizeof(pjshim_sess_words);
    case PJSHIM_SIZE_CLAIMED:
        return sizeof(pjshim_claimed);
    default:
        return 0;
    }
}

static pjshim_bytes view(const pj_str_t *s)
{
    pjshim_bytes b;
    if (s->slen <= 0 || s->ptr == NULL) {
        b.ptr = NULL;
        b.len = 0;
    } else {
        b.ptr = s->ptr;
        b.len = (size_t)s->slen;
    }
    return b;
}

/* The status code of a response, -1 for anything else. */
int pjshim_glue_rx_status(const void *p)
{
    const pjsip_rx_data *rdata = (const pjsip_rx_data *)p;
    const pjsip_msg *msg = rdata->msg_info.msg;
    if (msg == NULL || msg->type != PJSIP_RESPONSE_MSG)
        return -1;
    return msg->line.status.code;
}

/* The next WWW-/Proxy-Authenticate header after `prev` (NULL: the first),
 * in message order; NULL when there is none. */
const void *pjshim_glue_rx_next_challenge(const void *p, const void *prev,
                                          pjshim_challenge *out)
{
    const pjsip_rx_data *rdata = (const pjsip_rx_data *)p;
    const pjsip_msg *msg = rdata->msg_info.msg;
    const pjsip_hdr *end, *h;
    if (msg == NULL)
        return NULL;
    end = &msg->hdr;
    h = prev ? ((const pjsip_hdr *)prev)->next : msg->hdr.next;
    for (; h != end; h = h->next) {
        const pjsip_www_authenticate_hdr *c;
        if (h->type != PJSIP_H_WWW_AUTHENTICATE && h->type != PJSIP_H_PROXY_AUTHENTICATE)
            continue;
        c = (const pjsip_www_authenticate_hdr *)h;
        pj_bzero(out, sizeof(*out));
        out->is_proxy = h->type == PJSIP_H_PROXY_AUTHENTICATE;
        out->scheme = view(&c->scheme);
        out->realm = view(&c->challenge.common.realm);
        if (pj_stricmp2(&c->scheme, "digest") == 0) {
            out->stale = c->challenge.digest.stale;
            out->domain = view(&c->challenge.digest.domain);
            out->nonce = view(&c->challenge.digest.nonce);
            out->opaque = view(&c->challenge.digest.opaque);
            out->algorithm = view(&c->challenge.digest.algorithm);
            out->qop = view(&c->challenge.digest.qop);
        }
        return h;
    }
    return NULL;
}

int pjshim_glue_tx_is_request(const void *p)
{
    const pjsip_tx_data *tdata = (const pjsip_tx_data *)p;
    return tdata->msg != NULL && tdata->msg->type == PJSIP_REQUEST_MSG;
}

/* Method name of a request (the caller checked it is one). */
void pjshim_glue_tx_method(const void *p, pjshim_bytes *out)
{
    const pjsip_tx_data *tdata = (const pjsip_tx_data *)p;
    *out = view(&tdata->msg->line.req.method.name);
}

/* The Request-URI as it goes on the wire (and into the digest's uri=).
 * Returns its length, or -1 when `size` is too small. */
ptrdiff_t pjshim_glue_tx_uri_print(const void *p, char *buf, size_t size)
{
    const pjsip_tx_data *tdata = (const pjsip_tx_data *)p;
    int len = pjsip_uri_print(PJSIP_URI_IN_REQ_URI, tdata->msg->line.req.uri, buf, size);
    /* pjsip_uri_print returns -1 when full; a print that fills the buffer
     * exactly cannot be told from a truncated one, so it counts as full. */
    if (len < 0 || (size_t)len >= size)
        return -1;
    return len;
}

/* The body as printed on the wire: its length (0 without a body), or -1
 * when `size` is too small. */
ptrdiff_t pjshim_glue_tx_body_print(const void *p, char *buf, size_t size)
{
    const pjsip_tx_data *tdata = (const pjsip_tx_data *)p;
    pjsip_msg_body *body = tdata->msg->body;
    int len;
    if (body == NULL || body->print_body == NULL)
        return 0;
    len = body->print_body(body, buf, size);
    if (len < 0 || (size_t)len > size)
        return -1;
    return len;
}

/* The next Authorization / Proxy-Authorization header of the request after
 * `prev` (NULL: the first); NULL when there is none. */
const void *pjshim_glue_tx_next_authorization(const void *p, const void *prev,
                                              pjshim_authorization *out)
{
    const pjsip_tx_data *tdata = (const pjsip_tx_data *)p;
    const pjsip_hdr *end = &tdata->msg->hdr;
    const pjsip_hdr *h = prev ? ((const pjsip_hdr *)prev)->next : tdata->msg->hdr.next;
    for (; h != end; h = h->next) {
        const pjsip_authorization_hdr *a;
        if (h->type != PJSIP_H_AUTHORIZATION && h->type != PJSIP_H_PROXY_AUTHORIZATION)
            continue;
        a = (const pjsip_authorization_hdr *)h;
        pj_bzero(out, sizeof(*out));
        out->is_proxy = h->type == PJSIP_H_PROXY_AUTHORIZATION;
        out->scheme = view(&a->scheme);
        out->realm = view(&a->credential.common.realm);
        if (pj_stricmp2(&a->scheme, "digest") == 0) {
            const pjsip_digest_credential *d = &a->credential.digest;
            out->username = view(&d->username);
            out->nonce = view(&d->nonce);
            out->uri = view(&d->uri);
            out->response = view(&d->response);
            out->algorithm = view(&d->algorithm);
            out->cnonce = view(&d->cnonce);
            out->opaque = view(&d->opaque);
            out->qop = view(&d->qop);
            out->nc = view(&d->nc);
        }
        return h;
    }
    return NULL;
}

/* Removes a header returned by pjshim_glue_tx_next_authorization. */
void pjshim_glue_tx_remove_hdr(void *p, const void *hdr)
{
    (void)p;
    pj_list_erase((pjsip_hdr *)hdr);
}

static void dup_into(pj_pool_t *pool, pj_str_t *dst, const pjshim_bytes *src)
{
    pj_str_t s;
    s.ptr = (char *)src->ptr;
    s.slen = (pj_ssize_t)src->len;
    if (src->len == 0) {
        dst->ptr = NULL;
        dst->slen = 0;
    } else {
        pj_strdup(pool, dst, &s);
    }
}

/* A Digest Authorization (or Proxy-Authorization) header with these fields,
 * copied into the request's pool, not yet in the message (PJSIP's printer
 * quotes what must be quoted). NULL when the pool is exhausted. */
void *pjshim_glue_tx_new_authorization(void *p, const pjshim_authorization *in)
{
    pjsip_tx_data *tdata = (pjsip_tx_data *)p;
    pjsip_authorization_hdr *h;
    pjsip_digest_credential *d;
    h = in->is_proxy ? pjsip_proxy_authorization_hdr_create(tdata->pool)
                     : pjsip_authorization_hdr_create(tdata->pool);
    if (h == NULL)
        return NULL;
    if (in->scheme.len) {
        dup_into(tdata->pool, &h->scheme, &in->scheme);
    } else {
        h->scheme = pj_str((char *)"Digest");
    }
    d = &h->credential.digest;
    dup_into(tdata->pool, &d->realm, &in->realm);
    dup_into(tdata->pool, &d->username, &in->username);
    dup_into(tdata->pool, &d->nonce, &in->nonce);
    dup_into(tdata->pool, &d->uri, &in->uri);
    dup_into(tdata->pool, &d->response, &in->response);
    dup_into(tdata->pool, &d->algorithm, &in->algorithm);
    dup_into(tdata->pool, &d->cnonce, &in->cnonce);
    dup_into(tdata->pool, &d->opaque, &in->opaque);
    dup_into(tdata->pool, &d->qop, &in->qop);
    dup_into(tdata->pool, &d->nc, &in->nc);
    return h;
}

/* The same, added at the end of the header list. PJ_SUCCESS or PJ_ENOMEM. */
int pjshim_glue_tx_add_authorization(void *p, const pjshim_authorization *in)
{
    void *h = pjshim_glue_tx_new_authorization(p, in);
    if (h == NULL)
        return PJ_ENOMEM;
    pjsip_msg_add_hdr(((pjsip_tx_data *)p)->msg, (pjsip_hdr *)h);
    return PJ_SUCCESS;
}

/* Makes the request ready to be sent again, as PJSIP's client does after
 * answering a challenge: the top Via loses its branch (the transaction
 * layer gives it a new one), a strict route set is restored, the printed
 * message is invalidated, and the request is marked as an auth retry. */
int pjshim_glue_tx_prepare_retry(void *p)
{
    pjsip_tx_data *tdata = (pjsip_tx_data *)p;
    pjsip_via_hdr *via = (pjsip_via_hdr *)pjsip_msg_find_hdr(tdata->msg, PJSIP_H_VIA, NULL);
    if (via == NULL)
        return PJSIP_EMISSINGHDR;
    via->branch_param.slen = 0;
    pjsip_restore_strict_route_set(tdata);
    pjsip_tx_data_invalidate_msg(tdata);
    tdata->auth_retry = PJ_TRUE;
    return PJ_SUCCESS;
}

void pjshim_glue_tx_set_auth_retry(void *p, int retry)
{
    ((pjsip_tx_data *)p)->auth_retry = retry ? PJ_TRUE : PJ_FALSE;
}

void pjshim_glue_tx_add_ref(void *p)
{
    pjsip_tx_data_add_ref((pjsip_tx_data *)p);
}

/* The value of a header as PJSIP's printer writes it: the text after the
 * colon and its blanks. Its length, or -1 when `size` is too small. */
ptrdiff_t pjshim_glue_hdr_print_value(const void *hdr, char *buf, size_t size)
{
    int len = pjsip_hdr_print_on((void *)hdr, buf, size);
    char *colon, *start;
    if (len < 0 || (size_t)len >= size)
        return -1;
    colon = memchr(buf, ':', (size_t)len);
    if (colon == NULL)
        return 0;
    start = colon + 1;
    while (start < buf + len && (*start == ' ' || *start == '\t'))
        ++start;
    len = (int)(buf + len - start);
    memmove(buf, start, (size_t)len);
    return len;
}

int pjshim_glue_tx_has_via(const void *p)
{
    const pjsip_tx_data *tdata = (const pjsip_tx_data *)p;
    return pjsip_msg_find_hdr(tdata->msg, PJSIP_H_VIA, NULL) != NULL;
}

void pjshim_glue_tx_add_hdr(void *p, void *hdr)
{
    pjsip_msg_add_hdr(((pjsip_tx_data *)p)->msg, (pjsip_hdr *)hdr);
}

int pjshim_glue_preemptive_auth(void)
{
    return PJSIP_AUTH_AUTO_SEND_NEXT != 0 || PJSIP_AUTH_HEADER_CACHING != 0;
}

/* A challenge header's value as pjshim_glue_hdr_print_value gives it, with
 * an empty nonce written out when the header has none: PJSIP's client
 * answers such a challenge with an empty nonce (PJSIP's own regc_test
 * registrar sends one), and its printer leaves an empty nonce out. */
ptrdiff_t pjshim_glue_challenge_print_value(const void *hdr, char *buf, size_t size)
{
    const pjsip_www_authenticate_hdr *c = (const pjsip_www_authenticate_hdr *)hdr;
    static const char empty_nonce[] = ",nonce=\"\"";
    ptrdiff_t len = pjshim_glue_hdr_print_value(hdr, buf, size);
    if (len < 0 || pj_stricmp2(&c->scheme, "digest") != 0 || c->challenge.digest.nonce.slen != 0)
        return len;
    if ((size_t)len + sizeof(empty_nonce) > size)
        return -1;
    pj_memcpy(buf + len, empty_nonce, sizeof(empty_nonce) - 1);
    return len + (ptrdiff_t)sizeof(empty_nonce) - 1;
}
