/* scenario.h: what the scenario programs (scenario_*.c) share: a PJSIP
 * endpoint, a REGISTER and its 401 as real pjsip_tx_data / pjsip_rx_data, the
 * SIP-module side of an async token (counting send_impl / abandon_impl) and
 * an async callback that keeps the token it is given.
 *
 * The programs are built unchanged against stock PJSIP and against the
 * drop-in (pj/tests/scenarios.rs): nothing here knows which one runs. */
#ifndef PJSHIM_SCENARIO_H
#define PJSHIM_SCENARIO_H

#include <pjlib.h>
#include <pjlib-util.h>
#include <pjsip.h>
#include <stdatomic.h>

extern pjsip_endpoint *sc_endpt;

/* pj_init, a caching pool with `capacity` bytes of pool cache (0: every
 * released pool goes back to malloc at once, so that valgrind sees a use
 * after release), the endpoint. Exits 2 on failure. */
void sc_init(const char *name, pj_size_t capacity);
void sc_shutdown(void);

/* Exits 2 with the message: the scenario could not even be set up (the
 * harness tells this apart from a wrong result, exit 1). */
void sc_setup_failed(const char *what, pj_status_t status);

/* A REGISTER for sip:example.test from alice, with a Via, as a UA sends it
 * (pjsip_endpt_create_request). */
pjsip_tx_data *sc_register_request(void);

/* A received message parsed from text (pjsip_parse_rdata). */
pjsip_rx_data *sc_parse(pj_pool_t *pool, const char *text);

/* The 401 to sc_register_request(): Digest, realm example.test, MD5, qop auth. */
extern const char sc_401[];

/* Sets alice/secret for realm example.test on `sess`. */
pj_status_t sc_set_alice(pjsip_auth_clt_sess *sess);

/* The SIP module's side of a token: what send_impl / abandon_impl did. */
typedef struct sc_module {
    atomic_int sends;
    atomic_int abandons;
} sc_module;

pj_status_t sc_send_impl(pjsip_auth_clt_sess *sess, void *user_data, pjsip_tx_data *tdata);
void sc_abandon_impl(pjsip_auth_clt_sess *sess, void *user_data);

/* A token as a SIP module makes it (see sip_reg.c): module callbacks, the
 * group lock that keeps its memory alive, one reference added for it. */
void sc_token_prepare(pjsip_auth_clt_async_impl_token *tok, sc_module *mod,
                      pj_grp_lock_t *grp_lock);

/* The application side: an async callback that keeps the token (returns
 * PJ_TRUE, consumes nothing). user_data is an sc_kept. */
typedef struct sc_kept {
    void *_Atomic token;
    pjsip_auth_clt_sess *sess;
    atomic_int calls;
} sc_kept;

pj_bool_t sc_keep_token(pjsip_auth_clt_sess *sess, void *token,
                        const pjsip_auth_clt_async_on_chal_param *param);

/* Integer from the environment, or `dflt`. */
long sc_env_long(const char *name, long dflt);

#endif
