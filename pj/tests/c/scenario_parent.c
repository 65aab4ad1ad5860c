/* scenario_parent.c: the child session used from inside the challenge
 * callback while a parent is set (issue 8, "The child-session-inside-
 * callback deadlock scenario").
 *
 * Sessions A and B, B's parent A (pjsip_auth_clt_set_parent), async
 * configured through B. A challenge on B (pjsip_auth_clt_async_impl_on_
 * challenge with a module's token); the callback then calls B itself:
 *
 *   scenario_parent send     async_send_req(B, token, request)
 *   scenario_parent reinit   reinit_req(B, 401, request), then
 *                            async_abandon(B, token)
 *   ... --no-parent          the same without set_parent: the harness's
 *                            control (stock PJSIP takes no lock then)
 *
 * It prints "entered callback" before the inner calls (a harness that sees
 * it and then nothing knows where the program hangs), then one line "PARENT
 * mode=... on_challenge=... inner=... abandon=... sends=... abandons=...
 * balanced=0|1 authorization=0|1" and "done"; exit 0 (the harness judges),
 * 2 when it cannot be set up. */
#include "scenario.h"

#include <stdio.h>
#include <string.h>

static pjsip_auth_clt_sess a, b;
static pjsip_tx_data *request;
static pjsip_rx_data *challenge;
static int reinit_mode;
static pj_status_t inner = -1, inner_abandon = -1;
static int has_authorization = -1;

static pj_bool_t call_child(pjsip_auth_clt_sess *sess, void *token,
                            const pjsip_auth_clt_async_on_chal_param *param)
{
    (void)sess;
    (void)param;
    printf("entered callback\n");
    fflush(stdout);
    if (!reinit_mode) {
        inner = pjsip_auth_clt_async_send_req(&b, token, request);
    } else {
        pjsip_tx_data *retry = NULL;
        inner = pjsip_auth_clt_reinit_req(&b, challenge, request, &retry);
        if (inner == PJ_SUCCESS && retry != NULL) {
            has_authorization =
                pjsip_msg_find_hdr(retry->msg, PJSIP_H_AUTHORIZATION, NULL) != NULL;
            /* reinit_req added a reference to the request it returns. */
            pjsip_tx_data_dec_ref(retry);
        }
        inner_abandon = pjsip_auth_clt_async_abandon(&b, token);
    }
    return PJ_TRUE;
}

int main(int argc, char **argv)
{
    pj_pool_t *pool;
    pj_grp_lock_t *grp;
    pjsip_auth_clt_async_setting opt;
    pjsip_auth_clt_async_on_chal_param param;
    pjsip_auth_clt_async_impl_token tok;
    sc_module mod;
    int baseline;
    pj_status_t st;

    int with_parent = !(argc == 3 && strcmp(argv[2], "--no-parent") == 0);
    if (argc < 2 || argc > 3 || (argc == 3 && with_parent) ||
        (strcmp(argv[1], "send") != 0 && strcmp(argv[1], "reinit") != 0)) {
        printf("usage: %s send|reinit [--no-parent]\n", argv[0]);
        return 64;
    }
    reinit_mode = strcmp(argv[1], "reinit") == 0;
    sc_init("scenario-parent", 1024 * 1024);
    pool = pjsip_endpt_create_pool(sc_endpt, "parent", 4000, 4000);
    if ((st = pjsip_auth_clt_init(&a, sc_endpt, pool, 0)) != PJ_SUCCESS ||
        (st = pjsip_auth_clt_init(&b, sc_endpt, pool, 0)) != PJ_SUCCESS)
        sc_setup_failed("pjsip_auth_clt_init", st);
    if ((st = sc_set_alice(&a)) != PJ_SUCCESS || (st = sc_set_alice(&b)) != PJ_SUCCESS)
        sc_setup_failed("pjsip_auth_clt_set_credentials", st);
    if (with_parent && (st = pjsip_auth_clt_set_parent(&b, &a)) != PJ_SUCCESS)
        sc_setup_failed("pjsip_auth_clt_set_parent", st);
    pj_bzero(&opt, sizeof(opt));
    opt.cb = &call_child;
    if ((st = pjsip_auth_clt_async_configure(&b, &opt)) != PJ_SUCCESS)
        sc_setup_failed("pjsip_auth_clt_async_configure", st);

    request = sc_register_request();
    challenge = sc_parse(pool, sc_401);
    if ((st = pj_grp_lock_create(pool, NULL, &grp)) != PJ_SUCCESS)
        sc_setup_failed("pj_grp_lock_create", st);
    /* One reference of our own, so that a balanced run ends with 1. */
    pj_grp_lock_add_ref(grp);
    baseline = pj_grp_lock_get_ref(grp);
    memset(&mod, 0, sizeof(mod));
    sc_token_prepare(&tok, &mod, grp);
    pj_bzero(&param, sizeof(param));
    param.tdata = request;
    param.rdata = challenge;

    st = pjsip_auth_clt_async_impl_on_challenge(&b, &tok, &param);
    printf("PARENT parent=%d mode=%s on_challenge=%d inner=%d abandon=%d sends=%d abandons=%d "
           "balanced=%d authorization=%d\n",
           with_parent, argv[1], st, inner, inner_abandon, atomic_load(&mod.sends),
           atomic_load(&mod.abandons), pj_grp_lock_get_ref(grp) == baseline,
           has_authorization);
    fflush(stdout);

    pjsip_tx_data_dec_ref(request);
    pjsip_auth_clt_deinit(&b);
    pjsip_auth_clt_deinit(&a);
    pj_grp_lock_dec_ref(grp);
    pj_pool_release(pool);
    sc_shutdown();
    printf("done\n");
    return 0;
}
