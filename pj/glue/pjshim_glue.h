/*
 * pjshim_glue.h: the seam between the C glue (glue/ *.c, compiled by build.rs
 * against the user's own pjproject headers) and the Rust side of the drop-in
 * (pj/src/).
 *
 * Only our own plain types cross it. PJSIP objects (sessions, pools, tx/rx
 * data, headers) pass as opaque pointers: the Rust side never knows their
 * layout, which moves with config_site.h. It reads and edits them only
 * through the pjshim_glue_* functions below, implemented in C.
 *
 * Names: pjshim_pj_* are implemented in Rust and called by the glue;
 * pjshim_glue_* are implemented in C and called by Rust. Nothing here is in
 * PJSIP's namespaces. pj/src/glue.rs declares the same, by hand: keep the two
 * in step (each struct has a size check there and in msg_access.c).
 */
#ifndef PJSHIM_GLUE_H
#define PJSHIM_GLUE_H

#include <stddef.h>

/* A borrowed byte string. ptr may be NULL only when len is 0. */
typedef struct pjshim_bytes {
    const char *ptr;
    size_t len;
} pjshim_bytes;

/* A pjsip_cred_info's contents, borrowed from it. */
typedef struct pjshim_cred {
    pjshim_bytes realm;
    pjshim_bytes scheme;
    pjshim_bytes username;
    pjshim_bytes data;
    int data_type;
    int algorithm_type;
    pjshim_bytes aka_k;
    pjshim_bytes aka_op;
    pjshim_bytes aka_amf;
} pjshim_cred;

/* The inputs of pjsip_auth_create_digest2. A NULL pointer is an absent
 * argument (NULL in the PJSIP call). */
typedef struct pjshim_digest_in {
    const pjshim_bytes *nonce;
    const pjshim_bytes *nc;
    const pjshim_bytes *cnonce;
    const pjshim_bytes *qop;
    const pjshim_bytes *uri;
    const pjshim_bytes *realm;
    const pjshim_bytes *method;
    pjshim_cred cred;
} pjshim_digest_in;

/* One WWW-Authenticate / Proxy-Authenticate header of a response, as PJSIP
 * parsed it (the digest fields are meaningful for the Digest scheme only). */
typedef struct pjshim_challenge {
    int is_proxy;
    int stale;
    pjshim_bytes scheme;
    pjshim_bytes realm;
    pjshim_bytes domain;
    pjshim_bytes nonce;
    pjshim_bytes opaque;
    pjshim_bytes algorithm;
    pjshim_bytes qop;
} pjshim_challenge;

/* The digest fields of an Authorization / Proxy-Authorization header, read
 * from a request or to be written into one. */
typedef struct pjshim_authorization {
    int is_proxy;
    pjshim_bytes scheme;
    pjshim_bytes realm;
    pjshim_bytes username;
    pjshim_bytes nonce;
    pjshim_bytes uri;
    pjshim_bytes response;
    pjshim_bytes algorithm;
    pjshim_bytes cnonce;
    pjshim_bytes opaque;
    pjshim_bytes qop;
    pjshim_bytes nc;
} pjshim_authorization;

/* Callbacks cross as generic function pointers; the glue calls them with
 * their real types. */
typedef void (*pjshim_fn)(void);

/* What the drop-in keeps in the pjsip_auth_clt_sess an application
 * embeds (at its start; auth_client.c asserts it fits): a magic word and
 * the session's handle. The Rust side reads it directly (unaligned reads,
 * so the struct's own alignment does not matter) and never writes it. */
typedef struct pjshim_sess_words {
    unsigned long long magic;
    unsigned long long handle;
} pjshim_sess_words;

/* A token claimed by pjshim_pj_clt_async_claim: the impl token's fields as
 * they were at issue, and the session the impl functions receive (the
 * acting one: the parent when one is set). The claimer, and no one else,
 * then finishes it: the signature zeroed, send_impl or abandon_impl run
 * once, and the group-lock reference (when grp_lock is not NULL) dropped. */
typedef struct pjshim_claimed {
    pjshim_fn send_impl;
    pjshim_fn abandon_impl; /* may be NULL */
    void *user_data;
    void *grp_lock;         /* may be NULL */
    void *impl_token;
    void *sess;
} pjshim_claimed;

/* ---- Rust side (pj/src/), called by glue/auth_client.c ---- */

/* Status values are pj_status_t numbers (pj/src/status.rs); auth_client.c
 * checks at compile time that they have these values in the user's headers. */

const char *pjshim_pj_version(void);
int pjshim_pj_algorithm_by_type(int algorithm_type);
int pjshim_pj_algorithm_by_iana_name(const pjshim_bytes *name);
int pjshim_pj_algorithm_supported(int algorithm_type);
int pjshim_pj_create_digest2(const pjshim_digest_in *in, int algorithm_type, char *out,
                             ptrdiff_t *out_len);
int pjshim_pj_cred_cmp(const pjshim_cred *a, const pjshim_cred *b);
void pjshim_pj_cred_dup(void *pool, void *dst, const void *src);
void pjshim_pj_pref_dup(void *pool, void *dst, const void *src);

int pjshim_pj_clt_init(void *sess, void *endpt, void *pool, unsigned options);
int pjshim_pj_clt_deinit(void *sess);
int pjshim_pj_clt_clone(void *pool, void *sess, const void *rhs);
int pjshim_pj_clt_set_credentials(void *sess, int count, const void *creds);
int pjshim_pj_clt_set_prefs(void *sess, const void *prefs);
int pjshim_pj_clt_get_prefs(void *sess, void *prefs);
int pjshim_pj_clt_set_parent(void *sess, void *parent);
int pjshim_pj_clt_init_req(void *sess, void *tdata);
int pjshim_pj_clt_reinit_req(void *sess, const void *rdata, void *old_request,
                             void **new_request);
int pjshim_pj_clt_async_configure(void *sess, const void *setting);
/* Claims `token` presented with `sess`; on 0 (PJ_SUCCESS) *out is the
 * claimed token, to be finished by the caller (pjshim_claimed). */
int pjshim_pj_clt_async_claim(void *sess, void *token, pjshim_claimed *out);
/* Issues a token for the impl token whose fields the glue read (its
 * signature already "AUTH") and runs the challenge callback. */
int pjshim_pj_clt_async_impl_on_challenge(void *sess, void *impl_token, const void *param,
                                          void *user_data, pjshim_fn send_impl,
                                          pjshim_fn abandon_impl, void *grp_lock);

/* ---- C side, called by Rust ---- */

/* Structs whose contents the Rust side reads or writes, field by field. */
void pjshim_glue_cred_view(const void *cred_info, pjshim_cred *out);
void pjshim_glue_cred_copy(void *dst, const void *src);
void pjshim_glue_cred_store(void *dst, const pjshim_cred *in);
void pjshim_glue_pref_view(const void *pref, int *initial_auth, pjshim_bytes *algorithm);
void pjshim_glue_pref_copy(void *dst, const void *src);
void pjshim_glue_pref_store(void *dst, int initial_auth, const pjshim_bytes *algorithm);
void *pjshim_glue_pool_alloc(void *pool, size_t size);
void pjshim_glue_sess_set(void *sess, unsigned long long magic, unsigned long long handle);
const void *pjshim_glue_cred_at(const void *array, int index);
size_t pjshim_glue_sizes(int which);

/* Messages (msg_access.c). */
int pjshim_glue_rx_status(const void *rdata);
const void *pjshim_glue_rx_next_challenge(const void *rdata, const void *prev,
                                          pjshim_challenge *out);
int pjshim_glue_tx_is_request(const void *tdata);
void pjshim_glue_tx_method(const void *tdata, pjshim_bytes *out);
ptrdiff_t pjshim_glue_tx_uri_print(const void *tdata, char *buf, size_t size);
ptrdiff_t pjshim_glue_tx_body_print(const void *tdata, char *buf, size_t size);
const void *pjshim_glue_tx_next_authorization(const void *tdata, const void *prev,
                                              pjshim_authorization *out);
void pjshim_glue_tx_remove_hdr(void *tdata, const void *hdr);
int pjshim_glue_tx_add_authorization(void *tdata, const pjshim_authorization *in);
int pjshim_glue_tx_prepare_retry(void *tdata);
void pjshim_glue_tx_set_auth_retry(void *tdata, int retry);
void pjshim_glue_tx_add_ref(void *tdata);

/* The value of a header, as PJSIP prints it (what follows "Name:"): its
 * length, or -1 when `size` is too small. */
ptrdiff_t pjshim_glue_hdr_print_value(const void *hdr, char *buf, size_t size);
/* The same for a WWW-/Proxy-Authenticate header, an absent Digest nonce
 * written as nonce="" (PJSIP answers it with an empty one). */
ptrdiff_t pjshim_glue_challenge_print_value(const void *hdr, char *buf, size_t size);
int pjshim_glue_tx_has_via(const void *tdata);
/* A typed Digest authorization header made in the request's pool, not yet
 * in the message; NULL when the pool is exhausted. */
void *pjshim_glue_tx_new_authorization(void *tdata, const pjshim_authorization *in);
void pjshim_glue_tx_add_hdr(void *tdata, void *hdr);
/* Non-zero when the user's config makes PJSIP's init_req send the next
 * authorization pre-emptively (PJSIP_AUTH_AUTO_SEND_NEXT or
 * PJSIP_AUTH_HEADER_CACHING). */
int pjshim_glue_preemptive_auth(void);

/* Async challenges (async_access.c). */
void pjshim_glue_async_setting_view(const void *opt, pjshim_fn *cb, void **user_data);
int pjshim_glue_call_on_challenge(pjshim_fn cb, void *sess, void *token, const void *param,
                                  void *user_data);
/* Writes "AUTH" (pending != 0) or zeros into the impl token's signature. */
void pjshim_glue_impl_token_sign(void *impl_token, int pending);
void pjshim_glue_grp_lock_dec_ref(void *grp_lock);

/* pjshim_glue_sizes(which): sizeof of our own structs as C sees them, for the
 * Rust side's layout check. */
#define PJSHIM_SIZE_BYTES 0
#define PJSHIM_SIZE_CRED 1
#define PJSHIM_SIZE_DIGEST_IN 2
#define PJSHIM_SIZE_CHALLENGE 3
#define PJSHIM_SIZE_AUTHORIZATION 4
#define PJSHIM_SIZE_SESS_WORDS 5
#define PJSHIM_SIZE_CLAIMED 6

#endif /* PJSHIM_GLUE_H */
